// kube/informers/rest_lister_watcher.h — the real ListerWatcher: lists and
// watches one resource through the REST client.
//
//   auto lw = std::make_shared<kube::informers::RestListerWatcher>(
//       client, kube::Resource{{"", "v1", "pods"}, true}, "demo");
//   kube::informers::SharedIndexInformer pods(lw);
//
// The REST client delivers watch events on the transport's I/O thread; this
// adapter queues them (an unbounded queue: the I/O thread never blocks) for
// the reflector's thread, which pulls them with Watch::next.
//
// Thread-safety: as ListerWatcher.
#pragma once

#include <memory>
#include <string>

#include "kube/client/rest_client.h"
#include "kube/informers/list_watch.h"

namespace kube::informers {

class RestListerWatcher final : public ListerWatcher {
 public:
  // `namespace_` "" = all namespaces (or a cluster-scoped resource).
  // `metadata_only`: list and watch PartialObjectMetadata (metadata of each
  // object only: a fraction of the memory).
  RestListerWatcher(std::shared_ptr<RestClient> client, Resource resource, std::string namespace_ = "",
                    bool metadata_only = false)
      : client_(std::move(client)),
        resource_(std::move(resource)),
        namespace_(std::move(namespace_)),
        metadata_only_(metadata_only) {}

  Result<ListResult> list(const ListOptions& options, std::stop_token stop) override;
  Result<std::unique_ptr<Watch>> watch(const ListOptions& options, std::stop_token stop) override;
  // The transport's host plus "/api/v1" or "/apis/GROUP/VERSION".
  std::string streaming_list_server() const override;

  const Resource& resource() const { return resource_; }

 private:
  const std::shared_ptr<RestClient> client_;
  const Resource resource_;
  const std::string namespace_;
  const bool metadata_only_;
};

}  // namespace kube::informers
