// The real kubectl against the embedded server, through the written
// kubeconfig. Skipped when kubectl is not installed.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.h"

namespace kube::testing {
namespace {

struct KubectlRun {
  int code;
  std::string out;
};

class KubectlTest : public ApiServerTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists("/usr/bin/kubectl")) GTEST_SKIP() << "kubectl not installed";
    ApiServerTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() / ("kinformer-kubectl-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(server_->write_kubeconfig(dir_ / "kubeconfig"));
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  KubectlRun kubectl(const std::string& args) {
    std::string cmd = "timeout 60 /usr/bin/kubectl --kubeconfig " + (dir_ / "kubeconfig").string() +
                      " --cache-dir " + (dir_ / "cache").string() + " " + args + " 2>&1";
    KubectlRun r{0, ""};
    FILE* p = ::popen(cmd.c_str(), "r");
    std::array<char, 4096> buf;
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    r.code = ::pclose(p);
    return r;
  }
  std::string file(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(KubectlTest, KubectlDrivesTheServerThroughTheWrittenKubeconfig) {
  auto cm = file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc\ndata:\n  a: \"1\"\n");
  auto r = kubectl("create --validate=false -f " + cm);
  ASSERT_EQ(r.code, 0) << r.out;
  r = kubectl("get configmaps");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("kc"), std::string::npos) << r.out;
  r = kubectl("get configmap kc -o json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(parse_json(r.out).at("data").at("a"), "1");
  r = kubectl("label configmap kc app=web");
  EXPECT_EQ(r.code, 0) << r.out;
  r = kubectl("annotate configmap kc note=hi");
  EXPECT_EQ(r.code, 0) << r.out;
  r = kubectl("patch configmap kc --type merge -p '{\"data\":{\"b\":\"2\"}}'");
  EXPECT_EQ(r.code, 0) << r.out;
  r = kubectl("patch configmap kc --type json -p '[{\"op\":\"add\",\"path\":\"/data/c\",\"value\":\"3\"}]'");
  EXPECT_EQ(r.code, 0) << r.out;
  auto got = parse_json(kubectl("get configmap kc -o json").out);
  EXPECT_EQ(got.at("metadata").at("labels").at("app"), "web");
  EXPECT_EQ(got.at("metadata").at("annotations").at("note"), "hi");
  EXPECT_EQ(got.at("data").at("c"), "3");
  auto cm2 = file("cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc\ndata:\n  z: \"9\"\n");
  r = kubectl("replace --validate=false -f " + cm2);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(parse_json(kubectl("get configmap kc -o json").out).at("data").at("z"), "9");
  r = kubectl("api-resources");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("deployments"), std::string::npos);
  r = kubectl("api-versions");
  EXPECT_NE(r.out.find("apps/v1"), std::string::npos) << r.out;
  r = kubectl("get --raw /api/v1/namespaces/default/configmaps/kc");
  EXPECT_EQ(parse_json(r.out).at("metadata").at("name"), "kc");
  r = kubectl("delete configmap kc");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(kubectl("get configmap kc").code, 0);
}

TEST_F(KubectlTest, KubectlGetWatchSeesChanges) {
  ASSERT_EQ(post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"w0"}})").status, 201);
  std::string cmd = "timeout 3 /usr/bin/kubectl --kubeconfig " + (dir_ / "kubeconfig").string() +
                    " get configmaps -w -o name 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"w1"}})");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  ::pclose(p);
  EXPECT_NE(out.find("configmap/w0"), std::string::npos) << out;
  EXPECT_NE(out.find("configmap/w1"), std::string::npos) << out;
}

}  // namespace
}  // namespace kube::testing
