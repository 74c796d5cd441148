#include "sluice/asl/execution_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "sluice/asl/errors.h"
#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::asl {
namespace {

namespace json = boost::json;

// A task that counts invocations per input and fails the first `failing_attempts[input]`
// attempts (by attempt number, so a replayed run meets the same failures).
class CountingTask final : public TaskHandler {
 public:
  Result<json::value> Invoke(const TaskInvocation& inv) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string key = common::SerializeJson(*inv.parameters);
    ++calls[key];
    if (inv.attempt < failing_attempts[key]) return StatesError("Busy", "try again: " + key);
    if (inv.resource == "arn:aws:states:::sluice:token.waitForTaskToken") {
      tokens.push_back(std::string(inv.context->at("Task").at("Token").as_string()));
      return json::value(nullptr);
    }
    return json::value(json::object{{"done", *inv.parameters}});
  }
  std::mutex mu_;
  std::map<std::string, int> calls;
  std::map<std::string, int> failing_attempts;
  std::vector<std::string> tokens;
};

class ExecutionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    catalog_ = *catalog::OpenSqliteCatalog(dir_ + "/catalog.db");
    registry_.Register("arn:aws:states:::sluice:*", &task_);
    ExecutionServiceOptions o;
    o.wait_time_scale = 0;
    o.clock = &clock_;
    service_ = std::make_unique<ExecutionService>(catalog_.get(), &registry_, o);
    nested_ = std::make_unique<NestedExecutions>(service_.get());
    nested_->RegisterWith(registry_);
  }

  std::string Create(const std::string& name, const std::string& definition) {
    auto sm = service_->CreateStateMachine(name, definition, "", false);
    EXPECT_TRUE(sm.ok()) << sm.status();
    return sm.ok() ? sm->arn : "";
  }
  // Each scope's event types in order (scopes run concurrently, so only the order within
  // a scope is defined), with the extra TaskStarted of a restarted attempt removed when
  // `collapse_restarts`.
  std::map<std::string, std::vector<std::string>> TypesByScope(const std::string& arn, bool collapse_restarts) {
    std::map<std::string, std::vector<std::string>> out;
    auto history = service_->GetExecutionHistory(arn);
    EXPECT_TRUE(history.ok()) << history.status();
    for (const HistoryEvent& e : *history) {
      auto& v = out[e.scope];
      if (collapse_restarts && e.type == "TaskStarted" && !v.empty() && v.back() == "TaskStarted") continue;
      v.push_back(e.type);
    }
    return out;
  }
  std::vector<std::string> Types(const std::string& arn) {
    std::vector<std::string> out;
    auto history = service_->GetExecutionHistory(arn);
    EXPECT_TRUE(history.ok()) << history.status();
    for (const HistoryEvent& e : *history) out.push_back(e.type);
    return out;
  }
  // Simulates a crash: drops the history after event `keep` and marks the execution
  // RUNNING again with a dead runner.
  void CrashAfter(const std::string& arn, int64_t keep) {
    auto tx = *catalog_->Begin(catalog::TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("DELETE FROM execution_history WHERE execution_arn = $1 AND id > $2", {arn, keep}).ok());
    ASSERT_TRUE(tx->Execute("UPDATE executions SET status = 'RUNNING', output = NULL, stop_micros = NULL, "
                            "lease_owner = NULL WHERE arn = $1",
                            {arn})
                    .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }

  common::TestTempDir tmp_;
  std::string dir_;
  common::ManualClock clock_{common::Timestamp{1795780800000000}};
  std::unique_ptr<catalog::Catalog> catalog_;
  TaskRegistry registry_;
  CountingTask task_;
  std::unique_ptr<ExecutionService> service_;
  std::unique_ptr<NestedExecutions> nested_;
};

constexpr const char* kPipeline = R"({"StartAt":"Each","States":{
  "Each":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Work","States":{
    "Work":{"Type":"Task","Resource":"arn:aws:states:::sluice:work","Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":5}],"End":true}}},
    "Next":"Pause"},
  "Pause":{"Type":"Wait","Seconds":60,"Next":"Done"},
  "Done":{"Type":"Succeed"}}})";

