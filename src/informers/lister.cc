#include "kube/informers/lister.h"

#include "kube/core/key.h"

namespace kube::informers {
namespace {

Result<ObjectPtr> get_key(const cache::Indexer& indexer, const std::string& resource,
                          std::string_view namespace_, std::string_view name) {
  if (ObjectPtr obj = indexer.get_by_key(make_key(namespace_, name))) return obj;
  // The same NotFound a server would give (apimachinery errors.NewNotFound).
  Error e = Error::not_found(resource + " \"" + std::string(name) + "\" not found");
  StatusDetails details;
  details.name = std::string(name);
  details.kind = resource;
  e.details = std::move(details);
  return e;
}

}  // namespace

Result<ObjectPtr> NamespaceLister::get(std::string_view name) const {
  return get_key(indexer_, resource_, namespace_, name);
}

Result<ObjectPtr> Lister::get(std::string_view name) const {
  return get_key(indexer_, resource_, "", name);
}

}  // namespace kube::informers
