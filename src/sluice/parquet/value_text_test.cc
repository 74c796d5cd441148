#include "sluice/parquet/value_text.h"

#include <gtest/gtest.h>

namespace sluice::parquet {
namespace {

TEST(ValueText, DecimalsDatesAndTimestampsReadAsTheirUsualText) {
  std::string out;
  AppendDecimalText(-1250, 2, &out);
  EXPECT_EQ(out, "-12.50");
  out.clear();
  AppendDecimalText(5, 3, &out);
  EXPECT_EQ(out, "0.005");
  out.clear();
  AppendDateText(-1, &out);
  EXPECT_EQ(out, "1969-12-31");
  EXPECT_EQ(TimestampText(0, TimeUnit::kMicros), "1970-01-01 00:00:00");
  EXPECT_EQ(TimestampText(-1, TimeUnit::kMicros), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(TimestampText(1764237600123, TimeUnit::kMillis), "2025-11-27 10:00:00.123");
  EXPECT_EQ(TimestampText(1764237600000000007, TimeUnit::kNanos), "2025-11-27 10:00:00.000000007");
  EXPECT_EQ(TimestampText(86399000000, TimeUnit::kMicros), "1970-01-01 23:59:59");
}

}  // namespace
}  // namespace sluice::parquet
