#include "sluice/etl/csv_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sluice/etl/etl_test_util.h"

namespace sluice::etl {
namespace {

using namespace std::string_literals;

using testing::ChunkedInputStream;
using testing::FailingInputStream;

// Renders the header and every record as "line: [f1] ["quoted f2"] !error" (and, with
// `with_raw`, the raw text).
std::string RenderHeader(const CsvReader& reader) {
  std::string s = "header:";
  for (const auto& h : reader.header()) s += " [" + h + "]";
  return s + "\n";
}

void RenderRecord(const CsvRecord& r, bool with_raw, std::string* s) {
  *s += std::to_string(r.line) + ":";
  for (size_t i = 0; i < r.fields.size(); ++i) {
    *s += r.quoted[i] ? " [\"" + std::string(r.fields[i]) + "\"]"
                      : " [" + std::string(r.fields[i]) + "]";
  }
  if (r.error) *s += " !" + *r.error;
  if (with_raw) *s += " raw=" + std::string(r.raw);
  *s += "\n";
}

std::string Render(CsvReader& reader, bool with_raw = false) {
  std::string s = RenderHeader(reader);
  CsvRecord r;
  for (;;) {
    Result<bool> more = reader.Next(&r);
    if (!more.ok()) return s + "status: " + more.status().ToString() + "\n";
    if (!*more) return s;
    RenderRecord(r, with_raw, &s);
  }
}

// As Render(), but cutting the rest of the input into blocks of about `block_bytes` and
// reading each block with a reader of its own.
std::string RenderBlocks(CsvReader& reader, size_t block_bytes, bool with_raw = false) {
  std::string s = RenderHeader(reader);
  CsvRecord r;
  Status read = testing::ForEachRecordInBlocks(
      reader, block_bytes, &r, [&](const CsvRecord& rec) { RenderRecord(rec, with_raw, &s); });
  return read.ok() ? s : s + "status: " + read.ToString() + "\n";
}

// Reads `input` handed out `chunk` bytes at a time; with `block_bytes`, cut into blocks.
std::string ReadAll(const std::string& input, const CsvDialect& dialect, size_t chunk,
                    bool with_raw = false, size_t block_bytes = 0) {
  auto reader =
      CsvReader::Open(std::make_unique<ChunkedInputStream>(input, chunk), dialect, "t.csv");
  if (!reader.ok()) return "open: " + reader.status().ToString() + "\n";
  return block_bytes > 0 ? RenderBlocks(**reader, block_bytes, with_raw)
                         : Render(**reader, with_raw);
}

struct DialectCase {
  const char* name;
  std::string input;
  CsvDialect dialect;
  std::string expected;
};

CsvDialect With(void (*f)(CsvDialect&)) {
  CsvDialect d;
  f(d);
  return d;
}

std::vector<DialectCase> Cases() {
  return {
      {"plain", "a,b\n1,2\n3,4\n", {}, "header: [a] [b]\n2: [1] [2]\n3: [3] [4]\n"},
      {"no trailing newline", "a,b\n1,2", {}, "header: [a] [b]\n2: [1] [2]\n"},
      {"crlf", "a,b\r\n1,2\r\n3,4\r\n", {}, "header: [a] [b]\n2: [1] [2]\n3: [3] [4]\n"},
      {"lone cr", "a,b\r1,2\r3,4", {}, "header: [a] [b]\n2: [1] [2]\n3: [3] [4]\n"},
      {"bom", "\xEF\xBB\xBFid,x\n1,2\n", {}, "header: [id] [x]\n2: [1] [2]\n"},
      {"quoted with doubled quotes, delimiter and newlines",
       "a,b\n\"x,\"\"y\"\"\",\"l1\nl2\r\nl3\"\n5,6\n",
       {},
       "header: [a] [b]\n2: [\"x,\"y\"\"] [\"l1\nl2\r\nl3\"]\n5: [5] [6]\n"},
      {"empty and quoted empty", "a,b,c\n,\"\",\n", {}, "header: [a] [b] [c]\n2: [] [\"\"] []\n"},
      {"quote inside unquoted field is data",
       "a,b\nx\"y,2\n",
       {},
       "header: [a] [b]\n2: [x\"y] [2]\n"},
      {"tab delimiter, single quote", "a\tb\n'x\ty'\t'it''s'\n", With([](CsvDialect& d) {
         d.delimiter = '\t';
         d.quote = '\'';
       }),
       "header: [a] [b]\n2: [\"x\ty\"] [\"it's\"]\n"},
      {"backslash escape", "a,b\n\"x\\\"y\",\"\\\\\"\n",
       With([](CsvDialect& d) { d.escape = '\\'; }), "header: [a] [b]\n2: [\"x\"y\"] [\"\\\"]\n"},
      {"escape equal to quote means doubling", "a\n\"x\"\"y\"\n",
       With([](CsvDialect& d) { d.escape = '"'; }), "header: [a]\n2: [\"x\"y\"]\n"},
      {"column list without header", "1,2\n3,4\n", With([](CsvDialect& d) {
         d.header = false;
         d.columns = {"p", "q"};
       }),
       "header: [p] [q]\n1: [1] [2]\n2: [3] [4]\n"},
      {"column list overrides header line", "a,b\n1,2\n", With([](CsvDialect& d) {
         d.columns = {"p", "q"};
       }),
       "header: [p] [q]\n2: [1] [2]\n"},
      {"no header, no columns: col0..", "1,2\n3,4\n", With([](CsvDialect& d) { d.header = false; }),
       "header: [col0] [col1]\n1: [1] [2]\n2: [3] [4]\n"},
      {"comments and blank lines skipped", "# top\na,b\n\n# mid,\"x\n1,2\n\r\n3,4\n",
       With([](CsvDialect& d) { d.comment_prefix = "#"; }),
       "header: [a] [b]\n5: [1] [2]\n7: [3] [4]\n"},
      {"multi-byte comment prefix", "a\n--c\n-1\n",
       With([](CsvDialect& d) { d.comment_prefix = "--"; }), "header: [a]\n3: [-1]\n"},
      {"latin-1 converted to UTF-8", "name\nJos\xE9\n\xC0\xFF\n",
       With([](CsvDialect& d) { d.encoding = CsvDialect::Encoding::kLatin1; }),
       "header: [name]\n2: [Jos\xC3\xA9]\n3: [\xC3\x80\xC3\xBF]\n"},
      {"valid UTF-8 passes",
       "n\nJos\xC3\xA9 \xF0\x9F\x98\x80\n",
       {},
       "header: [n]\n2: [Jos\xC3\xA9 \xF0\x9F\x98\x80]\n"},
      // Malformed input: reported on the record, reading goes on.
      {"empty file", "", {}, "header:\n"},
      {"header only", "a,b\n", {}, "header: [a] [b]\n"},
      {"header only without newline", "a,b", {}, "header: [a] [b]\n"},
      {"only blank lines", "\n\r\n\n", {}, "header:\n"},
      {"ragged rows",
       "a,b,c,d\n1,2,3\n1,2,3,4,5\n1,2,3,4\n",
       {},
       "header: [a] [b] [c] [d]\n2: [1] [2] [3] !3 fields, expected 4\n"
       "3: [1] [2] [3] [4] [5] !5 fields, expected 4\n4: [1] [2] [3] [4]\n"},
      {"trailing delimiter makes an extra empty field",
       "a,b\n1,2,\n",
       {},
       "header: [a] [b]\n2: [1] [2] [] !3 fields, expected 2\n"},
      {"unterminated quote at end of file",
       "a,b\n1,2\n3,\"oops\n4,5\n",
       {},
       "header: [a] [b]\n2: [1] [2]\n3: [3] [\"oops\n4,5\n\"] !unterminated quoted field 2\n"},
      {"text after closing quote",
       "a,b\n\"x\"y,2\n3,4\n",
       {},
       "header: [a] [b]\n2: [\"xy\"] [2] !unexpected 'y' after the closing quote of field 1\n"
       "3: [3] [4]\n"},
      {"invalid UTF-8",
       "a,b\n1,ok\xFFgo\n2,\xC0\xAF\n3,\xED\xA0\x80\n4,\xE2\x82\n",
       {},
       "header: [a] [b]\n2: [1] [ok\xFFgo] !invalid UTF-8 in field 2 at offset 2\n"
       "3: [2] [\xC0\xAF] !invalid UTF-8 in field 2 at offset 0\n"
       "4: [3] [\xED\xA0\x80] !invalid UTF-8 in field 2 at offset 0\n"
       "5: [4] [\xE2\x82] !invalid UTF-8 in field 2 at offset 0\n"},
      {"binary junk",
       std::string("a\n\x01\x02\0\x7f,\n\xFF\xFE\r\r\x80", 13),
       {},
       "header: [a]\n2: [\x01\x02\0\x7f] [] !2 fields, expected 1\n"
       "3: [\xFF\xFE] !invalid UTF-8 in field 1 at offset 0\n"
       "5: [\x80] !invalid UTF-8 in field 1 at offset 0\n"s},
      {"malformed header",
       "a,\"b\n",
       {},
       "open: InvalidArgument: t.csv: line 1: malformed header: unterminated quoted field 2\n"},
      {"bad dialect", "a\n", With([](CsvDialect& d) { d.quote = ','; }),
       "open: InvalidArgument: t.csv: csv delimiter and quote must differ (both ',')\n"},
  };
}

TEST(CsvReader, ReadsEveryDialectCaseAsExpected) {
  for (const DialectCase& c : Cases()) {
    EXPECT_EQ(ReadAll(c.input, c.dialect, 1 << 20), c.expected) << c.name;
  }
}

TEST(CsvReader, GivesTheSameRecordsOneByteAtATime) {
  for (const DialectCase& c : Cases()) {
    for (size_t chunk : {1, 2, 3, 7}) {
      EXPECT_EQ(ReadAll(c.input, c.dialect, chunk), c.expected) << c.name << " chunk " << chunk;
    }
  }
}

TEST(CsvReader, GivesTheSameRecordsCutIntoBlocksOfAnySize) {
  for (const DialectCase& c : Cases()) {
    for (size_t block : {1, 2, 3, 7, 64}) {
      EXPECT_EQ(ReadAll(c.input, c.dialect, 3, /*with_raw=*/false, block), c.expected)
          << c.name << " block " << block;
    }
  }
}

// Random inputs over the characters that matter, in random dialects, cut into blocks of
// random sizes (read in random chunks): the same records, lines, raw texts and errors as
// reading the input whole.
TEST(CsvReader, CutsBlocksThatReadAsTheWholeInputInEveryDialect) {
  std::mt19937 rng(5);
  const std::string alphabet =
      std::string("ab,;\"'\n\r\\#-\t\xFF\xC3\xA9\xEF\xBB\xBF", 19) + std::string(1, '\0');
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string input(rng() % 400, ' ');
    for (char& c : input) c = alphabet[rng() % alphabet.size()];
    if (rng() % 4 == 0) input = "\xEF\xBB\xBF" + input;
    CsvDialect d;
    if (rng() % 2) d.delimiter = ';';
    if (rng() % 3 == 0) d.quote = '\'';
    if (rng() % 2) d.escape = '\\';
    if (rng() % 2) d.comment_prefix = rng() % 2 ? "#" : "--";
    if (rng() % 3 == 0) d.header = false;
    if (rng() % 4 == 0) d.columns = {"p", "q"};
    if (rng() % 3 == 0) d.encoding = CsvDialect::Encoding::kLatin1;
    if (rng() % 2) {
      d.max_field_bytes = 1 + rng() % 40;
      d.max_record_bytes = 1 + rng() % 100;
    }
    if (rng() % 3 == 0) d.max_fields = 1 + rng() % 5;
    std::string whole = ReadAll(input, d, 1 << 20, /*with_raw=*/true);
    size_t chunk = 1 + rng() % 16;
    size_t block = 1 + rng() % 64;
    ASSERT_EQ(ReadAll(input, d, chunk, /*with_raw=*/true, block), whole)
        << "iteration " << iteration << " chunk " << chunk << " block " << block;
  }
}

TEST(CsvReader, KeepsAQuotedNewlineThatSpansABlockBoundaryInItsRecord) {
  // Blocks of 4 bytes would end inside the quoted field: the cut waits for the record's end.
  std::string input = "a,b\n1,\"x\ny\r\nz\"\r\n2,w\r3,v";
  RecordBlock block;
  auto reader = CsvReader::Open(std::make_unique<ChunkedInputStream>(input, 2), {}, "t.csv");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(*(*reader)->NextBlock(4, &block));
  EXPECT_EQ(block.bytes, "1,\"x\ny\r\nz\"\r");  // the LF after the CR goes with the next
  EXPECT_EQ(block.first_line, 2);
  EXPECT_FALSE(block.after_cr);
  ASSERT_TRUE(*(*reader)->NextBlock(4, &block));
  EXPECT_EQ(block.bytes, "\n2,w\r");
  EXPECT_EQ(block.first_line, 5);
  EXPECT_TRUE(block.after_cr);
  ASSERT_TRUE(*(*reader)->NextBlock(4, &block));
  EXPECT_EQ(block.bytes, "3,v");
  EXPECT_EQ(block.first_line, 6);
  EXPECT_TRUE(block.after_cr);
  EXPECT_FALSE(*(*reader)->NextBlock(4, &block));
  EXPECT_EQ(ReadAll(input, {}, 2, /*with_raw=*/true, 4),
            "header: [a] [b]\n2: [1] [\"x\ny\r\nz\"] raw=1,\"x\ny\r\nz\"\n"
            "5: [2] [w] raw=2,w\n6: [3] [v] raw=3,v\n");
}

TEST(CsvReader, CutsAnUnterminatedQuoteNearTheEndIntoTheLastBlock) {
  std::string input = "a,b\n1,2\n3,4\n5,\"oops\n6,7\n8,9\n";
  EXPECT_EQ(ReadAll(input, {}, 1 << 20, /*with_raw=*/false, 1),
            "header: [a] [b]\n2: [1] [2]\n3: [3] [4]\n"
            "4: [5] [\"oops\n6,7\n8,9\n\"] !unterminated quoted field 2\n");
}

TEST(CsvReader, HandsARecordOverTheLimitToTheBlockReaderWithoutItsBytes) {
  CsvDialect d;
  d.max_record_bytes = 4000;
  std::string input = "a\n1\n\"" + std::string(100000, 'z') + "\"\r\n\n2\n";
  auto reader = CsvReader::Open(std::make_unique<ChunkedInputStream>(input, 512), d, "t.csv");
  ASSERT_TRUE(reader.ok());
  RecordBlock block;
  ASSERT_TRUE(*(*reader)->NextBlock(1 << 20, &block));
  EXPECT_EQ(block.bytes, "1\n");
  EXPECT_TRUE(block.has_oversized);
  EXPECT_EQ(block.oversized_line, 3);
  EXPECT_EQ(block.oversized_raw, "\"" + std::string(4095, 'z'));
  EXPECT_EQ(block.oversized_error, "record of 100002 bytes exceeds the 4000-byte limit");
  ASSERT_TRUE(*(*reader)->NextBlock(1 << 20, &block));
  EXPECT_EQ(block.bytes, "\n\n2\n");  // the LF of the record's CRLF, a blank line, a record
  EXPECT_TRUE(block.after_cr);
  EXPECT_EQ(block.first_line, 4);
  EXPECT_FALSE(*(*reader)->NextBlock(1 << 20, &block));
  EXPECT_EQ(ReadAll(input, d, 512, /*with_raw=*/false, 1 << 20),
            "header: [a]\n2: [1]\n3: !record of 100002 bytes exceeds the 4000-byte limit\n"
            "5: [2]\n");
}

// Unquoted values are scanned sixteen bytes at a time and handed out in place: a delimiter,
// quote, escape or line break at every position of a scan block (and in the tail shorter than
// one) ends the value exactly there, whether the input arrives whole or byte by byte, and
// whether it is read as one stream or cut into blocks (the cut scans for quotes and line
// breaks the same way; a block reader reads the block's bytes in place).
TEST(CsvReader, FindsEverySpecialByteWhereverItFallsInAScanBlock) {
  CsvDialect d;
  d.header = false;
  d.escape = '\\';
  for (size_t len = 0; len <= 40; ++len) {
    const std::string v(len, 'x');
    const std::string quoted = "\"" + v + "\\\"" + v + "\"";  // "xx\"xx": an escaped quote
    const std::string input = v + "," + v + "\r\n" + quoted + "," + v + "\n" + v + "|" + v;
    const std::string expected =
        "header: [col0] [col1]\n"
        "1: [" + v + "] [" + v + "] raw=" + v + "," + v + "\n"
        "2: [\"" + v + "\"" + v + "\"] [" + v + "] raw=" + quoted + "," + v + "\n"
        "3: [" + v + "|" + v + "] !1 fields, expected 2 raw=" + v + "|" + v + "\n";
    for (size_t chunk : {size_t{1}, size_t{5}, size_t{1} << 20}) {
      for (size_t block : {size_t{0}, size_t{1}, size_t{40}}) {
        EXPECT_EQ(ReadAll(input, d, chunk, /*with_raw=*/true, block), expected)
            << "length " << len << " chunk " << chunk << " block " << block;
      }
    }
  }
}

TEST(CsvReader, ReportsRawTextAndNullsForQuarantine) {
  CsvDialect d;
  d.null_strings = {"", "NULL"};
  auto reader = CsvReader::Open(
      std::make_unique<ChunkedInputStream>("a,b\r\n\"x\",NULL\r\n,\"\"\r\n", 3), d, "t.csv");
  ASSERT_TRUE(reader.ok()) << reader.status();
  CsvRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.raw, "\"x\",NULL");
  EXPECT_FALSE(IsNull(r.fields[0], r.quoted[0], d));
  EXPECT_TRUE(IsNull(r.fields[1], r.quoted[1], d));
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.raw, ",\"\"");
  EXPECT_TRUE(IsNull(r.fields[0], r.quoted[0], d));
  EXPECT_FALSE(IsNull(r.fields[1], r.quoted[1], d));  // "" is the empty string
  EXPECT_FALSE(*(*reader)->Next(&r));
  EXPECT_FALSE(*(*reader)->Next(&r));  // stays at the end
  EXPECT_EQ((*reader)->bytes_read(), 20);
}

