// kube/workqueue/rate_limiter.h — how long an item waits before its retry
// (client-go's workqueue rate limiters).
//
//  - ItemExponentialFailureRateLimiter: base * 2^(failures of this item),
//    capped at max; forget(x) resets x.
//  - BucketRateLimiter: a token bucket over all items (qps, burst), with
//    golang.org/x/time/rate's Reserve semantics: each call takes a token and
//    returns how long until that token exists.
//  - ItemFastSlowRateLimiter: `fast` for the first N failures, `slow` after.
//  - MaxOfRateLimiter: the longest delay of several.
//  - default_controller_rate_limiter(): client-go's default — max of
//    exponential(5 ms, 1000 s) and bucket(10 qps, burst 100).
//
//   auto limiter = kube::workqueue::default_controller_rate_limiter<std::string>();
//   auto delay = limiter->when("demo/web");   // 5ms, then 10ms, 20ms, ...
//
// Thread-safety: every limiter is safe from any thread (one mutex each).
#pragma once

#include <cmath>
#include <memory>
#include <unordered_map>
#include <vector>

#include "kube/core/clock.h"
#include "kube/core/mutex.h"

namespace kube::workqueue {

template <class T>
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long `item` should wait now; counts as one more failure of it.
  virtual Clock::Duration when(const T& item) = 0;
  // Stops tracking `item` (it succeeded).
  virtual void forget(const T& item) = 0;
  // Failures of `item` since its last forget.
  virtual int num_requeues(const T& item) = 0;
};

template <class T, class Hash = std::hash<T>>
class ItemExponentialFailureRateLimiter final : public RateLimiter<T> {
 public:
  ItemExponentialFailureRateLimiter(Clock::Duration base, Clock::Duration max)
      : base_(base), max_(max) {}

  Clock::Duration when(const T& item) override {
    MutexLock l(mu_);
    int exp = failures_[item]++;
    // Computed in double so a large exponent saturates instead of overflowing.
    double d = static_cast<double>(base_.count()) * std::pow(2.0, exp);
    if (d >= static_cast<double>(max_.count())) return max_;
    return Clock::Duration(static_cast<Clock::Duration::rep>(d));
  }
  void forget(const T& item) override {
    MutexLock l(mu_);
    failures_.erase(item);
  }
  int num_requeues(const T& item) override {
    MutexLock l(mu_);
    auto it = failures_.find(item);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  const Clock::Duration base_, max_;
  Mutex mu_;  // guards failures_
  std::unordered_map<T, int, Hash> failures_ KUBE_GUARDED_BY(mu_);
};

template <class T, class Hash = std::hash<T>>
class ItemFastSlowRateLimiter final : public RateLimiter<T> {
 public:
  ItemFastSlowRateLimiter(Clock::Duration fast, Clock::Duration slow, int max_fast_attempts)
      : fast_(fast), slow_(slow), max_fast_(max_fast_attempts) {}

  Clock::Duration when(const T& item) override {
    MutexLock l(mu_);
    return ++failures_[item] <= max_fast_ ? fast_ : slow_;
  }
  void forget(const T& item) override {
    MutexLock l(mu_);
    failures_.erase(item);
  }
  int num_requeues(const T& item) override {
    MutexLock l(mu_);
    auto it = failures_.find(item);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  const Clock::Duration fast_, slow_;
  const int max_fast_;
  Mutex mu_;  // guards failures_
  std::unordered_map<T, int, Hash> failures_ KUBE_GUARDED_BY(mu_);
};

template <class T>
class BucketRateLimiter final : public RateLimiter<T> {
 public:
  BucketRateLimiter(double qps, int burst, Clock* clock = nullptr)
      : qps_(qps), burst_(burst), clock_(clock != nullptr ? *clock : RealClock::instance()) {
    MutexLock l(mu_);
    tokens_ = burst;
    last_ = clock_.now();
  }

  Clock::Duration when(const T&) override {
    MutexLock l(mu_);
    auto now = clock_.now();
    if (now > last_) {
      tokens_ = std::min<double>(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
      last_ = now;
    }
    tokens_ -= 1;
    if (tokens_ >= 0) return Clock::Duration::zero();
    return std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(-tokens_ / qps_));
  }
  void forget(const T&) override {}
  int num_requeues(const T&) override { return 0; }

 private:
  const double qps_;
  const int burst_;
  Clock& clock_;
  Mutex mu_;  // guards tokens_ and last_
  double tokens_ KUBE_GUARDED_BY(mu_) = 0;
  Clock::TimePoint last_ KUBE_GUARDED_BY(mu_);
};

template <class T>
class MaxOfRateLimiter final : public RateLimiter<T> {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter<T>>> limiters)
      : limiters_(std::move(limiters)) {}

  Clock::Duration when(const T& item) override {
    Clock::Duration longest = Clock::Duration::zero();
    for (auto& l : limiters_) longest = std::max(longest, l->when(item));
    return longest;
  }
  void forget(const T& item) override {
    for (auto& l : limiters_) l->forget(item);
  }
  int num_requeues(const T& item) override {
    int most = 0;
    for (auto& l : limiters_) most = std::max(most, l->num_requeues(item));
    return most;
  }

 private:
  const std::vector<std::unique_ptr<RateLimiter<T>>> limiters_;  // immutable after construction
};

// client-go's DefaultControllerRateLimiter.
template <class T, class Hash = std::hash<T>>
std::unique_ptr<RateLimiter<T>> default_controller_rate_limiter(Clock* clock = nullptr) {
  std::vector<std::unique_ptr<RateLimiter<T>>> ls;
  ls.push_back(std::make_unique<ItemExponentialFailureRateLimiter<T, Hash>>(
      std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  ls.push_back(std::make_unique<BucketRateLimiter<T>>(10.0, 100, clock));
  return std::make_unique<MaxOfRateLimiter<T>>(std::move(ls));
}

}  // namespace kube::workqueue
