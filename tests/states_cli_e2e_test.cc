// `sluice states validate|run` as users meet them: one JSON object on stdout, exit codes
// 0 (SUCCEEDED / valid), 1 (any other outcome), 2 (invalid definition or usage).

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "process_util.h"
#include "sluice/common/json.h"

namespace {

namespace fs = std::filesystem;
using sluice::testing::RunResult;

class StatesCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sluice-states-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  RunResult Run(std::vector<std::string> args, const std::string& stdin_data = "") {
    return sluice::testing::Sluice(dir_ + "/home", std::move(args), stdin_data);
  }
  std::string dir_;
};

TEST_F(StatesCliTest, RunPrintsOneJsonObjectAndExitsZeroOnSuccess) {
  std::string def = Write("sm.asl.json", R"j({"StartAt":"Greet","States":{
    "Greet":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('Hello, {}!', $.name)","id.$":"$$.Execution.Id"},"End":true}}})j");
  RunResult r = Run({"states", "run", def, "--input", "-", "--execution-name", "e1", "--state-machine-name", "hello",
                     "--region", "eu-west-1", "--account", "111122223333"},
                    R"({"name":"sluice"})");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            R"({"status":"SUCCEEDED","output":{"greeting":"Hello, sluice!","id":"arn:aws:states:eu-west-1:111122223333:execution:hello:e1"}})"
            "\n");
}

TEST_F(StatesCliTest, FailedExecutionsExitOneWithErrorAndCause) {
  std::string def = Write("sm.asl.json", R"({"StartAt":"No","States":{"No":{"Type":"Fail","Error":"Rejected","Cause":"order 7"}}})");
  RunResult r = Run({"states", "run", def});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, R"({"status":"FAILED","error":"Rejected","cause":"order 7"})" "\n");
}

TEST_F(StatesCliTest, InvalidDefinitionsPrintValidationErrorAndExitTwo) {
  std::string def = Write("bad.asl.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}})");
  RunResult r = Run({"states", "run", def});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out.rfind(R"({"status":"VALIDATION_ERROR","error":"InvalidDefinition","cause":")", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("/States/A/Next"), std::string::npos) << r.out;

  RunResult v = Run({"states", "validate", def});
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_EQ(v.err.rfind(def + ": /States/A/Next: ", 0), 0u) << v.err;
  std::string good = Write("good.asl.json", R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})");
  RunResult ok = Run({"states", "validate", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, good + ": valid\n");
}

TEST_F(StatesCliTest, MocksAnswerTaskStatesPerAttempt) {
  std::string def = Write("sm.asl.json", R"({"StartAt":"Charge","States":{
    "Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge"},
              "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":1}],
              "OutputPath":"$.Payload","End":true}}})");
  std::string mocks = Write("mocks.json", R"({"StateMachines":{"pay":{"TestCases":{"HappyAfterThrottle":{"Charge":"Throttled"}}}},
    "MockedResponses":{"Throttled":{"0":{"Throw":{"Error":"Lambda.TooManyRequestsException","Cause":"slow down"}},
                                     "1":{"Return":{"StatusCode":200,"Payload":{"charged":true}}}}}})");
  RunResult r = Run({"states", "run", def, "--mocks", mocks, "--test-case", "HappyAfterThrottle",
                     "--state-machine-name", "pay", "--wait-time-scale", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"status":"SUCCEEDED","output":{"charged":true}})" "\n");
  RunResult missing = Run({"states", "run", def, "--mocks", mocks, "--test-case", "Nope", "--state-machine-name", "pay"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "sluice states run: NotFound: mock config has no test case 'Nope' for state machine 'pay'\n");
}

TEST_F(StatesCliTest, FunctionsRunAsLocalCommands) {
  std::string def = Write("sm.asl.json", R"({"StartAt":"Sum","States":{
    "Sum":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:sum","End":true}}})");
  RunResult r = Run({"states", "run", def, "--input", Write("in.json", "[1,2,3]"), "--function",
                     "sum=python3 -c 'import json,sys; print(sum(json.load(sys.stdin)))'"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"status":"SUCCEEDED","output":6})" "\n");
}

TEST_F(StatesCliTest, ThePayloadQuotaIsAwsByDefaultAndConfigurable) {
  std::string def = Write("sm.asl.json", R"({"StartAt":"Big","States":{"Big":{"Type":"Pass","End":true}}})");
  std::string input = Write("in.json", "\"" + std::string(300 * 1024, 'x') + "\"");
  RunResult r = Run({"states", "run", def, "--input", input});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(R"("error":"States.DataLimitExceeded")"), std::string::npos) << r.out.substr(0, 200);
  RunResult unlimited = Run({"states", "run", def, "--input", input, "--max-payload-bytes", "0"});
  EXPECT_EQ(unlimited.exit_code, 0) << unlimited.out.substr(0, 200);
}

TEST_F(StatesCliTest, MapWithAnItemReaderFailsClearlyInsteadOfIteratingTheInput) {
  std::string def = Write("sm.asl.json", R"({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"b","Key":"k"}},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})");
  RunResult r = Run({"states", "run", def, "--input", Write("in.json", "[1,2]")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, R"({"status":"FAILED","error":"States.Runtime","cause":"Map state 'M': ItemReader is not supported by sluice yet"})" "\n");
}

TEST_F(StatesCliTest, TheOrdersExampleSummarisesTheFileItsEventNames) {
  // What `make demo` shows: upload, take the S3 event record, run the example machine on it.
  ASSERT_EQ(Run({"s3", "mb", "s3://landing"}).exit_code, 0);
  std::string orders = std::string(SLUICE_SOURCE_DIR) + "/examples/orders/data/orders.csv";
  ASSERT_EQ(Run({"s3", "cp", orders, "s3://landing/orders/2026-11-27/orders.csv"}).exit_code, 0);
  RunResult events = Run({"events"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  auto line = sluice::common::ParseJson(events.out, "events");
  ASSERT_TRUE(line.ok()) << events.out;
  boost::json::object event{{"Records", boost::json::array{line->at("record")}}};
  std::string input = Write("event.json", sluice::common::SerializeJson(event));
  setenv("SLUICE_BIN", SLUICE_BINARY, 1);
  RunResult r = Run({"states", "run", std::string(SLUICE_SOURCE_DIR) + "/examples/orders/statemachines/orders.asl.json",
                     "--input", input, "--execution-name", "demo", "--function",
                     "summarize=python3 " + std::string(SLUICE_SOURCE_DIR) + "/examples/orders/functions/summarize.py"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"status":"SUCCEEDED","output":{"bucket":"landing","key":"orders/2026-11-27/orders.csv","size":652,)"
                   R"("execution":"demo","summary":{"rows":12,"invalid":1,"amount":1819.99}}})" "\n");
}

TEST_F(StatesCliTest, HistoryIsIncludedOnRequest) {
  std::string def = Write("sm.asl.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})");
  RunResult r = Run({"states", "run", def, "--history"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("history":[{"timestamp":")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("type":"ExecutionSucceeded")"), std::string::npos) << r.out;
}

}  // namespace
