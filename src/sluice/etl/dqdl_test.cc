#include "sluice/etl/dqdl.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sluice/etl/dqdl_eval.h"

namespace sluice::etl {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::Field;
using parquet::RecordBatch;
using parquet::Schema;
using parquet::TypeKind;

constexpr int64_t kHour = 3600LL * 1000000;

common::Timestamp Now() { return common::ParseRfc3339("2026-11-27T12:00:00Z").value(); }

struct OrderRow {
  std::optional<std::string> order_id;
  std::optional<int64_t> quantity;
  std::string status;
  std::optional<std::string> email;
  std::string sku;
  std::string customer_id;
  std::optional<int64_t> order_ts_hours_ago;
  int64_t fresh_ts_hours_ago;
};

const std::vector<OrderRow>& Orders() {
  static const std::vector<OrderRow> rows = {
      {"o1", 5, "paid", "a@x.io", "SKU-1", "c1", 1, 1},
      {"o2", 0, "pending", "bad", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "c1", 30, 2},
      {"o3", std::nullopt, "refunded", std::nullopt, "", "c2", std::nullopt, 3},
      {std::nullopt, 1000, "paid", "b@y.io", "  ", "c3", 2, 4},
  };
  return rows;
}

Schema OrdersSchema() {
  Schema s;
  s.fields = {{"order_id", DataType::Of(TypeKind::kString)},
              {"quantity", DataType::Of(TypeKind::kInt64)},
              {"status", DataType::Of(TypeKind::kString)},
              {"email", DataType::Of(TypeKind::kString)},
              {"sku", DataType::Of(TypeKind::kString)},
              {"customer_id", DataType::Of(TypeKind::kString)},
              {"order_ts", DataType::Timestamp(parquet::TimeUnit::kMicros)},
              {"fresh_ts", DataType::Timestamp(parquet::TimeUnit::kMillis)}};
  return s;
}

// Rows [begin, end) of Orders() as a batch.
RecordBatch OrdersBatch(size_t begin, size_t end) {
  RecordBatch b = RecordBatch::Make(OrdersSchema());
  auto str = [](ColumnVector& c, const std::optional<std::string>& v) {
    v ? c.AppendBytes(*v) : c.AppendNull();
  };
  const int64_t now = Now().micros;
  for (size_t i = begin; i < end; ++i) {
    const OrderRow& r = Orders()[i];
    str(b.columns[0], r.order_id);
    r.quantity ? b.columns[1].AppendInt64(*r.quantity) : b.columns[1].AppendNull();
    str(b.columns[2], r.status);
    str(b.columns[3], r.email);
    str(b.columns[4], r.sku);
    str(b.columns[5], r.customer_id);
    r.order_ts_hours_ago ? b.columns[6].AppendInt64(now - *r.order_ts_hours_ago * kHour)
                         : b.columns[6].AppendNull();
    b.columns[7].AppendInt64((now - r.fresh_ts_hours_ago * kHour) / 1000);
  }
  b.num_rows = static_cast<int64_t>(end - begin);
  return b;
}

std::string FailureLine(const RowFailure& f, int64_t row_offset = 0) {
  return std::to_string(f.row + row_offset) + (f.warn ? " warn" : "") + ": " + f.reason;
}

struct RuleCase {
  std::string rule;
  std::string report;
  std::vector<std::string> failures;  // "row: reason"
};

// One rule per entry, evaluated over the four Orders() rows at Now().
const std::vector<RuleCase>& RuleCases() {
  static const std::vector<RuleCase> cases = {
      // IsComplete
      {R"(IsComplete "status")", "PASS IsComplete \"status\" metric=1\n", {}},
      {R"(IsComplete "order_id")",
       "FAIL IsComplete \"order_id\" metric=0.75 failed_rows=1: 1 of 4 rows failed\n",
       {R"(3: IsComplete "order_id": value is NULL)"}},
      {R"(IsComplete "order_id" labels = ["severity": "warn", "team": "orders"])",
       "WARN IsComplete \"order_id\" metric=0.75 failed_rows=1: 1 of 4 rows failed\n",
       {R"(3 warn: IsComplete "order_id": value is NULL)"}},
      {R"(IsComplete "nope")", "FAIL IsComplete \"nope\": column \"nope\" does not exist\n", {}},
      // Completeness
      {R"(Completeness "email" > 0.7)", "PASS Completeness \"email\" > 0.7 metric=0.75\n", {}},
      {R"(Completeness "email" > 0.9)",
       "FAIL Completeness \"email\" > 0.9 metric=0.75: completeness 0.75 is not > 0.9\n",
       {}},
      {R"(Completeness "email" >= 0.9 labels = {"severity": "warn"})",
       "WARN Completeness \"email\" >= 0.9 metric=0.75: completeness 0.75 is not >= 0.9\n",
       {}},
      // IsUnique: NULLs allowed, duplicates not.
      {R"(IsUnique "order_id")", "PASS IsUnique \"order_id\" metric=0.75\n", {}},
      {R"(IsUnique "customer_id")",
       "FAIL IsUnique \"customer_id\" metric=0.5: 2 rows hold a duplicated value\n",
       {}},
      {R"(IsUnique "customer_id" labels = {"severity": "warn"})",
       "WARN IsUnique \"customer_id\" metric=0.5: 2 rows hold a duplicated value\n",
       {}},
      // IsPrimaryKey: unique and complete.
      {R"(IsPrimaryKey "fresh_ts")", "PASS IsPrimaryKey \"fresh_ts\" metric=1\n", {}},
      {R"(IsPrimaryKey "order_id")",
       "FAIL IsPrimaryKey \"order_id\" metric=0.75: 0 rows hold a duplicated value, 1 rows are "
       "NULL\n",
       {}},
      {R"(IsPrimaryKey "status")",
       "FAIL IsPrimaryKey \"status\" metric=0.5: 2 rows hold a duplicated value, 0 rows are "
       "NULL\n",
       {}},
      // Uniqueness
      {R"(Uniqueness "customer_id" > 0.4)",
       "PASS Uniqueness \"customer_id\" > 0.4 metric=0.5\n",
       {}},
      {R"(Uniqueness "customer_id" > 0.5)",
       "FAIL Uniqueness \"customer_id\" > 0.5 metric=0.5: uniqueness 0.5 is not > 0.5\n",
       {}},
      {R"(Uniqueness "order_id" between 0.5 and 0.8)",
       "PASS Uniqueness \"order_id\" between 0.5 and 0.8 metric=0.75\n",
       {}},
      // ColumnValues: between is exclusive, NULL fails.
      {R"(ColumnValues "quantity" between 1 and 1000)",
       "FAIL ColumnValues \"quantity\" between 1 and 1000 metric=0.25 failed_rows=3: 3 of 4 rows "
       "failed\n",
       {R"(1: ColumnValues "quantity" between 1 and 1000: 0 is not between 1 and 1000)",
        R"(2: ColumnValues "quantity" between 1 and 1000: NULL is not between 1 and 1000)",
        R"(3: ColumnValues "quantity" between 1 and 1000: 1000 is not between 1 and 1000)"}},
      {R"(ColumnValues "quantity" between -1 and 1001)",
       "FAIL ColumnValues \"quantity\" between -1 and 1001 metric=0.75 failed_rows=1: 1 of 4 rows "
       "failed\n",
       {R"(2: ColumnValues "quantity" between -1 and 1001: NULL is not between -1 and 1001)"}},
      {R"(ColumnValues "quantity" >= 0 with threshold > 0.7)",
       "PASS ColumnValues \"quantity\" >= 0 with threshold > 0.7 metric=0.75 failed_rows=1\n",
       {R"(2: ColumnValues "quantity" >= 0 with threshold > 0.7: NULL is not >= 0)"}},
      {R"(ColumnValues "quantity" >= 0 with threshold >= 0.8)",
       "FAIL ColumnValues \"quantity\" >= 0 with threshold >= 0.8 metric=0.75 failed_rows=1: "
       "fraction of passing rows 0.75 is not >= 0.8\n",
       {R"(2: ColumnValues "quantity" >= 0 with threshold >= 0.8: NULL is not >= 0)"}},
      {R"(ColumnValues "quantity" < 10 labels = {"severity": "warn"})",
       "WARN ColumnValues \"quantity\" < 10 metric=0.5 failed_rows=2: 2 of 4 rows failed\n",
       {R"(2 warn: ColumnValues "quantity" < 10: NULL is not < 10)",
        R"(3 warn: ColumnValues "quantity" < 10: 1000 is not < 10)"}},
      // != and not in let NULL through.
      {R"(ColumnValues "quantity" != 0)",
       "FAIL ColumnValues \"quantity\" != 0 metric=0.75 failed_rows=1: 1 of 4 rows failed\n",
       {R"(1: ColumnValues "quantity" != 0: 0 is not != 0)"}},
      {R"(ColumnValues "email" not in ["bad"])",
       "FAIL ColumnValues \"email\" not in [\"bad\"] metric=0.75 failed_rows=1: 1 of 4 rows "
       "failed\n",
       {R"(1: ColumnValues "email" not in ["bad"]: "bad" is not not in ["bad"])"}},
      {R"(ColumnValues "email" != NULL)",
       "FAIL ColumnValues \"email\" != NULL metric=0.75 failed_rows=1: 1 of 4 rows failed\n",
       {R"(2: ColumnValues "email" != NULL: NULL is not != NULL)"}},
      {R"(ColumnValues "email" in ["a@x.io", NULL])",
       "FAIL ColumnValues \"email\" in [\"a@x.io\", NULL] metric=0.5 failed_rows=2: 2 of 4 rows "
       "failed\n",
       {R"(1: ColumnValues "email" in ["a@x.io", NULL]: "bad" is not in ["a@x.io", NULL])",
        R"(3: ColumnValues "email" in ["a@x.io", NULL]: "b@y.io" is not in ["a@x.io", NULL])"}},
      {R"(ColumnValues "status" in ["paid","pending"])",
       "FAIL ColumnValues \"status\" in [\"paid\", \"pending\"] metric=0.75 failed_rows=1: 1 of 4 "
       "rows failed\n",
       {R"(2: ColumnValues "status" in ["paid", "pending"]: "refunded" is not in ["paid", "pending"])"}},
      {R"(ColumnValues "status" in ["paid","pending","refunded"])",
       "PASS ColumnValues \"status\" in [\"paid\", \"pending\", \"refunded\"] metric=1\n",
       {}},
      {R"(ColumnValues "status" = "paid")",
       "FAIL ColumnValues \"status\" = \"paid\" metric=0.5 failed_rows=2: 2 of 4 rows failed\n",
       {R"(1: ColumnValues "status" = "paid": "pending" is not = "paid")",
        R"(2: ColumnValues "status" = "paid": "refunded" is not = "paid")"}},
      {R"(ColumnValues "sku" in [EMPTY, WHITESPACES_ONLY])",
       "FAIL ColumnValues \"sku\" in [EMPTY, WHITESPACES_ONLY] metric=0.5 failed_rows=2: 2 of 4 "
       "rows failed\n",
       {R"(0: ColumnValues "sku" in [EMPTY, WHITESPACES_ONLY]: "SKU-1" is not in [EMPTY, WHITESPACES_ONLY])",
        R"(1: ColumnValues "sku" in [EMPTY, WHITESPACES_ONLY]: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" is not in [EMPTY, WHITESPACES_ONLY])"}},
      {R"(ColumnValues "sku" != EMPTY)",
       "FAIL ColumnValues \"sku\" != EMPTY metric=0.75 failed_rows=1: 1 of 4 rows failed\n",
       {R"(2: ColumnValues "sku" != EMPTY: "" is not != EMPTY)"}},
      {R"(ColumnValues "order_ts" > "2026-11-26T12:00:00Z")",
       "FAIL ColumnValues \"order_ts\" > \"2026-11-26T12:00:00Z\" metric=0.5 failed_rows=2: 2 of 4 "
       "rows failed\n",
       {R"(1: ColumnValues "order_ts" > "2026-11-26T12:00:00Z": 2026-11-26T06:00:00.000Z is not > "2026-11-26T12:00:00Z")",
        R"(2: ColumnValues "order_ts" > "2026-11-26T12:00:00Z": NULL is not > "2026-11-26T12:00:00Z")"}},
      // matches: RE2, full match.
      {R"(ColumnValues "email" matches "[^@]+@[^@]+")",
       "FAIL ColumnValues \"email\" matches \"[^@]+@[^@]+\" metric=0.5 failed_rows=2: 2 of 4 rows "
       "failed\n",
       {R"(1: ColumnValues "email" matches "[^@]+@[^@]+": "bad" does not match "[^@]+@[^@]+")",
        R"(2: ColumnValues "email" matches "[^@]+@[^@]+": NULL does not match "[^@]+@[^@]+")"}},
      {R"(ColumnValues "status" matches "[a-z]{4}")",
       "FAIL ColumnValues \"status\" matches \"[a-z]{4}\" metric=0.5 failed_rows=2: 2 of 4 rows "
       "failed\n",
       {R"(1: ColumnValues "status" matches "[a-z]{4}": "pending" does not match "[a-z]{4}")",
        R"(2: ColumnValues "status" matches "[a-z]{4}": "refunded" does not match "[a-z]{4}")"}},
      {R"(ColumnValues "quantity" matches "[0-9]" with threshold >= 0.25)",
       "PASS ColumnValues \"quantity\" matches \"[0-9]\" with threshold >= 0.25 metric=0.5 "
       "failed_rows=2\n",
       {R"(2: ColumnValues "quantity" matches "[0-9]" with threshold >= 0.25: NULL does not match "[0-9]")",
        R"(3: ColumnValues "quantity" matches "[0-9]" with threshold >= 0.25: 1000 does not match "[0-9]")"}},
      // ColumnLength counts code points; NULL fails.
      {R"(ColumnLength "sku" <= 32)",
       "FAIL ColumnLength \"sku\" <= 32 metric=0.75 failed_rows=1: 1 of 4 rows failed\n",
       {R"(1: ColumnLength "sku" <= 32: length 36 of "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" is not <= 32)"}},
      {R"(ColumnLength "email" > 3)",
       "FAIL ColumnLength \"email\" > 3 metric=0.5 failed_rows=2: 2 of 4 rows failed\n",
       {R"(1: ColumnLength "email" > 3: length 3 of "bad" is not > 3)",
        R"(2: ColumnLength "email" > 3: NULL has no length)"}},
      {R"(ColumnLength "sku" <= 40)", "PASS ColumnLength \"sku\" <= 40 metric=1\n", {}},
      {R"(ColumnLength "sku" <= 32 with threshold > 0.5 labels = {"severity": "warn"})",
       "PASS ColumnLength \"sku\" <= 32 with threshold > 0.5 metric=0.75 failed_rows=1\n",
       {R"(1 warn: ColumnLength "sku" <= 32 with threshold > 0.5: length 36 of "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" is not <= 32)"}},
      // Schema rules.
      {R"(ColumnExists "sku")", "PASS ColumnExists \"sku\"\n", {}},
      {R"(ColumnExists "note")",
       "FAIL ColumnExists \"note\": column \"note\" does not exist\n",
       {}},
      {R"(ColumnExists "note" labels = {"severity": "warn"})",
       "WARN ColumnExists \"note\": column \"note\" does not exist\n",
       {}},
      {R"(ColumnDataType "quantity" = "LONG")",
       "PASS ColumnDataType \"quantity\" = \"LONG\"\n",
       {}},
      {R"(ColumnDataType "email" = "STRING")", "PASS ColumnDataType \"email\" = \"STRING\"\n", {}},
      {R"(ColumnExists "email")", "PASS ColumnExists \"email\"\n", {}},
      {R"(ColumnDataType "quantity" = "INTEGER")",
       "FAIL ColumnDataType \"quantity\" = \"INTEGER\": type LONG is not = \"INTEGER\"\n",
       {}},
      {R"(ColumnDataType "order_ts" in ["DATE", "TIMESTAMP"])",
       "PASS ColumnDataType \"order_ts\" in [\"DATE\", \"TIMESTAMP\"]\n",
       {}},
      {R"(ColumnCount = 8)", "PASS ColumnCount = 8 metric=8\n", {}},
      {R"(ColumnCount = 10)", "FAIL ColumnCount = 10 metric=8: column count 8 is not = 10\n", {}},
      {R"(ColumnCount >= 10 labels = {"severity": "warn"})",
       "WARN ColumnCount >= 10 metric=8: column count 8 is not >= 10\n",
       {}},
      // RowCount
      {R"(RowCount > 0)", "PASS RowCount > 0 metric=4\n", {}},
      {R"(RowCount between 5 and 10)",
       "FAIL RowCount between 5 and 10 metric=4: row count 4 is not between 5 and 10\n",
       {}},
      {R"(RowCount = 5 labels = {"severity": "warn"})",
       "WARN RowCount = 5 metric=4: row count 4 is not = 5\n",
       {}},
      // DataFreshness: metric is the oldest age in hours; NULL fails.
      {R"(DataFreshness "fresh_ts" <= 24 hours)",
       "PASS DataFreshness \"fresh_ts\" <= 24 hours metric=4\n",
       {}},
      {R"(DataFreshness "fresh_ts" <= 3 hours)",
       "FAIL DataFreshness \"fresh_ts\" <= 3 hours metric=4: a value is 4 hours old, not <= 3 "
       "hours\n",
       {}},
      {R"(DataFreshness "order_ts" <= 24 hours)",
       "FAIL DataFreshness \"order_ts\" <= 24 hours metric=30: a value is 30 hours old, not <= 24 "
       "hours\n",
       {}},
      {R"(DataFreshness "order_ts" <= 2 days)",
       "FAIL DataFreshness \"order_ts\" <= 2 days metric=30: 1 rows are NULL\n",
       {}},
      {R"(DataFreshness "fresh_ts" between 30 minutes and 1 days labels = {"severity": "warn"})",
       "PASS DataFreshness \"fresh_ts\" between 30 minutes and 1 days metric=4\n",
       {}},
      {R"(DataFreshness "order_ts" <= 24 hours labels = {"severity": "warn"})",
       "WARN DataFreshness \"order_ts\" <= 24 hours metric=30: a value is 30 hours old, not <= 24 "
       "hours\n",
       {}},
      // Composites: dataset-level; their children report no row failures.
      {R"((IsComplete "status") and (RowCount > 0))",
       "PASS (IsComplete \"status\") and (RowCount > 0)\n",
       {}},
      {R"((IsComplete "order_id") and (RowCount > 0))",
       "FAIL (IsComplete \"order_id\") and (RowCount > 0): (IsComplete \"order_id\") failed: 1 of "
       "4 rows failed\n",
       {}},
      {R"((IsComplete "order_id") or (RowCount > 0))",
       "PASS (IsComplete \"order_id\") or (RowCount > 0)\n",
       {}},
      {R"((IsComplete "order_id") or (RowCount > 9) or (ColumnExists "x"))",
       "FAIL (IsComplete \"order_id\") or (RowCount > 9) or (ColumnExists \"x\"): (IsComplete "
       "\"order_id\") failed: 1 of 4 rows failed; (RowCount > 9) failed: row count 4 is not > 9; "
       "(ColumnExists \"x\") failed: column \"x\" does not exist\n",
       {}},
      {R"((RowCount > 10) or ((IsComplete "status") and (IsUnique "order_id")))",
       "PASS (RowCount > 10) or ((IsComplete \"status\") and (IsUnique \"order_id\"))\n",
       {}},
      {R"(((RowCount > 10)) and (IsComplete "status") labels = {"severity": "warn"})",
       "WARN (RowCount > 10) and (IsComplete \"status\"): (RowCount > 10) failed: row count 4 is "
       "not > 10\n",
       {}},
  };
  return cases;
}

TEST(DqdlRules, EachRuleTypeReportsExactOutcomesAndRowFailures) {
  for (const RuleCase& c : RuleCases()) {
    SCOPED_TRACE(c.rule);
    Result<Ruleset> ruleset = ParseRuleset("Rules = [ " + c.rule + " ]", "case.dqdl");
    ASSERT_TRUE(ruleset.ok()) << ruleset.status();
    RuleEvaluator evaluator(*ruleset, OrdersSchema());
    std::vector<RowFailure> failures;
    ASSERT_TRUE(evaluator.AddBatch(OrdersBatch(0, 4), &failures).ok());
    Result<RuleReport> report = evaluator.Finish(Now());
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->ToString(), c.report);
    std::vector<std::string> lines;
    for (const RowFailure& f : failures) {
      EXPECT_EQ(f.rule, 0);
      lines.push_back(FailureLine(f));
    }
    EXPECT_EQ(lines, c.failures);
    EXPECT_EQ(report->passed(), c.report.rfind("FAIL", 0) != 0);
  }
}

// A column the caller vouches for (a dedupe key after dedupe) skips the distinct count and
// reports exactly what counting reports; a float column's hint is ignored.
TEST(DqdlRules, AssumedDistinctKeyReportsWhatCountingReports) {
  const std::string text = R"(Rules = [ IsUnique "order_id", IsPrimaryKey "order_id",
      Uniqueness "order_id" > 0.5, (IsPrimaryKey "order_id") or (RowCount > 9) ])";
  Result<Ruleset> ruleset = ParseRuleset(text, "k.dqdl");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();
  auto report = [&](const std::string& assumed) {
    RuleEvaluator evaluator(*ruleset, OrdersSchema());
    if (!assumed.empty()) evaluator.AssumeDistinct(assumed);
    std::vector<RowFailure> failures;
    EXPECT_TRUE(evaluator.AddBatch(OrdersBatch(0, 2), &failures).ok());
    EXPECT_TRUE(evaluator.AddBatch(OrdersBatch(2, 4), &failures).ok());
    return evaluator.Finish(Now())->ToString();
  };
  const std::string counted = report("");
  EXPECT_EQ(counted,
            "PASS IsUnique \"order_id\" metric=0.75\n"
            "FAIL IsPrimaryKey \"order_id\" metric=0.75: 0 rows hold a duplicated value, 1 rows "
            "are NULL\n"
            "PASS Uniqueness \"order_id\" > 0.5 metric=0.75\n"
            "FAIL (IsPrimaryKey \"order_id\") or (RowCount > 9): (IsPrimaryKey \"order_id\") "
            "failed: 0 rows hold a duplicated value, 1 rows are NULL; (RowCount > 9) failed: "
            "row count 4 is not > 9\n");
  EXPECT_EQ(report("order_id"), counted);
  EXPECT_EQ(report("no_such_column"), counted);

  // The hint is the caller's promise: on a column that does repeat, it is what the rules see.
  Result<Ruleset> customers = ParseRuleset(R"(Rules = [ IsUnique "customer_id" ])", "c.dqdl");
  ASSERT_TRUE(customers.ok());
  RuleEvaluator vouched(*customers, OrdersSchema());
  vouched.AssumeDistinct("customer_id");
  std::vector<RowFailure> failures;
  ASSERT_TRUE(vouched.AddBatch(OrdersBatch(0, 4), &failures).ok());
  EXPECT_EQ(vouched.Finish(Now())->ToString(), "PASS IsUnique \"customer_id\" metric=1\n");

  // Floating-point values: -0.0 and 0.0 are one value to the rules; the hint is ignored.
  Schema schema;
  schema.fields = {{"x", DataType::Of(TypeKind::kDouble)}};
  RecordBatch batch = RecordBatch::Make(schema);
  batch.columns[0].AppendDouble(0.0);
  batch.columns[0].AppendDouble(-0.0);
  batch.num_rows = 2;
  Result<Ruleset> floats = ParseRuleset(R"(Rules = [ IsUnique "x" ])", "f.dqdl");
  ASSERT_TRUE(floats.ok());
  RuleEvaluator ignored(*floats, schema);
  ignored.AssumeDistinct("x");
  ASSERT_TRUE(ignored.AddBatch(batch, &failures).ok());
  EXPECT_EQ(ignored.Finish(Now())->ToString(),
            "FAIL IsUnique \"x\" metric=0: 2 rows hold a duplicated value\n");
}

