#pragma once

// The schema registry: every version of every ETL dataset's schema, kept in the catalog table
// `dataset_schemas` (docs/formats/catalog.md). Versions of a dataset are numbered 1, 2, … and
// never change once registered; the latest is the dataset's current schema, and each data
// file records the version it was written under.
//
// Every function works inside a transaction the caller owns, so a job registers a new
// version in the same transaction that commits its files: either both happen or neither.
// Registering needs a kWrite transaction (writers are serialised, so two runs cannot both
// register the same version number). Thread-safety: that of the Transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/etl/schema_evolution.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

struct SchemaVersion {
  std::string dataset;
  int64_t version = 0;
  parquet::Schema schema;
  std::vector<std::string> changes;  // SchemaChange::ToString() texts; empty for version 1
  std::string run_id;                // the run that registered it; "" when none
  std::string created_at;            // `2026-11-27T12:00:00.123Z`
};

class SchemaRegistry {
 public:
  // The highest version of `dataset`, or nullopt when the dataset has none.
  // Corruption naming the row when a stored schema or change list does not parse.
  static Result<std::optional<SchemaVersion>> Latest(catalog::Transaction& tx,
                                                     std::string_view dataset);

  // Version `version` of `dataset`, or nullopt when there is no such version.
  static Result<std::optional<SchemaVersion>> Get(catalog::Transaction& tx,
                                                  std::string_view dataset, int64_t version);

  // Every version of `dataset`, or of all datasets when `dataset` is empty, ordered by
  // dataset, then version.
  static Result<std::vector<SchemaVersion>> List(catalog::Transaction& tx,
                                                 std::string_view dataset = "");

  // Appends version latest + 1 (1 for a new dataset) with `schema`, the `changes` that led to
  // it (from Evolve), the registering run (may be empty) and the time (`created_at`, in the
  // catalog's timestamp form), and returns it. InvalidArgument when `dataset` is empty or
  // `schema` fails ValidateDatasetSchema. Whether a new version is needed at all (Evolve
  // returned changes) is the caller's decision.
  static Result<SchemaVersion> Register(catalog::Transaction& tx, std::string_view dataset,
                                        const parquet::Schema& schema,
                                        const std::vector<SchemaChange>& changes,
                                        std::string_view run_id, std::string_view created_at);
};

}  // namespace sluice::etl
