#include "src/testing/server.h"

#include <charconv>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include "src/testing/authz.h"
#include "src/testing/status.h"
#include "src/testing/tls.h"

namespace kube::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace internal;
using namespace asio::experimental::awaitable_operators;

namespace {

std::string random_token() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  std::string s;
  for (unsigned char c : b) {
    s += "0123456789abcdef"[c >> 4];
    s += "0123456789abcdef"[c & 15];
  }
  return s;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::invalid_argument("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
  out.resize(std::size_t(n));
  return out;
}

// Which watch event (if any) a client with these selectors sees for `e`:
// an object leaving the selector arrives as DELETED, one entering as ADDED.
std::optional<std::pair<const char*, ObjectPtr>> visible(const WatchEvent& e, const WatchRequest& w) {
  auto m = [&](const ObjectPtr& o) {
    return o && w.label_selector.matches(*o) && w.field_selector.matches(*o);
  };
  switch (e.type) {
    case EventType::kAdded:
      if (m(e.object)) return std::pair{"ADDED", e.object};
      break;
    case EventType::kModified: {
      bool now = m(e.object), before = m(e.prev);
      if (now && before) return std::pair{"MODIFIED", e.object};
      if (now) return std::pair{"ADDED", e.object};
      if (before) return std::pair{"DELETED", e.object};
      break;
    }
    case EventType::kDeleted:
      if (m(e.object)) return std::pair{"DELETED", e.object};
      break;
  }
  return std::nullopt;
}

// Where a connection's bytes are written: the socket itself for plain TCP
// (Beast's tcp_stream wraps each write in timeout and rate-limit bookkeeping
// that this server does not use), the TLS stream otherwise. Reads still go
// through the stream; one read and one write may be pending at once.
template <class Stream>
auto& sink(Stream& s) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>)
    return s.socket();
  else
    return s;
}

template <class Stream>
asio::awaitable<void> write_chunk(Stream& s, std::string line) {
  line += '\n';
  co_await asio::async_write(sink(s), http::make_chunk(asio::buffer(line)), asio::use_awaitable);
}

void wake(WakeChannel& c) { (void)c.try_send(boost::system::error_code{}); }

// Watch event lines framed as HTTP chunks, one chunk per event (the framing
// kube-apiserver's per-event flush gives, byte for byte what
// http::make_chunk writes), gathered so that every event a stream has ready
// goes out in one write: under load a watch that fell behind catches up with
// one syscall instead of one per event. The buffer is reused between writes.
class ChunkBatch {
 public:
  // Flush at about this size: a long initial list is sent in parts.
  static constexpr std::size_t kFlushBytes = 256 * 1024;

  void add_event(std::string_view type, const Object& obj, bool metadata_only) {
    line_.clear();
    append_watch_event_json(line_, type, obj, metadata_only);
    add_line(line_);
  }
  void add_line(std::string_view line) {  // without its '\n'
    char size[2 * sizeof(std::size_t)];
    auto end = std::to_chars(size, size + sizeof size, line.size() + 1, 16).ptr;
    buf_.append(size, end);
    buf_ += "\r\n";
    buf_ += line;
    buf_ += "\n\r\n";
  }
  bool full() const { return buf_.size() >= kFlushBytes; }

  template <class Stream>
  asio::awaitable<void> flush(Stream& s) {
    if (buf_.empty()) co_return;
    co_await asio::async_write(sink(s), asio::buffer(buf_), asio::use_awaitable);
    buf_.clear();
  }

 private:
  std::string buf_;
  std::string line_;  // one event, before its chunk header is known
};

