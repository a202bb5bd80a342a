// Test helpers shared by the informer unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "kube/cache/store.h"
#include "kube/core/key.h"
#include "kube/informers/shared_informer.h"

namespace kube::testing {

// Options for an informer against a FakeServer: fast, repeatable backoff.
inline informers::SharedInformerOptions fast_informer_options(std::uint64_t seed = 7) {
  informers::SharedInformerOptions o;
  o.reflector.name = "configmaps";
  o.reflector.backoff_initial = std::chrono::milliseconds(1);
  o.reflector.backoff_max = std::chrono::milliseconds(5);
  o.reflector.seed = seed;
  return o;
}

// key -> resourceVersion of everything in an informer's store.
inline std::map<std::string, std::string> store_state(const cache::Indexer& idx) {
  std::map<std::string, std::string> s;
  for (const auto& o : idx.list()) s[object_key(*o)] = std::string(o->resource_version());
  return s;
}

}  // namespace kube::testing
