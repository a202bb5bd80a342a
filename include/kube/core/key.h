// kube/core/key.h — cache keys and the "deleted, final state unknown" tombstone.
//
// A cache key is "namespace/name" for namespaced objects and "name" for
// cluster-scoped ones (client-go's MetaNamespaceKeyFunc).
//
//   kube::object_key(*pod);                 // "demo/web"
//   auto k = kube::split_key("demo/web");   // {namespace_="demo", name="web"}
//
// Thread-safety: value types and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube {

struct ObjectKey {
  std::string namespace_;  // empty for cluster-scoped
  std::string name;
  bool operator==(const ObjectKey&) const = default;
};

// "namespace/name" or "name".
std::string object_key(const Object& obj);
std::string make_key(std::string_view namespace_, std::string_view name);
// Parses a key. Fails on an empty key, an empty part, or more than one '/'.
Result<ObjectKey> split_key(std::string_view key);

// What a consumer gets for a delete whose final state it never saw (the
// watch was down when it happened and a relist found the object gone).
// `object` is the last state the cache knew. Mirrors client-go's
// DeletedFinalStateUnknown.
struct DeletedFinalStateUnknown {
  std::string key;
  ObjectPtr object;
};

}  // namespace kube
