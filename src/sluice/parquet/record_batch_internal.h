#pragma once

// The parquet module's own shorthand for record_batch.h's storage classification (kept so
// its readers and writers can say internal::StorageOf). Stateless; thread-safe.

#include "sluice/parquet/record_batch.h"

namespace sluice::parquet::internal {

using parquet::FixedWidthOf;
using parquet::Storage;
using parquet::StorageOf;

}  // namespace sluice::parquet::internal
