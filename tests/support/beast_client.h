// Test helper: a small Beast HTTP/1.1 client (plain or TLS) for the embedded
// API server's integration tests. Every operation has a deadline, so a test
// that would hang fails instead.
//
//   kube::testing::BeastClient c(server.url(), server.ca_pem(), server.token());
//   auto r = c.request("GET", "/api/v1/namespaces/default/pods");
//   EXPECT_EQ(r.status, 200);
//   auto w = c.watch("/api/v1/configmaps?watch=1");
//   auto line = w->next(std::chrono::seconds(5));   // one event, or nullopt on timeout/end
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

namespace kube::testing {

struct HttpResult {
  int status = 0;  // 0: transport failure (see error)
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::string error;
};

class BeastClient {
 public:
  class Conn;
  struct Options {
    std::string url;  // "https://127.0.0.1:PORT" or "http://..."
    std::string ca_pem;
    std::string token;
    std::string client_cert_pem;
    std::string client_key_pem;
    std::chrono::milliseconds timeout{10000};
  };
  explicit BeastClient(Options o) : o_(std::move(o)), ssl_(boost::asio::ssl::context::tls_client) {
    auto rest = o_.url.substr(o_.url.find("://") + 3);
    tls_ = o_.url.rfind("https", 0) == 0;
    host_ = rest.substr(0, rest.rfind(':'));
    port_ = rest.substr(rest.rfind(':') + 1);
    if (tls_) {
      boost::system::error_code ec;
      ssl_.add_certificate_authority(boost::asio::buffer(o_.ca_pem), ec);
      ssl_.set_verify_mode(boost::asio::ssl::verify_peer);
      if (!o_.client_cert_pem.empty()) {
        ssl_.use_certificate(boost::asio::buffer(o_.client_cert_pem), boost::asio::ssl::context::pem, ec);
        ssl_.use_private_key(boost::asio::buffer(o_.client_key_pem), boost::asio::ssl::context::pem, ec);
      }
    }
  }
  BeastClient(std::string url, std::string ca, std::string token)
      : BeastClient(Options{std::move(url), std::move(ca), std::move(token), "", "", std::chrono::milliseconds(10000)}) {}

