#include "sluice/tasks/glue_jobs.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "sluice/common/ids.h"
#include "sluice/common/time.h"
#include "sluice/tasks/service_errors_internal.h"
#include "sluice/tasks/warehouse_loads.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

constexpr std::string_view kStart = "arn:aws:states:::glue:startJobRun";
constexpr std::string_view kStartSync = "arn:aws:states:::glue:startJobRun.sync";
constexpr std::string_view kGetJobRun = "arn:aws:states:::aws-sdk:glue:getJobRun";

Status GlueError(std::string_view exception, const std::string& message) {
  return ServiceError("Glue", "AWSGlue", exception, message);
}

std::string NewJobRunId() {
  std::string hex = common::RandomHexId(32);
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "jr_" + hex;
}

// The arguments the run uses, validated.
struct RunArguments {
  std::string source;
  int threads = 0;
  bool force = false;
};

Result<RunArguments> ReadArguments(const json::object& arguments) {
  RunArguments out;
  std::string bucket, key;
  for (const auto& [name, value] : arguments) {
    if (!value.is_string()) {
      return GlueError("InvalidInputException",
                       "Arguments: the value of " + std::string(name) + " must be a string, got " +
                           std::string(common::JsonTypeName(value)));
    }
    std::string v(value.get_string());
    if (name == "--source") {
      out.source = v;
    } else if (name == "--source_bucket") {
      bucket = v;
    } else if (name == "--source_key") {
      key = v;
    } else if (name == "--threads") {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != 0 || n < 1 || n > 1024) {
        return GlueError("InvalidInputException",
                         "Arguments: --threads must be a whole number from 1 to 1024, got \"" + v + "\"");
      }
      out.threads = static_cast<int>(n);
    } else if (name == "--force") {
      if (v != "true" && v != "false") {
        return GlueError("InvalidInputException", "Arguments: --force must be \"true\" or \"false\", got \"" + v + "\"");
      }
      out.force = v == "true";
    }
  }
  if (out.source.empty() && (!bucket.empty() || !key.empty())) {
    if (bucket.empty() || key.empty()) {
      return GlueError("InvalidInputException",
                       "Arguments: --source_bucket and --source_key go together");
    }
    out.source = "s3://" + bucket + "/" + key;
  }
  if (out.source.empty()) {
    return GlueError("InvalidInputException",
                     "Arguments: --source (s3://bucket/key or a path) is required, or "
                     "--source_bucket with --source_key");
  }
  return out;
}

Status RecordJobRun(catalog::Catalog& catalog, const json::object& job_run, const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  SLUICE_RETURN_IF_ERROR(
      tx->Execute("INSERT INTO glue_job_runs (job_run_id, job_name, run_id, job_run_state, job_run, "
                  "started_at) VALUES ($1, $2, $3, $4, $5, $6)",
                  {std::string(job_run.at("Id").as_string()), std::string(job_run.at("JobName").as_string()),
                   run_id, std::string(job_run.at("JobRunState").as_string()),
                   common::SerializeJson(job_run),
                   common::FormatIso8601Millis(common::Timestamp::FromMillis(job_run.at("StartedOn").as_int64()))})
          .status());
  return tx->Commit();
}

}  // namespace

