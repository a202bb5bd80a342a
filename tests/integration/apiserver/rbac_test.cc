// Users with limited rights: kube-apiserver's verb mapping, its 403 Status
// (fixtures/errors/403-forbidden.json) and RBAC's namespace binding.
#include <filesystem>
#include <fstream>

#include "harness.h"

namespace kube::testing {
namespace {

const char* kPod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";

// viewer: pods read-only in namespace "demo"; ops: everything on
// deployments cluster wide, pods/status in demo, and configmap "settings" only.
class RbacTest : public ApiServerTest {
 protected:
  ApiServerOptions options() override {
    ApiServerOptions o;
    o.users.push_back(
        ApiUser{"viewer-token",
                "viewer",
                {"dev"},
                {AccessRule{{"get", "list", "watch"}, {""}, {"pods"}, {}, {"demo"}}}});
    o.users.push_back(ApiUser{
        "ops-token",
        "ops",
        {},
        {AccessRule{{"*"}, {"apps"}, {"deployments"}, {}, {}},
         AccessRule{{"get", "update", "patch"}, {""}, {"pods/status"}, {}, {"demo"}},
         AccessRule{{"get", "list", "update"}, {""}, {"configmaps"}, {"settings"}, {"demo"}}}});
    return o;
  }
  void SetUp() override {
    ApiServerTest::SetUp();
    ASSERT_EQ(post("/api/v1/namespaces", R"({"metadata":{"name":"demo"}})").status, 201);
    ASSERT_EQ(post("/api/v1/namespaces/demo/pods", kPod).status, 201);
    viewer_ = std::make_unique<BeastClient>(server_->url(), server_->ca_pem(), "viewer-token");
    ops_ = std::make_unique<BeastClient>(server_->url(), server_->ca_pem(), "ops-token");
  }
  static std::string message(const HttpResult& r) {
    return std::string(parse_json(r.body).at("message").as_string());
  }
  std::unique_ptr<BeastClient> viewer_, ops_;
};

TEST_F(RbacTest, ClusterWideListDeniedWithKubeApiserversStatusByteForByte) {
  KUBE_FIXTURE_OR_SKIP(want, "errors/403-forbidden.json");
  auto r = viewer_->request("GET", "/api/v1/pods", "", "", "", "curl/8.0");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse_json(r.body), parse_json(want));
  EXPECT_EQ(r.body, want);  // the capture's user is "viewer" too
}

TEST_F(RbacTest, NamespacedUserListsGetsAndWatchesInItsNamespaceOnly) {
  EXPECT_EQ(viewer_->request("GET", "/api/v1/namespaces/demo/pods").status, 200);
  EXPECT_EQ(viewer_->request("GET", "/api/v1/namespaces/demo/pods/web").status, 200);
  auto w = viewer_->watch("/api/v1/namespaces/demo/pods?watch=true");
  ASSERT_TRUE(w);
  auto ev = w->next(std::chrono::seconds(5));
  ASSERT_TRUE(ev);
  EXPECT_NE(ev->find("\"ADDED\""), std::string::npos) << *ev;

  auto other = viewer_->request("GET", "/api/v1/namespaces/default/pods");
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(
      message(other),
      R"(pods is forbidden: User "viewer" cannot list resource "pods" in API group "" in the namespace "default")");
  auto details = parse_json(other.body).at("details");
  EXPECT_EQ(details, (boost::json::object{{"kind", "pods"}}));
}

TEST_F(RbacTest, WatchIsItsOwnVerb) {
  auto r = viewer_->request("GET", "/api/v1/namespaces/default/pods?watch=true&resourceVersion=0");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      message(r),
      R"(pods is forbidden: User "viewer" cannot watch resource "pods" in API group "" in the namespace "default")");
  // A user that may list but not watch gets its list and a 403 watch.
  ASSERT_TRUE(server_->add_user(
      ApiUser{"lister-token", "lister", {}, {AccessRule{{"list"}, {""}, {"pods"}, {}, {}}}}));
  BeastClient lister(server_->url(), server_->ca_pem(), "lister-token");
  EXPECT_EQ(lister.request("GET", "/api/v1/pods").status, 200);
  auto w = lister.request("GET", "/api/v1/pods?watch=1");
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(
      message(w),
      R"(pods is forbidden: User "lister" cannot watch resource "pods" in API group "" at the cluster scope)");
}

