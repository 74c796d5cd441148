// `sluice serve` as users run it: a project from `sluice init`, files dropped into the inbox,
// executions watched over HTTP, SIGTERM, and a restart that picks up where it stopped.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "process_util.h"
#include "sluice/common/json.h"
#include "sluice/common/test_http_get.h"

namespace {

namespace fs = std::filesystem;
namespace json = sluice::common::json;

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-serve-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    home_ = dir_ + "/home";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  // Starts `sluice serve ARGS…` and waits for its HTTP port.
  void StartServe(std::vector<std::string> args) {
    std::string port_file = dir_ + "/port";
    fs::remove(port_file);
    args.insert(args.begin(), {SLUICE_BINARY, "--home", home_, "serve", "--port", "0",
                               "--port-file", port_file});
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int log = open((dir_ + "/serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(log, 1);
      dup2(log, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 500 && !fs::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(fs::exists(port_file)) << Log();
    std::ifstream(port_file) >> port_;
  }

  int StopServe(int signal = SIGTERM) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  std::string Log() {
    std::ifstream in(dir_ + "/serve.log");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }

  void Drop(const std::string& rel, const std::string& from) {
    fs::create_directories(fs::path(home_ + "/inbox/" + rel).parent_path());
    // Written aside and renamed in, as copy tools do (a half-written file is also fine:
    // the inbox waits for its size to settle).
    fs::copy_file(from, home_ + "/inbox/.tmp", fs::copy_options::overwrite_existing);
    fs::rename(home_ + "/inbox/.tmp", home_ + "/inbox/" + rel);
  }

  // The executions with `status`, waiting up to 20 s for `n` of them.
  json::array Executions(const std::string& status, size_t n) {
    json::array list;
    for (int i = 0; i < 400; ++i) {
      auto [code, body] = sluice::common::TestHttpGet(port_, "/api/executions?status=" + status);
      if (code == 200) list = sluice::common::ParseJson(body, "api")->at("executions").as_array();
      if (list.size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return list;
  }

  std::string dir_, home_;
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(ServeTest, FilesDroppedInTheInboxFlowToSilverAndGold) {
  std::string project = dir_ + "/proj";
  ASSERT_EQ(sluice::testing::Sluice(home_, {"init", project}).exit_code, 0);
  StartServe({"--project", project});
  EXPECT_EQ(sluice::common::TestHttpGet(port_, "/healthz").first, 200);

  // The pipeline: Glue job → silver.orders, gold models, Redshift Data, SNS.
  Drop("landing/raw/day1.csv", project + "/data/orders-export.csv");
  Drop("landing/elsewhere/b.csv", project + "/data/orders.csv");  // no trigger matches
  json::array done = Executions("SUCCEEDED", 1);
  ASSERT_EQ(done.size(), 1u) << Log();
  auto [code, body] = sluice::common::TestHttpGet(port_, "/api/executions/" +
                                         std::string(done[0].at("executionArn").as_string()));
  ASSERT_EQ(code, 200);
  auto described = sluice::common::ParseJson(body, "describe");
  auto output = sluice::common::ParseJson(described->at("output").as_string(), "output");
  EXPECT_EQ(output->at("key").as_string(), "raw/day1.csv");
  EXPECT_EQ(output->at("silver").at("state").as_string(), "SUCCEEDED");
  EXPECT_EQ(output->at("silver").at("rows").at("written").as_int64(), 381);
  EXPECT_EQ(output->at("gold").at("ok").as_bool(), true);
  auto count = sluice::testing::Sluice(
      home_, {"query", "SELECT count(*) AS n FROM silver.orders", "--format", "csv"});
  EXPECT_EQ(count.out, "n\r\n381\r\n");
  auto gold = sluice::testing::Sluice(
      home_, {"query", "SELECT sum(orders) AS n FROM gold.country_revenue", "--format", "csv"});
  EXPECT_EQ(gold.exit_code, 0) << gold.err;
  EXPECT_NE(gold.out, "n\r\n\r\n");
  auto metrics = sluice::common::TestHttpGet(port_, "/metrics").second;
  EXPECT_NE(metrics.find("sluice_inbox_files_total 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sluice_executions_started_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sluice_notifications_total{topic=\"orders-loaded\",status=\"delivered\"} 1"),
            std::string::npos)
      << metrics;
  // What the execution did, as it ran: its states, its tasks, the job's rows, the load.
  // Events are counted from the log by serve's 200 ms tick.
  for (int i = 0; i < 100 && metrics.find("sluice_events_total 2\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = sluice::common::TestHttpGet(port_, "/metrics").second;
  }
  for (const char* line : {"sluice_state_transitions_total 5\n",
                           "sluice_task_duration_seconds_count{resource=\"arn:aws:states:::glue:startJobRun.sync\"} 1\n",
                           "sluice_job_duration_seconds_count{job=\"orders\"} 1\n",
                           "sluice_rows_total{kind=\"in\"} 400\n",
                           "sluice_rows_total{kind=\"out\"} 381\n",
                           "sluice_rows_total{kind=\"quarantined\"} 14\n",
                           "sluice_warehouse_loads_total{status=\"SUCCEEDED\"} 2\n",
                           "sluice_event_to_start_seconds_count 1\n",
                           "sluice_events_total 2\n",
                           "sluice_queue_depth{queue=\"inbox\"} 0\n"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }

  // A file the job cannot read fails its execution, which is published to `alerts`.
  std::ofstream(dir_ + "/broken.csv.gz") << "not gzip";
  Drop("landing/raw/broken.csv.gz.csv", dir_ + "/broken.csv.gz");
  json::array failed = Executions("FAILED", 1);
  ASSERT_EQ(failed.size(), 1u) << Log();
  for (int i = 0; i < 100 && Log().find("topic alerts:") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(Log().find("topic alerts:"), std::string::npos) << Log();
  EXPECT_EQ(StopServe(), 0) << Log();

  // A file landing while serve is down runs when it is back (serving what was deployed);
  // the same rows again change nothing in silver.
  ASSERT_EQ(sluice::testing::Sluice(home_, {"s3", "cp", project + "/data/orders-export.csv",
                                            "s3://landing/raw/again.csv", "--quiet"})
                .exit_code,
            0);
  StartServe({});
  EXPECT_EQ(Executions("SUCCEEDED", 2).size(), 2u) << Log();
  EXPECT_EQ(StopServe(), 0);
  EXPECT_NE(Log().find("serving config version 1"), std::string::npos);
  count = sluice::testing::Sluice(
      home_, {"query", "SELECT count(*) AS n FROM silver.orders", "--format", "csv"});
  EXPECT_EQ(count.out, "n\r\n381\r\n");
}

// Files → gold, checked against what the generator computed on its own (tools/orders_gen.py
// --truth: the orders and revenue per day and country a correct pipeline keeps); the same
// file dropped again changes nothing; a file that breaks the job's schema is quarantined as
// a file and alerted, and the next good file goes through.
TEST_F(ServeTest, GoldEqualsAnIndependentComputationAndABrokenFileIsQuarantinedAndAlerted) {
  std::string project = dir_ + "/proj";
  ASSERT_EQ(sluice::testing::Sluice(home_, {"init", project}).exit_code, 0);
  StartServe({"--project", project});
  // Three exports with their own order ids (each with duplicates and defects inside).
  std::map<std::string, std::pair<int64_t, std::string>> expected;  // "day|country" → orders, revenue
  std::map<std::string, std::pair<int64_t, double>> sums;
  for (int i = 0; i < 3; ++i) {
    std::string file = dir_ + "/export" + std::to_string(i) + ".csv";
    std::string cmd = "python3 '" + std::string(SLUICE_SOURCE_DIR) + "/tools/orders_gen.py' --rows 3000 --seed " +
                      std::to_string(40 + i) + " --first-id " + std::to_string(1 + 100000 * i) + " --out '" +
                      file + "' --truth '" + file + ".truth'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(file + ".truth");
    auto truth = sluice::common::ParseJson(std::string(std::istreambuf_iterator<char>(in), {}), "truth");
    ASSERT_TRUE(truth.ok());
    for (const auto& [key, cell] : truth->at("revenue_by_day_country").as_object()) {
      auto& sum = sums[std::string(key)];
      sum.first += cell.at("orders").as_int64();
      sum.second += std::stod(std::string(cell.at("revenue").as_string()));
    }
    Drop("landing/raw/export" + std::to_string(i) + ".csv", file);
  }
  ASSERT_EQ(Executions("SUCCEEDED", 3).size(), 3u) << Log();
  std::string want = "day_country,orders,revenue\r\n";
  for (const auto& [key, sum] : sums) {
    char revenue[32];
    std::snprintf(revenue, sizeof revenue, "%.2f", sum.second);
    want += key + "," + std::to_string(sum.first) + "," + revenue + "\r\n";
  }
  auto gold = [&] {
    return sluice::testing::Sluice(home_, {"query",
                                           "SELECT order_date || '|' || country AS day_country, orders, "
                                           "printf('%.2f', revenue) AS revenue FROM gold.daily_revenue "
                                           "ORDER BY day_country",
                                           "--format", "csv"})
        .out;
  };
  EXPECT_EQ(gold(), want);
  // The data-quality summary (from the load log) agrees with silver and quarantine themselves.
  EXPECT_EQ(sluice::testing::Sluice(
                home_, {"query",
                        "SELECT count(*) AS n FROM gold.data_quality AS d WHERE d.rows_kept <> (SELECT count(*) "
                        "FROM silver.orders AS o WHERE o._sluice_source = d.source) OR d.rows_quarantined <> "
                        "(SELECT count(*) FROM quarantine.orders AS q WHERE q.source = d.source)",
                        "--format", "csv"})
                .out,
            "n\r\n0\r\n");
  EXPECT_EQ(sluice::testing::Sluice(home_, {"query", "SELECT count(*) AS n FROM gold.data_quality", "--format", "csv"})
                .out,
            "n\r\n3\r\n");
  auto everything = [&] {
    std::string out;
    // Sums of doubles (SQLite's decimals) in cents: their last bits follow the row order.
    for (const char* sql : {"SELECT order_date, country, orders, printf('%.2f', revenue) FROM gold.daily_revenue "
                            "ORDER BY order_date, country",
                            "SELECT customer_id, orders, first_order_date, last_order_date, "
                            "printf('%.2f', lifetime_value) FROM gold.customer_lifetime_value ORDER BY customer_id",
                            "SELECT * FROM gold.data_quality ORDER BY source",
                            "SELECT count(*) FROM silver.orders", "SELECT count(*) FROM quarantine.orders"}) {
      out += sluice::testing::Sluice(home_, {"query", sql, "--format", "csv"}).out;
    }
    return out;
  };
  std::string before = everything();

  // The same file again: its execution succeeds (the job's bookmark knows the object) and
  // every table stays as it was.
  Drop("landing/raw/export1.csv", dir_ + "/export1.csv");
  ASSERT_EQ(Executions("SUCCEEDED", 4).size(), 4u) << Log();
  EXPECT_EQ(everything(), before);

  // An export whose quantity column was renamed: its execution fails, it is kept in
  // quarantine as a file, `alerts` says so; the next good export goes through.
  {
    std::ifstream in(dir_ + "/export2.csv");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("quantity"), 8, "qty");
    std::ofstream(dir_ + "/renamed.csv") << text;
  }
  Drop("landing/raw/renamed.csv", dir_ + "/renamed.csv");
  json::array failed = Executions("FAILED", 1);
  ASSERT_EQ(failed.size(), 1u) << Log();
  EXPECT_EQ(failed[0].at("error").as_string(), "States.TaskFailed");
  EXPECT_NE(failed[0].at("cause").as_string().find(
                "source column \\\"quantity\\\" (mapped to \\\"quantity\\\") is missing"),
            std::string::npos)
      << sluice::common::SerializeJson(failed[0]);
  for (int i = 0; i < 100 && Log().find("topic alerts:") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(Log().find("topic alerts:"), std::string::npos) << Log();
  bool kept = false;
  for (const auto& e : fs::recursive_directory_iterator(home_ + "/lake/quarantine/orders")) {
    kept = kept || e.path().filename() == "renamed.csv.zst";
  }
  EXPECT_TRUE(kept);
  EXPECT_EQ(everything(), before);

  std::string next = dir_ + "/next.csv";
  ASSERT_EQ(std::system(("python3 '" + std::string(SLUICE_SOURCE_DIR) +
                         "/tools/orders_gen.py' --rows 500 --seed 50 --first-id 900001 --out '" + next + "'")
                            .c_str()),
            0);
  Drop("landing/raw/next.csv", next);
  ASSERT_EQ(Executions("SUCCEEDED", 5).size(), 5u) << Log();
  EXPECT_NE(everything(), before);
  EXPECT_EQ(StopServe(), 0);
}

// SIGTERM does not wait out a long Wait: the execution pauses, serve exits at once, and the
// next serve finishes the same wait (entered once, left once).
TEST_F(ServeTest, SigtermPausesAWaitingExecutionAndTheNextServeFinishesIt) {
  std::string project = dir_ + "/waiting";
  fs::create_directories(project);
  std::ofstream(project + "/sluice.yaml") << "name: waiting\nstate_machines:\n  waiter: waiter.asl.json\n";
  std::ofstream(project + "/waiter.asl.json")
      << R"({"StartAt":"Pause","States":{"Pause":{"Type":"Wait","Seconds":3,"Next":"Done"},"Done":{"Type":"Succeed"}}})";
  StartServe({"--project", project});
  auto started = sluice::testing::Sluice(home_, {"states", "start", "--state-machine", "waiter", "--name", "w1",
                                                 "--no-run"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string arn(sluice::common::ParseJson(started.out, "start")->at("executionArn").as_string());
  // The executor takes it (within its 250 ms poll) and enters the Wait.
  for (int i = 0; i < 100; ++i) {
    if (sluice::testing::Sluice(home_, {"states", "history", arn}).out.find("WaitStateEntered") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(StopServe(), 0) << Log();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(1500));
  auto paused = sluice::common::ParseJson(sluice::testing::Sluice(home_, {"states", "describe", arn}).out, "d");
  EXPECT_EQ(paused->at("status").as_string(), "RUNNING");

  StartServe({});
  ASSERT_EQ(Executions("SUCCEEDED", 1).size(), 1u) << Log();
  EXPECT_EQ(StopServe(), 0);
  auto history = sluice::common::ParseJson(sluice::testing::Sluice(home_, {"states", "history", arn}).out, "h");
  std::vector<std::string> types;
  for (const auto& e : history->at("events").as_array()) types.emplace_back(e.at("type").as_string());
  EXPECT_EQ(types, (std::vector<std::string>{"ExecutionStarted", "WaitStateEntered", "WaitStateExited",
                                             "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}));
}

TEST_F(ServeTest, ServingWithNothingDeployedIsAUsageError) {
  auto r = sluice::testing::Sluice(home_, {"serve", "--port", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "sluice serve: nothing is deployed: run sluice deploy, or sluice serve --project DIR\n");
}

}  // namespace

namespace {

// serve killed with SIGKILL at random moments during a 50-file run, restarted each time, ends
// with the same silver, quarantine and gold as an uninterrupted run, and no duplicate rows.
class ServeCrashTest : public ServeTest {
 protected:
  // Every file's generated rows (the same order ids across files: the newest row wins).
  void MakeFiles(int n) {
    fs::create_directories(dir_ + "/files");
    for (int i = 0; i < n; ++i) {
      std::string cmd = "python3 '" + std::string(SLUICE_SOURCE_DIR) +
                        "/tools/orders_gen.py' --rows 300 --seed " + std::to_string(100 + i) +
                        " --defect-rate 0.02 --out '" + dir_ + "/files/f" + std::to_string(i) +
                        ".csv'";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
    }
    // The generator puts order times on a grid, so two files can hold one order at the same
    // time, and which of them wins would depend on the order the files are processed in.
    // Shifting file i's times by i milliseconds makes "the newest row wins" one answer.
    std::string shift = "python3 - '" + dir_ + "/files' " + std::to_string(n) + R"( <<'PY'
import csv, datetime, sys
folder, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    path = f"{folder}/f{i}.csv"
    rows = list(csv.reader(open(path, newline="")))
    ts = rows[0].index("order_ts")
    for r in rows[1:]:
        if len(r) > ts:
            try:
                t = datetime.datetime.strptime(r[ts], "%Y-%m-%dT%H:%M:%SZ")
                r[ts] = (t + datetime.timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            except ValueError:
                pass  # a defect the generator planted: keep it
    csv.writer(open(path, "w", newline="")).writerows(rows)
PY)";
    ASSERT_EQ(std::system(shift.c_str()), 0);
  }
  void DropAll(int n) {
    for (int i = 0; i < n; ++i) {
      Drop("landing/raw/f" + std::to_string(i) + ".csv", dir_ + "/files/f" + std::to_string(i) + ".csv");
    }
  }
  // Whether every dropped file was taken and no execution is left running.
  bool Settled(int n) {
    if (fs::exists(home_ + "/inbox/landing/raw") && !fs::is_empty(home_ + "/inbox/landing/raw")) {
      return false;
    }
    auto [code, body] = sluice::common::TestHttpGet(port_, "/api/executions?limit=10000");
    if (code != 200) return false;
    auto list = sluice::common::ParseJson(body, "api")->at("executions").as_array();
    size_t done = 0;
    for (const auto& e : list) {
      if (e.at("status").as_string() == "RUNNING") return false;
      done += e.at("status").as_string() == "SUCCEEDED";
    }
    return done >= static_cast<size_t>(n);
  }
  std::string Tables() {
    std::string out;
    for (const char* sql :
         {"SELECT order_id, customer_id, order_ts, quantity, CAST(unit_price AS DOUBLE PRECISION), "
          "status, order_date FROM silver.orders ORDER BY order_id",
          "SELECT count(*) - count(DISTINCT order_id) FROM silver.orders",
          "SELECT order_date, country, orders, printf('%.2f', revenue) FROM gold.daily_revenue ORDER BY "
          "order_date, country",
          "SELECT customer_id, orders, first_order_date, last_order_date, printf('%.2f', lifetime_value) "
          "FROM gold.customer_lifetime_value ORDER BY customer_id",
          "SELECT * FROM gold.data_quality ORDER BY source",
          "SELECT source, line, rule, reason FROM quarantine.orders ORDER BY source, line, rule"}) {
      auto r = sluice::testing::Sluice(home_, {"query", sql, "--format", "csv"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      out += r.out;
    }
    return out;
  }
};

TEST_F(ServeCrashTest, SigkillAtRandomMomentsEndsAsTheUninterruptedRun) {
  constexpr int kFiles = 50;
  MakeFiles(kFiles);
  std::string project = dir_ + "/proj";
  ASSERT_EQ(sluice::testing::Sluice(dir_ + "/init-home", {"init", project}).exit_code, 0);

  // The uninterrupted run.
  home_ = dir_ + "/clean";
  StartServe({"--project", project});
  DropAll(kFiles);
  for (int i = 0; i < 1200 && !Settled(kFiles); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(Settled(kFiles)) << Log();
  ASSERT_EQ(StopServe(), 0);
  std::string expected = Tables();

  // The same files, serve killed and restarted until they are all through.
  home_ = dir_ + "/crashed";
  std::mt19937 rng(20261127);
  StartServe({"--project", project});
  DropAll(kFiles);
  int kills = 0;
  for (int round = 0; round < 60; ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 900)(rng)));
    if (Settled(kFiles)) break;
    StopServe(SIGKILL);
    ++kills;
    StartServe({});
  }
  for (int i = 0; i < 1200 && !Settled(kFiles); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(Settled(kFiles)) << Log();
  EXPECT_GT(kills, 0);
  RecordProperty("kills", kills);
  ASSERT_EQ(StopServe(), 0);
  EXPECT_EQ(Tables(), expected);
}

}  // namespace
