#include "sluice/etl/expression.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::etl {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::Field;
using parquet::RecordBatch;
using parquet::Schema;
using parquet::TimeUnit;
using parquet::TypeKind;

constexpr std::nullopt_t N = std::nullopt;

template <typename T, typename Append>
ColumnVector Column(const DataType& type, const std::vector<std::optional<T>>& values,
                    Append append) {
  ColumnVector c = ColumnVector::Make(type);
  for (const auto& v : values) {
    if (v) {
      append(&c, *v);
    } else {
      c.AppendNull();
    }
  }
  return c;
}

ColumnVector Int64s(std::vector<std::optional<int64_t>> v) {
  return Column(DataType::Of(TypeKind::kInt64), v,
                [](ColumnVector* c, int64_t x) { c->AppendInt64(x); });
}
ColumnVector Int32s(std::vector<std::optional<int32_t>> v, TypeKind kind = TypeKind::kInt32) {
  return Column(DataType::Of(kind), v, [](ColumnVector* c, int32_t x) { c->AppendInt32(x); });
}
ColumnVector Doubles(std::vector<std::optional<double>> v) {
  return Column(DataType::Of(TypeKind::kDouble), v,
                [](ColumnVector* c, double x) { c->AppendDouble(x); });
}
ColumnVector Floats(std::vector<std::optional<float>> v) {
  return Column(DataType::Of(TypeKind::kFloat), v,
                [](ColumnVector* c, float x) { c->AppendFloat(x); });
}
ColumnVector Bools(std::vector<std::optional<bool>> v) {
  return Column(DataType::Of(TypeKind::kBoolean), v,
                [](ColumnVector* c, bool x) { c->AppendBool(x); });
}
ColumnVector Strings(std::vector<std::optional<std::string>> v, TypeKind kind = TypeKind::kString) {
  return Column(DataType::Of(kind), v,
                [](ColumnVector* c, const std::string& x) { c->AppendBytes(x); });
}
ColumnVector Decimals(int precision, int scale, std::vector<std::optional<int64_t>> unscaled) {
  return Column(DataType::Decimal(precision, scale), unscaled,
                [](ColumnVector* c, int64_t x) { c->AppendInt64(x); });
}
ColumnVector Timestamps(std::vector<std::optional<int64_t>> v, TimeUnit unit = TimeUnit::kMicros) {
  return Column(DataType::Timestamp(unit), v,
                [](ColumnVector* c, int64_t x) { c->AppendInt64(x); });
}

RecordBatch Batch(std::vector<std::pair<std::string, ColumnVector>> columns) {
  RecordBatch b;
  for (auto& [name, column] : columns) {
    b.schema.fields.push_back(Field{name, column.type, true});
    b.num_rows = column.length;
    b.columns.push_back(std::move(column));
  }
  EXPECT_TRUE(b.Validate().ok()) << b.Validate();
  return b;
}

// The values as stored: ints and days and micros and unscaled decimals as integers, doubles
// shortest, strings as is, "NULL".
std::vector<std::string> Show(const ColumnVector& c) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < c.length; ++i) {
    auto k = static_cast<size_t>(i);
    if (c.IsNull(i)) {
      out.push_back("NULL");
      continue;
    }
    char buf[64];
    switch (c.type.kind) {
      case TypeKind::kBoolean:
        out.push_back(c.bools[k] ? "true" : "false");
        break;
      case TypeKind::kDouble:
        out.emplace_back(buf, std::to_chars(buf, buf + 64, c.doubles[k]).ptr);
        break;
      case TypeKind::kFloat:
        out.emplace_back(buf, std::to_chars(buf, buf + 64, c.floats[k]).ptr);
        break;
      case TypeKind::kString:
      case TypeKind::kJson:
        out.emplace_back(c.BytesAt(i));
        break;
      case TypeKind::kDecimal:
        if (c.type.precision > 18) {  // 16 bytes, in hex
          std::string hex;
          for (char byte : c.BytesAt(i)) {
            hex.push_back("0123456789abcdef"[static_cast<uint8_t>(byte) >> 4]);
            hex.push_back("0123456789abcdef"[static_cast<uint8_t>(byte) & 15]);
          }
          out.push_back(hex);
          break;
        }
        out.push_back(std::to_string(c.ints64[k]));
        break;
      case TypeKind::kInt64:
      case TypeKind::kTimestamp:
        out.push_back(std::to_string(c.ints64[k]));
        break;
      default:
        out.push_back(std::to_string(c.ints32[k]));
        break;
    }
  }
  return out;
}

struct Output {
  DataType type;
  std::vector<std::string> values;
  std::vector<RowError> errors;
};