template <class Stream>
asio::awaitable<void> wait_for_eof(Stream& s) {
  char b[256];
  for (;;) {
    boost::system::error_code ec;
    co_await s.async_read_some(asio::buffer(b), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

template <class Stream>
auto& lowest(Stream& s) {
  return beast::get_lowest_layer(s);
}

}  // namespace

ApiServer::Impl::Impl(ApiServerOptions options)
    : opts(std::move(options)), store(opts.history_window) {}

ApiServer::Impl::~Impl() { stop(); }

Result<void> ApiServer::Impl::start() {
  if (running_) return {};
  token = opts.token.empty() ? random_token() : opts.token;
  std::set<std::string> user_tokens;
  for (std::size_t i = 0; i < opts.users.size(); ++i) {
    const auto& u = opts.users[i];
    std::string at = "apiserver users[" + std::to_string(i) + "]" + (u.name.empty() ? "" : " (\"" + u.name + "\")");
    if (!user_tokens.insert(u.token).second) return Error::invalid_argument(at + ": the token of another user");
    if (auto r = add_user(u); !r) return Error::invalid_argument(at + ": " + r.error().message);
  }
  if (!opts.data_file.empty() && std::filesystem::exists(opts.data_file)) {
    auto text = read_file(opts.data_file.string());
    if (!text) return text.error();
    if (auto r = store.restore(*text); !r) {
      return Error::invalid_argument(opts.data_file.string() + ": " + r.error().message);
    }
  }
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    auto res = store.find_resource("", "v1", "namespaces");
    if (!store.get(*res, "", ns)) {
      (void)store.create(*res, "", json::object{{"metadata", json::object{{"name", ns}}}});
    }
  }
  io_ = std::make_unique<asio::io_context>(opts.io_threads);
  if (opts.tls) {
    std::string cert, key;
    if (opts.cert_file.empty()) {
      auto pki = generate_pki();
      if (!pki) return pki.error();
      ca_pem = pki->ca_cert_pem;
      cert = pki->server_cert_pem;
      key = pki->server_key_pem;
      client_cert_pem = pki->client_cert_pem;
      client_key_pem = pki->client_key_pem;
    } else {
      auto c = read_file(opts.cert_file);
      auto k = read_file(opts.key_file);
      if (!c) return c.error();
      if (!k) return k.error();
      cert = *c;
      key = *k;
      if (!opts.ca_file.empty()) {
        auto ca = read_file(opts.ca_file);
        if (!ca) return ca.error();
        ca_pem = *ca;
      } else {
        ca_pem = cert;
      }
    }
    ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    ssl_->use_certificate_chain(asio::buffer(cert), ec);
    if (!ec) ssl_->use_private_key(asio::buffer(key), asio::ssl::context::pem, ec);
    if (ec) return Error::invalid_argument("apiserver TLS: server certificate or key: " + ec.message());
    // Client certificates are asked for, checked against our CA, and optional
    // (a bad or missing one falls back to the bearer token, else 401).
    ssl_->add_certificate_authority(asio::buffer(ca_pem), ec);
    ssl_->set_verify_mode(asio::ssl::verify_peer);
    ssl_->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
  }
  tcp::endpoint ep(asio::ip::make_address(opts.address), opts.port);
  // On a strand: the accept loop and stop()'s close() run on different I/O
  // threads otherwise (a data race inside the reactor, seen by TSan).
  acceptor_ = std::make_unique<tcp::acceptor>(asio::make_strand(*io_));
  boost::system::error_code ec;
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.reset();
    io_.reset();
    return Error::invalid_argument("apiserver: cannot listen on " + opts.address + ":" +
                                   std::to_string(opts.port) + ": " + ec.message());
  }
  port = acceptor_->local_endpoint().port();
  std::string scheme = opts.tls ? "https://" : "http://";
  rest_ = std::make_unique<RestHandler>(store, opts.address + ":" + std::to_string(port.load()));
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, opts.io_threads); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "kube-apiserver");
      io_->run();
    });
  }
  running_ = true;
  return {};
}

void ApiServer::Impl::stop() {
  if (!running_) return;
  running_ = false;
  asio::post(acceptor_->get_executor(), [this] { acceptor_->close(); });
  drop_connections();
  io_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  acceptor_.reset();
  {
    // The closers hold strand executors: they must go while io_ (which owns
    // the strand service) is still alive.
    MutexLock l(conns_mu_);
    conns_.clear();
  }
  io_.reset();  // destroys the remaining coroutine frames (and their sockets)
  if (!opts.data_file.empty()) {
    std::ofstream out(opts.data_file, std::ios::binary | std::ios::trunc);
    out << store.snapshot();
  }
}

void ApiServer::Impl::drop_connections() {
  store.close_watchers();
  std::vector<std::function<void()>> closers;
  {
    MutexLock l(conns_mu_);
    for (auto& [id, c] : conns_) closers.push_back(c);
  }
  for (auto& c : closers) c();
}

std::uint64_t ApiServer::Impl::register_connection(std::function<void()> closer) {
  MutexLock l(conns_mu_);
  conns_[++next_conn_] = std::move(closer);
  return next_conn_;
}

void ApiServer::Impl::unregister_connection(std::uint64_t id) {
  MutexLock l(conns_mu_);
  conns_.erase(id);
}

