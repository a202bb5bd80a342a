// kube/informers/lister.h — read the informer's cache the way client-go's
// listers do; every call is answered locally, never by the server.
//
//   kube::informers::Lister pods(informer.indexer(), "pods");
//   auto web = pods.list(*kube::LabelSelector::parse("app=web"));     // all namespaces
//   auto demo = pods.namespace_("demo").list();                      // one namespace
//   kube::Result<kube::ObjectPtr> p = pods.namespace_("demo").get("web-1");
//   if (!p && p.error().is_not_found()) { ... }   // `pods "web-1" not found`
//
// Label-selector lists use the store's label index: they cost the number of
// candidate objects, not a scan of the cache (see kube/cache/store.h).
//
// Field-selector lists do the same for each `path=value` requirement whose
// path has a field index (kube/cache/index.h: field_indexer), and for
// metadata.namespace / metadata.name; the factory gives pods `spec.nodeName`
// and `status.phase` indexes (kube/informers/factory.h). They return exactly
// what FieldSelector::matches selects (a missing field is ""), indexed or not:
//
//   auto fs = kube::FieldSelector::parse("spec.nodeName=worker-1,status.phase!=Succeeded");
//   auto on_node = pods.list(*fs);                                   // index lookup
//   auto web_on_node = pods.namespace_("demo").list(*fs, *kube::LabelSelector::parse("app=web"));
//
// Thread-safety: listers are cheap views over a thread-safe indexer; use them
// from any thread. What they return is shared and immutable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/cache/store.h"
#include "kube/core/selector.h"

namespace kube::informers {

class NamespaceLister {
 public:
  NamespaceLister(const cache::Indexer& indexer, std::string resource, std::string namespace_)
      : indexer_(indexer), resource_(std::move(resource)), namespace_(std::move(namespace_)) {}

  std::vector<ObjectPtr> list(const LabelSelector& selector = {}) const {
    return indexer_.list(namespace_, selector);
  }
  // Objects in this namespace matching both selectors.
  std::vector<ObjectPtr> list(const FieldSelector& fields, const LabelSelector& labels = {}) const {
    return indexer_.list(std::string_view(namespace_), fields, labels);
  }
  Result<ObjectPtr> get(std::string_view name) const;

 private:
  const cache::Indexer& indexer_;
  const std::string resource_;
  const std::string namespace_;
};

class Lister {
 public:
  // `resource` names the resource in NotFound errors ("pods").
  explicit Lister(const cache::Indexer& indexer, std::string resource = "objects")
      : indexer_(indexer), resource_(std::move(resource)) {}

  // Objects in every namespace (or cluster-scoped objects) matching `selector`.
  std::vector<ObjectPtr> list(const LabelSelector& selector = {}) const {
    return indexer_.list(selector);
  }
  // Objects in every namespace matching both selectors.
  std::vector<ObjectPtr> list(const FieldSelector& fields, const LabelSelector& labels = {}) const {
    return indexer_.list(std::nullopt, fields, labels);
  }
  // A cluster-scoped object by name.
  Result<ObjectPtr> get(std::string_view name) const;
  NamespaceLister namespace_(std::string namespace_) const {
    return NamespaceLister(indexer_, resource_, std::move(namespace_));
  }
  Result<std::vector<ObjectPtr>> by_index(std::string_view index_name, std::string_view value) const {
    return indexer_.by_index(index_name, value);
  }

 private:
  const cache::Indexer& indexer_;
  const std::string resource_;
};

}  // namespace kube::informers
