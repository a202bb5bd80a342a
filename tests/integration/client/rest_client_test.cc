// RestClient against the loopback HTTPS server serving captured fixtures.
#include "kube/client/rest_client.h"

#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/client/test_server.h"
#include "support/fixtures.h"

namespace kube {
namespace {

using ::testing::HasSubstr;
using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;

const testing::TestPki& pki() {
  static const testing::TestPki p = testing::make_test_pki();
  return p;
}

const Resource kPods{{"", "v1", "pods"}, true};
const Resource kConfigMaps{{"", "v1", "configmaps"}, true};
const Resource kDeployments{{"apps", "v1", "deployments"}, true};

// Records every request; answers with the handler.
class Fake {
 public:
  explicit Fake(std::function<TestResponse(const TestRequest&)> h)
      : handler_(std::move(h)), server_(pki(), [this](const TestRequest& r) {
          {
            MutexLock lock(mu_);
            seen_.push_back(r);
          }
          return handler_(r);
        }) {
    RestConfig c;
    c.host = server_.url();
    c.ca_pem = pki().ca.cert_pem;
    c.bearer_token = "t";
    c.qps = 0;
    client_ = std::make_unique<RestClient>(std::move(*Transport::create(c)));
  }
  RestClient& client() { return *client_; }
  std::vector<TestRequest> seen() {
    MutexLock lock(mu_);
    return seen_;
  }

 private:
  std::function<TestResponse(const TestRequest&)> handler_;
  Mutex mu_;  // guards seen_
  std::vector<TestRequest> seen_ KUBE_GUARDED_BY(mu_);
  TestServer server_;
  std::unique_ptr<RestClient> client_;
};

TEST(RestClient, ListFollowsContinueTokensAcrossPages) {
  KUBE_FIXTURE_OR_SKIP(page1, "lists/pods-page1.json");
  KUBE_FIXTURE_OR_SKIP(page2, "lists/pods-page2.json");
  Fake fake([&](const TestRequest& r) {
    return TestResponse{.body = r.target.find("continue=") == std::string::npos ? page1 : page2};
  });
  ListOptions o{.label_selector = "app=web", .limit = 2};
  Result<ListResult> first = fake.client().list(kPods, "demo", o);
  ASSERT_TRUE(first) << first.error().message;
  o.continue_token = first->continue_token;
  Result<ListResult> second = fake.client().list(kPods, "demo", o);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->items.size() + second->items.size(), 4u);
  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb&limit=2");
  EXPECT_THAT(seen[1].target, HasSubstr("&continue=" + url_escape(first->continue_token)));
  EXPECT_EQ(seen[0].header("accept"), "application/json");
}

TEST(RestClient, MetadataOnlyListAsksForPartialObjectMetadataList) {
  KUBE_FIXTURE_OR_SKIP(body, "lists/pods-metadata-only.json");
  Fake fake([&](const TestRequest&) { return TestResponse{.body = body}; });
  Result<ListResult> list = fake.client().list(kPods, "", {.metadata_only = true});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->kind, "PartialObjectMetadataList");
  EXPECT_THAT(fake.seen()[0].header("accept"), HasSubstr("as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"));
  EXPECT_EQ(fake.seen()[0].target, "/api/v1/pods");
}

TEST(RestClient, GetReturnsTheObjectOrATypedNotFound) {
  KUBE_FIXTURE_OR_SKIP(pod, "objects/pod.json");
  KUBE_FIXTURE_OR_SKIP(missing, "errors/404-notfound.json");
  Fake fake([&](const TestRequest& r) {
    if (r.target.ends_with("/nope")) return TestResponse{.status = 404, .body = missing};
    return TestResponse{.body = pod};
  });
  Result<ObjectPtr> got = fake.client().get(kPods, "demo", "web");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ((*got)->kind(), "Pod");
  Result<ObjectPtr> nope = fake.client().get(kPods, "demo", "nope");
  ASSERT_FALSE(nope);
  EXPECT_TRUE(nope.error().is_not_found());
  EXPECT_EQ(nope.error().message, "pods \"nope\" not found");
}

