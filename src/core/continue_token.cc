#include "kube/core/continue_token.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json.hpp>

namespace kube {
namespace json = boost::json;

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v =
        (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = std::uint8_t(in[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
  }
  return out;
}

// Go's base64.RawURLEncoding: the URL alphabet, no padding; a lone final
// character (6 bits, no whole byte) is illegal.
std::optional<std::string> unbase64url(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return std::nullopt;
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  return out;
}
}  // namespace

std::string encode_continue(std::int64_t rv, const std::string& start) {
  json::object o{{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", start}};
  return base64url(json::serialize(o));
}

Result<ContinueToken> decode_continue(const std::string& token) {
  // Checks and wording of k8s.io/apiserver/pkg/storage/continue.go (DecodeContinue).
  auto bad = [](std::string why) {
    return Error{
        400, "BadRequest", "continue key is not valid" + (why.empty() ? "" : ": " + why), {}};
  };
  auto raw = unbase64url(token);
  if (!raw) return bad("illegal base64 data");
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_object()) return bad(ec ? ec.message() : "not a JSON object");
  const auto& o = v.as_object();
  auto* ver = o.if_contains("v");
  auto* rv = o.if_contains("rv");
  auto* start = o.if_contains("start");
  if ((ver && !ver->is_string()) || (rv && !rv->is_int64() && !rv->is_null()) ||
      (start && !start->is_string() && !start->is_null())) {
    return bad("wrong JSON type of v, rv or start");
  }
  if (!ver || ver->as_string() != "meta.k8s.io/v1")
    return bad("server does not recognize this encoded version");
  if (!rv || rv->is_null() || rv->as_int64() == 0) {
    return bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (!start || start->is_null() || start->as_string().empty())
    return bad("encoded start key empty");
  return ContinueToken{rv->as_int64(), std::string(start->as_string())};
}

}  // namespace kube