TEST(CsvReader, ReadsATenMegabyteFieldUnderTheLimit) {
  std::string big(10 << 20, 'x');
  big[5] = '\n';  // inside quotes
  std::string input = "a,b\n1,\"" + big + "\"\n2,y\n";
  auto reader = CsvReader::Open(std::make_unique<ChunkedInputStream>(input, 100000), {}, "big.csv");
  ASSERT_TRUE(reader.ok());
  CsvRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_FALSE(r.error) << *r.error;
  ASSERT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(r.fields[1].size(), big.size());
  EXPECT_TRUE(r.fields[1] == big);
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.line, 4);
  EXPECT_EQ(r.fields[1], "y");
}

TEST(CsvReader, SkipsAFieldOverTheLimitAndResynchronises) {
  for (bool quoted : {false, true}) {
    std::string big(10 << 20, 'x');
    if (quoted)
      big = "\"" + std::string(3 << 20, 'x') + ",\n" + std::string((7 << 20) - 2, 'x') + "\"";
    std::string input = "a,b\n1,2\n3," + big + "\n4,5\n";
    CsvDialect d;
    d.max_field_bytes = 8 << 20;
    auto reader =
        CsvReader::Open(std::make_unique<ChunkedInputStream>(input, 1 << 16), d, "big.csv");
    ASSERT_TRUE(reader.ok());
    CsvRecord r;
    ASSERT_TRUE(*(*reader)->Next(&r));
    EXPECT_FALSE(r.error);
    ASSERT_TRUE(*(*reader)->Next(&r));
    ASSERT_TRUE(r.error);
    EXPECT_EQ(*r.error, "field 2 of 10485760 bytes exceeds the 8388608-byte limit");
    EXPECT_EQ(r.line, 3);
    EXPECT_TRUE(r.fields.empty());
    EXPECT_EQ(r.raw.size(), 4096u);
    EXPECT_EQ(r.raw.substr(0, 3), quoted ? "3,\"" : "3,x");
    ASSERT_TRUE(*(*reader)->Next(&r));
    EXPECT_FALSE(r.error) << *r.error;
    EXPECT_EQ(r.line, quoted ? 5 : 4);
    EXPECT_EQ(r.fields[0], "4");
    EXPECT_FALSE(*(*reader)->Next(&r));
  }
}

