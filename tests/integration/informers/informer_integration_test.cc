// Informers against the embedded API server, over real TLS sockets.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "informers/recording_handler.h"
#include "kube/core/metrics.h"
#include "kube/informers/factory.h"
#include "support/cluster.h"
#include "support/state.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::Cluster;
using kube::testing::eventually;
using kube::testing::RecordingHandler;

InformerFactoryOptions fast() {
  InformerFactoryOptions o;
  o.reflector.backoff_initial = 5ms;
  o.reflector.backoff_max = 100ms;
  o.reflector.seed = 11;
  return o;
}

using kube::testing::cache_state;
using kube::testing::server_state;

TEST(InformerIntegration, SyncsThenFollowsCreatesUpdatesDeletes) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo").ok());
  ASSERT_TRUE(c.put_configmap("demo", "a", "1", R"({"app":"web"})").ok());
  SharedInformerFactory f(c.client, fast());
  auto cms = f.configmaps();
  EXPECT_EQ(f.configmaps().informer, cms.informer);  // shared: one informer per resource
  auto h = std::make_shared<RecordingHandler>();
  auto reg = cms.informer->add_event_handler(h);
  f.start();
  auto results = f.wait_for_cache_sync(30s);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].synced);
  ASSERT_TRUE(eventually([&] { return reg->has_synced(); }));
  ASSERT_TRUE(c.put_configmap("demo", "a", "2", R"({"app":"web"})").ok());
  ASSERT_TRUE(c.put_configmap("demo", "b", "1", R"({"app":"db"})").ok());
  ASSERT_TRUE(c.client->remove(Cluster::configmaps(), "demo", "a").ok());
  ASSERT_TRUE(eventually([&] { return h->count() == 4; }));
  std::map<std::string, std::vector<std::string>> per_key;
  for (const auto& e : h->events()) per_key[e.key].push_back(e.kind);
  EXPECT_EQ(per_key["demo/a"], (std::vector<std::string>{"add-initial", "update", "delete"}));
  EXPECT_EQ(per_key["demo/b"], (std::vector<std::string>{"add"}));
  auto db = cms.objects().namespace_("demo").list(*LabelSelector::parse("app=db"));
  ASSERT_EQ(db.size(), 1u);
  EXPECT_EQ(db[0]->name(), "b");
  EXPECT_EQ(cms.informer->reflector_stats().lists, 1u);
}

