#pragma once

// `sluice init DIR`: writes a working pipeline project, the orders example
// (examples/orders, compiled into the binary): sluice.yaml, a state machine, a job spec,
// gold models, a local function and sample data. Thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::project {

struct ExampleFile {
  std::string_view path;  // relative: "statemachines/orders.asl.json"
  std::string_view content;
};

// The example project's files, sorted by path.
const std::vector<ExampleFile>& ExampleFiles();

// Writes the example project into `dir`, creating it when missing; files under functions/
// are made executable. FailedPrecondition when `dir` exists and is not an empty folder
// (nothing is written then); IOError naming the path otherwise.
Status InitProject(const std::string& dir);

}  // namespace sluice::project