// Every case's rule in one DQDL ruleset, in order.
std::string AllCasesRuleset() {
  std::string text = "Rules = [\n";
  for (size_t i = 0; i < RuleCases().size(); ++i) {
    text += (i > 0 ? ",\n  " : "  ") + RuleCases()[i].rule;
  }
  return text + "\n]";
}

// All cases as one ruleset, fed one batch vs. three: same report, same failures.
TEST(DqdlRules, StreamingAcrossBatchesEqualsOneBatch) {
  Result<Ruleset> ruleset = ParseRuleset(AllCasesRuleset(), "all.dqdl");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();
  ASSERT_EQ(ruleset->rules.size(), RuleCases().size());

  RuleEvaluator whole(*ruleset, OrdersSchema());
  std::vector<RowFailure> whole_failures;
  ASSERT_TRUE(whole.AddBatch(OrdersBatch(0, 4), &whole_failures).ok());
  Result<RuleReport> whole_report = whole.Finish(Now());
  ASSERT_TRUE(whole_report.ok());

  RuleEvaluator streamed(*ruleset, OrdersSchema());
  std::vector<std::string> streamed_lines;
  // Row 1 repeats row 0's customer_id from the next batch: uniqueness spans batches.
  const size_t cuts[][2] = {{0, 1}, {1, 1}, {1, 3}, {3, 4}};
  for (const auto& [begin, end] : cuts) {
    std::vector<RowFailure> failures;
    ASSERT_TRUE(streamed.AddBatch(OrdersBatch(begin, end), &failures).ok());
    for (const RowFailure& f : failures) {
      streamed_lines.push_back(std::to_string(f.rule) + "@" +
                               FailureLine(f, static_cast<int64_t>(begin)));
    }
  }
  Result<RuleReport> streamed_report = streamed.Finish(Now());
  ASSERT_TRUE(streamed_report.ok());

  std::vector<std::string> whole_lines;
  for (const RowFailure& f : whole_failures) {
    whole_lines.push_back(std::to_string(f.rule) + "@" + FailureLine(f));
  }
  EXPECT_EQ(streamed_report->ToString(), whole_report->ToString());
  EXPECT_EQ(streamed_lines, whole_lines);
  EXPECT_FALSE(whole_report->passed());

  // Failures come in row order, then rule order, within a batch.
  for (size_t i = 1; i < whole_failures.size(); ++i) {
    const RowFailure& a = whole_failures[i - 1];
    const RowFailure& b = whole_failures[i];
    EXPECT_TRUE(a.row < b.row || (a.row == b.row && a.rule < b.rule)) << i;
  }
  // And the report lists the rules in order, each line as in its single-rule case.
  std::string expected;
  for (const RuleCase& c : RuleCases()) expected += c.report;
  EXPECT_EQ(whole_report->ToString(), expected);
}