// The application reads informer, handler and REST client metrics from one
// registry (kube/core/metrics.h); a component's samples leave with it.
TEST(InformerIntegration, MetricsOfInformersHandlersAndRequestsAreInTheGlobalRegistry) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("metrics").ok());
  ASSERT_TRUE(c.put_configmap("metrics", "a", "1", "{}").ok());
  ASSERT_TRUE(c.put_configmap("metrics", "b", "1", "{}").ok());
  const std::string host = c.client->transport().config().host;
  auto has = [](const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  {
    auto opts = fast();
    opts.namespace_ = "metrics";
    SharedInformerFactory f(c.client, opts);
    auto cms = f.configmaps();
    auto h = std::make_shared<RecordingHandler>();
    auto reg = cms.informer->add_event_handler(h);
    f.start();
    ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
    ASSERT_TRUE(eventually([&] { return h->count() == 2; }));
    // A delivery counts once the handler has returned, just after it recorded.
    ASSERT_TRUE(eventually([&] { return reg->delivered() == 2u; })) << reg->delivered();
    std::string text = metrics::Registry::global().prometheus_text();
    EXPECT_TRUE(has(text, R"(kinformer_informer_objects{informer="configmaps"} 2)")) << text;
    EXPECT_TRUE(has(text, R"(kinformer_informer_synced{informer="configmaps"} 1)")) << text;
    EXPECT_TRUE(has(text, R"(kinformer_reflector_lists_total{informer="configmaps"} 1)")) << text;
    EXPECT_TRUE(has(text, R"(kinformer_handler_delivered_total{informer="configmaps",handler="0"} 2)")) << text;
    EXPECT_TRUE(has(text, R"(kinformer_handler_backlog{informer="configmaps",handler="0"} 0)")) << text;
    EXPECT_NE(text.find(R"(rest_client_requests_total{code="201",host=")" + host + R"(",method="POST"})"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(rest_client_request_duration_seconds_count{host=")" + host + R"(",verb="GET"})"),
              std::string::npos)
        << text;
    f.shutdown();
  }
  std::string after = metrics::Registry::global().prometheus_text();
  EXPECT_EQ(after.find(R"(informer="configmaps")"), std::string::npos) << after;
}

TEST(InformerIntegration, DroppedWatchResumesWithoutRelistAndCompactionCostsOneRelist) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo").ok());
  ASSERT_TRUE(c.put_configmap("demo", "a", "1").ok());
  // Paged lists: this test counts lists and watches the way a paged reflector
  // makes them (the streaming list's own relist rules are tested in
  // streaming_list_integration_test.cc).
  auto options = fast();
  options.reflector.list_mode = ListMode::kPaged;
  SharedInformerFactory f(c.client, options);
  auto cms = f.configmaps();
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  // A reflector's watch counts as opened when it sends the request; wait for
  // the server to hold it before cutting it.
  ASSERT_TRUE(eventually([&] { return c.server->open_watches() == 1; }));

  c.server->close_watches_now();  // connection still fine: resume from the last RV
  ASSERT_TRUE(c.put_configmap("demo", "b", "1").ok());
  ASSERT_TRUE(eventually([&] { return cache_state(*cms.informer) == server_state(c, "demo"); }));
  EXPECT_EQ(cms.informer->reflector_stats().lists, 1u);

  c.server->restart();  // every connection dropped, data kept
  ASSERT_TRUE(c.put_configmap("demo", "c", "1").ok());
  ASSERT_TRUE(eventually([&] { return cache_state(*cms.informer) == server_state(c, "demo"); }));
  EXPECT_EQ(cms.informer->reflector_stats().lists, 1u);

  // History lost while the watch is down: exactly one relist. (Stall only
  // once the watch re-opened after the restart is open, so "d" cannot reach
  // it through the history replay of a watch opened later.)
  ASSERT_TRUE(eventually([&] { return cms.informer->reflector_stats().watches >= 3 && c.server->open_watches() == 1; }))
      << "watches=" << cms.informer->reflector_stats().watches
      << " errors=" << cms.informer->reflector_stats().errors
      << " events=" << cms.informer->reflector_stats().events;
  c.server->stall_watches(true);
  ASSERT_TRUE(c.put_configmap("demo", "d", "1").ok());
  c.server->compact();
  c.server->restart();  // ends the stalled stream: "d" is never sent on it
  c.server->stall_watches(false);
  ASSERT_TRUE(eventually([&] { return cache_state(*cms.informer) == server_state(c, "demo"); }));
  // A list counts once its Replace is queued, which can be after the cache
  // already holds what it listed.
  ASSERT_TRUE(eventually([&] { return cms.informer->reflector_stats().lists >= 2u; }));
  EXPECT_EQ(cms.informer->reflector_stats().lists, 2u)
      << "watches=" << cms.informer->reflector_stats().watches
      << " errors=" << cms.informer->reflector_stats().errors
      << " events=" << cms.informer->reflector_stats().events;
}

