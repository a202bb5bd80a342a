// Prints the objects of one resource in the chosen -o format, for `get`
// (everything at once) and `watch` (a first batch, then one event at a time).
//
//   ObjectPrinter p(api, OutputFormat::kTable, /*namespace_column=*/true);
//   std::cout << p.objects(list, now);        // NAMESPACE  NAME  READY ...
//   std::cout << p.watch_initial(list, now);  // EVENT  NAMESPACE  NAME ... then ADDED rows
//   std::cout << p.watch_event("MODIFIED", *obj, now);
//
// Tables: the kind's kubectl columns (columns.h), NAMESPACE first with -A,
// EVENT first in a watch. A watch fixes its column widths from the header and
// the initial rows, so later lines line up under them.
//
// Thread-safety: not thread-safe (watch widths are state); one printer per
// output stream, used by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/client/discovery.h"
#include "kube/core/object.h"
#include "tools/kinformer/columns.h"
#include "tools/kinformer/output.h"

namespace kinformer::cli {

class ObjectPrinter {
 public:
  ObjectPrinter(const kube::ApiResource& api, OutputFormat format, bool namespace_column);

  // `get` of a list: a table, a List document, or names.
  std::string objects(const std::vector<kube::ObjectPtr>& objects, SysTime now) const;
  // `get` of one object by name: as objects(), but json/yaml print the object itself.
  std::string object(const kube::Object& object, SysTime now) const;

  // `watch`: the state after sync as ADDED events (with the table header).
  std::string watch_initial(const std::vector<kube::ObjectPtr>& objects, SysTime now);
  // One event: "ADDED", "MODIFIED" or "DELETED".
  std::string watch_event(std::string_view type, const kube::Object& object, SysTime now);

 private:
  Row row(const kube::Object& object, SysTime now) const;
  Row header() const;

  const OutputFormat format_;
  const bool namespace_column_;
  const std::string name_prefix_;
  const Columns columns_;
  std::vector<std::size_t> watch_widths_;
};

}  // namespace kinformer::cli