// The runner quarantines rows before the rules see them by leaving them out of a selection:
// every rule (counts, distinct values, row failures) must see only the selected rows.
TEST(DqdlRules, ASelectionEvaluatesOnlyTheSelectedRows) {
  Result<Ruleset> ruleset = ParseRuleset(AllCasesRuleset(), "all.dqdl");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();

  // Rows 0, 2 and 3, fed as batches without row 1.
  RuleEvaluator without(*ruleset, OrdersSchema());
  std::vector<std::string> without_lines;
  for (const auto& [begin, end] : {std::pair<size_t, size_t>{0, 1}, {2, 4}}) {
    std::vector<RowFailure> failures;
    ASSERT_TRUE(without.AddBatch(OrdersBatch(begin, end), &failures).ok());
    for (const RowFailure& f : failures) {
      without_lines.push_back(std::to_string(f.rule) + "@" +
                              FailureLine(f, static_cast<int64_t>(begin)));
    }
  }
  Result<RuleReport> without_report = without.Finish(Now());
  ASSERT_TRUE(without_report.ok());

  // The same rows as a selection of one batch; failures keep their index in that batch.
  RuleEvaluator selected(*ruleset, OrdersSchema());
  std::vector<RowFailure> failures;
  ASSERT_TRUE(selected.AddBatch(OrdersBatch(0, 4), {1, 0, 1, 1}, &failures).ok());
  std::vector<std::string> selected_lines;
  for (const RowFailure& f : failures) {
    EXPECT_NE(f.row, 1);
    selected_lines.push_back(std::to_string(f.rule) + "@" + FailureLine(f));
  }
  Result<RuleReport> selected_report = selected.Finish(Now());
  ASSERT_TRUE(selected_report.ok());
  EXPECT_EQ(selected_report->ToString(), without_report->ToString());
  EXPECT_EQ(selected_lines, without_lines);
  // A report that differs from the whole batch's: the selection did leave row 1 out.
  RuleEvaluator whole(*ruleset, OrdersSchema());
  ASSERT_TRUE(whole.AddBatch(OrdersBatch(0, 4), &failures).ok());
  Result<RuleReport> whole_report = whole.Finish(Now());
  ASSERT_TRUE(whole_report.ok());
  EXPECT_NE(selected_report->ToString(), whole_report->ToString());

  RuleEvaluator wrong(*ruleset, OrdersSchema());
  EXPECT_EQ(wrong.AddBatch(OrdersBatch(0, 4), {1, 1}, &failures).ToString(),
            "InvalidArgument: data quality rules: the row selection has 2 entries for 4 rows");
}

