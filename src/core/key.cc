#include "kube/core/key.h"

namespace kube {

std::string make_key(std::string_view namespace_, std::string_view name) {
  std::string k;
  if (!namespace_.empty()) {
    k.reserve(namespace_.size() + 1 + name.size());
    k.append(namespace_);
    k.push_back('/');
  }
  k.append(name);
  return k;
}

std::string object_key(const Object& obj) { return make_key(obj.namespace_(), obj.name()); }

Result<ObjectKey> split_key(std::string_view key) {
  auto bad = [&](const char* why) {
    return Error::invalid_argument("cache key \"" + std::string(key) + "\": " + why);
  };
  if (key.empty()) return bad("empty");
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return ObjectKey{"", std::string(key)};
  if (key.find('/', slash + 1) != std::string_view::npos) return bad("more than one '/'");
  if (slash == 0) return bad("empty namespace before '/'");
  if (slash + 1 == key.size()) return bad("empty name after '/'");
  return ObjectKey{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace kube
