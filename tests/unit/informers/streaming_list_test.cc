// Streaming lists (WatchList) in the reflector, and the fallback to paged
// lists, against the in-process fake server.
#include <gtest/gtest.h>

#include "informers/fake_server.h"
#include "informers/informer_test_options.h"
#include "informers/recording_handler.h"
#include "kube/informers/reflector.h"
#include "kube/informers/shared_informer.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::store_state;
using kube::testing::eventually;
using kube::testing::FakeServer;
using kube::testing::RecordingHandler;
using Streaming = FakeServer::Streaming;

// Each test remembers refusals in its own registry, so tests do not see each
// other's servers.
SharedInformerOptions options(StreamingListSupport& support) {
  SharedInformerOptions o;
  o.reflector.name = "configmaps";
  o.reflector.backoff_initial = 1ms;
  o.reflector.backoff_max = 5ms;
  o.reflector.seed = 42;
  o.reflector.streaming_list_support = &support;
  return o;
}

TEST(StreamingList, SyncsFromInitialEventsAndKeepsReadingTheSameStream) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kNormal);
  server->put("demo", "a");
  server->put("demo", "b");
  StreamingListSupport support;
  SharedIndexInformer inf(server, options(support));
  auto h = std::make_shared<RecordingHandler>();
  inf.add_event_handler(h);
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(store_state(inf.indexer()), server_state(*server));
  EXPECT_EQ(inf.last_sync_resource_version(), server->resource_version());  // the bookmark's
  // The first stream asks for "0" (any version, like the first paged list):
  // kube-apiserver v1.28 ends the initial events only then (reflector.cc).
  EXPECT_EQ(server->streaming_rvs(), std::vector<std::string>{"0"});
  EXPECT_TRUE(server->list_rvs().empty());  // no paged list at all
  server->put("demo", "c");
  ASSERT_TRUE(eventually([&] { return store_state(inf.indexer()) == server_state(*server); }));
  EXPECT_EQ(server->watch_rvs().size(), 1u);  // the change came on the streaming list's own stream
  ASSERT_TRUE(eventually([&] { return h->count() == 3; }));
  auto ev = h->events();
  EXPECT_EQ(ev[0].kind, "add-initial");
  EXPECT_EQ(ev[1].kind, "add-initial");
  EXPECT_EQ(ev[2].kind, "add");
  auto st = inf.reflector_stats();
  EXPECT_EQ(st.streaming_lists, 1u);
  EXPECT_EQ(st.lists, 1u);
  EXPECT_EQ(st.list_requests, 0u);
  EXPECT_EQ(st.streaming_list_fallbacks, 0u);
  EXPECT_EQ(st.list_mode, ListMode::kStreaming);
}

TEST(StreamingList, ListerWatcherWithoutAServerIsListedPageByPageInAuto) {
  auto server = std::make_shared<FakeServer>();  // Streaming::kOff
  server->put("demo", "a");
  StreamingListSupport support;
  SharedIndexInformer inf(server, options(support));
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(server->list_rvs(), std::vector<std::string>{"0"});
  EXPECT_TRUE(server->streaming_rvs().empty());
  EXPECT_EQ(inf.reflector_stats().list_mode, ListMode::kPaged);
}

TEST(StreamingList, RejectedParameterFallsBackToPagedListAndIsRemembered) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kReject);
  server->put("demo", "a");
  StreamingListSupport support;
  {
    SharedIndexInformer inf(server, options(support));
    inf.start();
    ASSERT_TRUE(inf.wait_for_cache_sync(10s));
    EXPECT_EQ(store_state(inf.indexer()), server_state(*server));
    auto st = inf.reflector_stats();
    EXPECT_EQ(st.streaming_list_requests, 1u);
    EXPECT_EQ(st.streaming_list_fallbacks, 1u);
    EXPECT_EQ(st.list_mode, ListMode::kPaged);
    EXPECT_EQ(server->list_rvs(), std::vector<std::string>{"0"});  // at once, no backoff
    EXPECT_FALSE(inf.last_error().has_value());                    // the paged list succeeded
  }
  EXPECT_TRUE(support.refused(server->streaming_list_server()));
  // The next informer for that server does not try again.
  SharedIndexInformer second(server, options(support));
  second.start();
  ASSERT_TRUE(second.wait_for_cache_sync(10s));
  EXPECT_EQ(second.reflector_stats().streaming_list_requests, 0u);
  EXPECT_EQ(server->streaming_rvs().size(), 1u);
  // Until the registry forgets it.
  support.forget(server->streaming_list_server());
  EXPECT_FALSE(support.refused(server->streaming_list_server()));
}

TEST(StreamingList, NoInitialEventsEndBookmarkFallsBackAfterTheIdleTimeout) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kNoInitialEventsEnd);
  server->put("demo", "a");
  server->put("demo", "b");
  StreamingListSupport support;
  auto o = options(support);
  o.reflector.streaming_list_idle_timeout = 200ms;
  SharedIndexInformer inf(server, o);
  auto h = std::make_shared<RecordingHandler>();
  inf.add_event_handler(h);
  auto t0 = std::chrono::steady_clock::now();
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 200ms);
  EXPECT_EQ(store_state(inf.indexer()), server_state(*server));
  EXPECT_EQ(inf.reflector_stats().streaming_list_fallbacks, 1u);
  EXPECT_EQ(inf.reflector_stats().streaming_lists, 0u);
  EXPECT_TRUE(support.refused(server->streaming_list_server()));
  // The streamed ADDED events never reached the FIFO: each object is added once.
  ASSERT_TRUE(eventually([&] { return h->count() == 2; }));
  EXPECT_TRUE(h->violations().empty()) << h->violations().front();
  server->put("demo", "c");
  ASSERT_TRUE(eventually([&] { return store_state(inf.indexer()) == server_state(*server); }));
}

