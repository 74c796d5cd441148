#include "sluice/parquet/record_batch.h"

#include <gtest/gtest.h>

namespace sluice::parquet {
namespace {

TEST(DataType, PrintsReadableNames) {
  EXPECT_EQ(DataType::Decimal(18, 2).ToString(), "decimal(18,2)");
  EXPECT_EQ(DataType::Timestamp(TimeUnit::kMillis).ToString(), "timestamp[ms, UTC]");
  EXPECT_EQ(DataType::List(Field{"element", DataType::Of(TypeKind::kInt32)}).ToString(), "list<int32>");
  EXPECT_EQ(DataType::Struct({Field{"a", DataType::Of(TypeKind::kInt32)}, Field{"b", DataType::Of(TypeKind::kString)}})
                .ToString(),
            "struct<a: int32, b: string>");
}

TEST(ColumnVector, AppendsValuesAndNullsKeepingValidityLazy) {
  ColumnVector c = ColumnVector::Make(DataType::Of(TypeKind::kString));
  c.AppendBytes("a");
  c.AppendBytes("bc");
  EXPECT_TRUE(c.validity.empty());
  c.AppendNull();
  c.AppendBytes("");
  EXPECT_EQ(c.length, 4);
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(c.null_count(), 1);
  EXPECT_EQ(c.BytesAt(1), "bc");
  EXPECT_EQ(c.BytesAt(3), "");
  EXPECT_TRUE(c.Validate("name").ok());
}

TEST(ColumnVector, AFirstNullStillMarksValidity) {
  // Regression: a null appended first left validity empty (every value present).
  ColumnVector c = ColumnVector::Make(DataType::Of(TypeKind::kInt32));
  c.AppendNull();
  c.AppendInt32(7);
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{0, 1}));
  EXPECT_TRUE(c.IsNull(0));
}

TEST(ColumnVector, FixedWidthValuesAreSlicedByWidth) {
  ColumnVector c = ColumnVector::Make(DataType::Of(TypeKind::kUuid));
  c.AppendBytes(std::string(16, 'x'));
  c.AppendNull();
  EXPECT_EQ(c.BytesAt(0), std::string(16, 'x'));
  EXPECT_EQ(c.BytesAt(1), std::string(16, '\0'));
  EXPECT_TRUE(c.Validate("id").ok());
}

TEST(RecordBatch, ValidateNamesTheColumnAndTheProblem) {
  Schema schema{{Field{"id", DataType::Of(TypeKind::kInt64), false}, Field{"name", DataType::Of(TypeKind::kString)}}};
  RecordBatch b = RecordBatch::Make(schema);
  b.columns[0].AppendInt64(1);
  b.columns[1].AppendBytes("x");
  b.num_rows = 1;
  EXPECT_TRUE(b.Validate().ok());
  b.columns[0].AppendNull();
  b.columns[1].AppendBytes("y");
  b.num_rows = 2;
  EXPECT_EQ(b.Validate().message(), "column 'id' is not nullable but holds 1 nulls");
  b.columns[1].offsets.back() = 100;
  b.schema.fields[0].nullable = true;
  EXPECT_EQ(b.Validate().message(), "column 'name' (string): offsets end at 100, beyond the 2 bytes");
}

TEST(RecordBatch, NestedColumnsCheckTheirChildren) {
  DataType list = DataType::List(Field{"element", DataType::Of(TypeKind::kInt32)});
  ColumnVector c = ColumnVector::Make(list);
  c.children[0].AppendInt32(1);
  c.children[0].AppendInt32(2);
  c.offsets = {0, 2, 2};
  c.length = 2;
  EXPECT_TRUE(c.Validate("xs").ok());
  c.offsets = {0, 3, 3};
  EXPECT_EQ(c.Validate("xs").message(), "column 'xs' (list<int32>): offsets end at 3, beyond the 2 child values");
}

}  // namespace
}  // namespace sluice::parquet
