// Internal: the cache service's meta.k8s.io Table answers (what kubectl asks
// for with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), built
// from the printer columns of kube/serve/columns.h. Shapes follow
// kube-apiserver (k8s.io/apiserver endpoints/handlers/response.go asTable;
// fixtures/lists/pods-table.json is the reference).
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/core/object.h"
#include "kube/core/result.h"
#include "kube/serve/cache_server.h"
#include "src/serve/api.h"

namespace kube::serve::internal {

// The Table version the Accept header asks for ("v1" or "v1beta1", of group
// meta.k8s.io), or nullopt for the plain representation. Media ranges are
// taken in order, as kubectl lists them by preference: the first that is a
// Table we serve, plain JSON or */* decides; ranges asking for another `as=`
// (PartialObjectMetadata...) are skipped.
std::optional<std::string> table_version(std::string_view accept);

// metav1.TableOptions' includeObject: what each row's `object` holds.
enum class IncludeObject { kNone, kMetadata, kObject };
// "" is Metadata (kube-apiserver's default); anything else but None and
// Object is a 400 naming the value.
Result<IncludeObject> parse_include_object(std::string_view value);

struct TableRequest {
  std::string version = "v1";  // of meta.k8s.io
  IncludeObject include = IncludeObject::kMetadata;
  std::chrono::system_clock::time_point now = {};  // for the Age cells
};

// A Table of `items` (a list, or one object from a get: kube-apiserver then
// gives the object's own resourceVersion, which `meta.rv` should carry).
std::string table_json(const ServedResource& r, const TableRequest& t, const ListMeta& meta,
                       const std::vector<ObjectPtr>& items);

}  // namespace kube::serve::internal
