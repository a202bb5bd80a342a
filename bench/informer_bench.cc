// Informer throughput and latency figures, one `name=value` line per figure
// set, each followed by the command that reproduces it.
//
//   ./build/release/bench/informer_bench events  [--events N] [--objects K] [--size BYTES]
//   ./build/release/bench/informer_bench latency [--rate R] [--seconds S] [--objects K]
//
// events: watch events through a SharedIndexInformer to a no-op handler. The
//   stream is N pre-encoded watch events (objects of about BYTES of JSON, K
//   distinct keys: the first K are ADDED, the rest MODIFIED), handed to the
//   watch decoder in 64 KiB reads as the network would hand them; so the
//   figure covers decode + delta FIFO + store + handler dispatch, not the
//   socket. Prints events_per_s (wall) and cpu_seconds (this process).
// latency: write-to-handler latency through the embedded API server (TLS,
//   in this process). R configmap updates per second (paced, 4 writer
//   threads) over K configmaps for S seconds; each write carries its send
//   time in a label, the handler records now - send time. Prints the achieved
//   rate and p50/p99/max in milliseconds. Server, client and informer share
//   the machine's cores, so this is an upper bound on the informer's share.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/rest_client.h"
#include "kube/client/transport.h"
#include "kube/client/watch_decoder.h"
#include "kube/informers/rest_lister_watcher.h"
#include "kube/informers/shared_informer.h"
#include "kube/testing/api_server.h"
#include "bench_support.h"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  return kube::bench::arg(argc, argv, name, def, 2);  // argv[1] is the mode
}

// ---- events: an in-memory watch stream ----

// One watch event line for configmap `i`, padded to about `size` bytes.
std::string event_line(const char* type, std::size_t i, std::uint64_t rv, std::size_t size) {
  std::string head = R"({"type":")" + std::string(type) +
                     R"(","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-)" +
                     std::to_string(i) + R"(","namespace":"bench","uid":"00000000-0000-0000-0000-)" +
                     std::to_string(100000000000 + i) + R"(","resourceVersion":")" + std::to_string(rv) +
                     R"(","creationTimestamp":"2026-11-26T00:00:00Z","labels":{"app":"bench","shard":")" +
                     std::to_string(i % 16) + R"("}},"data":{"payload":")";
  std::string tail = "\"}}}\n";
  std::size_t pad = size > head.size() + tail.size() ? size - head.size() - tail.size() : 0;
  return head + std::string(pad, 'x') + tail;
}

// A Watch that decodes a prepared byte stream, then waits for stop().
class BufferWatch final : public kube::informers::Watch {
 public:
  explicit BufferWatch(const std::string& bytes) : bytes_(bytes) {}
  kube::Result<std::optional<kube::WatchEvent>> next(Clock::time_point deadline) override {
    while (pos_ == events_.size()) {
      events_.clear();
      pos_ = 0;
      if (offset_ >= bytes_.size()) {
        std::unique_lock lock(mu_);
        cv_.wait_until(lock, deadline, [&] { return stopped_; });
        if (stopped_) return std::optional<kube::WatchEvent>();
        return kube::Error{0, "Timeout", "no more events", std::nullopt};
      }
      std::size_t n = std::min<std::size_t>(64 * 1024, bytes_.size() - offset_);
      if (auto r = decoder_.feed(std::string_view(bytes_).substr(offset_, n), events_); !r) return r.error();
      offset_ += n;
    }
    return std::optional<kube::WatchEvent>(std::move(events_[pos_++]));
  }
  void stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  const std::string& bytes_;
  kube::WatchDecoder decoder_;
  std::vector<kube::WatchEvent> events_;
  std::size_t pos_ = 0;
  std::size_t offset_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

// Lists nothing, then serves the prepared stream once; later watches idle.
class StreamListerWatcher final : public kube::informers::ListerWatcher {
 public:
  explicit StreamListerWatcher(std::string bytes) : bytes_(std::move(bytes)) {}
  kube::Result<kube::ListResult> list(const kube::ListOptions&, std::stop_token) override {
    // Built in one expression: g++ 12 -O3 warns (-Wrestrict, falsely) on
    // assigning literals to the members one by one.
    return kube::ListResult{.items = {},
                            .kind = std::string("ConfigMapList"),
                            .api_version = std::string("v1"),
                            .resource_version = std::string("1"),
                            .continue_token = std::string(),
                            .remaining_item_count = std::nullopt};
  }
  kube::Result<std::unique_ptr<kube::informers::Watch>> watch(const kube::ListOptions&, std::stop_token) override {
    static const std::string empty;
    bool first = !served_.exchange(true);
    return std::unique_ptr<kube::informers::Watch>(std::make_unique<BufferWatch>(first ? bytes_ : empty));
  }

