// Test support for the cache service's integration tests: raw HTTP requests
// and a fixture serving pods and configmaps of an embedded API server.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "integration/support/cluster.h"
#include "kube/client/transport.h"
#include "kube/informers/factory.h"
#include "kube/serve/cache_server.h"
#include "support/wait.h"

namespace kube::serve::test {

namespace json = boost::json;
using kube::testing::Cluster;
using kube::testing::eventually;

inline std::shared_ptr<Transport> http_transport(const std::string& url) {
  RestConfig cfg;
  cfg.host = url;
  cfg.qps = 10000;
  cfg.burst = 10000;
  TransportOptions topts;
  topts.max_retries = 0;  // the tests look at 503s themselves
  topts.http2 = false;
  auto t = Transport::create(cfg, topts);
  if (!t) ADD_FAILURE() << "transport: " << t.error().message;
  return t ? std::shared_ptr<Transport>(std::move(*t)) : nullptr;
}

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  json::value doc() const {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    return ec ? json::value() : v;
  }
};

// One request over a new connection (Beast, so that error bodies and
// text answers arrive as sent).
inline Reply request(std::uint16_t port, const std::string& target,
                     const std::string& method = "GET", const std::string& accept = "") {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  boost::system::error_code ec;
  sock.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {0, "connect: " + ec.message(), ""};
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!accept.empty()) req.set(http::field::accept, accept);
  if (method != "GET") {
    req.set(http::field::content_type, "application/json");
    req.body() = "{}";
  }
  req.prepare_payload();
  http::write(sock, req, ec);
  if (ec) return {0, "write: " + ec.message(), ""};
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);  // watches of big objects run past Beast's 8 MB default
  http::read(sock, buf, parser, ec);
  if (ec) return {0, "read: " + ec.message(), ""};
  auto& res = parser.get();
  return {int(res.result_int()), res.body(), std::string(res[http::field::content_type])};
}

inline std::vector<std::string> item_names(const json::value& list) {
  std::vector<std::string> out;
  for (const auto& i : list.at("items").as_array()) {
    out.emplace_back(i.at("metadata").at("name").as_string());
  }
  return out;
}

class CacheServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = Cluster::start();
    ASSERT_TRUE(cluster_.client);
    ASSERT_TRUE(cluster_.create_namespace("demo"));
    ASSERT_TRUE(cluster_.create_namespace("other"));
    factory_ = std::make_unique<informers::SharedInformerFactory>(cluster_.client);
    auto s = CacheServer::start(
        {{.informer = factory_->pods(), .kind = "Pod", .short_names = {"po"}},
         {.informer = factory_->configmaps(), .kind = "ConfigMap", .short_names = {"cm"}}},
        {.port = 0});
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    factory_->start();
    ASSERT_TRUE(eventually([&] { return server_->ready(); }));
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (factory_) factory_->shutdown();
  }

  // Waits until the cache serves `n` configmaps in `ns`.
  bool served_configmaps(const std::string& ns, std::size_t n) {
    return eventually([&] {
      auto r = request(port_, "/api/v1/namespaces/" + ns + "/configmaps");
      return r.status == 200 && r.doc().at("items").as_array().size() == n;
    });
  }

  Cluster cluster_;
  std::unique_ptr<informers::SharedInformerFactory> factory_;
  std::unique_ptr<CacheServer> server_;
  std::uint16_t port_ = 0;
};

}  // namespace kube::serve::test
