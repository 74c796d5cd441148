#pragma once

// sluice's type names: the `type` of an ETL mapping or schema column, the
// target of `cast(x as TYPE)`, a warehouse table's recorded schema) and their canonical spelling.
//
// Accepted names (case-insensitive; whitespace around the name and inside `decimal( p , s )`
// is ignored):
//   bool, boolean                 -> TypeKind::kBoolean
//   int8, tinyint, byte           -> kInt8
//   int16, smallint, short        -> kInt16
//   int32, int, integer           -> kInt32
//   int64, bigint, long           -> kInt64
//   float                         -> kFloat
//   double                        -> kDouble
//   decimal(p,s)                  -> kDecimal, 1 <= p <= 38, 0 <= s <= p (p and s required)
//   string                        -> kString
//   date                          -> kDate
//   timestamp                     -> kTimestamp, microseconds, adjusted to UTC
//   json                          -> kJson
// Functions are pure and thread-safe.

#include <string>
#include <string_view>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {

// Parses a job-spec type name. InvalidArgument on anything else:
// `unknown type "x"; expected one of bool, int8, ...` or what is wrong with a decimal
// (`type "decimal(40,2)": precision must be 1 to 38`).
Result<DataType> ParseColumnType(std::string_view text);

// The canonical name of a type ParseColumnType produces ("bool", "int8", "decimal(10,2)",
// "timestamp", ...): ParseColumnType(ColumnTypeName(t)) == t. Other types (unsigned ints,
// binaries, timestamps in other units, lists, ...) get DataType::ToString().
std::string ColumnTypeName(const DataType& type);

}  // namespace sluice::parquet
