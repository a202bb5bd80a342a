// Controllers fed by shared informers against the embedded API server, over
// real TLS sockets: reconciles follow creates/updates/deletes, an owned
// object's events reconcile its owner, errors back off, requeue-after waits,
// shutdown drains or drops, start() names a cache that did not sync.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/controller/controller.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::controller {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using informers::InformerFactoryOptions;
using informers::SharedInformerFactory;
using kube::testing::Cluster;
using kube::testing::eventually;
using ::testing::HasSubstr;

const Resource kSecrets{{"", "v1", "secrets"}, true};

InformerFactoryOptions fast() {
  InformerFactoryOptions o;
  o.reflector.backoff_initial = 5ms;
  o.reflector.backoff_max = 100ms;
  return o;
}

// What reconcile saw, in order; thread-safe.
class Log {
 public:
  void add(std::string entry) {
    MutexLock l(mu_);
    entries_.push_back(std::move(entry));
    times_.push_back(Steady::now());
  }
  std::vector<std::string> entries() const {
    MutexLock l(mu_);
    return entries_;
  }
  std::vector<Steady::time_point> times() const {
    MutexLock l(mu_);
    return times_;
  }
  bool contains(const std::string& e) const {
    MutexLock l(mu_);
    return std::find(entries_.begin(), entries_.end(), e) != entries_.end();
  }
  std::size_t count(const std::string& e) const {
    MutexLock l(mu_);
    return static_cast<std::size_t>(std::count(entries_.begin(), entries_.end(), e));
  }
  std::size_t size() const {
    MutexLock l(mu_);
    return entries_.size();
  }

 private:
  mutable Mutex mu_;  // guards entries_ and times_
  std::vector<std::string> entries_ KUBE_GUARDED_BY(mu_);
  std::vector<Steady::time_point> times_ KUBE_GUARDED_BY(mu_);
};

std::string value_of(const Object& cm) { return cm.field_string("data.v").value_or(""); }

class ControllerIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = Cluster::start();
    ASSERT_TRUE(c_.server);
    ASSERT_TRUE(c_.create_namespace("demo").ok());
    factory_ = std::make_unique<SharedInformerFactory>(c_.client, fast());
  }
  void TearDown() override {
    if (factory_) factory_->shutdown();
  }

  Cluster c_;
  std::unique_ptr<SharedInformerFactory> factory_;
};

TEST_F(ControllerIntegration, ReconcilesObjectsAsTheyAreCreatedUpdatedAndDeleted) {
  ASSERT_TRUE(c_.put_configmap("demo", "a", "1").ok());
  auto cms = factory_->configmaps();
  Log log;
  Controller ctl({.name = "cms", .workers = 2}, [&](const ObjectKey& k) -> ReconcileResult {
    auto cm = cms.objects().namespace_(k.namespace_).get(k.name);
    if (!cm) {
      if (!cm.error().is_not_found()) return cm.error();
      log.add(make_key(k.namespace_, k.name) + "=gone");
      return Done{};
    }
    log.add(make_key(k.namespace_, k.name) + "=" + value_of(**cm));
    return Done{};
  });
  ctl.watch(cms);
  factory_->start();
  ASSERT_TRUE(ctl.start().ok());
  // The initial list is reconciled: start() waited for the cache.
  ASSERT_TRUE(eventually([&] { return log.contains("demo/a=1"); }));
  ASSERT_TRUE(c_.put_configmap("demo", "a", "2").ok());
  ASSERT_TRUE(eventually([&] { return log.contains("demo/a=2"); }));
  ASSERT_TRUE(c_.put_configmap("demo", "b", "1").ok());
  ASSERT_TRUE(eventually([&] { return log.contains("demo/b=1"); }));
  ASSERT_TRUE(c_.client->remove(Cluster::configmaps(), "demo", "a").ok());
  ASSERT_TRUE(eventually([&] { return log.contains("demo/a=gone"); }));
  ctl.stop();
  auto m = ctl.metrics();
  EXPECT_EQ(m.reconcile_error, 0u);
  EXPECT_GE(m.reconcile_success, 4u);
}

