#include "kube/informers/shared_informer.h"

#include <atomic>
#include <future>
#include <random>

#include <gtest/gtest.h>

#include "informers/fake_server.h"
#include "informers/informer_test_options.h"
#include "informers/recording_handler.h"
#include "kube/informers/lister.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::fast_informer_options;
using kube::testing::eventually;
using kube::testing::FakeServer;
using kube::testing::RecordingHandler;

TEST(SharedInformer, InitialListArrivesAsInitialAddsThenLiveEventsInOrder) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  SharedIndexInformer inf(server, fast_informer_options());
  auto h = std::make_shared<RecordingHandler>();
  auto reg = inf.add_event_handler(h);
  EXPECT_FALSE(reg->has_synced());
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  server->put("demo", "a", {{"v", "2"}});
  server->put("demo", "b");
  server->remove("demo", "a");
  ASSERT_TRUE(eventually([&] { return h->count() == 4; }));
  // Order is kept per object (keys may interleave, as with client-go).
  std::map<std::string, std::vector<std::string>> per_key;
  for (const auto& e : h->events()) per_key[e.key].push_back(e.kind);
  EXPECT_EQ(per_key["demo/a"], (std::vector<std::string>{"add-initial", "update", "delete"}));
  EXPECT_EQ(per_key["demo/b"], (std::vector<std::string>{"add"}));
  EXPECT_TRUE(h->violations().empty());
}

TEST(SharedInformer, HandlerAddedAfterSyncFirstGetsTheCacheAsAdds) {
  auto server = std::make_shared<FakeServer>();
  for (int i = 0; i < 50; ++i) server->put("demo", "o" + std::to_string(i));
  SharedIndexInformer inf(server, fast_informer_options());
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  // Writes keep flowing while the handler joins: nothing missed, nothing twice.
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing; ++i) server->put("demo", "o" + std::to_string(i % 60), {{"i", std::to_string(i)}});
  });
  auto h = std::make_shared<RecordingHandler>();
  auto reg = inf.add_event_handler(h);
  std::this_thread::sleep_for(5ms);
  writing = false;
  writer.join();
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  ASSERT_TRUE(eventually([&] { return h->state() == server_state(*server); }));
  EXPECT_TRUE(h->violations().empty()) << h->violations().front();
  EXPECT_EQ(h->events().front().kind, "add-initial");
}

TEST(SharedInformer, SlowHandlerDelaysOnlyItself) {
  auto server = std::make_shared<FakeServer>();
  SharedIndexInformer inf(server, fast_informer_options());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto slow = std::make_shared<ResourceEventHandlerFuncs>();
  slow->add = [released](const ObjectPtr&, bool) { released.wait(); };
  auto fast = std::make_shared<RecordingHandler>();
  auto slow_reg = inf.add_event_handler(slow);
  inf.add_event_handler(fast);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  for (int i = 0; i < 100; ++i) server->put("demo", "o" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return fast->count() == 100; }));
  EXPECT_GE(slow_reg->backlog(), 99u);
  EXPECT_GE(slow_reg->backlog_high_water(), 99u);
  release.set_value();
  ASSERT_TRUE(eventually([&] { return slow_reg->backlog() == 0; }));
  // The last one counts once its handler call has returned.
  EXPECT_TRUE(eventually([&] { return slow_reg->delivered() == 100u; })) << slow_reg->delivered();
}

TEST(SharedInformer, PendingDeltasCountsKeysNotYetAppliedToTheCache) {
  auto server = std::make_shared<FakeServer>();
  for (int i = 0; i < 10; ++i) server->put("demo", "o" + std::to_string(i));
  SharedIndexInformer inf(server, fast_informer_options());
  EXPECT_EQ(inf.pending_deltas(), 0u);
  // An index function runs on the informer's thread while it applies a key:
  // blocking it holds the first key in flight and the other nine queued.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> indexed{0};
  ASSERT_TRUE(inf.add_indexers({{"block", [&, released](const Object&) {
                                   if (indexed++ == 0) released.wait();
                                   return std::vector<std::string>{};
                                 }}}));
  inf.start();
  ASSERT_TRUE(eventually([&] { return indexed.load() == 1; }));
  EXPECT_EQ(inf.pending_deltas(), 10u);  // the one being applied counts too
  release.set_value();
  ASSERT_TRUE(eventually([&] { return inf.pending_deltas() == 0; }));
  EXPECT_EQ(inf.indexer().size(), 10u);
  EXPECT_TRUE(inf.has_synced());
}

TEST(SharedInformer, ThrowingHandlerIsIsolatedAndStillSyncs) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->put("demo", "b");
  SharedIndexInformer inf(server, fast_informer_options());
  auto thrower = std::make_shared<ResourceEventHandlerFuncs>();
  thrower->add = [](const ObjectPtr&, bool) { throw std::runtime_error("handler bug"); };
  auto reg = inf.add_event_handler(thrower);
  auto h = std::make_shared<RecordingHandler>();
  inf.add_event_handler(h);
  inf.start();
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  EXPECT_EQ(reg->handler_exceptions(), 2u);
  server->put("demo", "c");
  ASSERT_TRUE(eventually([&] { return h->count() == 3; }));
}