asio::awaitable<void> ApiServer::Impl::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket sock = co_await acceptor_->async_accept(asio::make_strand(*io_),
                                                        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_->is_open()) co_return;
      continue;
    }
    sock.set_option(tcp::no_delay(true), ec);
    auto ex = sock.get_executor();
    if (ssl_) {
      auto s = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(beast::tcp_stream(std::move(sock)), *ssl_);
      asio::co_spawn(ex, session(std::move(s), true), asio::detached);
    } else {
      auto s = std::make_shared<beast::tcp_stream>(std::move(sock));
      asio::co_spawn(ex, session(std::move(s), false), asio::detached);
    }
  }
}

template <class Stream>
asio::awaitable<void> ApiServer::Impl::session(std::shared_ptr<Stream> stream, bool tls) {
  auto ex = co_await asio::this_coro::executor;
  std::weak_ptr<Stream> weak = stream;
  auto id = register_connection([ex, weak] {
    asio::post(ex, [weak] {
      if (auto s = weak.lock()) {
        boost::system::error_code ec;
        lowest(*s).socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest(*s).socket().close(ec);
      }
    });
  });
  bool client_cert_ok = false;
  try {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      co_await stream->async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      SSL* ssl = stream->native_handle();
      if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        client_cert_ok = SSL_get_verify_result(ssl) == X509_V_OK;
        X509_free(peer);
      }
    }
    (void)tls;
    beast::flat_buffer buf;
    std::string head;  // a response's status line and headers, reused
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(256 * 1024 * 1024);
      boost::system::error_code ec;
      co_await http::async_read(*stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      auto msg = parser.release();
      Request req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      req.accept = std::string(msg[http::field::accept]);
      req.content_type = std::string(msg[http::field::content_type]);
      req.user_agent = std::string(msg[http::field::user_agent]);
      std::string auth(msg[http::field::authorization]);
      req.body = std::move(msg.body());
      bool authed = client_cert_ok || auth == "Bearer " + token;
      std::shared_ptr<const ApiUser> user;
      if (!authed && auth.starts_with("Bearer ")) {
        user = find_user(auth.substr(7));
        authed = user != nullptr;
      }
      if (!authed) {
        auto path = req.target.substr(0, req.target.find('?'));
        authed = path == "/healthz" || path == "/livez" || path == "/readyz";
      }
      if (!authed) {
        // fixtures/errors/401-unauthorized.json
        req.method = "UNAUTHORIZED";
      }
      // Answered here, not in a coroutine of its own: a coroutine's frame is
      // allocated per call, and this one was large enough to cost a
      // malloc_consolidate per request (docs/benchmarks.md, fan-out).
      if (auto d = delay_ms.load(); d > 0) {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(d));
        co_await t.async_wait(asio::use_awaitable);
      }
      bool restart_after = false;
      auto out = answer(req, user.get(), restart_after);
      if (auto* w = std::get_if<WatchRequest>(&out)) {
        co_await watch(*stream, std::move(*w));
        break;
      }
      auto& r = std::get<Response>(out);
      if (r.parts) {
        co_await write_parts(*stream, r);
      } else {
        head.clear();
        append_response_head(head, r, r.body.size());
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
          std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(r.body)};
          co_await asio::async_write(sink(*stream), bufs, asio::use_awaitable);
        } else {
          // One buffer: a gathered write of a head and a body over 16 KiB never
          // completed through Beast's ssl_stream (Boost 1.81; seen in the
          // integration tests), and TLS copies the bytes anyway.
          head += r.body;
          co_await asio::async_write(*stream, asio::buffer(head), asio::use_awaitable);
          if (head.capacity() > 64 * 1024) head = std::string();  // not kept for the connection's life
        }
      }
      if (restart_after) drop_connections();
      if (!msg.keep_alive()) break;
    }
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      boost::system::error_code ec;
      lowest(*stream).expires_after(std::chrono::seconds(1));
      co_await stream->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
  } catch (const std::exception&) {
    // The peer went away or the server is dropping connections.
  }
  boost::system::error_code ec;
  lowest(*stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  lowest(*stream).socket().close(ec);
  unregister_connection(id);
}

