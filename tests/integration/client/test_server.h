// Test helper: a minimal HTTPS/1.1 server on 127.0.0.1 (Boost.Beast for
// request parsing, OpenSSL for TLS) serving whatever a handler returns:
// plain responses, chunked streams (optionally cut mid-stream, or held open
// until the client goes away), for the client layer's integration tests.
// Beast does not speak HTTP/2, so these tests exercise HTTP/1.1 only.
//
// Threads: one accept thread plus one thread per connection, all owned and
// joined by the server; stop() (or the destructor) shuts the sockets down.
// The Beast/Asio code lives in test_server.cc, compiled once per binary.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "integration/client/test_certs.h"

namespace kube::testing {

struct TestRequest {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string client_cn;  // CN of the verified client certificate, if any
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
  // When set, the body is sent as these HTTP/1.1 chunks instead.
  std::vector<std::string> chunks = {};
  bool chunked = false;
  std::chrono::milliseconds chunk_delay{0};
  bool cut = false;        // close the connection instead of the final chunk
  bool hold_open = false;  // after the chunks, wait until the client closes
  std::chrono::milliseconds delay{0};  // before answering
};

class TestServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  // Listens on an ephemeral port of 127.0.0.1 and serves until stop().
  TestServer(const TestPki& pki, Handler handler);
  ~TestServer();  // stop()s
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  void stop();
  std::string url() const;
  int connections() const;
  int requests() const;

 private:
  class Impl;  // test_server.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace kube::testing
