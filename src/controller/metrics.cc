// The Prometheus text of a controller's metrics, named as controller-runtime
// names them (pkg/internal/controller/metrics), followed by its queue's.
#include <cstdio>

#include "kube/controller/controller.h"

namespace kube::controller {
namespace {

void header(std::string& out, const char* metric, const char* type, const char* help) {
  out.append("# HELP ").append(metric).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(metric).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view metric, std::string_view name,
            std::string_view extra, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out.append(metric)
      .append("{controller=\"")
      .append(name)
      .append("\"")
      .append(extra)
      .append("} ")
      .append(buf);
  out.push_back('\n');
}

}  // namespace

std::string prometheus_text(std::string_view name, const ControllerMetrics& m) {
  std::string out;
  header(out, "controller_runtime_reconcile_total", "counter",
         "Total number of reconciliations per controller");
  const std::pair<const char*, std::uint64_t> results[] = {
      {"success", m.reconcile_success},
      {"requeue", m.reconcile_requeue},
      {"requeue_after", m.reconcile_requeue_after},
      {"error", m.reconcile_error}};
  for (const auto& [result, n] : results) {
    sample(out, "controller_runtime_reconcile_total", name,
           std::string(",result=\"") + result + "\"", static_cast<double>(n));
  }
  header(out, "controller_runtime_reconcile_errors_total", "counter",
         "Total number of reconciliation errors per controller");
  sample(out, "controller_runtime_reconcile_errors_total", name, "",
         static_cast<double>(m.reconcile_error));
  header(out, "controller_runtime_reconcile_panics_total", "counter",
         "Total number of reconciliation panics per controller");
  sample(out, "controller_runtime_reconcile_panics_total", name, "",
         static_cast<double>(m.reconcile_exceptions));

  header(out, "controller_runtime_reconcile_time_seconds", "histogram",
         "Length of time per reconciliation per controller");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < workqueue::Histogram::kBounds.size(); ++i) {
    cumulative += m.reconcile_time.buckets[i];
    char le[48];
    std::snprintf(le, sizeof le, ",le=\"%g\"", workqueue::Histogram::kBounds[i]);
    sample(out, "controller_runtime_reconcile_time_seconds_bucket", name, le,
           static_cast<double>(cumulative));
  }
  sample(out, "controller_runtime_reconcile_time_seconds_bucket", name, ",le=\"+Inf\"",
         static_cast<double>(m.reconcile_time.count));
  sample(out, "controller_runtime_reconcile_time_seconds_sum", name, "", m.reconcile_time.sum);
  sample(out, "controller_runtime_reconcile_time_seconds_count", name, "",
         static_cast<double>(m.reconcile_time.count));

  header(out, "controller_runtime_max_concurrent_reconciles", "gauge",
         "Maximum number of concurrent reconciles per controller");
  sample(out, "controller_runtime_max_concurrent_reconciles", name, "",
         m.max_concurrent_reconciles);
  header(out, "controller_runtime_active_workers", "gauge",
         "Number of currently used workers per controller");
  sample(out, "controller_runtime_active_workers", name, "", m.active_workers);

  out += workqueue::prometheus_text(name, m.queue);
  return out;
}

}  // namespace kube::controller
