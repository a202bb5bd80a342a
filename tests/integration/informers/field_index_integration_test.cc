// The factory gives pod informers spec.nodeName and status.phase field
// indexes, so "pods on this node" from the lister is an index lookup; a user
// can opt out, and a metadata-only factory skips fields its objects lack.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/cache/index.h"
#include "kube/core/key.h"
#include "kube/informers/factory.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::Cluster;
using kube::testing::eventually;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

const Resource kPods{{"", "v1", "pods"}, true};

std::string pod_json(const std::string& name, const std::string& node, const std::string& phase) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"demo"},"spec":{"nodeName":")" + node +
         R"(","containers":[{"name":"c","image":"x"}]},"status":{"phase":")" + phase + R"("}})";
}

FieldSelector fields(const std::string& text) {
  auto s = FieldSelector::parse(text);
  EXPECT_TRUE(s.ok()) << text;
  return s.ok() ? *s : FieldSelector{};
}

std::vector<std::string> names(const std::vector<ObjectPtr>& objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) out.emplace_back(o->name());
  std::sort(out.begin(), out.end());
  return out;
}

InformerFactoryOptions field_index_fast_options() {
  InformerFactoryOptions o;
  o.reflector.backoff_initial = 5ms;
  o.reflector.backoff_max = 100ms;
  return o;
}

TEST(FieldIndexIntegration, FactoryPodsListByNodeFromTheNodeNameIndex) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo"));
  for (int i = 0; i < 20; ++i) {
    auto r = c.client->create(
        kPods, "demo",
        pod_json("p" + std::to_string(i), "node-" + std::to_string(i % 4), "Running"));
    ASSERT_TRUE(r) << r.error().message;
  }
  SharedInformerFactory f(c.client, field_index_fast_options());
  auto pods = f.pods();
  EXPECT_THAT(pods.informer->indexer().index_names(),
              ::testing::IsSupersetOf({cache::field_index_name("spec.nodeName"),
                                       cache::field_index_name("status.phase")}));
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);

  Lister lister = pods.objects();
  EXPECT_THAT(names(lister.list(fields("spec.nodeName=node-1"))),
              ElementsAre("p1", "p13", "p17", "p5", "p9"));
  EXPECT_EQ(lister.list(fields("status.phase=Running")).size(), 20u);
  const auto& store = dynamic_cast<const cache::ThreadSafeStore&>(pods.informer->indexer());
  EXPECT_EQ(store.count_candidates(std::nullopt, fields("spec.nodeName=node-1"), {}), 5u);
  EXPECT_EQ(lister.namespace_("demo").list(fields("spec.nodeName=node-2,metadata.name!=p2")).size(),
            4u);

  // A pod created after the sync is filed as it arrives.
  ASSERT_TRUE(c.client->create(kPods, "demo", pod_json("late", "node-1", "Running")));
  EXPECT_TRUE(eventually([&] { return lister.list(fields("spec.nodeName=node-1")).size() == 6; }));
  f.shutdown();
}

TEST(FieldIndexIntegration, FieldIndexesAreConfigurablePerResource) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  InformerFactoryOptions none = field_index_fast_options();
  none.field_indexes = {};  // opt out
  SharedInformerFactory without(c.client, none);
  EXPECT_THAT(without.pods().informer->indexer().index_names(),
              Not(Contains(cache::field_index_name("spec.nodeName"))));

  InformerFactoryOptions extra = field_index_fast_options();
  extra.field_indexes[{"", "v1", "configmaps"}] = {"metadata.name"};
  SharedInformerFactory with(c.client, extra);
  EXPECT_THAT(with.configmaps().informer->indexer().index_names(),
              Contains(cache::field_index_name("metadata.name")));
  EXPECT_THAT(with.pods().informer->indexer().index_names(),
              Contains(cache::field_index_name("status.phase")));

  InformerFactoryOptions meta = field_index_fast_options();
  meta.metadata_only = true;
  meta.field_indexes[{"", "v1", "pods"}].push_back("metadata.uid");
  SharedInformerFactory metadata_only(c.client, meta);
  auto names = metadata_only.pods().informer->indexer().index_names();
  EXPECT_THAT(names, Contains(cache::field_index_name("metadata.uid")));
  EXPECT_THAT(names, Not(Contains(cache::field_index_name("spec.nodeName"))));
}

}  // namespace
}  // namespace kube::informers
