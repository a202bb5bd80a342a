// The generated API against the embedded server: a Deployment built from designated
// initialisers is created, read, updated through kube::typed<T>, and seen typed
// through factory.typed<T>()'s lister.
#include <gtest/gtest.h>

#include "kube/api/apps/v1.h"
#include "kube/api/core/v1.h"
#include "kube/client/typed_client.h"
#include "kube/informers/factory.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;
using kube::testing::Cluster;
using kube::testing::eventually;
namespace apps = kube::api::apps::v1;
namespace core = kube::api::core::v1;
namespace meta = kube::api::meta::v1;

apps::Deployment web() {
  std::map<std::string, std::string> labels{{"app", "web"}};
  return apps::Deployment{
      .metadata = meta::ObjectMeta{.name = "web", .namespace_ = "demo"},
      .spec = apps::DeploymentSpec{
          .replicas = 2,
          .selector = meta::LabelSelector{.match_labels = labels},
          .template_ = core::PodTemplateSpec{
              .metadata = meta::ObjectMeta{.labels = labels},
              .spec = core::PodSpec{
                  .containers = {core::Container{.image = "nginx:1.25", .name = "web"}}}}}};
}

TEST(GeneratedTypesIntegration, TypedClientAndTypedListerOverTheEmbeddedServer) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo"));
  auto deployments = kube::typed<apps::Deployment>(c.client, "demo");
  EXPECT_EQ(deployments.resource().gvr.group, "apps");

  Result<apps::Deployment> created = deployments.create(web());
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->api_version, "apps/v1");  // filled in from the type
  EXPECT_FALSE(created->metadata->uid.value_or("").empty());

  SharedInformerFactory f(c.client);
  auto typed = f.typed<apps::Deployment>();
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  Result<apps::Deployment> cached = typed.lister().namespace_("demo").get("web");
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_EQ(cached->spec->template_.spec->containers.at(0).image, "nginx:1.25");
  EXPECT_EQ(cached->spec->replicas, 2);

  apps::Deployment changed = *cached;
  changed.spec->replicas = 5;
  Result<apps::Deployment> updated = deployments.update(changed);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->spec->replicas, 5);
  ASSERT_TRUE(eventually([&] {
    auto now = typed.lister().namespace_("demo").get("web");
    return now && now->spec->replicas == 5;
  }));

  // The cached copy is now stale: its resourceVersion makes the update a 409.
  Result<apps::Deployment> stale = deployments.update(*cached);
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().is_conflict()) << stale.error().message;

  Result<std::vector<apps::Deployment>> all = deployments.list();
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  ASSERT_TRUE(deployments.remove("web"));
  Result<apps::Deployment> gone = deployments.get("web");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is_not_found());
  f.shutdown();
}

}  // namespace
}  // namespace kube::informers
