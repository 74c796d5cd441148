#include "sluice/etl/job_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/file_util.h"
#include "sluice/common/io.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/etl/batch_ops.h"
#include "sluice/etl/decompress.h"
#include "sluice/etl/key_index.h"
#include "sluice/etl/schema_registry.h"
#include "sluice/parquet/file_reader.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/json_rows.h"

namespace sluice::etl {
namespace {

namespace fs = std::filesystem;
namespace json = common::json;

constexpr const char* kOrdersJob = R"yaml(
name: orders
source: {format: csv}
mapping:
  - [order_id, string, order_id, string]
  - {source: order_ts, target: order_ts, type: timestamp}
  - [quantity, string, quantity, int32]
  - [unit_price, string, unit_price, "decimal(10,2)"]
  - [note, string, note, string]
derived:
  - {name: order_date, expression: "date(order_ts)"}
rules: |
  Rules = [
    IsComplete "order_id",
    ColumnValues "quantity" between 0 and 1001,
    IsPrimaryKey "order_id",
    RowCount > 0
  ]
dedupe: {key: order_id, order_by: order_ts}
partition_by: order_date
)yaml";

class JobRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db");
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = std::move(*cat);
    env_.catalog = catalog_.get();
    env_.lake_dir = dir_.path() + "/lake";
    env_.threads = 2;
  }

  std::shared_ptr<const CompiledJob> Compile(const std::string& yaml) {
    auto spec = ParseJobSpec(yaml, "job.yaml");
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto job = CompileJob(*spec);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : nullptr;
  }

  // The bytes of a compressed lake file (bronze, a rejected object), decompressed.
  static std::string Decompressed(const std::string& path) {
    auto raw = common::FileInputStream::Open(path);
    if (!raw.ok()) return "cannot open " + path;
    auto in = OpenMaybeCompressed(std::move(*raw), path);
    if (!in.ok()) return in.status().ToString();
    std::string out, buf(65536, '\0');
    for (;;) {
      auto n = (*in)->Read(buf.data(), buf.size());
      if (!n.ok()) return n.status().ToString();
      if (*n == 0) return out;
      out.append(buf.data(), *n);
    }
  }
  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_.path() + "/in/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  RunOutcome Run(const CompiledJob& job, const std::string& path, bool force = false) {
    auto source = LocalSource(path, true);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    RunOptions options;
    options.ignore_bookmark = force;
    auto outcome = RunJob(job, *source, env_, options);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    if (!outcome.ok()) return {};
    // The invariant every run keeps.
    if (outcome->status != "SKIPPED") {
      const json::object& rows = outcome->report.at("rows").as_object();
      EXPECT_EQ(rows.at("read").as_int64(),
                rows.at("written").as_int64() + rows.at("quarantined").as_int64() +
                    rows.at("duplicates").as_int64() + rows.at("withheld").as_int64());
    }
    return *outcome;
  }

  // Every live silver row of `dataset`, as canonical JSON text keyed by order_id, with the
  // partition directory added as "_partition".
  std::map<std::string, std::string> SilverRows(const std::string& dataset) {
    std::map<std::string, std::string> out;
    ForEachSilverRow(dataset, [&](const json::object& row) {
      std::string id = row.at("order_id").as_string().c_str();
      EXPECT_EQ(out.count(id), 0u) << "duplicate order_id in silver: " << id;
      out[id] = common::SerializeJson(row);
    });
    return out;
  }

  // Every live silver row of `dataset` as JSON, with the partition directory as "_partition".
  void ForEachSilverRow(const std::string& dataset,
                        const std::function<void(const json::object&)>& fn) {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    auto files = (*tx)->Query(
        "SELECT path, partition_path FROM dataset_files WHERE dataset = $1 AND layer = 'silver' "
        "AND state = 'live'",
        {dataset});
    EXPECT_TRUE(files.ok());
    for (const auto& f : *files) {
      auto reader = parquet::FileReader::OpenFile(env_.lake_dir + "/" + f.Text(0));
      EXPECT_TRUE(reader.ok()) << f.Text(0);
      for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
        auto batch = (*reader)->ReadRowGroup(g, {});
        EXPECT_TRUE(batch.ok());
        for (int64_t r = 0; r < batch->num_rows; ++r) {
          json::object row = parquet::RowToJson(*batch, r);
          row["_partition"] = f.Text(1);
          fn(row);
        }
      }
    }
  }

  std::vector<json::object> QuarantineLines(const RunOutcome& outcome) {
    std::vector<json::object> out;
    std::string rel = outcome.report.at("outputs").at("quarantine").as_string().c_str();
    std::ifstream in(env_.lake_dir + "/" + rel);
    std::string line;
    while (std::getline(in, line)) out.push_back(common::ParseJson(line, "q")->as_object());
    return out;
  }

  // Points the test at an empty lake and catalog of their own under `name`.
  void UseFreshLake(const std::string& name) {
    std::string root = dir_.path() + "/" + name;
    fs::create_directories(root);
    auto cat = catalog::OpenSqliteCatalog(root + "/catalog.db");
    ASSERT_TRUE(cat.ok()) << cat.status();
    catalog_ = std::move(*cat);
    env_.catalog = catalog_.get();
    env_.lake_dir = root + "/lake";
  }

  // The run report and quarantine lines of `run` without what differs from run to run (run
  // id, times, the lake's folder).
  std::string Summary(const RunOutcome& run) {
    json::object report = run.report;
    for (const char* varying : {"run_id", "started_at", "duration_ms", "timings_ms"})
      report.erase(varying);
    std::string text = common::SerializeJson(report) + "\n";
    for (json::object line : QuarantineLines(run)) {
      line.erase("run_id");
      text += common::SerializeJson(line) + "\n";
    }
    for (const std::string& v : {run.run_id, env_.lake_dir}) {
      for (size_t k; (k = text.find(v)) != std::string::npos;) text.replace(k, v.size(), "X");
    }
    return text;
  }

  common::TestTempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  JobEnvironment env_;
};

