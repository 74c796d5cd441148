#pragma once

// How a ColumnVector keeps the values of each type (record_batch.h's header comment, as
// code), for the parquet module's own readers and writers of ColumnVectors. Not part of the
// module's API. Stateless; thread-safe.

#include <cstddef>

#include "sluice/parquet/record_batch.h"

namespace sluice::parquet::internal {

// Which value member a type keeps its values in; kNone for lists and structs.
enum class Storage { kBools, kInts32, kInts64, kFloats, kDoubles, kOffsets, kFixed, kNone };
Storage StorageOf(const DataType& type);
// Bytes per value for kFixed storage (16 for UUIDs and wide decimals).
size_t FixedWidthOf(const DataType& type);

}  // namespace sluice::parquet::internal
