#include "tools/kinformer/printer.h"

#include <boost/json.hpp>

#include "tools/kinformer/resource_arg.h"

namespace kinformer::cli {

ObjectPrinter::ObjectPrinter(const kube::ApiResource& api, OutputFormat format,
                             bool namespace_column)
    : format_(format),
      namespace_column_(namespace_column),
      name_prefix_(name_prefix(api)),
      columns_(columns_for(api.gvr.group, api.gvr.resource, format == OutputFormat::kWide)) {}

Row ObjectPrinter::header() const {
  Row h;
  if (namespace_column_) h.push_back("NAMESPACE");
  h.insert(h.end(), columns_.headers.begin(), columns_.headers.end());
  return h;
}

Row ObjectPrinter::row(const kube::Object& object, SysTime now) const {
  Row r;
  if (namespace_column_) r.emplace_back(object.namespace_());
  Row cells = columns_.cells(object, now);
  r.insert(r.end(), std::make_move_iterator(cells.begin()), std::make_move_iterator(cells.end()));
  return r;
}

std::string ObjectPrinter::objects(const std::vector<kube::ObjectPtr>& objects, SysTime now) const {
  switch (format_) {
    case OutputFormat::kJson:
      return pretty_json(list_document(objects));
    case OutputFormat::kYaml:
      return to_yaml(list_document(objects));
    case OutputFormat::kName: {
      std::string out;
      for (const auto& o : objects) out += name_prefix_ + "/" + std::string(o->name()) + "\n";
      return out;
    }
    case OutputFormat::kTable:
    case OutputFormat::kWide:
      break;
  }
  if (objects.empty()) return "";
  Table t{header(), {}};
  for (const auto& o : objects) t.rows.push_back(row(*o, now));
  return t.render();
}

std::string ObjectPrinter::object(const kube::Object& object, SysTime now) const {
  if (format_ == OutputFormat::kJson) return pretty_json(object.to_value());
  if (format_ == OutputFormat::kYaml) return to_yaml(object.to_value());
  std::vector<kube::ObjectPtr> one;
  // A non-owning pointer: objects() only reads it during this call.
  one.emplace_back(std::shared_ptr<const kube::Object>(), &object);
  return objects(one, now);
}

std::string ObjectPrinter::watch_initial(const std::vector<kube::ObjectPtr>& objects, SysTime now) {
  if (format_ != OutputFormat::kTable && format_ != OutputFormat::kWide) {
    std::string out;
    for (const auto& o : objects) out += watch_event("ADDED", *o, now);
    return out;
  }
  Row h = header();
  h.insert(h.begin(), "EVENT");
  Table t{h, {}};
  for (const auto& o : objects) {
    Row r = row(*o, now);
    r.insert(r.begin(), "ADDED");
    t.rows.push_back(std::move(r));
  }
  t.headers[0] = "MODIFIED";  // the widest event name sizes the first column
  watch_widths_ = t.widths();
  t.headers[0] = "EVENT";
  std::string out = line(t.headers, watch_widths_);
  for (const Row& r : t.rows) out += line(r, watch_widths_);
  return out;
}

std::string ObjectPrinter::watch_event(std::string_view type, const kube::Object& object,
                                       SysTime now) {
  switch (format_) {
    case OutputFormat::kJson:
      return boost::json::serialize(event_document(type, object)) + "\n";
    case OutputFormat::kYaml:
      return "---\n" + to_yaml(event_document(type, object));
    case OutputFormat::kName:
      return std::string(type) + " " + name_prefix_ + "/" + std::string(object.name()) + "\n";
    case OutputFormat::kTable:
    case OutputFormat::kWide:
      break;
  }
  Row r = row(object, now);
  r.insert(r.begin(), std::string(type));
  return line(r, watch_widths_);
}

}  // namespace kinformer::cli
