// A custom resource through a dynamic informer, as the user's own struct:
// create the CRD, create a CronTab from a struct, read it back typed from the
// cache, change the struct and update it through the REST client.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kube/core/convert.h"
#include "kube/informers/factory.h"
#include "kube/informers/typed_lister.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::Cluster;
using kube::testing::eventually;

const Resource kCrds{{"apiextensions.k8s.io", "v1", "customresourcedefinitions"}, false};
const Resource kCronTabs{{"stable.example.com", "v1", "crontabs"}, true};

constexpr const char* kCronTabCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "crontabs.stable.example.com"},
  "spec": {"group": "stable.example.com", "scope": "Namespaced",
    "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}})";

struct CronTabSpec {
  std::string cron_spec;
  std::string image;
  std::optional<std::int32_t> replicas;
  UnknownFields unknown;
  static constexpr auto kube_fields() {
    return fields(field("cronSpec", &CronTabSpec::cron_spec).required(),
                  field("image", &CronTabSpec::image), field("replicas", &CronTabSpec::replicas),
                  unknown_fields(&CronTabSpec::unknown));
  }
};

struct CronTab {
  std::string api_version = "stable.example.com/v1";
  std::string kind = "CronTab";
  ObjectMeta metadata;
  CronTabSpec spec;
  static constexpr auto kube_fields() {
    return fields(field("apiVersion", &CronTab::api_version), field("kind", &CronTab::kind),
                  field("metadata", &CronTab::metadata), field("spec", &CronTab::spec));
  }
};

InformerFactoryOptions fast() {
  InformerFactoryOptions o;
  o.reflector.backoff_initial = 5ms;
  o.reflector.backoff_max = 100ms;
  return o;
}

TEST(TypedInformerIntegration, CustomResourceConvertsToTheUsersStructAndBack) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo"));
  auto crd = c.client->create(kCrds, "", kCronTabCrd);
  ASSERT_TRUE(crd) << crd.error().message;

  // Created from the struct: to_unstructured is what the REST client sends.
  CronTab nightly;
  nightly.metadata.name = "nightly";
  nightly.metadata.namespace_ = "demo";
  nightly.metadata.labels["team"] = "batch";
  nightly.spec.cron_spec = "0 3 * * *";
  nightly.spec.image = "backup:1";
  nightly.spec.unknown.fields["timeZone"] = "UTC";  // a field this program does not model
  auto created =
      c.client->create(kCronTabs, "demo", boost::json::serialize(to_unstructured(nightly)));
  ASSERT_TRUE(created) << created.error().message;
  // One object the struct cannot hold: cronSpec is required.
  ASSERT_TRUE(c.client->create(kCronTabs, "demo", R"({"apiVersion":"stable.example.com/v1",
      "kind":"CronTab","metadata":{"name":"broken","namespace":"demo"},"spec":{"image":"x"}})"));

  SharedInformerFactory f(c.client, fast());
  auto crontabs = f.for_resource(kCronTabs);
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);

  TypedLister<CronTab> lister(crontabs.lister());
  Result<CronTab> got = lister.namespace_("demo").get("nightly");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->spec.cron_spec, "0 3 * * *");
  EXPECT_EQ(got->spec.image, "backup:1");
  EXPECT_EQ(got->spec.replicas, std::nullopt);
  EXPECT_EQ(got->metadata.labels.at("team"), "batch");
  EXPECT_EQ(got->metadata.uid, (*created)->uid());
  EXPECT_EQ(got->metadata.resource_version, (*created)->resource_version());
  EXPECT_FALSE(got->metadata.creation_timestamp.empty());

  Result<CronTab> broken = lister.namespace_("demo").get("broken");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message, "demo/broken: .spec.cronSpec: required, missing");
  EXPECT_EQ(lister.list().size(), 2u);

  // Change the struct, send it back as an update (its resourceVersion makes
  // it a compare-and-swap), and the informer sees the change.
  CronTab changed = *got;
  changed.spec.replicas = 5;
  changed.spec.image = "backup:2";
  auto obj = to_object(changed);
  ASSERT_TRUE(obj) << obj.error().message;
  auto updated = c.client->update(kCronTabs, **obj);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ((*updated)->field_string("spec.timeZone"), "UTC");  // kept, not lost by the round trip

  ASSERT_TRUE(eventually([&] {
    auto now = lister.namespace_("demo").get("nightly");
    return now && now->metadata.resource_version == (*updated)->resource_version();
  }));
  Result<CronTab> seen = lister.namespace_("demo").get("nightly");
  ASSERT_TRUE(seen) << seen.error().message;
  EXPECT_EQ(seen->spec.replicas, 5);
  EXPECT_EQ(seen->spec.image, "backup:2");
  EXPECT_EQ(seen->spec.unknown.fields.at("timeZone"), "UTC");

  // A stale struct (old resourceVersion) is refused like any stale update.
  auto stale = c.client->update(kCronTabs, **to_object(*got));
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().is_conflict()) << stale.error().message;
  f.shutdown();
}

// Issue 10: an informer for a custom resource whose CRD does not exist yet says
// why it has not synced (404), keeps retrying on its backoff, and syncs on its
// own once the CRD is created: no restart, no new informer.
TEST(TypedInformerIntegration, InformerForACrdNotYetCreatedStartsOnItsOwnOnceItIs) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo"));
  SharedInformerFactory f(c.client, fast());
  auto crontabs = f.for_resource(kCronTabs);
  f.start();
  auto before = f.wait_for_cache_sync(300ms);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_FALSE(before[0].synced);
  ASSERT_TRUE(before[0].last_error.has_value());
  EXPECT_EQ(before[0].last_error->code, 404) << before[0].last_error->message;

  ASSERT_TRUE(c.client->create(kCrds, "", kCronTabCrd));
  ASSERT_TRUE(c.client->create(kCronTabs, "demo", R"({"apiVersion":"stable.example.com/v1",
      "kind":"CronTab","metadata":{"name":"late","namespace":"demo"},"spec":{"cronSpec":"* * * * *"}})"));
  EXPECT_TRUE(eventually([&] { return crontabs.lister().list().size() == 1; }, 10s));
  auto after = f.wait_for_cache_sync(5s);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0].synced);
  EXPECT_FALSE(after[0].last_error.has_value());
}

}  // namespace
}  // namespace kube::informers
