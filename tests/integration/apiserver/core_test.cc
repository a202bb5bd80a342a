// Transport, authentication, storage rules, verbs and error bodies.
#include <atomic>
#include <thread>

#include "harness.h"

namespace kube::testing {
namespace {
namespace json = boost::json;

TEST_F(ApiServerTest, ServesTlsVerifiedWithTheCaItHandsOut) {
  auto r = get("/api/v1/namespaces/default");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(parse_json(r.body).at("metadata").at("name"), "default");
}

TEST_F(ApiServerTest, BadTokenGets401StatusLikeKubeApiserver) {
  KUBE_FIXTURE_OR_SKIP(want, "errors/401-unauthorized.json");
  BeastClient bad(server_->url(), server_->ca_pem(), "wrong");
  auto r = bad.request("GET", "/api/v1/pods", "", "", "", "curl/8.0");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(parse_json(r.body), parse_json(want));
  EXPECT_EQ(r.body, want);  // curl gets the same pretty-printed bytes
}

TEST_F(ApiServerTest, ClientCertificateSignedByTheCaAuthenticates) {
  BeastClient::Options o{server_->url(), server_->ca_pem(), "", server_->client_cert_pem(),
                         server_->client_key_pem(), std::chrono::milliseconds(10000)};
  BeastClient c(o);
  EXPECT_EQ(c.request("GET", "/api/v1/namespaces").status, 200);
  BeastClient none(server_->url(), server_->ca_pem(), "");
  EXPECT_EQ(none.request("GET", "/api/v1/namespaces").status, 401);
}

TEST(ApiServerPlain, ServesPlainHttpOnAnEphemeralPortAndStopsCleanly) {
  ApiServerOptions o;
  o.tls = false;
  ApiServer s(o);
  ASSERT_TRUE(s.start());
  EXPECT_NE(s.port(), 0);
  BeastClient c(s.url(), "", s.token());
  EXPECT_EQ(c.request("GET", "/version").status, 200);
  s.stop();
  EXPECT_NE(c.request("GET", "/version").status, 200);
}

// A response is written as its head and body together; bodies larger than a
// TLS record (16 KiB) or a socket buffer arrive whole, over TLS and plain HTTP.
TEST(ApiServerPlain, LargeObjectsComeBackWholeOverTlsAndPlainHttp) {
  for (bool tls : {true, false}) {
    ApiServerOptions o;
    o.tls = tls;
    ApiServer s(o);
    ASSERT_TRUE(s.start());
    BeastClient c(s.url(), s.ca_pem(), s.token());
    for (std::size_t size : {100u, 17000u, 600000u}) {
      std::string name = "big-" + std::to_string(size);
      std::string value(size, 'x');
      auto r =
          c.request("POST", "/api/v1/namespaces/default/configmaps",
                    R"({"metadata":{"name":")" + name + R"("},"data":{"v":")" + value + R"("}})");
      ASSERT_EQ(r.status, 201) << (tls ? "TLS " : "plain ") << size << ": " << r.error;
      EXPECT_EQ(parse_json(r.body).at("data").at("v").as_string(), value);
      r = c.request("GET", "/api/v1/namespaces/default/configmaps/" + name);
      ASSERT_EQ(r.status, 200) << (tls ? "TLS " : "plain ") << size << ": " << r.error;
      EXPECT_EQ(parse_json(r.body).at("data").at("v").as_string(), value);
    }
    s.stop();
  }
}

TEST_F(ApiServerTest, EveryWriteStampsTheNextGlobalResourceVersion) {
  auto a = create_configmap("default", "a");
  auto b = create_configmap("kube-system", "b");
  EXPECT_EQ(std::stoll(rv_of(b)), std::stoll(rv_of(a)) + 1);
  EXPECT_EQ(server_->resource_version(), std::stoll(rv_of(b)));
  EXPECT_FALSE(a.at("metadata").at("uid").as_string().empty());
  EXPECT_FALSE(a.at("metadata").at("creationTimestamp").as_string().empty());
  EXPECT_FALSE(a.at("metadata").as_object().contains("generation"));  // configmaps have none
}

TEST_F(ApiServerTest, GenerationBumpsOnSpecChangesOnly) {
  std::string dep = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
    "spec":{"containers":[{"name":"nginx","image":"nginx:1"}]}}}})";
  auto r = post("/apis/apps/v1/namespaces/default/deployments", dep);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse_json(r.body).at("metadata").at("generation"), 1);
  r = patch("/apis/apps/v1/namespaces/default/deployments/web", R"({"metadata":{"labels":{"x":"y"}}})",
            "application/merge-patch+json");
  EXPECT_EQ(parse_json(r.body).at("metadata").at("generation"), 1);
  r = patch("/apis/apps/v1/namespaces/default/deployments/web", R"({"spec":{"replicas":3}})",
            "application/merge-patch+json");
  EXPECT_EQ(parse_json(r.body).at("metadata").at("generation"), 2);
  r = patch("/apis/apps/v1/namespaces/default/deployments/web/status", R"({"status":{"replicas":3}})",
            "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse_json(r.body);
  EXPECT_EQ(v.at("metadata").at("generation"), 2);
  EXPECT_EQ(v.at("status").at("replicas"), 3);
}

