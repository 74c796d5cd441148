#include "sluice/cli/models_commands.h"

#include "sluice/cli/warehouse_commands.h"
#include "sluice/common/json.h"
#include "sluice/warehouse/models.h"

namespace sluice::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitInvalid = 2;

int Fail(std::ostream& err, std::string_view command, const Status& st, int code) {
  err << "sluice models " << command << ": " << st.ToString() << "\n";
  return code;
}

// The models and the warehouse a command works on.
struct Workspace {
  std::vector<warehouse::Model> models;
  std::unique_ptr<warehouse::Warehouse> warehouse;
};

// Prints the problem and sets *exit_code when the models or the warehouse cannot be had.
Result<Workspace> Open(const Home& home, const ModelsCommand& command, std::string_view verb,
                       std::ostream& err, int* exit_code) {
  Workspace workspace;
  auto models = warehouse::LoadModels(command.models_dir);
  if (!models.ok()) {
    *exit_code = Fail(err, verb, models.status(), kExitInvalid);
    return models.status();
  }
  workspace.models = std::move(*models);
  auto opened = warehouse::OpenWarehouse(WarehouseUrl(home, command.warehouse_url));
  if (!opened.ok()) {
    *exit_code = Fail(err, verb, opened.status(), kExitInvalid);
    return opened.status();
  }
  workspace.warehouse = std::move(*opened);
  return workspace;
}

// A selection naming no model is a usage error; anything else the warehouse's.
int ReportError(std::ostream& err, std::string_view verb, const Status& st) {
  bool usage = st.code() == StatusCode::kInvalidArgument && st.message().starts_with("--select");
  return Fail(err, verb, st, usage ? kExitInvalid : kExitFailed);
}

}  // namespace

int BuildModelsCommand(Home& home, const ModelsCommand& command, std::ostream& out,
                       std::ostream& err) {
  int exit_code = 0;
  auto workspace = Open(home, command, "build", err, &exit_code);
  if (!workspace.ok()) return exit_code;
  warehouse::BuildOptions options;
  options.select = command.select;
  options.full_refresh = command.full_refresh;
  options.threads = command.threads;
  auto report = warehouse::BuildModels(*workspace->warehouse, workspace->models, options);
  if (!report.ok()) return ReportError(err, "build", report.status());
  out << common::SerializeJsonPretty(report->ToJson()) << "\n";
  return report->ok() ? 0 : kExitFailed;
}

int TestModelsCommand(Home& home, const ModelsCommand& command, std::ostream& out,
                      std::ostream& err) {
  int exit_code = 0;
  auto workspace = Open(home, command, "test", err, &exit_code);
  if (!workspace.ok()) return exit_code;
  auto report = warehouse::TestModels(*workspace->warehouse, workspace->models, command.select);
  if (!report.ok()) return ReportError(err, "test", report.status());
  out << common::SerializeJsonPretty(report->ToJson()) << "\n";
  return report->ok() ? 0 : kExitFailed;
}

}  // namespace sluice::cli