TEST(StreamingList, TotalTimeoutBoundsAnInitialPhaseThatKeepsReceivingAdds) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kNoInitialEventsEnd);
  StreamingListSupport support;
  auto o = options(support);
  o.reflector.streaming_list_idle_timeout = 10s;
  o.reflector.streaming_list_timeout = 300ms;
  SharedIndexInformer inf(server, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  // Creations keep arriving (as ADDED) faster than the idle timeout.
  for (int i = 0; i < 40 && !inf.has_synced(); ++i) {
    server->put("demo", "o" + std::to_string(i));
    std::this_thread::sleep_for(25ms);
  }
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  EXPECT_EQ(inf.reflector_stats().streaming_list_fallbacks, 1u);
  ASSERT_TRUE(eventually([&] { return store_state(inf.indexer()) == server_state(*server); }));
}

TEST(StreamingList, IgnoredParameterIsDetectedByAPlainBookmarkWithoutWaiting) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kIgnore);
  server->put("demo", "a");
  StreamingListSupport support;
  auto o = options(support);
  o.reflector.streaming_list_idle_timeout = 60s;  // never reached here
  SharedIndexInformer inf(server, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  server->bookmark();  // an ordinary bookmark: this server is just watching
  ASSERT_TRUE(inf.wait_for_cache_sync(5s));
  EXPECT_EQ(store_state(inf.indexer()), server_state(*server));
  EXPECT_EQ(inf.reflector_stats().streaming_list_fallbacks, 1u);
}

TEST(StreamingList, IgnoredParameterIsDetectedByAModifiedEvent) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kIgnore);
  server->put("demo", "a");
  StreamingListSupport support;
  auto o = options(support);
  o.reflector.streaming_list_idle_timeout = 60s;
  SharedIndexInformer inf(server, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  server->put("demo", "a", {}, "changed");  // MODIFIED: never part of initial events
  ASSERT_TRUE(inf.wait_for_cache_sync(5s));
  EXPECT_EQ(store_state(inf.indexer()), server_state(*server));
  EXPECT_EQ(inf.reflector_stats().streaming_list_fallbacks, 1u);
}

TEST(StreamingList, GoneAnswerStreamsAgainFromAConsistentRead) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kNormal);
  server->put("demo", "a");
  StreamingListSupport support;
  SharedIndexInformer inf(server, options(support));
  inf.start();
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  std::string synced = inf.last_sync_resource_version();
  ASSERT_NE(synced, "");
  // The re-opened watch and the streaming relist that follows both get 410.
  server->fail_next_watches(2, Error{410, "Expired", "too old resource version", std::nullopt});
  server->close_watches();
  ASSERT_TRUE(eventually([&] { return server->streaming_rvs().size() == 3; }));
  // client-go: relist from the last synced version; after its 410, from "".
  EXPECT_EQ(server->streaming_rvs(), (std::vector<std::string>{"0", synced, ""}));
  ASSERT_TRUE(eventually([&] { return inf.reflector_stats().streaming_lists == 2; }));
  server->put("demo", "b");
  ASSERT_TRUE(eventually([&] { return store_state(inf.indexer()) == server_state(*server); }));
  EXPECT_EQ(inf.reflector_stats().streaming_list_fallbacks, 0u);
  EXPECT_EQ(inf.reflector_stats().expired, 2u);
  EXPECT_TRUE(server->list_rvs().empty());
}

TEST(StreamingList, StreamingModeRetriesInsteadOfFallingBack) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kReject);
  server->put("demo", "a");
  StreamingListSupport support;
  auto o = options(support);
  o.reflector.list_mode = ListMode::kStreaming;
  SharedIndexInformer inf(server, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->streaming_rvs().size() >= 3; }));
  EXPECT_FALSE(inf.has_synced());
  ASSERT_TRUE(inf.last_error().has_value());
  EXPECT_EQ(inf.last_error()->code, 422);
  EXPECT_NE(inf.last_error()->message.find("configmaps: streaming list refused"), std::string::npos)
      << inf.last_error()->message;
  EXPECT_TRUE(server->list_rvs().empty());
  EXPECT_FALSE(support.refused(server->streaming_list_server()));
  server->set_streaming(Streaming::kNormal);
  ASSERT_TRUE(inf.wait_for_cache_sync(10s));
}

TEST(StreamingList, StopIsPromptWhileWaitingForTheInitialEventsEnd) {
  auto server = std::make_shared<FakeServer>();
  server->set_streaming(Streaming::kNoInitialEventsEnd);
  server->put("demo", "a");
  StreamingListSupport support;
  auto o = options(support);
  o.reflector.streaming_list_idle_timeout = 60s;
  SharedIndexInformer inf(server, o);
  inf.start();
  ASSERT_TRUE(eventually([&] { return server->open_watches() == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  inf.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_FALSE(inf.has_synced());
}

}  // namespace
}  // namespace kube::informers
