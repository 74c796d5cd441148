#include "sluice/parquet/column_type.h"

#include <charconv>
#include <string>

namespace sluice::parquet {

namespace {


constexpr std::string_view kExpected =
    "expected one of bool, int8, int16, int32, int64, float, double, decimal(p,s), string, "
    "date, timestamp, json";

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Parses "( p , s )" (whitespace anywhere) into precision and scale.
Result<DataType> ParseDecimalArguments(std::string_view original, std::string_view rest) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("type \"" + std::string(original) + "\": " + std::string(why));
  };
  constexpr std::string_view kShape = "decimal needs a precision and a scale: decimal(p,s)";
  rest = TrimSpace(rest);
  if (rest.empty() || rest.front() != '(' || rest.back() != ')') return bad(kShape);
  rest = rest.substr(1, rest.size() - 2);
  size_t comma = rest.find(',');
  if (comma == std::string_view::npos) return bad(kShape);
  auto number = [](std::string_view s, int* out) {
    s = TrimSpace(s);
    if (s.empty() || s.size() > 3) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && ptr == s.data() + s.size() && s.front() != '-';
  };
  int precision = 0;
  int scale = 0;
  if (!number(rest.substr(0, comma), &precision) || !number(rest.substr(comma + 1), &scale)) {
    return bad(kShape);
  }
  if (precision < 1 || precision > 38) return bad("precision must be 1 to 38");
  if (scale > precision)
    return bad("scale must be 0 to the precision (" + std::to_string(precision) + ")");
  return DataType::Decimal(precision, scale);
}

}  // namespace

Result<DataType> ParseColumnType(std::string_view text) {
  std::string_view trimmed = TrimSpace(text);
  std::string name = Lower(trimmed);
  if (name == "bool" || name == "boolean") return DataType::Of(TypeKind::kBoolean);
  if (name == "int8" || name == "tinyint" || name == "byte") return DataType::Of(TypeKind::kInt8);
  if (name == "int16" || name == "smallint" || name == "short")
    return DataType::Of(TypeKind::kInt16);
  if (name == "int32" || name == "int" || name == "integer") return DataType::Of(TypeKind::kInt32);
  if (name == "int64" || name == "bigint" || name == "long") return DataType::Of(TypeKind::kInt64);
  if (name == "float") return DataType::Of(TypeKind::kFloat);
  if (name == "double") return DataType::Of(TypeKind::kDouble);
  if (name == "string") return DataType::Of(TypeKind::kString);
  if (name == "date") return DataType::Of(TypeKind::kDate);
  if (name == "timestamp") return DataType::Timestamp(TimeUnit::kMicros, /*adjusted_to_utc=*/true);
  if (name == "json") return DataType::Of(TypeKind::kJson);
  constexpr std::string_view kDecimal = "decimal";
  if (name.starts_with(kDecimal) &&
      (name.size() == kDecimal.size() || IsSpace(name[kDecimal.size()]) ||
       name[kDecimal.size()] == '(')) {
    return ParseDecimalArguments(trimmed, std::string_view(name).substr(kDecimal.size()));
  }
  return Status::InvalidArgument("unknown type \"" + std::string(trimmed) + "\"; " +
                                 std::string(kExpected));
}

std::string ColumnTypeName(const DataType& type) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      return "bool";
    case TypeKind::kInt8:
      return "int8";
    case TypeKind::kInt16:
      return "int16";
    case TypeKind::kInt32:
      return "int32";
    case TypeKind::kInt64:
      return "int64";
    case TypeKind::kFloat:
      return "float";
    case TypeKind::kDouble:
      return "double";
    case TypeKind::kDecimal:
      return "decimal(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeKind::kString:
      return "string";
    case TypeKind::kDate:
      return "date";
    case TypeKind::kJson:
      return "json";
    case TypeKind::kTimestamp:
      if (type.unit == TimeUnit::kMicros && type.adjusted_to_utc) return "timestamp";
      break;
    default:
      break;
  }
  return type.ToString();
}

}  // namespace sluice::parquet
