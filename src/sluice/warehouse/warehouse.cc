#include "sluice/warehouse/warehouse.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "sluice/warehouse/postgres_warehouse.h"
#include "sluice/warehouse/sqlite_warehouse.h"

namespace sluice::warehouse {
namespace {

bool IsIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

}  // namespace

std::string TableName::Sql() const { return QuoteIdentifier(schema) + "." + QuoteIdentifier(name); }

Result<TableName> ParseTableName(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("table \"" + std::string(text) + "\": " + std::string(why));
  };
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    return bad("expected LAYER.NAME with LAYER one of bronze, silver, gold, quarantine");
  }
  TableName table{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
  if (std::find(kLayers.begin(), kLayers.end(), table.schema) == kLayers.end()) {
    return bad("unknown layer \"" + table.schema +
               "\"; expected one of bronze, silver, gold, quarantine");
  }
  if (!IsIdentifier(table.name)) {
    return bad("the name must be a letter or _ followed by letters, digits or _ (at most 63)");
  }
  return table;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

Value Value::Bool(bool v) {
  Value value;
  value.kind = Kind::kBool;
  value.boolean = v;
  return value;
}

Value Value::Integer(int64_t v) {
  Value value;
  value.kind = Kind::kInteger;
  value.integer = v;
  return value;
}

Value Value::Real(double v) {
  Value value;
  value.kind = Kind::kReal;
  value.real = v;
  return value;
}

Value Value::Numeric(std::string text) {
  Value value;
  value.kind = Kind::kNumeric;
  value.text = std::move(text);
  return value;
}

Value Value::Text(std::string text) {
  Value value;
  value.kind = Kind::kText;
  value.text = std::move(text);
  return value;
}

std::string Value::ToString() const {
  switch (kind) {
    case Kind::kNull:
      return "";
    case Kind::kBool:
      return boolean ? "true" : "false";
    case Kind::kInteger:
      return std::to_string(integer);
    case Kind::kReal: {
      if (std::isnan(real)) return "NaN";
      if (std::isinf(real)) return real > 0 ? "Infinity" : "-Infinity";
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, real);
      return std::string(buffer, end);
    }
    case Kind::kNumeric:
    case Kind::kText:
      return text;
  }
  return "";
}

Result<std::unique_ptr<Warehouse>> OpenWarehouse(std::string_view url) {
  if (url.starts_with("sqlite://")) {
    std::string folder(url.substr(9));
    if (folder.empty()) return Status::InvalidArgument("warehouse URL \"sqlite://\" names no folder");
    return OpenSqliteWarehouse(folder);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return OpenPostgresWarehouse(url);
  }
  return Status::InvalidArgument("warehouse URL \"" + std::string(url) +
                                 "\": expected sqlite://PATH, postgres://… or postgresql://…");
}

}  // namespace sluice::warehouse
