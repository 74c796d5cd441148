#include "sluice/etl/jsonl_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/etl/etl_test_util.h"

namespace sluice::etl {
namespace {

using namespace std::string_literals;

using testing::ChunkedInputStream;
using testing::FailingInputStream;

// Renders the columns and every record as "line: [v1] null !error" (and, with `with_raw`,
// the raw text).
std::string RenderColumns(const JsonlReader& reader) {
  std::string s = "columns:";
  for (const auto& c : reader.columns()) s += " [" + c + "]";
  return s + "\n";
}

// Appends one record; `columns` is the reader's column count.
void RenderRecord(const JsonlRecord& r, size_t columns, bool with_raw, std::string* out) {
  std::string& s = *out;
  s += std::to_string(r.line) + ":";
  if (r.error.empty()) {
    EXPECT_EQ(r.fields.size(), columns);
    for (size_t i = 0; i < r.fields.size(); ++i) {
      s += r.is_null[i] ? " null" : " [" + std::string(r.fields[i]) + "]";
      if (r.is_null[i]) {
        EXPECT_TRUE(r.fields[i].empty());
      }
    }
  } else {
    // A malformed record: every column null.
    EXPECT_EQ(std::count(r.is_null.begin(), r.is_null.end(), 1), static_cast<long>(columns));
    s += " !" + r.error;
  }
  if (with_raw) s += " raw=" + std::string(r.raw);
  s += "\n";
}

std::string Render(JsonlReader& reader, bool with_raw = false) {
  std::string s = RenderColumns(reader);
  JsonlRecord r;
  for (;;) {
    Result<bool> more = reader.Next(&r);
    if (!more.ok()) return s + "status: " + more.status().ToString() + "\n";
    if (!*more) return s;
    RenderRecord(r, reader.columns().size(), with_raw, &s);
  }
}

// As Render(), but cutting the rest of the input into blocks of about `block_bytes` and
// reading each block with a reader of its own.
std::string RenderBlocks(JsonlReader& reader, size_t block_bytes, bool with_raw = false) {
  std::string s = RenderColumns(reader);
  JsonlRecord r;
  Status read = testing::ForEachRecordInBlocks(reader, block_bytes, &r, [&](const JsonlRecord& rec) {
    RenderRecord(rec, reader.columns().size(), with_raw, &s);
  });
  return read.ok() ? s : s + "status: " + read.ToString() + "\n";
}

// Reads `input` handed out `chunk` bytes at a time; with `block_bytes`, cut into blocks.
std::string ReadAll(const std::string& input, const std::vector<std::string>& paths, size_t chunk,
                    bool with_raw = false, size_t max_record_bytes = 64 << 20,
                    size_t block_bytes = 0) {
  JsonlOptions options;
  options.paths = paths;
  options.max_record_bytes = max_record_bytes;
  auto reader =
      JsonlReader::Open(std::make_unique<ChunkedInputStream>(input, chunk), options, "t.jsonl");
  if (!reader.ok()) return "open: " + reader.status().ToString() + "\n";
  return block_bytes > 0 ? RenderBlocks(**reader, block_bytes, with_raw)
                         : Render(**reader, with_raw);
}

struct Case {
  const char* name;
  std::string input;
  std::vector<std::string> paths;
  std::string expected;
};

std::vector<Case> Cases() {
  const std::vector<std::string> ab = {"a", "b"};
  return {
      {"every value kind",
       R"({"s":"x y","i":-12,"f":1.10,"e":6.02E+23,"t":true,"f2":false,"n":null,"o":{"k": [1, {"z" : "w"}]},"a":[ ]})"
       "\n",
       {"s", "i", "f", "e", "t", "f2", "n", "o", "a", "missing"},
       "columns: [s] [i] [f] [e] [t] [f2] [n] [o] [a] [missing]\n"
       "1: [x y] [-12] [1.10] [6.02E+23] [true] [false] null [{\"k\":[1,{\"z\":\"w\"}]}] [[]] "
       "null\n"},
      {"big numbers keep their text",
       R"({"a":12345678901234567890123,"b":-0.000000000000000000000000001e-999})"
       "\n",
       ab,
       "columns: [a] [b]\n1: [12345678901234567890123] [-0.000000000000000000000000001e-999]\n"},
      {"nested paths and array indexes",
       R"({"customer":{"address":{"city":"Oslo"}},"items":[{"sku":"A1"},{"sku":"B2","qty":[5,6]}]})"
       "\n",
       {"customer.address.city", "items[0].sku", "items[1].qty[1]", "items[2].sku", "items[1]",
        "customer"},
       "columns: [customer.address.city] [items[0].sku] [items[1].qty[1]] [items[2].sku] "
       "[items[1]] [customer]\n"
       "1: [Oslo] [A1] [6] null [{\"sku\":\"B2\",\"qty\":[5,6]}] "
       "[{\"address\":{\"city\":\"Oslo\"}}]\n"},
      {"quoted names",
       R"({"odd.name":1,"a":{"x y":2,"q\"b":3,"[0]":4},"":5})"
       "\n",
       {R"(["odd.name"])", R"(a["x y"])", R"(a["q\"b"])", R"(a["[0]"])", R"([""])"},
       "columns: [[\"odd.name\"]] [a[\"x y\"]] [a[\"q\\\"b\"]] [a[\"[0]\"]] [[\"\"]]\n"
       "1: [1] [2] [3] [4] [5]\n"},
      {"a path through a non-object or non-array is null",
       R"({"a":5,"b":[1],"c":{"0":"zero"},"d":"str"})"
       "\n",
       {"a.b", "b.x", "c[0]", "d[0]", "a"},
       "columns: [a.b] [b.x] [c[0]] [d[0]] [a]\n1: null null null null [5]\n"},
      {"escapes and surrogate pairs are decoded",
       R"({"a":"q\"b\\s\/ \b\f\n\r\t \u00e9\u20AC \ud83d\ude00 \u0041","b":"caf\u00e9"})"
       "\n",
       ab,
       "columns: [a] [b]\n1: [q\"b\\s/ \b\f\n\r\t \xC3\xA9\xE2\x82\xAC \xF0\x9F\x98\x80 A] "
       "[caf\xC3\xA9]\n"},
      {"escaped keys match unescaped names",
       R"({"\u0061":1,"b\n":2})"
       "\n",
       {"a", "[\"b\n\"]"},
       "columns: [a] [[\"b\n\"]]\n1: [1] [2]\n"},
      {"raw UTF-8 passes",
       "{\"a\":\"Jos\xC3\xA9 \xF0\x9F\x98\x80\"}\n",
       {"a"},
       "columns: [a]\n1: [Jos\xC3\xA9 \xF0\x9F\x98\x80]\n"},
      {"containers are minified but their strings kept as written",
       "{\"a\" : { \"k\" : [ 1 , \"x \\u0041 \\\" y\" , { } ] } }\n",
       {"a"},
       "columns: [a]\n1: [{\"k\":[1,\"x \\u0041 \\\" y\",{}]}]\n"},
      {"the first of repeated keys wins",
       R"({"a":1,"a":2,"b":{"c":1},"b":{"c":2}})"
       "\n",
       {"a", "b.c"},
       "columns: [a] [b.c]\n1: [1] [1]\n"},
      {"crlf, blank lines and no final newline",
       "{\"a\":1}\r\n\n  \t\r\n{\"a\":2}\r\n\r\n{\"a\":3}",
       {"a"},
       "columns: [a]\n1: [1]\n4: [2]\n6: [3]\n"},
      {"bom dropped", "\xEF\xBB\xBF{\"a\":1}\n", {"a"}, "columns: [a]\n1: [1]\n"},
      {"whitespace around the object", " \t{\"a\":1} \t\r\n", {"a"}, "columns: [a]\n1: [1]\n"},
      {"empty file", "", {"a"}, "columns: [a]\n"},
      {"only blank lines", "\n\r\n \n", {"a"}, "columns: [a]\n"},
      {"column discovery",
       "{\"id\":1,\"name\":\"x\",\"id\":9}\n{\"name\":\"y\",\"new\":0}\n",
       {},
       "columns: [id] [name]\n1: [1] [x]\n2: null [y]\n"},
      {"column discovery takes keys as they are",
       "{\"a.b\":1,\"c[0]\":2}\n",
       {},
       "columns: [a.b] [c[0]]\n1: [1] [2]\n"},
      {"column discovery on an empty file", "\n\n", {}, "columns:\n"},
      {"column discovery fails on a malformed first record",
       "\n[1]\n{\"a\":1}\n",
       {},
       "open: InvalidArgument: t.jsonl: line 2: cannot name the columns after the first record: "
       "expected an object, got an array\n"},
      {"bad path",
       "{}\n",
       {"a", "items[x]"},
       "open: InvalidArgument: t.jsonl: jsonl path \"items[x]\" at offset 6: expected an index "
       "or a quoted name after '['\n"},
      // Malformed input: reported on the record, reading goes on.
      {"not an object",
       "[1,2]\n\"s\"\n12\ntrue\nnull\n{\"a\":1}\n",
       {"a"},
       "columns: [a]\n1: !expected an object, got an array\n2: !expected an object, got a string\n"
       "3: !expected an object, got a number\n4: !expected an object, got a boolean\n"
       "5: !expected an object, got null\n6: [1]\n"},
      {"invalid JSON, with where and why",
       "{\"a\":1\n{\"a\":1,}\n{\"a\" 1}\n{\"a\":}\n{\"a\":tru}\n{\"a\":01}\n{\"a\":[1 2]}\n"
       "{a:1}\n{\"a\":1}x\n{\"a\":1}}\n{\"a\":\"x\n{\"a\":\"\\q\"}\n{\"a\":\"\\u12G4\"}\n"
       "{\"a\":1,\"b\":{\"c\":[1,}}\n{\"a\":\"tab\there\"}\n{\"a\":-}\n{\"a\":1.e5}\n"
       "{\"a\":nullx}\n{\"a\":[1,2}\n{\"a\":1}\n",
       {"a"},
       "columns: [a]\n"
       "1: !invalid JSON at byte 6: expected ',' or '}', got the end of the line\n"
       "2: !invalid JSON at byte 7: expected a key in quotes, got '}'\n"
       "3: !invalid JSON at byte 5: expected ':' after the key, got '1'\n"
       "4: !invalid JSON at byte 5: expected a value, got '}'\n"
       "5: !invalid JSON at byte 5: invalid literal 'tru'\n"
       "6: !invalid JSON at byte 5: invalid number '01'\n"
       "7: !invalid JSON at byte 8: expected ',' or ']', got '2'\n"
       "8: !invalid JSON at byte 1: expected a key in quotes or '}', got 'a'\n"
       "9: !invalid JSON at byte 7: unexpected 'x' after the object\n"
       "10: !invalid JSON at byte 7: unexpected '}' after the object\n"
       "11: !invalid JSON at byte 5: unterminated string\n"
       "12: !invalid JSON at byte 6: invalid escape '\\q' in a string\n"
       "13: !invalid JSON at byte 6: invalid \\u escape '\\u12G4' in a string\n"
       "14: !invalid JSON at byte 19: expected a value, got '}'\n"
       "15: !invalid JSON at byte 9: unescaped control character \\x09 in a string\n"
       "16: !invalid JSON at byte 5: invalid number '-'\n"
       "17: !invalid JSON at byte 5: invalid number '1.e5'\n"
       "18: !invalid JSON at byte 5: invalid literal 'nullx'\n"
       "19: !invalid JSON at byte 9: expected ',' or ']', got '}'\n"
       "20: [1]\n"},
      {"a string followed by ':' is not taken for a key",
       "{\"a\":\"x\":1}\n{\"a\":[\"c\":1]}\n{\"z\":\"x\":1,\"a\":1}\n",
       {"a"},
       "columns: [a]\n1: !invalid JSON at byte 8: expected ',' or '}', got ':'\n"
       "2: !invalid JSON at byte 9: expected ',' or ']', got ':'\n"
       "3: !invalid JSON at byte 8: expected ',' or '}', got ':'\n"},
      {"malformed values nobody asked for are still errors",
       "{\"a\":1,\"zzz\":[{\"q\":tru}]}\n{\"a\":2,\"zzz\":\"\\x\"}\n{\"a\":3,\"zzz\":1.}\n",
       {"a"},
       "columns: [a]\n1: !invalid JSON at byte 19: invalid literal 'tru'\n"
       "2: !invalid JSON at byte 14: invalid escape '\\x' in a string\n"
       "3: !invalid JSON at byte 13: invalid number '1.'\n"},
      {"unpaired surrogates",
       R"({"a":"\ud83d"})"
       "\n"
       R"({"a":"\ude00x"})"
       "\n"
       R"({"a":"\ud83d\u0041"})"
       "\n",
       {"a"},
       "columns: [a]\n1: !invalid JSON at byte 6: unpaired surrogate '\\ud83d' in a string\n"
       "2: !invalid JSON at byte 6: unpaired surrogate '\\ude00' in a string\n"
       "3: !invalid JSON at byte 6: unpaired surrogate '\\ud83d' in a string\n"},
      {"invalid UTF-8",
       "{\"a\":\"ok\xFFgo\"}\n{\"a\":\"\xC0\xAF\"}\n{\"a\":\"\xED\xA0\x80\"}\n{\"a\":\"\xE2\x82\"}"
       "\n"
       "{\"\xFF\":1}\n",
       {"a"},
       "columns: [a]\n1: !invalid UTF-8 at byte 8\n2: !invalid UTF-8 at byte 6\n"
       "3: !invalid UTF-8 at byte 6\n4: !invalid UTF-8 at byte 6\n5: !invalid UTF-8 at byte 2\n"},
      {"binary junk",
       "\x01\x02\0\x7f\n\xFF\xFE\r\n{\"a\":\"\0\"}\n\x80{}\n{\"a\":1}"s,
       {"a"},
       "columns: [a]\n1: !invalid JSON at byte 0: expected a value, got '\\x01'\n"
       "2: !invalid UTF-8 at byte 0\n"
       "3: !invalid JSON at byte 6: unescaped control character \\x00 in a string\n"
       "4: !invalid UTF-8 at byte 0\n5: [1]\n"},
      {"deep nesting up to 1024 levels",
       "{\"a\":" + std::string(1023, '[') + std::string(1023, ']') +
           "}\n{\"a\":" + std::string(1024, '[') + std::string(1024, ']') + "}\n",
       {"b"},
       "columns: [b]\n1: null\n"
       "2: !invalid JSON at byte 1028: nesting deeper than 1024 levels\n"},
  };
}

