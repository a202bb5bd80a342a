// The columns `kubectl get` prints for a resource, as kubectl prints a
// server's Table: the printer columns of kube/serve/columns.h (the one
// definition, shared with `kinformer serve`'s Table output), names in
// capitals, the priority-1 columns only with -o wide.
//
//   pods          NAME READY STATUS RESTARTS AGE   (+ IP NODE NOMINATED NODE READINESS GATES)
//   anything else without a printer (custom resources included): NAME AGE,
//   the columns kube-apiserver gives a custom resource without
//   additionalPrinterColumns.
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
