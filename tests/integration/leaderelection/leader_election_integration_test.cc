// Three candidates against the embedded API server, each through its own
// pausable TCP proxy (real sockets, real TLS): one leader at a time, a killed
// leader replaced once the lease expires, a stalled leader steps down before
// anyone else takes over.
#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "kube/leaderelection/leader_election.h"
#include "support/cluster.h"
#include "support/pausable_proxy.h"
#include "support/wait.h"

namespace kube::leaderelection {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using kube::testing::Cluster;
using kube::testing::eventually;
using kube::testing::PausableProxy;

const Resource kLeases{{"coordination.k8s.io", "v1", "leases"}, true};

// Leadership as the callbacks report it, across all candidates.
class Timeline {
 public:
  struct Term {
    std::string id;
    Steady::time_point start;
    std::optional<Steady::time_point> end;
  };

  void started(const std::string& id) {
    MutexLock l(mu_);
    if (++leading_ > 1) overlapped_ = true;
    terms_.push_back({id, Steady::now(), std::nullopt});
  }
  void stopped(const std::string& id) {
    MutexLock l(mu_);
    --leading_;
    for (auto& t : terms_) {
      if (t.id == id && !t.end) t.end = Steady::now();
    }
  }
  int leading() const {
    MutexLock l(mu_);
    return leading_;
  }
  // The identity leading now ("" if none).
  std::string leader() const {
    MutexLock l(mu_);
    for (const auto& t : terms_) {
      if (!t.end) return t.id;
    }
    return "";
  }
  std::vector<Term> terms() const {
    MutexLock l(mu_);
    return terms_;
  }
  // True if two candidates were ever leading at once, by the counter or by
  // the recorded intervals.
  bool overlapped() const {
    MutexLock l(mu_);
    if (overlapped_) return true;
    auto sorted = terms_;
    std::sort(sorted.begin(), sorted.end(),
              [](const Term& a, const Term& b) { return a.start < b.start; });
    for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
      if (!sorted[i].end || *sorted[i].end > sorted[i + 1].start) return true;
    }
    return false;
  }

 private:
  mutable Mutex mu_;  // guards everything below
  int leading_ KUBE_GUARDED_BY(mu_) = 0;
  bool overlapped_ KUBE_GUARDED_BY(mu_) = false;
  std::vector<Term> terms_ KUBE_GUARDED_BY(mu_);
};

// One candidate: its own proxy, transport and elector.
struct Candidate {
  std::string id;
  std::unique_ptr<PausableProxy> proxy;
  std::unique_ptr<LeaderElector> elector;
};

std::shared_ptr<RestClient> client_via(const testing::ApiServer& server, std::uint16_t port) {
  RestConfig cfg;
  cfg.host = "https://127.0.0.1:" + std::to_string(port);
  cfg.ca_pem = server.ca_pem();
  cfg.bearer_token = server.token();
  cfg.qps = 10000;
  cfg.burst = 10000;
  TransportOptions topts;
  topts.initial_backoff = 5ms;
  topts.max_backoff = 50ms;
  auto t = Transport::create(cfg, topts);
  EXPECT_TRUE(t.ok());
  return std::make_shared<RestClient>(std::shared_ptr<Transport>(std::move(*t)));
}

// Lease 2 s, renew deadline 1 s, retry 200 ms: a leader that cannot renew
// steps down within 1.2 s of its last renewal, 0.8 s before the others may
// take over.
constexpr auto kLease = 2s;

class ElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = Cluster::start();
    ASSERT_TRUE(cluster_.server);
  }
  void TearDown() override {
    for (auto& c : candidates_) c.elector->stop();
  }

  void start_candidates(bool release_on_cancel = false) {
    for (const char* id : {"a", "b", "c"}) {
      Candidate c{id, std::make_unique<PausableProxy>(cluster_.server->port()), nullptr};
      auto lock = std::make_shared<RestLeaseLock>(client_via(*cluster_.server, c.proxy->port()),
                                                  "default", "controller-lease");
      std::string me = id;
      auto elector = LeaderElector::create(
          {.lock = lock,
           .identity = me,
           .lease_duration = kLease,
           .renew_deadline = 1000ms,
           .retry_period = 200ms,
           .release_on_cancel = release_on_cancel,
           .callbacks = {.on_started_leading =
                             [this, me](std::stop_token stop) {
                               timeline_.started(me);
                               std::mutex m;
                               std::condition_variable_any cv;
                               std::unique_lock lk(m);
                               cv.wait(lk, stop, [] { return false; });
                             },
                         .on_stopped_leading = [this, me] { timeline_.stopped(me); }}});
      ASSERT_TRUE(elector.ok()) << elector.error().message;
      c.elector = std::move(*elector);
      candidates_.push_back(std::move(c));
    }
    for (auto& c : candidates_) c.elector->start();
  }

  Candidate& candidate(const std::string& id) {
    for (auto& c : candidates_) {
      if (c.id == id) return c;
    }
    throw std::logic_error("no candidate " + id);
  }

  LeaderElectionRecord lease() {
    auto l = cluster_.client->get(kLeases, "default", "controller-lease");
    EXPECT_TRUE(l.ok());
    return l ? record_from_lease(**l) : LeaderElectionRecord{};
  }

  // Waits for a leader other than `not_this` and returns it.
  std::string next_leader(const std::string& not_this, std::chrono::milliseconds limit = 8s) {
    std::string found;
    eventually(
        [&] {
          found = timeline_.leader();
          return !found.empty() && found != not_this;
        },
        limit);
    return found != not_this ? found : "";
  }

  Cluster cluster_;
  Timeline timeline_;
  std::vector<Candidate> candidates_;
};