TEST_F(ExecutionServiceTest, CreateIsIdempotentForTheSameDefinitionOnly) {
  std::string arn = Create("orders", kPipeline);
  EXPECT_EQ(arn, "arn:aws:states:us-east-1:123456789012:stateMachine:orders");
  EXPECT_EQ(Create("orders", kPipeline), arn);
  auto other = service_->CreateStateMachine("orders", R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})", "", false);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().name(), "StateMachineAlreadyExists");
  auto bad = service_->CreateStateMachine("bad", R"({"StartAt":"A","States":{}})", "", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().name(), "InvalidDefinition");
  EXPECT_EQ(service_->CreateStateMachine("has space", kPipeline, "", false).status().name(), "InvalidName");
}

TEST_F(ExecutionServiceTest, ExecutionNamesAreUniquePerStateMachine) {
  std::string sm = Create("orders", kPipeline);
  auto first = service_->StartExecution(sm, "e1", R"({"items":[]})");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = service_->StartExecution(sm, "e1", R"({ "items": [] })");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->arn, first->arn);
  auto different = service_->StartExecution(sm, "e1", R"({"items":[1]})");
  ASSERT_FALSE(different.ok());
  EXPECT_EQ(different.status().name(), "ExecutionAlreadyExists");
  EXPECT_EQ(service_->StartExecution(sm, "e2", "{not json").status().name(), "InvalidExecutionInput");
  EXPECT_EQ(service_->StartExecution("nope", "e3", "{}").status().name(), "StateMachineDoesNotExist");
}

TEST_F(ExecutionServiceTest, ARunRecordsTheHistoryAndTheOutcome) {
  std::string sm = Create("orders", kPipeline);
  auto e = service_->StartExecution(sm, "e1", R"({"items":[1,2]})");
  auto done = service_->Run(e->arn);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status, "SUCCEEDED");
  EXPECT_EQ(*done->output, R"([{"done":1},{"done":2}])");
  auto history = *service_->GetExecutionHistory(e->arn);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.front().type, "ExecutionStarted");
  EXPECT_EQ(history.back().type, "ExecutionSucceeded");
  for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ(history[i].id, static_cast<int64_t>(i + 1));
  // The Wait of 60 s advanced the execution's clock by exactly 60 s.
  int64_t entered = 0, exited = 0;
  for (const HistoryEvent& h : history) {
    if (h.type == "WaitStateEntered") entered = h.timestamp.micros;
    if (h.type == "WaitStateExited") exited = h.timestamp.micros;
  }
  EXPECT_EQ(exited - entered, 60000000);
}

TEST_F(ExecutionServiceTest, AResumedExecutionReplaysItsHistoryAndInvokesNothingTwice) {
  std::string sm = Create("orders", kPipeline);
  task_.failing_attempts["2"] = 1;
  auto reference_exec = service_->StartExecution(sm, "reference", R"({"items":[1,2,3]})");
  auto reference = service_->Run(reference_exec->arn);
  ASSERT_TRUE(reference.ok());
  std::vector<std::string> reference_types = Types(reference_exec->arn);
  auto reference_history = *service_->GetExecutionHistory(reference_exec->arn);
  ASSERT_EQ(task_.calls["1"], 1);
  ASSERT_EQ(task_.calls["2"], 2);

  // Crash at every point of the history in turn: the resumed run must end the same way,
  // invoke only the attempts whose outcome was not recorded, and record each new start of
  // an attempt that was in flight.
  for (int64_t keep = 1; keep < static_cast<int64_t>(reference_types.size()); ++keep) {
    auto e = service_->StartExecution(sm, "crash-" + std::to_string(keep), R"({"items":[1,2,3]})");
    ASSERT_TRUE(service_->Run(e->arn).ok());
    // What the crash cuts off depends on this run's own interleaving of scopes.
    auto before = *service_->GetExecutionHistory(e->arn);
    std::map<std::string, std::string> last_in_scope;
    int outcomes_lost = 0;
    for (const HistoryEvent& h : before) {
      if (h.id <= keep) last_in_scope[h.scope] = h.type;
      if (h.id > keep) outcomes_lost += h.type == "TaskSucceeded" || h.type == "TaskFailed";
    }
    size_t in_flight = 0;
    for (const auto& [scope, type] : last_in_scope) in_flight += type == "TaskStarted";
    task_.calls.clear();
    CrashAfter(e->arn, keep);
    auto resumed = service_->Run(e->arn);
    ASSERT_TRUE(resumed.ok()) << resumed.status();
    EXPECT_EQ(resumed->status, "SUCCEEDED") << "crash after event " << keep;
    EXPECT_EQ(*resumed->output, *reference->output);
    EXPECT_EQ(TypesByScope(e->arn, true), TypesByScope(reference_exec->arn, false)) << "crash after event " << keep;
    // An attempt in flight at the crash started again and recorded that start.
    size_t started = 0, reference_started = 0;
    for (const std::string& t : Types(e->arn)) started += t == "TaskStarted";
    for (const std::string& t : reference_types) reference_started += t == "TaskStarted";
    EXPECT_EQ(started, reference_started + in_flight) << "crash after event " << keep;
    // Timestamps of replayed and new events equal the uninterrupted run's (virtual time).
    auto history = *service_->GetExecutionHistory(e->arn);
    EXPECT_EQ(history.back().timestamp.micros - history.front().timestamp.micros,
              reference_history.back().timestamp.micros - reference_history.front().timestamp.micros);
    int invoked = 0;
    for (auto& [k, n] : task_.calls) invoked += n;
    EXPECT_EQ(invoked, outcomes_lost) << "crash after event " << keep;
  }
}

