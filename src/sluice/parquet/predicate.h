#pragma once

// Simple predicates on one column (=, <, <=, >, >=, between, in, is null, is not null) that
// the Parquet reader uses to skip row groups and pages whose statistics exclude every
// matching row. Pruning is conservative: a row group or page is skipped only when its
// statistics prove no row can match; callers filter the returned rows exactly.
//
// Literals are compared with a column's values by the column's sluice type: integer
// literals with integer, date (days), time and timestamp (in the file's unit) and decimal
// (the unscaled value) columns; doubles with floating-point and integer columns; strings
// with string, enum, JSON and binary columns (byte-wise, unsigned); bools with booleans.
// A literal that cannot be compared with the column never prunes. Plain values:
// copyable, thread-compatible.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sluice::parquet {

// A literal: null, bool, int64, double or string (bytes).
using Literal = std::variant<std::monostate, bool, int64_t, double, std::string>;

enum class PredicateOp { kEq, kLt, kLe, kGt, kGe, kBetween, kIn, kIsNull, kIsNotNull };

struct Predicate {
  // A top-level column name, or a dotted path to a struct field ("address.city").
  std::string column;
  PredicateOp op = PredicateOp::kEq;
  // kEq..kGe: one value; kBetween: low and high (inclusive); kIn: any number; kIsNull and
  // kIsNotNull: none.
  std::vector<Literal> values;

  static Predicate Eq(std::string column, Literal value);
  static Predicate Lt(std::string column, Literal value);
  static Predicate Le(std::string column, Literal value);
  static Predicate Gt(std::string column, Literal value);
  static Predicate Ge(std::string column, Literal value);
  static Predicate Between(std::string column, Literal low, Literal high);
  static Predicate In(std::string column, std::vector<Literal> values);
  static Predicate IsNull(std::string column);
  static Predicate IsNotNull(std::string column);

  // "price between 1 and 10", "city = 'Oslo'", "id in (1, 2)", "note is null".
  std::string ToString() const;
};

// A column's statistics (for a row group or a page), values already decoded to the
// comparison domain of the column (see MakeStatValue in predicate.cc's users).
struct ColumnStatsView {
  // Absent when unknown.
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string> min, max;
  bool has_null_count = false;
  int64_t null_count = 0;
  // Values (rows, for non-repeated columns) covered; -1 when unknown.
  int64_t num_values = -1;
  // True when every value is null (a null page in the page index).
  bool all_null = false;
};

// False only when `stats` prove that no value satisfies `predicate` (its column is the
// statistics' column).
bool MayMatch(const Predicate& predicate, const ColumnStatsView& stats);

}  // namespace sluice::parquet
