// The Prometheus text of a controller's metrics, named as controller-runtime
// names them (pkg/internal/controller/metrics), followed by its queue's.
#include "kube/controller/controller.h"

namespace kube::controller {

void write_metrics(metrics::Writer& w, std::string_view name, const ControllerMetrics& m) {
  const std::string controller(name);
  const std::pair<const char*, std::uint64_t> results[] = {{"success", m.reconcile_success},
                                                           {"requeue", m.reconcile_requeue},
                                                           {"requeue_after", m.reconcile_requeue_after},
                                                           {"error", m.reconcile_error}};
  for (const auto& [result, n] : results) {
    w.counter("controller_runtime_reconcile_total", "Total number of reconciliations per controller",
              {{"controller", controller}, {"result", result}}, static_cast<double>(n));
  }
  metrics::Labels labels{{"controller", controller}};
  w.counter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller",
            labels, static_cast<double>(m.reconcile_error));
  w.counter("controller_runtime_reconcile_panics_total", "Total number of reconciliation panics per controller",
            labels, static_cast<double>(m.reconcile_exceptions));
  w.histogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller",
              labels, workqueue::Histogram::kBounds, m.reconcile_time.buckets, m.reconcile_time.count,
              m.reconcile_time.sum);
  w.gauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller",
          labels, m.max_concurrent_reconciles);
  w.gauge("controller_runtime_active_workers", "Number of currently used workers per controller", labels,
          m.active_workers);
  workqueue::write_metrics(w, name, m.queue);
}

std::string prometheus_text(std::string_view name, const ControllerMetrics& m) {
  metrics::Writer w;
  write_metrics(w, name, m);
  return metrics::prometheus_text(w.families());
}

}  // namespace kube::controller