TEST(CsvReader, BoundsAnUnterminatedQuoteByTheRecordLimit) {
  CsvDialect d;
  d.max_field_bytes = 1000;
  d.max_record_bytes = 4000;
  std::string input = "a\n\"" + std::string(100000, 'z') + "\n";
  auto reader = CsvReader::Open(std::make_unique<ChunkedInputStream>(input, 512), d, "t.csv");
  ASSERT_TRUE(reader.ok());
  CsvRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(*r.error, "record of 100002 bytes exceeds the 4000-byte limit");
  EXPECT_EQ(r.raw, "\"" + std::string(4095, 'z'));
  EXPECT_FALSE(*(*reader)->Next(&r));
}

TEST(CsvReader, SurvivesRandomJunkTheSameWayInEveryChunking) {
  std::mt19937 rng(20261127);
  const std::string alphabet = std::string("ab,\"\n\r\\#\t\xFF\xC3\xA9", 13) + std::string(1, '\0');
  for (int iteration = 0; iteration < 300; ++iteration) {
    std::string input(rng() % 3000, ' ');
    for (char& c : input) c = alphabet[rng() % alphabet.size()];
    CsvDialect d;
    if (rng() % 2) d.escape = '\\';
    if (rng() % 2) d.comment_prefix = "#";
    if (rng() % 3 == 0) d.header = false;
    if (rng() % 3 == 0) d.encoding = CsvDialect::Encoding::kLatin1;
    if (rng() % 2) {
      d.max_field_bytes = 1 + rng() % 40;
      d.max_record_bytes = 1 + rng() % 200;
    }
    if (rng() % 3 == 0) d.max_fields = 1 + rng() % 5;
    std::string whole = ReadAll(input, d, 1 << 20, /*with_raw=*/true);
    for (size_t chunk : {1, 5}) {
      ASSERT_EQ(ReadAll(input, d, chunk, /*with_raw=*/true), whole)
          << "iteration " << iteration << " chunk " << chunk;
    }
  }
}

