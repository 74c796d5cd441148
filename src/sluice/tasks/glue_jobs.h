#pragma once

// Glue jobs as Task resources: `arn:aws:states:::glue:startJobRun` and
// `arn:aws:states:::glue:startJobRun.sync` run a sluice ETL job (etl/job_runner.h) found by
// its Glue JobName, then load the run into the job's warehouse target (warehouse_loads.h);
// `arn:aws:states:::aws-sdk:glue:getJobRun` reads a run back.
//
// Parameters: `JobName`; `Arguments` (strings, as Glue takes them): `--source` (s3://bucket/key
// or a path; or `--source_bucket` + `--source_key`), optional `--threads` (N) and `--force`
// ("true": run even when the job's bookmark says the object was processed). Other arguments
// are kept in the run's Arguments and otherwise ignored.
//
// Results: `.sync` returns the JobRun (Glue's GetJobRun shape: Id, Attempt, JobName,
// JobRunState, StartedOn, LastModifiedOn, CompletedOn — epoch milliseconds —, ExecutionTime
// in seconds, Arguments, ErrorMessage, …) plus `SluiceRunId` (the ETL run; for an object the
// job's bookmark says was processed, the earlier run) and `SluiceRunReport`, the ETL run
// report with its `warehouse_loads`. A bookmarked object is not read again: the JobRun
// SUCCEEDS with `SluiceSkipped` (why) and the earlier run's report, and that run is loaded
// again (loads are idempotent), so a retried Task sees what the first attempt saw. The plain form returns `{"JobRunId": …}` with SDK metadata; it too runs
// the job to completion before returning (a later getJobRun sees the final state).
//
// Errors: Glue.EntityNotFoundException (no job of that name), Glue.InvalidInputException (bad
// parameters or a job spec that does not compile); under `.sync`, a run that ends FAILED
// (unreadable source, failed dataset rule, failed warehouse load) is States.TaskFailed with the
// JobRun JSON as cause. Every run is recorded in the catalog table `glue_job_runs`.
// Thread-safe: runs of one dataset serialise on the dataset's lock, and at most
// TaskEnvironment::max_concurrent_job_runs runs (of any dataset) go at once — the ETL's own
// pool, so many executions can wait on other things without as many ETL runs competing.

#include <condition_variable>
#include <mutex>

#include "sluice/asl/task_handler.h"
#include "sluice/tasks/task_environment.h"

namespace sluice::tasks {

class GlueJobs final : public asl::TaskHandler {
 public:
  // `env` must outlive the handler.
  explicit GlueJobs(const TaskEnvironment* env);

  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

  // Runs the job to its end and returns the JobRun (recorded in `glue_job_runs`). Errors only
  // for an unknown job or bad arguments; a failed run is a JobRun with JobRunState FAILED.
  Result<boost::json::object> RunJob(const boost::json::object& parameters);

 private:
  // Holds one of the job-run slots for its lifetime.
  class Slot;

  const TaskEnvironment* env_;
  int slots_;  // job runs allowed at once
  std::mutex slots_mu_;
  std::condition_variable slots_cv_;
  int running_ = 0;
};

}  // namespace sluice::tasks
