// Discovery, CRDs, fault injection and persistence.
#include <filesystem>

#include "harness.h"

namespace kube::testing {
namespace {
namespace json = boost::json;
using std::chrono::seconds;

const char* kCrd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"widgets.example.com"},
  "spec":{"group":"example.com","scope":"Namespaced",
    "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
    "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
      "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})";

TEST_F(ApiServerTest, DiscoveryDocumentsMatchTheCapturedShapes) {
  for (auto [path, fixture] : {std::pair{"/api", "discovery/api.json"}, {"/api/v1", "discovery/api-v1.json"},
                               {"/apis", "discovery/apis.json"}, {"/apis/apps/v1", "discovery/apis-apps-v1.json"},
                               {"/version", "discovery/version.json"}}) {
    auto r = get(path);
    ASSERT_EQ(r.status, 200) << path;
    auto want = read_fixture(fixture);
    if (!want) GTEST_SKIP() << "fixtures not present";
    auto got = parse_json(r.body);
    auto w = parse_json(*want);
    EXPECT_EQ(got.at(got.as_object().contains("kind") ? "kind" : "major"), w.at(w.as_object().contains("kind") ? "kind" : "major")) << path;
    if (got.as_object().contains("resources")) {
      // Compare the configmaps / deployments entries field for field (minus the hash we do not compute).
      for (auto& want_res : w.at("resources").as_array()) {
        for (auto& got_res : got.at("resources").as_array()) {
          if (got_res.at("name") != want_res.at("name")) continue;
          auto wr = want_res;
          wr.as_object().erase("storageVersionHash");
          EXPECT_EQ(got_res, wr) << path;
        }
      }
    } else if (got.as_object().contains("groups")) {
      expect_same_shape(w, got);
    }
  }
}

TEST_F(ApiServerTest, CustomResourcesOfACrdCreatedAtRunTimeAreServedAndDiscovered) {
  EXPECT_EQ(get("/apis/example.com/v1").status, 404);
  auto r = post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kCrd);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse_json(r.body).at("status").at("conditions").as_array()[1].at("type"), "Established");
  auto d = parse_json(get("/apis/example.com/v1").body);
  EXPECT_EQ(d.at("resources").as_array()[0].at("name"), "widgets");
  EXPECT_NE(get("/apis").body.find("example.com"), std::string::npos);
  r = post("/apis/example.com/v1/namespaces/default/widgets",
           R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse_json(r.body).at("metadata").at("generation"), 1);
  auto list = parse_json(get("/apis/example.com/v1/namespaces/default/widgets").body);
  EXPECT_EQ(list.at("kind"), "WidgetList");
  EXPECT_EQ(list.at("items").as_array()[0].at("kind"), "Widget");  // unstructured items keep kind
  ASSERT_EQ(del("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status, 200);
  EXPECT_EQ(get("/apis/example.com/v1/namespaces/default/widgets").status, 404);
}

TEST_F(ApiServerTest, ClusterScopedCustomResources) {
  std::string crd = kCrd;
  crd.replace(crd.find("Namespaced"), 10, "Cluster");
  ASSERT_EQ(post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status, 201);
  auto r = post("/apis/example.com/v1/widgets", R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"g"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(parse_json(r.body).at("metadata").as_object().contains("namespace"));
  EXPECT_EQ(get("/apis/example.com/v1/widgets/g").status, 200);
}

TEST_F(ApiServerTest, InjectedFailuresAnswer429WithRetryAfterThen500ThenRecover) {
  server_->fail_next_requests(1, 429, 3);
  auto r = get("/api/v1/namespaces");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.retry_after, "3");
  EXPECT_EQ(parse_json(r.body).at("details").at("retryAfterSeconds"), 3);
  server_->fail_next_requests(1, 500);
  EXPECT_EQ(get("/api/v1/namespaces").status, 500);
  server_->fail_next_requests(1, 410);
  EXPECT_EQ(get("/api/v1/namespaces").status, 410);
  EXPECT_EQ(get("/api/v1/namespaces").status, 200);
}

TEST_F(ApiServerTest, WatchesCloseAfterNEventsAndOnCloseNow) {
  server_->close_watches_after(2);
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" +
                          std::to_string(server_->resource_version()));
  for (int i = 0; i < 3; ++i) create_configmap("default", "n" + std::to_string(i));
  int n = 0;
  while (w->next(seconds(5))) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(w->ended());
  server_->close_watches_after(0);
  auto w2 = client_->watch("/api/v1/configmaps?watch=1&resourceVersion=" + std::to_string(server_->resource_version()));
  EXPECT_FALSE(w2->next(std::chrono::milliseconds(200)));
  server_->close_watches_now();
  EXPECT_FALSE(w2->next(seconds(5)));
  EXPECT_TRUE(w2->ended());
}

TEST_F(ApiServerTest, StalledWatchesDeliverNothingUntilResumed) {
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" +
                          std::to_string(server_->resource_version()));
  server_->stall_watches(true);
  create_configmap("default", "st");
  EXPECT_FALSE(w->next(std::chrono::milliseconds(300)));
  server_->stall_watches(false);
  EXPECT_TRUE(w->next(seconds(5)));
}

