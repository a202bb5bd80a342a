#include "src/serve/metrics.h"

#include <functional>

namespace kube::serve::internal {

namespace {

struct Family {
  const char* name;
  const char* type;  // "gauge" or "counter"
  const char* help;
  std::function<double(const ResourceSample&)> value;
};

std::string format(double v) {
  std::string s = std::to_string(v);  // "12.000000"
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::string metrics_text(const std::vector<ResourceSample>& samples) {
  const std::vector<Family> families = {
      {"kinformer_cache_synced", "gauge", "1 once the resource's cache has synced and is served.",
       [](const ResourceSample& s) { return s.synced ? 1.0 : 0.0; }},
      {"kinformer_cache_objects", "gauge", "Objects served from the cache.",
       [](const ResourceSample& s) { return double(s.cache.objects); }},
      {"kinformer_cache_resource_version", "gauge", "The resourceVersion the cache is at.",
       [](const ResourceSample& s) { return double(s.cache.rv); }},
      {"kinformer_cache_history_events", "gauge", "Changes kept for watches that resume.",
       [](const ResourceSample& s) { return double(s.cache.history); }},
      {"kinformer_informer_events_delivered_total", "counter",
       "Notifications the informer delivered to the cache service's handler.",
       [](const ResourceSample& s) { return double(s.delivered); }},
      {"kinformer_informer_handler_exceptions_total", "counter",
       "Notifications whose handler threw.",
       [](const ResourceSample& s) { return double(s.handler_exceptions); }},
      {"kinformer_informer_handler_backlog", "gauge",
       "Notifications queued for the cache service's handler (the queue depth).",
       [](const ResourceSample& s) { return double(s.backlog); }},
      {"kinformer_informer_handler_backlog_high_water", "gauge",
       "The largest handler backlog seen.",
       [](const ResourceSample& s) { return double(s.backlog_high_water); }},
      {"kinformer_reflector_watch_restarts_total", "counter",
       "Watches opened upstream after the first (restarts after a drop, timeout or error).",
       [](const ResourceSample& s) {
         return double(s.reflector.watches > 0 ? s.reflector.watches - 1 : 0);
       }},
      {"kinformer_serve_watch_clients", "gauge",
       "Open watch streams of clients of the cache service.",
       [](const ResourceSample& s) { return double(s.cache.watches); }},
      {"kinformer_serve_watch_overruns_total", "counter",
       "Client watches closed because they fell behind the history.",
       [](const ResourceSample& s) { return double(s.cache.overruns); }},
  };
  std::string out;
  for (const auto& f : families) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n";
    out += std::string("# TYPE ") + f.name + " " + f.type + "\n";
    for (const auto& s : samples) {
      out += std::string(f.name) + "{resource=\"" + s.resource + "\"} " + format(f.value(s)) + "\n";
    }
  }
  // Changes applied to the served view, by type.
  const char* name = "kinformer_cache_events_total";
  out += std::string("# HELP ") + name +
         " Changes applied to the served cache, by watch event type.\n";
  out += std::string("# TYPE ") + name + " counter\n";
  for (const auto& s : samples) {
    auto line = [&](const char* type, std::uint64_t v) {
      out += std::string(name) + "{resource=\"" + s.resource + "\",type=\"" + type + "\"} " +
             std::to_string(v) + "\n";
    };
    line("ADDED", s.cache.added);
    line("MODIFIED", s.cache.modified);
    line("DELETED", s.cache.deleted);
  }
  return out;
}

}  // namespace kube::serve::internal