TEST(CsvReader, SkipsARecordWithTooManyFieldsWithoutKeepingThem) {
  CsvDialect d;
  d.max_fields = 3;
  EXPECT_EQ(ReadAll("a,b,c\n1,2,3,4,5,\"6\nx\"\n7,8,9\n", d, 1 << 20),
            "header: [a] [b] [c]\n2: !more than 3 fields\n4: [7] [8] [9]\n");
  // A 50 MB line of commas: reported, without a vector of 50 million fields.
  auto reader = CsvReader::Open(
      std::make_unique<ChunkedInputStream>("a\n" + std::string(50 << 20, ',') + "\nz\n", 1 << 20),
      CsvDialect{}, "commas.csv");
  ASSERT_TRUE(reader.ok());
  CsvRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(*r.error, "more than 20480 fields");
  EXPECT_EQ(r.raw, std::string(4096, ','));
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.fields[0], "z");
}

TEST(CsvReader, ReportsAFailingInputAsAStatus) {
  auto reader =
      CsvReader::Open(std::make_unique<FailingInputStream>("a\n1\n2"), {}, "s3://b/k.csv");
  ASSERT_TRUE(reader.ok());
  CsvRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  Result<bool> next = (*reader)->Next(&r);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().ToString(), "IOError: s3://b/k.csv: disk on fire");

  // Cutting blocks too: the records before the failure are not a block of their own.
  reader = CsvReader::Open(std::make_unique<FailingInputStream>("a\n1\n2"), {}, "s3://b/k.csv");
  ASSERT_TRUE(reader.ok());
  RecordBlock block;
  Result<bool> cut = (*reader)->NextBlock(1 << 20, &block);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().ToString(), "IOError: s3://b/k.csv: disk on fire");
}

}  // namespace
}  // namespace sluice::etl