class GlueJobs::Slot {
 public:
  explicit Slot(GlueJobs* jobs) : jobs_(jobs) {
    std::unique_lock lock(jobs_->slots_mu_);
    jobs_->slots_cv_.wait(lock, [this] { return jobs_->running_ < jobs_->slots_; });
    ++jobs_->running_;
  }
  ~Slot() {
    std::lock_guard lock(jobs_->slots_mu_);
    --jobs_->running_;
    jobs_->slots_cv_.notify_one();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  GlueJobs* jobs_;
};

GlueJobs::GlueJobs(const TaskEnvironment* env)
    : env_(env),
      slots_(env->max_concurrent_job_runs > 0
                 ? env->max_concurrent_job_runs
                 : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {}

void GlueJobs::RegisterWith(asl::TaskRegistry& registry) {
  registry.Register(std::string(kStart), this);
  registry.Register(std::string(kStartSync), this);
  registry.Register(std::string(kGetJobRun), this);
}

Result<json::object> GlueJobs::RunJob(const json::object& params) {
  const json::value* name = params.if_contains("JobName");
  if (!name || !name->is_string() || name->get_string().empty()) {
    return GlueError("InvalidInputException", "JobName is required (a string)");
  }
  std::string job_name(name->get_string());
  json::object arguments;
  if (const json::value* a = params.if_contains("Arguments")) {
    if (!a->is_object()) return GlueError("InvalidInputException", "Arguments must be a map of strings");
    arguments = a->get_object();
  }
  SLUICE_ASSIGN_OR_RETURN(RunArguments args, ReadArguments(arguments));
  if (!env_->find_job) return GlueError("EntityNotFoundException", "Job " + job_name + " not found (no jobs folder)");
  auto spec = env_->find_job(job_name);
  if (!spec.ok()) {
    if (spec.status().code() == StatusCode::kNotFound) {
      return GlueError("EntityNotFoundException", "Job " + job_name + " not found: " + spec.status().message());
    }
    return GlueError("InvalidInputException", "Job " + job_name + ": " + spec.status().message());
  }
  auto job = etl::CompileJob(*spec);
  if (!job.ok()) return GlueError("InvalidInputException", "Job " + job_name + ": " + job.status().message());

  Slot slot(this);  // the run starts (and StartedOn is stamped) once a slot is free
  auto started = common::SystemClock::Default()->Now();
  auto steady = std::chrono::steady_clock::now();
  json::object run;
  run["Id"] = NewJobRunId();
  run["Attempt"] = 0;
  run["JobName"] = job_name;
  run["StartedOn"] = started.millis();
  run["Arguments"] = arguments;
  run["PredecessorRuns"] = json::array();
  run["GlueVersion"] = "sluice";
  run["Timeout"] = 2880;

  std::string state = "SUCCEEDED", error, run_id;
  json::object report;
  auto source = env_->open_source ? env_->open_source(args.source, spec->bookmark)
                                  : Result<etl::SourceObject>(Status::Unavailable("no object store"));
  if (!source.ok()) {
    state = "FAILED";
    error = "reading --source " + args.source + ": " + source.status().message();
  } else {
    etl::JobEnvironment jenv;
    jenv.catalog = env_->catalog;
    jenv.lake_dir = env_->lake_dir;
    int threads = args.threads > 0 ? args.threads : env_->job_threads;
    jenv.threads = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    etl::RunOptions options;
    options.ignore_bookmark = args.force;
    SLUICE_ASSIGN_OR_RETURN(etl::RunOutcome outcome, etl::RunJob(**job, *source, jenv, options));
    run_id = outcome.run_id;
    report = std::move(outcome.report);
    if (outcome.status != "SKIPPED") {
      RecordJobRun(env_->metrics, job_name,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count(), report);
    }
    if (outcome.status == "SKIPPED") {
      // The object was processed before: the run reports what that run did, so a retried
      // Task (or a re-delivered event) sees the same result as the first attempt.
      run["SluiceSkipped"] = report.at("reason");
      SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kRead));
      SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT report FROM job_runs WHERE run_id = $1", {run_id}));
      if (row && !row->IsNull(0)) {
        SLUICE_ASSIGN_OR_RETURN(json::value earlier, common::ParseJson(row->Text(0), "job_runs.report"));
        if (earlier.is_object()) report = std::move(earlier.as_object());
      }
    }
    if (outcome.status == "FAILED") {
      state = "FAILED";
      error = outcome.error;
    } else if (spec->warehouse) {
      // A bookmarked (SKIPPED) object loads its earlier run again: loads are idempotent, so a
      // retried Task converges on the same tables.
      auto loads = [&]() -> Result<json::array> {
        SLUICE_ASSIGN_OR_RETURN(SilverLoadTarget target, LoadTargetOfJob(*spec));
        SLUICE_ASSIGN_OR_RETURN(auto wh, warehouse::OpenWarehouse(env_->warehouse_url));
        return LoadRunIntoWarehouse(*env_->catalog, env_->lake_dir, *wh, run_id, target);
      }();
      RecordWarehouseLoads(env_->metrics, loads.ok(), loads.ok() ? static_cast<int64_t>(loads->size()) : 1);
      if (loads.ok()) {
        report["warehouse_loads"] = std::move(*loads);
      } else {
        state = "FAILED";
        error = "the run succeeded but its warehouse load failed: " + loads.status().message();
      }
    }
  }
  auto completed = common::SystemClock::Default()->Now();
  run["JobRunState"] = state;
  if (!error.empty()) run["ErrorMessage"] = error;
  run["LastModifiedOn"] = completed.millis();
  run["CompletedOn"] = completed.millis();
  run["ExecutionTime"] = static_cast<int64_t>(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count() + 0.5);
  run["SluiceRunId"] = run_id;
  run["SluiceRunReport"] = std::move(report);
  SLUICE_RETURN_IF_ERROR(RecordJobRun(*env_->catalog, run, run_id));
  return run;
}

Result<json::value> GlueJobs::Invoke(const asl::TaskInvocation& inv) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* params,
                          ParametersObject(inv.parameters, inv.resource, inv.state_name));
  if (inv.resource == kGetJobRun) {
    const json::value* id = params->if_contains("RunId");
    if (!id || !id->is_string()) return GlueError("InvalidInputException", "RunId is required (a string)");
    SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT job_run FROM glue_job_runs WHERE job_run_id = $1",
                                                   {std::string(id->get_string())}));
    if (!row) return GlueError("EntityNotFoundException", "Job run " + std::string(id->get_string()) + " not found");
    SLUICE_ASSIGN_OR_RETURN(json::value run, common::ParseJson(row->Text(0), "glue_job_runs.job_run"));
    return json::value(json::object{{"JobRun", std::move(run)}});
  }
  SLUICE_ASSIGN_OR_RETURN(json::object run, RunJob(*params));
  if (inv.resource == kStartSync) {
    if (run.at("JobRunState").as_string() != "SUCCEEDED") {
      return asl::StatesError(asl::kStatesTaskFailed, common::SerializeJson(run));
    }
    return json::value(std::move(run));
  }
  json::object result{{"JobRunId", run.at("Id")}};
  AddSdkMetadata(result);
  return json::value(std::move(result));
}

}  // namespace sluice::tasks
