#pragma once

// One reader interface over a job's source formats: each record as field texts with null
// flags, its line (or row) number, its raw text for quarantine and, when malformed, the
// reason. CSV and JSON Lines come from csv_reader.h / jsonl_reader.h; Parquet rows are
// rendered as text (ValueToText) so that one cast path serves every format. A source owns
// its stream; single-threaded.
//
// Parallel parsing of one object (CSV, JSON Lines): NextBlock() cuts the rest of the input
// into blocks of whole records (record_block.h) and OpenBlock() makes a source of one block,
// on any thread; the blocks' sources, read in block order, give exactly the records Next()
// gives.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/etl/job_spec.h"
#include "sluice/etl/record_block.h"

namespace sluice::etl {

struct TextRecord {
  std::vector<std::string_view> fields;  // one per columns() entry; valid until Next()
  std::vector<uint8_t> nulls;            // 1: the field is null
  int64_t line = 0;                      // 1-based line (CSV, JSONL) or row (Parquet)
  std::string error;                     // "" when well-formed
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The column names (CSV header, JSONL paths, Parquet top-level columns).
  virtual const std::vector<std::string>& columns() const = 0;
  // False at the end; a Status only when the input itself fails.
  virtual Result<bool> Next(TextRecord* record) = 0;
  // The raw text of the record last returned by Next() (a Parquet row as a JSON object);
  // valid until the next call to Next() or RawText().
  virtual std::string_view RawText() = 0;
  // Bytes read from the (decompressed) input so far.
  virtual int64_t bytes_read() const = 0;

  // True when NextBlock() and OpenBlock() work (CSV, JSON Lines; not Parquet).
  virtual bool splittable() const { return false; }
  // Cuts the next block of about `target_bytes` (at least one record) from the input; false
  // at the end. Once called, Next() must not be. A Status only when the input itself fails.
  virtual Result<bool> NextBlock(size_t target_bytes, RecordBlock* block);
  // A source of `block`, cut by this source's NextBlock(), with this source's columns. May be
  // called from any thread while NextBlock() runs; the result is independent of this source.
  virtual Result<std::unique_ptr<RecordSource>> OpenBlock(RecordBlock block) const;
};

// Opens `raw` (already decompressed) as `spec`'s format. For JSONL, `columns` are the paths
// to extract (empty: the first record's keys). `name` appears in errors. The Parquet format
// reads `parquet_path`, a local file (Parquet needs random access).
Result<std::unique_ptr<RecordSource>> OpenRecordSource(const JobSpec& spec,
                                                       std::unique_ptr<common::InputStream> raw,
                                                       const std::vector<std::string>& columns,
                                                       const std::string& name);

Result<std::unique_ptr<RecordSource>> OpenParquetRecordSource(const std::string& path);

}  // namespace sluice::etl
