#include "sluice/parquet/delta.h"

#include <gtest/gtest.h>

#include <limits>
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

template <typename T>
Result<std::vector<T>> DecodeAll(std::string_view data, size_t* consumed = nullptr) {
  DeltaBinaryPackedDecoder decoder;
  SLUICE_RETURN_IF_ERROR(decoder.Reset(data));
  std::vector<T> out(static_cast<size_t>(decoder.total_values()));
  SLUICE_RETURN_IF_ERROR(decoder.Decode(out.data(), decoder.total_values()));
  if (consumed != nullptr) *consumed = decoder.bytes_consumed();
  return out;
}

template <typename T>
void ExpectRoundTrip(const std::vector<T>& values) {
  std::string data;
  DeltaBinaryPackedEncode(values.data(), static_cast<int64_t>(values.size()), &data);
  data += "trailing";
  size_t consumed = 0;
  auto decoded = DecodeAll<T>(data, &consumed);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, values);
  EXPECT_EQ(consumed, data.size() - 8);
}

template <typename T>
std::vector<std::vector<T>> EdgeSequences() {
  constexpr T kMin = std::numeric_limits<T>::min();
  constexpr T kMax = std::numeric_limits<T>::max();
  std::vector<std::vector<T>> out = {{},
                                     {42},
                                     {kMin},
                                     {kMax, kMin},
                                     {kMin, kMax, kMin, kMax, 0, -1, 1, kMin, kMax},
                                     {5, 4, 3, 2, 1, 0, -1, -2}};
  std::mt19937_64 rng(11);
  for (size_t n : {8, 32, 33, 127, 128, 129, 130, 1000, 10007}) {
    std::vector<T> random(n), ascending(n), constant(n, kMin), walk(n);
    T acc = 0;
    for (size_t i = 0; i < n; ++i) {
      random[i] = static_cast<T>(rng());
      ascending[i] = static_cast<T>(i * 3 + 1000);
      acc = static_cast<T>(acc + static_cast<T>(static_cast<int64_t>(rng() % 200) - 100));
      walk[i] = acc;
    }
    out.push_back(random);
    out.push_back(ascending);
    out.push_back(constant);
    out.push_back(walk);
  }
  return out;
}

