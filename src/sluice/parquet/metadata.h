#pragma once

// The Parquet metadata structures (apache/parquet-format, parquet.thrift) as plain C++ values,
// with their Thrift compact encoding: the file footer (FileMetaData), page headers and the
// page index (OffsetIndex, ColumnIndex). Optional Thrift fields are std::optional; required
// ones are plain members. Enumerations keep values this code does not know (a newer
// writer's encoding or codec) as they are, so callers can report them by number.
//
// Reading skips fields this code does not model (encryption, geospatial statistics, newer
// additions), so files from newer writers parse; writing emits only the modelled fields.
// A missing required field, a field of the wrong type, a union with no or several members,
// or any violation of ReaderLimits is Status::Corruption naming the structure, the field and
// the byte offset. Values are plain data: copyable, thread-compatible.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/thrift_compact.h"

namespace sluice::parquet {

// Physical types.
enum class Type : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

// "INT32", "FIXED_LEN_BYTE_ARRAY", ...; "unknown" for a value outside the enum.
std::string_view ParquetTypeName(Type type);

enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kMapKeyValue = 2,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMillis = 7,
  kTimeMicros = 8,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
  kBson = 20,
  kInterval = 21,
};

enum class FieldRepetitionType : int32_t {
  kRequired = 0,
  kOptional = 1,
  kRepeated = 2,
};

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

// "PLAIN", "RLE_DICTIONARY", ...; "ENCODING_<n>" for a value outside the enum.
std::string ParquetEncodingName(Encoding encoding);

enum class CompressionCodec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

enum class BoundaryOrder : int32_t {
  kUnordered = 0,
  kAscending = 1,
  kDescending = 2,
};

struct Statistics {
  std::optional<std::string> max;  // legacy, signed order
  std::optional<std::string> min;  // legacy, signed order
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
  std::optional<bool> is_max_value_exact;
  std::optional<bool> is_min_value_exact;
  std::optional<int64_t> nan_count;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, Statistics* out);
  friend bool operator==(const Statistics&, const Statistics&) = default;
};

// The ParquetTimeUnit union; its members are empty structs, so it is an enumeration of field ids.
enum class ParquetTimeUnit : int16_t { kMillis = 1, kMicros = 2, kNanos = 3 };

struct StringType {
  friend bool operator==(const StringType&, const StringType&) = default;
};
struct MapType {
  friend bool operator==(const MapType&, const MapType&) = default;
};
struct ListType {
  friend bool operator==(const ListType&, const ListType&) = default;
};
struct EnumType {
  friend bool operator==(const EnumType&, const EnumType&) = default;
};
struct DecimalType {
  int32_t scale = 0;
  int32_t precision = 0;
  friend bool operator==(const DecimalType&, const DecimalType&) = default;
};
struct DateType {
  friend bool operator==(const DateType&, const DateType&) = default;
};
struct TimeType {
  bool is_adjusted_to_utc = false;
  ParquetTimeUnit unit = ParquetTimeUnit::kMillis;
  friend bool operator==(const TimeType&, const TimeType&) = default;
};
struct TimestampType {
  bool is_adjusted_to_utc = false;
  ParquetTimeUnit unit = ParquetTimeUnit::kMillis;
  friend bool operator==(const TimestampType&, const TimestampType&) = default;
};
struct IntType {
  int8_t bit_width = 32;
  bool is_signed = true;
  friend bool operator==(const IntType&, const IntType&) = default;
};
struct NullType {
  friend bool operator==(const NullType&, const NullType&) = default;
};
struct JsonType {
  friend bool operator==(const JsonType&, const JsonType&) = default;
};
struct BsonType {
  friend bool operator==(const BsonType&, const BsonType&) = default;
};
struct UuidType {
  friend bool operator==(const UuidType&, const UuidType&) = default;
};
struct Float16Type {
  friend bool operator==(const Float16Type&, const Float16Type&) = default;
};
// A member this code does not model (VARIANT, GEOMETRY, ...), kept by its union field id.
// Written back as an empty struct, which is valid for every such member defined so far.
struct UnknownLogicalType {
  int16_t field_id = 0;
  friend bool operator==(const UnknownLogicalType&, const UnknownLogicalType&) = default;
};

// The LogicalType union.
struct LogicalType {
  std::variant<StringType, MapType, ListType, EnumType, DecimalType, DateType, TimeType,
               TimestampType, IntType, NullType, JsonType, BsonType, UuidType, Float16Type,
               UnknownLogicalType>
      value;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, LogicalType* out);
  friend bool operator==(const LogicalType&, const LogicalType&) = default;
};

struct SchemaElement {
  std::optional<Type> type;  // set on leaves
  std::optional<int32_t> type_length;
  std::optional<FieldRepetitionType> repetition_type;  // unset on the root
  std::string name;
  std::optional<int32_t> num_children;  // set on groups
  std::optional<ConvertedType> converted_type;
  std::optional<int32_t> scale;
  std::optional<int32_t> precision;
  std::optional<int32_t> field_id;
  std::optional<LogicalType> logical_type;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, SchemaElement* out);
  friend bool operator==(const SchemaElement&, const SchemaElement&) = default;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
  std::optional<Statistics> statistics;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, DataPageHeader* out);
  friend bool operator==(const DataPageHeader&, const DataPageHeader&) = default;
};