Output EvalText(std::string_view text, const RecordBatch& batch) {
  Output o;
  auto e = ColumnExpression::Parse(text);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok()) return o;
  Status bound = e->Bind(batch.schema);
  EXPECT_TRUE(bound.ok()) << bound;
  if (!bound.ok()) return o;
  o.type = e->type();
  ColumnVector out = ColumnVector::Make(e->type());
  Status st = e->Evaluate(batch, &out, &o.errors);
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(out.length, batch.num_rows);
  EXPECT_TRUE(out.Validate("out").ok()) << out.Validate("out");
  o.values = Show(out);
  return o;
}

std::vector<std::string> Values(std::string_view text, const RecordBatch& batch) {
  Output o = EvalText(text, batch);
  EXPECT_TRUE(o.errors.empty()) << text << ": " << o.errors.front().reason;
  return o.values;
}

std::string ParseError(std::string_view text) {
  auto e = ColumnExpression::Parse(text);
  EXPECT_FALSE(e.ok()) << text;
  if (e.ok()) return "";
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  return e.status().message();
}

std::string BindError(std::string_view text, const Schema& schema) {
  auto e = ColumnExpression::Parse(text);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok()) return "";
  Status st = e->Bind(schema);
  EXPECT_FALSE(st.ok()) << text;
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  return st.message();
}

using V = std::vector<std::string>;

RecordBatch OneRow() { return Batch({{"one", Int64s({1})}}); }

TEST(ColumnExpression, ArithmeticFollowsPrecedenceAndParentheses) {
  RecordBatch b = OneRow();
  EXPECT_EQ(Values("1 + 2 * 3", b), V{"7"});
  EXPECT_EQ(Values("(1 + 2) * 3", b), V{"9"});
  EXPECT_EQ(Values("-2 * 3 - -4", b), V{"-2"});
  EXPECT_EQ(Values("10 - 4 - 3", b), V{"3"});
  EXPECT_EQ(Values("-(2 + one) * 2", b), V{"-6"});
  EXPECT_EQ(Values("2 * 3 / 4", b), V{"1.5"});
  EXPECT_EQ(EvalText("7 / 2", b).type, DataType::Of(TypeKind::kDouble));
  EXPECT_EQ(Values("7 / 2", b), V{"3.5"});
  EXPECT_EQ(EvalText("one + 1", b).type, DataType::Of(TypeKind::kInt64));
}

TEST(ColumnExpression, ComputesPerRowOverColumns) {
  RecordBatch b = Batch({{"qty", Int32s({3, -2, 0})}, {"id", Int64s({10, 20, 30})}});
  EXPECT_EQ(Values("qty * 2 + id", b), (V{"16", "16", "30"}));
}

TEST(ColumnExpression, MixesIntegersWithDoublesAndDecimalsAsDouble) {
  RecordBatch b = Batch({{"qty", Int32s({3})},
                         {"price", Doubles({0.25})},
                         {"amount", Decimals(10, 2, {1250})},
                         {"small", Int32s({-5}, TypeKind::kInt8)},
                         {"f", Floats({1.5f})}});
  Output o = EvalText("qty + price", b);
  EXPECT_EQ(o.type, DataType::Of(TypeKind::kDouble));
  EXPECT_EQ(o.values, V{"3.25"});
  EXPECT_EQ(Values("qty * amount", b), V{"37.5"});
  EXPECT_EQ(Values("small - f", b), V{"-6.5"});
  EXPECT_EQ(Values("-amount", b), V{"-12.5"});
  EXPECT_EQ(Values("small * small", b), V{"25"});
}

