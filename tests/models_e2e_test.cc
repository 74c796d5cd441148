// `sluice jobs run` → `sluice models build|test` on the example project's gold models
// (examples/orders/models), on each warehouse engine: the first build is full, a later load
// rebuilds only the days it touched, and the result equals `--full-refresh`.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "process_util.h"
#include "sluice/common/json.h"
#include "sluice/warehouse/warehouse_test_util.h"

namespace {

namespace fs = std::filesystem;
namespace json = sluice::common::json;
using sluice::testing::RunResult;

class ModelsCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-models-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    home_ = dir_ + "/home";
    job_ = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs/orders.yaml";
    models_ = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/models";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--warehouse", url_});
    return sluice::testing::Sluice(home_, std::move(args));
  }

  // Orders over `days` days from `start`, as the shop's export writes them.
  std::string Generate(int rows, int seed, const std::string& start, int days) {
    std::string out = dir_ + "/orders-" + std::to_string(seed) + ".csv";
    std::string cmd = "python3 '" + std::string(SLUICE_SOURCE_DIR) +
                      "/tools/orders_gen.py' --rows " + std::to_string(rows) + " --seed " +
                      std::to_string(seed) + " --start " + start + " --days " +
                      std::to_string(days) + " --out '" + out + "' >/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return out;
  }

  json::object Build(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"models", "build", "--models", models_};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto report = sluice::common::ParseJson(r.out, "models build");
    EXPECT_TRUE(report.ok()) << r.out << r.err;
    return report.ok() ? report->as_object() : json::object();
  }

  static const json::object& Model(const json::object& report, std::string_view name) {
    for (const auto& m : report.at("models").as_array()) {
      if (m.at("model").as_string() == name) return m.as_object();
    }
    ADD_FAILURE() << "no model " << name << " in " << sluice::common::SerializeJson(report);
    static json::object none;
    return none;
  }

  std::string Daily() {
    RunResult r = Run({"query",
                       "SELECT order_date, country, orders, revenue FROM "
                       "gold.daily_revenue ORDER BY order_date, country",
                       "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string dir_, home_, job_, models_, url_;
};

TEST_P(ModelsCliTest, ALaterLoadRebuildsOnlyItsDaysAndEqualsAFullRefresh) {
  SLUICE_TEST_WAREHOUSE(warehouse);
  url_ = warehouse->url();
  ASSERT_EQ(Run({"jobs", "run", job_, "--source", Generate(4000, 3, "2026-11-01", 5)}).exit_code,
            0);
  json::object first = Build();
  EXPECT_EQ(Model(first, "daily_revenue").at("mode").as_string(), "full");
  EXPECT_EQ(Model(first, "revenue_by_day").at("status").as_string(), "built");

  ASSERT_EQ(Run({"jobs", "run", job_, "--source", Generate(1000, 4, "2026-12-20", 2)}).exit_code,
            0);
  json::object second = Build();
  const json::object& daily = Model(second, "daily_revenue");
  EXPECT_EQ(daily.at("mode").as_string(), "incremental");
  // The second export's order ids repeat the first's, so dedupe across sources reloads the
  // first source too: every day it holds is touched.
  EXPECT_GE(daily.at("partitions").as_array().size(), 2u);
  EXPECT_EQ(sluice::common::SerializeJson(daily.at("partitions").as_array().back()),
            "[\"2026-12-21\"]");
  std::string incremental = Daily();

  json::object refreshed = Build({"--full-refresh", "--select", "daily_revenue"});
  EXPECT_EQ(Model(refreshed, "daily_revenue").at("reason").as_string(), "--full-refresh");
  EXPECT_EQ(Daily(), incremental);

  RunResult test = Run({"models", "test", "--models", models_, "--select", "+country_revenue"});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("\"unique(country)\""), std::string::npos) << test.out;
  RunResult unknown = Run({"models", "build", "--models", models_, "--select", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("sluice models build: InvalidArgument: --select \"nope\"", 0), 0u)
      << unknown.err;
}

TEST_P(ModelsCliTest, AFailingTestExitsOneAndKeepsThePreviousTable) {
  SLUICE_TEST_WAREHOUSE(warehouse);
  url_ = warehouse->url();
  ASSERT_EQ(Run({"jobs", "run", job_, "--source", Generate(500, 5, "2026-11-01", 2)}).exit_code, 0);
  models_ = dir_ + "/models";
  fs::create_directories(models_);
  std::ofstream(models_ + "/statuses.sql") << "SELECT DISTINCT status FROM silver.orders";
  Build();
  std::ofstream(models_ + "/statuses.yaml") << "tests:\n  status:\n    - accepted_values: [paid]\n";
  RunResult r = Run({"models", "build", "--models", models_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("keeps its previous version"), std::string::npos) << r.out;
  RunResult test = Run({"models", "test", "--models", models_});
  EXPECT_EQ(test.exit_code, 1);
  EXPECT_NE(test.out.find("\"status\": \"fail\""), std::string::npos) << test.out;
  std::ofstream(models_ + "/statuses.yaml") << "materialized: tabel\n";
  RunResult invalid = Run({"models", "build", "--models", models_});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_NE(
      invalid.err.find("statuses.yaml:1:15: materialized: expected table, incremental or view"),
      std::string::npos)
      << invalid.err;
}

INSTANTIATE_TEST_SUITE_P(Engines, ModelsCliTest,
                         ::testing::ValuesIn(sluice::warehouse::TestEngines()),
                         [](const auto& info) { return info.param; });

}  // namespace
