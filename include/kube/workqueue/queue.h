// kube/workqueue/queue.h — the deduplicating work queue (client-go's workqueue.Type).
//
// Turns a burst of notifications into one unit of work per item:
//  - add(x) while x is waiting: no effect (deduplicated);
//  - add(x) while x is being processed (between get() and done(x)): x is marked
//    dirty and handed out again after done(x) — never to two workers at once;
//  - get() blocks until an item is ready or the queue shuts down;
//  - shut_down(): new adds are refused; get() hands out the items still
//    queued, then returns nullopt (to every waiter at once once empty);
//    shut_down_with_drain() does the same and also blocks until every item
//    handed out is done() (client-go's ShutDownWithDrain).
//
//   kube::workqueue::Queue<std::string> q;
//   q.add("demo/web");
//   while (auto key = q.get()) {   // one worker loop
//     reconcile(*key);
//     q.done(*key);
//   }
//
// Thread-safety: every member may be called from any thread. One mutex
// (mu_) guards all state; get() sleeps on cond_, drain on drained_.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "kube/core/clock.h"
#include "kube/core/metrics.h"
#include "kube/core/mutex.h"
#include "kube/workqueue/metrics.h"

namespace kube::workqueue {

struct QueueOptions {
  Clock* clock = nullptr;  // nullptr: RealClock
  // When set, the queue reports workqueue_*{name="<name>"} to
  // kube::metrics::Registry::global() (client-go's named queues). A
  // Controller reports its queue under its own name and leaves this empty.
  std::string name = {};
};

template <class T, class Hash = std::hash<T>>
class Queue {
 public:
  explicit Queue(QueueOptions opts = {})
      : clock_(opts.clock != nullptr ? *opts.clock : RealClock::instance()) {
    if (!opts.name.empty()) {
      metrics_registration_ = metrics::Registry::global().add(
          [this, name = std::move(opts.name)](metrics::Writer& w) { write_metrics(w, name, metrics()); });
    }
  }
  virtual ~Queue() { Queue::shut_down(); }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void add(const T& item) {
    MutexLock l(mu_);
    if (shutting_down_) return;
    if (dirty_.contains(item)) return;
    ++metrics_.adds;
    dirty_.insert(item);
    if (processing_.contains(item)) return;  // handed out again by done()
    queued_at_[item] = clock_.now();
    queue_.push_back(item);
    cond_.notify_one();
  }

  // Blocks until an item is ready (returns it, now "processing") or the queue
  // is shut down (returns nullopt).
  std::optional<T> get() {
    MutexLock l(mu_);
    while (queue_.empty() && !shutting_down_) cond_.wait(mu_);
    if (queue_.empty()) return std::nullopt;
    T item = std::move(queue_.front());
    queue_.pop_front();
    auto now = clock_.now();
    if (auto it = queued_at_.find(item); it != queued_at_.end()) {
      metrics_.queue_duration.observe(seconds(now - it->second));
      queued_at_.erase(it);
    }
    processing_.emplace(item, now);
    dirty_.erase(item);
    return item;
  }

  // Marks `item` finished; if it was added again meanwhile, queues it again.
  void done(const T& item) {
    MutexLock l(mu_);
    auto it = processing_.find(item);
    if (it == processing_.end()) return;
    metrics_.work_duration.observe(seconds(clock_.now() - it->second));
    processing_.erase(it);
    if (dirty_.contains(item)) {
      queued_at_[item] = clock_.now();
      queue_.push_back(item);
      cond_.notify_one();
    } else if (processing_.empty()) {
      drained_.notify_all();
    }
  }

  // Items waiting to be handed out (not those being processed).
  std::size_t len() const {
    MutexLock l(mu_);
    return queue_.size();
  }

  virtual void shut_down() {
    MutexLock l(mu_);
    shutting_down_ = true;
    cond_.notify_all();
  }

  // shut_down(), then blocks until every item handed out is done().
  virtual void shut_down_with_drain() {
    MutexLock l(mu_);
    shutting_down_ = true;
    cond_.notify_all();
    while (!processing_.empty()) drained_.wait(mu_);
  }

  bool shutting_down() const {
    MutexLock l(mu_);
    return shutting_down_;
  }

  QueueMetrics metrics() const {
    MutexLock l(mu_);
    QueueMetrics m = metrics_;
    m.depth = queue_.size();
    auto now = clock_.now();
    for (const auto& [item, start] : processing_) {
      double age = seconds(now - start);
      m.unfinished_work_seconds += age;
      m.longest_running_seconds = std::max(m.longest_running_seconds, age);
    }
    return m;
  }

 protected:
  void count_retry() {
    MutexLock l(mu_);
    ++metrics_.retries;
  }
  Clock& clock() const { return clock_; }

 private:
  static double seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

  Clock& clock_;
  mutable Mutex mu_;  // guards everything below
  CondVar cond_;      // get() waits here: signalled when an item is queued, and on shutdown
  CondVar drained_;   // shut_down_with_drain() waits here: signalled when processing_ empties
  std::deque<T> queue_ KUBE_GUARDED_BY(mu_);                        // order of hand-out
  std::unordered_set<T, Hash> dirty_ KUBE_GUARDED_BY(mu_);          // needs processing
  std::unordered_map<T, Clock::TimePoint, Hash> processing_ KUBE_GUARDED_BY(mu_);  // -> since
  std::unordered_map<T, Clock::TimePoint, Hash> queued_at_ KUBE_GUARDED_BY(mu_);   // -> since
  bool shutting_down_ KUBE_GUARDED_BY(mu_) = false;
  QueueMetrics metrics_ KUBE_GUARDED_BY(mu_);
  // Declared last: unregistered first, before the state metrics() reads.
  metrics::Registration metrics_registration_;
};

}  // namespace kube::workqueue
