// LeaderElector: client-go's leaderelection.go (acquire, renew, release,
// tryAcquireOrRenew with the leader's optimistic fast path) over a LeaseLock.
//
// Expiry follows client-go: a lease is valid until observed_time_ +
// leaseDurationSeconds of the record last seen, where observed_time_ is this
// candidate's own clock reading when that record last changed (or when it
// wrote it). The holder's renewTime is never compared with our clock.
#include "kube/leaderelection/leader_election.h"

#include "kube/core/log.h"

#include <exception>
#include <random>

#include <pthread.h>

namespace kube::leaderelection {
namespace {

constexpr double kJitterFactor = 1.2;  // client-go's JitterFactor

Error config_error(const std::string& what) {
  return Error::invalid_argument("leader election: " + what);
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

// Callbacks are user code: an exception must not take the elector (or a
// thread) down with it.
template <class F>
void guarded(const F& f) {
  try {
    f();
  } catch (const std::exception& e) {
    log::write(log::Level::kError, "leader-election", "leader callback threw; the election goes on",
               {{"exception", e.what()}});
  } catch (...) {
    log::write(log::Level::kError, "leader-election", "leader callback threw; the election goes on",
               {{"exception", "(not a std::exception)"}});
  }
}

}  // namespace

Result<void> validate(const LeaderElectionConfig& c) {
  if (!c.lock) return config_error("lock is required");
  if (c.identity.empty()) return config_error("identity is empty");
  if (c.lease_duration.count() < 1) return config_error("lease_duration must be at least 1s");
  if (c.renew_deadline.count() < 1) return config_error("renew_deadline must be positive");
  if (c.retry_period.count() < 1) return config_error("retry_period must be positive");
  if (c.lease_duration <= c.renew_deadline) {
    return config_error("lease_duration (" + ms(c.lease_duration) +
                        ") must be greater than renew_deadline (" + ms(c.renew_deadline) + ")");
  }
  if (static_cast<double>(c.renew_deadline.count()) <=
      kJitterFactor * static_cast<double>(c.retry_period.count())) {
    return config_error("renew_deadline (" + ms(c.renew_deadline) +
                        ") must be greater than 1.2 x retry_period (" + ms(c.retry_period) + ")");
  }
  if (!c.callbacks.on_started_leading)
    return config_error("callbacks.on_started_leading is required");
  if (!c.callbacks.on_stopped_leading)
    return config_error("callbacks.on_stopped_leading is required");
  return {};
}

Result<std::unique_ptr<LeaderElector>> LeaderElector::create(LeaderElectionConfig config) {
  if (auto r = validate(config); !r) return r.error();
  return std::unique_ptr<LeaderElector>(new LeaderElector(std::move(config)));
}

LeaderElector::LeaderElector(LeaderElectionConfig config)
    : config_(std::move(config)),
      clock_(config_.clock != nullptr ? *config_.clock : RealClock::instance()) {
  MutexLock l(mu_);
  rng_ = config_.seed != 0 ? config_.seed
                           : (std::uint64_t{std::random_device{}()} << 32 | std::random_device{}());
}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  MutexLock l(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { run(); });
  elector_id_ = thread_.get_id();
}

void LeaderElector::stop() {
  std::thread t;
  {
    MutexLock l(mu_);
    stopping_ = true;
    if (!started_) finished_ = true;
    cv_.notify_all();
    // From a callback (on either of our threads) stop() only signals: joining
    // would wait for ourselves. The destructor joins.
    const auto self = std::this_thread::get_id();
    if (self != elector_id_ && self != leading_id_) t = std::move(thread_);
  }
  cancel_->cancel();  // a lease request in flight returns now
  if (t.joinable()) t.join();
}

bool LeaderElector::is_leader() const {
  MutexLock l(mu_);
  return leading_;
}

std::string LeaderElector::leader() const {
  MutexLock l(mu_);
  return observed_ ? observed_->record.holder_identity : std::string();
}

bool LeaderElector::finished() const {
  MutexLock l(mu_);
  return finished_;
}

void LeaderElector::run() {
  pthread_setname_np(pthread_self(), "kube-leader");
  if (acquire()) {
    lead_begin();
    renew();
    lead_end();
    // As client-go: give the lease up if we still hold it, after a stop() or a
    // failed renewal alike (the write fails harmlessly if someone took it).
    if (config_.release_on_cancel) release();
  }
  MutexLock l(mu_);
  finished_ = true;
}

// client-go's acquire: try, then wait retry_period plus up to 1.2x of it as
// jitter, until the lease is ours or stop().
bool LeaderElector::acquire() {
  for (;;) {
    bool won = try_acquire_or_renew(clock_.now() + config_.renew_deadline);
    report_transition();
    if (won) return true;
    if (!sleep_until(clock_.now() + jittered_retry())) return false;
  }
}

// client-go's renew: every retry_period, a round of attempts (one each
// retry_period) that must succeed within renew_deadline, or leadership is lost.
void LeaderElector::renew() {
  for (;;) {
    const Clock::TimePoint deadline = clock_.now() + config_.renew_deadline;
    for (;;) {
      bool renewed = try_acquire_or_renew(deadline);
      report_transition();
      if (renewed) break;
      {
        MutexLock l(mu_);
        if (stopping_) return;
        // Another holder wrote the lease: it is not ours however long we retry.
        if (observed_ && !observed_->record.holder_identity.empty() &&
            observed_->record.holder_identity != config_.identity) {
          return;
        }
      }
      auto now = clock_.now();
      if (now >= deadline) return;
      if (!sleep_until(std::min(now + config_.retry_period, deadline))) return;
      if (clock_.now() >= deadline) return;
    }
    if (!sleep_until(clock_.now() + config_.retry_period)) return;
  }
}

bool LeaderElector::try_acquire_or_renew(Clock::TimePoint deadline) {
  const Clock::TimePoint now = clock_.now();
  const std::string now_text = micro_time_now();
  LeaderElectionRecord record{
      .holder_identity = config_.identity,
      .lease_duration_seconds = static_cast<int>(config_.lease_duration.count()),
      .acquire_time = now_text,
      .renew_time = now_text,
      .lease_transitions = 0};
  std::optional<LeaseState> observed;
  Clock::TimePoint observed_time;
  {
    MutexLock l(mu_);
    observed = observed_;
    observed_time = observed_time_;
  }
  auto is_holder = [&] { return observed && observed->record.holder_identity == config_.identity; };
  auto valid = [&] {
    return observed &&
           observed_time + std::chrono::seconds(observed->record.lease_duration_seconds) > now;
  };
  auto set_observed = [&](LeaseState s) {
    MutexLock l(mu_);
    observed_ = std::move(s);
    observed_time_ = clock_.now();
  };

  // 1. The leader's fast path: update the lease as we last wrote it.
  if (is_holder() && valid()) {
    record.acquire_time = observed->record.acquire_time;
    record.lease_transitions = observed->record.lease_transitions;
    if (auto r = config_.lock->update(*observed->object, record, call_until(deadline)); r) {
      set_observed(std::move(*r));
      return true;
    }
    // Fall back to the slow path (a conflict or a failure: read it again).
  }

  // 2. Read the lease, or create it.
  Result<LeaseState> got = config_.lock->get(call_until(deadline));
  if (!got) {
    if (!got.error().is_not_found()) return false;
    Result<LeaseState> created = config_.lock->create(record, call_until(deadline));
    if (!created) return false;  // 409 AlreadyExists: someone else created it first
    set_observed(std::move(*created));
    return true;
  }

  // 3. The record obtained: note when it last changed, on our clock.
  {
    MutexLock l(mu_);
    if (!observed_ || observed_->record != got->record) observed_time_ = clock_.now();
    observed_ = *got;
    observed = observed_;
    observed_time = observed_time_;
  }
  if (!got->record.holder_identity.empty() && valid() && !is_holder()) return false;

  // 4. Take or renew it; 409 Conflict means another candidate wrote first.
  if (is_holder()) {
    record.acquire_time = got->record.acquire_time;
    record.lease_transitions = got->record.lease_transitions;
  } else {
    record.lease_transitions = got->record.lease_transitions + 1;
  }
  Result<LeaseState> updated = config_.lock->update(*got->object, record, call_until(deadline));
  if (!updated) return false;
  set_observed(std::move(*updated));
  return true;
}

void LeaderElector::report_transition() {
  std::string holder;
  {
    MutexLock l(mu_);
    if (!observed_) return;
    holder = observed_->record.holder_identity;
    // A released lease (no holder) is not a new leader.
    if (holder.empty() || holder == reported_leader_) return;
    reported_leader_ = holder;
  }
  if (config_.callbacks.on_new_leader) guarded([&] { config_.callbacks.on_new_leader(holder); });
}

// client-go's release: holderIdentity "" and leaseDurationSeconds 1, so the
// others may take the lease a second after they see this write.
void LeaderElector::release() {
  std::optional<LeaseState> observed;
  {
    MutexLock l(mu_);
    observed = observed_;
  }
  if (!observed || observed->record.holder_identity != config_.identity) return;
  const std::string now_text = micro_time_now();
  LeaderElectionRecord record{.holder_identity = "",
                              .lease_duration_seconds = 1,
                              .acquire_time = now_text,
                              .renew_time = now_text,
                              .lease_transitions = observed->record.lease_transitions};
  // Not through cancel_: stop() has canceled it. Bounded like a renewal.
  const Clock::TimePoint deadline = clock_.now() + config_.renew_deadline;
  auto call = [&] {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_.now());
    return LockCall{.timeout = std::max(left, std::chrono::milliseconds(1))};
  };
  Result<LeaseState> r = config_.lock->update(*observed->object, record, call());
  if (!r && r.error().is_conflict()) {
    // stop() may have canceled a renewal the server had already applied:
    // our copy is one write behind. Release what the server holds if it is
    // still ours.
    Result<LeaseState> current = config_.lock->get(call());
    if (!current || current->record.holder_identity != config_.identity) return;
    r = config_.lock->update(*current->object, record, call());
  }
  if (!r) return;
  MutexLock l(mu_);
  observed_ = std::move(*r);
  observed_time_ = clock_.now();
}

