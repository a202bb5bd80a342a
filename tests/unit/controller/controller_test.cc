// Controller without a server: keys enqueued by hand, reconcile results,
// retries on a fake clock, exceptions, shutdown modes, owner mapping, metrics.
#include "kube/controller/controller.h"

#include <atomic>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/wait.h"

namespace kube::controller {
namespace {

using namespace std::chrono_literals;
using kube::testing::eventually;
using ::testing::HasSubstr;

ObjectPtr object(const std::string& json) {
  auto o = Object::parse(json);
  EXPECT_TRUE(o.ok()) << o.error().message;
  return *o;
}

std::shared_ptr<workqueue::RateLimiter<std::string>> fast_limiter() {
  return std::make_shared<workqueue::ItemExponentialFailureRateLimiter<std::string>>(1ms, 20ms);
}

// Reconcile calls, thread-safe.
class Calls {
 public:
  void add(const ObjectKey& k) {
    MutexLock l(mu_);
    keys_.push_back(make_key(k.namespace_, k.name));
  }
  std::vector<std::string> keys() const {
    MutexLock l(mu_);
    return keys_;
  }
  std::size_t count(const std::string& key) const {
    MutexLock l(mu_);
    return static_cast<std::size_t>(std::count(keys_.begin(), keys_.end(), key));
  }
  std::size_t size() const {
    MutexLock l(mu_);
    return keys_.size();
  }

 private:
  mutable Mutex mu_;  // guards keys_
  std::vector<std::string> keys_ KUBE_GUARDED_BY(mu_);
};

TEST(ControllerOwnerKey, IsTheControllerReferenceOfTheOwnerKind) {
  auto rs = object(
      R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1","namespace":"demo",
      "ownerReferences":[
        {"apiVersion":"v1","kind":"ConfigMap","name":"not-controller","uid":"u0"},
        {"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1","controller":true}]}})");
  EXPECT_EQ(controller_owner_key(*rs, {.group = "apps", .kind = "Deployment"}), "demo/web");
  // The version does not matter; the group does.
  auto v2 = object(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"demo",
      "ownerReferences":[{"apiVersion":"apps/v2","kind":"Deployment","name":"web","uid":"u","controller":true}]}})");
  EXPECT_EQ(controller_owner_key(*v2, {.group = "apps", .kind = "Deployment"}), "demo/web");
  EXPECT_EQ(controller_owner_key(*v2, {.group = "example.com", .kind = "Deployment"}),
            std::nullopt);
}

TEST(ControllerOwnerKey, NoneWhenTheOwnerIsNotTheController) {
  auto o = object(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"demo",
      "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"u"}]}})");
  EXPECT_EQ(controller_owner_key(*o, {.group = "", .kind = "ConfigMap"}), std::nullopt);
  auto other =
      object(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"demo",
      "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"cm","uid":"u"},
                         {"apiVersion":"apps/v1","kind":"Deployment","name":"d","uid":"u2","controller":true}]}})");
  EXPECT_EQ(controller_owner_key(*other, {.group = "", .kind = "ConfigMap"}), std::nullopt);
  auto none =
      object(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"demo"}})");
  EXPECT_EQ(controller_owner_key(*none, {.group = "", .kind = "ConfigMap"}), std::nullopt);
}

TEST(ControllerOwnerKey, ClusterScopedOwnerKeyIsItsName) {
  auto o = object(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"demo",
      "ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"u","controller":true}]}})");
  EXPECT_EQ(controller_owner_key(*o, {.group = "", .kind = "Node", .namespaced = false}), "n1");
}

TEST(Controller, ReconcilesEnqueuedKeysOnceEachAndCountsSuccess) {
  Calls calls;
  Controller c({.name = "t"}, [&](const ObjectKey& k) -> ReconcileResult {
    calls.add(k);
    return Done{};
  });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  c.enqueue("cluster-scoped");
  ASSERT_TRUE(eventually([&] { return calls.size() == 2; }));
  EXPECT_THAT(calls.keys(), ::testing::UnorderedElementsAre("demo/a", "cluster-scoped"));
  ASSERT_TRUE(eventually([&] { return c.metrics().reconcile_success == 2; }));
  c.stop();
  EXPECT_EQ(c.metrics().reconcile_total(), 2u);
}

TEST(Controller, ErrorsAreRetriedWithBackoffUntilSuccessThenForgotten) {
  auto limiter = fast_limiter();
  std::atomic<int> attempts{0};
  std::vector<std::string> reported;
  Mutex reported_mu;
  Controller c({.name = "t",
                .rate_limiter = limiter,
                .on_error =
                    [&](const std::string& key, const Error& e) {
                      MutexLock l(reported_mu);
                      reported.push_back(key + ": " + e.message);
                    }},
               [&](const ObjectKey&) -> ReconcileResult {
                 if (++attempts <= 3) return Error::internal("not yet");
                 return Done{};
               });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  ASSERT_TRUE(eventually([&] { return c.metrics().reconcile_success == 1; }));
  EXPECT_EQ(attempts, 4);
  auto m = c.metrics();
  EXPECT_EQ(m.reconcile_error, 3u);
  EXPECT_EQ(m.queue.retries, 3u);
  EXPECT_EQ(limiter->num_requeues("demo/a"), 0);  // forgotten on success
  c.stop();
  MutexLock l(reported_mu);
  ASSERT_EQ(reported.size(), 3u);
  EXPECT_EQ(reported[0], "demo/a: not yet");
}

