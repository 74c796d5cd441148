#include "sluice/parquet/json_rows.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::parquet {
namespace {

std::string Json(const ColumnVector& c, int64_t row) { return common::SerializeJson(ValueToJson(c, row)); }

TEST(JsonRows, IntegersBeyondDoublePrecisionAndUnsignedValuesAreStrings) {
  ColumnVector i64 = ColumnVector::Make(DataType::Of(TypeKind::kInt64));
  i64.AppendInt64(-12);
  i64.AppendInt64(9007199254740993LL);
  EXPECT_EQ(Json(i64, 0), "-12");
  EXPECT_EQ(Json(i64, 1), R"("9007199254740993")");
  ColumnVector u64 = ColumnVector::Make(DataType::Of(TypeKind::kUInt64));
  u64.AppendInt64(-1);
  EXPECT_EQ(Json(u64, 0), R"("18446744073709551615")");
  ColumnVector u32 = ColumnVector::Make(DataType::Of(TypeKind::kUInt32));
  u32.AppendInt32(-1);
  EXPECT_EQ(Json(u32, 0), "4294967295");
}

TEST(JsonRows, SpecialFloatsAndDecimalsAreStrings) {
  ColumnVector d = ColumnVector::Make(DataType::Of(TypeKind::kDouble));
  for (double v : {1.5, std::nan(""), -HUGE_VAL, -0.0}) d.AppendDouble(v);
  EXPECT_EQ(Json(d, 0), "1.5");
  EXPECT_EQ(Json(d, 1), R"("NaN")");
  EXPECT_EQ(Json(d, 2), R"("-Infinity")");
  EXPECT_EQ(Json(d, 3), R"("-0")");
  ColumnVector dec = ColumnVector::Make(DataType::Decimal(9, 2));
  dec.AppendInt64(-1);
  dec.AppendInt64(1230);
  EXPECT_EQ(Json(dec, 0), R"("-0.01")");
  EXPECT_EQ(Json(dec, 1), R"("12.30")");
  ColumnVector wide = ColumnVector::Make(DataType::Decimal(38, 10));
  std::string max(16, '\xff');
  max[0] = '\x7f';
  wide.AppendBytes(max);
  EXPECT_EQ(Json(wide, 0), R"("17014118346046923173168730371.5884105727")");
}

TEST(JsonRows, DatesTimesTimestampsAndUuidsUseTheirIsoForms) {
  ColumnVector date = ColumnVector::Make(DataType::Of(TypeKind::kDate));
  date.AppendInt32(20784);  // 2026-11-27
  EXPECT_EQ(Json(date, 0), R"("2026-11-27")");
  ColumnVector ts = ColumnVector::Make(DataType::Timestamp(TimeUnit::kMillis, true));
  ts.AppendInt64(-1);
  EXPECT_EQ(Json(ts, 0), R"("1969-12-31T23:59:59.999Z")");
  ColumnVector local = ColumnVector::Make(DataType::Timestamp(TimeUnit::kMicros, false));
  local.AppendInt64(1577836800000000LL);
  EXPECT_EQ(Json(local, 0), R"("2020-01-01T00:00:00.000000")");
  ColumnVector time = ColumnVector::Make(DataType::Time(TimeUnit::kMicros));
  time.AppendInt64(86399999999LL);
  EXPECT_EQ(Json(time, 0), R"("23:59:59.999999")");
  ColumnVector uuid = ColumnVector::Make(DataType::Of(TypeKind::kUuid));
  uuid.AppendBytes(std::string(16, '\xff'));
  EXPECT_EQ(Json(uuid, 0), R"("ffffffff-ffff-ffff-ffff-ffffffffffff")");
}

TEST(JsonRows, ListsAndStructsNestWithNulls) {
  Schema schema{{Field{"xs", DataType::List(Field{"element", DataType::Of(TypeKind::kInt32)})},
                 Field{"s", DataType::Struct({Field{"a", DataType::Of(TypeKind::kInt32)},
                                              Field{"b", DataType::Of(TypeKind::kString)}})}}};
  RecordBatch b = RecordBatch::Make(schema);
  ColumnVector& xs = b.columns[0];
  xs.children[0].AppendInt32(1);
  xs.children[0].AppendNull();
  xs.children[0].AppendInt32(3);
  xs.offsets = {0, 3, 3, 3};
  xs.validity = {1, 1, 0};
  xs.length = 3;
  ColumnVector& s = b.columns[1];
  s.children[0].AppendInt32(1);
  s.children[1].AppendNull();
  s.children[0].AppendNull();
  s.children[1].AppendBytes("x");
  s.AppendNull();
  s.length = 3;
  s.validity = {1, 1, 0};
  s.children[0].length = 3;
  b.num_rows = 3;
  EXPECT_EQ(common::SerializeJson(RowToJson(b, 0)), R"({"xs":[1,null,3],"s":{"a":1,"b":null}})");
  EXPECT_EQ(common::SerializeJson(RowToJson(b, 1)), R"({"xs":[],"s":{"a":null,"b":"x"}})");
  EXPECT_EQ(common::SerializeJson(RowToJson(b, 2)), R"({"xs":null,"s":null})");
}

}  // namespace
}  // namespace sluice::parquet