TEST_F(ApiServerTest, StatusSubresourceIsTheOnlyWayToChangeStatus) {
  ASSERT_EQ(post("/api/v1/namespaces/default/pods",
                 R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}})").status, 201);
  auto cur = parse_json(get("/api/v1/namespaces/default/pods/p").body);
  cur.as_object()["status"] = json::object{{"phase", "Running"}};
  auto r = put("/api/v1/namespaces/default/pods/p", json::serialize(cur));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).at("status").at("phase"), "Pending");
  r = put("/api/v1/namespaces/default/pods/p/status", json::serialize(cur));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse_json(r.body).at("status").at("phase"), "Running");
}

TEST_F(ApiServerTest, NamespacedWriteIntoMissingNamespaceIs404LikeKubeApiserver) {
  KUBE_FIXTURE_OR_SKIP(want, "errors/404-namespace-missing.json");
  auto r = post("/api/v1/namespaces/missing-ns/configmaps", R"({"metadata":{"name":"x"}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse_json(r.body), parse_json(want));
}

TEST_F(ApiServerTest, DeleteWithFinalizersMarksAndRemovingTheLastFinalizerDeletes) {
  create_configmap("default", "f");
  ASSERT_EQ(patch("/api/v1/namespaces/default/configmaps/f", R"({"metadata":{"finalizers":["x/y"]}})",
                  "application/merge-patch+json").status, 200);
  auto r = del("/api/v1/namespaces/default/configmaps/f");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(parse_json(r.body).at("metadata").as_object().contains("deletionTimestamp"));
  EXPECT_EQ(get("/api/v1/namespaces/default/configmaps/f").status, 200);
  r = patch("/api/v1/namespaces/default/configmaps/f", R"({"metadata":{"finalizers":null}})",
            "application/merge-patch+json");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get("/api/v1/namespaces/default/configmaps/f").status, 404);
}

TEST_F(ApiServerTest, StaleUpdateGets409ConflictLikeKubeApiserver) {
  KUBE_FIXTURE_OR_SKIP(want, "errors/409-conflict.json");
  auto cm = create_configmap("default", "web-config");
  auto stale = cm;
  cm.as_object()["data"] = json::object{{"a", "2"}};
  ASSERT_EQ(put("/api/v1/namespaces/default/configmaps/web-config", json::serialize(cm)).status, 200);
  stale.as_object()["data"] = json::object{{"a", "3"}};
  auto r = put("/api/v1/namespaces/default/configmaps/web-config", json::serialize(stale));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(parse_json(r.body), parse_json(want));
}

TEST_F(ApiServerTest, CreateTwiceIsAlreadyExistsAndCreateWithResourceVersionIs500) {
  create_configmap("default", "dup");
  auto r = post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"dup"}})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(parse_json(r.body).at("reason"), "AlreadyExists");
  KUBE_FIXTURE_OR_SKIP(want, "errors/409-alreadyexists.json");
  r = post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"rv","resourceVersion":"5"}})");
  EXPECT_EQ(parse_json(r.body), parse_json(want));
}

