#pragma once

// `sluice states validate|run`: check a definition, or run one express execution of it and
// print its outcome as one JSON object (`{"status":"SUCCEEDED","output":…}`,
// `{"status":"FAILED","error":…,"cause":…}`, or for an invalid definition
// `{"status":"VALIDATION_ERROR","error":"InvalidDefinition","cause":"<diagnostics>"}`).

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/cli/home.h"

namespace sluice::cli {

// Returns the exit code: 0 valid, 2 invalid (every diagnostic printed to `err`).
int ValidateStateMachine(const std::string& path, std::ostream& out, std::ostream& err);

struct RunStateMachineOptions {
  std::string definition_path;
  std::string input_path;       // "" = {}; "-" = stdin
  std::string mocks_path;
  std::string test_case;
  std::vector<std::string> functions;  // NAME=COMMAND
  std::vector<std::string> topics;     // --topic specs (ops_commands.h: DefineTopics)
  std::string state_machine_name = "StateMachine";
  std::string execution_name;
  std::string region = "us-east-1";
  std::string account = "123456789012";
  double wait_time_scale = 1.0;
  bool history = false;
  size_t max_payload_bytes = 256 * 1024;  // 0: no limit
  // The engine-backed integrations (glue, redshiftdata, dynamodb, arn:sluice:::…; see
  // docs/tasks.md). The engine home is opened only when the definition names one of them.
  std::string home_dir;       // resolved --home
  std::string jobs_dir;       // "": <definition's folder>/jobs, else its parent's jobs/, else ./jobs
  std::string models_dir;     // "": likewise with models/
  std::string warehouse_url;  // "": sqlite://<home>/warehouse
};

// The folder `flag` names, or the first of `<definition's folder>/<name>`,
// `<definition's folder>/../<name>` that exists, else `./<name>`.
std::string ProjectFolder(const std::string& flag, const std::string& definition_path,
                          const std::string& name);

// Returns the exit code: 0 SUCCEEDED, 1 any other outcome, 2 invalid definition or usage.
int RunStateMachine(const RunStateMachineOptions& options, std::ostream& out, std::ostream& err);

// Durable executions (`sluice states create|update|list|describe-state-machine|start|
// describe|list-executions|history|stop|redrive|resume|send-task-*`). Each prints JSON in
// the shape of the Step Functions API response and returns the exit code (0 ok, 1 failed:
// for start/redrive/resume, 1 also when an execution they ran did not succeed).
struct DurableOptions {
  std::vector<std::string> functions;  // NAME=COMMAND
  std::vector<std::string> topics;     // --topic specs (ops_commands.h: DefineTopics)
  double wait_time_scale = 1.0;
  bool no_run = false;                 // record only; do not run executions here
  // The engine-backed Task integrations (docs/tasks.md): "" means ./jobs, ./models and
  // sqlite://<home>/warehouse.
  std::string jobs_dir, models_dir, warehouse_url;
};

struct DurableCommand {
  std::string verb;
  std::string name, state_machine, definition_path, role_arn, input_path, execution_arn, status;
  std::string error, cause, token, output;
  bool publish = false, reverse = false;
};

int RunDurableCommand(Home& home, const DurableCommand& command, const DurableOptions& options,
                      std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