// Counts what an observer is told, by state type and by task outcome.
class RecordingObserver final : public ExecutionObserver {
 public:
  void StateEntered(std::string_view type) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++states[std::string(type)];
  }
  void TaskFinished(std::string_view resource, double seconds, bool succeeded) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++tasks[std::string(resource) + (succeeded ? " ok" : " failed")];
    EXPECT_GE(seconds, 0);
  }
  std::mutex mu_;
  std::map<std::string, int> states, tasks;
};

TEST_F(ExecutionServiceTest, TheObserverHearsOfLiveStatesAndTasksButNotOfReplayedOnes) {
  RecordingObserver observer;
  ExecutionServiceOptions o;
  o.wait_time_scale = 0;
  o.clock = &clock_;
  o.observer = &observer;
  ExecutionService service(catalog_.get(), &registry_, o);
  auto sm = service.CreateStateMachine("observed", kPipeline, "", false);
  ASSERT_TRUE(sm.ok()) << sm.status();
  task_.failing_attempts["2"] = 1;
  auto e = service.StartExecution(sm->arn, "observed", R"({"items":[1,2,3]})");
  ASSERT_TRUE(service.Run(e->arn).ok());
  EXPECT_EQ(observer.states, (std::map<std::string, int>{{"Map", 1}, {"Task", 3}, {"Wait", 1}, {"Succeed", 1}}));
  EXPECT_EQ(observer.tasks, (std::map<std::string, int>{{"arn:aws:states:::sluice:work ok", 3},
                                                        {"arn:aws:states:::sluice:work failed", 1}}));
  // Resumed after the Wait was entered: only what runs again live is reported.
  int64_t wait_entered = 0;
  auto history = service.GetExecutionHistory(e->arn);
  ASSERT_TRUE(history.ok());
  for (const HistoryEvent& h : *history) {
    if (h.type == "WaitStateEntered") wait_entered = h.id;
  }
  ASSERT_GT(wait_entered, 0);
  CrashAfter(e->arn, wait_entered);
  observer.states.clear();
  observer.tasks.clear();
  ASSERT_TRUE(service.Run(e->arn).ok());
  EXPECT_EQ(observer.states, (std::map<std::string, int>{{"Succeed", 1}}));
  EXPECT_TRUE(observer.tasks.empty());
}

