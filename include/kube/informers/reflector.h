// kube/informers/reflector.h — keeps a DeltaFifo in step with the server:
// list, then watch, for ever (client-go's tools/cache Reflector).
//
// The reflector's thread ("kube-reflector") runs this state machine:
//
//   List ──ok──▶ Watch ──event──▶ Watch          (each event → the FIFO;
//    ▲  │          │                               bookmarks only move the RV)
//    │  err        ├─ stream ended / cut / idle ─▶ Watch again from the last RV
//    │  ▼          │                               at once (no relist)
//    │ Backoff ◀───┤─ watch open failed ───────── ▶ Backoff, then Watch again
//    │             └─ 410 Gone / Expired ────────▶ List (no backoff the first time)
//    └──────────────────────────────────────────
//
// The resourceVersion of each list follows client-go exactly
// (reflector.go relistResourceVersion): the first list asks for "0" (any
// version: the server may answer from its cache); later lists ask for the
// last synced resourceVersion (not older than what we have); only after the
// server answered a list with 410 Expired/Gone (or "too large resource
// version") is the next list a consistent read (""). Lists are paged
// (`page_size`, default 500) with continue tokens.
//
// One difference from client-go, on purpose: when a watch stream breaks
// (connection cut, server closed it, decode error, nothing received for
// `watch_idle_timeout`), client-go returns from ListAndWatch and relists;
// kinformer re-opens the watch from the last resourceVersion it saw (events or
// bookmarks), and relists only if the server answers 410. A dropped
// connection therefore costs no list at all.
//
// Watch timeouts are randomised in [min_watch_timeout, 2*min_watch_timeout)
// (client-go: 5-10 min) so a fleet does not re-watch in step; the client also
// gives up on a watch 30 s after its timeoutSeconds should have ended it, so a
// silently dead connection cannot hang the reflector.
//
//   kube::cache::DeltaFifo fifo({.known_objects = &store});
//   kube::informers::Reflector r(lw, fifo, {.name = "pods"});
//   r.start();
//   ...
//   r.stop();   // prompt: cancels the list or watch in progress, joins
//
// Thread-safety: start/stop and the accessors may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <thread>

#include "kube/cache/delta_fifo.h"
#include "kube/cache/store.h"
#include "kube/core/clock.h"
#include "kube/core/mutex.h"
#include "kube/informers/list_watch.h"

namespace kube::informers {

// Applied to every object before it enters the FIFO (the usual use: drop
// managedFields). Returning nullptr drops the object.
using TransformFunc = std::function<ObjectPtr(ObjectPtr)>;

struct ReflectorOptions {
  std::string name = "reflector";  // names the resource in errors and logs
  // Label/field selectors applied to every list and watch.
  std::string label_selector;
  std::string field_selector;
  std::int64_t page_size = 500;
  std::chrono::seconds min_watch_timeout = std::chrono::minutes(5);
  // A watch that delivers nothing (no event, no bookmark) for this long is
  // considered dead and re-opened. Zero: only the timeout guard above.
  std::chrono::milliseconds watch_idle_timeout{0};
  std::chrono::milliseconds backoff_initial{800};  // client-go: 800 ms
  std::chrono::milliseconds backoff_max{30000};    // client-go: 30 s
  // Queue Sync deltas for every known object this often (0: never). The
  // informer usually drives resync itself (see should_resync).
  std::chrono::milliseconds resync_period{0};
  // Asked before each periodic resync; false skips it (client-go's
  // ShouldResync). Null: always resync.
  std::function<bool()> should_resync;
  TransformFunc transform;
  // Called on every list or watch failure (client-go's WatchErrorHandler).
  std::function<void(const Error&)> watch_error_handler;
  // The objects already cached (normally the informer's store). When set, a
  // relisted object whose key and resourceVersion match the cached one is
  // replaced by the cached pointer as the page arrives, so a relist holds one
  // copy of unchanged objects, not two.
  const cache::KeyListerGetter* known_objects = nullptr;
  Clock* clock = nullptr;             // nullptr: RealClock
  std::optional<std::uint64_t> seed;  // jitter seed, for repeatable tests
};

// Counters, for tests, metrics and benchmarks.
struct ReflectorStats {
  std::uint64_t lists = 0;          // completed lists (all pages)
  std::uint64_t list_requests = 0;  // pages requested
  // Objects received in list pages, counted as each page arrives (so a
  // progress report moves during a long paged list, not only at its end).
  std::uint64_t list_items = 0;
  std::uint64_t watches = 0;        // watches opened
  std::uint64_t events = 0;         // ADDED/MODIFIED/DELETED received
  std::uint64_t bookmarks = 0;
  std::uint64_t expired = 0;        // 410 answers (list or watch)
  std::uint64_t errors = 0;         // failures of any kind
};

class Reflector {
 public:
  Reflector(ListerWatcher& lw, cache::DeltaFifo& fifo, ReflectorOptions options = {});
  ~Reflector();
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Starts the thread. Calling it twice has no effect.
  void start();
  // Cancels the request in progress and joins the thread. Idempotent.
  void stop();

  // The resourceVersion of the last list or event applied to the FIFO.
  std::string last_sync_resource_version() const;
  // The last list/watch failure, cleared by the next successful list or
  // watch event.
  std::optional<Error> last_error() const;
  // True once the first list has been handed to the FIFO.
  bool has_listed() const;
  ReflectorStats stats() const;

 private:
  enum class Next { kList, kWatch, kBackoffThenList, kBackoffThenWatch, kStop };

  void run();
  Next list();
  Next watch();
  // Sleeps for the current backoff (growing it), or until stop. False on stop.
  bool backoff();
  void reset_backoff();
  void record_error(const Error& e);
  void clear_error();
  std::string relist_resource_version() const;
  bool apply_event(const WatchEvent& ev);
  void maybe_resync();
  bool stopping() const { return stop_source_.stop_requested(); }
  std::chrono::seconds random_watch_timeout();

  ListerWatcher& lw_;
  cache::DeltaFifo& fifo_;
  const ReflectorOptions options_;
  Clock& clock_;
  std::stop_source stop_source_;

  // Owned by the reflector thread only (no lock): the state machine's memory.
  std::mt19937_64 rng_;
  std::chrono::milliseconds current_backoff_{0};
  bool last_sync_unavailable_ = false;  // a 410 on list: next list is consistent ("")
  Clock::TimePoint next_resync_{};

  mutable Mutex mu_;  // guards everything below
  CondVar wake_;      // backoff sleeps here; stop() signals it
  std::string last_sync_rv_ KUBE_GUARDED_BY(mu_);
  std::optional<Error> last_error_ KUBE_GUARDED_BY(mu_);
  bool has_listed_ KUBE_GUARDED_BY(mu_) = false;
  ReflectorStats stats_ KUBE_GUARDED_BY(mu_);
  Watch* current_watch_ KUBE_GUARDED_BY(mu_) = nullptr;  // so stop() can close it
  bool started_ KUBE_GUARDED_BY(mu_) = false;

  std::thread thread_;  // started by start(), joined by stop()
};

}  // namespace kube::informers
