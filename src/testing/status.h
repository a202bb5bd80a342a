// Internal: kube-apiserver's error answers as kube::Error values, their
// Status bodies, and Go-style pretty printing of JSON text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "kube/core/result.h"
#include "src/testing/resources.h"

namespace kube::testing::internal {

// "pods" or "deployments.apps", as kube-apiserver names a resource in messages.
std::string qualified_resource(const ResourceInfo& res);

Error not_found(const ResourceInfo& res, const std::string& name);
Error namespace_not_found(const std::string& ns);
Error already_exists(const ResourceInfo& res, const std::string& name);
Error conflict(const ResourceInfo& res, const std::string& name, const std::string& why);
Error stale_conflict(const ResourceInfo& res, const std::string& name);
Error invalid(const ResourceInfo& res, const std::string& name, std::vector<StatusCause> causes);
Error unknown_resource();  // 404 "the server could not find the requested resource", details {}
Error gone(const std::string& message);  // 410 Expired

// A metav1.Status object for an error (status "Failure").
boost::json::object status_json(const Error& e);
// A Success Status (DELETE of a resource that answers with a Status).
boost::json::object success_status(const ResourceInfo& res, const std::string& name,
                                   const std::string& uid);

// json.Indent(prefix "", indent "  ") over compact JSON text.
std::string pretty(std::string_view compact);

// DNS-1123 subdomain check; empty when valid, else kube's message.
std::string validate_name(const std::string& name);

}  // namespace kube::testing::internal
