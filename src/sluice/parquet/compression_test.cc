#include "sluice/parquet/compression.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sluice::parquet {
namespace {

const std::vector<CompressionCodec> kSupported = {CompressionCodec::kUncompressed,
                                                  CompressionCodec::kSnappy,
                                                  CompressionCodec::kGzip, CompressionCodec::kZstd};

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(s.data() + i, &v, 8);
  }
  for (size_t i = n - n % 8; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

std::string CompressibleBytes(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; s.size() < n; ++i) {
    s += "2024-05-0" + std::to_string(i % 9) + ",order-" + std::to_string(i % 1000) + ",EUR\n";
  }
  s.resize(n);
  return s;
}

std::unique_ptr<Codec> Make(CompressionCodec codec, int level = 0) {
  auto made = MakeCodec(codec, level);
  EXPECT_TRUE(made.ok()) << made.status();
  return std::move(made).value();
}

TEST(Codec, RoundTripsEmptyTinyRandomAndCompressibleData) {
  const std::vector<std::string> inputs = {"", "x", RandomBytes(10 << 20, 1),
                                           CompressibleBytes(10 << 20)};
  for (CompressionCodec kind : kSupported) {
    auto codec = Make(kind);
    EXPECT_EQ(codec->codec(), kind);
    for (const std::string& input : inputs) {
      SCOPED_TRACE(CompressionCodecName(kind) + ", " + std::to_string(input.size()) + " bytes");
      std::string compressed, restored;
      ASSERT_TRUE(codec->Compress(input, &compressed).ok());
      ASSERT_TRUE(codec->Decompress(compressed, input.size(), &restored).ok());
      EXPECT_TRUE(restored == input);
      if (kind != CompressionCodec::kUncompressed && input.size() == (10u << 20) &&
          input[0] == '2') {
        EXPECT_LT(compressed.size(), input.size() / 4);
      }
    }
  }
}

TEST(Codec, WritesTheFramingParquetRequires) {
  std::string out;
  ASSERT_TRUE(Make(CompressionCodec::kGzip)->Compress("hello", &out).ok());
  EXPECT_EQ(out.substr(0, 2), "\x1f\x8b");  // gzip member, not a zlib stream
  ASSERT_TRUE(Make(CompressionCodec::kZstd)->Compress("hello", &out).ok());
  EXPECT_EQ(out.substr(0, 4), "\x28\xb5\x2f\xfd");  // zstd frame magic
  ASSERT_TRUE(Make(CompressionCodec::kSnappy)->Compress("hello", &out).ok());
  EXPECT_EQ(out[0], 5);  // raw snappy block: varint length, no framing format
}

TEST(Codec, ReusesOneCodecForManyPages) {
  for (CompressionCodec kind : kSupported) {
    auto codec = Make(kind);
    for (int page = 0; page < 20; ++page) {
      const std::string input = CompressibleBytes(1000 + 97 * page);
      std::string compressed, restored;
      ASSERT_TRUE(codec->Compress(input, &compressed).ok());
      ASSERT_TRUE(codec->Decompress(compressed, input.size(), &restored).ok());
      ASSERT_EQ(restored, input) << CompressionCodecName(kind) << " page " << page;
    }
  }
}

TEST(Codec, ADifferentUncompressedSizeIsCorruption) {
  const std::string input = CompressibleBytes(5000);
  for (CompressionCodec kind : kSupported) {
    auto codec = Make(kind);
    std::string compressed, restored;
    ASSERT_TRUE(codec->Compress(input, &compressed).ok());
    for (size_t size : {size_t{0}, input.size() - 1, input.size() + 1, input.size() * 2}) {
      Status st = codec->Decompress(compressed, size, &restored);
      EXPECT_EQ(st.code(), StatusCode::kCorruption)
          << CompressionCodecName(kind) << " claimed " << size;
    }
  }
  std::string out;
  Status st = Make(CompressionCodec::kGzip)->Decompress("", 1u << 31, &out);
  EXPECT_EQ(st.message(),
            "GZIP page claims 2147483648 uncompressed bytes, over the 2^31 - 1 page limit");
}

