// Internal: the cache service's answers in kube-apiserver's shapes — paths,
// Status errors, lists, watch lines, discovery documents and the /metrics
// text. Pure functions of their arguments.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/core/object.h"
#include "kube/core/result.h"
#include "kube/serve/cache_server.h"

namespace kube::serve::internal {

// A path under /api/v1 or /apis/G/V naming a resource (and maybe a namespace
// and an object).
struct ResourcePath {
  std::string group;
  std::string version;
  std::string namespace_;  // "" without /namespaces/NS/
  std::string resource;
  std::string name;          // "" for a collection
  bool subresource = false;  // a path beyond NAME (pods/x/status): not served
};
// nullopt when `path` is not of that form.
std::optional<ResourcePath> parse_resource_path(std::string_view path);

// "pods" or "deployments.apps", as kube-apiserver names a resource in messages.
std::string qualified_resource(const GroupVersionResource& gvr);

Error not_found(const GroupVersionResource& gvr, const std::string& name);
Error unknown_path();        // 404 "the server could not find the requested resource"
Error method_not_allowed();  // 405, for every write verb
Error not_synced(const std::string& resource);  // 503 before the cache synced

// A metav1.Status body for an error.
std::string status_json(const Error& e);

// The object with kind and apiVersion (list items are served without them by
// kube-apiserver, so a cache filled by a list may hold objects without).
std::string object_json(const Object& obj, const ServedResource& r);
// A list's metadata (ListMeta): resourceVersion, and continue and
// remainingItemCount when more pages remain.
struct ListMeta {
  std::uint64_t rv = 0;
  std::string continue_token = {};
  std::optional<std::int64_t> remaining_item_count = {};
};
std::string list_json(const ServedResource& r, const ListMeta& meta,
                      const std::vector<ObjectPtr>& items);
std::string list_json(const ServedResource& r, std::uint64_t rv,
                      const std::vector<ObjectPtr>& items);
// The 410 Expired Status for a continue token whose resourceVersion is gone,
// with kube-apiserver's rv -1 token (`restart_token`) in metadata.continue
// (fixtures/errors/410-expired-continue.json).
std::string expired_continue_json(const std::string& restart_token);
std::string event_line(const char* type, const std::string& object_json);  // ends in '\n'
std::string bookmark_line(const ServedResource& r, std::uint64_t rv, bool initial_events_end);

// Discovery, listing only the served resources (verbs get, list, watch).
std::string api_versions_json(const std::string& server_address);
std::string api_group_list_json(const std::vector<ServedResource>& resources);
std::optional<std::string> api_group_json(const std::vector<ServedResource>& resources,
                                          const std::string& group);
std::optional<std::string> api_resource_list_json(const std::vector<ServedResource>& resources,
                                                  const std::string& group,
                                                  const std::string& version);
std::string version_json();

// Percent-decoded query parameters, and the path without them.
std::map<std::string, std::string> parse_target(std::string_view target, std::string& path);

}  // namespace kube::serve::internal
