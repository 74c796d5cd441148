#pragma once

// Derived-column expressions of ETL job specs: parsed once, bound to an input schema
// (resolving column names and computing the result type), then evaluated batch by batch
// into one column. Rows that cannot be computed (a failing cast, an integer overflow, a
// division by zero) become NULL and are reported as RowErrors, never as a Status.
//
// Grammar (keywords and function names are case-insensitive):
//   expr     := concat
//   concat   := additive ( "||" additive )*          -- same as concat(a, b)
//   additive := term ( ("+" | "-") term )*
//   term     := unary ( ("*" | "/") unary )*
//   unary    := "-" unary | primary
//   primary  := INTEGER | NUMBER | STRING | true | false | null
//             | column | function "(" [ expr ( "," expr )* ] ")"
//             | cast "(" expr as TYPE ")" | "(" expr ")"
//   column   := [A-Za-z_][A-Za-z0-9_]* | '"' any text, "" for a quote '"'
//   INTEGER  := digits (int64)   NUMBER := digits with "." and/or an exponent (double)
//   STRING   := "'" text, '' for a quote "'"     TYPE := a ParseColumnType name
// An identifier followed by "(" is a function; `true`, `false`, `null` are literals (quote a
// column with such a name: "null").
//
// Types: integer columns and literals compute in int64 (overflow is a row error); float,
// double and decimal operands make the arithmetic double (decimals are converted to
// double). "/" always divides as double, and dividing by zero is a row error (never
// Infinity or NaN). Unary minus on INT64_MIN is an overflow. NULL propagates through
// operators and functions, except coalesce.
//
// Functions:
//   cast(x as TYPE)   string/json -> TYPE: TextCaster rules (cast.h). Numbers -> integer
//                     types: range-checked, and the value must be whole (1.5 -> int32 is
//                     an error, not 1). Numbers -> decimal: the exact value must fit (via
//                     the shortest text of a double). int -> bool: 0 or 1. date <->
//                     timestamp (midnight UTC; a timestamp's UTC date). Anything ->
//                     string: ints plain, doubles shortest round-trip (NaN, Infinity),
//                     decimals with `scale` digits, dates YYYY-MM-DD, timestamps
//                     YYYY-MM-DDTHH:MM:SS[.ffffff]Z. Numbers, bools and strings -> json
//                     (the text must be valid JSON).
//   date(x)           timestamp -> its UTC date; string -> parsed as a date; date -> itself.
//   date_trunc(unit, x)  unit a literal 'year', 'quarter', 'month', 'week' (weeks start on
//                     Monday), 'day', 'hour', 'minute'; date -> date (hour and minute need a
//                     timestamp), timestamp -> timestamp.
//   lower(s), upper(s)  ASCII letters only; other bytes (UTF-8) are left as they are.
//   trim(s)           strips ASCII whitespace (space, \t, \n, \r, \f, \v) at both ends.
//   concat(a, ...)    the values as text (as cast to string), joined; any NULL -> NULL (as
//                     Spark's concat).
//   coalesce(a, ...)  the first non-NULL argument; arguments evaluate lazily per row (an
//                     error in an argument that is not needed is no error). Arguments have
//                     one type, or mix integer/float/double types (-> int64 if all are
//                     integers, else double).
//   regexp_extract(s, 'pattern' [, group])  RE2, the pattern a literal compiled at Bind;
//                     the group (a literal, default 1) of the first match; no match or an
//                     unmatched group -> "" (as Spark).
//
// An ColumnExpression is a value (cheap to copy: the trees are shared and immutable). Bind
// mutates; after it, Evaluate is const and thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

// A row Evaluate could not compute.
struct RowError {
  int64_t row = 0;     // index in the batch
  std::string reason;  // `"12x" is not a valid int32`, `integer overflow: 9223372036854775807 + 1`

  friend bool operator==(const RowError&, const RowError&) = default;
};

class ColumnExpression {
 public:
  struct Node;
  struct BoundNode;

  // Parses `text`. InvalidArgument naming the 1-based column of the problem:
  // `expression "lower(x": expected ')' at column 8`.
  static Result<ColumnExpression> Parse(std::string_view text);

  // Resolves columns and types against `schema`. InvalidArgument for an unknown column
  // (`expression "x + 1": unknown column "x"; columns are a, b, c`), wrong argument counts
  // or types, a bad regexp_extract pattern; each names its column in the text. May be
  // called again with another schema.
  Status Bind(const parquet::Schema& schema);
  bool bound() const { return bound_ != nullptr; }

  // The result type. Requires bound().
  const parquet::DataType& type() const { return type_; }

  // Evaluates every row of `batch`, whose schema must equal the bound one. Appends exactly
  // batch.num_rows values to *out (of type()); a row that fails gets a NULL and an entry in
  // *errors (in row order). FailedPrecondition when unbound; InvalidArgument when the
  // batch's schema or the type of *out differ from the bound ones.
  Status Evaluate(const parquet::RecordBatch& batch, parquet::ColumnVector* out,
                  std::vector<RowError>* errors) const;

  // The source text.
  std::string ToString() const { return text_; }

 private:
  ColumnExpression() = default;

  std::string text_;
  std::shared_ptr<const Node> ast_;
  std::shared_ptr<const BoundNode> bound_;
  parquet::Schema schema_;
  parquet::DataType type_;
};

}  // namespace sluice::etl