std::optional<Response> ApiServer::Impl::control(const Request& req, bool& restart_after) {
  if (req.target.rfind("/_kinformer/faults", 0) != 0) return std::nullopt;
  if (req.method != "POST") return error_response(Error::bad_request("POST a JSON body to /_kinformer/faults"), false);
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return error_response(Error::bad_request("faults: body is not a JSON object"), false);
  auto& o = v.as_object();
  auto num = [&](const char* k, double d) {
    auto* x = o.if_contains(k);
    return x && x->is_number() ? x->to_number<double>() : d;
  };
  auto yes = [&](const char* k) {
    auto* x = o.if_contains(k);
    return x && x->is_bool() && x->as_bool();
  };
  if (o.contains("closeWatchesAfter")) close_after = int(num("closeWatchesAfter", 0));
  if (o.contains("closeWatchesRandomly")) close_probability = num("closeWatchesRandomly", 0);
  if (o.contains("stallWatches")) stalled = yes("stallWatches");
  if (o.contains("slowResponsesMs")) delay_ms = std::int64_t(num("slowResponsesMs", 0));
  if (auto* f = o.if_contains("failNext"); f && f->is_object()) {
    auto& fo = f->as_object();
    auto g = [&](const char* k, int d) {
      auto* x = fo.if_contains(k);
      return x && x->is_number() ? int(x->to_number<double>()) : d;
    };
    fail_code = g("code", 500);
    fail_retry_after = g("retryAfterSeconds", 1);
    fail_count = g("count", 1);
  }
  if (auto* m = o.if_contains("watchListMode")) {
    std::string_view mode = m->is_string() ? std::string_view(m->as_string()) : std::string_view();
    if (mode == "normal") watch_list_mode = WatchListMode::kNormal;
    else if (mode == "noInitialEventsEnd") watch_list_mode = WatchListMode::kNoInitialEventsEnd;
    else if (mode == "reject") watch_list_mode = WatchListMode::kReject;
    else if (mode == "ignore") watch_list_mode = WatchListMode::kIgnore;
    else
      return error_response(Error::bad_request("faults: watchListMode " + json::serialize(*m) +
                                               ": want \"normal\", \"noInitialEventsEnd\", \"reject\" or \"ignore\""),
                            false);
  }
  if (yes("compact")) store.compact();
  if (yes("closeWatchesNow")) store.close_watchers();
  restart_after = yes("restart");
  return json_response(200, "{}", false);
}

Result<void> ApiServer::Impl::add_user(ApiUser user) {
  if (auto why = validate_user(user); !why.empty()) return Error::invalid_argument(why);
  if (user.token == opts.token || (!token.empty() && user.token == token)) {
    return Error::invalid_argument("the token is the admin token");
  }
  MutexLock l(users_mu_);
  auto key = user.token;
  users_[key] = std::make_shared<const ApiUser>(std::move(user));
  return {};
}

std::shared_ptr<const ApiUser> ApiServer::Impl::find_user(const std::string& t) const {
  MutexLock l(users_mu_);
  auto it = users_.find(t);
  return it == users_.end() ? nullptr : it->second;
}

void ApiServer::Impl::apply_watch_list_mode(const std::map<std::string, std::string>& query,
                                            bool pretty,
                                            std::variant<Response, WatchRequest>& out) {
  auto has = [&](const char* k) { return query.find(k) != query.end(); };
  auto* w = std::get_if<WatchRequest>(&out);
  if (!w) return;
  switch (watch_list_mode.load()) {
    case WatchListMode::kNormal:
      break;
    case WatchListMode::kReject: {
      // kube-apiserver v1.28 with the WatchList gate off: ValidateListOptions
      // forbids both fields on a watch; errors.NewInvalid makes the Status.
      StatusDetails details{"", "meta.k8s.io", "ListOptions", "", {}, 0};
      for (const char* field : {"resourceVersionMatch", "sendInitialEvents"}) {
        if (!has(field)) continue;
        details.causes.push_back(
            StatusCause{"FieldValueForbidden",
                        std::string("Forbidden: ") + field +
                            " is forbidden for watch unless the WatchList feature gate is enabled",
                        field});
      }
      if (details.causes.empty()) break;
      std::string message;
      for (const auto& c : details.causes)
        message += (message.empty() ? "" : ", ") + c.field + ": " + c.message;
      if (details.causes.size() > 1) message = "[" + message + "]";
      out = error_response(
          Error{422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + message,
                std::move(details)},
          pretty);
      break;
    }
    case WatchListMode::kIgnore:
      w->send_initial_events = false;
      break;
    case WatchListMode::kNoInitialEventsEnd:
      if (w->send_initial_events) {
        w->initial_events_end = false;
        w->allow_bookmarks = false;
      }
      break;
  }
}

