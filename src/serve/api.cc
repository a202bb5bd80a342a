#include "src/serve/api.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <boost/url.hpp>

#include "kube/core/continue_token.h"
#include "kube/version.h"

namespace kube::serve::internal {
namespace json = boost::json;

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (end > pos) out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string api_version_of(const ServedResource& r) {
  return r.informer.resource.gvr.group_version().api_version();
}

std::string singular_of(const ServedResource& r) {
  if (!r.singular.empty()) return r.singular;
  std::string s = r.kind;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

std::optional<ResourcePath> parse_resource_path(std::string_view path) {
  auto seg = split_path(path);
  ResourcePath p;
  std::size_t i = 0;
  if (seg.size() >= 2 && seg[0] == "api") {
    p.version = std::string(seg[1]);
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    p.group = std::string(seg[1]);
    p.version = std::string(seg[2]);
    i = 3;
  } else {
    return std::nullopt;
  }
  auto rest = std::vector<std::string_view>(seg.begin() + std::ptrdiff_t(i), seg.end());
  // namespaces/NS/RESOURCE[/NAME[/SUB...]], except /namespaces and
  // /namespaces/NAME, which are the namespaces resource itself.
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    p.namespace_ = std::string(rest[1]);
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty()) return std::nullopt;
  p.resource = std::string(rest[0]);
  if (rest.size() >= 2) p.name = std::string(rest[1]);
  p.subresource = rest.size() > 2;
  return p;
}

std::string qualified_resource(const GroupVersionResource& gvr) {
  return gvr.group.empty() ? gvr.resource : gvr.resource + "." + gvr.group;
}

Error not_found(const GroupVersionResource& gvr, const std::string& name) {
  StatusDetails d;
  d.name = name;
  d.group = gvr.group;
  d.kind = gvr.resource;
  return Error{404, "NotFound", qualified_resource(gvr) + " \"" + name + "\" not found", d};
}

Error unknown_path() {
  return Error{404, "NotFound", "the server could not find the requested resource",
               StatusDetails{}};
}

Error method_not_allowed() {
  return Error{
      405, "MethodNotAllowed",
      "the server does not allow this method on the requested resource (kinformer serve is "
      "read-only)",
      StatusDetails{}};
}

Error not_synced(const std::string& resource) {
  return Error{503, "ServiceUnavailable",
               "the cache of " + resource + " has not synced yet; retry shortly", std::nullopt};
}

std::string status_json(const Error& e) {
  json::object o{{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", json::object{}},
                 {"status", "Failure"},
                 {"message", e.message}};
  if (!e.reason.empty()) o["reason"] = e.reason;
  if (e.details) {
    json::object d;
    if (!e.details->name.empty()) d["name"] = e.details->name;
    if (!e.details->group.empty()) d["group"] = e.details->group;
    if (!e.details->kind.empty()) d["kind"] = e.details->kind;
    o["details"] = std::move(d);
  }
  o["code"] = e.code;
  return json::serialize(o);
}

std::string object_json(const Object& obj, const ServedResource& r) {
  std::string_view body = obj.json();
  if (!obj.kind().empty() || body.size() < 2 || body.front() != '{') return std::string(body);
  std::string out = R"({"kind":)" + json::serialize(json::string(r.kind)) + R"(,"apiVersion":)" +
                    json::serialize(json::string(api_version_of(r)));
  if (body != "{}") out += ',';
  out.append(body.substr(1));
  return out;
}

std::string list_json(const ServedResource& r, std::uint64_t rv,
                      const std::vector<ObjectPtr>& items) {
  return list_json(r, ListMeta{.rv = rv}, items);
}

std::string expired_continue_json(const std::string& restart_token) {
  json::object o{{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", json::object{{"continue", restart_token}}},
                 {"status", "Failure"},
                 {"message", kExpiredContinueMessage},
                 {"reason", "Expired"},
                 {"code", 410}};
  return json::serialize(o);
}

std::string list_json(const ServedResource& r, const ListMeta& meta,
                      const std::vector<ObjectPtr>& items) {
  std::size_t size = 128;
  for (const auto& o : items) size += o->json().size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"kind":)" + json::serialize(json::string(r.kind + "List")) + R"(,"apiVersion":)" +
         json::serialize(json::string(api_version_of(r))) + R"(,"metadata":{"resourceVersion":")" +
         std::to_string(meta.rv) + '"';
  if (!meta.continue_token.empty()) out += R"(,"continue":")" + meta.continue_token + '"';
  if (meta.remaining_item_count)
    out += R"(,"remainingItemCount":)" + std::to_string(*meta.remaining_item_count);
  out += R"(},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i]->json();  // as kube-apiserver: list items as stored, kind or not
  }
  out += "]}";
  return out;
}

