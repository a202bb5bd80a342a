#include "src/core/json_path.h"

#include <simdjson.h>

namespace kube::detail {

std::optional<std::vector<std::string>> split_field_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  std::string cur;
  bool have_cur = false;
  while (i < path.size()) {
    char c = path[i];
    if (c == '.') {
      if (!have_cur) return std::nullopt;
      out.push_back(std::move(cur));
      cur.clear();
      have_cur = false;
      ++i;
    } else if (c == '[') {
      if (have_cur) {
        out.push_back(std::move(cur));
        cur.clear();
        have_cur = false;
      }
      if (i + 1 >= path.size()) return std::nullopt;
      char q = path[i + 1];
      if (q == '\'' || q == '"') {
        std::size_t end = path.find(q, i + 2);
        if (end == std::string_view::npos || end + 1 >= path.size() || path[end + 1] != ']') {
          return std::nullopt;
        }
        out.emplace_back(path.substr(i + 2, end - i - 2));
        i = end + 2;
      } else {
        std::size_t end = path.find(']', i + 1);
        if (end == std::string_view::npos || end == i + 1) return std::nullopt;
        out.emplace_back(path.substr(i + 1, end - i - 1));
        i = end + 1;
      }
      if (i < path.size() && path[i] == '.') {
        ++i;
        if (i >= path.size()) return std::nullopt;
      }
    } else {
      cur.push_back(c);
      have_cur = true;
      ++i;
    }
  }
  if (have_cur) out.push_back(std::move(cur));
  if (out.empty()) return std::nullopt;
  return out;
}

namespace {

std::string to_pointer(const std::vector<std::string>& segs) {
  std::string p;
  for (const auto& s : segs) {
    p.push_back('/');
    for (char c : s) {
      if (c == '~') {
        p += "~0";
      } else if (c == '/') {
        p += "~1";
      } else {
        p.push_back(c);
      }
    }
  }
  return p;
}

simdjson::ondemand::parser& local_parser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

// The value at field path `path` in `doc` (at_pointer rewinds the document
// first, so several paths may be looked up over one stage-1 index).
std::optional<simdjson::ondemand::value> value_at(simdjson::ondemand::document& doc, std::string_view path) {
  auto segs = split_field_path(path);
  if (!segs) return std::nullopt;
  simdjson::ondemand::value v;
  if (doc.at_pointer(to_pointer(*segs)).get(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::string_view> raw_field(std::string_view json, std::size_t capacity,
                                          std::string_view path) {
  simdjson::ondemand::document doc;
  if (local_parser().iterate(json.data(), json.size(), capacity).get(doc)) return std::nullopt;
  std::optional<simdjson::ondemand::value> found = value_at(doc, path);
  if (!found) return std::nullopt;
  simdjson::ondemand::value& v = *found;
  simdjson::ondemand::json_type t;
  if (v.type().get(t)) return std::nullopt;
  std::string_view raw;
  switch (t) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object o;
      if (v.get_object().get(o) || o.raw_json().get(raw)) return std::nullopt;
      return raw;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array a;
      if (v.get_array().get(a) || a.raw_json().get(raw)) return std::nullopt;
      return raw;
    }
    default:
      raw = v.raw_json_token();
      // raw_json_token keeps trailing whitespace; our bytes are minified, but trim anyway.
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' ||
                              raw.back() == '\r')) {
        raw.remove_suffix(1);
      }
      return raw;
  }
}

namespace {

// The scalar `v` as field selectors see it.
std::optional<std::string> scalar_of(simdjson::ondemand::value v) {
  simdjson::ondemand::json_type t;
  if (v.type().get(t)) return std::nullopt;
  switch (t) {
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return std::nullopt;
      return std::string(s);
    }
    case simdjson::ondemand::json_type::number:
    case simdjson::ondemand::json_type::boolean: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' ||
                              raw.back() == '\r')) {
        raw.remove_suffix(1);
      }
      return std::string(raw);
    }
    case simdjson::ondemand::json_type::null:
      return std::string();
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> scalar_field(std::string_view json, std::size_t capacity,
                                        std::string_view path) {
  simdjson::ondemand::document doc;
  if (local_parser().iterate(json.data(), json.size(), capacity).get(doc)) return std::nullopt;
  std::optional<simdjson::ondemand::value> v = value_at(doc, path);
  return v ? scalar_of(*v) : std::nullopt;
}

std::vector<std::optional<std::string>> scalar_fields(std::string_view json, std::size_t capacity,
                                                      const std::vector<std::string>& paths) {
  std::vector<std::optional<std::string>> out(paths.size());
  if (paths.empty()) return out;
  simdjson::ondemand::document doc;
  if (local_parser().iterate(json.data(), json.size(), capacity).get(doc)) return out;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (std::optional<simdjson::ondemand::value> v = value_at(doc, paths[i])) out[i] = scalar_of(*v);
  }
  return out;
}

}  // namespace kube::detail
