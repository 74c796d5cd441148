#include "sluice/parquet/thrift_compact.h"

#include <bit>
#include <cstring>

namespace sluice::parquet {
namespace {

uint64_t ZigZag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
uint32_t ZigZag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
int64_t UnZigZag64(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }
int32_t UnZigZag32(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }

bool IsKnownType(uint8_t t) { return t <= static_cast<uint8_t>(CompactType::kUuid); }

}  // namespace

std::string_view CompactTypeName(CompactType type) {
  switch (type) {
    case CompactType::kStop:
      return "stop";
    case CompactType::kBoolTrue:
    case CompactType::kBoolFalse:
      return "bool";
    case CompactType::kI8:
      return "i8";
    case CompactType::kI16:
      return "i16";
    case CompactType::kI32:
      return "i32";
    case CompactType::kI64:
      return "i64";
    case CompactType::kDouble:
      return "double";
    case CompactType::kBinary:
      return "binary";
    case CompactType::kList:
      return "list";
    case CompactType::kSet:
      return "set";
    case CompactType::kMap:
      return "map";
    case CompactType::kStruct:
      return "struct";
    case CompactType::kUuid:
      return "uuid";
  }
  return "unknown type";
}

// ---------------------------------------------------------------------------------------------
// CompactWriter

void CompactWriter::StructBegin() {
  enclosing_field_ids_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactWriter::StructEnd() {
  out_->push_back('\0');  // stop field
  SLUICE_DCHECK(!enclosing_field_ids_.empty());
  last_field_id_ = enclosing_field_ids_.back();
  enclosing_field_ids_.pop_back();
}

void CompactWriter::FieldHeader(int16_t id, CompactType type) {
  int32_t delta = static_cast<int32_t>(id) - last_field_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    WriteI16(id);
  }
  last_field_id_ = id;
}

void CompactWriter::FieldBool(int16_t id, bool value) {
  FieldHeader(id, value ? CompactType::kBoolTrue : CompactType::kBoolFalse);
}
void CompactWriter::FieldI8(int16_t id, int8_t value) {
  FieldHeader(id, CompactType::kI8);
  WriteI8(value);
}
void CompactWriter::FieldI16(int16_t id, int16_t value) {
  FieldHeader(id, CompactType::kI16);
  WriteI16(value);
}
void CompactWriter::FieldI32(int16_t id, int32_t value) {
  FieldHeader(id, CompactType::kI32);
  WriteI32(value);
}
void CompactWriter::FieldI64(int16_t id, int64_t value) {
  FieldHeader(id, CompactType::kI64);
  WriteI64(value);
}
void CompactWriter::FieldDouble(int16_t id, double value) {
  FieldHeader(id, CompactType::kDouble);
  WriteDouble(value);
}
void CompactWriter::FieldBinary(int16_t id, std::string_view value) {
  FieldHeader(id, CompactType::kBinary);
  WriteBinary(value);
}
void CompactWriter::FieldStruct(int16_t id) { FieldHeader(id, CompactType::kStruct); }
void CompactWriter::FieldList(int16_t id, CompactType element_type, uint32_t size) {
  FieldHeader(id, CompactType::kList);
  ListBegin(element_type, size);
}

void CompactWriter::ListBegin(CompactType element_type, uint32_t size) {
  // Bool elements are written with type 1, as the Java and C++ Thrift libraries (and so
  // parquet-mr and Arrow) do; readers accept 1 and 2.
  if (element_type == CompactType::kBoolFalse) element_type = CompactType::kBoolTrue;
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xF0 | static_cast<uint8_t>(element_type)));
    WriteVarint(size);
  }
}

void CompactWriter::WriteBool(bool value) { out_->push_back(value ? 1 : 0); }
void CompactWriter::WriteI8(int8_t value) { out_->push_back(static_cast<char>(value)); }
void CompactWriter::WriteI16(int16_t value) { WriteVarint(ZigZag32(value)); }
void CompactWriter::WriteI32(int32_t value) { WriteVarint(ZigZag32(value)); }
void CompactWriter::WriteI64(int64_t value) { WriteVarint(ZigZag64(value)); }

