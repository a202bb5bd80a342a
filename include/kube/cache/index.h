// kube/cache/index.h — index functions: how an Indexer files objects.
//
// An IndexFunc maps one object to any number of index values (none, one, or
// many: an object may be filed under several values of the same index, as
// client-go's IndexFunc allows). An Indexer keeps, per named index, a map
// from index value to the keys of the objects filed under it, so that
// "all pods on node x" is a lookup, not a scan.
//
//   kube::cache::Indexers indexers{
//       {"node", [](const kube::Object& o) -> std::vector<std::string> {
//          auto n = o.field_string("spec.nodeName");
//          if (!n || n->empty()) return {};
//          return {*n};
//        }}};
//   kube::cache::ThreadSafeStore store(indexers);   // kube/cache/store.h
//   auto on_node = store.by_index("node", "worker-1");
//
// Index functions must be pure (same object, same values) and must not
// throw: the store calls them again on the old object to unfile it when the
// object is updated or deleted (as client-go does), and calls them while it
// holds its write lock.
//
// Thread-safety: an IndexFunc is called from whichever thread writes to the
// store; the built-in ones are stateless and safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/core/object.h"

namespace kube::cache {

using IndexFunc = std::function<std::vector<std::string>(const Object&)>;

// Index name -> index function. Ordered so that listings are deterministic.
using Indexers = std::map<std::string, IndexFunc, std::less<>>;

// The name of the built-in namespace index every ThreadSafeStore maintains
// (client-go's cache.NamespaceIndex).
inline constexpr std::string_view kNamespaceIndex = "namespace";

// Files an object under its namespace; cluster-scoped objects are filed under
// "" (client-go's MetaNamespaceIndexFunc does the same).
std::vector<std::string> namespace_index_func(const Object& obj);

}  // namespace kube::cache