TEST(JsonlReader, ReadsEveryCaseAsExpected) {
  for (const Case& c : Cases()) {
    EXPECT_EQ(ReadAll(c.input, c.paths, 1 << 20), c.expected) << c.name;
  }
}

TEST(JsonlReader, GivesTheSameRecordsWhateverTheChunking) {
  for (const Case& c : Cases()) {
    for (size_t chunk : {1, 2, 7, 4096}) {
      EXPECT_EQ(ReadAll(c.input, c.paths, chunk), c.expected) << c.name << " chunk " << chunk;
    }
  }
}

TEST(JsonlReader, GivesTheSameRecordsCutIntoBlocksOfAnySize) {
  for (const Case& c : Cases()) {
    for (size_t block : {1, 2, 7, 64}) {
      EXPECT_EQ(ReadAll(c.input, c.paths, 3, /*with_raw=*/true, 64 << 20, block),
                ReadAll(c.input, c.paths, 1 << 20, /*with_raw=*/true))
          << c.name << " block " << block;
    }
  }
}

TEST(JsonlReader, HandsALineOverTheLimitToTheBlockReaderWithoutItsBytes) {
  for (size_t chunk : {size_t{3}, size_t{1} << 20}) {
    std::string input = "{\"a\":1}\n{\"a\":\"" + std::string(100, 'x') + "\"}\r\n \n{\"a\":2}";
    JsonlOptions options;
    options.paths = {"a"};
    options.max_record_bytes = 50;
    auto reader = JsonlReader::Open(std::make_unique<ChunkedInputStream>(input, chunk), options,
                                    "t.jsonl");
    ASSERT_TRUE(reader.ok());
    RecordBlock block;
    ASSERT_TRUE(*(*reader)->NextBlock(1 << 20, &block));
    EXPECT_EQ(block.bytes, "{\"a\":1}\n");
    EXPECT_EQ(block.first_line, 1);
    EXPECT_TRUE(block.has_oversized);
    EXPECT_EQ(block.oversized_line, 2);
    EXPECT_EQ(block.oversized_raw, "{\"a\":\"" + std::string(100, 'x') + "\"}");
    EXPECT_EQ(block.oversized_error, "line of 108 bytes exceeds the 50-byte limit");
    ASSERT_TRUE(*(*reader)->NextBlock(1 << 20, &block));
    EXPECT_EQ(block.bytes, " \n{\"a\":2}");
    EXPECT_EQ(block.first_line, 3);
    EXPECT_FALSE(block.has_oversized);
    EXPECT_FALSE(*(*reader)->NextBlock(1 << 20, &block));
    EXPECT_EQ(ReadAll(input, {"a"}, chunk, /*with_raw=*/false, 50, 1 << 20),
              "columns: [a]\n1: [1]\n2: !line of 108 bytes exceeds the 50-byte limit\n4: [2]\n");
  }
}

