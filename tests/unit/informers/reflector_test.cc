// The reflector's list/watch state machine against an in-process fake server.
#include "kube/informers/reflector.h"

#include <atomic>
#include <future>

#include <gtest/gtest.h>

#include "informers/fake_server.h"
#include "informers/informer_test_options.h"
#include "informers/recording_handler.h"
#include "kube/informers/shared_informer.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::fast_informer_options;
using kube::testing::store_state;
using kube::testing::eventually;
using kube::testing::FakeServer;

TEST(Reflector, FirstListAsksForAnyVersionThenWatchesFromTheListsVersion) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->put("demo", "b");
  SharedIndexInformer inf(server, fast_informer_options(42));
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(server->list_rvs(), std::vector<std::string>{"0"});  // client-go: "0" first
  ASSERT_TRUE(eventually([&] { return server->watch_rvs().size() == 1; }));
  EXPECT_EQ(server->watch_rvs()[0], server->resource_version());
  EXPECT_EQ(store_state(inf.indexer()), server_state(*server));
}

TEST(Reflector, FollowsContinueTokensThroughEveryPage) {
  auto server = std::make_shared<FakeServer>();
  for (int i = 0; i < 5; ++i) server->put("demo", "o" + std::to_string(i));
  auto opts = fast_informer_options(42);
  opts.reflector.page_size = 2;
  SharedIndexInformer inf(server, opts);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(server->list_rvs(), (std::vector<std::string>{"0", "continue", "continue"}));
  EXPECT_EQ(inf.indexer().size(), 5u);
  EXPECT_EQ(inf.reflector_stats().list_items, 5u);  // counted page by page (progress reports)
  EXPECT_EQ(inf.reflector_stats().list_requests, 3u);
}

TEST(Reflector, WatchEndedByTheServerReopensFromTheLastVersionWithoutRelisting) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  SharedIndexInformer inf(server, fast_informer_options(42));
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  server->put("demo", "b");
  ASSERT_TRUE(eventually([&] { return inf.indexer().size() == 2; }));
  std::string rv = server->resource_version();
  server->close_watches();  // timeoutSeconds passed
  ASSERT_TRUE(eventually([&] { return server->watch_rvs().size() == 2; }));
  EXPECT_EQ(server->watch_rvs()[1], rv);
  EXPECT_EQ(server->list_rvs().size(), 1u);
}

TEST(Reflector, BrokenWatchResumesFromTheLastBookmarkWithNoRelist) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  SharedIndexInformer inf(server, fast_informer_options(42));
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  // Writes to other objects move the version on; the watch sees only a bookmark.
  server->put("demo", "b");
  ASSERT_TRUE(eventually([&] { return inf.indexer().size() == 2; }));
  server->bookmark();
  std::string bookmark_rv = server->resource_version();
  ASSERT_TRUE(eventually([&] { return inf.last_sync_resource_version() == bookmark_rv; }));
  server->break_watches();  // the connection drops; the server is still up
  ASSERT_TRUE(eventually([&] { return server->watch_rvs().size() >= 2; }));
  EXPECT_EQ(server->watch_rvs()[1], bookmark_rv);
  EXPECT_EQ(server->list_rvs().size(), 1u);  // no relist
}

TEST(Reflector, WatchAnswered410RelistsFromTheLastSyncedVersionAndTombstonesMissedDeletes) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->put("demo", "b");
  SharedIndexInformer inf(server, fast_informer_options(42));
  auto h = std::make_shared<kube::testing::RecordingHandler>();
  inf.add_event_handler(h);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  std::string synced = inf.last_sync_resource_version();
  // An outage: the watch drops, the server compacts its history meanwhile,
  // and "a" is deleted while nobody watches.
  server->fail_next_watches(1, Error::internal("connection refused (test)"));
  server->break_watches();
  server->remove("demo", "a");
  server->put("demo", "c");
  server->compact();
  ASSERT_TRUE(eventually([&] { return store_state(inf.indexer()) == server_state(*server); }));
  auto lists = server->list_rvs();
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists[1], synced);  // not "" (a consistent read) and not "0"
  ASSERT_TRUE(eventually([&] { return h->state() == server_state(*server); }));
  bool tombstone = false;
  for (const auto& e : h->events()) tombstone |= (e.kind == "delete-tombstone" && e.key == "demo/a");
  EXPECT_TRUE(tombstone);
  EXPECT_TRUE(h->violations().empty());
}

