// List paging, resourceVersion semantics, selectors, metadata-only, watch.
#include "harness.h"

namespace kube::testing {
namespace {
namespace json = boost::json;
using std::chrono::seconds;

std::vector<json::value> events(BeastClient::Watch& w, std::size_t n, seconds t = seconds(5)) {
  std::vector<json::value> out;
  while (out.size() < n) {
    auto line = w.next(t);
    if (!line) break;
    out.push_back(parse_json(*line));
  }
  return out;
}

TEST_F(ApiServerTest, ListPagesAreAConsistentSnapshotWithKubeContinueTokens) {
  for (int i = 1; i <= 5; ++i) create_configmap("default", "c" + std::to_string(i));
  auto p1 = parse_json(get("/api/v1/namespaces/default/configmaps?limit=2").body);
  EXPECT_EQ(p1.at("metadata").at("remainingItemCount"), 3);
  std::string token(p1.at("metadata").at("continue").as_string());
  ASSERT_EQ(del("/api/v1/namespaces/default/configmaps/c3").status, 200);  // after the snapshot
  create_configmap("default", "c0");
  auto p2 = parse_json(get("/api/v1/namespaces/default/configmaps?limit=2&continue=" + token).body);
  auto& items = p2.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("metadata").at("name"), "c3");  // still there in the snapshot
  EXPECT_EQ(p2.at("metadata").at("resourceVersion"), p1.at("metadata").at("resourceVersion"));
  KUBE_FIXTURE_OR_SKIP(want, "lists/pods-page1.json");
  auto w = parse_json(want);
  EXPECT_EQ(w.at("metadata").as_object().size(), p1.at("metadata").as_object().size());
  EXPECT_FALSE(p1.at("items").as_array()[0].as_object().contains("kind"));  // typed lists drop it
  EXPECT_FALSE(w.at("items").as_array()[0].as_object().contains("kind"));
}

TEST_F(ApiServerTest, ExpiredContinueAndCompactedExactListGet410LikeKubeApiserver) {
  for (int i = 1; i <= 3; ++i) create_configmap("default", "e" + std::to_string(i));
  auto p1 = parse_json(get("/api/v1/namespaces/default/configmaps?limit=1").body);
  std::string rv = rv_of(p1);
  create_configmap("default", "e4");
  server_->compact();
  auto r = get("/api/v1/namespaces/default/configmaps?limit=1&continue=" +
               std::string(p1.at("metadata").at("continue").as_string()));
  EXPECT_EQ(r.status, 410);
  {
    KUBE_FIXTURE_OR_SKIP(want, "errors/410-expired-continue.json");
    auto got = parse_json(r.body);
    auto w = parse_json(want);
    EXPECT_EQ(got.at("message"), w.at("message"));
    expect_same_shape(w, got);
  }
  KUBE_FIXTURE_OR_SKIP(want, "errors/410-list-exact-compacted.json");
  r = get("/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact&resourceVersion=" + rv);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(parse_json(r.body), parse_json(want));
}

TEST_F(ApiServerTest, ResourceVersionExactServesThePastAndZeroIgnoresLimit) {
  auto a = create_configmap("default", "x1");
  create_configmap("default", "x2");
  auto r = parse_json(get("/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact&resourceVersion=" + rv_of(a)).body);
  EXPECT_EQ(r.at("items").as_array().size(), 1u);
  EXPECT_EQ(rv_of(r), rv_of(a));
  r = parse_json(get("/api/v1/namespaces/default/configmaps?resourceVersion=0&limit=1").body);
  EXPECT_EQ(r.at("items").as_array().size(), 2u);
  r = parse_json(get("/api/v1/namespaces/default/configmaps?resourceVersionMatch=NotOlderThan&resourceVersion=" + rv_of(a)).body);
  EXPECT_EQ(r.at("items").as_array().size(), 2u);
}

TEST_F(ApiServerTest, LabelAndFieldSelectorsFilterLists) {
  create_configmap("default", "l1", R"({"app":"web"})");
  create_configmap("default", "l2", R"({"app":"db"})");
  auto r = parse_json(get("/api/v1/configmaps?labelSelector=app%3Dweb").body);
  ASSERT_EQ(r.at("items").as_array().size(), 1u);
  EXPECT_EQ(r.at("items").as_array()[0].at("metadata").at("name"), "l1");
  r = parse_json(get("/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dl2").body);
  ASSERT_EQ(r.at("items").as_array().size(), 1u);
  EXPECT_EQ(r.at("items").as_array()[0].at("metadata").at("name"), "l2");
}

TEST_F(ApiServerTest, MetadataOnlyListAndGetMatchTheCaptures) {
  ASSERT_EQ(post("/api/v1/namespaces/default/pods",
                 R"({"metadata":{"name":"m","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}})").status, 201);
  auto r = get("/api/v1/namespaces/default/pods", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  auto got = parse_json(r.body);
  EXPECT_EQ(got.at("kind"), "PartialObjectMetadataList");
  auto one = parse_json(get("/api/v1/namespaces/default/pods/m", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1").body);
  EXPECT_EQ(one.at("kind"), "PartialObjectMetadata");
  EXPECT_FALSE(one.as_object().contains("spec"));
  KUBE_FIXTURE_OR_SKIP(want, "lists/pods-metadata-only.json");
  auto w = parse_json(want);
  EXPECT_EQ(w.at("kind"), got.at("kind"));
  EXPECT_EQ(w.at("apiVersion"), got.at("apiVersion"));
  EXPECT_EQ(w.at("items").as_array()[0].at("kind"), got.at("items").as_array()[0].at("kind"));
}

TEST_F(ApiServerTest, WatchStreamsChunkedEventsShapedLikeTheCapture) {
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" +
                          std::to_string(server_->resource_version()));
  ASSERT_EQ(w->status, 200);
  EXPECT_NE(w->header.find("Transfer-Encoding: chunked"), std::string::npos);
  create_configmap("default", "w1");
  ASSERT_EQ(patch("/api/v1/namespaces/default/configmaps/w1", R"({"data":{"a":"2"}})", "application/merge-patch+json").status, 200);
  ASSERT_EQ(del("/api/v1/namespaces/default/configmaps/w1").status, 200);
  auto ev = events(*w, 3);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].at("type"), "ADDED");
  EXPECT_EQ(ev[1].at("type"), "MODIFIED");
  EXPECT_EQ(ev[2].at("type"), "DELETED");
  EXPECT_LT(std::stoll(rv_of(ev[1].at("object"))), std::stoll(rv_of(ev[2].at("object"))));
  // One event per chunk, each ending in '\n', as in configmaps-watch.raw-chunked.
  EXPECT_EQ(w->raw.find("\r\n{\"type\":\"ADDED\""), w->raw.find("\r\n"));
  KUBE_FIXTURE_OR_SKIP(want, "watch/configmaps-watch.jsonl");
  auto first = parse_json(want.substr(0, want.find('\n')));
  first.at("object").at("metadata").as_object().erase("managedFields");
  expect_same_shape(first, ev[0]);
}

