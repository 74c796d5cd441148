#pragma once

// What silver holds for a source object, for readers that load it elsewhere (the warehouse):
// the dataset's current schema, its Hive partition columns, and each source's live silver
// files with their partition values decoded and typed. Read in one catalog snapshot, so a
// concurrent run's publish is seen entirely or not at all.
//
// A run changes the silver rows of more sources than its own: dedupe against silver removes
// older rows of other sources (their files are rewritten, or superseded when no row is left;
// dataset_files.deleted_by_run), and those sources must be reloaded too. SilverFilesOfRun
// lists them all. Thread-safety: stateless functions.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/etl/schema_registry.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

struct SilverFile {
  std::string path;            // absolute path of the Parquet file
  std::string partition_path;  // `order_date=2026-11-27` ('' unpartitioned)
  // One single-value column per partition column, typed by the schema (NULL for
  // __HIVE_DEFAULT_PARTITION__).
  std::vector<std::pair<std::string, parquet::ColumnVector>> partition_values;
};

struct SilverSource {
  std::string source;  // s3://bucket/key or a path, as dataset_files records it
  std::vector<SilverFile> files;  // its live files; empty when none of its rows is left
};

struct SilverSnapshot {
  std::string dataset;
  SchemaVersion schema;                        // the latest version
  std::vector<std::string> partition_columns;  // in directory order
  std::vector<SilverSource> sources;
};

// The sources a SUCCEEDED run changed, with their live files. NotFound for an unknown run;
// FailedPrecondition when the run did not succeed (its output was never published).
Result<SilverSnapshot> SilverFilesOfRun(catalog::Catalog& catalog, const std::string& lake_dir,
                                        std::string_view run_id);

// One source object's live files in `dataset`. NotFound when the dataset has no schema.
Result<SilverSnapshot> SilverFilesOfSource(catalog::Catalog& catalog, const std::string& lake_dir,
                                           std::string_view dataset, std::string_view source);

// Decodes `order_date=2026-11-27/country=DE` (Hive escapes %XX undone) into typed values.
// InvalidArgument naming the component when a name is not in `schema` or a value does not
// cast to its column's type.
Result<std::vector<std::pair<std::string, parquet::ColumnVector>>> DecodePartitionPath(
    std::string_view partition_path, const parquet::Schema& schema);

}  // namespace sluice::etl