TEST_F(RbacTest, WritesMapToKubeApiserverVerbsAndNameTheObject) {
  struct Case {
    std::string method, target, body, want;
  };
  const std::string in_demo = R"( in API group "" in the namespace "demo")";
  std::vector<Case> cases{
      {"POST", "/api/v1/namespaces/demo/pods", kPod,
       R"(pods is forbidden: User "viewer" cannot create resource "pods")" + in_demo},
      {"PUT", "/api/v1/namespaces/demo/pods/web", kPod,
       R"(pods "web" is forbidden: User "viewer" cannot update resource "pods")" + in_demo},
      {"PATCH", "/api/v1/namespaces/demo/pods/web", "{}",
       R"(pods "web" is forbidden: User "viewer" cannot patch resource "pods")" + in_demo},
      {"DELETE", "/api/v1/namespaces/demo/pods/web", "",
       R"(pods "web" is forbidden: User "viewer" cannot delete resource "pods")" + in_demo},
      {"DELETE", "/api/v1/namespaces/demo/pods", "",
       R"(pods is forbidden: User "viewer" cannot deletecollection resource "pods")" + in_demo},
      {"GET", "/api/v1/namespaces/demo/pods/web/status", "",
       R"(pods "web" is forbidden: User "viewer" cannot get resource "pods/status")" + in_demo},
      {"GET", "/api/v1/nodes", "",
       R"(nodes is forbidden: User "viewer" cannot list resource "nodes" in API group "" at the cluster scope)"},
      {"GET", "/api/v1/namespaces/demo", "",
       R"(namespaces "demo" is forbidden: User "viewer" cannot get resource "namespaces" in API group "" in the namespace "demo")"},
      {"GET", "/apis/apps/v1/namespaces/demo/deployments?fieldSelector=metadata.name%3Dweb", "",
       R"(deployments.apps "web" is forbidden: User "viewer" cannot list resource "deployments" in API group "apps" in the namespace "demo")"},
  };
  for (const auto& c : cases) {
    auto r =
        viewer_->request(c.method, c.target, c.body,
                         c.method == "PATCH" ? "application/merge-patch+json" : "application/json");
    EXPECT_EQ(r.status, 403) << c.method << " " << c.target << ": " << r.body;
    EXPECT_EQ(message(r), c.want) << c.method << " " << c.target;
  }
  // Details carry the object's name and the API group, as apierrors.NewForbidden sets them.
  auto r = viewer_->request("DELETE", "/apis/apps/v1/namespaces/demo/deployments/web");
  EXPECT_EQ(parse_json(r.body).at("details"),
            (boost::json::object{{"name", "web"}, {"group", "apps"}, {"kind", "deployments"}}));
  EXPECT_EQ(parse_json(r.body).at("reason"), "Forbidden");
}

