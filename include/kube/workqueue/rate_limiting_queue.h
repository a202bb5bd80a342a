// kube/workqueue/rate_limiting_queue.h — a DelayingQueue that retries items
// with a RateLimiter (client-go's RateLimitingInterface).
//
//   kube::workqueue::RateLimitingQueue<std::string> q;   // default limiter
//   while (auto key = q.get()) {
//     if (reconcile(*key)) q.forget(*key); else q.add_rate_limited(*key);
//     q.done(*key);
//   }
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include "kube/workqueue/delaying_queue.h"
#include "kube/workqueue/rate_limiter.h"

namespace kube::workqueue {

template <class T, class Hash = std::hash<T>>
class RateLimitingQueue : public DelayingQueue<T, Hash> {
 public:
  explicit RateLimitingQueue(std::unique_ptr<RateLimiter<T>> limiter = nullptr, QueueOptions opts = {})
      : DelayingQueue<T, Hash>(opts),
        limiter_(limiter ? std::move(limiter) : default_controller_rate_limiter<T, Hash>(opts.clock)) {}

  // Adds `item` after the limiter's delay for it (one more failure).
  void add_rate_limited(const T& item) {
    this->count_retry();
    this->add_after(item, limiter_->when(item));
  }
  // The item succeeded: its failure count starts again from zero.
  void forget(const T& item) { limiter_->forget(item); }
  int num_requeues(const T& item) { return limiter_->num_requeues(item); }

 private:
  const std::unique_ptr<RateLimiter<T>> limiter_;  // thread-safe itself
};

}  // namespace kube::workqueue
