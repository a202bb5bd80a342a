// kube/controller/controller.h — a reconcile loop: informers feed keys into a
// rate-limited work queue, N workers call one reconcile function per key
// (client-go's sample-controller pattern; controller-runtime's Controller).
//
// Where keys come from (each source is an event handler on a shared informer):
//   watch(primary)                  every add/update/delete of a primary object
//                                   enqueues its "namespace/name"
//                                   (controller-runtime's For / EnqueueRequestForObject);
//   watch_owned(owned, owner_kind)  an event on an owned object enqueues the key
//                                   of its controller owner: the ownerReference
//                                   with controller=true whose group and kind
//                                   match (EnqueueRequestForOwner + OnlyControllerOwner);
//                                   on an update, the owners of the old and new object;
//   watch_mapped(informer, map)     any other mapping (EnqueueRequestsFromMapFunc);
//   enqueue(key)                    by hand.
//
// What reconcile returns decides what happens to its key next:
//   Done{}             success: the key's failure count is forgotten;
//   Requeue{}          added again after the rate limiter's delay for it;
//   RequeueAfter{d}    failure count forgotten, added again after d;
//   a kube::Error      added again after the rate limiter's delay (client-go's
//                      default: 5 ms doubling per failure of that key, up to
//                      1000 s, and 10 qps overall), counted as an error.
// A reconcile that throws is caught on its worker, counted, and treated as an
// Error: exceptions never leave a worker thread.
//
//   using namespace kube::controller;
//   kube::informers::SharedInformerFactory factory(client);
//   auto cms = factory.configmaps();
//   Controller c({.name = "configmap-secrets", .workers = 2},
//       [&](const kube::ObjectKey& key) -> ReconcileResult {
//         auto cm = cms.lister().namespace_(key.namespace_).get(key.name);
//         if (!cm) return cm.error().is_not_found() ? ReconcileResult(Done{}) : cm.error();
//         // ... make the world match *cm ...
//         return Done{};
//       });
//   c.watch(cms);
//   c.watch_owned(factory.secrets(), {.group = "", .kind = "ConfigMap"});
//   factory.start();
//   if (auto r = c.start(); !r) std::cerr << r.error().message << "\n";  // a cache did not sync
//   ...
//   c.stop();   // stop taking events, drain (default) or drop the queue, join the workers
//
// Promises:
// - A key is never reconciled by two workers at once; a key added while it is
//   being reconciled is reconciled again afterwards (the work queue's rule).
// - start() returns only once every watched informer has synced and each of
//   the controller's handlers has enqueued the initial list, so the first
//   reconciles see a full cache. It does not start informers (start them with
//   their factory, before or after the controller).
// - stop() returns only after every worker has returned; after it, reconcile
//   is never called again. With ShutdownMode::Drain the keys already queued
//   are reconciled first; with Drop only the reconciles running finish. Keys
//   waiting for a delayed retry are dropped in both modes.
//
// Threads: the workers ("kube-reconcile", `workers` of them) are started by
// start() and joined by stop(); the queue's "kube-delayq" thread lives as long
// as the Controller; the informers call this controller's handlers on their own
// "kube-handler" threads, removed (and joined) by stop().
//
// Thread-safety: every member may be called from any thread, except stop()
// and the destructor from inside reconcile (they wait for the workers).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "kube/core/clock.h"
#include "kube/core/key.h"
#include "kube/core/mutex.h"
#include "kube/core/result.h"
#include "kube/informers/factory.h"
#include "kube/workqueue/metrics.h"
#include "kube/workqueue/rate_limiting_queue.h"

namespace kube::controller {

// Reconcile outcomes (controller-runtime's reconcile.Result and error).
struct Done {};
struct Requeue {};
struct RequeueAfter {
  Clock::Duration after{};
};
using ReconcileResult = std::variant<Done, Requeue, RequeueAfter, Error>;

// Called with the key of one object; may run on several workers at once (for
// different keys). The object may no longer exist: read it from a lister.
using Reconciler = std::function<ReconcileResult(const ObjectKey&)>;

// Maps an object to the keys to reconcile ("namespace/name" or "name").
using MapFunc = std::function<std::vector<std::string>(const Object&)>;

// The owner type watch_owned() looks for in ownerReferences. Matching is by
// API group and kind; the version is ignored, as controller-runtime does.
struct OwnerKind {
  std::string group = {};  // "" for the core group, "apps", ...
  std::string kind = {};   // "Deployment"
  bool namespaced = true;  // false: a cluster-scoped owner (its key is just its name)
};

// The key of `obj`'s controller owner of that kind (the ownerReference with
// controller=true), or nullopt when it has none.
std::optional<std::string> controller_owner_key(const Object& obj, const OwnerKind& owner);

enum class ShutdownMode {
  Drain,  // stop() reconciles the keys already queued before returning
  Drop,   // stop() lets running reconciles finish and drops the rest
};

struct ControllerOptions {
  std::string name = {};  // required: names the controller in errors and metrics
  int workers = 1;  // reconciles running at once (controller-runtime's MaxConcurrentReconciles)
  // nullptr: client-go's default controller rate limiter.
  std::shared_ptr<workqueue::RateLimiter<std::string>> rate_limiter = nullptr;
  ShutdownMode shutdown = ShutdownMode::Drain;
  // How long start() waits for the watched caches (controller-runtime's CacheSyncTimeout).
  std::chrono::milliseconds cache_sync_timeout{std::chrono::minutes(2)};
  // Told about every failed reconcile (an Error result, an exception, an
  // invalid key) on the worker thread; must not block. Optional.
  std::function<void(const std::string& key, const Error&)> on_error = nullptr;
  Clock* clock = nullptr;  // nullptr: RealClock (for the queue, the limiter and timings)
};

// What a controller reports. Names follow controller-runtime's metrics
// (controller_runtime_reconcile_total{result=...}, ..._reconcile_errors_total,
// ..._reconcile_panics_total, ..._reconcile_time_seconds,
// ..._max_concurrent_reconciles, ..._active_workers) plus the queue's own.
struct ControllerMetrics {
  std::uint64_t reconcile_success = 0;
  std::uint64_t reconcile_requeue = 0;
  std::uint64_t reconcile_requeue_after = 0;
  std::uint64_t reconcile_error = 0;       // Error results, exceptions and invalid keys
  std::uint64_t reconcile_exceptions = 0;  // reconciles that threw (also in reconcile_error)
  workqueue::Histogram reconcile_time;     // seconds per reconcile call
  int max_concurrent_reconciles = 0;
  int active_workers = 0;         // reconciles running now
  workqueue::QueueMetrics queue;  // workqueue_* (adds, depth, retries, latencies)