TEST(DeltaBinaryPacked, DecodesExampleOneOfTheSpecificationWithAValidBlockSize) {
  // Encodings.md example 1 (1, 2, 3, 4, 5) with block size 128 and one miniblock, since
  // the example's block size of 8 is invalid in real files: min delta 1, bit width 0.
  const std::string data = Bytes({0x80, 0x01, 0x01, 0x05, 0x02, 0x02, 0x00});
  size_t consumed = 0;
  auto values = DecodeAll<int32_t>(data, &consumed);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(*values, (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(consumed, data.size());
}

TEST(DeltaBinaryPacked, DecodesExampleTwoOfTheSpecificationWithAValidBlockSize) {
  // Example 2 (7, 5, 3, 1, 2, 3, 4, 5): min delta -2, relative deltas 0,0,0,3,3,3,3 on 2 bits
  // in a miniblock of 128 values (32 bytes).
  std::string data = Bytes({0x80, 0x01, 0x01, 0x08, 0x0E, 0x03, 0x02, 0xC0, 0x3F});
  data.append(30, '\0');
  size_t consumed = 0;
  auto values = DecodeAll<int64_t>(data, &consumed);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(*values, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(consumed, data.size());
}

TEST(DeltaBinaryPacked, RejectsTheSpecificationExamplesLiteralBlockSizeOfEight) {
  DeltaBinaryPackedDecoder decoder;
  Status st = decoder.Reset(Bytes({0x08, 0x01, 0x05, 0x02, 0x02, 0x00}));
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(),
            "DELTA_BINARY_PACKED block size 8 is not a positive multiple of 128 below 2^31");
}

TEST(DeltaBinaryPacked, EncodesExampleOneInBlocksOf128WithFourMiniblocks) {
  const int32_t values[] = {1, 2, 3, 4, 5};
  std::string data;
  DeltaBinaryPackedEncode(values, 5, &data);
  EXPECT_EQ(data, Bytes({0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00}));
}

TEST(DeltaBinaryPacked, EncodesZeroAndOneValueAsAHeaderOnly) {
  std::string data;
  DeltaBinaryPackedEncode(static_cast<const int64_t*>(nullptr), 0, &data);
  EXPECT_EQ(data, Bytes({0x80, 0x01, 0x04, 0x00, 0x00}));
  data.clear();
  const int64_t one = -3;
  DeltaBinaryPackedEncode(&one, 1, &data);
  EXPECT_EQ(data, Bytes({0x80, 0x01, 0x04, 0x01, 0x05}));
}

TEST(DeltaBinaryPacked, RoundTripsInt32EdgeCasesWithWraparound) {
  for (const auto& values : EdgeSequences<int32_t>()) {
    SCOPED_TRACE(std::to_string(values.size()) + " values");
    ExpectRoundTrip(values);
  }
}

TEST(DeltaBinaryPacked, RoundTripsInt64EdgeCasesWithWraparound) {
  for (const auto& values : EdgeSequences<int64_t>()) {
    SCOPED_TRACE(std::to_string(values.size()) + " values");
    ExpectRoundTrip(values);
  }
}

TEST(DeltaBinaryPacked, PacksSmallDeltasNarrowly) {
  std::vector<int64_t> values(1025);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 1'000'000'000'000 + 2 * i;
  std::string data;
  DeltaBinaryPackedEncode(values.data(), static_cast<int64_t>(values.size()), &data);
  EXPECT_LT(data.size(), 100u);  // constant deltas: bit width 0 in every miniblock
}

TEST(DeltaBinaryPacked, DecodesInBatches) {
  std::vector<int32_t> values(1000);
  std::mt19937 rng(5);
  for (auto& v : values) v = static_cast<int32_t>(rng() % 100000);
  std::string data;
  DeltaBinaryPackedEncode(values.data(), 1000, &data);
  DeltaBinaryPackedDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data).ok());
  std::vector<int32_t> out(1000);
  int64_t done = 0;
  for (int64_t batch = 1; done < 1000; batch = batch * 5 % 131 + 1) {
    const int64_t n = std::min<int64_t>(batch, 1000 - done);
    ASSERT_TRUE(decoder.Decode(out.data() + done, n).ok());
    done += n;
  }
  EXPECT_EQ(out, values);
  EXPECT_EQ(decoder.values_remaining(), 0);
  int32_t extra;
  EXPECT_EQ(decoder.Decode(&extra, 1).code(), StatusCode::kCorruption);
}

TEST(DeltaBinaryPacked, TruncationAtEveryByteIsCorruption) {
  std::vector<int64_t> values(300);
  std::mt19937_64 rng(9);
  for (auto& v : values) v = static_cast<int64_t>(rng() % 5000);
  std::string data;
  DeltaBinaryPackedEncode(values.data(), 300, &data);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    auto decoded = DecodeAll<int64_t>(std::string_view(data).substr(0, cut));
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << "cut at " << cut;
  }
}

TEST(DeltaBinaryPacked, HostileHeadersAndWidthsAreCorruption) {
  std::string wide32 = Bytes({0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 33, 0, 0, 0});
  wide32.append(33 * 4, '\xff');
  EXPECT_EQ(DecodeAll<int32_t>(wide32).status().message(),
            "DELTA_BINARY_PACKED miniblock bit width 33 at byte 6 is wider than the 32-bit type");
  EXPECT_TRUE(DecodeAll<int64_t>(wide32).ok());
  std::string wide64 = Bytes({0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 65, 0, 0, 0});
  wide64.append(65 * 4, '\xff');
  EXPECT_EQ(DecodeAll<int64_t>(wide64).status().code(), StatusCode::kCorruption);
  const std::vector<std::string> bad_headers = {
      Bytes({0x00, 0x04, 0x02, 0x00}),        // block size 0
      Bytes({0x80, 0x01, 0x00, 0x02, 0x00}),  // no miniblocks
      Bytes({0x80, 0x01, 0x03, 0x02, 0x00}),  // 128 / 3
      Bytes({0x80, 0x01, 0x08, 0x02, 0x00}),  // 16 values per miniblock
      Bytes({0x80, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
             0x00}),  // 2^64 - 1 values
  };
  for (const std::string& header : bad_headers) {
    DeltaBinaryPackedDecoder decoder;
    EXPECT_EQ(decoder.Reset(header).code(), StatusCode::kCorruption);
  }
  // A count far beyond the data fails when the values are asked for, without allocating.
  DeltaBinaryPackedDecoder decoder;
  ASSERT_TRUE(decoder.Reset(Bytes({0x80, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00})).ok());
  int64_t out[4];
  EXPECT_EQ(decoder.Decode(out, 4).code(), StatusCode::kCorruption);
}

