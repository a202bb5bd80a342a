// kube/client/discovery.h — what the server serves, and what a user means.
//
// Discovery reads /api and /apis — the aggregated documents
// (apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList, one request each) when
// the server serves them, else the legacy APIVersions / APIGroupList plus one
// APIResourceList per group version — and caches the result until
// invalidate() or the TTL passes. RestMapper resolves what a user types the
// way kubectl does:
//
//   "po", "pods", "pod", "Pod"        → {"", "v1", "pods"}, namespaced, kind Pod
//   "deploy", "deployments.apps"      → {"apps", "v1", "deployments"}
//   "deployments.v1.apps"             → that exact group version
//   "ffc", "featureflagconfigurations" (a CRD's short name / plural)
//
//   kube::Discovery discovery(client);
//   kube::Result<kube::ApiResource> r = discovery.resolve("deploy");
//   if (r) watch(r->resource(), ...);
//
// Resolution rules (kubectl's ParseResourceArg, shortcut expander and
// priority REST mapper): names compare case-insensitively against plural,
// singular, kind and short names; without a version the group's preferred
// version wins; when a name exists in several groups the group listed first
// by the server wins (core first, as kubectl: "ev" is core events). A short
// name claimed by differently named resources (two CRDs both saying "cert")
// is an error listing them (kubectl picks one and warns), as is a name
// nothing matches. Subresources
// ("pods/status") are not resources here.
//
// Thread-safety: RestMapper is immutable. Discovery may be used from any
// thread; refreshes block the caller (never call from a watch callback).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/rest_client.h"
#include "kube/core/gvk.h"
#include "kube/core/mutex.h"
#include "kube/core/result.h"

namespace kube {

struct ApiResource {
  GroupVersionResource gvr;
  std::string kind;
  std::string singular;
  bool namespaced = true;
  bool preferred = false;  // in the group's preferred version
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "status", "scale", ...

  Resource resource() const { return {gvr, namespaced}; }
  GroupVersionKind gvk() const { return {gvr.group, gvr.version, kind}; }
};

// Document parsers (exposed for tests). Resources keep the server's order.
Result<std::vector<ApiResource>> parse_aggregated_discovery(std::string_view json);
// /api → versions; /apis → groups with their versions, preferred first.
struct ApiGroupVersions {
  std::string group;
  std::vector<std::string> versions;  // preferred first
};
Result<std::vector<ApiGroupVersions>> parse_api_versions(std::string_view json);  // APIVersions
Result<std::vector<ApiGroupVersions>> parse_api_group_list(std::string_view json);
Result<std::vector<ApiResource>> parse_api_resource_list(std::string_view json, bool preferred);

class RestMapper {
 public:
  explicit RestMapper(std::vector<ApiResource> resources);

  Result<ApiResource> resolve(std::string_view typed) const;
  // The resource serving a kind (preferred version when gvk.version is empty).
  Result<ApiResource> resource_for(const GroupVersionKind& gvk) const;
  const std::vector<ApiResource>& resources() const { return resources_; }

 private:
  std::vector<ApiResource> resources_;
};

struct DiscoveryOptions {
  std::chrono::milliseconds ttl{std::chrono::minutes(5)};
  bool aggregated = true;  // ask for aggregated discovery first
};

class Discovery {
 public:
  explicit Discovery(RestClient& client, DiscoveryOptions options = {});

  // The cached mapper, fetched when absent, invalidated or older than the TTL.
  Result<std::shared_ptr<const RestMapper>> mapper() KUBE_EXCLUDES(mu_);
  // mapper()->resolve(typed); on "not found" refreshes once and retries, as
  // kubectl does for a CRD created after the cache was filled.
  Result<ApiResource> resolve(std::string_view typed) KUBE_EXCLUDES(mu_);
  void invalidate() KUBE_EXCLUDES(mu_);

  // Whether the last fetch used aggregated discovery (for tests).
  bool used_aggregated() const KUBE_EXCLUDES(mu_);

 private:
  Result<std::vector<ApiResource>> fetch(bool& aggregated);
  Result<std::shared_ptr<const RestMapper>> refresh() KUBE_EXCLUDES(mu_);

  RestClient& client_;
  const DiscoveryOptions options_;
  mutable Mutex mu_;  // guards the cache below
  std::shared_ptr<const RestMapper> cached_ KUBE_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point fetched_at_ KUBE_GUARDED_BY(mu_);
  bool used_aggregated_ KUBE_GUARDED_BY(mu_) = false;
};

}  // namespace kube
