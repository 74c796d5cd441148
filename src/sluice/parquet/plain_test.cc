#include "sluice/parquet/plain.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace sluice::parquet {
namespace {

template <typename T>
std::vector<T> RoundTrip(const std::vector<T>& values) {
  std::string data;
  PlainEncode(values.data(), static_cast<int64_t>(values.size()), &data);
  EXPECT_EQ(data.size(), values.size() * sizeof(T));
  std::string_view rest = data;
  std::vector<T> out(values.size());
  EXPECT_TRUE(PlainDecode(&rest, static_cast<int64_t>(out.size()), out.data()).ok());
  EXPECT_TRUE(rest.empty());
  return out;
}

template <typename T>
bool BitEqual(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

TEST(Plain, EncodesBooleansBitPackedLsbFirst) {
  const bool values[] = {true, false, true, true, false, false, false, false, true};
  std::string data;
  PlainEncodeBooleans(values, 9, &data);
  EXPECT_EQ(data, std::string("\x0D\x01", 2));
  PlainBooleanDecoder decoder;
  decoder.Reset(data);
  bool out[9];
  ASSERT_TRUE(decoder.Decode(out, 4).ok());
  ASSERT_TRUE(decoder.Decode(out + 4, 5).ok());
  EXPECT_TRUE(std::equal(values, values + 9, out));
  EXPECT_EQ(decoder.bytes_consumed(), 2u);
  EXPECT_EQ(decoder.Decode(out, 8).code(), StatusCode::kCorruption);
}

TEST(Plain, RoundTripsBooleansOfEverySize) {
  std::mt19937 rng(3);
  for (size_t n : {0, 1, 7, 8, 9, 128, 129, 1001}) {
    std::vector<char> values(n);
    for (char& v : values) v = static_cast<char>(rng() & 1);
    std::string data;
    PlainEncodeBooleans(reinterpret_cast<const bool*>(values.data()), static_cast<int64_t>(n),
                        &data);
    EXPECT_EQ(data.size(), (n + 7) / 8);
    PlainBooleanDecoder decoder;
    decoder.Reset(data);
    std::vector<char> out(n);
    ASSERT_TRUE(decoder.Decode(reinterpret_cast<bool*>(out.data()), static_cast<int64_t>(n)).ok());
    EXPECT_EQ(out, values);
  }
}

TEST(Plain, RoundTripsIntegersIncludingTheirLimitsLittleEndian) {
  const std::vector<int32_t> i32 = {0, 1, -1, std::numeric_limits<int32_t>::min(),
                                    std::numeric_limits<int32_t>::max()};
  EXPECT_EQ(RoundTrip(i32), i32);
  const std::vector<int64_t> i64 = {0, 1, -1, std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max()};
  EXPECT_EQ(RoundTrip(i64), i64);
  std::string data;
  const int32_t one = 0x01020304;
  PlainEncode(&one, 1, &data);
  EXPECT_EQ(data, std::string("\x04\x03\x02\x01", 4));
  EXPECT_TRUE(RoundTrip(std::vector<int32_t>{}).empty());
}

TEST(Plain, RoundTripsFloatingPointBitExactly) {
  const std::vector<float> f = {0.0f,
                                -0.0f,
                                1.5f,
                                std::numeric_limits<float>::quiet_NaN(),
                                -std::numeric_limits<float>::quiet_NaN(),
                                std::numeric_limits<float>::infinity(),
                                -std::numeric_limits<float>::infinity(),
                                std::numeric_limits<float>::denorm_min(),
                                std::numeric_limits<float>::max()};
  EXPECT_TRUE(BitEqual(RoundTrip(f), f));
  const std::vector<double> d = {0.0,
                                 -0.0,
                                 1e300,
                                 std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 std::numeric_limits<double>::lowest()};
  EXPECT_TRUE(BitEqual(RoundTrip(d), d));
}

TEST(Plain, DecodesInt96AsTwelveLittleEndianBytes) {
  const std::string data("\x01\x00\x00\x00\x02\x00\x00\x00\x8C\x3D\x25\x00", 12);
  std::string_view rest = data;
  Int96 out;
  ASSERT_TRUE(PlainDecode(&rest, 1, &out).ok());
  EXPECT_EQ(out.value[0], 1u);
  EXPECT_EQ(out.value[1], 2u);
  EXPECT_EQ(out.value[2], 2440588u);  // the Julian day of 1970-01-01
  EXPECT_TRUE(rest.empty());
}

TEST(Plain, RoundTripsByteArraysAsViewsIntoThePage) {
  const std::vector<std::string_view> values = {"ab", "", "hello world", std::string_view("\0x", 2),
                                                ""};
  std::string data;
  PlainEncodeByteArrays(values.data(), static_cast<int64_t>(values.size()), &data);
  EXPECT_EQ(data.substr(0, 10), std::string("\x02\x00\x00\x00"
                                            "ab"
                                            "\x00\x00\x00\x00",
                                            10));
  std::string_view rest = data;
  std::vector<std::string_view> out(values.size());
  ASSERT_TRUE(PlainDecodeByteArrays(&rest, static_cast<int64_t>(out.size()), out.data()).ok());
  EXPECT_EQ(out, values);
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(out[0].data(), data.data() + 4);
}

TEST(Plain, RoundTripsFixedLenByteArrays) {
  const std::vector<std::string_view> values = {"abc", "def", std::string_view("\0\0\0", 3)};
  std::string data;
  PlainEncodeFixedLenByteArrays(values.data(), 3, 3, &data);
  EXPECT_EQ(data.size(), 9u);
  std::string_view rest = data;
  std::vector<std::string_view> out(3);
  ASSERT_TRUE(PlainDecodeFixedLenByteArrays(&rest, 3, 3, out.data()).ok());
  EXPECT_EQ(out, values);
  rest = data;
  EXPECT_EQ(PlainDecodeFixedLenByteArrays(&rest, 1, 0, out.data()).code(), StatusCode::kCorruption);
  EXPECT_EQ(PlainDecodeFixedLenByteArrays(&rest, 4, 3, out.data()).code(), StatusCode::kCorruption);
}

TEST(Plain, DecodingAdvancesTheInputPastTheValues) {
  const int64_t values[] = {7, 8, 9};
  std::string data;
  PlainEncode(values, 3, &data);
  std::string_view rest = data;
  int64_t out[3];
  ASSERT_TRUE(PlainDecode(&rest, 2, out).ok());
  ASSERT_TRUE(PlainDecode(&rest, 1, out + 2).ok());
  EXPECT_EQ(out[2], 9);
  EXPECT_EQ(PlainDecode(&rest, 1, out).code(), StatusCode::kCorruption);
}

TEST(Plain, ShortFixedWidthInputIsCorruptionNamingTheType) {
  std::string data(7, '\0');
  std::string_view rest = data;
  double out[1];
  Status st = PlainDecode(&rest, 1, out);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(), "PLAIN DOUBLE: 1 values need 8 bytes but only 7 remain");
  EXPECT_EQ(rest.size(), 7u);
}

TEST(Plain, ByteArraysTruncatedAtEveryByteAreCorruption) {
  const std::vector<std::string_view> values = {"first", "", "third value"};
  std::string data;
  PlainEncodeByteArrays(values.data(), 3, &data);
  std::vector<std::string_view> out(3);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    std::string_view rest = std::string_view(data).substr(0, cut);
    EXPECT_EQ(PlainDecodeByteArrays(&rest, 3, out.data()).code(), StatusCode::kCorruption)
        << "cut at " << cut;
  }
}

TEST(Plain, ByteArrayWithALyingLengthIsCorruption) {
  const std::string data(
      "\xff\xff\xff\xff"
      "abc",
      7);
  std::string_view rest = data;
  std::string_view out;
  Status st = PlainDecodeByteArrays(&rest, 1, &out);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(),
            "PLAIN BYTE_ARRAY value 0 of 1 claims 4294967295 bytes but only 3 remain");
}

}  // namespace
}  // namespace sluice::parquet
