#pragma once

// Columnar data in memory: the schema of a table (fields with sluice's logical types) and
// record batches of column vectors, laid out as Apache Arrow lays columns out (validity +
// values, offsets + bytes for variable-length values, offsets into a child for lists,
// children for structs). The Parquet writer consumes RecordBatches, the reader produces
// them, and the ETL layer builds and transforms them. Plain data: thread-compatible.
//
// Value representation per type (ColumnVector fields used):
//   kBoolean                      bools (uint8_t 0/1)
//   kInt8/16/32, kUInt8/16/32,    ints32 (unsigned values stored as their bit pattern
//   kDate (days since 1970-01-01)           reinterpreted: UINT32 4294967295 is -1)
//   kInt64, kUInt64,              ints64 (same rule for UINT64)
//   kTime (unit), kTimestamp (unit, since the epoch)
//   kFloat                        floats
//   kDouble                       doubles
//   kDecimal                      precision ≤ 18: ints64 (the unscaled value); larger:
//                                 bytes, 16 bytes per value, big-endian two's complement
//   kString, kJson, kEnum, kBinary  offsets (num_rows + 1 entries) + bytes
//   kFixedBinary (length), kUuid (16)  bytes, `fixed_length` bytes per value
//   kList                         offsets (num_rows + 1) into children[0]
//   kStruct                       children (one per field, each num_rows long)
// A null value's slot exists (holds any value, 0 / empty by convention) and its validity is
// 0. `validity` empty means every value is present.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::parquet {

enum class TypeKind {
  kBoolean,
  kInt8, kInt16, kInt32, kInt64,
  kUInt8, kUInt16, kUInt32, kUInt64,
  kFloat, kDouble,
  kDecimal,
  kString, kJson, kEnum, kBinary, kFixedBinary, kUuid,
  kDate, kTime, kTimestamp,
  kList, kStruct,
};

enum class TimeUnit { kMillis, kMicros, kNanos };

struct Field;

struct DataType {
  TypeKind kind = TypeKind::kString;
  int precision = 0;           // kDecimal
  int scale = 0;               // kDecimal
  int fixed_length = 0;        // kFixedBinary (kUuid: 16)
  TimeUnit unit = TimeUnit::kMicros;  // kTime, kTimestamp
  bool adjusted_to_utc = true;        // kTime, kTimestamp
  std::vector<Field> children;        // kList: one (the element), kStruct: the fields

  static DataType Of(TypeKind kind);
  static DataType Decimal(int precision, int scale);
  static DataType Timestamp(TimeUnit unit, bool adjusted_to_utc = true);
  static DataType Time(TimeUnit unit, bool adjusted_to_utc = true);
  static DataType FixedBinary(int length);
  static DataType List(Field element);
  static DataType Struct(std::vector<Field> fields);

  // "int64", "decimal(18,2)", "timestamp[us, UTC]", "list<int32>", "struct<a: int32, b: string>".
  std::string ToString() const;
  friend bool operator==(const DataType&, const DataType&);
};

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;

  friend bool operator==(const Field&, const Field&) = default;
};

struct Schema {
  std::vector<Field> fields;

  // The position of the field named `name`, or -1.
  int IndexOf(std::string_view name) const;
  // One line per field: "name: type" (+ " not null"), nested children indented.
  std::string ToString() const;
  friend bool operator==(const Schema&, const Schema&) = default;
};

// Which ColumnVector member holds a type's values (the table in the header comment, as
// code); kNone for lists and structs.
enum class Storage { kBools, kInts32, kInts64, kFloats, kDoubles, kOffsets, kFixed, kNone };
Storage StorageOf(const DataType& type);
// Bytes per value for kFixed storage (16 for UUIDs and wide decimals).
size_t FixedWidthOf(const DataType& type);

// One column of a batch. See the header comment for which members a type uses.
struct ColumnVector {
  DataType type;
  int64_t length = 0;
  std::vector<uint8_t> validity;  // empty: all present; else `length` entries of 0/1
  std::vector<uint8_t> bools;
  std::vector<int32_t> ints32;
  std::vector<int64_t> ints64;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<int64_t> offsets;   // strings, binaries, lists: length + 1 entries
  std::string bytes;              // strings, binaries, fixed binaries, wide decimals
  std::vector<ColumnVector> children;

  bool IsNull(int64_t i) const { return !validity.empty() && validity[static_cast<size_t>(i)] == 0; }
  int64_t null_count() const;
  // The i-th string/binary/fixed-binary value (no copy).
  std::string_view BytesAt(int64_t i) const;

  // Appenders for building columns value by value (each also appends validity as needed).
  void AppendNull();
  void AppendBool(bool v);
  void AppendInt32(int32_t v);
  void AppendInt64(int64_t v);
  void AppendFloat(float v);
  void AppendDouble(double v);
  void AppendBytes(std::string_view v);  // strings, binaries, fixed binaries, wide decimals

  // Checks the invariants (sizes of the used members match `length` and `type`, offsets
  // non-decreasing and within `bytes`/the child, children lengths). InvalidArgument naming
  // the problem; `name` is the column's name for the message.
  Status Validate(std::string_view name) const;

  // An empty column of `type` (children created for lists and structs).
  static ColumnVector Make(const DataType& type);
};

struct RecordBatch {
  Schema schema;
  std::vector<ColumnVector> columns;  // one per schema field
  int64_t num_rows = 0;

  // Validates every column against its field (nullability included) and num_rows.
  Status Validate() const;
  // An empty batch for `schema`.
  static RecordBatch Make(const Schema& schema);
};

}  // namespace sluice::parquet
