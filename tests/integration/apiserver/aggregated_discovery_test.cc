// Aggregated discovery (apidiscovery.k8s.io/v2beta1) as kube-apiserver 1.28
// serves it to kubectl and client-go: compared with
// fixtures/discovery/aggregated-api{,s}.json.
#include "harness.h"

namespace kube::testing {
namespace {
namespace json = boost::json;

// What kubectl 1.28 / client-go's discovery client sends.
const char* kAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const char* kType = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

const json::object* find_by(const json::array& a, const char* key, std::string_view value) {
  for (const auto& v : a) {
    if (v.as_object().at(key).as_string() == value) return &v.as_object();
  }
  return nullptr;
}

const json::object* item(const json::value& doc, std::string_view group) {
  for (const auto& i : doc.at("items").as_array()) {
    const auto& meta = i.at("metadata").as_object();
    auto* name = meta.if_contains("name");
    if ((name ? std::string_view(name->as_string()) : std::string_view()) == group)
      return &i.as_object();
  }
  return nullptr;
}

// Every resource we serve in `group` that the capture has too is equal to
// the capture's, field for field; of the subresources only "status" is
// served (the capture's pods also have log, exec, eviction, ...).
void expect_resources_as_captured(const json::value& got, const json::value& want,
                                  std::string_view group) {
  auto* g = item(got, group);
  auto* w = item(want, group);
  ASSERT_TRUE(g && w) << "group \"" << group << "\"";
  EXPECT_EQ(g->at("metadata"), w->at("metadata"));
  const auto& gv = g->at("versions").as_array()[0].as_object();
  const auto& wv = w->at("versions").as_array()[0].as_object();
  EXPECT_EQ(gv.at("version"), wv.at("version"));
  EXPECT_EQ(gv.at("freshness"), wv.at("freshness"));
  EXPECT_EQ(gv.size(), wv.size());
  int compared = 0;
  for (const auto& r : gv.at("resources").as_array()) {
    auto name = r.at("resource").as_string();
    auto* cap = find_by(wv.at("resources").as_array(), "resource", name);
    if (!cap) continue;
    json::object mine = r.as_object(), theirs = *cap;
    auto* my_subs = mine.if_contains("subresources");
    auto* their_subs = theirs.if_contains("subresources");
    ASSERT_EQ(my_subs == nullptr, their_subs == nullptr) << name;
    if (my_subs) {
      auto* status = find_by(their_subs->as_array(), "subresource", "status");
      ASSERT_TRUE(status) << name;
      EXPECT_TRUE(my_subs->as_array() == json::array{*status})
          << name << ": " << json::serialize(*my_subs);
    }
    mine.erase("subresources");
    theirs.erase("subresources");
    EXPECT_TRUE(mine == theirs) << name << "\n got:  " << json::serialize(mine)
                                << "\n want: " << json::serialize(theirs);
    ++compared;
  }
  EXPECT_GT(compared, 0) << group;
}

TEST_F(ApiServerTest, AggregatedDiscoveryOfTheCoreGroupIsAsCaptured) {
  KUBE_FIXTURE_OR_SKIP(want, "discovery/aggregated-api.json");
  auto r = get("/api", kAccept);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, kType);  // client-go trusts the content type, not the body
  auto got = parse_json(r.body);
  auto w = parse_json(want);
  for (const char* k : {"kind", "apiVersion", "metadata"}) EXPECT_EQ(got.at(k), w.at(k)) << k;
  EXPECT_EQ(got.at("items").as_array().size(), 1u);
  expect_resources_as_captured(got, w, "");
  auto* v1 = item(got, "");
  ASSERT_TRUE(v1);
  auto& resources = v1->at("versions").as_array()[0].at("resources").as_array();
  for (const char* res : {"pods", "configmaps", "namespaces", "nodes", "secrets", "services"}) {
    EXPECT_TRUE(find_by(resources, "resource", res)) << res;
  }
}

TEST_F(ApiServerTest, AggregatedDiscoveryOfGroupsIsAsCapturedAndListsCrdsOnceCreated) {
  KUBE_FIXTURE_OR_SKIP(want, "discovery/aggregated-apis.json");
  auto w = parse_json(want);
  auto got = parse_json(get("/apis", kAccept).body);
  for (const char* k : {"kind", "apiVersion", "metadata"}) EXPECT_EQ(got.at(k), w.at(k)) << k;
  for (const char* g : {"apps", "coordination.k8s.io", "apiextensions.k8s.io"}) {
    expect_resources_as_captured(got, w, g);
  }
  EXPECT_FALSE(item(got, ""));  // the core group is /api's
  EXPECT_FALSE(item(got, "example.com"));

  auto r = post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"widgets.example.com"},
  "spec":{"group":"example.com","scope":"Namespaced",
    "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
    "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
      "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  got = parse_json(get("/apis", kAccept).body);
  auto* crd = item(got, "example.com");
  ASSERT_TRUE(crd);
  auto* captured_crd = item(w, "core.openfeature.dev");
  ASSERT_TRUE(captured_crd);
  expect_same_shape(json::value(*captured_crd), json::value(*crd));
  auto& widget = crd->at("versions").as_array()[0].at("resources").as_array()[0];
  EXPECT_EQ(widget.at("responseKind"),
            (json::object{{"group", "example.com"}, {"version", "v1"}, {"kind", "Widget"}}));
  EXPECT_EQ(widget.at("shortNames"), json::array{"wd"});
}

TEST_F(ApiServerTest, LegacyDiscoveryUnlessTheClientAsksForV2beta1) {
  for (const char* accept :
       {"", "application/json",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}) {
    auto api = get("/api", accept);
    EXPECT_EQ(parse_json(api.body).at("kind"), "APIVersions") << accept;
    EXPECT_EQ(api.content_type, "application/json");
    EXPECT_EQ(parse_json(get("/apis", accept).body).at("kind"), "APIGroupList") << accept;
  }
  // Parameters in another order still name the same media type.
  auto r =
      get("/apis", "application/json;as=APIGroupDiscoveryList;v=v2beta1;g=apidiscovery.k8s.io");
  EXPECT_EQ(parse_json(r.body).at("kind"), "APIGroupDiscoveryList");
}

}  // namespace
}  // namespace kube::testing
