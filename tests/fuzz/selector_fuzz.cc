// Fuzz target: label and field selector parsers.
// Property: a parsed selector prints to text that parses back to the same
// selector (to_string is "canonical, parseable again").
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kube/core/selector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto l = kube::LabelSelector::parse(text)) {
    auto again = kube::LabelSelector::parse(l->to_string());
    if (!again || !(*again == *l)) std::abort();
  }
  if (auto f = kube::FieldSelector::parse(text)) {
    auto again = kube::FieldSelector::parse(f->to_string());
    if (!again || !(*again == *f)) std::abort();
  }
  return 0;
}
