#pragma once

// Durable (standard) executions over the catalog: Step Functions' control plane for one
// engine home. State machines (with published versions), executions with names unique per
// state machine, event-sourced histories, StopExecution, RedriveExecution, task tokens.
//
// An execution runs in whichever process calls Run()/RunPending(); it holds a lease on the
// execution row meanwhile. Its history is appended to the catalog as it runs (batched,
// synced before every Task invocation and wait), so a process killed at any point leaves a
// history that another process replays to resume the execution exactly where it was: task
// results, finished waits and timestamps come from the history, nothing runs twice except
// a Task attempt that was in flight (and Tasks are idempotent by contract). A lease whose
// owner process is gone is taken over at once; one whose owner is alive elsewhere is left
// alone until it expires.
//
// Errors carry Step Functions' names: StateMachineDoesNotExist, StateMachineAlreadyExists,
// InvalidDefinition, ExecutionDoesNotExist, ExecutionAlreadyExists,
// ExecutionNotRedrivable, InvalidName, InvalidExecutionInput, InvalidToken, TaskTimedOut.
//
// Thread-safety: an ExecutionService may be used from several threads; Run() runs the
// execution on the calling thread. The catalog, the task registry and the clock must
// outlive it.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sluice/asl/definition.h"
#include "sluice/asl/interpreter.h"
#include "sluice/asl/task_handler.h"
#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/time.h"

namespace sluice::asl {

struct ExecutionServiceOptions {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  double wait_time_scale = 1.0;
  size_t max_payload_bytes = 256 * 1024;
  // How long a lease lasts without renewal; a running execution renews it as it goes.
  int64_t lease_seconds = 30;
  const common::Clock* clock = nullptr;  // null: system clock
  // Told of live state transitions and Task invocations (metrics); may be null; must
  // outlive the service.
  ExecutionObserver* observer = nullptr;
};

struct StateMachineRecord {
  std::string arn;
  std::string name;
  std::string definition;
  std::string role_arn;
  std::string type = "STANDARD";
  std::string revision_id;
  common::Timestamp creation_date;
  std::optional<int64_t> version;  // set when this record describes a published version

  // DescribeStateMachine's shape.
  boost::json::object ToJson() const;
};

struct ExecutionRecord {
  std::string arn;
  std::string state_machine_arn;
  std::string name;
  std::string status;  // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
  std::string input;
  std::optional<std::string> output;
  std::optional<std::string> error;
  std::optional<std::string> cause;
  common::Timestamp start_date;
  std::optional<common::Timestamp> stop_date;
  int64_t redrive_count = 0;
  std::optional<common::Timestamp> redrive_date;
  std::optional<int64_t> version;

  // DescribeExecution's shape.
  boost::json::object ToJson() const;
};

class ExecutionService {
 public:
  ExecutionService(catalog::Catalog* catalog, TaskRegistry* tasks, ExecutionServiceOptions options);
  ~ExecutionService();

  // Creates a state machine; the same name and definition again returns the existing one
  // (CreateStateMachine is idempotent), another definition is StateMachineAlreadyExists.
  // With `publish`, version 1 is published too.
  Result<StateMachineRecord> CreateStateMachine(const std::string& name, const std::string& definition,
                                                const std::string& role_arn, bool publish);
  // `state_machine`: an ARN or a name.
  Result<StateMachineRecord> UpdateStateMachine(const std::string& state_machine, const std::string& definition,
                                                bool publish);
  // Publishes the current definition as the next version; returns the version's record.
  Result<StateMachineRecord> PublishVersion(const std::string& state_machine, const std::string& description);
  // `state_machine`: an ARN, a version ARN (`…:stateMachine:name:3`) or a name.
  Result<StateMachineRecord> DescribeStateMachine(const std::string& state_machine);
  Result<std::vector<StateMachineRecord>> ListStateMachines();

