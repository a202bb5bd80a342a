// Object normalisation, timestamps and continue tokens for the Store.
#include <array>
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

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else if (c == '=') break;
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
  // Wording of k8s.io/apiserver/pkg/storage/continue.go.
  auto bad = Error{400, "BadRequest", "continue key is not valid: ", {}};
  auto raw = unbase64url(token);
  if (!raw) {
    bad.message += "illegal base64 data";
    return bad;
  }
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_object()) {
    bad.message += "incorrect encoded start resourceVersion (version meta.k8s.io/v1)";
    return bad;
  }
  const auto& o = v.as_object();
  auto* ver = o.if_contains("v");
  auto* rv = o.if_contains("rv");
  auto* start = o.if_contains("start");
  if (!ver || !ver->is_string() || ver->as_string() != "meta.k8s.io/v1") {
    bad.message += "server does not recognize this encoded version";
    return bad;
  }
  if (!rv || !rv->is_int64() || !start || !start->is_string() || start->as_string().empty()) {
    bad.message += "encoded value has no start key";
    return bad;
  }
  return ContinueToken{rv->as_int64(), std::string(start->as_string())};
}

}  // namespace kube::testing::internal
