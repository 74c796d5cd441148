#include "sluice/tasks/sluice_tasks.h"

#include "sluice/asl/errors.h"
#include "sluice/tasks/warehouse_loads.h"
#include "sluice/warehouse/models.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

constexpr std::string_view kModelsBuild = "arn:sluice:::models:build";
constexpr std::string_view kWarehouseLoad = "arn:sluice:::warehouse:load";

Status InvalidParameters(const std::string& message) {
  return asl::StatesError("Sluice.InvalidParameters", message);
}

Result<std::string> OptionalText(const json::object& p, std::string_view field) {
  const json::value* v = p.if_contains(field);
  if (!v) return std::string();
  if (!v->is_string()) return InvalidParameters(std::string(field) + " must be a string");
  return std::string(v->get_string());
}

}  // namespace

void SluiceTasks::RegisterWith(asl::TaskRegistry& registry) {
  registry.Register(std::string(kModelsBuild), this);
  registry.Register(std::string(kWarehouseLoad), this);
}

Result<json::value> SluiceTasks::Invoke(const asl::TaskInvocation& inv) {
  static const json::object kEmpty;
  const json::object* params = &kEmpty;
  if (inv.parameters && inv.parameters->is_object()) {
    params = &inv.parameters->get_object();
  } else if (inv.parameters && !inv.parameters->is_null()) {
    return InvalidParameters("Parameters must be a JSON object");
  }
  if (inv.resource == kModelsBuild) return BuildModels(*params);
  return LoadWarehouse(*params);
}

Result<json::value> SluiceTasks::BuildModels(const json::object& p) {
  warehouse::BuildOptions options;
  if (const json::value* s = p.if_contains("Select")) {
    if (s->is_string()) {
      options.select.emplace_back(s->get_string());
    } else if (s->is_array()) {
      for (const auto& e : s->get_array()) {
        if (!e.is_string()) return InvalidParameters("Select must be a string or a list of strings");
        options.select.emplace_back(e.get_string());
      }
    } else {
      return InvalidParameters("Select must be a string or a list of strings");
    }
  }
  if (const json::value* f = p.if_contains("FullRefresh")) {
    if (!f->is_bool()) return InvalidParameters("FullRefresh must be true or false");
    options.full_refresh = f->get_bool();
  }
  if (const json::value* t = p.if_contains("Threads")) {
    if (!t->is_int64() || t->get_int64() < 1 || t->get_int64() > 64) {
      return InvalidParameters("Threads must be a whole number from 1 to 64");
    }
    options.threads = static_cast<int>(t->get_int64());
  }
  auto build = [&]() -> Result<json::value> {
    auto models = warehouse::LoadModels(env_->models_dir);
    if (!models.ok()) return InvalidParameters("models folder " + env_->models_dir + ": " + models.status().message());
    SLUICE_ASSIGN_OR_RETURN(auto wh, warehouse::OpenWarehouse(env_->warehouse_url));
    auto report = warehouse::BuildModels(*wh, *models, options);
    if (!report.ok()) {
      if (report.status().code() == StatusCode::kInvalidArgument) return InvalidParameters(report.status().message());
      return report.status();
    }
    json::value out = report->ToJson();
    if (!report->ok()) return asl::StatesError("Sluice.ModelBuildFailed", common::SerializeJson(out));
    return out;
  };
  // Requests with the same parameters share builds (see the header).
  json::array select;
  for (const std::string& m : options.select) select.emplace_back(json::string(m));
  std::string key = common::SerializeJson(json::object{
      {"select", std::move(select)}, {"full_refresh", options.full_refresh}, {"threads", options.threads}});
  std::unique_lock lock(builds_mu_);
  BuildQueue& queue = builds_[key];
  const int64_t needed = queue.started + 1;  // the first build to start from now on
  for (;;) {
    if (queue.finished >= needed) return queue.last;
    if (!queue.running) {
      queue.running = true;
      const int64_t generation = ++queue.started;
      ++model_builds_;
      lock.unlock();
      Result<json::value> result = build();
      lock.lock();
      queue.running = false;
      queue.finished = generation;
      queue.last = result;
      builds_cv_.notify_all();
      return result;
    }
    builds_cv_.wait(lock);
  }
}

int64_t SluiceTasks::model_builds() const {
  std::lock_guard lock(builds_mu_);
  return model_builds_;
}

Result<json::value> SluiceTasks::LoadWarehouse(const json::object& p) {
  SLUICE_ASSIGN_OR_RETURN(std::string run_id, OptionalText(p, "RunId"));
  SLUICE_ASSIGN_OR_RETURN(std::string dataset, OptionalText(p, "Dataset"));
  SLUICE_ASSIGN_OR_RETURN(std::string source, OptionalText(p, "Source"));
  SLUICE_ASSIGN_OR_RETURN(std::string job_name, OptionalText(p, "JobName"));
  SLUICE_ASSIGN_OR_RETURN(std::string table, OptionalText(p, "Table"));
  SLUICE_ASSIGN_OR_RETURN(std::string mode, OptionalText(p, "Mode"));
  if (run_id.empty() == (dataset.empty() || source.empty())) {
    return InvalidParameters("warehouse:load takes RunId, or Dataset and Source");
  }
  if (run_id.rfind("jr_", 0) == 0) {
    // A Glue JobRun Id: the ETL run it ran.
    SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT run_id FROM glue_job_runs WHERE job_run_id = $1", {run_id}));
    if (!row || row->Text(0).empty()) return InvalidParameters("no job run " + run_id + " with an ETL run");
    run_id = row->Text(0);
  }
  SilverLoadTarget target;
  if (!job_name.empty()) {
    if (!env_->find_job) return InvalidParameters("no jobs folder to find job " + job_name);
    auto spec = env_->find_job(job_name);
    if (!spec.ok()) return InvalidParameters("job " + job_name + ": " + spec.status().message());
    auto t = LoadTargetOfJob(*spec);
    if (!t.ok()) return InvalidParameters(t.status().message());
    target = std::move(*t);
  }
  if (!table.empty()) target.table = table;
  if (!mode.empty()) {
    auto m = warehouse::ParseLoadMode(mode);
    if (!m.ok()) return InvalidParameters(m.status().message());
    target.mode = *m;
  }
  if (target.mode == warehouse::LoadMode::kMerge && target.primary_key.empty()) {
    return InvalidParameters("Mode merge needs JobName (its dedupe key is the merge key)");
  }
  SLUICE_ASSIGN_OR_RETURN(auto wh, warehouse::OpenWarehouse(env_->warehouse_url));
  auto loads = run_id.empty()
                   ? LoadSourceIntoWarehouse(*env_->catalog, env_->lake_dir, *wh, dataset, source, target)
                   : LoadRunIntoWarehouse(*env_->catalog, env_->lake_dir, *wh, run_id, target);
  RecordWarehouseLoads(env_->metrics, loads.ok(), loads.ok() ? static_cast<int64_t>(loads->size()) : 1);
  if (!loads.ok()) {
    if (loads.status().code() == StatusCode::kInvalidArgument || loads.status().code() == StatusCode::kNotFound) {
      return InvalidParameters(loads.status().message());
    }
    return asl::StatesError("Sluice.LoadFailed", loads.status().message());
  }
  return json::value(json::object{{"Loads", std::move(*loads)}});
}

}  // namespace sluice::tasks