 private:
  const std::string bytes_;
  std::atomic<bool> served_{false};
};

int run_events(int argc, char** argv) {
  const std::size_t n = std::stoul(arg(argc, argv, "events", "1000000"));
  const std::size_t k = std::stoul(arg(argc, argv, "objects", "10000"));
  const std::size_t size = std::stoul(arg(argc, argv, "size", "1024"));
  std::string bytes;
  bytes.reserve(n * (size + 16));
  for (std::size_t e = 0; e < n; ++e) bytes += event_line(e < k ? "ADDED" : "MODIFIED", e % k, e + 2, size);

  auto lw = std::make_shared<StreamListerWatcher>(std::move(bytes));
  kube::informers::SharedIndexInformer informer(lw);
  auto counter = std::make_shared<kube::bench::CountingHandler>(n);
  informer.add_event_handler(counter);

  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  informer.start();
  counter->wait(std::chrono::minutes(5));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  informer.stop();
  if (counter->seen() < n) {
    std::cerr << "informer_bench events: only " << counter->seen() << " of " << n << " events arrived\n";
    return 1;
  }
  std::printf("bench=informer_events events=%zu objects=%zu event_bytes=%zu seconds=%.3f cpu_seconds=%.3f "
              "events_per_s=%.0f events_per_cpu_s=%.0f\n",
              n, k, size, secs, cpu, double(n) / secs, double(n) / cpu);
  std::printf("reproduce: %s events --events %zu --objects %zu --size %zu\n", argv[0], n, k, size);
  return 0;
}

// ---- latency: the embedded API server ----

int run_latency(int argc, char** argv) {
  const double rate = std::stod(arg(argc, argv, "rate", "5000"));
  const double seconds = std::stod(arg(argc, argv, "seconds", "5"));
  const std::size_t k = std::stoul(arg(argc, argv, "objects", "1000"));
  const int writers = 4;

  kube::testing::ApiServer server(kube::testing::ApiServerOptions{});
  if (auto r = server.start(); !r) {
    std::cerr << "informer_bench latency: embedded API server: " << r.error().message << "\n";
    return 1;
  }
  auto made = kube::bench::unlimited_client(server);
  if (!made) {
    std::cerr << "informer_bench latency: " << made.error().message << "\n";
    return 1;
  }
  auto client = *made;
  const kube::Resource namespaces{{"", "v1", "namespaces"}, false};
  const kube::Resource configmaps{{"", "v1", "configmaps"}, true};
  if (auto r = client->create(namespaces, "", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})");
      !r) {
    std::cerr << "informer_bench latency: create namespace: " << r.error().message << "\n";
    return 1;
  }
  auto body = [](std::size_t i, std::int64_t sent_ns) {
    return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
           R"(","namespace":"bench","labels":{"sent":")" + std::to_string(sent_ns) + R"("}},"data":{"v":")" +
           std::string(512, 'x') + R"("}})";
  };
  for (std::size_t i = 0; i < k; ++i) {
    if (auto r = client->create(configmaps, "bench", body(i, 0)); !r) {
      std::cerr << "informer_bench latency: create configmap: " << r.error().message << "\n";
      return 1;
    }
  }

  std::mutex mu;
  std::vector<double> latencies_ms;  // guarded by mu
  latencies_ms.reserve(std::size_t(rate * seconds * 1.1));
  auto handler = std::make_shared<kube::informers::ResourceEventHandlerFuncs>();
  handler->update = [&](const kube::ObjectPtr&, const kube::ObjectPtr& obj) {
    auto sent = obj->label("sent");
    if (!sent || *sent == "0") return;
    std::int64_t ns = std::stoll(std::string(*sent));
    double ms = double(Clock::now().time_since_epoch().count() - ns) / 1e6;
    std::lock_guard lock(mu);
    latencies_ms.push_back(ms);
  };
  auto lw = std::make_shared<kube::informers::RestListerWatcher>(client, configmaps, "bench");
  kube::informers::SharedIndexInformer informer(lw);
  informer.add_event_handler(handler);
  informer.start();
  if (!informer.wait_for_cache_sync(std::chrono::seconds(60))) {
    std::cerr << "informer_bench latency: informer did not sync\n";
    return 1;
  }

  auto paced = kube::bench::run_paced(rate, seconds, writers, [&](std::uint64_t i) {
    std::int64_t stamp = Clock::now().time_since_epoch().count();
    return client
        ->patch(configmaps, "bench", "cm-" + std::to_string(i % k), kube::PatchType::Merge,
                R"({"metadata":{"labels":{"sent":")" + std::to_string(stamp) + R"("}}})")
        .ok();
  });
  // Let the last events arrive.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (latencies_ms.size() >= paced.ok) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  informer.stop();
  server.stop();

  std::vector<double> l;
  {
    std::lock_guard lock(mu);
    l = latencies_ms;
  }
  if (l.empty()) {
    std::cerr << "informer_bench latency: no event reached the handler\n";
    return 1;
  }
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) { return kube::bench::percentile(l, p); };
  std::printf("bench=informer_latency target_rate=%.0f achieved_rate=%.0f writes=%zu failed=%zu events=%zu "
              "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              rate, double(paced.ok) / paced.seconds, std::size_t(paced.ok), std::size_t(paced.failed), l.size(),
              pct(0.50), pct(0.99),
              l.back());
  std::printf("reproduce: %s latency --rate %.0f --seconds %.0f --objects %zu\n", argv[0], rate, seconds, k);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "events") return run_events(argc, argv);
  if (mode == "latency") return run_latency(argc, argv);
  std::cerr << "usage: " << argv[0] << " events|latency [--events N] [--objects K] [--size BYTES] [--rate R] "
            << "[--seconds S]\n";
  return 2;
}
