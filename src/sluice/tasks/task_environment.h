#pragma once

// What the engine-backed Task integrations need, given by the composition root: the catalog,
// the lake, the warehouse URL, where job specs and gold models live, and how to open a job
// run's source object. Plain data; everything it points to must outlive the handlers that
// use it. Thread-safety: read-only once handlers are registered; `open_source` and
// `find_job` must be thread-safe.

#include <functional>
#include <string>
#include <string_view>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/etl/job_runner.h"
#include "sluice/etl/job_spec.h"
#include "sluice/ops/metrics.h"

namespace sluice::tasks {

// Opens the object a job run reads: `s3://bucket/key` or a local path. `with_etag` asks for
// the object's ETag (bookmarks need it). NotFound when it does not exist.
using SourceOpener =
    std::function<Result<etl::SourceObject>(const std::string& source, bool with_etag)>;

// The job spec for a Glue JobName. NotFound when no job has that name.
using JobResolver = std::function<Result<etl::JobSpec>(std::string_view job_name)>;

struct TaskEnvironment {
  catalog::Catalog* catalog = nullptr;
  std::string lake_dir;       // ETL output (etl/job_runner.h)
  std::string warehouse_url;  // sqlite://PATH or postgres://…
  std::string models_dir;     // gold models (warehouse/models.h)
  JobResolver find_job;
  SourceOpener open_source;
  int job_threads = 0;  // threads per job run unless `--threads` says otherwise (0: all cores)
  // ETL job runs (with their warehouse loads) at once through one GlueJobs handler; more
  // wait for a slot. Bounds CPU and memory however many executions run. 0: one per core.
  int max_concurrent_job_runs = 0;
  // When set, job runs and warehouse loads are recorded in the runtime's metrics
  // (sluice_job_duration_seconds, sluice_rows_total, sluice_warehouse_loads_total).
  const ops::StandardMetrics* metrics = nullptr;
};

// Records a finished ETL run (its duration and rows) and a warehouse load's outcome in
// `metrics`; no-ops when it is null or a family is missing.
void RecordJobRun(const ops::StandardMetrics* metrics, const std::string& job, double seconds,
                  const common::json::object& report);
void RecordWarehouseLoads(const ops::StandardMetrics* metrics, bool succeeded, int64_t loads);

// A resolver over a folder of job specs: the `*.yaml` / `*.yml` file whose `name` is the job
// name (a file named `<name>.yaml` is tried first). NotFound when none matches; a spec that
// does not parse is skipped unless it is the one named `<name>.yaml`.
JobResolver JobFolder(std::string folder);

}  // namespace sluice::tasks
