#include "kube/client/rest_client.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace kube {
namespace {

const Resource kPods{{"", "v1", "pods"}, true};
const Resource kDeployments{{"apps", "v1", "deployments"}, true};
const Resource kNamespaces{{"", "v1", "namespaces"}, false};

TEST(RestClientPath, CoreAndGroupNamespacedAndClusterScoped) {
  EXPECT_EQ(RestClient::path(kPods, "demo"), "/api/v1/namespaces/demo/pods");
  EXPECT_EQ(RestClient::path(kPods, ""), "/api/v1/pods");
  EXPECT_EQ(RestClient::path(kPods, "demo", "web"), "/api/v1/namespaces/demo/pods/web");
  EXPECT_EQ(RestClient::path(kPods, "demo", "web", "status"), "/api/v1/namespaces/demo/pods/web/status");
  EXPECT_EQ(RestClient::path(kDeployments, "demo", "web", "scale"),
            "/apis/apps/v1/namespaces/demo/deployments/web/scale");
  EXPECT_EQ(RestClient::path(kNamespaces, "ignored", "demo"), "/api/v1/namespaces/demo");
}

TEST(RestClientQuery, ListParametersAreEscaped) {
  ListOptions o{.label_selector = "app in (web,api),tier!=db", .field_selector = "spec.nodeName=n1",
                .limit = 500, .continue_token = "abc=", .resource_version = "0",
                .resource_version_match = "NotOlderThan"};
  EXPECT_EQ(list_query(o, false),
            "?labelSelector=app%20in%20%28web%2Capi%29%2Ctier%21%3Ddb&fieldSelector=spec.nodeName%3Dn1"
            "&limit=500&continue=abc%3D&resourceVersion=0&resourceVersionMatch=NotOlderThan");
}

TEST(RestClientQuery, WatchAsksForBookmarksAndNeverPages) {
  ListOptions o{.limit = 500, .continue_token = "x", .resource_version = "42", .timeout_seconds = 300};
  EXPECT_EQ(list_query(o, true), "?watch=1&allowWatchBookmarks=true&resourceVersion=42&timeoutSeconds=300");
  o.send_initial_events = true;
  o.resource_version_match = "NotOlderThan";
  EXPECT_EQ(list_query(o, true),
            "?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersion=42"
            "&resourceVersionMatch=NotOlderThan&timeoutSeconds=300");
}

TEST(ParseList, PagedPodListGivesItemsContinueAndRemainingCount) {
  KUBE_FIXTURE_OR_SKIP(body, "lists/pods-page1.json");
  Result<ListResult> list = parse_list(body);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->kind, "PodList");
  EXPECT_EQ(list->resource_version, "285");
  EXPECT_FALSE(list->continue_token.empty());
  ASSERT_TRUE(list->remaining_item_count);
  EXPECT_EQ(*list->remaining_item_count, 3);
  ASSERT_EQ(list->items.size(), 2u);
  // The server omits kind/apiVersion on typed list items; they are filled in.
  EXPECT_EQ(list->items[0]->kind(), "Pod");
  EXPECT_EQ(list->items[0]->api_version(), "v1");
  EXPECT_FALSE(list->items[0]->name().empty());
  EXPECT_EQ(list->items[0]->namespace_(), "demo");
}

TEST(ParseList, StripManagedFieldsBuildsEveryItemWithout) {
  KUBE_FIXTURE_OR_SKIP(body, "lists/pods-rv0.json");
  Result<ListResult> full = parse_list(body);
  Result<ListResult> lean = parse_list(body, {.strip_managed_fields = true});
  ASSERT_TRUE(full) << full.error().message;
  ASSERT_TRUE(lean) << lean.error().message;
  ASSERT_EQ(lean->items.size(), full->items.size());
  ASSERT_FALSE(full->items.empty());
  for (std::size_t i = 0; i < lean->items.size(); ++i) {
    ASSERT_TRUE(full->items[i]->raw_field("metadata.managedFields").has_value());
    auto want = full->items[i]->to_value();
    want.at("metadata").as_object().erase("managedFields");
    EXPECT_EQ(lean->items[i]->to_value(), want);
    EXPECT_EQ(lean->items[i]->kind(), "Pod");  // filled in, as without the option
  }
}

