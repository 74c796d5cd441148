#pragma once

// What the warehouse remembers about each model between builds, in `gold._sluice_models`
// (same SQL on both engines):
//
//   CREATE TABLE gold._sluice_models (
//     model TEXT PRIMARY KEY, materialized TEXT, sql_hash TEXT,
//     built_at TEXT,       -- RFC 3339, UTC
//     upstream TEXT,       -- JSON {"silver.orders": 12, …}: the last load_seq seen per table
//     rows BIGINT,
//     definition TEXT)     -- the SQL of the last successful build (views are re-created
//                          -- from it when a table they read is swapped)
//
// Functions run on the caller's session and transaction.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sluice/common/status.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

struct ModelState {
  std::string model;
  std::string materialized;
  std::string sql_hash;
  std::string built_at;
  std::map<std::string, int64_t> upstream;  // "silver.orders" → last load_seq seen
  int64_t rows = 0;
  std::string definition;
};

// Creates gold._sluice_models when missing.
Status EnsureModelStateTable(Session& session);

// nullopt when the model was never built.
Result<std::optional<ModelState>> ReadModelState(Session& session, const std::string& model);

// Replaces the model's row; sets built_at to now.
Status WriteModelState(Session& session, ModelState state);

// A count or sequence number as either engine returns it (an integer; PostgreSQL's
// NUMERIC sums come back as text); 0 for NULL or anything unreadable.
int64_t CountValue(const Value& value);

// The newest load_seq recorded for `table` in its layer's load log; 0 when none.
Result<int64_t> LastLoadSeq(Session& session, const TableName& table);

}  // namespace sluice::warehouse
