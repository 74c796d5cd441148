#pragma once

// Lambda functions backed by local commands: the Task resources
// `arn:aws:states:::lambda:invoke` (Parameters FunctionName + Payload; the result has the
// Lambda Invoke shape: StatusCode, Payload, ExecutedVersion, SdkHttpMetadata,
// SdkResponseMetadata) and `arn:aws:lambda:<region>:<account>:function:<name>` (the
// parameters are the payload; the result is the function's output).
//
// A function is any executable: it runs as `/bin/sh -c COMMAND`, receives the payload as
// JSON on stdin, and prints its result as JSON on stdout (empty output is `null`). Errors
// surface as Lambda reports them to Step Functions:
//   - printing `{"errorType": "X", "errorMessage": "…"}` and exiting non-zero → error "X",
//     cause the printed JSON;
//   - exiting non-zero otherwise → error "Runtime.ExitError", cause
//     `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: … Error: Runtime exited
//     with error: exit status N"}`;
//   - stdout that is not JSON → error "Runtime.InvalidResponse";
//   - running past the Task's TimeoutSeconds → the process group is killed, States.Timeout;
//   - an unknown function → "Lambda.ResourceNotFoundException".
// Thread-safe: each invocation is its own process.

#include <map>
#include <string>

#include "sluice/asl/task_handler.h"

namespace sluice::tasks {

class LocalFunctions final : public asl::TaskHandler {
 public:
  LocalFunctions(std::string region, std::string account)
      : region_(std::move(region)), account_(std::move(account)) {}

  // Registers function `name` (not an ARN) run by `command`.
  void Add(std::string name, std::string command) { commands_[std::move(name)] = std::move(command); }
  // Registers this handler for both resource forms.
  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

 private:
  std::string region_, account_;
  std::map<std::string, std::string, std::less<>> commands_;
};

// The function name in a FunctionName parameter or a Lambda ARN: "name", "name:alias",
// "123456789012:function:name", "arn:aws:lambda:us-east-1:123456789012:function:name[:q]"
// → "name".
std::string FunctionNameOf(std::string_view function);

}  // namespace sluice::tasks
