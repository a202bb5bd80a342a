// The whole client layer against the embedded API server (kube::testing::ApiServer):
// kubeconfig it writes → Transport → RestClient / Discovery, over TLS with
// token and client-certificate auth, including fault injection.
#include <future>
#include <random>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/client/config.h"
#include "kube/client/discovery.h"
#include "kube/client/rest_client.h"
#include "kube/testing/api_server.h"

namespace kube {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const Resource kNamespaces{{"", "v1", "namespaces"}, false};
const Resource kConfigMaps{{"", "v1", "configmaps"}, true};

class AgainstApiServer : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ApiServerOptions options;
    options.bookmark_interval = std::chrono::milliseconds(200);
    server_ = std::make_unique<testing::ApiServer>(options);
    Result<void> started = server_->start();
    ASSERT_TRUE(started) << started.error().message;
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("kinformer-client-apiserver-" + std::to_string(rd()));
    fs::create_directories(dir_);
    ASSERT_TRUE(server_->write_kubeconfig(dir_ / "config"));
    Result<RestConfig> cfg = load_kubeconfig({.paths = {dir_ / "config"}});
    ASSERT_TRUE(cfg) << cfg.error().message;
    cfg->qps = 0;
    config_ = *cfg;
    client_ = std::make_unique<RestClient>(std::move(*Transport::create(config_, {.initial_backoff = std::chrono::milliseconds(5)})));
    ASSERT_TRUE(client_->create(kNamespaces, "", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}})"));
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  Result<ObjectPtr> create_cm(const std::string& name, const std::string& labels = "{}") {
    return client_->create(kConfigMaps, "demo",
                           R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                               R"(","labels":)" + labels + R"(},"data":{"k":"v"}})");
  }

  std::unique_ptr<testing::ApiServer> server_;
  fs::path dir_;
  RestConfig config_;
  std::unique_ptr<RestClient> client_;
};

TEST_F(AgainstApiServer, CrudWithTypedErrors) {
  Result<ObjectPtr> cm = create_cm("a");
  ASSERT_TRUE(cm) << cm.error().message;
  EXPECT_EQ((*cm)->namespace_(), "demo");
  Result<ObjectPtr> again = create_cm("a");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "AlreadyExists");
  Result<ObjectPtr> got = client_->get(kConfigMaps, "demo", "a");
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)->uid(), (*cm)->uid());

  Result<ObjectPtr> patched = client_->patch(kConfigMaps, "demo", "a", PatchType::Merge, R"({"data":{"k":"w"}})");
  ASSERT_TRUE(patched) << patched.error().message;
  EXPECT_EQ((*patched)->field_string("data.k"), "w");
  // Updating the stale copy conflicts.
  Result<ObjectPtr> stale = client_->update(kConfigMaps, **cm);
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().is_conflict());
  ASSERT_TRUE(client_->update(kConfigMaps, **patched));

  ASSERT_TRUE(client_->remove(kConfigMaps, "demo", "a", {.precondition_uid = std::string((*cm)->uid())}));
  Result<ObjectPtr> gone = client_->get(kConfigMaps, "demo", "a");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is_not_found());
}

// A get built without managedFields, as ListOptions::strip_managed_fields
// builds a list's items; by default they are kept.
TEST_F(AgainstApiServer, GetWithStripManagedFieldsBuildsTheObjectWithout) {
  ASSERT_TRUE(client_->create(
      kConfigMaps, "demo",
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m","managedFields":[)"
      R"({"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2026-11-27T08:00:00Z",)"
      R"("fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}]},"data":{"k":"v"}})"));
  Result<ObjectPtr> kept = client_->get(kConfigMaps, "demo", "m");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_NE((*kept)->json().find("managedFields"), std::string_view::npos);
  Result<ObjectPtr> stripped = client_->get(kConfigMaps, "demo", "m", {}, {.strip_managed_fields = true});
  ASSERT_TRUE(stripped) << stripped.error().message;
  EXPECT_EQ((*stripped)->json().find("managedFields"), std::string_view::npos) << (*stripped)->json();
  EXPECT_EQ((*stripped)->field_string("data.k"), "v");
  EXPECT_EQ((*stripped)->uid(), (*kept)->uid());
}

