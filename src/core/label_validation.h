// Internal: Kubernetes label key/value validation and the error texts of
// labels.NewRequirement, shared by the text and structured selector parsers.
// Messages are those of k8s.io/apimachinery pkg/util/validation
// (IsQualifiedName, IsValidLabelValue) and pkg/util/validation/field
// (field.Invalid), so they read exactly as kube-apiserver's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/core/selector.h"

namespace kube::detail {

// validation.IsQualifiedName: empty when `value` is a valid label key.
std::vector<std::string> qualified_name_errors(std::string_view value);
// validation.IsValidLabelValue: empty when `value` is a valid label value.
std::vector<std::string> label_value_errors(std::string_view value);

// Go's %q for the ASCII range; other bytes pass through.
std::string go_quote(std::string_view s);
// field.Invalid(path, value, detail).Error(): `<path>: Invalid value: <value>: <detail>`.
std::string field_invalid(std::string_view path, std::string_view rendered_value,
                          std::string_view detail);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// strconv.ParseInt(s, 10, 64).
std::optional<std::int64_t> parse_int64(std::string_view s);

// One error of labels.NewRequirement; `value_index` says which value it is
// about (npos: the key or the whole set), so the parser can point at it.
struct RequirementError {
  std::string message;
  std::size_t value_index = std::string::npos;
};

// labels.NewRequirement's checks of r, in its order, with its messages.
std::vector<RequirementError> requirement_errors(const LabelRequirement& r);

// utilerrors.NewAggregate(...).Error(): one message as is, several
// (deduplicated) as "[a, b]".
std::string aggregate(const std::vector<RequirementError>& errs);

}  // namespace kube::detail
