#include "sluice/warehouse/postgres_warehouse.h"

// Placeholder until the libpq engine lands (branch pg-engine replaces this file).

namespace sluice::warehouse {

Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(std::string_view url) {
  return Status::InvalidArgument("warehouse URL \"" + std::string(url) +
                                 "\": this build has no PostgreSQL engine yet");
}

}  // namespace sluice::warehouse
