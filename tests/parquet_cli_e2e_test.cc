// `sluice parquet schema|meta|head|cat|convert` run as users run them; the converted file is
// read back by DuckDB as an independent reader.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "process_util.h"
#include "sluice/common/json.h"

namespace {

namespace fs = std::filesystem;
using sluice::testing::RunResult;

class ParquetCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sluice-pqcli-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  RunResult Run(std::vector<std::string> args) { return sluice::testing::Sluice(dir_ + "/home", std::move(args)); }
  std::string dir_;
};

constexpr const char* kCsv =
    "order_id,customer,at,amount,note\n"
    "1,C-1,2026-11-27T08:15:02Z,129.90,\"first, with comma\"\n"
    "2,C-2,2026-11-27T09:00:00.250+01:00,-0.05,\n"
    "3,C-1,,1000000.00,\"line\nbreak\"\n";

TEST_F(ParquetCliTest, ConvertThenSchemaHeadAndCatShowTheTypedRows) {
  std::string csv = Write("orders.csv", kCsv), out = dir_ + "/orders.parquet";
  RunResult convert = Run({"parquet", "convert", csv, out, "--schema",
                           "order_id:int64 not null,customer:string,at:timestamp,amount:decimal(12,2),note:string"});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  EXPECT_EQ(convert.out, "convert: " + csv + " to " + out + " (3 rows, 5 columns)\n");
  EXPECT_EQ(Run({"parquet", "schema", out}).out,
            "order_id: int64 not null\ncustomer: string\nat: timestamp[us, UTC]\namount: decimal(12,2)\nnote: string\n");
  const std::string rows =
      R"({"order_id":1,"customer":"C-1","at":"2026-11-27T08:15:02.000000Z","amount":"129.90","note":"first, with comma"})" "\n"
      R"({"order_id":2,"customer":"C-2","at":"2026-11-27T08:00:00.250000Z","amount":"-0.05","note":null})" "\n"
      R"({"order_id":3,"customer":"C-1","at":null,"amount":"1000000.00","note":"line\nbreak"})" "\n";
  EXPECT_EQ(Run({"parquet", "cat", out}).out, rows);
  EXPECT_EQ(Run({"parquet", "head", "-n", "1", out, "--columns", "amount,order_id"}).out,
            R"({"amount":"129.90","order_id":1})" "\n");
  RunResult meta = Run({"parquet", "meta", out});
  ASSERT_EQ(meta.exit_code, 0) << meta.err;
  auto m = sluice::common::ParseJson(meta.out, "meta");
  ASSERT_TRUE(m.ok()) << meta.out;
  EXPECT_EQ(m->at("num_rows").as_int64(), 3);
  const auto& amount = m->at("row_groups").as_array()[0].at("columns").as_array()[3].as_object();
  EXPECT_EQ(amount.at("path").as_string(), "amount");
  EXPECT_EQ(amount.at("type").as_string(), "INT64");
  EXPECT_EQ(amount.at("codec").as_string(), "ZSTD");
  EXPECT_EQ(amount.at("statistics").at("min").as_int64(), -5);
  EXPECT_EQ(amount.at("statistics").at("max").as_int64(), 100000000);

  // DuckDB, an independent reader, sees the same rows.
  std::string reader = std::string(SLUICE_SOURCE_DIR) + "/tests/parquet/read_with_duckdb.mjs";
  if (!fs::exists(std::string(SLUICE_SOURCE_DIR) + "/tools/node_modules/@duckdb")) GTEST_SKIP() << "tools/node_modules missing";
  std::string duck = sluice::testing::ShellOutput("node '" + reader + "' '" + out + "'");
  EXPECT_EQ(duck, rows);
}

TEST_F(ParquetCliTest, BadInputsNameTheFileLineAndColumn) {
  std::string csv = Write("bad.csv", "id,amount\n1,2.5\n2,oops\n");
  RunResult r = Run({"parquet", "convert", csv, dir_ + "/bad.parquet", "--schema", "id:int64,amount:double"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sluice parquet convert: InvalidArgument: " + csv + ":3: column 'amount': 'oops' is not a number\n");
  EXPECT_FALSE(fs::exists(dir_ + "/bad.parquet")) << "no partial output";
  EXPECT_EQ(Run({"parquet", "convert", csv, dir_ + "/x.parquet", "--codec", "lzo"}).exit_code, 2);
  std::string junk = Write("junk.parquet", "not a parquet file at all");
  RunResult s = Run({"parquet", "schema", junk});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.err.find(junk), std::string::npos) << s.err;
}

}  // namespace
