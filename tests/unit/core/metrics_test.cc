#include "kube/core/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kube::metrics {
namespace {

TEST(Metrics, FamiliesFromSeveralCollectorsAreMergedUnderOneHeader) {
  Registry r;
  auto a = r.add([](Writer& w) { w.gauge("cache_objects", "Objects.", {{"informer", "pods"}}, 3); });
  auto b = r.add([](Writer& w) {
    w.gauge("cache_objects", "Objects.", {{"informer", "nodes"}}, 2);
    w.counter("events_total", "Events.", {}, 7);
  });
  EXPECT_EQ(r.prometheus_text(),
            "# HELP cache_objects Objects.\n"
            "# TYPE cache_objects gauge\n"
            "cache_objects{informer=\"pods\"} 3\n"
            "cache_objects{informer=\"nodes\"} 2\n"
            "# HELP events_total Events.\n"
            "# TYPE events_total counter\n"
            "events_total 7\n");
  auto families = r.collect();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].samples.size(), 2u);
  EXPECT_EQ(families[1].type, Type::kCounter);
}

TEST(Metrics, HistogramsAreCumulativeWithInfSumAndCount) {
  Writer w;
  const std::array<double, 3> bounds{0.1, 1, 10};
  const std::array<std::uint64_t, 3> counts{2, 0, 1};
  w.histogram("latency_seconds", "Latency.", {{"verb", "GET"}}, bounds, counts, 4, 12.5);
  EXPECT_EQ(prometheus_text(w.families()),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"1\"} 2\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"10\"} 3\n"
            "latency_seconds_bucket{verb=\"GET\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{verb=\"GET\"} 12.5\n"
            "latency_seconds_count{verb=\"GET\"} 4\n");
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Writer w;
  w.gauge("g", "a \\ b\nc", {{"l", "x\"y\\z\nw"}}, 1);
  EXPECT_EQ(prometheus_text(w.families()),
            "# HELP g a \\\\ b\\nc\n# TYPE g gauge\ng{l=\"x\\\"y\\\\z\\nw\"} 1\n");
}

TEST(Metrics, ACollectorIsGoneOnceItsRegistrationIs) {
  Registry r;
  {
    auto reg = r.add([](Writer& w) { w.gauge("g", "G.", {}, 1); });
    EXPECT_EQ(r.size(), 1u);
    Registration moved = std::move(reg);
    EXPECT_EQ(r.size(), 1u);
  }
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(r.collect().empty());
}

TEST(Metrics, ARegistrationThatOutlivesItsRegistryIsHarmless) {
  Registration reg;
  {
    Registry r;
    reg = r.add([](Writer&) {});
  }
  reg.reset();  // no use-after-free (ASan would say)
}

// A component destroyed while someone scrapes: its collector either ran to the
// end before the destruction or is never called after it.
TEST(Metrics, UnregisteringWhileCollectingNeverCallsADeadCollector) {
  Registry r;
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop) (void)r.prometheus_text();
  });
  for (int i = 0; i < 300; ++i) {
    auto state = std::make_unique<std::vector<int>>(100, i);
    auto reg = r.add([p = state.get()](Writer& w) { w.gauge("g", "G.", {}, static_cast<double>((*p)[99])); });
    reg.reset();
    state.reset();  // after reset() returned, nothing reads it
  }
  stop = true;
  scraper.join();
  EXPECT_EQ(r.size(), 0u);
}

}  // namespace
}  // namespace kube::metrics
