// LeaderElector on a fake clock over an in-memory lease: client-go's
// acquire/renew/release rules, expiry by observed time, callback order.
#include "kube/leaderelection/leader_election.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/wait.h"
#include "unit/leaderelection/fake_lease_lock.h"

namespace kube::leaderelection {
namespace {

using namespace std::chrono_literals;
using kube::testing::eventually;
using ::testing::ElementsAre;
using testing::FakeLeaseLock;
using ::testing::HasSubstr;

// A FakeClock that also counts the waits on it, so a test can step and then
// wait until every elector has come back to sleep — i.e. has seen the new
// time — before stepping again. (Stepping on FakeClock::waiters() alone can
// run ahead: a woken thread stays registered until it gets to run.)
class TestClock final : public Clock {
 public:
  TimePoint now() const override { return fake_.now(); }
  void wait_until(Mutex& mu, CondVar& cv, TimePoint deadline) override KUBE_REQUIRES(mu) {
    ++waits_;
    fake_.wait_until(mu, cv, deadline);
  }
  std::size_t waiters() const { return fake_.waiters(); }

  // Steps once `electors` wait, then until each waits again (or `done`).
  void step(Duration d, std::size_t electors = 1, const std::function<bool()>& done = nullptr) {
    ASSERT_TRUE(eventually([&] { return fake_.waiters() >= electors; }));
    const std::uint64_t before = waits_;
    fake_.step(d);
    eventually([&] { return waits_ >= before + electors || (done && done()); });
  }

 private:
  FakeClock fake_;
  std::atomic<std::uint64_t> waits_{0};
};

// What one candidate's callbacks saw.
class Recorder {
 public:
  explicit Recorder(TestClock& clock) : clock_(clock) {}

  LeaderCallbacks callbacks() {
    return {.on_started_leading =
                [this](std::stop_token stop) {
                  {
                    MutexLock l(mu_);
                    ++started_;
                  }
                  std::mutex m;
                  std::condition_variable_any cv;
                  std::unique_lock lk(m);
                  cv.wait(lk, stop, [] { return false; });  // lead until told to stop
                  MutexLock l(mu_);
                  work_returned_ = true;
                },
            .on_stopped_leading =
                [this] {
                  MutexLock l(mu_);
                  ++stopped_;
                  stopped_at_ = clock_.now();
                  returned_before_stop_ = work_returned_;
                },
            .on_new_leader =
                [this](const std::string& id) {
                  MutexLock l(mu_);
                  new_leaders_.push_back(id);
                }};
  }
  int started() const {
    MutexLock l(mu_);
    return started_;
  }
  int stopped() const {
    MutexLock l(mu_);
    return stopped_;
  }
  Clock::TimePoint stopped_at() const {
    MutexLock l(mu_);
    return stopped_at_;
  }
  bool returned_before_stop() const {
    MutexLock l(mu_);
    return returned_before_stop_;
  }
  std::vector<std::string> new_leaders() const {
    MutexLock l(mu_);
    return new_leaders_;
  }
  // Runs `f` inside the next on_stopped_leading (before it returns).
  std::function<void()> during_stop;

