#include "sluice/cli/table_import.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "sluice/common/file_util.h"
#include "sluice/common/json.h"
#include "sluice/common/time.h"

namespace sluice::cli {
namespace {

namespace json = boost::json;
using parquet::ColumnVector;
using parquet::DataType;
using parquet::Field;
using parquet::RecordBatch;
using parquet::Schema;
using parquet::TimeUnit;
using parquet::TypeKind;

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

Result<DataType> ParseType(std::string_view text) {
  static const std::pair<std::string_view, TypeKind> kSimple[] = {
      {"bool", TypeKind::kBoolean},   {"boolean", TypeKind::kBoolean}, {"int8", TypeKind::kInt8},
      {"int16", TypeKind::kInt16},    {"int32", TypeKind::kInt32},     {"int64", TypeKind::kInt64},
      {"uint8", TypeKind::kUInt8},    {"uint16", TypeKind::kUInt16},   {"uint32", TypeKind::kUInt32},
      {"uint64", TypeKind::kUInt64},  {"float", TypeKind::kFloat},     {"double", TypeKind::kDouble},
      {"string", TypeKind::kString},  {"json", TypeKind::kJson},       {"binary", TypeKind::kBinary},
      {"date", TypeKind::kDate},      {"uuid", TypeKind::kUuid},
  };
  for (const auto& [name, kind] : kSimple) {
    if (text == name) return DataType::Of(kind);
  }
  if (text == "timestamp") return DataType::Timestamp(TimeUnit::kMicros, true);
  if (text == "timestamp_ms") return DataType::Timestamp(TimeUnit::kMillis, true);
  if (text.rfind("decimal(", 0) == 0 && text.back() == ')') {
    std::string_view inner = text.substr(8, text.size() - 9);
    size_t comma = inner.find(',');
    int p = 0, s = 0;
    if (comma != std::string_view::npos) {
      std::string ps = Trim(inner.substr(0, comma)), ss = Trim(inner.substr(comma + 1));
      auto r1 = std::from_chars(ps.data(), ps.data() + ps.size(), p);
      auto r2 = std::from_chars(ss.data(), ss.data() + ss.size(), s);
      if (r1.ec == std::errc() && r2.ec == std::errc() && p >= 1 && p <= 38 && s >= 0 && s <= p) {
        return DataType::Decimal(p, s);
      }
    }
    return Status::InvalidArgument("invalid decimal type '" + std::string(text) +
                                   "': expected decimal(precision, scale) with 1 ≤ precision ≤ 38, 0 ≤ scale ≤ precision");
  }
  return Status::InvalidArgument("unknown type '" + std::string(text) +
                                 "' (expected bool, int8…int64, uint8…uint64, float, double, decimal(p,s), string, "
                                 "json, binary, date, timestamp, timestamp_ms or uuid)");
}

// One cell as read from the file: null or text.
using Cell = std::optional<std::string>;

// The records of a CSV text, each with the line it starts on.
struct CsvRecords {
  std::vector<std::vector<Cell>> rows;
  std::vector<size_t> lines;
};

Result<CsvRecords> ParseCsv(std::string_view text, const std::string& path) {
  CsvRecords out;
  std::vector<std::vector<Cell>>& rows = out.rows;
  size_t record_line = 1;
  std::vector<Cell> row;
  std::string field;
  bool quoted = false, in_quotes = false, any = false;
  size_t line = 1;
  auto end_field = [&] {
    if (!quoted && field.empty()) {
      row.emplace_back(std::nullopt);
    } else {
      row.emplace_back(std::move(field));
    }
    field.clear();
    quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    any = true;
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_field();
      rows.push_back(std::move(row));
      out.lines.push_back(record_line);
      row.clear();
      any = false;
      ++line;
      record_line = line;
    } else {
      if (quoted) {
        return Status::InvalidArgument(path + ":" + std::to_string(line) +
                                       ": unexpected character after a closing quote (expected , or end of line)");
      }
      field += c;
    }
  }
  if (in_quotes) return Status::InvalidArgument(path + ":" + std::to_string(line) + ": unterminated quoted field");
  if (any) {
    end_field();
    rows.push_back(std::move(row));
    out.lines.push_back(record_line);
  }
  return out;
}

bool IsInteger(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool IsDouble(std::string_view s, double* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool IsDate(std::string_view s, int32_t* days) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto t = common::ParseRfc3339(std::string(s) + "T00:00:00Z");
  if (!t.ok()) return false;
  *days = static_cast<int32_t>(t->seconds() / 86400);
  return true;
}

// Appends `text` to `column` as its type; InvalidArgument explaining what was expected.
Status AppendText(ColumnVector& column, std::string_view text) {
  const DataType& t = column.type;
  auto bad = [&](std::string_view expected) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not " + std::string(expected));
  };
  int64_t i = 0;
  double d = 0;
  switch (t.kind) {
    case TypeKind::kBoolean:
      if (text == "true" || text == "TRUE" || text == "True") {
        column.AppendBool(true);
      } else if (text == "false" || text == "FALSE" || text == "False") {
        column.AppendBool(false);
      } else {
        return bad("a boolean (true or false)");
      }
      return Status::OK();
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32: {
      if (!IsInteger(text, &i)) return bad("an integer");
      static const std::pair<TypeKind, std::pair<int64_t, int64_t>> kRanges[] = {
          {TypeKind::kInt8, {-128, 127}},          {TypeKind::kInt16, {-32768, 32767}},
          {TypeKind::kInt32, {INT32_MIN, INT32_MAX}}, {TypeKind::kUInt8, {0, 255}},
          {TypeKind::kUInt16, {0, 65535}},         {TypeKind::kUInt32, {0, UINT32_MAX}}};
      for (const auto& [kind, range] : kRanges) {
        if (kind == t.kind && (i < range.first || i > range.second)) return bad("in range for " + t.ToString());
      }
      column.AppendInt32(static_cast<int32_t>(static_cast<uint32_t>(i)));
      return Status::OK();
    }
    case TypeKind::kInt64:
      if (!IsInteger(text, &i)) return bad("a 64-bit integer");
      column.AppendInt64(i);
      return Status::OK();
    case TypeKind::kUInt64: {
      uint64_t u = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), u);
      if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return bad("an unsigned 64-bit integer");
      column.AppendInt64(static_cast<int64_t>(u));
      return Status::OK();
    }
    case TypeKind::kFloat:
      if (!IsDouble(text, &d)) return bad("a number");
      column.AppendFloat(static_cast<float>(d));
      return Status::OK();
    case TypeKind::kDouble:
      if (!IsDouble(text, &d)) return bad("a number");
      column.AppendDouble(d);
      return Status::OK();
    case TypeKind::kDecimal: {
      // Exact: digits with at most `scale` fraction digits, scaled to an integer.
      std::string_view s = text;
      bool negative = !s.empty() && s[0] == '-';
      if (negative || (!s.empty() && s[0] == '+')) s.remove_prefix(1);
      size_t dot = s.find('.');
      std::string_view whole = s.substr(0, dot), frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
      if ((whole.empty() && frac.empty()) || whole.find_first_not_of("0123456789") != std::string_view::npos ||
          frac.find_first_not_of("0123456789") != std::string_view::npos) {
        return bad("a decimal number");
      }
      if (static_cast<int>(frac.size()) > t.scale) return bad("representable with " + std::to_string(t.scale) + " decimals");
      std::string digits = std::string(whole) + std::string(frac) + std::string(static_cast<size_t>(t.scale) - frac.size(), '0');
      size_t first = digits.find_first_not_of('0');
      digits = first == std::string::npos ? "0" : digits.substr(first);
      if (static_cast<int>(digits.size()) > t.precision) return bad("within precision " + std::to_string(t.precision));
      unsigned __int128 v = 0;
      for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
      __int128 sv = negative ? -static_cast<__int128>(v) : static_cast<__int128>(v);
      if (t.precision <= 18) {
        column.AppendInt64(static_cast<int64_t>(sv));
      } else {
        std::string be(16, '\0');
        for (int k = 15; k >= 0; --k) {
          be[static_cast<size_t>(k)] = static_cast<char>(static_cast<uint8_t>(sv & 0xff));
          sv >>= 8;
        }
        column.AppendBytes(be);
      }
      return Status::OK();
    }
    case TypeKind::kString:
    case TypeKind::kBinary:
    case TypeKind::kEnum: column.AppendBytes(text); return Status::OK();
    case TypeKind::kJson: {
      auto parsed = common::ParseJson(text, "value");
      if (!parsed.ok()) return bad("JSON");
      column.AppendBytes(text);
      return Status::OK();
    }
    case TypeKind::kDate: {
      int32_t days = 0;
      if (!IsDate(text, &days)) return bad("a date (YYYY-MM-DD)");
      column.AppendInt32(days);
      return Status::OK();
    }
    case TypeKind::kTimestamp: {
      auto ts = common::ParseRfc3339(text);
      if (!ts.ok()) return bad("an RFC 3339 timestamp");
      column.AppendInt64(t.unit == TimeUnit::kMillis ? ts->millis() : ts->micros);
      return Status::OK();
    }
    case TypeKind::kUuid: {
      std::string hex;
      for (char c : text) {
        if (c != '-') hex += c;
      }
      if (hex.size() != 32 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return bad("a UUID");
      }
      std::string bytes(16, '\0');
      for (size_t k = 0; k < 16; ++k) bytes[k] = static_cast<char>(std::stoi(hex.substr(2 * k, 2), nullptr, 16));
      column.AppendBytes(bytes);
      return Status::OK();
    }
    default: return bad("supported for import (" + t.ToString() + ")");
  }
}

