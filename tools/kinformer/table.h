// Text tables laid out the way kubectl's tabwriter lays them out: headers in
// capitals, every column as wide as its widest cell plus three spaces (at
// least six), the last column unpadded.
//
//   Table t{{"NAME", "AGE"}, {{"web", "5m"}, {"db", "2d4h"}}};
//   std::cout << t.render();
//   // NAME   AGE
//   // web    5m
//   // db     2d4h
//
// A watch prints rows long after the header: widths() fixes the columns from
// what was printed first, and line() pads later rows to them (a longer cell
// just pushes the rest of its line right, as kubectl's watch output does).
//
// Thread-safety: a value type.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kinformer::cli {

using Row = std::vector<std::string>;

struct Table {
  Row headers;
  std::vector<Row> rows;

  // Column widths including padding (tabwriter: minwidth 6, padding 3).
  std::vector<std::size_t> widths() const;
  // The header and every row, one line each, each ending in '\n'.
  std::string render() const;
};

// One line ('\n' included) with each cell but the last padded to `widths`
// (cells past widths.size() get the padding only).
std::string line(const Row& cells, const std::vector<std::size_t>& widths);

}  // namespace kinformer::cli
