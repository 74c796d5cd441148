#pragma once

// `sluice models build|test`: gold models (warehouse/models.h) at the command line, on the
// warehouse `--warehouse` names, else the home's (WarehouseUrl). Both print their report as
// JSON and return the exit code: 0 ok, 1 a model or a test failed (or the warehouse failed),
// 2 invalid model files or selection.

#include <ostream>
#include <string>
#include <vector>

#include "sluice/cli/home.h"

namespace sluice::cli {

struct ModelsCommand {
  std::string warehouse_url;  // "" → the home's warehouse
  std::string models_dir = "models";
  std::vector<std::string> select;  // M, +M, M+, +M+ (also comma-separated)
  bool full_refresh = false;
  int threads = 4;
};

int BuildModelsCommand(Home& home, const ModelsCommand& command, std::ostream& out,
                       std::ostream& err);
int TestModelsCommand(Home& home, const ModelsCommand& command, std::ostream& out,
                      std::ostream& err);

}  // namespace sluice::cli
