// `sluice jobs run` → `sluice warehouse load` → `sluice query`, as users run them, on each
// warehouse engine (SQLite in the home; PostgreSQL when scripts/with-postgres started one):
// loads are idempotent, follow dedupe across sources, survive SIGKILL, and serialise.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "process_util.h"
#include "sluice/common/json.h"
#include "sluice/warehouse/warehouse_test_util.h"

namespace {

namespace fs = std::filesystem;
namespace json = sluice::common::json;
using sluice::testing::RunResult;

class WarehouseCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-wh-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    home_ = dir_ + "/home";
    job_ = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(std::vector<std::string> args) {
    args.push_back("--warehouse");
    args.push_back(url_);
    return sluice::testing::Sluice(home_, std::move(args));
  }

  json::object Generate(int rows, int seed, const std::string& out) {
    std::string truth = out + ".truth.json";
    std::string cmd = "python3 '" + std::string(SLUICE_SOURCE_DIR) +
                      "/tools/orders_gen.py' --rows " + std::to_string(rows) + " --seed " +
                      std::to_string(seed) + " --format csv --defect-rate 0.05 --out '" + out +
                      "' --truth '" + truth + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(truth);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return sluice::common::ParseJson(text, truth)->as_object();
  }

  json::value Json(const RunResult& r) {
    auto v = sluice::common::ParseJson(r.out, "output");
    EXPECT_TRUE(v.ok()) << r.out << r.err;
    return v.ok() ? *v : json::value();
  }