DataType InferFromTexts(const std::vector<const std::string*>& values) {
  bool all_bool = true, all_int = true, all_num = true, all_date = true, all_ts = true;
  int seen = 0;
  for (const std::string* v : values) {
    if (!v) continue;
    ++seen;
    int64_t i;
    double d;
    int32_t days;
    all_bool = all_bool && (*v == "true" || *v == "false");
    all_int = all_int && IsInteger(*v, &i);
    all_num = all_num && IsDouble(*v, &d);
    all_date = all_date && IsDate(*v, &days);
    all_ts = all_ts && v->size() > 10 && common::ParseRfc3339(*v).ok();
  }
  if (seen == 0) return DataType::Of(TypeKind::kString);
  if (all_bool) return DataType::Of(TypeKind::kBoolean);
  if (all_int) return DataType::Of(TypeKind::kInt64);
  if (all_num) return DataType::Of(TypeKind::kDouble);
  if (all_date) return DataType::Of(TypeKind::kDate);
  if (all_ts) return DataType::Timestamp(TimeUnit::kMicros, true);
  return DataType::Of(TypeKind::kString);
}

Result<RecordBatch> BuildBatch(const Schema& schema, const std::vector<std::vector<Cell>>& rows,
                               const std::vector<int>& source_column, const std::vector<size_t>& lines,
                               const std::string& path) {
  RecordBatch batch = RecordBatch::Make(schema);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < schema.fields.size(); ++c) {
      int src = source_column[c];
      const Cell* cell = src >= 0 && static_cast<size_t>(src) < rows[r].size() ? &rows[r][static_cast<size_t>(src)] : nullptr;
      if (!cell || !cell->has_value()) {
        if (!schema.fields[c].nullable) {
          return Status::InvalidArgument(path + ":" + std::to_string(lines[r]) + ": column '" + schema.fields[c].name +
                                         "' is required but empty");
        }
        batch.columns[c].AppendNull();
        continue;
      }
      Status st = AppendText(batch.columns[c], **cell);
      if (!st.ok()) {
        return Status::InvalidArgument(path + ":" + std::to_string(lines[r]) + ": column '" + schema.fields[c].name +
                                       "': " + st.message());
      }
    }
  }
  batch.num_rows = static_cast<int64_t>(rows.size());
  return batch;
}

}  // namespace

