#include "sluice/etl/schema_evolution.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <set>

#include "sluice/common/json.h"
#include "sluice/parquet/column_type.h"

namespace sluice::etl {

namespace {

namespace json = common::json;

using parquet::ColumnVector;
using parquet::DataType;
using parquet::Field;
using parquet::RecordBatch;
using parquet::Schema;
using parquet::TimeUnit;
using parquet::TypeKind;

using Int128 = __int128;
using UInt128 = unsigned __int128;

constexpr int kMaxDecimalPrecision = 38;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;
// Dates further from the epoch have no timestamp in microseconds (about 292 000 years).
constexpr int64_t kMaxTimestampDays = std::numeric_limits<int64_t>::max() / kMicrosPerDay;
constexpr std::string_view kDatasetTypes =
    "bool, int8, int16, int32, int64, float, double, decimal(p,s), string, date, timestamp, "
    "json, list, struct";

// ---- type names --------------------------------------------------------------------------

bool IsDatasetTimestamp(const DataType& t) {
  return t.kind == TypeKind::kTimestamp && t.unit == TimeUnit::kMicros && t.adjusted_to_utc;
}

// The JSON name of a scalar dataset type, or nullopt for a nested or unsupported type.
// The job-spec name of a scalar type (column_type.h), or nullopt for a type a dataset cannot
// have (unsigned ints, timestamps in other units, binaries, …).
std::optional<std::string> ScalarTypeName(const DataType& t) {
  if (t.kind == TypeKind::kList || t.kind == TypeKind::kStruct) return std::nullopt;
  std::string name = ColumnTypeName(t);
  Result<DataType> back = parquet::ParseColumnType(name);
  if (!back.ok() || !(*back == t)) return std::nullopt;
  return name;
}

// ---- JSON form ---------------------------------------------------------------------------

json::value FieldToJson(const Field& field);

json::value TypeToJson(const DataType& t) {
  if (t.kind == TypeKind::kList && t.children.size() == 1) {
    json::object o;
    o["list"] = FieldToJson(t.children[0]);
    return o;
  }
  if (t.kind == TypeKind::kStruct) {
    json::array fields;
    for (const Field& f : t.children) fields.push_back(FieldToJson(f));
    json::object o;
    o["struct"] = std::move(fields);
    return o;
  }
  return json::string(DatasetTypeName(t));
}

json::value FieldToJson(const Field& field) {
  json::object o;
  o["name"] = field.name;
  o["type"] = TypeToJson(field.type);
  o["nullable"] = field.nullable;
  return o;
}

Status BadJson(std::string_view path, std::string_view what) {
  return Status::InvalidArgument("schema " + std::string(path) + ": " + std::string(what));
}

Result<Field> FieldFromJson(const json::value& v, const std::string& path);

Result<std::vector<Field>> FieldsFromJson(const json::value& v, const std::string& path) {
  if (!v.is_array()) return BadJson(path, "expected an array of fields");
  std::vector<Field> fields;
  std::set<std::string> names;
  const json::array& array = v.as_array();
  for (size_t i = 0; i < array.size(); ++i) {
    std::string item_path = path + "[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(Field f, FieldFromJson(array[i], item_path));
    if (!names.insert(f.name).second) {
      return BadJson(item_path + ".name", "column '" + f.name + "' appears twice");
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

Result<DataType> TypeFromJson(const json::value& v, const std::string& path) {
  if (v.is_string()) {
    std::string_view name(v.as_string().data(), v.as_string().size());
    Result<DataType> t = parquet::ParseColumnType(name);
    // Lists and structs are objects ({"list": …}, {"struct": […]}), below.
    if (!t.ok()) return BadJson(path, t.status().message());
    return *t;
  }
  if (v.is_object() && v.as_object().size() == 1) {
    const json::object& o = v.as_object();
    if (const json::value* element = o.if_contains("list")) {
      SLUICE_ASSIGN_OR_RETURN(Field f, FieldFromJson(*element, path + ".list"));
      return DataType::List(std::move(f));
    }
    if (const json::value* fields = o.if_contains("struct")) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<Field> children,
                              FieldsFromJson(*fields, path + ".struct"));
      return DataType::Struct(std::move(children));
    }
  }
  return BadJson(path, "expected a type name or {\"list\": field} or {\"struct\": [fields]}");
}

Result<Field> FieldFromJson(const json::value& v, const std::string& path) {
  if (!v.is_object()) return BadJson(path, "expected a field object");
  const json::object& o = v.as_object();
  for (const auto& kv : o) {
    if (kv.key() != "name" && kv.key() != "type" && kv.key() != "nullable") {
      return BadJson(
          path, "unknown key \"" + std::string(kv.key()) + "\"; expected name, type, nullable");
    }
  }
  Field f;
  const json::value* name = o.if_contains("name");
  if (name == nullptr || !name->is_string()) return BadJson(path + ".name", "expected a string");
  f.name = std::string(name->as_string());
  if (f.name.empty()) return BadJson(path + ".name", "a column name cannot be empty");
  const json::value* type = o.if_contains("type");
  if (type == nullptr) return BadJson(path + ".type", "missing");
  SLUICE_ASSIGN_OR_RETURN(f.type, TypeFromJson(*type, path + ".type"));
  if (const json::value* nullable = o.if_contains("nullable")) {
    if (!nullable->is_bool()) return BadJson(path + ".nullable", "expected true or false");
    f.nullable = nullable->as_bool();
  }
  return f;
}

Status ValidateFields(const std::vector<Field>& fields, const std::string& prefix) {
  std::set<std::string_view> names;
  for (const Field& f : fields) {
    std::string name = prefix + f.name;
    if (f.name.empty()) {
      return Status::InvalidArgument(prefix.empty() ? std::string("a column has an empty name")
                                                    : "a field of column '" +
                                                          prefix.substr(0, prefix.size() - 1) +
                                                          "' has an empty name");
    }
    if (!names.insert(f.name).second) {
      return Status::InvalidArgument("column '" + name + "' appears twice");
    }
    if (f.type.kind == TypeKind::kList) {
      if (f.type.children.size() != 1) {
        return Status::InvalidArgument("column '" + name + "': a list needs exactly one element");
      }
      SLUICE_RETURN_IF_ERROR(ValidateFields(f.type.children, name + "."));
    } else if (f.type.kind == TypeKind::kStruct) {
      SLUICE_RETURN_IF_ERROR(ValidateFields(f.type.children, name + "."));
    } else if (!ScalarTypeName(f.type)) {
      return Status::InvalidArgument("column '" + name + "': type " + DatasetTypeName(f.type) +
                                     " is not a dataset type (" + std::string(kDatasetTypes) + ")");
    }
  }
  return Status::OK();
}

// ---- widening ----------------------------------------------------------------------------

bool IsInt(TypeKind k) {
  return k == TypeKind::kInt8 || k == TypeKind::kInt16 || k == TypeKind::kInt32 ||
         k == TypeKind::kInt64;
}

int IntRank(TypeKind k) {
  switch (k) {
    case TypeKind::kInt8:
      return 0;
    case TypeKind::kInt16:
      return 1;
    case TypeKind::kInt32:
      return 2;
    default:
      return 3;
  }
}

// Decimal digits an int type needs: int8 -128..127 has 3.
int IntDigits(TypeKind k) {
  static constexpr int kDigits[] = {3, 5, 10, 19};
  return kDigits[IntRank(k)];
}

bool IsNumberForDouble(TypeKind k) {
  return IsInt(k) || k == TypeKind::kFloat || k == TypeKind::kDouble;
}

bool IsNumberForDecimal(TypeKind k) { return IsInt(k) || k == TypeKind::kDecimal; }

// The narrowest type both `a` and `b` widen to, or why there is none.
struct CommonType {
  std::optional<DataType> type;
  std::string why_not;
};

CommonType CommonTypeOf(const DataType& a, const DataType& b) {
  if (a == b) return {a, ""};
  if (IsInt(a.kind) && IsInt(b.kind)) return {IntRank(a.kind) >= IntRank(b.kind) ? a : b, ""};
  if (IsNumberForDouble(a.kind) && IsNumberForDouble(b.kind)) {
    return {DataType::Of(TypeKind::kDouble), ""};
  }
  if (IsNumberForDecimal(a.kind) && IsNumberForDecimal(b.kind)) {
    auto integer_digits = [](const DataType& t) {
      return t.kind == TypeKind::kDecimal ? t.precision - t.scale : IntDigits(t.kind);
    };
    auto scale = [](const DataType& t) { return t.kind == TypeKind::kDecimal ? t.scale : 0; };
    int s = std::max(scale(a), scale(b));
    int p = std::max(integer_digits(a), integer_digits(b)) + s;
    if (p > kMaxDecimalPrecision) {
      return {std::nullopt, DatasetTypeName(a) + " and " + DatasetTypeName(b) + " need " +
                                std::to_string(p) + " digits, more than 38"};
    }
    return {DataType::Decimal(p, s), ""};
  }
  if (a.kind == TypeKind::kDate && IsDatasetTimestamp(b)) return {b, ""};
  if (IsDatasetTimestamp(a) && b.kind == TypeKind::kDate) return {a, ""};
  return {std::nullopt, "no widening from " + DatasetTypeName(a) + " to " + DatasetTypeName(b)};
}

bool Widens(const DataType& from, const DataType& to) {
  std::optional<DataType> common = CommonTypeOf(from, to).type;
  return common && *common == to;
}

std::string Describe(const Field& f) {
  return DatasetTypeName(f.type) + (f.nullable ? "" : " not null");
}

// ---- conversions -------------------------------------------------------------------------

Int128 Pow10(int n) {
  Int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

Int128 ReadBigEndian128(std::string_view bytes) {
  UInt128 u = 0;
  for (char c : bytes) u = (u << 8) | static_cast<uint8_t>(c);
  return static_cast<Int128>(u);
}

void AppendBigEndian128(std::string& out, Int128 v) {
  UInt128 u = static_cast<UInt128>(v);
  for (int shift = 120; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(u >> shift)));
  }
}

std::string Int128ToString(Int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  UInt128 u = negative ? UInt128(0) - static_cast<UInt128>(v) : static_cast<UInt128>(v);
  std::string digits;
  while (u != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// The i-th value of an int or decimal column as an unscaled integer.
Int128 ExactValueAt(const ColumnVector& c, size_t i) {
  if (c.type.kind == TypeKind::kDecimal && c.type.precision > 18) {
    return ReadBigEndian128(c.BytesAt(static_cast<int64_t>(i)));
  }
  if (c.type.kind == TypeKind::kInt64 || c.type.kind == TypeKind::kDecimal) return c.ints64[i];
  return c.ints32[i];
}

double DoubleValueAt(const ColumnVector& c, size_t i) {
  switch (c.type.kind) {
    case TypeKind::kFloat:
      return static_cast<double>(c.floats[i]);
    case TypeKind::kDouble:
      return c.doubles[i];
    case TypeKind::kInt64:
      return static_cast<double>(c.ints64[i]);
    default:
      return static_cast<double>(c.ints32[i]);
  }
}

// `src` converted to `to`, which Widens(src.type, to).
Result<ColumnVector> WidenColumn(const ColumnVector& src, const DataType& to,
                                 const std::string& name) {
  ColumnVector out = ColumnVector::Make(to);
  out.length = src.length;
  out.validity = src.validity;
  size_t n = static_cast<size_t>(src.length);
  switch (to.kind) {
    case TypeKind::kInt16:
    case TypeKind::kInt32:
      out.ints32 = src.ints32;
      break;
    case TypeKind::kInt64:
      out.ints64.reserve(n);
      for (size_t i = 0; i < n; ++i)
        out.ints64.push_back(static_cast<int64_t>(ExactValueAt(src, i)));
      break;
    case TypeKind::kDouble:
      out.doubles.reserve(n);
      for (size_t i = 0; i < n; ++i) out.doubles.push_back(DoubleValueAt(src, i));
      break;
    case TypeKind::kTimestamp:
      out.ints64.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        if (src.IsNull(static_cast<int64_t>(i))) {
          out.ints64.push_back(0);
          continue;
        }
        int64_t days = src.ints32[i];
        if (days > kMaxTimestampDays || days < -kMaxTimestampDays) {
          return Status::InvalidArgument("column '" + name + "' row " + std::to_string(i) +
                                         ": date " + std::to_string(days) +
                                         " days from 1970-01-01 is beyond the timestamp range");
        }
        out.ints64.push_back(days * kMicrosPerDay);
      }
      break;
    case TypeKind::kDecimal: {
      int from_precision = src.type.kind == TypeKind::kDecimal ? src.type.precision : 0;
      int from_scale = src.type.kind == TypeKind::kDecimal ? src.type.scale : 0;
      Int128 limit = Pow10(from_precision);
      Int128 factor = Pow10(to.scale - from_scale);
      for (size_t i = 0; i < n; ++i) {
        Int128 v = 0;
        if (!src.IsNull(static_cast<int64_t>(i))) {
          v = ExactValueAt(src, i);
          if (from_precision > 0 && (v >= limit || v <= -limit)) {
            return Status::InvalidArgument(
                "column '" + name + "' row " + std::to_string(i) + ": unscaled value " +
                Int128ToString(v) + " exceeds the precision of " + DatasetTypeName(src.type));
          }
          v *= factor;
        }
        if (to.precision <= 18) {
          out.ints64.push_back(static_cast<int64_t>(v));
        } else {
          AppendBigEndian128(out.bytes, v);
        }
      }
      break;
    }
    default:
      return Status::Internal("column '" + name + "': no conversion from " + src.type.ToString() +
                              " to " + to.ToString());
  }
  return out;
}

ColumnVector NullColumn(const DataType& type, int64_t rows) {
  ColumnVector c = ColumnVector::Make(type);
  for (int64_t i = 0; i < rows; ++i) c.AppendNull();
  return c;
}

}  // namespace

std::string DatasetTypeName(const DataType& type) {
  if (std::optional<std::string> name = ScalarTypeName(type)) return *name;
  if (type.kind == TypeKind::kList && type.children.size() == 1) {
    return "list<" + DatasetTypeName(type.children[0].type) + ">";
  }
  if (type.kind == TypeKind::kStruct) {
    std::string out = "struct<";
    for (size_t i = 0; i < type.children.size(); ++i) {
      if (i) out += ", ";
      out += type.children[i].name + ": " + DatasetTypeName(type.children[i].type);
    }
    return out + ">";
  }
  return type.ToString();
}

std::string SchemaToJson(const Schema& schema) {
  json::array fields;
  for (const Field& f : schema.fields) fields.push_back(FieldToJson(f));
  json::object o;
  o["fields"] = std::move(fields);
  return common::SerializeJson(o);
}

Result<Schema> SchemaFromJson(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(json::value v, common::ParseJson(text, "schema"));
  if (!v.is_object()) return BadJson("$", "expected an object with \"fields\"");
  const json::object& o = v.as_object();
  for (const auto& kv : o) {
    if (kv.key() != "fields") {
      return BadJson("$", "unknown key \"" + std::string(kv.key()) + "\"; expected fields");
    }
  }
  const json::value* fields = o.if_contains("fields");
  if (fields == nullptr) return BadJson("$.fields", "missing");
  Schema schema;
  SLUICE_ASSIGN_OR_RETURN(schema.fields, FieldsFromJson(*fields, "$.fields"));
  return schema;
}

Status ValidateDatasetSchema(const Schema& schema) { return ValidateFields(schema.fields, ""); }

Result<EvolutionPolicy> ParseEvolutionPolicy(std::string_view text) {
  if (text == "additive") return EvolutionPolicy::kAdditive;
  if (text == "strict") return EvolutionPolicy::kStrict;
  return Status::InvalidArgument("unknown schema evolution policy \"" + std::string(text) +
                                 "\"; expected additive or strict");
}

std::string_view EvolutionPolicyName(EvolutionPolicy policy) {
  return policy == EvolutionPolicy::kStrict ? "strict" : "additive";
}

std::string SchemaChange::ToString() const {
  switch (kind) {
    case Kind::kAddColumn:
      return "add column " + column + ": " + to + " (nullable)";
    case Kind::kWidenType:
      return "widen " + column + ": " + from + " -> " + to;
    case Kind::kRelaxNullability:
      return "relax " + column + ": " + from + " -> " + to;
  }
  return "";
}

std::string SchemaDiff(const Schema& a, const Schema& b) {
  std::string out;
  for (const Field& fa : a.fields) {
    int j = b.IndexOf(fa.name);
    if (j < 0) {
      out += "- " + fa.name + ": " + Describe(fa) + "\n";
      continue;
    }
    const Field& fb = b.fields[static_cast<size_t>(j)];
    if (fa == fb) {
      out += "  " + fa.name + ": " + Describe(fa) + "\n";
    } else {
      out += "~ " + fa.name + ": " + Describe(fa) + " -> " + Describe(fb) + "\n";
    }
  }
  for (const Field& fb : b.fields) {
    if (a.IndexOf(fb.name) < 0) out += "+ " + fb.name + ": " + Describe(fb) + "\n";
  }
  return out;
}

Result<Evolution> Evolve(const Schema& current, const Schema& incoming, EvolutionPolicy policy,
                         std::string_view dataset) {
  SLUICE_RETURN_IF_ERROR(
      ValidateDatasetSchema(current).WithContext("schema of dataset " + std::string(dataset)));
  SLUICE_RETURN_IF_ERROR(ValidateDatasetSchema(incoming).WithContext("incoming schema"));

  Evolution result;
  // The differences, one line each, for the message when the data is refused.
  std::vector<std::string> lines;
  bool refused = false;
  bool strict = policy == EvolutionPolicy::kStrict;

  for (const Field& cur : current.fields) {
    Field out = cur;
    int j = incoming.IndexOf(cur.name);
    if (j < 0) {
      lines.push_back("- " + cur.name + ": " + Describe(cur));
      refused |= strict;
      if (!cur.nullable) {
        out.nullable = true;
        result.changes.push_back(
            {SchemaChange::Kind::kRelaxNullability, cur.name, "not null", "nullable"});
      }
      result.schema.fields.push_back(std::move(out));
      continue;
    }
    const Field& inc = incoming.fields[static_cast<size_t>(j)];
    bool type_differs = !(cur.type == inc.type);
    bool relax = !cur.nullable && inc.nullable;
    if (!type_differs && !relax) {
      result.schema.fields.push_back(std::move(out));
      continue;
    }
    std::string diff_line = "~ " + cur.name + ": " + Describe(cur) + " -> " + Describe(inc);
    if (strict) {
      lines.push_back(diff_line);
      refused = true;
      continue;
    }
    CommonType common = CommonTypeOf(cur.type, inc.type);
    if (!common.type) {
      lines.push_back(cur.name + ": " + DatasetTypeName(cur.type) + " -> " +
                      DatasetTypeName(inc.type) + " (" + common.why_not + ")");
      refused = true;
      continue;
    }
    lines.push_back(diff_line);
    if (!(*common.type == cur.type)) {
      result.changes.push_back({SchemaChange::Kind::kWidenType, cur.name, DatasetTypeName(cur.type),
                                DatasetTypeName(*common.type)});
      out.type = *common.type;
    }
    if (relax) {
      out.nullable = true;
      result.changes.push_back(
          {SchemaChange::Kind::kRelaxNullability, cur.name, "not null", "nullable"});
    }
    result.schema.fields.push_back(std::move(out));
  }
  for (const Field& inc : incoming.fields) {
    if (current.IndexOf(inc.name) >= 0) continue;
    lines.push_back("+ " + inc.name + ": " + Describe(inc));
    refused |= strict;
    Field added = inc;
    added.nullable = true;
    result.changes.push_back(
        {SchemaChange::Kind::kAddColumn, inc.name, "", DatasetTypeName(inc.type)});
    result.schema.fields.push_back(std::move(added));
  }

  if (refused) {
    std::string message = "schema of dataset " + std::string(dataset) +
                          " is incompatible with the incoming data (policy " +
                          std::string(EvolutionPolicyName(policy)) + "):";
    for (const std::string& line : lines) message += "\n  " + line;
    return Status::FailedPrecondition(std::move(message));
  }
  return result;
}

Result<RecordBatch> ConformBatch(const RecordBatch& batch, const Schema& target) {
  SLUICE_RETURN_IF_ERROR(batch.Validate());
  for (const Field& f : batch.schema.fields) {
    if (target.IndexOf(f.name) < 0) {
      return Status::InvalidArgument("column '" + f.name +
                                     "' of the batch is not in the target schema");
    }
  }
  RecordBatch out;
  out.schema = target;
  out.num_rows = batch.num_rows;
  for (const Field& t : target.fields) {
    int i = batch.schema.IndexOf(t.name);
    if (i < 0) {
      if (!t.nullable) {
        return Status::InvalidArgument(
            "column '" + t.name + "' is NOT NULL in the target schema but missing from the batch");
      }
      out.columns.push_back(NullColumn(t.type, batch.num_rows));
      continue;
    }
    const ColumnVector& src = batch.columns[static_cast<size_t>(i)];
    if (!t.nullable && src.null_count() > 0) {
      return Status::InvalidArgument("column '" + t.name +
                                     "' is NOT NULL in the target schema but holds " +
                                     std::to_string(src.null_count()) + " nulls");
    }
    if (src.type == t.type) {
      out.columns.push_back(src);
      continue;
    }
    if (!Widens(src.type, t.type)) {
      return Status::InvalidArgument("column '" + t.name + "': " + DatasetTypeName(src.type) +
                                     " does not widen to " + DatasetTypeName(t.type));
    }
    SLUICE_ASSIGN_OR_RETURN(ColumnVector widened, WidenColumn(src, t.type, t.name));
    out.columns.push_back(std::move(widened));
  }
  return out;
}

}  // namespace sluice::etl
