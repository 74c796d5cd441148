#pragma once

// Evaluation of a DQDL Ruleset over a stream of RecordBatches. The evaluator sees batches
// one at a time; row-level rules report failing rows per batch (for quarantine), and
// dataset-level metrics accumulate until Finish() reports every rule's outcome.
//
// Which rules are which:
//   Row-level (each failing row is reported as a RowFailure, and counted):
//     IsComplete (row is NULL), ColumnValues, ColumnLength.
//     Outcome: PASS when no row failed; with `with threshold <expr>`, PASS when the
//     fraction of passing rows satisfies the threshold (failing rows are still reported).
//     Metric: the fraction of rows that passed (IsComplete: completeness).
//   Dataset-level (outcome and metric only, never row failures):
//     Completeness (metric: non-NULL fraction), Uniqueness (metric: rows whose non-NULL value
//     occurs exactly once / all rows, so NULLs and every copy of a duplicate count against
//     it), IsUnique (no non-NULL value occurs twice; NULLs are allowed, as in SQL UNIQUE;
//     metric: Uniqueness), IsPrimaryKey (IsUnique and no NULL), RowCount,
//     ColumnCount, ColumnExists, ColumnDataType (Glue type names: BOOLEAN, BYTE, SHORT,
//     INTEGER, LONG, FLOAT, DOUBLE, DECIMAL, STRING, BINARY, DATE, TIMESTAMP), DataFreshness
//     (every row's age now - value must satisfy the expression; NULL rows fail it; metric:
//     the oldest row's age in hours), composites `and`/`or` (over their children's
//     dataset-level outcomes; children inside a composite report no row failures).
//   IsUnique/IsPrimaryKey only pass or fail the run; removing duplicates is the dedupe
//   stage's job. Distinct values are tracked as 64-bit hashes of the values, not the values
//   (about 32 bytes per distinct value whatever its size; a collision, which would count two
//   values as one, has probability ~n^2/2^65: 3e-8 at 10^6 distinct values).
//
// NULL semantics (as Glue documents): NULL fails every ColumnValues expression except
// `!= x`, `not in [...]` without NULL, and the ones naming NULL (`= NULL`, `in [NULL]`);
// NULL fails ColumnLength and DataFreshness.
//
// `matches` is a full match with RE2 (the whole value must match), so `"[a-z]*"` rejects
// "ab1": AWS's own example, ColumnValues "First_Name" matches "[a-zA-Z]*", only checks
// anything under full-match semantics. Non-string values are matched against their text.
//
// Severity: a failing rule with labels {"severity": "warn"} reports WARN; its row failures
// carry warn = true so quarantine can let such rows through.
//
// A RuleEvaluator is single-threaded. The Ruleset must outlive it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/etl/dqdl.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

struct RowFailure {
  int64_t row = 0;     // index in the batch passed to AddBatch
  int rule = 0;        // index in Ruleset::rules
  bool warn = false;   // the rule is warn-level
  std::string reason;  // `ColumnValues "q" between 1 and 1000: 0 is not between 1 and 1000`

  friend bool operator==(const RowFailure&, const RowFailure&) = default;
};

enum class Outcome { kPass, kFail, kWarn };
std::string_view OutcomeName(Outcome outcome);  // "PASS", "FAIL", "WARN"

struct RuleResult {
  std::string rule;  // Rule::ToString()
  Outcome outcome = Outcome::kPass;
  std::optional<double> metric;  // see the header comment per rule type
  int64_t failed_rows = 0;       // row-level rules: rows that failed
  std::string reason;            // why it failed ("" on PASS)
};

struct RuleReport {
  std::vector<RuleResult> rules;  // one per Ruleset::rules, in order
  // False when any rule is FAIL (WARN does not fail the run).
  bool passed() const;
  // One line per rule: `FAIL ColumnValues "q" > 0 metric=0.5 failed_rows=2: reason`.
  std::string ToString() const;
};

class RuleEvaluator {
 public:
  // `ruleset` must outlive the evaluator. Rules naming columns the schema lacks are not an
  // error (ColumnExists reports them); other rules on a missing column FAIL in Finish().
  RuleEvaluator(const Ruleset& ruleset, const parquet::Schema& schema);
  ~RuleEvaluator();
  RuleEvaluator(const RuleEvaluator&) = delete;
  // The caller guarantees that the non-NULL values of `column` are pairwise distinct over
  // every batch it will add (a dedupe key after dedupe): uniqueness rules (Uniqueness,
  // IsUnique, IsPrimaryKey) on it count its NULLs only instead of tracking every distinct
  // value. Ignored for floating-point columns (the dedupe key's equality and the rules'
  // differ on -0.0 and NaN) and unknown columns. Call before the first AddBatch.
  void AssumeDistinct(const std::string& column);
  RuleEvaluator& operator=(const RuleEvaluator&) = delete;

  // Evaluates the row-level rules on `batch` (whose schema must equal the constructor's),
  // appending failures in row order then rule order, and accumulates dataset metrics.
  // InvalidArgument when the schema differs or a rule cannot apply to its column's type
  // (e.g. ColumnLength on an int64, a string literal compared with a numeric column).
  Status AddBatch(const parquet::RecordBatch& batch, std::vector<RowFailure>* failures);
  // The same over the rows of `batch` whose `selected` entry is nonzero (one entry per row):
  // the others are neither evaluated nor counted, as if the batch did not hold them.
  // RowFailure::row is still the row's index in `batch`.
  Status AddBatch(const parquet::RecordBatch& batch, const std::vector<uint8_t>& selected,
                  std::vector<RowFailure>* failures);

  // The outcome of every rule over all batches seen. `now` is the reference for
  // DataFreshness. Call once.
  Result<RuleReport> Finish(common::Timestamp now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::etl