TEST(SharedInformer, RelistThatFindsNothingChangedNotifiesNoOne) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  SharedIndexInformer inf(server, fast_informer_options());
  auto h = std::make_shared<RecordingHandler>();
  inf.add_event_handler(h);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  // While the watch is down, "x" is created and the history compacted: the
  // re-watch gets 410 and the relist finds "a" unchanged and "x" new.
  server->fail_next_watches(1000, Error::internal("down (test)"));
  server->break_watches();
  server->put("demo", "x");
  server->compact();
  server->fail_next_watches(0, Error{});
  ASSERT_TRUE(eventually([&] { return inf.reflector_stats().lists == 2; }));
  server->put("demo", "marker");
  ASSERT_TRUE(eventually([&] { return h->count() == 3; }));
  auto ev = h->events();
  EXPECT_EQ(ev[1].key, "demo/x");
  EXPECT_EQ(ev[1].kind, "add");
  EXPECT_EQ(ev[2].key, "demo/marker");  // and no update for the unchanged "a"
}

TEST(SharedInformer, ResyncDeliversUpdateWithTheSameObject) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  auto opts = fast_informer_options();
  opts.resync_period = 20ms;
  SharedIndexInformer inf(server, opts);
  auto h = std::make_shared<RecordingHandler>();
  inf.add_event_handler(h);
  auto quiet = std::make_shared<RecordingHandler>();
  inf.add_event_handler(quiet, 1h);  // not due for a long time
  inf.start();
  ASSERT_TRUE(eventually([&] { return h->count() >= 3; }));
  auto ev = h->events();
  EXPECT_EQ(ev[1].kind, "update");
  EXPECT_EQ(ev[1].rv, ev[0].rv);
  EXPECT_EQ(quiet->count(), 1u);
}

TEST(SharedInformer, RemovedHandlerGetsNothingMore) {
  auto server = std::make_shared<FakeServer>();
  SharedIndexInformer inf(server, fast_informer_options());
  auto h = std::make_shared<RecordingHandler>();
  auto reg = inf.add_event_handler(h);
  inf.start();
  server->put("demo", "a");
  ASSERT_TRUE(eventually([&] { return h->count() == 1; }));
  ASSERT_TRUE(inf.remove_event_handler(reg).ok());
  EXPECT_FALSE(inf.remove_event_handler(reg).ok());
  auto other = std::make_shared<RecordingHandler>();
  inf.add_event_handler(other);
  server->put("demo", "b");
  ASSERT_TRUE(eventually([&] { return other->count() == 2; }));
  EXPECT_EQ(h->count(), 1u);
}

TEST(SharedInformer, TransformRunsBeforeObjectsEnterTheCache) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a", {}, "big payload");
  auto opts = fast_informer_options();
  opts.reflector.transform = [](ObjectPtr o) -> ObjectPtr {
    boost::json::value v = o->to_value();
    v.as_object().erase("data");
    return *Object::from_value(v);
  };
  SharedIndexInformer inf(server, opts);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  server->put("demo", "b", {}, "more");
  ASSERT_TRUE(eventually([&] { return inf.indexer().size() == 2; }));
  for (const auto& o : inf.indexer().list()) EXPECT_FALSE(o->field("data").has_value());
}

TEST(Lister, AnswersFromTheCacheByNamespaceSelectorAndName) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "web-1", {{"app", "web"}});
  server->put("demo", "db-1", {{"app", "db"}});
  server->put("prod", "web-2", {{"app", "web"}});
  SharedIndexInformer inf(server, fast_informer_options());
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  Lister cms(inf.indexer(), "configmaps");
  auto web = *LabelSelector::parse("app=web");
  EXPECT_EQ(cms.list(web).size(), 2u);
  EXPECT_EQ(cms.list().size(), 3u);
  EXPECT_EQ(cms.namespace_("demo").list(web).size(), 1u);
  auto got = cms.namespace_("demo").get("db-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->name(), "db-1");
  auto missing = cms.namespace_("demo").get("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.error().is_not_found());
  EXPECT_EQ(missing.error().message, "configmaps \"nope\" not found");
}

// Random writes and faults; afterwards the cache equals the server and every
// handler saw a consistent sequence per object. Seeded: repeatable.
TEST(SharedInformer, ConvergesUnderRandomFaults) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    auto server = std::make_shared<FakeServer>();
    auto opts = fast_informer_options();
    opts.reflector.seed = seed;
    SharedIndexInformer inf(server, opts);
    auto early = std::make_shared<RecordingHandler>();
    inf.add_event_handler(early);
    inf.start();
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::shared_ptr<RecordingHandler> late;
    for (int step = 0; step < 400; ++step) {
      std::string name = "o" + std::to_string(rng() % 20);
      switch (rng() % 10) {
        case 0: server->remove("demo", name); break;
        case 1: if (rng() % 4 == 0) server->break_watches(); break;
        case 2: if (rng() % 4 == 0) server->close_watches(); break;
        case 3: if (rng() % 8 == 0) server->compact(); break;
        case 4: if (rng() % 8 == 0) server->fail_next_watches(2, Error::internal("test")); break;
        case 5: if (rng() % 8 == 0) server->bookmark(); break;
        default: server->put("demo", name, {{"step", std::to_string(step)}}); break;
      }
      if (step == 200) late = std::make_shared<RecordingHandler>(), inf.add_event_handler(late);
      if (step % 50 == 0) std::this_thread::sleep_for(1ms);
    }
    auto want = server_state(*server);
    ASSERT_TRUE(eventually([&] {
      std::map<std::string, std::string> got;
      for (const auto& o : inf.indexer().list()) got[object_key(*o)] = std::string(o->resource_version());
      return got == want;
    })) << "seed " << seed;
    ASSERT_TRUE(eventually([&] { return early->state() == want && late->state() == want; }))
        << "seed " << seed;
    EXPECT_TRUE(early->violations().empty()) << "seed " << seed << ": " << early->violations().front();
    EXPECT_TRUE(late->violations().empty()) << "seed " << seed << ": " << late->violations().front();
  }
}

}  // namespace
}  // namespace kube::informers