// An engine shutting down suspends its executions: one in a long Wait returns at once and
// stays RUNNING, and the next run finishes the same wait (entered once) instead of starting
// it again.
TEST_F(ExecutionServiceTest, ASuspendedExecutionPausesInItsWaitAndResumesFromItsHistory) {
  ExecutionServiceOptions o;
  o.clock = &clock_;  // wait_time_scale 1: the Wait sleeps in real time
  ExecutionService service(catalog_.get(), &registry_, o);
  auto sm = service.CreateStateMachine(
      "pausing", R"({"StartAt":"Pause","States":{"Pause":{"Type":"Wait","Seconds":3600,"Next":"Done"},)"
                 R"("Done":{"Type":"Succeed"}}})",
      "", false);
  ASSERT_TRUE(sm.ok()) << sm.status();
  auto e = service.StartExecution(sm->arn, "paused", "{}");
  ASSERT_TRUE(e.ok());
  std::thread suspender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    service.SetSuspended(true);
  });
  auto began = std::chrono::steady_clock::now();
  auto run = service.Run(e->arn);
  suspender.join();
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kUnavailable) << run.status();
  EXPECT_EQ(service.DescribeExecution(e->arn)->status, "RUNNING");
  // While suspended nothing starts.
  EXPECT_EQ(*service.RunPending(), 0);

  service.SetSuspended(false);
  clock_.AdvanceMicros(3600LL * 1000000);
  auto resumed = service.Run(e->arn);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->status, "SUCCEEDED");
  std::vector<std::string> types;
  auto history = service.GetExecutionHistory(e->arn);
  ASSERT_TRUE(history.ok());
  for (const HistoryEvent& h : *history) types.push_back(h.type);
  EXPECT_EQ(types, (std::vector<std::string>{"ExecutionStarted", "WaitStateEntered", "WaitStateExited",
                                             "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}));
}

// A task that takes a while, counting its invocations.
class SlowTask final : public TaskHandler {
 public:
  Result<json::value> Invoke(const TaskInvocation&) override {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return json::value(json::object{{"done", true}});
  }
  std::atomic<int> calls{0};
};

// Two executor threads of one process that both find an execution RUNNING must not both run
// it: the history stays one sequence and the task runs once. (Both used to run it — the
// lease is per process — and the second one's history writes collided.)
TEST_F(ExecutionServiceTest, TwoThreadsOfOneProcessNeverRunTheSameExecution) {
  SlowTask slow;
  registry_.Register("arn:aws:states:::sluice:slow", &slow);
  std::string sm = Create("slow", R"({"StartAt":"Work","States":{"Work":{"Type":"Task",)"
                                  R"("Resource":"arn:aws:states:::sluice:slow","End":true}}})");
  auto e = service_->StartExecution(sm, "once", "{}");
  ASSERT_TRUE(e.ok());
  std::vector<Result<ExecutionRecord>> runs(2, Status::Internal("not run"));
  std::thread a([&] { runs[0] = service_->Run(e->arn); });
  std::thread b([&] { runs[1] = service_->Run(e->arn); });
  a.join();
  b.join();
  EXPECT_EQ(slow.calls.load(), 1);
  int succeeded = 0, refused = 0;
  for (const auto& r : runs) {
    if (r.ok()) {
      ++succeeded;
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
      ++refused;
    }
  }
  EXPECT_EQ(succeeded, 1);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(service_->DescribeExecution(e->arn)->status, "SUCCEEDED");
  EXPECT_EQ(Types(e->arn), (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled",
                                                     "TaskStarted", "TaskSucceeded", "TaskStateExited",
                                                     "ExecutionSucceeded"}));
}

TEST_F(ExecutionServiceTest, RedriveRerunsOnlyTheFailedIterations) {
  // One iteration at a time, so which items ran before the failure is known exactly.
  std::string sm = Create("orders", R"({"StartAt":"Each","States":{
    "Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::sluice:work","End":true}}},"End":true}}})");
  task_.failing_attempts["2"] = 1000;  // broken until fixed below
  auto e = service_->StartExecution(sm, "e1", R"({"items":[1,2,3]})");
  auto failed = service_->Run(e->arn);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, "FAILED");
  EXPECT_EQ(*failed->error, "Busy");
  ASSERT_EQ(task_.calls["1"], 1);
  ASSERT_EQ(task_.calls["2"], 1);
  EXPECT_EQ(task_.calls["3"], 0);

  EXPECT_EQ(service_->RedriveExecution(e->arn + "x").status().name(), "ExecutionDoesNotExist");
  auto redriven = service_->RedriveExecution(e->arn);
  ASSERT_TRUE(redriven.ok()) << redriven.status();
  EXPECT_EQ(redriven->redrive_count, 1);
  task_.calls.clear();
  task_.failing_attempts["2"] = 0;
  auto done = service_->Run(e->arn);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status, "SUCCEEDED");
  EXPECT_EQ(*done->output, R"([{"done":1},{"done":2},{"done":3}])");
  EXPECT_EQ(task_.calls["1"], 0) << "a finished iteration ran again";
  EXPECT_EQ(task_.calls["2"], 1);
  EXPECT_EQ(task_.calls["3"], 1);
  EXPECT_EQ(service_->RedriveExecution(e->arn).status().name(), "ExecutionNotRedrivable");
  // The redriven run's events continue the ids after every earlier one, superseded or not.
  auto all = *service_->GetExecutionHistory(e->arn);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].id, static_cast<int64_t>(i + 1));
  auto types = Types(e->arn);
  EXPECT_NE(std::find(types.begin(), types.end(), "ExecutionRedriven"), types.end());
}

