#include "sluice/etl/cast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace sluice::etl {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TimeUnit;
using parquet::TypeKind;

DataType T(TypeKind kind) { return DataType::Of(kind); }
DataType Timestamp() { return DataType::Timestamp(TimeUnit::kMicros); }

TextCaster Caster(const DataType& type, CastOptions options = {}) {
  auto caster = TextCaster::Make(type, std::move(options));
  EXPECT_TRUE(caster.ok()) << caster.status();
  return std::move(caster).value();
}

// Casts every text, expecting success.
ColumnVector CastAll(const DataType& type, const std::vector<std::string>& texts,
                     CastOptions options = {}) {
  TextCaster caster = Caster(type, std::move(options));
  ColumnVector column = ColumnVector::Make(type);
  for (const std::string& text : texts) {
    std::string reason;
    EXPECT_TRUE(caster.Append(text, &column, &reason)) << "\"" << text << "\": " << reason;
  }
  EXPECT_TRUE(column.Validate("c").ok());
  return column;
}

// Casts one text, expecting failure; returns the reason. Checks nothing was appended.
std::string Reject(const DataType& type, std::string_view text, CastOptions options = {}) {
  TextCaster caster = Caster(type, std::move(options));
  ColumnVector column = ColumnVector::Make(type);
  std::string reason;
  EXPECT_FALSE(caster.Append(text, &column, &reason)) << "\"" << text << "\" was accepted";
  EXPECT_EQ(column.length, 0);
  EXPECT_TRUE(column.ints64.empty() && column.ints32.empty() && column.bytes.empty() &&
              column.offsets.empty());
  return reason;
}

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(Cast, ParsesBoolSpellingsCaseInsensitively) {
  ColumnVector c = CastAll(T(TypeKind::kBoolean),
                           {"true", "FALSE", "t", "F", "yes", "No", "y", "N", "1", "0", "True"});
  EXPECT_EQ(c.bools, (std::vector<uint8_t>{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}));
}

TEST(Cast, RejectsOtherBoolWords) {
  EXPECT_EQ(Reject(T(TypeKind::kBoolean), "maybe"), "\"maybe\" is not a valid bool");
  EXPECT_EQ(Reject(T(TypeKind::kBoolean), "2"), "\"2\" is not a valid bool");
  EXPECT_EQ(Reject(T(TypeKind::kBoolean), ""), "\"\" is not a valid bool");
  EXPECT_EQ(Reject(T(TypeKind::kBoolean), " true"), "\" true\" is not a valid bool");
  EXPECT_EQ(Reject(T(TypeKind::kBoolean), "truee"), "\"truee\" is not a valid bool");
}

TEST(Cast, ParsesIntsAtTheEdgesOfEachWidth) {
  EXPECT_EQ(CastAll(T(TypeKind::kInt8), {"-128", "127", "+5", "-0", "007"}).ints32,
            (std::vector<int32_t>{-128, 127, 5, 0, 7}));
  EXPECT_EQ(CastAll(T(TypeKind::kInt16), {"-32768", "32767"}).ints32,
            (std::vector<int32_t>{-32768, 32767}));
  EXPECT_EQ(CastAll(T(TypeKind::kInt32), {"-2147483648", "2147483647"}).ints32,
            (std::vector<int32_t>{INT32_MIN, INT32_MAX}));
  EXPECT_EQ(
      CastAll(T(TypeKind::kInt64), {"-9223372036854775808", "9223372036854775807", "+0"}).ints64,
      (std::vector<int64_t>{INT64_MIN, INT64_MAX, 0}));
}

