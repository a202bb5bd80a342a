#include "tools/kinformer/columns.h"

#include <algorithm>
#include <cctype>

#include "kube/serve/columns.h"

namespace kinformer::cli {

Columns columns_for(std::string_view group, std::string_view resource, bool wide) {
  const kube::serve::TableColumns* known = kube::serve::table_columns_for(group, resource);
  if (!known) {
    return Columns{{"NAME", "AGE"}, [](const kube::Object& obj, SysTime now) {
                     return Row{std::string(obj.name()), age(obj.creation_timestamp(), now)};
                   }};
  }
  Columns c;
  for (const auto& col : known->columns) {
    if (col.priority > 0 && !wide) continue;
    std::string h(col.name);
    std::transform(h.begin(), h.end(), h.begin(),
                   [](unsigned char ch) { return std::toupper(ch); });
    c.headers.push_back(std::move(h));
  }
  c.cells = [fn = known->cells, wide](const kube::Object& obj, SysTime now) {
    Row row;
    for (const auto& cell : fn(obj, now, wide)) row.push_back(kube::serve::cell_text(cell));
    return row;
  };
  return c;
}

}  // namespace kinformer::cli
