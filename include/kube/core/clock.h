// kube/core/clock.h — time for components that wait (delaying queues,
// resync timers, leader election), with a fake clock for tests.
//
// Components take a `Clock&` (default: RealClock::instance()) and never read
// std::chrono clocks directly, so tests drive time with FakeClock::step()
// instead of sleeping.
//
//   kube::FakeClock clock;
//   kube::workqueue::DelayingQueue<std::string> q({.clock = &clock});
//   q.add_after("a", std::chrono::seconds(10));
//   clock.step(std::chrono::seconds(10));   // "a" becomes ready now
//
// Thread-safety: all members are safe from any thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "kube/core/mutex.h"

namespace kube {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // With `mu` held: waits until `cv` is notified, or until this clock reaches
  // `deadline`, or spuriously. Callers re-check their condition in a loop.
  virtual void wait_until(Mutex& mu, CondVar& cv, TimePoint deadline) KUBE_REQUIRES(mu) = 0;
};

// std::chrono::steady_clock.
class RealClock final : public Clock {
 public:
  static RealClock& instance() {
    static RealClock clock;
    return clock;
  }
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void wait_until(Mutex& mu, CondVar& cv, TimePoint deadline) override KUBE_REQUIRES(mu) {
    cv.wait_until(mu, deadline);
  }
};

// A clock that moves only when step() is called. Waiters are woken by every
// step (and by their own condition variable).
class FakeClock final : public Clock {
 public:
  FakeClock() = default;

  TimePoint now() const override {
    MutexLock l(mu_);
    return now_;
  }

  void step(Duration d) {
    std::vector<std::pair<Mutex*, CondVar*>> waiters;
    {
      MutexLock l(mu_);
      now_ += d;
      waiters = waiters_;
    }
    // Taking each waiter's mutex orders this wake-up after the waiter's check
    // of now(): it is either before the check (and sees the new time) or
    // already waiting (and is notified). No lost wake-ups.
    for (auto [m, cv] : waiters) {
      m->lock();
      m->unlock();
      cv->notify_all();
    }
  }

  void wait_until(Mutex& mu, CondVar& cv, TimePoint deadline) override KUBE_REQUIRES(mu) {
    {
      MutexLock l(mu_);
      if (now_ >= deadline) return;
      waiters_.emplace_back(&mu, &cv);
    }
    cv.wait(mu);
    MutexLock l(mu_);
    auto it = std::find(waiters_.begin(), waiters_.end(), std::make_pair(&mu, &cv));
    if (it != waiters_.end()) waiters_.erase(it);
  }

  // How many threads are waiting on this clock now (lets a test step only once
  // the component under test is asleep).
  std::size_t waiters() const {
    MutexLock l(mu_);
    return waiters_.size();
  }

 private:
  mutable Mutex mu_;  // guards now_ and waiters_
  TimePoint now_ KUBE_GUARDED_BY(mu_){};
  std::vector<std::pair<Mutex*, CondVar*>> waiters_ KUBE_GUARDED_BY(mu_);
};

}  // namespace kube
