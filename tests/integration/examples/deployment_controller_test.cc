// examples/deployment_controller against the embedded API server: it labels
// every deployment, puts the label back when it is removed, and gets through
// a real 409 Conflict by retrying from the rate-limited queue.
#include <future>

#include "examples/example_test.h"

namespace kube::testing {
namespace {

const Resource kControllerDeployments{{"apps", "v1", "deployments"}, true};
const char* kLabel = "kinformer.io/managed";

std::string deployment(const std::string& name, const std::string& extra_labels = "") {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":")" + name +
         R"(","namespace":"demo","labels":{"app":")" + name + "\"" + extra_labels +
         R"(}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":")" + name +
         R"("}},"template":{"metadata":{"labels":{"app":")" + name +
         R"("}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})";
}

using DeploymentController = ExampleTest;

TEST_F(DeploymentController, LabelsEveryDeploymentAndRetriesConflictsThroughTheQueue) {
  ASSERT_TRUE(cluster_.create_namespace("demo"));
  ASSERT_TRUE(create(kControllerDeployments, "demo", deployment("web")));
  ASSERT_TRUE(create(kControllerDeployments, "demo", deployment("api", R"(,"kinformer.io/managed":"true")")));
  auto labeled = [&](const std::string& name) {
    auto d = cluster_.client->get(kControllerDeployments, "demo", name);
    return d && (*d)->label(kLabel) == "true";
  };

  auto p = run(DEPLOYMENT_CONTROLLER_BIN, {"--kubeconfig", kubeconfig_, "--workers", "3"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->wait_for("cache synced; starting 3 workers")) << p->output();
  ASSERT_TRUE(p->wait_for("reconcile demo/web: labeled kinformer.io/managed=true (resourceVersion"))
      << p->output();
  ASSERT_TRUE(p->wait_for("reconcile demo/api: up to date")) << p->output();
  EXPECT_TRUE(labeled("web"));

  ASSERT_TRUE(create(kControllerDeployments, "demo", deployment("new")));
  ASSERT_TRUE(p->wait_for("reconcile demo/new: labeled")) << p->output();
  EXPECT_TRUE(labeled("new"));

  p->mark();
  ASSERT_TRUE(merge_patch(kControllerDeployments, "demo", "web",
                          R"({"metadata":{"labels":{"kinformer.io/managed":null}}})"));
  ASSERT_TRUE(p->wait_for("reconcile demo/web: labeled")) << p->output();
  EXPECT_TRUE(eventually([&] { return labeled("web"); }));

  // A conflict, for real: every request now waits 300 ms before the server
  // handles it. The label is removed (handled at ~300 ms; the controller sees
  // it at once and sends its PUT, handled at ~600 ms); meanwhile another
  // writer changes the deployment (sent at 100 ms, handled at ~400 ms), so
  // the controller's PUT carries a stale resourceVersion and gets 409.
  p->mark();
  cluster_.server->slow_responses(std::chrono::milliseconds(300));
  auto removal = std::async(std::launch::async, [&] {
    return merge_patch(kControllerDeployments, "demo", "api",
                       R"({"metadata":{"labels":{"kinformer.io/managed":null}}})")
        .ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(merge_patch(kControllerDeployments, "demo", "api",
                          R"({"metadata":{"annotations":{"other-writer":"1"}}})"));
  ASSERT_TRUE(removal.get());
  auto conflict = p->wait_for("reconcile demo/api: conflict");
  ASSERT_TRUE(conflict) << p->output();
  EXPECT_NE(conflict->find("retry 1"), std::string::npos) << *conflict;
  ASSERT_TRUE(p->wait_for("reconcile demo/api: labeled")) << p->output();
  cluster_.server->slow_responses(std::chrono::milliseconds(0));
  EXPECT_TRUE(eventually([&] { return labeled("api"); }));
  auto api = cluster_.client->get(kControllerDeployments, "demo", "api");
  ASSERT_TRUE(api);
  EXPECT_EQ((*api)->annotation("other-writer"), "1") << "the retry kept the other writer's change";

  ASSERT_TRUE(cluster_.client->remove(kControllerDeployments, "demo", "new"));
  ASSERT_TRUE(p->wait_for("reconcile demo/new: deleted, nothing to do")) << p->output();

  auto exit = p->terminate(SIGTERM);
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 0) << p->output();
  auto totals = p->wait_for("reconciles=");
  ASSERT_TRUE(totals) << p->output();
  EXPECT_GE(number_after(*totals, "labeled"), 4) << *totals;
  EXPECT_GE(number_after(*totals, "conflicts"), 1) << *totals;
  EXPECT_EQ(number_after(*totals, "errors"), 0) << *totals;
  EXPECT_EQ(number_after(*totals, "dropped"), 0) << *totals;
}

TEST_F(DeploymentController, RejectsALabelThatIsNotKeyEqualsValue) {
  auto p = run(DEPLOYMENT_CONTROLLER_BIN, {"--kubeconfig", kubeconfig_, "--label", "Bad Key=x"});
  ASSERT_TRUE(p);
  auto exit = p->wait();
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 2) << p->output();
  EXPECT_TRUE(p->saw("--label \"Bad Key=x\": expected KEY=VALUE")) << p->output();
}

}  // namespace
}  // namespace kube::testing
