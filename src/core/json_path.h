// Internal: field access by path on padded JSON bytes (simdjson On Demand).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kube::detail {

// Splits "spec.containers.0.image" or "metadata.labels['app.kubernetes.io/name']"
// into segments. nullopt on a malformed path (unclosed bracket, empty segment).
std::optional<std::vector<std::string>> split_field_path(std::string_view path);

// The raw JSON text of the value at `path` inside `json` (which must be
// readable up to `capacity` bytes, capacity >= json.size() + SIMDJSON_PADDING).
std::optional<std::string_view> raw_field(std::string_view json, std::size_t capacity,
                                          std::string_view path);

// A scalar at `path` as field selectors see it (see Object::field_string).
std::optional<std::string> scalar_field(std::string_view json, std::size_t capacity,
                                        std::string_view path);

// scalar_field for each of `paths`, from one pass of simdjson's stage 1 over
// `json` (the costly part of a field read), in the order given.
std::vector<std::optional<std::string>> scalar_fields(std::string_view json, std::size_t capacity,
                                                      const std::vector<std::string>& paths);

}  // namespace kube::detail
