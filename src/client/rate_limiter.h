// Client-side rate limiter: a token bucket (client-go's flowcontrol
// tokenBucketRateLimiter: qps tokens per second, at most burst saved up).
// Private to the client layer.
//
// Thread-safety: reserve() may be called from any thread.
#pragma once

#include <algorithm>
#include <chrono>

#include "kube/core/mutex.h"

namespace kube {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // qps <= 0 disables limiting.
  RateLimiter(double qps, int burst) : qps_(qps), burst_(std::max(1, burst)), tokens_(burst_) {}

  // Takes a token and returns how long the caller must wait before using it
  // (zero when one was available). Reservations queue up like
  // golang.org/x/time/rate's Reserve.
  Clock::duration reserve(Clock::time_point now = Clock::now()) KUBE_EXCLUDES(mu_) {
    if (qps_ <= 0) return Clock::duration::zero();
    MutexLock lock(mu_);
    if (!started_) {
      last_ = now;
      started_ = true;
    }
    if (now > last_) {
      tokens_ = std::min<double>(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
      last_ = now;
    }
    tokens_ -= 1;
    if (tokens_ >= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
  }

 private:
  const double qps_;
  const int burst_;
  Mutex mu_;  // guards the bucket state below
  double tokens_ KUBE_GUARDED_BY(mu_);
  Clock::time_point last_ KUBE_GUARDED_BY(mu_);
  bool started_ KUBE_GUARDED_BY(mu_) = false;
};

}  // namespace kube