TEST_F(ApiServerTest, BadRequestsGetKubeApiserversAnswers) {
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/404-unknown-resource.json");
    auto r = get("/api/v1/namespaces/default/widgets");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(parse_json(r.body), parse_json(want));
  }
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/404-notfound.json");
    auto r = get("/api/v1/namespaces/default/pods/nope");
    EXPECT_EQ(parse_json(r.body), parse_json(want));
  }
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/400-malformed-json.json");
    auto r = post("/api/v1/namespaces/default/configmaps", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{)");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(parse_json(r.body), parse_json(want));
  }
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/400-namespace-mismatch.json");
    auto r = post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"x","namespace":"other"}})");
    EXPECT_EQ(parse_json(r.body), parse_json(want));
  }
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/422-invalid.json");
    auto r = post("/api/v1/namespaces/default/configmaps", R"({"kind":"ConfigMap","metadata":{"name":"Bad_Name"}})");
    EXPECT_EQ(parse_json(r.body), parse_json(want));
  }
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/415-patch-content-type.json");
    create_configmap("default", "p415");
    auto r = patch("/api/v1/namespaces/default/configmaps/p415", "{}", "text/plain");
    EXPECT_EQ(parse_json(r.body), parse_json(want));
  }
  auto r = post("/api/v1/namespaces/default/configmaps", R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}})");
  EXPECT_EQ(r.status, 400);
  create_configmap("default", "named");
  r = put("/api/v1/namespaces/default/configmaps/named", R"({"metadata":{"name":"other"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse_json(r.body).at("reason"), "BadRequest");
  r = get("/api/v1/pods?labelSelector=a%20in%20(");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse_json(r.body).at("reason"), "BadRequest");
}

TEST_F(ApiServerTest, PatchSupportsMergeJsonAndStrategicMerge) {
  create_configmap("default", "m");
  auto r = patch("/api/v1/namespaces/default/configmaps/m", R"({"data":{"b":"2","a":null}})",
                 "application/merge-patch+json");
  EXPECT_EQ(parse_json(r.body).at("data"), (json::object{{"b", "2"}}));
  r = patch("/api/v1/namespaces/default/configmaps/m", R"([{"op":"add","path":"/data/c","value":"3"},
           {"op":"test","path":"/data/b","value":"2"},{"op":"remove","path":"/data/b"}])",
            "application/json-patch+json");
  EXPECT_EQ(parse_json(r.body).at("data"), (json::object{{"c", "3"}}));
  ASSERT_EQ(post("/api/v1/namespaces/default/pods",
                 R"({"metadata":{"name":"sp"},"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"1"}]}})").status, 201);
  r = patch("/api/v1/namespaces/default/pods/sp", R"({"spec":{"containers":[{"name":"b","image":"2"}]}})",
            "application/strategic-merge-patch+json");
  auto cs = parse_json(r.body).at("spec").at("containers").as_array();
  ASSERT_EQ(cs.size(), 2u);  // merged by name, not replaced
  EXPECT_EQ(cs[1].at("image"), "2");
}

// Patches are applied outside the store's lock and retried when another write
// got in first: concurrent patches of one object all land, none is lost.
TEST_F(ApiServerTest, ConcurrentPatchesOfOneObjectAreAllApplied) {
  // A large object makes each patch slow enough (decode, patch, encode) for
  // patches on the server's two I/O threads to overlap.
  ASSERT_EQ(post("/api/v1/namespaces/default/configmaps",
                 R"({"metadata":{"name":"many"},"data":{"big":")" + std::string(512 * 1024, 'x') + R"("}})")
                .status,
            201);
  constexpr int kThreads = 6, kEach = 15;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        auto r = patch("/api/v1/namespaces/default/configmaps/many", R"({"data":{")" + key + R"(":"v"}})",
                       "application/merge-patch+json");
        ok += r.status == 200;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  auto got = parse_json(get("/api/v1/namespaces/default/configmaps/many").body);
  int patched = 0;
  for (const auto& [k, v] : got.at("data").as_object()) patched += k.starts_with("k");
  EXPECT_EQ(patched, kThreads * kEach);
}

