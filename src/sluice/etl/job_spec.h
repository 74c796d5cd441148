#pragma once

// ETL job specs: the YAML documents (jobs/*.yaml, docs/jobs.md) that say how a raw object
// becomes silver data — source format and dialect, Glue ApplyMapping-style column mapping
// with typed casts, derived columns, DQDL quality rules, dedupe, Hive partitioning, output
// options, schema evolution policy and bookmarks.
//
// ParseJobSpec only reads and checks the document's shape (every error names the file,
// line and column, and the field path, e.g. `jobs/orders.yaml:12:7: mapping[3].type: ...`);
// CompileJob (job_runner.h) resolves types, expressions and rules. Plain data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/etl/csv_reader.h"

namespace sluice::etl {

enum class SourceFormat { kCsv, kJsonl, kParquet };
std::string_view SourceFormatName(SourceFormat format);  // "csv", "jsonl", "parquet"

// One ApplyMapping entry: (source column, source type, target column, target type).
struct ColumnMapping {
  std::string source;       // CSV header name, JSONL path, or Parquet column
  std::string source_type;  // informational for text sources; checked for Parquet
  std::string target;
  std::string type;      // target type (column_type.h)
  std::string format;    // date/timestamp parse format; "" = ISO 8601
  bool nullable = true;  // false: a NULL value sends the row to quarantine
  bool trim = false;     // strip ASCII whitespace before casting
  int line = 0;          // where the entry is, for errors
};

// A column computed from mapped columns (expression.h).
struct DerivedColumn {
  std::string name;
  std::string expression;
  int line = 0;
};

struct DedupeSpec {
  std::vector<std::string> key;  // target columns; empty: no dedupe
  std::string order_by;          // the newest row (largest value) wins; "": the last read wins
};

struct OutputSpec {
  std::string codec = "zstd";  // none | snappy | gzip | zstd
  int compression_level = 0;   // 0: the codec's default
  int64_t row_group_rows = 1 << 20;
  int64_t row_group_bytes = 128 << 20;
  // The zstd level of the bronze copy of an object that is not compressed already. Negative
  // levels trade ratio for speed: the copy is written on every run and read only to replay.
  int bronze_compression_level = -3;
};

struct WarehouseTarget {
  std::string table;                    // e.g. silver.orders
  std::string mode = "replace_source";  // replace_source | merge
};

struct JobSpec {
  std::string path;     // the file it was read from ("" for text)
  std::string name;     // job name: bookmarks and runs are keyed by it
  std::string dataset;  // the silver dataset (default: name)
  std::string description;

  SourceFormat format = SourceFormat::kCsv;
  CsvDialect csv;                        // format csv
  std::vector<std::string> jsonl_paths;  // format jsonl: extra paths kept as columns
  std::string compression = "auto";      // auto (by suffix) | none | gzip | zstd

  // Empty: every source column is kept with an inferred type.
  std::vector<ColumnMapping> mapping;
  std::vector<DerivedColumn> derived;
  std::string rules;  // DQDL ruleset text ("" : no rules)
  int rules_line = 0;
  DedupeSpec dedupe;
  std::vector<std::string> partition_by;
  OutputSpec output;
  std::string evolution = "additive";  // additive | strict
  bool bookmark = true;
  std::optional<WarehouseTarget> warehouse;
};

// Parses a job spec. `source` names the document in errors (usually its path).
// InvalidArgument "<source>:<line>:<column>: <field path>: <what was expected>" for the first
// problem found: unknown fields, wrong kinds, missing required fields, bad enum values.
Result<JobSpec> ParseJobSpec(std::string_view yaml, std::string_view source);

// Reads and parses the file at `path`.
Result<JobSpec> LoadJobSpec(const std::string& path);

}  // namespace sluice::etl
