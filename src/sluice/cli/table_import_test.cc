#include "sluice/cli/table_import.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "sluice/parquet/json_rows.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::cli {
namespace {

class TableImportTest : public ::testing::Test {
 protected:
  common::TestTempDir tmp_;
  std::string dir_ = tmp_.path();
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  static std::string Rows(const parquet::RecordBatch& b) {
    std::string out;
    for (int64_t r = 0; r < b.num_rows; ++r) out += common::SerializeJson(parquet::RowToJson(b, r)) + "\n";
    return out;
  }
};

TEST_F(TableImportTest, CsvColumnsAreInferredAndQuotedFieldsKeepCommasAndNewlines) {
  std::string path = Write("o.csv",
                           "\xEF\xBB\xBFid,name,amount,paid,day,at\r\n"
                           "1,\"Smith, J\",9.5,true,2026-11-27,2026-11-27T08:15:02Z\r\n"
                           "2,\"two\nlines\",,false,2026-11-28,2026-11-27T09:00:00.5+01:00\r\n"
                           "3,\"\",3,true,,\n");
  auto b = ReadCsvFile(path, nullptr);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->schema.ToString(),
            "id: int64\nname: string\namount: double\npaid: bool\nday: date\nat: timestamp[us, UTC]\n");
  EXPECT_EQ(Rows(*b),
            R"({"id":1,"name":"Smith, J","amount":9.5,"paid":true,"day":"2026-11-27","at":"2026-11-27T08:15:02.000000Z"})" "\n"
            R"({"id":2,"name":"two\nlines","amount":null,"paid":false,"day":"2026-11-28","at":"2026-11-27T08:00:00.500000Z"})" "\n"
            R"({"id":3,"name":"","amount":3.0,"paid":true,"day":null,"at":null})" "\n");
}

TEST_F(TableImportTest, AGivenSchemaCastsStrictlyAndNamesTheLineAndColumn) {
  auto schema = ParseSchemaSpec("id:int32 not null, amount:decimal(6,2)");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto b = ReadCsvFile(Write("ok.csv", "id,amount,extra\n1,12.3,x\n2,-0.05,y\n"), &*schema);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(Rows(*b), "{\"id\":1,\"amount\":\"12.30\"}\n{\"id\":2,\"amount\":\"-0.05\"}\n");
  auto too_precise = ReadCsvFile(Write("bad.csv", "id,amount\n1,1.234\n"), &*schema);
  EXPECT_EQ(too_precise.status().message(), dir_ + "/bad.csv:2: column 'amount': '1.234' is not representable with 2 decimals");
  auto overflow = ReadCsvFile(Write("big.csv", "id,amount\n3000000000,1\n"), &*schema);
  EXPECT_EQ(overflow.status().message(), dir_ + "/big.csv:2: column 'id': '3000000000' is not in range for int32");
  auto missing = ReadCsvFile(Write("null.csv", "id,amount\n,1\n"), &*schema);
  EXPECT_EQ(missing.status().message(), dir_ + "/null.csv:2: column 'id' is required but empty");
  auto ragged = ReadCsvFile(Write("ragged.csv", "id,amount\n1,\"multi\nline\"\n1\n"), &*schema);
  EXPECT_EQ(ragged.status().message(), dir_ + "/ragged.csv:4: 1 fields, but the header has 2")
      << "the record after a two-line field starts on line 4";
}

TEST_F(TableImportTest, SchemaSpecsRejectUnknownTypesAndDuplicates) {
  EXPECT_EQ(ParseSchemaSpec("a:int99").status().message(),
            "schema column 'a': unknown type 'int99' (expected bool, int8…int64, uint8…uint64, float, double, "
            "decimal(p,s), string, json, binary, date, timestamp, timestamp_ms or uuid)");
  EXPECT_EQ(ParseSchemaSpec("a:int32,a:string").status().message(), "schema names column 'a' twice");
  EXPECT_EQ(ParseSchemaSpec("a:decimal(40,2)").status().message(),
            "schema column 'a': invalid decimal type 'decimal(40,2)': expected decimal(precision, scale) with 1 ≤ "
            "precision ≤ 38, 0 ≤ scale ≤ precision");
}

TEST_F(TableImportTest, JsonLinesKeepNestedValuesAsJsonText) {
  auto b = ReadJsonLinesFile(Write("e.jsonl", "{\"id\":1,\"tags\":[\"a\"],\"v\":1.5}\n\n{\"id\":2,\"v\":2,\"ok\":true}\n"),
                             nullptr);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->schema.ToString(), "id: int64\ntags: json\nv: double\nok: bool\n");
  EXPECT_EQ(Rows(*b), "{\"id\":1,\"tags\":\"[\\\"a\\\"]\",\"v\":1.5,\"ok\":null}\n"
                      "{\"id\":2,\"tags\":null,\"v\":2.0,\"ok\":true}\n");
  auto broken = ReadJsonLinesFile(Write("b.jsonl", "{\"id\":1}\n{oops\n"), nullptr);
  EXPECT_EQ(broken.status().message().rfind(dir_ + "/b.jsonl:2:1:2: invalid JSON", 0), 0u) << broken.status();
}

}  // namespace
}  // namespace sluice::cli