// The informer issue's figure of merit: random writes while the server
// injects faults; afterwards the cache equals the server and every handler
// saw a consistent sequence per object. Seeded and repeatable.
// Threads of this process (every thread the library starts must be joined).
std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Steps of the chaos test; KINFORMER_SOAK_STEPS=N runs it as a soak (see
// docs/benchmarks.md).
int chaos_steps() {
  const char* s = std::getenv("KINFORMER_SOAK_STEPS");
  return s ? std::max(1, std::atoi(s)) : 300;
}

// Random creates, updates, deletes (with and without finalizers) while the
// server drops watch streams, stalls them, answers 429 and 500, compacts its
// history (forcing 410 relists) and restarts. Afterwards the cache equals the
// server's state, every handler (one of them in coalescing mode) saw a
// consistent per-object sequence, and every thread the informers started is
// gone.
TEST(InformerIntegration, ConvergesUnderRandomFaults) {
  // ThreadSanitizer starts its own background thread with the first thread
  // the process creates: create one first, so the baseline includes it.
  std::thread([] {}).join();
  const std::size_t threads_before = thread_count();
  {
    auto c = Cluster::start();
    ASSERT_TRUE(c.server);
    ASSERT_TRUE(c.create_namespace("chaos").ok());
    auto options = fast();
    // A stalled stream sends nothing, not even bookmarks (every 1 s): the
    // idle guard re-opens it.
    options.reflector.watch_idle_timeout = 2s;
    SharedInformerFactory f(c.client, options);
    auto cms = f.configmaps();
    auto early = std::make_shared<RecordingHandler>();
    cms.informer->add_event_handler(early);
    // Coalescing mode under the same faults: its net changes must keep every
    // per-object rule and end in the same state.
    auto coalesced = std::make_shared<RecordingHandler>();
    cms.informer->add_event_handler(coalesced, {.coalesce = true});
    f.start();
    std::mt19937 rng(20261125);
    std::shared_ptr<RecordingHandler> late;
    const int steps = chaos_steps();
    bool stalled = false;
    for (int step = 0; step < steps; ++step) {
      std::string name = "o" + std::to_string(rng() % 15);
      switch (rng() % 15) {
        case 0: (void)c.client->remove(Cluster::configmaps(), "chaos", name); break;  // marks it if it has a finalizer
        case 1: c.server->close_watches_now(); break;
        case 2: if (rng() % 3 == 0) c.server->compact(); break;
        case 3: if (rng() % 3 == 0) c.server->fail_next_requests(1, 500); break;
        case 4: if (rng() % 3 == 0) c.server->fail_next_requests(1, 429, 0); break;
        case 5: if (rng() % 6 == 0) c.server->restart(); break;
        case 6:  // hold the object's deletion
          (void)c.client->patch(Cluster::configmaps(), "chaos", name, PatchType::Merge,
                                R"({"metadata":{"finalizers":["kinformer.dev/hold"]}})");
          break;
        case 7:  // release it: a marked object is deleted now
          (void)c.client->patch(Cluster::configmaps(), "chaos", name, PatchType::Merge,
                                R"({"metadata":{"finalizers":null}})");
          break;
        case 8:
          if (rng() % 4 == 0) {
            stalled = !stalled;
            c.server->stall_watches(stalled);
          }
          break;
        default: (void)c.put_configmap("chaos", name, std::to_string(step)); break;
      }
      if (step == steps / 2) {
        late = std::make_shared<RecordingHandler>();
        cms.informer->add_event_handler(late);
      }
    }
    c.server->stall_watches(false);
    auto want = server_state(c, "chaos");
    ASSERT_TRUE(eventually([&] { return cache_state(*cms.informer) == want; }, 60s));
    ASSERT_TRUE(eventually(
        [&] { return early->state() == want && late->state() == want && coalesced->state() == want; }, 60s));
    EXPECT_TRUE(early->violations().empty()) << early->violations().front();
    EXPECT_TRUE(late->violations().empty()) << late->violations().front();
    EXPECT_TRUE(coalesced->violations().empty()) << coalesced->violations().front();
    f.shutdown();
  }
  EXPECT_TRUE(eventually([&] { return thread_count() <= threads_before; }, 10s))
      << thread_count() << " threads left, " << threads_before << " before the test";
}

TEST(InformerIntegration, MetadataOnlyFactoryHoldsOnlyMetadata) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo").ok());
  ASSERT_TRUE(c.put_configmap("demo", "a", std::string(2000, 'x')).ok());
  auto opts = fast();
  opts.metadata_only = true;
  SharedInformerFactory f(c.client, opts);
  auto cms = f.configmaps();
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  auto got = cms.objects().namespace_("demo").get("a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->kind(), "PartialObjectMetadata");
  EXPECT_FALSE((*got)->field("data").has_value());
  EXPECT_LT((*got)->json().size(), 1000u);
}

TEST(InformerIntegration, StripManagedFieldsKeepsThemOutOfTheCacheOnly) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo").ok());
  const std::string body =
      R"({"metadata":{"name":"a","labels":{"app":"web"},"managedFields":[{"manager":"kubectl-create",)"
      R"("operation":"Update","apiVersion":"v1","time":"2026-11-24T12:27:54Z","fieldsType":"FieldsV1",)"
      R"("fieldsV1":{"f:data":{".":{},"f:k":{}}}}]},"data":{"k":"v"}})";
  ASSERT_TRUE(c.client->create(Cluster::configmaps(), "demo", body).ok());
  auto opts = fast();
  opts.strip_managed_fields = true;
  SharedInformerFactory f(c.client, opts);
  auto cms = f.configmaps();
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  ASSERT_TRUE(c.put_configmap("demo", "b", "1").ok());
  ASSERT_TRUE(eventually([&] { return cms.informer->indexer().size() == 2; }));
  auto got = cms.objects().namespace_("demo").get("a");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE((*got)->raw_field("metadata.managedFields").has_value());
  EXPECT_EQ((*got)->field_string("data.k"), "v");
  EXPECT_EQ((*got)->label("app"), "web");
  // The server still has them: only the cache went without.
  auto live = c.client->get(Cluster::configmaps(), "demo", "a");
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE((*live)->raw_field("metadata.managedFields").has_value());
}

