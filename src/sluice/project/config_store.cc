#include "sluice/project/config_store.h"

#include <algorithm>
#include <set>

#include "sluice/common/hash.h"
#include "sluice/project/unified_diff.h"

namespace sluice::project {
namespace {

namespace json = common::json;

constexpr std::string_view kVersionColumns =
    "v.version, v.project, v.content_hash, v.message, v.source, v.rollback_of, v.created_at, "
    "(SELECT count(*) FROM config_files f WHERE f.version = v.version)";

ConfigVersionInfo InfoFromRow(const catalog::Row& row) {
  ConfigVersionInfo info;
  info.version = row.Int(0);
  info.project = row.Text(1);
  info.content_hash = row.Text(2);
  info.message = row.Text(3);
  info.source = row.Text(4);
  if (!row.IsNull(5)) info.rollback_of = row.Int(5);
  info.created_at = row.Text(6);
  info.files = row.Int(7);
  return info;
}

Result<std::optional<ConfigVersionInfo>> ReadInfo(catalog::Transaction& tx, int64_t version) {
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT " + std::string(kVersionColumns) +
                                                    " FROM config_versions v WHERE v.version = $1",
                                                {version}));
  if (!row) return std::optional<ConfigVersionInfo>();
  return std::optional<ConfigVersionInfo>(InfoFromRow(*row));
}

Result<std::optional<ConfigVersionInfo>> ReadLatest(catalog::Transaction& tx) {
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT max(version) FROM config_versions"));
  if (!row || row->IsNull(0)) return std::optional<ConfigVersionInfo>();
  return ReadInfo(tx, row->Int(0));
}

Result<std::vector<ProjectFile>> ReadFiles(catalog::Transaction& tx, int64_t version) {
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT f.path, f.kind, f.name, f.sha256, b.content FROM config_files f "
                          "LEFT JOIN config_blobs b ON b.sha256 = f.sha256 "
                          "WHERE f.version = $1 ORDER BY f.path",
                          {version}));
  std::vector<ProjectFile> files;
  for (const catalog::Row& row : rows) {
    if (row.IsNull(4)) {
      return Status::Corruption("config version " + std::to_string(version) + ": the content of " +
                                row.Text(0) + " (sha256 " + row.Text(3) + ") is missing");
    }
    files.push_back({row.Text(0), row.Text(1), row.Text(2), row.Text(4)});
  }
  return files;
}

// Appends a version with `files` in `tx` (whose write lock serialises version numbers).
Result<ConfigVersionInfo> AppendVersion(catalog::Transaction& tx,
                                        const std::vector<ProjectFile>& files,
                                        const std::string& project, const std::string& message,
                                        const std::string& source,
                                        std::optional<int64_t> rollback_of,
                                        const common::Clock& clock) {
  SLUICE_ASSIGN_OR_RETURN(auto latest, tx.QueryOne("SELECT max(version) FROM config_versions"));
  ConfigVersionInfo info;
  info.version = (latest && !latest->IsNull(0) ? latest->Int(0) : 0) + 1;
  info.project = project;
  info.content_hash = ContentHash(files);
  info.message = message;
  info.source = source;
  info.rollback_of = rollback_of;
  info.created_at = common::FormatIso8601Millis(clock.Now());
  info.files = static_cast<int64_t>(files.size());
  SLUICE_RETURN_IF_ERROR(
      tx.Execute("INSERT INTO config_versions (version, project, content_hash, message, source, "
                 "rollback_of, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 {info.version, info.project, info.content_hash, info.message, info.source,
                  rollback_of ? catalog::SqlValue(*rollback_of) : catalog::Null(), info.created_at})
          .status());
  for (const ProjectFile& f : files) {
    std::string sha = common::Sha256Hex(f.content);
    SLUICE_RETURN_IF_ERROR(tx.Execute("INSERT INTO config_blobs (sha256, content) VALUES ($1, $2) "
                                      "ON CONFLICT (sha256) DO NOTHING",
                                      {sha, f.content})
                               .status());
    SLUICE_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO config_files (version, path, kind, name, sha256) "
                   "VALUES ($1, $2, $3, $4, $5)",
                   {info.version, f.path, f.kind, f.name, sha})
            .status());
  }
  return info;
}

