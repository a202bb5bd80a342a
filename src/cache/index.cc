// The built-in index functions (kube/cache/index.h).
#include "kube/cache/index.h"

namespace kube::cache {

std::vector<std::string> namespace_index_func(const Object& obj) {
  return {std::string(obj.namespace_())};
}

std::string field_index_name(std::string_view path) {
  std::string out(kFieldIndexPrefix);
  out.append(path);
  return out;
}

IndexFunc field_index_func(std::string path) {
  return [path = std::move(path)](const Object& obj) -> std::vector<std::string> {
    // FieldSelector::matches compares a missing field as "" (fields.Set.Get).
    return {obj.field_string(path).value_or(std::string())};
  };
}

Indexers::value_type field_indexer(std::string path) {
  std::string name = field_index_name(path);
  return {std::move(name), field_index_func(std::move(path))};
}

}  // namespace kube::cache
