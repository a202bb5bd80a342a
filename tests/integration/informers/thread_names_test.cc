// The threads the library starts carry names (docs/design.md, "Threads"), so
// `top -H`, gdb and TSan reports say which component a thread belongs to.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "informers/recording_handler.h"
#include "kube/informers/factory.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kube::informers {
namespace {

using namespace std::chrono_literals;

// The names of this process's threads, from /proc/self/task/*/comm.
std::multiset<std::string> thread_names() {
  std::multiset<std::string> names;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

TEST(ThreadNames, ServerTransportAndInformerThreadsAreNamed) {
  if (!std::filesystem::exists("/proc/self/task")) GTEST_SKIP() << "no /proc/self/task";
  auto c = kube::testing::Cluster::start();  // io_threads: 2 by default
  ASSERT_TRUE(c.server);
  SharedInformerFactory f(c.client);
  auto h = std::make_shared<kube::testing::RecordingHandler>();
  auto reg = f.configmaps().informer->add_event_handler(h);
  f.start();
  ASSERT_TRUE(f.wait_for_cache_sync(30s)[0].synced);
  auto names = thread_names();
  EXPECT_EQ(names.count("kube-apiserver"), 2u);
  EXPECT_EQ(names.count("kube-transport"), 1u);
  EXPECT_EQ(names.count("kube-reflector"), 1u);
  EXPECT_EQ(names.count("kube-informer"), 1u);
  EXPECT_EQ(names.count("kube-handler"), 1u);
  f.shutdown();
}

}  // namespace
}  // namespace kube::informers
