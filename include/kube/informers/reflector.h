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
// "List" is one of two things (ReflectorOptions::list_mode):
//
//  - a paged list: GET ?limit=500, then each continue token; Replace the FIFO.
//  - a streaming list (KEP-3157 "WatchList"): one watch with
//    sendInitialEvents=true, resourceVersionMatch=NotOlderThan,
//    allowWatchBookmarks=true. The server sends every object as an ADDED
//    event, then a BOOKMARK annotated "k8s.io/initial-events-end": "true". The
//    ADDED objects are collected in a staging map (not the FIFO, bar the
//    early updates below); at that bookmark the FIFO is Replaced with them at
//    the bookmark's resourceVersion, and the SAME stream goes on as the Watch
//    state. The server never holds a whole list in memory, which is the point.
//
//   Stream ──ADDED──▶ stage ──initial-events-end──▶ Replace ─▶ Watch (same stream)
//     │ 410 ─────────▶ Stream again at once from "" (consistent), then backoff
//     │ 429/5xx/cut ──▶ Backoff, then Stream again
//     └ not supported ─▶ kAuto: remember the server, paged List at once
//                        kStreaming: an error, Backoff, then Stream again
//
// "Not supported" is any of: the watch is refused with 422 Invalid (a
// kube-apiserver with the WatchList feature gate off rejects the
// ListOptions: "sendInitialEvents: Forbidden"; client-go 1.28 falls back on
// exactly IsInvalid); the stream ends, or nothing arrives for
// `streaming_list_idle_timeout`, or the phase lasts `streaming_list_timeout`,
// without the initial-events-end bookmark (kube-apiserver v1.28 answers
// sendInitialEvents=true without a resourceVersion with the ADDED events and
// no bookmark); a MODIFIED/DELETED event or a plain BOOKMARK before it (the
// server ignores the parameter and is already watching: kube-apiserver sends
// only ADDED events, and no other bookmark, before initial-events-end).
// Of a failed streaming attempt, only objects that changed since the cache's
// copy may have reached the FIFO (see ReflectorOptions::known_objects): newer
// versions, no older than the cache, so the paged list that follows loses
// nothing and gains nothing stale.
//
// In both kinds of list, during a relist, an object that changed since the cache's copy is
// queued as an update as soon as it arrives (ReflectorOptions::known_objects),
// so that the cache never holds the old and the new version of every object at
// once; the Replace that ends the list then finds it unchanged.
//
// With ListMode::kAuto (the default) a reflector streams when its
// ListerWatcher names a server (ListerWatcher::streaming_list_server) that
// has not refused streaming before; a refusal is remembered in a
// StreamingListSupport registry (process-wide unless the options give one),
// so the next reflector for that server lists page by page from the start.
//
// The resourceVersion of each list follows client-go exactly
// (reflector.go relistResourceVersion): the first list asks for "0" (any
// version: the server may answer from its cache); later lists ask for the
// last synced resourceVersion (not older than what we have); only after the
// server answered a list with 410 Expired/Gone (or "too large resource
// version") is the next list a consistent read (""). Lists are paged
// (`page_size`, default 500) with continue tokens. A streaming list asks, as
// client-go's watchList() does (reflector.go rewatchResourceVersion), for the
// last synced resourceVersion, and "" (a consistent read) after a 410; unlike
// client-go, the very first one asks for "0", like the first paged list,
// because kube-apiserver v1.28 never ends the initial events of a stream
// asked without a resourceVersion (shared/fixtures/watch).
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
//   // never stream: {.name = "pods", .list_mode = kube::informers::ListMode::kPaged}
//   r.start();
//   ...
//   r.stop();   // prompt: cancels the list or watch in progress, joins
//
// Thread-safety: start/stop and the accessors may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <string>
#include <thread>

#include "kube/cache/delta_fifo.h"
#include "kube/cache/store.h"
#include "kube/core/clock.h"
#include "kube/core/log.h"
#include "kube/core/mutex.h"
#include "kube/informers/list_watch.h"

namespace kube::informers {

// How the reflector lists (the initial list and every relist).
enum class ListMode {
  // Stream when the ListerWatcher names a server that has not refused it
  // before, else page; a refusal switches to paged lists at once and is
  // remembered for that server. The default: a streaming list costs the server
  // far less memory at its peak, and a server that cannot stream costs one
  // refused request (422) or one bounded wait, once per process.
  kAuto,
  kPaged,      // always paged lists (client-go's default)
  kStreaming,  // always streaming lists; a refusal is an error, retried with backoff
};

// Which servers refused streaming lists (ListMode::kAuto consults and fills
// it), keyed by ListerWatcher::streaming_list_server(). The memory lasts as
// long as the registry: process_wide() for the life of the process.
// Thread-safe.
class StreamingListSupport {
 public:
  static StreamingListSupport& process_wide();
  bool refused(const std::string& server) const;
  void set_refused(const std::string& server);
  // Try streaming again (say, after the server was upgraded).
  void forget(const std::string& server);

