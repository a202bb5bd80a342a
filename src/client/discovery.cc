// Discovery documents and kubectl-style resource resolution. Follows
// client-go's discovery (aggregated_discovery.go, legacy ServerGroupsAndResources)
// and apimachinery's ParseResourceArg / PriorityRESTMapper.
#include "kube/client/discovery.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

namespace kube {
namespace {

namespace json = boost::json;

constexpr const char* kAggregatedAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::value* v = o.if_contains(key); v && v->is_array()) {
    for (const auto& s : v->get_array())
      if (s.is_string()) out.emplace_back(s.get_string());
  }
  return out;
}

const json::array* array(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

Result<json::object> parse_object(std::string_view text, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Error::internal(std::string(what) + ": invalid JSON: " + ec.message());
  if (!v.is_object()) return Error::internal(std::string(what) + ": not a JSON object");
  return std::move(v.get_object());
}

bool names(const ApiResource& r, const std::string& n) {
  return n == r.gvr.resource || n == r.singular || n == lower(r.kind);
}

bool short_name(const ApiResource& r, const std::string& n) {
  return std::any_of(r.short_names.begin(), r.short_names.end(), [&](const std::string& s) { return lower(s) == n; });
}

// Picks the preferred version among matches of one group-resource, else the first.
const ApiResource* pick(const std::vector<const ApiResource*>& matches) {
  for (const ApiResource* r : matches)
    if (r->preferred) return r;
  return matches.empty() ? nullptr : matches.front();
}

std::string group_resource(const ApiResource& r) {
  return r.gvr.group.empty() ? r.gvr.resource : r.gvr.resource + "." + r.gvr.group;
}

}  // namespace

Result<std::vector<ApiResource>> parse_aggregated_discovery(std::string_view text) {
  Result<json::object> doc = parse_object(text, "aggregated discovery");
  if (!doc) return doc.error();
  if (str(*doc, "kind") != "APIGroupDiscoveryList") {
    return Error::internal("aggregated discovery: kind is \"" + str(*doc, "kind") + "\", not APIGroupDiscoveryList");
  }
  std::vector<ApiResource> out;
  const json::array* items = array(*doc, "items");
  if (!items) return out;
  for (const auto& item : *items) {
    if (!item.is_object()) continue;
    const auto& g = item.get_object();
    std::string group;
    if (const auto* m = g.if_contains("metadata"); m && m->is_object()) group = str(m->get_object(), "name");
    const json::array* versions = array(g, "versions");
    if (!versions) continue;
    bool first = true;  // versions are listed in order of preference
    for (const auto& ver : *versions) {
      if (!ver.is_object()) continue;
      const auto& vo = ver.get_object();
      std::string version = str(vo, "version");
      if (const json::array* resources = array(vo, "resources")) {
        for (const auto& res : *resources) {
          if (!res.is_object()) continue;
          const auto& ro = res.get_object();
          ApiResource r;
          r.gvr = {group, version, str(ro, "resource")};
          if (const auto* rk = ro.if_contains("responseKind"); rk && rk->is_object()) r.kind = str(rk->get_object(), "kind");
          r.singular = str(ro, "singularResource");
          if (r.singular.empty()) r.singular = lower(r.kind);
          r.namespaced = str(ro, "scope") == "Namespaced";
          r.preferred = first;
          r.verbs = strings(ro, "verbs");
          r.short_names = strings(ro, "shortNames");
          r.categories = strings(ro, "categories");
          if (const json::array* subs = array(ro, "subresources")) {
            for (const auto& s : *subs)
              if (s.is_object()) r.subresources.push_back(str(s.get_object(), "subresource"));
          }
          out.push_back(std::move(r));
        }
      }
      first = false;
    }
  }
  return out;
}

Result<std::vector<ApiGroupVersions>> parse_api_versions(std::string_view text) {
  Result<json::object> doc = parse_object(text, "/api");
  if (!doc) return doc.error();
  return std::vector<ApiGroupVersions>{{"", strings(*doc, "versions")}};
}

