// Test helper: small objects for the cache tests.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kube/core/key.h"
#include "kube/core/object.h"
#include "kube/core/selector.h"

namespace kube::cache::testing {

// A Pod with the given namespace ("" for none), name, labels and
// resourceVersion.
inline ObjectPtr make_pod(const std::string& ns, const std::string& name,
                          const std::map<std::string, std::string>& labels = {},
                          const std::string& rv = "1") {
  boost::json::object meta{{"name", name}, {"resourceVersion", rv}};
  if (!ns.empty()) meta["namespace"] = ns;
  if (!labels.empty()) {
    boost::json::object l;
    for (const auto& [k, v] : labels) l[k] = v;
    meta["labels"] = std::move(l);
  }
  boost::json::value v{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}};
  auto r = Object::from_value(v);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : nullptr;
}

inline LabelSelector selector(const std::string& text) {
  auto s = LabelSelector::parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : LabelSelector{};
}

// The keys of `objs`, sorted.
inline std::vector<std::string> keys_of(const std::vector<ObjectPtr>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) out.push_back(object_key(*o));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kube::cache::testing
