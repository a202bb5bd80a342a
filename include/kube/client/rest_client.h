// kube/client/rest_client.h — Kubernetes REST verbs over a Transport.
//
// RestClient builds the API paths (core "/api/v1" and group "/apis/G/V",
// namespaced and cluster-scoped, subresources such as status and scale) and
// speaks the verbs client-go's dynamic client offers: get, list (paging,
// resourceVersion, resourceVersionMatch, selectors, metadata-only), create,
// update, update status, patch (merge, JSON patch, strategic merge, server-side
// apply), delete, deletecollection and watch. Failures are kube::Errors decoded
// from the server's Status (status.h).
//
//   auto transport = kube::Transport::create(*kube::load_kubeconfig());
//   kube::RestClient client(std::move(*transport));
//   kube::Resource pods{{"", "v1", "pods"}, /*namespaced=*/true};
//   auto page = client.list(pods, "demo", {.label_selector = "app=web", .limit = 500});
//   for (const kube::ObjectPtr& pod : page->items) std::cout << pod->name() << "\n";
//   auto w = client.watch(pods, "demo", {.resource_version = page->resource_version},
//       [](kube::WatchEvent ev) { /* on the I/O thread: hand off */ },
//       [](kube::Result<void> end) { /* once */ });
//   w->cancel();
//
// List items are parsed one by one from the page (simdjson On Demand, no DOM of
// the whole list), each into a kube::Object. kube-apiserver omits kind and
// apiVersion on the items of typed lists (a PodList's items); like client-go's
// unstructured decoder, they are filled in from the list's kind ("PodList" →
// "Pod"), which costs one extra copy of such items.
//
// Thread-safety: a RestClient may be used from any number of threads.
// Blocking calls must not be made from a watch callback. Watch callbacks run
// on the transport's I/O thread: they must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/transport.h"
#include "kube/client/watch_decoder.h"
#include "kube/core/gvk.h"
#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kube {

// A collection on the server: which resource, and whether it lives in namespaces.
struct Resource {
  GroupVersionResource gvr;
  bool namespaced = true;
};

struct ListOptions {
  std::string label_selector = {};
  std::string field_selector = {};
  std::int64_t limit = 0;          // 0 = no paging
  std::string continue_token = {};
  std::string resource_version = {};
  std::string resource_version_match = {};  // "", "NotOlderThan", "Exact"
  int timeout_seconds = 0;         // server-side timeout (watch, list)
  bool metadata_only = false;      // PartialObjectMetadata(List)
  // Client side only: objects are built without metadata.managedFields
  // (ParseOptions::strip_managed_fields).
  bool strip_managed_fields = false;
  // Watch only:
  bool allow_watch_bookmarks = true;
  bool send_initial_events = false;  // streaming list (WatchList)
};

struct ListResult {
  std::vector<ObjectPtr> items;
  std::string kind;          // "PodList"
  std::string api_version;   // "v1"
  std::string resource_version;
  std::string continue_token;
  std::optional<std::int64_t> remaining_item_count;
};

enum class PatchType { Merge, JsonPatch, StrategicMerge, Apply };

struct PatchOptions {
  std::string field_manager = {};  // required for Apply
  bool force = false;              // Apply: take ownership of conflicting fields
  std::string subresource = {};    // "status", "scale", ...
};

struct DeleteOptions {
  std::string propagation_policy = {};  // "Foreground", "Background", "Orphan"
  std::optional<std::int64_t> grace_period_seconds = {};
  std::string precondition_uid = {};
  std::string precondition_resource_version = {};
};

// Parses a list response (exposed for tests and benchmarks).
Result<ListResult> parse_list(std::string body, const ParseOptions& options = {});

class RestClient {
 public:
  explicit RestClient(std::shared_ptr<Transport> transport);

  // "/api/v1/namespaces/demo/pods/web/status"; `ns` ignored for cluster-scoped
  // resources; an empty `ns` on a namespaced resource means all namespaces.
  static std::string path(const Resource& r, std::string_view ns, std::string_view name = {},
                          std::string_view subresource = {});

  // `parse`: how the answer is built (e.g. without managedFields, as a list's
  // ListOptions::strip_managed_fields builds its items).
  Result<ObjectPtr> get(const Resource& r, std::string_view ns, std::string_view name,
                        std::string_view subresource = {}, const ParseOptions& parse = {});
  Result<ListResult> list(const Resource& r, std::string_view ns, const ListOptions& options = {});
  Result<ObjectPtr> create(const Resource& r, std::string_view ns, std::string_view json,
                           std::string_view subresource = {});
  // PUT of the whole object; namespace and name come from it.
  Result<ObjectPtr> update(const Resource& r, const Object& object);
  Result<ObjectPtr> update_status(const Resource& r, const Object& object);
  Result<ObjectPtr> patch(const Resource& r, std::string_view ns, std::string_view name, PatchType type,
                          std::string_view patch, const PatchOptions& options = {});
  Result<void> remove(const Resource& r, std::string_view ns, std::string_view name,
                      const DeleteOptions& options = {});
  Result<void> remove_collection(const Resource& r, std::string_view ns, const ListOptions& list = {},
                                 const DeleteOptions& options = {});
  // Raw GET of any path (discovery documents).
  Result<HttpResponse> get_raw(std::string path, std::string accept = "application/json");

  // Starts a watch. on_event gets each event (ERROR events included) and
  // on_end runs exactly once: ok when the server closed the stream cleanly,
  // else the Error (Canceled, a Status, a malformed stream, a stream cut
  // mid-event with reason "StreamTruncated"). Both run on the I/O thread.
  std::shared_ptr<CallHandle> watch(const Resource& r, std::string_view ns, const ListOptions& options,
                                    std::function<void(WatchEvent)> on_event,
                                    std::function<void(Result<void>)> on_end);
  // The same watch, with the events of each read handed over together
  // (on_events gets a non-empty vector it may move from): one call, and one
  // wake-up of a consumer thread, per read instead of per event. The
  // informers' watches use this.
  std::shared_ptr<CallHandle> watch_batched(const Resource& r, std::string_view ns,
                                            const ListOptions& options,
                                            std::function<void(std::vector<WatchEvent>&)> on_events,
                                            std::function<void(Result<void>)> on_end);

  Transport& transport() { return *transport_; }

 private:
  Result<ObjectPtr> send_object(HttpRequest request, const ParseOptions& parse = {});

  std::shared_ptr<Transport> transport_;
};

// Query-string helpers (exposed for tests).
std::string url_escape(std::string_view s);
std::string list_query(const ListOptions& options, bool watch);

}  // namespace kube
