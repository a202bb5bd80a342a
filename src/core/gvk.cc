#include "kube/core/gvk.h"

namespace kube {

GroupVersion GroupVersion::parse(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return {"", std::string(api_version)};
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1))};
}

std::string GroupVersion::api_version() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionKind::to_string() const {
  return group_version().api_version() + ", Kind=" + kind;
}

std::string GroupVersionResource::to_string() const {
  return (group.empty() ? "/" + version : group + "/" + version) + ", Resource=" + resource;
}

std::string GroupVersionResource::api_path() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

}  // namespace kube
