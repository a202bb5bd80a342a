// Fuzz target: the JSON object decoder and every metadata accessor.
// Property: parse never crashes; an accepted object re-parses from its own
// (minified) JSON to the same metadata. With strip_managed_fields the same
// texts are accepted, to the same metadata, with no managedFields left.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kube/core/key.h"
#include "kube/core/object.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto obj = kube::Object::parse(text);
  auto lean = kube::Object::parse(text, {.strip_managed_fields = true});
  if (obj.ok() != lean.ok()) std::abort();
  if (!obj) return 0;
  const kube::Object& l = **lean;
  if (l.raw_field("metadata.managedFields") || l.name() != (*obj)->name() || l.uid() != (*obj)->uid() ||
      l.labels().size() != (*obj)->labels().size() || !kube::Object::parse(l.json())) {
    std::abort();
  }
  const kube::Object& o = **obj;
  (void)o.annotations();
  (void)o.owner_references();
  (void)o.finalizers();
  (void)o.field("spec.nodeName");
  (void)o.field_string("status.phase");
  (void)o.field("spec.containers.0.image");
  (void)o.label("app");
  (void)o.to_value();
  (void)kube::object_key(o);
  auto again = kube::Object::parse(o.json());
  if (!again) std::abort();  // what we produced must parse
  const kube::Object& a = **again;
  if (a.name() != o.name() || a.namespace_() != o.namespace_() || a.resource_version() != o.resource_version() ||
      a.uid() != o.uid() || a.labels().size() != o.labels().size()) {
    std::abort();
  }
  return 0;
}
