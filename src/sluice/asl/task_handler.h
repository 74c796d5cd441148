#pragma once

// The seam between the interpreter and whatever a Task state's Resource names. Handlers are
// found in a TaskRegistry by ARN: exact ARNs, or patterns ending in `*` that match by prefix
// (`arn:aws:lambda:*` is matched with the region/account parts compared literally up to
// the star). Registration happens in the composition root; the registry is read-only while
// executions run, and handlers must be thread-safe (Parallel branches and Map iterations
// may invoke them concurrently).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::asl {

struct TaskInvocation {
  std::string_view resource;     // the Resource ARN as written
  std::string_view state_name;
  const boost::json::value* parameters = nullptr;  // the effective parameters
  const boost::json::value* context = nullptr;     // `$$` at the time of the call
  int attempt = 0;                                 // 0 for the first try, 1 for the first retry…
  std::optional<int64_t> timeout_seconds;          // the state's TimeoutSeconds(Path)
  std::optional<int64_t> heartbeat_seconds;
  double wait_time_scale = 1.0;                    // tests shorten timeouts with it
};

class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  // Runs the task. A failure the workflow can see is a States error (asl/errors.h: name =
  // error, message = cause), e.g. a Lambda's "Lambda.ServiceException" or "States.Timeout".
  virtual Result<boost::json::value> Invoke(const TaskInvocation& invocation) = 0;
};

class TaskRegistry {
 public:
  // `handler` must outlive the registry. Later registrations win over earlier ones for the
  // same pattern; an exact pattern wins over a prefix pattern.
  void Register(std::string pattern, TaskHandler* handler);
  // The handler for `resource`, or nullptr.
  TaskHandler* Find(std::string_view resource) const;

 private:
  std::vector<std::pair<std::string, TaskHandler*>> exact_;
  std::vector<std::pair<std::string, TaskHandler*>> prefixes_;  // without the '*'
};

}  // namespace sluice::asl
