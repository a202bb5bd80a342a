// kube/informers/shared_informer.h — one list+watch of a resource, one
// indexed cache, any number of event handlers (client-go's
// SharedIndexInformer).
//
// Threads (all started by start(), all joined by stop()):
//   "kube-reflector"  list + watch → the DeltaFifo            (Reflector)
//   "kube-informer"   pops the FIFO → updates the indexer → queues a
//                     notification for every handler
//   "kube-handler"    one per handler: calls that handler, in order, from
//                     its own buffer — a slow handler delays only itself; its
//                     backlog and latency are observable on its registration.
//
//   kube::informers::SharedIndexInformer pods(lw, {.reflector = {.name = "pods"}});
//   auto reg = pods.add_event_handler(handler);
//   // A level-triggered handler that only needs each object's latest state:
//   auto slow = pods.add_event_handler(reconciler, {.coalesce = true});
//   pods.start();
//   if (!pods.wait_for_cache_sync(std::chrono::seconds(30))) {
//     std::cerr << pods.last_error()->message;      // why it has not synced
//   }
//   kube::ObjectPtr p = pods.indexer().get_by_key("demo/web");
//   pods.stop();
//
// Promises:
// - Every handler sees, per object, a consistent sequence: add before any
//   update, nothing after a delete until a new add; a delete that happened
//   while the watch was down arrives as a DeletedFinalStateUnknown tombstone.
// - A handler added after start first receives the current content of the
//   cache as adds (is_in_initial_list = true), then live notifications, with
//   nothing missed or doubled in between.
// - A registration's has_synced() is true once the informer has synced and
//   that handler has processed every notification of the initial state.
// - A relist that finds an object unchanged (same resourceVersion) notifies
//   only the handlers due for a resync (client-go's Replaced-as-Sync rule);
//   periodic resyncs deliver on_update(obj, obj) to handlers whose resync
//   period has passed.
// - stop() is prompt: it cancels the request in flight, drops undelivered
//   notifications, and joins every thread the informer started.
// - Slow handlers: by default a handler's buffer keeps every notification
//   and grows without bound while the handler is slow. With
//   HandlerOptions::coalesce it holds at most one entry per object — the net
//   change since what the handler last saw (an update after an add stays an
//   add; an update then a delete is the delete; an add then a delete is
//   nothing; a delete then an add is both) — so a stalled handler costs
//   memory per object, not per event; it then sees fewer, later states, in
//   the same consistent per-object sequence. When a backlog passes
//   HandlerOptions::backlog_warning a warning is logged (kube/core/log.h,
//   rate-limited, with informer, backlog, threshold); a handler that throws
//   is logged the same way and counted.
//
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "kube/cache/delta_fifo.h"
#include "kube/cache/index.h"
#include "kube/cache/store.h"
#include "kube/core/clock.h"
#include "kube/core/histogram.h"
#include "kube/core/metrics.h"
#include "kube/core/mutex.h"
#include "kube/informers/event_handler.h"
#include "kube/informers/list_watch.h"
#include "kube/informers/reflector.h"

namespace kube::informers {

class Listener;  // one handler's buffer and dispatch thread (src/informers)

struct SharedInformerOptions {
  // List/watch behaviour: selectors, page size, transform, backoff, ...
  // (`known_objects` and `should_resync` are set by the informer.)
  ReflectorOptions reflector;
  cache::Indexers indexers;
  // Default resync period of handlers that do not ask for one (0: never),
  // and how often resyncs are checked.
  std::chrono::milliseconds resync_period{0};
};

// Per-handler options for add_event_handler.
struct HandlerOptions {
  // Resync period of this handler (default: the informer's resync_period;
  // raised to the informer's period if lower).
  std::optional<std::chrono::milliseconds> resync = std::nullopt;
  // Coalescing mode (see the promises above): for level-triggered handlers
  // that need each object's latest state, not every intermediate one.
  bool coalesce = false;
  // A warning is logged while the backlog is above this (0: never), at most
  // once per `log_interval`; so are exceptions thrown by the handler. The
  // backlog warning is written from the thread that queues notifications
  // (while the informer distributes): a log sink must not call back into
  // this informer.
  std::size_t backlog_warning = 10'000;
  std::chrono::milliseconds log_interval = std::chrono::seconds(30);
  // Time for latencies and log rate limits; nullptr: RealClock. Must
  // outlive the informer.
  Clock* clock = nullptr;
};

// Returned by add_event_handler: the handler's own sync state and backlog.
class HandlerRegistration {
 public:
  virtual ~HandlerRegistration() = default;
  // True once the informer synced and this handler processed the initial state.
  virtual bool has_synced() const = 0;
  // Notifications queued for this handler and not yet delivered; with
  // coalescing, the number of objects with a pending change.
  virtual std::size_t backlog() const = 0;
  // The largest backlog seen so far.
  virtual std::size_t backlog_high_water() const = 0;
  // Notifications delivered, and how many of them threw.
  virtual std::uint64_t delivered() const = 0;
  virtual std::uint64_t handler_exceptions() const = 0;
  // Snapshots, one observation per delivered notification (count ==
  // delivered()): `latency` from the moment the notification was queued (for
  // a coalesced one, its entry's first arrival) until the handler returned;
  // `handler_time` the handler's own run time.
  virtual LatencyHistogram latency() const = 0;
  virtual LatencyHistogram handler_time() const = 0;
};

class SharedIndexInformer {
 public:
  SharedIndexInformer(std::shared_ptr<ListerWatcher> lw, SharedInformerOptions options = {});
  ~SharedIndexInformer();
  SharedIndexInformer(const SharedIndexInformer&) = delete;
  SharedIndexInformer& operator=(const SharedIndexInformer&) = delete;

