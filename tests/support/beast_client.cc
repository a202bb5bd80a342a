// The Beast/Asio side of tests/support/beast_client.h.
#include "support/beast_client.h"

#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

namespace kube::testing {

namespace http = boost::beast::http;

struct BeastClient::State {
  explicit State(Options o) : o(std::move(o)), ssl(boost::asio::ssl::context::tls_client) {}
  Options o;
  boost::asio::ssl::context ssl;
  bool tls = false;
  std::string host, port;
};

// One connection with its own io_context; every operation runs the context
// until it completes or its deadline passes.
class BeastClient::Conn {
 public:
  explicit Conn(State& s) : s_(s), tcp_(io_), tls_(io_, s.ssl) {}

  bool connect(std::string& err) {
    boost::asio::ip::tcp::resolver r(io_);
    boost::system::error_code ec;
    auto eps = r.resolve(s_.host, s_.port, ec);
    if (ec) {
      err = ec.message();
      return false;
    }
    auto& sock = s_.tls ? boost::beast::get_lowest_layer(tls_) : tcp_;
    sock.expires_after(s_.o.timeout);
    sock.async_connect(eps, [&](boost::system::error_code e, auto) { ec = e; });
    io_.restart();
    io_.run();
    if (!ec && s_.tls) {
      SSL_set_tlsext_host_name(tls_.native_handle(), s_.host.c_str());
      tls_.async_handshake(boost::asio::ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
      io_.restart();
      io_.run();
    }
    if (ec) err = ec.message();
    return !ec;
  }

  template <class F>
  void run(F&& f, boost::system::error_code& ec) {
    run_for(std::forward<F>(f), ec, s_.o.timeout);
  }

  // Starts f(stream, done) and runs the I/O until done is called or `t`
  // passes (then the socket is cancelled and ec is timed_out).
  template <class F>
  void run_for(F&& f, boost::system::error_code& ec, std::chrono::milliseconds t) {
    bool finished = false;
    auto done = [&](boost::system::error_code e) {
      ec = e;
      finished = true;
    };
    auto& low = s_.tls ? boost::beast::get_lowest_layer(tls_) : tcp_;
    low.expires_never();
    if (s_.tls) f(tls_, done);
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
  State& s_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream tcp_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> tls_;
};

namespace {

http::request<http::string_body> make_request(const std::string& host, const std::string& token,
                                              const std::string& method, const std::string& target,
                                              const std::string& body, const std::string& content_type,
                                              const std::string& accept, const std::string& user_agent) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, user_agent);
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!accept.empty()) req.set(http::field::accept, accept);
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  return req;
}

}  // namespace

BeastClient::BeastClient(Options o) : s_(std::make_unique<State>(std::move(o))) {
  auto rest = s_->o.url.substr(s_->o.url.find("://") + 3);
  s_->tls = s_->o.url.rfind("https", 0) == 0;
  s_->host = rest.substr(0, rest.rfind(':'));
  s_->port = rest.substr(rest.rfind(':') + 1);
  if (s_->tls) {
    boost::system::error_code ec;
    s_->ssl.add_certificate_authority(boost::asio::buffer(s_->o.ca_pem), ec);
    s_->ssl.set_verify_mode(boost::asio::ssl::verify_peer);
    if (!s_->o.client_cert_pem.empty()) {
      s_->ssl.use_certificate(boost::asio::buffer(s_->o.client_cert_pem), boost::asio::ssl::context::pem, ec);
      s_->ssl.use_private_key(boost::asio::buffer(s_->o.client_key_pem), boost::asio::ssl::context::pem, ec);
    }
  }
}

BeastClient::BeastClient(std::string url, std::string ca, std::string token)
    : BeastClient(Options{std::move(url), std::move(ca), std::move(token), "", "", std::chrono::milliseconds(10000)}) {}

BeastClient::~BeastClient() = default;

HttpResult BeastClient::request(const std::string& method, const std::string& target, const std::string& body,
                                const std::string& content_type, const std::string& accept,
                                const std::string& user_agent) {
  HttpResult out;
  Conn c(*s_);
  if (!c.connect(out.error)) return out;
  auto req = make_request(s_->host, s_->o.token, method, target, body, content_type, accept, user_agent);
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

BeastClient::Watch::Watch() = default;
BeastClient::Watch::~Watch() = default;

std::optional<std::string> BeastClient::Watch::next(std::chrono::milliseconds timeout) {
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

std::optional<std::string> BeastClient::Watch::parse_chunk() {
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

bool BeastClient::Watch::read_more(std::chrono::milliseconds timeout) {
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

std::unique_ptr<BeastClient::Watch> BeastClient::watch(const std::string& target, const std::string& accept) {
  auto w = std::make_unique<Watch>();
  w->conn_ = std::make_unique<Conn>(*s_);
  std::string err;
  if (!w->conn_->connect(err)) return w;
  auto req = make_request(s_->host, s_->o.token, "GET", target, "", "", accept, "kinformer-test");
  boost::system::error_code ec;
  std::string head;
  w->conn_->run([&](auto& s, auto done) {
    http::async_write(s, req, [&, done, &s2 = s](boost::system::error_code e, std::size_t) {
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

}  // namespace kube::testing
