// Integration-test helper: an embedded API server and a REST client that
// talks to it over real TLS with its CA and bearer token.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kube/client/rest_client.h"
#include "kube/client/transport.h"
#include "kube/testing/api_server.h"

namespace kube::testing {

struct Cluster {
  std::unique_ptr<ApiServer> server;
  std::shared_ptr<RestClient> client;

  static Resource namespaces() { return {{"", "v1", "namespaces"}, false}; }
  static Resource configmaps() { return {{"", "v1", "configmaps"}, true}; }

  // Starts a server; fails the test (returns an empty Cluster) on error.
  static Cluster start(ApiServerOptions options = {}) {
    Cluster c;
    c.server = std::make_unique<ApiServer>(std::move(options));
    if (auto r = c.server->start(); !r) {
      ADD_FAILURE() << "embedded API server: " << r.error().message;
      return {};
    }
    c.client = c.client_as(c.server->token());
    if (!c.client) return {};
    return c;
  }

  // A REST client that authenticates with `token` (a limited user's, say);
  // fails the test (returns null) on error.
  std::shared_ptr<RestClient> client_as(const std::string& token) const {
    RestConfig cfg;
    cfg.host = server->url();
    cfg.ca_pem = server->ca_pem();
    cfg.bearer_token = token;
    cfg.qps = 10000;  // the tests write fast; the default 5/10 is for real clusters
    cfg.burst = 10000;
    TransportOptions topts;
    topts.initial_backoff = std::chrono::milliseconds(5);
    topts.max_backoff = std::chrono::milliseconds(50);
    auto t = Transport::create(cfg, topts);
    if (!t) {
      ADD_FAILURE() << "transport: " << t.error().message;
      return nullptr;
    }
    return std::make_shared<RestClient>(std::shared_ptr<Transport>(std::move(*t)));
  }

  Result<ObjectPtr> create_namespace(const std::string& name) {
    return client->create(namespaces(), "",
                          R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + name + R"("}})");
  }
  Result<ObjectPtr> put_configmap(const std::string& ns, const std::string& name, const std::string& value,
                                  const std::string& labels_json = "{}") {
    std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                       R"(","namespace":")" + ns + R"(","labels":)" + labels_json + R"(},"data":{"v":")" +
                       value + R"("}})";
    auto existing = client->get(configmaps(), ns, name);
    if (!existing) return client->create(configmaps(), ns, body);
    return client->patch(configmaps(), ns, name, PatchType::Merge, R"({"data":{"v":")" + value + R"("}})");
  }
};

}  // namespace kube::testing
