#include "sluice/parquet/byte_stream_split.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace sluice::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(ByteStreamSplit, EncodesAndDecodesTheSpecificationExample) {
  const std::string values =
      Bytes({0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6});
  const std::string encoded =
      Bytes({0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4, 0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6});
  std::string out;
  ByteStreamSplitEncode(reinterpret_cast<const uint8_t*>(values.data()), 3, 4, &out);
  EXPECT_EQ(out, encoded);
  float floats[3];
  ASSERT_TRUE(ByteStreamSplitDecode(encoded, 0, 3, floats).ok());
  EXPECT_EQ(std::memcmp(floats, values.data(), 12), 0);
}

TEST(ByteStreamSplit, RoundTripsFloatsAndDoublesBitExactly) {
  const std::vector<float> f = {0.0f,
                                -0.0f,
                                std::numeric_limits<float>::quiet_NaN(),
                                std::numeric_limits<float>::infinity(),
                                -std::numeric_limits<float>::infinity(),
                                3.25f};
  std::string data;
  ByteStreamSplitEncode(f.data(), static_cast<int64_t>(f.size()), &data);
  std::vector<float> f_out(f.size());
  ASSERT_TRUE(ByteStreamSplitDecode(data, 0, static_cast<int64_t>(f.size()), f_out.data()).ok());
  EXPECT_EQ(std::memcmp(f.data(), f_out.data(), f.size() * 4), 0);

  std::mt19937_64 rng(1);
  std::vector<double> d(1001);
  for (auto& v : d) {
    uint64_t bits = rng();
    std::memcpy(&v, &bits, 8);
  }
  data.clear();
  ByteStreamSplitEncode(d.data(), 1001, &data);
  std::vector<double> d_out(1001);
  ASSERT_TRUE(ByteStreamSplitDecode(data, 0, 1001, d_out.data()).ok());
  EXPECT_EQ(std::memcmp(d.data(), d_out.data(), 1001 * 8), 0);
}

TEST(ByteStreamSplit, RoundTripsIntegersAndFixedLenByteArraysInBatches) {
  std::vector<int64_t> i64 = {std::numeric_limits<int64_t>::min(), -1, 0, 1,
                              std::numeric_limits<int64_t>::max()};
  std::string data;
  ByteStreamSplitEncode(i64.data(), 5, &data);
  std::vector<int64_t> out(5);
  ASSERT_TRUE(ByteStreamSplitDecode(data, 0, 2, out.data()).ok());
  ASSERT_TRUE(ByteStreamSplitDecode(data, 2, 3, out.data() + 2).ok());
  EXPECT_EQ(out, i64);

  std::vector<int32_t> i32 = {7, -7, 1 << 30};
  data.clear();
  ByteStreamSplitEncode(i32.data(), 3, &data);
  std::vector<int32_t> i32_out(3);
  ASSERT_TRUE(ByteStreamSplitDecode(data, 0, 3, i32_out.data()).ok());
  EXPECT_EQ(i32_out, i32);

  const std::string flba = "abcdefghijkl";  // four 3-byte values
  data.clear();
  ByteStreamSplitEncode(reinterpret_cast<const uint8_t*>(flba.data()), 4, 3, &data);
  EXPECT_EQ(data, "adgjbehkcfil");
  std::string back(12, '\0');
  ASSERT_TRUE(
      ByteStreamSplitDecode(data, 3, 1, 3, reinterpret_cast<uint8_t*>(back.data()) + 3).ok());
  EXPECT_EQ(back.substr(3, 3), "def");
}

TEST(ByteStreamSplit, EmptyPageHoldsNoValues) {
  std::string data;
  ByteStreamSplitEncode(static_cast<const double*>(nullptr), 0, &data);
  EXPECT_TRUE(data.empty());
  EXPECT_EQ(*ByteStreamSplitValueCount(data, 8), 0);
  EXPECT_TRUE(ByteStreamSplitDecode(data, 0, 0, static_cast<double*>(nullptr)).ok());
}

TEST(ByteStreamSplit, MalformedPagesAndRequestsAreCorruption) {
  const std::string data(10, 'x');
  double d[2];
  Status st = ByteStreamSplitDecode(data, 0, 1, d);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(),
            "BYTE_STREAM_SPLIT page of 10 bytes is not a multiple of the 8-byte value width");
  float f[4];
  EXPECT_EQ(ByteStreamSplitDecode(std::string(8, 'x'), 1, 2, f).message(),
            "BYTE_STREAM_SPLIT page holds 2 values; values 1..3 requested");
  EXPECT_EQ(ByteStreamSplitValueCount(data, 0).status().code(), StatusCode::kCorruption);
  uint8_t b[4];
  EXPECT_EQ(ByteStreamSplitDecode(data, -1, 0, 1, b).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::parquet