TEST(JsonlReader, ReportsRawTextAndLineNumbersForQuarantine) {
  auto reader = JsonlReader::Open(
      std::make_unique<ChunkedInputStream>("{\"a\": 1}\r\n\r\n[oops]\r\n{\"a\":\"\\u00e9\"}", 3),
      JsonlOptions{{"a"}}, "t.jsonl");
  ASSERT_TRUE(reader.ok()) << reader.status();
  JsonlRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.raw, "{\"a\": 1}");
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.error, "");
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.raw, "[oops]");
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.error, "invalid JSON at byte 1: expected a value, got 'o'");
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.raw, "{\"a\":\"\\u00e9\"}");
  EXPECT_EQ(r.fields[0], "\xC3\xA9");
  EXPECT_EQ(r.line, 4);
  EXPECT_FALSE(*(*reader)->Next(&r));
  EXPECT_FALSE(*(*reader)->Next(&r));  // stays at the end
  EXPECT_EQ((*reader)->bytes_read(), 34);
}

TEST(JsonlReader, ValidatesPathsNamingThePathAndOffset) {
  struct BadPath {
    std::string path;
    std::string message;
  };
  for (const BadPath& b : std::vector<BadPath>{
           {"", "jsonl path \"\" at offset 0: expected a name"},
           {"a.", "jsonl path \"a.\" at offset 2: expected a name"},
           {"a..b", "jsonl path \"a..b\" at offset 2: expected a name"},
           {"a.[0]", "jsonl path \"a.[0]\" at offset 2: expected a name"},
           {"[0].a", "jsonl path \"[0].a\" at offset 0: a path starts with a name, not an index"},
           {"a[01]", "jsonl path \"a[01]\" at offset 2: index with a leading zero"},
           {"a[2147483648]",
            "jsonl path \"a[2147483648]\" at offset 2: index larger than 2147483647"},
           {"a[1", "jsonl path \"a[1\" at offset 3: expected ']'"},
           {"a[]", "jsonl path \"a[]\" at offset 2: expected an index or a quoted name after '['"},
           {"a[\"x]", "jsonl path \"a[\"x]\" at offset 1: unterminated quoted name"},
           {"a[\"x\\y\"]",
            "jsonl path \"a[\"x\\y\"]\" at offset 4: invalid escape in a quoted name (only \\\" "
            "and "
            "\\\\)"},
           {"a[\"x\"]b", "jsonl path \"a[\"x\"]b\" at offset 6: expected '.' or '[', got 'b'"},
           {"a]", "jsonl path \"a]\" at offset 1: expected '.' or '[', got ']'"},
           {"\"a\"",
            "jsonl path \"\"a\"\" at offset 0: unexpected '\"' in a name (write such names quoted: "
            "[\"...\"])"},
       }) {
    JsonlOptions options;
    options.paths = {b.path};
    Status s = options.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << b.path;
    EXPECT_EQ(s.message(), b.message);
  }
  JsonlOptions same;
  same.paths = {"a.b", "x", "a[\"b\"]"};
  EXPECT_EQ(same.Validate().message(), "jsonl path \"a[\"b\"]\" names the same value as \"a.b\"");
  JsonlOptions zero;
  zero.max_record_bytes = 0;
  EXPECT_EQ(zero.Validate().message(), "jsonl max_record_bytes must be positive");
  JsonlOptions good;
  good.paths = {"a", "a.b", "a[0]", "a[\"b.c\"][2147483647].d", "[\"\"]", "x y", "é"};
  EXPECT_TRUE(good.Validate().ok()) << good.Validate();
}

