#include "sluice/tasks/glue_jobs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <thread>
#include <vector>

#include "sluice/asl/errors.h"
#include "sluice/tasks/tasks_test_util.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

constexpr std::string_view kJob =
    "name: events\ndataset: ev\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n"
    "  - [n, string, n, int64]\nwarehouse: {table: silver.ev}\n";
constexpr std::string_view kSync = "arn:aws:states:::glue:startJobRun.sync";

class GlueJobsTest : public TasksTest {
 protected:
  void SetUp() override {
    TasksTest::SetUp();
    Write("jobs/events.yaml", std::string(kJob));
    // A job whose dataset rule fails every run.
    Write("jobs/strict.yml",
          "name: strict\ndataset: st\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n"
          "rules: \"Rules = [ RowCount > 100 ]\"\n");
    csv_ = Write("in.csv", "id,n\na,1\nb,2\n");
  }
  std::string csv_;
};

TEST_F(GlueJobsTest, SyncRunsTheJobLoadsTheWarehouseAndReturnsTheJobRun) {
  auto r = Call(std::string(kSync), R"({"JobName":"events","Arguments":{"--source":")" + csv_ + R"(","--threads":"2"}})");
  ASSERT_TRUE(r.ok()) << r.status();
  const json::object& run = r->as_object();
  EXPECT_EQ(run.at("JobRunState").as_string(), "SUCCEEDED");
  EXPECT_EQ(run.at("JobName").as_string(), "events");
  EXPECT_EQ(run.at("Id").as_string().subview().substr(0, 3), "jr_");
  EXPECT_EQ(run.at("Id").as_string().size(), 67u);
  EXPECT_EQ(common::SerializeJson(run.at("Arguments")), R"({"--source":")" + csv_ + R"(","--threads":"2"})");
  EXPECT_GE(run.at("CompletedOn").as_int64(), run.at("StartedOn").as_int64());
  EXPECT_FALSE(run.contains("ErrorMessage"));
  const json::object& report = run.at("SluiceRunReport").as_object();
  EXPECT_EQ(report.at("rows").at("written").as_int64(), 2);
  EXPECT_EQ(report.at("warehouse_loads").at(0).at("rows_inserted").as_int64(), 2);
  EXPECT_EQ(Query("SELECT id, n FROM silver.ev ORDER BY id"), "a|1\nb|2\n");

  auto got = Call("arn:aws:states:::aws-sdk:glue:getJobRun",
                  R"({"JobName":"events","RunId":")" + std::string(run.at("Id").as_string()) + R"("})");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(common::SerializeJson(got->at("JobRun")), common::SerializeJson(*r));

  // The object is bookmarked: the run is skipped, its earlier run loaded again, nothing doubles.
  auto again = Call(std::string(kSync), R"({"JobName":"events","Arguments":{"--source":")" + csv_ + R"("}})");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->at("SluiceRunId"), run.at("SluiceRunId"));
  EXPECT_EQ(again->at("SluiceSkipped").as_string(),
            "bookmarked: processed by run " + std::string(run.at("SluiceRunId").as_string()));
  EXPECT_EQ(again->at("SluiceRunReport").at("rows"), report.at("rows"));
  EXPECT_EQ(again->at("SluiceRunReport").at("run_id"), run.at("SluiceRunId"));
  EXPECT_EQ(Query("SELECT count(*) FROM silver.ev"), "2\n");
}

