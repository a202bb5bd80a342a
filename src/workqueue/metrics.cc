#include "kube/workqueue/metrics.h"


namespace kube::workqueue {

void write_metrics(metrics::Writer& w, std::string_view name, const QueueMetrics& m) {
  metrics::Labels labels{{"name", std::string(name)}};
  auto histogram = [&](const char* metric, const char* help, const Histogram& h) {
    w.histogram(metric, help, labels, Histogram::kBounds, h.buckets, h.count, h.sum);
  };
  w.gauge("workqueue_depth", "Current depth of workqueue", labels, static_cast<double>(m.depth));
  w.counter("workqueue_adds_total", "Total number of adds handled by workqueue", labels,
            static_cast<double>(m.adds));
  histogram("workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested.", m.queue_duration);
  histogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.",
            m.work_duration);
  w.gauge("workqueue_unfinished_work_seconds", "How many seconds of work has been done that is in progress.",
          labels, m.unfinished_work_seconds);
  w.gauge("workqueue_longest_running_processor_seconds",
          "How many seconds has the longest running processor for workqueue been running.", labels,
          m.longest_running_seconds);
  w.counter("workqueue_retries_total", "Total number of retries handled by workqueue", labels,
            static_cast<double>(m.retries));
}

std::string prometheus_text(std::string_view name, const QueueMetrics& m) {
  metrics::Writer w;
  write_metrics(w, name, m);
  return metrics::prometheus_text(w.families());
}

}  // namespace kube::workqueue