void LeaderElector::lead_begin() {
  {
    MutexLock l(mu_);
    leading_ = true;
  }
  leading_thread_ = std::jthread([this](std::stop_token stop) {
    pthread_setname_np(pthread_self(), "kube-leading");
    {
      // Before the callback runs: a stop() it calls must know not to join.
      MutexLock l(mu_);
      leading_id_ = std::this_thread::get_id();
    }
    guarded([&] { config_.callbacks.on_started_leading(stop); });
  });
}

// Leadership is over: stop the leader's work and wait for it, then say so —
// all before any release, so no other candidate can start leading first.
void LeaderElector::lead_end() {
  leading_thread_.request_stop();
  if (leading_thread_.joinable()) leading_thread_.join();
  {
    MutexLock l(mu_);
    leading_ = false;
  }
  guarded([&] { config_.callbacks.on_stopped_leading(); });
}

bool LeaderElector::sleep_until(Clock::TimePoint t) {
  MutexLock l(mu_);
  while (!stopping_ && clock_.now() < t) clock_.wait_until(mu_, cv_, t);
  return !stopping_;
}

Clock::Duration LeaderElector::jittered_retry() {
  std::uint64_t z;
  {
    MutexLock l(mu_);
    z = (rng_ += 0x9e3779b97f4a7c15ULL);  // splitmix64
  }
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  double unit = static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);  // [0, 1)
  auto retry = std::chrono::duration_cast<Clock::Duration>(config_.retry_period);
  return retry + std::chrono::duration_cast<Clock::Duration>(retry * (kJitterFactor * unit));
}

LockCall LeaderElector::call_until(Clock::TimePoint deadline) const {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_.now());
  return LockCall{.timeout = std::max(left, std::chrono::milliseconds(1)), .cancel = cancel_};
}

}  // namespace kube::leaderelection
