// Internal: ApiServer::Impl — the Asio/Beast server behind kube::testing::ApiServer.
//
// Threading model: `io_threads` threads run one io_context. Every connection
// is a C++20 coroutine on its own strand (so its socket, parser and watch
// timer are touched by one thread at a time); a watch is the same coroutine
// streaming chunks, woken by its Watcher's notify (a token on its
// WakeChannel: one post to that strand).
// No thread per connection or per watch. The fault-injection settings are
// atomics read by the connections. Users with limited rights sit in a map
// guarded by users_mu_; a request looks its token up once and keeps the
// immutable ApiUser it found. Connections register a closer (guarded by
// conns_mu_) so restart()/stop() can drop them all; stop() closes the
// acceptor, drops every connection, stops the io_context and joins the threads.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/ssl.hpp>

#include "kube/core/mutex.h"
#include "kube/testing/api_server.h"
#include "src/testing/rest.h"
#include "src/testing/store.h"

namespace kube::testing {
namespace internal {
// Wakes a watch stream: the store's notify (any thread) and the stream's
// deadline timer send a token, the stream's coroutine receives it. One token
// is buffered, so a notify while the stream is busy is not lost (the stream
// need not look at its queue again before it sleeps) and further notifies
// before it sleeps cost nothing. A wake-up is one post to the stream's strand.
using WakeChannel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;
}  // namespace internal

class ApiServer::Impl {
 public:
  explicit Impl(ApiServerOptions options);
  ~Impl();
  Result<void> start();
  void stop();
  void drop_connections();
  std::string kubeconfig() const;
  Result<void> add_user(ApiUser user);

  const ApiServerOptions opts;
  internal::Store store;
  std::string ca_pem, token, client_cert_pem, client_key_pem;
  std::atomic<std::uint16_t> port{0};

  // Fault injection.
  std::atomic<int> close_after{0};
  std::atomic<double> close_probability{0};
  std::atomic<bool> stalled{false};
  std::atomic<int> fail_count{0};
  std::atomic<int> fail_code{0};
  std::atomic<int> fail_retry_after{1};
  std::atomic<std::int64_t> delay_ms{0};
  std::atomic<WatchListMode> watch_list_mode{WatchListMode::kNormal};
  std::atomic<std::uint64_t> streaming_list_requests{0};

  template <class Stream>
  boost::asio::awaitable<void> session(std::shared_ptr<Stream> stream, bool tls);

 private:
  boost::asio::awaitable<void> accept_loop();
  // The answer to one request: a response, or a watch for the connection to
  // stream. `user`: the limited user who sent it; null for the admin (token
  // or client certificate), who may do everything.
  std::variant<internal::Response, internal::WatchRequest> answer(const internal::Request& req,
                                                                  const ApiUser* user,
                                                                  bool& restart_after);
  template <class Stream>
  boost::asio::awaitable<void> watch(Stream& stream, internal::WatchRequest w);
  template <class Stream>
  boost::asio::awaitable<void> write_parts(Stream& stream, const internal::Response& r);
  template <class Stream>
  boost::asio::awaitable<void> watch_loop(Stream& stream, internal::WatchRequest& w,
                                          internal::WatchStart& start,
                                          std::shared_ptr<internal::WakeChannel> waker);
  std::optional<internal::Response> control(const internal::Request& req, bool& restart_after);
  // The limited user with this bearer token, or null.
  std::shared_ptr<const ApiUser> find_user(const std::string& token) const;
  // Applies watch_list_mode to a watch request: a 422 answer (kReject), or
  // changes to how `out`'s stream is served.
  void apply_watch_list_mode(const std::map<std::string, std::string>& query, bool pretty,
                             std::variant<internal::Response, internal::WatchRequest>& out);
  std::uint64_t register_connection(std::function<void()> closer);
  void unregister_connection(std::uint64_t id);

  std::unique_ptr<internal::RestHandler> rest_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<boost::asio::ssl::context> ssl_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  bool running_ = false;

  mutable kube::Mutex users_mu_;  // guards users_
  std::map<std::string, std::shared_ptr<const ApiUser>> users_ KUBE_GUARDED_BY(users_mu_);  // by token

  kube::Mutex conns_mu_;  // guards conns_ and next_conn_
  std::map<std::uint64_t, std::function<void()>> conns_ KUBE_GUARDED_BY(conns_mu_);
  std::uint64_t next_conn_ KUBE_GUARDED_BY(conns_mu_) = 0;
};

}  // namespace kube::testing
