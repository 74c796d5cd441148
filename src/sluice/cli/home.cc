#include "sluice/cli/home.h"

#include <cstdlib>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/file_util.h"
#include "sluice/common/logging.h"

namespace sluice::cli {

std::string ResolveHomeDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SLUICE_HOME"); env && *env) return env;
  return "./.sluice";
}

Result<std::unique_ptr<Home>> Home::Open(const std::string& dir) {
  std::unique_ptr<Home> home(new Home());
  home->dir_ = dir;
  SLUICE_RETURN_IF_ERROR(common::CreateDirectories(dir));
  SLUICE_ASSIGN_OR_RETURN(home->catalog_, catalog::OpenSqliteCatalog(dir + "/catalog.db"));
  SLUICE_ASSIGN_OR_RETURN(home->local_, store::LocalObjectStore::Open(dir + "/buckets"));
  home->log_ = std::make_unique<events::EventLog>(home->catalog_.get());
  home->logged_ = std::make_unique<events::LoggedStore>(home->local_.get(), home->log_.get());
  SLUICE_ASSIGN_OR_RETURN(home->session_,
                          events::WriterSession::Open(*home->catalog_, *home->local_, *home->log_));
  common::LogDebug("engine home " + dir + " (catalog " + home->catalog_->url() + ", schema version " +
                   std::to_string(home->catalog_->schema_version()) + ")");
  if (home->session_->reconciled()) {
    const events::ReconcileReport& r = home->session_->report();
    common::LogWarn("a previous sluice process stopped without closing; reconciled the store "
                    "against the event log: " +
                    std::to_string(r.created_events) + " missing created events and " +
                    std::to_string(r.removed_events) + " missing removed events appended");
  }
  return home;
}

}  // namespace sluice::cli
