#pragma once

// FileReader reads Parquet files into RecordBatches (record_batch.h): every file sluice's
// writer produces and the files DuckDB, Arrow and hyparquet write (data pages v1 and v2,
// PLAIN, dictionary, RLE, delta and byte-stream-split encodings, the codecs compression.h
// supports, nested lists and structs, legacy list forms and converted types).
//
// Layering follows Arrow's: the file (footer, schema) → row groups → column chunks → pages
// → decoders. Projection reads and decompresses only the chunks of the columns asked for;
// predicates (predicate.h) prune row groups by their statistics and pages by the page index
// (ColumnIndex/OffsetIndex) when the file has one.
//
// Hostile input is expected: every length, count and offset read from the file is checked
// against the file's own sizes and fixed limits before it sizes an allocation, and every
// problem is a Status (Corruption, or InvalidArgument named "NotSupported" for valid files
// using features sluice lacks) whose message starts with the file name and names the row
// group, column and page.
//
// A FileReader owns its source; it is single-threaded (use one reader per thread). A
// BatchIterator borrows its reader, which must outlive it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/file_footer.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/predicate.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {

namespace internal {
struct ReaderSchema;
}

struct ReadOptions {
  // Top-level column names to read, in the order wanted; empty reads all.
  std::vector<std::string> columns;
  // ANDed; used for pruning only: rows of row groups and pages that may match are
  // returned, callers filter exactly.
  std::vector<Predicate> predicates;
  // Rows per batch (at most; a batch never spans row groups). Must be positive.
  int64_t batch_rows = 65536;
};

// Counters for tests and benchmarks.
struct ReadStats {
  int64_t bytes_read = 0;          // from the source, footer included
  int64_t pages_decompressed = 0;  // dictionary and data pages decoded
  int64_t pages_skipped = 0;       // data pages skipped by page-index pruning
  int64_t row_groups_skipped = 0;  // by Scan's statistics pruning
};

class FileReader;

// Streams batches from a FileReader; see FileReader::Scan.
class BatchIterator {
 public:
  // The next batch, or an empty optional at the end. After an error the iterator is done.
  Result<std::optional<RecordBatch>> Next();

 private:
  friend class FileReader;
  BatchIterator(FileReader* reader, ReadOptions options, std::vector<int> row_groups)
      : reader_(reader), options_(std::move(options)), row_groups_(std::move(row_groups)) {}

  FileReader* reader_;
  ReadOptions options_;
  std::vector<int> row_groups_;
  size_t next_group_ = 0;
  std::optional<RecordBatch> current_;  // the row group being sliced into batches
  int64_t current_offset_ = 0;
  bool done_ = false;
};

class FileReader {
 public:
  ~FileReader();

  // Reads and validates the footer and maps the schema. `file_name` prefixes every error.
  // Corruption for a broken footer, NotSupported for unsupported types (FLOAT16, INTERVAL).
  static Result<std::unique_ptr<FileReader>> Open(std::unique_ptr<RandomAccessSource> source,
                                                  std::string file_name);
  // Opens the file at `path` (its name in errors).
  static Result<std::unique_ptr<FileReader>> OpenFile(const std::string& path);

  const Schema& schema() const;
  const FileMetaData& metadata() const { return metadata_; }
  int64_t num_rows() const { return metadata_.num_rows; }
  int num_row_groups() const { return static_cast<int>(metadata_.row_groups.size()); }
  const std::string& file_name() const { return file_name_; }
  const ReadStats& stats() const { return stats_; }

  // Reads a whole row group's columns named in `columns` (top-level names; empty: all).
  // InvalidArgument for an unknown column or row group index; Corruption for bad data.
  Result<RecordBatch> ReadRowGroup(int index, const std::vector<std::string>& columns);

  // The row groups that may contain rows matching all `predicates`, judged by the column
  // chunk statistics. InvalidArgument for a predicate on an unknown column.
  Result<std::vector<int>> PruneRowGroups(const std::vector<Predicate>& predicates) const;

  // The rows of row group `index` that may match all `predicates` according to the page
  // index: sorted disjoint [begin, end) ranges. The whole row group when the file has no
  // page index for the predicates' columns.
  Result<std::vector<std::pair<int64_t, int64_t>>> PrunePages(
      int index, const std::vector<Predicate>& predicates);

  // Streams the file's pruned row groups (and pages) as batches of at most
  // options.batch_rows rows. InvalidArgument for bad options.
  Result<std::unique_ptr<BatchIterator>> Scan(const ReadOptions& options);

 private:
  friend class BatchIterator;
  FileReader(std::unique_ptr<RandomAccessSource> source, std::string file_name,
             FileMetaData metadata, std::unique_ptr<internal::ReaderSchema> schema);

  Status ReadAt(uint64_t offset, size_t length, std::string* out);
  Result<std::vector<int>> ResolveColumns(const std::vector<std::string>& columns) const;
  // Reads the projected row group, keeping only `ranges` when given.
  Result<RecordBatch> ReadRowGroupRanges(int index, const std::vector<int>& fields,
                                         const std::vector<std::pair<int64_t, int64_t>>* ranges);

  std::unique_ptr<RandomAccessSource> source_;
  std::string file_name_;
  FileMetaData metadata_;
  std::unique_ptr<internal::ReaderSchema> schema_;
  ReadStats stats_;
  std::string chunk_buffer_;
};

}  // namespace sluice::parquet
