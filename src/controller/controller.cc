// Controller: sources → rate-limited queue → workers → reconcile.
// The result handling follows controller-runtime's reconcileHandler
// (pkg/internal/controller/controller.go).
#include "kube/controller/controller.h"

#include <exception>

#include <pthread.h>

#include "kube/core/gvk.h"

namespace kube::controller {
namespace {

// Lets ControllerOptions hold a shared (copyable) limiter while the queue owns
// a unique one.
class SharedLimiter final : public workqueue::RateLimiter<std::string> {
 public:
  explicit SharedLimiter(std::shared_ptr<workqueue::RateLimiter<std::string>> inner)
      : inner_(std::move(inner)) {}
  Clock::Duration when(const std::string& item) override { return inner_->when(item); }
  void forget(const std::string& item) override { inner_->forget(item); }
  int num_requeues(const std::string& item) override { return inner_->num_requeues(item); }

 private:
  const std::shared_ptr<workqueue::RateLimiter<std::string>> inner_;  // thread-safe itself
};

std::unique_ptr<workqueue::RateLimiter<std::string>> make_limiter(const ControllerOptions& o) {
  if (o.rate_limiter) return std::make_unique<SharedLimiter>(o.rate_limiter);
  return workqueue::default_controller_rate_limiter<std::string>(o.clock);
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

double seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::optional<std::string> controller_owner_key(const Object& obj, const OwnerKind& owner) {
  for (const OwnerReference& ref : obj.owner_references()) {
    if (!ref.controller) continue;
    // Only one reference may be the controller; if it is another kind, there
    // is no owner of ours (handler.OnlyControllerOwner).
    if (ref.kind != owner.kind || GroupVersion::parse(ref.api_version).group != owner.group) {
      return std::nullopt;
    }
    return owner.namespaced ? make_key(obj.namespace_(), ref.name) : ref.name;
  }
  return std::nullopt;
}

Controller::Controller(ControllerOptions options, Reconciler reconcile)
    : options_(std::move(options)),
      reconcile_(std::move(reconcile)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock::instance()),
      queue_(make_limiter(options_), workqueue::QueueOptions{.clock = options_.clock}) {
  MutexLock l(metrics_mu_);
  metrics_.max_concurrent_reconciles = options_.workers;
}

Controller::~Controller() { stop(); }

void Controller::watch(const informers::ResourceInformer& primary) {
  add_source(primary, [](const Object& obj) { return std::vector<std::string>{object_key(obj)}; });
}

void Controller::watch_owned(const informers::ResourceInformer& owned, OwnerKind owner) {
  add_source(owned, [owner = std::move(owner)](const Object& obj) {
    std::vector<std::string> keys;
    if (auto key = controller_owner_key(obj, owner)) keys.push_back(std::move(*key));
    return keys;
  });
}

void Controller::watch_mapped(const informers::ResourceInformer& source, MapFunc map) {
  add_source(source, std::move(map));
}

void Controller::add_source(const informers::ResourceInformer& ri, MapFunc map) {
  // The handler runs on the informer's dispatch thread and only enqueues.
  auto enqueue_for = [this, map = std::move(map)](const ObjectPtr& obj) {
    if (!obj) return;
    for (const std::string& key : map(*obj)) enqueue(key);
  };
  auto h = std::make_shared<informers::ResourceEventHandlerFuncs>();
  h->add = [enqueue_for](const ObjectPtr& obj, bool) { enqueue_for(obj); };
  h->update = [enqueue_for](const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
    // Both: an owner reference may have moved (controller-runtime does the same).
    enqueue_for(old_obj);
    enqueue_for(new_obj);
  };
  h->del = [enqueue_for](const informers::DeletedObject& d) {
    enqueue_for(informers::deleted_object(d));
  };

  MutexLock l(mu_);
  if (stopped_) return;
  // Registered under mu_ so stop() cannot miss it; registering takes only the
  // informer's own lock.
  auto reg = ri.informer->add_event_handler(h);
  sources_.push_back(Source{ri.resource.gvr.to_string(), ri.informer, std::move(reg)});
}

Result<void> Controller::start() {
  std::vector<Source> sources;
  {
    MutexLock l(mu_);
    if (options_.name.empty()) return Error::invalid_argument("controller: options.name is empty");
    if (options_.workers < 1) {
      return Error::invalid_argument("controller \"" + options_.name +
                                     "\": workers must be at least 1");
    }
    if (started_)
      return Error::invalid_argument("controller \"" + options_.name + "\": already started");
    if (stopped_) return Error::invalid_argument("controller \"" + options_.name + "\": stopped");
    started_ = true;
    sources = sources_;
  }
  if (auto r = wait_for_sources(sources); !r) return r;
  MutexLock l(mu_);
  if (stopped_)
    return Error{0, "Canceled", "controller \"" + options_.name + "\": stopped while starting", {}};
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker(); });
  return {};
}

Result<void> Controller::wait_for_sources(const std::vector<Source>& sources) {
  const auto deadline = std::chrono::steady_clock::now() + options_.cache_sync_timeout;
  for (const Source& s : sources) {
    // Polled, as controller-runtime's WaitForCacheSync does; stop() cuts it short.
    MutexLock l(mu_);
    while (!s.registration->has_synced()) {
      if (stopped_)
        return Error{
            0, "Canceled", "controller \"" + options_.name + "\": stopped while starting", {}};
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        std::string msg = "controller \"" + options_.name + "\": timed out after " +
                          std::to_string(options_.cache_sync_timeout.count()) +
                          "ms waiting for the cache of " + s.resource + " to sync";
        if (auto e = s.informer->last_error()) msg += ": " + e->message;
        if (!s.informer->is_started()) msg += " (its informer was never started)";
        return Error{0, "Timeout", std::move(msg), {}};
      }
      stop_cv_.wait_until(mu_, std::min(deadline, now + std::chrono::milliseconds(10)));
    }
  }
  return {};
}