TEST(Cast, RejectsIntOverflowPerWidth) {
  EXPECT_EQ(Reject(T(TypeKind::kInt8), "128"), "\"128\" is out of range for int8");
  EXPECT_EQ(Reject(T(TypeKind::kInt8), "-129"), "\"-129\" is out of range for int8");
  EXPECT_EQ(Reject(T(TypeKind::kInt8), "300"), "\"300\" is out of range for int8");
  EXPECT_EQ(Reject(T(TypeKind::kInt16), "32768"), "\"32768\" is out of range for int16");
  EXPECT_EQ(Reject(T(TypeKind::kInt32), "-2147483649"),
            "\"-2147483649\" is out of range for int32");
  EXPECT_EQ(Reject(T(TypeKind::kInt64), "9223372036854775808"),
            "\"9223372036854775808\" is out of range for int64");
  EXPECT_EQ(Reject(T(TypeKind::kInt64), "-9223372036854775809"),
            "\"-9223372036854775809\" is out of range for int64");
  EXPECT_EQ(Reject(T(TypeKind::kInt8), "99999999999999999999999"),
            "\"99999999999999999999999\" is out of range for int8");
}

TEST(Cast, RejectsIntTextThatIsNotPlainDigits) {
  for (std::string text : {"1.0", "1e3", "0x10", "12x", "", " 1", "1 ", "+", "-", "+-1", "--1",
                           "1_000", "١٢", "99999999999999999999x"}) {
    EXPECT_EQ(Reject(T(TypeKind::kInt32), text), "\"" + text + "\" is not a valid int32");
  }
}

TEST(Cast, TrimStripsAsciiWhitespaceOnlyWhenAsked) {
  CastOptions trim{.format = "", .trim = true};
  EXPECT_EQ(CastAll(T(TypeKind::kInt32), {" 42\t", "\r\n-7 "}, trim).ints32,
            (std::vector<int32_t>{42, -7}));
  EXPECT_EQ(CastAll(T(TypeKind::kBoolean), {"  yes "}, trim).bools, (std::vector<uint8_t>{1}));
  EXPECT_EQ(CastAll(T(TypeKind::kDate), {" 1970-01-02 "}, trim).ints32, (std::vector<int32_t>{1}));
  EXPECT_EQ(CastAll(DataType::Decimal(5, 1), {" 1.5 "}, trim).ints64, (std::vector<int64_t>{15}));
  // The reason quotes the value as given.
  EXPECT_EQ(Reject(T(TypeKind::kInt8), " 300 ", trim), "\" 300 \" is out of range for int8");
  // Strings are never trimmed.
  ColumnVector s = CastAll(T(TypeKind::kString), {" a "}, trim);
  EXPECT_EQ(s.BytesAt(0), " a ");
}

