#pragma once

// Loads: one source object's silver rows into one warehouse table, idempotently.
//
// A load runs in one warehouse transaction holding the table's lock (Session::LockTable), so
// a crash leaves the table as it was before the load and two loads of one table serialise:
//   1. the table is created from the dataset schema, or evolved to it: new columns are added
//      (nullable), widened types altered (int8→…→int64, ints or float → double, decimal
//      precision or scale up keeping the integer digits); anything else is refused with a
//      readable diff and the table is left alone;
//   2. replace_source: the rows an earlier load took from the same source are deleted and
//      the source's current silver rows inserted — loading a source twice leaves the table
//      as after the first load. merge: rows are staged and upserted on the primary key, the
//      row with the larger order_by value winning (the later load when there is none); rows
//      whose key is NULL are always inserted;
//   3. the load is appended to `<layer>._sluice_loads` with the partitions it touched
//      (load_log.h), and the table's dataset schema to `<layer>._sluice_tables`.
// Every loaded row carries `_sluice_load_id` and `_sluice_source`. docs/warehouse.md.
//
// Thread-safety: a load uses the caller's Session (one thread).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"
#include "sluice/warehouse/load_log.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

enum class LoadMode { kReplaceSource, kMerge };
std::string_view LoadModeName(LoadMode mode);  // "replace_source" | "merge"
// InvalidArgument `load mode "x": expected replace_source or merge`.
Result<LoadMode> ParseLoadMode(std::string_view text);

// One silver Parquet file of the source.
struct LoadFile {
  std::string path;  // readable path of the Parquet file
  // The file's Hive partition values: one single-value column per partition column (typed
  // as the schema declares it; a null value for __HIVE_DEFAULT_PARTITION__).
  std::vector<std::pair<std::string, parquet::ColumnVector>> partition_values;
};

struct LoadRequest {
  TableName table;
  // The dataset schema (latest version), partition columns included, in dataset order.
  std::vector<Column> columns;
  int64_t schema_version = 0;
  std::vector<std::string> partition_columns;
  LoadMode mode = LoadMode::kReplaceSource;
  std::vector<std::string> primary_key;  // merge: required
  std::string order_by;                  // merge: optional
  std::string source;                    // the source object
  std::string run_id;                    // the ETL run loaded ("" when loaded by source)
  std::string load_id;                   // unique; becomes _sluice_load_id
  // Every live silver file of the source (none: the source's rows are only removed).
  std::vector<LoadFile> files;
  // When set, called once the table's lock is held, and its files replace `files`: reading
  // what silver holds under the lock makes concurrent loads commit in the order they read,
  // so the last commit carries the newest silver state.
  std::function<Result<std::vector<LoadFile>>()> list_files;
};

struct LoadResult {
  LoadRecord record;                       // as appended to the load log
  bool table_created = false;
  std::vector<std::string> schema_changes;  // "added column x string", "widened n int32 → int64"
  int64_t rows_skipped = 0;                 // merge: staged rows older than the table's row
  int64_t files = 0;                        // silver files read
};

// Runs the load in its own transaction on `session` (which must have none open).
// InvalidArgument for an incompatible schema (the message lists every difference) or a bad
// request; the engine's error otherwise. The table is unchanged on any error.
Result<LoadResult> LoadSource(Session& session, const LoadRequest& request);

}  // namespace sluice::warehouse