TEST(JsonlReader, SkipsAnOversizedLineWithoutBufferingItAndResynchronises) {
  for (bool crlf : {false, true}) {
    std::string big = "{\"a\":\"" + std::string(10 << 20, 'x') + "\"}";
    std::string nl = crlf ? "\r\n" : "\n";
    std::string input = "{\"a\":1}" + nl + big + nl + "{\"a\":2}" + nl;
    JsonlOptions options;
    options.paths = {"a"};
    options.max_record_bytes = 8 << 20;
    for (size_t chunk : {size_t{1} << 16, size_t{64} << 20}) {
      auto reader = JsonlReader::Open(std::make_unique<ChunkedInputStream>(input, chunk), options,
                                      "big.jsonl");
      ASSERT_TRUE(reader.ok());
      JsonlRecord r;
      ASSERT_TRUE(*(*reader)->Next(&r));
      EXPECT_EQ(r.fields[0], "1");
      ASSERT_TRUE(*(*reader)->Next(&r));
      EXPECT_EQ(r.error, "line of 10485768 bytes exceeds the 8388608-byte limit");
      EXPECT_EQ(r.line, 2);
      EXPECT_EQ(r.raw, big.substr(0, 4096));
      EXPECT_EQ(r.is_null, std::vector<uint8_t>{1});
      ASSERT_TRUE(*(*reader)->Next(&r));
      EXPECT_EQ(r.error, "");
      EXPECT_EQ(r.line, 3);
      EXPECT_EQ(r.fields[0], "2");
      EXPECT_FALSE(*(*reader)->Next(&r));
    }
  }
}

