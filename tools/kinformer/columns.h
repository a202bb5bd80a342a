// The columns `kubectl get` prints for the common kinds, computed from the
// object the same way kubectl's printers do (k8s.io/kubernetes
// pkg/printers/internalversion, v1.28):
//
//   pods          NAME READY STATUS RESTARTS AGE   (+ IP NODE NOMINATED NODE READINESS GATES)
//   deployments   NAME READY UP-TO-DATE AVAILABLE AGE   (+ CONTAINERS IMAGES SELECTOR)
//   replicasets   NAME DESIRED CURRENT READY AGE   (+ CONTAINERS IMAGES SELECTOR)
//   statefulsets  NAME READY AGE   (+ CONTAINERS IMAGES)
//   daemonsets    NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE   (+ ...)
//   jobs          NAME COMPLETIONS DURATION AGE   (+ CONTAINERS IMAGES SELECTOR)
//   services      NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE   (+ SELECTOR)
//   nodes         NAME STATUS ROLES AGE VERSION   (+ INTERNAL-IP EXTERNAL-IP OS-IMAGE ...)
//   namespaces    NAME STATUS AGE
//   configmaps    NAME DATA AGE
//   secrets       NAME TYPE DATA AGE
//   anything else (custom resources included): NAME AGE
// (the columns in parentheses are added by -o wide).
//
//   Columns c = columns_for("", "pods", /*wide=*/false);
//   Row r = c.cells(*pod, std::chrono::system_clock::now());  // {"web", "1/2", "Running", "0",
//   "5m"}
//
// Thread-safety: pure functions; a Columns value may be shared.
#pragma once

#include <functional>
#include <string_view>

#include "kube/core/object.h"
#include "tools/kinformer/duration.h"
#include "tools/kinformer/table.h"

namespace kinformer::cli {

struct Columns {
  Row headers;
  // One object's cells, in header order.
  std::function<Row(const kube::Object&, SysTime now)> cells;
};

// `group` and `resource` as discovery names them ("" and "pods", "apps" and
// "deployments").
Columns columns_for(std::string_view group, std::string_view resource, bool wide);

}  // namespace kinformer::cli
