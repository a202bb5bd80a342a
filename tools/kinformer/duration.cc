#include "tools/kinformer/duration.h"

#include <charconv>
#include <cstdint>

namespace kinformer::cli {
namespace {

std::string n(long long v) { return std::to_string(v); }

}  // namespace

kube::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return kube::Error::invalid_argument(
        "invalid duration \"" + std::string(text) + "\": " + std::string(why) +
        " (examples: 30s, 1m30s, 500ms, 2h; a bare number is seconds)");
  };
  if (text.empty()) return bad("empty");
  double total_ms = 0;
  std::size_t pos = 0;
  bool bare = true;
  while (pos < text.size()) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec != std::errc() || value < 0)
      return bad("expected a non-negative number at position " + n(static_cast<long long>(pos)));
    pos = static_cast<std::size_t>(end - text.data());
    std::size_t unit_start = pos;
    while (pos < text.size() && ((text[pos] >= 'a' && text[pos] <= 'z') || text[pos] == 'u')) ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    if (unit.empty()) {
      if (pos == text.size() && bare)
        return std::chrono::milliseconds(static_cast<long long>(value * 1000));
      return bad("missing unit after a number");
    }
    bare = false;
    double ms;
    if (unit == "ns")
      ms = value / 1e6;
    else if (unit == "us")
      ms = value / 1e3;
    else if (unit == "ms")
      ms = value;
    else if (unit == "s")
      ms = value * 1e3;
    else if (unit == "m")
      ms = value * 60e3;
    else if (unit == "h")
      ms = value * 3600e3;
    else
      return bad("unknown unit \"" + std::string(unit) + "\"");
    total_ms += ms;
  }
  return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

}  // namespace kinformer::cli