void CompactWriter::WriteDouble(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void CompactWriter::WriteBinary(std::string_view value) {
  WriteVarint(value.size());
  out_->append(value);
}

void CompactWriter::WriteVarint(uint64_t value) {
  while (value >= 0x80) {
    out_->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_->push_back(static_cast<char>(value));
}

// ---------------------------------------------------------------------------------------------
// CompactReader

Status CompactReader::Error(std::string_view what, size_t position, std::string_view reason) const {
  std::string message(what);
  message += " at byte ";
  message += std::to_string(position);
  message += ": ";
  message += reason;
  return Status::Corruption(std::move(message));
}

Status CompactReader::StructBegin() {
  if (depth_ >= limits_.max_depth) {
    return Error("struct", pos_,
                 "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  ++depth_;
  enclosing_field_ids_.push_back(last_field_id_);
  last_field_id_ = 0;
  return Status::OK();
}

void CompactReader::StructEnd() {
  SLUICE_DCHECK(depth_ > 0 && !enclosing_field_ids_.empty());
  --depth_;
  last_field_id_ = enclosing_field_ids_.back();
  enclosing_field_ids_.pop_back();
}

Status CompactReader::ReadFieldHeader(FieldHeader* out) {
  size_t start = pos_;
  if (pos_ >= data_.size()) return Error("field header", start, "input ends inside a struct");
  uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
  out->position = start;
  uint8_t type = byte & 0x0F;
  if (type == 0) {
    if (byte != 0) return Error("field header", start, "stop field with a non-zero id delta");
    out->type = CompactType::kStop;
    out->id = 0;
    return Status::OK();
  }
  if (!IsKnownType(type)) {
    return Error("field header", start, "unknown field type " + std::to_string(type));
  }
  out->type = static_cast<CompactType>(type);
  uint8_t delta = byte >> 4;
  if (delta != 0) {
    int32_t id = static_cast<int32_t>(last_field_id_) + delta;
    if (id > INT16_MAX) return Error("field header", start, "field id beyond 32767");
    out->id = static_cast<int16_t>(id);
  } else {
    SLUICE_RETURN_IF_ERROR(ReadI16(&out->id));
  }
  last_field_id_ = out->id;
  return Status::OK();
}

Status CompactReader::ReadListHeader(CompactType* element_type, uint32_t* size) {
  size_t start = pos_;
  if (pos_ >= data_.size()) return Error("list header", start, "input ends before it");
  uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
  uint8_t type = byte & 0x0F;
  // Type 0 (stop) is no element type; 1 and 2 both mean bool.
  if (type == 0 || !IsKnownType(type)) {
    return Error("list header", start, "unknown element type " + std::to_string(type));
  }
  *element_type = type == 2 ? CompactType::kBoolTrue : static_cast<CompactType>(type);
  uint64_t count = byte >> 4;
  if (count == 15) {
    SLUICE_RETURN_IF_ERROR(ReadVarint(&count, 5));
    if (count > INT32_MAX) {
      return Error("list header", start,
                   "size " + std::to_string(count) + " is beyond the int32 range");
    }
  }
  if (count > limits_.max_container_elements) {
    return Error("list header", start,
                 "size " + std::to_string(count) + " exceeds the limit of " +
                     std::to_string(limits_.max_container_elements) + " elements");
  }
  // Every element takes at least one byte, so a count above the remaining input is a lie
  // (and must not drive an allocation).
  if (count > remaining()) {
    return Error("list header", start,
                 "size " + std::to_string(count) + " exceeds the " + std::to_string(remaining()) +
                     " remaining bytes");
  }
  *size = static_cast<uint32_t>(count);
  return Status::OK();
}

Status CompactReader::ReadBool(bool* out) {
  size_t start = pos_;
  if (pos_ >= data_.size()) return Error("bool", start, "input ends before it");
  uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
  // 1 is true; 0 is false, as is 2 from writers that reuse the field-header encoding.
  if (byte > 2) return Error("bool", start, "value " + std::to_string(byte) + " is not 0 or 1");
  *out = byte == 1;
  return Status::OK();
}

Status CompactReader::ReadI8(int8_t* out) {
  if (pos_ >= data_.size()) return Error("i8", pos_, "input ends before it");
  *out = static_cast<int8_t>(data_[pos_++]);
  return Status::OK();
}

Status CompactReader::ReadVarint(uint64_t* out, int max_bytes) {
  size_t start = pos_;
  uint64_t value = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos_ >= data_.size()) return Error("varint", start, "input ends inside it");
    uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    if (i == 9 && byte > 1) return Error("varint", start, "value exceeds 64 bits");
    value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      *out = value;
      return Status::OK();
    }
  }
  return Error("varint", start, "longer than " + std::to_string(max_bytes) + " bytes");
}

Status CompactReader::ReadI16(int16_t* out) {
  size_t start = pos_;
  uint64_t raw;
  SLUICE_RETURN_IF_ERROR(ReadVarint(&raw, 5));
  if (raw > UINT32_MAX) return Error("i16", start, "value exceeds 32 bits");
  int32_t value = UnZigZag32(static_cast<uint32_t>(raw));
  if (value < INT16_MIN || value > INT16_MAX) {
    return Error("i16", start, "value " + std::to_string(value) + " exceeds 16 bits");
  }
  *out = static_cast<int16_t>(value);
  return Status::OK();
}

Status CompactReader::ReadI32(int32_t* out) {
  size_t start = pos_;
  uint64_t raw;
  SLUICE_RETURN_IF_ERROR(ReadVarint(&raw, 5));
  if (raw > UINT32_MAX) return Error("i32", start, "value exceeds 32 bits");
  *out = UnZigZag32(static_cast<uint32_t>(raw));
  return Status::OK();
}

Status CompactReader::ReadI64(int64_t* out) {
  uint64_t raw;
  SLUICE_RETURN_IF_ERROR(ReadVarint(&raw, 10));
  *out = UnZigZag64(raw);
  return Status::OK();
}

Status CompactReader::ReadDouble(double* out) {
  if (remaining() < 8) return Error("double", pos_, "input ends inside it");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
  }
  pos_ += 8;
  *out = std::bit_cast<double>(bits);
  return Status::OK();
}

