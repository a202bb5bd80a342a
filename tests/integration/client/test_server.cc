// The Beast/Asio side of test_server.h.
#include "integration/client/test_server.h"

#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "kube/core/mutex.h"

namespace kube::testing {

class TestServer::Impl {
 public:
  Impl(const TestPki& pki, Handler handler)
      : handler_(std::move(handler)), ssl_(boost::asio::ssl::context::tls_server), acceptor_(io_) {
    namespace ssl = boost::asio::ssl;
    ssl_.use_certificate_chain(boost::asio::buffer(pki.server.cert_pem));
    ssl_.use_private_key(boost::asio::buffer(pki.server.key_pem), ssl::context::pem);
    ssl_.add_certificate_authority(boost::asio::buffer(pki.ca.cert_pem));
    ssl_.set_verify_mode(ssl::verify_peer);  // a client certificate is optional
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    listen_fd_ = acceptor_.native_handle();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~Impl() { stop(); }

  void stop() KUBE_EXCLUDES(mu_) {
    if (stopped_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      MutexLock lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  using tcp = boost::asio::ip::tcp;

  void accept_loop() KUBE_EXCLUDES(mu_) {
    while (!stopped_) {
      boost::system::error_code ec;
      tcp::socket sock(io_);
      acceptor_.accept(sock, ec);
      if (ec) return;
      ++connections_;
      int fd = sock.native_handle();
      MutexLock lock(mu_);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, s = std::move(sock), fd]() mutable { serve(std::move(s), fd); });
    }
  }

  void serve(tcp::socket sock, int fd) KUBE_EXCLUDES(mu_) {
    namespace http = boost::beast::http;
    boost::asio::ssl::stream<tcp::socket> stream(std::move(sock), ssl_);
    boost::system::error_code ec;
    stream.handshake(boost::asio::ssl::stream_base::server, ec);
    std::string cn;
    if (!ec) {
      if (X509* cert = SSL_get_peer_certificate(stream.native_handle())) {
        char buf[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
        cn = buf;
        X509_free(cert);
      }
    }
    boost::beast::flat_buffer buffer;
    while (!ec && !stopped_) {
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec) break;
      ++requests_;
      TestRequest tr{std::string(req.method_string()), std::string(req.target()), req.body(), {}, cn};
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        tr.headers[name] = std::string(f.value());
      }
      TestResponse resp = handler_(tr);
      if (resp.delay.count() > 0) std::this_thread::sleep_for(resp.delay);
      if (!write_response(stream, resp, ec)) break;
    }
    ::shutdown(fd, SHUT_RDWR);
    MutexLock lock(mu_);
    std::erase(open_fds_, fd);
  }

  template <class Stream>
  bool write_response(Stream& stream, const TestResponse& resp, boost::system::error_code& ec) {
    bool chunked = resp.chunked || !resp.chunks.empty();
    std::string head = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n";
    for (const auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
    if (chunked) {
      head += "Transfer-Encoding: chunked\r\n\r\n";
    } else {
      head += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n" + resp.body;
    }
    boost::asio::write(stream, boost::asio::buffer(head), ec);
    if (ec || !chunked) return !ec;
    for (const std::string& c : resp.chunks) {
      if (resp.chunk_delay.count() > 0) std::this_thread::sleep_for(resp.chunk_delay);
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", c.size());
      boost::asio::write(stream, boost::asio::buffer(std::string(size) + c + "\r\n"), ec);
      if (ec) return false;
    }
    if (resp.cut) return false;
    if (resp.hold_open) {
      char byte;
      stream.read_some(boost::asio::buffer(&byte, 1), ec);  // returns when the client closes
      return false;
    }
    boost::asio::write(stream, boost::asio::buffer(std::string("0\r\n\r\n")), ec);
    return !ec;
  }

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ssl::context ssl_;
  tcp::acceptor acceptor_;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> connections_{0}, requests_{0};
  Mutex mu_;  // guards open_fds_ and threads_
  std::vector<int> open_fds_ KUBE_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ KUBE_GUARDED_BY(mu_);
  std::thread accept_thread_;
};

TestServer::TestServer(const TestPki& pki, Handler handler)
    : impl_(std::make_unique<Impl>(pki, std::move(handler))) {}
TestServer::~TestServer() = default;
void TestServer::stop() { impl_->stop(); }
std::string TestServer::url() const { return impl_->url(); }
int TestServer::connections() const { return impl_->connections(); }
int TestServer::requests() const { return impl_->requests(); }

}  // namespace kube::testing