TEST(JsonlReader, AppliesTheLineLimitToTheLineWithoutItsTerminator) {
  // Exactly at the limit passes (with LF, CRLF or at the end); one byte more does not.
  EXPECT_EQ(ReadAll("{\"a\":12}\r\n{\"a\":123}\n{\"a\":1}", {"a"}, 1, true, 8),
            "columns: [a]\n1: [12] raw={\"a\":12}\n"
            "2: !line of 9 bytes exceeds the 8-byte limit raw={\"a\":123}\n3: [1] raw={\"a\":1}\n");
  EXPECT_EQ(ReadAll("{\"a\":1234}", {"a"}, 3, true, 8),
            "columns: [a]\n1: !line of 10 bytes exceeds the 8-byte limit raw={\"a\":1234}\n");
}

TEST(JsonlReader, ReadsATenMegabyteLineUnderTheLimit) {
  std::string big(10 << 20, 'y');
  std::string input = "{\"a\":\"" + big + "\",\"b\":[" + std::string(100000, ' ') + "1]}\n{}\n";
  auto reader = JsonlReader::Open(std::make_unique<ChunkedInputStream>(input, 100000),
                                  JsonlOptions{{"a", "b"}}, "big.jsonl");
  ASSERT_TRUE(reader.ok());
  JsonlRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.fields[0] == big);
  EXPECT_EQ(r.fields[1], "[1]");
  ASSERT_TRUE(*(*reader)->Next(&r));
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.is_null, (std::vector<uint8_t>{1, 1}));
}

