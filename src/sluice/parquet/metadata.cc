#include "sluice/parquet/metadata.h"

#include <initializer_list>
#include <type_traits>
#include <utility>

namespace sluice::parquet {
namespace {

// ---------------------------------------------------------------------------------------------
// Decoding helpers. `where` names the field ("ColumnMetaData.codec") in error messages.

struct RequiredField {
  int16_t id;
  std::string_view name;
};

// Reads one struct value: calls `on_field(header)` for each field (which must consume the
// value, skipping ids it does not know), then checks that every required field was seen.
template <typename OnField>
Status ReadStruct(CompactReader& r, std::string_view name,
                  std::initializer_list<RequiredField> required, OnField&& on_field) {
  size_t start = r.position();
  SLUICE_RETURN_IF_ERROR(r.StructBegin().WithContext(name));
  uint64_t seen = 0;
  while (true) {
    FieldHeader h;
    SLUICE_RETURN_IF_ERROR(r.ReadFieldHeader(&h).WithContext(name));
    if (h.type == CompactType::kStop) break;
    SLUICE_RETURN_IF_ERROR(on_field(h));
    if (h.id > 0 && h.id < 64) seen |= uint64_t{1} << h.id;
  }
  r.StructEnd();
  for (const RequiredField& field : required) {
    if ((seen & (uint64_t{1} << field.id)) == 0) {
      return r.Error(name, start,
                     "required field '" + std::string(field.name) + "' (id " +
                         std::to_string(field.id) + ") is missing");
    }
  }
  return Status::OK();
}

Status Expect(CompactReader& r, const FieldHeader& h, CompactType expected,
              std::string_view where) {
  bool matches = expected == CompactType::kBoolTrue ? h.is_bool() : h.type == expected;
  if (matches) return Status::OK();
  return r.Error(where, h.position,
                 "expected " + std::string(CompactTypeName(expected)) + ", found " +
                     std::string(CompactTypeName(h.type)));
}

Status GetBool(CompactReader& r, const FieldHeader& h, std::string_view where, bool* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kBoolTrue, where));
  *out = h.bool_value();
  return Status::OK();
}

Status GetI8(CompactReader& r, const FieldHeader& h, std::string_view where, int8_t* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kI8, where));
  return r.ReadI8(out).WithContext(where);
}

Status GetI16(CompactReader& r, const FieldHeader& h, std::string_view where, int16_t* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kI16, where));
  return r.ReadI16(out).WithContext(where);
}

Status GetI32(CompactReader& r, const FieldHeader& h, std::string_view where, int32_t* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kI32, where));
  return r.ReadI32(out).WithContext(where);
}

Status GetI64(CompactReader& r, const FieldHeader& h, std::string_view where, int64_t* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kI64, where));
  return r.ReadI64(out).WithContext(where);
}

Status GetBinary(CompactReader& r, const FieldHeader& h, std::string_view where, std::string* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kBinary, where));
  return r.ReadBinary(out).WithContext(where);
}

// Thrift enums travel as i32; values this code does not name are kept.
template <typename E>
Status GetEnum(CompactReader& r, const FieldHeader& h, std::string_view where, E* out) {
  int32_t raw;
  SLUICE_RETURN_IF_ERROR(GetI32(r, h, where, &raw));
  *out = static_cast<E>(raw);
  return Status::OK();
}

template <typename T>
Status GetStruct(CompactReader& r, const FieldHeader& h, std::string_view where, T* out) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kStruct, where));
  return T::Read(r, out);
}

// A list field whose elements are read by `read_element(T*)`.
template <typename T, typename ReadElement>
Status GetList(CompactReader& r, const FieldHeader& h, std::string_view where,
               CompactType element_type, std::vector<T>* out, ReadElement&& read_element) {
  SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kList, where));
  size_t start = r.position();
  CompactType actual;
  uint32_t size;
  SLUICE_RETURN_IF_ERROR(r.ReadListHeader(&actual, &size).WithContext(where));
  if (actual != element_type) {
    return r.Error(where, start,
                   "expected a list of " + std::string(CompactTypeName(element_type)) +
                       ", found a list of " + std::string(CompactTypeName(actual)));
  }
  out->clear();
  // ReadListHeader bounded `size` by the remaining input; scalars are small enough to
  // reserve for, structs grow as they are actually decoded.
  if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) out->reserve(size);
  for (uint32_t i = 0; i < size; ++i) {
    T element{};
    SLUICE_RETURN_IF_ERROR(read_element(&element));
    out->push_back(std::move(element));
  }
  return Status::OK();
}

template <typename T>
Status GetStructList(CompactReader& r, const FieldHeader& h, std::string_view where,
                     std::vector<T>* out) {
  return GetList(r, h, where, CompactType::kStruct, out,
                 [&](T* element) { return T::Read(r, element); });
}

Status GetI64List(CompactReader& r, const FieldHeader& h, std::string_view where,
                  std::vector<int64_t>* out) {
  return GetList(r, h, where, CompactType::kI64, out,
                 [&](int64_t* v) { return r.ReadI64(v).WithContext(where); });
}

Status GetBinaryList(CompactReader& r, const FieldHeader& h, std::string_view where,
                     std::vector<std::string>* out) {
  return GetList(r, h, where, CompactType::kBinary, out,
                 [&](std::string* v) { return r.ReadBinary(v).WithContext(where); });
}

