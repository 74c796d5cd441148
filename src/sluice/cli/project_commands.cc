#include "sluice/cli/project_commands.h"

#include <optional>

#include "sluice/common/hash.h"
#include "sluice/common/json.h"
#include "sluice/project/config_store.h"
#include "sluice/project/init.h"
#include "sluice/project/project.h"

namespace sluice::cli {
namespace {

namespace json = common::json;

int Fail(std::ostream& err, std::string_view command, const Status& st) {
  err << "sluice " << command << ": " << st.ToString() << "\n";
  return st.code() == StatusCode::kNotFound || st.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

std::string Count(size_t n, std::string_view what) {
  return std::to_string(n) + " " + std::string(what) + (n == 1 ? "" : "s");
}

// Loads and validates the project in `dir`; prints every problem and returns nullopt (exit
// code in *exit_code) when it does not hold.
std::optional<project::LoadedProject> LoadOrReport(const std::string& dir, std::ostream& err,
                                                   int* exit_code) {
  std::vector<project::Problem> problems;
  auto loaded = project::LoadProject(dir, &problems);
  if (loaded.ok()) return std::move(*loaded);
  if (problems.empty()) {
    *exit_code = Fail(err, "deploy", loaded.status());
    return std::nullopt;
  }
  for (const project::Problem& p : problems) err << p.ToString() << "\n";
  err << "sluice deploy: " << Count(problems.size(), "problem") << " in " << dir
      << "; nothing deployed\n";
  *exit_code = 2;
  return std::nullopt;
}

std::string Summary(const project::LoadedProject& loaded) {
  const project::ProjectSpec& spec = loaded.spec;
  size_t models = 0;
  for (const project::ProjectFile& f : loaded.files) {
    models += f.kind == "model" && f.path.ends_with(".sql");
  }
  return Count(spec.state_machines.size(), "state machine") + ", " +
         Count(spec.jobs.size(), "job") + ", " + Count(models, "model") + ", " +
         Count(spec.triggers.size(), "trigger") + ", " + Count(spec.functions.size(), "function") +
         ", " + Count(spec.topics.size(), "topic") + ", " + Count(spec.alarms.size(), "alarm");
}

}  // namespace

int InitCommand(const std::string& dir, std::ostream& out, std::ostream& err) {
  Status st = project::InitProject(dir);
  if (!st.ok()) {
    err << "sluice init: " << st.message() << "\n";
    return st.code() == StatusCode::kFailedPrecondition ? 2 : 1;
  }
  out << "wrote the orders example project to " << dir << "\n"
      << "next: sluice deploy --project " << dir << "\n";
  return 0;
}

int CheckProjectCommand(const std::string& dir, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  auto loaded = LoadOrReport(dir, err, &exit_code);
  if (!loaded) return exit_code;
  out << "ok: project " << loaded->spec.name << " in " << dir << " is valid: " << Summary(*loaded)
      << "\n";
  return 0;
}

int DeployCommand(Home& home, const std::string& dir, const std::string& message, std::ostream& out,
                  std::ostream& err) {
  int exit_code = 0;
  auto loaded = LoadOrReport(dir, err, &exit_code);
  if (!loaded) return exit_code;
  if (loaded->spec.storage.empty()) {
    for (const std::string& bucket : loaded->spec.buckets) {
      Status st = home.store().CreateBucket(bucket);
      if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return Fail(err, "deploy", st);
    }
  }
  auto result = project::StoreConfigVersion(home.catalog(), *loaded,
                                            message.empty() ? "deploy from " + dir : message);
  if (!result.ok()) return Fail(err, "deploy", result.status());
  const project::ConfigVersionInfo& v = result->version;
  if (!result->changed) {
    out << "no changes: config version " << v.version << " already holds this project (sha256 "
        << v.content_hash.substr(0, 12) << ")\n";
    return 0;
  }
  out << "deployed " << loaded->spec.name << " as config version " << v.version << " (sha256 "
      << v.content_hash.substr(0, 12) << "): " << Summary(*loaded) << "\n";
  return 0;
}

int ConfigVersionsCommand(Home& home, std::ostream& out, std::ostream& err) {
  auto versions = project::ListConfigVersions(home.catalog());
  if (!versions.ok()) return Fail(err, "config versions", versions.status());
  json::array list;
  for (const project::ConfigVersionInfo& v : *versions) list.push_back(v.ToJson());
  out << common::SerializeJsonPretty(list) << "\n";
  return 0;
}

int ConfigShowCommand(Home& home, int64_t version, const std::string& file, std::ostream& out,
                      std::ostream& err) {
  if (version == 0) {
    auto latest = project::LatestVersion(home.catalog());
    if (!latest.ok()) return Fail(err, "config show", latest.status());
    if (*latest == 0) {
      return Fail(err, "config show", Status::NotFound("nothing deployed yet (sluice deploy)"));
    }
    version = *latest;
  }
  auto config = project::LoadConfigVersion(home.catalog(), version);
  if (!config.ok()) return Fail(err, "config show", config.status());
  if (!file.empty()) {
    const project::ProjectFile* f = config->File(file);
    if (!f) {
      return Fail(
          err, "config show",
          Status::NotFound("config version " + std::to_string(version) + " has no file " + file));
    }
    out << f->content;
    return 0;
  }
  json::object o = config->info.ToJson();
  json::array files;
  for (const project::ProjectFile& f : config->files) {
    files.push_back(json::object{{"path", f.path},
                                 {"kind", f.kind},
                                 {"name", f.name},
                                 {"bytes", f.content.size()},
                                 {"sha256", common::Sha256Hex(f.content)}});
  }
  o["files"] = std::move(files);
  out << common::SerializeJsonPretty(o) << "\n";
  return 0;
}

int ConfigDiffCommand(Home& home, int64_t from, int64_t to, std::ostream& out, std::ostream& err) {
  auto a = project::LoadConfigVersion(home.catalog(), from);
  if (!a.ok()) return Fail(err, "config diff", a.status());
  auto b = project::LoadConfigVersion(home.catalog(), to);
  if (!b.ok()) return Fail(err, "config diff", b.status());
  std::string diff = project::DiffConfigs(*a, *b);
  out << (diff.empty() ? "no differences between config versions " + std::to_string(from) +
                             " and " + std::to_string(to) + "\n"
                       : diff);
  return 0;
}

int ConfigRollbackCommand(Home& home, int64_t version, std::ostream& out, std::ostream& err) {
  auto result = project::RollbackConfig(home.catalog(), version);
  if (!result.ok()) return Fail(err, "config rollback", result.status());
  if (!result->changed) {
    out << "no changes: the latest config version " << result->version.version
        << " already equals version " << version << "\n";
    return 0;
  }
  out << "config version " << result->version.version << " restores version " << version << "\n";
  return 0;
}

}  // namespace sluice::cli