TEST(JsonlReader, CountsRecordsWithKeysOutsideTheDiscoveredColumns) {
  auto reader = JsonlReader::Open(
      std::make_unique<ChunkedInputStream>(
          "{\"a\":1,\"b\":2}\n{\"b\":3,\"a\":4}\n{\"a\":5,\"c\":6}\n{\"c\":7}\n{\"d\":[}\n", 5),
      JsonlOptions{}, "t.jsonl");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(Render(**reader),
            "columns: [a] [b]\n1: [1] [2]\n2: [4] [3]\n3: [5] null\n4: null null\n"
            "5: !invalid JSON at byte 6: expected a value, got '}'\n");
  EXPECT_EQ((*reader)->extra_key_records(), 2);
}

TEST(JsonlReader, MatchesManyTopLevelKeysInAnyOrder) {
  // More names than the linear scan handles, in shifting orders, with unknown keys between.
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) paths.push_back("k" + std::to_string(i));
  std::mt19937 rng(7);
  std::string input, expected = "columns:";
  for (const auto& p : paths) expected += " [" + p + "]";
  expected += "\n";
  for (int line = 1; line <= 50; ++line) {
    std::vector<int> order(45);
    for (int i = 0; i < 45; ++i) order[i] = i;
    if (line % 2 == 0) std::shuffle(order.begin(), order.end(), rng);
    std::string obj = "{";
    for (int k : order) {
      if (obj.size() > 1) obj += ",";
      obj += "\"k" + std::to_string(k) + "\":" + std::to_string(k * line);
    }
    input += obj + "}\n";
    expected += std::to_string(line) + ":";
    for (int i = 0; i < 40; ++i) expected += " [" + std::to_string(i * line) + "]";
    expected += "\n";
  }
  EXPECT_EQ(ReadAll(input, paths, 1 << 20), expected);
}