void Controller::stop() {
  std::vector<Source> sources;
  std::vector<std::thread> workers;
  {
    MutexLock l(mu_);
    if (stopped_) return;
    stopped_ = true;
    // Both set before stopped() can be seen true: from then on no key is
    // accepted, and (Drop) no worker starts another one.
    closed_ = true;
    if (options_.shutdown == ShutdownMode::Drop) dropping_ = true;
    sources.swap(sources_);
    workers.swap(workers_);
    stop_cv_.notify_all();
  }
  // No new events: removing a handler joins its dispatch thread.
  for (const Source& s : sources) (void)s.informer->remove_event_handler(s.registration);
  if (options_.shutdown == ShutdownMode::Drop) {
    queue_.shut_down();
  } else {
    queue_.shut_down_with_drain();
  }
  for (std::thread& t : workers) t.join();
}

bool Controller::stopped() const {
  MutexLock l(mu_);
  return stopped_;
}

void Controller::enqueue(const std::string& key) {
  if (!closed_) queue_.add(key);
}

void Controller::enqueue_after(const std::string& key, Clock::Duration delay) {
  if (!closed_) queue_.add_after(key, delay);
}

ControllerMetrics Controller::metrics() const {
  ControllerMetrics m;
  {
    MutexLock l(metrics_mu_);
    m = metrics_;
  }
  m.queue = queue_.metrics();
  return m;
}

void Controller::worker() {
  pthread_setname_np(pthread_self(), "kube-reconcile");
  // After shut_down the queue still hands out what it holds (that is the
  // drain); in Drop mode a worker gives its key back and leaves.
  while (std::optional<std::string> key = queue_.get()) {
    if (dropping_) {
      queue_.done(*key);
      return;
    }
    process(*key);
  }
}

void Controller::process(const std::string& key) {
  Result<ObjectKey> parsed = split_key(key);
  if (!parsed) {
    // A key that can never be reconciled: report it, never retry it
    // (controller-runtime forgets queue items that are not requests).
    queue_.forget(key);
    fail(key, Error::invalid_argument("controller \"" + options_.name + "\": invalid key \"" + key +
                                      "\": " + parsed.error().message));
    queue_.done(key);
    return;
  }
  {
    MutexLock l(metrics_mu_);
    ++metrics_.active_workers;
  }
  const auto start = clock_.now();
  ReconcileResult result = call_reconcile(*parsed, key);
  const double took = seconds(clock_.now() - start);
  {
    MutexLock l(metrics_mu_);
    --metrics_.active_workers;
    metrics_.reconcile_time.observe(took);
  }
  // A failure is counted before the key goes back to the queue, so a retry
  // never runs ahead of the count of the failure that caused it. A success is
  // counted after its key's backoff is forgotten, so whoever sees the count
  // also sees the reset.
  std::visit(Overloaded{
                 [&](const Done&) {
                   queue_.forget(key);
                   count(&ControllerMetrics::reconcile_success);
                 },
                 [&](const Requeue&) {
                   count(&ControllerMetrics::reconcile_requeue);
                   queue_.add_rate_limited(key);
                 },
                 [&](const RequeueAfter& r) {
                   count(&ControllerMetrics::reconcile_requeue_after);
                   queue_.forget(key);
                   queue_.add_after(key, r.after);
                 },
                 [&](const Error& e) {
                   fail(key, e);
                   queue_.add_rate_limited(key);
                 },
             },
             result);
  queue_.done(key);
}

void Controller::count(std::uint64_t ControllerMetrics::*counter) {
  MutexLock l(metrics_mu_);
  ++(metrics_.*counter);
}

void Controller::fail(const std::string& key, const Error& e) {
  count(&ControllerMetrics::reconcile_error);
  if (options_.on_error) options_.on_error(key, e);
}

ReconcileResult Controller::call_reconcile(const ObjectKey& object, const std::string& key) {
  std::string what;
  try {
    return reconcile_(object);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception that is not a std::exception";
  }
  count(&ControllerMetrics::reconcile_exceptions);
  return Error::internal("controller \"" + options_.name + "\": reconcile " + key +
                         " threw: " + what);
}

}  // namespace kube::controller
