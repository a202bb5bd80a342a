// kube/workqueue/metrics.h — what a work queue reports, and its Prometheus form.
//
// The names and meanings follow client-go's workqueue metrics
// (k8s.io/client-go/util/workqueue/metrics.go) so existing dashboards work:
//   workqueue_depth, workqueue_adds_total, workqueue_queue_duration_seconds,
//   workqueue_work_duration_seconds, workqueue_unfinished_work_seconds,
//   workqueue_longest_running_processor_seconds, workqueue_retries_total.
//
//   std::cout << kube::workqueue::prometheus_text("pods", queue.metrics());
//
// Thread-safety: value types.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "kube/core/metrics.h"

namespace kube::workqueue {

// A latency histogram with client-go's buckets: 1e-8 s ... 1e1 s, x10 each.
struct Histogram {
  static constexpr std::array<double, 10> kBounds = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4,
                                                     1e-3, 1e-2, 1e-1, 1e0,  1e1};
  std::array<std::uint64_t, kBounds.size()> buckets{};  // non-cumulative counts per bound
  std::uint64_t count = 0;                              // all observations (incl. > last bound)
  double sum = 0;

  void observe(double seconds) {
    ++count;
    sum += seconds;
    for (std::size_t i = 0; i < kBounds.size(); ++i) {
      if (seconds <= kBounds[i]) {
        ++buckets[i];
        return;
      }
    }
  }
};

struct QueueMetrics {
  std::uint64_t depth = 0;               // items waiting to be handed out
  std::uint64_t adds = 0;                // Add calls that queued (deduplicated ones not counted)
  std::uint64_t retries = 0;             // AddRateLimited calls
  Histogram queue_duration;              // time from queued to handed out by Get
  Histogram work_duration;               // time from Get to Done
  double unfinished_work_seconds = 0;    // sum of the ages of items being processed
  double longest_running_seconds = 0;    // age of the oldest item being processed
};

// Writes `m` labelled name="<name>" (what a queue registered with
// kube::metrics::Registry reports).
void write_metrics(metrics::Writer& w, std::string_view name, const QueueMetrics& m);
// The Prometheus text exposition of `m`, labelled name="<name>".
std::string prometheus_text(std::string_view name, const QueueMetrics& m);

}  // namespace kube::workqueue
