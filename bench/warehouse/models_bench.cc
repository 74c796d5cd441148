// Incremental gold model rebuild vs full rebuild (issue 6's "≥ 10× faster on 90 days").
//
//   sluice_models_bench [--warehouse URL] [--days 90] [--rows-per-day 20000] [--rounds 3]
//                       [--index 1|0]
//
// Fills silver.orders with `days` days of orders generated in SQL (indexed on order_date, as
// the loader indexes partition columns; one load-log record per day), builds the incremental
// model daily_revenue once (its first, full build), then for each round appends one new day
// (one load) and times the incremental build, then times a --full-refresh build of the same
// data and checks that both give the same table. Prints one JSON line per measurement and a
// summary line. Default warehouse: a fresh SQLite folder under /tmp.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/time.h"
#include "sluice/warehouse/load_log.h"
#include "sluice/warehouse/models.h"
#include "sluice/warehouse/warehouse.h"

namespace sw = sluice::warehouse;

namespace {

[[noreturn]] void Die(const std::string& what, const sluice::Status& status) {
  std::cerr << "models_bench: " << what << ": " << status.ToString() << "\n";
  std::exit(1);
}

template <typename T>
T Check(sluice::Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status());
  return std::move(*result);
}

void Check(const sluice::Status& status, const std::string& what) {
  if (!status.ok()) Die(what, status);
}

std::string Day(int day) {
  int64_t y;
  unsigned m, d;
  sluice::common::CivilFromDays(sluice::common::DaysFromCivil(2026, 1, 1) + day, &y, &m, &d);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(y), m, d);
  return buffer;
}

// Inserts `rows` orders dated `day` and records the load, in one transaction.
void LoadDay(sw::Session& s, int day, int rows) {
  std::string date = sw::QuoteLiteral(Day(day));
  std::string n = std::to_string(rows - 1);
  std::string sql =
      s.engine() == "postgresql"
          ? "INSERT INTO silver.orders SELECT " + date +
                "::date, i % 5000, (i * 7919 % 100000) / 100.0, (i % 4) FROM "
                "generate_series(0, " +
                n + ") AS g(i)"
          : "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < " + n +
                ") INSERT INTO silver.orders SELECT " + date +
                ", i % 5000, (i * 7919 % 100000) / 100.0, (i % 4) FROM g";
  Check(s.Begin(), "begin");
  Check(s.LockTable({"silver", "orders"}), "lock");
  Check(s.Execute(sql), "generating " + Day(day));
  sw::LoadRecord load;
  load.table = {"silver", "orders"};
  load.load_id = "bench-" + Day(day);
  load.source = "bench";
  load.mode = "replace_source";
  load.rows_inserted = rows;
  load.partition_columns = {"order_date"};
  load.partitions = std::vector<sw::PartitionValues>{{Day(day)}};
  Check(sw::AppendLoad(s, load), "load log");
  Check(s.Commit(), "commit");
}

std::string TableText(sw::Session& s) {
  auto rows = Check(s.Query("SELECT * FROM gold.daily_revenue ORDER BY order_date, channel"),
                    "reading gold.daily_revenue");
  std::string text;
  for (const auto& row : rows.rows) {
    for (const auto& v : row) text += v.ToString() + "|";
    text += "\n";
  }
  return text;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int days = 90, rows_per_day = 20000, rounds = 3, index = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--warehouse")
      url = argv[i + 1];
    else if (flag == "--days")
      days = std::atoi(argv[i + 1]);
    else if (flag == "--rows-per-day")
      rows_per_day = std::atoi(argv[i + 1]);
    else if (flag == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else if (flag == "--index")
      index = std::atoi(argv[i + 1]);
  }
  std::string dir =
      std::filesystem::temp_directory_path() / ("sluice-models-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir + "/models");
  if (url.empty()) url = "sqlite://" + dir + "/warehouse";
  std::ofstream(dir + "/models/daily_revenue.sql")
      << "-- materialized: incremental\n-- partition_by: order_date\n"
         "-- unique_key: [order_date, channel]\n"
         "SELECT order_date, channel, count(*) AS orders, sum(amount) AS revenue,\n"
         "       count(DISTINCT customer_id) AS customers, avg(amount) AS average\n"
         "FROM silver.orders o GROUP BY order_date, channel\n";

  auto warehouse = Check(sw::OpenWarehouse(url), "opening " + url);
  auto s = Check(warehouse->Connect(), "connecting");
  Check(s->Execute("DROP TABLE IF EXISTS silver.orders"), "drop");
  Check(s->Execute("CREATE TABLE silver.orders (order_date DATE, customer_id BIGINT, "
                   "amount DECIMAL(12,2), channel INTEGER)"),
        "create");
  if (index) {
    Check(s->Execute(
              s->CreateIndexSql({"silver", "orders"}, "orders_order_date", {"order_date"}, false)),
          "index");
  }
  auto started = std::chrono::steady_clock::now();
  for (int d = 0; d < days; ++d) LoadDay(*s, d, rows_per_day);
  double generate = Seconds(started);
  auto models = Check(sw::LoadModels(dir + "/models"), "models");

  auto build = [&](bool full_refresh, const std::string& expect_mode) {
    sw::BuildOptions options;
    options.full_refresh = full_refresh;
    options.threads = 1;
    auto t = std::chrono::steady_clock::now();
    auto report = Check(sw::BuildModels(*warehouse, models, options), "build");
    double seconds = Seconds(t);
    const sw::ModelReport& m = report.models.at(0);
    if (!report.ok() || m.mode != expect_mode) {
      std::cerr << "models_bench: unexpected build: "
                << sluice::common::SerializeJson(report.ToJson()) << "\n";
      std::exit(1);
    }
    return seconds;
  };

  build(false, "full");  // the first build
  std::vector<double> incremental, full;
  for (int r = 0; r < rounds; ++r) {
    LoadDay(*s, days + r, rows_per_day);
    double inc = build(false, "incremental");
    std::string after_incremental = TableText(*s);
    double fr = build(true, "full");
    if (TableText(*s) != after_incremental) {
      std::cerr << "models_bench: the incremental build differs from the full rebuild\n";
      return 1;
    }
    incremental.push_back(inc);
    full.push_back(fr);
    std::cout << "{\"round\":" << r + 1 << ",\"days\":" << days + r + 1
              << ",\"rows\":" << int64_t{days + r + 1} * rows_per_day << ",\"full_seconds\":" << fr
              << ",\"incremental_seconds\":" << inc << ",\"speedup\":" << fr / inc << "}\n";
  }
  std::sort(incremental.begin(), incremental.end());
  std::sort(full.begin(), full.end());
  double inc = incremental[incremental.size() / 2], fr = full[full.size() / 2];
  std::cout << "{\"engine\":\"" << s->engine()
            << "\",\"order_date_index\":" << (index ? "true" : "false")
            << ",\"generate_seconds\":" << generate << ",\"median_full_seconds\":" << fr
            << ",\"median_incremental_seconds\":" << inc << ",\"speedup\":" << fr / inc
            << ",\"equal\":true}\n";
  s.reset();
  warehouse.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
