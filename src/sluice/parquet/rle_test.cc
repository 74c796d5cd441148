#include "sluice/parquet/rle.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string Encode(const std::vector<uint64_t>& values, int bit_width) {
  RleEncoder encoder(bit_width);
  for (uint64_t v : values) encoder.Append(v);
  std::string out;
  encoder.Flush(&out);
  return out;
}

Result<std::vector<uint64_t>> Decode(std::string_view data, int bit_width, int64_t n) {
  RleDecoder decoder;
  SLUICE_RETURN_IF_ERROR(decoder.Reset(data, bit_width));
  std::vector<uint64_t> out(static_cast<size_t>(n));
  SLUICE_RETURN_IF_ERROR(decoder.GetBatch(out.data(), n));
  return out;
}

uint64_t Mask(int bit_width) {
  return bit_width == 64 ? ~uint64_t{0} : (uint64_t{1} << bit_width) - 1;
}

// Random values with runs of random length mixed in, like real levels and indices.
std::vector<uint64_t> MixedValues(int bit_width, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> values;
  while (values.size() < n) {
    const uint64_t v = rng() & Mask(bit_width);
    const size_t run = (rng() % 4 == 0) ? 1 + rng() % 40 : 1;
    for (size_t i = 0; i < run && values.size() < n; ++i) values.push_back(v);
  }
  return values;
}

TEST(Rle, BitWidthIsTheNumberOfBitsOfTheMaximum) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(7), 3);
  EXPECT_EQ(BitWidth(8), 4);
  EXPECT_EQ(BitWidth(UINT32_MAX), 32);
  EXPECT_EQ(BitWidth(~uint64_t{0}), 64);
  EXPECT_EQ(BitPackedSize(8, 3), 3);
  EXPECT_EQ(BitPackedSize(9, 3), 4);
}

TEST(Rle, DecodesTheBitPackingExampleOfTheSpecification) {
  // Encodings.md: 0..7 with bit width 3 pack to 10001000 11000110 11111010; header 1 group.
  const std::string data = Bytes({0x03, 0x88, 0xC6, 0xFA});
  auto values = Decode(data, 3, 8);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(*values, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(Rle, EncodesTheBitPackingExampleOfTheSpecificationByteForByte) {
  EXPECT_EQ(Encode({0, 1, 2, 3, 4, 5, 6, 7}, 3), Bytes({0x03, 0x88, 0xC6, 0xFA}));
}

TEST(Rle, EncodesEightRepeatsAsOneRleRun) {
  // Header varint(8 << 1), value in one byte.
  EXPECT_EQ(Encode(std::vector<uint64_t>(8, 5), 3), Bytes({0x10, 0x05}));
  // A 2-byte value for widths 9..16, little endian.
  EXPECT_EQ(Encode(std::vector<uint64_t>(300, 0x1234), 13), Bytes({0xD8, 0x04, 0x34, 0x12}));
}

TEST(Rle, PadsAShortFinalGroupToEightValues) {
  // Three values bit-packed in one group of 8 (width 2 -> 2 bytes), padding zero.
  EXPECT_EQ(Encode({1, 2, 3}, 2), Bytes({0x03, 0x39, 0x00}));
}

TEST(Rle, RoundTripsEveryBitWidthAndSize) {
  std::vector<int> widths;
  for (int w = 0; w <= 32; ++w) widths.push_back(w);
  widths.push_back(40);
  widths.push_back(57);
  widths.push_back(63);
  widths.push_back(64);
  for (int w : widths) {
    for (size_t n : {0, 1, 7, 8, 9, 16, 128, 129, 1000, 5003}) {
      SCOPED_TRACE("width " + std::to_string(w) + ", " + std::to_string(n) + " values");
      const auto values = MixedValues(w, n, 1000 * w + n);
      const std::string data = Encode(values, w);
      auto decoded = Decode(data, w, static_cast<int64_t>(n));
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(*decoded, values);
      if (w <= 32) {
        RleDecoder decoder;
        ASSERT_TRUE(decoder.Reset(data, w).ok());
        std::vector<uint32_t> narrow(n);
        ASSERT_TRUE(decoder.GetBatch(narrow.data(), static_cast<int64_t>(n)).ok());
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(narrow[i], values[i]) << i;
      }
    }
  }
}

TEST(Rle, RoundTripsExtremeValuesOfEachWidth) {
  for (int w = 1; w <= 64; ++w) {
    const uint64_t max = Mask(w);
    std::vector<uint64_t> values = {max, 0, max, max, 1, 0, max - 1, max};
    for (int i = 0; i < 20; ++i) values.push_back(max);
    auto decoded = Decode(Encode(values, w), w, static_cast<int64_t>(values.size()));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, values) << "width " << w;
  }
}

TEST(Rle, EncodesALongRunInAFewBytes) {
  std::vector<uint64_t> values(1'000'000, 1);
  const std::string data = Encode(values, 1);
  EXPECT_LE(data.size(), 5u);
  auto decoded = Decode(data, 1, 1'000'000);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, values);
}

TEST(Rle, DecodesInBatchesOfAnySize) {
  const auto values = MixedValues(5, 3000, 7);
  const std::string data = Encode(values, 5);
  RleDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data, 5).ok());
  std::vector<uint32_t> out(values.size());
  size_t done = 0;
  for (size_t batch = 1; done < values.size(); batch = batch * 3 % 97 + 1) {
    const size_t n = std::min(batch, values.size() - done);
    ASSERT_TRUE(decoder.GetBatch(out.data() + done, static_cast<int64_t>(n)).ok());
    done += n;
  }
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(out[i], values[i]);
  EXPECT_EQ(decoder.values_read(), 3000);
}