TEST(DqdlRules, WarnOnlyRulesetPasses) {
  Result<Ruleset> ruleset = ParseRuleset(
      R"(Rules = [ RowCount > 100 labels = {"severity": "warn"}, IsComplete "status" ])", "w");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();
  EXPECT_EQ(ruleset->rules[0].severity, Severity::kWarn);
  EXPECT_EQ(ruleset->rules[0].labels.at("severity"), "warn");
  RuleEvaluator evaluator(*ruleset, OrdersSchema());
  std::vector<RowFailure> failures;
  ASSERT_TRUE(evaluator.AddBatch(OrdersBatch(0, 4), &failures).ok());
  Result<RuleReport> report = evaluator.Finish(Now());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->passed());
  EXPECT_EQ(report->rules[0].outcome, Outcome::kWarn);
}

TEST(DqdlRules, EmptyInputPassesRatiosAndFailsRowCount) {
  Result<Ruleset> ruleset = ParseRuleset(
      R"(Rules = [ Completeness "email" > 0.9, IsUnique "order_id", RowCount > 0,
                   ColumnValues "quantity" > 0 ])",
      "e");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();
  RuleEvaluator evaluator(*ruleset, OrdersSchema());
  Result<RuleReport> report = evaluator.Finish(Now());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->ToString(),
            "PASS Completeness \"email\" > 0.9 metric=1\n"
            "PASS IsUnique \"order_id\" metric=1\n"
            "FAIL RowCount > 0 metric=0: row count 0 is not > 0\n"
            "PASS ColumnValues \"quantity\" > 0 metric=1\n");
}

