// What the user typed as RESOURCE [NAME], resolved the way kubectl resolves
// it: plural, singular, kind or short name ("po", "svc", "deploy", "ns",
// "cm"), optionally qualified by group ("deployments.apps") or version and
// group ("deployments.v1.apps"), through discovery and its REST mapper
// (kube/client/discovery.h). TYPE/NAME ("po/web") is accepted too.
//
//   auto arg = parse_resource_arg("po/web", "");   // {"po", "web"}
//   kube::ApiResource api;
//   if (auto f = resolve_resource(discovery, conn.config, arg->type, "list", api)) return fail(cmd,
//   *f); name_prefix(api);                               // "pod" (for -o name: pod/web)
//
// Thread-safety: pure functions, except that resolving uses the Discovery
// (thread-safe itself).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kube/client/discovery.h"
#include "tools/kinformer/errors.h"

namespace kinformer::cli {

struct ResourceArg {
  std::string type;  // as typed: "po", "deployments.apps"
  std::string name;  // "" for all
};

// Splits TYPE/NAME; `name` is the separate NAME argument. Errors (kUsage) for
// an empty type, a list of types ("po,svc"), or a name given twice.
kube::Result<ResourceArg> parse_resource_arg(std::string_view resource, std::string_view name);

// Resolves `type` and checks that the resource supports `verb` ("list",
// "watch"). An unknown type is kNotFound; an ambiguous short name or a
// missing verb kUsage; discovery failures are classified as server errors.
std::optional<Failure> resolve_resource(kube::Discovery& discovery, const kube::RestConfig& config,
                                        std::string_view type, std::string_view verb,
                                        kube::ApiResource& out);

// kind[.group] in lower case, as -o name prints it: "pod", "deployment.apps".
std::string name_prefix(const kube::ApiResource& api);

// "pods", "deployments.apps": how messages name the resource.
std::string display_name(const kube::ApiResource& api);

}  // namespace kinformer::cli