TEST_F(RbacTest, SubresourcesWildcardsAndResourceNames) {
  // ops: every verb on deployments anywhere ...
  EXPECT_EQ(ops_->request("GET", "/apis/apps/v1/deployments").status, 200);
  EXPECT_EQ(
      ops_->request(
              "POST", "/apis/apps/v1/namespaces/demo/deployments",
              R"({"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},)"
              R"("template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})")
          .status,
      201);
  // ... pods/status but not pods ...
  EXPECT_EQ(ops_->request("GET", "/api/v1/namespaces/demo/pods/web/status").status, 200);
  EXPECT_EQ(ops_->request("GET", "/api/v1/namespaces/demo/pods/web").status, 403);
  // ... and configmap "settings" only: a list names no object (unless its
  // fieldSelector does), so it is denied.
  ASSERT_EQ(
      post("/api/v1/namespaces/demo/configmaps", R"({"metadata":{"name":"settings"}})").status,
      201);
  ASSERT_EQ(post("/api/v1/namespaces/demo/configmaps", R"({"metadata":{"name":"other"}})").status,
            201);
  EXPECT_EQ(ops_->request("GET", "/api/v1/namespaces/demo/configmaps/settings").status, 200);
  EXPECT_EQ(ops_->request("GET", "/api/v1/namespaces/demo/configmaps/other").status, 403);
  EXPECT_EQ(ops_->request("GET", "/api/v1/namespaces/demo/configmaps").status, 403);
  EXPECT_EQ(
      ops_->request("GET",
                    "/api/v1/namespaces/demo/configmaps?fieldSelector=metadata.name%3Dsettings")
          .status,
      200);
}

TEST_F(RbacTest, DiscoveryStaysOpenOtherPathsAreForbidden) {
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version"}) {
    EXPECT_EQ(viewer_->request("GET", path).status, 200) << path;
  }
  auto r = viewer_->request("POST", "/_kinformer/faults", R"({"failNext":{"count":5}})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(message(r), R"(forbidden: User "viewer" cannot post path "/_kinformer/faults")");
  EXPECT_EQ(parse_json(r.body).at("details"), boost::json::object{});
  EXPECT_EQ(viewer_->request("GET", "/api/v1/namespaces/demo/pods").status,
            200);  // no fault was set
}

TEST_F(RbacTest, AdminTokenAndSystemMastersKeepFullRights) {
  EXPECT_EQ(get("/api/v1/nodes").status, 200);
  BeastClient::Options o{server_->url(),
                         server_->ca_pem(),
                         "",
                         server_->client_cert_pem(),
                         server_->client_key_pem(),
                         std::chrono::milliseconds(10000)};
  EXPECT_EQ(BeastClient(o).request("GET", "/api/v1/nodes").status, 200);
  ASSERT_TRUE(server_->add_user(ApiUser{"root-token", "root", {"system:masters"}, {}}));
  EXPECT_EQ(BeastClient(server_->url(), server_->ca_pem(), "root-token")
                .request("GET", "/api/v1/nodes")
                .status,
            200);
}

TEST_F(RbacTest, HeaderExampleUserReadsPodsInItsNamespace) {
  ASSERT_TRUE(server_->add_user({.token = "example-token",
                                 .name = "example",
                                 .rules = {{.verbs = {"get", "list", "watch"},
                                            .api_groups = {""},
                                            .resources = {"pods"},
                                            .namespaces = {"demo"}}}}));
  BeastClient c(server_->url(), server_->ca_pem(), "example-token");
  EXPECT_EQ(c.request("GET", "/api/v1/namespaces/demo/pods").status, 200);
  EXPECT_EQ(c.request("GET", "/api/v1/pods").status, 403);
}

TEST_F(RbacTest, AddUserAtRunTimeReplacesByTokenAndRejectsTheAdminToken) {
  BeastClient late(server_->url(), server_->ca_pem(), "late-token");
  EXPECT_EQ(late.request("GET", "/api/v1/namespaces/demo/pods").status, 401);
  ASSERT_TRUE(server_->add_user(ApiUser{"late-token", "late", {}, {}}));
  EXPECT_EQ(late.request("GET", "/api/v1/namespaces/demo/pods").status, 403);
  ASSERT_TRUE(server_->add_user(
      ApiUser{"late-token", "late", {}, {AccessRule{{"list"}, {"*"}, {"*"}, {}, {"*"}}}}));
  EXPECT_EQ(late.request("GET", "/api/v1/namespaces/demo/pods").status, 200);
  EXPECT_EQ(late.request("GET", "/api/v1/pods").status, 200);  // "*" namespaces: cluster wide

  auto admin = server_->add_user(ApiUser{server_->token(), "x", {}, {}});
  ASSERT_FALSE(admin);
  EXPECT_EQ(admin.error().message, "the token is the admin token");
  EXPECT_FALSE(server_->add_user(ApiUser{"t", "", {}, {}}));
}

