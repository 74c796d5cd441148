#pragma once

// `sluice parquet schema|meta|head|cat|convert`: look inside Parquet files and make them from
// small CSV / JSON-lines files. Rows print as canonical JSON lines (parquet/json_rows.h).
// Each returns the exit code (0 ok, 1 failed, 2 usage) and prints errors to `err`.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace sluice::cli {

int ParquetSchema(const std::string& path, std::ostream& out, std::ostream& err);
int ParquetMeta(const std::string& path, std::ostream& out, std::ostream& err);
// `limit` < 0: every row. `columns` empty: every column.
int ParquetRows(const std::string& path, int64_t limit, const std::vector<std::string>& columns,
                std::ostream& out, std::ostream& err);

struct ConvertOptions {
  std::string input;   // .csv or .jsonl/.ndjson (by extension)
  std::string output;  // .parquet
  std::string schema;  // a schema spec (table_import.h); empty: inferred
  std::string codec = "zstd";  // zstd, snappy, gzip or none
  int64_t row_group_rows = 1 << 20;
};
int ParquetConvert(const ConvertOptions& options, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