std::variant<Response, WatchRequest> ApiServer::Impl::answer(const Request& req,
                                                             const ApiUser* user,
                                                             bool& restart_after) {
  std::variant<Response, WatchRequest> out;
  std::map<std::string, std::string> query;
  std::string path;
  query = parse_query(req.target, path);
  bool pretty = wants_pretty(req, query);
  if (auto it = query.find("sendInitialEvents"); it != query.end() && it->second == "true")
    ++streaming_list_requests;
  int failing = fail_count.load();
  while (failing > 0 && !fail_count.compare_exchange_weak(failing, failing - 1)) {
  }
  std::optional<RequestAttributes> denied;
  if (user && req.method != "UNAUTHORIZED") {
    auto attrs = request_attributes(req.method, path, query);
    if (!authorized(*user, attrs)) denied = std::move(attrs);
  }
  if (req.method == "UNAUTHORIZED") {
    out = error_response(Error{401, "Unauthorized", "Unauthorized", std::nullopt}, pretty);
  } else if (denied) {
    out = error_response(forbidden(*user, *denied), pretty);
    std::get<Response>(out).headers.emplace_back("X-Content-Type-Options", "nosniff");
  } else if (failing > 0) {
    int code = fail_code.load();
    Error e{code, "InternalError", "Internal error occurred: injected fault", std::nullopt};
    if (code == 429) {
      e.reason = "TooManyRequests";
      e.message = "Too many requests, please try again later.";
      e.details = StatusDetails{};
      e.details->retry_after_seconds = fail_retry_after.load();
    } else if (code == 410) {
      e = gone("too old resource version: injected fault");
    } else if (code == 503) {
      e.reason = "ServiceUnavailable";
      e.message = "the server is currently unable to handle the request";
    }
    out = error_response(e, pretty);
  } else if (auto c = control(req, restart_after)) {
    out = std::move(*c);
  } else {
    out = rest_->handle(req);
    apply_watch_list_mode(query, pretty, out);
  }
  return out;
}