TEST_F(JobRunnerTest, TypesPartitionsQuarantinesAndDedupesAnOrdersFile) {
  auto job = Compile(kOrdersJob);
  std::string path = WriteFile("orders.csv",
                               "order_id,order_ts,quantity,unit_price,note\n"
                               "1,2026-11-01T10:00:00Z,2,9.99,\n"
                               "2,2026-11-02T11:00:00Z,abc,1.00,x\n"
                               ",2026-11-02T12:00:00Z,1,1.00,no id\n"
                               "3,2026-11-02T13:00:00Z,5,3.50,\"a, \"\"quoted\"\"\nnote\"\n"
                               "1,2026-11-03T09:00:00Z,3,9.99,newer\n"
                               "4,2026-11-02T14:00:00Z,2000,1.00,too many\n"
                               "5,yesterday,1,1.00,\n"
                               "6,2026-11-02T15:00:00Z,1\n"
                               "3,2026-11-01T00:00:00Z,9,3.50,older\n");
  RunOutcome run = Run(*job, path);
  ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
  const json::object& rows = run.report.at("rows").as_object();
  EXPECT_EQ(rows.at("read").as_int64(), 9);
  EXPECT_EQ(rows.at("written").as_int64(), 2);
  EXPECT_EQ(rows.at("quarantined").as_int64(), 5);
  EXPECT_EQ(rows.at("duplicates").as_int64(), 2);

  auto silver = SilverRows("orders");
  ASSERT_EQ(silver.size(), 2u);
  EXPECT_EQ(
      silver["1"],
      R"({"order_id":"1","order_ts":"2026-11-03T09:00:00.000000Z","quantity":3,"unit_price":"9.99","note":"newer","_partition":"order_date=2026-11-03"})");
  EXPECT_EQ(
      silver["3"],
      R"({"order_id":"3","order_ts":"2026-11-02T13:00:00.000000Z","quantity":5,"unit_price":"3.50","note":"a, \"quoted\"\nnote","_partition":"order_date=2026-11-02"})");

  auto q = QuarantineLines(run);
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0].at("line").as_int64(), 3);
  EXPECT_EQ(q[0].at("rule").as_string(), "cast");
  EXPECT_EQ(q[0].at("column").as_string(), "quantity");
  EXPECT_EQ(q[0].at("raw").as_string(), "2,2026-11-02T11:00:00Z,abc,1.00,x");
  EXPECT_EQ(q[0].at("source").as_string(), path);
  EXPECT_EQ(q[1].at("line").as_int64(), 4);
  EXPECT_EQ(q[1].at("rule").as_string(), "IsComplete \"order_id\"");
  EXPECT_EQ(q[2].at("rule").as_string(), "ColumnValues \"quantity\" between 0 and 1001");
  EXPECT_EQ(q[2].at("line").as_int64(), 8);
  EXPECT_EQ(q[3].at("column").as_string(), "order_ts");
  EXPECT_EQ(q[3].at("rule").as_string(), "cast");
  EXPECT_EQ(q[4].at("rule").as_string(), "parse");
  EXPECT_EQ(q[4].at("reason").as_string(), "3 fields, expected 5");
  EXPECT_EQ(q[4].at("line").as_int64(), 10);

  const json::object& by_rule = run.report.at("quarantine_by_rule").as_object();
  EXPECT_EQ(by_rule.at("cast").as_int64(), 2);
  EXPECT_EQ(by_rule.at("parse").as_int64(), 1);

  // Bronze keeps the object as received, compressed.
  std::string bronze = run.report.at("outputs").at("bronze").as_string().c_str();
  EXPECT_EQ(bronze, "bronze/orders/" + run.run_id + "/orders.csv.zst");
  EXPECT_TRUE(fs::exists(env_.lake_dir + "/" + bronze));

  auto tx = catalog_->Begin(catalog::TxMode::kRead);
  auto schema = SchemaRegistry::Latest(**tx, "orders");
  ASSERT_TRUE(schema.ok() && schema->has_value());
  EXPECT_EQ((*schema)->version, 1);
  EXPECT_EQ((*schema)->schema.fields.size(), 6u);
}

// Bronze is the object byte for byte, whichever way its frames were cut: reads compressed
// where they lie (one thread), 4 MiB frames gathered from small reads, or frames handed to
// the background thread (two threads).
TEST_F(JobRunnerTest, BronzeDecompressesToTheObjectWhateverTheThreadsAndReadSizes) {
  auto job = Compile(kOrdersJob);
  std::string csv = "order_id,order_ts,quantity,unit_price,note\n";
  for (int i = 0; csv.size() < (size_t{9} << 20); ++i) {
    csv += "o" + std::to_string(i) + ",2026-11-" + std::to_string(10 + i % 18) +
           "T10:00:00Z," + std::to_string(i % 900) + ",1." + std::to_string(i % 90 + 10) +
           ",\"note " + std::string(static_cast<size_t>(i % 300), 'x') + "\"\n";
  }
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    env_.threads = threads;
    RunOutcome run = Run(*job, WriteFile("big-" + std::to_string(threads) + ".csv", csv));
    ASSERT_EQ(run.report.at("status").as_string(), "SUCCEEDED");
    std::string bronze = run.report.at("outputs").at("bronze").as_string().c_str();
    std::string got = Decompressed(env_.lake_dir + "/" + bronze);
    EXPECT_TRUE(got == csv) << "bronze holds " << got.size() << " bytes, the object "
                            << csv.size();  // (not EXPECT_EQ: a 9 MiB diff)
  }
}

TEST_F(JobRunnerTest, BookmarkSkipsAnObjectAlreadyProcessedAndForceReplacesItsOutput) {
  auto job = Compile(kOrdersJob);
  std::string path = WriteFile("a.csv",
                               "order_id,order_ts,quantity,unit_price,note\n"
                               "1,2026-11-01T10:00:00Z,2,9.99,\n"
                               "2,2026-11-02T10:00:00Z,2,9.99,\n");
  RunOutcome first = Run(*job, path);
  ASSERT_EQ(first.status, "SUCCEEDED") << first.error;
  // Nothing quarantined: no quarantine file.
  EXPECT_EQ(first.report.at("outputs").at("quarantine").as_string(), "");
  EXPECT_FALSE(fs::exists(env_.lake_dir + "/quarantine/orders/" + first.run_id + ".jsonl"));
  RunOutcome again = Run(*job, path);
  EXPECT_EQ(again.status, "SKIPPED");
  EXPECT_EQ(again.run_id, first.run_id);
  RunOutcome forced = Run(*job, path, /*force=*/true);
  ASSERT_EQ(forced.status, "SUCCEEDED") << forced.error;
  EXPECT_EQ(forced.report.at("outputs").at("replaced_files").as_array().size(), 2u);
  auto silver = SilverRows("orders");
  EXPECT_EQ(silver.size(), 2u);
  // The first run's files are gone from disk too.
  for (const auto& p : first.report.at("partitions").as_array()) {
    EXPECT_FALSE(fs::exists(env_.lake_dir + "/" + std::string(p.at("file").as_string())));
  }
  auto reset = ResetBookmarks(env_, "orders", "orders");
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  EXPECT_EQ(*reset, 1);
  EXPECT_TRUE(SilverRows("orders").empty());
  RunOutcome after_reset = Run(*job, path);
  EXPECT_EQ(after_reset.status, "SUCCEEDED");
  EXPECT_EQ(SilverRows("orders").size(), 2u);
}

TEST_F(JobRunnerTest, NewerRowsReplaceOlderOnesInSilverAndOlderOnesAreDropped) {
  auto job = Compile(kOrdersJob);
  ASSERT_EQ(Run(*job, WriteFile("a.csv",
                                "order_id,order_ts,quantity,unit_price,note\n"
                                "1,2026-11-01T10:00:00Z,1,1.00,a1\n"
                                "2,2026-11-01T10:00:00Z,1,1.00,a2\n"
                                "3,2026-11-01T10:00:00Z,1,1.00,a3\n"))
                .status,
            "SUCCEEDED");
  RunOutcome b = Run(*job, WriteFile("b.csv",
                                     "order_id,order_ts,quantity,unit_price,note\n"
                                     "2,2026-11-02T10:00:00Z,2,1.00,b2 newer\n"
                                     "3,2026-10-30T10:00:00Z,2,1.00,b3 older\n"
                                     "4,2026-11-02T10:00:00Z,2,1.00,b4\n"));
  ASSERT_EQ(b.status, "SUCCEEDED") << b.error;
  const json::object& rows = b.report.at("rows").as_object();
  EXPECT_EQ(rows.at("written").as_int64(), 2);
  EXPECT_EQ(rows.at("duplicates_against_silver").as_int64(), 1);
  EXPECT_EQ(rows.at("silver_rows_replaced").as_int64(), 1);
  auto silver = SilverRows("orders");
  ASSERT_EQ(silver.size(), 4u);
  EXPECT_NE(silver["1"].find("\"a1\""), std::string::npos);
  EXPECT_NE(silver["2"].find("\"b2 newer\""), std::string::npos);
  EXPECT_NE(silver["3"].find("\"a3\""), std::string::npos);
  EXPECT_NE(silver["4"].find("\"b4\""), std::string::npos);
}