TEST(RestClient, WritesSendTheRightVerbPathAndContentType) {
  KUBE_FIXTURE_OR_SKIP(cm, "objects/configmap.json");
  KUBE_FIXTURE_OR_SKIP(conflict, "errors/409-conflict.json");
  Fake fake([&](const TestRequest& r) {
    if (r.method == "PUT" && r.target.ends_with("/status")) return TestResponse{.status = 409, .body = conflict};
    return TestResponse{.body = cm};
  });
  RestClient& c = fake.client();
  ObjectPtr obj = *Object::parse(cm);
  ASSERT_TRUE(c.create(kConfigMaps, "demo", cm));
  ASSERT_TRUE(c.update(kConfigMaps, *obj));
  Result<ObjectPtr> st = c.update_status(kConfigMaps, *obj);
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is_conflict());
  ASSERT_TRUE(c.patch(kConfigMaps, "demo", "x", PatchType::Merge, R"({"data":{"a":"b"}})"));
  ASSERT_TRUE(c.patch(kConfigMaps, "demo", "x", PatchType::JsonPatch, R"([{"op":"remove","path":"/data/a"}])"));
  ASSERT_TRUE(c.patch(kDeployments, "demo", "web", PatchType::StrategicMerge, R"({"spec":{"replicas":3}})",
                      {.subresource = "scale"}));
  ASSERT_TRUE(c.patch(kConfigMaps, "demo", "x", PatchType::Apply, "{}", {.field_manager = "kinformer", .force = true}));
  EXPECT_FALSE(c.patch(kConfigMaps, "demo", "x", PatchType::Apply, "{}"));  // no field manager: not sent
  ASSERT_TRUE(c.remove(kConfigMaps, "demo", "x",
                       {.propagation_policy = "Foreground", .grace_period_seconds = 0, .precondition_uid = "u1"}));
  ASSERT_TRUE(c.remove_collection(kConfigMaps, "demo", {.label_selector = "app=web"}));

  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 9u);
  std::string obj_path = "/api/v1/namespaces/" + std::string(obj->namespace_()) + "/configmaps/" + std::string(obj->name());
  EXPECT_EQ(seen[0].method + " " + seen[0].target, "POST /api/v1/namespaces/demo/configmaps");
  EXPECT_EQ(seen[0].header("content-type"), "application/json");
  EXPECT_EQ(seen[1].method + " " + seen[1].target, "PUT " + obj_path);
  EXPECT_EQ(seen[2].method + " " + seen[2].target, "PUT " + obj_path + "/status");
  EXPECT_EQ(seen[3].header("content-type"), "application/merge-patch+json");
  EXPECT_EQ(seen[4].header("content-type"), "application/json-patch+json");
  EXPECT_EQ(seen[5].target, "/apis/apps/v1/namespaces/demo/deployments/web/scale");
  EXPECT_EQ(seen[5].header("content-type"), "application/strategic-merge-patch+json");
  EXPECT_EQ(seen[6].target, "/api/v1/namespaces/demo/configmaps/x?force=true&fieldManager=kinformer");
  EXPECT_EQ(seen[6].header("content-type"), "application/apply-patch+yaml");
  EXPECT_EQ(seen[7].method, "DELETE");
  EXPECT_EQ(seen[7].body,
            R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","gracePeriodSeconds":0,)"
            R"("preconditions":{"uid":"u1"}})");
  EXPECT_EQ(seen[8].method + " " + seen[8].target, "DELETE /api/v1/namespaces/demo/configmaps?labelSelector=app%3Dweb");
}

struct WatchResult {
  std::vector<WatchEvent> events;
  std::promise<Result<void>> end;
};

Result<void> run_watch(RestClient& c, const ListOptions& o, WatchResult& w,
                       std::shared_ptr<CallHandle>* handle_out = nullptr) {
  auto h = c.watch(kConfigMaps, "demo", o, [&w](WatchEvent ev) { w.events.push_back(std::move(ev)); },
                   [&w](Result<void> r) { w.end.set_value(std::move(r)); });
  if (handle_out) *handle_out = h;
  auto f = w.end.get_future();
  if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    h->cancel();
    f.wait();
    ADD_FAILURE() << "watch did not end";
  }
  return f.get();
}

TEST(RestClient, WatchDeliversEveryEventAndEndsCleanly) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  Fake fake([&](const TestRequest&) {
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < stream.size(); i += 97) chunks.push_back(stream.substr(i, 97));
    return TestResponse{.chunks = chunks};
  });
  WatchResult w;
  Result<void> end = run_watch(fake.client(), {.resource_version = "285", .timeout_seconds = 60}, w);
  EXPECT_TRUE(end);
  ASSERT_EQ(w.events.size(), 7u);
  EXPECT_EQ(w.events[0].type, WatchEventType::Added);
  EXPECT_EQ(w.events[5].type, WatchEventType::Bookmark);
  EXPECT_EQ(fake.seen()[0].target,
            "/api/v1/namespaces/demo/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=285&timeoutSeconds=60");
}

TEST(RestClient, WatchFromTooOldResourceVersionDeliversAnExpiredErrorEvent) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/410-watch-too-old.jsonl");
  Fake fake([&](const TestRequest&) { return TestResponse{.chunks = {stream}}; });
  WatchResult w;
  EXPECT_TRUE(run_watch(fake.client(), {.resource_version = "2"}, w));
  ASSERT_EQ(w.events.size(), 1u);
  ASSERT_TRUE(w.events[0].error);
  EXPECT_TRUE(w.events[0].error->is_gone());
}

TEST(RestClient, WatchCutMidObjectEndsWithStreamTruncated) {
  KUBE_FIXTURE_OR_SKIP(stream, "watch/configmaps-watch.jsonl");
  Fake fake([&](const TestRequest&) {
    return TestResponse{.chunks = {stream.substr(0, stream.find('\n') + 30)}, .cut = true};
  });
  WatchResult w;
  Result<void> end = run_watch(fake.client(), {}, w);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().reason, "StreamTruncated");
  EXPECT_EQ(w.events.size(), 1u);
}

TEST(RestClient, MalformedWatchStreamEndsWithTheDecodeError) {
  Fake fake([&](const TestRequest&) { return TestResponse{.chunks = {"{\"type\":\"ADDED\",\"object\":oops}\n"}, .hold_open = true}; });
  WatchResult w;
  Result<void> end = run_watch(fake.client(), {}, w);
  ASSERT_FALSE(end);
  EXPECT_THAT(end.error().message, HasSubstr("watch stream: event at byte 0"));
}

}  // namespace
}  // namespace kube