  // One request on a fresh connection.
  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::string& content_type = "application/json", const std::string& accept = "",
                     const std::string& user_agent = "kinformer-test") {
    HttpResult out;
    Conn c(*this);
    if (!c.connect(out.error)) return out;
    auto req = make(method, target, body, content_type, accept, user_agent);
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 31);
    boost::system::error_code ec;
    c.run([&](auto& s, auto done) {
      http::async_write(s, req, [&, done, &s2 = s](boost::system::error_code e, std::size_t) {
        if (e) return done(e);
        http::async_read(s2, c.buf, parser, [done](boost::system::error_code e2, std::size_t) { done(e2); });
      });
    }, ec);
    if (ec) {
      out.error = ec.message();
      return out;
    }
    auto& msg = parser.get();
    out.status = int(msg.result_int());
    out.body = msg.body();
    out.content_type = std::string(msg[http::field::content_type]);
    out.retry_after = std::string(msg["Retry-After"]);
    return out;
  }

  // A watch: the raw stream after the response header, decoded chunk by chunk.
  class Watch {
   public:
    int status = 0;
    std::string header;  // the response header block
    std::string raw;     // every byte received after the header
    // The next chunk's payload (one event line with its '\n'), nullopt on
    // timeout or at the end of the stream (then ended() is true).
    std::optional<std::string> next(std::chrono::milliseconds timeout) {
      auto deadline = std::chrono::steady_clock::now() + timeout;
      for (;;) {
        if (auto c = parse_chunk()) return c;
        if (ended_) return std::nullopt;
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::milliseconds(0)) return std::nullopt;
        if (!read_more(std::chrono::duration_cast<std::chrono::milliseconds>(left))) {
          if (auto c = parse_chunk()) return c;
          if (!ended_ && std::chrono::steady_clock::now() >= deadline) return std::nullopt;
          ended_ = true;
          return std::nullopt;
        }
      }
    }
    bool ended() const { return ended_; }
    bool clean_end() const { return clean_end_; }

   private:
    friend class BeastClient;
    std::optional<std::string> parse_chunk() {
      auto crlf = pending_.find("\r\n");
      if (crlf == std::string::npos) return std::nullopt;
      std::size_t n = std::stoul(pending_.substr(0, crlf), nullptr, 16);
      if (n == 0) {
        if (pending_.size() >= crlf + 4) {
          ended_ = clean_end_ = true;
        }
        return std::nullopt;
      }
      if (pending_.size() < crlf + 2 + n + 2) return std::nullopt;
      std::string data = pending_.substr(crlf + 2, n);
      pending_.erase(0, crlf + 2 + n + 2);
      return data;
    }
    bool read_more(std::chrono::milliseconds timeout) {
      char b[65536];
      boost::system::error_code ec;
      std::size_t n = 0;
      conn_->run_for([&](auto& s, auto done) {
        s.async_read_some(boost::asio::buffer(b), [&, done](boost::system::error_code e, std::size_t k) {
          n = k;
          done(e);
        });
      }, ec, timeout);
      if (n > 0) {
        raw.append(b, n);
        pending_.append(b, n);
      }
      if (ec == boost::asio::error::timed_out) return true;
      return !ec;
    }
    std::unique_ptr<Conn> conn_;
    std::string pending_;
    bool ended_ = false;
    bool clean_end_ = false;
  };

  std::unique_ptr<Watch> watch(const std::string& target, const std::string& accept = "") {
    auto w = std::make_unique<Watch>();
    w->conn_ = std::make_unique<Conn>(*this);
    std::string err;
    if (!w->conn_->connect(err)) return w;
    auto req = make("GET", target, "", "", accept, "kinformer-test");
    boost::system::error_code ec;
    std::string head;
    w->conn_->run([&](auto& s, auto done) {
      boost::beast::http::async_write(s, req, [&, done, &s2 = s](boost::system::error_code e, std::size_t) {
        if (e) return done(e);
        boost::asio::async_read_until(s2, boost::asio::dynamic_buffer(head), "\r\n\r\n",
                                      [done](boost::system::error_code e2, std::size_t) { done(e2); });
      });
    }, ec);
    if (ec) return w;
    auto end = head.find("\r\n\r\n");
    w->header = head.substr(0, end + 4);
    w->status = std::stoi(head.substr(9, 3));
    w->pending_ = head.substr(end + 4);
    w->raw = w->pending_;
    if (w->header.find("chunked") == std::string::npos) {
      // A plain (error) response: keep the body as the only "chunk".
      w->ended_ = true;
    }
    return w;
  }

  class Conn {
   public:
    explicit Conn(BeastClient& c) : c_(c), tcp_(io_), tls_(io_, c.ssl_) {}
    bool connect(std::string& err) {
      boost::asio::ip::tcp::resolver r(io_);
      boost::system::error_code ec;
      auto eps = r.resolve(c_.host_, c_.port_, ec);
      if (ec) {
        err = ec.message();
        return false;
      }
      auto& sock = c_.tls_ ? boost::beast::get_lowest_layer(tls_) : tcp_;
      sock.expires_after(c_.o_.timeout);
      sock.async_connect(eps, [&](boost::system::error_code e, auto) { ec = e; });
      io_.restart();
      io_.run();
      if (!ec && c_.tls_) {
        SSL_set_tlsext_host_name(tls_.native_handle(), c_.host_.c_str());
        tls_.async_handshake(boost::asio::ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
        io_.restart();
        io_.run();
      }
      if (ec) err = ec.message();
      return !ec;
    }
    template <class F>
    void run(F&& f, boost::system::error_code& ec) {
      run_for(std::forward<F>(f), ec, c_.o_.timeout);
    }
    template <class F>
    void run_for(F&& f, boost::system::error_code& ec, std::chrono::milliseconds t) {
      bool finished = false;
      auto done = [&](boost::system::error_code e) {
        ec = e;
        finished = true;
      };
      auto& low = c_.tls_ ? boost::beast::get_lowest_layer(tls_) : tcp_;
      low.expires_never();
      if (c_.tls_) f(tls_, done);
      else f(tcp_, done);
      io_.restart();
      io_.run_for(t);
      if (!finished) {
        low.socket().cancel();
        io_.restart();
        io_.run();
        ec = boost::asio::error::timed_out;
      }
    }
    boost::beast::flat_buffer buf;

   private:
    BeastClient& c_;
    boost::asio::io_context io_;
    boost::beast::tcp_stream tcp_;
    boost::beast::ssl_stream<boost::beast::tcp_stream> tls_;
  };

 private:
  boost::beast::http::request<boost::beast::http::string_body> make(const std::string& method,
                                                                    const std::string& target,
                                                                    const std::string& body,
                                                                    const std::string& content_type,
                                                                    const std::string& accept,
                                                                    const std::string& user_agent) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, user_agent);
    if (!o_.token.empty()) req.set(http::field::authorization, "Bearer " + o_.token);
    if (!accept.empty()) req.set(http::field::accept, accept);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    return req;
  }

  Options o_;
  boost::asio::ssl::context ssl_;
  bool tls_ = false;
  std::string host_, port_;
};

}  // namespace kube::testing
