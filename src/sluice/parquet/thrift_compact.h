#pragma once

// The Thrift compact protocol, the encoding of every Parquet metadata structure (file footer,
// page headers, page index). Written from the protocol specification
// (apache/thrift doc/specs/thrift-compact-protocol.md); only what Parquet uses is here:
// structs, unions, lists, and the scalar types. No messages, no generated code.
//
// CompactWriter appends to a string owned by the caller. CompactReader decodes a byte span
// the caller keeps alive; it is hardened for hostile input: every read is bounds-checked,
// container sizes, string lengths and nesting depth are limited by ReaderLimits, and no
// allocation exceeds what the remaining input can justify. Every failure is
// Status::Corruption("<what> at byte N: <reason>"), where N is the offset of the offending
// item from the start of the span. Both classes are single-threaded.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::parquet {

// Type ids as they appear in field headers (and, with kBoolTrue/kBoolFalse meaning "bool",
// in list headers).
enum class CompactType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kI8 = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
  kUuid = 13,
};

// "bool", "i32", "struct", ... ("type 14" for ids outside the protocol).
std::string_view CompactTypeName(CompactType type);

// Bounds a CompactReader enforces. Options are validated by being used: zero means "none
// allowed".
struct ReaderLimits {
  // Largest list, set or map. A count above the remaining input bytes is refused as well,
  // since every element takes at least one byte.
  uint32_t max_container_elements = 10'000'000;
  // Largest string or binary value (and never more than the remaining input).
  uint32_t max_binary_bytes = 64u << 20;
  // Deepest nesting of structs and containers.
  uint32_t max_depth = 64;
  // Largest serialized footer ReadFooter will read (it lives in file_footer.h's contract).
  uint32_t max_footer_bytes = 256u << 20;
};

class CompactWriter {
 public:
  // Appends to `*out`, which must outlive the writer.
  explicit CompactWriter(std::string* out) : out_(out) {}

  // A struct (or union) value: StructBegin, its fields, StructEnd (which writes the stop
  // field). Nested structs are written as a field header (FieldStruct) or as list elements,
  // followed by StructBegin ... StructEnd.
  void StructBegin();
  void StructEnd();

  // Field headers with their values. Ids should increase within a struct; any order is
  // encodable (deltas above 15 or backwards use the long form).
  void FieldBool(int16_t id, bool value);  // the value lives in the header
  void FieldI8(int16_t id, int8_t value);
  void FieldI16(int16_t id, int16_t value);
  void FieldI32(int16_t id, int32_t value);
  void FieldI64(int16_t id, int64_t value);
  void FieldDouble(int16_t id, double value);
  void FieldBinary(int16_t id, std::string_view value);
  // Header of a struct field; the struct value follows (StructBegin ... StructEnd).
  void FieldStruct(int16_t id);
  // Header of a list field plus the list header; `size` elements follow.
  void FieldList(int16_t id, CompactType element_type, uint32_t size);

  // Bare values: list elements.
  void ListBegin(CompactType element_type, uint32_t size);
  void WriteBool(bool value);  // one byte, 1 or 0
  void WriteI8(int8_t value);
  void WriteI16(int16_t value);
  void WriteI32(int32_t value);
  void WriteI64(int64_t value);
  void WriteDouble(double value);
  void WriteBinary(std::string_view value);

  void WriteVarint(uint64_t value);

 private:
  void FieldHeader(int16_t id, CompactType type);

  std::string* out_;
  int16_t last_field_id_ = 0;
  std::vector<int16_t> enclosing_field_ids_;
};

struct FieldHeader {
  CompactType type = CompactType::kStop;  // kStop ends the struct
  int16_t id = 0;
  // Where the header starts, for error messages.
  size_t position = 0;

  bool is_bool() const { return type == CompactType::kBoolTrue || type == CompactType::kBoolFalse; }
  // The value of a bool field, carried in the header.
  bool bool_value() const { return type == CompactType::kBoolTrue; }
};

class CompactReader {
 public:
  // Reads `data`, which must outlive the reader.
  explicit CompactReader(std::string_view data, ReaderLimits limits = {})
      : data_(data), limits_(limits) {}
  // A temporary string would dangle: keep the bytes alive and pass a view.
  explicit CompactReader(std::string&& data, ReaderLimits limits = {}) = delete;

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  const ReaderLimits& limits() const { return limits_; }

  // Enters a struct value; Corruption when that exceeds max_depth.
  Status StructBegin();
  // Leaves it (after ReadFieldHeader returned kStop).
  void StructEnd();
  // The next field header; type kStop at the end of the struct.
  Status ReadFieldHeader(FieldHeader* out);

  // A list or set header: element type and count. The count is checked against the limits
  // and the remaining input.
  Status ReadListHeader(CompactType* element_type, uint32_t* size);

  // Bare values. A bool field's value is in its FieldHeader; ReadBool reads a list element.
  Status ReadBool(bool* out);
  Status ReadI8(int8_t* out);
  Status ReadI16(int16_t* out);
  Status ReadI32(int32_t* out);
  Status ReadI64(int64_t* out);
  Status ReadDouble(double* out);
  Status ReadBinary(std::string* out);
  Status ReadVarint(uint64_t* out, int max_bytes = 10);

  // Skips one value of `type` (a field value whose id the caller does not know), so files
  // from newer writers parse. Bool fields have no value to skip.
  Status Skip(CompactType type);

  // Corruption("<what> at byte <position>: <reason>").
  Status Error(std::string_view what, size_t position, std::string_view reason) const;

 private:
  Status SkipValue(CompactType type, bool in_container);
  Status EnterContainer(size_t position);

  std::string_view data_;
  ReaderLimits limits_;
  size_t pos_ = 0;
  uint32_t depth_ = 0;
  int16_t last_field_id_ = 0;
  std::vector<int16_t> enclosing_field_ids_;
};

}  // namespace sluice::parquet