TEST_F(GlueJobsTest, AFailedRunUnderSyncIsTaskFailedWithTheJobRunAsCause) {
  auto r = Call(std::string(kSync), R"({"JobName":"strict","Arguments":{"--source":")" + csv_ + R"("}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), asl::kStatesTaskFailed);
  auto cause = common::ParseJson(r.status().message(), "cause");
  ASSERT_TRUE(cause.ok()) << r.status().message();
  EXPECT_EQ(cause->at("JobRunState").as_string(), "FAILED");
  EXPECT_EQ(cause->at("JobName").as_string(), "strict");
  EXPECT_NE(cause->at("ErrorMessage").as_string().find("RowCount"), std::string::npos)
      << cause->at("ErrorMessage");

  // The plain form returns the id; the run's outcome is read back with getJobRun.
  auto started = Call("arn:aws:states:::glue:startJobRun",
                      R"({"JobName":"strict","Arguments":{"--source":")" + csv_ + R"(","--force":"true"}})");
  ASSERT_TRUE(started.ok()) << started.status();
  std::string id(started->at("JobRunId").as_string());
  EXPECT_TRUE(started->as_object().contains("SdkHttpMetadata"));
  auto got = Call("arn:aws:states:::aws-sdk:glue:getJobRun", R"({"JobName":"strict","RunId":")" + id + R"("})");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->at("JobRun").at("JobRunState").as_string(), "FAILED");

  // A source that does not exist fails the run, as a Glue script would.
  auto missing = Call(std::string(kSync), R"({"JobName":"events","Arguments":{"--source":"/nonexistent.csv"}})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().name(), asl::kStatesTaskFailed);
  EXPECT_NE(missing.status().message().find(R"("ErrorMessage":"reading --source /nonexistent.csv: )"),
            std::string::npos)
      << missing.status().message();
}

// The ETL has its own pool (here one slot): runs started together by many executions go one
// after the other, even for different datasets.
TEST_F(GlueJobsTest, JobRunsBeyondThePoolWaitForASlot) {
  std::string big = dir_.path() + "/big.csv";
  {
    std::ofstream out(big);
    out << "id,n\n";
    for (int i = 0; i < 200000; ++i) out << "k" << i << "," << i << "\n";
  }
  std::vector<std::thread> threads;
  std::vector<Result<json::value>> runs(3, json::value());
  for (int i = 0; i < 3; ++i) {
    Write("jobs/copy" + std::to_string(i) + ".yaml",
          "name: copy" + std::to_string(i) + "\ndataset: c" + std::to_string(i) +
              "\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n  - [n, string, n, int64]\n");
    threads.emplace_back([&, i] {
      runs[i] = Call(std::string(kSync), R"({"JobName":"copy)" + std::to_string(i) +
                                             R"(","Arguments":{"--source":")" + big + R"("}})");
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const auto& r : runs) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->at("JobRunState").as_string(), "SUCCEEDED");
    spans.emplace_back(r->at("StartedOn").as_int64(), r->at("CompletedOn").as_int64());
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    EXPECT_GE(spans[i].first, spans[i - 1].second) << "runs " << i - 1 << " and " << i << " overlapped";
  }
}

TEST_F(GlueJobsTest, UnknownJobsAndBadArgumentsUseGlueExceptionNames) {
  auto unknown = Call(std::string(kSync), R"({"JobName":"nope","Arguments":{"--source":"x"}})");
  EXPECT_EQ(unknown.status().name(), "Glue.EntityNotFoundException");
  EXPECT_EQ(unknown.status().message().rfind("Job nope not found: ", 0), 0u) << unknown.status().message();
  auto no_source = Call(std::string(kSync), R"({"JobName":"events"})");
  EXPECT_EQ(no_source.status().name(), "Glue.InvalidInputException");
  EXPECT_EQ(no_source.status().message().rfind(
                "Arguments: --source (s3://bucket/key or a path) is required, or --source_bucket with "
                "--source_key (Service: AWSGlue; Status Code: 400; Error Code: InvalidInputException;",
                0),
            0u)
      << no_source.status().message();
  auto threads = Call(std::string(kSync), R"({"JobName":"events","Arguments":{"--source":"x","--threads":"many"}})");
  EXPECT_EQ(threads.status().name(), "Glue.InvalidInputException");
  auto number = Call(std::string(kSync), R"({"JobName":"events","Arguments":{"--source":"x","--threads":4}})");
  EXPECT_EQ(number.status().name(), "Glue.InvalidInputException");
  auto run = Call("arn:aws:states:::aws-sdk:glue:getJobRun", R"({"JobName":"events","RunId":"jr_nope"})");
  EXPECT_EQ(run.status().name(), "Glue.EntityNotFoundException");
}

}  // namespace
}  // namespace sluice::tasks