TEST_F(AgainstApiServer, ListPagesAndSelectorsAndDeleteCollection) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(create_cm("cm" + std::to_string(i), i % 2 ? R"({"odd":"yes"})" : "{}"));
  std::vector<std::string> names;
  ListOptions o{.limit = 2};
  int pages = 0;
  do {
    Result<ListResult> page = client_->list(kConfigMaps, "demo", o);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& item : page->items) names.emplace_back(item->name());
    o.continue_token = page->continue_token;
    ++pages;
  } while (!o.continue_token.empty() && pages < 10);
  EXPECT_EQ(names.size(), 5u);
  EXPECT_EQ(pages, 3);

  Result<ListResult> odd = client_->list(kConfigMaps, "demo", {.label_selector = "odd=yes"});
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->items.size(), 2u);
  Result<ListResult> meta = client_->list(kConfigMaps, "demo", {.metadata_only = true});
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->items.size(), 5u);
  EXPECT_EQ(meta->items[0]->kind(), "PartialObjectMetadata");
  EXPECT_FALSE(meta->items[0]->field("data"));

  ASSERT_TRUE(client_->remove_collection(kConfigMaps, "demo", {.label_selector = "odd=yes"}));
  EXPECT_EQ(client_->list(kConfigMaps, "demo")->items.size(), 3u);
}

TEST_F(AgainstApiServer, WatchSeesChangesAfterTheListedResourceVersion) {
  Result<ListResult> list = client_->list(kConfigMaps, "demo");
  ASSERT_TRUE(list);
  Mutex mu;
  CondVar cv;
  std::vector<std::string> seen;  // guarded by mu
  std::promise<Result<void>> ended;
  auto h = client_->watch(kConfigMaps, "demo", {.resource_version = list->resource_version},
                          [&](WatchEvent ev) {
                            if (ev.type == WatchEventType::Bookmark) return;
                            MutexLock lock(mu);
                            seen.push_back(std::string(to_string(ev.type)) + " " +
                                           (ev.object ? std::string(ev.object->name()) : ""));
                            cv.notify_all();
                          },
                          [&](Result<void> r) { ended.set_value(r); });
  ASSERT_TRUE(create_cm("w"));
  ASSERT_TRUE(client_->patch(kConfigMaps, "demo", "w", PatchType::StrategicMerge, R"({"data":{"x":"1"}})"));
  ASSERT_TRUE(client_->remove(kConfigMaps, "demo", "w"));
  {
    MutexLock lock(mu);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (seen.size() < 3 && cv.wait_until(mu, deadline)) {
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
  }
  h->cancel();
  auto f = ended.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(f.get().error().reason, "Canceled");
}

TEST_F(AgainstApiServer, WatchFromACompactedResourceVersionGetsExpired) {
  ASSERT_TRUE(create_cm("old"));
  std::string rv = std::string((*client_->get(kConfigMaps, "demo", "old"))->resource_version());
  ASSERT_TRUE(create_cm("new"));
  server_->compact();
  std::promise<Error> first_error;
  bool got = false;
  std::promise<void> ended;
  auto h = client_->watch(kConfigMaps, "demo", {.resource_version = rv},
                          [&](WatchEvent ev) {
                            if (ev.error && !got) {
                              got = true;
                              first_error.set_value(*ev.error);
                            }
                          },
                          [&](Result<void> r) {
                            if (!got && !r) {
                              got = true;
                              first_error.set_value(r.error());
                            }
                            ended.set_value();
                          });
  auto f = first_error.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(f.get().is_gone());
  h->cancel();
  ASSERT_EQ(ended.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
}

TEST_F(AgainstApiServer, RetriesThrough429And500) {
  server_->fail_next_requests(2, 429, 1);
  Result<ListResult> r = client_->list(kNamespaces, "");
  ASSERT_TRUE(r) << r.error().message;
  server_->fail_next_requests(3, 500);
  ASSERT_TRUE(client_->list(kNamespaces, ""));
  EXPECT_GE(client_->transport().stats().retries, 5u);
}

TEST_F(AgainstApiServer, ClientCertificateAuthAndBadToken) {
  RestConfig cert = config_;
  cert.bearer_token.clear();
  cert.client_cert_pem = server_->client_cert_pem();
  cert.client_key_pem = server_->client_key_pem();
  RestClient by_cert(std::move(*Transport::create(cert)));
  EXPECT_TRUE(by_cert.get(kNamespaces, "", "demo"));

  RestConfig bad = config_;
  bad.bearer_token = "wrong";
  RestClient by_bad(std::move(*Transport::create(bad)));
  Result<ObjectPtr> r = by_bad.get(kNamespaces, "", "demo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 401);
}

TEST_F(AgainstApiServer, DiscoveryResolvesCoreAndGroupResources) {
  Discovery d(*client_);
  Result<ApiResource> cm = d.resolve("cm");
  ASSERT_TRUE(cm) << cm.error().message;
  EXPECT_EQ(cm->kind, "ConfigMap");
  Result<ApiResource> deploy = d.resolve("deployments.apps");
  ASSERT_TRUE(deploy) << deploy.error().message;
  EXPECT_EQ(deploy->gvr.to_string(), "apps/v1, Resource=deployments");
  Result<ApiResource> lease = d.resolve("leases");
  ASSERT_TRUE(lease);
  EXPECT_TRUE(lease->namespaced);
}

}  // namespace
}  // namespace kube