TEST_F(JobRunnerTest, AFailingDatasetRuleFailsTheRunAndPublishesNothing) {
  auto job = Compile(std::string(kOrdersJob) + "\n");
  auto spec = ParseJobSpec(std::string(R"yaml(
name: strict_orders
source: {format: csv}
mapping:
  - [order_id, string, order_id, string]
  - [quantity, string, quantity, int32]
rules: |
  Rules = [ RowCount > 5 ]
)yaml"),
                           "job.yaml");
  ASSERT_TRUE(spec.ok());
  auto strict = CompileJob(*spec);
  ASSERT_TRUE(strict.ok());
  RunOutcome run = Run(**strict, WriteFile("s.csv", "order_id,quantity\n1,1\n2,x\n"));
  EXPECT_EQ(run.status, "FAILED");
  EXPECT_EQ(run.error, "quality rule failed: RowCount > 5: " +
                           std::string(run.report.at("rules").at(0).at("reason").as_string()));
  const json::object& rows = run.report.at("rows").as_object();
  EXPECT_EQ(rows.at("read").as_int64(), 2);
  EXPECT_EQ(rows.at("written").as_int64(), 0);
  EXPECT_EQ(rows.at("quarantined").as_int64(), 1);
  EXPECT_EQ(rows.at("withheld").as_int64(), 1);
  EXPECT_TRUE(SilverRows("strict_orders").empty());
  EXPECT_FALSE(fs::exists(env_.lake_dir + "/silver/strict_orders"));
}

TEST_F(JobRunnerTest, AdditiveEvolutionAddsColumnsAndStrictRefusesThemWithADiff) {
  auto v1 = Compile(
      "name: ev\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n  - [n, string, n, "
      "int32]\n");
  ASSERT_EQ(Run(*v1, WriteFile("1.csv", "id,n\na,1\n")).status, "SUCCEEDED");
  auto v2 = Compile(
      "name: ev\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n  - [n, string, n, "
      "int64]\n"
      "  - [extra, string, extra, string]\n");
  RunOutcome run2 = Run(*v2, WriteFile("2.csv", "id,n,extra\nb,5000000000,hello\n"));
  ASSERT_EQ(run2.status, "SUCCEEDED") << run2.error;
  EXPECT_EQ(run2.report.at("schema").at("version").as_int64(), 2);
  EXPECT_EQ(run2.report.at("schema").at("changes").as_array().size(), 2u);

  auto v3 = Compile(
      "name: ev\nsource: {format: csv}\nevolution: strict\nmapping:\n  - [id, string, id, string]\n"
      "  - [n, string, n, int64]\n  - [extra, string, extra, string]\n  - [more, string, more, "
      "bool]\n");
  RunOutcome run3 = Run(*v3, WriteFile("3.csv", "id,n,extra,more\nc,1,x,true\n"));
  EXPECT_EQ(run3.status, "FAILED");
  EXPECT_NE(run3.error.find("+ more: bool"), std::string::npos) << run3.error;
  std::string rejected = "quarantine/ev/" + run3.run_id + "-rejected/3.csv.zst";
  EXPECT_EQ(run3.report.at("outputs").at("rejected_object").as_string(), rejected);
  EXPECT_EQ(Decompressed(env_.lake_dir + "/" + rejected), "id,n,extra,more\nc,1,x,true\n");
  EXPECT_EQ(run3.report.at("rows").at("read").as_int64(), 0);  // refused before its rows were read
}

// An object without a column the mapping needs breaks the job's schema: the run fails
// naming the column and the object stays quarantined as a file.
TEST_F(JobRunnerTest, AnObjectMissingAMappedColumnIsRefusedAndQuarantinedAsAFile) {
  auto job = Compile("name: mc\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n"
                     "  - [n, string, n, int32]\n");
  std::string path = WriteFile("renamed.csv", "id,count\na,1\n");
  RunOutcome run = Run(*job, path);
  EXPECT_EQ(run.status, "FAILED");
  EXPECT_EQ(run.error, path + ": source column \"n\" (mapped to \"n\") is missing; the source has id, count");
  std::string rejected = "quarantine/mc/" + run.run_id + "-rejected/renamed.csv.zst";
  EXPECT_EQ(run.report.at("outputs").at("rejected_object").as_string(), rejected);
  EXPECT_EQ(Decompressed(env_.lake_dir + "/" + rejected), "id,count\na,1\n");  // once, whole
  EXPECT_EQ(run.report.at("rows").at("read").as_int64(), 0);
}

TEST_F(JobRunnerTest, AnUnreadableObjectFailsTheRunWithTheSourceInTheError) {
  auto job = Compile("name: gz\nsource: {format: csv}\n");
  std::string path = WriteFile("broken.csv.gz", "this is not gzip at all");
  RunOutcome run = Run(*job, path);
  EXPECT_EQ(run.status, "FAILED");
  EXPECT_NE(run.error.find(path), std::string::npos) << run.error;
  EXPECT_TRUE(fs::exists(path));  // the landing object stays untouched
}

TEST_F(JobRunnerTest, MalformedInputIsQuarantinedRowByRowAndEmptyFilesSucceed) {
  auto job = Compile(
      "name: junk\nsource: {format: csv}\nmapping:\n  - [a, string, a, string]\n  - [b, string, b, "
      "int32]\n");
  std::string junk = "a,b\nx,1\n\"broken\"quote,2\ny,\xff\xfe\n";
  junk += std::string("\x00\x01\x02,3\n", 6);
  junk += "z," + std::string(100, '9') + "\n\"unterminated,2\n";
  RunOutcome run = Run(*job, WriteFile("junk.csv", junk));
  ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
  EXPECT_EQ(run.report.at("rows").at("read").as_int64(), 6);
  EXPECT_EQ(run.report.at("rows").at("written").as_int64(), 2);
  auto q = QuarantineLines(run);
  ASSERT_EQ(q.size(), 4u);
  std::vector<std::string> reasons;
  for (const auto& line : q) {
    reasons.push_back(std::to_string(line.at("line").as_int64()) + " " +
                      std::string(line.at("rule").as_string()) + ": " +
                      std::string(line.at("reason").as_string()));
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{
                         "3 parse: unexpected 'q' after the closing quote of field 1",
                         "4 parse: invalid UTF-8 in field 2 at offset 0",
                         "6 cast: \"" + std::string(64, '9') + "…\" is out of range for int32",
                         "7 parse: unterminated quoted field 1"}));

  RunOutcome empty = Run(*job, WriteFile("empty.csv", ""));
  EXPECT_EQ(empty.status, "SUCCEEDED") << empty.error;  // an empty export: zero rows
  EXPECT_EQ(empty.report.at("rows").at("read").as_int64(), 0);
  // ... unless the rules say a run must have rows.
  auto strict = Compile("name: junk2\nsource: {format: csv}\nmapping:\n  - [a, string, a, string]\n"
                        "rules: \"Rules = [ RowCount > 0 ]\"\n");
  RunOutcome empty_strict = Run(*strict, WriteFile("empty2.csv", ""));
  EXPECT_EQ(empty_strict.status, "FAILED");
  EXPECT_EQ(empty_strict.error.rfind("quality rule failed: RowCount > 0", 0), 0u) << empty_strict.error;
  RunOutcome header_only = Run(*job, WriteFile("header.csv", "a,b\n"));
  EXPECT_EQ(header_only.status, "SUCCEEDED") << header_only.error;
  EXPECT_EQ(header_only.report.at("rows").at("read").as_int64(), 0);
}

