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
// Errors: Sluice.InvalidParameters (bad or missing parameters, unknown models or runs),
// Sluice.ModelBuildFailed (a model or its tests failed; the cause is the build report),
// Sluice.LoadFailed (the load failed; the cause names the source). Thread-safe.

#include "sluice/asl/task_handler.h"
#include "sluice/tasks/task_environment.h"

namespace sluice::tasks {

class SluiceTasks final : public asl::TaskHandler {
 public:
  // `env` must outlive the handler.
  explicit SluiceTasks(const TaskEnvironment* env) : env_(env) {}

  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

 private:
  Result<boost::json::value> BuildModels(const boost::json::object& parameters);
  Result<boost::json::value> LoadWarehouse(const boost::json::object& parameters);

  const TaskEnvironment* env_;
};

}  // namespace sluice::tasks
