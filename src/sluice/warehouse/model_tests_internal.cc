#include "sluice/warehouse/model_tests_internal.h"

#include <algorithm>

#include "sluice/warehouse/model_state_internal.h"

namespace sluice::warehouse {
namespace {

constexpr int kSamples = 5;

std::string ColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + QuoteIdentifier(c);
  return out;
}

// A decimal number as SQL writes it: [-]digits[.digits].
bool IsNumber(std::string_view text) {
  if (text.starts_with("-")) text.remove_prefix(1);
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "1" : text.substr(dot + 1);
  auto digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(whole) && digits(fraction);
}

}  // namespace

std::string ComparableLiterals(std::string_view engine,
                               const std::vector<std::optional<std::string>>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!v) continue;
    out += (out.empty() ? "" : ", ") + QuoteLiteral(*v);
    if (engine == "sqlite" && IsNumber(*v)) out += ", " + *v;
  }
  return out;
}

std::string FailingRowsSql(std::string_view engine, const ColumnTest& test, const TableName& table,
                           const TableName& self) {
  std::string column = test.columns.empty() ? "" : QuoteIdentifier(test.columns[0]);
  std::string from = " FROM " + table.Sql();
  switch (test.kind) {
    case ColumnTest::Kind::kNotNull:
      return "SELECT " + column + " AS value" + from + " WHERE " + column + " IS NULL";
    case ColumnTest::Kind::kUnique:
      return "SELECT " + column + " AS value" + from + " WHERE " + column +
             " IS NOT NULL GROUP BY " + column + " HAVING count(*) > 1";
    case ColumnTest::Kind::kUniqueKey: {
      std::string columns = ColumnList(test.columns);
      return "SELECT " + columns + from + " GROUP BY " + columns + " HAVING count(*) > 1";
    }
    case ColumnTest::Kind::kAcceptedValues: {
      std::string values = ComparableLiterals(
          engine, std::vector<std::optional<std::string>>(test.values.begin(), test.values.end()));
      return "SELECT " + column + " AS value" + from + " WHERE " + column + " IS NOT NULL AND " +
             column + " NOT IN (" + values + ")";
    }
    case ColumnTest::Kind::kRelationships: {
      const TableName& to = test.to == self ? table : test.to;
      return "SELECT child." + column + " AS value" + from + " AS child WHERE child." + column +
             " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + to.Sql() + " AS parent WHERE parent." +
             QuoteIdentifier(test.field) + " = child." + column + ")";
    }
  }
  return "";
}

TestResult RunColumnTest(Session& session, const ColumnTest& test, const TableName& table,
                         const TableName& self) {
  TestResult result;
  result.test = test.Name();
  std::string failing = FailingRowsSql(session.engine(), test, table, self);
  auto count = session.Query("SELECT count(*) FROM (" + failing + ") AS failing");
  if (!count.ok()) {
    result.error = count.status().message();
    return result;
  }
  result.failing = CountValue(count->rows.at(0).at(0));
  result.passed = result.failing == 0;
  if (result.passed || test.kind == ColumnTest::Kind::kNotNull) return result;
  auto samples = session.Query("SELECT DISTINCT * FROM (" + failing +
                               ") AS failing ORDER BY 1 LIMIT " + std::to_string(kSamples));
  if (!samples.ok()) {
    result.error = samples.status().message();
    return result;
  }
  for (const auto& row : samples->rows) {
    std::string text;
    for (const Value& v : row) {
      if (!text.empty()) text += ", ";
      text += v.is_null() ? "NULL" : v.ToString();
    }
    result.samples.push_back(std::move(text));
  }
  return result;
}

std::vector<TestResult> RunModelTests(Session& session, const Model& model,
                                      const TableName& table) {
  std::vector<TestResult> results;
  for (const ColumnTest& test : model.tests) {
    results.push_back(RunColumnTest(session, test, table, model.table()));
  }
  return results;
}

bool AllPassed(const std::vector<TestResult>& results) {
  return std::all_of(results.begin(), results.end(), [](const TestResult& r) { return r.passed; });
}

}  // namespace sluice::warehouse
