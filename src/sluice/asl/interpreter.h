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
#include <optional>
#include <cstdint>
#include <functional>
#include <memory>
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
  // sluice's own: where in the execution tree the event happened ("" for top-level
  // states, "/Fanout#1" for Parallel branch 1, "/Items[7]" for Map iteration 7, nested
  // further). Within one scope events happen in a deterministic order, which is what lets
  // a durable execution resume by replaying its history scope by scope.
  std::string scope;

  boost::json::object ToJson() const;
};

// The outcome of a task token (`.waitForTaskToken`): SendTaskSuccess / SendTaskFailure,
// or nothing yet.
struct TaskTokenOutcome {
  enum class Kind { kPending, kSucceeded, kFailed };
  Kind kind = Kind::kPending;
  boost::json::value output;  // kSucceeded
  std::string error, cause;   // kFailed
  common::Timestamp last_heartbeat;
};

// Where a durable execution's history goes and where its callbacks come from. The
// interpreter appends every new event in order; Sync() must make them durable and is called
// before every externally visible side effect (a Task invocation) and at the end.
// Implementations may batch between syncs. Used from the execution's thread only.
class ExecutionJournal {
 public:
  virtual ~ExecutionJournal() = default;
  virtual Status Append(const HistoryEvent& event) = 0;
  virtual Status Sync() = 0;
  // Polled between states: true once StopExecution was requested.
  virtual bool StopRequested() = 0;
  // Registers a task token the execution is about to hand out.
  virtual Status CreateTaskToken(const std::string& token) = 0;
  // The current outcome of a token.
  virtual Result<TaskTokenOutcome> PollTaskToken(const std::string& token) = 0;
};

// Live activity of executions, for metrics. Called from execution threads, concurrently
// (Map iterations, Parallel branches, several executions); events replayed from an earlier
// run's history are not reported again. Implementations must be thread-safe and cheap.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  // A state was entered (one state transition).
  virtual void StateEntered(std::string_view state_type) = 0;
  // A Task invocation returned after `seconds` (wall time), with or without an error.
  virtual void TaskFinished(std::string_view resource, double seconds, bool succeeded) = 0;
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
  // When set, each scope (the top level, every Map iteration and Parallel branch) draws its
  // random values (MathRandom, UUID, retry jitter) from its own source made by this, so a
  // replayed durable execution sees the same values whatever the threads' interleaving.
  std::function<std::unique_ptr<RandomSource>(std::string_view scope)> random_for_scope;
  const common::Clock* clock = nullptr;   // null: the system clock
  bool record_history = false;
  const std::atomic<bool>* stop = nullptr;  // when set to true, the execution is ABORTED
  // When set to true (an engine shutting down), a durable execution pauses at its next state
  // boundary, Wait or task-token wait: the run ends with engine_status Unavailable and the
  // execution stays RUNNING, to resume from its history. A Task in flight finishes first.
  const std::atomic<bool>* suspend = nullptr;
  ExecutionObserver* observer = nullptr;    // may be null; must outlive the run

  // Durable executions: the journal that persists the history (record_history is implied),
  // and the history of an earlier run of this execution to replay before going live (task
  // results, finished waits and timestamps are taken from it; nothing is invoked twice).
  ExecutionJournal* journal = nullptr;
  const std::vector<HistoryEvent>* replay = nullptr;
  // The execution's start time and input as first recorded (durable resumes); unset:
  // now and the given input.
  std::optional<common::Timestamp> start_time;
  int64_t redrive_count = 0;
  // New events get ids after this one (the highest id already stored, replayed or not).
  int64_t last_event_id = 0;
  // How often a task-token wait polls the journal.
  int64_t token_poll_micros = 50000;
};

struct ExecutionResult {
  ExecutionStatus status = ExecutionStatus::kFailed;
  boost::json::value output;  // SUCCEEDED only
  std::string error;          // FAILED / TIMED_OUT / ABORTED
  std::string cause;
  bool has_error = false;
  bool has_cause = false;
  std::string execution_arn;
  std::vector<HistoryEvent> history;  // events recorded by this run (not replayed ones)
  int64_t state_transitions = 0;
  // Not OK when the run stopped because of an engine failure (the journal could not write):
  // a durable execution is then still RUNNING and must be resumed, not reported.
  Status engine_status;

  // `{"status":"SUCCEEDED","output":…}` or `{"status":"FAILED","error":…,"cause":…}`.
  boost::json::object ToJson() const;
};

ExecutionResult RunExecution(const StateMachine& machine, const boost::json::value& input,
                             const ExecutionOptions& options);

}  // namespace sluice::asl
