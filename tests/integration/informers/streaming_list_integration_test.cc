// Streaming lists (WatchList) against the embedded API server, over real TLS
// sockets: the normal case, and each kind of server that does not stream.
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "informers/recording_handler.h"
#include "kube/informers/factory.h"
#include "kube/informers/rest_lister_watcher.h"
#include "support/cluster.h"
#include "support/state.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::ApiServerOptions;
using kube::testing::Cluster;
using kube::testing::eventually;
using kube::testing::RecordingHandler;
using kube::testing::WatchListMode;

InformerFactoryOptions fast(StreamingListSupport* support) {
  InformerFactoryOptions o;
  o.reflector.backoff_initial = 5ms;
  o.reflector.backoff_max = 100ms;
  o.reflector.seed = 7;
  o.reflector.streaming_list_support = support;
  return o;
}

using kube::testing::cache_state;
using kube::testing::server_state;

Cluster cluster_with(int configmaps, ApiServerOptions options = {}) {
  auto c = Cluster::start(std::move(options));
  if (!c.server) return c;
  EXPECT_TRUE(c.create_namespace("demo").ok());
  for (int i = 0; i < configmaps; ++i)
    EXPECT_TRUE(c.put_configmap("demo", "cm" + std::to_string(i), "v").ok());
  return c;
}

TEST(StreamingListIntegration, SyncsFromOneStreamAndFollowsChangesOnIt) {
  auto c = cluster_with(5);
  ASSERT_TRUE(c.server);
  StreamingListSupport support;
  SharedInformerFactory f(c.client, fast(&support));
  auto cms = f.configmaps();
  auto h = std::make_shared<RecordingHandler>();
  auto reg = cms.informer->add_event_handler(h);
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  EXPECT_EQ(cache_state(*cms.informer), server_state(c, "demo"));
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  ASSERT_TRUE(c.put_configmap("demo", "late", "v").ok());
  ASSERT_TRUE(eventually([&] { return cache_state(*cms.informer) == server_state(c, "demo"); }));
  ASSERT_TRUE(eventually([&] { return h->count() == 6; }));
  auto ev = h->events();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ev[i].kind, "add-initial") << ev[i].key;
  EXPECT_EQ(ev[5].kind, "add");
  EXPECT_EQ(ev[5].key, "demo/late");
  auto st = cms.informer->reflector_stats();
  EXPECT_EQ(c.server->streaming_list_requests(), 1u);
  EXPECT_EQ(st.streaming_lists, 1u);
  EXPECT_EQ(st.list_requests, 0u);  // no paged list
  EXPECT_EQ(st.watches, 1u);        // the change came on the same stream
  EXPECT_EQ(st.list_mode, ListMode::kStreaming);
  EXPECT_EQ(c.server->open_watches(), 1u);
}

TEST(StreamingListIntegration, RejectingServerGetsOnePagedListAndTheNextInformerDoesNotTryAgain) {
  auto c = cluster_with(3);
  ASSERT_TRUE(c.server);
  c.server->set_watch_list_mode(WatchListMode::kReject);
  Resource cms{{"", "v1", "configmaps"}, true};
  auto lw = std::make_shared<RestListerWatcher>(c.client, cms);
  std::string key = lw->streaming_list_server();
  EXPECT_EQ(key, c.server->url() + "/api/v1");
  // The default: the process-wide memory.
  SharedInformerOptions o;
  o.reflector.backoff_initial = 5ms;
  o.reflector.backoff_max = 100ms;
  {
    SharedIndexInformer first(lw, o);
    first.start();
    ASSERT_TRUE(first.wait_for_cache_sync(30s));
    EXPECT_EQ(cache_state(first), server_state(c, "demo"));
    auto st = first.reflector_stats();
    EXPECT_EQ(st.streaming_list_requests, 1u);
    EXPECT_EQ(st.streaming_list_fallbacks, 1u);
    EXPECT_EQ(st.lists, 1u);
    EXPECT_EQ(st.list_mode, ListMode::kPaged);
  }
  EXPECT_TRUE(StreamingListSupport::process_wide().refused(key));
  SharedIndexInformer second(std::make_shared<RestListerWatcher>(c.client, cms), o);
  second.start();
  ASSERT_TRUE(second.wait_for_cache_sync(30s));
  EXPECT_EQ(second.reflector_stats().streaming_list_requests, 0u);
  EXPECT_EQ(c.server->streaming_list_requests(), 1u);
  StreamingListSupport::process_wide().forget(key);
}