Result<std::vector<ApiGroupVersions>> parse_api_group_list(std::string_view text) {
  Result<json::object> doc = parse_object(text, "/apis");
  if (!doc) return doc.error();
  std::vector<ApiGroupVersions> out;
  const json::array* groups = array(*doc, "groups");
  if (!groups) return out;
  for (const auto& g : *groups) {
    if (!g.is_object()) continue;
    const auto& go = g.get_object();
    ApiGroupVersions gv{str(go, "name"), {}};
    std::string preferred;
    if (const auto* p = go.if_contains("preferredVersion"); p && p->is_object()) preferred = str(p->get_object(), "version");
    if (!preferred.empty()) gv.versions.push_back(preferred);
    if (const json::array* versions = array(go, "versions")) {
      for (const auto& v : *versions) {
        if (!v.is_object()) continue;
        std::string version = str(v.get_object(), "version");
        if (version != preferred) gv.versions.push_back(version);
      }
    }
    out.push_back(std::move(gv));
  }
  return out;
}

Result<std::vector<ApiResource>> parse_api_resource_list(std::string_view text, bool preferred) {
  Result<json::object> doc = parse_object(text, "APIResourceList");
  if (!doc) return doc.error();
  GroupVersion gv = GroupVersion::parse(str(*doc, "groupVersion"));
  std::vector<ApiResource> out;
  std::vector<std::pair<std::string, std::string>> subresources;  // (resource, subresource)
  if (const json::array* resources = array(*doc, "resources")) {
    for (const auto& res : *resources) {
      if (!res.is_object()) continue;
      const auto& ro = res.get_object();
      std::string name = str(ro, "name");
      if (auto slash = name.find('/'); slash != std::string::npos) {
        subresources.emplace_back(name.substr(0, slash), name.substr(slash + 1));
        continue;
      }
      ApiResource r;
      r.gvr = {gv.group, gv.version, name};
      r.kind = str(ro, "kind");
      r.singular = str(ro, "singularName");
      if (r.singular.empty()) r.singular = lower(r.kind);
      const json::value* ns = ro.if_contains("namespaced");
      r.namespaced = ns && ns->is_bool() && ns->get_bool();
      r.preferred = preferred;
      r.verbs = strings(ro, "verbs");
      r.short_names = strings(ro, "shortNames");
      r.categories = strings(ro, "categories");
      out.push_back(std::move(r));
    }
  }
  for (const auto& [res, sub] : subresources) {
    for (auto& r : out)
      if (r.gvr.resource == res) r.subresources.push_back(sub);
  }
  return out;
}

RestMapper::RestMapper(std::vector<ApiResource> resources) : resources_(std::move(resources)) {}

Result<ApiResource> RestMapper::resolve(std::string_view typed) const {
  const std::string typed_text(typed);  // an lvalue: GCC 12 -O3 misflags "lit" + string&& (PR105651)
  std::string in = lower(typed);
  if (in.empty()) return Error::invalid_argument("resource type is empty");
  if (in.find('/') != std::string::npos) {
    return Error::invalid_argument("\"" + typed_text + "\" names a subresource, not a resource type");
  }
  auto not_found = [&] {
    return Error::not_found("the server doesn't have a resource type \"" + typed_text + "\"");
  };
  std::size_t dot = in.find('.');
  if (dot != std::string::npos) {
    std::string name = in.substr(0, dot), rest = in.substr(dot + 1);
    // "deployments.v1.apps": resource.version.group, tried first.
    if (std::size_t dot2 = rest.find('.'); dot2 != std::string::npos) {
      std::string version = rest.substr(0, dot2), group = rest.substr(dot2 + 1);
      for (const auto& r : resources_) {
        if (r.gvr.group == group && r.gvr.version == version && (names(r, name) || short_name(r, name))) return r;
      }
    }
    // "deployments.apps": resource.group.
    std::vector<const ApiResource*> matches;
    for (const auto& r : resources_)
      if (r.gvr.group == rest && names(r, name)) matches.push_back(&r);
    if (matches.empty())
      for (const auto& r : resources_)
        if (r.gvr.group == rest && short_name(r, name)) matches.push_back(&r);
    if (const ApiResource* r = pick(matches)) return *r;
    return not_found();
  }
  // Plural, singular or kind: the first group the server lists wins.
  std::vector<const ApiResource*> matches;
  for (const auto& r : resources_) {
    if (!names(r, in)) continue;
    if (!matches.empty() && matches.front()->gvr.group != r.gvr.group) continue;
    matches.push_back(&r);
  }
  if (const ApiResource* r = pick(matches)) return *r;
  // Short names. The same resource name in several groups ("ev": events and
  // events.events.k8s.io) resolves by group priority, as kubectl does; short
  // names claimed by different resources are reported as ambiguous.
  std::vector<std::string> claimed;
  for (const auto& r : resources_) {
    if (!short_name(r, in)) continue;
    if (std::find(claimed.begin(), claimed.end(), r.gvr.resource) == claimed.end()) claimed.push_back(r.gvr.resource);
    if (!matches.empty() && matches.front()->gvr.group != r.gvr.group) continue;
    matches.push_back(&r);
  }
  if (claimed.size() > 1) {
    std::string list;
    for (const auto& r : resources_)
      if (short_name(r, in) && list.find(group_resource(r)) == std::string::npos) {
        if (!list.empty()) list += ", ";
        list += group_resource(r);
      }
    return Error::invalid_argument("short name \"" + typed_text + "\" is ambiguous: " + list);
  }
  if (const ApiResource* r = pick(matches)) return *r;
  return not_found();
}

