#pragma once

// Row-wise operations on flat RecordBatches (every column of a job's output: booleans,
// integers, floats, decimals, strings, json, dates, timestamps; not lists or structs) that
// the job runner needs: selecting rows, order-preserving value encodings for dedupe keys and
// ordering columns, and Hive partition directory names. Pure functions; thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

// Appends `src`'s value at `row` (or its null) to `dst`, which has the same type.
void AppendValue(const parquet::ColumnVector& src, int64_t row, parquet::ColumnVector* dst);

// The rows of `batch` at `rows` (in that order) as a new batch with the same schema.
parquet::RecordBatch TakeRows(const parquet::RecordBatch& batch, const std::vector<int64_t>& rows);

// Appends the rows of `src` at rows[0..n) to `dst`, which has the same schema; a typed loop
// per column (the fast path the job runner gathers partitions with).
void AppendRows(const parquet::RecordBatch& src, const int64_t* rows, size_t n,
                parquet::RecordBatch* dst);

// About how many bytes of memory the batch's values take.
int64_t ApproximateBytes(const parquet::RecordBatch& batch);

// The rows whose keep[i] is non-zero.
parquet::RecordBatch FilterRows(const parquet::RecordBatch& batch,
                                const std::vector<uint8_t>& keep);

// The columns of `batch` other than those at `drop` (ascending positions).
parquet::RecordBatch DropColumns(parquet::RecordBatch batch, const std::vector<int>& drop);

// Appends an encoding of the value at `row` to `out` such that comparing two encodings with
// memcmp orders them as the values order (NULL first, then numbers by value, strings by
// bytes), and distinct values of one type have distinct encodings. Used for dedupe keys
// (several columns concatenated) and ordering columns.
void AppendOrderedKey(const parquet::ColumnVector& column, int64_t row, std::string* out);

// The Hive partition directory component `name=value` for the value at `row`: dates as
// YYYY-MM-DD, timestamps as YYYY-MM-DD HH:MM:SS[.ffffff] (UTC), numbers in decimal, booleans
// true/false, strings as they are; characters that are special in paths or to Hive
// (control bytes, `"#%'*/:=?\{[]^` and DEL) escaped as %XX; NULL (and the empty string) as
// __HIVE_DEFAULT_PARTITION__.
std::string HivePartitionComponent(std::string_view name, const parquet::ColumnVector& column,
                                   int64_t row);

// Text forms of single values: sluice/parquet/value_text.h.
// The value at `row` as text for reports and messages ("NULL" for null).
std::string ValueToText(const parquet::ColumnVector& column, int64_t row);

}  // namespace sluice::etl