  // One value from `sluice query … --format csv` (the second line).
  std::string QueryValue(const std::string& sql) {
    RunResult r = Run({"query", sql, "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    size_t nl = r.out.find("\r\n");
    if (nl == std::string::npos) return "";
    std::string rest = r.out.substr(nl + 2);
    return rest.substr(0, rest.find("\r\n"));
  }

  // Every row of silver.orders, bookkeeping aside, in a stable order.
  std::string Table() {
    RunResult r = Run({"query",
                       "SELECT order_id, customer_id, order_ts, country, sku, quantity, "
                       "CAST(unit_price AS DOUBLE PRECISION) AS p, status, email, note, order_date, "
                       "_sluice_source FROM silver.orders ORDER BY order_id",
                       "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string dir_, home_, job_, url_;
};

#define SETUP_WAREHOUSE()          \
  SLUICE_TEST_WAREHOUSE(warehouse); \
  url_ = warehouse->url()

TEST_P(WarehouseCliTest, TheOrdersJobLoadsSilverOrdersAndQueriesShowIt) {
  SETUP_WAREHOUSE();
  std::string csv = dir_ + "/orders.csv";
  json::object truth = Generate(20000, 7, csv);
  RunResult r = Run({"jobs", "run", job_, "--source", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object report = Json(r).as_object();
  int64_t written = report.at("rows").at("written").as_int64();
  ASSERT_EQ(written, truth.at("distinct_valid_orders").as_int64());
  const json::object& load = report.at("warehouse_loads").at(0).as_object();
  EXPECT_EQ(load.at("table").as_string(), "silver.orders");
  EXPECT_EQ(load.at("rows_inserted").as_int64(), written);
  EXPECT_EQ(load.at("table_created").as_bool(), true);

  EXPECT_EQ(QueryValue("SELECT count(*) AS n FROM silver.orders"), std::to_string(written));
  EXPECT_EQ(QueryValue("SELECT count(DISTINCT order_id) AS n FROM silver.orders"),
            std::to_string(written));
  // SQLite keeps decimals as doubles (docs/warehouse.md#types): round the sum to cents.
  std::string total = GetParam() == "sqlite" ? "printf('%.2f', sum(quantity * unit_price))"
                                             : "CAST(sum(quantity * unit_price) AS DECIMAL(38,2))";
  EXPECT_EQ(QueryValue("SELECT " + total + " AS total FROM silver.orders"),
            truth.at("expected_amount_total").as_string());
  // The rows the run quarantined are in quarantine.orders, one per row, with their rule.
  const json::object& quarantined = report.at("warehouse_loads").at(1).as_object();
  EXPECT_EQ(quarantined.at("table").as_string(), "quarantine.orders");
  int64_t bad = report.at("rows").at("quarantined").as_int64();
  ASSERT_GT(bad, 0);
  EXPECT_EQ(quarantined.at("rows_inserted").as_int64(), bad);
  EXPECT_EQ(QueryValue("SELECT count(*) AS n FROM quarantine.orders"), std::to_string(bad));
  EXPECT_EQ(QueryValue("SELECT count(*) AS n FROM quarantine.orders WHERE source = '" + csv +
                       "' AND line > 1 AND rule <> '' AND reason <> '' AND raw <> ''"),
            std::to_string(bad));
  const json::object& defects = truth.at("defects").as_object();
  EXPECT_EQ(QueryValue("SELECT count(*) AS n FROM quarantine.orders WHERE rule = 'parse'"),
            std::to_string(defects.at("ragged").as_int64()));
  RunResult table = Run({"query", "SELECT count(*) AS n FROM silver.orders"});
  EXPECT_EQ(table.out, "n\n-----\n" + std::string(5 - std::to_string(written).size(), ' ') +
                           std::to_string(written) + "\n(1 row)\n");

  // The same object again, forced: the table is identical, and the load replaced the rows.
  std::string before = Table();
  RunResult again = Run({"jobs", "run", job_, "--source", csv, "--force"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json::value again_report = Json(again);
  const json::object& reload = again_report.at("warehouse_loads").at(0).as_object();
  EXPECT_EQ(reload.at("rows_deleted").as_int64(), written);
  EXPECT_EQ(reload.at("rows_inserted").as_int64(), written);
  EXPECT_EQ(Table(), before);
  // Its quarantined rows replaced the first run's: none twice.
  EXPECT_EQ(again_report.at("warehouse_loads").at(1).at("rows_deleted").as_int64(), bad);
  EXPECT_EQ(QueryValue("SELECT count(*) AS n FROM quarantine.orders"), std::to_string(bad));

  RunResult loads = Run({"warehouse", "loads", "--table", "silver.orders"});
  ASSERT_EQ(loads.exit_code, 0) << loads.err;
  json::value list = Json(loads);
  ASSERT_EQ(list.as_array().size(), 2u);
  for (const auto& l : list.as_array()) EXPECT_EQ(l.at("status").as_string(), "SUCCEEDED");
}

TEST_P(WarehouseCliTest, DedupeAcrossSourcesReloadsTheSourcesItChanged) {
  SETUP_WAREHOUSE();
  std::string a = dir_ + "/a.csv", b = dir_ + "/b.csv";
  Generate(5000, 21, a);
  Generate(5000, 22, b);  // the same order ids, other timestamps: b's newer rows win
  ASSERT_EQ(Run({"jobs", "run", job_, "--source", a}).exit_code, 0);
  RunResult rb = Run({"jobs", "run", job_, "--source", b});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  // b's load reloads a too: some of a's rows lost to b's; then b's quarantined rows.
  json::value loads = Json(rb).at("warehouse_loads");
  ASSERT_EQ(loads.as_array().size(), 3u);
  EXPECT_EQ(loads.at(2).at("table").as_string(), "quarantine.orders");
  EXPECT_EQ(loads.at(2).at("source").as_string(), b);
  EXPECT_EQ(QueryValue("SELECT count(*) - count(DISTINCT order_id) AS dupes FROM silver.orders"), "0");
  if (!fs::exists(std::string(SLUICE_SOURCE_DIR) + "/tools/node_modules/@duckdb")) GTEST_SKIP();
  std::string script = std::string(SLUICE_SOURCE_DIR) + "/tests/etl/duckdb_query.mjs";
  std::string duck = sluice::testing::ShellOutput(
      "node '" + script + "' '" + home_ + "/lake/silver/orders' 'SELECT count(*) FROM silver'");
  EXPECT_EQ(duck, "[[\"" + QueryValue("SELECT count(*) AS n FROM silver.orders") + "\"]]\n");
}

// Loads killed with SIGKILL at random moments leave the table as it was before the load;
// the next load completes it and records the killed ones as failed.
TEST_P(WarehouseCliTest, LoadsKilledAtRandomMomentsLeaveTheTableAsItWas) {
  SETUP_WAREHOUSE();
  std::string csv = dir_ + "/orders.csv";
  Generate(150000, 9, csv);
  RunResult r = Run({"jobs", "run", job_, "--source", csv, "--no-load"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object report = Json(r).as_object();
  std::string run_id = report.at("run_id").as_string().c_str();
  std::string written = std::to_string(report.at("rows").at("written").as_int64());
  std::mt19937 rng(20261127);
  bool loaded_once = false;
  for (int round = 0; round < 6; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(SLUICE_BINARY, SLUICE_BINARY, "--home", home_.c_str(), "warehouse", "load", "--run",
            run_id.c_str(), "--job", job_.c_str(), "--warehouse", url_.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 700)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    RunResult count = Run({"query", "SELECT count(*) AS n FROM silver.orders", "--format", "csv"});
    if (count.exit_code != 0) {
      EXPECT_FALSE(loaded_once) << "the table vanished: " << count.err;
      continue;  // not created yet: the first load never committed
    }
    std::string n = count.out.substr(count.out.find("\r\n") + 2);
    n = n.substr(0, n.find("\r\n"));
    EXPECT_EQ(n, written) << "round " << round << ": a partial load is visible";
    loaded_once = true;
  }
  RunResult load = Run({"warehouse", "load", "--run", run_id, "--job", job_});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(QueryValue("SELECT count(*) AS n FROM silver.orders"), written);
  json::value loads = Json(Run({"warehouse", "loads"}));
  for (const auto& l : loads.as_array()) {
    EXPECT_NE(l.at("status").as_string(), "RUNNING");
  }
}

// Two processes loading into one table at once — run a's load (source a) and run b's (which
// superseded some of a's rows, so it reloads a and b) — serialise, and the table ends up
// holding exactly what silver holds, whichever committed first.
TEST_P(WarehouseCliTest, ConcurrentLoadsIntoOneTableLandInOrder) {
  SETUP_WAREHOUSE();
  std::string a = dir_ + "/a.csv", b = dir_ + "/b.csv";
  Generate(30000, 31, a);
  Generate(30000, 32, b);
  RunResult ra = Run({"jobs", "run", job_, "--source", a, "--no-load"});
  RunResult rb = Run({"jobs", "run", job_, "--source", b, "--no-load"});
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  pid_t pids[2];
  for (int i = 0; i < 2; ++i) {
    std::string run_id = Json(i == 0 ? ra : rb).at("run_id").as_string().c_str();
    pids[i] = fork();
    ASSERT_GE(pids[i], 0);
    if (pids[i] == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      execl(SLUICE_BINARY, SLUICE_BINARY, "--home", home_.c_str(), "warehouse", "load", "--run",
            run_id.c_str(), "--warehouse", url_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  EXPECT_EQ(QueryValue("SELECT count(*) - count(DISTINCT order_id) AS dupes FROM silver.orders"), "0");
  EXPECT_EQ(QueryValue("SELECT count(DISTINCT _sluice_source) AS n FROM silver.orders"), "2");
  // Three loads (a; then a and b), numbered in the order they committed.
  EXPECT_EQ(QueryValue("SELECT max(load_seq) AS n FROM silver._sluice_loads"), "3");
  if (!fs::exists(std::string(SLUICE_SOURCE_DIR) + "/tools/node_modules/@duckdb")) GTEST_SKIP();
  std::string script = std::string(SLUICE_SOURCE_DIR) + "/tests/etl/duckdb_query.mjs";
  std::string duck = sluice::testing::ShellOutput(
      "node '" + script + "' '" + home_ + "/lake/silver/orders' 'SELECT count(*) FROM silver'");
  EXPECT_EQ(duck, "[[\"" + QueryValue("SELECT count(*) AS n FROM silver.orders") + "\"]]\n");
}

TEST_P(WarehouseCliTest, QueryErrorsAndFormatsAreReported) {
  SETUP_WAREHOUSE();
  RunResult bad = Run({"query", "SELECT * FROM silver.nothing"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err.rfind("sluice query: ", 0), 0u) << bad.err;
  EXPECT_NE(bad.err.find("nothing"), std::string::npos) << bad.err;
  RunResult fmt = Run({"query", "SELECT 1", "--format", "xml"});
  EXPECT_EQ(fmt.exit_code, 2);
  EXPECT_EQ(fmt.err, "sluice query: --format: expected table, json or csv\n");
  RunResult json_out = Run({"query", "SELECT 1 AS a, 'x,y' AS b, NULL AS c", "--format", "json"});
  EXPECT_EQ(json_out.out, "[\n {\"a\": 1, \"b\": \"x,y\", \"c\": null}\n]\n");
  RunResult csv = Run({"query", "SELECT 1 AS a, 'x,y' AS b", "--format", "csv"});
  EXPECT_EQ(csv.out, "a,b\r\n1,\"x,y\"\r\n");
  RunResult usage = Run({"warehouse", "load"});
  EXPECT_EQ(usage.exit_code, 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, WarehouseCliTest,
                         ::testing::ValuesIn(sluice::warehouse::TestEngines()),
                         [](const auto& info) { return info.param; });

}  // namespace
