#include "sluice/common/time.h"

#include <gtest/gtest.h>

namespace sluice::common {
namespace {

TEST(Rfc3339, ParsesUtcWithMillisecondsAndFormatsBackIdentically) {
  auto t = ParseRfc3339("2026-11-27T12:00:00.123Z");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->micros, 1795780800123000LL);
  EXPECT_EQ(FormatIso8601Millis(*t), "2026-11-27T12:00:00.123Z");
}

TEST(Rfc3339, AppliesOffsetsAndFractionsOfAnyLength) {
  EXPECT_EQ(FormatIso8601Millis(*ParseRfc3339("2026-11-27T13:30:00+01:30")),
            "2026-11-27T12:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(*ParseRfc3339("2026-11-27T07:00:00.5-05:00")),
            "2026-11-27T12:00:00.500Z");
  EXPECT_EQ(ParseRfc3339("2026-11-27T12:00:00.123456789Z")->micros % 1000000, 123456);
  EXPECT_EQ(FormatIso8601Millis(*ParseRfc3339("2026-11-27t12:00:00z")),
            "2026-11-27T12:00:00.000Z");
}

TEST(Rfc3339, HandlesLeapDaysAndEpochBoundaries) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00Z").ok());
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z")->micros, 0);
  EXPECT_EQ(FormatIso8601Millis(Timestamp{-1000}), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339, RejectsMalformedTextWithTheReason) {
  auto r = ParseRfc3339("2026-13-01T00:00:00Z");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "invalid RFC 3339 timestamp '2026-13-01T00:00:00Z': month out of range "
            "(expected YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM))");
  EXPECT_FALSE(ParseRfc3339("2026-11-27T12:00:00").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-27 12:00").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-27T12:00:00.Z").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-27T12:00:00Zjunk").ok());
  EXPECT_FALSE(ParseRfc3339("").ok());
}

TEST(TimeFormat, PrintsHumanAndHttpDates) {
  Timestamp t = *ParseRfc3339("2026-11-27T12:00:05.999Z");
  EXPECT_EQ(FormatHumanSeconds(t), "2026-11-27 12:00:05");
  EXPECT_EQ(FormatHttpDate(t), "Fri, 27 Nov 2026 12:00:05 GMT");
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(Timestamp{1000});
  EXPECT_EQ(clock.Now().micros, 1000);
  clock.AdvanceMicros(500);
  EXPECT_EQ(clock.Now().micros, 1500);
}

}  // namespace
}  // namespace sluice::common
