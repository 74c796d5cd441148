#pragma once

// The machinery behind FileReader (file_reader.h), not part of the parquet module's API:
//
// - ReaderSchema: the Parquet schema as a tree of logical nodes (primitive, struct, list),
//   each knowing the definition/repetition levels at which it is present, non-empty or
//   repeated, mapped to sluice Fields (LogicalType first, ConvertedType for old files, the
//   legacy two-level list forms of LogicalTypes.md, MAP as list<struct<key, value>>).
// - ColumnChunkDecoder: decodes one column chunk's pages (v1 and v2, every encoding and
//   codec sluice knows) into LeafData: its levels and its non-null values, already converted
//   to the leaf's sluice representation.
// - AssembleLeaf: rebuilds nested list/struct columns from the levels of their leaves.
// - SliceColumn: a row range of a column.
//
// Every decoding failure is Status::Corruption (or InvalidArgument named "NotSupported" for
// valid files using features sluice lacks) whose message the caller prefixes with the file
// name and column path. Objects are single-threaded.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/compression.h"
#include "sluice/parquet/delta.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/plain.h"
#include "sluice/parquet/record_batch.h"
#include "sluice/parquet/record_batch_internal.h"

namespace sluice::parquet::internal {

// An InvalidArgument status named "NotSupported".
Status NotSupported(std::string message);

struct LogicalNode {
  enum class Kind { kPrimitive, kStruct, kList };
  Kind kind = Kind::kPrimitive;
  Field field;  // name, sluice type, nullability
  // Definition level at and above which the node's value is present (not null).
  int16_t def_present = 0;
  // Lists: the definition level at and above which the list has at least one element, and
  // the repetition level that starts a new element.
  int16_t def_nonempty = 0;
  int16_t rep_element = 0;
  std::vector<LogicalNode> children;  // struct fields; a list's element
  // Leaves below this node: [first_leaf, end_leaf) in column chunk order.
  int first_leaf = 0;
  int end_leaf = 0;
  // Primitives: the schema element, and the leaf's maximum levels.
  int element = -1;
  int16_t max_def = 0;
  int16_t max_rep = 0;
};

struct LeafInfo {
  const LogicalNode* node = nullptr;
  std::string path;  // "a.b.c", the Parquet column path
  // The nodes from the top-level field down to the leaf.
  std::vector<const LogicalNode*> ancestry;
};

struct ReaderSchema {
  std::vector<LogicalNode> fields;  // top level
  std::vector<LeafInfo> leaves;     // in column chunk order
  Schema schema;
};

// Maps the footer's schema. Corruption or NotSupported (FLOAT16, INTERVAL, annotations
// that do not fit their physical type, nesting deeper than 64 levels), prefixed with
// `file_name`. The schema tree's shape has been checked by ReadFooter.
Result<std::unique_ptr<ReaderSchema>> BuildReaderSchema(const std::vector<SchemaElement>& schema,
                                                        std::string_view file_name);

// One column chunk, decoded.
struct LeafData {
  std::vector<int16_t> def;  // empty when max_def == 0
  std::vector<int16_t> rep;  // empty when max_rep == 0
  int64_t num_entries = 0;   // level entries (values including nulls)
  // The non-null values in order, in the leaf's sluice representation (no validity).
  ColumnVector values;
  // Rows decoded: [row_begin, row_begin + num_rows) within the row group, per kept run.
  void Clear();
};

struct DecodeStats {
  int64_t pages_decompressed = 0;
  int64_t pages_skipped = 0;
};

// A row range within a row group.
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
};

class ColumnChunkDecoder {
 public:
  // `leaf` and `element` must outlive the decoder.
  ColumnChunkDecoder(const LogicalNode& leaf, const SchemaElement& element);

  // Decodes the pages in `chunk` (the column chunk's bytes, starting at its first page)
  // into *out. `num_values` is the chunk's value count from the metadata and `num_rows` the
  // row group's. When `pages` is not null it lists the data pages (offsets relative to
  // `chunk`, first rows) from the offset index, and only data pages overlapping `ranges` are
  // decoded; rows outside `ranges` are then dropped, so *out holds exactly those rows.
  Status Decode(std::string_view chunk, CompressionCodec codec, int64_t num_values,
                int64_t num_rows, const std::vector<PageLocation>* pages,
                const std::vector<RowRange>* ranges, LeafData* out, DecodeStats* stats);

 private:
  Status DecodeDictionaryPage(const PageHeader& header, std::string_view body);
  Status DecodeDataPage(const PageHeader& header, std::string_view page, int64_t max_values,
                        LeafData* out);
  Status DecodeValues(Encoding encoding, std::string_view data, int64_t n, ColumnVector* out);
  Status DecodePlain(std::string_view data, int64_t n, ColumnVector* out);
  Status AppendPhysical(const std::string_view* values, int64_t n, ColumnVector* out);
  Status Decompress(std::string_view in, int32_t uncompressed_size, std::string* out);
  Status GetCodec(CompressionCodec codec);

  const LogicalNode& leaf_;
  const SchemaElement& element_;
  Type physical_;
  std::unique_ptr<Codec> codec_;
  std::string decompressed_;
  ColumnVector dictionary_;
  bool has_dictionary_ = false;
  std::vector<std::string_view> views_;
  std::vector<uint32_t> indices_;
  std::vector<int32_t> ints32_;
  std::vector<int64_t> ints64_;
  std::vector<Int96> int96_;
  std::vector<uint8_t> raw_;
  DeltaByteArrayDecoder delta_byte_array_;
  int64_t pages_decompressed_ = 0;
};

// Keeps only the entries of rows inside `ranges` (sorted, disjoint; rows counted from the
// first entry of *data, which starts a row).
void KeepRows(const std::vector<RowRange>& ranges, int16_t max_def, LeafData* data);

// Appends the leaf's rows to the column vectors along its ancestry: vectors[k] belongs to
// ancestry[k] (vectors[0] the top-level column). Nodes whose first leaf is `leaf_index`
// append their own validity and offsets; every leaf appends its values. Corruption when the
// levels are inconsistent (a level above its maximum, a row not starting at repetition 0).
// Takes `data`'s values (they may be moved out): Clear() it before decoding into it again.
Status AssembleLeaf(LeafData& data, const LeafInfo& leaf, int leaf_index,
                    const std::vector<ColumnVector*>& vectors);

// An empty column of `type` whose offsets (strings, lists) start with 0.
ColumnVector MakeEmptyColumn(const DataType& type);

// Rows [offset, offset + length) of `column`, which must hold them.
ColumnVector SliceColumn(const ColumnVector& column, int64_t offset, int64_t length);

// Drops validity vectors that mark every value present, recursively.
void DropAllValidValidity(ColumnVector* column);

}  // namespace sluice::parquet::internal