TEST(ColumnExpression, ReportsIntegerOverflowAndDivisionByZeroAsRowErrors) {
  RecordBatch b =
      Batch({{"id", Int64s({INT64_MAX, 1, N, INT64_MIN})}, {"d", Int64s({1, 0, 0, 0})}});
  Output add = EvalText("id + 1", b);
  EXPECT_EQ(add.values, (V{"NULL", "2", "NULL", "-9223372036854775807"}));
  EXPECT_EQ(add.errors, (std::vector<RowError>{{0, "integer overflow: 9223372036854775807 + 1"}}));
  EXPECT_EQ(EvalText("id * 2", b).errors,
            (std::vector<RowError>{{0, "integer overflow: 9223372036854775807 * 2"},
                                   {3, "integer overflow: -9223372036854775808 * 2"}}));
  EXPECT_EQ(EvalText("-id", b).errors,
            (std::vector<RowError>{{3, "integer overflow: -(-9223372036854775808)"}}));
  Output div = EvalText("id / d", b);
  EXPECT_EQ(div.values, (V{"9223372036854775808", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(div.errors, (std::vector<RowError>{{1, "division by zero: 1 / 0"},
                                               {3, "division by zero: -9223372036854775808 / 0"}}));
  EXPECT_EQ(EvalText("1.5 / (d * 0.0)", b).errors.size(), 4u);
}

TEST(ColumnExpression, PropagatesNullThroughOperatorsAndFunctions) {
  RecordBatch b = Batch({{"qty", Int32s({N, 2})}, {"name", Strings({"A", N})}});
  EXPECT_EQ(Values("qty * 2", b), (V{"NULL", "4"}));
  EXPECT_EQ(Values("qty + null", b), (V{"NULL", "NULL"}));
  EXPECT_EQ(EvalText("null + null", b).type, DataType::Of(TypeKind::kInt64));
  EXPECT_EQ(Values("lower(name)", b), (V{"a", "NULL"}));
  EXPECT_EQ(Values("lower(null)", b), (V{"NULL", "NULL"}));
  EXPECT_EQ(Values("cast(qty as string)", b), (V{"NULL", "2"}));
  EXPECT_EQ(Values("cast(null as int32)", b), (V{"NULL", "NULL"}));
  Output bare = EvalText("null", b);
  EXPECT_EQ(bare.type, DataType::Of(TypeKind::kString));
  EXPECT_EQ(bare.values, (V{"NULL", "NULL"}));
}

TEST(ColumnExpression, LiteralsAndQuotedColumnNames) {
  RecordBatch b = Batch({{"order id", Int64s({41})}, {"null", Int64s({7})}});
  EXPECT_EQ(Values("\"order id\" + 1", b), V{"42"});
  EXPECT_EQ(Values("\"null\"", b), V{"7"});
  EXPECT_EQ(Values("'it''s'", b), V{"it's"});
  EXPECT_EQ(Values("TRUE", b), V{"true"});
  EXPECT_EQ(Values("false", b), V{"false"});
  EXPECT_EQ(Values("-9223372036854775808", b), V{"-9223372036854775808"});
  EXPECT_EQ(Values("1.5e3 + .5", b), V{"1500.5"});
  EXPECT_EQ(EvalText("1e2", b).type, DataType::Of(TypeKind::kDouble));
}

TEST(ColumnExpression, CastsFromStringsWithTheTextCastRules) {
  RecordBatch b = Batch({{"text", Strings({"12", "12x", N, "300"})}});
  Output o = EvalText("cast(text as int32)", b);
  EXPECT_EQ(o.type, DataType::Of(TypeKind::kInt32));
  EXPECT_EQ(o.values, (V{"12", "NULL", "NULL", "300"}));
  EXPECT_EQ(o.errors, (std::vector<RowError>{{1, "\"12x\" is not a valid int32"}}));
  EXPECT_EQ(EvalText("CAST(text AS tinyint)", b).errors,
            (std::vector<RowError>{{1, "\"12x\" is not a valid int8"},
                                   {3, "\"300\" is out of range for int8"}}));
  Output d = EvalText("cast(text as Decimal(5, 1))", b);
  EXPECT_EQ(d.type, DataType::Decimal(5, 1));
  EXPECT_EQ(d.values, (V{"120", "NULL", "NULL", "3000"}));
  RecordBatch dates = Batch({{"s", Strings({"2026-02-28", "2026-02-30"})}});
  EXPECT_EQ(EvalText("cast(s as date)", dates).errors,
            (std::vector<RowError>{{1, "\"2026-02-30\" is not a valid date"}}));
  RecordBatch json = Batch({{"s", Strings({"{\"a\":1}", "{a:1}"})}});
  EXPECT_EQ(EvalText("cast(s as json)", json).errors,
            (std::vector<RowError>{{1, "\"{a:1}\" is not a valid json"}}));
}

TEST(ColumnExpression, CastsBetweenNumbersCheckingRangeAndFractions) {
  RecordBatch b = Batch({{"id", Int64s({300, -128})},
                         {"price", Doubles({1.5, 2.0})},
                         {"amount", Decimals(10, 2, {1200, 1250})},
                         {"big", Doubles({1e300, -0.0})},
                         {"flag", Bools({true, false})}});
  EXPECT_EQ(EvalText("cast(id as int8)", b).errors,
            (std::vector<RowError>{{0, "300 is out of range for int8"}}));
  Output p = EvalText("cast(price as int32)", b);
  EXPECT_EQ(p.values, (V{"NULL", "2"}));
  EXPECT_EQ(p.errors, (std::vector<RowError>{{0, "1.5 is not a whole number for int32"}}));
  Output a = EvalText("cast(amount as bigint)", b);
  EXPECT_EQ(a.values, (V{"12", "NULL"}));
  EXPECT_EQ(a.errors, (std::vector<RowError>{{1, "12.50 is not a whole number for int64"}}));
  EXPECT_EQ(EvalText("cast(big as float)", b).errors,
            (std::vector<RowError>{{0, "1e+300 is out of range for float"}}));
  EXPECT_EQ(EvalText("cast(big as int64)", b).errors,
            (std::vector<RowError>{{0, "1e+300 is out of range for int64"}}));
  EXPECT_EQ(Values("cast(price as decimal(4,2))", b), (V{"150", "200"}));
  EXPECT_EQ(EvalText("cast(price * 1.001 as decimal(10,2))", b).errors,
            (std::vector<RowError>{
                {0, "\"1.5014999999999998\" has more than 2 decimal places for decimal(10,2)"},
                {1, "\"2.002\" has more than 2 decimal places for decimal(10,2)"}}));
  EXPECT_EQ(Values("cast(amount as decimal(6,3))", b), (V{"12000", "12500"}));
  EXPECT_EQ(Values("cast(amount as decimal(3,1))", b), (V{"120", "125"}));
  EXPECT_EQ(EvalText("cast(amount as decimal(2,1))", b).errors,
            (std::vector<RowError>{{0, "\"12.00\" exceeds the precision of decimal(2,1)"},
                                   {1, "\"12.50\" exceeds the precision of decimal(2,1)"}}));
  EXPECT_EQ(Values("cast(id as decimal(38,0))", b),
            (V{"0000000000000000000000000000012c", "ffffffffffffffffffffffffffffff80"}));
  EXPECT_EQ(Values("cast(amount as double)", b), (V{"12", "12.5"}));
  EXPECT_EQ(Values("cast(flag as int8)", b), (V{"1", "0"}));
  Output flag = EvalText("cast(id - 299 as bool)", b);
  EXPECT_EQ(flag.values, (V{"true", "NULL"}));
  EXPECT_EQ(flag.errors, (std::vector<RowError>{{1, "-427 is not a valid bool"}}));
  EXPECT_EQ(EvalText("cast(id as bool)", b).errors.front(),
            (RowError{0, "300 is not a valid bool"}));
}

TEST(ColumnExpression, CastsEveryTypeToString) {
  RecordBatch b = Batch({
      {"i", Int64s({-42})},
      {"small", Int32s({-128}, TypeKind::kInt8)},
      {"d", Doubles({0.1})},
      {"big", Doubles({1e20})},
      {"nan", Doubles({std::numeric_limits<double>::quiet_NaN()})},
      {"inf", Doubles({-std::numeric_limits<double>::infinity()})},
      {"f", Floats({0.1f})},
      {"dec", Decimals(10, 2, {-5})},
      {"day", Int32s({-1}, TypeKind::kDate)},
      {"ts", Timestamps({1795787130123456})},
      {"ts0", Timestamps({0})},
      {"neg", Timestamps({-1})},
      {"ms", Timestamps({-1}, TimeUnit::kMillis)},
      {"flag", Bools({true})},
      {"doc", Strings({"{\"a\": 1}"}, TypeKind::kJson)},
  });
  std::vector<std::pair<std::string, std::string>> cases = {
      {"i", "-42"},
      {"small", "-128"},
      {"d", "0.1"},
      {"big", "1e+20"},
      {"nan", "NaN"},
      {"inf", "-Infinity"},
      {"f", "0.1"},
      {"dec", "-0.05"},
      {"day", "1969-12-31"},
      {"ts", "2026-11-27T13:45:30.123456Z"},
      {"ts0", "1970-01-01T00:00:00Z"},
      {"neg", "1969-12-31T23:59:59.999999Z"},
      {"ms", "1969-12-31T23:59:59.999000Z"},
      {"flag", "true"},
      {"doc", "{\"a\": 1}"},
  };
  for (const auto& [column, want] : cases) {
    EXPECT_EQ(Values("cast(" + column + " as string)", b), V{want}) << column;
  }
  EXPECT_EQ(Values("cast(0.1 + 0.2 as string)", b), V{"0.30000000000000004"});
  EXPECT_EQ(Values("cast(i as json)", b), V{"-42"});
  EXPECT_EQ(EvalText("cast(nan as json)", b).errors,
            (std::vector<RowError>{{0, "\"NaN\" is not a valid json"}}));
}

TEST(ColumnExpression, CastsBetweenDatesAndTimestamps) {
  RecordBatch b = Batch({{"ts", Timestamps({-1, 86400000000, 1795787130123456})},
                         {"day", Int32s({-1, 0, 20783}, TypeKind::kDate)},
                         {"s", Strings({"2026-11-27", "1969-12-31", "x"})}});
  EXPECT_EQ(Values("cast(ts as date)", b), (V{"-1", "1", "20784"}));
  EXPECT_EQ(Values("cast(day as timestamp)", b), (V{"-86400000000", "0", "1795651200000000"}));
  EXPECT_EQ(Values("date(ts)", b), (V{"-1", "1", "20784"}));
  EXPECT_EQ(Values("date(day)", b), (V{"-1", "0", "20783"}));
  Output s = EvalText("date(s)", b);
  EXPECT_EQ(s.type, DataType::Of(TypeKind::kDate));
  EXPECT_EQ(s.values, (V{"20784", "-1", "NULL"}));
  EXPECT_EQ(s.errors,
            (std::vector<RowError>{{2, "\"x\" is not a valid date (expected YYYY-MM-DD)"}}));
}

TEST(ColumnExpression, DateTruncTruncatesTimestampsToEachUnit) {
  // 2026-11-27T13:45:30.123456Z is a Friday.
  RecordBatch b = Batch({{"ts", Timestamps({1795787130123456, -1, N})}});
  std::vector<std::pair<std::string, V>> cases = {
      {"year", {"1767225600000000", "-31536000000000", "NULL"}},
      {"quarter", {"1790812800000000", "-7948800000000", "NULL"}},
      {"month", {"1793491200000000", "-2678400000000", "NULL"}},
      {"week", {"1795392000000000", "-259200000000", "NULL"}},
      {"day", {"1795737600000000", "-86400000000", "NULL"}},
      {"hour", {"1795784400000000", "-3600000000", "NULL"}},
      {"minute", {"1795787100000000", "-60000000", "NULL"}},
  };
  for (const auto& [unit, want] : cases) {
    Output o = EvalText("date_trunc('" + unit + "', ts)", b);
    EXPECT_EQ(o.type, DataType::Timestamp(TimeUnit::kMicros)) << unit;
    EXPECT_EQ(o.values, want) << unit;
  }
  EXPECT_EQ(Values("DATE_TRUNC('Month', ts)", b).front(), "1793491200000000");
}

TEST(ColumnExpression, DateTruncOnDatesStartsWeeksOnMonday) {
  // 2026-11-26 is a Thursday; 1969-12-31 a Wednesday; 2026-11-23 a Monday.
  RecordBatch b = Batch({{"day", Int32s({20783, -1, 20780}, TypeKind::kDate)}});
  EXPECT_EQ(Values("date_trunc('week', day)", b), (V{"20780", "-3", "20780"}));
  EXPECT_EQ(Values("date_trunc('quarter', day)", b), (V{"20727", "-92", "20727"}));
  EXPECT_EQ(Values("date_trunc('year', day)", b), (V{"20454", "-365", "20454"}));
  EXPECT_EQ(Values("date_trunc('day', day)", b), (V{"20783", "-1", "20780"}));
  EXPECT_EQ(EvalText("date_trunc('day', day)", b).type, DataType::Of(TypeKind::kDate));
}

TEST(ColumnExpression, StringFunctionsChangeAsciiAndLeaveOtherBytes) {
  RecordBatch b = Batch({{"s", Strings({"HeLLo ÉtÉ", "\t a b \n", ""})}});
  EXPECT_EQ(Values("lower(s)", b), (V{"hello ÉtÉ", "\t a b \n", ""}));
  EXPECT_EQ(Values("UPPER(s)", b), (V{"HELLO ÉTÉ", "\t A B \n", ""}));
  EXPECT_EQ(Values("trim(s)", b), (V{"HeLLo ÉtÉ", "a b", ""}));
}

TEST(ColumnExpression, ConcatFormatsValuesAndIsNullWhenAnyArgumentIs) {
  RecordBatch b = Batch({{"name", Strings({"ab", "cd", N})},
                         {"qty", Int32s({1, N, 3})},
                         {"day", Int32s({0, 0, 0}, TypeKind::kDate)}});
  EXPECT_EQ(Values("concat(name, '-', qty, '@', day)", b), (V{"ab-1@1970-01-01", "NULL", "NULL"}));
  EXPECT_EQ(Values("name || '/' || upper(name)", b), (V{"ab/AB", "cd/CD", "NULL"}));
  EXPECT_EQ(Values("concat(name)", b), (V{"ab", "cd", "NULL"}));
  EXPECT_EQ(Values("'n=' || 1 + 2", b).front(), "n=3");
}

TEST(ColumnExpression, CoalesceTakesTheFirstNonNullAndPromotesNumbers) {
  RecordBatch b = Batch({{"qty", Int32s({1, N, N})},
                         {"id", Int64s({10, 20, N})},
                         {"price", Doubles({N, 2.5, N})},
                         {"name", Strings({N, "x", N})},
                         {"text", Strings({"12x", "7", N})}});
  Output ints = EvalText("coalesce(qty, id)", b);
  EXPECT_EQ(ints.type, DataType::Of(TypeKind::kInt64));
  EXPECT_EQ(ints.values, (V{"1", "20", "NULL"}));
  Output doubles = EvalText("coalesce(qty, price, 0)", b);
  EXPECT_EQ(doubles.type, DataType::Of(TypeKind::kDouble));
  EXPECT_EQ(doubles.values, (V{"1", "2.5", "0"}));
  EXPECT_EQ(Values("coalesce(name, 'none')", b), (V{"none", "x", "none"}));
  EXPECT_EQ(EvalText("coalesce(qty, null)", b).type, DataType::Of(TypeKind::kInt32));
  EXPECT_EQ(Values("coalesce(null, null)", b), (V{"NULL", "NULL", "NULL"}));
  // An argument's error counts only where the argument is needed.
  Output lazy = EvalText("coalesce(qty, cast(text as int32), -1)", b);
  EXPECT_EQ(lazy.values, (V{"1", "7", "-1"}));
  EXPECT_TRUE(lazy.errors.empty());
  Output needed = EvalText("coalesce(cast(text as int32), qty)", b);
  EXPECT_EQ(needed.values, (V{"NULL", "7", "NULL"}));
  EXPECT_EQ(needed.errors, (std::vector<RowError>{{0, "\"12x\" is not a valid int32"}}));
}

TEST(ColumnExpression, RegexpExtractReturnsTheGroupOrEmpty) {
  RecordBatch b = Batch({{"email", Strings({"ann@example.com", "nobody", N, "x@y.z and b@c.d"})}});
  EXPECT_EQ(Values("regexp_extract(email, '([a-z]+)@([a-z.]+)', 2)", b),
            (V{"example.com", "", "NULL", "y.z"}));
  EXPECT_EQ(Values("regexp_extract(email, '([a-z]+)@')", b), (V{"ann", "", "NULL", "x"}));
  EXPECT_EQ(Values("regexp_extract(email, '[a-z]+@', 0)", b), (V{"ann@", "", "NULL", "x@"}));
  EXPECT_EQ(Values("regexp_extract(email, '(a)|(n)', 2)", b), (V{"", "n", "NULL", ""}));
  EXPECT_EQ(Values("regexp_extract(email, '(a)|(o)', 2)", b), (V{"", "o", "NULL", ""}));
}

TEST(ColumnExpression, ReadsEveryInputType) {
  ColumnVector wide = ColumnVector::Make(DataType::Decimal(38, 2));
  wide.AppendBytes(std::string(15, '\xff') + "\x83");  // -125 unscaled: -1.25
  RecordBatch b = Batch({{"b", Bools({true})},
                         {"i8", Int32s({-1}, TypeKind::kInt8)},
                         {"i16", Int32s({-2}, TypeKind::kInt16)},
                         {"u32", Int32s({-1}, TypeKind::kUInt32)},
                         {"f", Floats({0.5f})},
                         {"wide", wide},
                         {"doc", Strings({"[1]"}, TypeKind::kJson)},
                         {"ns", Timestamps({1500}, TimeUnit::kNanos)}});
  EXPECT_EQ(Values("cast(b as string) || i8 || i16", b), V{"true-1-2"});
  EXPECT_EQ(Values("u32 + 1", b), V{"4294967296"});
  EXPECT_EQ(Values("f * 2", b), V{"1"});
  EXPECT_EQ(Values("cast(wide as string)", b), V{"-1.25"});
  EXPECT_EQ(Values("wide * 4", b), V{"-5"});
  EXPECT_EQ(Values("cast(wide * 4 as int8)", b), V{"-5"});
  EXPECT_EQ(Values("cast(doc as string)", b), V{"[1]"});
  EXPECT_EQ(Values("cast(ns as string)", b), V{"1970-01-01T00:00:00.000001Z"});
  EXPECT_EQ(Values("cast(wide as decimal(38,3))", b),
            V{"fffffffffffffffffffffffffffffb1e"});  // -1250
}

TEST(ColumnExpression, ParseErrorsNameTheColumn) {
  EXPECT_EQ(ParseError("lower(x"), "expression \"lower(x\": expected ')' at column 8");
  EXPECT_EQ(ParseError("1 +"), "expression \"1 +\": expected an expression at column 4");
  EXPECT_EQ(ParseError("a b"), "expression \"a b\": unexpected 'b' at column 3");
  EXPECT_EQ(ParseError("(1"), "expression \"(1\": expected ')' at column 3");
  EXPECT_EQ(ParseError("1 + )"),
            "expression \"1 + )\": expected an expression, found ')' at column 5");
  EXPECT_EQ(ParseError("x || 'abc"), "expression \"x || 'abc\": unterminated string at column 6");
  EXPECT_EQ(ParseError("\"abc"),
            "expression \"\"abc\": unterminated quoted column name at column 1");
  EXPECT_EQ(ParseError("a # b"), "expression \"a # b\": unexpected character '#' at column 3");
  EXPECT_EQ(ParseError("a | b"), "expression \"a | b\": unexpected character '|' at column 3");
  EXPECT_EQ(ParseError("1e+"), "expression \"1e+\": malformed number at column 1");
  EXPECT_EQ(ParseError("12abc"), "expression \"12abc\": malformed number at column 1");
  EXPECT_EQ(ParseError("99999999999999999999"),
            "expression \"99999999999999999999\": integer 99999999999999999999 is out of range for "
            "int64 at column 1");
  EXPECT_EQ(ParseError("-9223372036854775809"),
            "expression \"-9223372036854775809\": integer -9223372036854775809 is out of range for "
            "int64 at column 1");
  EXPECT_EQ(ParseError("  foo(1)"),
            "expression \"  foo(1)\": unknown function \"foo\"; functions are cast, coalesce, "
            "concat, date, "
            "date_trunc, lower, regexp_extract, trim, upper at column 3");
  EXPECT_EQ(ParseError("cast(a int)"), "expression \"cast(a int)\": expected AS at column 8");
  EXPECT_EQ(ParseError("cast(a as 'int')"),
            "expression \"cast(a as 'int')\": expected a type name at column 11");
  EXPECT_EQ(ParseError("cast(a as varchar)"),
            "expression \"cast(a as varchar)\": unknown type \"varchar\"; expected one of bool, "
            "int8, int16, int32, "
            "int64, float, double, decimal(p,s), string, date, timestamp, json at column 11");
  EXPECT_EQ(ParseError("cast(a as decimal(40, 2))"),
            "expression \"cast(a as decimal(40, 2))\": type \"decimal(40, 2)\": precision must be "
            "1 to 38 at column 11");
  EXPECT_EQ(ParseError("cast(a as decimal(4, 2)"),
            "expression \"cast(a as decimal(4, 2)\": expected ')' at column 24");
  EXPECT_EQ(ParseError("concat(a, b"), "expression \"concat(a, b\": expected ')' at column 12");
  EXPECT_EQ(ParseError(""), "expression \"\": expected an expression at column 1");
}

TEST(ColumnExpression, BindRejectsUnknownColumnsListingTheColumns) {
  Schema schema{{Field{"a", DataType::Of(TypeKind::kInt64)},
                 Field{"b", DataType::Of(TypeKind::kString)},
                 Field{"c", DataType::Of(TypeKind::kDate)}}};
  EXPECT_EQ(BindError("x + 1", schema),
            "expression \"x + 1\": unknown column \"x\"; columns are a, b, c");
  EXPECT_EQ(BindError("A", schema), "expression \"A\": unknown column \"A\"; columns are a, b, c");
  EXPECT_EQ(BindError("x", Schema{}),
            "expression \"x\": unknown column \"x\"; the input has no columns");
  Schema nested{{Field{"l", DataType::List(Field{"e", DataType::Of(TypeKind::kInt32)})}}};
  EXPECT_EQ(
      BindError("l", nested),
      "expression \"l\": column \"l\" is list<int32>, which expressions do not take at column 1");
}

TEST(ColumnExpression, BindRejectsWrongArgumentCountsAndTypes) {
  Schema schema{{Field{"n", DataType::Of(TypeKind::kInt64)},
                 Field{"s", DataType::Of(TypeKind::kString)},
                 Field{"d", DataType::Of(TypeKind::kDate)},
                 Field{"t", DataType::Timestamp(TimeUnit::kMicros)},
                 Field{"j", DataType::Of(TypeKind::kJson)}, Field{"x", DataType::Decimal(5, 2)}}};
  std::vector<std::pair<std::string, std::string>> cases = {
      {"s + 1", "operator + needs numbers; got string and int64 at column 3"},
      {"d * 2", "operator * needs numbers; got date and int64 at column 3"},
      {"-s", "unary - needs a number; got string at column 1"},
      {"lower(n)", "lower() needs a string; got int64 at column 7"},
      {"trim(j)", "trim() needs a string; got json at column 6"},
      {"lower(s, s)", "lower() takes 1 argument; got 2 at column 1"},
      {"upper()", "upper() takes 1 argument; got 0 at column 1"},
      {"concat()", "concat() takes at least 1 argument; got 0 at column 1"},
      {"coalesce()", "coalesce() takes at least 1 argument; got 0 at column 1"},
      {"coalesce(s, n)", "coalesce() arguments need one type; got string and int64 at column 1"},
      {"coalesce(n, x)",
       "coalesce() arguments need one type; got int64 and decimal(5,2) at column 1"},
      {"date(n)", "date() needs a date, timestamp or string; got int64 at column 6"},
      {"date_trunc('month')", "date_trunc() takes 2 arguments; got 1 at column 1"},
      {"date_trunc(s, t)",
       "date_trunc() needs a literal unit such as 'month' as its first argument at column 12"},
      {"date_trunc('decade', t)",
       "date_trunc() unit 'decade' is not one of year, quarter, month, week, day, hour, minute at "
       "column 12"},
      {"date_trunc('hour', d)", "date_trunc('hour', ...) needs a timestamp; got date at column 20"},
      {"date_trunc('day', s)", "date_trunc() needs a date or timestamp; got string at column 19"},
      {"cast(d as int32)", "cannot cast date to int32 at column 1"},
      {"cast(n as date)", "cannot cast int64 to date at column 1"},
      {"cast(t as json)", "cannot cast timestamp to json at column 1"},
      {"cast(x as bool)", "cannot cast decimal(5,2) to bool at column 1"},
      {"regexp_extract(s)", "regexp_extract() takes 2 or 3 arguments; got 1 at column 1"},
      {"regexp_extract(n, 'a')", "regexp_extract() needs a string; got int64 at column 16"},
      {"regexp_extract(s, s)",
       "regexp_extract() needs a literal pattern as its second argument at column 19"},
      {"regexp_extract(s, '(a)', n)",
       "regexp_extract() needs a literal group number as its third argument at column 26"},
      {"regexp_extract(s, '(a)', 2)",
       "regexp_extract() group 2 is out of range: the pattern has 1 group(s) at column 26"},
      {"regexp_extract(s, 'a')",
       "regexp_extract() pattern 'a' has no group; add one or pass group 0 for the whole match at "
       "column 19"},
      {"regexp_extract(s, '(a')",
       "regexp_extract() pattern '(a' is invalid: missing ): (a at column 19"},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(BindError(text, schema), "expression \"" + text + "\": " + want);
  }
}

TEST(ColumnExpression, EvaluateChecksItsInputs) {
  RecordBatch b = OneRow();
  auto e = ColumnExpression::Parse("one + 1");
  ASSERT_TRUE(e.ok());
  ColumnVector out = ColumnVector::Make(DataType::Of(TypeKind::kInt64));
  std::vector<RowError> errors;
  EXPECT_EQ(e->Evaluate(b, &out, &errors).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(e->Bind(b.schema).ok());
  RecordBatch other = Batch({{"one", Int32s({1})}});
  EXPECT_EQ(e->Evaluate(other, &out, &errors).message(),
            "expression \"one + 1\": the batch's schema differs from the bound one");
  ColumnVector wrong = ColumnVector::Make(DataType::Of(TypeKind::kString));
  EXPECT_EQ(e->Evaluate(b, &wrong, &errors).message(),
            "expression \"one + 1\": the output column is string, expected int64");
  EXPECT_EQ(out.length, 0);
}

TEST(ColumnExpression, AppendsAfterValuesAlreadyInTheOutput) {
  RecordBatch b = Batch({{"s", Strings({"1", "x"})}});
  auto e = ColumnExpression::Parse("cast(s as int64)");
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->Bind(b.schema).ok());
  ColumnVector out = ColumnVector::Make(e->type());
  std::vector<RowError> errors;
  ASSERT_TRUE(e->Evaluate(b, &out, &errors).ok());
  ASSERT_TRUE(e->Evaluate(b, &out, &errors).ok());
  EXPECT_EQ(Show(out), (V{"1", "NULL", "1", "NULL"}));
  EXPECT_EQ(errors, (std::vector<RowError>{{1, "\"x\" is not a valid int64"},
                                           {1, "\"x\" is not a valid int64"}}));
  EXPECT_TRUE(out.Validate("out").ok());
}

TEST(ColumnExpression, CopiesAreIndependentAndRebindable) {
  auto parsed = ColumnExpression::Parse("v * 2");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->ToString(), "v * 2");
  EXPECT_FALSE(parsed->bound());
  ColumnExpression ints = *parsed;
  ColumnExpression doubles = *parsed;
  RecordBatch a = Batch({{"v", Int64s({2})}});
  RecordBatch b = Batch({{"v", Doubles({0.25})}});
  ASSERT_TRUE(ints.Bind(a.schema).ok());
  ASSERT_TRUE(doubles.Bind(b.schema).ok());
  EXPECT_EQ(ints.type(), DataType::Of(TypeKind::kInt64));
  EXPECT_EQ(doubles.type(), DataType::Of(TypeKind::kDouble));
  EXPECT_FALSE(parsed->bound());
  EXPECT_EQ(Values("v * 2", b), V{"0.5"});
  // A failed Bind keeps the previous binding.
  EXPECT_FALSE(ints.Bind(Schema{}).ok());
  EXPECT_EQ(ints.type(), DataType::Of(TypeKind::kInt64));
  EXPECT_TRUE(ints.bound());
}

TEST(ColumnExpression, AColumnReferenceCopiesTheColumn) {
  RecordBatch b = Batch({{"s", Strings({"a", N})}, {"ts", Timestamps({5, N}, TimeUnit::kMillis)}});
  Output o = EvalText("s", b);
  EXPECT_EQ(o.values, (V{"a", "NULL"}));
  Output t = EvalText("ts", b);
  EXPECT_EQ(t.type, DataType::Timestamp(TimeUnit::kMillis));
  EXPECT_EQ(t.values, (V{"5", "NULL"}));
}

}  // namespace
}  // namespace sluice::etl
