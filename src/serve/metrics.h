// Internal: the cache service's /metrics text (Prometheus text format 0.0.4),
// written from the informers' and the server's own counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kube/informers/reflector.h"
#include "src/serve/resource_cache.h"

namespace kube::serve::internal {

struct ResourceSample {
  std::string resource;  // "pods", "deployments.apps"
  bool synced = false;
  ResourceCache::Stats cache;
  informers::ReflectorStats reflector;
  std::size_t backlog = 0;
  std::size_t backlog_high_water = 0;
  std::uint64_t delivered = 0;
  std::uint64_t handler_exceptions = 0;
};

std::string metrics_text(const std::vector<ResourceSample>& samples);

}  // namespace kube::serve::internal