Result<Schema> ParseSchemaSpec(std::string_view spec) {
  Schema schema;
  size_t start = 0;
  // Split on commas outside parentheses (decimal(p,s) contains one).
  int depth = 0;
  for (size_t i = 0; i <= spec.size(); ++i) {
    if (i < spec.size() && spec[i] == '(') ++depth;
    if (i < spec.size() && spec[i] == ')') --depth;
    if (i < spec.size() && !(spec[i] == ',' && depth == 0)) continue;
    std::string item = Trim(spec.substr(start, i - start));
    start = i + 1;
    if (item.empty()) continue;
    size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::InvalidArgument("schema item '" + item + "': expected name:type");
    }
    Field f;
    f.name = Trim(std::string_view(item).substr(0, colon));
    std::string type = Trim(std::string_view(item).substr(colon + 1));
    constexpr std::string_view kNotNull = " not null";
    if (type.size() > kNotNull.size() && type.compare(type.size() - kNotNull.size(), kNotNull.size(), kNotNull) == 0) {
      f.nullable = false;
      type = Trim(std::string_view(type).substr(0, type.size() - kNotNull.size()));
    }
    auto t = ParseType(type);
    if (!t.ok()) return t.status().WithContext("schema column '" + f.name + "'");
    f.type = *t;
    if (schema.IndexOf(f.name) >= 0) return Status::InvalidArgument("schema names column '" + f.name + "' twice");
    schema.fields.push_back(std::move(f));
  }
  if (schema.fields.empty()) return Status::InvalidArgument("empty schema");
  return schema;
}

