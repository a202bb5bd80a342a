#include "examples/deployment_cache/http_server.h"

#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kinformer::examples {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Everything below except `thread_` is touched only on the server thread
// once start() returns (sessions_ included), so no lock is needed; stop()
// reaches it by posting to the io_context.
class HttpServer::Impl {
 public:
  explicit Impl(HttpHandler handler) : handler_(std::move(handler)), acceptor_(ioc_) {}

  kube::Result<void> bind(const std::string& address, std::uint16_t port) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    if (ec)
      return kube::Error::invalid_argument("--listen: \"" + address + "\" is not an IP address");
    tcp::endpoint ep(ip, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return kube::Error::invalid_argument("--listen " + address + ":" + std::to_string(port) +
                                           ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  void run() {
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });  // returns once every coroutine has ended
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      for (auto* s : sessions_) s->socket().close(ec);
    });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // closed by stop()
      asio::co_spawn(ioc_, session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> session(beast::tcp_stream stream) {
    sessions_.insert(&stream);
    beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      http::request<http::string_body> req;
      stream.expires_after(std::chrono::seconds(60));  // idle keep-alive connections
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      HttpReply reply = handler_({std::string(req.method_string()), std::string(req.target())});
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = std::move(reply.body);
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    sessions_.erase(&stream);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  const HttpHandler handler_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::set<beast::tcp_stream*> sessions_;  // open connections, for stop()
  std::uint16_t port_ = 0;
  std::thread thread_;  // started by run(), joined by stop()
};

kube::Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& address,
                                                            std::uint16_t port,
                                                            HttpHandler handler) {
  auto impl = std::make_unique<Impl>(std::move(handler));
  if (auto r = impl->bind(address, port); !r) return r.error();
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }
std::uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace kinformer::examples
