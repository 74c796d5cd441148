#pragma once

// The States Language interpreter: runs one execution of a parsed StateMachine to its end
// (express semantics: in memory, optionally recording AWS-shaped history events). Every
// state type; input/output processing InputPath → Parameters → result → ResultSelector →
// ResultPath → OutputPath; Assign; Retry (backoff, MaxDelaySeconds, FULL jitter) and Catch;
// Parallel branches and Map iterations (inline and distributed processors run locally,
// ItemBatcher, tolerated failures); Task resources through a TaskRegistry or mocked
// responses; the payload size limit (States.DataLimitExceeded); the execution's
// TimeoutSeconds.
//
// Time: Wait states, retry intervals and timeouts run on the execution's virtual clock. With
// `wait_time_scale` s, a virtual wait of d seconds sleeps d·s real seconds and advances the
// virtual clock by d (so `$$.State.EnteredTime` and timeouts behave as on AWS whatever s is;
// s = 0 makes waits instant — Step Functions Local's WAIT_TIME_SCALE).
//
// RunExecution is thread-safe for distinct executions; one execution runs on the calling
// thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/asl/definition.h"
#include "sluice/asl/intrinsics.h"
#include "sluice/asl/mock_config.h"
#include "sluice/asl/task_handler.h"
#include "sluice/common/json.h"
#include "sluice/common/time.h"

namespace sluice::asl {

enum class ExecutionStatus { kSucceeded, kFailed, kTimedOut, kAborted };
// "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED".
std::string_view ExecutionStatusName(ExecutionStatus status);

// One history event as GetExecutionHistory returns it.
struct HistoryEvent {
  int64_t id = 0;
  int64_t previous_event_id = 0;
  common::Timestamp timestamp;
  std::string type;          // "TaskStateEntered", "ExecutionSucceeded", …
  std::string details_name;  // "stateEnteredEventDetails", … ("" when none)
  boost::json::object details;

  boost::json::object ToJson() const;
};

struct ExecutionOptions {
  std::string state_machine_name = "StateMachine";
  std::string execution_name;  // empty: a random UUID
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::string role_arn;        // empty: arn:aws:iam::<account>:role/sluice-execution
  double wait_time_scale = 1.0;
  // The payload quota: state inputs/outputs and task results larger than this fail with
  // States.DataLimitExceeded, as on AWS. 0 disables the check.
  size_t max_payload_bytes = 256 * 1024;
  TaskRegistry* tasks = nullptr;          // may be null: every unmocked Task then fails
  const MockTestCase* mocks = nullptr;    // mocked states answer before the registry
  RandomSource* random = nullptr;         // null: DefaultRandomSource()
  const common::Clock* clock = nullptr;   // null: the system clock
  bool record_history = false;
  const std::atomic<bool>* stop = nullptr;  // when set to true, the execution is ABORTED
};

struct ExecutionResult {
  ExecutionStatus status = ExecutionStatus::kFailed;
  boost::json::value output;  // SUCCEEDED only
  std::string error;          // FAILED / TIMED_OUT / ABORTED
  std::string cause;
  bool has_error = false;
  bool has_cause = false;
  std::string execution_arn;
  std::vector<HistoryEvent> history;  // when record_history
  int64_t state_transitions = 0;

  // `{"status":"SUCCEEDED","output":…}` or `{"status":"FAILED","error":…,"cause":…}`.
  boost::json::object ToJson() const;
};

ExecutionResult RunExecution(const StateMachine& machine, const boost::json::value& input,
                             const ExecutionOptions& options);

}  // namespace sluice::asl