// The fake server, with every continue page of a list held back until
// released: a test can look at the cache in the middle of a paged list.
class HeldPages final : public ListerWatcher {
 public:
  explicit HeldPages(std::shared_ptr<FakeServer> server)
      : server_(std::move(server)), released_(release_.get_future().share()) {}
  void hold() { holding_ = true; }
  void release() { release_.set_value(); }
  Result<ListResult> list(const ListOptions& o, std::stop_token stop) override {
    if (holding_ && !o.continue_token.empty()) {
      while (released_.wait_for(1ms) != std::future_status::ready) {
        if (stop.stop_requested()) return Error::internal("stopped (test)");
      }
    }
    return server_->list(o, stop);
  }
  Result<std::unique_ptr<Watch>> watch(const ListOptions& o, std::stop_token stop) override {
    return server_->watch(o, stop);
  }

 private:
  std::shared_ptr<FakeServer> server_;
  std::atomic<bool> holding_{false};
  std::promise<void> release_;
  std::shared_future<void> released_;
};

TEST(Reflector, RelistHandsChangedObjectsToTheCacheAsTheirPageArrives) {
  auto server = std::make_shared<FakeServer>();
  for (int i = 0; i < 4; ++i) server->put("demo", "o" + std::to_string(i));
  auto lw = std::make_shared<HeldPages>(server);
  auto opts = fast_informer_options(42);
  opts.reflector.page_size = 2;
  SharedIndexInformer inf(lw, opts);
  auto h = std::make_shared<kube::testing::RecordingHandler>();
  inf.add_event_handler(h);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  auto cached_rv = [&](const std::string& name) {
    ObjectPtr o = inf.indexer().get_by_key("demo/" + name);
    return o ? std::string(o->resource_version()) : "";
  };
  const std::string o2_before = cached_rv("o2");
  // Every object changes while the watch is down and the history is lost:
  // the watch gets 410 and the reflector lists again, two objects a page.
  lw->hold();
  server->fail_next_watches(1000000, Error::internal("connection refused (test)"));
  server->break_watches();
  for (int i = 0; i < 4; ++i) server->put("demo", "o" + std::to_string(i), {{"v", "2"}});
  server->compact();
  server->fail_next_watches(0, Error::internal("unused"));
  // The first page's new objects are in the cache while the second page is
  // held: their old copies are gone before the list ends.
  auto on_server = server->items();
  ASSERT_TRUE(eventually([&] {
    return cached_rv("o0") == on_server["demo/o0"]->resource_version() &&
           cached_rv("o1") == on_server["demo/o1"]->resource_version();
  }));
  EXPECT_EQ(cached_rv("o2"), o2_before);
  EXPECT_EQ(inf.reflector_stats().lists, 1u);  // the relist has not ended
  lw->release();
  ASSERT_TRUE(eventually([&] { return store_state(inf.indexer()) == server_state(*server); }));
  // A list counts once its Replace is queued, which can be after the cache
  // already shows its pages.
  ASSERT_TRUE(eventually([&] { return inf.reflector_stats().lists >= 2u; }));
  EXPECT_EQ(inf.reflector_stats().lists, 2u);
  // Each handler saw one update per changed object, no more (the Replace
  // found the early ones unchanged).
  ASSERT_TRUE(eventually([&] { return h->state() == server_state(*server); }));
  std::map<std::string, std::vector<std::string>> per_key;
  for (const auto& e : h->events()) per_key[e.key].push_back(e.kind);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(per_key["demo/o" + std::to_string(i)],
              (std::vector<std::string>{"add-initial", "update"}))
        << i;
  }
  EXPECT_TRUE(h->violations().empty());
}

TEST(Reflector, ListAnswered410FallsBackToAConsistentRead) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->fail_next_lists(1, Error{410, "Expired", "too old resource version", std::nullopt});
  SharedIndexInformer inf(server, fast_informer_options(42));
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(server->list_rvs(), (std::vector<std::string>{"0", ""}));
}