struct IndexPageHeader {
  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, IndexPageHeader* out);
  friend bool operator==(const IndexPageHeader&, const IndexPageHeader&) = default;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  std::optional<bool> is_sorted;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, DictionaryPageHeader* out);
  friend bool operator==(const DictionaryPageHeader&, const DictionaryPageHeader&) = default;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  std::optional<bool> is_compressed;  // absent means compressed
  std::optional<Statistics> statistics;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, DataPageHeaderV2* out);
  friend bool operator==(const DataPageHeaderV2&, const DataPageHeaderV2&) = default;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<IndexPageHeader> index_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, PageHeader* out);
  friend bool operator==(const PageHeader&, const PageHeader&) = default;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, KeyValue* out);
  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

struct SortingColumn {
  int32_t column_idx = 0;
  bool descending = false;
  bool nulls_first = false;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, SortingColumn* out);
  friend bool operator==(const SortingColumn&, const SortingColumn&) = default;
};

struct PageEncodingStats {
  PageType page_type = PageType::kDataPage;
  Encoding encoding = Encoding::kPlain;
  int32_t count = 0;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, PageEncodingStats* out);
  friend bool operator==(const PageEncodingStats&, const PageEncodingStats&) = default;
};

struct SizeStatistics {
  std::optional<int64_t> unencoded_byte_array_data_bytes;
  std::optional<std::vector<int64_t>> repetition_level_histogram;
  std::optional<std::vector<int64_t>> definition_level_histogram;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, SizeStatistics* out);
  friend bool operator==(const SizeStatistics&, const SizeStatistics&) = default;
};

struct ColumnMetaData {
  Type type = Type::kBoolean;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  CompressionCodec codec = CompressionCodec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  std::optional<std::vector<KeyValue>> key_value_metadata;
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::optional<std::vector<PageEncodingStats>> encoding_stats;
  std::optional<int64_t> bloom_filter_offset;
  std::optional<int32_t> bloom_filter_length;
  std::optional<SizeStatistics> size_statistics;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, ColumnMetaData* out);
  friend bool operator==(const ColumnMetaData&, const ColumnMetaData&) = default;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, ColumnChunk* out);
  friend bool operator==(const ColumnChunk&, const ColumnChunk&) = default;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::optional<std::vector<SortingColumn>> sorting_columns;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, RowGroup* out);
  friend bool operator==(const RowGroup&, const RowGroup&) = default;
};

// The ColumnOrder union; its members are empty structs, so it is an enumeration of field
// ids. Unknown orders keep their id (readers must then ignore min/max statistics).
enum class ColumnOrder : int16_t {
  kTypeDefinedOrder = 1,
  kIeee754TotalOrder = 2,
  kInt96TimestampOrder = 3,
};

struct PageLocation {
  int64_t offset = 0;
  int32_t compressed_page_size = 0;
  int64_t first_row_index = 0;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, PageLocation* out);
  friend bool operator==(const PageLocation&, const PageLocation&) = default;
};

struct OffsetIndex {
  std::vector<PageLocation> page_locations;
  std::optional<std::vector<int64_t>> unencoded_byte_array_data_bytes;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, OffsetIndex* out);
  friend bool operator==(const OffsetIndex&, const OffsetIndex&) = default;
};

struct ColumnIndex {
  std::vector<bool> null_pages;
  std::vector<std::string> min_values;
  std::vector<std::string> max_values;
  BoundaryOrder boundary_order = BoundaryOrder::kUnordered;
  std::optional<std::vector<int64_t>> null_counts;
  std::optional<std::vector<int64_t>> repetition_level_histograms;
  std::optional<std::vector<int64_t>> definition_level_histograms;
  std::optional<std::vector<int64_t>> nan_counts;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, ColumnIndex* out);
  friend bool operator==(const ColumnIndex&, const ColumnIndex&) = default;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;  // depth-first, root first
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::optional<std::vector<KeyValue>> key_value_metadata;
  std::optional<std::string> created_by;
  std::optional<std::vector<ColumnOrder>> column_orders;

  void Write(CompactWriter& writer) const;
  static Status Read(CompactReader& reader, FileMetaData* out);
  friend bool operator==(const FileMetaData&, const FileMetaData&) = default;
};

// Decodes a serialized FileMetaData (the footer between the data and the length + magic).
// Bytes after the structure are ignored. Corruption as described above.
Result<FileMetaData> ParseFileMetaData(std::string_view bytes, const ReaderLimits& limits = {});
std::string SerializeFileMetaData(const FileMetaData& metadata);

// Decodes the page header at the start of `bytes` (which usually continues with the page
// data); `*header_size` receives the bytes the header occupies.
Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* header_size,
                                   const ReaderLimits& limits = {});
std::string SerializePageHeader(const PageHeader& header);

Result<OffsetIndex> ParseOffsetIndex(std::string_view bytes, const ReaderLimits& limits = {});
std::string SerializeOffsetIndex(const OffsetIndex& index);

Result<ColumnIndex> ParseColumnIndex(std::string_view bytes, const ReaderLimits& limits = {});
std::string SerializeColumnIndex(const ColumnIndex& index);

}  // namespace sluice::parquet
