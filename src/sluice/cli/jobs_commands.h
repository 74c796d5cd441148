#pragma once

// `sluice jobs validate|run|runs|reset-bookmark` and `sluice schemas list|show|diff`: the ETL
// job runner (etl/job_runner.h) and the schema registry at the command line. Outputs are
// JSON (run reports, run lists, schemas) or plain text (validation, diffs). Each returns the
// exit code: 0 ok, 1 the operation failed (for `jobs run`: the run FAILED), 2 usage or an
// invalid job spec.

#include <ostream>
#include <string>

#include "sluice/cli/home.h"
#include "sluice/etl/job_runner.h"

namespace sluice::cli {

// Parses and compiles a job spec; prints a one-line summary, or the problem (exit 2).
int ValidateJob(const std::string& path, std::ostream& out, std::ostream& err);

struct JobRunCommand {
  std::string job_path;
  std::string source;               // s3://bucket/key or a local path
  int threads = 0;                  // 0: every core
  bool force = false;               // ignore the bookmark
  int64_t memory_budget_mib = 512;  // rows held in memory before partitions are spilled
  // When the job has a `warehouse:` target, a succeeded run is loaded into this warehouse
  // ("" : the home's) unless no_load.
  std::string warehouse;
  bool no_load = false;
};

// Runs the job and prints its report; with a warehouse target the report gains
// `warehouse_loads` (tasks/warehouse_loads.h). Exit 1 when the run or its load fails.
int RunJobCommand(Home& home, const JobRunCommand& command, std::ostream& out, std::ostream& err);

// Prints the newest runs (all jobs, or `job`) as a JSON array.
int ListJobRuns(Home& home, const std::string& job, int limit, std::ostream& out,
                std::ostream& err);

// `job` is a job name or a job spec path.
int ResetJobBookmark(Home& home, const std::string& job, std::ostream& out, std::ostream& err);

// `sluice schemas list [DATASET]`, `show DATASET [--version N]`, `diff DATASET V1 V2`.
int ListSchemas(Home& home, const std::string& dataset, std::ostream& out, std::ostream& err);
int ShowSchema(Home& home, const std::string& dataset, int64_t version, std::ostream& out,
               std::ostream& err);
int DiffSchemas(Home& home, const std::string& dataset, int64_t from, int64_t to, std::ostream& out,
                std::ostream& err);

// Where a home keeps its lake (bronze/silver/quarantine): <home>/lake.
std::string LakeDir(const Home& home);

// The object a job run reads: `s3://BUCKET/KEY` in the home's store (its ETag checked while
// read), or a local file (hashed for its ETag when `with_etag`). InvalidArgument for a
// malformed URL; NotFound when the object does not exist.
Result<etl::SourceObject> OpenJobSource(Home& home, const std::string& source, bool with_etag);

}  // namespace sluice::cli
