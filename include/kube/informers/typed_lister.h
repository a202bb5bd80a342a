// kube/informers/typed_lister.h — a lister that hands out the user's own
// struct instead of kube::Objects: the typed view over a dynamic informer
// (client-go's dynamic lister + runtime.DefaultUnstructuredConverter).
//
//   struct CronTab { ... static constexpr auto kube_fields() { ... } };  // see kube/core/convert.h
//   auto crontabs = factory.for_resource({{"stable.example.com", "v1", "crontabs"}, true});
//   kube::informers::TypedLister<CronTab> lister(crontabs.lister());
//   for (const kube::Result<CronTab>& ct : lister.namespace_("demo").list()) {
//     if (!ct) { log(ct.error().message); continue; }  // "demo/bad: .spec.replicas: ..."
//     use(ct->spec);
//   }
//   kube::Result<CronTab> one = lister.namespace_("demo").get("nightly");  // NotFound or Invalid
//
// Every call converts what the cache holds at that moment (the cache keeps
// kube::Objects; nothing typed is stored). A custom resource is only as
// well-formed as its CRD's schema makes it, so each object converts on its
// own: list() returns one Result per object, and an error names the object
// ("namespace/name: ") before the converter's path-named problems.
//
// Thread-safety: as Lister — a view over the thread-safe indexer, usable from
// any thread while the informer lives. Results are independent copies.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/core/convert.h"
#include "kube/core/key.h"
#include "kube/informers/lister.h"

namespace kube::informers {

// One cached object as a T; the error message starts with the object's key.
template <class T>
Result<T> convert_cached(const Object& object) {
  Result<T> r = from_unstructured<T>(object);
  if (!r) r.error().message = object_key(object) + ": " + r.error().message;
  return r;
}

template <class T>
std::vector<Result<T>> convert_cached(const std::vector<ObjectPtr>& objects) {
  std::vector<Result<T>> out;
  out.reserve(objects.size());
  for (const ObjectPtr& o : objects) out.push_back(convert_cached<T>(*o));
  return out;
}

template <class T>
class TypedNamespaceLister {
 public:
  explicit TypedNamespaceLister(NamespaceLister lister) : lister_(std::move(lister)) {}

  std::vector<Result<T>> list(const LabelSelector& selector = {}) const {
    return convert_cached<T>(lister_.list(selector));
  }
  // Objects matching both selectors (field indexes: kube/informers/lister.h).
  std::vector<Result<T>> list(const FieldSelector& fields, const LabelSelector& labels = {}) const {
    return convert_cached<T>(lister_.list(fields, labels));
  }
  Result<T> get(std::string_view name) const {
    Result<ObjectPtr> o = lister_.get(name);
    if (!o) return o.error();
    return convert_cached<T>(**o);
  }

 private:
  NamespaceLister lister_;
};

template <class T>
class TypedLister {
 public:
  explicit TypedLister(Lister lister) : lister_(std::move(lister)) {}

  // Objects in every namespace (or cluster-scoped objects) matching `selector`.
  std::vector<Result<T>> list(const LabelSelector& selector = {}) const {
    return convert_cached<T>(lister_.list(selector));
  }
  // Objects in every namespace matching both selectors.
  std::vector<Result<T>> list(const FieldSelector& fields, const LabelSelector& labels = {}) const {
    return convert_cached<T>(lister_.list(fields, labels));
  }
  // A cluster-scoped object by name.
  Result<T> get(std::string_view name) const {
    Result<ObjectPtr> o = lister_.get(name);
    if (!o) return o.error();
    return convert_cached<T>(**o);
  }
  TypedNamespaceLister<T> namespace_(std::string namespace_) const {
    return TypedNamespaceLister<T>(lister_.namespace_(std::move(namespace_)));
  }

 private:
  Lister lister_;
};

}  // namespace kube::informers
