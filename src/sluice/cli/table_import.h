#pragma once

// Small CSV and JSON-lines files to RecordBatches, for `sluice parquet convert` ("for quick
// use": the whole file is read into memory; the ETL module's readers are the streaming,
// dialect-aware ones). A schema is given as a spec ("id:int64,amount:decimal(10,2),
// name:string") or inferred from the data. Casts are strict: a value that does not fit its
// column is an error naming the file, line and column, never a silent null. Thread-safe.

#include <string>
#include <string_view>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::cli {

// Parses "name:type[,name:type…]" with types bool, int8/16/32/64, uint8/16/32/64, float,
// double, decimal(p,s), string, json, binary, date, timestamp (µs, UTC), timestamp_ms,
// uuid. Optional " not null" after a type makes the column required.
Result<parquet::Schema> ParseSchemaSpec(std::string_view spec);

// Reads a CSV file (RFC 4180: comma, double quotes with "" escapes, CRLF or LF, a header
// row). An empty unquoted field is null; "" is the empty string. Without `schema`, infers
// each column: bool (true/false), int64, double, date (YYYY-MM-DD), timestamp (RFC 3339),
// else string.
Result<parquet::RecordBatch> ReadCsvFile(const std::string& path, const parquet::Schema* schema);

// Reads JSON lines: one object per line; columns are the keys in first-seen order. Without
// `schema`, infers bool, int64 (double when any value has a fraction), string, and json
// (the value's text) for objects, arrays and columns of mixed types.
Result<parquet::RecordBatch> ReadJsonLinesFile(const std::string& path, const parquet::Schema* schema);

}  // namespace sluice::cli
