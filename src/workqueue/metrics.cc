#include "kube/workqueue/metrics.h"

#include <cstdio>

namespace kube::workqueue {
namespace {

void line(std::string& out, const char* metric, std::string_view name, const char* extra, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out.append(metric).append("{name=\"").append(name).append("\"").append(extra).append("} ").append(buf);
  out.push_back('\n');
}

void histogram(std::string& out, const char* metric, const char* help, std::string_view name,
               const Histogram& h) {
  out.append("# HELP ").append(metric).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(metric).append(" histogram\n");
  std::string bucket = std::string(metric) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
    cumulative += h.buckets[i];
    char le[48];
    std::snprintf(le, sizeof le, ",le=\"%g\"", Histogram::kBounds[i]);
    line(out, bucket.c_str(), name, le, static_cast<double>(cumulative));
  }
  line(out, bucket.c_str(), name, ",le=\"+Inf\"", static_cast<double>(h.count));
  line(out, (std::string(metric) + "_sum").c_str(), name, "", h.sum);
  line(out, (std::string(metric) + "_count").c_str(), name, "", static_cast<double>(h.count));
}

void simple(std::string& out, const char* metric, const char* type, const char* help,
            std::string_view name, double v) {
  out.append("# HELP ").append(metric).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(metric).append(" ").append(type).append("\n");
  line(out, metric, name, "", v);
}

}  // namespace

std::string prometheus_text(std::string_view name, const QueueMetrics& m) {
  std::string out;
  simple(out, "workqueue_depth", "gauge", "Current depth of workqueue", name, static_cast<double>(m.depth));
  simple(out, "workqueue_adds_total", "counter", "Total number of adds handled by workqueue", name,
         static_cast<double>(m.adds));
  histogram(out, "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested.", name,
            m.queue_duration);
  histogram(out, "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes.", name, m.work_duration);
  simple(out, "workqueue_unfinished_work_seconds", "gauge",
         "How many seconds of work has been done that is in progress.", name,
         m.unfinished_work_seconds);
  simple(out, "workqueue_longest_running_processor_seconds", "gauge",
         "How many seconds has the longest running processor for workqueue been running.", name,
         m.longest_running_seconds);
  simple(out, "workqueue_retries_total", "counter", "Total number of retries handled by workqueue",
         name, static_cast<double>(m.retries));
  return out;
}

}  // namespace kube::workqueue
