#include "sluice/parquet/column_type.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::parquet {
namespace {


TEST(ColumnType, ParsesEveryNameAndAlias) {
  struct Case {
    std::string text;
    DataType want;
  };
  std::vector<Case> cases = {
      {"bool", DataType::Of(TypeKind::kBoolean)},
      {"boolean", DataType::Of(TypeKind::kBoolean)},
      {"int8", DataType::Of(TypeKind::kInt8)},
      {"tinyint", DataType::Of(TypeKind::kInt8)},
      {"byte", DataType::Of(TypeKind::kInt8)},
      {"int16", DataType::Of(TypeKind::kInt16)},
      {"smallint", DataType::Of(TypeKind::kInt16)},
      {"short", DataType::Of(TypeKind::kInt16)},
      {"int32", DataType::Of(TypeKind::kInt32)},
      {"int", DataType::Of(TypeKind::kInt32)},
      {"integer", DataType::Of(TypeKind::kInt32)},
      {"int64", DataType::Of(TypeKind::kInt64)},
      {"bigint", DataType::Of(TypeKind::kInt64)},
      {"long", DataType::Of(TypeKind::kInt64)},
      {"float", DataType::Of(TypeKind::kFloat)},
      {"double", DataType::Of(TypeKind::kDouble)},
      {"decimal(10,2)", DataType::Decimal(10, 2)},
      {"string", DataType::Of(TypeKind::kString)},
      {"date", DataType::Of(TypeKind::kDate)},
      {"timestamp", DataType::Timestamp(TimeUnit::kMicros, true)},
      {"json", DataType::Of(TypeKind::kJson)},
  };
  for (const Case& c : cases) {
    auto got = ParseColumnType(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ColumnType, IgnoresCaseAndWhitespace) {
  EXPECT_EQ(*ParseColumnType("  BigInt "), DataType::Of(TypeKind::kInt64));
  EXPECT_EQ(*ParseColumnType("TIMESTAMP"), DataType::Timestamp(TimeUnit::kMicros));
  EXPECT_EQ(*ParseColumnType(" Decimal ( 38 , 0 ) "), DataType::Decimal(38, 0));
  EXPECT_EQ(*ParseColumnType("decimal(1,1)"), DataType::Decimal(1, 1));
}

TEST(ColumnType, RejectsUnknownNamesListingTheKnownOnes) {
  auto got = ParseColumnType("varchar");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      got.status().message(),
      "unknown type \"varchar\"; expected one of bool, int8, int16, int32, int64, float, double, "
      "decimal(p,s), string, date, timestamp, json");
  EXPECT_EQ(ParseColumnType("").status().message().substr(0, 16), "unknown type \"\";");
  EXPECT_FALSE(ParseColumnType("big int").ok());
  EXPECT_FALSE(ParseColumnType("decimals(1,0)").ok());
}

TEST(ColumnType, RejectsDecimalsWithoutValidPrecisionAndScale) {
  auto message = [](std::string_view text) { return ParseColumnType(text).status().message(); };
  EXPECT_EQ(message("decimal"),
            "type \"decimal\": decimal needs a precision and a scale: decimal(p,s)");
  EXPECT_EQ(message("decimal(10)"),
            "type \"decimal(10)\": decimal needs a precision and a scale: decimal(p,s)");
  EXPECT_EQ(message("decimal(a,b)"),
            "type \"decimal(a,b)\": decimal needs a precision and a scale: decimal(p,s)");
  EXPECT_EQ(message("decimal(10,-1)"),
            "type \"decimal(10,-1)\": decimal needs a precision and a scale: decimal(p,s)");
  EXPECT_EQ(message("decimal(39,2)"), "type \"decimal(39,2)\": precision must be 1 to 38");
  EXPECT_EQ(message("decimal(0,0)"), "type \"decimal(0,0)\": precision must be 1 to 38");
  EXPECT_EQ(message("decimal(5,6)"), "type \"decimal(5,6)\": scale must be 0 to the precision (5)");
}

TEST(ColumnType, CanonicalNamesRoundTrip) {
  for (std::string name :
       {"bool", "int8", "int16", "int32", "int64", "float", "double", "decimal(10,2)",
        "decimal(38,38)", "string", "date", "timestamp", "json"}) {
    auto type = ParseColumnType(name);
    ASSERT_TRUE(type.ok()) << name;
    EXPECT_EQ(ColumnTypeName(*type), name);
  }
  EXPECT_EQ(ColumnTypeName(*ParseColumnType("BOOLEAN")), "bool");
  EXPECT_EQ(ColumnTypeName(*ParseColumnType("long")), "int64");
}

TEST(ColumnType, OtherTypesFallBackToTheirDataTypeNames) {
  EXPECT_EQ(ColumnTypeName(DataType::Of(TypeKind::kUInt64)), "uint64");
  EXPECT_EQ(ColumnTypeName(DataType::Timestamp(TimeUnit::kMillis)),
            DataType::Timestamp(TimeUnit::kMillis).ToString());
}

}  // namespace
}  // namespace sluice::parquet