 private:
  TestClock& clock_;
  mutable Mutex mu_;  // guards everything below
  int started_ KUBE_GUARDED_BY(mu_) = 0;
  int stopped_ KUBE_GUARDED_BY(mu_) = 0;
  bool work_returned_ KUBE_GUARDED_BY(mu_) = false;
  bool returned_before_stop_ KUBE_GUARDED_BY(mu_) = false;
  Clock::TimePoint stopped_at_ KUBE_GUARDED_BY(mu_){};
  std::vector<std::string> new_leaders_ KUBE_GUARDED_BY(mu_);
};

LeaderElectionConfig config_for(std::shared_ptr<LeaseLock> lock, TestClock& clock, std::string id,
                                Recorder& r) {
  return {.lock = std::move(lock),
          .identity = std::move(id),
          .lease_duration = 2s,
          .renew_deadline = 1000ms,
          .retry_period = 200ms,
          .callbacks = r.callbacks(),
          .clock = &clock,
          .seed = 7};
}

std::unique_ptr<LeaderElector> make(LeaderElectionConfig c) {
  auto e = LeaderElector::create(std::move(c));
  EXPECT_TRUE(e.ok()) << e.error().message;
  return std::move(*e);
}

// Steps the clock once `electors` sleep on it, so fake time never runs past
// an elector still busy with an attempt (which would make it miss renewals).
void step_when_waiting(TestClock& clock, Clock::Duration d, std::size_t electors = 1) {
  clock.step(d, electors);
}

// Advances in `step`s until `pred` or `limit` of fake time; returns pred().
template <class Pred>
bool advance_until(TestClock& clock, Pred pred, Clock::Duration step, Clock::Duration limit,
                   std::size_t electors = 1) {
  for (Clock::Duration spent{}; spent < limit; spent += step) {
    if (eventually(pred, 20ms)) return true;
    clock.step(step, electors, pred);
  }
  return eventually(pred, 1s);
}

TEST(LeaderElectionConfig, ValidateFollowsClientGo) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  EXPECT_TRUE(validate(config_for(lock, clock, "a", r)).ok());
  auto bad = [&](auto edit) {
    auto c = config_for(lock, clock, "a", r);
    edit(c);
    auto v = validate(c);
    return v.ok() ? std::string("ok") : v.error().message;
  };
  EXPECT_THAT(bad([](auto& c) { c.lease_duration = 1s; }),
              HasSubstr("lease_duration (1000ms) must be greater than renew_deadline (1000ms)"));
  EXPECT_THAT(bad([](auto& c) { c.retry_period = 900ms; }),
              HasSubstr("greater than 1.2 x retry_period"));
  EXPECT_THAT(bad([](auto& c) { c.identity.clear(); }), HasSubstr("identity is empty"));
  EXPECT_THAT(bad([](auto& c) { c.lock = nullptr; }), HasSubstr("lock is required"));
  EXPECT_THAT(bad([](auto& c) { c.callbacks.on_started_leading = nullptr; }),
              HasSubstr("on_started_leading"));
  EXPECT_THAT(bad([](auto& c) { c.callbacks.on_stopped_leading = nullptr; }),
              HasSubstr("on_stopped_leading"));
  EXPECT_FALSE(LeaderElector::create(LeaderElectionConfig{}).ok());
}

TEST(LeaderElector, CreatesAMissingLeaseAndLeads) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader() && r.started() == 1; }));
  auto rec = lock->record();
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->holder_identity, "a");
  EXPECT_EQ(rec->lease_duration_seconds, 2);
  EXPECT_EQ(rec->lease_transitions, 0);
  EXPECT_FALSE(rec->renew_time.empty());
  EXPECT_EQ(e->leader(), "a");
  EXPECT_THAT(r.new_leaders(), ElementsAre("a"));
  // Renewals keep it: a lease held for many lease durations.
  for (int i = 0; i < 30; ++i) step_when_waiting(clock, 200ms);
  EXPECT_TRUE(e->is_leader());
  EXPECT_EQ(r.stopped(), 0);
  EXPECT_EQ(lock->record()->lease_transitions, 0);
  e->stop();
  EXPECT_EQ(r.stopped(), 1);
  EXPECT_TRUE(r.returned_before_stop());
  EXPECT_TRUE(e->finished());
}

// The holder's renewTime is from 2000: irrelevant. What counts is how long
// this candidate has seen the record unchanged, on its own clock.
TEST(LeaderElector, WaitsOutAnotherHoldersLeaseMeasuredOnItsOwnClock) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  lock->put({.holder_identity = "other",
             .lease_duration_seconds = 10,
             .acquire_time = "2000-01-01T00:00:00.000000Z",
             .renew_time = "2000-01-01T00:00:00.000000Z",
             .lease_transitions = 3});
  const auto t0 = clock.now();
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return lock->gets() >= 1; }));
  while (clock.now() - t0 < 9500ms) step_when_waiting(clock, 500ms);
  EXPECT_FALSE(e->is_leader());
  EXPECT_EQ(e->leader(), "other");
  ASSERT_TRUE(advance_until(
      clock, [&] { return e->is_leader(); }, 100ms, 5s));
  EXPECT_GE(clock.now() - t0, 10s);
  EXPECT_EQ(lock->record()->holder_identity, "a");
  EXPECT_EQ(lock->record()->lease_transitions, 4);
  EXPECT_THAT(r.new_leaders(), ElementsAre("other", "a"));
}

