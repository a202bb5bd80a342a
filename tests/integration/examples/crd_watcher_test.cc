// examples/crd_watcher against the embedded API server, which serves the
// custom resources of every CRD created at run time.
#include <fstream>
#include <sstream>

#include "examples/example_test.h"

namespace kube::testing {
namespace {

const Resource kCrds{{"apiextensions.k8s.io", "v1", "customresourcedefinitions"}, false};
const Resource kFlags{{"example.kinformer.io", "v1", "featureflags"}, true};

std::string flag(const std::string& name, const std::string& spec) {
  return R"({"apiVersion":"example.kinformer.io/v1","kind":"FeatureFlag","metadata":{"name":")" +
         name + R"(","namespace":"demo"})" + (spec.empty() ? "" : R"(,"spec":)" + spec) + "}";
}

// The CRD users install, from the example's folder.
std::string crd_json() {
  std::ifstream in(KINFORMER_SOURCE_DIR "/examples/crd_watcher/featureflag-crd.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

using CrdWatcher = ExampleTest;

TEST_F(CrdWatcher, WaitsForTheCrdThenConvertsFeatureFlagsAndReportsInvalidOnes) {
  ASSERT_TRUE(cluster_.create_namespace("demo"));
  auto p = run(CRD_WATCHER_BIN, {"--kubeconfig", kubeconfig_, "--context", "kinformer"});
  ASSERT_TRUE(p);
  // Started before the CRD exists: it says what is missing and keeps trying.
  ASSERT_TRUE(p->wait_for("featureflags.example.kinformer.io/v1 is not served by this cluster"))
      << p->output();
  std::string crd = crd_json();
  ASSERT_FALSE(crd.empty());
  auto created = create(kCrds, "", crd);
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_TRUE(p->wait_for("synced 0 feature flags", std::chrono::seconds(30))) << p->output();

  ASSERT_TRUE(create(
      kFlags, "demo",
      flag("new-checkout", R"({"enabled":true,"rollout":25,"description":"New checkout flow"})")));
  ASSERT_TRUE(p->wait_for(
      R"(ADDED featureflag demo/new-checkout: enabled=true rollout=25% description="New checkout flow")"))
      << p->output();
  ASSERT_TRUE(merge_patch(kFlags, "demo", "new-checkout", R"({"spec":{"rollout":50}})"));
  ASSERT_TRUE(p->wait_for("MODIFIED featureflag demo/new-checkout: rollout: 25% -> 50%"))
      << p->output();

  // Objects of the wrong shape are reported, not fatal.
  ASSERT_TRUE(
      create(kFlags, "demo", flag("bad", R"({"enabled":"yes","rollout":150,"description":7})")));
  ASSERT_TRUE(p->wait_for(
      R"(INVALID featureflag demo/bad: .spec.enabled: expected boolean, got string "yes"; )"
      R"(.spec.rollout: expected integer 0-100, got number 150; )"
      R"(.spec.description: expected string, got number 7)"))
      << p->output();
  ASSERT_TRUE(create(kFlags, "demo", flag("nospec", "")));
  ASSERT_TRUE(p->wait_for("INVALID featureflag demo/nospec: .spec: required, missing")) << p->output();
  ASSERT_TRUE(create(kFlags, "demo", flag("half", R"({"rollout":"50%"})")));
  ASSERT_TRUE(
      p->wait_for("INVALID featureflag demo/half: .spec.enabled: required, missing; "
                  ".spec.rollout: expected integer 0-100, got string \"50%\""))
      << p->output();
  ASSERT_TRUE(merge_patch(kFlags, "demo", "bad",
                          R"({"spec":{"enabled":false,"rollout":0,"description":"off"}})"));
  ASSERT_TRUE(p->wait_for(
      R"(MODIFIED featureflag demo/bad (now valid): enabled=false rollout=0% description="off")"))
      << p->output();
  ASSERT_TRUE(cluster_.client->remove(kFlags, "demo", "new-checkout"));
  ASSERT_TRUE(p->wait_for("DELETED featureflag demo/new-checkout")) << p->output();

  auto exit = p->terminate(SIGINT);
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 0) << p->output();
  EXPECT_TRUE(p->saw("stopping (SIGINT): 1 valid and 2 invalid feature flags cached"))
      << p->output();
}

TEST_F(CrdWatcher, ExistingFlagsArriveAsTheInitialList) {
  ASSERT_TRUE(cluster_.create_namespace("demo"));
  ASSERT_TRUE(create(kCrds, "", crd_json()));
  ASSERT_TRUE(create(kFlags, "demo", flag("dark-mode", R"({"enabled":false})")));
  auto p =
      run(CRD_WATCHER_BIN, {"--kubeconfig", kubeconfig_, "--namespace", "demo", "--duration", "1"});
  ASSERT_TRUE(p);
  auto exit = p->wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.exited) << p->output();
  EXPECT_EQ(exit.code, 0) << p->output();
  EXPECT_TRUE(p->saw(
      R"(ADDED featureflag demo/dark-mode: enabled=false rollout=100% description="" (initial list))"))
      << p->output();
  EXPECT_TRUE(p->saw("synced 1 feature flags")) << p->output();
}

}  // namespace
}  // namespace kube::testing
