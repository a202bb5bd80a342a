// kube/workqueue/delaying_queue.h — a Queue whose items can be added later
// (client-go's DelayingInterface).
//
// add_after(x, d) makes x ready after d; if x is already waiting, the earlier
// of the two ready times wins. One thread per queue (named "kube-delayq")
// waits for the earliest ready time on a heap; it is started by the
// constructor and joined by shut_down()/the destructor.
//
//   kube::workqueue::DelayingQueue<std::string> q;
//   q.add_after("demo/web", std::chrono::seconds(5));
//
// Thread-safety: every member may be called from any thread. wmu_ guards the
// waiting heap; the Queue base has its own mutex. Lock order: never both.
#pragma once

#include <pthread.h>

#include <queue>
#include <thread>
#include <vector>

#include "kube/workqueue/queue.h"

namespace kube::workqueue {

template <class T, class Hash = std::hash<T>>
class DelayingQueue : public Queue<T, Hash> {
 public:
  explicit DelayingQueue(QueueOptions opts = {}) : Queue<T, Hash>(opts) {
    thread_ = std::thread([this] { wait_loop(); });
  }
  ~DelayingQueue() override { stop(); }

  void add_after(const T& item, Clock::Duration delay) {
    if (this->shutting_down()) return;
    if (delay <= Clock::Duration::zero()) {
      this->add(item);
      return;
    }
    MutexLock l(wmu_);
    auto ready = this->clock().now() + delay;
    auto [it, inserted] = ready_at_.try_emplace(item, ready);
    if (!inserted) {
      if (it->second <= ready) return;  // already due earlier
      it->second = ready;               // the old heap entry goes stale
    }
    heap_.push(Entry{ready, seq_++, item});
    wcv_.notify_one();
  }

  void shut_down() override {
    stop();
    Queue<T, Hash>::shut_down();
  }
  void shut_down_with_drain() override {
    stop();
    Queue<T, Hash>::shut_down_with_drain();
  }

  // Items waiting for their time (not yet in the queue).
  std::size_t waiting() const {
    MutexLock l(wmu_);
    return ready_at_.size();
  }

 private:
  struct Entry {
    Clock::TimePoint ready;
    std::uint64_t seq;  // keeps equal times in insertion order
    T item;
    bool operator>(const Entry& o) const {
      return ready != o.ready ? ready > o.ready : seq > o.seq;
    }
  };

  void stop() {
    {
      MutexLock l(wmu_);
      stopping_ = true;
      wcv_.notify_all();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  void wait_loop() {
    pthread_setname_np(pthread_self(), "kube-delayq");
    std::vector<T> ready;
    MutexLock l(wmu_);
    while (!stopping_) {
      auto now = this->clock().now();
      while (!heap_.empty() && heap_.top().ready <= now) {
        Entry e = heap_.top();
        heap_.pop();
        auto it = ready_at_.find(e.item);
        if (it == ready_at_.end() || it->second != e.ready) continue;  // stale
        ready_at_.erase(it);
        ready.push_back(std::move(e.item));
      }
      if (!ready.empty()) {
        wmu_.unlock();  // never hold wmu_ while taking the queue's mutex
        for (const T& item : ready) this->add(item);
        ready.clear();
        wmu_.lock();
        continue;
      }
      // Like client-go, wake at least every 10 s even with nothing due.
      auto deadline = now + std::chrono::seconds(10);
      if (!heap_.empty()) deadline = std::min(deadline, heap_.top().ready);
      this->clock().wait_until(wmu_, wcv_, deadline);
    }
  }

  mutable Mutex wmu_;  // guards heap_, ready_at_, seq_, stopping_
  CondVar wcv_;        // signalled on a new earlier item and on stop
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_ KUBE_GUARDED_BY(wmu_);
  std::unordered_map<T, Clock::TimePoint, Hash> ready_at_ KUBE_GUARDED_BY(wmu_);
  std::uint64_t seq_ KUBE_GUARDED_BY(wmu_) = 0;
  bool stopping_ KUBE_GUARDED_BY(wmu_) = false;
  std::thread thread_;  // started by the constructor; joined by stop()
};

}  // namespace kube::workqueue