TEST(InformerIntegration, WaitForCacheSyncSaysWhyAResourceDidNotSync) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  SharedInformerFactory f(c.client, fast());
  f.for_resource({{"example.com", "v1", "widgets"}, true});  // no such CRD
  f.start();
  auto results = f.wait_for_cache_sync(500ms);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].synced);
  ASSERT_TRUE(results[0].last_error.has_value());
  EXPECT_EQ(results[0].last_error->code, 404);
}

TEST(InformerIntegration, WaitForCacheSyncReportsAForbiddenResourceWithTheServersMessage) {
  testing::ApiServerOptions o;
  o.users.push_back(testing::ApiUser{
      "viewer-token", "viewer", {}, {testing::AccessRule{{"list", "watch"}, {""}, {"configmaps"}, {}, {}}}});
  auto c = Cluster::start(o);
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo").ok());
  ASSERT_TRUE(c.put_configmap("demo", "a", "1").ok());
  auto viewer = c.client_as("viewer-token");
  ASSERT_TRUE(viewer);
  SharedInformerFactory f(viewer, fast());
  auto cms = f.configmaps();
  f.pods();
  f.start();
  auto results = f.wait_for_cache_sync(1s);
  ASSERT_EQ(results.size(), 2u);
  std::map<std::string, SyncResult> by_resource;
  for (const auto& r : results) by_resource[r.resource.resource] = r;
  EXPECT_TRUE(by_resource["configmaps"].synced);
  EXPECT_EQ(cms.objects().list().size(), 1u);
  const auto& pods = by_resource["pods"];
  EXPECT_FALSE(pods.synced);
  ASSERT_TRUE(pods.last_error.has_value());
  EXPECT_EQ(pods.last_error->code, 403);
  EXPECT_EQ(pods.last_error->reason, "Forbidden");
  // "list", or "watch" when the reflector tried a streaming list first.
  const auto& m = pods.last_error->message;
  EXPECT_TRUE(m == R"(pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the cluster scope)" ||
              m == R"(pods is forbidden: User "viewer" cannot watch resource "pods" in API group "" at the cluster scope)")
      << m;
}

}  // namespace
}  // namespace kube::informers
