// Internal: the resource types the embedded API server serves (built-ins and
// the custom resources of CRDs), and the discovery documents built from them.
//
// Thread-safety: ResourceInfo is immutable and shared as shared_ptr<const>.
// ResourceRegistry is not synchronised; Store guards its registry with its mutex.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "kube/core/result.h"

namespace kube::testing::internal {

struct ResourceInfo {
  std::string group;     // "" for core
  std::string version;   // "v1"
  std::string resource;  // plural: "pods"
  std::string singular;
  std::string kind;
  bool namespaced = true;
  bool has_status = false;      // serves the /status subresource
  bool has_generation = false;  // metadata.generation is kept (spec changes bump it)
  bool builtin = true;          // typed: list items drop kind/apiVersion
  // DELETE answers the object (true) or a Success Status (false), as kube's
  // registry strategies do.
  bool delete_returns_object = false;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  // "pods" or "deployments.apps": the key the store files objects under.
  std::string group_resource() const { return group.empty() ? resource : resource + "." + group; }
};
using ResourcePtr = std::shared_ptr<const ResourceInfo>;

class ResourceRegistry {
 public:
  ResourceRegistry();  // the built-in resources

  ResourcePtr find(const std::string& group, const std::string& version,
                   const std::string& resource) const;
  ResourcePtr find_kind(const std::string& api_version, const std::string& kind) const;
  std::vector<ResourcePtr> all() const;

  // Registers the served versions of a CRD object; replaces what an older
  // version of the same CRD registered. Fails on a CRD without names/group.
  Result<std::vector<ResourcePtr>> add_crd(const boost::json::object& crd);
  // Unregisters what add_crd registered for the CRD with this name.
  std::vector<ResourcePtr> remove_crd(const std::string& crd_name);

  // Discovery documents (shapes of shared/fixtures/discovery/*).
  boost::json::value api_versions(const std::string& server_address) const;  // /api
  boost::json::value api_group_list() const;                                 // /apis
  std::optional<boost::json::value> api_group(const std::string& group) const;  // /apis/{g}
  std::optional<boost::json::value> resource_list(const std::string& group,
                                                  const std::string& version) const;
  // Aggregated discovery (apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList,
  // fixtures/discovery/aggregated-api{,s}.json): the core group for /api
  // (`core`), every other group, CRDs included, for /apis.
  boost::json::value aggregated_discovery(bool core) const;

 private:
  void add(ResourceInfo info);
  // key: group + "/" + version + "/" + resource
  std::map<std::string, ResourcePtr> resources_;
  std::map<std::string, std::vector<std::string>> crd_keys_;  // CRD name -> keys
  std::vector<std::string> group_order_;  // groups in registration order
};

}  // namespace kube::testing::internal
