// Memory of a stalled event handler: default (FIFO) buffer vs coalescing.
// One `name=value` line per mode, then the command that reproduces it.
//
//   ./build/release/bench/handler_backlog_bench [--updates N] [--objects K] [--size BYTES]
//
// For each mode a SharedIndexInformer receives K ADDED then N MODIFIED watch
// events (round-robin over K configmaps of about BYTES of JSON each), built
// in this process by the Watch itself (no socket, no decoder: parsed with
// kube::Object::parse as they are handed out). A first handler is stalled on
// its first notification until the end; a second, counting handler
// (registered after it, so it is distributed to later) tells when every
// notification has been queued for the stalled one. At that point the
// bench prints the heap in use above the informer's starting point
// (mallinfo2 uordblks: the cache of K objects, plus whatever the stalled
// handler's buffer keeps alive) and the stalled handler's backlog.
// Modes: none (no stalled handler: the cache alone), default, coalesce.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include <malloc.h>

#include "bench_support.h"
#include "kube/informers/shared_informer.h"

namespace {

using Clock = std::chrono::steady_clock;

using kube::bench::arg;

std::string object_json(std::size_t i, std::uint64_t rv, std::size_t size) {
  std::string head = R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-)" +
                     std::to_string(i) + R"(","namespace":"bench","resourceVersion":")" +
                     std::to_string(rv) + R"(","labels":{"app":"bench"}},"data":{"payload":")";
  std::string tail = "\"}}";
  std::size_t pad = size > head.size() + tail.size() ? size - head.size() - tail.size() : 0;
  return head + std::string(pad, 'x') + tail;
}

// Hands out K ADDED then N MODIFIED events, then waits for stop().
class GeneratedWatch final : public kube::informers::Watch {
 public:
  GeneratedWatch(std::size_t objects, std::size_t updates, std::size_t size)
      : objects_(objects), total_(objects + updates), size_(size) {}
  kube::Result<std::optional<kube::WatchEvent>> next(Clock::time_point deadline) override {
    if (next_ == total_) {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, deadline, [&] { return stopped_; });
      if (stopped_) return std::optional<kube::WatchEvent>();
      return kube::Error{0, "Timeout", "no more events", std::nullopt};
    }
    std::size_t e = next_++;
    auto obj = kube::Object::parse(object_json(e % objects_, e + 2, size_));
    if (!obj) return obj.error();
    auto type = e < objects_ ? kube::WatchEventType::Added : kube::WatchEventType::Modified;
    return std::optional<kube::WatchEvent>(kube::WatchEvent{type, *obj, std::nullopt});
  }
  void stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  const std::size_t objects_, total_, size_;
  std::size_t next_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

// Lists nothing, then serves the generated stream once; later watches idle.
class GeneratedListerWatcher final : public kube::informers::ListerWatcher {
 public:
  GeneratedListerWatcher(std::size_t objects, std::size_t updates, std::size_t size)
      : objects_(objects), updates_(updates), size_(size) {}
  kube::Result<kube::ListResult> list(const kube::ListOptions&, std::stop_token) override {
    return kube::ListResult{.items = {},
                            .kind = std::string("ConfigMapList"),
                            .api_version = std::string("v1"),
                            .resource_version = std::string("1"),
                            .continue_token = std::string(),
                            .remaining_item_count = std::nullopt};
  }
  kube::Result<std::unique_ptr<kube::informers::Watch>> watch(const kube::ListOptions&,
                                                              std::stop_token) override {
    bool first = !served_.exchange(true);
    return std::unique_ptr<kube::informers::Watch>(
        std::make_unique<GeneratedWatch>(objects_, first ? updates_ : 0, first ? size_ : 0));
  }

 private:
  const std::size_t objects_, updates_, size_;
  std::atomic<bool> served_{false};
};

// Stalls every call until release().
class StalledHandler final : public kube::informers::ResourceEventHandler {
 public:
  void on_add(const kube::ObjectPtr&, bool) override { wait(); }
  void on_update(const kube::ObjectPtr&, const kube::ObjectPtr&) override { wait(); }
  void on_delete(const kube::informers::DeletedObject&) override { wait(); }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return released_; });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

int run(const std::string& mode, std::size_t objects, std::size_t updates, std::size_t size,
        const char* argv0) {
  const std::size_t total = objects + updates;
  std::size_t heap0 = mallinfo2().uordblks;
  auto lw = std::make_shared<GeneratedListerWatcher>(objects, updates, size);
  kube::informers::SharedInformerOptions options;
  options.reflector.name = "configmaps";
  kube::informers::SharedIndexInformer informer(lw, options);
  auto stalled = std::make_shared<StalledHandler>();
  std::shared_ptr<kube::informers::HandlerRegistration> reg;
  if (mode != "none") {
    reg = informer.add_event_handler(stalled, kube::informers::HandlerOptions{
                                                  .coalesce = mode == "coalesce",
                                                  .backlog_warning = 0,  // the bench knows
                                              });
  }
  auto counter = std::make_shared<kube::bench::CountingHandler>(total);
  informer.add_event_handler(counter);

  auto t0 = Clock::now();
  informer.start();
  counter->wait(std::chrono::minutes(10));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::size_t heap = mallinfo2().uordblks - heap0;
  std::size_t backlog = reg ? reg->backlog() : 0;
  std::size_t high_water = reg ? reg->backlog_high_water() : 0;
  stalled->release();
  informer.stop();
  if (counter->seen() < total) {
    std::cerr << "handler_backlog_bench: only " << counter->seen() << " of " << total
              << " events arrived\n";
    return 1;
  }
  std::printf(
      "bench=stalled_handler mode=%s objects=%zu updates=%zu object_bytes=%zu seconds=%.2f "
      "heap_mib=%.1f backlog=%zu backlog_high_water=%zu\n",
      mode.c_str(), objects, updates, size, secs, double(heap) / (1 << 20), backlog, high_water);
  std::printf("reproduce: %s --mode %s --updates %zu --objects %zu --size %zu\n", argv0,
              mode.c_str(), updates, objects, size);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t updates = std::stoul(arg(argc, argv, "updates", "1000000"));
  const std::size_t objects = std::stoul(arg(argc, argv, "objects", "10000"));
  const std::size_t size = std::stoul(arg(argc, argv, "size", "512"));
  const std::string only = arg(argc, argv, "mode", "");
  for (const char* mode : {"none", "default", "coalesce"}) {
    if (!only.empty() && only != mode) continue;
    if (int rc = run(mode, objects, updates, size, argv[0]); rc != 0) return rc;
  }
  return 0;
}
