// examples/deployment_cache against the embedded API server: its HTTP
// answers before and after sync, by name, by namespace, by label, errors.
#include <boost/json.hpp>

#include "examples/example_test.h"
#include "support/beast_client.h"

namespace kube::testing {
namespace {

namespace json = boost::json;
const Resource kDeployments{{"apps", "v1", "deployments"}, true};

std::string deployment(const std::string& ns, const std::string& name, const std::string& app) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":")" + name +
         R"(","namespace":")" + ns + R"(","labels":{"app":")" + app +
         R"("}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":")" + app +
         R"("}},"template":{"metadata":{"labels":{"app":")" + app +
         R"("}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})";
}

json::value body(const HttpResult& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << r.body;
  return v;
}

// namespace/name of each item of a list answer.
std::vector<std::string> keys(const HttpResult& r) {
  std::vector<std::string> out;
  auto v = body(r);
  if (!v.is_object() || !v.as_object().contains("items")) return {"<no items: " + r.body + ">"};
  for (const auto& item : v.at("items").as_array()) {
    out.push_back(std::string(item.at("metadata").at("namespace").as_string()) + "/" +
                  std::string(item.at("metadata").at("name").as_string()));
  }
  return out;
}

using DeploymentCache = ExampleTest;

TEST_F(DeploymentCache, ServesDeploymentsFromTheCacheByNameNamespaceAndLabel) {
  for (const char* ns : {"demo", "other"}) ASSERT_TRUE(cluster_.create_namespace(ns));
  ASSERT_TRUE(create(kDeployments, "demo", deployment("demo", "web", "web")));
  ASSERT_TRUE(create(kDeployments, "demo", deployment("demo", "api", "api")));
  ASSERT_TRUE(create(kDeployments, "other", deployment("other", "web", "web")));

  // Hold the informer's list back (1 s) so /readyz can be seen answering 503.
  cluster_.server->slow_responses(std::chrono::milliseconds(1000));
  auto p = run(DEPLOYMENT_CACHE_BIN, {"--kubeconfig", kubeconfig_, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(p);
  auto listening = p->wait_for("listening on http://");
  ASSERT_TRUE(listening) << p->output();
  std::string url = listening->substr(listening->find("http://"));
  BeastClient http(url, "", "");

  auto r = http.request("GET", "/readyz");
  EXPECT_EQ(r.status, 503) << r.body << "\n" << p->output();
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(http.request("GET", "/deployments/demo/web").status, 503);
  ASSERT_TRUE(p->wait_for("cache synced: 3 deployments")) << p->output();
  cluster_.server->slow_responses(std::chrono::milliseconds(0));
  r = http.request("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;

  r = http.request("GET", "/deployments/demo/web");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r).at("metadata").at("name"), "web");
  EXPECT_EQ(body(r).at("kind"), "Deployment");

  r = http.request("GET", "/deployments/demo/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body(r).at("error"), "deployment \"demo/nope\" not found") << r.body;

  r = http.request("GET", "/deployments/demo");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(keys(r), (std::vector<std::string>{"demo/api", "demo/web"}));
  EXPECT_EQ(body(r).at("kind"), "DeploymentList");

  r = http.request("GET", "/deployments?labelSelector=app%3Dweb");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(keys(r), (std::vector<std::string>{"demo/web", "other/web"}));
  r = http.request("GET", "/deployments/demo?labelSelector=app%20in%20(web,db)");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(keys(r), (std::vector<std::string>{"demo/web"}));
  r = http.request("GET", "/deployments?labelSelector=app!%3Dweb");
  EXPECT_EQ(keys(r), (std::vector<std::string>{"demo/api"}));
  r = http.request("GET", "/deployments");
  EXPECT_EQ(keys(r).size(), 3u);

  r = http.request("GET", "/deployments?labelSelector=app%20in%20(");
  EXPECT_EQ(r.status, 400);
  auto e = body(r);
  EXPECT_EQ(e.at("labelSelector"), "app in (") << r.body;
  EXPECT_NE(std::string(e.at("error").as_string())
                .find("invalid labelSelector \"app in (\": unable to parse"),
            std::string::npos)
      << r.body;

  EXPECT_EQ(http.request("GET", "/nope").status, 404);
  EXPECT_EQ(http.request("GET", "/deployments/a/b/c").status, 404);
  EXPECT_EQ(http.request("DELETE", "/deployments/demo/web").status, 405);

  // Changes reach the answers through the watch.
  ASSERT_TRUE(create(kDeployments, "demo", deployment("demo", "new", "web")));
  EXPECT_TRUE(
      eventually([&] { return http.request("GET", "/deployments/demo/new").status == 200; }));
  r = http.request("GET", "/deployments?labelSelector=app%3Dweb");
  EXPECT_EQ(keys(r), (std::vector<std::string>{"demo/new", "demo/web", "other/web"}));
  ASSERT_TRUE(cluster_.client->remove(kDeployments, "demo", "new"));
  EXPECT_TRUE(
      eventually([&] { return http.request("GET", "/deployments/demo/new").status == 404; }));

  auto exit = p->terminate(SIGTERM);
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 0) << p->output();
  EXPECT_TRUE(p->saw("GET /deployments/demo/web 200")) << p->output();
  EXPECT_EQ(http.request("GET", "/readyz").status, 0) << "the server is gone after exit";
}

}  // namespace
}  // namespace kube::testing
