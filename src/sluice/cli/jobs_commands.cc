#include "sluice/cli/jobs_commands.h"

#include <thread>

#include "sluice/cli/s3_url.h"
#include "sluice/cli/warehouse_commands.h"
#include "sluice/common/json.h"
#include "sluice/etl/job_runner.h"
#include "sluice/etl/job_spec.h"
#include "sluice/etl/schema_evolution.h"
#include "sluice/etl/schema_registry.h"
#include "sluice/tasks/warehouse_loads.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::cli {
namespace {

namespace json = common::json;

int Fail(std::ostream& err, std::string_view command, const Status& st) {
  err << "sluice " << command << ": " << st.ToString() << "\n";
  return 1;
}

// The dataset a job writes: from its spec when `job` is a path, else from its runs.
Result<std::pair<std::string, std::string>> JobAndDataset(Home& home, const std::string& job) {
  if (job.find('/') != std::string::npos ||
      (job.size() > 5 && job.substr(job.size() - 5) == ".yaml")) {
    SLUICE_ASSIGN_OR_RETURN(etl::JobSpec spec, etl::LoadJobSpec(job));
    return std::make_pair(spec.name, spec.dataset);
  }
  SLUICE_ASSIGN_OR_RETURN(auto tx, home.catalog().Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne("SELECT dataset FROM job_runs WHERE job = $1 ORDER BY started_at DESC LIMIT 1",
                   {job}));
  if (!row)
    return Status::NotFound("no runs of job \"" + job + "\" (pass the job spec's path instead)");
  return std::make_pair(job, row->Text(0));
}

// Loads a succeeded run into the job's warehouse target; adds `warehouse_loads` to `report`.
Status LoadRun(Home& home, const etl::JobSpec& spec, const std::string& url,
               const std::string& run_id, json::object* report) {
  SLUICE_ASSIGN_OR_RETURN(tasks::SilverLoadTarget target, tasks::LoadTargetOfJob(spec));
  SLUICE_ASSIGN_OR_RETURN(auto wh, warehouse::OpenWarehouse(WarehouseUrl(home, url)));
  SLUICE_ASSIGN_OR_RETURN(json::array loads, tasks::LoadRunIntoWarehouse(
                                                 home.catalog(), LakeDir(home), *wh, run_id, target));
  (*report)["warehouse_loads"] = std::move(loads);
  return Status::OK();
}

}  // namespace

std::string LakeDir(const Home& home) { return home.dir() + "/lake"; }

Result<etl::SourceObject> OpenJobSource(Home& home, const std::string& source, bool with_etag) {
  if (!IsS3Url(source)) return etl::LocalSource(source, with_etag);
  auto url = ParseS3Url(source);
  if (!url.ok() || url->key.empty()) {
    return Status::InvalidArgument("expected s3://BUCKET/KEY or a local path, got " + source);
  }
  SLUICE_ASSIGN_OR_RETURN(auto info, home.store().Head(url->bucket, url->key));
  etl::SourceObject object;
  object.uri = FormatS3Url(url->bucket, url->key);
  object.bucket = url->bucket;
  object.key = url->key;
  object.etag = info.etag_hex();
  object.verify_etag = true;
  object.size = static_cast<int64_t>(info.size);
  store::ObjectStore* store = &home.store();
  std::string bucket = url->bucket, key = url->key;
  object.open = [store, bucket, key]() -> Result<std::unique_ptr<common::InputStream>> {
    SLUICE_ASSIGN_OR_RETURN(auto reader, store->Get(bucket, key, std::nullopt));
    return std::unique_ptr<common::InputStream>(std::move(reader));
  };
  return object;
}

int ValidateJob(const std::string& path, std::ostream& out, std::ostream& err) {
  auto spec = etl::LoadJobSpec(path);
  if (!spec.ok()) {
    err << spec.status().message() << "\n";
    return 2;
  }
  auto job = etl::CompileJob(*spec);
  if (!job.ok()) {
    err << job.status().message() << "\n";
    return 2;
  }
  out << path << ": job " << spec->name << " is valid: " << etl::SourceFormatName(spec->format)
      << " source, "
      << (spec->mapping.empty() ? std::string("inferred columns")
                                : std::to_string(spec->mapping.size()) + " mapped columns")
      << ", " << spec->derived.size() << " derived, dataset " << spec->dataset << "\n";
  return 0;
}

