#include "kube/informers/factory.h"

#include <thread>

#include "kube/informers/rest_lister_watcher.h"

namespace kube::informers {

SharedInformerFactory::SharedInformerFactory(std::shared_ptr<RestClient> client,
                                             InformerFactoryOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

SharedInformerFactory::~SharedInformerFactory() { shutdown(); }

ResourceInformer SharedInformerFactory::for_resource(const Resource& resource) {
  MutexLock l(mu_);
  if (auto it = informers_.find(resource.gvr); it != informers_.end()) return it->second;
  SharedInformerOptions o;
  o.reflector = options_.reflector;
  o.reflector.name = resource.gvr.resource + (resource.gvr.group.empty() ? "" : "." + resource.gvr.group);
  o.reflector.label_selector = options_.label_selector;
  o.reflector.field_selector = options_.field_selector;
  o.reflector.transform = options_.transform;
  o.reflector.strip_managed_fields = options_.strip_managed_fields;
  o.resync_period = options_.default_resync;
  if (auto it = options_.resync.find(resource.gvr); it != options_.resync.end()) o.resync_period = it->second;
  if (auto it = options_.field_indexes.find(resource.gvr); it != options_.field_indexes.end()) {
    for (const std::string& path : it->second) {
      // PartialObjectMetadata has no other fields: such an index would file
      // every object under "".
      if (options_.metadata_only && !path.starts_with("metadata.")) continue;
      o.indexers.insert(cache::field_indexer(path));
    }
  }
  auto lw = std::make_shared<RestListerWatcher>(client_, resource,
                                                resource.namespaced ? options_.namespace_ : "",
                                                options_.metadata_only);
  ResourceInformer ri{resource, std::make_shared<SharedIndexInformer>(std::move(lw), std::move(o))};
  informers_.emplace(resource.gvr, ri);
  if (started_ && !shut_down_) ri.informer->start();
  return ri;
}

void SharedInformerFactory::start() {
  MutexLock l(mu_);
  if (shut_down_) return;
  started_ = true;
  for (auto& [gvr, ri] : informers_) ri.informer->start();  // no-op for started ones
}

std::vector<SyncResult> SharedInformerFactory::wait_for_cache_sync(std::chrono::milliseconds timeout) {
  std::vector<ResourceInformer> all;
  {
    MutexLock l(mu_);
    for (auto& [gvr, ri] : informers_) {
      if (ri.informer->is_started()) all.push_back(ri);
    }
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<SyncResult> out;
  for (const auto& ri : all) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    bool synced = ri.informer->wait_for_cache_sync(std::max(left, std::chrono::milliseconds(0)));
    SyncResult r{ri.resource.gvr, synced, std::nullopt};
    if (!synced) r.last_error = ri.informer->last_error();
    out.push_back(std::move(r));
  }
  return out;
}

void SharedInformerFactory::shutdown() {
  std::vector<ResourceInformer> all;
  {
    MutexLock l(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [gvr, ri] : informers_) all.push_back(ri);
  }
  for (auto& ri : all) ri.informer->stop();
}

}  // namespace kube::informers