TEST_F(JobRunnerTest, InfersTypesWhenTheJobHasNoMapping) {
  auto job = Compile("name: inferred\nsource: {format: csv}\n");
  RunOutcome run = Run(
      *job, WriteFile("i.csv",
                      "id,flag,amount,day,at,name\n1,true,1.5,2026-11-27,2026-11-27T10:00:00Z,x\n"
                      "2,false,2,2026-11-28,2026-11-27T11:00:00Z,y\n"));
  ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
  auto tx = catalog_->Begin(catalog::TxMode::kRead);
  auto schema = SchemaRegistry::Latest(**tx, "inferred");
  ASSERT_TRUE(schema.ok() && schema->has_value());
  std::vector<std::string> types;
  for (const auto& f : (*schema)->schema.fields) types.push_back(f.name + ":" + f.type.ToString());
  EXPECT_EQ(types, (std::vector<std::string>{"id:int64", "flag:bool", "amount:double", "day:date",
                                             "at:timestamp[us, UTC]", "name:string"}));
}

TEST_F(JobRunnerTest, RecoveryRollsBackTheFilesOfARunThatDied) {
  auto job = Compile(kOrdersJob);
  // A run that died after writing a file but before publishing it.
  {
    auto tx = catalog_->Begin(catalog::TxMode::kWrite);
    ASSERT_TRUE((*tx)
                    ->Execute("INSERT INTO job_runs (run_id, job, dataset, source_bucket, "
                              "source_key, source_etag, "
                              "status, started_at) VALUES ('dead', 'orders', 'orders', '', 'x', "
                              "'', 'RUNNING', 'now')")
                    .ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  fs::create_directories(env_.lake_dir + "/_sluice/orders/staging");
  fs::create_directories(env_.lake_dir + "/silver/orders/order_date=2026-11-01");
  std::string orphan = env_.lake_dir + "/silver/orders/order_date=2026-11-01/part-dead-0.parquet";
  std::ofstream(orphan) << "half a file";
  std::ofstream(env_.lake_dir + "/_sluice/orders/staging/dead.pending")
      << "silver/orders/order_date=2026-11-01/part-dead-0.parquet\n";
  ASSERT_TRUE(RecoverDataset(env_, "orders").ok());
  EXPECT_FALSE(fs::exists(orphan));
  auto tx = catalog_->Begin(catalog::TxMode::kRead);
  auto row = (*tx)->QueryOne("SELECT status, error FROM job_runs WHERE run_id = 'dead'");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->Text(0), "FAILED");
  EXPECT_EQ((*row)->Text(1),
            "the run was interrupted (its process died); its output was rolled back");
}

TEST_F(JobRunnerTest, RowsWithANullKeyAreNeverDeduplicated) {
  auto job = Compile("name: nk\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n"
                     "  - [v, string, v, int32]\ndedupe: {key: id, order_by: v}\n");
  RunOutcome run = Run(*job, WriteFile("nk.csv", "id,v\n,1\n,2\na,1\na,2\n"));
  ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
  EXPECT_EQ(run.report.at("rows").at("written").as_int64(), 3);  // both NULL ids, and a's newest
  EXPECT_EQ(run.report.at("rows").at("duplicates").as_int64(), 1);
}

// Quarantined rows stay in their batch (masked) until the batch is written: they must not
// take part in dedupe nor in partitions, whether a cast or a row-level rule rejected them.
TEST_F(JobRunnerTest, AQuarantinedRowNeverWinsNorLosesADedupe) {
  auto job = Compile(kOrdersJob);
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    env_.threads = threads;
    RunOutcome run = Run(*job, WriteFile("q" + std::to_string(threads) + ".csv",
                                         "order_id,order_ts,quantity,unit_price,note\n"
                                         "1,2026-11-01T10:00:00Z,1,1.00,kept\n"
                                         "1,2026-11-03T10:00:00Z,5000,1.00,rule\n"
                                         "1,2026-11-04T10:00:00Z,x,1.00,cast\n"
                                         "2,2026-11-05T10:00:00Z,2000,1.00,rule\n"),
                         /*force=*/true);
    ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
    const json::object& rows = run.report.at("rows").as_object();
    EXPECT_EQ(rows.at("read").as_int64(), 4);
    EXPECT_EQ(rows.at("written").as_int64(), 1);
    EXPECT_EQ(rows.at("quarantined").as_int64(), 3);
    EXPECT_EQ(rows.at("duplicates").as_int64(), 0);
    std::map<std::string, std::string> silver = SilverRows("orders");
    ASSERT_EQ(silver.size(), 1u);
    EXPECT_NE(silver.at("1").find("\"kept\""), std::string::npos) << silver.at("1");
    EXPECT_NE(silver.at("1").find("order_date=2026-11-01"), std::string::npos);
    // No partition of a quarantined row's date exists.
    EXPECT_FALSE(fs::exists(env_.lake_dir + "/silver/orders/order_date=2026-11-03"));
    EXPECT_FALSE(fs::exists(env_.lake_dir + "/silver/orders/order_date=2026-11-05"));
  }
}

TEST_F(JobRunnerTest, RecoveryFailsARunThatDiedBeforeItRecordedAnyFile) {
  {
    auto tx = catalog_->Begin(catalog::TxMode::kWrite);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO job_runs (run_id, job, dataset, source_bucket, source_key, "
                               "source_etag, status, started_at) VALUES ('early', 'orders', 'orders', "
                               "'', 'x', '', 'RUNNING', 'now')")
                    .ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  fs::create_directories(env_.lake_dir + "/bronze/orders/early");
  std::ofstream(env_.lake_dir + "/bronze/orders/early/partial.tmp") << "half";
  ASSERT_TRUE(RecoverDataset(env_, "orders").ok());
  EXPECT_FALSE(fs::exists(env_.lake_dir + "/bronze/orders/early"));
  auto tx = catalog_->Begin(catalog::TxMode::kRead);
  auto row = (*tx)->QueryOne("SELECT status FROM job_runs WHERE run_id = 'early'");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->Text(0), "FAILED");
}