TEST_F(ExecutionServiceTest, StoppingAnExecutionNobodyRunsAbortsItAtOnce) {
  std::string sm = Create("orders", kPipeline);
  auto e = service_->StartExecution(sm, "e1", R"({"items":[]})");
  auto stopped = service_->StopExecution(e->arn, "Operator", "no longer needed");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->status, "ABORTED");
  EXPECT_EQ(*stopped->error, "Operator");
  EXPECT_EQ(Types(e->arn).back(), "ExecutionAborted");
  auto run = service_->Run(e->arn);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, "ABORTED");
}

TEST_F(ExecutionServiceTest, TaskTokensCompleteWaitingTasks) {
  std::string sm = Create("approvals", R"({"StartAt":"Ask","States":{
    "Ask":{"Type":"Task","Resource":"arn:aws:states:::sluice:token.waitForTaskToken","Parameters":{"token.$":"$$.Task.Token"},"End":true}}})");
  auto e = service_->StartExecution(sm, "e1", "{}");
  std::thread runner([&] {
    auto done = service_->Run(e->arn);
    ASSERT_TRUE(done.ok()) << done.status();
    EXPECT_EQ(done->status, "SUCCEEDED");
    EXPECT_EQ(*done->output, R"({"approved":true})");
  });
  std::string token;
  for (int i = 0; i < 500 && token.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> lock(task_.mu_);
    if (!task_.tokens.empty()) token = task_.tokens[0];
  }
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(service_->SendTaskSuccess("nope", "{}").name(), "InvalidToken");
  EXPECT_TRUE(service_->SendTaskHeartbeat(token).ok());
  EXPECT_TRUE(service_->SendTaskSuccess(token, R"({"approved":true})").ok());
  runner.join();
  EXPECT_EQ(service_->SendTaskSuccess(token, "{}").name(), "TaskTimedOut");
  auto types = Types(e->arn);
  EXPECT_NE(std::find(types.begin(), types.end(), "TaskSubmitted"), types.end());
}

TEST_F(ExecutionServiceTest, NestedSyncExecutionsReturnTheChildsOutput) {
  Create("child", R"j({"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, $.n)"},"End":true}}})j");
  std::string parent = Create("parent", R"({"StartAt":"Call","States":{
    "Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
            "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"n.$":"$.n"}},
            "OutputPath":"$.Output","End":true}}})");
  auto e = service_->StartExecution(parent, "p1", R"({"n":21})");
  auto done = service_->Run(e->arn);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status, "SUCCEEDED");
  EXPECT_EQ(*done->output, R"({"n":42})");
  EXPECT_EQ(service_->ListExecutions("child", "SUCCEEDED")->size(), 1u);
}

TEST_F(ExecutionServiceTest, PublishedVersionsKeepTheirDefinition) {
  std::string sm = Create("orders", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}})");
  auto v1 = service_->PublishVersion(sm, "first");
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(*v1->version, 1);
  ASSERT_TRUE(service_->UpdateStateMachine(sm, R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":2,"End":true}}})", true).ok());
  auto on_v1 = service_->StartExecution(sm + ":1", "a", "{}");
  auto on_latest = service_->StartExecution(sm, "b", "{}");
  EXPECT_EQ(*service_->Run(on_v1->arn)->output, "1");
  EXPECT_EQ(*service_->Run(on_latest->arn)->output, "2");
  EXPECT_EQ(*service_->DescribeStateMachine(sm + ":2")->version, 2);
}

}  // namespace
}  // namespace sluice::asl
