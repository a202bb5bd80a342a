// CacheServer: Boost.Beast over one io_context run by `threads` threads.
// Every connection is a coroutine on its own strand; a watch is that
// coroutine streaming chunks, woken by its ResourceCache (a post to the
// strand that cancels the watch's timer). Requests other than watches are
// answered from the caches at once (they never block).
#include "kube/serve/cache_server.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <set>
#include <thread>
#include <variant>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <pthread.h>

#include "kube/core/continue_token.h"
#include "kube/core/key.h"
#include "kube/core/metrics.h"
#include "kube/core/mutex.h"
#include "kube/core/selector.h"
#include "src/serve/api.h"
#include "src/serve/metrics.h"
#include "src/serve/resource_cache.h"
#include "src/serve/table.h"

namespace kube::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using internal::ResourceCache;

namespace {

// Events are written in chunks of about this size (a watch holds at most one).
constexpr std::size_t kChunkBytes = 256 * 1024;

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

Reply error_reply(const Error& e) { return {e.code, internal::status_json(e)}; }

// What a watch request asks for, once validated.
struct WatchPlan {
  std::shared_ptr<ResourceCache> cache;
  std::string namespace_;
  LabelSelector labels;
  FieldSelector fields;
  std::optional<std::uint64_t> from_rv;  // nullopt: the current state first
  bool send_initial_events = false;
  bool bookmarks = false;
  std::chrono::seconds timeout{0};
};

bool flag(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  return it != q.end() && (it->second == "1" || it->second == "true");
}

std::string q(const std::map<std::string, std::string>& query, const char* key) {
  auto it = query.find(key);
  return it == query.end() ? std::string() : it->second;
}

// Which event (if any) a watch with these selectors is sent for `c`: an
// object leaving the selection arrives as DELETED, one entering as ADDED
// (as kube-apiserver does).
std::optional<std::pair<const char*, ObjectPtr>> visible(const internal::Change& c,
                                                         const WatchPlan& w) {
  auto m = [&](const ObjectPtr& o) {
    return o && (w.namespace_.empty() || o->namespace_() == w.namespace_) && w.labels.matches(*o) &&
           w.fields.matches(*o);
  };
  switch (c.type) {
    case internal::ChangeType::kAdded:
      if (m(c.object)) return std::pair{"ADDED", c.object};
      break;
    case internal::ChangeType::kModified: {
      bool now = m(c.object), before = c.prev ? m(c.prev) : now;
      if (now && before) return std::pair{"MODIFIED", c.object};
      if (now) return std::pair{"ADDED", c.object};
      if (before) return std::pair{"DELETED", c.object};
      break;
    }
    case internal::ChangeType::kDeleted:
      if (m(c.object)) return std::pair{"DELETED", c.object};
      break;
  }
  return std::nullopt;
}

asio::awaitable<void> wait_for_eof(beast::tcp_stream& s) {
  char b[256];
  for (;;) {
    boost::system::error_code ec;
    co_await s.async_read_some(asio::buffer(b), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace

class CacheServer::Impl {
 public:
  Impl(std::vector<ServedResource> resources, CacheServerOptions options)
      : opts_(std::move(options)), resources_(std::move(resources)), acceptor_(ioc_) {}

  Result<void> start() {
    for (const auto& r : resources_) {
      if (!r.informer.informer) {
        return Error::invalid_argument("serve " + r.informer.resource.gvr.to_string() +
                                       ": no informer");
      }
      for (const auto& e : entries_) {
        if (e.cache->resource().informer.resource.gvr == r.informer.resource.gvr) {
          return Error::invalid_argument("serve: " + r.informer.resource.gvr.to_string() +
                                         " given twice");
        }
      }
      std::weak_ptr<informers::SharedIndexInformer> informer = r.informer.informer;
      auto cache = std::make_shared<ResourceCache>(r, opts_.history, [informer] {
        auto i = informer.lock();
        return i ? i->last_sync_resource_version() : std::string();
      });
      auto reg = r.informer.informer->add_event_handler(cache);
      entries_.push_back({cache, reg});
    }
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(opts_.address, ec);
    if (ec)
      return Error::invalid_argument("listen address \"" + opts_.address +
                                     "\" is not an IP address");
    tcp::endpoint ep(ip, opts_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      remove_handlers();
      return Error::invalid_argument("listen " + opts_.address + ":" + std::to_string(opts_.port) +
                                     ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    for (int i = 0; i < std::max(1, opts_.threads); ++i) {
      threads_.emplace_back([this] {
        pthread_setname_np(pthread_self(), "kube-serve");
        ioc_.run();  // returns once the acceptor and every connection are closed
      });
    }
    return {};
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    close_connections();
    for (auto& t : threads_) t.join();
    threads_.clear();
    remove_handlers();
  }

  std::uint16_t port() const { return port_; }
  std::string url() const {
    std::string host =
        opts_.address.find(':') != std::string::npos ? "[" + opts_.address + "]" : opts_.address;
    return "http://" + host + ":" + std::to_string(port_);
  }

  bool ready() const { return unsynced().empty(); }

  std::string metrics() const {
    std::vector<internal::ResourceSample> samples;
    for (const auto& e : entries_) {
      internal::ResourceSample s;
      s.resource = internal::qualified_resource(e.cache->resource().informer.resource.gvr);
      s.synced = synced(e);
      s.cache = e.cache->stats();
      s.reflector = e.cache->resource().informer.informer->reflector_stats();
      s.backlog = e.reg->backlog();
      s.backlog_high_water = e.reg->backlog_high_water();
      s.delivered = e.reg->delivered();
      s.handler_exceptions = e.reg->handler_exceptions();
      samples.push_back(std::move(s));
    }
    return internal::metrics_text(samples) +
           "# HELP kinformer_serve_slow_clients_closed_total Client watches closed because they "
           "read nothing "
           "for the slow-client timeout.\n# TYPE kinformer_serve_slow_clients_closed_total "
           "counter\n"
           "kinformer_serve_slow_clients_closed_total " +
           std::to_string(slow_clients_.load(std::memory_order_relaxed)) + "\n" +
           // Everything the library reports (informers, reflectors, handlers,
           // REST client, controllers): kube/core/metrics.h.
           metrics::Registry::global().prometheus_text();
  }

 private:
  struct Entry {
    std::shared_ptr<ResourceCache> cache;
    std::shared_ptr<informers::HandlerRegistration> reg;
  };

  static bool synced(const Entry& e) {
    return e.cache->resource().informer.informer->has_synced() && e.reg->has_synced();
  }

  std::vector<std::string> unsynced() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) {
      if (!synced(e))
        out.push_back(internal::qualified_resource(e.cache->resource().informer.resource.gvr));
    }
    return out;
  }

  void remove_handlers() {
    for (auto& e : entries_) {
      if (e.reg) (void)e.cache->resource().informer.informer->remove_event_handler(e.reg);
      e.reg.reset();
    }
  }

  // --- connections ---

  std::uint64_t register_connection(std::function<void()> closer) {
    MutexLock l(conns_mu_);
    conns_.emplace(next_conn_, std::move(closer));
    return next_conn_++;
  }
  void unregister_connection(std::uint64_t id) {
    MutexLock l(conns_mu_);
    conns_.erase(id);
  }
  void close_connections() {
    MutexLock l(conns_mu_);
    for (auto& [id, close] : conns_) close();
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          asio::make_strand(ioc_), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // closed by stop()
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> session(beast::tcp_stream tcp) {
    auto ex = co_await asio::this_coro::executor;
    // Shared with the closer, which may run (posted) after this frame ended.
    auto shared = std::make_shared<beast::tcp_stream>(std::move(tcp));
    std::weak_ptr<beast::tcp_stream> weak = shared;
    std::uint64_t conn = register_connection([ex, weak] {
      asio::post(ex, [weak] {
        if (auto s = weak.lock()) {
          boost::system::error_code ec;
          s->socket().shutdown(tcp::socket::shutdown_both, ec);
          s->socket().close(ec);
        }
      });
    });
    beast::tcp_stream& stream = *shared;
    if (stopped_) {
      boost::system::error_code ec;
      stream.socket().close(ec);
    }
    beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      http::request<http::string_body> req;
      stream.expires_after(std::chrono::seconds(60));  // idle keep-alive connections
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      stream.expires_never();
      auto routed = route(req);
      if (auto* w = std::get_if<WatchPlan>(&routed)) {
        co_await watch(stream, std::move(*w));
        break;
      }
      auto& reply = std::get<Reply>(routed);
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::content_type, reply.content_type);
      if (reply.status == 503) res.set(http::field::retry_after, "1");
      res.keep_alive(req.keep_alive());
      if (req.method() != http::verb::head) res.body() = std::move(reply.body);
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    unregister_connection(conn);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // --- requests ---

  std::variant<Reply, WatchPlan> route(const http::request<http::string_body>& req) {
    std::string path;
    auto query = internal::parse_target(req.target(), path);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return error_reply(internal::method_not_allowed());
    }
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path == "/readyz") {
      auto missing = unsynced();
      if (missing.empty()) return Reply{200, "ok", "text/plain; charset=utf-8"};
      std::string names;
      for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
      return Reply{503, "not ready: caches not synced: " + names + "\n",
                   "text/plain; charset=utf-8"};
    }
    if (path == "/livez" || path == "/healthz")
      return Reply{200, "ok", "text/plain; charset=utf-8"};
    if (path == "/metrics")
      return Reply{200, metrics(), "text/plain; version=0.0.4; charset=utf-8"};
    if (path == "/version") return Reply{200, internal::version_json()};
    if (path == "/api") return Reply{200, internal::api_versions_json(url().substr(7))};
    if (path == "/apis") return Reply{200, internal::api_group_list_json(resources_)};
    if (path == "/api/v1") {
      if (auto doc = internal::api_resource_list_json(resources_, "", "v1"))
        return Reply{200, *doc};
      return Reply{200, R"({"kind":"APIResourceList","groupVersion":"v1","resources":[]})"};
    }
    if (path.starts_with("/apis/") && std::count(path.begin(), path.end(), '/') <= 3) {
      std::string rest = path.substr(6);
      auto slash = rest.find('/');
      std::string group = rest.substr(0, slash);
      std::optional<std::string> doc =
          slash == std::string::npos
              ? internal::api_group_json(resources_, group)
              : internal::api_resource_list_json(resources_, group, rest.substr(slash + 1));
      if (doc) return Reply{200, *doc};
      return error_reply(internal::unknown_path());
    }
    auto rp = internal::parse_resource_path(path);
    if (!rp) return error_reply(internal::unknown_path());
    return resource_request(*rp, query, std::string_view(req[http::field::accept]));
  }

  std::variant<Reply, WatchPlan> resource_request(const internal::ResourcePath& rp,
                                                  const std::map<std::string, std::string>& query,
                                                  std::string_view accept) {
    const Entry* entry = nullptr;
    for (const auto& e : entries_) {
      const auto& gvr = e.cache->resource().informer.resource.gvr;
      if (gvr.group == rp.group && gvr.version == rp.version && gvr.resource == rp.resource)
        entry = &e;
    }
    if (!entry || rp.subresource) return error_reply(internal::unknown_path());
    const auto& served = entry->cache->resource();
    const auto& gvr = served.informer.resource.gvr;
    bool namespaced = served.informer.resource.namespaced;
    // kube-apiserver: no /namespaces/NS/ for a cluster-scoped resource, and
    // no NAME of a namespaced one without its namespace.
    if ((!namespaced && !rp.namespace_.empty()) ||
        (namespaced && rp.namespace_.empty() && !rp.name.empty())) {
      return error_reply(internal::unknown_path());
    }
    if (!synced(*entry))
      return error_reply(internal::not_synced(internal::qualified_resource(gvr)));

    auto labels = LabelSelector::parse(q(query, "labelSelector"));
    if (!labels) {
      return error_reply(Error::bad_request("labelSelector \"" + q(query, "labelSelector") +
                                            "\": " + labels.error().message));
    }
    std::string field_text = q(query, "fieldSelector");
    if (!rp.name.empty() && flag(query, "watch")) {
      // A watch of one object (the deprecated path form): metadata.name=NAME.
      field_text += (field_text.empty() ? "" : ",") + std::string("metadata.name=") + rp.name;
    }
    auto fields = FieldSelector::parse(field_text);
    if (!fields) {
      return error_reply(Error::bad_request("fieldSelector \"" + q(query, "fieldSelector") +
                                            "\": " + fields.error().message));
    }
    // A watch stays plain JSON events whatever the Accept header asks
    // (kube-apiserver would send one-row Tables).
    if (flag(query, "watch"))
      return watch_plan(entry->cache, rp, query, std::move(*labels), std::move(*fields));

    std::optional<internal::TableRequest> table;
    if (auto version = internal::table_version(accept)) {
      auto include = internal::parse_include_object(q(query, "includeObject"));
      if (!include) return error_reply(include.error());
      table = internal::TableRequest{*version, *include, std::chrono::system_clock::now()};
    }
    if (!rp.name.empty()) {
      auto obj = entry->cache->get(rp.namespace_, rp.name);
      if (!obj) return error_reply(internal::not_found(gvr, rp.name));
      if (!table) return Reply{200, internal::object_json(*obj, served)};
      // A Table of one object carries the object's resourceVersion.
      internal::ListMeta meta{
          internal::parse_resource_version(obj->resource_version()).value_or(0)};
      return Reply{200, internal::table_json(served, *table, meta, {obj})};
    }
    auto list = list_objects(*entry->cache, rp, query, *fields, *labels);
    if (auto* reply = std::get_if<Reply>(&list)) return std::move(*reply);
    auto& [meta, items] = std::get<ListPage>(list);
    if (table) return Reply{200, internal::table_json(served, *table, meta, items)};
    return Reply{200, internal::list_json(served, meta, items)};
  }

  struct ListPage {
    internal::ListMeta meta;
    std::vector<ObjectPtr> items;
  };
  // A list, or one page of it with `limit` / `continue` (kube-apiserver's
  // paging: items in key order, metadata.continue naming the key after the
  // last item and the list's resourceVersion, remainingItemCount without
  // selectors). Every page of a list shows the state at the first page's
  // resourceVersion, as kube-apiserver's do: the cache rebuilds it by undoing
  // the changes since from its history (ResourceCache::list_page). A token
  // whose resourceVersion the history no longer reaches gets kube-apiserver's
  // 410 Expired with an rv -1 token that continues from the same key at the
  // current state (client-go's pager then lists again without paging).
  // Serving the current state after the key instead would mix states
  // silently; a 410 whenever the cache moved would fail nearly every paged
  // list of a busy resource (kubectl pages by 500).
  std::variant<Reply, ListPage> list_objects(const ResourceCache& cache,
                                             const internal::ResourcePath& rp,
                                             const std::map<std::string, std::string>& query,
                                             const FieldSelector& fields,
                                             const LabelSelector& labels) {
    std::string limit_text = q(query, "limit"), token = q(query, "continue");
    std::int64_t limit = 0;
    if (!limit_text.empty()) {
      auto [end, ec] =
          std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), limit);
      if (ec != std::errc() || end != limit_text.data() + limit_text.size())
        return error_reply(Error::bad_request("limit \"" + limit_text + "\": not an integer"));
    }
    if (limit <= 0 && token.empty()) {
      // Selectors are answered from the view's own label and field indexes
      // (kept under the same mutex as the history, so the list is at one
      // resourceVersion): the smallest index bucket a requirement names is
      // walked and the whole selector checked on each; without a usable
      // requirement the namespace's range is scanned.
      auto snap = cache.list(rp.namespace_, fields, labels);
      return ListPage{{snap.rv}, std::move(snap.items)};
    }
    // Keys (and the token's start) are relative to the list's prefix, as
    // etcd keys under /registry/RESOURCE/[NAMESPACE/] are.
    const std::string prefix = rp.namespace_.empty() ? "" : rp.namespace_ + "/";
    ResourceCache::PageRequest req{.ns = rp.namespace_,
                                   .fields = &fields,
                                   .labels = &labels,
                                   .start = prefix,
                                   .at_rv = std::nullopt,
                                   .limit = limit > 0 ? static_cast<std::size_t>(limit) : 0};
    std::optional<ContinueToken> tok;
    if (!token.empty()) {
      auto decoded = decode_continue(token);
      if (!decoded) {
        // k8s.io/apiserver etcd3 store GetList's wording.
        return error_reply(
            Error::bad_request("invalid continue token: " + decoded.error().message));
      }
      std::string rv = q(query, "resourceVersion");
      if (!rv.empty() && rv != "0") {
        return error_reply(
            Error::bad_request("specifying resource version is not allowed when using continue"));
      }
      tok = std::move(*decoded);
      req.start = prefix + tok->start;
      if (tok->rv > 0) req.at_rv = static_cast<std::uint64_t>(tok->rv);
    }
    auto page = cache.list_page(req);
    if (!page) {
      if (page.error().code == 410 && tok)
        return Reply{410, internal::expired_continue_json(encode_continue(-1, tok->start))};
      return error_reply(page.error());
    }
    ListPage out{{page->rv}, std::move(page->items)};
    if (page->more && !out.items.empty()) {
      std::string last = object_key(*out.items.back()).substr(prefix.size());
      // A token at rv 0 would be refused: an empty view continues at the latest.
      auto rv = page->rv > 0 ? static_cast<std::int64_t>(page->rv) : -1;
      out.meta.continue_token = encode_continue(rv, last + '\0');
      if (page->remaining)
        out.meta.remaining_item_count = static_cast<std::int64_t>(*page->remaining);
    }
    return out;
  }

  std::variant<Reply, WatchPlan> watch_plan(std::shared_ptr<ResourceCache> cache,
                                            const internal::ResourcePath& rp,
                                            const std::map<std::string, std::string>& query,
                                            LabelSelector labels, FieldSelector fields) {
    WatchPlan w;
    w.cache = std::move(cache);
    w.namespace_ = rp.namespace_;
    w.labels = std::move(labels);
    w.fields = std::move(fields);
    std::string rv = q(query, "resourceVersion");
    if (!rv.empty() && rv != "0") {
      auto parsed = internal::parse_resource_version(rv);
      if (!parsed) {
        return error_reply(
            Error::bad_request("resourceVersion \"" + rv +
                               "\": not a resourceVersion of this server (a decimal number)"));
      }
      w.from_rv = *parsed;
    }
    w.send_initial_events = flag(query, "sendInitialEvents");
    w.bookmarks = flag(query, "allowWatchBookmarks");
    std::string timeout = q(query, "timeoutSeconds");
    w.timeout = opts_.watch_timeout;
    if (!timeout.empty()) {
      auto t = internal::parse_resource_version(timeout);  // a non-negative integer, as it is
      if (!t)
        return error_reply(Error::bad_request("timeoutSeconds \"" + timeout + "\": not a number"));
      if (*t > 0) w.timeout = std::min(w.timeout, std::chrono::seconds(*t));
    }
    return w;
  }

  asio::awaitable<void> watch(beast::tcp_stream& stream, WatchPlan w) {
    auto ex = co_await asio::this_coro::executor;
    auto wake = std::make_shared<asio::steady_timer>(ex);
    std::weak_ptr<asio::steady_timer> weak = wake;
    auto start = w.cache->start_watch(w.from_rv, w.send_initial_events, [ex, weak] {
      asio::post(ex, [weak] {
        if (auto t = weak.lock()) t->cancel();
      });
    });
    // Unregistered however this frame ends (stop() relies on it: no wake may
    // be posted once the threads are joined).
    struct EndWatch {
      ResourceCache* cache;
      std::uint64_t id;
      ~EndWatch() {
        if (cache) cache->end_watch(id);
      }
    } end_watch{start ? w.cache.get() : nullptr, start ? start->id : 0};
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-cache, private");
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (!start) {
      // kube-apiserver answers a too-old watch with 200 and one ERROR event.
      co_await write_chunk(stream,
                           internal::event_line("ERROR", internal::status_json(start.error())));
      co_await asio::async_write(stream, http::make_chunk_last(),
                                 asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    // The stream and a reader side by side: a client that hangs up ends the
    // watch at once (the reader sees EOF and the stream is cancelled).
    co_await (watch_loop(stream, w, *start, wake) || wait_for_eof(stream));
  }

  // A client that accepts nothing for `slow_client_timeout` is dropped
  // (the expiry also ends the stream's EOF reader, which ends the watch).
  asio::awaitable<bool> write_chunk(beast::tcp_stream& stream, const std::string& data) {
    boost::system::error_code ec;
    stream.expires_after(opts_.slow_client_timeout);
    co_await asio::async_write(stream, http::make_chunk(asio::buffer(data)),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) slow_clients_.fetch_add(1, std::memory_order_relaxed);
    if (!ec) stream.expires_never();
    co_return !ec;
  }

  asio::awaitable<void> watch_loop(beast::tcp_stream& stream, const WatchPlan& w,
                                   ResourceCache::WatchStart& start,
                                   std::shared_ptr<asio::steady_timer> wake) {
    const auto& served = w.cache->resource();
    std::string out;
    for (const auto& obj : start.initial) {
      internal::Change c{0, start.rv, internal::ChangeType::kAdded, obj, nullptr};
      if (auto v = visible(c, w))
        out += internal::event_line("ADDED", internal::object_json(*v->second, served));
      if (out.size() > kChunkBytes) {
        if (!co_await write_chunk(stream, out)) co_return;
        out.clear();
      }
    }
    std::uint64_t rv = std::max(start.rv, w.from_rv.value_or(0));
    if (w.send_initial_events) out += internal::bookmark_line(served, rv, true);
    if (!out.empty() && !co_await write_chunk(stream, out)) co_return;

    // Changes stamped at or below from_rv were seen by the client already.
    const std::uint64_t min_rv = start.initial.empty() ? w.from_rv.value_or(0) : 0;
    auto now = std::chrono::steady_clock::now;
    const auto deadline = now() + w.timeout;
    auto next_bookmark = now() + opts_.bookmark_interval;
    std::uint64_t next_seq = start.next_seq;
    for (;;) {
      auto batch = w.cache->read(next_seq, 512);
      if (batch.overrun) {
        // Too slow for the history: end the stream; the client re-watches from
        // its last resourceVersion (or relists if that has expired).
        w.cache->count_overrun();
        break;
      }
      next_seq = batch.next_seq;
      rv = std::max(rv, batch.rv);
      out.clear();
      for (const auto& c : batch.changes) {
        if (c.rv <= min_rv) continue;
        if (auto v = visible(c, w))
          out += internal::event_line(v->first, internal::object_json(*v->second, served));
        if (out.size() > kChunkBytes) {
          if (!co_await write_chunk(stream, out)) co_return;
          out.clear();
        }
      }
      if (!out.empty() && !co_await write_chunk(stream, out)) co_return;
      if (now() >= deadline) break;
      if (!batch.changes.empty()) continue;
      if (w.bookmarks && now() >= next_bookmark) {
        if (!co_await write_chunk(stream, internal::bookmark_line(served, rv, false))) co_return;
        next_bookmark = now() + opts_.bookmark_interval;
      }
      wake->expires_at(w.bookmarks ? std::min(deadline, next_bookmark) : deadline);
      boost::system::error_code ec;
      co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return;
    }
    boost::system::error_code ec;
    co_await asio::async_write(stream, http::make_chunk_last(),
                               asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  const CacheServerOptions opts_;
  const std::vector<ServedResource> resources_;  // for discovery
  std::vector<Entry> entries_;  // set by start(), read-only after (regs reset by stop())
  std::uint16_t port_ = 0;      // set by start()
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> slow_clients_{0};  // watches dropped for not reading
  std::vector<std::thread> threads_;            // started by start(), joined by stop()

  Mutex conns_mu_;  // guards conns_ and next_conn_
  std::map<std::uint64_t, std::function<void()>> conns_ KUBE_GUARDED_BY(conns_mu_);  // closers
  std::uint64_t next_conn_ KUBE_GUARDED_BY(conns_mu_) = 0;

  // Last: destroyed first, with any coroutine frames it still holds, while
  // the members above are alive.
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
};

Result<std::unique_ptr<CacheServer>> CacheServer::start(std::vector<ServedResource> resources,
                                                        CacheServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(resources), std::move(options));
  if (auto r = impl->start(); !r) return r.error();
  return std::unique_ptr<CacheServer>(new CacheServer(std::move(impl)));
}

CacheServer::CacheServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CacheServer::~CacheServer() { stop(); }
std::uint16_t CacheServer::port() const { return impl_->port(); }
std::string CacheServer::url() const { return impl_->url(); }
bool CacheServer::ready() const { return impl_->ready(); }
std::string CacheServer::metrics() const { return impl_->metrics(); }
void CacheServer::stop() { impl_->stop(); }

}  // namespace kube::serve
