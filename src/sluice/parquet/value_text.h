#pragma once

// Text forms of single values held in ColumnVectors, shared by everything that shows or
// exchanges values as text: ETL casts to string, Hive partition names, reports, warehouse
// loads. Pure functions; thread-safe.

#include <cstdint>
#include <string>

#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {

// The unscaled value of a decimal at `row` (either storage: ints64 or 16 big-endian bytes).
__int128 DecimalAt(const ColumnVector& column, int64_t row);
// "-12.50" for (-1250, scale 2).
void AppendDecimalText(__int128 unscaled, int scale, std::string* out);
// YYYY-MM-DD (a negative year gets a leading '-').
void AppendDateText(int64_t days_since_epoch, std::string* out);
// YYYY-MM-DD HH:MM:SS, then .fff / .ffffff / .fffffffff (by unit) unless the fraction is 0;
// `value` counts `unit`s since the epoch, UTC.
std::string TimestampText(int64_t value, TimeUnit unit);
void AppendTimestampText(int64_t value, TimeUnit unit, std::string* out);
// Shortest text that reads back to the same value; NaN, Infinity, -Infinity.
void AppendFloatText(double v, std::string* out);
void AppendFloatText(float v, std::string* out);

}  // namespace sluice::parquet
