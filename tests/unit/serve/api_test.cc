// The cache service's paths and documents (src/serve/api.h), against the
// shapes kube-apiserver uses.
#include "src/serve/api.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kube/core/continue_token.h"
#include "support/fixtures.h"

namespace kube::serve::internal {
namespace {

namespace json = boost::json;

ServedResource deployments() {
  return {.informer = {{{"apps", "v1", "deployments"}, true}, nullptr},
          .kind = "Deployment",
          .short_names = {"deploy"}};
}

TEST(ResourcePath, CollectionsNamespacesAndNames) {
  auto p = parse_resource_path("/api/v1/namespaces/demo/pods/web");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "v1");
  EXPECT_EQ(p->namespace_, "demo");
  EXPECT_EQ(p->resource, "pods");
  EXPECT_EQ(p->name, "web");
  EXPECT_FALSE(p->subresource);

  p = parse_resource_path("/apis/apps/v1/deployments");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->group, "apps");
  EXPECT_EQ(p->namespace_, "");
  EXPECT_EQ(p->name, "");

  p = parse_resource_path("/api/v1/namespaces/demo");  // the namespaces resource itself
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resource, "namespaces");
  EXPECT_EQ(p->name, "demo");

  p = parse_resource_path("/api/v1/namespaces/demo/pods/web/status");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->subresource);
  EXPECT_FALSE(parse_resource_path("/metrics"));
  EXPECT_FALSE(parse_resource_path("/api/v1"));
}

TEST(Documents, AListHasTheListKindAndTheResourceVersion) {
  auto obj = *Object::parse(R"({"metadata":{"name":"web","namespace":"demo"}})");
  auto doc = json::parse(list_json(deployments(), 42, {obj}));
  EXPECT_EQ(doc.at("kind"), "DeploymentList");
  EXPECT_EQ(doc.at("apiVersion"), "apps/v1");
  EXPECT_EQ(doc.at("metadata").at("resourceVersion"), "42");
  EXPECT_EQ(doc.at("items").as_array().size(), 1u);
}

TEST(Documents, AnObjectWithoutKindGetsItsKindAndApiVersion) {
  auto bare = *Object::parse(R"({"metadata":{"name":"web"}})");
  auto doc = json::parse(object_json(*bare, deployments()));
  EXPECT_EQ(doc.at("kind"), "Deployment");
  EXPECT_EQ(doc.at("apiVersion"), "apps/v1");
  EXPECT_EQ(doc.at("metadata").at("name"), "web");
  auto typed =
      *Object::parse(R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web"}})");
  EXPECT_EQ(object_json(*typed, deployments()), typed->json());  // as it was
}

TEST(Documents, DiscoveryNamesOnlyTheServedResourcesReadOnly) {
  std::vector<ServedResource> served{deployments()};
  auto groups = json::parse(api_group_list_json(served));
  ASSERT_EQ(groups.at("groups").as_array().size(), 1u);
  EXPECT_EQ(groups.at("groups").at(0).at("name"), "apps");
  EXPECT_EQ(groups.at("groups").at(0).at("preferredVersion").at("groupVersion"), "apps/v1");
  auto list = json::parse(*api_resource_list_json(served, "apps", "v1"));
  EXPECT_EQ(list.at("groupVersion"), "apps/v1");
  auto r = list.at("resources").at(0);
  EXPECT_EQ(r.at("name"), "deployments");
  EXPECT_EQ(r.at("singularName"), "deployment");
  EXPECT_EQ(r.at("namespaced"), true);
  EXPECT_EQ(r.at("verbs"), (json::array{"get", "list", "watch"}));
  EXPECT_EQ(r.at("shortNames"), (json::array{"deploy"}));
  EXPECT_FALSE(api_resource_list_json(served, "batch", "v1"));
  EXPECT_FALSE(api_group_json(served, "batch"));
}

TEST(Documents, ErrorsAreStatusObjectsAsKubeApiserverWritesThem) {
  auto doc = json::parse(status_json(not_found({"apps", "v1", "deployments"}, "web")));
  EXPECT_EQ(doc.at("kind"), "Status");
  EXPECT_EQ(doc.at("status"), "Failure");
  EXPECT_EQ(doc.at("message"), R"(deployments.apps "web" not found)");
  EXPECT_EQ(doc.at("reason"), "NotFound");
  EXPECT_EQ(doc.at("details").at("group"), "apps");
  EXPECT_EQ(doc.at("code"), 404);
  EXPECT_EQ(json::parse(status_json(method_not_allowed())).at("code"), 405);
}

TEST(Documents, WatchLinesAndBookmarks) {
  EXPECT_EQ(event_line("ADDED", "{}"), "{\"type\":\"ADDED\",\"object\":{}}\n");
  auto b = json::parse(bookmark_line(deployments(), 7, true));
  EXPECT_EQ(b.at("type"), "BOOKMARK");
  EXPECT_EQ(b.at("object").at("kind"), "Deployment");
  EXPECT_EQ(b.at("object").at("metadata").at("resourceVersion"), "7");
  EXPECT_EQ(b.at("object").at("metadata").at("annotations").at("k8s.io/initial-events-end"),
            "true");
}

TEST(Documents, APagedListCarriesContinueAndRemainingItemCount) {
  auto doc = json::parse(
      list_json(deployments(), {.rv = 7, .continue_token = "tok", .remaining_item_count = 3}, {}));
  EXPECT_EQ(doc.at("metadata"),
            json::parse(R"({"resourceVersion":"7","continue":"tok","remainingItemCount":3})"));
}

TEST(Documents, AnExpiredContinueIsKubeApiserversStatusWithALatestVersionToken) {
  KUBE_FIXTURE_OR_SKIP(want, "errors/410-expired-continue.json");
  std::string token = encode_continue(-1, std::string("web-7d9f8c6b5-pod1") + '\0');
  EXPECT_EQ(json::parse(expired_continue_json(token)), json::parse(want));
}

}  // namespace
}  // namespace kube::serve::internal