// A watch the server ends sends nothing it had not written yet; the client
// resumes from the last event it saw and gets it then.
TEST_F(ApiServerTest, CloseWatchesNowSendsNothingStillQueuedAndAResumeGetsIt) {
  const std::string from = std::to_string(server_->resource_version());
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + from);
  server_->stall_watches(true);
  create_configmap("default", "held");
  server_->close_watches_now();
  server_->stall_watches(false);
  EXPECT_FALSE(w->next(seconds(5)));
  EXPECT_TRUE(w->ended());
  auto resumed = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + from);
  auto chunk = resumed->next(seconds(5));
  ASSERT_TRUE(chunk);
  EXPECT_NE(chunk->find(R"("name":"held")"), std::string::npos) << *chunk;
}

TEST_F(ApiServerTest, RestartDropsConnectionsAndKeepsData) {
  create_configmap("default", "keep");
  auto w = client_->watch("/api/v1/configmaps?watch=1&resourceVersion=" + std::to_string(server_->resource_version()));
  server_->restart();
  EXPECT_FALSE(w->next(seconds(5)));
  EXPECT_TRUE(w->ended());
  EXPECT_EQ(get("/api/v1/namespaces/default/configmaps/keep").status, 200);
}

TEST_F(ApiServerTest, SlowResponsesStillAnswerAndFaultsWorkOverHttp) {
  server_->slow_responses(std::chrono::milliseconds(50));
  EXPECT_EQ(get("/version").status, 200);
  server_->slow_responses(std::chrono::milliseconds(0));
  auto r = post("/_kinformer/faults", R"({"failNext":{"count":1,"code":500}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get("/version").status, 500);
}

TEST_F(ApiServerTest, WatchListModeIsSetOverHttpAndABadModeIsNamed) {
  const std::string streaming = "/api/v1/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                                "&allowWatchBookmarks=true";
  ASSERT_EQ(post("/_kinformer/faults", R"({"watchListMode":"reject"})").status, 200);
  auto w = client_->watch(streaming);
  EXPECT_EQ(w->status, 422) << w->header;
  auto bad = post("/_kinformer/faults", R"({"watchListMode":"sometimes"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find(R"(watchListMode \"sometimes\")"), std::string::npos) << bad.body;
  ASSERT_EQ(post("/_kinformer/faults", R"({"watchListMode":"normal"})").status, 200);
  EXPECT_EQ(client_->watch(streaming)->status, 200);
}

TEST(ApiServerData, DataFileKeepsStateAcrossRestarts) {
  auto file = std::filesystem::temp_directory_path() / ("kinformer-apiserver-" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(file);
  std::int64_t rv = 0;
  ApiServerOptions opts;
  opts.tls = false;
  opts.data_file = file;
  {
    ApiServer s(opts);
    ASSERT_TRUE(s.start());
    BeastClient c(s.url(), "", s.token());
    ASSERT_EQ(c.request("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"persist"}})").status, 201);
    rv = s.resource_version();
  }
  ApiServer s(opts);
  auto started = s.start();
  ASSERT_TRUE(started) << started.error().message;
  BeastClient c(s.url(), "", s.token());
  EXPECT_EQ(c.request("GET", "/api/v1/namespaces/default/configmaps/persist").status, 200);
  EXPECT_GE(s.resource_version(), rv);
  s.stop();
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace kube::testing
