// The cache service's Table answers (src/serve/table.h), checked against a
// real kube-apiserver's Table for the same pods (fixtures/lists/pods-table.json).
#include "src/serve/table.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kube/core/timestamp.h"
#include "support/fixtures.h"

namespace kube::serve::internal {
namespace {

namespace json = boost::json;

ServedResource pods() {
  return ServedResource{.informer = {{{"", "v1", "pods"}, true}, nullptr}, .kind = "Pod"};
}

std::vector<ObjectPtr> items_of(const std::string& list_json) {
  std::vector<ObjectPtr> out;
  json::value list = json::parse(list_json);
  for (const auto& item : list.at("items").as_array()) {
    auto o = Object::from_value(item);
    EXPECT_TRUE(o) << o.error().message;
    if (o) out.push_back(*o);
  }
  return out;
}

TEST(TableVersion, FollowsTheAcceptHeadersOrderOfPreference) {
  EXPECT_EQ(table_version("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
                          "v=v1beta1;g=meta.k8s.io,application/json"),
            "v1");
  EXPECT_EQ(table_version("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json"),
            "v1beta1");
  EXPECT_EQ(table_version("application/json; as=Table; v=v1; g=meta.k8s.io"), "v1");
  EXPECT_FALSE(table_version(""));
  EXPECT_FALSE(table_version("application/json"));
  EXPECT_FALSE(table_version("application/json,application/json;as=Table;v=v1;g=meta.k8s.io"));
  EXPECT_FALSE(table_version("application/json;as=Table;v=v2;g=meta.k8s.io"));
  // Another representation we do not serve is skipped, not taken as plain.
  EXPECT_EQ(table_version("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,"
                          "application/json;as=Table;v=v1;g=meta.k8s.io"),
            "v1");
  EXPECT_FALSE(table_version("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"));
}

TEST(IncludeObject, DefaultsToMetadataAndRefusesOtherValuesByName) {
  EXPECT_EQ(*parse_include_object(""), IncludeObject::kMetadata);
  EXPECT_EQ(*parse_include_object("Metadata"), IncludeObject::kMetadata);
  EXPECT_EQ(*parse_include_object("None"), IncludeObject::kNone);
  EXPECT_EQ(*parse_include_object("Object"), IncludeObject::kObject);
  auto bad = parse_include_object("metadata");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_NE(bad.error().message.find("\"metadata\""), std::string::npos) << bad.error().message;
}

TEST(TableJson, PodsAreTheTableKubeApiserverServedForThem) {
  KUBE_FIXTURE_OR_SKIP(list, "lists/pods-rv0.json");  // the same pods at the same version
  KUBE_FIXTURE_OR_SKIP(captured, "lists/pods-table.json");
  auto items = items_of(list);
  auto want = json::parse(captured);
  // When the capture was taken (pod1, created 12:27:54, was 3m15s old).
  auto now = *parse_timestamp("2026-11-24T12:31:09Z");
  auto got = json::parse(
      table_json(pods(), {.version = "v1", .include = IncludeObject::kMetadata, .now = now},
                 {.rv = 285}, items));
  EXPECT_EQ(got.at("kind"), "Table");
  EXPECT_EQ(got.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_EQ(got.at("metadata"), want.at("metadata"));
  EXPECT_EQ(got.at("columnDefinitions"), want.at("columnDefinitions"));
  const auto& got_rows = got.at("rows").as_array();
  const auto& want_rows = want.at("rows").as_array();
  ASSERT_EQ(got_rows.size(), want_rows.size());
  for (std::size_t i = 0; i < got_rows.size(); ++i) {
    EXPECT_EQ(got_rows[i].at("cells"), want_rows[i].at("cells")) << i;
    const auto& g = got_rows[i].at("object");
    const auto& w = want_rows[i].at("object");
    EXPECT_EQ(g.at("kind"), w.at("kind"));
    EXPECT_EQ(g.at("apiVersion"), w.at("apiVersion"));
    EXPECT_EQ(g.at("metadata"), w.at("metadata"));  // the whole ObjectMeta, managedFields too
  }
}

TEST(TableJson, CountsAreNumbersAndPagedListsCarryContinue) {
  auto cm = Object::parse(
      R"({"metadata":{"name":"cfg","namespace":"a","creationTimestamp":"2026-11-24T12:00:00Z"},"data":{"x":"1","y":"2"}})");
  ASSERT_TRUE(cm);
  ServedResource cms{.informer = {{{"", "v1", "configmaps"}, true}, nullptr}, .kind = "ConfigMap"};
  auto now = *parse_timestamp("2026-11-24T12:05:00Z");
  auto t = json::parse(
      table_json(cms, {.version = "v1beta1", .include = IncludeObject::kMetadata, .now = now},
                 {.rv = 9, .continue_token = "tok", .remaining_item_count = 4}, {*cm}));
  EXPECT_EQ(t.at("apiVersion"), "meta.k8s.io/v1beta1");
  EXPECT_EQ(t.at("metadata"),
            json::parse(R"({"resourceVersion":"9","continue":"tok","remainingItemCount":4})"));
  EXPECT_EQ(t.at("rows").at(0).at("cells"), json::parse(R"(["cfg",2,"5m"])"));
  EXPECT_EQ(t.at("rows").at(0).at("object").at("apiVersion"), "meta.k8s.io/v1beta1");
}

TEST(TableJson, KindsWithoutAPrinterGetNameAndCreatedAtInUtc) {
  auto lease = Object::parse(
      R"({"metadata":{"name":"lock","namespace":"a","creationTimestamp":"2026-11-24T13:00:00+01:00"}})");
  ASSERT_TRUE(lease);
  ServedResource leases{.informer = {{{"coordination.k8s.io", "v1", "leases"}, true}, nullptr},
                        .kind = "Lease"};
  auto t = json::parse(table_json(
      leases, {.version = "v1", .include = IncludeObject::kNone, .now = {}}, {.rv = 1}, {*lease}));
  EXPECT_EQ(t.at("columnDefinitions").at(0).at("name"), "Name");
  EXPECT_EQ(t.at("columnDefinitions").at(1).at("name"), "Created At");
  EXPECT_EQ(t.at("columnDefinitions").at(1).at("type"), "date");
  EXPECT_EQ(t.at("rows").at(0).at("cells"), json::parse(R"(["lock","2026-11-24T12:00:00Z"])"));
  EXPECT_TRUE(t.at("rows").at(0).at("object").is_null());
}

}  // namespace
}  // namespace kube::serve::internal
