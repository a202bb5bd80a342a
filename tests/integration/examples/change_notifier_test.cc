// examples/change_notifier against the embedded API server.
#include "examples/example_test.h"

namespace kube::testing {
namespace {

const Resource kPods{{"", "v1", "pods"}, true};
const Resource kServices{{"", "v1", "services"}, true};

std::string pod(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"demo","labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}})";
}

const char* kService =
    R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"demo"},
  "spec":{"type":"ClusterIP","selector":{"app":"web"},"ports":[{"port":80,"protocol":"TCP"}]}})";

using ChangeNotifier = ExampleTest;

TEST_F(ChangeNotifier, PrintsPodAndServiceChangesWithWhatChangedAndExitsCleanlyOnSigterm) {
  ASSERT_TRUE(cluster_.create_namespace("demo"));
  ASSERT_TRUE(create(kPods, "demo", pod("web-1")));
  ASSERT_TRUE(merge_patch(kPods, "demo", "web-1", R"({"status":{"phase":"Pending"}})", "status"));
  ASSERT_TRUE(create(kServices, "demo", kService));

  // The cluster comes from $KUBECONFIG here.
  auto p = run(CHANGE_NOTIFIER_BIN, {}, {"KUBECONFIG=" + kubeconfig_});
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->wait_for("synced 1 pods and 1 services")) << p->output();
  EXPECT_FALSE(p->saw("ADDED pod demo/web-1")) << "the initial state is not a change\n"
                                               << p->output();

  p->mark();
  ASSERT_TRUE(merge_patch(kPods, "demo", "web-1",
                          R"({"status":{"phase":"Running","podIP":"10.0.0.7",
                              "conditions":[{"type":"Ready","status":"True"}]}})",
                          "status"));
  auto line = p->wait_for("MODIFIED pod demo/web-1");
  ASSERT_TRUE(line) << p->output();
  EXPECT_NE(line->find("phase: Pending -> Running"), std::string::npos) << *line;
  EXPECT_NE(line->find("ip: <none> -> 10.0.0.7"), std::string::npos) << *line;
  EXPECT_NE(line->find("ready: <none> -> True"), std::string::npos) << *line;

  ASSERT_TRUE(create(kPods, "demo", pod("web-2")));
  ASSERT_TRUE(p->wait_for("ADDED pod demo/web-2 phase=Pending labels=app=web")) << p->output();
  ASSERT_TRUE(
      merge_patch(kServices, "demo", "web",
                  R"({"spec":{"type":"NodePort","ports":[{"port":8080,"protocol":"TCP"}]}})"));
  line = p->wait_for("MODIFIED service demo/web");
  ASSERT_TRUE(line) << p->output();
  EXPECT_NE(line->find("type: ClusterIP -> NodePort"), std::string::npos) << *line;
  EXPECT_NE(line->find("ports: 80/TCP -> 8080/TCP"), std::string::npos) << *line;
  ASSERT_TRUE(cluster_.client->remove(kPods, "demo", "web-2"));
  ASSERT_TRUE(p->wait_for("DELETED pod demo/web-2")) << p->output();
  ASSERT_TRUE(cluster_.client->remove(kServices, "demo", "web"));
  ASSERT_TRUE(p->wait_for("DELETED service demo/web")) << p->output();

  auto exit = p->terminate(SIGTERM);
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 0) << p->output();
  EXPECT_TRUE(p->saw("stopping (SIGTERM)")) << p->output();
  auto used = p->wait_for("api usage: informers");
  auto polling = p->wait_for("api usage: polling every 2s");
  ASSERT_TRUE(used && polling) << p->output();
  // One streaming list per informer, its stream then the watch (a watch
  // re-opened by the reflector would add one).
  EXPECT_GE(number_after(*used, "requests"), 2) << *used;
  EXPECT_LE(number_after(*used, "requests"), 4) << *used;
  EXPECT_GT(number_after(*used, "bytes"), 0) << *used;
  EXPECT_GE(number_after(*polling, "requests"), 2) << *polling;
  EXPECT_EQ(number_after(*polling, "requests") % 2, 0) << *polling;
}

// With nothing changing, the informers cost one stream each plus bookmarks;
// the polling loop pays the whole list every 2 seconds.
TEST_F(ChangeNotifier, IdleRunUsesFewerRequestsAndBytesThanPollingAndStopsAfterDuration) {
  ASSERT_TRUE(cluster_.create_namespace("demo"));
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(create(kPods, "demo", pod("web-" + std::to_string(i))));
  ASSERT_TRUE(create(kServices, "demo", kService));

  auto p = run(CHANGE_NOTIFIER_BIN,
               {"--kubeconfig", kubeconfig_, "--namespace", "demo", "--duration", "4.5"});
  ASSERT_TRUE(p);
  auto exit = p->wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 0) << p->output();
  EXPECT_TRUE(p->saw("synced 30 pods and 1 services in namespace demo")) << p->output();
  EXPECT_TRUE(p->saw("stopping (--duration 4.5s elapsed)")) << p->output();
  auto used = p->wait_for("api usage: informers");
  auto polling = p->wait_for("api usage: polling every 2s");
  ASSERT_TRUE(used && polling) << p->output();
  // 4.5 s: polls at 0, 2 and 4 s.
  EXPECT_NE(polling->find("(3 polls x 2 requests"), std::string::npos) << *polling;
  EXPECT_EQ(number_after(*polling, "requests"), 6) << *polling;
  EXPECT_EQ(number_after(*used, "requests"), 2) << *used;  // one streaming list per informer
  EXPECT_LT(number_after(*used, "bytes"), number_after(*polling, "bytes")) << *used << "\n"
                                                                           << *polling;
}

TEST_F(ChangeNotifier, ABrokenKubeconfigIsAConfigErrorNamingTheFile) {
  std::string missing = (dir_ / "nope").string();
  auto p = run(CHANGE_NOTIFIER_BIN, {"--kubeconfig", missing});
  ASSERT_TRUE(p);
  auto exit = p->wait();
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 3) << p->output();
  EXPECT_TRUE(p->saw(missing)) << p->output();
}

}  // namespace
}  // namespace kube::testing
