#pragma once

// The catalog schema as an ordered list of migrations. Each migration has a version
// (1, 2, …, never reused or edited once released), a name and its SQL per engine.
// Catalog implementations apply, at Open and inside one write transaction, every
// migration above the recorded version, and record each in `schema_migrations`.
// docs/formats/catalog.md documents the resulting tables.

#include <string_view>
#include <vector>

namespace sluice::catalog {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sqlite_sql;  // one or more statements separated by ';'
};

// All migrations in version order.
const std::vector<Migration>& Migrations();

}  // namespace sluice::catalog
