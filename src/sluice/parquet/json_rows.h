#pragma once

// Rows of a RecordBatch as JSON, in the canonical form tests/parquet/README.md defines (the
// form the independent readers print, so outputs compare value for value): integers beyond
// ±(2^53−1) and unsigned 64-bit values as decimal strings, NaN/±Infinity/−0 as strings,
// decimals as strings with exactly `scale` fraction digits, strings/enums/JSON as text, other
// binaries as lowercase hex, UUIDs hyphenated, dates "YYYY-MM-DD", times and timestamps in ISO
// form with the unit's fraction digits (and "Z" when adjusted to UTC), lists as arrays,
// structs as objects, nulls as null. Used by `sluice parquet head|cat`. Thread-safe.

#include <cstdint>
#include <string>

#include "sluice/common/json.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {

// The value of row `row` of `column` (whose type the column carries).
boost::json::value ValueToJson(const ColumnVector& column, int64_t row);
// Row `row` as a JSON object keyed by the schema's field names, in schema order.
boost::json::object RowToJson(const RecordBatch& batch, int64_t row);

}  // namespace sluice::parquet