Result<RecordBatch> ReadCsvFile(const std::string& path, const Schema* schema) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, common::ReadFileToString(path));
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 byte order mark
  SLUICE_ASSIGN_OR_RETURN(CsvRecords records, ParseCsv(text, path));
  if (records.rows.empty()) return Status::InvalidArgument(path + ": empty file (expected a header row)");
  std::vector<std::string> header;
  for (const Cell& c : records.rows[0]) header.push_back(c.value_or(""));
  std::vector<std::vector<Cell>> data(records.rows.begin() + 1, records.rows.end());
  std::vector<size_t> lines(records.lines.begin() + 1, records.lines.end());
  for (size_t r = 0; r < data.size(); ++r) {
    if (data[r].size() != header.size()) {
      return Status::InvalidArgument(path + ":" + std::to_string(lines[r]) + ": " + std::to_string(data[r].size()) +
                                     " fields, but the header has " + std::to_string(header.size()));
    }
  }
  Schema s;
  std::vector<int> source;
  if (schema) {
    s = *schema;
    for (const Field& f : s.fields) {
      auto it = std::find(header.begin(), header.end(), f.name);
      if (it == header.end()) return Status::InvalidArgument(path + ": no column '" + f.name + "' in the header");
      source.push_back(static_cast<int>(it - header.begin()));
    }
  } else {
    for (size_t c = 0; c < header.size(); ++c) {
      std::vector<const std::string*> values;
      for (const auto& row : data) values.push_back(row[c] ? &*row[c] : nullptr);
      s.fields.push_back(Field{header[c], InferFromTexts(values), true});
      source.push_back(static_cast<int>(c));
    }
  }
  return BuildBatch(s, data, source, lines, path);
}

Result<RecordBatch> ReadJsonLinesFile(const std::string& path, const Schema* schema) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, common::ReadFileToString(path));
  std::vector<json::object> objects;
  std::vector<size_t> lines;
  size_t start = 0, line = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    std::string_view l(text.data() + start, end - start);
    start = end + 1;
    if (Trim(l).empty()) continue;
    SLUICE_ASSIGN_OR_RETURN(json::value v, common::ParseJson(l, path + ":" + std::to_string(line)));
    if (!v.is_object()) return Status::InvalidArgument(path + ":" + std::to_string(line) + ": expected a JSON object");
    objects.push_back(std::move(v.as_object()));
    lines.push_back(line);
  }
  std::vector<std::string> names;
  for (const auto& o : objects) {
    for (const auto& kv : o) {
      if (std::find(names.begin(), names.end(), std::string(kv.key())) == names.end()) names.emplace_back(kv.key());
    }
  }
  Schema s;
  if (schema) {
    s = *schema;
  } else {
    for (const std::string& n : names) {
      bool any = false, all_bool = true, all_int = true, all_num = true, all_string = true;
      for (const auto& o : objects) {
        const json::value* v = o.if_contains(n);
        if (!v || v->is_null()) continue;
        any = true;
        all_bool = all_bool && v->is_bool();
        all_int = all_int && (v->is_int64() || v->is_uint64());
        all_num = all_num && v->is_number();
        all_string = all_string && v->is_string();
      }
      DataType t = !any         ? DataType::Of(TypeKind::kString)
                   : all_bool   ? DataType::Of(TypeKind::kBoolean)
                   : all_int    ? DataType::Of(TypeKind::kInt64)
                   : all_num    ? DataType::Of(TypeKind::kDouble)
                   : all_string ? DataType::Of(TypeKind::kString)
                                : DataType::Of(TypeKind::kJson);
      s.fields.push_back(Field{n, t, true});
    }
  }
  // Cells as text in each column's terms: strings raw, everything else as its JSON text.
  std::vector<std::vector<Cell>> rows;
  std::vector<int> source;
  for (size_t c = 0; c < s.fields.size(); ++c) source.push_back(static_cast<int>(c));
  for (const auto& o : objects) {
    std::vector<Cell> row;
    for (const Field& f : s.fields) {
      const json::value* v = o.if_contains(f.name);
      if (!v || v->is_null()) {
        row.emplace_back(std::nullopt);
      } else if (v->is_string() && f.type.kind != TypeKind::kJson) {
        row.emplace_back(std::string(v->get_string()));
      } else if (v->is_bool()) {
        row.emplace_back(v->get_bool() ? "true" : "false");
      } else {
        row.emplace_back(common::SerializeJson(*v));
      }
    }
    rows.push_back(std::move(row));
  }
  return BuildBatch(s, rows, source, lines, path);
}

}  // namespace sluice::cli
