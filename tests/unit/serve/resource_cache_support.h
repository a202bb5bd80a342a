// Test helpers shared by the ResourceCache tests: configmaps with a name,
// namespace, resourceVersion and app label, a cache of configmaps, and the
// names / resourceVersions of a list's items.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "src/serve/resource_cache.h"

namespace kube::serve::internal::test_support {

inline ObjectPtr cm(const std::string& ns, const std::string& name, int rv,
                    const std::string& app = "web") {
  auto o = Object::parse(R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns +
                         R"(","resourceVersion":")" + std::to_string(rv) +
                         R"(","labels":{"app":")" + app + R"("}}})");
  EXPECT_TRUE(o) << o.error().message;
  return *o;
}

inline ResourceCache make(std::size_t history = 100,
                          std::function<std::string()> upstream_rv = {}) {
  return ResourceCache(
      ServedResource{.informer = {{{"", "v1", "configmaps"}, true}, nullptr}, .kind = "ConfigMap"},
      history, std::move(upstream_rv));
}

inline std::vector<std::string> names(const std::vector<ObjectPtr>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.emplace_back(o->name());
  return out;
}

inline std::vector<std::string> rvs(const std::vector<ObjectPtr>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.emplace_back(o->resource_version());
  return out;
}

}  // namespace kube::serve::internal::test_support
