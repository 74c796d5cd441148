#pragma once

// The PostgreSQL engine of the warehouse (libpq). Internal: reached through OpenWarehouse.

#include <memory>
#include <string_view>

#include "sluice/common/status.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

// `url` is a libpq connection URI (postgres://… or postgresql://…). Does not connect yet.
Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(std::string_view url);

}  // namespace sluice::warehouse