TEST(Cast, ParsesFloatsAndDoubles) {
  ColumnVector d = CastAll(T(TypeKind::kDouble),
                           {"1.5", "-2e3", ".5", "5.", "+1.25", "1E308", "-0", "0.1", "4.9e-324"});
  EXPECT_EQ(d.doubles, (std::vector<double>{1.5, -2000, 0.5, 5, 1.25, 1e308, -0.0, 0.1, 4.9e-324}));
  ColumnVector special =
      CastAll(T(TypeKind::kDouble), {"NaN", "nan", "Infinity", "-Infinity", "inf", "-INF"});
  EXPECT_TRUE(std::isnan(special.doubles[0]) && std::isnan(special.doubles[1]));
  EXPECT_EQ(special.doubles[2], std::numeric_limits<double>::infinity());
  EXPECT_EQ(special.doubles[3], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(special.doubles[4], std::numeric_limits<double>::infinity());
  EXPECT_EQ(special.doubles[5], -std::numeric_limits<double>::infinity());
  ColumnVector f = CastAll(T(TypeKind::kFloat), {"3.4028235e38", "-1.5", "Infinity", "1e-40"});
  EXPECT_EQ(f.floats[0], std::numeric_limits<float>::max());
  EXPECT_EQ(f.floats[1], -1.5f);
  EXPECT_EQ(f.floats[2], std::numeric_limits<float>::infinity());
  EXPECT_GT(f.floats[3], 0.0f);  // a subnormal float, not zero
}

TEST(Cast, RejectsFloatsOutOfRangeInsteadOfInfinity) {
  EXPECT_EQ(Reject(T(TypeKind::kFloat), "1e39"), "\"1e39\" is out of range for float");
  EXPECT_EQ(Reject(T(TypeKind::kFloat), "-3.5e38"), "\"-3.5e38\" is out of range for float");
  EXPECT_EQ(Reject(T(TypeKind::kFloat), "1e-50"), "\"1e-50\" is out of range for float");
  EXPECT_EQ(Reject(T(TypeKind::kDouble), "1e400"), "\"1e400\" is out of range for double");
}

TEST(Cast, RejectsMalformedFloats) {
  for (std::string text :
       {"abc", "1.5.2", "0x1p3", "nan(1)", "1,5", "", "1e", "++1", "+-1", " 1", "Infinityx"}) {
    EXPECT_EQ(Reject(T(TypeKind::kDouble), text), "\"" + text + "\" is not a valid double");
  }
  EXPECT_EQ(Reject(T(TypeKind::kFloat), "x"), "\"x\" is not a valid float");
}

TEST(Cast, ScalesDecimalsExactly) {
  ColumnVector c =
      CastAll(DataType::Decimal(10, 2),
              {"1.5", "-0.05", "1.5e2", "1.500", "12345678.99", "0", "-0", "+3", "2.5E-1", ".5",
               "5.", "1.001e1", "0.00000", "-99999999.99", "0e999999999999", "12.5e+0"});
  EXPECT_EQ(c.ints64, (std::vector<int64_t>{150, -5, 15000, 150, 1234567899, 0, 0, 300, 25, 50, 500,
                                            1001, 0, -9999999999, 0, 1250}));
  EXPECT_EQ(CastAll(DataType::Decimal(18, 0), {"999999999999999999", "-999999999999999999"}).ints64,
            (std::vector<int64_t>{999999999999999999, -999999999999999999}));
  EXPECT_EQ(CastAll(DataType::Decimal(3, 3), {"0.999", "-0.001"}).ints64,
            (std::vector<int64_t>{999, -1}));
}

TEST(Cast, RejectsDecimalsThatWouldRound) {
  const DataType d = DataType::Decimal(10, 2);
  EXPECT_EQ(Reject(d, "1.005"), "\"1.005\" has more than 2 decimal places for decimal(10,2)");
  EXPECT_EQ(Reject(d, "1.0001e1"), "\"1.0001e1\" has more than 2 decimal places for decimal(10,2)");
  EXPECT_EQ(Reject(d, "1e-3"), "\"1e-3\" has more than 2 decimal places for decimal(10,2)");
  EXPECT_EQ(Reject(DataType::Decimal(5, 0), "0.5"),
            "\"0.5\" has more than 0 decimal places for decimal(5,0)");
}

TEST(Cast, RejectsDecimalsBeyondThePrecision) {
  const DataType d = DataType::Decimal(10, 2);
  EXPECT_EQ(Reject(d, "123456789012"), "\"123456789012\" exceeds the precision of decimal(10,2)");
  EXPECT_EQ(Reject(d, "100000000"), "\"100000000\" exceeds the precision of decimal(10,2)");
  EXPECT_EQ(Reject(d, "-1e8"), "\"-1e8\" exceeds the precision of decimal(10,2)");
  EXPECT_EQ(Reject(d, "1e999999999999999"),
            "\"1e999999999999999\" exceeds the precision of decimal(10,2)");
  EXPECT_EQ(Reject(DataType::Decimal(3, 3), "1"), "\"1\" exceeds the precision of decimal(3,3)");
}

TEST(Cast, StoresWideDecimalsAsSixteenBigEndianBytes) {
  const std::string nines(38, '9');
  ColumnVector c = CastAll(DataType::Decimal(38, 0), {nines, "-" + nines, "-1", "1", "0"});
  // 10^38 - 1 = 0x4B3B4CA85A86C47A098A223FFFFFFFFF
  EXPECT_EQ(c.BytesAt(0), Bytes({0x4B, 0x3B, 0x4C, 0xA8, 0x5A, 0x86, 0xC4, 0x7A, 0x09, 0x8A, 0x22,
                                 0x3F, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(c.BytesAt(1), Bytes({0xB4, 0xC4, 0xB3, 0x57, 0xA5, 0x79, 0x3B, 0x85, 0xF6, 0x75, 0xDD,
                                 0xC0, 0x00, 0x00, 0x00, 0x01}));
  EXPECT_EQ(c.BytesAt(2), std::string(16, '\xff'));
  EXPECT_EQ(c.BytesAt(3), std::string(15, '\0') + "\x01");
  EXPECT_EQ(c.BytesAt(4), std::string(16, '\0'));
  EXPECT_EQ(Reject(DataType::Decimal(38, 0), nines + "9"),
            "\"" + nines + "9\" exceeds the precision of decimal(38,0)");
  ColumnVector fraction = CastAll(DataType::Decimal(38, 38), {"0." + nines, "-0." + nines});
  EXPECT_EQ(fraction.BytesAt(0), c.BytesAt(0));
  EXPECT_EQ(fraction.BytesAt(1), c.BytesAt(1));
  EXPECT_EQ(Reject(DataType::Decimal(38, 38), "1"),
            "\"1\" exceeds the precision of decimal(38,38)");
  // Precision 19 already uses bytes: -9223372036854775809 does not fit an int64.
  EXPECT_EQ(CastAll(DataType::Decimal(19, 0), {"-9223372036854775809"}).BytesAt(0),
            Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF,
                   0xFF, 0xFF, 0xFF}));
}

TEST(Cast, RejectsMalformedDecimals) {
  for (std::string text :
       {"", ".", "1e", "e5", "1.2.3", "--1", "1 000", "NaN", "0x1", "1e+", "+", "1,5", ".e1"}) {
    EXPECT_EQ(Reject(DataType::Decimal(10, 2), text),
              "\"" + text + "\" is not a valid decimal(10,2)");
  }
}

TEST(Cast, KeepsStringsAsIs) {
  ColumnVector c = CastAll(T(TypeKind::kString), {"", " x ", "héllo"});
  EXPECT_EQ(c.BytesAt(0), "");
  EXPECT_EQ(c.BytesAt(1), " x ");
  EXPECT_EQ(c.BytesAt(2), "héllo");
}

TEST(Cast, AcceptsOnlyValidJson) {
  const std::vector<std::string> good = {R"({"a":[1,2.5e3,-0,true,false,null,"x\"y\u00e9\n"]})",
                                         " 42 ",
                                         R"("s")",
                                         "[]",
                                         "{}",
                                         R"({ "a" : { "b" : [ ] } })",
                                         "-1.5E+2"};
  ColumnVector c = CastAll(T(TypeKind::kJson), good);
  for (size_t i = 0; i < good.size(); ++i) EXPECT_EQ(c.BytesAt(static_cast<int64_t>(i)), good[i]);
  for (std::string text :
       {"{a:1}", "[1,]", "01", "\"unterminated", R"({"a":1}x)", "tru", "", "1.", ".5", R"("\x")",
        "{\"a\"}", "[1 2]", "\"tab\there\"", "+1", R"("\u12")", "NaN"}) {
    EXPECT_EQ(Reject(T(TypeKind::kJson), text), "\"" + text + "\" is not a valid json");
  }
  EXPECT_EQ(Reject(T(TypeKind::kJson), std::string(100000, '[')).substr(0, 5), "\"[[[[");
}

