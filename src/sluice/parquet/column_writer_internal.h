#pragma once

// The Parquet writer's column layer (internal to the parquet module): the leaf columns of a
// schema with their definition/repetition level structure, the Dremel shredding of nested
// column vectors into levels, and ColumnChunkWriter, which turns one leaf's levels and values
// into the pages of a column chunk (dictionary or PLAIN / DELTA_BINARY_PACKED values, RLE
// levels, compression, statistics, page index entries).
//
// A ColumnChunkWriter buffers the finished pages of the column chunk being built (memory is
// bounded by the row group) and reuses every buffer across pages and row groups. It is
// single-threaded. FileWriter (file_writer.h) owns one per leaf.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/compression.h"
#include "sluice/parquet/dictionary.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/record_batch.h"
#include "sluice/parquet/rle.h"

namespace sluice::parquet {

struct WriterOptions;

// How min/max statistics of a column compare (LogicalTypes.md, "Sort order").
enum class StatsOrder {
  kSigned,         // signed integers, dates, times, timestamps, INT32/INT64 decimals
  kUnsigned,       // UINT_8 ... UINT_64
  kFloat,          // FLOAT and DOUBLE: NaN ignored, zeros normalized
  kBoolean,        // false < true
  kBytes,          // strings, binaries, UUIDs: unsigned lexicographic
  kSignedBytes,    // FIXED_LEN_BYTE_ARRAY decimals: big-endian two's complement
};

// One step on the way from a top-level column to a leaf.
struct PathNode {
  enum class Kind { kList, kStruct, kLeaf };
  Kind kind = Kind::kLeaf;
  bool nullable = false;
  // The definition level when this node is present (a list: present, possibly empty). When
  // a nullable node is null, the level is def_level - 1.
  int16_t def_level = 0;
  // Lists: the repetition level of their elements after the first.
  int16_t rep_level = 0;
  // Structs: the child on the path.
  int child = 0;
};

struct LeafColumn {
  std::vector<std::string> path;  // path_in_schema
  int field_index = 0;            // the top-level field
  std::vector<PathNode> nodes;    // nodes[0] is the top-level field, the last the leaf
  int16_t max_def = 0;
  int16_t max_rep = 0;
  Type physical = Type::kBoolean;
  int32_t type_length = 0;        // FIXED_LEN_BYTE_ARRAY
  DataType type;                  // the leaf's sluice type
  StatsOrder order = StatsOrder::kSigned;

  bool is_flat() const { return nodes.size() == 1; }
};

// The leaf columns of `schema`, depth-first. `elements` is ToParquetSchema(schema).
std::vector<LeafColumn> BuildLeafColumns(const Schema& schema,
                                         const std::vector<SchemaElement>& elements);

// A leaf's levels and values for a range of rows. Reused across batches.
struct LeafLevels {
  const ColumnVector* leaf = nullptr;  // the column vector holding the leaf's values
  std::vector<int16_t> def;
  std::vector<int16_t> rep;
  // The slot in `leaf` of each present value (def == max_def), in order.
  std::vector<int64_t> slots;
};

// Shreds rows [begin, end) of `top` (the top-level column vector of column.field_index) into
// column's levels, with the Dremel algorithm: a null at a nullable node emits its parent's
// definition level, an empty list its own, and every list element after the first starts
// with the list's repetition level. Only for nested columns (!column.is_flat()).
void ComputeLevels(const LeafColumn& column, const ColumnVector& top, int64_t begin, int64_t end,
                   LeafLevels* out);

// A run of whole rows of one leaf handed to ColumnChunkWriter::Write.
struct LeafSlice {
  const ColumnVector* leaf = nullptr;
  const int16_t* def = nullptr;  // nullptr when max_def == 0 (every level is a value)
  const int16_t* rep = nullptr;  // nullptr when max_rep == 0 (one level per row)
  int64_t num_levels = 0;
  int64_t num_rows = 0;
  // The slots of the present values; nullptr means slots first_slot, first_slot + 1, ...
  const int64_t* slots = nullptr;
  int64_t first_slot = 0;
};

// The finished column chunk: metadata (offsets already absolute) and page index.
struct FinishedChunk {
  ColumnChunk chunk;
  std::optional<ColumnIndex> column_index;  // absent when a page's min/max is unknown
  OffsetIndex offset_index;
};

class ColumnChunkWriter {
 public:
  // `column` and `options` must outlive the writer.
  static Result<std::unique_ptr<ColumnChunkWriter>> Make(const LeafColumn& column,
                                                         const WriterOptions& options);