  std::uint64_t reconcile_total() const {
    return reconcile_success + reconcile_requeue + reconcile_requeue_after + reconcile_error;
  }
};

// The Prometheus text exposition of `m`, labelled controller="<name>" (and the
// queue's workqueue_* lines labelled name="<name>").
std::string prometheus_text(std::string_view name, const ControllerMetrics& m);
// The same, written into a metrics::Writer (every Controller registers itself
// with kube::metrics::Registry::global() this way).
void write_metrics(metrics::Writer& w, std::string_view name, const ControllerMetrics& m);

class Controller {
 public:
  Controller(ControllerOptions options, Reconciler reconcile);
  ~Controller();  // stop()s
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Sources. Call before start() (a source added later is not waited for);
  // ignored after stop().
  void watch(const informers::ResourceInformer& primary);
  void watch_owned(const informers::ResourceInformer& owned, OwnerKind owner);
  void watch_mapped(const informers::ResourceInformer& source, MapFunc map);

  // Waits for every watched cache to sync (at most cache_sync_timeout), then
  // starts the workers. Fails, naming the resource, when a cache did not sync
  // in time; fails when called twice, after stop(), or with no name or workers.
  Result<void> start();
  // Stops taking events, drains or drops the queue (ShutdownMode), joins the
  // workers. Idempotent.
  void stop();

  // Adds a key ("namespace/name" or "name") to the queue.
  void enqueue(const std::string& key);
  // Adds a key after `delay`.
  void enqueue_after(const std::string& key, Clock::Duration delay);

  // True once stop() has been called (it may still be draining).
  bool stopped() const;
  const std::string& name() const { return options_.name; }
  ControllerMetrics metrics() const;

 private:
  struct Source {
    std::string resource;  // for errors: "/v1, Resource=configmaps"
    std::shared_ptr<informers::SharedIndexInformer> informer;
    std::shared_ptr<informers::HandlerRegistration> registration;
  };
  void add_source(const informers::ResourceInformer& ri, MapFunc map);
  Result<void> wait_for_sources(const std::vector<Source>& sources);
  void worker();
  void process(const std::string& key);
  ReconcileResult call_reconcile(const ObjectKey& object, const std::string& key);
  void count(std::uint64_t ControllerMetrics::*counter);
  void fail(const std::string& key, const Error& e);

  const ControllerOptions options_;
  const Reconciler reconcile_;
  Clock& clock_;
  workqueue::RateLimitingQueue<std::string> queue_;  // thread-safe itself
  std::atomic<bool> closed_{false};    // set by stop(): enqueue() and the sources add nothing more
  std::atomic<bool> dropping_{false};  // set by stop() in Drop mode: workers take no more keys

  // Guards the lifecycle (sources, workers, started/stopped) and wakes a
  // start() waiting for caches when stop() is called.
  mutable Mutex mu_;
  CondVar stop_cv_;  // signalled by stop()
  std::vector<Source> sources_ KUBE_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ KUBE_GUARDED_BY(mu_);  // started by start(), joined by stop()
  bool started_ KUBE_GUARDED_BY(mu_) = false;
  bool stopped_ KUBE_GUARDED_BY(mu_) = false;

  mutable Mutex metrics_mu_;  // guards metrics_ (the queue part is filled in by metrics())
  ControllerMetrics metrics_ KUBE_GUARDED_BY(metrics_mu_);

  // Reports metrics() to kube::metrics::Registry::global(). Declared last:
  // unregistered first, before the state it reads.
  metrics::Registration metrics_registration_ = metrics::Registry::global().add(
      [this](metrics::Writer& w) { write_metrics(w, options_.name, metrics()); });
};

}  // namespace kube::controller