TEST(Cast, ParsesIsoDatesIncludingLeapDaysAndDatesBefore1970) {
  ColumnVector c =
      CastAll(T(TypeKind::kDate), {"1970-01-01", "1969-12-31", "2024-02-29", "2000-02-29",
                                   "1969-02-07", "0001-01-01", "9999-12-31"});
  EXPECT_EQ(c.ints32, (std::vector<int32_t>{0, -1, 19782, 11016, -328, -719162, 2932896}));
}

TEST(Cast, RejectsImpossibleAndMisshapenDates) {
  const DataType date = T(TypeKind::kDate);
  EXPECT_EQ(Reject(date, "2026-02-30"), "\"2026-02-30\" is not a valid date");
  EXPECT_EQ(Reject(date, "2026-02-29"), "\"2026-02-29\" is not a valid date");
  EXPECT_EQ(Reject(date, "1900-02-29"), "\"1900-02-29\" is not a valid date");
  EXPECT_EQ(Reject(date, "2026-13-01"), "\"2026-13-01\" is not a valid date");
  EXPECT_EQ(Reject(date, "2026-00-10"), "\"2026-00-10\" is not a valid date");
  EXPECT_EQ(Reject(date, "2026-04-31"), "\"2026-04-31\" is not a valid date");
  EXPECT_EQ(Reject(date, "2026-01-00"), "\"2026-01-00\" is not a valid date");
  for (std::string text : {"2026-1-01", "2026/01/01", "26-01-01", "2026-01-01T00:00", "2026-01-01 ",
                           "", "20260101", "+2026-01-01"}) {
    EXPECT_EQ(Reject(date, text), "\"" + text + "\" is not a valid date (expected YYYY-MM-DD)");
  }
}

