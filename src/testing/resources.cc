#include "src/testing/resources.h"

#include <algorithm>

namespace kube::testing::internal {
namespace json = boost::json;

namespace {

std::string key_of(const std::string& g, const std::string& v, const std::string& r) {
  return g + "/" + v + "/" + r;
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::array verbs_all() {
  return strings({"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});
}

struct Builtin {
  const char* group;
  const char* resource;
  const char* singular;
  const char* kind;
  bool namespaced;
  bool has_status;
  bool has_generation;
  bool delete_returns_object;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
};

}  // namespace

ResourceRegistry::ResourceRegistry() {
  const std::vector<Builtin> builtins = {
      {"", "configmaps", "configmap", "ConfigMap", true, false, false, false, {"cm"}, {}},
      {"", "endpoints", "endpoints", "Endpoints", true, false, false, false, {"ep"}, {}},
      {"", "events", "event", "Event", true, false, false, false, {"ev"}, {}},
      {"", "namespaces", "namespace", "Namespace", false, true, false, true, {"ns"}, {}},
      {"", "nodes", "node", "Node", false, true, false, true, {"no"}, {}},
      {"", "pods", "pod", "Pod", true, true, false, true, {"po"}, {"all"}},
      {"", "secrets", "secret", "Secret", true, false, false, false, {}, {}},
      {"", "services", "service", "Service", true, true, false, true, {"svc"}, {"all"}},
      {"apps", "daemonsets", "daemonset", "DaemonSet", true, true, true, false, {"ds"}, {"all"}},
      {"apps", "deployments", "deployment", "Deployment", true, true, true, false, {"deploy"}, {"all"}},
      {"apps", "replicasets", "replicaset", "ReplicaSet", true, true, true, false, {"rs"}, {"all"}},
      {"apps", "statefulsets", "statefulset", "StatefulSet", true, true, true, false, {"sts"}, {"all"}},
      {"coordination.k8s.io", "leases", "lease", "Lease", true, false, false, false, {}, {}},
      {"apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
       "CustomResourceDefinition", false, true, true, true, {"crd", "crds"}, {"api-extensions"}},
  };
  for (const auto& b : builtins) {
    ResourceInfo info;
    info.group = b.group;
    info.version = "v1";
    info.resource = b.resource;
    info.singular = b.singular;
    info.kind = b.kind;
    info.namespaced = b.namespaced;
    info.has_status = b.has_status;
    info.has_generation = b.has_generation;
    info.delete_returns_object = b.delete_returns_object;
    info.short_names = b.short_names;
    info.categories = b.categories;
    add(std::move(info));
  }
}

void ResourceRegistry::add(ResourceInfo info) {
  if (!info.group.empty() &&
      std::find(group_order_.begin(), group_order_.end(), info.group) == group_order_.end()) {
    group_order_.push_back(info.group);
  }
  auto key = key_of(info.group, info.version, info.resource);
  resources_[key] = std::make_shared<const ResourceInfo>(std::move(info));
}

ResourcePtr ResourceRegistry::find(const std::string& group, const std::string& version,
                                   const std::string& resource) const {
  auto it = resources_.find(key_of(group, version, resource));
  return it == resources_.end() ? nullptr : it->second;
}

ResourcePtr ResourceRegistry::find_kind(const std::string& api_version,
                                        const std::string& kind) const {
  for (const auto& [k, r] : resources_) {
    if (r->kind == kind && r->api_version() == api_version) return r;
  }
  return nullptr;
}

std::vector<ResourcePtr> ResourceRegistry::all() const {
  std::vector<ResourcePtr> out;
  for (const auto& [k, r] : resources_) out.push_back(r);
  return out;
}

Result<std::vector<ResourcePtr>> ResourceRegistry::add_crd(const json::object& crd) {
  const auto* spec = crd.if_contains("spec");
  const auto* meta = crd.if_contains("metadata");
  if (!spec || !spec->is_object() || !meta || !meta->is_object()) {
    return Error{422, "Invalid", "CustomResourceDefinition: spec and metadata are required", {}};
  }
  const auto& s = spec->as_object();
  std::string crd_name;
  if (auto* n = meta->as_object().if_contains("name"); n && n->is_string()) crd_name = n->as_string();
  const auto* names = s.if_contains("names");
  const auto* group = s.if_contains("group");
  if (!names || !names->is_object() || !group || !group->is_string()) {
    return Error{422, "Invalid",
                 "CustomResourceDefinition.apiextensions.k8s.io \"" + crd_name +
                     "\" is invalid: spec.names and spec.group are required", {}};
  }
  const auto& n = names->as_object();
  auto str = [&](const json::object& o, const char* k) -> std::string {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  ResourceInfo base;
  base.group = std::string(group->as_string());
  base.resource = str(n, "plural");
  base.kind = str(n, "kind");
  base.singular = str(n, "singular");
  if (base.singular.empty()) {
    base.singular = base.kind;
    std::transform(base.singular.begin(), base.singular.end(), base.singular.begin(), ::tolower);
  }
  if (base.resource.empty() || base.kind.empty() || crd_name != base.resource + "." + base.group) {
    return Error{422, "Invalid",
                 "CustomResourceDefinition.apiextensions.k8s.io \"" + crd_name +
                     "\" is invalid: metadata.name: must be spec.names.plural+\".\"+spec.group", {}};
  }
  base.namespaced = str(s, "scope") != "Cluster";
  base.has_generation = true;
  base.builtin = false;
  base.delete_returns_object = true;
  if (auto* sn = n.if_contains("shortNames"); sn && sn->is_array()) {
    for (const auto& v : sn->as_array()) if (v.is_string()) base.short_names.emplace_back(v.as_string());
  }
  if (auto* c = n.if_contains("categories"); c && c->is_array()) {
    for (const auto& v : c->as_array()) if (v.is_string()) base.categories.emplace_back(v.as_string());
  }
  remove_crd(crd_name);
  std::vector<ResourcePtr> added;
  if (auto* versions = s.if_contains("versions"); versions && versions->is_array()) {
    for (const auto& v : versions->as_array()) {
      if (!v.is_object()) continue;
      const auto& vo = v.as_object();
      auto* served = vo.if_contains("served");
      if (served && served->is_bool() && !served->as_bool()) continue;
      ResourceInfo info = base;
      info.version = str(vo, "name");
      if (info.version.empty()) continue;
      if (auto* sub = vo.if_contains("subresources"); sub && sub->is_object()) {
        info.has_status = sub->as_object().contains("status");
      }
      auto key = key_of(info.group, info.version, info.resource);
      add(std::move(info));
      crd_keys_[crd_name].push_back(key);
      added.push_back(resources_[key]);
    }
  }
  return added;
}

std::vector<ResourcePtr> ResourceRegistry::remove_crd(const std::string& crd_name) {
  std::vector<ResourcePtr> removed;
  auto it = crd_keys_.find(crd_name);
  if (it == crd_keys_.end()) return removed;
  for (const auto& key : it->second) {
    auto r = resources_.find(key);
    if (r != resources_.end()) {
      removed.push_back(r->second);
      resources_.erase(r);
    }
  }
  crd_keys_.erase(it);
  return removed;
}

json::value ResourceRegistry::api_versions(const std::string& server_address) const {
  return json::object{{"kind", "APIVersions"},
                      {"versions", json::array{"v1"}},
                      {"serverAddressByClientCIDRs",
                       json::array{json::object{{"clientCIDR", "0.0.0.0/0"},
                                                {"serverAddress", server_address}}}}};
}

namespace {
json::object group_doc(const std::string& group, const std::vector<std::string>& versions) {
  json::array vs;
  for (const auto& v : versions) {
    vs.push_back(json::object{{"groupVersion", group + "/" + v}, {"version", v}});
  }
  json::object preferred = vs.empty() ? json::object{} : vs.front().as_object();
  return json::object{{"name", group}, {"versions", std::move(vs)}, {"preferredVersion", preferred}};
}
}  // namespace

json::value ResourceRegistry::api_group_list() const {
  json::array groups;
  for (const auto& g : group_order_) {
    if (auto doc = api_group(g)) {
      auto o = doc->as_object();
      o.erase("kind");
      o.erase("apiVersion");
      groups.push_back(std::move(o));
    }
  }
  return json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

std::optional<json::value> ResourceRegistry::api_group(const std::string& group) const {
  std::vector<std::string> versions;
  for (const auto& [k, r] : resources_) {
    if (r->group == group &&
        std::find(versions.begin(), versions.end(), r->version) == versions.end()) {
      versions.push_back(r->version);
    }
  }
  if (versions.empty() || group.empty()) return std::nullopt;
  json::object o{{"kind", "APIGroup"}, {"apiVersion", "v1"}};
  for (auto& [k, v] : group_doc(group, versions)) o[k] = v;
  return json::value(std::move(o));
}

std::optional<json::value> ResourceRegistry::resource_list(const std::string& group,
                                                           const std::string& version) const {
  json::array list;
  bool found = false;
  for (const auto& [k, r] : resources_) {
    if (r->group != group || r->version != version) continue;
    found = true;
    json::object o{{"name", r->resource},
                   {"singularName", r->singular},
                   {"namespaced", r->namespaced},
                   {"kind", r->kind},
                   {"verbs", verbs_all()}};
    if (r->builtin && r->group.empty() && r->resource == "namespaces") {
      // kube-apiserver serves no deletecollection for namespaces.
      o["verbs"] = strings({"create", "delete", "get", "list", "patch", "update", "watch"});
    }
    if (!r->short_names.empty()) o["shortNames"] = strings(r->short_names);
    if (!r->categories.empty()) o["categories"] = strings(r->categories);
    list.push_back(std::move(o));
    if (r->has_status) {
      list.push_back(json::object{{"name", r->resource + "/status"},
                                  {"singularName", ""},
                                  {"namespaced", r->namespaced},
                                  {"kind", r->kind},
                                  {"verbs", strings({"get", "patch", "update"})}});
    }
  }
  if (!found) return std::nullopt;
  json::object doc{{"kind", "APIResourceList"}};
  if (!group.empty()) doc["apiVersion"] = "v1";
  doc["groupVersion"] = group.empty() ? version : group + "/" + version;
  doc["resources"] = std::move(list);
  return json::value(std::move(doc));
}

namespace {
// One resource of an APIVersionDiscovery. Built-in kinds answer with an
// empty responseKind group/version (the group version's own), CRDs spell
// theirs out (both as in the captures).
json::object aggregated_resource(const ResourceInfo& r) {
  json::object kind{{"group", r.builtin ? "" : r.group}, {"version", r.builtin ? "" : r.version}, {"kind", r.kind}};
  json::object o{{"resource", r.resource},
                 {"responseKind", kind},
                 {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                 {"singularResource", r.singular},
                 {"verbs", verbs_all()}};
  if (r.builtin && r.group.empty() && r.resource == "namespaces") {
    o["verbs"] = strings({"create", "delete", "get", "list", "patch", "update", "watch"});
  }
  if (!r.short_names.empty()) o["shortNames"] = strings(r.short_names);
  if (!r.categories.empty()) o["categories"] = strings(r.categories);
  if (r.has_status) {
    o["subresources"] = json::array{json::object{
        {"subresource", "status"}, {"responseKind", kind}, {"verbs", strings({"get", "patch", "update"})}}};
  }
  return o;
}
}  // namespace

json::value ResourceRegistry::aggregated_discovery(bool core) const {
  json::array items;
  std::vector<std::string> groups = core ? std::vector<std::string>{""} : group_order_;
  for (const auto& g : groups) {
    // Versions in the order /apis/{g} lists them (the preferred one first).
    std::vector<std::string> versions;
    for (const auto& [k, r] : resources_) {
      if (r->group == g && std::find(versions.begin(), versions.end(), r->version) == versions.end()) {
        versions.push_back(r->version);
      }
    }
    json::array vs;
    for (const auto& v : versions) {
      json::array resources;
      for (const auto& [k, r] : resources_) {
        if (r->group == g && r->version == v) resources.push_back(aggregated_resource(*r));
      }
      vs.push_back(json::object{{"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    if (vs.empty()) continue;  // a deleted CRD's group
    json::object meta;
    if (!core) meta["name"] = g;
    meta["creationTimestamp"] = nullptr;
    items.push_back(json::object{{"metadata", std::move(meta)}, {"versions", std::move(vs)}});
  }
  return json::object{{"kind", "APIGroupDiscoveryList"},
                      {"apiVersion", "apidiscovery.k8s.io/v2beta1"},
                      {"metadata", json::object{}},
                      {"items", std::move(items)}};
}

}  // namespace kube::testing::internal
