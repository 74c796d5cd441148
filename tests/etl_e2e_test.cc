// `sluice jobs …` run as users run them, on orders data from tools/orders_gen.py with counted
// defects: the run report must account for every defect, and DuckDB (an independent reader)
// must read silver with hive_partitioning and return the aggregates the generator computed
// independently over the clean input.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "process_util.h"
#include "sluice/common/json.h"

namespace {

namespace fs = std::filesystem;
namespace json = sluice::common::json;
using sluice::testing::RunResult;

class EtlCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-etl-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Run(std::vector<std::string> args) {
    return sluice::testing::Sluice(dir_ + "/home", std::move(args));
  }

  // Generates orders; returns the truth object.
  json::object Generate(const std::string& format, int rows, int seed, const std::string& out) {
    std::string truth = out + ".truth.json";
    std::string cmd = "python3 '" + std::string(SLUICE_SOURCE_DIR) +
                      "/tools/orders_gen.py' --rows " + std::to_string(rows) + " --seed " +
                      std::to_string(seed) + " --format " + format + " --defect-rate 0.05 --out '" +
                      out + "' --truth '" + truth + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(truth);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return sluice::common::ParseJson(text, truth)->as_object();
  }

  json::object Report(const RunResult& r) {
    auto v = sluice::common::ParseJson(r.out, "report");
    EXPECT_TRUE(v.ok()) << r.out << r.err;
    return v.ok() ? v->as_object() : json::object{};
  }

  void ExpectDuckDbAgrees(const std::string& dataset, const json::object& truth,
                          const json::object& report) {
    if (!fs::exists(std::string(SLUICE_SOURCE_DIR) + "/tools/node_modules/@duckdb")) {
      GTEST_SKIP() << "tools/node_modules missing";
    }
    std::string script = std::string(SLUICE_SOURCE_DIR) + "/tests/etl/duckdb_silver.mjs";
    std::string out = sluice::testing::ShellOutput("node '" + script + "' '" + dir_ +
                                                   "/home/lake/silver/" + dataset + "'");
    auto duck = sluice::common::ParseJson(out, "duckdb");
    ASSERT_TRUE(duck.ok()) << out;
    EXPECT_EQ(duck->at("rows").as_int64(), truth.at("distinct_valid_orders").as_int64());
    EXPECT_EQ(duck->at("distinct_orders").as_int64(), truth.at("distinct_valid_orders").as_int64());
    EXPECT_EQ(duck->at("amount_total").as_string(), truth.at("expected_amount_total").as_string());
    // Per-day counts agree with the run report's partitions.
    json::object per_day;
    for (const auto& p : report.at("partitions").as_array()) {
      std::string part = p.at("partition").as_string().c_str();
      std::string day = part.substr(std::string("order_date=").size());
      int64_t before = per_day.contains(day) ? per_day.at(day).as_int64() : 0;
      per_day[day] = before + p.at("rows").as_int64();  // a spilled partition has several files
    }
    EXPECT_EQ(sluice::common::SerializeJson(duck->at("per_day")),
              sluice::common::SerializeJson(per_day));
  }

  std::string dir_;
};

