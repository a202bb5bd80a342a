// Discovery over HTTPS against the loopback server serving captured documents.
#include "kube/client/discovery.h"

#include <gtest/gtest.h>

#include "integration/client/test_server.h"
#include "support/fixtures.h"

namespace kube {
namespace {

using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;

struct DiscoveryServer {
  explicit DiscoveryServer(bool serve_aggregated)
      : pki(testing::make_test_pki()), server(pki, [this, serve_aggregated](const TestRequest& r) {
          return answer(r, serve_aggregated);
        }) {
    RestConfig c;
    c.host = server.url();
    c.ca_pem = pki.ca.cert_pem;
    c.qps = 0;
    client = std::make_unique<RestClient>(std::move(*Transport::create(c)));
  }

  TestResponse answer(const TestRequest& r, bool serve_aggregated) {
    bool wants_aggregated = r.header("accept").find("as=APIGroupDiscoveryList") != std::string::npos;
    std::string file;
    if (r.target == "/api") file = serve_aggregated && wants_aggregated ? "aggregated-api.json" : "api.json";
    if (r.target == "/apis") file = serve_aggregated && wants_aggregated ? "aggregated-apis.json" : "apis.json";
    if (r.target == "/api/v1") file = "api-v1.json";
    if (r.target == "/apis/apps/v1") file = "apis-apps-v1.json";
    if (r.target == "/apis/core.openfeature.dev/v1alpha1") file = "apis-core.openfeature.dev-v1alpha1.json";
    auto body = file.empty() ? std::nullopt : testing::read_fixture("discovery/" + file);
    // Group versions without a captured document are missing: discovery
    // must skip them and keep the rest.
    if (!body) return TestResponse{.status = 404, .body = "no such document"};
    return TestResponse{.headers = {{"Content-Type", "application/json"}}, .body = *body};
  }

  testing::TestPki pki;
  TestServer server;
  std::unique_ptr<RestClient> client;
};

TEST(Discovery, UsesAggregatedDiscoveryInTwoRequestsAndCachesIt) {
  KUBE_FIXTURE_OR_SKIP(check, "discovery/aggregated-apis.json");
  (void)check;
  DiscoveryServer s(true);
  Discovery d(*s.client);
  Result<ApiResource> r = d.resolve("deploy");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->gvr.to_string(), "apps/v1, Resource=deployments");
  EXPECT_TRUE(d.used_aggregated());
  EXPECT_EQ(s.server.requests(), 2);
  ASSERT_TRUE(d.resolve("ffc"));
  EXPECT_EQ(s.server.requests(), 2);  // cached
  d.invalidate();
  ASSERT_TRUE(d.mapper());
  EXPECT_EQ(s.server.requests(), 4);
}

TEST(Discovery, FallsBackToLegacyDocumentsAndSkipsUnavailableGroups) {
  KUBE_FIXTURE_OR_SKIP(check, "discovery/apis.json");
  (void)check;
  DiscoveryServer s(false);
  Discovery d(*s.client);
  Result<ApiResource> pods = d.resolve("po");
  ASSERT_TRUE(pods) << pods.error().message;
  EXPECT_FALSE(d.used_aggregated());
  EXPECT_EQ(pods->kind, "Pod");
  Result<ApiResource> ffc = d.resolve("ffc");
  ASSERT_TRUE(ffc) << ffc.error().message;
  EXPECT_TRUE(ffc->namespaced);
}

TEST(Discovery, UnknownNameRefreshesOnceThenFails) {
  KUBE_FIXTURE_OR_SKIP(check, "discovery/aggregated-apis.json");
  (void)check;
  DiscoveryServer s(true);
  Discovery d(*s.client);
  ASSERT_TRUE(d.mapper());
  EXPECT_EQ(s.server.requests(), 2);
  Result<ApiResource> r = d.resolve("widgets");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_not_found());
  EXPECT_EQ(s.server.requests(), 4);  // one refresh, as kubectl does for a new CRD
}

}  // namespace
}  // namespace kube