TEST(DqdlRules, RulesThatCannotApplyToTheColumnTypeAreErrors) {
  struct Case {
    std::string rule;
    std::string message;
  };
  const Case cases[] = {
      {R"(ColumnLength "quantity" < 3)",
       "InvalidArgument: ColumnLength \"quantity\" < 3: ColumnLength needs a string column, "
       "\"quantity\" has type int64"},
      {R"(ColumnValues "quantity" = "many")",
       "InvalidArgument: ColumnValues \"quantity\" = \"many\": \"many\" is not a number, and "
       "column \"quantity\" has type int64"},
      {R"(DataFreshness "status" <= 1 hours)",
       "InvalidArgument: DataFreshness \"status\" <= 1 hours: DataFreshness needs a date or "
       "timestamp column, \"status\" has type string"},
      {R"(ColumnValues "order_ts" > "yesterday")",
       "InvalidArgument: ColumnValues \"order_ts\" > \"yesterday\": \"yesterday\" is not a date "
       "(YYYY-MM-DD) or an RFC 3339 timestamp"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    Result<Ruleset> ruleset = ParseRuleset("Rules = [ " + c.rule + " ]", "t");
    ASSERT_TRUE(ruleset.ok()) << ruleset.status();
    RuleEvaluator evaluator(*ruleset, OrdersSchema());
    std::vector<RowFailure> failures;
    EXPECT_EQ(evaluator.AddBatch(OrdersBatch(0, 4), &failures).ToString(), c.message);
    EXPECT_EQ(evaluator.Finish(Now()).status().ToString(), c.message);
  }
}

TEST(DqdlRules, BatchWithAnotherSchemaIsRejected) {
  Result<Ruleset> ruleset = ParseRuleset("Rules = [ RowCount > 0 ]", "s");
  ASSERT_TRUE(ruleset.ok());
  Schema other;
  other.fields = {{"x", DataType::Of(TypeKind::kInt32)}};
  RuleEvaluator evaluator(*ruleset, OrdersSchema());
  std::vector<RowFailure> failures;
  Status st = evaluator.AddBatch(RecordBatch::Make(other), &failures);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("schema differs"), std::string::npos) << st;
}