// Found by tests/fuzz/response_fuzz: a malformed "items" value was read in a
// way that threw out of parse_list (and ended the process).
TEST(ParseList, MalformedItemsIsAnErrorNotAnException) {
  auto r = parse_list(R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":n  [{}]})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("items"), std::string::npos) << r.error().message;
  auto empty = parse_list(R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":null})");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_TRUE(empty->items.empty());
}

TEST(ParseList, SecondPageCarriesItsOwnContinueAndCount) {
  KUBE_FIXTURE_OR_SKIP(page1, "lists/pods-page1.json");
  KUBE_FIXTURE_OR_SKIP(page2, "lists/pods-page2.json");
  Result<ListResult> first = parse_list(page1);
  Result<ListResult> list = parse_list(page2);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_NE(list->continue_token, first->continue_token);
  EXPECT_EQ(list->remaining_item_count, 1);
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_NE(list->items[0]->name(), first->items[0]->name());
}

TEST(ParseList, AListOver8MBParsesWithItsOwnParserAndPagesStillParseAfterIt) {
  // Over 8 MB a list is parsed with a parser of its own (freed at once); the
  // per-thread parser goes on serving pages.
  auto list_json = [](int items, std::size_t pad) {
    std::string body = R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[)";
    for (int i = 0; i < items; ++i) {
      if (i > 0) body += ',';
      body += R"({"metadata":{"name":"cm-)" + std::to_string(i) +
              R"(","namespace":"demo","resourceVersion":"7"},"data":{"x":")" +
              std::string(pad, 'x') + R"("}})";
    }
    return body + "]}";
  };
  std::string big = list_json(3000, 3000);
  ASSERT_GT(big.size(), std::size_t{8} << 20);
  Result<ListResult> whole = parse_list(big);
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_EQ(whole->items.size(), 3000u);
  EXPECT_EQ(whole->items[2999]->name(), "cm-2999");
  EXPECT_EQ(whole->items[0]->kind(), "ConfigMap");
  EXPECT_EQ(whole->resource_version, "7");
  Result<ListResult> page = parse_list(list_json(2, 10));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1]->name(), "cm-1");
}

TEST(ParseList, MetadataOnlyAndCustomResourceItemsKeepTheirKind) {
  KUBE_FIXTURE_OR_SKIP(meta, "lists/pods-metadata-only.json");
  Result<ListResult> m = parse_list(meta);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_FALSE(m->items.empty());
  EXPECT_EQ(m->items[0]->kind(), "PartialObjectMetadata");
  EXPECT_EQ(m->items[0]->api_version(), "meta.k8s.io/v1");

  KUBE_FIXTURE_OR_SKIP(cr, "lists/custom-resources.json");
  Result<ListResult> c = parse_list(cr);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->items.size(), 1u);
  EXPECT_EQ(c->items[0]->kind(), "FeatureFlagConfiguration");
}

TEST(ParseList, EveryListFixtureParses) {
  for (const char* f : {"lists/configmaps-labelselector.json", "lists/pods-fieldselector.json",
                        "lists/pods-rv0.json", "lists/pods-table.json"}) {
    KUBE_FIXTURE_OR_SKIP(body, f);
    Result<ListResult> list = parse_list(body);
    EXPECT_TRUE(list) << f << ": " << list.error().message;
  }
}

TEST(ParseList, EmptyItemsAndMalformedBodies) {
  Result<ListResult> empty = parse_list(R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->items.empty());
  EXPECT_EQ(empty->resource_version, "7");
  Result<ListResult> item_without_fields = parse_list(R"({"kind":"PodList","apiVersion":"v1","items":[{}]})");
  ASSERT_TRUE(item_without_fields) << item_without_fields.error().message;
  EXPECT_EQ(item_without_fields->items[0]->kind(), "Pod");
  EXPECT_FALSE(parse_list("not json"));
  EXPECT_FALSE(parse_list(R"({"kind":"PodList","items":[1]})"));
  EXPECT_FALSE(parse_list(R"({"kind":"PodList","items":{}})"));
}

}  // namespace
}  // namespace kube
