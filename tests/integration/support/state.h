// Integration-test helper: a resource's state as key -> resourceVersion, read
// from the server (a plain list) and from an informer's cache, to compare.
#pragma once

#include <map>
#include <string>

#include "kube/informers/shared_informer.h"
#include "support/cluster.h"

namespace kube::testing {

using State = std::map<std::string, std::string>;

// The configmaps of `ns` on the server ({"error": message} when the list fails).
inline State server_state(Cluster& c, const std::string& ns) {
  State s;
  auto l = c.client->list(Cluster::configmaps(), ns);
  if (!l) return {{"error", l.error().message}};
  for (const auto& o : l->items) s[object_key(*o)] = std::string(o->resource_version());
  return s;
}

inline State cache_state(const informers::SharedIndexInformer& inf) {
  State s;
  for (const auto& o : inf.indexer().list()) s[object_key(*o)] = std::string(o->resource_version());
  return s;
}

}  // namespace kube::testing
