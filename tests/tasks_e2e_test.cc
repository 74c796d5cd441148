// The Task integrations end to end, through `sluice states run`: a state machine written for
// AWS runs the orders Glue job (.sync, with Retry and Catch), reads silver.orders through the
// Redshift Data API, and records the file in a DynamoDB table with a conditional put — then
// runs again on the same file (bookmarked job, condition fails into a Catch), and once on a
// file that does not exist (retried, then caught). Expected numbers come from the orders
// generator's truth file, not from sluice.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "process_util.h"
#include "sluice/common/json.h"

namespace {

namespace fs = std::filesystem;
namespace json = sluice::common::json;
using sluice::testing::RunResult;

constexpr std::string_view kPipeline = R"j({
  "Comment": "orders file -> Glue job -> Redshift summary -> DynamoDB record",
  "StartAt": "Transform",
  "States": {
    "Transform": {
      "Type": "Task",
      "Resource": "arn:aws:states:::glue:startJobRun.sync",
      "Parameters": {"JobName": "orders", "Arguments": {"--source.$": "$.source"}},
      "ResultSelector": {
        "JobRunState.$": "$.JobRunState",
        "written.$": "$.SluiceRunReport.rows.written",
        "quarantined.$": "$.SluiceRunReport.rows.quarantined",
        "duplicates.$": "$.SluiceRunReport.rows.duplicates",
        "table.$": "$.SluiceRunReport.warehouse_loads[0].table"
      },
      "ResultPath": "$.glue",
      "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 1}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "TransformFailed"}],
      "Next": "Summarize"
    },
    "Summarize": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:redshiftdata:executeStatement",
      "Parameters": {
        "Database": "dev",
        "WorkgroupName": "analytics",
        "Sql": "SELECT count(*) AS orders, CAST(round(sum(quantity * unit_price) * 100) AS BIGINT) AS cents FROM silver.orders WHERE order_date >= :since",
        "Parameters": [{"name": "since", "value": "2000-01-01"}]
      },
      "ResultSelector": {"Id.$": "$.Id", "Database.$": "$.Database"},
      "ResultPath": "$.statement",
      "Next": "Fetch"
    },
    "Fetch": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:redshiftdata:getStatementResult",
      "Parameters": {"Id.$": "$.statement.Id"},
      "ResultSelector": {"orders.$": "$.Records[0][0].longValue", "cents.$": "$.Records[0][1].longValue",
                         "columns.$": "$.ColumnMetadata[*].name"},
      "ResultPath": "$.statement",
      "Next": "Record"
    },
    "Record": {
      "Type": "Task",
      "Resource": "arn:aws:states:::dynamodb:putItem",
      "Parameters": {
        "TableName": "OrderFiles",
        "Item": {
          "file": {"S.$": "$.source"},
          "orders": {"N.$": "States.Format('{}', $.statement.orders)"},
          "cents": {"N.$": "States.Format('{}', $.statement.cents)"}
        },
        "ConditionExpression": "attribute_not_exists(#f)",
        "ExpressionAttributeNames": {"#f": "file"}
      },
      "ResultPath": null,
      "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.duplicate", "Next": "AlreadyRecorded"}],
      "End": true
    },
    "AlreadyRecorded": {
      "Type": "Pass",
      "Parameters": {"source.$": "$.source", "glue.$": "$.glue", "duplicate.$": "$.duplicate.Error"},
      "End": true
    },
    "TransformFailed": {"Type": "Fail", "ErrorPath": "$.error.Error", "Cause": "the orders job failed"}
  }
})j";

class TasksCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-tasks-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    fs::create_directories(dir_ + "/statemachines");
    std::ofstream(dir_ + "/statemachines/pipeline.asl.json") << kPipeline;
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunResult Run(std::vector<std::string> args) {
    return sluice::testing::Sluice(dir_ + "/home", std::move(args));
  }
  RunResult RunPipeline(const std::string& source, bool history = false) {
    std::ofstream(dir_ + "/input.json") << sluice::common::SerializeJson(json::object{{"source", source}});
    std::vector<std::string> args = {"states", "run", dir_ + "/statemachines/pipeline.asl.json",
                                     "--input", dir_ + "/input.json", "--jobs",
                                     std::string(SLUICE_SOURCE_DIR) + "/examples/orders/jobs",
                                     "--wait-time-scale", "0"};
    if (history) args.push_back("--history");
    return Run(args);
  }
  std::string dir_;
};