TEST_F(ApiServerTest, WatchSendsPeriodicBookmarksShapedLikeTheCapture) {
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=" +
                          std::to_string(server_->resource_version()));
  auto ev = events(*w, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].at("type"), "BOOKMARK");
  EXPECT_EQ(rv_of(ev[0].at("object")), std::to_string(server_->resource_version()));
  KUBE_FIXTURE_OR_SKIP(want, "watch/configmaps-watch.jsonl");
  auto last = want.substr(0, want.size() - 1);
  expect_same_shape(parse_json(last.substr(last.rfind('\n') + 1)), ev[0]);
}

TEST_F(ApiServerTest, WatchTimeoutSecondsEndsTheStreamCleanly) {
  auto w = client_->watch("/api/v1/configmaps?watch=1&timeoutSeconds=1");
  events(*w, 100, seconds(4));
  EXPECT_TRUE(w->ended());
  EXPECT_TRUE(w->clean_end());
}

TEST_F(ApiServerTest, WatchWithSelectorSendsDeletedOnLeavingAndAddedOnEntering) {
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&labelSelector=app%3Dweb&resourceVersion=" +
                          std::to_string(server_->resource_version()));
  create_configmap("default", "s1");
  auto lab = [&](const char* v) {
    return patch("/api/v1/namespaces/default/configmaps/s1", std::string(R"({"metadata":{"labels":{"app":)") + v + "}}}",
                 "application/merge-patch+json").status;
  };
  ASSERT_EQ(lab("\"web\""), 200);
  ASSERT_EQ(lab("null"), 200);
  auto ev = events(*w, 2);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].at("type"), "ADDED");
  EXPECT_EQ(ev[1].at("type"), "DELETED");
}

TEST_F(ApiServerTest, WatchListSendsInitialEventsThenTheInitialEventsEndBookmark) {
  create_configmap("default", "i1");
  create_configmap("default", "i2");
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true"
                          "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
  auto ev = events(*w, 3);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].at("type"), "ADDED");
  EXPECT_EQ(ev[2].at("type"), "BOOKMARK");
  EXPECT_EQ(ev[2].at("object").at("metadata").at("annotations").at("k8s.io/initial-events-end"), "true");
  KUBE_FIXTURE_OR_SKIP(want, "watch/pods-watchlist.jsonl");
  auto last = want.substr(0, want.size() - 1);
  auto wb = parse_json(last.substr(last.rfind('\n') + 1));
  EXPECT_EQ(wb.at("object").at("metadata").as_object().size(), ev[2].at("object").at("metadata").as_object().size());
}

