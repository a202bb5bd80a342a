// CurlTransport: one libcurl multi handle driven by one I/O thread. User
// threads hand transfers and cancels to the I/O thread through a queue and
// curl_multi_wakeup; everything curl-side is touched only by the I/O thread.
#include "kube/client/transport.h"

#include <curl/curl.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <thread>

#include "kube/client/credentials.h"
#include "kube/client/status.h"
#include "kube/core/metrics.h"
#include "src/client/rate_limiter.h"

namespace kube {

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

void CancelToken::cancel() {
  std::shared_ptr<CallHandle> current;
  {
    MutexLock lock(mu_);
    canceled_ = true;
    current = std::move(current_);
  }
  cv_.notify_all();
  if (current) current->cancel();
}

bool CancelToken::canceled() const {
  MutexLock lock(mu_);
  return canceled_;
}

bool CancelToken::sleep_until(std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(mu_);
  while (!canceled_) {
    if (!cv_.wait_until(mu_, deadline)) return !canceled_;
  }
  return false;
}

bool CancelToken::set_current(std::shared_ptr<CallHandle> call) {
  MutexLock lock(mu_);
  if (canceled_) return false;
  current_ = std::move(call);
  return true;
}

namespace {

std::once_flag curl_init_once;

// What the I/O thread needs to run one transfer. Owned by the I/O thread once
// queued.
struct Transfer {
  std::uint64_t id = 0;
  HttpRequest request;
  std::string url;
  std::string authorization;
  std::string client_cert_pem, client_key_pem;
  bool streaming = false;
  std::function<bool(std::string_view)> on_data;
  std::function<void(Result<HttpResponse>)> on_done;  // raw: any status
  std::atomic<std::uint64_t>* bytes_received = nullptr;  // the IoCore's counter
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;
  HttpResponse response;
  char errbuf[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
    if (connect_to) curl_slist_free_all(connect_to);
  }
};

bool is_2xx(long code) { return code >= 200 && code < 300; }

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  long code = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
  std::string_view bytes(data, size * n);
  if (t->bytes_received) t->bytes_received->fetch_add(bytes.size(), std::memory_order_relaxed);
  if (t->streaming && is_2xx(code) && t->on_data) {
    if (!t->on_data(bytes)) return 0;  // CURLE_WRITE_ERROR ends the transfer
  } else {
    std::string& body = t->response.body;
    if (body.empty()) {
      // Size the buffer once from Content-Length (+64 bytes: the padding the
      // list parser's simdjson needs), instead of growing it by doubling: for a
      // 57 MB list, growth alone held up to twice the body at its peak.
      curl_off_t length = -1;
      if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0 &&
          length < (curl_off_t(1) << 34)) {
        body.reserve(std::size_t(length) + 64);
      }
    }
    body.append(bytes);
  }
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response (after 100-continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  t->response.headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

}  // namespace

// State shared between user threads and the I/O thread. Handles hold it
// weakly so a cancel after the Transport is gone is a harmless no-op.
struct IoCore {
  CURLM* multi = nullptr;
  Mutex mu;  // guards the queues, next_id and stopping below
  std::vector<std::unique_ptr<Transfer>> to_add KUBE_GUARDED_BY(mu);
  std::vector<std::uint64_t> to_cancel KUBE_GUARDED_BY(mu);
  std::uint64_t next_id KUBE_GUARDED_BY(mu) = 1;
  bool stopping KUBE_GUARDED_BY(mu) = false;
  std::atomic<std::uint64_t> started{0}, retries{0}, connections{0}, bytes_received{0};

  // client-go's rest_client_requests_total{code,method} and
  // rest_client_request_duration_seconds{verb} (its buckets). Filled by the I/O
  // thread as each transfer ends; read by the metrics registry.
  static constexpr std::array<double, 12> kLatencyBounds = {0.005, 0.025, 0.1, 0.25, 0.5, 1,
                                                            2,     4,     8,   15,   30,  60};
  struct Latency {
    std::array<std::uint64_t, kLatencyBounds.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  Mutex metrics_mu;  // guards the two maps below
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests KUBE_GUARDED_BY(metrics_mu);
  std::map<std::string, Latency> latency KUBE_GUARDED_BY(metrics_mu);

