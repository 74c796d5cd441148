#include "sluice/tasks/task_environment.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace sluice::tasks {

JobResolver JobFolder(std::string folder) {
  return [folder = std::move(folder)](std::string_view name) -> Result<etl::JobSpec> {
    namespace fs = std::filesystem;
    for (std::string_view ext : {".yaml", ".yml"}) {
      fs::path named = fs::path(folder) / (std::string(name) + std::string(ext));
      std::error_code ec;
      if (fs::is_regular_file(named, ec)) {
        SLUICE_ASSIGN_OR_RETURN(etl::JobSpec spec, etl::LoadJobSpec(named.string()));
        if (spec.name == name) return spec;
      }
    }
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::string ext = it->path().extension().string();
      if (ext == ".yaml" || ext == ".yml") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      auto spec = etl::LoadJobSpec(f.string());
      if (spec.ok() && spec->name == name) return std::move(*spec);
    }
    return Status::NotFound("no job named \"" + std::string(name) + "\" in " + folder);
  };
}

}  // namespace sluice::tasks

namespace sluice::tasks {

void RecordJobRun(const ops::StandardMetrics* metrics, const std::string& job, double seconds,
                  const common::json::object& report) {
  if (metrics == nullptr) return;
  if (metrics->job_duration_seconds) metrics->job_duration_seconds->WithLabels({job})->Observe(seconds);
  const common::json::value* rows = report.if_contains("rows");
  if (metrics->rows_total == nullptr || rows == nullptr || !rows->is_object()) return;
  for (const char* kind : {"read", "written", "quarantined"}) {
    const common::json::value* n = rows->get_object().if_contains(kind);
    if (n == nullptr || !n->is_int64()) continue;
    std::string label = std::string_view(kind) == "read" ? "in" : std::string_view(kind) == "written" ? "out" : kind;
    metrics->rows_total->WithLabels({label})->Increment(static_cast<double>(n->get_int64()));
  }
}

void RecordWarehouseLoads(const ops::StandardMetrics* metrics, bool succeeded, int64_t loads) {
  if (metrics == nullptr || metrics->warehouse_loads_total == nullptr || loads <= 0) return;
  metrics->warehouse_loads_total->WithLabels({succeeded ? "SUCCEEDED" : "FAILED"})
      ->Increment(static_cast<double>(loads));
}

}  // namespace sluice::tasks
