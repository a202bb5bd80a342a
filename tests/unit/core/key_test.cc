#include "kube/core/key.h"

#include <gtest/gtest.h>

#include "kube/core/gvk.h"

namespace kube {
namespace {

TEST(Key, NamespacedObjectKeyIsNamespaceSlashName) {
  auto o = Object::parse(R"({"metadata":{"name":"web","namespace":"demo"}})");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(object_key(**o), "demo/web");
}

TEST(Key, ClusterScopedObjectKeyIsName) {
  auto o = Object::parse(R"({"metadata":{"name":"node-a"}})");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(object_key(**o), "node-a");
}

TEST(Key, SplitKeyInvertsObjectKey) {
  auto k = split_key("demo/web");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, (ObjectKey{"demo", "web"}));
  auto c = split_key("node-a");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (ObjectKey{"", "node-a"}));
}

TEST(Key, SplitKeyRejectsMalformedKeysNamingThem) {
  for (const char* bad : {"", "a/b/c", "/x", "x/"}) {
    auto k = split_key(bad);
    ASSERT_FALSE(k.ok()) << bad;
    EXPECT_NE(k.error().message.find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

TEST(Gvk, ParsesApiVersionsAndPrintsLikeClientGo) {
  EXPECT_EQ(GroupVersion::parse("apps/v1"), (GroupVersion{"apps", "v1"}));
  EXPECT_EQ(GroupVersion::parse("v1"), (GroupVersion{"", "v1"}));
  EXPECT_EQ((GroupVersion{"", "v1"}).api_version(), "v1");
  EXPECT_EQ((GroupVersionKind{"apps", "v1", "Deployment"}).to_string(), "apps/v1, Kind=Deployment");
  EXPECT_EQ((GroupVersionResource{"", "v1", "pods"}).to_string(), "/v1, Resource=pods");
  EXPECT_EQ((GroupVersionResource{"", "v1", "pods"}).api_path(), "/api/v1");
  EXPECT_EQ((GroupVersionResource{"apps", "v1", "deployments"}).api_path(), "/apis/apps/v1");
}

}  // namespace
}  // namespace kube