// Top-level fields of two sluice.yaml texts whose values differ.
std::vector<std::string> ChangedFields(const std::string& from, const std::string& to) {
  auto a = YamlToJson(from, "from");
  auto b = YamlToJson(to, "to");
  std::vector<std::string> fields;
  if (!a.ok() || !b.ok() || !a->is_object() || !b->is_object()) return fields;
  std::set<std::string> keys;
  for (const auto& kv : a->as_object()) keys.insert(std::string(kv.key()));
  for (const auto& kv : b->as_object()) keys.insert(std::string(kv.key()));
  for (const std::string& k : keys) {
    const json::value* x = a->as_object().if_contains(k);
    const json::value* y = b->as_object().if_contains(k);
    if (!x || !y || !common::JsonEquals(*x, *y)) fields.push_back(k);
  }
  return fields;
}

// States of two ASL definitions that were added, removed or changed ("+Name", "-Name",
// "~Name").
std::vector<std::string> ChangedStates(const std::string& from, const std::string& to) {
  auto a = common::ParseJson(from, "from");
  auto b = common::ParseJson(to, "to");
  std::vector<std::string> out;
  auto states = [](const Result<json::value>& v) -> const json::object* {
    if (!v.ok() || !v->is_object()) return nullptr;
    const json::value* s = v->as_object().if_contains("States");
    return s && s->is_object() ? &s->as_object() : nullptr;
  };
  const json::object* x = states(a);
  const json::object* y = states(b);
  if (!x || !y) return out;
  for (const auto& kv : *x) {
    const json::value* other = y->if_contains(kv.key());
    if (!other) {
      out.push_back("-" + std::string(kv.key()));
    } else if (!common::JsonEquals(kv.value(), *other)) {
      out.push_back("~" + std::string(kv.key()));
    }
  }
  for (const auto& kv : *y) {
    if (!x->contains(kv.key())) out.push_back("+" + std::string(kv.key()));
  }
  return out;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

json::object ConfigVersionInfo::ToJson() const {
  json::object o;
  o["version"] = version;
  o["project"] = project;
  o["content_hash"] = content_hash;
  o["message"] = message;
  o["source"] = source;
  o["rollback_of"] = rollback_of ? json::value(*rollback_of) : json::value(nullptr);
  o["created_at"] = created_at;
  o["files"] = files;
  return o;
}

const ProjectFile* DeployedConfig::File(std::string_view path) const {
  for (const ProjectFile& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

Result<DeployResult> StoreConfigVersion(catalog::Catalog& catalog, const LoadedProject& project,
                                        const std::string& message, const common::Clock& clock) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(auto latest, ReadLatest(*tx));
  if (latest && latest->content_hash == project.ContentHash()) return DeployResult{false, *latest};
  SLUICE_ASSIGN_OR_RETURN(ConfigVersionInfo info,
                          AppendVersion(*tx, project.files, project.spec.name, message, project.dir,
                                        std::nullopt, clock));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return DeployResult{true, std::move(info)};
}

Result<DeployResult> RollbackConfig(catalog::Catalog& catalog, int64_t version,
                                    const common::Clock& clock) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(auto target, ReadInfo(*tx, version));
  if (!target) {
    return Status::NotFound("config version " + std::to_string(version) + " does not exist");
  }
  SLUICE_ASSIGN_OR_RETURN(auto latest, ReadLatest(*tx));
  if (latest && latest->content_hash == target->content_hash) return DeployResult{false, *latest};
  SLUICE_ASSIGN_OR_RETURN(std::vector<ProjectFile> files, ReadFiles(*tx, version));
  SLUICE_ASSIGN_OR_RETURN(
      ConfigVersionInfo info,
      AppendVersion(*tx, files, target->project, "rollback to version " + std::to_string(version),
                    target->source, version, clock));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return DeployResult{true, std::move(info)};
}

Result<std::vector<ConfigVersionInfo>> ListConfigVersions(catalog::Catalog& catalog) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT " + std::string(kVersionColumns) +
                                               " FROM config_versions v ORDER BY v.version DESC"));
  std::vector<ConfigVersionInfo> out;
  for (const catalog::Row& row : rows) out.push_back(InfoFromRow(row));
  return out;
}

