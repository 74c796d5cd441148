#include "sluice/etl/decompress.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <string>

#include "sluice/etl/csv_reader.h"
#include "sluice/etl/etl_test_util.h"

namespace sluice::etl {
namespace {

using testing::ChunkedInputStream;

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& data) {
  // With a content checksum, as the zstd command line writes by default.
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Everything `name`'s stream yields, or "error: <status>".
std::string Decompress(const std::string& bytes, const std::string& name, size_t chunk = 1 << 20,
                       size_t read_size = 1 << 16) {
  auto in = OpenMaybeCompressed(std::make_unique<ChunkedInputStream>(bytes, chunk), name);
  if (!in.ok()) return "error: " + in.status().ToString();
  std::string out, buf(read_size, '\0');
  for (;;) {
    Result<size_t> n = (*in)->Read(buf.data(), buf.size());
    if (!n.ok()) return "error: " + n.status().ToString();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

std::string TestData() {
  std::string s;
  for (int i = 0; i < 50000; ++i)
    s += std::to_string(i * 7919 % 100003) + ",name " + std::to_string(i) + "\n";
  return s;
}

TEST(Decompress, ChoosesTheCodecByTheNamesSuffix) {
  EXPECT_EQ(CompressionFromName("s3://b/k.csv.gz"), Compression::kGzip);
  EXPECT_EQ(CompressionFromName("k.csv.zst"), Compression::kZstd);
  EXPECT_EQ(CompressionFromName("k.zstd"), Compression::kZstd);
  EXPECT_EQ(CompressionFromName("k.csv"), Compression::kNone);
  EXPECT_EQ(CompressionFromName("k.gzip.csv"), Compression::kNone);
  EXPECT_EQ(Decompress("plain,text\n", "k.csv"), "plain,text\n");
}

TEST(Decompress, RoundTripsGzipAndZstdInAnyChunking) {
  const std::string data = TestData();
  for (size_t chunk : {size_t{1}, size_t{13}, size_t{1} << 20}) {
    for (size_t read_size : {size_t{1}, size_t{4096}}) {
      if (chunk == 1 && read_size == 1) continue;  // slow and adds nothing
      EXPECT_TRUE(Decompress(Gzip(data), "k.csv.gz", chunk, read_size) == data) << chunk;
      EXPECT_TRUE(Decompress(Zstd(data), "k.csv.zst", chunk, read_size) == data) << chunk;
    }
  }
}

TEST(Decompress, ReadsConcatenatedMembersAndFrames) {
  EXPECT_EQ(Decompress(Gzip("a,b\n") + Gzip("1,2\n"), "k.gz"), "a,b\n1,2\n");
  EXPECT_EQ(Decompress(Zstd("a,b\n") + Zstd("1,2\n"), "k.zst"), "a,b\n1,2\n");
}

TEST(Decompress, TreatsAnEmptyObjectAsEmpty) {
  EXPECT_EQ(Decompress("", "k.gz"), "");
  EXPECT_EQ(Decompress("", "k.zst"), "");
  EXPECT_EQ(Decompress(Gzip(""), "k.gz"), "");
  EXPECT_EQ(Decompress(Zstd(""), "k.zst"), "");
}

TEST(Decompress, ReportsCorruptDataWithTheSourceAndOffset) {
  std::string gz = Gzip(TestData());
  std::string bad = gz;
  for (size_t i = 100; i < 140; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  std::string got = Decompress(bad, "s3://b/k.csv.gz");
  EXPECT_EQ(
      got.rfind("error: Corruption: s3://b/k.csv.gz: corrupt gzip data at compressed byte ", 0), 0u)
      << got.substr(0, 200);

  EXPECT_EQ(
      Decompress("not gzip at all", "k.gz"),
      "error: Corruption: k.gz: corrupt gzip data at compressed byte 2: incorrect header check");
  EXPECT_EQ(Decompress(gz.substr(0, gz.size() - 10), "k.gz"),
            "error: Corruption: k.gz: truncated gzip data at compressed byte " +
                std::to_string(gz.size() - 10));
  EXPECT_EQ(Decompress(Gzip("a\n") + "junk!junk!", "k.gz")
                .rfind("error: Corruption: k.gz: corrupt gzip data", 0),
            0u);

  std::string zs = Zstd(TestData());
  std::string zbad = zs;
  for (size_t i = 50; i < 90; ++i) zbad[i] = static_cast<char>(zbad[i] ^ 0x5a);
  got = Decompress(zbad, "k.zst");
  EXPECT_EQ(got.rfind("error: Corruption: k.zst: corrupt zstd data at compressed byte ", 0), 0u)
      << got.substr(0, 200);
  EXPECT_EQ(
      Decompress("not zstd at all", "k.zst"),
      "error: Corruption: k.zst: corrupt zstd data at compressed byte 0: Unknown frame descriptor");
  EXPECT_EQ(Decompress(zs.substr(0, zs.size() - 10), "k.zst"),
            "error: Corruption: k.zst: truncated zstd data at compressed byte " +
                std::to_string(zs.size() - 10));
}

TEST(Decompress, FeedsTheCsvReaderOneByteAtATime) {
  std::string csv = "id,name\n" + TestData();
  for (const auto& [bytes, name] :
       {std::pair{Gzip(csv), "t.csv.gz"}, std::pair{Zstd(csv), "t.csv.zst"}}) {
    auto in = OpenMaybeCompressed(std::make_unique<ChunkedInputStream>(bytes, 1), name);
    ASSERT_TRUE(in.ok());
    auto reader = CsvReader::Open(std::move(*in), {}, name);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->header(), (std::vector<std::string>{"id", "name"}));
    CsvRecord r;
    int64_t n = 0;
    while (*(*reader)->Next(&r)) {
      ASSERT_FALSE(r.error) << *r.error;
      ++n;
    }
    EXPECT_EQ(n, 50000);
    EXPECT_EQ(r.line, 50001);
    EXPECT_EQ((*reader)->bytes_read(), static_cast<int64_t>(csv.size()));
  }
}

TEST(Decompress, CorruptInputStopsTheCsvReaderWithAStatus) {
  std::string gz = Gzip("id\n" + TestData());
  auto in = OpenMaybeCompressed(
      std::make_unique<ChunkedInputStream>(gz.substr(0, gz.size() / 2), 64), "t.csv.gz");
  ASSERT_TRUE(in.ok());
  auto reader = CsvReader::Open(std::move(*in), {}, "t.csv.gz");
  ASSERT_TRUE(reader.ok());
  CsvRecord r;
  Result<bool> next = true;
  while (next.ok() && *next) next = (*reader)->Next(&r);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), StatusCode::kCorruption);
  EXPECT_NE(next.status().message().find("t.csv.gz: truncated gzip data"), std::string::npos)
      << next.status();
}

}  // namespace
}  // namespace sluice::etl