TEST(Rle, RoundTripsInt16LevelsWithALengthPrefix) {
  std::vector<int16_t> levels;
  for (int i = 0; i < 500; ++i) levels.push_back(static_cast<int16_t>(i % 7 == 0 ? 0 : 3));
  RleEncoder encoder(2);
  encoder.AppendBatch(levels.data(), static_cast<int64_t>(levels.size()));
  std::string page = "xx";
  encoder.FlushLengthPrefixed(&page);
  page += "values after the levels";
  std::string_view rest = std::string_view(page).substr(2);
  size_t consumed = 0;
  auto rle = SplitLengthPrefixedRle(rest, &consumed);
  ASSERT_TRUE(rle.ok()) << rle.status();
  EXPECT_EQ(rest.substr(consumed), "values after the levels");
  RleDecoder decoder;
  ASSERT_TRUE(decoder.Reset(*rle, 2).ok());
  std::vector<int16_t> out(levels.size());
  ASSERT_TRUE(decoder.GetBatch(out.data(), static_cast<int64_t>(out.size())).ok());
  EXPECT_EQ(out, levels);
}

TEST(Rle, LengthPrefixThatIsTruncatedOrLiesIsCorruption) {
  size_t consumed = 0;
  auto short_prefix = SplitLengthPrefixedRle(Bytes({0x01, 0x00}), &consumed);
  EXPECT_EQ(short_prefix.status().code(), StatusCode::kCorruption);
  auto lying = SplitLengthPrefixedRle(Bytes({0x05, 0x00, 0x00, 0x00, 0x10, 0x01}), &consumed);
  EXPECT_EQ(lying.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(lying.status().message(), "RLE length prefix claims 5 bytes but only 2 follow");
}

TEST(Rle, TruncationAtEveryByteIsCorruption) {
  // RLE run, one full bit-packed group, RLE run: every byte is needed, none is padding.
  std::vector<uint64_t> values(16, 3);
  for (uint64_t v : {1, 9, 4, 27, 0, 31, 8, 2}) values.push_back(v);
  for (int i = 0; i < 20; ++i) values.push_back(1);
  const std::string data = Encode(values, 5);
  ASSERT_EQ(data.size(), 2u + 1 + 5 + 2);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    auto decoded = Decode(data.substr(0, cut), 5, static_cast<int64_t>(values.size()));
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << "cut at " << cut;
  }
}

TEST(Rle, AskingForMoreValuesThanEncodedIsCorruption) {
  auto decoded = Decode(Bytes({0x10, 0x05}), 3, 9);
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decoded.status().message(),
            "decoding 9 RLE values: RLE data ends after 8 values (2 bytes)");
}

TEST(Rle, HostileRunHeadersAreCorruption) {
  struct Case {
    std::string data;
    int bit_width;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Bytes({0x00, 0x01}), 1, "RLE run at byte 0 claims 0 values; expected 1..2147483647"},
      {Bytes({0x01}), 1, "RLE bit-packed run at byte 0 claims 0 groups of 8 values"},
      // A run of 2^40 values.
      {Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x01}), 1, "RLE run at byte 0 claims"},
      {Bytes({0x81, 0x80, 0x80, 0x80, 0x20}), 1, "RLE bit-packed run at byte 0 claims"},
      {std::string(11, '\xff'), 1, "ULEB128 value overflows 64 bits"},
      {Bytes({0x80}), 1, "ULEB128 value truncated"},
      {Bytes({0x10, 0x09}), 3, "repeats 9, which does not fit in 3 bits"},
      {Bytes({0x10}), 3, "RLE data ends inside the value of the run at byte 0"},
  };
  for (const Case& c : cases) {
    auto decoded = Decode(c.data, c.bit_width, 4);
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << c.message;
    EXPECT_NE(decoded.status().message().find(c.message), std::string::npos)
        << decoded.status().message();
  }
}

TEST(Rle, BitWidthOver64IsCorruption) {
  RleDecoder decoder;
  EXPECT_EQ(decoder.Reset("", 65).code(), StatusCode::kCorruption);
}

TEST(Rle, ValuesWiderThanTheOutputAreCorruption) {
  const std::string data = Encode(std::vector<uint64_t>(8, 40000), 16);
  RleDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data, 16).ok());
  std::vector<int16_t> levels(8);
  EXPECT_EQ(decoder.GetBatch(levels.data(), 8).code(), StatusCode::kCorruption);
  const std::string wide = Encode(std::vector<uint64_t>{uint64_t{1} << 40, 1}, 41);
  ASSERT_TRUE(decoder.Reset(wide, 41).ok());
  std::vector<uint32_t> out(2);
  EXPECT_EQ(decoder.GetBatch(out.data(), 2).code(), StatusCode::kCorruption);
}

TEST(Rle, BitPackedRunClaimingMoreGroupsThanBytesDecodesOnlyWhatIsThere) {
  // 100 groups claimed at width 8, but only 3 values' bytes present.
  const std::string data = Bytes({0xC9, 0x01, 7, 8, 9});
  RleDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data, 8).ok());
  uint32_t out[4];
  ASSERT_TRUE(decoder.GetBatch(out, 3).ok());
  EXPECT_EQ(out[2], 9u);
  EXPECT_EQ(decoder.GetBatch(out, 1).code(), StatusCode::kCorruption);
}

TEST(Rle, RandomBytesNeverCrashTheDecoder) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> out(4096);
  for (int i = 0; i < 2000; ++i) {
    std::string data(rng() % 64, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const int width = static_cast<int>(rng() % 65);
    RleDecoder decoder;
    ASSERT_TRUE(decoder.Reset(data, width).ok());
    (void)decoder.GetBatch(out.data(), static_cast<int64_t>(rng() % out.size()));
  }
}

}  // namespace
}  // namespace sluice::parquet
