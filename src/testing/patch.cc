#include "src/testing/patch.h"

#include <map>
#include <string>

namespace kube::testing::internal {
namespace json = boost::json;

namespace {

json::value merge_patch(const json::value& target, const json::value& patch) {
  if (!patch.is_object()) return patch;
  json::object out = target.is_object() ? target.as_object() : json::object{};
  for (const auto& [k, v] : patch.as_object()) {
    if (v.is_null()) {
      out.erase(k);
    } else {
      auto* cur = out.if_contains(k);
      out[k] = merge_patch(cur ? *cur : json::value(nullptr), v);
    }
  }
  return out;
}

// Merge keys of the strategic merge patch for the built-in list fields we know.
const char* merge_key(std::string_view field, std::string_view parent) {
  static const std::map<std::string_view, const char*> keys = {
      {"containers", "name"}, {"initContainers", "name"}, {"ephemeralContainers", "name"},
      {"volumes", "name"}, {"env", "name"}, {"volumeMounts", "name"}, {"imagePullSecrets", "name"},
      {"conditions", "type"}, {"hostAliases", "ip"}, {"tolerations", nullptr}};
  if (field == "ports") return parent == "spec" ? "port" : "containerPort";
  auto it = keys.find(field);
  return it == keys.end() ? nullptr : it->second;
}

json::value strategic(const json::value& target, const json::value& patch, std::string_view field);

json::value strategic_list(const json::value& target, const json::array& patch, std::string_view field,
                           std::string_view parent) {
  if (field == "finalizers") {
    json::array out = target.is_array() ? target.as_array() : json::array{};
    for (const auto& v : patch) {
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
  }
  const char* key = merge_key(field, parent);
  if (!key || !target.is_array()) {
    json::array out;
    for (const auto& v : patch) {
      if (v.is_object() && v.as_object().contains("$patch")) continue;
      out.push_back(v);
    }
    return out;
  }
  json::array out = target.as_array();
  for (const auto& item : patch) {
    if (!item.is_object()) continue;
    const auto& io = item.as_object();
    if (auto* p = io.if_contains("$patch"); p && *p == "replace") {
      json::array rest;
      for (const auto& v : patch) if (&v != &item) rest.push_back(v);
      return rest;
    }
    const json::value* k = io.if_contains(key);
    auto same = [&](const json::value& v) {
      return k && v.is_object() && v.as_object().contains(key) && v.as_object().at(key) == *k;
    };
    auto it = std::find_if(out.begin(), out.end(), same);
    bool del = io.contains("$patch") && io.at("$patch") == "delete";
    if (del) {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      *it = strategic(*it, item, field);
    } else {
      out.push_back(strategic(json::object{}, item, field));
    }
  }
  return out;
}

json::value strategic(const json::value& target, const json::value& patch, std::string_view parent) {
  if (!patch.is_object()) return patch;
  const auto& po = patch.as_object();
  if (auto* p = po.if_contains("$patch"); p && *p == "replace") {
    json::object out = po;
    out.erase("$patch");
    return out;
  }
  json::object out = target.is_object() ? target.as_object() : json::object{};
  for (const auto& [k, v] : po) {
    if (k == "$patch" || k.starts_with("$setElementOrder") || k.starts_with("$retainKeys") ||
        k.starts_with("$deleteFromPrimitiveList")) {
      continue;
    }
    if (v.is_null()) {
      out.erase(k);
      continue;
    }
    auto* cur = out.if_contains(k);
    json::value curv = cur ? *cur : json::value(nullptr);
    if (v.is_array()) {
      out[k] = strategic_list(curv, v.as_array(), k, parent);
    } else if (v.is_object()) {
      out[k] = strategic(curv, v, k);
    } else {
      out[k] = v;
    }
  }
  return out;
}

// RFC 6901 pointer into `doc`: the parent container and the last token.
struct Target {
  json::value* parent = nullptr;
  std::string token;
};

Result<Target> resolve(json::value& doc, std::string_view path) {
  if (path.empty()) return Target{nullptr, ""};
  if (path[0] != '/') return Error::bad_request("invalid JSON pointer: " + std::string(path));
  std::vector<std::string> tokens;
  std::size_t pos = 1;
  while (true) {
    auto next = path.find('/', pos);
    std::string t(path.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    std::string u;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '~' && i + 1 < t.size()) {
        u += t[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        u += t[i];
      }
    }
    tokens.push_back(u);
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  json::value* cur = &doc;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    const auto& t = tokens[i];
    if (cur->is_object()) {
      auto* n = cur->as_object().if_contains(t);
      if (!n) return Error{422, "Invalid", "doc is missing path: \"" + std::string(path) + "\": missing value", {}};
      cur = n;
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      try {
        idx = std::stoul(t);
      } catch (...) {
        return Error{422, "Invalid", "invalid index in path " + std::string(path), {}};
      }
      if (idx >= cur->as_array().size()) {
        return Error{422, "Invalid", "doc is missing path: \"" + std::string(path) + "\": missing value", {}};
      }
      cur = &cur->as_array()[idx];
    } else {
      return Error{422, "Invalid", "doc is missing path: \"" + std::string(path) + "\": missing value", {}};
    }
  }
  return Target{cur, tokens.back()};
}

Result<json::value> get_at(json::value& doc, std::string_view path) {
  auto t = resolve(doc, path);
  if (!t) return t.error();
  if (!t->parent) return doc;
  auto missing = Error{422, "Invalid", "doc is missing path: \"" + std::string(path) + "\": missing value", {}};
  if (t->parent->is_object()) {
    auto* v = t->parent->as_object().if_contains(t->token);
    if (!v) return missing;
    return *v;
  }
  if (t->parent->is_array()) {
    try {
      auto idx = std::stoul(t->token);
      if (idx < t->parent->as_array().size()) return t->parent->as_array()[idx];
    } catch (...) {
    }
  }
  return missing;
}

Result<void> remove_at(json::value& doc, std::string_view path) {
  auto t = resolve(doc, path);
  if (!t) return t.error();
  auto missing = Error{422, "Invalid", "unable to remove nonexistent key: " + std::string(path) + ": missing value", {}};
  if (!t->parent) return missing;
  if (t->parent->is_object()) {
    if (!t->parent->as_object().erase(t->token)) return missing;
    return {};
  }
  if (t->parent->is_array()) {
    auto& a = t->parent->as_array();
    try {
      auto idx = std::stoul(t->token);
      if (idx < a.size()) {
        a.erase(a.begin() + long(idx));
        return {};
      }
    } catch (...) {
    }
  }
  return missing;
}

Result<void> add_at(json::value& doc, std::string_view path, json::value v, bool replace) {
  auto t = resolve(doc, path);
  if (!t) return t.error();
  if (!t->parent) {
    doc = std::move(v);
    return {};
  }
  if (t->parent->is_object()) {
    auto& o = t->parent->as_object();
    if (replace && !o.contains(t->token)) {
      return Error{422, "Invalid", "replace operation does not apply: doc is missing key: " + std::string(path) + ": missing value", {}};
    }
    o[t->token] = std::move(v);
    return {};
  }
  if (t->parent->is_array()) {
    auto& a = t->parent->as_array();
    if (t->token == "-") {
      if (replace) return Error{422, "Invalid", "replace: invalid index - in " + std::string(path), {}};
      a.push_back(std::move(v));
      return {};
    }
    try {
      auto idx = std::stoul(t->token);
      if (replace && idx < a.size()) {
        a[idx] = std::move(v);
        return {};
      }
      if (!replace && idx <= a.size()) {
        a.insert(a.begin() + long(idx), std::move(v));
        return {};
      }
    } catch (...) {
    }
  }
  return Error{422, "Invalid", "doc is missing path: \"" + std::string(path) + "\": missing value", {}};
}

Result<json::value> json_patch(json::value doc, const json::value& patch) {
  if (!patch.is_array()) {
    return Error::bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  for (const auto& op_v : patch.as_array()) {
    if (!op_v.is_object()) return Error::bad_request("invalid JSON patch operation");
    const auto& op = op_v.as_object();
    auto s = [&](const char* k) {
      auto* v = op.if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::string kind = s("op"), path = s("path");
    Result<void> r;
    if (kind == "add" || kind == "replace") {
      auto* v = op.if_contains("value");
      if (!v) return Error::bad_request("JSON patch " + kind + " operation has no value");
      r = add_at(doc, path, *v, kind == "replace");
    } else if (kind == "remove") {
      r = remove_at(doc, path);
    } else if (kind == "move" || kind == "copy") {
      auto v = get_at(doc, s("from"));
      if (!v) return v.error();
      if (kind == "move") {
        if (auto rr = remove_at(doc, s("from")); !rr) return rr.error();
      }
      r = add_at(doc, path, *v, false);
    } else if (kind == "test") {
      auto v = get_at(doc, path);
      if (!v) return v.error();
      auto* want = op.if_contains("value");
      if (!want || *want != *v) {
        return Error{422, "Invalid", "testing value " + path + " failed: test failed", {}};
      }
    } else {
      return Error::bad_request("Unexpected kind: " + kind);
    }
    if (!r) return r.error();
  }
  return doc;
}

}  // namespace

Result<json::value> apply_patch(PatchType type, const json::value& target, std::string_view patch) {
  boost::system::error_code ec;
  json::value p = json::parse(patch, ec);
  if (ec) return Error::bad_request("error decoding patch: " + ec.message());
  switch (type) {
    case PatchType::kMerge:
      if (!p.is_object()) return Error::bad_request("json: cannot unmarshal into Go value of type map[string]interface {}");
      return merge_patch(target, p);
    case PatchType::kStrategic:
      if (!p.is_object()) return Error::bad_request("json: cannot unmarshal into Go value of type map[string]interface {}");
      return strategic(target, p, "");
    case PatchType::kJson:
      return json_patch(target, p);
  }
  return Error::internal("unknown patch type");
}

}  // namespace kube::testing::internal
