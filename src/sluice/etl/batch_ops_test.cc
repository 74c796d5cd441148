#include "sluice/etl/batch_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sluice::etl {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TypeKind;

ColumnVector Int64s(std::initializer_list<int64_t> values) {
  ColumnVector c = ColumnVector::Make(DataType::Of(TypeKind::kInt64));
  for (int64_t v : values) c.AppendInt64(v);
  return c;
}

std::string Key(const ColumnVector& c, int64_t row) {
  std::string out;
  AppendOrderedKey(c, row, &out);
  return out;
}

TEST(OrderedKey, ComparesAsTheValuesDoWithNullFirst) {
  ColumnVector ints = Int64s({std::numeric_limits<int64_t>::min(), -1, 0, 1, 42});
  ints.AppendNull();
  EXPECT_LT(Key(ints, 5), Key(ints, 0));  // NULL sorts first
  for (int64_t r = 0; r + 1 < 5; ++r) EXPECT_LT(Key(ints, r), Key(ints, r + 1)) << r;

  ColumnVector doubles = ColumnVector::Make(DataType::Of(TypeKind::kDouble));
  for (double v : {-HUGE_VAL, -2.5, -0.0, 0.0, 1e-300, 3.0, HUGE_VAL}) doubles.AppendDouble(v);
  EXPECT_EQ(Key(doubles, 2), Key(doubles, 3));  // -0 and 0 are one value
  for (int64_t r : {0, 1, 3, 4, 5}) EXPECT_LT(Key(doubles, r), Key(doubles, r + 1)) << r;

  ColumnVector strings = ColumnVector::Make(DataType::Of(TypeKind::kString));
  for (std::string_view v :
       {std::string_view(""), std::string_view("a\0", 2), std::string_view("a"),
        std::string_view("ab"), std::string_view("b")}) {
    strings.AppendBytes(v);
  }
  EXPECT_LT(Key(strings, 0), Key(strings, 2));
  EXPECT_LT(Key(strings, 2), Key(strings, 1));  // "a" < "a\0"
  EXPECT_LT(Key(strings, 1), Key(strings, 3));  // "a\0" < "ab"
  EXPECT_LT(Key(strings, 3), Key(strings, 4));
}

TEST(OrderedKey, ConcatenatedKeysDoNotCollide) {
  // ("a", "bc") and ("ab", "c") must encode differently.
  ColumnVector first = ColumnVector::Make(DataType::Of(TypeKind::kString));
  ColumnVector second = ColumnVector::Make(DataType::Of(TypeKind::kString));
  first.AppendBytes("a");
  second.AppendBytes("bc");
  first.AppendBytes("ab");
  second.AppendBytes("c");
  EXPECT_NE(Key(first, 0) + Key(second, 0), Key(first, 1) + Key(second, 1));
}

TEST(ValueText, FormatsEveryStoredTypeExactly) {
  ColumnVector dec = ColumnVector::Make(DataType::Decimal(10, 2));
  dec.AppendInt64(-1250);
  dec.AppendInt64(5);
  EXPECT_EQ(ValueToText(dec, 0), "-12.50");
  EXPECT_EQ(ValueToText(dec, 1), "0.05");
  ColumnVector date = ColumnVector::Make(DataType::Of(TypeKind::kDate));
  date.AppendInt32(20784);
  date.AppendInt32(-1);
  EXPECT_EQ(ValueToText(date, 0), "2026-11-27");
  EXPECT_EQ(ValueToText(date, 1), "1969-12-31");
  ColumnVector ts = ColumnVector::Make(DataType::Timestamp(parquet::TimeUnit::kMicros));
  ts.AppendInt64(1795780800000000);
  ts.AppendInt64(1795780800000001);
  EXPECT_EQ(ValueToText(ts, 0), "2026-11-27 12:00:00");
  EXPECT_EQ(ValueToText(ts, 1), "2026-11-27 12:00:00.000001");
  ColumnVector floats = ColumnVector::Make(DataType::Of(TypeKind::kFloat));
  floats.AppendFloat(0.1f);
  floats.AppendFloat(NAN);
  floats.AppendFloat(-INFINITY);
  floats.AppendNull();
  EXPECT_EQ(ValueToText(floats, 0), "0.1");  // the float's shortest form, not the double's
  EXPECT_EQ(ValueToText(floats, 1), "NaN");
  EXPECT_EQ(ValueToText(floats, 2), "-Infinity");
  EXPECT_EQ(ValueToText(floats, 3), "NULL");
}

TEST(HivePartition, EscapesPathAndHiveSpecialCharacters) {
  ColumnVector s = ColumnVector::Make(DataType::Of(TypeKind::kString));
  s.AppendBytes("a/b:c=d%e f");
  s.AppendBytes("");
  s.AppendNull();
  EXPECT_EQ(HivePartitionComponent("k", s, 0), "k=a%2Fb%3Ac%3Dd%25e f");
  EXPECT_EQ(HivePartitionComponent("k", s, 1), "k=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(HivePartitionComponent("k", s, 2), "k=__HIVE_DEFAULT_PARTITION__");
  ColumnVector ts = ColumnVector::Make(DataType::Timestamp(parquet::TimeUnit::kMicros));
  ts.AppendInt64(1795780800000000);
  EXPECT_EQ(HivePartitionComponent("at", ts, 0), "at=2026-11-27 12%3A00%3A00");
}

TEST(Rows, TakeAndFilterKeepValuesAndNulls) {
  parquet::Schema schema;
  schema.fields = {{"id", DataType::Of(TypeKind::kInt64), true},
                   {"s", DataType::Of(TypeKind::kString), true}};
  parquet::RecordBatch batch = parquet::RecordBatch::Make(schema);
  for (int64_t i = 0; i < 4; ++i) {
    batch.columns[0].AppendInt64(i);
    if (i == 2) {
      batch.columns[1].AppendNull();
    } else {
      batch.columns[1].AppendBytes("v" + std::to_string(i));
    }
  }
  batch.num_rows = 4;
  parquet::RecordBatch taken = TakeRows(batch, {3, 2, 0});
  ASSERT_TRUE(taken.Validate().ok());
  EXPECT_EQ(ValueToText(taken.columns[0], 0), "3");
  EXPECT_EQ(ValueToText(taken.columns[1], 0), "v3");
  EXPECT_EQ(ValueToText(taken.columns[1], 1), "NULL");
  EXPECT_EQ(ValueToText(taken.columns[1], 2), "v0");
  parquet::RecordBatch filtered = FilterRows(batch, {0, 1, 1, 0});
  ASSERT_TRUE(filtered.Validate().ok());
  EXPECT_EQ(filtered.num_rows, 2);
  EXPECT_EQ(ValueToText(filtered.columns[1], 0), "v1");
  EXPECT_EQ(ValueToText(filtered.columns[1], 1), "NULL");
}

}  // namespace
}  // namespace sluice::etl
