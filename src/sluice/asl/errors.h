#pragma once

// ASL runtime errors as data. An execution error is a Status whose name() is the error
// name Step Functions reports ("States.Runtime", "States.TaskFailed", a Lambda's
// "Lambda.ServiceException", or any string a Task or Fail state produces) and whose
// message() is the cause, exactly as AWS prints it. Catchers and retriers match on name().
// The code is always kAborted so these never mix with sluice's own I/O failures.

#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::asl {

inline constexpr std::string_view kStatesAll = "States.ALL";
inline constexpr std::string_view kStatesRuntime = "States.Runtime";
inline constexpr std::string_view kStatesTimeout = "States.Timeout";
inline constexpr std::string_view kStatesHeartbeatTimeout = "States.HeartbeatTimeout";
inline constexpr std::string_view kStatesTaskFailed = "States.TaskFailed";
inline constexpr std::string_view kStatesPermissions = "States.Permissions";
inline constexpr std::string_view kStatesResultPathMatchFailure = "States.ResultPathMatchFailure";
inline constexpr std::string_view kStatesParameterPathFailure = "States.ParameterPathFailure";
inline constexpr std::string_view kStatesBranchFailed = "States.BranchFailed";
inline constexpr std::string_view kStatesNoChoiceMatched = "States.NoChoiceMatched";
inline constexpr std::string_view kStatesIntrinsicFailure = "States.IntrinsicFailure";
inline constexpr std::string_view kStatesExceedToleratedFailureThreshold =
    "States.ExceedToleratedFailureThreshold";
inline constexpr std::string_view kStatesItemReaderFailed = "States.ItemReaderFailed";
inline constexpr std::string_view kStatesResultWriterFailed = "States.ResultWriterFailed";
inline constexpr std::string_view kStatesDataLimitExceeded = "States.DataLimitExceeded";
inline constexpr std::string_view kStatesQueryEvaluationError = "States.QueryEvaluationError";

// An execution error named `error` with `cause`.
inline Status StatesError(std::string_view error, std::string cause) {
  return Status(StatusCode::kAborted, std::string(error), std::move(cause));
}

// True when `status` is an execution error (as opposed to an engine failure).
inline bool IsStatesError(const Status& status) { return status.code() == StatusCode::kAborted; }

}  // namespace sluice::asl
