// Tables line up the way kubectl's tabwriter lines them up.
#include "tools/kinformer/table.h"

#include <gtest/gtest.h>

namespace kinformer::cli {
namespace {

TEST(Table, ColumnsAreTheWidestCellPlusThreeSpacesAtLeastSixAndTheLastIsUnpadded) {
  Table t{{"NAME", "READY", "AGE"},
          {{"web-1", "1/1", "5m"}, {"a-much-longer-name", "0/2", "2d4h"}}};
  EXPECT_EQ(t.render(),
            "NAME                 READY   AGE\n"
            "web-1                1/1     5m\n"
            "a-much-longer-name   0/2     2d4h\n");
}

TEST(Table, ShortColumnsStillTakeSixCharacters) {
  Table t{{"A", "B"}, {{"x", "y"}}};
  EXPECT_EQ(t.render(), "A     B\nx     y\n");
}

TEST(TableLine, ACellWiderThanItsColumnPushesTheRestRightByThreeSpaces) {
  std::vector<std::size_t> widths{6, 6};
  EXPECT_EQ(line({"ab", "c", "d"}, widths), "ab    c     d\n");
  EXPECT_EQ(line({"abcdefgh", "c", "d"}, widths), "abcdefgh   c     d\n");
}

}  // namespace
}  // namespace kinformer::cli