TEST(DeltaBinaryPacked, RandomBytesNeverCrashTheDecoder) {
  std::mt19937_64 rng(77);
  std::vector<int64_t> out(512);
  for (int i = 0; i < 3000; ++i) {
    std::string data = Bytes({0x80, 0x01, 0x04});
    data.push_back(static_cast<char>(rng() % 128));
    const size_t n = rng() % 96;
    for (size_t k = 0; k < n; ++k) data.push_back(static_cast<char>(rng()));
    DeltaBinaryPackedDecoder decoder;
    if (!decoder.Reset(data).ok()) continue;
    (void)decoder.Decode(out.data(), std::min<int64_t>(decoder.total_values(), 512));
  }
}

TEST(DeltaLengthByteArray, EncodesTheSpecificationExample) {
  const std::vector<std::string_view> values = {"Hello", "World", "Foobar", "ABCDEF"};
  std::string data;
  DeltaLengthByteArrayEncode(values.data(), 4, &data);
  const std::string bytes = "HelloWorldFoobarABCDEF";
  ASSERT_GT(data.size(), bytes.size());
  EXPECT_EQ(data.substr(data.size() - bytes.size()), bytes);
  auto lengths = DecodeAll<int32_t>(data);
  ASSERT_TRUE(lengths.ok());
  EXPECT_EQ(*lengths, (std::vector<int32_t>{5, 5, 6, 6}));

  DeltaLengthByteArrayDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data, 4).ok());
  EXPECT_EQ(decoder.stream_size(), data.size());
  std::vector<std::string_view> out(4);
  ASSERT_TRUE(decoder.Decode(out.data(), 1).ok());
  ASSERT_TRUE(decoder.Decode(out.data() + 1, 3).ok());
  EXPECT_EQ(out, values);
  EXPECT_EQ(decoder.Decode(out.data(), 1).code(), StatusCode::kCorruption);
}

TEST(DeltaLengthByteArray, RoundTripsEmptyStringsAndNoValues) {
  for (const std::vector<std::string_view>& values :
       {std::vector<std::string_view>{}, std::vector<std::string_view>{""},
        std::vector<std::string_view>{"", "", "x", ""}}) {
    std::string data;
    DeltaLengthByteArrayEncode(values.data(), static_cast<int64_t>(values.size()), &data);
    DeltaLengthByteArrayDecoder decoder;
    ASSERT_TRUE(decoder.Reset(data, 10).ok());
    std::vector<std::string_view> out(values.size());
    ASSERT_TRUE(decoder.Decode(out.data(), static_cast<int64_t>(out.size())).ok());
    EXPECT_EQ(out, values);
  }
}

TEST(DeltaLengthByteArray, LyingLengthsAndCountsAreCorruption) {
  const int32_t lengths[] = {3, 100};
  std::string data;
  DeltaBinaryPackedEncode(lengths, 2, &data);
  data += "abcdef";
  DeltaLengthByteArrayDecoder decoder;
  Status st = decoder.Reset(data, 2);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(),
            "DELTA_LENGTH_BYTE_ARRAY lengths add up to 103 bytes but only 6 follow them");
  EXPECT_EQ(decoder.Reset(data, 1).message(),
            "DELTA_LENGTH_BYTE_ARRAY holds 2 values, more than the 1 of its page");
  const int32_t negative[] = {3, -1};
  data.clear();
  DeltaBinaryPackedEncode(negative, 2, &data);
  data += "abc";
  EXPECT_EQ(decoder.Reset(data, 2).code(), StatusCode::kCorruption);
}

TEST(DeltaLengthByteArray, TruncationAtEveryByteIsCorruption) {
  const std::vector<std::string_view> values = {"alpha", "", "gamma ray", "d"};
  std::string data;
  DeltaLengthByteArrayEncode(values.data(), 4, &data);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    DeltaLengthByteArrayDecoder decoder;
    EXPECT_EQ(decoder.Reset(std::string_view(data).substr(0, cut), 4).code(),
              StatusCode::kCorruption)
        << "cut at " << cut;
  }
}

