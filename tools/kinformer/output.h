// -o: how `kinformer get` and `kinformer watch` print objects.
//
//   (default)  a table of the kind's kubectl columns (columns.h)
//   wide       the table with kubectl's extra -o wide columns
//   json       get: the object, or a List (kind List, apiVersion v1, items)
//              indented like kubectl; watch: one compact
//              {"type":"ADDED","object":{...}} per line
//   yaml       the same documents as YAML (yaml-cpp); watch: one document
//              per event, each starting with "---"
//   name       kind[.group]/name, one per line ("pod/web", "deployment.apps/api")
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "kube/core/object.h"
#include "kube/core/result.h"

namespace kinformer::cli {

enum class OutputFormat { kTable, kWide, kJson, kYaml, kName };

// "", "wide", "json", "yaml", "name". The error names the value and lists
// the accepted ones.
kube::Result<OutputFormat> parse_output_format(std::string_view text);

// JSON indented by four spaces, one member per line (kubectl -o json).
std::string pretty_json(const boost::json::value& v);

// YAML of a JSON value. Strings that YAML would read as another type
// ("true", "123", "null", "") are quoted so the document round-trips.
std::string to_yaml(const boost::json::value& v);

// {"apiVersion":"v1","items":[...],"kind":"List","metadata":{"resourceVersion":""}}
boost::json::value list_document(const std::vector<kube::ObjectPtr>& items);

// {"type":"ADDED","object":{...}} (a watch event as kubectl --output-watch-events shows it).
boost::json::value event_document(std::string_view type, const kube::Object& object);

}  // namespace kinformer::cli