  // Starts an execution (recorded RUNNING; call Run() to run it). `name` empty: a UUID.
  // The same name with the same input returns the existing execution; another input is
  // ExecutionAlreadyExists.
  Result<ExecutionRecord> StartExecution(const std::string& state_machine, const std::string& name,
                                         const std::string& input);
  // The same inside the caller's write transaction, so starting the execution commits with
  // the caller's own change (the dispatcher's delivered mark: exactly one start per event).
  Result<ExecutionRecord> StartExecutionIn(catalog::Transaction& tx, const std::string& state_machine,
                                           const std::string& name, const std::string& input);
  Result<ExecutionRecord> DescribeExecution(const std::string& execution_arn);
  // Newest first; `status` empty for all.
  Result<std::vector<ExecutionRecord>> ListExecutions(const std::string& state_machine, const std::string& status);
  Result<std::vector<HistoryEvent>> GetExecutionHistory(const std::string& execution_arn);
  // Stops a running execution: ABORTED with `error`/`cause`. A process running it notices
  // within a fraction of a second; with no live runner it is aborted right here.
  Result<ExecutionRecord> StopExecution(const std::string& execution_arn, const std::string& error,
                                        const std::string& cause);
  // Restarts a FAILED, TIMED_OUT or ABORTED execution from the states that did not finish:
  // finished states, branches and Map iterations keep their results; the failed ones run
  // again with fresh retries. ExecutionNotRedrivable otherwise.
  Result<ExecutionRecord> RedriveExecution(const std::string& execution_arn);

  Status SendTaskSuccess(const std::string& token, const std::string& output);
  Status SendTaskFailure(const std::string& token, const std::string& error, const std::string& cause);
  Status SendTaskHeartbeat(const std::string& token);

  // Runs the execution on this thread until it ends (waiting out Wait states and task tokens
  // as it goes). Returns its record; a non-OK status when the lease is held by a live runner
  // elsewhere (Unavailable) or the engine failed (the execution stays RUNNING).
  Result<ExecutionRecord> Run(const std::string& execution_arn);
  // Runs every RUNNING execution that no live process is running; returns how many ran.
  Result<int> RunPending();

  // While suspended (an engine shutting down), running executions pause at their next state
  // boundary, Wait or task-token wait and stay RUNNING (their Run returns Unavailable), and
  // Run/RunPending start nothing. A Task in flight finishes first. Thread-safe.
  void SetSuspended(bool suspended) { suspended_.store(suspended); }

  const ExecutionServiceOptions& options() const { return options_; }

 private:
  class Journal;
  Result<std::shared_ptr<const StateMachine>> Parse(const std::string& definition);
  Result<StateMachineRecord> FindStateMachine(catalog::Transaction& tx, const std::string& state_machine);
  Result<ExecutionRecord> LoadExecution(catalog::Transaction& tx, const std::string& arn);
  Result<bool> AcquireLease(const std::string& arn);
  Status Finish(const std::string& arn, const ExecutionResult& result);
  // values: output, error, cause.
  Status CompleteTaskToken(const std::string& token, std::string_view status,
                           const std::vector<catalog::SqlValue>& values);

  catalog::Catalog* catalog_;
  TaskRegistry* tasks_;
  std::atomic<bool> suspended_{false};
  ExecutionServiceOptions options_;
  const common::Clock* clock_;
  std::string owner_;  // this process's lease identity
  std::mutex parse_mu_;
  std::map<std::string, std::shared_ptr<const StateMachine>> parsed_;  // by definition text hash
};

// `arn:aws:states:::states:startExecution` (fire and forget), `.sync` (waits; Output as a
// JSON string) and `.sync:2` (Output as JSON): nested executions through an
// ExecutionService, which must outlive the handler.
class NestedExecutions final : public TaskHandler {
 public:
  explicit NestedExecutions(ExecutionService* service) : service_(service) {}
  void RegisterWith(TaskRegistry& registry);
  Result<boost::json::value> Invoke(const TaskInvocation& invocation) override;

 private:
  ExecutionService* service_;
};

}  // namespace sluice::asl