TEST_F(JobRunnerTest, SpillingUnderATinyMemoryBudgetGivesTheSameSilverAsMemory) {
  // Several batches' worth of rows (16,384 per batch with one or two threads, one per 256 KiB
  // block with more) with duplicates that cross batches, so later rows replace rows already
  // written to the spill files.
  std::string csv = "order_id,order_ts,quantity,unit_price,note\n";
  for (int i = 0; i < 40000; ++i) {
    int id = i < 30000 ? i : (i - 30000) * 3;  // ids 0, 3, 6, … again, newer
    csv += std::to_string(id) + ",2026-11-0" + std::to_string(1 + i % 5) +
           "T10:" + (i < 30000 ? "00" : "30") + ":00Z," + std::to_string(1 + i % 7) + ",1.50," +
           (i < 30000 ? "first" : "second") + "\n";
  }
  std::string path = WriteFile("big.csv", csv);
  env_.block_bytes = 256 << 10;  // with three threads or more, batches of about 6,000 rows
  auto job = Compile(kOrdersJob);
  RunOutcome in_memory = Run(*job, path);
  ASSERT_EQ(in_memory.status, "SUCCEEDED") << in_memory.error;
  auto expected = SilverRows("orders");
  ASSERT_EQ(expected.size(), 30000u);
  ASSERT_EQ(in_memory.report.at("rows").at("duplicates").as_int64(), 10000);

  env_.memory_budget_bytes = 1;  // spill after every batch
  RunOutcome spilled = Run(*job, path, /*force=*/true);
  ASSERT_EQ(spilled.status, "SUCCEEDED") << spilled.error;
  EXPECT_EQ(spilled.report.at("rows").at("written").as_int64(), 30000);
  EXPECT_EQ(spilled.report.at("rows").at("duplicates").as_int64(), 10000);
  EXPECT_EQ(SilverRows("orders"), expected);
  for (const auto& rule : spilled.report.at("rules").as_array()) {
    EXPECT_EQ(rule.at("outcome").as_string(), "PASS") << common::SerializeJson(rule);
  }
  // The spill files that lost rows were rewritten; every file in silver is a published one.
  std::set<std::string> on_disk;
  for (const auto& e : fs::recursive_directory_iterator(env_.lake_dir + "/silver/orders")) {
    if (e.is_regular_file()) on_disk.insert(fs::relative(e.path(), env_.lake_dir).string());
  }
  std::set<std::string> live;
  {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    auto rows =
        (*tx)->Query("SELECT path FROM dataset_files WHERE layer = 'silver' AND state = 'live'");
    ASSERT_TRUE(rows.ok());
    for (const auto& r : *rows) live.insert(r.Text(0));
  }  // one transaction per catalog at a time: the next run needs it
  EXPECT_EQ(on_disk, live);
  EXPECT_GT(live.size(), 5u);  // several spills per partition

  // The key index points at the spill files: a newer row for a spilled key replaces it there.
  RunOutcome newer = Run(*job, WriteFile("newer.csv",
                                         "order_id,order_ts,quantity,unit_price,note\n"
                                         "3,2026-11-09T00:00:00Z,1,1.50,third\n"
                                         "29999,2026-11-09T00:00:00Z,1,1.50,third\n"));
  ASSERT_EQ(newer.status, "SUCCEEDED") << newer.error;
  EXPECT_EQ(newer.report.at("rows").at("silver_rows_replaced").as_int64(), 2);
  auto after = SilverRows("orders");
  EXPECT_EQ(after.size(), 30000u);
  EXPECT_NE(after["3"].find("\"third\""), std::string::npos);
  EXPECT_NE(after["29999"].find("\"third\""), std::string::npos);
}

// Dedupe by buckets (keys beyond the memory budget go to hash-bucket files on disk) must
// decide exactly what the in-memory dedupe decides. The job allows NULL keys (no IsComplete
// on the key) and quarantines by a row rule.
constexpr const char* kBucketJob = R"yaml(
name: orders
source: {format: csv}
mapping:
  - [order_id, string, order_id, string]
  - {source: order_ts, target: order_ts, type: timestamp}
  - [quantity, string, quantity, int32]
  - [note, string, note, string]
derived:
  - {name: order_date, expression: "date(order_ts)"}
rules: |
  Rules = [
    ColumnValues "quantity" between 0 and 1001,
    RowCount > 0
  ]
dedupe: {key: order_id, order_by: order_ts}
partition_by: order_date
)yaml";

// A first object of 40,000 rows (three parse batches) whose duplicates cross batches (and so
// spills): later rows newer, as new (a tie: the row read last wins) or older than the first;
// NULL keys; quarantined rows, some of them duplicates.
std::string BucketTestFirstObject() {
  std::string csv = "order_id,order_ts,quantity,unit_price,note\n";
  auto ts = [](int day, int minute) {
    return "2026-11-0" + std::to_string(1 + day % 5) + "T10:" + (minute < 10 ? "0" : "") +
           std::to_string(minute) + ":00Z";
  };
  for (int i = 0; i < 40000; ++i) {
    std::string id;
    std::string when;
    if (i < 30000) {
      id = i % 1000 == 999 ? "" : std::to_string(i);
      when = ts(i, 20);
    } else {
      int orig = (i - 30000) * 3;
      id = std::to_string(orig);
      int kind = i % 3;  // 0: newer, 1: tie, 2: older
      when = ts(orig + (kind == 0 ? 1 : 0), kind == 2 ? 10 : 20);
    }
    csv += id + "," + when + "," + (i % 777 == 0 ? "5000" : std::to_string(1 + i % 7)) + ",1.50,r" +
           std::to_string(i) + "\n";
  }
  return csv;
}

// A second object against the silver the first one left: newer, tied and older rows for keys
// silver holds, new keys, NULL keys.
std::string BucketTestSecondObject() {
  std::string csv = "order_id,order_ts,quantity,unit_price,note\n";
  for (int i = 0; i < 6000; ++i) {
    std::string id = i % 500 == 0 ? "" : std::to_string(i < 4000 ? i * 2 : 100000 + i);
    int kind = i % 3;  // against silver (10:20 or 10:10): newer, as new, older
    std::string when = std::string("2026-11-0") + std::to_string(1 + (i * 2) % 5) + "T10:" +
                       (kind == 0 ? "40" : kind == 1 ? "20" : "00") + ":00Z";
    csv += id + "," + when + ",1,1.50,s" + std::to_string(i) + "\n";
  }
  return csv;
}

class DedupeModeTest : public JobRunnerTest {
 protected:
  std::vector<std::string> modes;  // "dedupe" "mode" of every run's report

  // What a user sees of a run and of silver after it.
  struct Observed {
    std::vector<std::string> reports;  // per run: rows, quarantine, rules, rows per partition
    std::vector<std::string> silver;   // every live silver row (with its partition), sorted
    int64_t index_keys = 0;
    std::string index_magic;
  };

  static void ExpectSame(const Observed& got, const Observed& want) {
    EXPECT_EQ(got.reports, want.reports);
    EXPECT_EQ(got.silver.size(), want.silver.size());
    auto diff = std::mismatch(got.silver.begin(), got.silver.end(), want.silver.begin(),
                              want.silver.end());
    if (diff.first != got.silver.end() || diff.second != want.silver.end()) {
      ADD_FAILURE() << "first silver difference: "
                    << (diff.first != got.silver.end() ? *diff.first : "(none)") << " vs "
                    << (diff.second != want.silver.end() ? *diff.second : "(none)");
    }
    EXPECT_EQ(got.index_keys, want.index_keys);
    EXPECT_EQ(got.index_magic, want.index_magic);
  }

  // A fresh catalog and lake.
  void FreshLake(const std::string& name) {
    env_.catalog = nullptr;
    catalog_.reset();
    auto cat = catalog::OpenSqliteCatalog(dir_.path() + "/" + name + ".db");
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = std::move(*cat);
    env_.catalog = catalog_.get();
    env_.lake_dir = dir_.path() + "/" + name;
  }

  std::string ReportOf(const RunOutcome& run) {
    const json::object& r = run.report;
    modes.push_back(std::string(r.at("dedupe").at("mode").as_string()));
    json::object partitions;
    std::map<std::string, int64_t> rows_by_partition;
    for (const auto& p : r.at("partitions").as_array())
      rows_by_partition[std::string(p.at("partition").as_string())] += p.at("rows").as_int64();
    for (const auto& [p, n] : rows_by_partition) partitions[p] = n;
    json::array rules;
    for (const auto& rule : r.at("rules").as_array()) {
      json::object o = rule.as_object();
      rules.push_back(std::move(o));
    }
    json::object q = r.at("quarantine_by_rule").as_object();
    json::object o{{"status", r.at("status")},
                   {"rows", r.at("rows")},
                   {"quarantine_by_rule", q},
                   {"quarantine_by_column", r.at("quarantine_by_column")},
                   {"rules", std::move(rules)},
                   {"rows_by_partition", std::move(partitions)}};
    return common::SerializeJson(o);
  }

