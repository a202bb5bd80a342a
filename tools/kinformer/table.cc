#include "tools/kinformer/table.h"

#include <algorithm>

namespace kinformer::cli {
namespace {

constexpr std::size_t kMinWidth = 6;  // kubectl's printers.GetNewTabWriter
constexpr std::size_t kPadding = 3;

}  // namespace

std::vector<std::size_t> Table::widths() const {
  std::vector<std::size_t> w(headers.size(), kMinWidth);
  auto fit = [&w](const Row& r) {
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], r[i].size() + kPadding);
  };
  fit(headers);
  for (const Row& r : rows) fit(r);
  return w;
}

std::string Table::render() const {
  std::vector<std::size_t> w = widths();
  std::string out = line(headers, w);
  for (const Row& r : rows) out += line(r, w);
  return out;
}

std::string line(const Row& cells, const std::vector<std::size_t>& widths) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out += cells[i];
    if (i + 1 == cells.size()) break;
    std::size_t width = i < widths.size() ? widths[i] : cells[i].size() + kPadding;
    out.append(width >= cells[i].size() + kPadding ? width - cells[i].size() : kPadding, ' ');
  }
  out += '\n';
  return out;
}

}  // namespace kinformer::cli