TEST_F(TasksCliTest, GlueRedshiftDataAndDynamoDbIntegrationsRunAnAwsStateMachine) {
  std::string csv = dir_ + "/orders.csv";
  std::string truth_path = csv + ".truth.json";
  std::string gen = "python3 '" + std::string(SLUICE_SOURCE_DIR) +
                    "/tools/orders_gen.py' --rows 300 --seed 11 --format csv --defect-rate 0.05 --out '" +
                    csv + "' --truth '" + truth_path + "'";
  ASSERT_EQ(std::system(gen.c_str()), 0) << gen;
  std::ifstream in(truth_path);
  auto truth = sluice::common::ParseJson(std::string((std::istreambuf_iterator<char>(in)), {}), truth_path);
  ASSERT_TRUE(truth.ok()) << truth.status();
  int64_t valid = truth->at("distinct_valid_orders").as_int64();
  int64_t duplicates = truth->at("defects").at("duplicate").as_int64();
  int64_t quarantined = truth->at("rows").as_int64() - valid - duplicates;
  // "726869.34" → 72686934
  std::string amount(truth->at("expected_amount_total").as_string());
  amount.erase(amount.find('.'), 1);
  std::string cents = std::to_string(std::stoll(amount));

  RunResult create = Run({"dynamodb", "create-table", "OrderFiles", "--key", "file:S"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_EQ(create.out,
            R"({"TableDescription":{"TableName":"OrderFiles","KeySchema":[{"AttributeName":"file","KeyType":"HASH","AttributeType":"S"}],"TableStatus":"ACTIVE"}})"
            "\n");

  std::string glue = R"({"JobRunState":"SUCCEEDED","written":)" + std::to_string(valid) +
                     R"(,"quarantined":)" + std::to_string(quarantined) + R"(,"duplicates":)" +
                     std::to_string(duplicates) + R"(,"table":"silver.orders"})";
  RunResult first = RunPipeline(csv);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, R"({"status":"SUCCEEDED","output":{"source":")" + csv + R"(","glue":)" + glue +
                           R"(,"statement":{"orders":)" + std::to_string(valid) + R"(,"cents":)" + cents +
                           R"(,"columns":["orders","cents"]}}})" "\n");

  RunResult scan = Run({"dynamodb", "scan", "OrderFiles"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_EQ(scan.out, R"({"Items":[{"file":{"S":")" + csv + R"("},"orders":{"N":")" + std::to_string(valid) +
                          R"("},"cents":{"N":")" + cents + R"("}}],"Count":1,"ScannedCount":1})" "\n");

  // The same file again: the job's bookmark skips the read (same report, reloaded
  // idempotently), and the conditional put fails into its Catch.
  RunResult second = RunPipeline(csv);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, R"({"status":"SUCCEEDED","output":{"source":")" + csv + R"(","glue":)" + glue +
                            R"(,"duplicate":"DynamoDB.ConditionalCheckFailedException"}})" "\n");
  RunResult count = Run({"query", "SELECT count(*) AS n FROM silver.orders", "--format", "csv"});
  EXPECT_EQ(count.out, "n\r\n" + std::to_string(valid) + "\r\n") << count.err;  // RFC 4180

  // A file that does not exist: the run FAILS, is retried once, then caught.
  RunResult missing = RunPipeline(dir_ + "/missing.csv", /*history=*/true);
  EXPECT_EQ(missing.exit_code, 1);
  auto out = sluice::common::ParseJson(missing.out, "stdout");
  ASSERT_TRUE(out.ok()) << missing.out << missing.err;
  EXPECT_EQ(out->at("status").as_string(), "FAILED");
  EXPECT_EQ(out->at("error").as_string(), "States.TaskFailed");
  EXPECT_EQ(out->at("cause").as_string(), "the orders job failed");
  int task_failures = 0;
  std::string failure_cause;
  for (const auto& e : out->at("history").as_array()) {
    if (e.at("type").as_string() == "TaskFailed") {
      ++task_failures;
      failure_cause = std::string(e.at("taskFailedEventDetails").at("cause").as_string());
    }
  }
  EXPECT_EQ(task_failures, 2);
  auto job_run = sluice::common::ParseJson(failure_cause, "cause");
  ASSERT_TRUE(job_run.ok()) << failure_cause;
  EXPECT_EQ(job_run->at("JobRunState").as_string(), "FAILED");
  EXPECT_EQ(job_run->at("ErrorMessage").as_string().subview().rfind("reading --source " + dir_ + "/missing.csv: ", 0), 0u)
      << job_run->at("ErrorMessage");
}

TEST_F(TasksCliTest, PlainRunsOpenNoEngineHome) {
  std::ofstream(dir_ + "/pass.asl.json") << R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})";
  RunResult r = Run({"states", "run", dir_ + "/pass.asl.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/home"));
}

}  // namespace