TEST(DqdlRules, DateColumnsCompareWithDateLiterals) {
  Schema s;
  s.fields = {{"d", DataType::Of(TypeKind::kDate)}};
  RecordBatch b = RecordBatch::Make(s);
  b.columns[0].AppendInt32(static_cast<int32_t>(common::DaysFromCivil(2026, 11, 1)));
  b.columns[0].AppendInt32(static_cast<int32_t>(common::DaysFromCivil(2026, 12, 1)));
  b.columns[0].AppendNull();
  b.num_rows = 3;
  Result<Ruleset> ruleset = ParseRuleset(
      R"(Rules = [ ColumnValues "d" <= "2026-11-27", DataFreshness "d" <= 30 days ])", "d");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();
  RuleEvaluator evaluator(*ruleset, s);
  std::vector<RowFailure> failures;
  ASSERT_TRUE(evaluator.AddBatch(b, &failures).ok());
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].reason,
            R"(ColumnValues "d" <= "2026-11-27": 2026-12-01 is not <= "2026-11-27")");
  EXPECT_EQ(failures[1].reason, R"(ColumnValues "d" <= "2026-11-27": NULL is not <= "2026-11-27")");
  Result<RuleReport> report = evaluator.Finish(Now());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->rules[1].reason, "1 rows are NULL");
  EXPECT_EQ(*report->rules[1].metric, 26 * 24 + 12);
}

