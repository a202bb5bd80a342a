#include "tools/kinformer/resource_arg.h"

#include <algorithm>
#include <cctype>

namespace kinformer::cli {

kube::Result<ResourceArg> parse_resource_arg(std::string_view resource, std::string_view name) {
  std::string r(resource);
  if (r.empty())
    return kube::Error::invalid_argument("RESOURCE is empty: name a resource type, e.g. pods");
  if (r.find(',') != std::string::npos) {
    return kube::Error::invalid_argument("RESOURCE \"" + r +
                                         "\": one resource type at a time (no lists)");
  }
  ResourceArg out;
  if (auto slash = r.find('/'); slash != std::string::npos) {
    out.type = r.substr(0, slash);
    out.name = r.substr(slash + 1);
    if (out.type.empty() || out.name.empty() || out.name.find('/') != std::string::npos) {
      return kube::Error::invalid_argument("RESOURCE \"" + r +
                                           "\": expected TYPE/NAME, e.g. pod/web");
    }
    if (!name.empty()) {
      return kube::Error::invalid_argument("RESOURCE \"" + r +
                                           "\" already names an object; NAME \"" +
                                           std::string(name) + "\" is one too many");
    }
    return out;
  }
  out.type = r;
  out.name = std::string(name);
  return out;
}

std::optional<Failure> resolve_resource(kube::Discovery& discovery, const kube::RestConfig& config,
                                        std::string_view type, std::string_view verb,
                                        kube::ApiResource& out) {
  // Fetch first, so that a server failure is told apart from an unknown name.
  if (auto mapper = discovery.mapper(); !mapper) {
    Failure f = server_failure(mapper.error(), config);
    if (f.exit_code == kNotFound) f.exit_code = kServer;  // a 404 on /api is the server's fault
    f.message = "discovery: " + f.message;
    return f;
  }
  auto api = discovery.resolve(type);
  if (!api) {
    if (api.error().code != 0 && !api.error().is_not_found())
      return server_failure(api.error(), config);
    return Failure{api.error().is_not_found() ? kNotFound : kUsage, api.error().message};
  }
  if (!api->verbs.empty() &&
      std::find(api->verbs.begin(), api->verbs.end(), verb) == api->verbs.end()) {
    return Failure{kUsage, "resource type \"" + display_name(*api) + "\" does not support " +
                               std::string(verb)};
  }
  out = *api;
  return std::nullopt;
}

std::string name_prefix(const kube::ApiResource& api) {
  std::string kind = api.kind;
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return api.gvr.group.empty() ? kind : kind + "." + api.gvr.group;
}

std::string display_name(const kube::ApiResource& api) {
  return api.gvr.group.empty() ? api.gvr.resource : api.gvr.resource + "." + api.gvr.group;
}

}  // namespace kinformer::cli