TEST(Reflector, FailingListsBackOffInsteadOfLooping) {
  auto server = std::make_shared<FakeServer>();
  server->fail_next_lists(1000, Error::internal("etcd down (test)"));
  FakeClock clock;
  auto opts = fast_informer_options(42);
  opts.reflector.clock = &clock;
  opts.reflector.backoff_initial = 1s;
  opts.reflector.backoff_max = 30s;
  SharedIndexInformer inf(server, opts);
  inf.start();
  ASSERT_TRUE(eventually([&] { return clock.waiters() == 1; }));  // asleep in backoff
  EXPECT_EQ(server->list_rvs().size(), 1u);
  clock.step(2s);  // the first backoff is 1 s plus up to 100% jitter
  ASSERT_TRUE(eventually([&] { return server->list_rvs().size() == 2 && clock.waiters() == 1; }));
  clock.step(1s);  // the second is at least 2 s: not yet
  ASSERT_TRUE(eventually([&] { return clock.waiters() == 1; }));
  EXPECT_EQ(server->list_rvs().size(), 2u);
  clock.step(3s);
  ASSERT_TRUE(eventually([&] { return server->list_rvs().size() == 3; }));
  inf.stop();  // prompt even while backing off
}

TEST(Reflector, LastErrorSaysWhyTheCacheHasNotSynced) {
  auto server = std::make_shared<FakeServer>();
  server->fail_next_lists(1000, Error{403, "Forbidden",
                                      "configmaps is forbidden: User \"bob\" cannot list resource "
                                      "\"configmaps\" in API group \"\" at the cluster scope",
                                      std::nullopt});
  SharedIndexInformer inf(server, fast_informer_options(42));
  inf.start();
  EXPECT_FALSE(inf.wait_for_cache_sync(50ms));
  ASSERT_TRUE(eventually([&] { return inf.last_error().has_value(); }));
  EXPECT_EQ(inf.last_error()->code, 403);
  EXPECT_NE(inf.last_error()->message.find("cannot list resource"), std::string::npos);
}

// A server that keeps refusing is logged once, then once per 30 s with a
// count: not once per backoff step (kube/core/log.h RateLimited).
TEST(Reflector, RepeatedFailuresAreLoggedOnceWithTheServersMessage) {
  struct Capture : log::Sink {
    void write(const log::Record& r) override {
      MutexLock l(mu);
      lines.push_back(log::format(r));
    }
    Mutex mu;
    std::vector<std::string> lines KUBE_GUARDED_BY(mu);
  };
  auto capture = std::make_shared<Capture>();
  auto previous = log::set_sink(capture);
  auto server = std::make_shared<FakeServer>();
  server->fail_next_lists(1000, Error{403, "Forbidden", "configmaps is forbidden: User \"bob\" cannot list",
                                      std::nullopt});
  {
    SharedIndexInformer inf(server, fast_informer_options(42));
    inf.start();
    ASSERT_TRUE(eventually([&] { return server->list_rvs().size() >= 20; }));
    inf.stop();
  }
  log::set_sink(previous);
  MutexLock l(capture->mu);
  ASSERT_EQ(capture->lines.size(), 1u);
  const std::string& line = capture->lines[0];
  EXPECT_EQ(line[0], 'W') << line;
  EXPECT_NE(line.find("name=configmaps"), std::string::npos) << line;
  EXPECT_NE(line.find("code=403"), std::string::npos) << line;
  EXPECT_NE(line.find("cannot list"), std::string::npos) << line;
}

TEST(Reflector, IdleWatchIsReopenedFromTheLastVersion) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  auto opts = fast_informer_options(42);
  opts.reflector.watch_idle_timeout = 20ms;
  SharedIndexInformer inf(server, opts);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  // Nothing is sent: the reflector gives up on the silent stream and re-opens.
  ASSERT_TRUE(eventually([&] { return server->watch_rvs().size() >= 3; }));
  EXPECT_EQ(server->list_rvs().size(), 1u);
  for (const auto& rv : server->watch_rvs()) EXPECT_EQ(rv, server->resource_version());
}

TEST(Reflector, StopIsPromptWhileAWatchIsOpen) {
  auto server = std::make_shared<FakeServer>();
  SharedIndexInformer inf(server, fast_informer_options(42));
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  auto stopped = std::async(std::launch::async, [&] { inf.stop(); });
  EXPECT_EQ(stopped.wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace kube::informers