  // Adds a handler; see the promises above. Allowed at any time, before or
  // after start, during a relist.
  std::shared_ptr<HandlerRegistration> add_event_handler(
      std::shared_ptr<ResourceEventHandler> handler, HandlerOptions options);
  // Same, with only a resync period (`add_event_handler(h, 5min)`).
  std::shared_ptr<HandlerRegistration> add_event_handler(
      std::shared_ptr<ResourceEventHandler> handler,
      std::optional<std::chrono::milliseconds> resync = std::nullopt);
  // Stops delivering to that handler and joins its thread. Fails if the
  // registration is not one of this informer's.
  Result<void> remove_event_handler(const std::shared_ptr<HandlerRegistration>& registration);

  // Adds indexes; allowed before and after start (existing objects are filed).
  Result<void> add_indexers(cache::Indexers indexers);

  void start();
  void stop();
  bool is_started() const;

  // True once the initial list has been fully processed into the cache.
  bool has_synced() const;
  // Blocks until has_synced() or the timeout; returns has_synced().
  bool wait_for_cache_sync(std::chrono::milliseconds timeout) const;
  // The reflector's last list/watch failure (none once it recovers).
  std::optional<Error> last_error() const;
  std::string last_sync_resource_version() const;
  ReflectorStats reflector_stats() const;
  // Keys whose deltas the reflector has queued and the informer has not yet
  // finished applying to the cache (and handing to the handlers' buffers): 0
  // once the cache holds all it received, e.g. after a relist's Replace.
  std::size_t pending_deltas() const;

  // The cache. Reads are served locally; never write to it.
  const cache::Indexer& indexer() const { return store_; }

 private:
  class Registration;
  void process_loop();
  Result<void> process_deltas(const cache::Deltas& deltas, bool is_in_initial_list);
  bool should_resync();

  const std::shared_ptr<ListerWatcher> lw_;
  const SharedInformerOptions options_;
  cache::ThreadSafeStore store_;                // thread-safe itself
  std::shared_ptr<cache::DeltaFifo> fifo_;      // thread-safe itself; shared with registrations
  Reflector reflector_;                         // thread-safe itself

  // Held while one popped key's deltas are applied to the store and
  // distributed, and while a new handler takes its snapshot of the store: so a
  // new handler sees every object exactly once (client-go's blockDeltas).
  // Also guards the handler list and the started/stopped flags.
  mutable Mutex mu_;
  std::vector<std::shared_ptr<Registration>> registrations_ KUBE_GUARDED_BY(mu_);
  bool started_ KUBE_GUARDED_BY(mu_) = false;
  bool stopped_ KUBE_GUARDED_BY(mu_) = false;
  // Handlers due for a resync in the current round (chosen by should_resync).
  std::vector<std::shared_ptr<Registration>> syncing_ KUBE_GUARDED_BY(mu_);

  std::thread process_thread_;  // started by start(), joined by stop()

  // Reports to kube::metrics::Registry::global() (src/informers/informer_metrics.cc).
  // Declared last: unregistered first, before the state it reads.
  void write_metrics(metrics::Writer& w) const;
  std::vector<std::shared_ptr<const HandlerRegistration>> handler_registrations() const;
  metrics::Registration metrics_registration_ =
      metrics::Registry::global().add([this](metrics::Writer& w) { write_metrics(w); });
};

}  // namespace kube::informers