TEST(LeaderElector, AChangingRecordRestartsTheWait) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  LeaderElectionRecord other{
      .holder_identity = "other", .lease_duration_seconds = 2, .renew_time = "t0"};
  lock->put(other);
  const auto t0 = clock.now();
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  // "other" renews every second: never expires.
  for (int i = 1; clock.now() - t0 < 6s; ++i) {
    step_when_waiting(clock, 250ms);
    if (i % 4 == 0) {
      other.renew_time = "t" + std::to_string(i);
      lock->put(other);
    }
  }
  EXPECT_FALSE(e->is_leader());
  // It stops renewing: taken over about one lease duration later.
  ASSERT_TRUE(advance_until(
      clock, [&] { return e->is_leader(); }, 100ms, 4s));
}

TEST(LeaderElector, ExactlyOneOfThreeCandidatesLeads) {
  TestClock clock;
  auto lock = std::make_shared<FakeLeaseLock>();
  std::vector<std::unique_ptr<Recorder>> recs;
  std::vector<std::unique_ptr<LeaderElector>> es;
  for (const char* id : {"a", "b", "c"}) {
    recs.push_back(std::make_unique<Recorder>(clock));
    auto c = config_for(lock, clock, id, *recs.back());
    c.seed = static_cast<std::uint64_t>(id[0]);
    es.push_back(make(std::move(c)));
  }
  for (auto& e : es) e->start();
  auto leaders = [&] {
    int n = 0;
    for (auto& e : es) n += e->is_leader() ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(eventually([&] { return leaders() == 1; }));
  for (int i = 0; i < 40; ++i) {
    step_when_waiting(clock, 100ms, 3);
    ASSERT_LE(leaders(), 1);
  }
  EXPECT_EQ(leaders(), 1);
  std::string holder = lock->record()->holder_identity;
  // Every candidate sees who leads once it has read the lease.
  EXPECT_TRUE(advance_until(
      clock,
      [&] {
        for (auto& e : es) {
          if (e->leader() != holder) return false;
        }
        return true;
      },
      100ms, 5s, 3));
  EXPECT_EQ(leaders(), 1);
  auto started = [&] {
    int n = 0;
    for (auto& r : recs) n += r->started();
    return n;
  };
  EXPECT_TRUE(eventually([&] { return started() == 1; }));  // on its own thread
  for (auto& e : es) e->stop();
}

TEST(LeaderElector, LeaderThatCannotRenewStopsBeforeTheLeaseCouldExpire) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  const auto t0 = clock.now();
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader(); }));
  lock->set_failing(true);  // the last successful write was at t0
  ASSERT_TRUE(advance_until(
      clock, [&] { return r.stopped() == 1; }, 50ms, 5s));
  // Within renew_deadline (+ one retry period of the round in flight), and
  // before lease_duration: others cannot have taken over yet.
  EXPECT_GE(r.stopped_at() - t0, 1000ms);
  EXPECT_LT(r.stopped_at() - t0, 2s);
  EXPECT_FALSE(e->is_leader());
  EXPECT_TRUE(r.returned_before_stop());
  ASSERT_TRUE(eventually([&] { return e->finished(); }));
  EXPECT_EQ(r.started(), 1);  // one term per run
}

TEST(LeaderElector, AnotherHolderInTheLeaseEndsLeadershipAtOnce) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader(); }));
  ASSERT_TRUE(eventually([&] { return clock.waiters() > 0; }));
  const auto t1 = clock.now();
  lock->put({.holder_identity = "b", .lease_duration_seconds = 2, .lease_transitions = 1});
  ASSERT_TRUE(advance_until(
      clock, [&] { return r.stopped() == 1; }, 50ms, 5s));
  EXPECT_LE(r.stopped_at() - t1, 250ms);  // the next renewal, not renew_deadline later
  EXPECT_EQ(e->leader(), "b");
  EXPECT_THAT(r.new_leaders(), ElementsAre("a", "b"));
}