TEST_F(ApiServerTest, WatchFromCompactedResourceVersionGetsThe410ErrorEvent) {
  KUBE_FIXTURE_OR_SKIP(want, "watch/410-watch-too-old.jsonl");
  create_configmap("default", "o1");
  server_->compact();
  auto w = client_->watch("/api/v1/configmaps?watch=1&resourceVersion=2");
  ASSERT_EQ(w->status, 200);
  auto ev = events(*w, 1);
  ASSERT_EQ(ev.size(), 1u);
  auto wv = parse_json(want.substr(0, want.find('\n')));
  EXPECT_EQ(ev[0].at("type"), "ERROR");
  expect_same_shape(wv, ev[0]);
  EXPECT_EQ(ev[0].at("object").at("code"), 410);
  EXPECT_TRUE(ev[0].at("object").at("message").as_string().starts_with("too old resource version: 2 ("));
}

TEST_F(ApiServerTest, HistoryWindowReplaysEventsSinceAResourceVersion) {
  auto a = create_configmap("default", "h1");
  create_configmap("default", "h2");
  create_configmap("default", "h3");
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + rv_of(a));
  auto ev = events(*w, 2);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].at("object").at("metadata").at("name"), "h2");
  EXPECT_EQ(ev[1].at("object").at("metadata").at("name"), "h3");
}

// A write reaches the watches of its namespace and those of all namespaces,
// and no other (the store indexes watches by namespace).
TEST_F(ApiServerTest, WatchesSeeTheirNamespaceAllNamespaceWatchesSeeEveryOne) {
  std::string rv = std::to_string(server_->resource_version());
  auto namespaces = client_->watch("/api/v1/namespaces?watch=1&resourceVersion=" + rv);
  ASSERT_EQ(post("/api/v1/namespaces", R"({"metadata":{"name":"other"}})").status, 201);
  rv = std::to_string(server_->resource_version());
  auto in_default = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + rv);
  auto in_other = client_->watch("/api/v1/namespaces/other/configmaps?watch=1&resourceVersion=" + rv);
  auto everywhere = client_->watch("/api/v1/configmaps?watch=1&resourceVersion=" + rv);
  create_configmap("default", "d1");
  create_configmap("other", "o1");
  create_configmap("default", "d2");
  auto names = [](const std::vector<json::value>& ev) {
    std::vector<std::string> out;
    for (const auto& e : ev) out.emplace_back(e.at("object").at("metadata").at("name").as_string());
    return out;
  };
  EXPECT_EQ(names(events(*in_default, 2)), (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(names(events(*in_other, 1)), (std::vector<std::string>{"o1"}));
  EXPECT_EQ(names(events(*everywhere, 3)), (std::vector<std::string>{"d1", "o1", "d2"}));
  EXPECT_FALSE(in_default->next(std::chrono::milliseconds(200)));
  EXPECT_FALSE(in_other->next(std::chrono::milliseconds(200)));
  auto ns_events = events(*namespaces, 1);
  ASSERT_EQ(ns_events.size(), 1u);
  EXPECT_EQ(ns_events[0].at("object").at("metadata").at("name"), "other");
}

// Events that queued up while a stream was held back go out together, still
// one chunk per event and in resourceVersion order.
TEST_F(ApiServerTest, EventsQueuedWhileStalledArriveInOrderOneChunkEach) {
  auto w = client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" +
                          std::to_string(server_->resource_version()));
  server_->stall_watches(true);
  for (int i = 0; i < 5; ++i) create_configmap("default", "q" + std::to_string(i));
  server_->stall_watches(false);
  std::vector<std::string> chunks;
  while (chunks.size() < 5) {
    auto c = w->next(seconds(5));
    if (!c) break;
    chunks.push_back(*c);
  }
  ASSERT_EQ(chunks.size(), 5u);
  std::int64_t last_rv = 0;
  for (int i = 0; i < 5; ++i) {
    const auto& c = chunks[std::size_t(i)];
    EXPECT_EQ(c.find('\n'), c.size() - 1) << c;  // exactly one line per chunk
    auto e = parse_json(c);
    EXPECT_EQ(e.at("object").at("metadata").at("name").as_string(), "q" + std::to_string(i));
    std::int64_t rv = std::stoll(rv_of(e.at("object")));
    EXPECT_GT(rv, last_rv);
    last_rv = rv;
  }
}

TEST_F(ApiServerTest, HoldsManyConcurrentWatchesWithoutAThreadEach) {
  constexpr int kWatches = 200;  // the benchmark holds 1,000
  std::vector<std::unique_ptr<BeastClient::Watch>> ws;
  std::string rv = std::to_string(server_->resource_version());
  for (int i = 0; i < kWatches; ++i) {
    ws.push_back(client_->watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + rv));
    ASSERT_EQ(ws.back()->status, 200);
  }
  create_configmap("default", "fan");
  int got = 0;
  for (auto& w : ws) {
    auto ev = events(*w, 1);
    got += ev.size() == 1 && ev[0].at("type") == "ADDED";
  }
  EXPECT_EQ(got, kWatches);
}

}  // namespace
}  // namespace kube::testing