TEST(Cast, ParsesIsoTimestampsWithOffsetsAndFractions) {
  ColumnVector c = CastAll(Timestamp(), {
                                            "1970-01-01",
                                            "1970-01-01T00:00:01Z",
                                            "1969-12-31T23:59:59.999999Z",
                                            "2026-03-04 05:06",
                                            "2026-03-04T05:06:07.5+01:00",
                                            "2026-03-04T05:06:07-0130",
                                            "2026-03-04t05:06:07.123456z",
                                            "2026-03-04T05:06:07.123456000",
                                            "1970-01-01T00:00+00:30",
                                            "2024-02-29T23:59:59",
                                        });
  EXPECT_EQ(c.ints64, (std::vector<int64_t>{0, 1000000, -1, 1772600760000000, 1772597167500000,
                                            1772606167000000, 1772600767123456, 1772600767123456,
                                            -1800000000, 1709251199000000}));
}

TEST(Cast, RejectsSubMicrosecondDigitsAndInvalidTimestamps) {
  const DataType ts = Timestamp();
  EXPECT_EQ(Reject(ts, "2026-03-04T05:06:07.1234567"),
            "\"2026-03-04T05:06:07.1234567\" has fractional seconds finer than microseconds for "
            "timestamp");
  for (std::string text :
       {"2026-03-04T24:00", "2026-03-04T05:60", "2026-03-04T05:06:60", "2026-02-30T00:00",
        "2026-03-04T05:06+24:00", "2026-03-04T05:06+01:60"}) {
    EXPECT_EQ(Reject(ts, text), "\"" + text + "\" is not a valid timestamp");
  }
  for (std::string text :
       {"2026-03-04T05", "2026-03-04T05:06:07.1234567891", "2026-03-04T05:06:07+01",
        "2026-03-04T05:06:07.", "2026-03-04X05:06", "2026-03-04T5:06", "2026-03-04T05:06:07 Z"}) {
    EXPECT_EQ(
        Reject(ts, text),
        "\"" + text +
            "\" is not a valid timestamp (expected YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])");
  }
}

