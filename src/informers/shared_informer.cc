#include "kube/informers/shared_informer.h"

#include <pthread.h>

#include <exception>
#include <variant>

#include "handler_buffer.h"
#include "kube/core/log.h"

namespace kube::informers {

using detail::AddNote;
using detail::DeleteNote;
using detail::Notification;
using detail::UpdateNote;

// One handler: its buffer (FIFO or coalescing, src/informers/handler_buffer.h)
// and its dispatch thread.
class SharedIndexInformer::Registration final : public HandlerRegistration {
 public:
  Registration(std::shared_ptr<ResourceEventHandler> handler, std::chrono::milliseconds resync,
               const HandlerOptions& options, std::string informer,
               std::shared_ptr<const cache::DeltaFifo> fifo)
      : handler_(std::move(handler)),
        resync_(resync),
        backlog_warning_(options.backlog_warning),
        coalesce_(options.coalesce),
        informer_(std::move(informer)),
        fifo_(std::move(fifo)),
        clock_(options.clock != nullptr ? *options.clock : RealClock::instance()),
        backlog_log_(options.log_interval, clock_),
        exception_log_(options.log_interval, clock_),
        buffer_(options.coalesce) {}
  ~Registration() override { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }

  // Joins the dispatch thread; undelivered notifications are dropped.
  void stop() {
    {
      MutexLock l(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  // kLater: the caller calls wake() soon (the informer's thread, after a
  // batch), so the dispatch thread is woken once per batch, not per event.
  enum class Wake { kNow, kLater };

  void push(Notification n, Wake wake = Wake::kNow) {
    std::size_t backlog = 0;
    {
      MutexLock l(mu_);
      if (stopping_) return;
      buffer_.push(std::move(n), clock_.now());
      backlog = buffer_.size();
      high_water_ = std::max(high_water_, backlog);
      if (wake == Wake::kNow) cv_.notify_one();
    }
    // Outside our lock: the sink is application code.
    if (backlog_warning_ > 0 && backlog > backlog_warning_) {
      backlog_log_.write(log::Level::kWarning, "informer", "event handler backlog above threshold",
                         {{"informer", informer_},
                          {"backlog", backlog},
                          {"threshold", backlog_warning_},
                          {"coalesce", coalesce_}});
    }
  }

  // Wakes the dispatch thread for what push(..., Wake::kLater) queued.
  void wake() {
    MutexLock l(mu_);
    if (!buffer_.empty()) cv_.notify_one();
  }

  bool has_synced() const override {
    if (!fifo_->has_synced()) return false;
    MutexLock l(mu_);
    return buffer_.initial_adds() == 0 && in_flight_initial_ == 0;
  }
  std::size_t backlog() const override {
    MutexLock l(mu_);
    return buffer_.size();
  }
  std::size_t backlog_high_water() const override {
    MutexLock l(mu_);
    return high_water_;
  }
  std::uint64_t delivered() const override {
    MutexLock l(mu_);
    return delivered_;
  }
  std::uint64_t handler_exceptions() const override {
    MutexLock l(mu_);
    return exceptions_;
  }
  LatencyHistogram latency() const override {
    MutexLock l(mu_);
    return latency_;
  }
  LatencyHistogram handler_time() const override {
    MutexLock l(mu_);
    return handler_time_;
  }

  std::chrono::milliseconds resync() const { return resync_; }
  // Owned by SharedIndexInformer::should_resync under the informer's mu_.
  Clock::TimePoint next_resync{};

 private:
  void run() {
    pthread_setname_np(pthread_self(), "kube-handler");
    MutexLock l(mu_);
    while (true) {
      while (buffer_.empty() && !stopping_) cv_.wait(mu_);
      if (stopping_) return;
      detail::Pending p = buffer_.pop();
      in_flight_initial_ = initial_adds_in(p);
      mu_.unlock();  // the handler runs without our lock: push() never waits for it
      deliver(*p.first, p.queued);
      if (p.second) deliver(*p.second, p.queued);
      mu_.lock();
      in_flight_initial_ = 0;
    }
  }

  static std::size_t initial_adds_in(const detail::Pending& p) {
    auto initial = [](const std::optional<Notification>& n) {
      const auto* a = n ? std::get_if<AddNote>(&*n) : nullptr;
      return a != nullptr && a->initial ? 1u : 0u;
    };
    return initial(p.first) + initial(p.second);
  }

  // Calls the handler once (without mu_), then records the outcome.
  void deliver(Notification& n, Clock::TimePoint queued) KUBE_EXCLUDES(mu_) {
    Clock::TimePoint started = clock_.now();
    std::string error;
    bool threw = false;
    try {
      std::visit(
          [&](auto& note) {
            using T = std::decay_t<decltype(note)>;
            if constexpr (std::is_same_v<T, AddNote>) {
              handler_->on_add(note.obj, note.initial);
            } else if constexpr (std::is_same_v<T, UpdateNote>) {
              handler_->on_update(note.old_obj, note.new_obj);
            } else {
              handler_->on_delete(note.obj);
            }
          },
          n);
    } catch (const std::exception& e) {
      threw = true;  // isolated: counted, logged, and dispatch goes on
      error = e.what();
    } catch (...) {
      threw = true;
      error = "unknown exception";
    }
    Clock::TimePoint done = clock_.now();
    if (threw) {
      exception_log_.write(log::Level::kWarning, "informer", "event handler threw",
                           {{"informer", informer_}, {"error", error}});
    }
    MutexLock l(mu_);
    ++delivered_;
    if (threw) ++exceptions_;
    latency_.observe(done - queued);
    handler_time_.observe(done - started);
  }

  const std::shared_ptr<ResourceEventHandler> handler_;
  const std::chrono::milliseconds resync_;
  const std::size_t backlog_warning_;
  const bool coalesce_;
  const std::string informer_;  // the informer's name, for logs
  const std::shared_ptr<const cache::DeltaFifo> fifo_;
  Clock& clock_;
  log::RateLimited backlog_log_;    // thread-safe itself
  log::RateLimited exception_log_;  // thread-safe itself

  mutable Mutex mu_;  // guards the buffer and the counters below
  CondVar cv_;        // signalled on push and on stop
  detail::HandlerBuffer buffer_ KUBE_GUARDED_BY(mu_);
  std::size_t high_water_ KUBE_GUARDED_BY(mu_) = 0;
  std::size_t in_flight_initial_ KUBE_GUARDED_BY(mu_) = 0;  // initial adds being handled now
  std::uint64_t delivered_ KUBE_GUARDED_BY(mu_) = 0;
  std::uint64_t exceptions_ KUBE_GUARDED_BY(mu_) = 0;
  LatencyHistogram latency_ KUBE_GUARDED_BY(mu_);
  LatencyHistogram handler_time_ KUBE_GUARDED_BY(mu_);
  bool stopping_ KUBE_GUARDED_BY(mu_) = false;
  std::thread thread_;  // started by start(), joined by stop()
};

namespace {

ReflectorOptions reflector_options(const SharedInformerOptions& o, const cache::ThreadSafeStore& store,
                                   std::function<bool()> should_resync) {
  ReflectorOptions r = o.reflector;
  r.known_objects = &store;
  r.resync_period = o.resync_period;
  r.should_resync = std::move(should_resync);
  return r;
}

}  // namespace

SharedIndexInformer::SharedIndexInformer(std::shared_ptr<ListerWatcher> lw,
                                         SharedInformerOptions options)
    : lw_(std::move(lw)),
      options_(std::move(options)),
      store_(options_.indexers),
      fifo_(std::make_shared<cache::DeltaFifo>(cache::DeltaFifoOptions{.known_objects = &store_})),
      reflector_(*lw_, *fifo_, reflector_options(options_, store_, [this] { return should_resync(); })) {}

SharedIndexInformer::~SharedIndexInformer() { stop(); }

std::shared_ptr<HandlerRegistration> SharedIndexInformer::add_event_handler(
    std::shared_ptr<ResourceEventHandler> handler, std::optional<std::chrono::milliseconds> resync) {
  return add_event_handler(std::move(handler), HandlerOptions{.resync = resync});
}

std::shared_ptr<HandlerRegistration> SharedIndexInformer::add_event_handler(
    std::shared_ptr<ResourceEventHandler> handler, HandlerOptions options) {
  auto period = options.resync.value_or(options_.resync_period);
  if (period.count() > 0 && period < options_.resync_period) period = options_.resync_period;
  auto reg = std::make_shared<Registration>(std::move(handler), period, options,
                                            options_.reflector.name, fifo_);
  MutexLock l(mu_);
  if (stopped_) return reg;  // never started: never synced
  if (started_) {
    // The snapshot and the registration happen under mu_, which also covers
    // every distribution: the handler sees each object once, then live events.
    for (const ObjectPtr& obj : store_.list()) reg->push(AddNote{obj, true});
  }
  reg->next_resync = RealClock::instance().now() + period;
  registrations_.push_back(reg);
  reg->start();
  return reg;
}

Result<void> SharedIndexInformer::remove_event_handler(
    const std::shared_ptr<HandlerRegistration>& registration) {
  std::shared_ptr<Registration> found;
  {
    MutexLock l(mu_);
    for (auto it = registrations_.begin(); it != registrations_.end(); ++it) {
      if (it->get() == registration.get()) {
        found = *it;
        registrations_.erase(it);
        break;
      }
    }
    std::erase(syncing_, found);
  }
  if (!found) {
    return Error::invalid_argument(options_.reflector.name +
                                   ": remove_event_handler: not a registration of this informer");
  }
  found->stop();
  return {};
}

Result<void> SharedIndexInformer::add_indexers(cache::Indexers indexers) {
  return store_.add_indexers(std::move(indexers));
}

void SharedIndexInformer::start() {
  {
    MutexLock l(mu_);
    if (started_ || stopped_) return;
    started_ = true;
  }
  process_thread_ = std::thread([this] { process_loop(); });
  reflector_.start();
}

void SharedIndexInformer::stop() {
  std::vector<std::shared_ptr<Registration>> regs;
  {
    MutexLock l(mu_);
    if (stopped_) return;
    stopped_ = true;
    regs = registrations_;
  }
  reflector_.stop();
  fifo_->close();
  if (process_thread_.joinable()) process_thread_.join();
  for (auto& r : regs) r->stop();
}

bool SharedIndexInformer::is_started() const {
  MutexLock l(mu_);
  return started_;
}

bool SharedIndexInformer::has_synced() const { return fifo_->has_synced(); }

bool SharedIndexInformer::wait_for_cache_sync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!has_synced()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::optional<Error> SharedIndexInformer::last_error() const { return reflector_.last_error(); }

std::string SharedIndexInformer::last_sync_resource_version() const {
  return reflector_.last_sync_resource_version();
}

ReflectorStats SharedIndexInformer::reflector_stats() const { return reflector_.stats(); }

std::size_t SharedIndexInformer::pending_deltas() const { return fifo_->unprocessed(); }

// The FIFO is popped kWakeBatch keys at a time (two FIFO lock acquisitions
// per batch, not two per key: the reflector adds under the same lock), and
// handlers are woken once per batch of popped keys: when the FIFO has
// nothing more ready, or after kWakeBatch keys. Waking a dispatch thread per
// event cost two futex calls and a context switch per event; a batch delays
// a notification by at most the time to process kWakeBatch - 1 more keys.
constexpr std::size_t kWakeBatch = 64;

void SharedIndexInformer::process_loop() {
  pthread_setname_np(pthread_self(), "kube-informer");
  std::size_t unwoken = 0;
  auto wake_handlers = [this] {
    MutexLock l(mu_);
    for (auto& reg : registrations_) reg->wake();
  };
  while (true) {
    auto r = fifo_->pop_batch(
        [this](const cache::Deltas& deltas, bool initial) { return process_deltas(deltas, initial); },
        kWakeBatch);
    if (!r) {  // FIFOClosed: the only error pop_batch returns
      wake_handlers();
      return;
    }
    unwoken += *r;
    if (unwoken >= kWakeBatch || fifo_->size() == 0) {
      wake_handlers();
      unwoken = 0;
    }
  }
}

Result<void> SharedIndexInformer::process_deltas(const cache::Deltas& deltas, bool is_in_initial_list) {
  MutexLock l(mu_);
  auto distribute = [&](const Notification& n, bool sync) KUBE_REQUIRES(mu_) {
    for (auto& reg : sync ? syncing_ : registrations_) reg->push(n, Registration::Wake::kLater);
  };
  for (const cache::Delta& d : deltas) {
    switch (d.type) {
      case cache::DeltaType::kSync:
      case cache::DeltaType::kReplaced:
      case cache::DeltaType::kAdded:
      case cache::DeltaType::kUpdated: {
        const ObjectPtr& obj = d.latest_object();
        if (!obj) continue;
        // One store write that hands back the replaced object (client-go:
        // GetByKey, then Update or Add).
        Result<ObjectPtr> old = store_.exchange(obj);
        if (!old) return old.error();
        if (*old) {
          // client-go processDeltas: a Replaced delta that changed nothing is a
          // resync, delivered only to handlers due for one.
          bool is_sync = d.type == cache::DeltaType::kSync ||
                         (d.type == cache::DeltaType::kReplaced &&
                          (*old)->resource_version() == obj->resource_version());
          distribute(UpdateNote{std::move(*old), obj}, is_sync);
        } else {
          distribute(AddNote{obj, is_in_initial_list}, false);
        }
        break;
      }
      case cache::DeltaType::kDeleted: {
        if (const auto* t = d.tombstone()) {
          store_.delete_by_key(t->key);
          distribute(DeleteNote{*t}, false);
        } else {
          const ObjectPtr& obj = d.latest_object();
          if (!obj) continue;
          if (auto r = store_.delete_(*obj); !r) return r;
          distribute(DeleteNote{obj}, false);
        }
        break;
      }
    }
  }
  return {};
}

bool SharedIndexInformer::should_resync() {
  MutexLock l(mu_);
  auto now = RealClock::instance().now();
  syncing_.clear();
  for (auto& reg : registrations_) {
    if (reg->resync().count() <= 0 || now < reg->next_resync) continue;
    syncing_.push_back(reg);
    reg->next_resync = now + reg->resync();
  }
  return !syncing_.empty();
}

std::vector<std::shared_ptr<const HandlerRegistration>> SharedIndexInformer::handler_registrations() const {
  MutexLock l(mu_);
  return {registrations_.begin(), registrations_.end()};
}

}  // namespace kube::informers
