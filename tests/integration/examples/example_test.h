// Shared set-up for the examples' integration tests: an embedded API server,
// a kubeconfig for it in a temporary HOME, a REST client for the test's own
// changes, and a way to run an example binary against that kubeconfig.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "examples/example_process.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::testing {

class ExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = Cluster::start();
    ASSERT_TRUE(cluster_.server);
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("kinformer-examples-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    std::filesystem::create_directories(dir_);
    kubeconfig_ = (dir_ / "kubeconfig").string();
    auto r = cluster_.server->write_kubeconfig(kubeconfig_);
    ASSERT_TRUE(r) << r.error().message;
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Runs `binary` with `args`; HOME is the test's folder (no ~/.kube/config
  // there) and no $KUBECONFIG or in-cluster variables leak in. `env` adds
  // variables, e.g. "KUBECONFIG=" + kubeconfig_.
  std::unique_ptr<ExampleProcess> run(const std::string& binary,
                                      const std::vector<std::string>& args,
                                      std::vector<std::string> env = {}) {
    env.push_back("HOME=" + dir_.string());
    auto p = ExampleProcess::start(binary, args, env, {"KUBECONFIG", "KUBERNETES_SERVICE_HOST"});
    EXPECT_TRUE(p) << "cannot start " << binary;
    return p;
  }

  Result<ObjectPtr> create(const Resource& r, const std::string& ns, const std::string& json) {
    return cluster_.client->create(r, ns, json);
  }
  Result<ObjectPtr> merge_patch(const Resource& r, const std::string& ns, const std::string& name,
                                const std::string& patch, const std::string& subresource = "") {
    return cluster_.client->patch(r, ns, name, PatchType::Merge, patch,
                                  {.subresource = subresource});
  }

  Cluster cluster_;
  std::filesystem::path dir_;
  std::string kubeconfig_;
};

// The number after "name=" in `line` ("requests=4 bytes=123"), or -1.
inline long long number_after(const std::string& line, const std::string& name) {
  auto at = line.find(name + "=");
  if (at == std::string::npos) return -1;
  return std::stoll(line.substr(at + name.size() + 1));
}

}  // namespace kube::testing
