#pragma once

// Loading ETL output into the warehouse: what silver holds for the sources an ETL run
// changed (etl/silver_files.h), loaded source by source (warehouse/loads.h), each load
// recorded in the catalog's `warehouse_loads` (RUNNING, then SUCCEEDED or FAILED). Every
// load is idempotent, so running this again after a crash — or as a retried Task — converges
// on the same tables. Thread-safety: one call per thread; the catalog and warehouse are
// shared as their contracts allow.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/etl/job_spec.h"
#include "sluice/warehouse/loads.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::tasks {

// Where and how a dataset's silver rows are loaded.
struct SilverLoadTarget {
  std::string table;  // "" : silver.<dataset>
  warehouse::LoadMode mode = warehouse::LoadMode::kReplaceSource;
  std::vector<std::string> primary_key;  // merge
  std::string order_by;                  // merge: newest wins by it
};

// The job's `warehouse:` target with its dedupe key and ordering column (merge uses them).
// InvalidArgument for a bad table name or mode.
Result<SilverLoadTarget> LoadTargetOfJob(const etl::JobSpec& spec);

// Loads every source the SUCCEEDED run `run_id` changed. Returns one report per source
// (table, source, load_id, load_seq, mode, rows_inserted/updated/deleted/skipped,
// table_created, schema_changes, partitions, seconds). The first failing load stops the call
// with its error (naming the source); loads before it stay committed.
Result<common::json::array> LoadRunIntoWarehouse(catalog::Catalog& catalog,
                                                 const std::string& lake_dir,
                                                 warehouse::Warehouse& warehouse,
                                                 std::string_view run_id,
                                                 const SilverLoadTarget& target);

// Loads one source object's rows of `dataset`.
Result<common::json::array> LoadSourceIntoWarehouse(catalog::Catalog& catalog,
                                                    const std::string& lake_dir,
                                                    warehouse::Warehouse& warehouse,
                                                    std::string_view dataset,
                                                    std::string_view source,
                                                    const SilverLoadTarget& target);

}  // namespace sluice::tasks
