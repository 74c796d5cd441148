#pragma once

// The embedded SQLite engine of the warehouse. Internal: reached through OpenWarehouse.

#include <memory>
#include <string>

#include "sluice/common/status.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

// `folder` holds warehouse.db and one database file per layer; created when missing.
Result<std::unique_ptr<Warehouse>> OpenSqliteWarehouse(const std::string& folder);

}  // namespace sluice::warehouse
