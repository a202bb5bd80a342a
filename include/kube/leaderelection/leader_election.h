// kube/leaderelection/leader_election.h — one leader among candidates, through
// a Lease (client-go's tools/leaderelection).
//
// Every candidate runs a LeaderElector with its own identity over the same
// lease. One of them holds it and renews it every retry_period; the others
// retry every retry_period (with jitter) and take it over once it has not
// changed for lease_duration. Each run is one term, as in client-go: acquire,
// lead, and once leadership is lost or stop() is called the run is over.
//
//   namespace le = kube::leaderelection;
//   le::LeaderElectionConfig config{
//       .lock = std::make_shared<le::RestLeaseLock>(client, "kube-system", "my-controller"),
//       .identity = hostname,
//       .release_on_cancel = true,
//       .callbacks = {
//           .on_started_leading = [&](std::stop_token stop) { run_controllers_until(stop); },
//           .on_stopped_leading = [&] { std::cerr << "lost the lease\n"; },
//           .on_new_leader = [](const std::string& id) { std::cerr << id << " leads\n"; }}};
//   auto elector = le::LeaderElector::create(std::move(config));
//   if (!elector) { std::cerr << elector.error().message; return 1; }
//   (*elector)->start();
//   ...
//   (*elector)->stop();   // stops leading (callbacks), releases the lease, joins
//
// Expiry is judged as client-go judges it: by the time on this candidate's own
// clock when it last saw the lease record change (observedTime), plus the
// record's leaseDurationSeconds — never by the renewTime the holder wrote, so
// clock skew between machines does not matter. A leader that cannot renew
// within renew_deadline (a round of attempts started every retry_period) stops
// leading, at most renew_deadline + retry_period after its last renewal; keep
// lease_duration above that sum (client-go's defaults: 15 s > 10 s + 2 s) and
// it has stopped before any other candidate can consider the lease expired.
//
// Callbacks and threads:
//   - on_started_leading(stop_token) runs on its own thread ("kube-leading"),
//     started when the lease is won. Its stop_token is stopped when leadership
//     ends; it must then return.
//   - on_stopped_leading() runs on the elector thread once leadership ends
//     (renewal failed, another holder seen, or stop()), after on_started_leading
//     has returned and before the lease is released. Unlike client-go it is not
//     called when this candidate never led.
//   - on_new_leader(identity) runs on the elector thread each time the observed
//     holder changes (this candidate included). Must not block.
//   - The elector thread ("kube-leader") is started by start() and joined by
//     stop(); it also joins "kube-leading".
//
// Differences from client-go, on purpose: on_stopped_leading runs before the
// release (so no two candidates' callbacks ever overlap) and only after a
// term; a leader that sees another holder in the lease stops at once instead
// of retrying until renew_deadline.
//
// Thread-safety: every member may be called from any thread. stop() from a
// callback only signals (the run ends as usual); the destructor joins, so do
// not destroy the elector from a callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "kube/core/clock.h"
#include "kube/core/mutex.h"
#include "kube/core/result.h"
#include "kube/leaderelection/lease_lock.h"

namespace kube::leaderelection {

struct LeaderCallbacks {
  std::function<void(std::stop_token)> on_started_leading = nullptr;  // required
  std::function<void()> on_stopped_leading = nullptr;                 // required
  std::function<void(const std::string& identity)> on_new_leader = nullptr;
};

struct LeaderElectionConfig {
  std::shared_ptr<LeaseLock> lock = nullptr;  // required
  std::string identity = {};                  // required: unique among the candidates
  // How long a lease that has not changed stays valid (written to the lease
  // as leaseDurationSeconds). client-go's defaults: 15 s / 10 s / 2 s.
  std::chrono::seconds lease_duration{15};
  // How long the leader keeps trying to renew before it gives up.
  std::chrono::milliseconds renew_deadline{10000};
  // Between attempts (acquire attempts add up to 1.2x of it as jitter).
  std::chrono::milliseconds retry_period{2000};
  // On stop() while leading: write holderIdentity "" and
  // leaseDurationSeconds 1, so the next candidate need not wait out the lease.
  bool release_on_cancel = false;
  LeaderCallbacks callbacks = {};
  Clock* clock = nullptr;  // nullptr: RealClock
  std::uint64_t seed = 0;  // for the jitter; 0: random
};

// Checks what client-go's NewLeaderElector checks: lease_duration >
// renew_deadline > 1.2 * retry_period > 0, an identity, a lock, both required
// callbacks. The error names the field.
Result<void> validate(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  static Result<std::unique_ptr<LeaderElector>> create(LeaderElectionConfig config);
  ~LeaderElector();  // stop()s
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts the election on its own thread. Once only.
  void start();
  // Ends the run: stops leading if leading (on_stopped_leading), releases the
  // lease if release_on_cancel, joins every thread (not when called from a
  // callback). Prompt also while a lease request hangs (it is canceled).
  // Idempotent.
  void stop();

  // True from winning the lease until on_stopped_leading is called.
  bool is_leader() const;
  // The holder this candidate last saw in the lease ("" if none yet).
  std::string leader() const;
  // True once the run is over (leadership lost, or stopped).
  bool finished() const;

 private:
  explicit LeaderElector(LeaderElectionConfig config);
  void run();
  bool acquire();
  void renew();
  bool try_acquire_or_renew(Clock::TimePoint deadline);
  void report_transition();
  void release();
  void lead_begin();
  void lead_end();
  // Sleeps on the elector's clock; false when stop() came first.
  bool sleep_until(Clock::TimePoint t);
  Clock::Duration jittered_retry();
  LockCall call_until(Clock::TimePoint deadline) const;

  const LeaderElectionConfig config_;
  Clock& clock_;
  // Canceled by stop(): ends a lease request in flight.
  const std::shared_ptr<CancelToken> cancel_ = std::make_shared<CancelToken>();

  // Guards what the elector thread observed and its lifecycle flags; the
  // elector thread sleeps on cv_ between attempts.
  mutable Mutex mu_;
  CondVar cv_;                                               // signalled by stop()
  std::optional<LeaseState> observed_ KUBE_GUARDED_BY(mu_);  // the lease as last seen (or written)
  Clock::TimePoint observed_time_ KUBE_GUARDED_BY(mu_){};    // local time the record last changed
  std::string reported_leader_ KUBE_GUARDED_BY(mu_);         // last holder given to on_new_leader
  bool leading_ KUBE_GUARDED_BY(mu_) = false;
  bool started_ KUBE_GUARDED_BY(mu_) = false;
  bool stopping_ KUBE_GUARDED_BY(mu_) = false;
  bool finished_ KUBE_GUARDED_BY(mu_) = false;
  std::uint64_t rng_ KUBE_GUARDED_BY(mu_) = 0;  // jitter state (splitmix64)
  std::thread thread_ KUBE_GUARDED_BY(mu_);  // "kube-leader": started by start(), joined by stop()
  // The ids of thread_ and of the current "kube-leading": stop() called on
  // them only signals.
  std::thread::id elector_id_ KUBE_GUARDED_BY(mu_);
  std::thread::id leading_id_ KUBE_GUARDED_BY(mu_);

  std::jthread leading_thread_;  // "kube-leading": elector thread only (started and joined there)
};

}  // namespace kube::leaderelection