// A body in parts (a list): Content-Length first, then the parts copied
// through one 256 KiB buffer, so a 200 MB list touches no fresh memory.
template <class Stream>
asio::awaitable<void> ApiServer::Impl::write_parts(Stream& stream, const Response& r) {
  constexpr std::size_t kBuffer = 256 * 1024;
  std::string buf;
  buf.reserve(kBuffer);
  // The head as every other response's (append_response_head), sent with the first part.
  append_response_head(buf, r, r.parts->size);
  for (std::string_view part : r.parts->parts) {
    while (!part.empty()) {
      std::size_t n = std::min(part.size(), kBuffer - buf.size());
      buf.append(part.substr(0, n));
      part.remove_prefix(n);
      if (buf.size() == kBuffer) {
        co_await asio::async_write(stream, asio::buffer(buf), asio::use_awaitable);
        buf.clear();
      }
    }
  }
  if (!buf.empty()) co_await asio::async_write(stream, asio::buffer(buf), asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> ApiServer::Impl::watch(Stream& stream, WatchRequest w) {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-cache, private");
  res.chunked(true);
  // Register with the store before the client sees the headers: once a
  // client has its 200 it may rely on close_watchers() reaching this watch.
  auto ex = co_await asio::this_coro::executor;
  auto waker = std::make_shared<WakeChannel>(ex, 1);
  std::weak_ptr<WakeChannel> weak = waker;
  auto start =
      store.watch(*w.resource, w.namespace_, w.resource_version, w.send_initial_events, [weak] {
        if (auto c = weak.lock()) wake(*c);
      });
  http::response_serializer<http::empty_body> sr{res};
  co_await http::async_write_header(stream, sr, asio::use_awaitable);
  if (!start) {
    // kube-apiserver answers a too-old watch with 200 and one ERROR event.
    co_await write_chunk(stream, R"({"type":"ERROR","object":)" + json::serialize(status_json(start.error())) + "}");
    co_await asio::async_write(sink(stream), http::make_chunk_last(), asio::use_awaitable);
    co_return;
  }
  // Runs the stream and a reader side by side: a client that hangs up ends
  // the watch at once (the reader sees EOF and the loop is cancelled).
  co_await (watch_loop(stream, w, *start, waker) || wait_for_eof(stream));
}

template <class Stream>
asio::awaitable<void> ApiServer::Impl::watch_loop(Stream& stream, WatchRequest& w,
                                                  internal::WatchStart& st,
                                                  std::shared_ptr<WakeChannel> waker) {
  auto* start = &st;
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> coin(0, 1);
  int sent = 0;
  bool closing = false;
  auto counted = [&] {
    ++sent;
    int n = close_after.load();
    double p = close_probability.load();
    if ((n > 0 && sent >= n) || (p > 0 && coin(rng) < p)) closing = true;
  };
  ChunkBatch batch;
  for (const auto& e : start->initial) {
    if (closing) break;
    if (auto v = visible(e, w)) {
      batch.add_event(v->first, *v->second, w.metadata_only);
      counted();
      if (batch.full()) co_await batch.flush(stream);
    }
  }
  if (w.send_initial_events && w.initial_events_end && !closing) {
    batch.add_line(R"({"type":"BOOKMARK","object":)" + bookmark_json(*w.resource, start->resource_version, true) +
                   "}");
    counted();
  }
  co_await batch.flush(stream);
  auto now = std::chrono::steady_clock::now;
  // Taken from the watcher; [0, sent_upto) are written, the rest wait (a stall
  // began mid-batch). Swapped with the watcher's queue: no allocation per wake-up.
  std::vector<WatchEvent> pending;
  std::size_t sent_upto = 0;
  auto deadline = now() + std::chrono::seconds(w.timeout_seconds > 0 ? w.timeout_seconds : 1800);
  auto interval = opts.bookmark_interval;
  auto next_bookmark = now() + interval;
  // The deadline (timeout or next bookmark) arrives on `waker` too: the timer
  // is set again only when the deadline moves, not once per event.
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::optional<std::chrono::steady_clock::time_point> timer_at;
  auto arm = [&](std::chrono::steady_clock::time_point until) {
    if (timer_at == until) return;
    timer_at = until;
    timer.expires_at(until);  // a wait already set ends with operation_aborted
    timer.async_wait([weak = std::weak_ptr<WakeChannel>(waker)](boost::system::error_code ec) {
      if (auto c = weak.lock(); c && !ec) wake(*c);
    });
  };
  while (!closing) {
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return;
    if (now() >= deadline) break;
    if (stalled.load()) {
      if (start->watcher->closed()) break;  // close_watches_now() ends a stalled stream too
      asio::steady_timer poll(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
      boost::system::error_code ec;
      co_await poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Read before take(): every event <= rv_now is queued. Only for bookmarks:
    // it takes the store's lock, which every write holds.
    std::int64_t rv_now = w.allow_bookmarks ? store.resource_version() : 0;
    bool closed = false;
    if (sent_upto == pending.size()) {
      pending.clear();
      sent_upto = 0;
    }
    start->watcher->take(pending, closed);
    // A stall holds back every event queued after it began: an event can be
    // taken in the same wake-up as the stall is set, so check before each one.
    while (sent_upto < pending.size() && !closing && !stalled.load()) {
      if (auto v = visible(pending[sent_upto], w)) {
        batch.add_event(v->first, *v->second, w.metadata_only);
        counted();
      }
      pending[sent_upto++] = WatchEvent{};  // drop the objects now, as a pop would
      if (batch.full()) co_await batch.flush(stream);
    }
    co_await batch.flush(stream);
    if (closed || closing) break;
    if (sent_upto < pending.size()) continue;  // stalled mid-batch
    if (w.allow_bookmarks && now() >= next_bookmark) {
      co_await write_chunk(stream, R"({"type":"BOOKMARK","object":)" + bookmark_json(*w.resource, rv_now, false) + "}");
      counted();
      next_bookmark = now() + interval;
      continue;
    }
    // Anything queued after take() above has sent a token: sleep until then.
    arm(w.allow_bookmarks ? std::min(deadline, next_bookmark) : deadline);
    boost::system::error_code ec;
    co_await waker->async_receive(asio::redirect_error(asio::use_awaitable, ec));
  }
  start->watcher->close();
  co_await asio::async_write(sink(stream), http::make_chunk_last(), asio::use_awaitable);
  lowest(stream).socket().shutdown(tcp::socket::shutdown_send);
}

std::string ApiServer::Impl::kubeconfig() const {
  std::string server = (opts.tls ? "https://" : "http://") + opts.address + ":" + std::to_string(port.load());
  std::string out = "apiVersion: v1\nkind: Config\nclusters:\n- name: kinformer\n  cluster:\n    server: " + server + "\n";
  if (opts.tls) out += "    certificate-authority-data: " + base64(ca_pem) + "\n";
  out += "contexts:\n- name: kinformer\n  context:\n    cluster: kinformer\n    user: kinformer\n    namespace: default\n";
  out += "current-context: kinformer\nusers:\n- name: kinformer\n  user:\n    token: " + token + "\n";
  return out;
}

}  // namespace kube::testing
