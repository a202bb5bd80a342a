// The reflector's list/watch state machine against an in-process fake server.
#include "kube/informers/reflector.h"

#include <future>

#include <gtest/gtest.h>

#include "informers/fake_server.h"
#include "informers/recording_handler.h"
#include "kube/informers/shared_informer.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::eventually;
using kube::testing::FakeServer;

std::map<std::string, std::string> store_state(const cache::Indexer& idx) {
  std::map<std::string, std::string> s;
  for (const auto& o : idx.list()) s[object_key(*o)] = std::string(o->resource_version());
  return s;
}
std::map<std::string, std::string> server_state(const FakeServer& server) {
  std::map<std::string, std::string> s;
  for (const auto& [k, o] : server.items()) s[k] = std::string(o->resource_version());
  return s;
}

SharedInformerOptions fast_options() {
  SharedInformerOptions o;
  o.reflector.name = "configmaps";
  o.reflector.backoff_initial = 1ms;
  o.reflector.backoff_max = 5ms;
  o.reflector.seed = 42;
  return o;
}

TEST(Reflector, FirstListAsksForAnyVersionThenWatchesFromTheListsVersion) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->put("demo", "b");
  SharedIndexInformer inf(server, fast_options());
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
  auto opts = fast_options();
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
  SharedIndexInformer inf(server, fast_options());
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
  SharedIndexInformer inf(server, fast_options());
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
  SharedIndexInformer inf(server, fast_options());
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

TEST(Reflector, ListAnswered410FallsBackToAConsistentRead) {
  auto server = std::make_shared<FakeServer>();
  server->put("demo", "a");
  server->fail_next_lists(1, Error{410, "Expired", "too old resource version", std::nullopt});
  SharedIndexInformer inf(server, fast_options());
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(server->list_rvs(), (std::vector<std::string>{"0", ""}));
}

TEST(Reflector, FailingListsBackOffInsteadOfLooping) {
  auto server = std::make_shared<FakeServer>();
  server->fail_next_lists(1000, Error::internal("etcd down (test)"));
  FakeClock clock;
  auto opts = fast_options();
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
  SharedIndexInformer inf(server, fast_options());
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
    SharedIndexInformer inf(server, fast_options());
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
  auto opts = fast_options();
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
  SharedIndexInformer inf(server, fast_options());
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  auto stopped = std::async(std::launch::async, [&] { inf.stop(); });
  EXPECT_EQ(stopped.wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace kube::informers