  // `code`: the HTTP status, or "<error>" when no response came (client-go's
  // label). `seconds`: until the response started (headers) for streams, so a
  // watch counts its set-up time, not its lifetime (as client-go measures it).
  void record(const std::string& method, const std::string& code, double seconds) {
    MutexLock lock(metrics_mu);
    ++requests[{code, method}];
    Latency& l = latency[method];
    ++l.count;
    l.sum += seconds;
    for (std::size_t i = 0; i < kLatencyBounds.size(); ++i) {
      if (seconds <= kLatencyBounds[i]) {
        ++l.buckets[i];
        break;
      }
    }
  }

  void write_metrics(metrics::Writer& w, const std::string& host) {
    MutexLock lock(metrics_mu);
    for (const auto& [key, n] : requests) {
      w.counter("rest_client_requests_total",
                "Number of HTTP requests, partitioned by status code, method, and host.",
                {{"code", key.first}, {"host", host}, {"method", key.second}}, static_cast<double>(n));
    }
    for (const auto& [verb, l] : latency) {
      w.histogram("rest_client_request_duration_seconds", "Request latency in seconds. Broken down by verb, and host.",
                  {{"host", host}, {"verb", verb}}, kLatencyBounds, l.buckets, l.count, l.sum);
    }
  }

  ~IoCore() {
    if (multi) curl_multi_cleanup(multi);
  }

  void wake() { curl_multi_wakeup(multi); }

  std::uint64_t submit(std::unique_ptr<Transfer> t) {
    std::uint64_t id;
    {
      MutexLock lock(mu);
      id = t->id = next_id++;
      if (stopping) {
        id = 0;
      } else {
        to_add.push_back(std::move(t));
      }
    }
    if (id == 0) {
      t->on_done(Error{0, "Canceled", t->request.method + " " + t->url + ": transport shut down", std::nullopt});
      return 0;
    }
    wake();
    return id;
  }

  void cancel(std::uint64_t id) {
    {
      MutexLock lock(mu);
      to_cancel.push_back(id);
    }
    wake();
  }
};

namespace {

class Handle final : public CallHandle {
 public:
  Handle(std::weak_ptr<IoCore> core, std::uint64_t id) : core_(std::move(core)), id_(id) {}
  void cancel() override {
    if (auto core = core_.lock()) core->cancel(id_);
  }

 private:
  std::weak_ptr<IoCore> core_;
  std::uint64_t id_;
};

// Blocks the calling thread until a transfer's on_done.
struct Waiter {
  Mutex mu;  // guards result
  CondVar cv;
  std::optional<Result<HttpResponse>> result KUBE_GUARDED_BY(mu);

