// Internal: authorization in the embedded API server — kube-apiserver's
// request attributes (k8s.io/apiserver endpoints/request.RequestInfoFactory),
// an RBAC-like decision over ApiUser rules (rbac/validation.go's
// VerbMatches/APIGroupMatches/ResourceMatches/ResourceNameMatches), and the
// 403 Status that kube-apiserver's responsewriters.Forbidden writes.
//
// Thread-safety: pure functions over values.
#pragma once

#include <map>
#include <string>

#include "kube/core/result.h"
#include "kube/testing/api_server.h"

namespace kube::testing::internal {

// What a request asks to do, as kube-apiserver's authorizer sees it.
struct RequestAttributes {
  bool resource_request = false;
  std::string verb;  // "list", "watch", ... or the lower-case HTTP method for a non-resource path
  std::string path;  // the URL path (for non-resource requests)
  std::string api_group;
  std::string api_version;
  std::string namespace_;
  std::string resource;
  std::string subresource;
  std::string name;
};

RequestAttributes request_attributes(const std::string& method, const std::string& path,
                                     const std::map<std::string, std::string>& query);

// Whether `user` may do `a`. Non-resource GETs of discovery, /version,
// /openapi and the health paths are allowed to everyone (system:discovery
// and system:public-info-viewer are bound to system:authenticated).
bool authorized(const ApiUser& user, const RequestAttributes& a);

// The 403 Forbidden error for a denied request, message and details as
// kube-apiserver's (fixtures/errors/403-forbidden.json):
//   pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "ns"
//   pods "p" is forbidden: User "u" cannot get resource "pods/status" in API group "" at the
//   cluster scope forbidden: User "u" cannot post path "/_kinformer/faults"
Error forbidden(const ApiUser& user, const RequestAttributes& a);

// Validates a user for ApiServerOptions::users / add_user: empty when fine,
// else what is wrong ("user 2 (\"viewer\"): no token").
std::string validate_user(const ApiUser& user);

}  // namespace kube::testing::internal
