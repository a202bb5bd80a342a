// Internal: the three PATCH formats kube-apiserver accepts.
//  - application/merge-patch+json: RFC 7386 JSON merge patch.
//  - application/json-patch+json: RFC 6902 JSON patch (add, remove, replace,
//    move, copy, test).
//  - application/strategic-merge-patch+json: merge patch, except that lists
//    of objects with a known merge key are merged item by item (by key):
//    "name" for containers, initContainers, ephemeralContainers, volumes,
//    env, volumeMounts, imagePullSecrets; "containerPort" for container ports;
//    "port" for service ports; "type" for conditions; "ip" for hostAliases.
//    `$patch: delete` in a list item removes it, `$patch: replace` replaces
//    the map/list. Lists of scalars under "finalizers" are merged as sets
//    (as the finalizers patch strategy "merge" does). Other lists are replaced.
#pragma once

#include <string_view>

#include <boost/json.hpp>

#include "kube/core/result.h"

namespace kube::testing::internal {

enum class PatchType { kMerge, kJson, kStrategic };

// Applies `patch` (the request body) to `target`. Errors are 400/422 Status
// errors with kube-apiserver's wording where it has one.
Result<boost::json::value> apply_patch(PatchType type, const boost::json::value& target,
                                       std::string_view patch);

}  // namespace kube::testing::internal
