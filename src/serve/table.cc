#include "src/serve/table.h"

#include <boost/json.hpp>

#include "kube/serve/columns.h"
#include "src/serve/api.h"

namespace kube::serve::internal {
namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One media range: "type/subtype;k=v;k=v".
struct MediaRange {
  std::string_view type;
  std::string_view as, v, g;
};

MediaRange parse_range(std::string_view range) {
  MediaRange m;
  std::size_t semi = range.find(';');
  m.type = trim(range.substr(0, semi));
  while (semi != std::string_view::npos) {
    range.remove_prefix(semi + 1);
    semi = range.find(';');
    std::string_view param = trim(range.substr(0, semi));
    std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(param.substr(0, eq)), value = trim(param.substr(eq + 1));
    if (key == "as") m.as = value;
    if (key == "v") m.v = value;
    if (key == "g") m.g = value;
  }
  return m;
}

json::value cell_json(const TableCell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) return json::string(*s);
  return std::get<std::int64_t>(c);
}

json::object column_json(const TableColumn& c) {
  return {{"name", c.name},
          {"type", c.type},
          {"format", c.format},
          {"description", c.description},
          {"priority", c.priority}};
}

json::value row_object(const Object& obj, const json::value& doc, const ServedResource& r,
                       const TableRequest& t) {
  switch (t.include) {
    case IncludeObject::kNone:
      return nullptr;  // RawExtension without an object serialises as null
    case IncludeObject::kObject: {
      boost::system::error_code ec;
      auto v = json::parse(object_json(obj, r), ec);
      return ec ? json::value(doc) : v;
    }
    case IncludeObject::kMetadata:
      break;
  }
  const json::value* meta = doc.is_object() ? doc.as_object().if_contains("metadata") : nullptr;
  return json::object{{"kind", "PartialObjectMetadata"},
                      {"apiVersion", "meta.k8s.io/" + t.version},
                      {"metadata", meta ? *meta : json::object{}}};
}

}  // namespace

std::optional<std::string> table_version(std::string_view accept) {
  while (!accept.empty()) {
    std::size_t comma = accept.find(',');
    MediaRange m = parse_range(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    bool json_type = m.type == "application/json" || m.type == "*/*" || m.type == "application/*";
    if (!json_type) continue;
    if (m.as.empty()) return std::nullopt;  // the plain object or list
    if (m.as == "Table" && m.g == "meta.k8s.io" && (m.v == "v1" || m.v == "v1beta1"))
      return std::string(m.v);
  }
  return std::nullopt;
}

Result<IncludeObject> parse_include_object(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  // k8s.io/apimachinery ValidateTableOptions' wording.
  return Error::bad_request("includeObject: Unsupported value: \"" + std::string(value) +
                            "\": supported values: \"Metadata\", \"None\", \"Object\"");
}

std::string table_json(const ServedResource& r, const TableRequest& t, const ListMeta& meta,
                       const std::vector<ObjectPtr>& items) {
  const auto& gvr = r.informer.resource.gvr;
  // Kinds without a printer get k8s.io/apiserver's default table convertor
  // (Name, Created At), as kube-apiserver gives built-in resources without
  // one. (A custom resource there gets its CRD's additionalPrinterColumns or
  // Name and Age; the cache does not know the CRD, so it answers as the
  // default convertor does.)
  const TableColumns* known = table_columns_for(gvr.group, gvr.resource);
  const TableColumns& columns = known ? *known : default_table_columns();

  json::array defs;
  for (const auto& c : columns.columns) defs.push_back(column_json(c));
  json::array rows;
  rows.reserve(items.size());
  for (const auto& obj : items) {
    json::value doc = obj->to_value();
    json::array cells;
    for (const auto& c : columns.cells(*obj, t.now, /*wide=*/true)) cells.push_back(cell_json(c));
    rows.push_back(
        json::object{{"cells", std::move(cells)}, {"object", row_object(*obj, doc, r, t)}});
  }
  json::object m{{"resourceVersion", std::to_string(meta.rv)}};
  if (!meta.continue_token.empty()) m["continue"] = meta.continue_token;
  if (meta.remaining_item_count) m["remainingItemCount"] = *meta.remaining_item_count;
  json::object table{{"kind", "Table"},
                     {"apiVersion", "meta.k8s.io/" + t.version},
                     {"metadata", std::move(m)},
                     {"columnDefinitions", std::move(defs)},
                     {"rows", std::move(rows)}};
  return json::serialize(table);
}

}  // namespace kube::serve::internal