TEST(JsonlReader, ReportsAFailingInputAsAStatus) {
  auto reader = JsonlReader::Open(std::make_unique<FailingInputStream>("{\"a\":1}\n{\"a\""),
                                  JsonlOptions{{"a"}}, "s3://b/k.jsonl");
  ASSERT_TRUE(reader.ok());
  JsonlRecord r;
  ASSERT_TRUE(*(*reader)->Next(&r));
  Result<bool> next = (*reader)->Next(&r);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().ToString(), "IOError: s3://b/k.jsonl: disk on fire");
}

// A random JSON value: every kind, escapes, odd numbers, random whitespace.
std::string RandomJson(std::mt19937& rng, int depth) {
  static const std::vector<std::string> scalars = {"0",
                                                   "-1",
                                                   "1.10",
                                                   "6.02e23",
                                                   "-0.0E-7",
                                                   "12345678901234567890123",
                                                   "true",
                                                   "false",
                                                   "null",
                                                   "\"\"",
                                                   "\"x\"",
                                                   "\"a b\"",
                                                   "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
                                                   "\"\\u00e9\\u20AC\"",
                                                   "\"\\ud83d\\ude00\"",
                                                   "\"\xC3\xA9\xF0\x9F\x98\x80\"",
                                                   "\"[{,:}]\""};
  // Distinct once unescaped: Boost.JSON keeps the last of repeated keys, the reader the first.
  static const std::vector<std::string> keys = {"\"a\"", "\"b\"", "\"c\"", "\"\\u0064\"", "\"\""};
  static const std::vector<std::string> spaces = {"", "", "", " ", "\t", "  \r "};
  auto ws = [&] { return spaces[rng() % spaces.size()]; };
  int kind = depth > 3 ? 2 : static_cast<int>(rng() % 3);
  if (kind == 2) return scalars[rng() % scalars.size()];
  std::string out = kind == 0 ? "{" : "[";
  std::vector<std::string> unused = keys;
  std::shuffle(unused.begin(), unused.end(), rng);
  size_t n = rng() % 4;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ws() + "," + ws();
    if (kind == 0) out += unused[i] + ws() + ":" + ws();
    out += RandomJson(rng, depth + 1);
  }
  return out + ws() + (kind == 0 ? "}" : "]");
}

std::string RandomObjectLine(std::mt19937& rng) {
  std::string line;
  do {
    line = RandomJson(rng, 0);
  } while (line[0] != '{');
  static const std::string alphabet = "{}[],:\"\\ 0-e.tnux\xFF\x01"s;
  for (int m = rng() % 5 - 2; m > 0; --m) {  // about half the lines damaged
    size_t at = rng() % (line.size() + 1);
    char c = alphabet[rng() % alphabet.size()];
    switch (rng() % 3) {
      case 0:
        line.insert(at, 1, c);
        break;
      case 1:
        if (at < line.size()) line.erase(at, 1);
        break;
      default:
        if (at < line.size()) line[at] = c;
        break;
    }
  }
  return line;
}