int RunJobCommand(Home& home, const JobRunCommand& command, std::ostream& out, std::ostream& err) {
  auto spec = etl::LoadJobSpec(command.job_path);
  if (!spec.ok()) {
    err << "sluice jobs run: " << spec.status().message() << "\n";
    return 2;
  }
  auto job = etl::CompileJob(*spec);
  if (!job.ok()) {
    err << "sluice jobs run: " << job.status().message() << "\n";
    return 2;
  }
  auto source = OpenJobSource(home, command.source, spec->bookmark);
  if (!source.ok()) {
    if (source.status().code() == StatusCode::kInvalidArgument) {
      err << "sluice jobs run: --source: " << source.status().message() << "\n";
      return 2;
    }
    return Fail(err, "jobs run", source.status());
  }
  etl::JobEnvironment env;
  env.catalog = &home.catalog();
  env.lake_dir = LakeDir(home);
  env.threads = command.threads > 0
                    ? command.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  env.memory_budget_bytes = command.memory_budget_mib << 20;
  etl::RunOptions options;
  options.ignore_bookmark = command.force;
  auto outcome = etl::RunJob(**job, *source, env, options);
  if (!outcome.ok()) return Fail(err, "jobs run", outcome.status());
  Status load_status;
  if (outcome->status == "SUCCEEDED" && spec->warehouse && !command.no_load) {
    load_status = LoadRun(home, *spec, command.warehouse, outcome->run_id, &outcome->report);
  }
  out << common::SerializeJsonPretty(outcome->report) << "\n";
  if (outcome->status == "FAILED") {
    err << "sluice jobs run: run " << outcome->run_id << " FAILED: " << outcome->error << "\n";
    return 1;
  }
  if (!load_status.ok()) {
    err << "sluice jobs run: run " << outcome->run_id << " SUCCEEDED but its warehouse load "
        << "failed: " << load_status.message() << " (retry: sluice warehouse load --run "
        << outcome->run_id << " --job " << command.job_path << ")\n";
    return 1;
  }
  return 0;
}

int ListJobRuns(Home& home, const std::string& job, int limit, std::ostream& out,
                std::ostream& err) {
  auto runs = etl::ListRuns(home.catalog(), job, limit);
  if (!runs.ok()) return Fail(err, "jobs runs", runs.status());
  out << common::SerializeJsonPretty(json::object{{"runs", *runs}}) << "\n";
  return 0;
}

int ResetJobBookmark(Home& home, const std::string& job, std::ostream& out, std::ostream& err) {
  auto names = JobAndDataset(home, job);
  if (!names.ok()) return Fail(err, "jobs reset-bookmark", names.status());
  etl::JobEnvironment env;
  env.catalog = &home.catalog();
  env.lake_dir = LakeDir(home);
  auto n = etl::ResetBookmarks(env, names->first, names->second);
  if (!n.ok()) return Fail(err, "jobs reset-bookmark", n.status());
  out << common::SerializeJson(json::object{
             {"job", names->first}, {"dataset", names->second}, {"bookmarks_forgotten", *n}})
      << "\n";
  return 0;
}

int ListSchemas(Home& home, const std::string& dataset, std::ostream& out, std::ostream& err) {
  auto tx = home.catalog().Begin(catalog::TxMode::kRead);
  if (!tx.ok()) return Fail(err, "schemas list", tx.status());
  auto versions = etl::SchemaRegistry::List(**tx, dataset);
  if (!versions.ok()) return Fail(err, "schemas list", versions.status());
  json::array list;
  for (const etl::SchemaVersion& v : *versions) {
    json::array changes;
    for (const std::string& c : v.changes) changes.push_back(json::value(c));
    list.push_back(json::object{{"dataset", v.dataset},
                                {"version", v.version},
                                {"columns", static_cast<int64_t>(v.schema.fields.size())},
                                {"changes", std::move(changes)},
                                {"run_id", v.run_id},
                                {"created_at", v.created_at}});
  }
  out << common::SerializeJsonPretty(json::object{{"schemas", std::move(list)}}) << "\n";
  return 0;
}

int ShowSchema(Home& home, const std::string& dataset, int64_t version, std::ostream& out,
               std::ostream& err) {
  auto tx = home.catalog().Begin(catalog::TxMode::kRead);
  if (!tx.ok()) return Fail(err, "schemas show", tx.status());
  auto v = version > 0 ? etl::SchemaRegistry::Get(**tx, dataset, version)
                       : etl::SchemaRegistry::Latest(**tx, dataset);
  if (!v.ok()) return Fail(err, "schemas show", v.status());
  if (!*v) {
    return Fail(
        err, "schemas show",
        Status::NotFound("dataset \"" + dataset + "\" has no schema" +
                         (version > 0 ? " version " + std::to_string(version) : std::string())));
  }
  auto schema = common::ParseJson(etl::SchemaToJson((*v)->schema), "schema");
  json::object o{{"dataset", (*v)->dataset}, {"version", (*v)->version}};
  if (schema.ok()) o["schema"] = *schema;
  out << common::SerializeJsonPretty(o) << "\n";
  return 0;
}

int DiffSchemas(Home& home, const std::string& dataset, int64_t from, int64_t to, std::ostream& out,
                std::ostream& err) {
  auto tx = home.catalog().Begin(catalog::TxMode::kRead);
  if (!tx.ok()) return Fail(err, "schemas diff", tx.status());
  auto a = etl::SchemaRegistry::Get(**tx, dataset, from);
  auto b = etl::SchemaRegistry::Get(**tx, dataset, to);
  if (!a.ok()) return Fail(err, "schemas diff", a.status());
  if (!b.ok()) return Fail(err, "schemas diff", b.status());
  for (auto [v, n] : {std::pair{&*a, from}, std::pair{&*b, to}}) {
    if (!*v) {
      return Fail(err, "schemas diff",
                  Status::NotFound("dataset \"" + dataset + "\" has no schema version " +
                                   std::to_string(n)));
    }
  }
  out << "--- " << dataset << " v" << from << "\n+++ " << dataset << " v" << to << "\n"
      << etl::SchemaDiff((*a)->schema, (*b)->schema);
  return 0;
}

}  // namespace sluice::cli