  // The current key index of `dataset` holds exactly the non-NULL keys of its live silver
  // files, each entry naming the file that holds the key.
  void ExpectIndexNamesTheFilesOfItsKeys(const std::string& dataset) {
    SCOPED_TRACE(dataset);
    std::map<int64_t, std::set<std::string>> keys_of;
    std::string index_path;
    {
      auto tx = catalog_->Begin(catalog::TxMode::kRead);  // (one connection: closed after)
      auto files = (*tx)->Query(
          "SELECT file_id, path FROM dataset_files WHERE dataset = $1 AND layer = 'silver' AND "
          "state = 'live'",
          {dataset});
      ASSERT_TRUE(files.ok());
      for (const auto& f : *files) {
        auto reader = parquet::FileReader::OpenFile(env_.lake_dir + "/" + f.Text(1));
        ASSERT_TRUE(reader.ok()) << f.Text(1);
        for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
          auto batch = (*reader)->ReadRowGroup(g, {});
          ASSERT_TRUE(batch.ok());
          const parquet::ColumnVector& ids =
              batch->columns[static_cast<size_t>(batch->schema.IndexOf("order_id"))];
          for (int64_t r = 0; r < batch->num_rows; ++r) {
            if (ids.IsNull(r)) continue;  // NULL keys are kept, never deduplicated or indexed
            std::string key;
            AppendOrderedKey(ids, r, &key);
            keys_of[f.Int(0)].insert(key);
          }
        }
      }
      auto idx = (*tx)->QueryOne("SELECT path FROM dataset_key_indexes WHERE dataset = $1",
                                 {dataset});
      ASSERT_TRUE(idx.ok() && idx->has_value());
      index_path = (*idx)->Text(0);
    }
    auto index = KeyTable::Load(env_.lake_dir + "/" + index_path);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    size_t with_key = 0;
    for (const auto& [id, keys] : keys_of) with_key += keys.size();
    EXPECT_EQ(index->size(), with_key);
    for (const KeyTable::Entry& e : index->entries()) {
      auto it = keys_of.find(e.a);
      ASSERT_NE(it, keys_of.end()) << "entry names file " << e.a << ", not a live file";
      EXPECT_EQ(it->second.count(std::string(index->key(e))), 1u) << "file " << e.a;
    }
  }

  std::string CurrentIndex() {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    auto row = (*tx)->QueryOne("SELECT path, keys FROM dataset_key_indexes WHERE dataset = 'orders'");
    EXPECT_TRUE(row.ok() && row->has_value());
    return (*row)->Text(0);
  }

  void Observe(Observed* out) {
    ForEachSilverRow("orders",
                     [&](const json::object& row) { out->silver.push_back(common::SerializeJson(row)); });
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    std::sort(out->silver.begin(), out->silver.end());
    auto idx = (*tx)->QueryOne("SELECT path, keys FROM dataset_key_indexes WHERE dataset = 'orders'");
    ASSERT_TRUE(idx.ok() && idx->has_value());
    out->index_keys = (*idx)->Int(1);
    std::ifstream in(env_.lake_dir + "/" + (*idx)->Text(0), std::ios::binary);
    char magic[8] = {};
    in.read(magic, 8);
    out->index_magic.assign(magic, 8);
  }

  // Runs the two objects into a fresh lake with the given dedupe settings. `between` runs
  // after the first object is published.
  Observed RunBoth(const std::string& name, int buckets, int64_t budget,
                   const std::function<void()>& between = {}) {
    FreshLake(name);
    auto job = Compile(kBucketJob);
    Observed out;
    std::string first = WriteFile("first.csv", BucketTestFirstObject());
    std::string second = WriteFile("second.csv", BucketTestSecondObject());
    env_.dedupe_buckets = buckets;
    env_.memory_budget_bytes = budget;
    RunOutcome a = Run(*job, first);
    EXPECT_EQ(a.status, "SUCCEEDED") << a.error;
    out.reports.push_back(ReportOf(a));
    if (between) between();
    RunOutcome b = Run(*job, second);
    EXPECT_EQ(b.status, "SUCCEEDED") << b.error;
    out.reports.push_back(ReportOf(b));
    // Re-running the first object replaces its own output (and meets the second's rows).
    RunOutcome again = Run(*job, first, /*force=*/true);
    EXPECT_EQ(again.status, "SUCCEEDED") << again.error;
    out.reports.push_back(ReportOf(again));
    Observe(&out);
    // No scratch is left behind.
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(env_.lake_dir + "/_sluice/orders/staging", ec))
      ADD_FAILURE() << "left in staging: " << e.path();
    env_.dedupe_buckets = 0;
    env_.memory_budget_bytes = int64_t{512} << 20;
    return out;
  }
};

TEST_F(DedupeModeTest, DedupeByBucketsGivesTheSameSilverReportsAndIndexAsInMemory) {
  Observed memory = RunBoth("memory", /*buckets=*/-1, int64_t{512} << 20);
  // The scenario exercises what it should.
  ASSERT_EQ(memory.reports.size(), 3u);
  auto rows = [&](int run) { return common::ParseJson(memory.reports[run], "r")->at("rows"); };
  EXPECT_GT(rows(0).at("duplicates_in_object").as_int64(), 9000);
  EXPECT_GT(rows(0).at("quarantined").as_int64(), 40);
  EXPECT_GT(rows(1).at("duplicates_against_silver").as_int64(), 1000);
  EXPECT_GT(rows(1).at("silver_rows_replaced").as_int64(), 1000);
  EXPECT_EQ(memory.index_magic, "SLKEYS04");

  EXPECT_EQ(modes, std::vector<std::string>(3, "memory"));
  modes.clear();
  Observed spilled = RunBoth("spilled", /*buckets=*/-1, /*budget=*/1);
  ExpectSame(spilled, memory);
  EXPECT_EQ(modes, std::vector<std::string>(3, "memory"));
  modes.clear();
  Observed buckets = RunBoth("buckets", /*buckets=*/64, /*budget=*/1);
  ExpectSame(buckets, memory);
  EXPECT_EQ(modes, std::vector<std::string>(3, "buckets"));
  // Buckets once the keys outgrow a quarter of the budget: here in the middle of the first
  // object, with rows and keys in memory at the switch.
  Observed automatic = RunBoth("auto", /*buckets=*/0, /*budget=*/int64_t{4} << 20);
  ExpectSame(automatic, memory);
  EXPECT_EQ(modes[3], "buckets");
  modes.clear();
  // Buckets with every row in memory until the end (no spill before the switch).
  Observed late = RunBoth("late", /*buckets=*/1000, int64_t{512} << 20);
  ExpectSame(late, memory);
  EXPECT_EQ(modes, std::vector<std::string>(3, "buckets"));
}

// File ids are reserved before the files are written, so that the key index can be
// written alongside them: inserts by other writers in between take other ids, and every
// index entry still names the live silver file holding its key (in memory, by buckets, with
// one or two threads).
TEST_F(DedupeModeTest, EveryIndexEntryNamesTheLiveFileHoldingItsKey) {
  int round = 0;
  for (int threads : {1, 2}) {
    for (int buckets : {-1, 4}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, buckets " + std::to_string(buckets));
      env_.threads = threads;
      // Another writer's rows between the runs (the bronze rows of another dataset).
      auto other_writer = [&] {
        auto tx = catalog_->Begin(catalog::TxMode::kWrite);
        ASSERT_TRUE(tx.ok());
        for (int i = 0; i < 3; ++i) {
          ASSERT_TRUE((*tx)->Execute("INSERT INTO dataset_files (dataset, layer, path, "
                                     "partition_path, run_id, source, rows, bytes, state, "
                                     "created_at) VALUES ('other', 'bronze', $1, '', 'r', 's', 1, "
                                     "1, 'live', 'now')",
                                     {"bronze/other/" + std::to_string(i)})
                          .ok());
        }
        ASSERT_TRUE((*tx)->Commit().ok());
      };
      Observed seen = RunBoth("ids" + std::to_string(round++), buckets, int64_t{512} << 20,
                              other_writer);
      EXPECT_EQ(seen.index_magic, "SLKEYS04");
      ExpectIndexNamesTheFilesOfItsKeys("orders");
    }
  }
  env_.threads = 2;
}

