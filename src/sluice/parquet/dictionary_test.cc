#include "sluice/parquet/dictionary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "sluice/parquet/plain.h"

namespace sluice::parquet {
namespace {

TEST(Dictionary, AssignsIndicesInFirstSeenOrder) {
  auto dict = DictionaryBuilder::ForFixedWidth(8);
  const int64_t values[] = {10, 20, 10, 30, 20, 10};
  uint32_t indices[6];
  dict.InsertBatch(values, 6, indices);
  EXPECT_EQ(std::vector<uint32_t>(indices, indices + 6), (std::vector<uint32_t>{0, 1, 0, 2, 1, 0}));
  EXPECT_EQ(dict.num_entries(), 3);
  std::string plain;
  const int64_t entries[] = {10, 20, 30};
  PlainEncode(entries, 3, &plain);
  EXPECT_EQ(dict.dictionary_page(), plain);
  EXPECT_EQ(dict.dictionary_page_size(), 24);
}

TEST(Dictionary, KeysFloatsByBitPatternSoNanAndNegativeZeroAreEntries) {
  auto dict = DictionaryBuilder::ForFixedWidth(8);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  uint64_t other_nan_bits;
  std::memcpy(&other_nan_bits, &nan, 8);
  other_nan_bits |= 1;
  double other_nan;
  std::memcpy(&other_nan, &other_nan_bits, 8);
  EXPECT_EQ(dict.Insert(0.0), 0u);
  EXPECT_EQ(dict.Insert(-0.0), 1u);
  EXPECT_EQ(dict.Insert(nan), 2u);
  EXPECT_EQ(dict.Insert(nan), 2u);
  EXPECT_EQ(dict.Insert(other_nan), 3u);
  EXPECT_EQ(dict.Insert(std::numeric_limits<double>::infinity()), 4u);
  EXPECT_EQ(dict.Insert(0.0), 0u);
  std::string_view page = dict.dictionary_page();
  std::vector<double> entries(5);
  ASSERT_TRUE(PlainDecode(&page, 5, entries.data()).ok());
  EXPECT_TRUE(std::signbit(entries[1]));
  EXPECT_EQ(std::memcmp(&entries[3], &other_nan, 8), 0);

  auto floats = DictionaryBuilder::ForFixedWidth(4);
  EXPECT_EQ(floats.Insert(0.0f), 0u);
  EXPECT_EQ(floats.Insert(-0.0f), 1u);
  EXPECT_EQ(floats.Insert(std::numeric_limits<float>::quiet_NaN()), 2u);
}

TEST(Dictionary, ByteArrayPageIsThePlainEncodingOfTheEntries) {
  auto dict = DictionaryBuilder::ForByteArray();
  const std::vector<std::string_view> values = {"b", "", "a", "b", "", "longer value"};
  std::vector<uint32_t> indices(values.size());
  dict.InsertBatch(values.data(), static_cast<int64_t>(values.size()), indices.data());
  EXPECT_EQ(indices, (std::vector<uint32_t>{0, 1, 2, 0, 1, 3}));
  const std::vector<std::string_view> entries = {"b", "", "a", "longer value"};
  std::string plain;
  PlainEncodeByteArrays(entries.data(), 4, &plain);
  EXPECT_EQ(dict.dictionary_page(), plain);
  EXPECT_EQ(dict.dictionary_page_size(), 4 * 4 + 1 + 0 + 1 + 12);
}

TEST(Dictionary, FixedLenByteArraysAndTypedInsertsShareEntries) {
  auto flba = DictionaryBuilder::ForFixedWidth(3);
  EXPECT_EQ(flba.InsertBytes("abc"), 0u);
  EXPECT_EQ(flba.InsertBytes("abd"), 1u);
  EXPECT_EQ(flba.InsertBytes("abc"), 0u);
  auto ints = DictionaryBuilder::ForFixedWidth(4);
  const int32_t seven = 7;
  EXPECT_EQ(ints.Insert(int32_t{7}), 0u);
  EXPECT_EQ(ints.InsertBytes(std::string_view(reinterpret_cast<const char*>(&seven), 4)), 0u);
}

TEST(Dictionary, StaysConsistentThroughManyEntriesAndClear) {
  auto dict = DictionaryBuilder::ForFixedWidth(4);
  std::mt19937 rng(8);
  std::vector<int32_t> values(200000);
  for (auto& v : values) v = static_cast<int32_t>(rng() % 50000) - 25000;
  std::vector<uint32_t> indices(values.size());
  dict.InsertBatch(values.data(), static_cast<int64_t>(values.size()), indices.data());
  std::string_view page = dict.dictionary_page();
  std::vector<int32_t> entries(static_cast<size_t>(dict.num_entries()));
  ASSERT_TRUE(PlainDecode(&page, dict.num_entries(), entries.data()).ok());
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(entries[indices[i]], values[i]);
  EXPECT_LE(dict.num_entries(), 50000);
  EXPECT_EQ(dict.dictionary_page_size(), dict.num_entries() * 4);
  EXPECT_EQ(dict.index_bit_width(), 16);

  dict.Clear();
  EXPECT_EQ(dict.num_entries(), 0);
  EXPECT_EQ(dict.dictionary_page_size(), 0);
  EXPECT_EQ(dict.Insert(int32_t{5}), 0u);
  EXPECT_EQ(dict.index_bit_width(), 1);
}

// Byte arrays of every length around the hash's load boundaries (4, 8, 16, 32 bytes), and
// values differing in a single byte anywhere, are entries of their own and found again.
TEST(Dictionary, ByteArraysOfEveryLengthAndOneByteApartAreDistinctEntries) {
  auto dict = DictionaryBuilder::ForByteArray();
  std::vector<std::string> values;
  for (size_t len = 0; len <= 70; ++len) {
    const std::string base(len, 'a');
    values.push_back(base);
    for (size_t at = 0; at < len; ++at) {
      std::string v = base;
      v[at] = 'b';
      values.push_back(v);
    }
  }
  std::vector<uint32_t> first;
  for (const std::string& v : values) first.push_back(dict.InsertBytes(v));
  ASSERT_EQ(dict.num_entries(), static_cast<int64_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(first[i], i);
    // Found again from a copy at another address (and alignment).
    const std::string copy = " " + values[i];
    ASSERT_EQ(dict.InsertBytes(std::string_view(copy).substr(1)), i) << values[i];
  }
  EXPECT_EQ(dict.num_entries(), static_cast<int64_t>(values.size()));
}

TEST(Dictionary, IndicesRoundTripThroughRleDictionaryEncoding) {
  std::mt19937 rng(4);
  for (int bit_width : {1, 3, 8, 17, 32}) {
    std::vector<uint32_t> indices(1000);
    const uint64_t size = bit_width == 32 ? UINT32_MAX : (uint64_t{1} << bit_width);
    for (size_t i = 0; i < indices.size(); ++i) {
      indices[i] =
          i % 10 < 5 ? static_cast<uint32_t>(size - 1) : static_cast<uint32_t>(rng() % size);
    }
    std::string data;
    EncodeDictionaryIndices(indices.data(), 1000, bit_width, &data);
    EXPECT_EQ(static_cast<uint8_t>(data[0]), bit_width);
    DictionaryIndexDecoder decoder;
    ASSERT_TRUE(decoder.Reset(data).ok());
    std::vector<uint32_t> out(1000);
    ASSERT_TRUE(decoder.Decode(out.data(), 1000, static_cast<uint32_t>(size)).ok());
    EXPECT_EQ(out, indices);
  }
}

TEST(Dictionary, HostileIndexPagesAreCorruption) {
  DictionaryIndexDecoder decoder;
  EXPECT_EQ(decoder.Reset("").code(), StatusCode::kCorruption);
  EXPECT_EQ(decoder.Reset(std::string("\x21\x10\x01", 3)).message(),
            "RLE_DICTIONARY index bit width 33 is over 32");
  const uint32_t indices[] = {0, 1, 2, 3};
  std::string data;
  EncodeDictionaryIndices(indices, 4, 2, &data);
  ASSERT_TRUE(decoder.Reset(data).ok());
  uint32_t out[4];
  Status st = decoder.Decode(out, 4, 3);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(),
            "RLE_DICTIONARY index 3 at value 3 is outside the dictionary of 3 entries");
  ASSERT_TRUE(decoder.Reset(data.substr(0, 1)).ok());
  EXPECT_EQ(decoder.Decode(out, 1, 4).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::parquet
