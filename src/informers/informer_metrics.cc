// What a SharedIndexInformer reports to kube::metrics::Registry::global().
// client-go has no informer metrics (its reflector metrics were removed), so
// these are kinformer_*; every sample is labelled informer="<reflector name>".
#include "kube/informers/shared_informer.h"

#include <string>

namespace kube::informers {

void SharedIndexInformer::write_metrics(metrics::Writer& w) const {
  const metrics::Labels labels{{"informer", options_.reflector.name}};
  const ReflectorStats s = reflector_.stats();
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    w.counter(name, help, labels, static_cast<double>(v));
  };
  w.gauge("kinformer_informer_objects", "Objects in the informer's cache.", labels,
          static_cast<double>(store_.size()));
  w.gauge("kinformer_informer_synced", "1 once the informer's initial list has been processed.", labels,
          has_synced() ? 1 : 0);
  w.gauge("kinformer_informer_queue_depth", "Keys waiting in the informer's delta FIFO.", labels,
          static_cast<double>(fifo_->size()));
  counter("kinformer_reflector_lists_total", "Lists completed (all pages; streaming lists included).", s.lists);
  counter("kinformer_reflector_list_requests_total", "List pages requested.", s.list_requests);
  counter("kinformer_reflector_watches_total", "Watches opened (the first and every restart).", s.watches);
  counter("kinformer_reflector_watch_events_total", "ADDED, MODIFIED and DELETED events received.", s.events);
  counter("kinformer_reflector_bookmarks_total", "BOOKMARK events received.", s.bookmarks);
  counter("kinformer_reflector_expired_total", "410 Gone answers (each costs a relist).", s.expired);
  counter("kinformer_reflector_errors_total", "List and watch failures of any kind.", s.errors);

  const std::vector<std::shared_ptr<const HandlerRegistration>> regs = handler_registrations();
  for (std::size_t i = 0; i < regs.size(); ++i) {
    const HandlerRegistration& r = *regs[i];
    metrics::Labels hl{{"informer", options_.reflector.name}, {"handler", std::to_string(i)}};
    w.gauge("kinformer_handler_backlog", "Notifications queued for a handler and not yet delivered.", hl,
            static_cast<double>(r.backlog()));
    w.gauge("kinformer_handler_backlog_high_water", "The largest backlog a handler has had.", hl,
            static_cast<double>(r.backlog_high_water()));
    w.counter("kinformer_handler_delivered_total", "Notifications delivered to a handler.", hl,
              static_cast<double>(r.delivered()));
    w.counter("kinformer_handler_exceptions_total", "Notifications whose handler threw.", hl,
              static_cast<double>(r.handler_exceptions()));
    const LatencyHistogram latency = r.latency();
    w.histogram("kinformer_handler_latency_seconds",
                "Time from a notification being queued for a handler to the handler returning.", hl,
                LatencyHistogram::kBounds, std::span<const std::uint64_t>(latency.counts.data(), LatencyHistogram::kBounds.size()),
                latency.count, latency.sum_seconds);
  }
}

}  // namespace kube::informers