TEST(DqdlParse, ParsesTheIssueExample) {
  Result<Ruleset> ruleset = ParseRuleset(
      R"(Rules = [ IsComplete "order_id", ColumnValues "quantity" between 1 and 1000,
  ColumnValues "status" in ["paid","pending"], ColumnValues "email" matches "[^@]+@[^@]+",
  Completeness "email" > 0.9, RowCount > 0, IsPrimaryKey "order_id", ColumnLength "sku" <= 32,
  ColumnExists "note", ColumnDataType "quantity" = "INTEGER", ColumnCount = 10,
  DataFreshness "order_ts" <= 24 hours, Uniqueness "customer_id" > 0.5 ])",
      "issue.dqdl");
  ASSERT_TRUE(ruleset.ok()) << ruleset.status();
  std::vector<std::string> texts;
  for (const Rule& r : ruleset->rules) texts.push_back(r.ToString());
  EXPECT_EQ(texts, (std::vector<std::string>{
                       R"(IsComplete "order_id")",
                       R"(ColumnValues "quantity" between 1 and 1000)",
                       R"(ColumnValues "status" in ["paid", "pending"])",
                       R"(ColumnValues "email" matches "[^@]+@[^@]+")",
                       R"(Completeness "email" > 0.9)",
                       R"(RowCount > 0)",
                       R"(IsPrimaryKey "order_id")",
                       R"(ColumnLength "sku" <= 32)",
                       R"(ColumnExists "note")",
                       R"(ColumnDataType "quantity" = "INTEGER")",
                       R"(ColumnCount = 10)",
                       R"(DataFreshness "order_ts" <= 24 hours)",
                       R"(Uniqueness "customer_id" > 0.5)",
                   }));
  EXPECT_EQ(ruleset->rules[1].line, 1);
  EXPECT_EQ(ruleset->rules[2].line, 2);
  EXPECT_EQ(ruleset->rules[2].column_number, 3);
  EXPECT_EQ(ruleset->rules[11].expression.operands[0].number, 24.0 * 3600e6);
  EXPECT_TRUE(ruleset->rules[0].IsRowLevel());
  EXPECT_FALSE(ruleset->rules[4].IsRowLevel());
}

