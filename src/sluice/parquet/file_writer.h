#pragma once

// FileWriter writes RecordBatches as a Parquet file to an OutputStream (a file, an object
// store upload, memory), streaming: it holds the row group being built (its encoded and
// compressed pages), writes each row group when it reaches the configured rows or bytes,
// and on Close() writes the page index (ColumnIndex/OffsetIndex) and the footer.
//
// Layering as in Arrow: FileWriter → row group → ColumnChunkWriter per leaf column
// (column_writer_internal.h) → pages → encoders (plain.h, dictionary.h, delta.h, rle.h) and
// codecs (compression.h). The schema is mapped by schema_convert.h. A FileWriter is
// single-threaded; the OutputStream it writes to must outlive it.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {

class ColumnChunkWriter;
struct LeafColumn;
struct LeafLevels;

struct WriterOptions {
  CompressionCodec codec = CompressionCodec::kZstd;
  int compression_level = 0;  // 0: the codec's default
  // A row group ends at whichever limit it reaches first (bytes as encoded and compressed).
  int64_t row_group_rows = 1 << 20;
  int64_t row_group_bytes = 128 << 20;
  // A data page ends at whichever limit it reaches first (bytes before compression; pages
  // end at row boundaries, so a page may exceed page_bytes by one row's values).
  int64_t page_bytes = 1 << 20;
  int64_t page_rows = 20000;
  // Dictionary encoding (RLE_DICTIONARY) while the dictionary page stays within
  // dictionary_page_limit bytes; past it the chunk's later pages are PLAIN. A chunk whose
  // first page would not get smaller with a dictionary is written without one, and so is a
  // chunk whose first 1,024 values are at least 97% distinct (decided then, not at the page's
  // end).
  bool dictionary = true;
  int64_t dictionary_page_limit = 1 << 20;
  bool data_page_v2 = false;
  // INT32/INT64 pages without a dictionary use DELTA_BINARY_PACKED when smaller than PLAIN.
  bool delta_integers = true;
  bool statistics = true;
  bool page_index = true;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::string created_by = "sluice version 0.1.0 (build sluice)";
};

class FileWriter {
 public:
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Starts a file on `out` (writes the leading magic). `out` must outlive the writer.
  // InvalidArgument for a schema Parquet cannot hold (naming the field; see ToParquetSchema)
  // or options out of range (naming the option); NotFound for an unsupported codec; the
  // stream's error when the write fails.
  static Result<std::unique_ptr<FileWriter>> Open(common::OutputStream* out, Schema schema,
                                                  WriterOptions options);

  // Appends the batch's rows (any number, also 0). InvalidArgument when the batch's schema
  // is not the writer's or the batch is inconsistent (RecordBatch::Validate); the stream's
  // error when writing a finished row group fails. After an error the writer is unusable.
  Status Write(const RecordBatch& batch);

  // Writes the last row group, the page index and the footer, then closes `out`.
  Status Close();

  int64_t rows_written() const { return rows_written_; }
  // The file's metadata; complete after Close().
  const FileMetaData& metadata() const { return metadata_; }

 private:
  FileWriter(common::OutputStream* out, Schema schema, WriterOptions options);
  Status WriteSlice(const RecordBatch& batch, int64_t begin, int64_t end);
  Status FlushRowGroup();
  Status Emit(std::string_view bytes);

  common::OutputStream* out_;
  Schema schema_;
  WriterOptions options_;
  std::vector<LeafColumn> leaves_;
  std::vector<std::unique_ptr<ColumnChunkWriter>> columns_;
  std::unique_ptr<LeafLevels> levels_;
  std::vector<int16_t> flat_def_;
  std::vector<int64_t> flat_slots_;
  FileMetaData metadata_;
  // Page indexes of the written row groups, [row group][column].
  std::vector<std::vector<std::optional<ColumnIndex>>> column_indexes_;
  std::vector<std::vector<OffsetIndex>> offset_indexes_;
  std::string chunk_buf_;
  int64_t position_ = 0;
  int64_t row_group_rows_ = 0;
  int64_t rows_written_ = 0;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace sluice::parquet
