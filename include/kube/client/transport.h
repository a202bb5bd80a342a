// kube/client/transport.h — HTTP to one API server: libcurl multi, one I/O thread.
//
// A Transport owns ONE I/O thread that drives every request and every watch
// stream it carries through a libcurl multi handle: HTTP/2 with multiplexing
// when the server offers it over ALPN (all streams share one connection),
// HTTP/1.1 with keep-alive and chunked streaming otherwise. TLS is verified by
// default (CA from the RestConfig, else the system roots); client certificates
// are passed from memory; proxies come from RestConfig::proxy_url or the
// standard environment variables (https_proxy, no_proxy, ...); gzip is
// accepted.
//
//   auto t = kube::Transport::create(config);              // starts the I/O thread
//   kube::Result<kube::HttpResponse> r = (*t)->request({.path = "/api/v1/namespaces"});
//
//   // A stream (a watch): chunks arrive on the I/O thread as they come.
//   auto h = (*t)->stream({.path = "/api/v1/pods?watch=1"}, {
//       .on_data = [&](std::string_view bytes) { return bool(decoder.feed(bytes, events)); },
//       .on_done = [&](kube::Result<kube::HttpResponse> end) { ... }});
//   h->cancel();   // from any thread; on_done then runs once with reason "Canceled"
//
// request() (blocking) applies, in order: the client-side rate limiter (token
// bucket, RestConfig::qps / burst, client-go's 5/10 by default), credentials
// (re-fetched once after a 401, which re-runs an exec plugin or re-reads a
// token file), and retries of idempotent requests (GET, HEAD) on 429, 5xx and
// connection failures: waiting Retry-After when the server sent it, else an
// exponential backoff, at most TransportOptions::max_retries times (client-go:
// 10). A non-2xx final answer becomes an Error decoded from its Status body
// (status.h). stream() is exempt from rate limiting and retries (the caller —
// a reflector — decides how to resume).
//
// Threading: the Transport is safe to use from any number of threads. Stream
// callbacks (on_data, on_done) run on the I/O thread: they must not block and
// must not call request() (hand work off to another thread instead); they may
// call cancel() on any handle. Destroying the Transport cancels whatever is
// still running (each on_done runs) and joins the I/O thread. Credentials
// never appear in errors or logs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/client/config.h"
#include "kube/core/mutex.h"
#include "kube/core/result.h"

namespace kube {

// Cancels one request or stream.
class CallHandle {
 public:
  virtual ~CallHandle() = default;
  // Safe from any thread, any number of times; no-op once finished.
  virtual void cancel() = 0;
};

// Cancels a blocking request() from another thread: the transfer in flight,
// and any rate-limit or backoff wait. Once canceled, stays canceled.
class CancelToken {
 public:
  void cancel() KUBE_EXCLUDES(mu_);
  bool canceled() const KUBE_EXCLUDES(mu_);

 private:
  friend class CurlTransport;
  // Waits until `deadline`; false when canceled first.
  bool sleep_until(std::chrono::steady_clock::time_point deadline) KUBE_EXCLUDES(mu_);
  // Registers the call in flight (null to clear); false when already canceled.
  bool set_current(std::shared_ptr<CallHandle> call) KUBE_EXCLUDES(mu_);

  mutable Mutex mu_;  // guards canceled_ and current_
  bool canceled_ KUBE_GUARDED_BY(mu_) = false;
  std::shared_ptr<CallHandle> current_ KUBE_GUARDED_BY(mu_);
  CondVar cv_;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path = {};  // path and query, appended to RestConfig::host
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
  // 0 = RestConfig::timeout (0 there too = none). Streams usually rely on the
  // server's timeoutSeconds instead.
  std::chrono::milliseconds timeout{0};
  // Retry on 429/5xx even though the method is not GET/HEAD (e.g. a
  // deletecollection the caller knows is safe to repeat).
  bool idempotent = false;
  // Optional: lets another thread cancel a blocking request().
  std::shared_ptr<CancelToken> cancel = {};
  // Optional: request() gives up at this time (an Error with reason
  // "Timeout"), rate-limit waits, retries and backoff included — client-go's
  // Request.Timeout / a context deadline. `timeout` still bounds each attempt.
  std::optional<std::chrono::steady_clock::time_point> deadline = {};
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  long http_version = 0;  // 2 for HTTP/2, 1 for HTTP/1.x

  // First header with that (lower-case) name, or empty.
  std::string_view header(std::string_view name) const;
};

struct StreamHandlers {
  // Body bytes of a 2xx response, as they arrive. Not called for other codes.
  // Return false to abort the stream (on_done then gets an Error).
  std::function<bool(std::string_view)> on_data = {};
  // Exactly once. A 2xx end carries the status and headers (body empty); a
  // non-2xx answer, a transport failure or a cancel gives an Error.
  std::function<void(Result<HttpResponse>)> on_done = {};
};

struct TransportOptions {
  int max_retries = 10;  // client-go's default
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(5)};
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  bool http2 = true;  // offer h2 over ALPN
};

class CredentialProvider;

class Transport {
 public:
  static Result<std::unique_ptr<Transport>> create(RestConfig config, TransportOptions options = {});
  virtual ~Transport() = default;

  // Blocking; never call from a stream callback.
  virtual Result<HttpResponse> request(HttpRequest request) = 0;
  // Starts a request whose body is delivered as it arrives (no rate limit, no
  // retries). Credentials are fetched on the calling thread.
  virtual std::shared_ptr<CallHandle> stream(HttpRequest request, StreamHandlers handlers) = 0;

  virtual const RestConfig& config() const = 0;

  // Counters for tests and diagnostics. Thread-safe (atomics), monotonic.
  struct Stats {
    std::uint64_t requests_started = 0;  // transfers handed to curl (streams and retries included)
    std::uint64_t retries = 0;
    // TCP connections opened (to the server or a proxy), counted as each
    // socket is opened: with HTTP/2 every request and watch shares one; with
    // HTTP/1.1 each open watch holds one of its own.
    std::uint64_t connections_opened = 0;
    // Response body bytes received so far by every request and stream (after
    // gzip decoding), counted on the I/O thread as they arrive: lets a
    // progress report move during one long response.
    std::uint64_t bytes_received = 0;
  };
  virtual Stats stats() const = 0;
};

}  // namespace kube