Status CompactReader::ReadBinary(std::string* out) {
  size_t start = pos_;
  uint64_t length;
  SLUICE_RETURN_IF_ERROR(ReadVarint(&length, 5));
  if (length > INT32_MAX) {
    return Error("binary", start,
                 "length " + std::to_string(length) + " is beyond the int32 range");
  }
  if (length > limits_.max_binary_bytes) {
    return Error("binary", start,
                 "length " + std::to_string(length) + " exceeds the limit of " +
                     std::to_string(limits_.max_binary_bytes) + " bytes");
  }
  if (length > remaining()) {
    return Error("binary", start,
                 "length " + std::to_string(length) + " exceeds the " +
                     std::to_string(remaining()) + " remaining bytes");
  }
  out->assign(data_.data() + pos_, length);
  pos_ += length;
  return Status::OK();
}

Status CompactReader::EnterContainer(size_t position) {
  if (depth_ >= limits_.max_depth) {
    return Error("container", position,
                 "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  ++depth_;
  return Status::OK();
}

Status CompactReader::Skip(CompactType type) { return SkipValue(type, /*in_container=*/false); }

Status CompactReader::SkipValue(CompactType type, bool in_container) {
  size_t start = pos_;
  switch (type) {
    case CompactType::kBoolTrue:
    case CompactType::kBoolFalse:
      if (in_container) {
        bool ignored;
        return ReadBool(&ignored);
      }
      return Status::OK();
    case CompactType::kI8: {
      int8_t ignored;
      return ReadI8(&ignored);
    }
    case CompactType::kI16:
    case CompactType::kI32:
    case CompactType::kI64: {
      uint64_t ignored;
      return ReadVarint(&ignored, 10);
    }
    case CompactType::kDouble:
      if (remaining() < 8) return Error("double", start, "input ends inside it");
      pos_ += 8;
      return Status::OK();
    case CompactType::kUuid:
      if (remaining() < 16) return Error("uuid", start, "input ends inside it");
      pos_ += 16;
      return Status::OK();
    case CompactType::kBinary: {
      uint64_t length;
      SLUICE_RETURN_IF_ERROR(ReadVarint(&length, 5));
      if (length > limits_.max_binary_bytes || length > remaining()) {
        return Error("binary", start,
                     "length " + std::to_string(length) + " exceeds the " +
                         std::to_string(remaining()) + " remaining bytes or the limit");
      }
      pos_ += length;
      return Status::OK();
    }
    case CompactType::kStruct: {
      SLUICE_RETURN_IF_ERROR(StructBegin());
      while (true) {
        FieldHeader field;
        SLUICE_RETURN_IF_ERROR(ReadFieldHeader(&field));
        if (field.type == CompactType::kStop) break;
        SLUICE_RETURN_IF_ERROR(SkipValue(field.type, /*in_container=*/false));
      }
      StructEnd();
      return Status::OK();
    }
    case CompactType::kList:
    case CompactType::kSet: {
      CompactType element_type;
      uint32_t size;
      SLUICE_RETURN_IF_ERROR(ReadListHeader(&element_type, &size));
      SLUICE_RETURN_IF_ERROR(EnterContainer(start));
      for (uint32_t i = 0; i < size; ++i) {
        SLUICE_RETURN_IF_ERROR(SkipValue(element_type, /*in_container=*/true));
      }
      --depth_;
      return Status::OK();
    }
    case CompactType::kMap: {
      uint64_t size;
      SLUICE_RETURN_IF_ERROR(ReadVarint(&size, 5));
      if (size == 0) return Status::OK();
      if (size > INT32_MAX || size > limits_.max_container_elements || size * 2 > remaining()) {
        return Error("map header", start,
                     "size " + std::to_string(size) + " exceeds the limit or the " +
                         std::to_string(remaining()) + " remaining bytes");
      }
      if (remaining() < 1) return Error("map header", start, "input ends inside it");
      uint8_t types = static_cast<uint8_t>(data_[pos_++]);
      uint8_t key_type = types >> 4;
      uint8_t value_type = types & 0x0F;
      if (key_type == 0 || value_type == 0 || !IsKnownType(key_type) || !IsKnownType(value_type)) {
        return Error("map header", start, "unknown key or value type");
      }
      SLUICE_RETURN_IF_ERROR(EnterContainer(start));
      for (uint64_t i = 0; i < size; ++i) {
        SLUICE_RETURN_IF_ERROR(SkipValue(static_cast<CompactType>(key_type), true));
        SLUICE_RETURN_IF_ERROR(SkipValue(static_cast<CompactType>(value_type), true));
      }
      --depth_;
      return Status::OK();
    }
    case CompactType::kStop:
      break;
  }
  return Error("value", start,
               "cannot skip a value of type " + std::to_string(static_cast<int>(type)));
}

}  // namespace sluice::parquet
