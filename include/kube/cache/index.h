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
// Field indexes. An index named field_index_name(path) ("field:spec.nodeName")
// is taken to file each object under its field-selector value at `path`, as
// field_indexer(path) does: ThreadSafeStore::list(namespace, fields, labels)
// and the listers then answer `path=value` from that index instead of a scan.
//
//   informer.add_indexers({kube::cache::field_indexer("spec.serviceAccountName")});
//   auto fs = kube::FieldSelector::parse("spec.serviceAccountName=builder");
//   auto objs = lister.list(*fs);   // one index lookup, then the selector on each
//
// The value is what FieldSelector::matches compares: Object::field_string,
// and "" for a missing (or object / array) field, as kube-apiserver's
// fields.Set gives "" for a field it does not have. So every object is filed
// exactly once, and `spec.nodeName=` finds the unscheduled pods. Do not give
// another function a "field:" name: a list would miss the objects it does not
// file (it never returns objects that do not match).
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

inline constexpr std::string_view kFieldIndexPrefix = "field:";

// "field:" + path: the name of the field index for `path`.
std::string field_index_name(std::string_view path);

// Files an object under Object::field_string(path), "" when that is missing.
IndexFunc field_index_func(std::string path);

// {field_index_name(path), field_index_func(path)}: one entry of Indexers.
Indexers::value_type field_indexer(std::string path);

}  // namespace kube::cache