Result<int64_t> LatestVersion(catalog::Catalog& catalog) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT max(version) FROM config_versions"));
  return row && !row->IsNull(0) ? row->Int(0) : int64_t{0};
}

Result<DeployedConfig> LoadConfigVersion(catalog::Catalog& catalog, int64_t version) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto info, ReadInfo(*tx, version));
  if (!info)
    return Status::NotFound("config version " + std::to_string(version) + " does not exist");
  DeployedConfig config;
  config.info = std::move(*info);
  SLUICE_ASSIGN_OR_RETURN(config.files, ReadFiles(*tx, version));
  const ProjectFile* yaml = config.File(kProjectFileName);
  if (!yaml) {
    return Status::Corruption("config version " + std::to_string(version) + " has no " +
                              std::string(kProjectFileName));
  }
  auto spec = ParseProjectSpec(yaml->content, kProjectFileName);
  if (!spec.ok()) {
    return Status::Corruption("config version " + std::to_string(version) + ": " +
                              spec.status().message());
  }
  config.project = std::move(*spec);
  config.project.state_machines.clear();
  config.project.jobs.clear();
  for (const ProjectFile& f : config.files) {
    if (f.kind == "state_machine") {
      config.state_machines[f.name] = f.content;
      config.project.state_machines.push_back({f.name, f.path, {}});
    } else if (f.kind == "job") {
      config.jobs[f.name] = f.content;
      config.project.jobs.push_back({f.name, f.path, {}});
    } else if (f.kind == "model") {
      config.models.push_back(f);
    }
  }
  return config;
}

Result<std::optional<DeployedConfig>> LatestConfig(catalog::Catalog& catalog) {
  SLUICE_ASSIGN_OR_RETURN(int64_t version, LatestVersion(catalog));
  if (version == 0) return std::optional<DeployedConfig>();
  SLUICE_ASSIGN_OR_RETURN(DeployedConfig config, LoadConfigVersion(catalog, version));
  return std::optional<DeployedConfig>(std::move(config));
}

Result<std::vector<warehouse::Model>> DeployedModels(const DeployedConfig& config) {
  std::vector<warehouse::Model> models;
  for (const ProjectFile& f : config.models) {  // sorted by path, so by name
    if (!f.path.ends_with(".sql")) continue;
    std::string stem = f.path.substr(0, f.path.size() - 4);
    const ProjectFile* sidecar = config.File(stem + ".yaml");
    if (!sidecar) sidecar = config.File(stem + ".yml");
    SLUICE_ASSIGN_OR_RETURN(
        warehouse::Model model,
        warehouse::ParseModel(
            f.path, f.content, sidecar ? sidecar->path : "",
            sidecar ? std::optional<std::string_view>(sidecar->content) : std::nullopt));
    models.push_back(std::move(model));
  }
  return models;
}

std::string DiffConfigs(const DeployedConfig& from, const DeployedConfig& to) {
  std::string summary, diffs;
  std::string a = "v" + std::to_string(from.info.version) + "/";
  std::string b = "v" + std::to_string(to.info.version) + "/";
  std::set<std::string> paths;
  for (const ProjectFile& f : from.files) paths.insert(f.path);
  for (const ProjectFile& f : to.files) paths.insert(f.path);
  for (const std::string& path : paths) {
    const ProjectFile* x = from.File(path);
    const ProjectFile* y = to.File(path);
    if (x && y && x->content == y->content) continue;
    if (!x) {
      summary += "added:   " + path + "\n";
    } else if (!y) {
      summary += "removed: " + path + "\n";
    } else {
      std::string detail;
      if (y->kind == "project") {
        detail = JoinWords(ChangedFields(x->content, y->content));
        if (!detail.empty()) detail = " (fields: " + detail + ")";
      } else if (y->kind == "state_machine") {
        detail = JoinWords(ChangedStates(x->content, y->content));
        if (!detail.empty()) detail = " (states: " + detail + ")";
      }
      summary += "changed: " + path + detail + "\n";
    }
    diffs += UnifiedDiff(x ? x->content : "", y ? y->content : "", x ? a + path : "/dev/null",
                         y ? b + path : "/dev/null");
  }
  if (summary.empty()) return "";
  return summary + "\n" + diffs;
}

}  // namespace sluice::project
