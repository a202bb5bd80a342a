// kube::testing::load_api_users: the users file of `kinformer apiserver
// --users` (YAML or JSON; the format is in api_server.h).
#include <yaml-cpp/yaml.h>

#include "kube/testing/api_server.h"
#include "src/testing/authz.h"

namespace kube::testing {
namespace {

// A list of strings under `key` (absent: empty). Fails on any other shape.
Result<std::vector<std::string>> strings(const YAML::Node& node, const char* key,
                                         const std::string& where) {
  std::vector<std::string> out;
  auto n = node[key];
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) return Error::invalid_argument(where + ": " + key + " is not a list");
  for (const auto& item : n) {
    if (!item.IsScalar())
      return Error::invalid_argument(where + ": " + key + " holds a non-string");
    out.push_back(item.as<std::string>());
  }
  return out;
}

Result<AccessRule> parse_rule(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) return Error::invalid_argument(where + ": not a mapping");
  AccessRule r;
  struct Field {
    const char* key;
    std::vector<std::string> AccessRule::*member;
  };
  for (auto f : {Field{"verbs", &AccessRule::verbs}, Field{"apiGroups", &AccessRule::api_groups},
                 Field{"resources", &AccessRule::resources},
                 Field{"resourceNames", &AccessRule::resource_names},
                 Field{"namespaces", &AccessRule::namespaces}}) {
    auto v = strings(n, f.key, where);
    if (!v) return v.error();
    r.*f.member = std::move(*v);
  }
  if (r.verbs.empty() || r.resources.empty())
    return Error::invalid_argument(where + ": needs verbs and resources");
  return r;
}

Result<ApiUser> parse_user(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) return Error::invalid_argument(where + ": not a mapping");
  ApiUser u;
  for (auto [key, member] :
       {std::pair{"name", &ApiUser::name}, std::pair{"token", &ApiUser::token}}) {
    auto v = n[key];
    if (v && !v.IsScalar()) return Error::invalid_argument(where + ": " + key + " is not a string");
    if (v) u.*member = v.as<std::string>();
  }
  std::string at = u.name.empty() ? where : where + " (\"" + u.name + "\")";
  if (auto why = internal::validate_user(u); !why.empty())
    return Error::invalid_argument(at + ": " + why);
  auto groups = strings(n, "groups", at);
  if (!groups) return groups.error();
  u.groups = std::move(*groups);
  auto rules = n["rules"];
  if (rules && !rules.IsNull() && !rules.IsSequence())
    return Error::invalid_argument(at + ": rules is not a list");
  for (std::size_t i = 0; rules && i < rules.size(); ++i) {
    auto r = parse_rule(rules[i], at + ": rules[" + std::to_string(i) + "]");
    if (!r) return r.error();
    u.rules.push_back(std::move(*r));
  }
  return u;
}

}  // namespace

Result<std::vector<ApiUser>> load_api_users(const std::filesystem::path& path) {
  std::string file = "users file " + path.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    return Error::invalid_argument(file + ": cannot read");
  } catch (const YAML::Exception& e) {
    return Error::invalid_argument(file + ": not YAML or JSON: " + e.what());
  }
  auto users = root.IsMap() ? root["users"] : YAML::Node();
  if (!users || !users.IsSequence()) return Error::invalid_argument(file + ": no \"users\" list");
  std::vector<ApiUser> out;
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto u = parse_user(users[i], file + ": users[" + std::to_string(i) + "]");
    if (!u) return u.error();
    out.push_back(std::move(*u));
  }
  return out;
}

}  // namespace kube::testing