Result<ApiResource> RestMapper::resource_for(const GroupVersionKind& gvk) const {
  std::vector<const ApiResource*> matches;
  for (const auto& r : resources_) {
    if (r.kind == gvk.kind && r.gvr.group == gvk.group && (gvk.version.empty() || r.gvr.version == gvk.version)) {
      matches.push_back(&r);
    }
  }
  if (const ApiResource* r = pick(matches)) return *r;
  return Error::not_found("no resource serves kind " + gvk.to_string());
}

Discovery::Discovery(RestClient& client, DiscoveryOptions options) : client_(client), options_(options) {}

Result<std::vector<ApiResource>> Discovery::fetch(bool& aggregated) {
  std::vector<ApiResource> all;
  aggregated = options_.aggregated;
  for (const char* root : {"/api", "/apis"}) {
    Result<HttpResponse> r = client_.get_raw(root, options_.aggregated ? kAggregatedAccept : "application/json");
    if (!r) return r.error();
    if (r->body.find("\"APIGroupDiscoveryList\"") != std::string::npos) {
      Result<std::vector<ApiResource>> res = parse_aggregated_discovery(r->body);
      if (!res) return res.error();
      all.insert(all.end(), res->begin(), res->end());
      continue;
    }
    aggregated = false;
    Result<std::vector<ApiGroupVersions>> groups =
        std::string_view(root) == "/api" ? parse_api_versions(r->body) : parse_api_group_list(r->body);
    if (!groups) return groups.error();
    for (const auto& g : *groups) {
      for (std::size_t i = 0; i < g.versions.size(); ++i) {
        std::string path = g.group.empty() ? "/api/" + g.versions[i] : "/apis/" + g.group + "/" + g.versions[i];
        Result<HttpResponse> list = client_.get_raw(path);
        // An unavailable aggregated API server must not hide everything else
        // (client-go returns partial results with ErrGroupDiscoveryFailed).
        if (!list) continue;
        Result<std::vector<ApiResource>> res = parse_api_resource_list(list->body, i == 0);
        if (res) all.insert(all.end(), res->begin(), res->end());
      }
    }
  }
  return all;
}

Result<std::shared_ptr<const RestMapper>> Discovery::refresh() {
  bool aggregated = false;
  Result<std::vector<ApiResource>> all = fetch(aggregated);
  if (!all) return all.error();
  auto mapper = std::make_shared<const RestMapper>(std::move(*all));
  MutexLock lock(mu_);
  cached_ = mapper;
  fetched_at_ = std::chrono::steady_clock::now();
  used_aggregated_ = aggregated;
  return mapper;
}

Result<std::shared_ptr<const RestMapper>> Discovery::mapper() {
  {
    MutexLock lock(mu_);
    if (cached_ && std::chrono::steady_clock::now() - fetched_at_ < options_.ttl) return cached_;
  }
  return refresh();
}

Result<ApiResource> Discovery::resolve(std::string_view typed) {
  bool fresh;
  {
    MutexLock lock(mu_);
    fresh = !cached_ || std::chrono::steady_clock::now() - fetched_at_ >= options_.ttl;
  }
  Result<std::shared_ptr<const RestMapper>> m = mapper();
  if (!m) return m.error();
  Result<ApiResource> r = (*m)->resolve(typed);
  if (r || fresh || !r.error().is_not_found()) return r;
  m = refresh();
  if (!m) return m.error();
  return (*m)->resolve(typed);
}

void Discovery::invalidate() {
  MutexLock lock(mu_);
  cached_.reset();
}

bool Discovery::used_aggregated() const {
  MutexLock lock(mu_);
  return used_aggregated_;
}

}  // namespace kube
