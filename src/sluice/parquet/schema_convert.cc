#include "sluice/parquet/schema_convert.h"

#include "sluice/parquet/schema_convert_internal.h"

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

namespace sluice::parquet {

namespace {

// record_batch.h's unit of times and timestamps, and Parquet's TimeUnit union.
using BatchUnit = decltype(DataType::unit);
using ParquetUnit = decltype(TimestampType::unit);

ParquetUnit ToParquetUnit(BatchUnit unit) {
  switch (unit) {
    case BatchUnit::kMillis:
      return ParquetUnit::kMillis;
    case BatchUnit::kMicros:
      return ParquetUnit::kMicros;
    case BatchUnit::kNanos:
      return ParquetUnit::kNanos;
  }
  return ParquetUnit::kMicros;
}

std::string JoinPath(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

LogicalType Logical(decltype(LogicalType::value) value) { return LogicalType{std::move(value)}; }

SchemaElement IntLeaf(Type type, int bit_width, bool is_signed) {
  SchemaElement e;
  e.type = type;
  e.logical_type = Logical(IntType{static_cast<int8_t>(bit_width), is_signed});
  static constexpr ConvertedType kSigned[] = {ConvertedType::kInt8, ConvertedType::kInt16,
                                              ConvertedType::kInt32, ConvertedType::kInt64};
  static constexpr ConvertedType kUnsigned[] = {ConvertedType::kUint8, ConvertedType::kUint16,
                                                ConvertedType::kUint32, ConvertedType::kUint64};
  const int i = bit_width == 8 ? 0 : bit_width == 16 ? 1 : bit_width == 32 ? 2 : 3;
  e.converted_type = is_signed ? kSigned[i] : kUnsigned[i];
  return e;
}

class SchemaBuilder {
 public:
  explicit SchemaBuilder(std::vector<SchemaElement>* out) : out_(out) {}

  Status AddField(const Field& field, const std::string& parent_path) {
    const std::string path = JoinPath(parent_path, field.name);
    if (field.name.empty()) {
      return Status::InvalidArgument("field " + (parent_path.empty() ? "#" : parent_path + ".") +
                                     "<empty>: a Parquet field needs a name");
    }
    const FieldRepetitionType repetition =
        field.nullable ? FieldRepetitionType::kOptional : FieldRepetitionType::kRequired;
    const DataType& t = field.type;
    if (t.kind == TypeKind::kList) {
      if (t.children.size() != 1) {
        return Status::InvalidArgument("field " + path + ": a list has exactly one element field, got " +
                                       std::to_string(t.children.size()));
      }
      SchemaElement list;
      list.name = field.name;
      list.repetition_type = repetition;
      list.num_children = 1;
      list.converted_type = ConvertedType::kList;
      list.logical_type = Logical(ListType{});
      out_->push_back(std::move(list));
      SchemaElement repeated;
      repeated.name = "list";
      repeated.repetition_type = FieldRepetitionType::kRepeated;
      repeated.num_children = 1;
      out_->push_back(std::move(repeated));
      Field element = t.children[0];
      element.name = "element";
      return AddField(element, path + ".list");
    }
    if (t.kind == TypeKind::kStruct) {
      if (t.children.empty()) {
        return Status::InvalidArgument("field " + path + ": a struct needs at least one field");
      }
      SchemaElement group;
      group.name = field.name;
      group.repetition_type = repetition;
      group.num_children = static_cast<int32_t>(t.children.size());
      out_->push_back(std::move(group));
      return AddChildren(t.children, path);
    }
    SLUICE_ASSIGN_OR_RETURN(SchemaElement leaf, Leaf(t, path));
    leaf.name = field.name;
    leaf.repetition_type = repetition;
    out_->push_back(std::move(leaf));
    return Status::OK();
  }

  Status AddChildren(const std::vector<Field>& fields, const std::string& parent_path) {
    std::set<std::string_view> names;
    for (const Field& f : fields) {
      if (!f.name.empty() && !names.insert(f.name).second) {
        return Status::InvalidArgument("field " + JoinPath(parent_path, f.name) +
                                       ": duplicate field name");
      }
      SLUICE_RETURN_IF_ERROR(AddField(f, parent_path));
    }
    return Status::OK();
  }

 private:
  static Result<SchemaElement> Leaf(const DataType& t, const std::string& path) {
    SchemaElement e;
    switch (t.kind) {
      case TypeKind::kBoolean:
        e.type = Type::kBoolean;
        return e;
      case TypeKind::kInt8:
        return IntLeaf(Type::kInt32, 8, true);
      case TypeKind::kInt16:
        return IntLeaf(Type::kInt32, 16, true);
      case TypeKind::kInt32:
        return IntLeaf(Type::kInt32, 32, true);
      case TypeKind::kInt64:
        return IntLeaf(Type::kInt64, 64, true);
      case TypeKind::kUInt8:
        return IntLeaf(Type::kInt32, 8, false);
      case TypeKind::kUInt16:
        return IntLeaf(Type::kInt32, 16, false);
      case TypeKind::kUInt32:
        return IntLeaf(Type::kInt32, 32, false);
      case TypeKind::kUInt64:
        return IntLeaf(Type::kInt64, 64, false);
      case TypeKind::kFloat:
        e.type = Type::kFloat;
        return e;
      case TypeKind::kDouble:
        e.type = Type::kDouble;
        return e;
      case TypeKind::kDecimal: {
        if (t.precision < 1 || t.precision > 38) {
          return Status::InvalidArgument("field " + path + ": decimal precision " +
                                         std::to_string(t.precision) + " is outside 1..38");
        }
        if (t.scale < 0 || t.scale > t.precision) {
          return Status::InvalidArgument("field " + path + ": decimal scale " +
                                         std::to_string(t.scale) + " is outside 0.." +
                                         std::to_string(t.precision));
        }
        if (t.precision <= 9) {
          e.type = Type::kInt32;
        } else if (t.precision <= 18) {
          e.type = Type::kInt64;
        } else {
          e.type = Type::kFixedLenByteArray;
          e.type_length = DecimalByteLength(t.precision);
        }
        e.converted_type = ConvertedType::kDecimal;
        e.scale = t.scale;
        e.precision = t.precision;
        e.logical_type = Logical(DecimalType{t.scale, t.precision});
        return e;
      }
      case TypeKind::kString:
        e.type = Type::kByteArray;
        e.converted_type = ConvertedType::kUtf8;
        e.logical_type = Logical(StringType{});
        return e;
      case TypeKind::kJson:
        e.type = Type::kByteArray;
        e.converted_type = ConvertedType::kJson;
        e.logical_type = Logical(JsonType{});
        return e;
      case TypeKind::kEnum:
        e.type = Type::kByteArray;
        e.converted_type = ConvertedType::kEnum;
        e.logical_type = Logical(EnumType{});
        return e;
      case TypeKind::kBinary:
        e.type = Type::kByteArray;
        return e;
      case TypeKind::kFixedBinary:
        if (t.fixed_length <= 0) {
          return Status::InvalidArgument("field " + path + ": fixed binary length " +
                                         std::to_string(t.fixed_length) + " is not positive");
        }
        e.type = Type::kFixedLenByteArray;
        e.type_length = t.fixed_length;
        return e;
      case TypeKind::kUuid:
        e.type = Type::kFixedLenByteArray;
        e.type_length = 16;
        e.logical_type = Logical(UuidType{});
        return e;
      case TypeKind::kDate:
        e.type = Type::kInt32;
        e.converted_type = ConvertedType::kDate;
        e.logical_type = Logical(DateType{});
        return e;
      case TypeKind::kTime:
        e.type = t.unit == BatchUnit::kMillis ? Type::kInt32 : Type::kInt64;
        e.logical_type = Logical(TimeType{t.adjusted_to_utc, ToParquetUnit(t.unit)});
        // The converted types stand for UTC-adjusted values only (LogicalTypes.md).
        if (t.adjusted_to_utc && t.unit != BatchUnit::kNanos) {
          e.converted_type = t.unit == BatchUnit::kMillis ? ConvertedType::kTimeMillis
                                                           : ConvertedType::kTimeMicros;
        }
        return e;
      case TypeKind::kTimestamp:
        e.type = Type::kInt64;
        e.logical_type = Logical(TimestampType{t.adjusted_to_utc, ToParquetUnit(t.unit)});
        if (t.adjusted_to_utc && t.unit != BatchUnit::kNanos) {
          e.converted_type = t.unit == BatchUnit::kMillis ? ConvertedType::kTimestampMillis
                                                           : ConvertedType::kTimestampMicros;
        }
        return e;
      case TypeKind::kList:
      case TypeKind::kStruct:
        break;
    }
    return Status::Internal("field " + path + ": not a leaf type");
  }

  std::vector<SchemaElement>* out_;
};

// ---- Parquet -> sluice ----

class SchemaReader {
 public:
  SchemaReader(const std::vector<SchemaElement>& elements, std::string_view file_name)
      : elements_(elements), file_name_(file_name) {}

  Result<Schema> Read() {
    if (elements_.empty()) return Corrupt("", "the schema has no root element");
    const SchemaElement& root = elements_[0];
    if (root.type.has_value() || !root.num_children.has_value()) {
      return Corrupt("", "the schema root is not a group");
    }
    pos_ = 1;
    Schema schema;
    for (int32_t i = 0; i < *root.num_children; ++i) {
      SLUICE_ASSIGN_OR_RETURN(Field f, ReadField(""));
      schema.fields.push_back(std::move(f));
    }
    if (pos_ != elements_.size()) {
      return Corrupt("", std::to_string(elements_.size() - pos_) +
                             " schema elements follow the last field of the root");
    }
    return schema;
  }

 private:
  Status Corrupt(const std::string& path, const std::string& what) const {
    return Status::Corruption(std::string(file_name_) + ": " +
                              (path.empty() ? "" : "column " + path + ": ") + what);
  }
  // InvalidArgument named "NotSupported", as the reader reports valid files it cannot read.
  Status Unsupported(const std::string& path, const std::string& what) const {
    return Status(StatusCode::kInvalidArgument, "NotSupported",
                  std::string(file_name_) + ": column " + path + ": " + what + " is not supported");
  }

  Result<const SchemaElement*> Next(const std::string& parent_path) {
    if (pos_ >= elements_.size()) {
      return Corrupt(parent_path, "the schema ends inside this group");
    }
    return &elements_[pos_++];
  }

  // Reads the field at pos_ (and its subtree), handling its repetition.
  Result<Field> ReadField(const std::string& parent_path) {
    SLUICE_ASSIGN_OR_RETURN(const SchemaElement* e, Next(parent_path));
    const std::string path = JoinPath(parent_path, e->name);
    const FieldRepetitionType rep = e->repetition_type.value_or(FieldRepetitionType::kOptional);
    if (rep == FieldRepetitionType::kRepeated) {
      // A repeated field outside a LIST group: a required list of required elements.
      SLUICE_ASSIGN_OR_RETURN(DataType element_type, ReadNode(*e, path));
      Field element{"element", std::move(element_type), false};
      return Field{e->name, DataType::List(std::move(element)), false};
    }
    SLUICE_ASSIGN_OR_RETURN(DataType type, ReadNode(*e, path));
    return Field{e->name, std::move(type), rep == FieldRepetitionType::kOptional};
  }

  // The type of `e` ignoring its repetition; consumes its children.
  Result<DataType> ReadNode(const SchemaElement& e, const std::string& path) {
    if (!e.num_children.has_value() && !e.type.has_value()) {
      return Corrupt(path, "a leaf without a physical type");
    }
    if (!e.num_children.has_value()) return LeafType(e, path);
    if (*e.num_children <= 0) return Corrupt(path, "a group without fields");
    if (depth_ >= internal::kMaxSchemaNesting) {
      return Unsupported(path, "nesting deeper than " +
                                   std::to_string(internal::kMaxSchemaNesting) + " levels");
    }
    ++depth_;
    Result<DataType> type = ReadGroup(e, path);
    --depth_;
    return type;
  }

  Result<DataType> ReadGroup(const SchemaElement& e, const std::string& path) {
    const SchemaElement* next = pos_ < elements_.size() ? &elements_[pos_] : nullptr;
    // MAP (and MAP_KEY_VALUE) groups of the standard shape read as list<struct<key, value>>;
    // a MAP_KEY_VALUE group holding the key and value fields is that struct.
    if (internal::IsListAnnotated(e) ||
        (internal::IsMapAnnotated(e) && internal::IsListOrMapGroup(e, next))) {
      return ReadList(e, path);
    }
    std::vector<Field> fields;
    for (int32_t i = 0; i < *e.num_children; ++i) {
      SLUICE_ASSIGN_OR_RETURN(Field f, ReadField(path));
      fields.push_back(std::move(f));
    }
    return DataType::Struct(std::move(fields));
  }

  // A LIST- or MAP-annotated group, by the backward-compatibility rules of LogicalTypes.md.
  Result<DataType> ReadList(const SchemaElement& list, const std::string& path) {
    if (*list.num_children != 1) {
      return Corrupt(path, "a LIST group must hold exactly one field, it holds " +
                               std::to_string(*list.num_children));
    }
    SLUICE_ASSIGN_OR_RETURN(const SchemaElement* repeated, Next(path));
    const std::string repeated_path = JoinPath(path, repeated->name);
    if (repeated->repetition_type != FieldRepetitionType::kRepeated) {
      return Corrupt(path, "the field of a LIST group must be repeated");
    }
    // The repeated field is the element (required), or wraps it (the standard 3-level form).
    if (internal::RepeatedFieldIsListElement(list, *repeated)) {
      SLUICE_ASSIGN_OR_RETURN(DataType t, ReadNode(*repeated, repeated_path));
      return DataType::List(Field{repeated->name, std::move(t), false});
    }
    SLUICE_ASSIGN_OR_RETURN(Field element, ReadField(repeated_path));
    return DataType::List(std::move(element));
  }

  Result<DataType> LeafType(const SchemaElement& e, const std::string& path) {
    const Type physical = *e.type;
    if (e.logical_type.has_value()) {
      const auto& v = e.logical_type->value;
      if (std::holds_alternative<StringType>(v)) return Require(physical, Type::kByteArray, "STRING", path, TypeKind::kString);
      if (std::holds_alternative<JsonType>(v)) return Require(physical, Type::kByteArray, "JSON", path, TypeKind::kJson);
      if (std::holds_alternative<EnumType>(v)) return Require(physical, Type::kByteArray, "ENUM", path, TypeKind::kEnum);
      if (std::holds_alternative<BsonType>(v)) return Require(physical, Type::kByteArray, "BSON", path, TypeKind::kBinary);
      if (std::holds_alternative<DateType>(v)) return Require(physical, Type::kInt32, "DATE", path, TypeKind::kDate);
      if (std::holds_alternative<UuidType>(v)) {
        if (physical != Type::kFixedLenByteArray || e.type_length != 16) {
          return Corrupt(path, "UUID must annotate FIXED_LEN_BYTE_ARRAY(16)");
        }
        return DataType::Of(TypeKind::kUuid);
      }
      if (const auto* d = std::get_if<DecimalType>(&v)) return Decimal(e, d->precision, d->scale, path);
      if (const auto* i = std::get_if<IntType>(&v)) return Int(e, i->bit_width, i->is_signed, path);
      if (const auto* t = std::get_if<TimeType>(&v)) {
        const bool millis = t->unit == ParquetUnit::kMillis;
        if (physical != (millis ? Type::kInt32 : Type::kInt64)) {
          return Corrupt(path, std::string("TIME(") + (millis ? "MILLIS) must annotate INT32" : "MICROS/NANOS) must annotate INT64"));
        }
        return DataType::Time(FromParquetUnit(t->unit), t->is_adjusted_to_utc);
      }
      if (const auto* t = std::get_if<TimestampType>(&v)) {
        if (physical != Type::kInt64) return Corrupt(path, "TIMESTAMP must annotate INT64");
        return DataType::Timestamp(FromParquetUnit(t->unit), t->is_adjusted_to_utc);
      }
      if (std::holds_alternative<Float16Type>(v)) return Unsupported(path, "FLOAT16");
      if (std::holds_alternative<NullType>(v)) {
        // An all-null column: any type holds it; keep the physical one.
        return Physical(e, path);
      }
      // LIST/MAP on a leaf and logical types newer than sluice: the converted type, if
      // any, else the physical type decides (as readers ignore annotations they do not know).
    }
    if (e.converted_type.has_value()) {
      switch (*e.converted_type) {
        case ConvertedType::kUtf8:
          return Require(physical, Type::kByteArray, "UTF8", path, TypeKind::kString);
        case ConvertedType::kJson:
          return Require(physical, Type::kByteArray, "JSON", path, TypeKind::kJson);
        case ConvertedType::kEnum:
          return Require(physical, Type::kByteArray, "ENUM", path, TypeKind::kEnum);
        case ConvertedType::kBson:
          return Require(physical, Type::kByteArray, "BSON", path, TypeKind::kBinary);
        case ConvertedType::kDate:
          return Require(physical, Type::kInt32, "DATE", path, TypeKind::kDate);
        case ConvertedType::kDecimal:
          if (!e.precision.has_value()) return Corrupt(path, "DECIMAL without a precision");
          return Decimal(e, *e.precision, e.scale.value_or(0), path);
        case ConvertedType::kTimeMillis:
          if (physical != Type::kInt32) return Corrupt(path, "TIME_MILLIS must annotate INT32");
          return DataType::Time(BatchUnit::kMillis, true);
        case ConvertedType::kTimeMicros:
          if (physical != Type::kInt64) return Corrupt(path, "TIME_MICROS must annotate INT64");
          return DataType::Time(BatchUnit::kMicros, true);
        case ConvertedType::kTimestampMillis:
        case ConvertedType::kTimestampMicros:
          if (physical != Type::kInt64) return Corrupt(path, "TIMESTAMP_* must annotate INT64");
          return DataType::Timestamp(*e.converted_type == ConvertedType::kTimestampMillis
                                         ? BatchUnit::kMillis
                                         : BatchUnit::kMicros,
                                     true);
        case ConvertedType::kInt8: return Int(e, 8, true, path);
        case ConvertedType::kInt16: return Int(e, 16, true, path);
        case ConvertedType::kInt32: return Int(e, 32, true, path);
        case ConvertedType::kInt64: return Int(e, 64, true, path);
        case ConvertedType::kUint8: return Int(e, 8, false, path);
        case ConvertedType::kUint16: return Int(e, 16, false, path);
        case ConvertedType::kUint32: return Int(e, 32, false, path);
        case ConvertedType::kUint64: return Int(e, 64, false, path);
        case ConvertedType::kInterval:
          return Unsupported(path, "INTERVAL");
        case ConvertedType::kMap:
        case ConvertedType::kMapKeyValue:
        case ConvertedType::kList:
          return Corrupt(path, "a LIST or MAP annotation on a primitive field");
      }
      return Unsupported(path, "converted type #" + std::to_string(static_cast<int>(*e.converted_type)));
    }
    return Physical(e, path);
  }

  Result<DataType> Physical(const SchemaElement& e, const std::string& path) {
    switch (*e.type) {
      case Type::kBoolean: return DataType::Of(TypeKind::kBoolean);
      case Type::kInt32: return DataType::Of(TypeKind::kInt32);
      case Type::kInt64: return DataType::Of(TypeKind::kInt64);
      case Type::kInt96: return DataType::Timestamp(BatchUnit::kNanos, false);
      case Type::kFloat: return DataType::Of(TypeKind::kFloat);
      case Type::kDouble: return DataType::Of(TypeKind::kDouble);
      case Type::kByteArray: return DataType::Of(TypeKind::kBinary);
      case Type::kFixedLenByteArray:
        if (e.type_length.value_or(0) <= 0) {
          return Corrupt(path, "FIXED_LEN_BYTE_ARRAY without a positive type_length");
        }
        return DataType::FixedBinary(*e.type_length);
    }
    return Unsupported(path, "physical type #" + std::to_string(static_cast<int>(*e.type)));
  }

  Result<DataType> Require(Type physical, Type expected, const char* annotation,
                           const std::string& path, TypeKind kind) {
    if (physical != expected) {
      return Corrupt(path, std::string(annotation) + " annotates physical type #" +
                               std::to_string(static_cast<int>(physical)));
    }
    return DataType::Of(kind);
  }

  Result<DataType> Int(const SchemaElement& e, int bit_width, bool is_signed, const std::string& path) {
    const Type expected = bit_width == 64 ? Type::kInt64 : Type::kInt32;
    if (*e.type != expected || (bit_width != 8 && bit_width != 16 && bit_width != 32 && bit_width != 64)) {
      return Corrupt(path, "INT(" + std::to_string(bit_width) + ") annotates physical type #" +
                               std::to_string(static_cast<int>(*e.type)));
    }
    static constexpr TypeKind kSigned[] = {TypeKind::kInt8, TypeKind::kInt16, TypeKind::kInt32,
                                           TypeKind::kInt64};
    static constexpr TypeKind kUnsigned[] = {TypeKind::kUInt8, TypeKind::kUInt16,
                                             TypeKind::kUInt32, TypeKind::kUInt64};
    const int i = bit_width == 8 ? 0 : bit_width == 16 ? 1 : bit_width == 32 ? 2 : 3;
    return DataType::Of(is_signed ? kSigned[i] : kUnsigned[i]);
  }

  Result<DataType> Decimal(const SchemaElement& e, int precision, int scale, const std::string& path) {
    if (precision < 1 || scale < 0 || scale > precision) {
      return Corrupt(path, "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) +
                               ") is not a valid decimal");
    }
    if (precision > 38) {
      return Unsupported(path, "DECIMAL precision " + std::to_string(precision) + " (over 38)");
    }
    switch (*e.type) {
      case Type::kInt32:
        if (precision > 9) return Corrupt(path, "DECIMAL precision over 9 on INT32");
        break;
      case Type::kInt64:
        if (precision > 18) return Corrupt(path, "DECIMAL precision over 18 on INT64");
        break;
      case Type::kFixedLenByteArray:
        if (e.type_length.value_or(0) <= 0 || *e.type_length > 16) {
          return Unsupported(path, "DECIMAL on FIXED_LEN_BYTE_ARRAY(" +
                                       std::to_string(e.type_length.value_or(0)) + ")");
        }
        break;
      case Type::kByteArray:
        break;
      default:
        return Corrupt(path, "DECIMAL annotates physical type #" +
                                 std::to_string(static_cast<int>(*e.type)));
    }
    return DataType::Decimal(precision, scale);
  }

  static BatchUnit FromParquetUnit(ParquetUnit unit) {
    switch (unit) {
      case ParquetUnit::kMillis: return BatchUnit::kMillis;
      case ParquetUnit::kMicros: return BatchUnit::kMicros;
      case ParquetUnit::kNanos: return BatchUnit::kNanos;
    }
    return BatchUnit::kMicros;
  }

  const std::vector<SchemaElement>& elements_;
  std::string_view file_name_;
  size_t pos_ = 0;
  int depth_ = 0;  // groups being read
};

}  // namespace

namespace internal {

bool IsListAnnotated(const SchemaElement& e) {
  if (e.logical_type.has_value()) return std::holds_alternative<ListType>(e.logical_type->value);
  return e.converted_type == ConvertedType::kList;
}

bool IsMapAnnotated(const SchemaElement& e) {
  if (e.logical_type.has_value() && std::holds_alternative<MapType>(e.logical_type->value)) {
    return true;
  }
  return e.converted_type == ConvertedType::kMap || e.converted_type == ConvertedType::kMapKeyValue;
}

bool RepeatedFieldIsListElement(const SchemaElement& group, const SchemaElement& repeated) {
  return IsMapAnnotated(group) || !repeated.num_children.has_value() ||
         *repeated.num_children != 1 || repeated.name == "array" ||
         repeated.name == group.name + "_tuple";
}

bool IsListOrMapGroup(const SchemaElement& group, const SchemaElement* next) {
  return (IsListAnnotated(group) || IsMapAnnotated(group)) && group.num_children == 1 &&
         next != nullptr && next->repetition_type == FieldRepetitionType::kRepeated;
}

}  // namespace internal

int DecimalByteLength(int precision) {
  // The fewest bytes whose two's complement holds 10^precision - 1.
  return static_cast<int>(std::ceil((precision * std::log2(10.0) + 1) / 8));
}

Result<std::vector<SchemaElement>> ToParquetSchema(const Schema& schema) {
  if (schema.fields.empty()) return Status::InvalidArgument("schema: a Parquet file needs at least one column");
  std::vector<SchemaElement> out;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema.fields.size());
  out.push_back(std::move(root));
  SchemaBuilder builder(&out);
  SLUICE_RETURN_IF_ERROR(builder.AddChildren(schema.fields, ""));
  return out;
}

Result<Schema> FromParquetSchema(const std::vector<SchemaElement>& elements,
                                 std::string_view file_name) {
  return SchemaReader(elements, file_name).Read();
}

}  // namespace sluice::parquet