TEST_F(ApiServerTest, DeleteHonoursPreconditionsAndDeleteCollectionUsesSelectors) {
  auto cm = create_configmap("default", "d1", R"({"app":"x"})");
  create_configmap("default", "d2", R"({"app":"y"})");
  auto r = del("/api/v1/namespaces/default/configmaps/d1", R"({"preconditions":{"uid":"nope"}})");
  EXPECT_EQ(r.status, 409);
  r = del("/api/v1/namespaces/default/configmaps/d1",
          R"({"propagationPolicy":"Background","preconditions":{"uid":")" +
              std::string(cm.at("metadata").at("uid").as_string()) + "\"}}");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse_json(r.body).at("status"), "Success");
  create_configmap("default", "d3", R"({"app":"y"})");
  r = del("/api/v1/namespaces/default/configmaps?labelSelector=app%3Dy");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse_json(r.body).at("items").as_array().size(), 2u);
  EXPECT_EQ(parse_json(get("/api/v1/namespaces/default/configmaps").body).at("items").as_array().size(), 0u);
}

TEST_F(ApiServerTest, ObjectsMatchTheCapturedShapes) {
  KUBE_FIXTURE_OR_SKIP(want, "objects/configmap.json");
  auto w = parse_json(want);
  w.at("metadata").as_object().erase("managedFields");
  auto body = w;
  body.at("metadata").as_object().erase("uid");
  body.at("metadata").as_object().erase("resourceVersion");
  body.at("metadata").as_object().erase("creationTimestamp");
  body.at("metadata").as_object()["namespace"] = "default";
  auto r = post("/api/v1/namespaces/default/configmaps", json::serialize(body));
  ASSERT_EQ(r.status, 201) << r.body;
  expect_same_shape(w, parse_json(r.body));
}


// kube-apiserver keeps the managedFields a write carries when they decode,
// keeps the live ones when a write omits them or sends ones that do not
// decode (a client that does not know the field cannot drop it), keeps the
// live ones on a status write, and clears them for [{}].
TEST_F(ApiServerTest, ManagedFieldsAreKeptLikeKubeApiserverKeepsThem) {
  const std::string entry =
      R"({"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1",)"
      R"("time":"2026-11-24T12:27:54Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{}}}})";
  const std::string path = "/api/v1/namespaces/default/configmaps";
  auto r = post(path, R"({"metadata":{"name":"mf","managedFields":[)" + entry + R"(]},"data":{"k":"v"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto managed = [&] {
    auto got = parse_json(get(path + "/mf").body);
    auto* m = got.at("metadata").as_object().if_contains("managedFields");
    return m ? *m : json::value(nullptr);
  };
  const json::value want = json::array{parse_json(entry)};
  EXPECT_EQ(managed(), want);

  // An update without them, and one whose entry has no known operation, keep them.
  r = put(path + "/mf", R"({"metadata":{"name":"mf"},"data":{"k":"v2"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(managed(), want);
  r = put(path + "/mf", R"({"metadata":{"name":"mf","managedFields":[{"manager":"x","operation":"Bogus","fieldsType":"FieldsV1"}]},"data":{"k":"v3"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(managed(), want);
  r = patch(path + "/mf", R"({"metadata":{"managedFields":null},"data":{"k":"v4"}})",
            "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(managed(), want);

  // One that decodes replaces them; [{}] clears them.
  const std::string other =
      R"({"manager":"kubectl-edit","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{}})";
  r = put(path + "/mf", R"({"metadata":{"name":"mf","managedFields":[)" + other + R"(]},"data":{"k":"v5"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(managed(), json::value(json::array{parse_json(other)}));
  r = patch(path + "/mf", R"({"metadata":{"managedFields":[{}]}})", "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(managed().is_null()) << managed();

  // A create whose managedFields do not decode stores none.
  r = post(path, R"({"metadata":{"name":"mf2","managedFields":["nope"]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(parse_json(r.body).at("metadata").as_object().contains("managedFields"));
}
}  // namespace
}  // namespace kube::testing