TEST(DqdlParse, ErrorsNameSourceLineColumnExpectedAndFound) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"rules = [ RowCount > 0 ]", "r.dqdl:1:1: expected `Rules`, found `rules`"},
      {"", "r.dqdl:1:1: expected `Rules`, found end of input"},
      {"Rules = [ , ]",
       "r.dqdl:1:11: expected a rule type (IsComplete, ColumnValues, RowCount, ...), found `,`"},
      {"Rules = [ RowCount > 0, ]",
       "r.dqdl:1:25: expected a rule type (IsComplete, ColumnValues, RowCount, ...), found `]`"},
      {R"(Rules = [ RowCount > 0 labels = ("a": "b") ])",
       "r.dqdl:1:33: expected `[` or `{`, found `(`"},
      {R"(Rules = [ RowCount > 0 labels = ["a": "b"} ])", "r.dqdl:1:42: expected `]`, found `}`"},
      {R"(Rules = [ RowCount > 0 labels = ["": "b"] ])",
       "r.dqdl:1:34: expected a label name of 1 to 128 characters, found `\"\"`"},
      {R"(Rules = [ RowCount > 0 labels = ["a": ""] ])",
       "r.dqdl:1:39: expected a label value of 1 to 256 characters, found `\"\"`"},
      {R"(Rules = [ RowCount > 0 labels = ["1": "v", "2": "v", "3": "v", "4": "v", "5": "v",
                   "6": "v", "7": "v", "8": "v", "9": "v", "10": "v", "11": "v"] ])",
       "r.dqdl:2:71: expected at most 10 labels, found an 11th"},
      {"Rules = [ IsComplete order_id ]",
       "r.dqdl:1:22: expected a column name string, found `order_id`"},
      {R"(Rules = [ ColumnValues "q" between 1 ])", "r.dqdl:1:38: expected `and`, found `]`"},
      {"Rules = [\n  RowCount > 0,\n  Foo \"x\"\n]",
       "r.dqdl:3:3: expected a rule type (IsComplete, ColumnValues, RowCount, ...), found `Foo`"},
      {"Rules = [ RowCount > 0 RowCount > 1 ]",
       "r.dqdl:1:24: expected `,` or `]`, found `RowCount`"},
      {R"(Rules = [ (RowCount > 0) and IsComplete "a" ])",
       "r.dqdl:1:30: expected `(` (each rule joined by `and` is parenthesized), found "
       "`IsComplete`"},
      {R"(Rules = [ (RowCount > 0) and (RowCount > 1) or (RowCount > 2) ])",
       "r.dqdl:1:45: expected `and` (parenthesize to mix `and` and `or`), found `or`"},
      {"Rules = [ RowCount > 0 with threshold > 0.5 ]",
       "r.dqdl:1:24: expected `,` or `]` (RowCount takes no `with threshold`), found `with`"},
      {R"(Rules = [ RowCount > 0 where "x > 1" ])",
       "r.dqdl:1:24: expected `,` or `]` (`where` clauses are not supported), found `where`"},
      {R"(Rules = [ IsComplete "abc ])", "r.dqdl:1:22: expected closing `\"`, found end of input"},
      {R"(Rules = [ DataFreshness "t" <= 24 ])",
       "r.dqdl:1:35: expected a time unit (`hours`, `days` or `minutes`), found `]`"},
      {R"(Rules = [ RowCount > "many" ])", "r.dqdl:1:22: expected a number, found `\"many\"`"},
      {R"(Rules = [ ColumnValues "q" ~ 3 ])", "r.dqdl:1:28: expected a rule, found `~`"},
      {R"(Rules = [ ColumnValues "q" like "a%" ])",
       "r.dqdl:1:28: expected an expression (`=`, `!=`, `>`, `>=`, `<`, `<=`, `between`, `in`, "
       "`matches`), found `like`"},
      {R"(Rules = [ ColumnDataType "q" > "INTEGER" ])",
       "r.dqdl:1:30: expected `=` or `in`, found `>`"},
      {R"(Rules = [ ColumnValues "q" >= 0 with threshold > "x" ])",
       "r.dqdl:1:50: expected a number, found `\"x\"`"},
      {R"(Rules = [ ColumnValues "e" matches "(" ])",
       "r.dqdl:1:36: expected a valid RE2 regular expression, found `\"(\"` (missing ): ()"},
      {R"(Rules = [ RowCount > 0 labels = {"severity": "loud"} ])",
       "r.dqdl:1:46: expected severity \"warn\" or \"error\", found `\"loud\"`"},
      {R"(Rules = [ RowCount > 0 labels = {"a": "1", "a": "2"} ])",
       "r.dqdl:1:44: expected a new label name, found `\"a\"` again"},
      {"Rules = [ RowCount > 0 ] x", "r.dqdl:1:26: expected end of input, found `x`"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Ruleset> r = ParseRuleset(c.text, "r.dqdl");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message);
  }
}

TEST(DqdlParse, AcceptsDqdlLexerSpellingsAndEmptyRuleset) {
  Result<Ruleset> r = ParseRuleset(
      R"(Rules = [ (RowCount > 0) AND (ColumnValues "a" in [null, empty, whitespaces_only]),
                 (IsComplete "a") OR (ColumnValues "q" between 1 AND 5)
                 labels = ["severity": "warn", "owner": "orders"] ])",
      "u");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_EQ(r->rules[0].ToString(),
            R"((RowCount > 0) and (ColumnValues "a" in [NULL, EMPTY, WHITESPACES_ONLY]))");
  EXPECT_EQ(r->rules[1].ToString(), R"((IsComplete "a") or (ColumnValues "q" between 1 and 5))");
  EXPECT_EQ(r->rules[1].severity, Severity::kWarn);
  EXPECT_EQ(r->rules[1].labels.at("owner"), "orders");

  Result<Ruleset> empty = ParseRuleset("Rules = [ ]", "e");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->rules.empty());
}

TEST(DqdlRules, ColumnLengthCountsCodePointsNotBytes) {
  Schema s;
  s.fields = {{"name", DataType::Of(TypeKind::kString)}};
  RecordBatch b = RecordBatch::Make(s);
  b.columns[0].AppendBytes("Zoë");         // 4 bytes, 3 code points
  b.columns[0].AppendBytes("日本語です");  // 15 bytes, 5 code points
  b.num_rows = 2;
  Result<Ruleset> ruleset = ParseRuleset(R"(Rules = [ ColumnLength "name" <= 3 ])", "l");
  ASSERT_TRUE(ruleset.ok());
  RuleEvaluator evaluator(*ruleset, s);
  std::vector<RowFailure> failures;
  ASSERT_TRUE(evaluator.AddBatch(b, &failures).ok());
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].row, 1);
  EXPECT_EQ(failures[0].reason,
            "ColumnLength \"name\" <= 3: length 5 of \"日本語です\" is not <= 3");
}

TEST(DqdlParse, CommentsAndWhitespaceAreIgnored) {
  Result<Ruleset> r = ParseRuleset("# orders\nRules = [\n  RowCount > 0 # at least one\n]\n", "c");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].line, 3);
}

}  // namespace
}  // namespace sluice::etl
