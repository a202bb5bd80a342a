// examples/deployment_cache/http_server.h — a small HTTP/1.1 server for JSON
// answers (Boost.Beast on one Asio thread; every connection is a coroutine).
//
//   auto server = HttpServer::start("127.0.0.1", 8080, [](const HttpRequest& r) {
//     return HttpReply{200, R"({"ok":true})"};
//   });
//   if (!server) { ... server.error().message ... }
//   std::uint16_t port = (*server)->port();     // the bound port (useful with 0)
//   (*server)->stop();                          // also done by the destructor
//
// The handler runs on the server's thread, one request at a time: it must be
// quick and must not block (answering from an informer's cache is both).
// stop() closes the listener and every connection, and joins the thread.
//
// Thread-safety: start/stop/port from any one thread; the handler is called
// only from the server thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kube/core/result.h"

namespace kinformer::examples {

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // path and query as sent: "/deployments?labelSelector=app%3Dweb"
};

struct HttpReply {
  int status = 200;
  std::string body;  // sent as application/json
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds `address`:`port` (0: an ephemeral port) and serves on a new thread.
  static kube::Result<std::unique_ptr<HttpServer>> start(const std::string& address,
                                                         std::uint16_t port, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Closes the listener and all connections, then joins the thread. Idempotent.
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinformer::examples
