#include "sluice/asl/interpreter.h"

#include <gtest/gtest.h>

#include "sluice/asl/errors.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace sluice::asl {
namespace {

namespace json = boost::json;

constexpr int64_t kT0 = 1795780800000000;  // 2026-11-27T12:00:00.000Z

class InterpreterTest : public ::testing::Test {
 protected:
  InterpreterTest() : clock_(common::Timestamp{kT0}) {
    options_.state_machine_name = "orders";
    options_.execution_name = "exec-1";
    options_.clock = &clock_;
    options_.wait_time_scale = 0;
  }

  ExecutionResult Run(std::string_view definition, std::string_view input = "{}") {
    auto machine = ParseDefinition(definition);
    EXPECT_TRUE(machine.ok()) << machine.status();
    if (!machine.ok()) return {};
    return RunExecution(**machine, *common::ParseJson(input, "input"), options_);
  }
  static std::string Json(const json::value& v) { return common::SerializeJson(v); }
  static std::string Outcome(const ExecutionResult& r) { return Json(r.ToJson()); }

  MockTestCase Mocks(std::string_view config) {
    auto parsed = MockConfig::Parse(config, "mocks.json");
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    auto tc = parsed->TestCase("orders", "default");
    EXPECT_TRUE(tc.ok()) << tc.status();
    return *tc;
  }

  common::ManualClock clock_;
  ExecutionOptions options_;
};

TEST_F(InterpreterTest, WaitAdvancesTheVirtualClockEvenWhenScaledToZero) {
  auto r = Run(R"({"StartAt":"W","States":{
    "W":{"Type":"Wait","Seconds":10,"Next":"P"},
    "P":{"Type":"Pass","Parameters":{"entered.$":"$$.State.EnteredTime","started.$":"$$.Execution.StartTime"},"End":true}}})");
  EXPECT_EQ(Outcome(r),
            R"({"status":"SUCCEEDED","output":{"entered":"2026-11-27T12:00:10.000Z","started":"2026-11-27T12:00:00.000Z"}})");
}

TEST_F(InterpreterTest, ExecutionTimeoutEndsAWaitWithTimedOut) {
  auto r = Run(R"({"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})");
  EXPECT_EQ(r.status, ExecutionStatus::kTimedOut);
  EXPECT_EQ(r.error, "States.Timeout");
}

TEST_F(InterpreterTest, RetriesBackOffExponentiallyAndRecordEachAttempt) {
  MockTestCase mocks = Mocks(R"({"StateMachines":{"orders":{"TestCases":{"default":{"Call":"Flaky"}}}},
    "MockedResponses":{"Flaky":{"0-1":{"Throw":{"Error":"Busy","Cause":"try later"}},"2":{"Return":{"ok":true}}}}})");
  options_.mocks = &mocks;
  options_.record_history = true;
  auto r = Run(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":2,"BackoffRate":3}],"ResultPath":"$.r","Next":"After"},
    "After":{"Type":"Pass","Parameters":{"at.$":"$$.State.EnteredTime","r.$":"$.r"},"End":true}}})");
  // Waits of 2 s and 2·3 = 6 s.
  EXPECT_EQ(Outcome(r), R"({"status":"SUCCEEDED","output":{"at":"2026-11-27T12:00:08.000Z","r":{"ok":true}}})");
  int scheduled = 0, failed = 0;
  for (const HistoryEvent& e : r.history) {
    scheduled += e.type == "TaskScheduled";
    failed += e.type == "TaskFailed";
  }
  EXPECT_EQ(scheduled, 3);
  EXPECT_EQ(failed, 2);
}

TEST_F(InterpreterTest, MaxDelaySecondsCapsTheBackoff) {
  MockTestCase mocks = Mocks(R"({"StateMachines":{"orders":{"TestCases":{"default":{"Call":"Flaky"}}}},
    "MockedResponses":{"Flaky":{"0-3":{"Throw":{"Error":"Busy","Cause":"c"}},"4":{"Return":1}}}})");
  options_.mocks = &mocks;
  auto r = Run(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"BackoffRate":10,"MaxAttempts":4,"MaxDelaySeconds":5}],"ResultPath":null,"Next":"After"},
    "After":{"Type":"Pass","Parameters":{"at.$":"$$.State.EnteredTime"},"End":true}}})");
  // 1 + 5 + 5 + 5 seconds.
  EXPECT_EQ(Outcome(r), R"({"status":"SUCCEEDED","output":{"at":"2026-11-27T12:00:16.000Z"}})");
}

