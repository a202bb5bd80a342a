// kube/core/mutex.h — mutexes annotated for Clang's -Wthread-safety analysis.
//
// Every mutex-guarded member in kinformer is declared `KUBE_GUARDED_BY(mu_)`, and
// every function that must be called with a lock held says so with
// `KUBE_REQUIRES(mu_)`. Clang checks these at compile time (the `tsan` preset
// builds with clang and -Wthread-safety -Werror); with g++ the macros expand to
// nothing.
//
//   class Counter {
//    public:
//     void add() { kube::MutexLock l(mu_); ++n_; }
//    private:
//     kube::Mutex mu_;
//     int n_ KUBE_GUARDED_BY(mu_) = 0;
//   };
//
// Thread-safety: these are the primitives; each is safe to use from any thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define KUBE_TSA(x) __attribute__((x))
#else
#define KUBE_TSA(x)
#endif

#define KUBE_CAPABILITY(x) KUBE_TSA(capability(x))
#define KUBE_SCOPED_CAPABILITY KUBE_TSA(scoped_lockable)
#define KUBE_GUARDED_BY(x) KUBE_TSA(guarded_by(x))
#define KUBE_PT_GUARDED_BY(x) KUBE_TSA(pt_guarded_by(x))
#define KUBE_REQUIRES(...) KUBE_TSA(requires_capability(__VA_ARGS__))
#define KUBE_REQUIRES_SHARED(...) KUBE_TSA(requires_shared_capability(__VA_ARGS__))
#define KUBE_ACQUIRE(...) KUBE_TSA(acquire_capability(__VA_ARGS__))
#define KUBE_ACQUIRE_SHARED(...) KUBE_TSA(acquire_shared_capability(__VA_ARGS__))
#define KUBE_RELEASE(...) KUBE_TSA(release_capability(__VA_ARGS__))
#define KUBE_RELEASE_SHARED(...) KUBE_TSA(release_shared_capability(__VA_ARGS__))
#define KUBE_RELEASE_GENERIC(...) KUBE_TSA(release_generic_capability(__VA_ARGS__))
#define KUBE_EXCLUDES(...) KUBE_TSA(locks_excluded(__VA_ARGS__))
#define KUBE_NO_THREAD_SAFETY_ANALYSIS KUBE_TSA(no_thread_safety_analysis)

namespace kube {

// An exclusive mutex. Satisfies BasicLockable, so std::condition_variable_any
// can wait on it (see CondVar).
class KUBE_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() KUBE_ACQUIRE() { mu_.lock(); }
  void unlock() KUBE_RELEASE() { mu_.unlock(); }
  bool try_lock() KUBE_TSA(try_acquire_capability(true)) { return mu_.try_lock(); }

 private:
  std::mutex mu_;
};

// A reader/writer mutex: many readers or one writer.
class KUBE_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() KUBE_ACQUIRE() { mu_.lock(); }
  void unlock() KUBE_RELEASE() { mu_.unlock(); }
  void lock_shared() KUBE_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() KUBE_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds a Mutex (or the write side of a SharedMutex) for its scope.
template <class M>
class KUBE_SCOPED_CAPABILITY BasicLock {
 public:
  explicit BasicLock(M& mu) KUBE_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~BasicLock() KUBE_RELEASE() { mu_.unlock(); }
  BasicLock(const BasicLock&) = delete;
  BasicLock& operator=(const BasicLock&) = delete;

 private:
  M& mu_;
};
using MutexLock = BasicLock<Mutex>;
using WriterLock = BasicLock<SharedMutex>;

// Holds the read side of a SharedMutex for its scope.
class KUBE_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) KUBE_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ~ReaderLock() KUBE_RELEASE() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

// A condition variable that waits on a kube::Mutex the caller already holds.
// The analysis cannot see through the wait, so callers keep the lock held
// across it as far as the annotations are concerned (which is what happens).
class CondVar {
 public:
  void wait(Mutex& mu) KUBE_REQUIRES(mu) { cv_.wait(mu); }
  // The analysis cannot tie `mu` to the mutex a predicate lambda names, so
  // this overload is not analysed; annotate the lambda KUBE_REQUIRES(mu_) or
  // prefer an explicit `while (!cond) cv.wait(mu);` loop.
  template <class Pred>
  void wait(Mutex& mu, Pred pred) KUBE_NO_THREAD_SAFETY_ANALYSIS {
    while (!pred()) cv_.wait(mu);
  }
  // Returns false on timeout.
  template <class Clock, class Duration>
  bool wait_until(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      KUBE_REQUIRES(mu) {
    return cv_.wait_until(mu, deadline) == std::cv_status::no_timeout;
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable_any cv_;
};

}  // namespace kube