  // Appends whole rows; cuts pages by the options at row boundaries.
  Status Write(const LeafSlice& slice);

  // An estimate of the chunk's size so far (finished pages, dictionary, the open page).
  int64_t EstimatedBytes() const;

  // Flushes the open page and appends the chunk (dictionary page first) to *out, whose
  // bytes start at `file_offset` in the file. The writer is then ready for the next chunk.
  Status Finish(int64_t file_offset, std::string* out, FinishedChunk* finished);

 private:
  ColumnChunkWriter(const LeafColumn& column, const WriterOptions& options,
                    std::unique_ptr<Codec> codec);

  enum class ValueKind { kBool, kInt32, kInt64, kFloat, kDouble, kBytes };

  // Values of one piece gathered into a typed array (or pointing into the column vector).
  struct Gathered {
    const uint8_t* bools = nullptr;
    const int32_t* ints32 = nullptr;
    const int64_t* ints64 = nullptr;
    const float* floats = nullptr;
    const double* doubles = nullptr;
    const std::string_view* bytes = nullptr;
    int64_t count = 0;
  };

  void Gather(const LeafSlice& slice, int64_t value_begin, int64_t count, Gathered* g);
  void AppendPiece(const LeafSlice& slice, int64_t level_begin, int64_t level_end,
                   int64_t value_begin, int64_t value_count, int64_t rows);
  void UpdateStats(const Gathered& g);
  void AppendPlain(const Gathered& g);
  int64_t EstimatedPageBytes() const;
  Status FlushPage();
  void AbandonDictionary();
  Status WritePage(PageHeader header, std::string_view levels, std::string_view body,
                   bool v2);
  bool Less(std::string_view a, std::string_view b) const;
  std::optional<Statistics> FinalStatistics(const std::optional<std::string>& min,
                                            const std::optional<std::string>& max,
                                            int64_t null_count) const;
  void ResetChunk();

  const LeafColumn& column_;
  const WriterOptions& options_;
  std::unique_ptr<Codec> codec_;
  ValueKind kind_;
  int value_width_ = 0;  // fixed-width kinds and FIXED_LEN_BYTE_ARRAY

  // Gather scratch.
  std::vector<uint8_t> gather_bools_;
  std::vector<int32_t> gather_ints32_;
  std::vector<int64_t> gather_ints64_;
  std::vector<float> gather_floats_;
  std::vector<double> gather_doubles_;
  std::vector<std::string_view> gather_bytes_;

  // The open page.
  std::vector<int16_t> page_def_;
  std::vector<int16_t> page_rep_;
  std::vector<uint32_t> page_indices_;
  std::vector<int32_t> page_ints32_;
  std::vector<int64_t> page_ints64_;
  std::vector<uint8_t> page_bools_;
  std::string page_plain_;      // PLAIN values of the other kinds
  int64_t page_plain_bytes_ = 0;  // what the page's values take PLAIN-encoded
  int64_t page_values_ = 0;       // non-null values
  int64_t page_levels_ = 0;
  int64_t page_rows_ = 0;
  std::optional<std::string> page_min_, page_max_;

  // Dictionary state of the chunk.
  DictionaryBuilder dict_;
  bool dict_active_ = false;   // values of the open page go to the dictionary
  bool dict_used_ = false;     // some finished page is dictionary-encoded
  bool dict_tried_ = false;    // the first-page decision was made

  // The chunk: finished data pages, page index, statistics.
  std::string pages_;
  std::vector<PageLocation> locations_;  // offsets relative to pages_
  ColumnIndex column_index_;
  bool column_index_valid_ = true;
  std::optional<std::string> chunk_min_, chunk_max_;
  int64_t chunk_nulls_ = 0;
  int64_t chunk_levels_ = 0;
  int64_t chunk_rows_ = 0;
  int64_t chunk_uncompressed_ = 0;
  std::vector<Encoding> encodings_;
  std::vector<PageEncodingStats> encoding_stats_;

  // Page assembly scratch.
  RleEncoder def_encoder_;
  RleEncoder rep_encoder_;
  std::string levels_buf_;
  std::string body_buf_;
  std::string page_buf_;
  std::string compressed_buf_;
  std::string header_buf_;
};

}  // namespace sluice::parquet
