#include "src/testing/authz.h"

#include <algorithm>
#include <set>
#include <vector>

namespace kube::testing::internal {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto next = s.find(sep, pos);
    if (next == std::string::npos) next = s.size();
    out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

std::vector<std::string> path_parts(const std::string& path) {
  std::vector<std::string> out;
  for (auto& p : split(path, '/')) {
    if (!p.empty()) out.push_back(std::move(p));
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// metav1 query booleans are parsed with strconv.ParseBool.
bool truthy(const std::map<std::string, std::string>& q, const char* key) {
  auto it = q.find(key);
  if (it == q.end()) return false;
  static const std::set<std::string> yes{"1", "t", "T", "true", "TRUE", "True"};
  return yes.contains(it->second);
}

// fields.Selector.RequiresExactMatch("metadata.name") on a fieldSelector.
std::string exact_name(const std::map<std::string, std::string>& q) {
  auto it = q.find("fieldSelector");
  if (it == q.end()) return "";
  for (const auto& term : split(it->second, ',')) {
    for (const char* op : {"metadata.name==", "metadata.name="}) {
      if (term.rfind(op, 0) == 0) {
        std::string name = term.substr(std::string_view(op).size());
        // path.IsValidPathSegmentName
        if (name == "." || name == ".." || name.find_first_of("/%") != std::string::npos) return "";
        return name;
      }
    }
  }
  return "";
}

bool matches(const std::vector<std::string>& allowed, const std::string& value) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return a == "*" || a == value; });
}

// rbac/validation.ResourceMatches: "*", an exact "pods" or "pods/status", or
// "*/status" for a subresource.
bool resource_matches(const AccessRule& rule, const RequestAttributes& a) {
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  for (const auto& r : rule.resources) {
    if (r == "*" || r == combined) return true;
    if (!a.subresource.empty() && r == "*/" + a.subresource) return true;
  }
  return false;
}

bool rule_allows(const AccessRule& rule, const RequestAttributes& a) {
  // A rule bound in namespaces (a RoleBinding) grants nothing at the cluster
  // scope (namespace ""): not cluster-scoped resources, not lists across all
  // namespaces. "*" binds it cluster wide, as an empty list does.
  if (!rule.namespaces.empty() && !matches(rule.namespaces, a.namespace_)) return false;
  if (!matches(rule.verbs, a.verb) || !matches(rule.api_groups, a.api_group) ||
      !resource_matches(rule, a)) {
    return false;
  }
  if (rule.resource_names.empty()) return true;
  return !a.name.empty() && std::find(rule.resource_names.begin(), rule.resource_names.end(),
                                      a.name) != rule.resource_names.end();
}

// system:discovery and system:public-info-viewer (bound to system:authenticated).
bool open_path(const std::string& path) {
  static const std::set<std::string> exact{"/api",    "/apis",    "/healthz",  "/livez",
                                           "/readyz", "/version", "/version/", "/openapi"};
  if (exact.contains(path)) return true;
  for (const char* prefix : {"/api/", "/apis/", "/openapi/", "/healthz/", "/livez/", "/readyz/"}) {
    if (path.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

RequestAttributes request_attributes(const std::string& method, const std::string& path,
                                     const std::map<std::string, std::string>& query) {
  RequestAttributes a;
  a.path = path;
  a.verb = lower(method);
  auto parts = path_parts(path);
  // /api/v1/... or /apis/{group}/{version}/...; anything shorter is a
  // non-resource path (discovery included).
  std::size_t rest = 0;
  if (parts.size() >= 3 && parts[0] == "api") {
    a.api_version = parts[1];
    rest = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    a.api_group = parts[1];
    a.api_version = parts[2];
    rest = 3;
  } else {
    return a;
  }
  a.resource_request = true;
  std::vector<std::string> p(parts.begin() + long(rest), parts.end());
  static const std::map<std::string, std::string> verbs{{"post", "create"}, {"get", "get"},
                                                        {"head", "get"},    {"put", "update"},
                                                        {"patch", "patch"}, {"delete", "delete"}};
  auto v = verbs.find(a.verb);
  a.verb = v == verbs.end() ? "" : v->second;
  // /namespaces/{ns}/{resource}/...; /namespaces/{ns} and its status and
  // finalize subresources are the namespace object itself (its namespace is
  // its name, as RequestInfoFactory has it).
  if (p[0] == "namespaces" && p.size() > 1) {
    a.namespace_ = p[1];
    if (p.size() > 2 && p[2] != "status" && p[2] != "finalize") p.erase(p.begin(), p.begin() + 2);
  }
  a.resource = p[0];
  if (p.size() >= 2) a.name = p[1];
  if (p.size() >= 3) a.subresource = p[2];
  if (a.name.empty() && a.verb == "get") {
    a.verb = truthy(query, "watch") ? "watch" : "list";
    a.name = exact_name(query);
  }
  if (a.name.empty() && a.verb == "delete") a.verb = "deletecollection";
  return a;
}

bool authorized(const ApiUser& user, const RequestAttributes& a) {
  if (std::find(user.groups.begin(), user.groups.end(), "system:masters") != user.groups.end())
    return true;
  if (!a.resource_request) return a.verb == "get" && open_path(a.path);
  return std::any_of(user.rules.begin(), user.rules.end(),
                     [&](const AccessRule& r) { return rule_allows(r, a); });
}

// responsewriters.forbiddenMessage + apierrors.NewForbidden.
Error forbidden(const ApiUser& user, const RequestAttributes& a) {
  std::string why = "User \"" + user.name + "\" cannot " + a.verb;
  StatusDetails d;
  if (!a.resource_request) {
    return Error{403, "Forbidden", "forbidden: " + why + " path \"" + a.path + "\"", d};
  }
  std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  why += " resource \"" + resource + "\" in API group \"" + a.api_group + "\"";
  why +=
      a.namespace_.empty() ? " at the cluster scope" : " in the namespace \"" + a.namespace_ + "\"";
  std::string qualified = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
  std::string subject = a.name.empty() ? qualified : qualified + " \"" + a.name + "\"";
  d.name = a.name;
  d.group = a.api_group;
  d.kind = a.resource;
  return Error{403, "Forbidden", subject + " is forbidden: " + why, d};
}

std::string validate_user(const ApiUser& user) {
  if (user.name.empty()) return "no name";
  if (user.token.empty()) return "no token";
  if (user.token.find_first_of(" \t\r\n") != std::string::npos)
    return "the token contains white space";
  return "";
}

}  // namespace kube::testing::internal