template <typename E>
Status GetEnumList(CompactReader& r, const FieldHeader& h, std::string_view where,
                   std::vector<E>* out) {
  return GetList(r, h, where, CompactType::kI32, out, [&](E* v) {
    int32_t raw;
    SLUICE_RETURN_IF_ERROR(r.ReadI32(&raw).WithContext(where));
    *v = static_cast<E>(raw);
    return Status::OK();
  });
}

// A union whose members are all empty structs (ParquetTimeUnit, ColumnOrder): the member's field
// id is the value. The member struct's content is skipped, so future fields are tolerated.
template <typename E>
Status ReadEmptyStructUnion(CompactReader& r, std::string_view name, E* out) {
  size_t start = r.position();
  int members = 0;
  SLUICE_RETURN_IF_ERROR(ReadStruct(r, name, {}, [&](const FieldHeader& h) {
    SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kStruct, name));
    ++members;
    *out = static_cast<E>(h.id);
    return r.Skip(CompactType::kStruct).WithContext(name);
  }));
  if (members != 1) {
    return r.Error(name, start,
                   members == 0 ? "union has no member set" : "union has several members set");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers.

template <typename E>
void PutEnum(CompactWriter& w, int16_t id, E value) {
  w.FieldI32(id, static_cast<int32_t>(value));
}

template <typename T>
void PutStruct(CompactWriter& w, int16_t id, const T& value) {
  w.FieldStruct(id);
  value.Write(w);
}

template <typename T>
void PutStructList(CompactWriter& w, int16_t id, const std::vector<T>& values) {
  w.FieldList(id, CompactType::kStruct, static_cast<uint32_t>(values.size()));
  for (const T& v : values) v.Write(w);
}

void PutI64List(CompactWriter& w, int16_t id, const std::vector<int64_t>& values) {
  w.FieldList(id, CompactType::kI64, static_cast<uint32_t>(values.size()));
  for (int64_t v : values) w.WriteI64(v);
}

void PutBinaryList(CompactWriter& w, int16_t id, const std::vector<std::string>& values) {
  w.FieldList(id, CompactType::kBinary, static_cast<uint32_t>(values.size()));
  for (const std::string& v : values) w.WriteBinary(v);
}

// An empty struct as a union member.
void PutEmptyStruct(CompactWriter& w, int16_t id) {
  w.FieldStruct(id);
  w.StructBegin();
  w.StructEnd();
}

template <typename T, typename Parse>
Result<T> ParseWhole(std::string_view bytes, const ReaderLimits& limits, size_t* consumed,
                     Parse&& parse) {
  CompactReader reader(bytes, limits);
  T value;
  SLUICE_RETURN_IF_ERROR(parse(reader, &value));
  if (consumed != nullptr) *consumed = reader.position();
  return value;
}

template <typename T>
std::string SerializeWhole(const T& value) {
  std::string out;
  CompactWriter writer(&out);
  value.Write(writer);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Statistics

void Statistics::Write(CompactWriter& w) const {
  w.StructBegin();
  if (max) w.FieldBinary(1, *max);
  if (min) w.FieldBinary(2, *min);
  if (null_count) w.FieldI64(3, *null_count);
  if (distinct_count) w.FieldI64(4, *distinct_count);
  if (max_value) w.FieldBinary(5, *max_value);
  if (min_value) w.FieldBinary(6, *min_value);
  if (is_max_value_exact) w.FieldBool(7, *is_max_value_exact);
  if (is_min_value_exact) w.FieldBool(8, *is_min_value_exact);
  if (nan_count) w.FieldI64(9, *nan_count);
  w.StructEnd();
}

Status Statistics::Read(CompactReader& r, Statistics* out) {
  *out = Statistics();
  return ReadStruct(r, "Statistics", {}, [&](const FieldHeader& h) -> Status {
    switch (h.id) {
      case 1:
        return GetBinary(r, h, "Statistics.max", &out->max.emplace());
      case 2:
        return GetBinary(r, h, "Statistics.min", &out->min.emplace());
      case 3:
        return GetI64(r, h, "Statistics.null_count", &out->null_count.emplace());
      case 4:
        return GetI64(r, h, "Statistics.distinct_count", &out->distinct_count.emplace());
      case 5:
        return GetBinary(r, h, "Statistics.max_value", &out->max_value.emplace());
      case 6:
        return GetBinary(r, h, "Statistics.min_value", &out->min_value.emplace());
      case 7:
        return GetBool(r, h, "Statistics.is_max_value_exact", &out->is_max_value_exact.emplace());
      case 8:
        return GetBool(r, h, "Statistics.is_min_value_exact", &out->is_min_value_exact.emplace());
      case 9:
        return GetI64(r, h, "Statistics.nan_count", &out->nan_count.emplace());
      default:
        return r.Skip(h.type).WithContext("Statistics");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// LogicalType

namespace {

constexpr int16_t kLogicalTypeIds[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15};

void WriteTimeUnit(CompactWriter& w, int16_t id, ParquetTimeUnit unit) {
  w.FieldStruct(id);
  w.StructBegin();
  PutEmptyStruct(w, static_cast<int16_t>(unit));
  w.StructEnd();
}

template <typename T>
Status ReadTimeLike(CompactReader& r, std::string_view name, T* out) {
  *out = T();
  std::string adjusted = std::string(name) + ".isAdjustedToUTC";
  std::string unit = std::string(name) + ".unit";
  return ReadStruct(r, name, {{1, "isAdjustedToUTC"}, {2, "unit"}},
                    [&](const FieldHeader& h) -> Status {
                      switch (h.id) {
                        case 1:
                          return GetBool(r, h, adjusted, &out->is_adjusted_to_utc);
                        case 2:
                          SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kStruct, unit));
                          return ReadEmptyStructUnion(r, "ParquetTimeUnit", &out->unit);
                        default:
                          return r.Skip(h.type).WithContext(name);
                      }
                    });
}

}  // namespace

void LogicalType::Write(CompactWriter& w) const {
  w.StructBegin();
  // The variant's alternatives are in union field-id order, except that id 9 is reserved.
  size_t index = value.index();
  if (const auto* unknown = std::get_if<UnknownLogicalType>(&value)) {
    PutEmptyStruct(w, unknown->field_id);
  } else if (const auto* decimal = std::get_if<DecimalType>(&value)) {
    w.FieldStruct(5);
    w.StructBegin();
    w.FieldI32(1, decimal->scale);
    w.FieldI32(2, decimal->precision);
    w.StructEnd();
  } else if (const auto* time = std::get_if<TimeType>(&value)) {
    w.FieldStruct(7);
    w.StructBegin();
    w.FieldBool(1, time->is_adjusted_to_utc);
    WriteTimeUnit(w, 2, time->unit);
    w.StructEnd();
  } else if (const auto* timestamp = std::get_if<TimestampType>(&value)) {
    w.FieldStruct(8);
    w.StructBegin();
    w.FieldBool(1, timestamp->is_adjusted_to_utc);
    WriteTimeUnit(w, 2, timestamp->unit);
    w.StructEnd();
  } else if (const auto* integer = std::get_if<IntType>(&value)) {
    w.FieldStruct(10);
    w.StructBegin();
    w.FieldI8(1, integer->bit_width);
    w.FieldBool(2, integer->is_signed);
    w.StructEnd();
  } else {
    PutEmptyStruct(w, kLogicalTypeIds[index]);
  }
  w.StructEnd();
}

Status LogicalType::Read(CompactReader& r, LogicalType* out) {
  size_t start = r.position();
  int members = 0;
  SLUICE_RETURN_IF_ERROR(ReadStruct(r, "LogicalType", {}, [&](const FieldHeader& h) -> Status {
    SLUICE_RETURN_IF_ERROR(Expect(r, h, CompactType::kStruct, "LogicalType"));
    ++members;
    auto empty = [&](auto member) -> Status {
      out->value = member;
      return r.Skip(CompactType::kStruct).WithContext("LogicalType");
    };
    switch (h.id) {
      case 1:
        return empty(StringType{});
      case 2:
        return empty(MapType{});
      case 3:
        return empty(ListType{});
      case 4:
        return empty(EnumType{});
      case 5: {
        DecimalType decimal;
        SLUICE_RETURN_IF_ERROR(
            ReadStruct(r, "DecimalType", {{1, "scale"}, {2, "precision"}},
                       [&](const FieldHeader& f) -> Status {
                         switch (f.id) {
                           case 1:
                             return GetI32(r, f, "DecimalType.scale", &decimal.scale);
                           case 2:
                             return GetI32(r, f, "DecimalType.precision", &decimal.precision);
                           default:
                             return r.Skip(f.type).WithContext("DecimalType");
                         }
                       }));
        out->value = decimal;
        return Status::OK();
      }
      case 6:
        return empty(DateType{});
      case 7: {
        TimeType time;
        SLUICE_RETURN_IF_ERROR(ReadTimeLike(r, "TimeType", &time));
        out->value = time;
        return Status::OK();
      }
      case 8: {
        TimestampType timestamp;
        SLUICE_RETURN_IF_ERROR(ReadTimeLike(r, "TimestampType", &timestamp));
        out->value = timestamp;
        return Status::OK();
      }
      case 10: {
        IntType integer;
        SLUICE_RETURN_IF_ERROR(ReadStruct(
            r, "IntType", {{1, "bitWidth"}, {2, "isSigned"}}, [&](const FieldHeader& f) -> Status {
              switch (f.id) {
                case 1:
                  return GetI8(r, f, "IntType.bitWidth", &integer.bit_width);
                case 2:
                  return GetBool(r, f, "IntType.isSigned", &integer.is_signed);
                default:
                  return r.Skip(f.type).WithContext("IntType");
              }
            }));
        out->value = integer;
        return Status::OK();
      }
      case 11:
        return empty(NullType{});
      case 12:
        return empty(JsonType{});
      case 13:
        return empty(BsonType{});
      case 14:
        return empty(UuidType{});
      case 15:
        return empty(Float16Type{});
      default:
        return empty(UnknownLogicalType{h.id});
    }
  }));
  if (members != 1) {
    return r.Error("LogicalType", start,
                   members == 0 ? "union has no member set" : "union has several members set");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// SchemaElement

void SchemaElement::Write(CompactWriter& w) const {
  w.StructBegin();
  if (type) PutEnum(w, 1, *type);
  if (type_length) w.FieldI32(2, *type_length);
  if (repetition_type) PutEnum(w, 3, *repetition_type);
  w.FieldBinary(4, name);
  if (num_children) w.FieldI32(5, *num_children);
  if (converted_type) PutEnum(w, 6, *converted_type);
  if (scale) w.FieldI32(7, *scale);
  if (precision) w.FieldI32(8, *precision);
  if (field_id) w.FieldI32(9, *field_id);
  if (logical_type) PutStruct(w, 10, *logical_type);
  w.StructEnd();
}

Status SchemaElement::Read(CompactReader& r, SchemaElement* out) {
  *out = SchemaElement();
  return ReadStruct(r, "SchemaElement", {{4, "name"}}, [&](const FieldHeader& h) -> Status {
    switch (h.id) {
      case 1:
        return GetEnum(r, h, "SchemaElement.type", &out->type.emplace());
      case 2:
        return GetI32(r, h, "SchemaElement.type_length", &out->type_length.emplace());
      case 3:
        return GetEnum(r, h, "SchemaElement.repetition_type", &out->repetition_type.emplace());
      case 4:
        return GetBinary(r, h, "SchemaElement.name", &out->name);
      case 5:
        return GetI32(r, h, "SchemaElement.num_children", &out->num_children.emplace());
      case 6:
        return GetEnum(r, h, "SchemaElement.converted_type", &out->converted_type.emplace());
      case 7:
        return GetI32(r, h, "SchemaElement.scale", &out->scale.emplace());
      case 8:
        return GetI32(r, h, "SchemaElement.precision", &out->precision.emplace());
      case 9:
        return GetI32(r, h, "SchemaElement.field_id", &out->field_id.emplace());
      case 10:
        return GetStruct(r, h, "SchemaElement.logicalType", &out->logical_type.emplace());
      default:
        return r.Skip(h.type).WithContext("SchemaElement");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Page headers

void DataPageHeader::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldI32(1, num_values);
  PutEnum(w, 2, encoding);
  PutEnum(w, 3, definition_level_encoding);
  PutEnum(w, 4, repetition_level_encoding);
  if (statistics) PutStruct(w, 5, *statistics);
  w.StructEnd();
}

Status DataPageHeader::Read(CompactReader& r, DataPageHeader* out) {
  *out = DataPageHeader();
  return ReadStruct(r, "DataPageHeader",
                    {{1, "num_values"},
                     {2, "encoding"},
                     {3, "definition_level_encoding"},
                     {4, "repetition_level_encoding"}},
                    [&](const FieldHeader& h) -> Status {
                      switch (h.id) {
                        case 1:
                          return GetI32(r, h, "DataPageHeader.num_values", &out->num_values);
                        case 2:
                          return GetEnum(r, h, "DataPageHeader.encoding", &out->encoding);
                        case 3:
                          return GetEnum(r, h, "DataPageHeader.definition_level_encoding",
                                         &out->definition_level_encoding);
                        case 4:
                          return GetEnum(r, h, "DataPageHeader.repetition_level_encoding",
                                         &out->repetition_level_encoding);
                        case 5:
                          return GetStruct(r, h, "DataPageHeader.statistics",
                                           &out->statistics.emplace());
                        default:
                          return r.Skip(h.type).WithContext("DataPageHeader");
                      }
                    });
}

void IndexPageHeader::Write(CompactWriter& w) const {
  w.StructBegin();
  w.StructEnd();
}

Status IndexPageHeader::Read(CompactReader& r, IndexPageHeader* out) {
  *out = IndexPageHeader();
  return ReadStruct(r, "IndexPageHeader", {}, [&](const FieldHeader& h) {
    return r.Skip(h.type).WithContext("IndexPageHeader");
  });
}

void DictionaryPageHeader::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldI32(1, num_values);
  PutEnum(w, 2, encoding);
  if (is_sorted) w.FieldBool(3, *is_sorted);
  w.StructEnd();
}

Status DictionaryPageHeader::Read(CompactReader& r, DictionaryPageHeader* out) {
  *out = DictionaryPageHeader();
  return ReadStruct(r, "DictionaryPageHeader", {{1, "num_values"}, {2, "encoding"}},
                    [&](const FieldHeader& h) -> Status {
                      switch (h.id) {
                        case 1:
                          return GetI32(r, h, "DictionaryPageHeader.num_values", &out->num_values);
                        case 2:
                          return GetEnum(r, h, "DictionaryPageHeader.encoding", &out->encoding);
                        case 3:
                          return GetBool(r, h, "DictionaryPageHeader.is_sorted",
                                         &out->is_sorted.emplace());
                        default:
                          return r.Skip(h.type).WithContext("DictionaryPageHeader");
                      }
                    });
}

void DataPageHeaderV2::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldI32(1, num_values);
  w.FieldI32(2, num_nulls);
  w.FieldI32(3, num_rows);
  PutEnum(w, 4, encoding);
  w.FieldI32(5, definition_levels_byte_length);
  w.FieldI32(6, repetition_levels_byte_length);
  if (is_compressed) w.FieldBool(7, *is_compressed);
  if (statistics) PutStruct(w, 8, *statistics);
  w.StructEnd();
}

Status DataPageHeaderV2::Read(CompactReader& r, DataPageHeaderV2* out) {
  *out = DataPageHeaderV2();
  return ReadStruct(
      r, "DataPageHeaderV2",
      {{1, "num_values"},
       {2, "num_nulls"},
       {3, "num_rows"},
       {4, "encoding"},
       {5, "definition_levels_byte_length"},
       {6, "repetition_levels_byte_length"}},
      [&](const FieldHeader& h) -> Status {
        switch (h.id) {
          case 1:
            return GetI32(r, h, "DataPageHeaderV2.num_values", &out->num_values);
          case 2:
            return GetI32(r, h, "DataPageHeaderV2.num_nulls", &out->num_nulls);
          case 3:
            return GetI32(r, h, "DataPageHeaderV2.num_rows", &out->num_rows);
          case 4:
            return GetEnum(r, h, "DataPageHeaderV2.encoding", &out->encoding);
          case 5:
            return GetI32(r, h, "DataPageHeaderV2.definition_levels_byte_length",
                          &out->definition_levels_byte_length);
          case 6:
            return GetI32(r, h, "DataPageHeaderV2.repetition_levels_byte_length",
                          &out->repetition_levels_byte_length);
          case 7:
            return GetBool(r, h, "DataPageHeaderV2.is_compressed", &out->is_compressed.emplace());
          case 8:
            return GetStruct(r, h, "DataPageHeaderV2.statistics", &out->statistics.emplace());
          default:
            return r.Skip(h.type).WithContext("DataPageHeaderV2");
        }
      });
}

void PageHeader::Write(CompactWriter& w) const {
  w.StructBegin();
  PutEnum(w, 1, type);
  w.FieldI32(2, uncompressed_page_size);
  w.FieldI32(3, compressed_page_size);
  if (crc) w.FieldI32(4, *crc);
  if (data_page_header) PutStruct(w, 5, *data_page_header);
  if (index_page_header) PutStruct(w, 6, *index_page_header);
  if (dictionary_page_header) PutStruct(w, 7, *dictionary_page_header);
  if (data_page_header_v2) PutStruct(w, 8, *data_page_header_v2);
  w.StructEnd();
}

Status PageHeader::Read(CompactReader& r, PageHeader* out) {
  *out = PageHeader();
  return ReadStruct(
      r, "PageHeader", {{1, "type"}, {2, "uncompressed_page_size"}, {3, "compressed_page_size"}},
      [&](const FieldHeader& h) -> Status {
        switch (h.id) {
          case 1:
            return GetEnum(r, h, "PageHeader.type", &out->type);
          case 2:
            return GetI32(r, h, "PageHeader.uncompressed_page_size", &out->uncompressed_page_size);
          case 3:
            return GetI32(r, h, "PageHeader.compressed_page_size", &out->compressed_page_size);
          case 4:
            return GetI32(r, h, "PageHeader.crc", &out->crc.emplace());
          case 5:
            return GetStruct(r, h, "PageHeader.data_page_header", &out->data_page_header.emplace());
          case 6:
            return GetStruct(r, h, "PageHeader.index_page_header",
                             &out->index_page_header.emplace());
          case 7:
            return GetStruct(r, h, "PageHeader.dictionary_page_header",
                             &out->dictionary_page_header.emplace());
          case 8:
            return GetStruct(r, h, "PageHeader.data_page_header_v2",
                             &out->data_page_header_v2.emplace());
          default:
            return r.Skip(h.type).WithContext("PageHeader");
        }
      });
}

// ---------------------------------------------------------------------------------------------
// Column chunks and row groups

void KeyValue::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldBinary(1, key);
  if (value) w.FieldBinary(2, *value);
  w.StructEnd();
}

Status KeyValue::Read(CompactReader& r, KeyValue* out) {
  *out = KeyValue();
  return ReadStruct(r, "KeyValue", {{1, "key"}}, [&](const FieldHeader& h) -> Status {
    switch (h.id) {
      case 1:
        return GetBinary(r, h, "KeyValue.key", &out->key);
      case 2:
        return GetBinary(r, h, "KeyValue.value", &out->value.emplace());
      default:
        return r.Skip(h.type).WithContext("KeyValue");
    }
  });
}

void SortingColumn::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldI32(1, column_idx);
  w.FieldBool(2, descending);
  w.FieldBool(3, nulls_first);
  w.StructEnd();
}

Status SortingColumn::Read(CompactReader& r, SortingColumn* out) {
  *out = SortingColumn();
  return ReadStruct(r, "SortingColumn", {{1, "column_idx"}, {2, "descending"}, {3, "nulls_first"}},
                    [&](const FieldHeader& h) -> Status {
                      switch (h.id) {
                        case 1:
                          return GetI32(r, h, "SortingColumn.column_idx", &out->column_idx);
                        case 2:
                          return GetBool(r, h, "SortingColumn.descending", &out->descending);
                        case 3:
                          return GetBool(r, h, "SortingColumn.nulls_first", &out->nulls_first);
                        default:
                          return r.Skip(h.type).WithContext("SortingColumn");
                      }
                    });
}

void PageEncodingStats::Write(CompactWriter& w) const {
  w.StructBegin();
  PutEnum(w, 1, page_type);
  PutEnum(w, 2, encoding);
  w.FieldI32(3, count);
  w.StructEnd();
}

Status PageEncodingStats::Read(CompactReader& r, PageEncodingStats* out) {
  *out = PageEncodingStats();
  return ReadStruct(r, "PageEncodingStats", {{1, "page_type"}, {2, "encoding"}, {3, "count"}},
                    [&](const FieldHeader& h) -> Status {
                      switch (h.id) {
                        case 1:
                          return GetEnum(r, h, "PageEncodingStats.page_type", &out->page_type);
                        case 2:
                          return GetEnum(r, h, "PageEncodingStats.encoding", &out->encoding);
                        case 3:
                          return GetI32(r, h, "PageEncodingStats.count", &out->count);
                        default:
                          return r.Skip(h.type).WithContext("PageEncodingStats");
                      }
                    });
}

void SizeStatistics::Write(CompactWriter& w) const {
  w.StructBegin();
  if (unencoded_byte_array_data_bytes) w.FieldI64(1, *unencoded_byte_array_data_bytes);
  if (repetition_level_histogram) PutI64List(w, 2, *repetition_level_histogram);
  if (definition_level_histogram) PutI64List(w, 3, *definition_level_histogram);
  w.StructEnd();
}

Status SizeStatistics::Read(CompactReader& r, SizeStatistics* out) {
  *out = SizeStatistics();
  return ReadStruct(r, "SizeStatistics", {}, [&](const FieldHeader& h) -> Status {
    switch (h.id) {
      case 1:
        return GetI64(r, h, "SizeStatistics.unencoded_byte_array_data_bytes",
                      &out->unencoded_byte_array_data_bytes.emplace());
      case 2:
        return GetI64List(r, h, "SizeStatistics.repetition_level_histogram",
                          &out->repetition_level_histogram.emplace());
      case 3:
        return GetI64List(r, h, "SizeStatistics.definition_level_histogram",
                          &out->definition_level_histogram.emplace());
      default:
        return r.Skip(h.type).WithContext("SizeStatistics");
    }
  });
}

void ColumnMetaData::Write(CompactWriter& w) const {
  w.StructBegin();
  PutEnum(w, 1, type);
  w.FieldList(2, CompactType::kI32, static_cast<uint32_t>(encodings.size()));
  for (Encoding e : encodings) w.WriteI32(static_cast<int32_t>(e));
  PutBinaryList(w, 3, path_in_schema);
  PutEnum(w, 4, codec);
  w.FieldI64(5, num_values);
  w.FieldI64(6, total_uncompressed_size);
  w.FieldI64(7, total_compressed_size);
  if (key_value_metadata) PutStructList(w, 8, *key_value_metadata);
  w.FieldI64(9, data_page_offset);
  if (index_page_offset) w.FieldI64(10, *index_page_offset);
  if (dictionary_page_offset) w.FieldI64(11, *dictionary_page_offset);
  if (statistics) PutStruct(w, 12, *statistics);
  if (encoding_stats) PutStructList(w, 13, *encoding_stats);
  if (bloom_filter_offset) w.FieldI64(14, *bloom_filter_offset);
  if (bloom_filter_length) w.FieldI32(15, *bloom_filter_length);
  if (size_statistics) PutStruct(w, 16, *size_statistics);
  w.StructEnd();
}

Status ColumnMetaData::Read(CompactReader& r, ColumnMetaData* out) {
  *out = ColumnMetaData();
  return ReadStruct(
      r, "ColumnMetaData",
      {{1, "type"},
       {2, "encodings"},
       {3, "path_in_schema"},
       {4, "codec"},
       {5, "num_values"},
       {6, "total_uncompressed_size"},
       {7, "total_compressed_size"},
       {9, "data_page_offset"}},
      [&](const FieldHeader& h) -> Status {
        switch (h.id) {
          case 1:
            return GetEnum(r, h, "ColumnMetaData.type", &out->type);
          case 2:
            return GetEnumList(r, h, "ColumnMetaData.encodings", &out->encodings);
          case 3:
            return GetBinaryList(r, h, "ColumnMetaData.path_in_schema", &out->path_in_schema);
          case 4:
            return GetEnum(r, h, "ColumnMetaData.codec", &out->codec);
          case 5:
            return GetI64(r, h, "ColumnMetaData.num_values", &out->num_values);
          case 6:
            return GetI64(r, h, "ColumnMetaData.total_uncompressed_size",
                          &out->total_uncompressed_size);
          case 7:
            return GetI64(r, h, "ColumnMetaData.total_compressed_size",
                          &out->total_compressed_size);
          case 8:
            return GetStructList(r, h, "ColumnMetaData.key_value_metadata",
                                 &out->key_value_metadata.emplace());
          case 9:
            return GetI64(r, h, "ColumnMetaData.data_page_offset", &out->data_page_offset);
          case 10:
            return GetI64(r, h, "ColumnMetaData.index_page_offset",
                          &out->index_page_offset.emplace());
          case 11:
            return GetI64(r, h, "ColumnMetaData.dictionary_page_offset",
                          &out->dictionary_page_offset.emplace());
          case 12:
            return GetStruct(r, h, "ColumnMetaData.statistics", &out->statistics.emplace());
          case 13:
            return GetStructList(r, h, "ColumnMetaData.encoding_stats",
                                 &out->encoding_stats.emplace());
          case 14:
            return GetI64(r, h, "ColumnMetaData.bloom_filter_offset",
                          &out->bloom_filter_offset.emplace());
          case 15:
            return GetI32(r, h, "ColumnMetaData.bloom_filter_length",
                          &out->bloom_filter_length.emplace());
          case 16:
            return GetStruct(r, h, "ColumnMetaData.size_statistics",
                             &out->size_statistics.emplace());
          default:
            return r.Skip(h.type).WithContext("ColumnMetaData");
        }
      });
}

void ColumnChunk::Write(CompactWriter& w) const {
  w.StructBegin();
  if (file_path) w.FieldBinary(1, *file_path);
  w.FieldI64(2, file_offset);
  if (meta_data) PutStruct(w, 3, *meta_data);
  if (offset_index_offset) w.FieldI64(4, *offset_index_offset);
  if (offset_index_length) w.FieldI32(5, *offset_index_length);
  if (column_index_offset) w.FieldI64(6, *column_index_offset);
  if (column_index_length) w.FieldI32(7, *column_index_length);
  w.StructEnd();
}

Status ColumnChunk::Read(CompactReader& r, ColumnChunk* out) {
  *out = ColumnChunk();
  return ReadStruct(r, "ColumnChunk", {{2, "file_offset"}}, [&](const FieldHeader& h) -> Status {
    switch (h.id) {
      case 1:
        return GetBinary(r, h, "ColumnChunk.file_path", &out->file_path.emplace());
      case 2:
        return GetI64(r, h, "ColumnChunk.file_offset", &out->file_offset);
      case 3:
        return GetStruct(r, h, "ColumnChunk.meta_data", &out->meta_data.emplace());
      case 4:
        return GetI64(r, h, "ColumnChunk.offset_index_offset", &out->offset_index_offset.emplace());
      case 5:
        return GetI32(r, h, "ColumnChunk.offset_index_length", &out->offset_index_length.emplace());
      case 6:
        return GetI64(r, h, "ColumnChunk.column_index_offset", &out->column_index_offset.emplace());
      case 7:
        return GetI32(r, h, "ColumnChunk.column_index_length", &out->column_index_length.emplace());
      default:
        return r.Skip(h.type).WithContext("ColumnChunk");
    }
  });
}

void RowGroup::Write(CompactWriter& w) const {
  w.StructBegin();
  PutStructList(w, 1, columns);
  w.FieldI64(2, total_byte_size);
  w.FieldI64(3, num_rows);
  if (sorting_columns) PutStructList(w, 4, *sorting_columns);
  if (file_offset) w.FieldI64(5, *file_offset);
  if (total_compressed_size) w.FieldI64(6, *total_compressed_size);
  if (ordinal) w.FieldI16(7, *ordinal);
  w.StructEnd();
}

Status RowGroup::Read(CompactReader& r, RowGroup* out) {
  *out = RowGroup();
  return ReadStruct(r, "RowGroup", {{1, "columns"}, {2, "total_byte_size"}, {3, "num_rows"}},
                    [&](const FieldHeader& h) -> Status {
                      switch (h.id) {
                        case 1:
                          return GetStructList(r, h, "RowGroup.columns", &out->columns);
                        case 2:
                          return GetI64(r, h, "RowGroup.total_byte_size", &out->total_byte_size);
                        case 3:
                          return GetI64(r, h, "RowGroup.num_rows", &out->num_rows);
                        case 4:
                          return GetStructList(r, h, "RowGroup.sorting_columns",
                                               &out->sorting_columns.emplace());
                        case 5:
                          return GetI64(r, h, "RowGroup.file_offset", &out->file_offset.emplace());
                        case 6:
                          return GetI64(r, h, "RowGroup.total_compressed_size",
                                        &out->total_compressed_size.emplace());
                        case 7:
                          return GetI16(r, h, "RowGroup.ordinal", &out->ordinal.emplace());
                        default:
                          return r.Skip(h.type).WithContext("RowGroup");
                      }
                    });
}

// ---------------------------------------------------------------------------------------------
// Page index

void PageLocation::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldI64(1, offset);
  w.FieldI32(2, compressed_page_size);
  w.FieldI64(3, first_row_index);
  w.StructEnd();
}

Status PageLocation::Read(CompactReader& r, PageLocation* out) {
  *out = PageLocation();
  return ReadStruct(
      r, "PageLocation", {{1, "offset"}, {2, "compressed_page_size"}, {3, "first_row_index"}},
      [&](const FieldHeader& h) -> Status {
        switch (h.id) {
          case 1:
            return GetI64(r, h, "PageLocation.offset", &out->offset);
          case 2:
            return GetI32(r, h, "PageLocation.compressed_page_size", &out->compressed_page_size);
          case 3:
            return GetI64(r, h, "PageLocation.first_row_index", &out->first_row_index);
          default:
            return r.Skip(h.type).WithContext("PageLocation");
        }
      });
}

void OffsetIndex::Write(CompactWriter& w) const {
  w.StructBegin();
  PutStructList(w, 1, page_locations);
  if (unencoded_byte_array_data_bytes) PutI64List(w, 2, *unencoded_byte_array_data_bytes);
  w.StructEnd();
}

Status OffsetIndex::Read(CompactReader& r, OffsetIndex* out) {
  *out = OffsetIndex();
  return ReadStruct(r, "OffsetIndex", {{1, "page_locations"}}, [&](const FieldHeader& h) -> Status {
    switch (h.id) {
      case 1:
        return GetStructList(r, h, "OffsetIndex.page_locations", &out->page_locations);
      case 2:
        return GetI64List(r, h, "OffsetIndex.unencoded_byte_array_data_bytes",
                          &out->unencoded_byte_array_data_bytes.emplace());
      default:
        return r.Skip(h.type).WithContext("OffsetIndex");
    }
  });
}

void ColumnIndex::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldList(1, CompactType::kBoolTrue, static_cast<uint32_t>(null_pages.size()));
  for (bool b : null_pages) w.WriteBool(b);
  PutBinaryList(w, 2, min_values);
  PutBinaryList(w, 3, max_values);
  PutEnum(w, 4, boundary_order);
  if (null_counts) PutI64List(w, 5, *null_counts);
  if (repetition_level_histograms) PutI64List(w, 6, *repetition_level_histograms);
  if (definition_level_histograms) PutI64List(w, 7, *definition_level_histograms);
  if (nan_counts) PutI64List(w, 8, *nan_counts);
  w.StructEnd();
}

Status ColumnIndex::Read(CompactReader& r, ColumnIndex* out) {
  *out = ColumnIndex();
  return ReadStruct(
      r, "ColumnIndex",
      {{1, "null_pages"}, {2, "min_values"}, {3, "max_values"}, {4, "boundary_order"}},
      [&](const FieldHeader& h) -> Status {
        switch (h.id) {
          case 1: {
            // std::vector<bool> has no bool* elements; decode through a byte vector.
            std::vector<uint8_t> pages;
            SLUICE_RETURN_IF_ERROR(GetList(
                r, h, "ColumnIndex.null_pages", CompactType::kBoolTrue, &pages, [&](uint8_t* v) {
                  bool b;
                  SLUICE_RETURN_IF_ERROR(r.ReadBool(&b).WithContext("ColumnIndex.null_pages"));
                  *v = b ? 1 : 0;
                  return Status::OK();
                }));
            out->null_pages.assign(pages.begin(), pages.end());
            return Status::OK();
          }
          case 2:
            return GetBinaryList(r, h, "ColumnIndex.min_values", &out->min_values);
          case 3:
            return GetBinaryList(r, h, "ColumnIndex.max_values", &out->max_values);
          case 4:
            return GetEnum(r, h, "ColumnIndex.boundary_order", &out->boundary_order);
          case 5:
            return GetI64List(r, h, "ColumnIndex.null_counts", &out->null_counts.emplace());
          case 6:
            return GetI64List(r, h, "ColumnIndex.repetition_level_histograms",
                              &out->repetition_level_histograms.emplace());
          case 7:
            return GetI64List(r, h, "ColumnIndex.definition_level_histograms",
                              &out->definition_level_histograms.emplace());
          case 8:
            return GetI64List(r, h, "ColumnIndex.nan_counts", &out->nan_counts.emplace());
          default:
            return r.Skip(h.type).WithContext("ColumnIndex");
        }
      });
}

// ---------------------------------------------------------------------------------------------
// FileMetaData

void FileMetaData::Write(CompactWriter& w) const {
  w.StructBegin();
  w.FieldI32(1, version);
  PutStructList(w, 2, schema);
  w.FieldI64(3, num_rows);
  PutStructList(w, 4, row_groups);
  if (key_value_metadata) PutStructList(w, 5, *key_value_metadata);
  if (created_by) w.FieldBinary(6, *created_by);
  if (column_orders) {
    w.FieldList(7, CompactType::kStruct, static_cast<uint32_t>(column_orders->size()));
    for (ColumnOrder order : *column_orders) {
      w.StructBegin();
      PutEmptyStruct(w, static_cast<int16_t>(order));
      w.StructEnd();
    }
  }
  w.StructEnd();
}

Status FileMetaData::Read(CompactReader& r, FileMetaData* out) {
  *out = FileMetaData();
  return ReadStruct(
      r, "FileMetaData", {{1, "version"}, {2, "schema"}, {3, "num_rows"}, {4, "row_groups"}},
      [&](const FieldHeader& h) -> Status {
        switch (h.id) {
          case 1:
            return GetI32(r, h, "FileMetaData.version", &out->version);
          case 2:
            return GetStructList(r, h, "FileMetaData.schema", &out->schema);
          case 3:
            return GetI64(r, h, "FileMetaData.num_rows", &out->num_rows);
          case 4:
            return GetStructList(r, h, "FileMetaData.row_groups", &out->row_groups);
          case 5:
            return GetStructList(r, h, "FileMetaData.key_value_metadata",
                                 &out->key_value_metadata.emplace());
          case 6:
            return GetBinary(r, h, "FileMetaData.created_by", &out->created_by.emplace());
          case 7:
            return GetList(r, h, "FileMetaData.column_orders", CompactType::kStruct,
                           &out->column_orders.emplace(), [&](ColumnOrder* order) {
                             return ReadEmptyStructUnion(r, "ColumnOrder", order);
                           });
          default:
            return r.Skip(h.type).WithContext("FileMetaData");
        }
      });
}

// ---------------------------------------------------------------------------------------------
// Whole-buffer entry points

Result<FileMetaData> ParseFileMetaData(std::string_view bytes, const ReaderLimits& limits) {
  return ParseWhole<FileMetaData>(bytes, limits, nullptr, FileMetaData::Read);
}

std::string SerializeFileMetaData(const FileMetaData& metadata) { return SerializeWhole(metadata); }

Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t* header_size,
                                   const ReaderLimits& limits) {
  SLUICE_ASSIGN_OR_RETURN(PageHeader header,
                          ParseWhole<PageHeader>(bytes, limits, header_size, PageHeader::Read));
  if (header.compressed_page_size < 0 || header.uncompressed_page_size < 0) {
    return Status::Corruption("PageHeader at byte 0: negative page size (compressed " +
                              std::to_string(header.compressed_page_size) + ", uncompressed " +
                              std::to_string(header.uncompressed_page_size) + ")");
  }
  return header;
}

std::string SerializePageHeader(const PageHeader& header) { return SerializeWhole(header); }

Result<OffsetIndex> ParseOffsetIndex(std::string_view bytes, const ReaderLimits& limits) {
  return ParseWhole<OffsetIndex>(bytes, limits, nullptr, OffsetIndex::Read);
}

std::string SerializeOffsetIndex(const OffsetIndex& index) { return SerializeWhole(index); }

Result<ColumnIndex> ParseColumnIndex(std::string_view bytes, const ReaderLimits& limits) {
  return ParseWhole<ColumnIndex>(bytes, limits, nullptr, ColumnIndex::Read);
}

std::string SerializeColumnIndex(const ColumnIndex& index) { return SerializeWhole(index); }

std::string ParquetEncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return "ENCODING_" + std::to_string(static_cast<int>(encoding));
}

std::string_view ParquetTypeName(Type type) {
  switch (type) {
    case Type::kBoolean:
      return "BOOLEAN";
    case Type::kInt32:
      return "INT32";
    case Type::kInt64:
      return "INT64";
    case Type::kInt96:
      return "INT96";
    case Type::kFloat:
      return "FLOAT";
    case Type::kDouble:
      return "DOUBLE";
    case Type::kByteArray:
      return "BYTE_ARRAY";
    case Type::kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "unknown";
}

}  // namespace sluice::parquet
