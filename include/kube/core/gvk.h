// kube/core/gvk.h — GroupVersionKind, GroupVersionResource, GroupVersion.
//
// The core group is the empty string: Pods are {"", "v1", "Pod"} and
// {"", "v1", "pods"}; Deployments are {"apps", "v1", "Deployment"}.
//
//   auto gv = kube::GroupVersion::parse("apps/v1");   // {"apps", "v1"}
//   kube::GroupVersionResource pods{"", "v1", "pods"};
//   pods.to_string();                                 // "/v1, Resource=pods"
//
// Thread-safety: value types.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace kube {

struct GroupVersion {
  std::string group;
  std::string version;

  // "apps/v1" → {"apps","v1"}; "v1" → {"","v1"}.
  static GroupVersion parse(std::string_view api_version);
  // The apiVersion field's form: "apps/v1", or "v1" for the core group.
  std::string api_version() const;
  auto operator<=>(const GroupVersion&) const = default;
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;

  GroupVersion group_version() const { return {group, version}; }
  // "apps/v1, Kind=Deployment", as client-go prints it.
  std::string to_string() const;
  auto operator<=>(const GroupVersionKind&) const = default;
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;

  GroupVersion group_version() const { return {group, version}; }
  // "apps/v1, Resource=deployments", as client-go prints it.
  std::string to_string() const;
  // The URL path prefix: "/api/v1" or "/apis/apps/v1".
  std::string api_path() const;
  auto operator<=>(const GroupVersionResource&) const = default;
};

}  // namespace kube
