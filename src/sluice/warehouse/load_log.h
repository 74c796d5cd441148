#pragma once

// The load log: every change of a warehouse table's rows — a load of silver output, a model
// build — recorded in `<layer>._sluice_loads` inside the transaction that made it, so the
// log and the data can never disagree. Incremental models read it to learn which partitions
// changed since their last build (models.h). Same SQL on both engines:
//
//   CREATE TABLE <layer>._sluice_loads (
//     table_name TEXT, load_seq BIGINT,            -- 1, 2, … per table
//     load_id TEXT, source TEXT, run_id TEXT, mode TEXT,
//     rows_inserted BIGINT, rows_updated BIGINT, rows_deleted BIGINT,
//     partition_columns TEXT,                      -- JSON array of column names
//     partitions TEXT,                             -- JSON array of value arrays; NULL: all
//     loaded_at TEXT,                              -- RFC 3339, UTC
//     PRIMARY KEY (table_name, load_seq))
//
// docs/warehouse.md#bookkeeping documents it. Functions run on the caller's session and
// transaction; AppendLoad expects the caller to hold the table's lock (Session::LockTable).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

// One partition's values, in partition_columns order, as the engine's text (nullopt: NULL).
using PartitionValues = std::vector<std::optional<std::string>>;

struct LoadRecord {
  TableName table;
  int64_t load_seq = 0;  // assigned by AppendLoad
  std::string load_id;
  std::string source;  // the source object (s3://bucket/key or a path); "" for model builds
  std::string run_id;  // the ETL run, or the model build
  std::string mode;    // replace_source | merge | full | incremental
  int64_t rows_inserted = 0;
  int64_t rows_updated = 0;
  int64_t rows_deleted = 0;
  std::vector<std::string> partition_columns;
  // The partitions whose rows changed; nullopt when unknown (treat as every partition).
  std::optional<std::vector<PartitionValues>> partitions;
  std::string loaded_at;  // set by AppendLoad
};

// The JSON form `_sluice_loads.partitions` stores: [["2026-11-27"], [null]].
boost::json::array PartitionsToJson(const std::vector<PartitionValues>& partitions);

// Creates `<layer>._sluice_loads` when missing.
Status EnsureLoadLog(Session& session, std::string_view layer);

// The load_seq the table's next load gets (1 for its first); the caller holds its lock.
Result<int64_t> NextLoadSeq(Session& session, const TableName& table);

// Appends `record` with the table's next load_seq and the current time; returns the record
// as stored.
Result<LoadRecord> AppendLoad(Session& session, LoadRecord record);

// The table's loads with load_seq > after_seq, oldest first.
Result<std::vector<LoadRecord>> LoadsSince(Session& session, const TableName& table,
                                           int64_t after_seq);

}  // namespace sluice::warehouse