TEST_F(ElectionTest, ExactlyOneOfThreeCandidatesLeadsAndKeepsTheLease) {
  start_candidates();
  std::string leader = next_leader("");
  ASSERT_FALSE(leader.empty());
  // Longer than a lease: the leader renews, nobody else gets in.
  std::this_thread::sleep_for(kLease + 500ms);
  EXPECT_EQ(timeline_.leader(), leader);
  EXPECT_EQ(timeline_.terms().size(), 1u);
  EXPECT_EQ(timeline_.leading(), 1);
  auto rec = lease();
  EXPECT_EQ(rec.holder_identity, leader);
  EXPECT_EQ(rec.lease_duration_seconds, 2);
  for (auto& c : candidates_) {
    EXPECT_TRUE(eventually([&] { return c.elector->leader() == leader; })) << c.id;
    EXPECT_EQ(c.elector->is_leader(), c.id == leader);
  }
  EXPECT_FALSE(timeline_.overlapped());
}

TEST_F(ElectionTest, AKilledLeaderIsReplacedOnceItsLeaseExpires) {
  start_candidates();
  std::string first = next_leader("");
  ASSERT_FALSE(first.empty());
  int transitions = lease().lease_transitions;
  auto killed_at = Steady::now();
  candidate(first).elector->stop();  // no release: the lease runs out
  std::string second = next_leader(first);
  ASSERT_FALSE(second.empty());
  auto took = timeline_.terms().back().start - killed_at;
  // The others wait a full lease from the last renewal they saw (at most one
  // retry period before the kill).
  EXPECT_GE(took, kLease - 400ms);
  EXPECT_LT(took, kLease + 3s);
  EXPECT_EQ(lease().holder_identity, second);
  EXPECT_EQ(lease().lease_transitions, transitions + 1);
  EXPECT_FALSE(timeline_.overlapped());
}

TEST_F(ElectionTest, AStalledLeaderStepsDownBeforeAnotherLeads) {
  start_candidates();
  std::string first = next_leader("");
  ASSERT_FALSE(first.empty());
  auto stalled_at = Steady::now();
  candidate(first).proxy->pause();  // its requests hang; the others' go through
  ASSERT_TRUE(eventually([&] { return candidate(first).elector->finished(); }, 5s));
  std::string second = next_leader(first);
  ASSERT_FALSE(second.empty());
  auto terms = timeline_.terms();
  ASSERT_EQ(terms.size(), 2u);
  ASSERT_TRUE(terms[0].end.has_value());
  // It gave up within renew deadline + retry period (+ slack) of the stall ...
  EXPECT_LT(*terms[0].end - stalled_at, 1800ms);
  // ... and before the next leader started.
  EXPECT_LT(*terms[0].end, terms[1].start);
  EXPECT_FALSE(candidate(first).elector->is_leader());
  candidate(first).proxy->resume();
  std::this_thread::sleep_for(500ms);  // the old leader's run is over: it does not come back
  EXPECT_EQ(timeline_.leader(), second);
  EXPECT_EQ(lease().holder_identity, second);
  EXPECT_FALSE(timeline_.overlapped());
}

TEST_F(ElectionTest, ReleaseOnCancelHandsOverWithoutWaitingOutTheLease) {
  start_candidates(/*release_on_cancel=*/true);
  std::string first = next_leader("");
  ASSERT_FALSE(first.empty());
  auto stopped_at = Steady::now();
  candidate(first).elector->stop();
  std::string second = next_leader(first);
  ASSERT_FALSE(second.empty());
  EXPECT_LT(timeline_.terms().back().start - stopped_at, kLease - 500ms);
  EXPECT_EQ(lease().holder_identity, second);
  EXPECT_FALSE(timeline_.overlapped());
}

}  // namespace
}  // namespace kube::leaderelection