  void set(Result<HttpResponse> r) {
    {
      MutexLock lock(mu);
      result = std::move(r);
    }
    cv.notify_all();
  }
  Result<HttpResponse> wait() {
    MutexLock lock(mu);
    while (!result) cv.wait(mu);
    return std::move(*result);
  }
};

bool retryable_curl_failure(const Error& e) { return e.reason == "ServiceUnavailable"; }

// Counts each TCP connection as curl opens its socket. (CURLINFO_NUM_CONNECTS
// is only known when a transfer ends, and a watch, or a transfer canceled at
// shutdown, may never report it.)
int on_new_socket(void* core, curl_socket_t, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) ++static_cast<IoCore*>(core)->connections;
  return CURL_SOCKOPT_OK;
}

}  // namespace

class CurlTransport final : public Transport {
 public:
  CurlTransport(RestConfig config, TransportOptions options)
      : config_(std::move(config)),
        options_(options),
        creds_(std::make_unique<CredentialProvider>(config_)),
        limiter_(config_.qps, config_.burst),
        core_(std::make_shared<IoCore>()) {
    core_->multi = curl_multi_init();
    curl_multi_setopt(core_->multi, CURLMOPT_PIPELINING, options_.http2 ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
    curl_multi_setopt(core_->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1000L);
    io_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "kube-transport");
      run();
    });
  }

  ~CurlTransport() override {
    {
      MutexLock lock(core_->mu);
      core_->stopping = true;
    }
    core_->wake();
    io_thread_.join();
  }

  const RestConfig& config() const override { return config_; }

  Stats stats() const override {
    return {core_->started.load(), core_->retries.load(), core_->connections.load(), core_->bytes_received.load()};
  }

  std::shared_ptr<CallHandle> stream(HttpRequest request, StreamHandlers handlers) override {
    Result<Credentials> creds = creds_->get();
    if (!creds) {
      if (handlers.on_done) handlers.on_done(creds.error());
      return std::make_shared<Handle>(core_, 0);
    }
    auto t = make_transfer(std::move(request), *creds);
    t->streaming = true;
    t->on_data = std::move(handlers.on_data);
    std::string verb = t->request.method;
    CredentialProvider* creds_ptr = refreshable() ? creds_.get() : nullptr;
    t->on_done = [done = std::move(handlers.on_done), verb, creds_ptr](Result<HttpResponse> r) {
      // A 401 on a stream: the next get() re-runs the plugin / re-reads the
      // token file (mark_stale does not block this I/O thread).
      if (r && r->status == 401 && creds_ptr) creds_ptr->mark_stale();
      if (!done) return;
      if (r && !is_2xx(r->status)) {
        done(error_from_response(r->status, r->body, {.verb = verb, .retry_after_seconds = retry_after(*r)}));
        return;
      }
      done(std::move(r));
    };
    std::uint64_t id = core_->submit(std::move(t));
    return std::make_shared<Handle>(core_, id);
  }

  Result<HttpResponse> request(HttpRequest request) override {
    const bool idempotent = request.idempotent || request.method == "GET" || request.method == "HEAD";
    const std::shared_ptr<CancelToken> token = request.cancel;
    bool reauthenticated = false;
    for (int attempt = 0;; ++attempt) {
      auto wait = limiter_.reserve();
      if (wait.count() > 0) {
        auto wake = std::chrono::steady_clock::now() + wait;
        if (request.deadline && wake >= *request.deadline) return deadline_exceeded(request);
        if (!sleep(wake, token.get())) return canceled(request);
      }
      Result<Credentials> creds = creds_->get();
      if (!creds) return creds.error();
      if (request.deadline && !bound_by_deadline(request)) return deadline_exceeded(request);
      Result<HttpResponse> r = run_once(request, *creds, token.get());
      std::chrono::milliseconds delay = backoff(attempt);
      if (!r) {
        if (!(idempotent && attempt < options_.max_retries && retryable_curl_failure(r.error()))) return r;
      } else if (r->status == 401 && !reauthenticated && refreshable()) {
        // client-go's exec authenticator re-runs the plugin after a 401.
        creds_->invalidate();
        reauthenticated = true;
        continue;
      } else if ((r->status == 429 || r->status >= 500) && idempotent && attempt < options_.max_retries) {
        if (int s = retry_after(*r); s > 0) {
          delay = std::min<std::chrono::milliseconds>(std::chrono::seconds(s), options_.max_retry_after);
        }
      } else if (!is_2xx(r->status)) {
        return error_from_response(r->status, r->body, {.verb = request.method, .retry_after_seconds = retry_after(*r)});
      } else {
        return r;
      }
      auto wake = std::chrono::steady_clock::now() + delay;
      if (request.deadline && wake >= *request.deadline) {
        // No time left to retry: the last failure says more than "deadline exceeded".
        if (!r) return r;
        return error_from_response(r->status, r->body, {.verb = request.method, .retry_after_seconds = retry_after(*r)});
      }
      core_->retries++;
      if (!sleep(wake, token.get())) return canceled(request);
    }
  }

 private:
  static int retry_after(const HttpResponse& r) {
    std::string_view v = r.header("retry-after");
    int s = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return 0;  // an HTTP-date: ignored, as client-go does
      s = s * 10 + (c - '0');
    }
    return s;
  }

  bool refreshable() const { return config_.exec.has_value() || !config_.bearer_token_file.empty(); }

  std::chrono::milliseconds backoff(int attempt) const {
    auto d = options_.initial_backoff * (1LL << std::min(attempt, 20));
    return std::min<std::chrono::milliseconds>(d, options_.max_backoff);
  }

  static bool sleep(std::chrono::steady_clock::time_point deadline, CancelToken* token) {
    if (token) return token->sleep_until(deadline);
    std::this_thread::sleep_until(deadline);
    return true;
  }

  // Lowers the attempt's timeout to the time left before the deadline; false
  // when none is left.
  bool bound_by_deadline(HttpRequest& r) const {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*r.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto attempt = r.timeout.count() > 0 ? r.timeout : config_.timeout;
    if (attempt.count() == 0 || left < attempt) r.timeout = left;
    return true;
  }

  Error deadline_exceeded(const HttpRequest& r) const {
    return Error{0, "Timeout", r.method + " " + config_.host + r.path + ": deadline exceeded", std::nullopt};
  }

  Error canceled(const HttpRequest& r) const {
    return Error{0, "Canceled", r.method + " " + config_.host + r.path + ": canceled", std::nullopt};
  }

  Result<HttpResponse> run_once(const HttpRequest& request, const Credentials& creds, CancelToken* token) {
    auto waiter = std::make_shared<Waiter>();
    auto t = make_transfer(request, creds);
    t->on_done = [waiter](Result<HttpResponse> r) { waiter->set(std::move(r)); };
    std::uint64_t id = core_->submit(std::move(t));
    if (token) {
      auto handle = std::make_shared<Handle>(core_, id);
      if (!token->set_current(handle)) handle->cancel();
    }
    Result<HttpResponse> r = waiter->wait();
    if (token) (void)token->set_current(nullptr);
    return r;
  }

  std::unique_ptr<Transfer> make_transfer(HttpRequest request, const Credentials& creds) {
    auto t = std::make_unique<Transfer>();
    t->url = config_.host + request.path;
    t->request = std::move(request);
    t->authorization = creds.authorization;
    t->client_cert_pem = creds.client_cert_pem;
    t->client_key_pem = creds.client_key_pem;
    t->bytes_received = &core_->bytes_received;
    return t;
  }

  // Runs on the I/O thread.
  void setup(Transfer& t) {
    CURL* e = t.easy = curl_easy_init();
    std::string url = t.url;
    if (!config_.tls_server_name.empty()) {
      // tls-server-name: verify (and send SNI for) another name than the
      // host we connect to: put that name in the URL and CONNECT_TO the real host.
      CURLU* u = curl_url();
      if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        char *host = nullptr, *port = nullptr;
        curl_url_get(u, CURLUPART_HOST, &host, 0);
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
        if (host && port) {
          std::string connect_to = config_.tls_server_name + ":" + port + ":" + host + ":" + port;
          t.connect_to = curl_slist_append(nullptr, connect_to.c_str());
          curl_easy_setopt(e, CURLOPT_CONNECT_TO, t.connect_to);
          curl_url_set(u, CURLUPART_HOST, config_.tls_server_name.c_str(), 0);
          char* rewritten = nullptr;
          curl_url_get(u, CURLUPART_URL, &rewritten, 0);
          if (rewritten) url = rewritten;
          curl_free(rewritten);
        }
        curl_free(host);
        curl_free(port);
      }
      curl_url_cleanup(u);
    }
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, options_.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_new_socket);
    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, core_.get());
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    auto timeout = t.request.timeout.count() > 0 ? t.request.timeout : config_.timeout;
    if (timeout.count() > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(e, CURLOPT_USERAGENT, config_.user_agent.c_str());
    if (config_.insecure_skip_tls_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!config_.ca_pem.empty()) {
      curl_blob ca{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (!t.client_cert_pem.empty()) {
      curl_blob cert{t.client_cert_pem.data(), t.client_cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{t.client_key_pem.data(), t.client_key_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
    }
    if (!config_.proxy_url.empty()) curl_easy_setopt(e, CURLOPT_PROXY, config_.proxy_url.c_str());
    curl_slist* h = nullptr;
    for (const auto& [k, v] : t.request.headers) h = curl_slist_append(h, (k + ": " + v).c_str());
    if (!t.authorization.empty()) h = curl_slist_append(h, ("Authorization: " + t.authorization).c_str());
    h = curl_slist_append(h, "Expect:");  // no 100-continue round trip
    if (t.headers) curl_slist_free_all(t.headers);
    t.headers = h;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    const std::string& m = t.request.method;
    if (m == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (m == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.request.body.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request.body.size()));
    }
  }

  void finish(Transfer& t, CURLcode code) {
    {
      curl_off_t us = 0;
      long status = 0;
      curl_easy_getinfo(t.easy, t.streaming ? CURLINFO_STARTTRANSFER_TIME_T : CURLINFO_TOTAL_TIME_T, &us);
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      bool answered = status != 0 && (code == CURLE_OK || t.streaming);
      core_->record(t.request.method, answered ? std::to_string(status) : "<error>",
                    static_cast<double>(us) / 1e6);
    }
    if (code != CURLE_OK) {
      std::string what = t.errbuf[0] ? t.errbuf : curl_easy_strerror(code);
      std::string reason = code == CURLE_OPERATION_TIMEDOUT ? "Timeout" : "ServiceUnavailable";
      if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CERTPROBLEM ||
          code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CONNECT_ERROR) {
        reason = "TLSError";  // not retried: a retry cannot fix a certificate
      }
      t.on_done(Error{0, reason, t.request.method + " " + t.url + ": " + what, std::nullopt});
      return;
    }
    long status = 0, version = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t.easy, CURLINFO_HTTP_VERSION, &version);
    t.response.status = static_cast<int>(status);
    t.response.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    t.on_done(std::move(t.response));
  }

  void run() {
    std::map<std::uint64_t, std::unique_ptr<Transfer>> active;  // I/O thread only
    std::map<CURL*, std::uint64_t> by_easy;
    auto remove = [&](std::uint64_t id) -> std::unique_ptr<Transfer> {
      auto it = active.find(id);
      if (it == active.end()) return nullptr;
      std::unique_ptr<Transfer> t = std::move(it->second);
      active.erase(it);
      by_easy.erase(t->easy);
      curl_multi_remove_handle(core_->multi, t->easy);
      return t;
    };
    for (;;) {
      std::vector<std::unique_ptr<Transfer>> adds;
      std::vector<std::uint64_t> cancels;
      bool stopping;
      {
        MutexLock lock(core_->mu);
        adds.swap(core_->to_add);
        cancels.swap(core_->to_cancel);
        stopping = core_->stopping;
      }
      for (auto& t : adds) {
        setup(*t);
        by_easy[t->easy] = t->id;
        curl_multi_add_handle(core_->multi, t->easy);
        core_->started++;
        active[t->id] = std::move(t);
      }
      for (std::uint64_t id : cancels) {
        if (auto t = remove(id)) {
          t->on_done(Error{0, "Canceled", t->request.method + " " + t->url + ": canceled", std::nullopt});
        }
      }
      if (stopping) {
        while (!active.empty()) {
          auto t = remove(active.begin()->first);
          t->on_done(Error{0, "Canceled", t->request.method + " " + t->url + ": transport shut down", std::nullopt});
        }
        // Transfers queued after the last swap.
        MutexLock lock(core_->mu);
        for (auto& t : core_->to_add) {
          t->on_done(Error{0, "Canceled", t->request.method + " " + t->url + ": transport shut down", std::nullopt});
        }
        core_->to_add.clear();
        return;
      }
      int running = 0;
      curl_multi_perform(core_->multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(core_->multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        auto it = by_easy.find(msg->easy_handle);
        if (it == by_easy.end()) continue;
        CURLcode code = msg->data.result;
        if (auto t = remove(it->second)) finish(*t, code);
      }
      curl_multi_poll(core_->multi, nullptr, 0, 1000, nullptr);
    }
  }

  const RestConfig config_;
  const TransportOptions options_;
  std::unique_ptr<CredentialProvider> creds_;
  RateLimiter limiter_;
  std::shared_ptr<IoCore> core_;
  std::thread io_thread_;  // started last, joined in the destructor
  // Holds core_ itself, so it stays valid whatever the order of destruction.
  metrics::Registration metrics_registration_ = metrics::Registry::global().add(
      [core = core_, host = config_.host](metrics::Writer& w) { core->write_metrics(w, host); });
};

Result<std::unique_ptr<Transport>> Transport::create(RestConfig config, TransportOptions options) {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (!config.host.starts_with("https://") && !config.host.starts_with("http://")) {
    return Error::invalid_argument(config.source + ": server \"" + config.host + "\" is not an http(s) URL");
  }
  return std::unique_ptr<Transport>(std::make_unique<CurlTransport>(std::move(config), options));
}

}  // namespace kube