 private:
  mutable Mutex mu_;  // guards refused_
  std::set<std::string> refused_ KUBE_GUARDED_BY(mu_);
};

// Applied to every object before it enters the FIFO (the usual use: drop
// managedFields). Returning nullptr drops the object.
using TransformFunc = std::function<ObjectPtr(ObjectPtr)>;

struct ReflectorOptions {
  std::string name = "reflector";  // names the resource in errors and logs
  // Label/field selectors applied to every list and watch.
  std::string label_selector;
  std::string field_selector;
  std::int64_t page_size = 500;
  ListMode list_mode = ListMode::kAuto;
  // A streaming list whose initial events stop for this long without the
  // initial-events-end bookmark is taken as unsupported. kube-apiserver sends
  // the initial events back to back and the bookmark within about a second of
  // the last one, so 10 s of silence means no bookmark is coming (the
  // captured v1.28 stream is exactly that: events, then nothing), while a
  // large list that is still arriving never trips it. 0: no idle bound.
  std::chrono::milliseconds streaming_list_idle_timeout{10000};
  // Bounds the whole initial phase even while objects keep arriving (a
  // server that ignores the parameter on a busy resource). client-go's
  // minimum watch timeout; the server ends the stream by then anyway.
  std::chrono::milliseconds streaming_list_timeout{300000};
  // Where kAuto remembers refusals; nullptr: StreamingListSupport::process_wide().
  StreamingListSupport* streaming_list_support = nullptr;
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
  // Build every listed and watched object without metadata.managedFields
  // (ParseOptions::strip_managed_fields): cut as the bytes are decoded, before
  // the transform, so the full object is never held.
  bool strip_managed_fields = false;
  // Called on every list or watch failure (client-go's WatchErrorHandler),
  // a streaming list found unsupported included (before the paged list).
  std::function<void(const Error&)> watch_error_handler;
  // The objects already cached (normally the informer's store). When set, a
  // relisted object whose key and resourceVersion match the cached one is
  // replaced by the cached pointer as the page (or streamed event) arrives,
  // so a relist holds one copy of unchanged objects, not two; one whose
  // resourceVersion differs is queued at once as an Updated delta (then also
  // Replaced, unchanged by then), so the cache frees its old copy during the
  // relist rather than after it.
  const cache::KeyListerGetter* known_objects = nullptr;
  Clock* clock = nullptr;             // nullptr: RealClock
  std::optional<std::uint64_t> seed;  // jitter seed, for repeatable tests
};

// Counters, for tests, metrics and benchmarks.
struct ReflectorStats {
  std::uint64_t lists = 0;          // completed lists (all pages), streaming ones included
  std::uint64_t list_requests = 0;  // pages requested
  // Objects received in list pages, counted as each page arrives (so a
  // progress report moves during a long paged list, not only at its end).
  std::uint64_t list_items = 0;
  std::uint64_t watches = 0;        // watches opened (a streaming list's stream included)
  std::uint64_t events = 0;         // ADDED/MODIFIED/DELETED received
  std::uint64_t bookmarks = 0;
  std::uint64_t expired = 0;        // 410 answers (list or watch)
  std::uint64_t errors = 0;         // failures of any kind
  std::uint64_t streaming_list_requests = 0;   // streaming lists attempted
  std::uint64_t streaming_lists = 0;           // completed (initial-events-end seen)
  std::uint64_t streaming_list_fallbacks = 0;  // kAuto: switched to paged lists
  // How the current (or next) list is done: kPaged or kStreaming (kAuto
  // only before the first list has started).
  ListMode list_mode = ListMode::kAuto;
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
  bool use_streaming();
  // A listed object as it enters the FIFO: the cached pointer when unchanged,
  // else transformed (nullptr: dropped).
  ObjectPtr prepare_listed(ObjectPtr obj, const std::string& key);
  // What every list and watch request carries: the selectors and how objects
  // are built.
  ListOptions request_options() const;
  Next list();
  Next stream_list();
  Next streaming_failed(const Error& e);
  Next streaming_unsupported(Error why);
  Next watch();
  // Sleeps for the current backoff (growing it), or until stop. False on stop.
  bool backoff();
  void reset_backoff();
  void record_error(const Error& e);
  void clear_error();
  std::string relist_resource_version() const;
  bool apply_event(const WatchEvent& ev);
  void maybe_resync();
  // Makes `w` the watch stop() closes (stopping it at once when stop() already
  // ran) until the returned registration goes out of scope.
  struct WatchRegistration {
    Reflector* r;
    ~WatchRegistration();
  };
  [[nodiscard]] WatchRegistration register_watch(Watch& w);
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
  // A streaming list's stream, handed to the next watch() to read on, and
  // when that watch must end at the latest (its timeoutSeconds + 30 s).
  std::unique_ptr<Watch> continued_watch_;
  std::chrono::steady_clock::time_point continued_deadline_{};
  // List/watch failures are logged through here: the first, then at most one
  // per 30 s with the count of those suppressed (kube/core/log.h).
  log::RateLimited error_log_{std::chrono::seconds(30), clock_};

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
