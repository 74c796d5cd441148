#pragma once

// The embedded catalog: one SQLite database file in WAL mode (readers never block the
// writer), synchronous=FULL so a committed transaction survives power loss, a busy timeout
// so several processes on one machine share it safely. Migrations are applied at Open.

#include <memory>
#include <string>

#include "sluice/catalog/catalog.h"

namespace sluice::catalog {

struct SqliteOptions {
  // How long Begin waits for another process's write lock before giving up (Unavailable).
  int busy_timeout_ms = 60000;
};


// Opens (creating if needed) the database at `path` and applies pending migrations.
// Errors name the path. The parent directory must exist.
Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path,
                                                   const SqliteOptions& options = {});

}  // namespace sluice::catalog