TEST(Codec, TruncatedOrGarbledInputIsCorruption) {
  const std::string input = RandomBytes(3000, 2) + CompressibleBytes(3000);
  for (CompressionCodec kind :
       {CompressionCodec::kSnappy, CompressionCodec::kGzip, CompressionCodec::kZstd}) {
    SCOPED_TRACE(CompressionCodecName(kind));
    auto codec = Make(kind);
    std::string compressed, restored;
    ASSERT_TRUE(codec->Compress(input, &compressed).ok());
    for (size_t cut :
         {size_t{0}, size_t{1}, size_t{5}, compressed.size() / 2, compressed.size() - 1}) {
      EXPECT_EQ(codec->Decompress(compressed.substr(0, cut), input.size(), &restored).code(),
                StatusCode::kCorruption)
          << "cut at " << cut;
    }
    EXPECT_EQ(codec->Decompress(RandomBytes(500, 3), input.size(), &restored).code(),
              StatusCode::kCorruption);
    // Flipping bytes must never crash; when it is detected, it is Corruption.
    std::mt19937 rng(6);
    for (int i = 0; i < 200; ++i) {
      std::string garbled = compressed;
      garbled[rng() % garbled.size()] ^= static_cast<char>(1 + rng() % 255);
      Status st = codec->Decompress(garbled, input.size(), &restored);
      if (!st.ok()) {
        EXPECT_EQ(st.code(), StatusCode::kCorruption);
      } else {
        EXPECT_EQ(restored.size(), input.size());
      }
    }
    // The codec still works after failures.
    ASSERT_TRUE(codec->Decompress(compressed, input.size(), &restored).ok());
    EXPECT_EQ(restored, input);
  }
}

TEST(Codec, GzipReadsConcatenatedMembers) {
  auto codec = Make(CompressionCodec::kGzip);
  std::string a, b;
  ASSERT_TRUE(codec->Compress("first member, ", &a).ok());
  ASSERT_TRUE(codec->Compress("second member", &b).ok());
  std::string out;
  ASSERT_TRUE(codec->Decompress(a + b, 27, &out).ok());
  EXPECT_EQ(out, "first member, second member");
  EXPECT_EQ(codec->Decompress(a + "junk", 14, &out).code(), StatusCode::kCorruption);
}

TEST(Codec, ZstdReadsConcatenatedFrames) {
  auto codec = Make(CompressionCodec::kZstd);
  std::string a, b, out;
  ASSERT_TRUE(codec->Compress("abc", &a).ok());
  ASSERT_TRUE(codec->Compress("defg", &b).ok());
  ASSERT_TRUE(codec->Decompress(a + b, 7, &out).ok());
  EXPECT_EQ(out, "abcdefg");
}

TEST(Codec, LevelsAreValidatedAndChangeTheOutput) {
  EXPECT_TRUE(MakeCodec(CompressionCodec::kZstd, 19).ok());
  EXPECT_TRUE(MakeCodec(CompressionCodec::kZstd, -5).ok());
  EXPECT_EQ(MakeCodec(CompressionCodec::kZstd, 23).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCodec(CompressionCodec::kGzip, 10).status().message(),
            "GZIP level 10 is outside 1..9");
  const std::string input = CompressibleBytes(1 << 20);
  std::string fast, strong;
  ASSERT_TRUE(Make(CompressionCodec::kZstd, 1)->Compress(input, &fast).ok());
  ASSERT_TRUE(Make(CompressionCodec::kZstd, 19)->Compress(input, &strong).ok());
  EXPECT_LT(strong.size(), fast.size());
}

TEST(Codec, UnsupportedCodecsAreNotFoundByName) {
  auto lz4 = MakeCodec(CompressionCodec::kLz4Raw);
  EXPECT_EQ(lz4.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(lz4.status().message(),
            "compression codec LZ4_RAW is not supported (sluice reads and writes UNCOMPRESSED, "
            "SNAPPY, GZIP and ZSTD)");
  EXPECT_EQ(CompressionCodecName(static_cast<CompressionCodec>(42)), "UNKNOWN(42)");
}

}  // namespace
}  // namespace sluice::parquet