// On a fake clock: each retry waits exactly the limiter's delay for the key.
TEST(Controller, RetryWaitsTheRateLimitersDelay) {
  FakeClock clock;
  auto limiter =
      std::make_shared<workqueue::ItemExponentialFailureRateLimiter<std::string>>(1s, 1min);
  std::atomic<int> attempts{0};
  Controller c({.name = "t", .rate_limiter = limiter, .clock = &clock},
               [&](const ObjectKey&) -> ReconcileResult {
                 ++attempts;
                 return Error::internal("failing");
               });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  // done() runs after the retry was scheduled: from then on stepping is safe.
  auto finished = [&](std::uint64_t n) {
    return eventually([&] { return c.metrics().queue.work_duration.count == n; });
  };
  ASSERT_TRUE(finished(1));
  clock.step(999ms);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(attempts, 1);
  clock.step(1ms);  // 1 s: first retry
  ASSERT_TRUE(finished(2));
  EXPECT_EQ(attempts, 2);
  clock.step(1999ms);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(attempts, 2);
  clock.step(1ms);  // 2 s more: second retry
  ASSERT_TRUE(finished(3));
  EXPECT_EQ(attempts, 3);
  c.stop();
}

TEST(Controller, RequeueAfterReconcilesAgainAfterTheDelayWithoutCountingAFailure) {
  FakeClock clock;
  auto limiter = fast_limiter();
  std::atomic<int> attempts{0};
  Controller c({.name = "t", .rate_limiter = limiter, .clock = &clock},
               [&](const ObjectKey&) -> ReconcileResult {
                 if (++attempts == 1) return RequeueAfter{30s};
                 return Done{};
               });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  ASSERT_TRUE(eventually([&] { return c.metrics().queue.work_duration.count == 1; }));
  clock.step(29s);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(attempts, 1);
  clock.step(1s);
  ASSERT_TRUE(eventually([&] { return c.metrics().reconcile_success == 1; }));
  auto m = c.metrics();
  EXPECT_EQ(m.reconcile_requeue_after, 1u);
  EXPECT_EQ(m.reconcile_error, 0u);
  EXPECT_EQ(limiter->num_requeues("demo/a"), 0);
  c.stop();
}

TEST(Controller, RequeueIsRateLimited) {
  auto limiter = fast_limiter();
  std::atomic<int> attempts{0};
  Controller c({.name = "t", .rate_limiter = limiter}, [&](const ObjectKey&) -> ReconcileResult {
    if (++attempts <= 2) return Requeue{};
    return Done{};
  });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  ASSERT_TRUE(eventually([&] { return c.metrics().reconcile_success == 1; }));
  auto m = c.metrics();
  EXPECT_EQ(m.reconcile_requeue, 2u);
  EXPECT_EQ(m.queue.retries, 2u);
  EXPECT_EQ(m.reconcile_error, 0u);
}

TEST(Controller, ExceptionFromReconcileIsCaughtCountedAndRetried) {
  std::atomic<int> attempts{0};
  std::string message;
  Mutex message_mu;
  Controller c({.name = "t",
                .rate_limiter = fast_limiter(),
                .on_error =
                    [&](const std::string&, const Error& e) {
                      MutexLock l(message_mu);
                      message = e.message;
                    }},
               [&](const ObjectKey&) -> ReconcileResult {
                 if (++attempts == 1) throw std::runtime_error("boom");
                 if (attempts == 2) throw 42;  // not a std::exception
                 return Done{};
               });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  ASSERT_TRUE(eventually([&] { return c.metrics().reconcile_success == 1; }));
  auto m = c.metrics();
  EXPECT_EQ(m.reconcile_exceptions, 2u);
  EXPECT_EQ(m.reconcile_error, 2u);
  MutexLock l(message_mu);
  EXPECT_THAT(message, HasSubstr("controller \"t\": reconcile demo/a threw"));
}

