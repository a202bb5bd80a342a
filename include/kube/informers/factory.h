// kube/informers/factory.h — one informer per resource, shared by everyone
// who asks (client-go's SharedInformerFactory, dynamicinformer and
// metadatainformer in one type).
//
//   #include "kube/api/core/v1.h"   // the kinds whose typed values you read
//   namespace core = kube::api::core::v1;
//   auto client = std::make_shared<kube::RestClient>(transport);
//   kube::informers::SharedInformerFactory factory(client, {.namespace_ = "demo"});
//   auto pods = factory.pods();            // named accessor: every kind of kube/api/kinds.h
//   auto crs = factory.for_resource({{"example.com", "v1", "widgets"}, true});  // dynamic
//   pods.informer->add_event_handler(handler);   // handlers get kube::ObjectPtr
//   factory.start();
//   for (const auto& r : factory.wait_for_cache_sync(std::chrono::seconds(30))) {
//     if (!r.synced) std::cerr << r.resource.to_string() << ": "
//                              << (r.last_error ? r.last_error->message : "timed out") << "\n";
//   }
//   kube::Result<core::Pod> p = pods.lister().namespace_("demo").get("web");
//   if (p) use(p->spec->node_name);                               // typed, decoded on access
//   kube::Result<kube::ObjectPtr> raw = pods.objects().namespace_("demo").get("web");  // cached
//   kube::informers::TypedLister<Widget> widgets(crs.lister());  // your own struct: typed_lister.h
//   factory.shutdown();
//
// Named accessors (pods(), deployments(), clusterroles(), ...) exist for every
// top-level kind of the generated API (kube/api/kinds.h lists them; the method
// is the resource's plural) and return a TypedResourceInformer<Kind>: the
// informer, a typed lister() and the cached objects(). Only the kind's
// declaration comes with this header; include kube/api/<group>/v1.h to read
// typed values. typed<T>() does the same for any type naming its resource.
//
// A metadata-only factory ({.metadata_only = true}) lists and watches
// PartialObjectMetadata: objects hold only their metadata, for controllers
// that need nothing else.
//
// Field indexes: informers are created with a field index
// (kube/cache/index.h) for each path in options.field_indexes under their
// resource, by default `spec.nodeName` and `status.phase` for pods, so
//   pods.lister().list(*kube::FieldSelector::parse("spec.nodeName=worker-1"))
// walks one index bucket. Opt out with {.field_indexes = {}}; add paths for
// any resource here, or later with
//   informer->add_indexers({kube::cache::field_indexer("spec.foo")}).
// Each index reads its field from the object's JSON on every add, update and
// delete (~1.6 µs for a 4 KB pod). A metadata-only factory skips the paths
// outside `metadata.`, which its objects do not have.
//
// Thread-safety: every member may be called from any thread. mu_ guards the
// informer map; informers are thread-safe themselves.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/api/kinds.h"
#include "kube/client/rest_client.h"
#include "kube/client/typed_client.h"
#include "kube/core/gvk.h"
#include "kube/core/mutex.h"
#include "kube/informers/lister.h"
#include "kube/informers/shared_informer.h"
#include "kube/informers/typed_lister.h"

namespace kube::informers {

struct InformerFactoryOptions {
  std::string namespace_ = {};  // "" = all namespaces
  // Applied to every list and watch of every informer (client-go's
  // TweakListOptions).
  std::string label_selector = {};
  std::string field_selector = {};
  bool metadata_only = false;
  std::chrono::milliseconds default_resync{0};
  std::map<GroupVersionResource, std::chrono::milliseconds> resync = {};  // per resource
  TransformFunc transform = {};
  // Cache every object without metadata.managedFields (see
  // ReflectorOptions::strip_managed_fields; off by default, as in client-go).
  bool strip_managed_fields = false;
  // Resource -> field paths to index (see above).
  std::map<GroupVersionResource, std::vector<std::string>> field_indexes = {
      {{"", "v1", "pods"}, {"spec.nodeName", "status.phase"}}};
  // Page size, backoff, watch timeouts, ... (name, selectors and transform
  // are set per informer from the fields above).
  ReflectorOptions reflector = {};
};

// An informer and a lister over its cache.
struct ResourceInformer {
  Resource resource;
  std::shared_ptr<SharedIndexInformer> informer;
  Lister lister() const { return Lister(informer->indexer(), resource.gvr.resource); }
};

// An informer whose lister hands out T (a generated kind such as
// kube::api::core::v1::Pod, or any struct naming its resource: typed_client.h).
// The cache keeps kube::Objects; each get/list decodes (docs/design.md, "Typed
// API"). It is a ResourceInformer, so it goes wherever one is expected.
// T may be incomplete until lister() is used.
template <class T>
struct TypedResourceInformer : ResourceInformer {
  // Typed values, decoded from the cache on each call.
  TypedLister<T> lister() const { return TypedLister<T>(objects()); }
  // The cached kube::Objects themselves (no decoding).
  Lister objects() const { return ResourceInformer::lister(); }
};

struct SyncResult {
  GroupVersionResource resource;
  bool synced = false;
  std::optional<Error> last_error;  // why not, when not synced
};

class SharedInformerFactory {
 public:
  SharedInformerFactory(std::shared_ptr<RestClient> client, InformerFactoryOptions options = {});
  ~SharedInformerFactory();
  SharedInformerFactory(const SharedInformerFactory&) = delete;
  SharedInformerFactory& operator=(const SharedInformerFactory&) = delete;

  // The informer for `resource`, created on first request. Informers created
  // after start() are started at once.
  ResourceInformer for_resource(const Resource& resource);

  // The informer for T's resource, with a typed lister:
  //   auto pods = factory.typed<kube::api::core::v1::Pod>();
  //   kube::Result<Pod> p = pods.lister().namespace_("demo").get("web");  // p->spec->node_name
  template <ApiResourceType T>
  TypedResourceInformer<T> typed() {
    return {for_resource(resource_of<T>())};
  }

  // One accessor per kind of the generated API, named after its resource:
  //   TypedResourceInformer<kube::api::core::v1::Pod> pods();
  //   TypedResourceInformer<kube::api::apps::v1::Deployment> deployments(); ...
#define KUBE_FACTORY_ACCESSOR(NS, Kind, resource, group, version, namespaced) \
  TypedResourceInformer<kube::api::NS::Kind> resource() {                      \
    return {for_resource({{group, version, #resource}, namespaced})};         \
  }
  KUBE_API_KINDS(KUBE_FACTORY_ACCESSOR)
#undef KUBE_FACTORY_ACCESSOR

  // Starts every informer not yet started.
  void start();
  // Waits (at most `timeout` in all) for every started informer; one result
  // per informer, with the last list/watch error of those that did not sync.
  std::vector<SyncResult> wait_for_cache_sync(std::chrono::milliseconds timeout);
  // Stops every informer and joins their threads. Idempotent.
  void shutdown();

 private:
  const std::shared_ptr<RestClient> client_;
  const InformerFactoryOptions options_;

  mutable Mutex mu_;  // guards informers_, started_ and shut_down_
  std::map<GroupVersionResource, ResourceInformer> informers_ KUBE_GUARDED_BY(mu_);
  bool started_ KUBE_GUARDED_BY(mu_) = false;
  bool shut_down_ KUBE_GUARDED_BY(mu_) = false;
};

}  // namespace kube::informers