// A ConfigMap controller that keeps a Secret "<name>-child" owned by it.
TEST_F(ControllerIntegration, EventsOnOwnedObjectsReconcileTheirControllerOwner) {
  auto cms = factory_->configmaps();
  auto secrets = factory_->secrets();
  Log log;
  Controller ctl({.name = "cm-secrets"}, [&](const ObjectKey& k) -> ReconcileResult {
    log.add(make_key(k.namespace_, k.name));
    auto cm = cms.objects().namespace_(k.namespace_).get(k.name);
    if (!cm) return cm.error().is_not_found() ? ReconcileResult(Done{}) : cm.error();
    std::string child = k.name + "-child";
    if (secrets.objects().namespace_(k.namespace_).get(child)) return Done{};
    std::string body = R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" + child +
                       R"(","namespace":")" + k.namespace_ +
                       R"(","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":")" +
                       k.name + R"(","uid":")" + std::string((*cm)->uid()) +
                       R"(","controller":true}]}})";
    auto created = c_.client->create(kSecrets, k.namespace_, body);
    if (!created && created.error().reason != "AlreadyExists") return created.error();
    return Done{};
  });
  ctl.watch(cms);
  ctl.watch_owned(secrets, {.group = "", .kind = "ConfigMap"});
  factory_->start();
  ASSERT_TRUE(ctl.start().ok());

  ASSERT_TRUE(c_.put_configmap("demo", "parent", "1").ok());
  ASSERT_TRUE(eventually([&] { return c_.client->get(kSecrets, "demo", "parent-child").ok(); }));
  // The child's own add event reconciles the parent once more.
  ASSERT_TRUE(eventually([&] { return log.count("demo/parent") >= 2; }));
  std::size_t before = log.count("demo/parent");

  // Deleting the owned object reconciles the owner, which recreates it.
  ASSERT_TRUE(c_.client->remove(kSecrets, "demo", "parent-child").ok());
  ASSERT_TRUE(eventually([&] { return log.count("demo/parent") > before; }));
  ASSERT_TRUE(eventually([&] { return c_.client->get(kSecrets, "demo", "parent-child").ok(); }));

  // Only the controller reference counts: a plain owner reference enqueues
  // nothing; a controller reference to a missing owner enqueues its key.
  ASSERT_TRUE(
      c_.client
          ->create(
              kSecrets, "demo",
              R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"plain","namespace":"demo",
                               "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"not-controller","uid":"u1"}]}})")
          .ok());
  ASSERT_TRUE(
      c_.client
          ->create(
              kSecrets, "demo",
              R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"orphan","namespace":"demo",
                               "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"gone","uid":"u2","controller":true}]}})")
          .ok());
  ASSERT_TRUE(eventually([&] { return log.contains("demo/gone"); }));
  EXPECT_FALSE(log.contains("demo/not-controller"));  // its event came first, on the same handler
  EXPECT_FALSE(log.contains("demo/plain"));
  EXPECT_FALSE(log.contains("demo/orphan"));
  ctl.stop();
}

TEST_F(ControllerIntegration, FailedReconcilesRetryWithExponentialBackoffThenSucceed) {
  ASSERT_TRUE(c_.put_configmap("demo", "flaky", "1").ok());
  auto cms = factory_->configmaps();
  Log log;
  std::atomic<int> failures{0};
  Controller ctl({.name = "flaky"}, [&](const ObjectKey& k) -> ReconcileResult {
    if (k.name != "flaky") return Done{};
    log.add(k.name);
    if (failures < 3) {
      ++failures;
      return Error::internal("dependency not ready");
    }
    return Done{};
  });
  ctl.watch(cms);
  factory_->start();
  ASSERT_TRUE(ctl.start().ok());
  ASSERT_TRUE(eventually([&] { return ctl.metrics().reconcile_success >= 1 && log.size() == 4; }));
  auto t = log.times();
  ASSERT_EQ(t.size(), 4u);
  // client-go's default limiter: 5 ms, 10 ms, 20 ms for this key.
  EXPECT_GE(t[1] - t[0], 5ms);
  EXPECT_GE(t[2] - t[1], 10ms);
  EXPECT_GE(t[3] - t[2], 20ms);
  auto m = ctl.metrics();
  EXPECT_EQ(m.reconcile_error, 3u);
  EXPECT_EQ(m.queue.retries, 3u);
  ctl.stop();
}

