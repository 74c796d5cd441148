#pragma once

// `sluice init`, `sluice deploy` and `sluice config versions|show|diff|rollback`: pipeline
// projects (project/project.h) and their config versions in the home's catalog
// (project/config_store.h). Each returns the exit code: 0 success, 1 the operation failed,
// 2 invalid input (a non-empty init folder, an invalid project, an unknown version).

#include <cstdint>
#include <ostream>
#include <string>

#include "sluice/cli/home.h"

namespace sluice::cli {

int InitCommand(const std::string& dir, std::ostream& out, std::ostream& err);

// Validates the project in `dir` and stores it as a new config version (prints "no changes"
// when the latest version has the same content); creates its buckets in the home's store
// when the project keeps objects there.
int DeployCommand(Home& home, const std::string& dir, const std::string& message, std::ostream& out,
                  std::ostream& err);

// `sluice deploy --check`: validates only (for CI); needs no engine home.
int CheckProjectCommand(const std::string& dir, std::ostream& out, std::ostream& err);

int ConfigVersionsCommand(Home& home, std::ostream& out, std::ostream& err);
// `version` 0: the latest. `file` "": the version's metadata and file list as JSON; else
// that file's content.
int ConfigShowCommand(Home& home, int64_t version, const std::string& file, std::ostream& out,
                      std::ostream& err);
int ConfigDiffCommand(Home& home, int64_t from, int64_t to, std::ostream& out, std::ostream& err);
int ConfigRollbackCommand(Home& home, int64_t version, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