TEST(DeltaByteArray, EncodesTheSpecificationExample) {
  const std::vector<std::string_view> values = {"axis", "axle", "babble", "babyhood"};
  std::string data;
  DeltaByteArrayEncode(values.data(), 4, &data);
  DeltaBinaryPackedDecoder prefixes;
  ASSERT_TRUE(prefixes.Reset(data).ok());
  std::vector<int32_t> prefix_lengths(4);
  ASSERT_TRUE(prefixes.Decode(prefix_lengths.data(), 4).ok());
  EXPECT_EQ(prefix_lengths, (std::vector<int32_t>{0, 2, 0, 3}));
  DeltaLengthByteArrayDecoder suffixes;
  ASSERT_TRUE(suffixes.Reset(std::string_view(data).substr(prefixes.bytes_consumed()), 4).ok());
  std::vector<std::string_view> suffix_values(4);
  ASSERT_TRUE(suffixes.Decode(suffix_values.data(), 4).ok());
  EXPECT_EQ(suffix_values, (std::vector<std::string_view>{"axis", "le", "babble", "yhood"}));
  EXPECT_EQ(data.substr(data.size() - 17), "axislebabbleyhood");

  DeltaByteArrayDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data, 4).ok());
  std::vector<std::string_view> out(4);
  ASSERT_TRUE(decoder.Decode(out.data(), 2).ok());
  ASSERT_TRUE(decoder.Decode(out.data() + 2, 2).ok());
  EXPECT_EQ(out, values);
}

TEST(DeltaByteArray, RoundTripsSortedRandomAndEmptyStrings) {
  std::mt19937 rng(21);
  std::vector<std::string> storage;
  for (int i = 0; i < 2000; ++i) {
    std::string s = "prefix/" + std::to_string(rng() % 50) + "/";
    const size_t tail = rng() % 12;
    for (size_t k = 0; k < tail; ++k) s.push_back(static_cast<char>(rng()));
    if (i % 97 == 0) s.clear();
    storage.push_back(s);
  }
  std::vector<std::string_view> values(storage.begin(), storage.end());
  std::string data;
  DeltaByteArrayEncode(values.data(), static_cast<int64_t>(values.size()), &data);
  DeltaByteArrayDecoder decoder;
  ASSERT_TRUE(decoder.Reset(data, 2000).ok());
  std::vector<std::string_view> out(values.size());
  ASSERT_TRUE(decoder.Decode(out.data(), static_cast<int64_t>(out.size())).ok());
  EXPECT_EQ(out, values);

  ASSERT_TRUE(decoder.Reset(std::string(), 0).code() == StatusCode::kCorruption);
  std::string empty;
  DeltaByteArrayEncode(nullptr, 0, &empty);
  ASSERT_TRUE(decoder.Reset(empty, 0).ok());
  EXPECT_EQ(decoder.total_values(), 0);
}

TEST(DeltaByteArray, PrefixLongerThanThePreviousValueIsCorruption) {
  const int32_t prefixes[] = {0, 5};
  const std::string_view suffixes[] = {"ab", "c"};
  std::string data;
  DeltaBinaryPackedEncode(prefixes, 2, &data);
  DeltaLengthByteArrayEncode(suffixes, 2, &data);
  DeltaByteArrayDecoder decoder;
  Status st = decoder.Reset(data, 2);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(),
            "DELTA_BYTE_ARRAY value 1 has prefix length 5 but the previous value is 2 bytes long");
}

TEST(DeltaByteArray, DifferentPrefixAndSuffixCountsAreCorruption) {
  const int32_t prefixes[] = {0, 0, 0};
  const std::string_view suffixes[] = {"ab", "c"};
  std::string data;
  DeltaBinaryPackedEncode(prefixes, 3, &data);
  DeltaLengthByteArrayEncode(suffixes, 2, &data);
  DeltaByteArrayDecoder decoder;
  EXPECT_EQ(decoder.Reset(data, 3).message(),
            "DELTA_BYTE_ARRAY has 3 prefix lengths but 2 suffixes");
}

TEST(DeltaByteArray, TruncationAtEveryByteIsCorruption) {
  const std::vector<std::string_view> values = {"axis", "axle", "babble", "babyhood"};
  std::string data;
  DeltaByteArrayEncode(values.data(), 4, &data);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    DeltaByteArrayDecoder decoder;
    EXPECT_EQ(decoder.Reset(std::string_view(data).substr(0, cut), 4).code(),
              StatusCode::kCorruption)
        << "cut at " << cut;
  }
}

}  // namespace
}  // namespace sluice::parquet