TEST(StreamingListIntegration, ServerThatNeverEndsTheInitialEventsFallsBackAfterTheIdleTimeout) {
  auto c = cluster_with(4);
  ASSERT_TRUE(c.server);
  c.server->set_watch_list_mode(WatchListMode::kNoInitialEventsEnd);
  StreamingListSupport support;
  auto o = fast(&support);
  o.reflector.streaming_list_idle_timeout = 300ms;
  SharedInformerFactory f(c.client, o);
  auto cms = f.configmaps();
  auto h = std::make_shared<RecordingHandler>();
  cms.informer->add_event_handler(h);
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  EXPECT_EQ(cache_state(*cms.informer), server_state(c, "demo"));
  auto st = cms.informer->reflector_stats();
  EXPECT_EQ(st.streaming_list_fallbacks, 1u);
  EXPECT_EQ(st.streaming_lists, 0u);
  EXPECT_EQ(st.lists, 1u);
  EXPECT_EQ(c.server->streaming_list_requests(), 1u);
  ASSERT_TRUE(
      eventually([&] { return h->count() == 4; }));  // each object once: nothing streamed leaked
  EXPECT_TRUE(h->violations().empty()) << h->violations().front();
  ASSERT_TRUE(c.put_configmap("demo", "cm0", "changed").ok());
  ASSERT_TRUE(eventually([&] { return cache_state(*cms.informer) == server_state(c, "demo"); }));
}

// The embedded server's kNoInitialEventsEnd mode has the shape of the v1.28
// capture (fixtures/watch/pods-watchlist-no-rv.jsonl): ADDED events only.
TEST(StreamingListIntegration, NoInitialEventsEndModeSendsOnlyTheAddedEvents) {
  ApiServerOptions so;
  so.bookmark_interval = 50ms;
  auto c = cluster_with(3, so);
  ASSERT_TRUE(c.server);
  c.server->set_watch_list_mode(WatchListMode::kNoInitialEventsEnd);
  Mutex mu;
  std::vector<std::string> types;
  ListOptions o;
  o.send_initial_events = true;
  o.resource_version_match = "NotOlderThan";
  auto call = c.client->watch(
      Cluster::configmaps(), "demo", o,
      [&](WatchEvent ev) {
        MutexLock l(mu);
        types.push_back(ev.type == WatchEventType::Added ? "ADDED" : "other");
      },
      [](Result<void>) {});
  ASSERT_TRUE(eventually([&] {
    MutexLock l(mu);
    return types.size() == 3;
  }));
  std::this_thread::sleep_for(300ms);  // six bookmark intervals: none may come
  call->cancel();
  MutexLock l(mu);
  EXPECT_EQ(types, (std::vector<std::string>{"ADDED", "ADDED", "ADDED"}));
}

TEST(StreamingListIntegration, ServerThatIgnoresTheParameterIsDetectedAtItsFirstBookmark) {
  ApiServerOptions so;
  so.bookmark_interval = 100ms;
  auto c = cluster_with(3, so);
  ASSERT_TRUE(c.server);
  c.server->set_watch_list_mode(WatchListMode::kIgnore);
  StreamingListSupport support;
  auto o = fast(&support);
  o.reflector.streaming_list_idle_timeout = 60s;  // not what ends it
  SharedInformerFactory f(c.client, o);
  auto cms = f.configmaps();
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(10s)[0].synced);
  EXPECT_EQ(cache_state(*cms.informer), server_state(c, "demo"));
  EXPECT_EQ(cms.informer->reflector_stats().streaming_list_fallbacks, 1u);
  EXPECT_TRUE(support.refused(c.server->url() + "/api/v1"));
}

TEST(StreamingListIntegration, GoneAnswerToTheStreamingListIsRetriedFromAConsistentRead) {
  auto c = cluster_with(2);
  ASSERT_TRUE(c.server);
  StreamingListSupport support;
  SharedInformerFactory f(c.client, fast(&support));
  auto cms = f.configmaps();
  c.server->fail_next_requests(1, 410);  // the first streaming list
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  EXPECT_EQ(cache_state(*cms.informer), server_state(c, "demo"));
  auto st = cms.informer->reflector_stats();
  EXPECT_EQ(st.expired, 1u);
  EXPECT_EQ(st.streaming_lists, 1u);
  EXPECT_EQ(st.streaming_list_fallbacks, 0u);
  EXPECT_EQ(st.list_requests, 0u);
  EXPECT_EQ(c.server->streaming_list_requests(), 2u);
}

TEST(StreamingListIntegration, StopIsPromptDuringTheInitialPhase) {
  auto c = cluster_with(2);
  ASSERT_TRUE(c.server);
  c.server->set_watch_list_mode(WatchListMode::kNoInitialEventsEnd);
  StreamingListSupport support;
  SharedInformerFactory f(c.client, fast(&support));  // default idle timeout: 10 s
  auto cms = f.configmaps();
  f.start();
  ASSERT_TRUE(eventually([&] { return c.server->open_watches() == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  cms.informer->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_FALSE(cms.informer->has_synced());
}

}  // namespace
}  // namespace kube::informers
