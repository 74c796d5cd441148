#pragma once

// Column tests as SQL: each test is a query for the failing values of a table; its result
// is their count and up to five of them. The same SQL runs on both engines. Functions run
// on the caller's session (inside its transaction, so a build tests what it has not yet
// committed).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/warehouse/models.h"

namespace sluice::warehouse {

// `v1, v2, …`: values to compare a column with (`IN (…)`), each as a quoted text literal,
// which both engines coerce to the column's type. On SQLite a column computed by an
// expression has no type (no affinity) and compares text and numbers as different, so
// values that read as numbers are listed in both forms there ('10', 10).
std::string ComparableLiterals(std::string_view engine,
                               const std::vector<std::optional<std::string>>& values);

// The query whose rows are `test`'s failures in `table` (one column `value`, or the key
// columns for kUniqueKey). `self` is the model's own table: a relationship to it reads
// `table` instead (the version being built).
std::string FailingRowsSql(std::string_view engine, const ColumnTest& test, const TableName& table,
                           const TableName& self);

// Runs `test` against `table`. SQL errors are reported in the result, not returned.
TestResult RunColumnTest(Session& session, const ColumnTest& test, const TableName& table,
                         const TableName& self);

// Runs every test of `model` against `table`.
std::vector<TestResult> RunModelTests(Session& session, const Model& model, const TableName& table);

// True when every result passed.
bool AllPassed(const std::vector<TestResult>& results);

}  // namespace sluice::warehouse