// Random byte soup and near-JSON never crash or hang, come out the same in every chunking,
// and each record either parses or carries an error; Boost.JSON, an independent parser,
// agrees on which lines are valid.
TEST(JsonlReader, SurvivesRandomJunkAndAgreesWithAnIndependentParser) {
  std::mt19937 rng(20261127);
  const std::vector<std::string> pieces = {"{",           "}",
                                           "[",           "]",
                                           ",",           ":",
                                           "\"a\"",       "\"b\"",
                                           "\"\\u00e9\"", "\"\\ud83d\"",
                                           "\"\\q\"",     "1",
                                           "-0.5e3",      "01",
                                           "true",        "nul",
                                           "null",        " ",
                                           "\n",          "\r\n",
                                           "\t",          "\xFF",
                                           "\xC3\xA9",    "\"",
                                           "\\",          std::string(1, '\0'),
                                           "x",           "{\"a\":",
                                           "{\"b\":[",    "}\n",
                                           "\"a\":1,"};
  int valid = 0, invalid = 0;
  for (int iteration = 0; iteration < 600; ++iteration) {
    std::string input;
    if (iteration % 2 == 0) {  // near-JSON lines
      for (size_t i = rng() % 20; i > 0; --i) input += RandomObjectLine(rng) + "\n";
    } else {
      for (size_t i = rng() % 200; i > 0; --i) input += pieces[rng() % pieces.size()];
    }
    if (iteration % 8 == 1) {  // pure byte soup too
      for (size_t i = 0; i < 100; ++i) input.push_back(static_cast<char>(rng()));
    }
    std::vector<std::string> paths = {"a", "b", "b[0]"};
    size_t max = rng() % 5 == 0 ? 1 + rng() % 40 : 64 << 20;
    std::string whole = ReadAll(input, paths, 1 << 20, /*with_raw=*/true, max);
    for (size_t chunk : {1, 7}) {
      ASSERT_EQ(ReadAll(input, paths, chunk, /*with_raw=*/true, max), whole)
          << "iteration " << iteration << " chunk " << chunk;
    }
    size_t block = 1 + rng() % 300;
    ASSERT_EQ(ReadAll(input, paths, 1 + rng() % 16, /*with_raw=*/true, max, block), whole)
        << "iteration " << iteration << " block " << block;
    // Without paths, the columns come from the first record, for every block.
    ASSERT_EQ(ReadAll(input, {}, 5, /*with_raw=*/true, max, block),
              ReadAll(input, {}, 1 << 20, /*with_raw=*/true, max))
        << "iteration " << iteration << " block " << block;

    JsonlOptions options;
    options.paths = paths;
    options.max_record_bytes = max;
    auto reader = JsonlReader::Open(std::make_unique<ChunkedInputStream>(input, 1 << 20), options,
                                    "soup.jsonl");
    ASSERT_TRUE(reader.ok());
    JsonlRecord r;
    for (;;) {
      Result<bool> more = (*reader)->Next(&r);
      ASSERT_TRUE(more.ok());
      if (!*more) break;
      ASSERT_EQ(r.fields.size(), 3u);
      ASSERT_EQ(r.is_null.size(), 3u);
      // The explaining parser always finds what the fast path rejected.
      EXPECT_EQ(r.error.find("invalid JSON: "), std::string::npos) << r.error;
      if (r.error.find("exceeds") != std::string::npos) continue;
      Result<common::json::value> boost = common::ParseJson(r.raw, "line");
      // Boost.JSON refuses exponents past its range; JSON has none (and the text is kept).
      if (boost.status().message().find("exponent overflow") != std::string::npos) continue;
      bool boost_object = boost.ok() && boost->is_object();
      EXPECT_EQ(r.error.empty(), boost_object)
          << "line " << r.line << ": " << r.error << " | " << boost.status() << " | "
          << ::testing::PrintToString(std::string(r.raw));
      if (boost_object) {
        // The values agree too: a string's text, or the JSON text of anything else.
        const auto& object = boost->as_object();
        auto it = object.find("a");
        ASSERT_EQ(r.is_null[0], it == object.end() || it->value().is_null());
        if (!r.is_null[0]) {
          const common::json::value& v = it->value();
          if (v.is_string()) {
            EXPECT_EQ(r.fields[0], std::string_view(v.as_string()));
          } else {
            Result<common::json::value> text = common::ParseJson(r.fields[0], "field");
            ASSERT_TRUE(text.ok()) << text.status();
            EXPECT_TRUE(common::JsonEquals(*text, v)) << r.fields[0];
          }
        }
      }
      ++(r.error.empty() ? valid : invalid);
    }
  }
  EXPECT_GT(valid, 1000);
  EXPECT_GT(invalid, 1000);
}

}  // namespace
}  // namespace sluice::etl