TEST(Cast, ParsesEpochFormatsAsIntegers) {
  EXPECT_EQ(CastAll(Timestamp(), {"-1", "0", "1772600760"}, {.format = "epoch_seconds"}).ints64,
            (std::vector<int64_t>{-1000000, 0, 1772600760000000}));
  EXPECT_EQ(CastAll(Timestamp(), {"1500", "-1"}, {.format = "epoch_millis"}).ints64,
            (std::vector<int64_t>{1500000, -1000}));
  EXPECT_EQ(CastAll(Timestamp(), {"123", "9223372036854775807"}, {.format = "epoch_micros"}).ints64,
            (std::vector<int64_t>{123, INT64_MAX}));
  EXPECT_EQ(
      Reject(Timestamp(), "1.5", {.format = "epoch_seconds"}),
      "\"1.5\" is not a valid timestamp (expected an integer count of seconds since the epoch)");
  EXPECT_EQ(Reject(Timestamp(), "9223372036854775807", {.format = "epoch_seconds"}),
            "\"9223372036854775807\" is out of range for timestamp");
  EXPECT_EQ(Reject(Timestamp(), "99999999999999999999", {.format = "epoch_millis"}),
            "\"99999999999999999999\" is out of range for timestamp");
}

TEST(Cast, ParsesDatesWithAPattern) {
  EXPECT_EQ(
      CastAll(T(TypeKind::kDate), {"5/1/2026", "05/01/2026", "31/12/1969"}, {.format = "%d/%m/%Y"})
          .ints32,
      (std::vector<int32_t>{20458, 20458, -1}));
  EXPECT_EQ(
      CastAll(T(TypeKind::kDate), {"07-Feb-69", "04-MAR-26", "01-jan-00"}, {.format = "%d-%b-%y"})
          .ints32,
      (std::vector<int32_t>{-328, 20516, 10957}));
  EXPECT_EQ(CastAll(T(TypeKind::kDate), {"20260304"}, {.format = "%Y%m%d"}).ints32,
            (std::vector<int32_t>{20516}));
  EXPECT_EQ(CastAll(T(TypeKind::kDate), {"2026-03-04%"}, {.format = "%Y-%m-%d%%"}).ints32,
            (std::vector<int32_t>{20516}));
  const CastOptions dmy{.format = "%d/%m/%Y"};
  EXPECT_EQ(Reject(T(TypeKind::kDate), "2026-01-05", dmy),
            "\"2026-01-05\" is not a valid date (expected format %d/%m/%Y)");
  EXPECT_EQ(Reject(T(TypeKind::kDate), "05/01/2026 ", dmy),
            "\"05/01/2026 \" is not a valid date (expected format %d/%m/%Y)");
  EXPECT_EQ(Reject(T(TypeKind::kDate), "30/02/2026", dmy), "\"30/02/2026\" is not a valid date");
  EXPECT_EQ(Reject(T(TypeKind::kDate), "01-Foo-26", {.format = "%d-%b-%y"}),
            "\"01-Foo-26\" is not a valid date (expected format %d-%b-%y)");
}

TEST(Cast, ParsesTimestampsWithAPattern) {
  const CastOptions full{.format = "%Y-%m-%d %H:%M:%S.%f %z"};
  EXPECT_EQ(CastAll(Timestamp(),
                    {"2026-03-04 05:06:07.25 +0100", "2026-03-04 05:06:07.25 +01:00",
                     "2026-03-04 04:06:07.25 Z"},
                    full)
                .ints64,
            (std::vector<int64_t>{1772597167250000, 1772597167250000, 1772597167250000}));
  EXPECT_EQ(CastAll(Timestamp(), {"03/04/2026 5:06"}, {.format = "%m/%d/%Y %H:%M"}).ints64,
            (std::vector<int64_t>{1772600760000000}));
  EXPECT_EQ(Reject(Timestamp(), "2026-03-04 05:06:07.0000001 Z", full),
            "\"2026-03-04 05:06:07.0000001 Z\" has fractional seconds finer than microseconds for "
            "timestamp");
  EXPECT_EQ(Reject(Timestamp(), "2026-03-04 05:06:07 Z", full),
            "\"2026-03-04 05:06:07 Z\" is not a valid timestamp (expected format %Y-%m-%d "
            "%H:%M:%S.%f %z)");
}

