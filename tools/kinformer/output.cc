#include "tools/kinformer/output.h"

#include <cctype>
#include <cstdlib>

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

namespace kinformer::cli {
namespace {

namespace json = boost::json;

void write_json(const json::value& v, int indent, std::string& out) {
  auto newline = [&](int level) {
    out += '\n';
    out.append(static_cast<std::size_t>(level) * 4, ' ');
  };
  if (const json::object* o = v.if_object()) {
    if (o->empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [k, val] : *o) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      out += json::serialize(json::value(json::string_view(k)));
      out += ": ";
      write_json(val, indent + 1, out);
    }
    newline(indent);
    out += '}';
  } else if (const json::array* a = v.if_array()) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& val : *a) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      write_json(val, indent + 1, out);
    }
    newline(indent);
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

// Would a YAML 1.1/1.2 reader take this plain scalar for something other
// than a string?
bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", ".inf",
                           "-.inf", "+.inf", ".nan"}) {
    if (lower == word) return true;
  }
  // Dates and timestamps (YAML 1.1 reads 2026-11-24... as a timestamp).
  if (s.size() >= 10 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-' &&
      s[7] == '-')
    return true;
  // Numbers as YAML 1.1 or 1.2 reads them: decimal, float, exponent, hex,
  // octal ("0o17"), with "_" separators, or sexagesimal ("1:30").
  std::string plain;
  for (char c : lower) {
    if (c != '_') plain += c;
  }
  if (plain.starts_with("0o") && plain.size() > 2) {
    return plain.find_first_not_of("01234567", 2) == std::string::npos;
  }
  if (plain.empty()) return false;
  if (plain.find_first_not_of("0123456789:") == std::string::npos &&
      std::isdigit(static_cast<unsigned char>(plain[0]))) {
    return true;  // integers and sexagesimal numbers
  }
  char* end = nullptr;
  std::strtod(plain.c_str(), &end);  // decimal and hex floats; "inf", "nan" too, quoted anyway
  return end != plain.c_str() && *end == '\0';
}

void emit(YAML::Emitter& e, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      e << YAML::BeginMap;
      for (const auto& [k, val] : v.get_object()) {
        e << YAML::Key;
        std::string key(k);
        if (needs_quotes(key)) e << YAML::DoubleQuoted;
        e << key << YAML::Value;
        emit(e, val);
      }
      e << YAML::EndMap;
      break;
    case json::kind::array:
      e << YAML::BeginSeq;
      for (const auto& val : v.get_array()) emit(e, val);
      e << YAML::EndSeq;
      break;
    case json::kind::string: {
      std::string s(v.get_string());
      if (needs_quotes(s)) e << YAML::DoubleQuoted;
      e << s;
      break;
    }
    case json::kind::bool_:
      e << (v.get_bool() ? "true" : "false");
      break;
    case json::kind::null:
      e << YAML::Null;
      break;
    default:  // numbers, printed as JSON prints them
      e << json::serialize(v);
      break;
  }
}

}  // namespace

kube::Result<OutputFormat> parse_output_format(std::string_view text) {
  if (text.empty()) return OutputFormat::kTable;
  if (text == "wide") return OutputFormat::kWide;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  if (text == "name") return OutputFormat::kName;
  return kube::Error::invalid_argument("unknown output format \"" + std::string(text) +
                                       "\" (-o): use wide, json, yaml or name");
}

std::string pretty_json(const json::value& v) {
  std::string out;
  write_json(v, 0, out);
  out += '\n';
  return out;
}

std::string to_yaml(const json::value& v) {
  YAML::Emitter e;
  e.SetIndent(2);
  emit(e, v);
  std::string out = e.c_str();
  out += '\n';
  return out;
}

json::value list_document(const std::vector<kube::ObjectPtr>& items) {
  json::array arr;
  arr.reserve(items.size());
  for (const auto& o : items) arr.push_back(o->to_value());
  return json::object{{"apiVersion", "v1"},
                      {"items", std::move(arr)},
                      {"kind", "List"},
                      {"metadata", json::object{{"resourceVersion", ""}}}};
}

json::value event_document(std::string_view type, const kube::Object& object) {
  return json::object{{"type", type}, {"object", object.to_value()}};
}

}  // namespace kinformer::cli