TEST_F(InterpreterTest, CatchPutsTheErrorOutputAtResultPathAfterRetriesAreExhausted) {
  MockTestCase mocks = Mocks(R"({"StateMachines":{"orders":{"TestCases":{"default":{"Call":"Down"}}}},
    "MockedResponses":{"Down":{"0":{"Throw":{"Error":"Lambda.ServiceException","Cause":"down"}}}}})");
  options_.mocks = &mocks;
  auto r = Run(R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["Lambda.ServiceException"],"MaxAttempts":2}],
            "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Handled"}],"End":true},
    "Handled":{"Type":"Pass","End":true}}})", R"({"order":7})");
  EXPECT_EQ(Outcome(r),
            R"({"status":"SUCCEEDED","output":{"order":7,"error":{"Error":"Lambda.ServiceException","Cause":"down"}}})");
}

TEST_F(InterpreterTest, StatesRuntimeIsNeverCaughtByStatesAll) {
  auto r = Run(R"({"StartAt":"P","States":{
    "P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","InputPath":"$.missing","End":true}}}],
         "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
    "Caught":{"Type":"Succeed"}}})");
  EXPECT_EQ(r.status, ExecutionStatus::kFailed);
  EXPECT_EQ(r.error, "States.Runtime");
}

TEST_F(InterpreterTest, OutputsOverThePayloadLimitFailWithDataLimitExceeded) {
  options_.max_payload_bytes = 64;
  auto r = Run(R"({"StartAt":"Big","States":{"Big":{"Type":"Pass","Result":{"text":"0123456789012345678901234567890123456789012345678901234567890123"},"End":true}}})");
  EXPECT_EQ(r.status, ExecutionStatus::kFailed);
  EXPECT_EQ(r.error, "States.DataLimitExceeded");
}

// A wall clock that steps back 1 ms at every reading (as after an NTP correction).
class SteppingBackClock final : public common::Clock {
 public:
  common::Timestamp Now() const override { return common::Timestamp{kT0 - 1000 * readings_++}; }

 private:
  mutable std::atomic<int64_t> readings_{0};
};

// Regression: concurrent branches (or a stepped clock) recorded events whose timestamps went
// back by a millisecond.
TEST_F(InterpreterTest, HistoryTimestampsNeverGoBackWhenTheClockDoes) {
  SteppingBackClock clock;
  options_.clock = &clock;
  options_.record_history = true;
  auto r = Run(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Next":"B"},
    "B":{"Type":"Parallel","Branches":[
      {"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"},"Y":{"Type":"Pass","End":true}}},
      {"StartAt":"Z","States":{"Z":{"Type":"Pass","End":true}}}],"Next":"C"},
    "C":{"Type":"Pass","End":true}}})");
  ASSERT_EQ(r.status, ExecutionStatus::kSucceeded);
  ASSERT_GT(r.history.size(), 10u);
  for (size_t i = 1; i < r.history.size(); ++i) {
    EXPECT_GE(r.history[i].timestamp.micros, r.history[i - 1].timestamp.micros)
        << "event " << r.history[i].id << " (" << r.history[i].type << ")";
  }
}

TEST_F(InterpreterTest, HistoryUsesAwsEventTypesInOrder) {
  MockTestCase mocks = Mocks(R"({"StateMachines":{"orders":{"TestCases":{"default":{"Call":"Ok"}}}},
    "MockedResponses":{"Ok":{"0":{"Return":{"done":true}}}}})");
  options_.mocks = &mocks;
  options_.record_history = true;
  auto r = Run(R"({"StartAt":"Start","States":{
    "Start":{"Type":"Pass","Next":"Call"},
    "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"Done"},
    "Done":{"Type":"Succeed"}}})");
  std::vector<std::string> types;
  for (const HistoryEvent& e : r.history) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited",
                                             "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                                             "TaskStateExited", "SucceedStateEntered", "SucceedStateExited",
                                             "ExecutionSucceeded"}));
  EXPECT_EQ(r.history[4].details.at("resourceType").as_string(), "lambda");
  EXPECT_EQ(r.history[4].details.at("resource").as_string(), "invoke");
  EXPECT_EQ(r.history[3].previous_event_id, 3);
  EXPECT_EQ(Json(r.history[1].ToJson()),
            R"({"timestamp":"2026-11-27T12:00:00.000Z","type":"PassStateEntered","id":2,"previousEventId":1,)"
            R"("stateEnteredEventDetails":{"name":"Start","input":"{}","inputDetails":{"truncated":false}}})");
}

TEST_F(InterpreterTest, BranchesAndIterationsReadOuterVariables) {
  auto r = Run(R"({"StartAt":"Set","States":{
    "Set":{"Type":"Pass","Assign":{"rate":3},"Next":"M"},
    "M":{"Type":"Map","ItemsPath":"$.n","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
         "ItemProcessor":{"StartAt":"Mul","States":{"Mul":{"Type":"Pass","Parameters":{"v.$":"$.v","i.$":"$.i","rate.$":"$rate"},"End":true}}},"End":true}}})",
               R"({"n":[10,20]})");
  EXPECT_EQ(Outcome(r),
            R"({"status":"SUCCEEDED","output":[{"v":10,"i":0,"rate":3},{"v":20,"i":1,"rate":3}]})");
}