TEST(Cast, MakeRejectsBadFormatPatterns) {
  auto message = [](const DataType& type, std::string format) {
    return TextCaster::Make(type, {.format = std::move(format)}).status().message();
  };
  EXPECT_EQ(message(T(TypeKind::kDate), "%Y-%Q-%d"),
            "format \"%Y-%Q-%d\" for date: unknown directive %Q; expected %Y %y %m %b %d %H %M %S "
            "%f %z or %%");
  EXPECT_EQ(
      message(T(TypeKind::kDate), "%Y-%m"),
      "format \"%Y-%m\" for date: needs a year (%Y or %y), a month (%m or %b) and a day (%d)");
  EXPECT_EQ(message(Timestamp(), "%Y-%m-%d %Y"),
            "format \"%Y-%m-%d %Y\" for timestamp: names a field twice (%Y)");
  EXPECT_EQ(message(Timestamp(), "%Y-%m-%d %y"),
            "format \"%Y-%m-%d %y\" for timestamp: names a field twice (%y)");
  EXPECT_EQ(message(T(TypeKind::kDate), "%Y-%m-%d %H"),
            "format \"%Y-%m-%d %H\" for date: %H has no place in a date; use a timestamp");
  EXPECT_EQ(message(T(TypeKind::kDate), "%Y-%m-%d%"),
            "format \"%Y-%m-%d%\" for date: ends with a lone %");
  EXPECT_EQ(message(T(TypeKind::kInt32), "%Y"),
            "format \"%Y\" applies only to date and timestamp, not int32");
  EXPECT_EQ(message(T(TypeKind::kDate), "epoch_seconds"),
            "format \"epoch_seconds\" applies only to timestamp");
}

TEST(Cast, MakeRejectsTypesWithoutATextCast) {
  EXPECT_EQ(TextCaster::Make(T(TypeKind::kUInt64)).status().message(),
            "cannot cast text to uint64; supported: bool, int8, int16, int32, int64, float, "
            "double, decimal(p,s), "
            "string, date, timestamp, json");
  EXPECT_FALSE(TextCaster::Make(T(TypeKind::kBinary)).ok());
  EXPECT_EQ(TextCaster::Make(DataType::Timestamp(TimeUnit::kMillis)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(TextCaster::Make(DataType::Decimal(39, 0)).ok());
}

TEST(Cast, QuotesLongValuesCutAt64BytesOnACharacterBoundary) {
  EXPECT_EQ(Reject(T(TypeKind::kInt32), std::string(100, 'x')),
            "\"" + std::string(64, 'x') + "…\" is not a valid int32");
  // "é" is 2 bytes at offsets 63-64: the cut backs off to 63 bytes.
  EXPECT_EQ(Reject(T(TypeKind::kInt32), std::string(63, 'a') + "é" + std::string(10, 'b')),
            "\"" + std::string(63, 'a') + "…\" is not a valid int32");
  EXPECT_EQ(QuoteValue(std::string(64, 'z')), "\"" + std::string(64, 'z') + "\"");
}

TEST(Cast, AFailedCastLeavesTheColumnAsItWas) {
  TextCaster caster = Caster(DataType::Decimal(30, 2));
  ColumnVector c = ColumnVector::Make(caster.type());
  std::string reason;
  ASSERT_TRUE(caster.Append("1", &c, &reason));
  ASSERT_FALSE(caster.Append("1.001", &c, &reason));
  ASSERT_TRUE(caster.Append("-1", &c, &reason));
  EXPECT_EQ(c.length, 2);
  EXPECT_EQ(c.bytes.size(), 32u);
  EXPECT_TRUE(c.Validate("c").ok());
}

}  // namespace
}  // namespace sluice::etl
