#include "sluice/parquet/record_batch.h"

#include <algorithm>

#include "sluice/parquet/record_batch_internal.h"

namespace sluice::parquet {


Storage StorageOf(const DataType& t) {
  switch (t.kind) {
    case TypeKind::kBoolean: return Storage::kBools;
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32:
    case TypeKind::kDate: return Storage::kInts32;
    case TypeKind::kInt64:
    case TypeKind::kUInt64:
    case TypeKind::kTime:
    case TypeKind::kTimestamp: return Storage::kInts64;
    case TypeKind::kFloat: return Storage::kFloats;
    case TypeKind::kDouble: return Storage::kDoubles;
    case TypeKind::kDecimal: return t.precision <= 18 ? Storage::kInts64 : Storage::kFixed;
    case TypeKind::kString:
    case TypeKind::kJson:
    case TypeKind::kEnum:
    case TypeKind::kBinary: return Storage::kOffsets;
    case TypeKind::kFixedBinary:
    case TypeKind::kUuid: return Storage::kFixed;
    case TypeKind::kList:
    case TypeKind::kStruct: return Storage::kNone;
  }
  return Storage::kNone;
}

size_t FixedWidthOf(const DataType& t) {
  if (t.kind == TypeKind::kUuid) return 16;
  if (t.kind == TypeKind::kDecimal) return 16;
  return static_cast<size_t>(std::max(t.fixed_length, 0));
}


namespace {

using internal::FixedWidthOf;
using internal::Storage;
using internal::StorageOf;

std::string_view UnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis: return "ms";
    case TimeUnit::kMicros: return "us";
    case TimeUnit::kNanos: return "ns";
  }
  return "us";
}

}  // namespace

DataType DataType::Of(TypeKind kind) {
  DataType t;
  t.kind = kind;
  return t;
}

DataType DataType::Decimal(int precision, int scale) {
  DataType t = Of(TypeKind::kDecimal);
  t.precision = precision;
  t.scale = scale;
  return t;
}

DataType DataType::Timestamp(TimeUnit unit, bool adjusted_to_utc) {
  DataType t = Of(TypeKind::kTimestamp);
  t.unit = unit;
  t.adjusted_to_utc = adjusted_to_utc;
  return t;
}

DataType DataType::Time(TimeUnit unit, bool adjusted_to_utc) {
  DataType t = Of(TypeKind::kTime);
  t.unit = unit;
  t.adjusted_to_utc = adjusted_to_utc;
  return t;
}

DataType DataType::FixedBinary(int length) {
  DataType t = Of(TypeKind::kFixedBinary);
  t.fixed_length = length;
  return t;
}

DataType DataType::List(Field element) {
  DataType t = Of(TypeKind::kList);
  t.children.push_back(std::move(element));
  return t;
}

DataType DataType::Struct(std::vector<Field> fields) {
  DataType t = Of(TypeKind::kStruct);
  t.children = std::move(fields);
  return t;
}

bool operator==(const DataType& a, const DataType& b) {
  if (a.kind != b.kind || a.children != b.children) return false;
  switch (a.kind) {
    case TypeKind::kDecimal: return a.precision == b.precision && a.scale == b.scale;
    case TypeKind::kFixedBinary: return a.fixed_length == b.fixed_length;
    case TypeKind::kTime:
    case TypeKind::kTimestamp: return a.unit == b.unit && a.adjusted_to_utc == b.adjusted_to_utc;
    default: return true;
  }
}

std::string DataType::ToString() const {
  switch (kind) {
    case TypeKind::kBoolean: return "bool";
    case TypeKind::kInt8: return "int8";
    case TypeKind::kInt16: return "int16";
    case TypeKind::kInt32: return "int32";
    case TypeKind::kInt64: return "int64";
    case TypeKind::kUInt8: return "uint8";
    case TypeKind::kUInt16: return "uint16";
    case TypeKind::kUInt32: return "uint32";
    case TypeKind::kUInt64: return "uint64";
    case TypeKind::kFloat: return "float";
    case TypeKind::kDouble: return "double";
    case TypeKind::kDecimal:
      return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case TypeKind::kString: return "string";
    case TypeKind::kJson: return "json";
    case TypeKind::kEnum: return "enum";
    case TypeKind::kBinary: return "binary";
    case TypeKind::kFixedBinary: return "fixed_binary(" + std::to_string(fixed_length) + ")";
    case TypeKind::kUuid: return "uuid";
    case TypeKind::kDate: return "date";
    case TypeKind::kTime:
      return "time[" + std::string(UnitName(unit)) + (adjusted_to_utc ? ", UTC]" : "]");
    case TypeKind::kTimestamp:
      return "timestamp[" + std::string(UnitName(unit)) + (adjusted_to_utc ? ", UTC]" : "]");
    case TypeKind::kList:
      return "list<" + (children.empty() ? std::string("?") : children[0].type.ToString()) + ">";
    case TypeKind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i) out += ", ";
        out += children[i].name + ": " + children[i].type.ToString();
      }
      return out + ">";
    }
  }
  return "?";
}

int Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Schema::ToString() const {
  std::string out;
  for (const Field& f : fields) {
    out += f.name + ": " + f.type.ToString() + (f.nullable ? "" : " not null") + "\n";
  }
  return out;
}

int64_t ColumnVector::null_count() const {
  if (validity.empty()) return 0;
  int64_t n = 0;
  for (uint8_t v : validity) n += v == 0;
  return n;
}

std::string_view ColumnVector::BytesAt(int64_t i) const {
  if (StorageOf(type) == Storage::kFixed) {
    size_t w = FixedWidthOf(type);
    return std::string_view(bytes).substr(static_cast<size_t>(i) * w, w);
  }
  size_t begin = static_cast<size_t>(offsets[static_cast<size_t>(i)]);
  size_t end = static_cast<size_t>(offsets[static_cast<size_t>(i) + 1]);
  return std::string_view(bytes).substr(begin, end - begin);
}

namespace {
// Keeps `validity` consistent: materialised (all 1s so far) on the first null.
void MarkValid(ColumnVector& c, bool valid) {
  if (!valid && c.validity.empty()) {
    c.validity.assign(static_cast<size_t>(c.length), 1);
    c.validity.push_back(0);
  } else if (!c.validity.empty()) {
    c.validity.push_back(valid ? 1 : 0);
  }
  ++c.length;
}
}  // namespace

void ColumnVector::AppendNull() {
  switch (StorageOf(type)) {
    case Storage::kBools: bools.push_back(0); break;
    case Storage::kInts32: ints32.push_back(0); break;
    case Storage::kInts64: ints64.push_back(0); break;
    case Storage::kFloats: floats.push_back(0); break;
    case Storage::kDoubles: doubles.push_back(0); break;
    case Storage::kOffsets:
      if (offsets.empty()) offsets.push_back(0);
      offsets.push_back(offsets.back());
      break;
    case Storage::kFixed: bytes.append(FixedWidthOf(type), '\0'); break;
    case Storage::kNone:
      if (type.kind == TypeKind::kList) {
        if (offsets.empty()) offsets.push_back(0);
        offsets.push_back(offsets.back());
      } else {
        for (ColumnVector& child : children) child.AppendNull();
      }
      break;
  }
  MarkValid(*this, false);
}

void ColumnVector::AppendBool(bool v) {
  bools.push_back(v ? 1 : 0);
  MarkValid(*this, true);
}
void ColumnVector::AppendInt32(int32_t v) {
  ints32.push_back(v);
  MarkValid(*this, true);
}
void ColumnVector::AppendInt64(int64_t v) {
  ints64.push_back(v);
  MarkValid(*this, true);
}
void ColumnVector::AppendFloat(float v) {
  floats.push_back(v);
  MarkValid(*this, true);
}
void ColumnVector::AppendDouble(double v) {
  doubles.push_back(v);
  MarkValid(*this, true);
}
void ColumnVector::AppendBytes(std::string_view v) {
  if (StorageOf(type) == Storage::kOffsets) {
    if (offsets.empty()) offsets.push_back(0);
    bytes.append(v);
    offsets.push_back(static_cast<int64_t>(bytes.size()));
  } else {
    bytes.append(v);
  }
  MarkValid(*this, true);
}