TEST_F(EtlCliTest, OrdersCsvToSilverAccountsForEveryDefectAndDuckDbAgrees) {
  std::string csv = dir_ + "/orders.csv";
  json::object truth = Generate("csv", 20000, 7, csv);
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  ASSERT_EQ(Run({"jobs", "validate", job}).exit_code, 0);
  RunResult r = Run({"jobs", "run", job, "--source", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json::object report = Report(r);
  const json::object& rows = report.at("rows").as_object();
  const json::object& defects = truth.at("defects").as_object();
  EXPECT_EQ(rows.at("read").as_int64(), truth.at("rows").as_int64());
  EXPECT_EQ(rows.at("written").as_int64(), truth.at("distinct_valid_orders").as_int64());
  EXPECT_EQ(rows.at("duplicates").as_int64(), defects.at("duplicate").as_int64());
  EXPECT_EQ(rows.at("quarantined").as_int64(),
            defects.at("bad_quantity").as_int64() + defects.at("bad_timestamp").as_int64() +
                defects.at("missing_id").as_int64() + defects.at("ragged").as_int64());
  EXPECT_EQ(report.at("quarantine_by_rule").at("parse").as_int64(),
            defects.at("ragged").as_int64());
  ExpectDuckDbAgrees("orders", truth, report);

  // The same object again: the bookmark skips it; forced, it replaces its own output.
  RunResult again = Run({"jobs", "run", job, "--source", csv});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(Report(again).at("status").as_string(), "SKIPPED");
  RunResult forced = Run({"jobs", "run", job, "--source", csv, "--force", "--threads", "1"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  ExpectDuckDbAgrees("orders", truth, Report(forced));

  RunResult runs = Run({"jobs", "runs", "--job", "orders"});
  ASSERT_EQ(runs.exit_code, 0);
  auto list = sluice::common::ParseJson(runs.out, "runs");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->at("runs").as_array().size(), 2u);  // the skipped run is not recorded
  EXPECT_EQ(Run({"schemas", "list", "orders"}).exit_code, 0);
  RunResult show = Run({"schemas", "show", "orders"});
  EXPECT_NE(show.out.find("\"unit_price\""), std::string::npos) << show.out;
}

TEST_F(EtlCliTest, OrdersJsonLinesToSilverAndDuckDbAgrees) {
  std::string jsonl = dir_ + "/orders.jsonl";
  json::object truth = Generate("jsonl", 5000, 11, jsonl);
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/tests/etl/orders_jsonl.yaml";
  RunResult r = Run({"jobs", "run", job, "--source", jsonl});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json::object report = Report(r);
  EXPECT_EQ(report.at("rows").at("written").as_int64(),
            truth.at("distinct_valid_orders").as_int64());
  ExpectDuckDbAgrees("orders_jsonl", truth, report);
}

TEST_F(EtlCliTest, CompressedInputsGiveTheSameSilverAsPlainOnes) {
  std::string csv = dir_ + "/orders.csv";
  json::object truth = Generate("csv", 3000, 3, csv);
  ASSERT_EQ(std::system(("gzip -k '" + csv + "' && zstd -q -k '" + csv + "'").c_str()), 0);
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  for (std::string input : {csv + ".gz", csv + ".zst"}) {
    RunResult r = Run({"jobs", "run", job, "--source", input});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json::object report = Report(r);
    EXPECT_EQ(report.at("rows").at("written").as_int64(),
              truth.at("distinct_valid_orders").as_int64())
        << input;
    // Already compressed: bronze keeps the object's own bytes.
    std::string bronze = report.at("outputs").at("bronze").as_string().c_str();
    EXPECT_EQ(fs::path(bronze).filename().string(), fs::path(input).filename().string());
    ExpectDuckDbAgrees("orders", truth, report);
    fs::remove_all(dir_ + "/home");
  }
}

TEST_F(EtlCliTest, SchemasDiffShowsAnAddedColumn) {
  std::string a = dir_ + "/a.yaml", b = dir_ + "/b.yaml";
  std::ofstream(a) << "name: ds\nsource: {format: csv}\nmapping:\n  - [id, string, id, int64]\n";
  std::ofstream(b) << "name: ds\nsource: {format: csv}\nmapping:\n  - [id, string, id, int64]\n"
                      "  - [note, string, note, string]\n";
  std::ofstream(dir_ + "/1.csv") << "id\n1\n";
  std::ofstream(dir_ + "/2.csv") << "id,note\n2,x\n";
  ASSERT_EQ(Run({"jobs", "run", a, "--source", dir_ + "/1.csv"}).exit_code, 0);
  ASSERT_EQ(Run({"jobs", "run", b, "--source", dir_ + "/2.csv"}).exit_code, 0);
  RunResult diff = Run({"schemas", "diff", "ds", "1", "2"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("+ note: string"), std::string::npos) << diff.out;
  // The first file, written under version 1, reads under version 2 (DuckDB, union_by_name).
  if (fs::exists(std::string(SLUICE_SOURCE_DIR) + "/tools/node_modules/@duckdb")) {
    std::string script = std::string(SLUICE_SOURCE_DIR) + "/tests/etl/duckdb_query.mjs";
    EXPECT_EQ(sluice::testing::ShellOutput("node '" + script + "' '" + dir_ + "/home/lake/silver/ds' " +
                                           "'SELECT id, note FROM silver ORDER BY id'"),
              "[[\"1\",null],[\"2\",\"x\"]]\n");
  }
  RunResult missing = Run({"schemas", "show", "ds", "--version", "9"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "sluice schemas show: NotFound: dataset \"ds\" has no schema version 9\n");
}

// Runs killed with SIGKILL at random moments (while reading, spilling, writing, publishing)
// leave nothing behind that a reader sees: the next run rolls them back, and silver ends up
// exactly as one clean run makes it.
TEST_F(EtlCliTest, RunsKilledAtRandomMomentsLeaveNoTrace) {
  std::string csv = dir_ + "/orders.csv";
  json::object truth = Generate("csv", 60000, 9, csv);
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  std::string home = dir_ + "/home";
  std::mt19937 rng(20261127);
  for (int round = 0; round < 8; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(SLUICE_BINARY, SLUICE_BINARY, "--home", home.c_str(), "jobs", "run", job.c_str(), "--source",
            csv.c_str(), "--force", "--memory-budget", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 300)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  RunResult r = Run({"jobs", "run", job, "--source", csv, "--force", "--memory-budget", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object report = Report(r);
  EXPECT_EQ(report.at("rows").at("written").as_int64(), truth.at("distinct_valid_orders").as_int64());
  // Every run is finished: none is left RUNNING.
  RunResult runs = Run({"jobs", "runs", "--job", "orders"});
  ASSERT_EQ(runs.exit_code, 0);
  auto list = sluice::common::ParseJson(runs.out, "runs");
  ASSERT_TRUE(list.ok());
  for (const auto& run : list->at("runs").as_array()) {
    EXPECT_NE(run.at("status").as_string(), "RUNNING") << sluice::common::SerializeJson(run);
  }
  // Only successful runs keep a bronze copy.
  size_t bronze_dirs = 0, succeeded = 0;
  for (const auto& e : fs::directory_iterator(home + "/lake/bronze/orders")) bronze_dirs += e.is_directory();
  for (const auto& run : list->at("runs").as_array()) succeeded += run.at("status").as_string() == "SUCCEEDED";
  EXPECT_EQ(bronze_dirs, succeeded);
  // DuckDB reading the whole folder sees exactly the published rows: no leftover files.
  ExpectDuckDbAgrees("orders", truth, report);
}

// Dedupe stays within the memory budget: 1,000,000 rows whose keys alone take ~80 MB in memory
// (long order ids), at --memory-budget 8, run in bucket mode within a bound that holding the
// keys (or the rows) in memory would exceed. Exact counts: every key once, the newer row.
TEST_F(EtlCliTest, DedupeOfManyKeysStaysWithinASmallMemoryBudget) {
  std::string csv = dir_ + "/many.csv";
  {
    std::ofstream out(csv);
    out << "order_id,customer_id,order_ts,country,sku,quantity,unit_price,status,email,note\n";
    char line[256];
    for (int i = 0; i < 1000000; ++i) {
      // Rows 800,000 on repeat every fourth earlier order, a day later (so they win).
      int id = i < 800000 ? i : (i - 800000) * 4;
      int day = 1 + id % 28 + (i < 800000 ? 0 : 1);
      std::snprintf(line, sizeof line,
                    "ORDER-%012d-2026-EU-WEST,C-%05d,2026-11-%02dT10:00:00Z,DE,SKU-%04d,%d,%d.50,"
                    "paid,user%d@example.com,\n",
                    id, id % 99999, day, id % 9999, 1 + id % 9, 1 + id % 500, id % 99999);
      out << line;
    }
  }
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  std::string home = dir_ + "/home";
  std::string report_path = dir_ + "/report.json";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(report_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    execl(SLUICE_BINARY, SLUICE_BINARY, "--home", home.c_str(), "jobs", "run", job.c_str(), "--source",
          csv.c_str(), "--no-load", "--threads", "2", "--memory-budget", "8", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  ASSERT_EQ(wait4(pid, &status, 0, &usage), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::ifstream in(report_path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto report = sluice::common::ParseJson(text, "report");
  ASSERT_TRUE(report.ok()) << text;
  EXPECT_EQ(report->at("rows").at("written").as_int64(), 800000);
  EXPECT_EQ(report->at("rows").at("duplicates_in_object").as_int64(), 200000);
  EXPECT_EQ(report->at("dedupe").at("mode").as_string(), "buckets");
  // Measured 2026-11-28: 77 MiB; the keys in a KeyTable alone take ~90 MB more.
  EXPECT_LT(usage.ru_maxrss / 1024, 120) << "peak RSS KiB " << usage.ru_maxrss;
}

// Two processes loading different objects into one dataset at once are serialised by the
// dataset's lock: both succeed, and silver holds both objects' rows, deduplicated across them.
TEST_F(EtlCliTest, ConcurrentRunsIntoOneDatasetBothLand) {
  std::string a = dir_ + "/a.csv", b = dir_ + "/b.csv";
  Generate("csv", 20000, 21, a);
  Generate("csv", 20000, 22, b);  // the same order ids 1..20000, other timestamps
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  std::string home = dir_ + "/home";
  pid_t pids[2];
  for (int i = 0; i < 2; ++i) {
    pids[i] = fork();
    ASSERT_GE(pids[i], 0);
    if (pids[i] == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      execl(SLUICE_BINARY, SLUICE_BINARY, "--home", home.c_str(), "jobs", "run", job.c_str(), "--source",
            (i == 0 ? a : b).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  RunResult runs = Run({"jobs", "runs", "--job", "orders"});
  auto list = sluice::common::ParseJson(runs.out, "runs");
  ASSERT_TRUE(list.ok()) << runs.out;
  ASSERT_EQ(list->at("runs").as_array().size(), 2u);
  for (const auto& run : list->at("runs").as_array()) {
    EXPECT_EQ(run.at("status").as_string(), "SUCCEEDED");
  }
  if (!fs::exists(std::string(SLUICE_SOURCE_DIR) + "/tools/node_modules/@duckdb")) GTEST_SKIP();
  std::string script = std::string(SLUICE_SOURCE_DIR) + "/tests/etl/duckdb_query.mjs";
  // Every order id appears once, whichever object's row was newer.
  EXPECT_EQ(sluice::testing::ShellOutput("node '" + script + "' '" + home + "/lake/silver/orders' " +
                                         "'SELECT count(*) = count(DISTINCT order_id) FROM silver'"),
            "[[\"true\"]]\n");
}

TEST_F(EtlCliTest, TheJobSpecReferenceInTheDocsIsAValidJob) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/docs/jobs.md");
  std::string doc((std::istreambuf_iterator<char>(in)), {});
  size_t start = doc.find("```yaml\nname: orders");
  ASSERT_NE(start, std::string::npos);
  start += 8;
  size_t end = doc.find("```", start);
  std::string path = dir_ + "/reference.yaml";
  std::ofstream(path) << doc.substr(start, end - start);
  RunResult v = Run({"jobs", "validate", path});
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

TEST_F(EtlCliTest, AnInvalidJobSpecIsAUsageErrorNamingTheLine) {
  std::string bad = dir_ + "/bad.yaml";
  std::ofstream(bad) << "name: x\nsource: {format: csv}\nmapping:\n  - [a, string, a, int99]\n";
  RunResult v = Run({"jobs", "validate", bad});
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_EQ(v.err.rfind(bad + ":4: mapping of \"a\": ", 0), 0u) << v.err;
}

TEST_F(EtlCliTest, AFailedRunExitsOneAndKeepsTheObjectInTheBucket) {
  ASSERT_EQ(Run({"s3", "mb", "s3://landing"}).exit_code, 0);
  std::string broken = dir_ + "/x.csv.gz";
  std::ofstream(broken) << "not gzip";
  ASSERT_EQ(Run({"s3", "cp", broken, "s3://landing/in/x.csv.gz", "--quiet"}).exit_code, 0);
  std::string job = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  RunResult r = Run({"jobs", "run", job, "--source", "s3://landing/in/x.csv.gz"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("FAILED: cannot read s3://landing/in/x.csv.gz"), std::string::npos) << r.err;
  EXPECT_EQ(Run({"s3", "ls", "s3://landing/in/"}).exit_code, 0);
  EXPECT_NE(Run({"s3", "ls", "s3://landing/in/"}).out.find("x.csv.gz"), std::string::npos);
}

}  // namespace
