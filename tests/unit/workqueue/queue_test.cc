#include "kube/workqueue/queue.h"

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kube/core/metrics.h"
#include "kube/workqueue/rate_limiting_queue.h"
#include "support/wait.h"

namespace kube::workqueue {
namespace {

using namespace std::chrono_literals;
using kube::testing::eventually;

TEST(Queue, DeduplicatesItemsWaitingToBeHandedOut) {
  Queue<std::string> q;
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.metrics().adds, 2u);
}

TEST(Queue, ItemAddedWhileProcessingIsHandedOutAgainOnlyAfterDone) {
  Queue<std::string> q;
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  q.add("a");              // arrives while "a" is being processed
  EXPECT_EQ(q.len(), 0u);  // not handed out to a second worker
  q.done("a");
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST(Queue, GetBlocksUntilAnItemIsAdded) {
  Queue<std::string> q;
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  EXPECT_EQ(got.wait_for(20ms), std::future_status::timeout);
  q.add("x");
  ASSERT_EQ(got.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(got.get(), "x");
}

TEST(Queue, ShutDownWakesEveryWaiterWithNothing) {
  Queue<std::string> q;
  std::vector<std::future<std::optional<std::string>>> waiters;
  for (int i = 0; i < 4; ++i) waiters.push_back(std::async(std::launch::async, [&] { return q.get(); }));
  q.shut_down();
  for (auto& w : waiters) {
    ASSERT_EQ(w.wait_for(10s), std::future_status::ready);
    EXPECT_FALSE(w.get().has_value());
  }
}

TEST(Queue, AfterShutDownRemainingItemsAreHandedOutAndAddsRefused) {
  Queue<std::string> q;
  q.add("a");
  q.shut_down();
  q.add("b");
  EXPECT_TRUE(q.shutting_down());
  EXPECT_EQ(q.get(), "a");  // client-go: Get returns queued items until empty
  EXPECT_EQ(q.get(), std::nullopt);
}

TEST(Queue, ShutDownWithDrainWaitsForItemsBeingProcessed) {
  Queue<std::string> q;
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  auto drained = std::async(std::launch::async, [&] { q.shut_down_with_drain(); });
  EXPECT_EQ(drained.wait_for(20ms), std::future_status::timeout);
  q.done("a");
  EXPECT_EQ(drained.wait_for(10s), std::future_status::ready);
}

TEST(Queue, NeverHandsOneItemToTwoWorkersAtOnce) {
  Queue<int> q;
  constexpr int kWorkers = 4, kKeys = 8, kAdds = 20000;
  std::mutex mu;
  std::set<int> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto item = q.get()) {
        {
          std::lock_guard l(mu);
          if (!in_flight.insert(*item).second) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard l(mu);
          in_flight.erase(*item);
        }
        ++processed;
        q.done(*item);
      }
    });
  }
  std::thread producer([&] {
    for (int i = 0; i < kAdds; ++i) q.add(i % kKeys);
  });
  producer.join();
  EXPECT_TRUE(eventually([&] { return q.len() == 0; }));
  q.shut_down_with_drain();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap);
  EXPECT_GE(processed.load(), kKeys);     // every key at least once
  EXPECT_LE(processed.load(), kAdds);     // bursts were deduplicated, never amplified
}

TEST(Queue, LastAddAlwaysLeadsToAProcessingAfterIt) {
  // The promise a controller relies on: after add(x) returns, x is processed
  // at least once more, starting after that add.
  Queue<int> q;
  std::atomic<int> version{0}, seen{0};
  std::thread worker([&] {
    while (auto item = q.get()) {
      seen = version.load();
      q.done(*item);
    }
  });
  for (int i = 1; i <= 5000; ++i) {
    version = i;
    q.add(1);
  }
  EXPECT_TRUE(eventually([&] { return seen.load() == 5000; }));
  q.shut_down();
  worker.join();
}

TEST(QueueMetrics, CountsAddsDepthWorkAndPrintsPrometheusText) {
  FakeClock clock;
  Queue<std::string> q({.clock = &clock});
  q.add("a");
  q.add("b");
  clock.step(2ms);
  ASSERT_EQ(q.get(), "a");
  clock.step(3s);
  QueueMetrics m = q.metrics();
  EXPECT_EQ(m.adds, 2u);
  EXPECT_EQ(m.depth, 1u);
  EXPECT_EQ(m.queue_duration.count, 1u);
  EXPECT_DOUBLE_EQ(m.queue_duration.sum, 0.002);
  EXPECT_DOUBLE_EQ(m.longest_running_seconds, 3.0);
  EXPECT_DOUBLE_EQ(m.unfinished_work_seconds, 3.0);
  q.done("a");
  m = q.metrics();
  EXPECT_EQ(m.work_duration.count, 1u);
  EXPECT_DOUBLE_EQ(m.work_duration.sum, 3.0);
  std::string text = prometheus_text("pods", m);
  EXPECT_NE(text.find("workqueue_depth{name=\"pods\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_adds_total{name=\"pods\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("workqueue_work_duration_seconds_bucket{name=\"pods\",le=\"10\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("workqueue_work_duration_seconds_bucket{name=\"pods\",le=\"1\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE workqueue_retries_total counter"), std::string::npos);
}

// A named queue (used without a controller) reports through the global
// registry while it exists; an unnamed one does not.
TEST(QueueMetrics, ANamedQueueIsInTheGlobalRegistryWhileItLives) {
  auto has = [](const std::string& line) {
    return metrics::Registry::global().prometheus_text().find(line) != std::string::npos;
  };
  {
    RateLimitingQueue<std::string> q(nullptr, {.name = "nodes-to-drain"});
    Queue<std::string> unnamed;
    q.add("a");
    q.add("b");
    unnamed.add("x");
    EXPECT_TRUE(has("workqueue_adds_total{name=\"nodes-to-drain\"} 2\n"));
    EXPECT_TRUE(has("workqueue_depth{name=\"nodes-to-drain\"} 2\n"));
    EXPECT_FALSE(has("workqueue_adds_total{name=\"\"}"));
  }
  EXPECT_FALSE(has("nodes-to-drain"));
}

}  // namespace
}  // namespace kube::workqueue
