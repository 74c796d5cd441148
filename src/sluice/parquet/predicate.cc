#include "sluice/parquet/predicate.h"

#include <cmath>
#include <cstdio>
#include <optional>

namespace sluice::parquet {

namespace {

using StatValue = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

template <typename T>
int Sign(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// The sign of (stat - literal), or nullopt when they cannot be compared.
std::optional<int> Compare(const StatValue& stat, const Literal& literal) {
  if (const auto* s = std::get_if<int64_t>(&stat)) {
    if (const auto* l = std::get_if<int64_t>(&literal)) return Sign(*s, *l);
    if (const auto* l = std::get_if<double>(&literal)) {
      if (std::isnan(*l)) return std::nullopt;
      return Sign(static_cast<long double>(*s), static_cast<long double>(*l));
    }
    return std::nullopt;
  }
  if (const auto* s = std::get_if<uint64_t>(&stat)) {
    if (const auto* l = std::get_if<int64_t>(&literal)) {
      if (*l < 0) return 1;
      return Sign(*s, static_cast<uint64_t>(*l));
    }
    if (const auto* l = std::get_if<double>(&literal)) {
      if (std::isnan(*l)) return std::nullopt;
      return Sign(static_cast<long double>(*s), static_cast<long double>(*l));
    }
    return std::nullopt;
  }
  if (const auto* s = std::get_if<double>(&stat)) {
    if (std::isnan(*s)) return std::nullopt;
    if (const auto* l = std::get_if<double>(&literal)) {
      if (std::isnan(*l)) return std::nullopt;
      return Sign(*s, *l);
    }
    if (const auto* l = std::get_if<int64_t>(&literal)) {
      return Sign(static_cast<long double>(*s), static_cast<long double>(*l));
    }
    return std::nullopt;
  }
  if (const auto* s = std::get_if<std::string>(&stat)) {
    if (const auto* l = std::get_if<std::string>(&literal)) {
      const int c = std::string_view(*s).compare(*l);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    return std::nullopt;
  }
  if (const auto* s = std::get_if<bool>(&stat)) {
    if (const auto* l = std::get_if<bool>(&literal)) return Sign(*s, *l);
  }
  return std::nullopt;
}

bool Greater(const std::optional<int>& c) { return c.has_value() && *c > 0; }
bool GreaterEq(const std::optional<int>& c) { return c.has_value() && *c >= 0; }
bool Less(const std::optional<int>& c) { return c.has_value() && *c < 0; }
bool LessEq(const std::optional<int>& c) { return c.has_value() && *c <= 0; }

bool EqMayMatch(const ColumnStatsView& s, const Literal& v) {
  return !(Greater(Compare(s.min, v)) || Less(Compare(s.max, v)));
}

std::string LiteralString(const Literal& v) {
  if (std::holds_alternative<std::monostate>(v)) return "null";
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", *d);
    return buf;
  }
  std::string out = "'";
  for (char c : std::get<std::string>(v)) {
    if (c == '\'') out += "'";
    out += c;
  }
  return out + "'";
}

Predicate Make(std::string column, PredicateOp op, std::vector<Literal> values) {
  Predicate p;
  p.column = std::move(column);
  p.op = op;
  p.values = std::move(values);
  return p;
}

}  // namespace

Predicate Predicate::Eq(std::string column, Literal value) {
  return Make(std::move(column), PredicateOp::kEq, {std::move(value)});
}
Predicate Predicate::Lt(std::string column, Literal value) {
  return Make(std::move(column), PredicateOp::kLt, {std::move(value)});
}
Predicate Predicate::Le(std::string column, Literal value) {
  return Make(std::move(column), PredicateOp::kLe, {std::move(value)});
}
Predicate Predicate::Gt(std::string column, Literal value) {
  return Make(std::move(column), PredicateOp::kGt, {std::move(value)});
}
Predicate Predicate::Ge(std::string column, Literal value) {
  return Make(std::move(column), PredicateOp::kGe, {std::move(value)});
}
Predicate Predicate::Between(std::string column, Literal low, Literal high) {
  return Make(std::move(column), PredicateOp::kBetween, {std::move(low), std::move(high)});
}
Predicate Predicate::In(std::string column, std::vector<Literal> values) {
  return Make(std::move(column), PredicateOp::kIn, std::move(values));
}
Predicate Predicate::IsNull(std::string column) {
  return Make(std::move(column), PredicateOp::kIsNull, {});
}
Predicate Predicate::IsNotNull(std::string column) {
  return Make(std::move(column), PredicateOp::kIsNotNull, {});
}

std::string Predicate::ToString() const {
  auto value = [&](size_t i) { return i < values.size() ? LiteralString(values[i]) : "?"; };
  switch (op) {
    case PredicateOp::kEq:
      return column + " = " + value(0);
    case PredicateOp::kLt:
      return column + " < " + value(0);
    case PredicateOp::kLe:
      return column + " <= " + value(0);
    case PredicateOp::kGt:
      return column + " > " + value(0);
    case PredicateOp::kGe:
      return column + " >= " + value(0);
    case PredicateOp::kBetween:
      return column + " between " + value(0) + " and " + value(1);
    case PredicateOp::kIn: {
      std::string out = column + " in (";
      for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + value(i);
      return out + ")";
    }
    case PredicateOp::kIsNull:
      return column + " is null";
    case PredicateOp::kIsNotNull:
      return column + " is not null";
  }
  return column;
}

bool MayMatch(const Predicate& p, const ColumnStatsView& s) {
  const bool all_null =
      s.all_null || (s.has_null_count && s.num_values >= 0 && s.null_count >= s.num_values);
  if (p.op == PredicateOp::kIsNull) return !(s.has_null_count && s.null_count == 0 && !s.all_null);
  if (p.op == PredicateOp::kIsNotNull) return !all_null;
  // A comparison never matches a null value.
  if (all_null) return false;
  for (const Literal& v : p.values) {
    if (std::holds_alternative<std::monostate>(v)) return true;
  }
  switch (p.op) {
    case PredicateOp::kEq:
      return p.values.size() != 1 || EqMayMatch(s, p.values[0]);
    case PredicateOp::kLt:
      return p.values.size() != 1 || !GreaterEq(Compare(s.min, p.values[0]));
    case PredicateOp::kLe:
      return p.values.size() != 1 || !Greater(Compare(s.min, p.values[0]));
    case PredicateOp::kGt:
      return p.values.size() != 1 || !LessEq(Compare(s.max, p.values[0]));
    case PredicateOp::kGe:
      return p.values.size() != 1 || !Less(Compare(s.max, p.values[0]));
    case PredicateOp::kBetween:
      return p.values.size() != 2 ||
             !(Greater(Compare(s.min, p.values[1])) || Less(Compare(s.max, p.values[0])));
    case PredicateOp::kIn:
      for (const Literal& v : p.values) {
        if (EqMayMatch(s, v)) return true;
      }
      return false;
    default:
      return true;
  }
}

}  // namespace sluice::parquet