TEST_F(ControllerIntegration, RequeueAfterReconcilesAgainAfterTheDelay) {
  ASSERT_TRUE(c_.put_configmap("demo", "periodic", "1").ok());
  auto cms = factory_->configmaps();
  Log log;
  Controller ctl({.name = "periodic"}, [&](const ObjectKey& k) -> ReconcileResult {
    log.add(k.name);
    if (log.size() == 1) return RequeueAfter{300ms};
    return Done{};
  });
  ctl.watch(cms);
  factory_->start();
  ASSERT_TRUE(ctl.start().ok());
  ASSERT_TRUE(eventually([&] { return log.size() == 2; }));
  auto t = log.times();
  EXPECT_GE(t[1] - t[0], 300ms);
  EXPECT_EQ(ctl.metrics().reconcile_requeue_after, 1u);
  ctl.stop();
}

class ShutdownTest : public ControllerIntegration,
                     public ::testing::WithParamInterface<ShutdownMode> {};

// Five objects, one worker, the first reconcile held while stop() begins.
TEST_P(ShutdownTest, DrainReconcilesTheQueueDropLeavesIt) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c_.put_configmap("demo", "cm" + std::to_string(i), "1").ok());
  auto cms = factory_->configmaps();
  Log log;
  Mutex mu;
  CondVar cv;
  bool open = false;  // guarded by mu
  Controller ctl({.name = "shutdown", .workers = 1, .shutdown = GetParam()},
                 [&](const ObjectKey& k) -> ReconcileResult {
                   log.add(k.name);
                   MutexLock l(mu);
                   while (!open) cv.wait(mu);
                   return Done{};
                 });
  ctl.watch(cms);
  factory_->start();
  ASSERT_TRUE(ctl.start().ok());
  ASSERT_TRUE(eventually([&] { return log.size() == 1 && ctl.metrics().queue.depth == 4; }));
  std::thread stopper([&] { ctl.stop(); });
  ASSERT_TRUE(eventually([&] { return ctl.stopped(); }));
  ASSERT_TRUE(c_.put_configmap("demo", "late", "1").ok());  // after stop(): not taken
  {
    MutexLock l(mu);
    open = true;
  }
  cv.notify_all();
  stopper.join();
  EXPECT_EQ(log.size(), GetParam() == ShutdownMode::Drain ? 5u : 1u);
  EXPECT_FALSE(log.contains("late"));
  EXPECT_EQ(ctl.metrics().active_workers, 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, ShutdownTest,
                         ::testing::Values(ShutdownMode::Drain, ShutdownMode::Drop),
                         [](const auto& info) {
                           return info.param == ShutdownMode::Drain ? "Drain" : "Drop";
                         });

TEST_F(ControllerIntegration, StartNamesTheResourceWhoseCacheDidNotSync) {
  auto widgets = factory_->for_resource({{"example.com", "v1", "widgets"}, true});  // no such CRD
  Controller ctl({.name = "widgets", .cache_sync_timeout = 500ms},
                 [](const ObjectKey&) -> ReconcileResult { return Done{}; });
  ctl.watch(factory_->configmaps());
  ctl.watch(widgets);
  factory_->start();
  auto r = ctl.start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "Timeout");
  EXPECT_THAT(r.error().message,
              HasSubstr("controller \"widgets\": timed out after 500ms waiting for the cache of "
                        "example.com/v1, Resource=widgets to sync: "));
  EXPECT_THAT(r.error().message, HasSubstr("could not find the requested resource"));  // the 404
  ctl.stop();
}

}  // namespace
}  // namespace kube::controller
