// Timestamps and kubectl's short durations (kube/core/timestamp.h), as
// k8s.io/apimachinery's duration.HumanDuration prints them.
#include "kube/core/timestamp.h"

#include <gtest/gtest.h>

namespace kube {
namespace {

using namespace std::chrono_literals;

std::string human(std::chrono::milliseconds d) { return human_duration(d); }

TEST(HumanDuration, SecondsBelowTwoMinutes) {
  EXPECT_EQ(human(0s), "0s");
  EXPECT_EQ(human(5s), "5s");
  EXPECT_EQ(human(5999ms), "5s");  // truncated, as Go's int(d.Seconds())
  EXPECT_EQ(human(119s), "119s");
}

TEST(HumanDuration, MinutesAndSecondsBelowTenMinutes) {
  EXPECT_EQ(human(2min), "2m");
  EXPECT_EQ(human(3min + 5s), "3m5s");
  EXPECT_EQ(human(9min + 59s), "9m59s");
}

TEST(HumanDuration, MinutesBelowThreeHours) {
  EXPECT_EQ(human(10min + 30s), "10m");
  EXPECT_EQ(human(179min), "179m");
}

TEST(HumanDuration, HoursAndMinutesBelowEightHours) {
  EXPECT_EQ(human(3h), "3h");
  EXPECT_EQ(human(7h + 5min), "7h5m");
}

TEST(HumanDuration, HoursBelowTwoDays) {
  EXPECT_EQ(human(8h + 30min), "8h");
  EXPECT_EQ(human(47h), "47h");
}

TEST(HumanDuration, DaysAndHoursBelowEightDays) {
  EXPECT_EQ(human(48h), "2d");
  EXPECT_EQ(human(52h), "2d4h");
  EXPECT_EQ(human(7 * 24h + 23h), "7d23h");
}

TEST(HumanDuration, DaysBelowTwoYearsThenYearsAndDays) {
  EXPECT_EQ(human(8 * 24h + 5h), "8d");
  EXPECT_EQ(human(400 * 24h), "400d");
  EXPECT_EQ(human(2 * 365 * 24h), "2y");
  EXPECT_EQ(human((3 * 365 + 20) * 24h), "3y20d");
  EXPECT_EQ(human(9 * 365 * 24h + 100 * 24h), "9y");
}

TEST(HumanDuration, ClockSkewOfASecondIsZeroAndMoreIsInvalid) {
  EXPECT_EQ(human(-1500ms), "0s");
  EXPECT_EQ(human(-2s), "<invalid>");
}

TEST(Timestamp, ParsesRfc3339WithFractionsAndOffsets) {
  auto z = parse_timestamp("2026-11-24T12:27:54Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(parse_timestamp("2026-11-24T13:27:54+01:00"), z);
  EXPECT_EQ(parse_timestamp("2026-11-24T12:27:54.000000Z"), z);
  EXPECT_EQ(*parse_timestamp("2026-11-24T12:27:54.5Z") - *z, 500ms);
  EXPECT_FALSE(parse_timestamp(""));
  EXPECT_FALSE(parse_timestamp("2026-11-24"));
  EXPECT_FALSE(parse_timestamp("2026-13-24T12:27:54Z"));
  EXPECT_FALSE(parse_timestamp("2026-11-24T12:27:54"));  // no zone
}

TEST(TranslateTimestampSince, IsTheHumanDurationSinceTheTimestampOrUnknown) {
  auto now = *parse_timestamp("2026-11-26T16:27:54Z");
  EXPECT_EQ(translate_timestamp_since("2026-11-24T12:27:54Z", now), "2d4h");
  EXPECT_EQ(translate_timestamp_since("2026-11-26T16:27:49Z", now), "5s");
  EXPECT_EQ(translate_timestamp_since("", now), "<unknown>");
  EXPECT_EQ(translate_timestamp_since("yesterday", now), "<unknown>");
}

TEST(FormatTimestamp, IsUtcToTheSecond) {
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-11-24T13:27:54.9+01:00")),
            "2026-11-24T12:27:54Z");
}

}  // namespace
}  // namespace kube
