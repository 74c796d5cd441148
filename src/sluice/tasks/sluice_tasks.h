#pragma once

// sluice's own Task resources (not AWS's):
//   arn:sluice:::models:build     Parameters: Select (a string or a list: "M", "+M", "M+"),
//                                 FullRefresh (bool), Threads (int). Builds the gold models of
//                                 the models folder (warehouse/models.h); the result is the
//                                 build report ({"ok", "seconds", "models": […]}).
//   arn:sluice:::warehouse:load   Parameters: RunId (an ETL run id, or a Glue JobRun Id
//                                 "jr_…" of glue:startJobRun), or Dataset + Source (one source
//                                 object's rows); optional JobName (the job whose warehouse
//                                 target, dedupe key and order apply), Table, Mode
//                                 (replace_source | merge). The result is {"Loads": [load
//                                 reports]} (tasks/warehouse_loads.h).
//
// Concurrent models:build requests with the same parameters share builds: a request is
// answered by the first build that starts after it arrived (so that build sees every load
// committed before the request), and every request that arrives while a build runs shares
// the next one. At most one build per parameter set runs at a time, so executions finishing
// together (serve's executors) do not rebuild the same table models once each.
//
// Errors: Sluice.InvalidParameters (bad or missing parameters, unknown models or runs),
// Sluice.ModelBuildFailed (a model or its tests failed; the cause is the build report),
// Sluice.LoadFailed (the load failed; the cause names the source). Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "sluice/asl/task_handler.h"
#include "sluice/tasks/task_environment.h"

namespace sluice::tasks {

class SluiceTasks final : public asl::TaskHandler {
 public:
  // `env` must outlive the handler.
  explicit SluiceTasks(const TaskEnvironment* env) : env_(env) {}

  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

  // Model builds run so far (shared ones counted once).
  int64_t model_builds() const;

 private:
  // The builds of one parameter set: generation numbers of the last started and finished
  // build, whether one runs, and the last one's outcome.
  struct BuildQueue {
    int64_t started = 0, finished = 0;
    bool running = false;
    Result<boost::json::value> last = boost::json::value();
  };
  Result<boost::json::value> BuildModels(const boost::json::object& parameters);
  Result<boost::json::value> LoadWarehouse(const boost::json::object& parameters);

  const TaskEnvironment* env_;
  mutable std::mutex builds_mu_;
  std::condition_variable builds_cv_;
  std::map<std::string, BuildQueue> builds_;  // by the request's canonical parameters
  int64_t model_builds_ = 0;
};

}  // namespace sluice::tasks
