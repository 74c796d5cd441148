#pragma once

// AWS Glue Data Quality Definition Language (DQDL): the parsed form of a ruleset and its
// parser. A Ruleset is plain data (thread-compatible); the evaluator that runs it over
// record batches lives in dqdl_eval.h.
//
// Supported subset (syntax as in https://docs.aws.amazon.com/glue/latest/dg/dqdl.html):
//   Rules = [ <rule>, ... ]
//   <rule>       := <simple> | "(" <rule> ")" ( "and" "(" <rule> ")" )+   (or with "or")
//                   followed, at the top level only, by optional `labels = ["k": "v", ...]`
//   <simple>     := IsComplete "col" | IsUnique "col" | IsPrimaryKey "col"
//                 | Completeness "col" <expr> | Uniqueness "col" <expr>
//                 | ColumnValues "col" <expr> [with threshold <expr>]
//                 | ColumnLength "col" <expr> [with threshold <expr>]
//                 | ColumnExists "col" | ColumnDataType "col" <expr> | ColumnCount <expr>
//                 | RowCount <expr> | DataFreshness "col" <expr with "hours"/"days" units>
//   <expr>       := (= | != | > | >= | < | <=) <literal> | between <literal> and <literal>
//                 | [not] in [ <literal>, ... ] | matches "<RE2 regex>"
//   <literal>    := number | "string" | NULL | EMPTY | WHITESPACES_ONLY
// Composite operands must be parenthesized (as DQDL requires); one level mixes only one
// operator. As DQDL's lexer does, `AND`/`OR` and lower-case `null`/`empty`/
// `whitespaces_only` are accepted, `#` starts a comment to the end of the line, and
// `Rules = [ ]` is an empty ruleset. `between` is exclusive at both ends, as in AWS's
// reference implementation (awslabs/dqdl NumberBasedCondition: metric > low && metric < high).
// DataFreshness takes `hours` and `days` (DQDL) and `minutes` (sluice). `where` clauses,
// dynamic rules (`last(k)`, `avg(...)`), `now()` date expressions and other rule types are
// rejected with a parse error.
//
// Warn level (sluice extension in DQDL syntax): DQDL rules carry labels, key/value string
// pairs after the rule (AWS's limits: keys 1-128 characters, values 1-256, at most 10 per
// rule, no duplicate key), written `IsComplete "id" labels = ["team": "orders"]` (`{...}` is
// accepted as well). A rule labelled "severity": "warn" reports WARN instead of FAIL and
// never fails the run; a severity other than "warn" or "error" is a parse error. Labels go on
// top-level rules (after a whole composite), and are kept verbatim in Rule::labels.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::etl {

enum class RuleType {
  kIsComplete,
  kCompleteness,
  kIsUnique,
  kUniqueness,
  kIsPrimaryKey,
  kColumnValues,
  kColumnLength,
  kColumnExists,
  kColumnDataType,
  kColumnCount,
  kRowCount,
  kDataFreshness,
  kAnd,  // composite: children
  kOr,   // composite: children
};

// The DQDL spelling ("IsComplete", ...; "and"/"or" for composites).
std::string_view RuleTypeName(RuleType type);

struct Literal {
  enum class Kind { kNumber, kString, kNull, kEmpty, kWhitespacesOnly };
  Kind kind = Kind::kNumber;
  double number = 0;  // kNumber (DataFreshness: microseconds, after the unit)
  std::string text;   // kString: the value; others: the source spelling ("1.5", "24 hours")
};

enum class ExprOp { kEq, kNe, kGt, kGe, kLt, kLe, kBetween, kIn, kNotIn, kMatches };

struct Expression {
  ExprOp op = ExprOp::kEq;
  std::vector<Literal> operands;  // 1; kBetween: 2; kIn/kNotIn: n; kMatches: the pattern

  // As written canonically: `> 5`, `between 1 and 1000`, `in ["a", NULL]`, `matches "x"`.
  std::string ToString() const;
};

enum class Severity { kError, kWarn };

struct Rule {
  RuleType type = RuleType::kRowCount;
  std::string column;  // empty for RowCount, ColumnCount, composites
  bool has_expression = false;
  Expression expression;
  bool has_threshold = false;  // `with threshold <expr>`
  Expression threshold;
  std::vector<Rule> children;  // kAnd / kOr
  Severity severity = Severity::kError;
  std::map<std::string, std::string> labels;
  int line = 0;  // where the rule starts in the source (1-based)
  int column_number = 0;

  // The rule as written canonically, without labels:
  // `ColumnValues "quantity" between 1 and 1000`, `(IsComplete "a") and (RowCount > 0)`.
  std::string ToString() const;
  // Row-level rules mark individual rows as failing (ColumnValues, ColumnLength and
  // IsComplete, when not inside a composite); the rest are dataset-level.
  bool IsRowLevel() const;
};

struct Ruleset {
  std::vector<Rule> rules;
};

// Parses a DQDL document. `source` names it in errors, which are InvalidArgument
// "<source>:<line>:<column>: expected <what>, found <token>" (columns count bytes, from 1).
Result<Ruleset> ParseRuleset(std::string_view text, std::string_view source);

}  // namespace sluice::etl
