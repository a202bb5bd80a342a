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