// Runs of two datasets at once (as serve's ETL pool runs them) reserve disjoint ids.
TEST_F(DedupeModeTest, ConcurrentRunsOfTwoDatasetsNeverShareFileIds) {
  FreshLake("concurrent");
  std::string yaml = kBucketJob;
  auto job_a = Compile(yaml);
  yaml.replace(yaml.find("name: orders"), 12, "name: orders2\ndataset: orders2");
  auto job_b = Compile(yaml);
  std::string first = WriteFile("first.csv", BucketTestFirstObject());
  std::string second = WriteFile("second.csv", BucketTestSecondObject());
  for (int round = 0; round < 4; ++round) {
    std::string path = round % 2 == 0 ? first : second;
    std::vector<std::string> statuses(2);
    std::vector<std::thread> runs;
    int k = 0;
    for (const auto& job : {job_a, job_b}) {
      runs.emplace_back([&, job, k] {
        auto source = LocalSource(path, true);
        ASSERT_TRUE(source.ok());
        RunOptions options;
        options.ignore_bookmark = true;
        auto outcome = RunJob(*job, *source, env_, options);
        ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
        statuses[static_cast<size_t>(k)] = outcome->status + " " + outcome->error;
      });
      ++k;
    }
    for (std::thread& t : runs) t.join();
    EXPECT_EQ(statuses, std::vector<std::string>(2, "SUCCEEDED ")) << round;
  }
  ExpectIndexNamesTheFilesOfItsKeys("orders");
  ExpectIndexNamesTheFilesOfItsKeys("orders2");
}

TEST_F(DedupeModeTest, DedupeByBucketsComparesWholeKeysWhenHashesCollide) {
  Observed memory = RunBoth("memory", /*buckets=*/-1, int64_t{512} << 20);
  // 2^13 distinct hashes for ~50,000 keys (4 bits for the buckets, 9 spread over the slot
  // bits): every bucket and many slots hold keys whose whole hashes are equal.
  SetKeyHashMaskForTesting(0xF000000000015555ULL);
  Observed in_memory_colliding = RunBoth("memory-colliding", -1, int64_t{512} << 20);
  Observed buckets_colliding = RunBoth("buckets-colliding", 16, 1);
  SetKeyHashMaskForTesting(~uint64_t{0});
  ExpectSame(in_memory_colliding, memory);
  ExpectSame(buckets_colliding, memory);
}

// Lakes written before the bucketed key index (SLKEYS02) keep working in both modes, and
// their next run writes the new format.
TEST_F(DedupeModeTest, AKeyIndexInTheOldFormatStillWorks) {
  Observed memory = RunBoth("memory", /*buckets=*/-1, int64_t{512} << 20);
  auto to_old_format = [&]() {
    std::string path = env_.lake_dir + "/" + CurrentIndex();
    auto reader = KeyIndexReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    std::string old = "SLKEYS02";
    uint64_t count = (*reader)->count();
    old.append(reinterpret_cast<const char*>(&count), 8);
    ASSERT_TRUE((*reader)
                    ->ForEach([&](const KeyRecord& r) {
                      uint32_t ks = static_cast<uint32_t>(r.key.size());
                      uint32_t os = static_cast<uint32_t>(r.order.size());
                      old.append(reinterpret_cast<const char*>(&ks), 4);
                      old.append(reinterpret_cast<const char*>(&os), 4);
                      old.append(reinterpret_cast<const char*>(&r.a), 8);
                      old.append(r.key);
                      old.append(r.order);
                      return Status::OK();
                    })
                    .ok());
    old += "SLKEYS02";
    ASSERT_TRUE(common::WriteFileAtomically(path, old).ok());
  };
  ExpectSame(RunBoth("old-memory", -1, int64_t{512} << 20, to_old_format), memory);
  ExpectSame(RunBoth("old-buckets", 32, 1, to_old_format), memory);
}

TEST_F(JobRunnerTest, ReadsParquetSourcesAndCastsTheirColumns) {
  // A Parquet object with typed columns; the mapping narrows one and re-types another.
  parquet::Schema schema;
  schema.fields = {{"order_id", parquet::DataType::Of(parquet::TypeKind::kInt64), false},
                   {"order_ts", parquet::DataType::Timestamp(parquet::TimeUnit::kMicros), true},
                   {"quantity", parquet::DataType::Of(parquet::TypeKind::kInt64), true}};
  parquet::RecordBatch batch = parquet::RecordBatch::Make(schema);
  int64_t ts = 1795780800000000;  // 2026-11-27T12:00:00Z
  for (int64_t id : {1, 2, 3}) {
    batch.columns[0].AppendInt64(id);
    batch.columns[1].AppendInt64(ts + id * 3600000000);
    batch.columns[2].AppendInt64(id == 2 ? 5000000000 : id * 10);  // 5e9 does not fit int32
  }
  batch.num_rows = 3;
  std::string path = dir_.path() + "/in/orders.parquet";
  fs::create_directories(dir_.path() + "/in");
  {
    auto out = common::AtomicFileOutputStream::Open(path, false);
    ASSERT_TRUE(out.ok());
    auto writer = parquet::FileWriter::Open(out->get(), schema, {});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(batch).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    ASSERT_TRUE((*out)->Close().ok());
  }
  auto job = Compile(R"yaml(
name: pq
source: {format: parquet}
mapping:
  - [order_id, int64, order_id, string]
  - [order_ts, timestamp, order_ts, timestamp]
  - [quantity, int64, quantity, int32]
derived:
  - {name: order_date, expression: "date(order_ts)"}
partition_by: order_date
)yaml");
  RunOutcome run = Run(*job, path);
  ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
  EXPECT_EQ(run.report.at("rows").at("written").as_int64(), 2);
  auto q = QuarantineLines(run);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].at("line").as_int64(), 2);
  EXPECT_EQ(q[0].at("column").as_string(), "quantity");
  EXPECT_EQ(std::string(q[0].at("raw").as_string()),
            R"({"order_id":"2","order_ts":"2026-11-27 14:00:00","quantity":"5000000000"})");
  // Bronze keeps the Parquet object as it is (already compressed).
  EXPECT_EQ(run.report.at("outputs").at("bronze").as_string(),
            "bronze/pq/" + run.run_id + "/orders.parquet");
}

TEST_F(JobRunnerTest, AFieldOverTheDialectLimitQuarantinesOnlyItsRow) {
  auto job = Compile(
      "name: big\nsource:\n  format: csv\n  csv: {max_field_bytes: 1048576}\n"
      "mapping:\n  - [a, string, a, string]\n  - [b, string, b, string]\n");
  std::string csv = "a,b\n1,x\n2," + std::string(10 << 20, 'y') + "\n3,z\n";
  RunOutcome run = Run(*job, WriteFile("big.csv", csv));
  ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
  EXPECT_EQ(run.report.at("rows").at("written").as_int64(), 2);
  auto q = QuarantineLines(run);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].at("reason").as_string(),
            "field 2 of 10485760 bytes exceeds the 1048576-byte limit");
  EXPECT_EQ(q[0].at("raw").as_string().size(), 4096u);  // the start of the record only
}