std::string event_line(const char* type, const std::string& object) {
  std::string out;
  out.reserve(object.size() + 32);
  out += R"({"type":")";
  out += type;
  out += R"(","object":)";
  out += object;
  out += "}\n";
  return out;
}

std::string bookmark_line(const ServedResource& r, std::uint64_t rv, bool initial_events_end) {
  json::object meta{{"resourceVersion", std::to_string(rv)}, {"creationTimestamp", nullptr}};
  if (initial_events_end) meta["annotations"] = json::object{{"k8s.io/initial-events-end", "true"}};
  json::object o{
      {"kind", r.kind}, {"apiVersion", api_version_of(r)}, {"metadata", std::move(meta)}};
  return event_line("BOOKMARK", json::serialize(o));
}

std::string api_versions_json(const std::string& server_address) {
  return json::serialize(json::object{
      {"kind", "APIVersions"},
      {"versions", json::array{"v1"}},
      {"serverAddressByClientCIDRs",
       json::array{json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}});
}

namespace {
// The versions of `group` that are served, in the order first given.
std::vector<std::string> versions_of(const std::vector<ServedResource>& resources,
                                     const std::string& group) {
  std::vector<std::string> out;
  for (const auto& r : resources) {
    const auto& gvr = r.informer.resource.gvr;
    if (gvr.group == group && std::find(out.begin(), out.end(), gvr.version) == out.end()) {
      out.push_back(gvr.version);
    }
  }
  return out;
}

json::object group_doc(const std::string& group, const std::vector<std::string>& versions) {
  json::array vs;
  for (const auto& v : versions)
    vs.push_back(json::object{{"groupVersion", group + "/" + v}, {"version", v}});
  json::object preferred = vs.front().as_object();
  return json::object{
      {"name", group}, {"versions", std::move(vs)}, {"preferredVersion", preferred}};
}
}  // namespace

std::string api_group_list_json(const std::vector<ServedResource>& resources) {
  json::array groups;
  std::vector<std::string> seen;
  for (const auto& r : resources) {
    const auto& g = r.informer.resource.gvr.group;
    if (g.empty() || std::find(seen.begin(), seen.end(), g) != seen.end()) continue;
    seen.push_back(g);
    groups.push_back(group_doc(g, versions_of(resources, g)));
  }
  return json::serialize(
      json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}});
}

std::optional<std::string> api_group_json(const std::vector<ServedResource>& resources,
                                          const std::string& group) {
  auto versions = versions_of(resources, group);
  if (group.empty() || versions.empty()) return std::nullopt;
  json::object o{{"kind", "APIGroup"}, {"apiVersion", "v1"}};
  for (auto& [k, v] : group_doc(group, versions)) o[k] = v;
  return json::serialize(o);
}

std::optional<std::string> api_resource_list_json(const std::vector<ServedResource>& resources,
                                                  const std::string& group,
                                                  const std::string& version) {
  json::array list;
  for (const auto& r : resources) {
    const auto& gvr = r.informer.resource.gvr;
    if (gvr.group != group || gvr.version != version) continue;
    json::object o{{"name", gvr.resource},
                   {"singularName", singular_of(r)},
                   {"namespaced", r.informer.resource.namespaced},
                   {"kind", r.kind},
                   {"verbs", json::array{"get", "list", "watch"}}};
    if (!r.short_names.empty()) o["shortNames"] = strings(r.short_names);
    list.push_back(std::move(o));
  }
  if (list.empty()) return std::nullopt;
  json::object doc{{"kind", "APIResourceList"}};
  if (!group.empty()) doc["apiVersion"] = "v1";
  doc["groupVersion"] = group.empty() ? version : group + "/" + version;
  doc["resources"] = std::move(list);
  return json::serialize(doc);
}

std::string version_json() {
  // The cache answers for the API server behind it; kubectl only needs a
  // parseable version (1.28: the captures' server).
  return json::serialize(
      json::object{{"major", "1"},
                   {"minor", "28"},
                   {"gitVersion", std::string("v1.28.0-kinformer-") + KINFORMER_VERSION_STRING},
                   {"gitCommit", ""},
                   {"gitTreeState", ""},
                   {"buildDate", ""},
                   {"goVersion", ""},
                   {"compiler", "kinformer"},
                   {"platform", "linux/amd64"}});
}

std::map<std::string, std::string> parse_target(std::string_view target, std::string& path) {
  std::map<std::string, std::string> out;
  auto u = boost::urls::parse_origin_form(target);
  if (!u) {
    path = std::string(target.substr(0, target.find('?')));
    return out;
  }
  path = std::string(u->path());
  for (auto p : u->params()) out[std::string(p.key)] = std::string(p.value);
  return out;
}

}  // namespace kube::serve::internal
