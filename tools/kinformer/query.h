// The arguments `kinformer get` and `kinformer watch` share, and their
// validation: RESOURCE [NAME], -n/-A, -l, --field-selector, -o,
// --show-managed-fields, and the cluster flags.
//
//   QueryFlags flags;
//   add_query_flags(*cmd, flags);
//   ...
//   Query q;
//   if (auto f = prepare_query(flags, "list", q)) return fail("get", *f);
//
// Everything that can be checked without the server is checked first (so a
// bad selector is reported even with no cluster configured): the output
// format, the selectors (parsed with the same rules as kube-apiserver; the
// message names the selector and the position), NAME with -l or -A. Then the
// connection is made and the resource type resolved.
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "kube/client/discovery.h"
#include "tools/kinformer/connection.h"
#include "tools/kinformer/output.h"

namespace kinformer::cli {

struct QueryFlags {
  std::string resource;
  std::string name;
  std::string namespace_;
  bool all_namespaces = false;
  std::string label_selector;
  std::string field_selector;
  std::string output;
  bool show_managed_fields = false;
  ClusterFlags cluster;
};

void add_query_flags(CLI::App& cmd, QueryFlags& flags);

struct Query {
  kube::ApiResource api;
  std::string name;               // "" for all
  std::string namespace_;         // "" for all namespaces or a cluster-scoped resource
  bool namespace_column = false;  // -A on a namespaced resource
  std::string label_selector;
  std::string field_selector;
  OutputFormat format = OutputFormat::kTable;
  // Drop metadata.managedFields as each object is parsed (kubectl hides them
  // unless --show-managed-fields; no table column reads them).
  bool strip_managed_fields = true;
  Connection connection;
};

// `verb`: what the command needs of the resource ("list", "watch").
std::optional<Failure> prepare_query(const QueryFlags& flags, std::string_view verb, Query& out);

// A failed list or watch of the query's resource: a 400 answer means the
// server rejected a selector (e.g. a field it does not index) and is a usage
// error naming the selectors; the rest as server_failure.
Failure list_failure(const kube::Error& e, const Query& q);

}  // namespace kinformer::cli