TEST(LeaderElector, StopWithReleaseOnCancelClearsTheHolderAfterOnStoppedLeading) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  auto c = config_for(lock, clock, "a", r);
  c.release_on_cancel = true;
  std::optional<LeaderElectionRecord> during_stop;
  auto stopped = c.callbacks.on_stopped_leading;
  c.callbacks.on_stopped_leading = [&, stopped] {
    during_stop = lock->record();
    stopped();
  };
  auto e = make(std::move(c));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader(); }));
  e->stop();
  ASSERT_TRUE(during_stop);
  EXPECT_EQ(during_stop->holder_identity, "a");  // still ours while the callback ran
  auto rec = lock->record();
  EXPECT_EQ(rec->holder_identity, "");
  EXPECT_EQ(rec->lease_duration_seconds, 1);
  EXPECT_EQ(rec->lease_transitions, 0);
  EXPECT_EQ(r.stopped(), 1);
}

// stop() can cancel a renewal the server already applied: the elector's copy
// is then a write behind, and the release must still go through.
TEST(LeaderElector, ReleaseGoesThroughWhenARenewalsResponseWasLost) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  auto c = config_for(lock, clock, "a", r);
  c.release_on_cancel = true;
  auto e = make(std::move(c));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader() && clock.waiters() > 0; }));
  lock->put(*lock->record());  // the same record at a newer resourceVersion
  e->stop();
  EXPECT_EQ(lock->record()->holder_identity, "");
  EXPECT_EQ(lock->record()->lease_duration_seconds, 1);
}

TEST(LeaderElector, StopFromTheLeadingCallbackEndsTheTermWithoutDeadlock) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  auto c = config_for(lock, clock, "a", r);
  std::atomic<LeaderElector*> self{nullptr};
  c.callbacks.on_started_leading = [&](std::stop_token stop) {
    while (self.load() == nullptr) std::this_thread::yield();
    self.load()->stop();  // e.g. the leader's work failed
    while (!stop.stop_requested()) std::this_thread::yield();
  };
  auto e = make(std::move(c));
  self = e.get();
  e->start();
  ASSERT_TRUE(eventually([&] { return e->finished(); }));
  EXPECT_EQ(r.stopped(), 1);
  EXPECT_FALSE(e->is_leader());
}

TEST(LeaderElector, StopWithoutReleaseLeavesTheLeaseToExpire) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader(); }));
  e->stop();
  EXPECT_EQ(lock->record()->holder_identity, "a");
  EXPECT_EQ(lock->record()->lease_duration_seconds, 2);
  EXPECT_EQ(r.stopped(), 1);
}

TEST(LeaderElector, AReleasedLeaseIsTakenAtTheNextAttempt) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  lock->put({.holder_identity = "", .lease_duration_seconds = 1, .lease_transitions = 5});
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return e->is_leader(); }));  // no clock step needed
  EXPECT_EQ(lock->record()->lease_transitions, 6);
  EXPECT_TRUE(r.new_leaders() == std::vector<std::string>{"a"});
}

TEST(LeaderElector, StopWhileCandidateNeverCallsTheLeadingCallbacks) {
  TestClock clock;
  Recorder r(clock);
  auto lock = std::make_shared<FakeLeaseLock>();
  lock->put({.holder_identity = "other", .lease_duration_seconds = 60});
  auto e = make(config_for(lock, clock, "a", r));
  e->start();
  ASSERT_TRUE(eventually([&] { return lock->gets() >= 1 && clock.waiters() > 0; }));
  e->stop();
  EXPECT_EQ(r.started(), 0);
  EXPECT_EQ(r.stopped(), 0);  // unlike client-go: no term, no "stopped leading"
  EXPECT_TRUE(e->finished());
  auto never = make(config_for(lock, clock, "b", r));
  never->stop();   // before start
  never->start();  // no effect after stop
  EXPECT_TRUE(never->finished());
}

}  // namespace
}  // namespace kube::leaderelection