TEST(ApiServerUsers, StartFailsOnAUserWithoutTokenOrASharedToken) {
  ApiServerOptions o;
  o.users.push_back(ApiUser{"", "nobody", {}, {}});
  ApiServer s(o);
  auto r = s.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, R"(apiserver users[0] ("nobody"): no token)");
  ApiServerOptions twice;
  twice.users = {ApiUser{"t", "a", {}, {}}, ApiUser{"t", "b", {}, {}}};
  ApiServer s2(twice);
  auto r2 = s2.start();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().message, R"(apiserver users[1] ("b"): the token of another user)");
}

class UsersFileTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto p = std::filesystem::temp_directory_path() /
             ("kinformer-users-" + std::to_string(::getpid()) + name);
    std::ofstream(p) << text;
    files_.push_back(p);
    return p;
  }
  void TearDown() override {
    for (auto& f : files_) std::filesystem::remove(f);
  }
  std::vector<std::filesystem::path> files_;
};

TEST_F(UsersFileTest, ReadsYamlAndJson) {
  auto yaml = write(".yaml", R"(users:
- name: viewer
  token: viewer-token
  groups: [dev]
  rules:
  - verbs: [get, list, watch]
    apiGroups: [""]
    resources: [pods, pods/status]
    namespaces: [demo]
    resourceNames: [web]
)");
  auto users = load_api_users(yaml);
  ASSERT_TRUE(users) << users.error().message;
  ASSERT_EQ(users->size(), 1u);
  const auto& u = (*users)[0];
  EXPECT_EQ(u.name, "viewer");
  EXPECT_EQ(u.token, "viewer-token");
  EXPECT_EQ(u.groups, std::vector<std::string>{"dev"});
  ASSERT_EQ(u.rules.size(), 1u);
  EXPECT_EQ(u.rules[0].verbs, (std::vector<std::string>{"get", "list", "watch"}));
  EXPECT_EQ(u.rules[0].api_groups, std::vector<std::string>{""});
  EXPECT_EQ(u.rules[0].resources, (std::vector<std::string>{"pods", "pods/status"}));
  EXPECT_EQ(u.rules[0].namespaces, std::vector<std::string>{"demo"});
  EXPECT_EQ(u.rules[0].resource_names, std::vector<std::string>{"web"});

  auto json = write(
      ".json",
      R"({"users":[{"name":"ops","token":"t","rules":[{"verbs":["*"],"apiGroups":["apps"],"resources":["*"]}]}]})");
  auto j = load_api_users(json);
  ASSERT_TRUE(j) << j.error().message;
  ASSERT_EQ(j->size(), 1u);
  EXPECT_EQ((*j)[0].rules[0].api_groups, std::vector<std::string>{"apps"});
  EXPECT_TRUE((*j)[0].rules[0].namespaces.empty());
}

TEST_F(UsersFileTest, ErrorsNameTheFileAndTheEntry) {
  auto p = write("-bad.yaml", "users:\n- name: a\n  token: t\n- name: b\n");
  auto r = load_api_users(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "users file " + p.string() + R"(: users[1] ("b"): no token)");
  auto q =
      write("-rule.yaml",
            "users:\n- name: a\n  token: t\n  rules:\n  - verbs: get\n    resources: [pods]\n");
  auto rq = load_api_users(q);
  ASSERT_FALSE(rq);
  EXPECT_EQ(rq.error().message,
            "users file " + q.string() + R"(: users[0] ("a"): rules[0]: verbs is not a list)");
  auto missing = load_api_users("/nonexistent/users.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "users file /nonexistent/users.yaml: cannot read");
}

}  // namespace
}  // namespace kube::testing
