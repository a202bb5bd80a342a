// Shared set-up for the embedded API server's integration tests: a server on
// an ephemeral port (TLS), a Beast client, and JSON shape comparison with the
// kube-apiserver captures in shared/fixtures.
#pragma once

#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kube/testing/api_server.h"
#include "support/beast_client.h"
#include "support/fixtures.h"

namespace kube::testing {

inline boost::json::value parse_json(const std::string& s) {
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  EXPECT_FALSE(ec) << "not JSON: " << s.substr(0, 300);
  return v;
}

// Same keys and value kinds, recursively (arrays: the first element of
// each). Values are not compared: uid, timestamps, resourceVersions differ.
inline void expect_same_shape(const boost::json::value& want, const boost::json::value& got,
                              const std::string& path = "") {
  if (want.is_number() && got.is_number()) return;
  ASSERT_EQ(want.kind(), got.kind()) << "at " << path;
  if (want.is_object()) {
    std::set<std::string> a, b;
    for (auto& [k, v] : want.as_object()) a.insert(k);
    for (auto& [k, v] : got.as_object()) b.insert(k);
    EXPECT_EQ(a, b) << "keys at " << path;
    for (auto& [k, v] : want.as_object()) {
      if (auto* g = got.as_object().if_contains(k)) expect_same_shape(v, *g, path + "." + std::string(k));
    }
  } else if (want.is_array() && !want.as_array().empty() && !got.as_array().empty()) {
    expect_same_shape(want.as_array()[0], got.as_array()[0], path + "[0]");
  }
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiServerOptions o = options();
    server_ = std::make_unique<ApiServer>(o);
    auto r = server_->start();
    ASSERT_TRUE(r) << r.error().message;
    client_ = std::make_unique<BeastClient>(server_->url(), server_->ca_pem(), server_->token());
  }
  virtual ApiServerOptions options() { return ApiServerOptions{}; }

  HttpResult get(const std::string& t, const std::string& accept = "") {
    return client_->request("GET", t, "", "", accept);
  }
  HttpResult post(const std::string& t, const std::string& body) { return client_->request("POST", t, body); }
  HttpResult put(const std::string& t, const std::string& body) { return client_->request("PUT", t, body); }
  HttpResult patch(const std::string& t, const std::string& body, const std::string& type) {
    return client_->request("PATCH", t, body, type);
  }
  HttpResult del(const std::string& t, const std::string& body = "") { return client_->request("DELETE", t, body); }

  boost::json::value create_configmap(const std::string& ns, const std::string& name, const std::string& labels = "{}") {
    auto r = post("/api/v1/namespaces/" + ns + "/configmaps",
                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(","labels":)" +
                      labels + R"(},"data":{"a":"1"}})");
    EXPECT_EQ(r.status, 201) << r.body;
    return parse_json(r.body);
  }
  static std::string rv_of(const boost::json::value& v) {
    return std::string(v.at("metadata").at("resourceVersion").as_string());
  }

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<BeastClient> client_;
};

}  // namespace kube::testing