TEST_F(InterpreterTest, ToleratedFailureCountLetsAMapSucceedUntilExceeded) {
  MockTestCase mocks = Mocks(R"({"StateMachines":{"orders":{"TestCases":{"default":{"Work":"Bad"}}}},
    "MockedResponses":{"Bad":{"0":{"Throw":{"Error":"Boom","Cause":"x"}}}}})");
  options_.mocks = &mocks;
  std::string def = R"({"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":TOL,
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},"End":true}}})";
  std::string tolerant = def, strict = def;
  tolerant.replace(tolerant.find("TOL"), 3, "2");
  strict.replace(strict.find("TOL"), 3, "1");
  EXPECT_EQ(Run(tolerant, "[1,2]").status, ExecutionStatus::kSucceeded);
  auto r = Run(strict, "[1,2]");
  EXPECT_EQ(r.status, ExecutionStatus::kFailed);
  EXPECT_EQ(r.error, "States.ExceedToleratedFailureThreshold");
}

// A task that takes 100 ms and records how many run at once.
class SlowTask final : public TaskHandler {
 public:
  Result<json::value> Invoke(const TaskInvocation& inv) override {
    int now = ++running;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    --running;
    if (inv.parameters->is_int64() && inv.parameters->get_int64() == fail_on) return StatesError("Boom", "item");
    return *inv.parameters;
  }
  std::atomic<int> running{0}, peak{0};
  int64_t fail_on = -1;
};

TEST_F(InterpreterTest, MapIterationsThatBlockRunConcurrentlyUpToMaxConcurrency) {
  SlowTask task;
  TaskRegistry registry;
  registry.Register("arn:aws:states:::sluice:slow", &task);
  options_.tasks = &registry;
  options_.clock = nullptr;
  auto start = std::chrono::steady_clock::now();
  auto r = Run(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,
    "ItemProcessor":{"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"arn:aws:states:::sluice:slow","End":true}}},"End":true}}})",
               "[1,2,3,4,5,6]");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(Outcome(r), R"({"status":"SUCCEEDED","output":[1,2,3,4,5,6]})");
  EXPECT_EQ(task.peak.load(), 3);
  EXPECT_LT(elapsed, std::chrono::milliseconds(450)) << "6 iterations of 100 ms, 3 at a time";
}

TEST_F(InterpreterTest, AFailedConcurrentIterationFailsTheMapWithItsError) {
  SlowTask task;
  task.fail_on = 4;
  TaskRegistry registry;
  registry.Register("arn:aws:states:::sluice:slow", &task);
  options_.tasks = &registry;
  options_.clock = nullptr;
  auto r = Run(R"({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"arn:aws:states:::sluice:slow","End":true}}},"End":true}}})",
               "[1,2,3,4,5,6,7,8]");
  EXPECT_EQ(Outcome(r), R"({"status":"FAILED","error":"Boom","cause":"item"})");
}

TEST_F(InterpreterTest, ParallelBranchesThatBlockRunConcurrently) {
  SlowTask task;
  TaskRegistry registry;
  registry.Register("arn:aws:states:::sluice:slow", &task);
  options_.tasks = &registry;
  options_.clock = nullptr;
  auto start = std::chrono::steady_clock::now();
  auto r = Run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
    {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sluice:slow","Parameters":1,"End":true}}},
    {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::sluice:slow","Parameters":2,"End":true}}},
    {"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::sluice:slow","Parameters":3,"End":true}}}],"End":true}}})");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(Outcome(r), R"({"status":"SUCCEEDED","output":[1,2,3]})");
  EXPECT_EQ(task.peak.load(), 3);
  EXPECT_LT(elapsed, std::chrono::milliseconds(250));
}

TEST_F(InterpreterTest, AStopRequestAbortsTheExecution) {
  std::atomic<bool> stop{true};
  options_.stop = &stop;
  auto r = Run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  EXPECT_EQ(Outcome(r), R"({"status":"ABORTED"})");
}

TEST_F(InterpreterTest, FailWithoutCauseReportsOnlyTheError) {
  EXPECT_EQ(Outcome(Run(R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Rejected"}}})")),
            R"({"status":"FAILED","error":"Rejected"})");
  EXPECT_EQ(Outcome(Run(R"j({"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('order {}', $.id)"}}})j",
                        R"({"e":"Bad","id":4})")),
            R"({"status":"FAILED","error":"Bad","cause":"order 4"})");
}

}  // namespace
}  // namespace sluice::asl
