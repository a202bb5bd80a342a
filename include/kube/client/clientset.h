// kube/client/clientset.h — typed REST calls by name for every kind of the
// generated API: client-go's kubernetes.Clientset
// (`clientset.AppsV1().Deployments("ns").Update(ctx, d, ...)`).
//
//   #include "kube/api/apps/v1.h"   // the kinds whose typed values you use
//   kube::Clientset clientset(client);                 // client: shared_ptr<RestClient>
//   kube::Result<kube::api::apps::v1::Deployment> d = clientset.deployments("demo").get("web");
//   d->spec->replicas = 5;
//   auto updated = clientset.deployments("demo").update(*d);   // 409 Conflict if stale
//   auto nodes = clientset.nodes().list();                     // cluster-scoped: no namespace
//
// One accessor per kind in kube/api/kinds.h, named after its resource (the
// plural: pods, configmaps, clusterrolebindings, ...); each returns a
// TypedClient (kube/client/typed_client.h: get, list, create, update, remove).
// This header only declares the kinds; include kube/api/<group>/v1.h for those
// you call. For a kind outside the generated API (your own struct, a custom
// resource): kube::typed<T>(client, ns).
//
// Thread-safety: as RestClient; a Clientset is a small value and may be copied
// and used from any thread.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "kube/api/kinds.h"
#include "kube/client/rest_client.h"
#include "kube/client/typed_client.h"

namespace kube {

class Clientset {
 public:
  explicit Clientset(std::shared_ptr<RestClient> client) : client_(std::move(client)) {}

  // TypedClient<kube::api::core::v1::Pod> pods(std::string ns = {}) const; ...
  // `ns` is ignored for cluster-scoped kinds; "" lists every namespace.
#define KUBE_CLIENTSET_ACCESSOR(NS, Kind, resource, group, version, namespaced)          \
  TypedClient<kube::api::NS::Kind> resource(std::string ns = {}) const {                  \
    return TypedClient<kube::api::NS::Kind>(client_, std::move(ns),                       \
                                            Resource{{group, version, #resource}, namespaced}); \
  }
  KUBE_API_KINDS(KUBE_CLIENTSET_ACCESSOR)
#undef KUBE_CLIENTSET_ACCESSOR

  const std::shared_ptr<RestClient>& rest_client() const { return client_; }

 private:
  std::shared_ptr<RestClient> client_;
};

}  // namespace kube
