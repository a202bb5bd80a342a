// kube/client/typed_client.h — REST calls with typed values: client-go's typed
// clientset (`clientset.AppsV1().Deployments("ns").Update(ctx, d, ...)`) for the
// generated API (kube/api/<group>/<version>.h) or any struct that converts
// (kube/core/convert.h) and names its resource.
//
//   namespace apps = kube::api::apps::v1;
//   auto deployments = kube::typed<apps::Deployment>(client, "demo");
//   kube::Result<apps::Deployment> d = deployments.get("web");
//   d->spec->replicas = 5;
//   kube::Result<apps::Deployment> updated = deployments.update(*d);  // 409 if stale
//
// T names its resource with static members, as every generated top-level kind does:
//   static constexpr std::string_view kube_api_version = "apps/v1", kube_kind = "Deployment",
//                                     kube_resource = "deployments";
//   static constexpr bool kube_namespaced = true;
// An encoded value without "apiVersion" / "kind" gets T's (the server requires them).
// A response that does not convert to T is an error naming the object and the path.
//
// Thread-safety: as RestClient (every call may be made from any thread); a
// TypedClient is a small value holding the RestClient.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>

#include "kube/client/rest_client.h"
#include "kube/core/convert.h"
#include "kube/core/key.h"

namespace kube {

// A type that names its API kind and resource (every generated top-level kind).
template <class T>
concept ApiResourceType = requires {
  { T::kube_api_version } -> std::convertible_to<std::string_view>;
  { T::kube_kind } -> std::convertible_to<std::string_view>;
  { T::kube_resource } -> std::convertible_to<std::string_view>;
  { T::kube_namespaced } -> std::convertible_to<bool>;
};

// The Resource of T: {{"apps", "v1", "deployments"}, true}.
template <ApiResourceType T>
Resource resource_of() {
  std::string_view gv = T::kube_api_version;
  auto slash = gv.find('/');
  std::string group = slash == std::string_view::npos ? "" : std::string(gv.substr(0, slash));
  std::string version(slash == std::string_view::npos ? gv : gv.substr(slash + 1));
  return {{std::move(group), std::move(version), std::string(T::kube_resource)},
          T::kube_namespaced};
}

// T as JSON, with T's apiVersion and kind when the value has none.
template <ApiResourceType T>
boost::json::value to_unstructured_with_kind(const T& value) {
  boost::json::value v = to_unstructured(value);
  if (auto* o = v.if_object()) {
    if (!o->contains("apiVersion")) o->emplace("apiVersion", T::kube_api_version);
    if (!o->contains("kind")) o->emplace("kind", T::kube_kind);
  }
  return v;
}

// T may be incomplete until a call is made (kube::Clientset names every kind
// without including the generated headers).
template <class T>
class TypedClient {
 public:
  // `ns` is ignored for cluster-scoped kinds; "" lists every namespace.
  TypedClient(std::shared_ptr<RestClient> client, std::string ns)
    requires ApiResourceType<T>
      : client_(std::move(client)), ns_(std::move(ns)), resource_(resource_of<T>()) {}
  // T's resource given by the caller (kube::Clientset).
  TypedClient(std::shared_ptr<RestClient> client, std::string ns, Resource resource)
      : client_(std::move(client)), ns_(std::move(ns)), resource_(std::move(resource)) {}

  Result<T> get(std::string_view name) const { return convert(client_->get(resource_, ns_, name)); }

  // One request (a page when options.limit is set); every item must convert.
  Result<std::vector<T>> list(const ListOptions& options = {}) const {
    Result<ListResult> page = client_->list(resource_, ns_, options);
    if (!page) return page.error();
    std::vector<T> out;
    out.reserve(page->items.size());
    for (const ObjectPtr& o : page->items) {
      Result<T> t = convert(o);
      if (!t) return t.error();
      out.push_back(std::move(*t));
    }
    return out;
  }

  Result<T> create(const T& value) const {
    return convert(
        client_->create(resource_, ns_, boost::json::serialize(to_unstructured_with_kind(value))));
  }

  // PUT of the whole value; its metadata.resourceVersion makes it a compare-and-swap.
  Result<T> update(const T& value) const {
    Result<ObjectPtr> object = Object::from_value(to_unstructured_with_kind(value));
    if (!object) return object.error();
    return convert(client_->update(resource_, **object));
  }

  Result<void> remove(std::string_view name, const DeleteOptions& options = {}) const {
    return client_->remove(resource_, ns_, name, options);
  }

  const Resource& resource() const { return resource_; }

 private:
  static Result<T> convert(Result<ObjectPtr> object) {
    if (!object) return object.error();
    Result<T> t = from_unstructured<T>(**object);
    if (!t) {
      t.error().message = object_key(**object) + ": " + t.error().message;
    }
    return t;
  }

  std::shared_ptr<RestClient> client_;
  std::string ns_;
  Resource resource_;
};

// kube::typed<apps::Deployment>(client, "demo").update(d)
template <ApiResourceType T>
TypedClient<T> typed(std::shared_ptr<RestClient> client, std::string ns = {}) {
  return TypedClient<T>(std::move(client), std::move(ns));
}

}  // namespace kube
