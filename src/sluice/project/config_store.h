#pragma once

// Config versions: deployed projects kept in the catalog (tables config_versions,
// config_files, config_blobs; docs/formats/catalog.md). Each `sluice deploy` of a changed
// project appends a version holding every file the project uses, so the running engine reads
// its whole configuration from the catalog and picks up a deploy without a restart: it polls
// LatestVersion (one indexed read) and calls LatestConfig when the number moves. History is
// never rewritten: a rollback appends a version equal to an older one.
//
// Functions take the catalog per call and are thread-safe as the Catalog is; the catalog must
// outlive the call only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/project/project.h"
#include "sluice/warehouse/models.h"

namespace sluice::project {

struct ConfigVersionInfo {
  int64_t version = 0;                 // 1, 2, … in deploy order
  std::string project;                 // the project's name
  std::string content_hash;            // LoadedProject::ContentHash of its files
  std::string message;                 // what the deployer said ("" when nothing)
  std::string source;                  // the folder it was deployed from
  std::optional<int64_t> rollback_of;  // set when made by RollbackConfig
  std::string created_at;              // ISO 8601 UTC, milliseconds
  int64_t files = 0;

  // {"version", "project", "content_hash", "message", "source", "rollback_of", "created_at",
  // "files"}
  common::json::object ToJson() const;
};

// A deployed project as the engine runs it.
struct DeployedConfig {
  ConfigVersionInfo info;
  ProjectSpec project;             // parsed from the stored sluice.yaml; state_machines and
                                   // jobs list every stored one
  std::vector<ProjectFile> files;  // every stored file, sorted by path
  std::map<std::string, std::string> state_machines;  // name → ASL definition (JSON text)
  std::map<std::string, std::string> jobs;            // name → job spec (YAML text)
  std::vector<ProjectFile> models;                    // models/*.sql and their *.yaml sidecars

  // The stored file at `path`, or nullptr.
  const ProjectFile* File(std::string_view path) const;
};

struct DeployResult {
  bool changed = false;       // false: the latest version already had this content
  ConfigVersionInfo version;  // the new version, or the latest when unchanged
};

// Appends `project` as a new version unless the latest version has the same content hash.
Result<DeployResult> StoreConfigVersion(
    catalog::Catalog& catalog, const LoadedProject& project, const std::string& message,
    const common::Clock& clock = *common::SystemClock::Default());

// Appends a version whose files equal `version`'s (message "rollback to version N"), unless
// the latest already has that content. NotFound for an unknown version.
Result<DeployResult> RollbackConfig(catalog::Catalog& catalog, int64_t version,
                                    const common::Clock& clock = *common::SystemClock::Default());

// Every version, newest first.
Result<std::vector<ConfigVersionInfo>> ListConfigVersions(catalog::Catalog& catalog);

// The newest version number; 0 when nothing was deployed. Cheap: poll it.
Result<int64_t> LatestVersion(catalog::Catalog& catalog);

// One version with its files and parsed project. NotFound for an unknown version;
// Corruption when a stored file is missing or the stored sluice.yaml no longer parses.
Result<DeployedConfig> LoadConfigVersion(catalog::Catalog& catalog, int64_t version);

// The newest version, or nullopt when nothing was deployed.
Result<std::optional<DeployedConfig>> LatestConfig(catalog::Catalog& catalog);

// The deployed models parsed as warehouse::LoadModels reads a folder: each `<name>.sql` with
// its `<name>.yaml` (or `.yml`) sidecar, sorted by name. InvalidArgument as ParseModel
// reports it (BuildModels checks the dependency graph).
Result<std::vector<warehouse::Model>> DeployedModels(const DeployedConfig& config);

// What changed from `from` to `to`: a summary line per added, removed or changed file (for
// sluice.yaml the top-level fields that changed; for state machines the states), then a
// unified diff (3 lines of context) of each changed file. "" when equal.
std::string DiffConfigs(const DeployedConfig& from, const DeployedConfig& to);

}  // namespace sluice::project
