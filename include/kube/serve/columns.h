// kube/serve/columns.h — the columns kube-apiserver's table printers give the
// common kinds (what `kubectl get` shows), computed from the object as
// k8s.io/kubernetes pkg/printers/internalversion does (v1.28). One
// definition serves both the cache service's `as=Table` answers and
// `kinformer get`'s client-side tables.
//
//   pods          Name Ready Status Restarts Age   (+ IP Node Nominated Node Readiness Gates)
//   deployments   Name Ready Up-to-date Available Age   (+ Containers Images Selector)
//   replicasets   Name Desired Current Ready Age   (+ Containers Images Selector)
//   statefulsets  Name Ready Age   (+ Containers Images)
//   daemonsets    Name Desired Current Ready Up-to-date Available Node Selector Age   (+ ...)
//   jobs          Name Completions Duration Age   (+ Containers Images Selector)
//   services      Name Type Cluster-IP External-IP Port(s) Age   (+ Selector)
//   nodes         Name Status Roles Age Version   (+ Internal-IP External-IP OS-Image ...)
//   namespaces    Name Status Age
//   configmaps    Name Data Age
//   secrets       Name Type Data Age
// (the columns in parentheses have priority 1: shown by `-o wide`). Other
// kinds have no printer: kube-apiserver's default table convertor answers
// them (default_table_columns()).
//
//   const TableColumns* c = table_columns_for("", "pods");
//   auto cells = c->cells(*pod, std::chrono::system_clock::now(), /*wide=*/false);
//   // {"web", "1/2", "Running", "0", "5m"}; cell_text(cells[1]) == "1/2"
//
// Cells are what the printer puts in metav1.TableRow.cells: text, or an
// integer (the counts of deployments, replicasets, daemonsets, configmaps'
// and secrets' Data), which JSON carries as a number.
//
// Thread-safety: pure functions over immutable tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kube/core/object.h"

namespace kube::serve {

// metav1.TableColumnDefinition.
struct TableColumn {
  std::string_view name;    // "Nominated Node" (kubectl prints it in capitals)
  std::string_view type;    // an OpenAPI type: "string", "integer", "date"
  std::string_view format;  // "name" for the object's name column, else ""
  std::string_view description;
  int priority = 0;  // 1: shown only by `-o wide`
};

using TableCell = std::variant<std::string, std::int64_t>;
std::string cell_text(const TableCell& cell);

using CellsFn = std::vector<TableCell> (*)(const Object& obj,
                                           std::chrono::system_clock::time_point now, bool wide);

struct TableColumns {
  // Every column, the priority-1 ones after the others.
  std::vector<TableColumn> columns;
  // One object's cells in column order: all of them when `wide` (what the
  // server sends, as kube-apiserver prints with Wide), else the priority-0
  // ones. `wide` also decides what a long cell shows (a Service's
  // load-balancer addresses are cut to 16 characters without it).
  CellsFn cells;
};

// The printer columns of `resource` in `group` ("" and "pods", "apps" and
// "deployments"); nullptr for a kind without a printer.
const TableColumns* table_columns_for(std::string_view group, std::string_view resource);

// k8s.io/apiserver's default table convertor (rest.NewDefaultTableConvertor),
// which kube-apiserver uses for resources without a printer: Name and
// "Created At" (type date, the creationTimestamp in RFC 3339, UTC).
const TableColumns& default_table_columns();

}  // namespace kube::serve
