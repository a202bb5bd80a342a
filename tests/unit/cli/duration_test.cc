// Duration flags as kubectl reads them (--request-timeout=30s). The AGE
// cells' rounding is tested with the library (tests/unit/core/timestamp_test.cc).
#include "tools/kinformer/duration.h"

#include <gtest/gtest.h>

namespace kinformer::cli {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, TakesGoDurationsAndBareSeconds) {
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("1m30s"), 90s);
  EXPECT_EQ(*parse_duration("500ms"), 500ms);
  EXPECT_EQ(*parse_duration("1.5h"), 90min);
  EXPECT_EQ(*parse_duration("5"), 5s);
  EXPECT_EQ(*parse_duration("0"), 0ms);
}

TEST(ParseDuration, ErrorsNameTheText) {
  auto r = parse_duration("5x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("\"5x\""), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("1s2"));
}

}  // namespace
}  // namespace kinformer::cli
