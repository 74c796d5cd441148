#pragma once

// `sluice models build|test`: gold models (warehouse/models.h) at the command line. They need
// only the warehouse, not the engine home's catalog: the warehouse URL is `--warehouse`, else
// `sqlite://<home>/warehouse`. Both print their report as JSON and return the exit code: 0 ok,
// 1 a model or a test failed (or the warehouse failed), 2 invalid model files or selection.

#include <ostream>
#include <string>
#include <vector>

namespace sluice::cli {

struct ModelsCommand {
  std::string home_dir;       // the engine home (for the default warehouse)
  std::string warehouse_url;  // "" → sqlite://<home>/warehouse
  std::string models_dir = "models";
  std::vector<std::string> select;  // M, +M, M+, +M+ (also comma-separated)
  bool full_refresh = false;
  int threads = 4;
};

// The embedded warehouse of an engine home: sqlite://<home>/warehouse.
std::string DefaultWarehouseUrl(const std::string& home_dir);

int BuildModelsCommand(const ModelsCommand& command, std::ostream& out, std::ostream& err);
int TestModelsCommand(const ModelsCommand& command, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
