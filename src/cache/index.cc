// The built-in index functions (kube/cache/index.h).
#include "kube/cache/index.h"

namespace kube::cache {

std::vector<std::string> namespace_index_func(const Object& obj) {
  return {std::string(obj.namespace_())};
}

}  // namespace kube::cache