TEST(Controller, InvalidKeyIsReportedOnceAndNeverReconciled) {
  Calls calls;
  std::atomic<int> errors{0};
  Controller c({.name = "t", .on_error = [&](const std::string&, const Error&) { ++errors; }},
               [&](const ObjectKey& k) -> ReconcileResult {
                 calls.add(k);
                 return Done{};
               });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("a/b/c");
  c.enqueue("demo/ok");
  ASSERT_TRUE(eventually([&] { return calls.size() == 1 && errors == 1; }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(calls.keys(), std::vector<std::string>{"demo/ok"});
  EXPECT_EQ(c.metrics().reconcile_error, 1u);
}

TEST(Controller, AKeyIsNeverReconciledByTwoWorkersAtOnce) {
  Mutex mu;
  std::map<std::string, int> running;  // guarded by mu
  std::atomic<bool> overlap{false};
  std::atomic<int> total{0};
  Controller c({.name = "t", .workers = 4}, [&](const ObjectKey& k) -> ReconcileResult {
    std::string key = make_key(k.namespace_, k.name);
    {
      MutexLock l(mu);
      if (++running[key] > 1) overlap = true;
    }
    std::this_thread::sleep_for(200us);
    {
      MutexLock l(mu);
      --running[key];
    }
    ++total;
    return Done{};
  });
  ASSERT_TRUE(c.start().ok());
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 300; ++i) c.enqueue("demo/k" + std::to_string(i % 5));
    });
  }
  for (auto& t : producers) t.join();
  ASSERT_TRUE(
      eventually([&] { return c.metrics().queue.depth == 0 && c.metrics().active_workers == 0; }));
  c.stop();
  EXPECT_FALSE(overlap);
  EXPECT_GE(total, 5);
}

// One worker blocked in the first key's reconcile while stop() is called.
struct Gate {
  Mutex mu;
  CondVar cv;
  bool open KUBE_GUARDED_BY(mu) = false;
  void wait() {
    MutexLock l(mu);
    while (!open) cv.wait(mu);
  }
  void release() {
    {
      MutexLock l(mu);
      open = true;
    }
    cv.notify_all();
  }
};

std::vector<std::string> shutdown_with_queued_keys(ShutdownMode mode) {
  Gate gate;
  Calls calls;
  Controller c({.name = "t", .workers = 1, .shutdown = mode},
               [&](const ObjectKey& k) -> ReconcileResult {
                 calls.add(k);
                 if (k.name == "a") gate.wait();
                 return Done{};
               });
  EXPECT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  EXPECT_TRUE(eventually([&] { return calls.size() == 1; }));
  c.enqueue("demo/b");
  c.enqueue("demo/c");
  std::thread stopper([&] { c.stop(); });
  EXPECT_TRUE(eventually([&] { return c.stopped(); }));
  c.enqueue("demo/late");  // refused: the controller is stopping
  gate.release();
  stopper.join();
  return calls.keys();
}

TEST(Controller, DrainShutdownReconcilesTheQueuedKeysBeforeReturning) {
  EXPECT_EQ(shutdown_with_queued_keys(ShutdownMode::Drain),
            (std::vector<std::string>{"demo/a", "demo/b", "demo/c"}));
}

TEST(Controller, DropShutdownFinishesRunningReconcilesOnly) {
  EXPECT_EQ(shutdown_with_queued_keys(ShutdownMode::Drop), (std::vector<std::string>{"demo/a"}));
}

TEST(Controller, StartChecksItsOptionsAndRunsOnce) {
  auto reconcile = [](const ObjectKey&) -> ReconcileResult { return Done{}; };
  Controller unnamed({}, reconcile);
  EXPECT_THAT(unnamed.start().error().message, HasSubstr("name is empty"));
  Controller no_workers({.name = "t", .workers = 0}, reconcile);
  EXPECT_THAT(no_workers.start().error().message, HasSubstr("workers must be at least 1"));
  Controller c({.name = "t"}, reconcile);
  ASSERT_TRUE(c.start().ok());
  EXPECT_THAT(c.start().error().message, HasSubstr("already started"));
  c.stop();
  c.stop();  // idempotent
}

TEST(Controller, PrometheusTextUsesControllerRuntimeNames) {
  Controller c({.name = "cms"}, [](const ObjectKey&) -> ReconcileResult { return Done{}; });
  ASSERT_TRUE(c.start().ok());
  c.enqueue("demo/a");
  ASSERT_TRUE(eventually([&] { return c.metrics().reconcile_success == 1; }));
  std::string text = prometheus_text(c.name(), c.metrics());
  EXPECT_THAT(
      text,
      HasSubstr("controller_runtime_reconcile_total{controller=\"cms\",result=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("controller_runtime_reconcile_errors_total{controller=\"cms\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("controller_runtime_reconcile_time_seconds_count{controller=\"cms\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("controller_runtime_max_concurrent_reconciles{controller=\"cms\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("workqueue_adds_total{name=\"cms\"} 1\n"));
  // The same samples reach the application through the global registry.
  std::string global = metrics::Registry::global().prometheus_text();
  EXPECT_THAT(global,
              HasSubstr("controller_runtime_reconcile_total{controller=\"cms\",result=\"success\"} 1\n"));
  EXPECT_THAT(global, HasSubstr("workqueue_adds_total{name=\"cms\"} 1\n"));
}

}  // namespace
}  // namespace kube::controller