// An orders object with every kind of defect, as CSV or JSON lines: duplicates (ties on
// order_ts included, which the later row wins), bad numbers and dates, ragged rows, quoted
// delimiters and newlines, CRLF, invalid UTF-8, long lines (over the limit the CSV test sets),
// and an unterminated quote near the end.
std::string DefectiveOrders(bool jsonl) {
  std::string out = jsonl ? "" : "order_id,order_ts,quantity,unit_price,note\r\n";
  for (int i = 0; i < 3000; ++i) {
    std::string id = std::to_string(i % 7 == 3 ? i - 3 : i);  // duplicates of earlier rows
    std::string ts = "2026-11-0" + std::to_string(1 + i % 4) + "T10:00:00Z";
    if (i % 7 == 3 && i % 2 == 0) ts = "2026-11-0" + std::to_string(1 + (i - 3) % 4) + "T10:00:00Z";
    std::string qty = i % 97 == 5 ? "many" : std::to_string(i % 50);
    std::string note = i % 11 == 0 ? "said \"hi, there\"\nand left" : "n" + std::to_string(i);
    if (i % 89 == 7) ts = "2026-13-45T00:00:00Z";
    if (i % 131 == 9) note += "\xff";
    if (i % 503 == 11) note = std::string(300, 'L');  // over max_record_bytes
    if (jsonl) {
      std::string n = note;
      for (size_t k = 0; (k = n.find_first_of("\"\n", k)) != std::string::npos; k += 2)
        n.replace(k, 1, n[k] == '"' ? "\\\"" : "\\n");
      out += i % 173 == 13 ? "{\"order_id\": " + id + ", oops\n"
                           : "{\"order_id\":\"" + id + "\",\"order_ts\":\"" + ts +
                                 "\",\"quantity\":\"" + qty + "\",\"unit_price\":\"1.50\",\"note\":\"" +
                                 n + "\"}" + (i % 2 ? "\r\n" : "\n");
    } else {
      std::string quoted = "\"";
      for (char c : note) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += "\"";
      out += i % 173 == 13 ? id + "," + ts + "\r\n"  // ragged
                           : id + "," + ts + "," + qty + ",1.50," + quoted + (i % 2 ? "\r\n" : "\n");
    }
  }
  out += jsonl ? "{\"order_id\":\"end\",\"note\":\"unterminated}\n"
               : "9999,2026-11-01T10:00:00Z,1,1.50,\"unterminated\n9998,x,1,1\n";
  return out;
}

TEST_F(JobRunnerTest, GivesTheSameRunWhateverTheThreadsAndTheBlockSize) {
  for (bool jsonl : {false, true}) {
    SCOPED_TRACE(jsonl ? "jsonl" : "csv");
    std::string yaml = kOrdersJob;
    if (jsonl) yaml.replace(yaml.find("format: csv"), 11, "format: jsonl");
    auto spec = ParseJobSpec(yaml, "job.yaml");
    ASSERT_TRUE(spec.ok()) << spec.status();
    spec->csv.max_record_bytes = 200;  // JSONL lines keep the 64 MiB limit
    auto compiled = CompileJob(*spec);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    std::string path = WriteFile(jsonl ? "o.jsonl" : "o.csv", DefectiveOrders(jsonl));

    std::string first_summary;
    std::map<std::string, std::string> first_silver;
    int config = 0;
    // One thread, a parse thread ahead (two), then blocks of every size (three and more).
    for (auto [threads, block] : std::vector<std::pair<int, size_t>>{
             {1, 0}, {2, 0}, {3, 1}, {3, 1000}, {4, 3000}, {4, size_t{2} << 20}}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + " block " + std::to_string(block));
      // A lake and catalog of its own for each run, so that each starts from nothing.
      UseFreshLake((jsonl ? "j" : "c") + std::to_string(config++));
      env_.threads = threads;
      if (block > 0) env_.block_bytes = block;
      RunOutcome run = Run(**compiled, path);
      ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
      std::string summary = Summary(run);
      auto silver = SilverRows("orders");
      if (first_summary.empty()) {
        first_summary = summary;
        first_silver = silver;
        // The data exercises what it should.
        const json::object& rows = run.report.at("rows").as_object();
        EXPECT_GT(rows.at("duplicates").as_int64(), 300);
        EXPECT_GT(rows.at("quarantined").as_int64(), 50);
        if (!jsonl) {
          EXPECT_NE(summary.find("exceeds the 200-byte limit"), std::string::npos);
        }
        EXPECT_NE(summary.find(jsonl ? "unterminated string" : "unterminated quoted field"),
                  std::string::npos);
        continue;
      }
      EXPECT_EQ(summary, first_summary);
      EXPECT_EQ(silver, first_silver);
    }
  }
}

TEST_F(JobRunnerTest, BadInputGivesTheSameRunParsedInBlocksAsOnOneThread) {
  auto job = Compile(
      "name: junk\nsource: {format: csv}\nmapping:\n  - [a, string, a, string]\n  - [b, string, b, "
      "int32]\n");
  std::string big(10 << 20, 'x');
  big[7] = '\n';
  const std::vector<std::string> inputs = {
      "",
      "a,b\n",
      "a,b",
      "\xEF\xBB\xBF" "a,b\r\n1,2\r\n\r\n3\r\n4,5,6\r\n\"x\"y,7\r\n",
      "a,b\nx,1\n" + std::string("\x00\x01\xff\xfe,\x80\n\r\r", 10) + "y,2\n\"unterminated,3\nz,4\n",
      "a,b\n1,\"" + big + "\"\n2,3\n",
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i));
    std::string path = WriteFile("junk" + std::to_string(i) + ".csv", inputs[i]);
    std::string expected;
    for (auto [threads, block] : std::vector<std::pair<int, size_t>>{{1, 0}, {3, 1}, {4, 64}}) {
      UseFreshLake("b" + std::to_string(i) + "-" + std::to_string(threads));
      env_.threads = threads;
      if (block > 0) env_.block_bytes = block;
      RunOutcome run = Run(*job, path);
      ASSERT_EQ(run.status, "SUCCEEDED") << run.error;
      if (threads == 1) {
        expected = Summary(run);
      } else {
        EXPECT_EQ(Summary(run), expected) << "threads " << threads;
      }
    }
  }
}

TEST(JobCompile, RejectsUnknownTypesColumnsAndRulesWithTheirPlace) {
  auto compile = [](const std::string& yaml) {
    auto spec = ParseJobSpec(yaml, "j.yaml");
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    return CompileJob(*spec).status().message();
  };
  EXPECT_EQ(compile("name: j\nsource: {format: csv}\nmapping:\n  - [a, string, a, int128]\n")
                .substr(0, 31),
            "j.yaml:4: mapping of \"a\": unkno");
  EXPECT_EQ(
      compile(
          "name: j\nsource: {format: csv}\nmapping:\n  - [a, string, a, int32]\npartition_by: b\n"),
      "j.yaml: partition_by: unknown column \"b\"");
  EXPECT_EQ(
      compile("name: j\nsource: {format: csv}\nmapping:\n  - [a, string, a, int32]\n  - [b, "
              "string, b, int32]\n"
              "partition_by: a\ndedupe: {key: a}\n"),
      "j.yaml: dedupe.key: \"a\" is a partition column; key columns must be stored in the files");
  EXPECT_EQ(compile("name: j\nsource: {format: csv}\nrules: \"Rules = [ Bogus ]\"\n").substr(0, 17),
            "j.yaml (rules):1:");
}

}  // namespace
}  // namespace sluice::etl
