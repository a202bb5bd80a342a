// The generated API against the embedded server: a Deployment built from designated
// initialisers is created, read, updated through kube::typed<T>, and seen typed
// through factory.typed<T>()'s lister; the named accessors (clientset.deployments("ns"),
// factory.pods(), factory.nodes()) give the same typed values.
#include <gtest/gtest.h>

#include "kube/api/apps/v1.h"
#include "kube/api/core/v1.h"
#include "kube/client/clientset.h"
#include "kube/client/typed_client.h"
#include "kube/core/mutex.h"
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

Resource deployments_resource() { return resource_of<apps::Deployment>(); }

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

TEST(GeneratedTypesIntegration, NamedAccessorsOfClientsetAndFactoryAreTyped) {
  auto c = Cluster::start();
  ASSERT_TRUE(c.server);
  ASSERT_TRUE(c.create_namespace("demo"));
  Clientset clientset(c.client);
  EXPECT_EQ(clientset.deployments("demo").resource().gvr.to_string(),
            deployments_resource().gvr.to_string());
  EXPECT_FALSE(clientset.nodes().resource().namespaced);
  EXPECT_EQ(clientset.clusterrolebindings().resource().gvr.group, "rbac.authorization.k8s.io");

  Result<apps::Deployment> created = clientset.deployments("demo").create(web());
  ASSERT_TRUE(created) << created.error().message;
  core::Pod pod{.metadata = meta::ObjectMeta{.name = "web-1", .namespace_ = "demo"},
                .spec = core::PodSpec{.containers = {core::Container{.image = "nginx", .name = "c"}},
                                      .node_name = "worker-1"}};
  ASSERT_TRUE(clientset.pods("demo").create(pod));
  core::Node node{.metadata = meta::ObjectMeta{.name = "worker-1"},
                  .spec = core::NodeSpec{.pod_cidr = "10.0.1.0/24"}};
  Result<core::Node> made = clientset.nodes().create(node);
  ASSERT_TRUE(made) << made.error().message;

  SharedInformerFactory f(c.client);
  auto pods = f.pods();
  auto nodes = f.nodes();
  EXPECT_EQ(f.pods().informer, pods.informer);  // one shared informer per resource
  EXPECT_EQ(f.typed<core::Pod>().informer, pods.informer);
  // A typed handler sees core::v1::Pod values.
  Mutex mu;
  std::vector<std::string> events;  // guarded by mu
  auto handler = std::make_shared<TypedEventHandlerFuncs<core::Pod>>();
  handler->add = [&](const core::Pod& p, bool) {
    MutexLock l(mu);
    events.push_back("add " + p.metadata->name.value_or("") + " on " + p.spec->node_name.value_or(""));
  };
  handler->update = [&](const core::Pod&, const core::Pod& p) {
    MutexLock l(mu);
    events.push_back("update " + p.metadata->labels.value_or(std::map<std::string, std::string>{})["tier"]);
  };
  handler->del = [&](const core::Pod& p, bool) {
    MutexLock l(mu);
    events.push_back("delete " + p.metadata->name.value_or(""));
  };
  pods.informer->add_event_handler(handler);
  f.start();
  for (const auto& r : f.wait_for_cache_sync(30s)) ASSERT_TRUE(r.synced) << r.resource.to_string();

  // factory.pods().lister().namespace_("ns").get("x") gives a core::v1::Pod.
  Result<core::Pod> cached = pods.lister().namespace_("demo").get("web-1");
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_EQ(cached->spec->node_name, "worker-1");
  // The field index of the pods informer answers through the typed lister too.
  auto on_node = pods.lister().list(*FieldSelector::parse("spec.nodeName=worker-1"));
  ASSERT_EQ(on_node.size(), 1u);
  ASSERT_TRUE(on_node[0]);
  EXPECT_EQ(on_node[0]->metadata->name, "web-1");
  Result<core::Node> n = nodes.lister().get("worker-1");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->spec->pod_cidr, "10.0.1.0/24");
  // objects() is the cache itself, undecoded.
  Result<ObjectPtr> raw = pods.objects().namespace_("demo").get("web-1");
  ASSERT_TRUE(raw);
  EXPECT_EQ((*raw)->name(), "web-1");
  Result<core::Pod> missing = pods.lister().namespace_("demo").get("nope");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is_not_found());

  core::Pod labelled = *cached;
  labelled.metadata->labels = std::map<std::string, std::string>{{"tier", "front"}};
  ASSERT_TRUE(clientset.pods("demo").update(labelled));
  ASSERT_TRUE(clientset.pods("demo").remove("web-1"));
  EXPECT_TRUE(eventually([&] {
    MutexLock l(mu);
    return events.size() == 3;
  }));
  MutexLock l(mu);
  EXPECT_EQ(events, (std::vector<std::string>{"add web-1 on worker-1", "update front", "delete web-1"}));
  f.shutdown();
}

}  // namespace
}  // namespace kube::informers
