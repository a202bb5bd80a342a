// Object normalisation, timestamps and continue tokens for the Store.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <ctime>

#include "src/testing/store.h"

namespace kube::testing::internal {
namespace json = boost::json;

namespace {
// metadata fields in the order kube-apiserver serialises ObjectMeta.
constexpr std::array kMetaOrder = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields"};

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
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
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return std::nullopt;
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

Result<ObjectPtr> make_object(const json::object& obj) {
  json::object out;
  out.reserve(obj.size());
  for (const char* k : {"kind", "apiVersion"}) {
    if (auto* v = obj.if_contains(k)) out[k] = *v;
  }
  if (auto* m = obj.if_contains("metadata"); m && m->is_object()) {
    json::object meta;
    const auto& mo = m->as_object();
    for (const char* k : kMetaOrder) {
      if (auto* v = mo.if_contains(k)) meta[k] = *v;
    }
    for (const auto& [k, v] : mo) {
      if (!meta.contains(k)) meta[k] = v;
    }
    // ObjectMeta's omitempty fields: an empty map or list is not served.
    for (const char* k : {"labels", "annotations", "ownerReferences", "finalizers"}) {
      auto* v = meta.if_contains(k);
      if (v && ((v->is_object() && v->as_object().empty()) || (v->is_array() && v->as_array().empty()) ||
                v->is_null())) {
        meta.erase(k);
      }
    }
    out["metadata"] = std::move(meta);
  }
  for (const auto& [k, v] : obj) {
    if (!out.contains(k)) out[k] = v;
  }
  return Object::from_value(out);
}

std::string now_rfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string encode_continue(std::int64_t rv, const std::string& start) {
  json::object o{{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", start}};
  return base64url(json::serialize(o));
}

Result<ContinueToken> decode_continue(const std::string& token) {
  // Checks and wording of k8s.io/apiserver/pkg/storage/continue.go (DecodeContinue).
  auto bad = [](std::string why) {
    return Error{400, "BadRequest", "continue key is not valid" + (why.empty() ? "" : ": " + why), {}};
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
  if (!ver || ver->as_string() != "meta.k8s.io/v1") return bad("server does not recognize this encoded version");
  if (!rv || rv->is_null() || rv->as_int64() == 0) {
    return bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (!start || start->is_null() || start->as_string().empty()) return bad("encoded start key empty");
  return ContinueToken{rv->as_int64(), std::string(start->as_string())};
}

Result<std::int64_t> parse_resource_version(const std::string& rv) {
  if (rv.empty() || rv == "0") return std::int64_t{0};
  std::int64_t n = 0;
  bool digits = std::all_of(rv.begin(), rv.end(), [](char c) { return c >= '0' && c <= '9'; });
  auto [end, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), n);
  if (!digits || ec != std::errc() || end != rv.data() + rv.size()) {
    // Storage versions are etcd revisions (int64); ParseUint's range is not reachable.
    return Error::bad_request("invalid resource version \"" + rv + "\": " +
                              (digits ? "out of range" : "not an unsigned decimal integer"));
  }
  return n;
}

}  // namespace kube::testing::internal
