// Shared pieces of the plain (name=value) benchmark programs: flags, a REST
// client for the embedded API server without client-side rate limits, paced
// writer threads and percentiles.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/rest_client.h"
#include "kube/client/transport.h"
#include "kube/core/result.h"
#include "kube/informers/event_handler.h"
#include "kube/testing/api_server.h"

namespace kube::bench {

// The value after `--name` among argv[first..], or `def`.
inline std::string arg(int argc, char** argv, const std::string& name, const std::string& def, int first = 1) {
  for (int i = first; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return def;
}

// A handler that counts adds and updates; wait() returns once `target` of
// them have arrived (true) or at the timeout (false).
class CountingHandler final : public informers::ResourceEventHandler {
 public:
  explicit CountingHandler(std::size_t target) : target_(target) {}

  void on_add(const ObjectPtr&, bool) override { count(); }
  void on_update(const ObjectPtr&, const ObjectPtr&) override { count(); }

  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return seen() >= target_; });
  }
  std::size_t seen() const { return seen_.load(); }

 private:
  void count() {
    if (seen_.fetch_add(1, std::memory_order_relaxed) + 1 == target_) {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    }
  }

  const std::size_t target_;
  std::atomic<std::size_t> seen_{0};
  std::mutex mu_;  // only for cv_: the count itself is atomic
  std::condition_variable cv_;
};

// A REST client for `server` (its CA and token) with no QPS limit.
inline Result<std::shared_ptr<RestClient>> unlimited_client(const testing::ApiServer& server) {
  RestConfig cfg;
  cfg.host = server.url();
  cfg.ca_pem = server.ca_pem();  // empty for plain HTTP
  cfg.bearer_token = server.token();
  cfg.qps = 1e6;
  cfg.burst = 1000000;
  auto transport = Transport::create(cfg, {});
  if (!transport) return transport.error();
  return std::make_shared<RestClient>(std::shared_ptr<Transport>(std::move(*transport)));
}

struct PacedResult {
  std::uint64_t ok = 0, failed = 0;
  double seconds = 0;  // from the first scheduled write to the last writer's end
};

// `writers` threads share `rate` writes per second for `seconds`; write i
// (0, 1, 2, ... across all threads) calls write(i), each at its scheduled
// time. A late writer does not catch up in a burst.
inline PacedResult run_paced(double rate, double seconds, int writers,
                             const std::function<bool(std::uint64_t)>& write) {
  using Clock = std::chrono::steady_clock;
  std::atomic<std::uint64_t> ok{0}, failed{0};
  auto t0 = Clock::now();
  auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(writers / rate));
      auto next = t0 + period * w / writers;
      for (std::uint64_t i = std::uint64_t(w);; i += std::uint64_t(writers)) {
        auto now = Clock::now();
        if (now >= end) break;
        if (next > now) std::this_thread::sleep_until(next);
        next += period;
        if (next < Clock::now()) next = Clock::now();
        if (write(i)) ok.fetch_add(1);
        else failed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  return {ok.load(), failed.load(), std::chrono::duration<double>(Clock::now() - t0).count()};
}

// The p-quantile (0..1) of sorted, non-empty values.
inline double percentile(const std::vector<double>& sorted, double p) {
  return sorted[std::min(sorted.size() - 1, std::size_t(p * double(sorted.size())))];
}

}  // namespace kube::bench