Status ColumnVector::Validate(std::string_view name) const {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("column '" + std::string(name) + "' (" + type.ToString() + "): " + why);
  };
  if (length < 0) return bad("negative length");
  size_t n = static_cast<size_t>(length);
  if (!validity.empty() && validity.size() != n) {
    return bad("validity has " + std::to_string(validity.size()) + " entries for " + std::to_string(n) + " values");
  }
  auto check_size = [&](size_t have, const char* member) -> Status {
    if (have != n) {
      return bad(std::string(member) + " has " + std::to_string(have) + " values, expected " + std::to_string(n));
    }
    return Status::OK();
  };
  auto check_offsets = [&](size_t limit, const char* what) -> Status {
    if (n == 0 && offsets.empty()) return Status::OK();
    if (offsets.size() != n + 1) {
      return bad("offsets has " + std::to_string(offsets.size()) + " entries, expected " + std::to_string(n + 1));
    }
    if (offsets[0] < 0) return bad("offsets start below 0");
    for (size_t i = 1; i < offsets.size(); ++i) {
      if (offsets[i] < offsets[i - 1]) return bad("offsets decrease at " + std::to_string(i));
    }
    if (static_cast<uint64_t>(offsets.back()) > limit) {
      return bad("offsets end at " + std::to_string(offsets.back()) + ", beyond the " + std::to_string(limit) + " " +
                 what);
    }
    return Status::OK();
  };
  switch (StorageOf(type)) {
    case Storage::kBools: return check_size(bools.size(), "bools");
    case Storage::kInts32: return check_size(ints32.size(), "ints32");
    case Storage::kInts64: return check_size(ints64.size(), "ints64");
    case Storage::kFloats: return check_size(floats.size(), "floats");
    case Storage::kDoubles: return check_size(doubles.size(), "doubles");
    case Storage::kOffsets: return check_offsets(bytes.size(), "bytes");
    case Storage::kFixed: {
      size_t w = FixedWidthOf(type);
      if (w == 0) return bad("fixed width is 0");
      if (bytes.size() != n * w) {
        return bad("bytes holds " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(n * w));
      }
      return Status::OK();
    }
    case Storage::kNone: break;
  }
  if (type.kind == TypeKind::kList) {
    if (type.children.size() != 1 || children.size() != 1) return bad("a list needs exactly one child");
    SLUICE_RETURN_IF_ERROR(check_offsets(static_cast<size_t>(children[0].length), "child values"));
    return children[0].Validate(std::string(name) + "." + type.children[0].name);
  }
  if (children.size() != type.children.size()) {
    return bad("has " + std::to_string(children.size()) + " children for " + std::to_string(type.children.size()) +
               " fields");
  }
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i].length != length) {
      return bad("field '" + type.children[i].name + "' has " + std::to_string(children[i].length) + " values");
    }
    SLUICE_RETURN_IF_ERROR(children[i].Validate(std::string(name) + "." + type.children[i].name));
  }
  return Status::OK();
}

ColumnVector ColumnVector::Make(const DataType& type) {
  ColumnVector c;
  c.type = type;
  for (const Field& f : type.children) c.children.push_back(Make(f.type));
  return c;
}

Status RecordBatch::Validate() const {
  if (columns.size() != schema.fields.size()) {
    return Status::InvalidArgument("record batch has " + std::to_string(columns.size()) + " columns for " +
                                   std::to_string(schema.fields.size()) + " schema fields");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const Field& f = schema.fields[i];
    if (!(columns[i].type == f.type)) {
      return Status::InvalidArgument("column '" + f.name + "' is " + columns[i].type.ToString() +
                                     " but the schema says " + f.type.ToString());
    }
    if (columns[i].length != num_rows) {
      return Status::InvalidArgument("column '" + f.name + "' has " + std::to_string(columns[i].length) +
                                     " values for " + std::to_string(num_rows) + " rows");
    }
    if (!f.nullable && columns[i].null_count() > 0) {
      return Status::InvalidArgument("column '" + f.name + "' is not nullable but holds " +
                                     std::to_string(columns[i].null_count()) + " nulls");
    }
    SLUICE_RETURN_IF_ERROR(columns[i].Validate(f.name));
  }
  return Status::OK();
}

RecordBatch RecordBatch::Make(const Schema& schema) {
  RecordBatch b;
  b.schema = schema;
  for (const Field& f : schema.fields) b.columns.push_back(ColumnVector::Make(f.type));
  return b;
}

}  // namespace sluice::parquet
