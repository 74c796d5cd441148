#pragma once

// Gold models: SQL that runs inside the warehouse (dbt's role). A folder `models/` holds one
// SELECT per file, `models/<name>.sql`, built into `gold.<name>`. Configuration comes from a
// header (the file's leading `-- key: value` comment lines, read as YAML) or a sidecar
// `models/<name>.yaml`: `materialized` (table | incremental | view), `partition_by`,
// `unique_key`, `description` and column `tests`. Dependencies are the `gold.<model>` names
// a model reads; models build in dependency order, independent ones in parallel.
//
//   - table: built into gold.<name>__sluice_new, tested, then swapped in in one transaction;
//     a failing test keeps the previous version.
//   - view: (re)created in a transaction, tested, rolled back when a test fails.
//   - incremental: the first build (and --full-refresh, and any change of the model's SQL or
//     configuration) is a full build; later builds delete and re-insert only the partitions
//     (values of `partition_by`) that loads since the last build touched, reading only those
//     partitions of upstream tables that have that column. Valid when an output partition P
//     depends only on upstream rows of partition P (docs/models.md#incremental).
//
// Every build appends to `gold._sluice_loads` (load_log.h) and records the model's state in
// `gold._sluice_models`. Functions are thread-safe; BuildModels opens its own sessions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/warehouse/load_log.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

enum class Materialization { kTable, kIncremental, kView };
// "table", "incremental", "view".
std::string_view MaterializationName(Materialization m);

// One column test of a model, run after every build and by TestModels.
struct ColumnTest {
  enum class Kind {
    kNotNull,         // no NULL in `columns[0]`
    kUnique,          // no non-NULL value of `columns[0]` twice
    kAcceptedValues,  // every non-NULL value of `columns[0]` is one of `values`
    kRelationships,   // every non-NULL value of `columns[0]` is some `to`.`field`
    kUniqueKey,       // the model's unique_key: no combination of `columns` twice
  };
  Kind kind = Kind::kNotNull;
  std::vector<std::string> columns;
  std::vector<std::string> values;  // kAcceptedValues, compared as text literals
  TableName to;                     // kRelationships
  std::string field;                // kRelationships
  int line = 0;                     // where the config declares it (0: unknown)

  // "not_null(order_date)", "unique(id)", "accepted_values(status)",
  // "relationships(customer_id → silver.customers.id)", "unique_key(id, day)".
  std::string Name() const;
};

struct Model {
  std::string name;         // the file's name without .sql; builds gold.<name>
  std::string path;         // the .sql file
  std::string config_path;  // the file the configuration came from; "" when none
  std::string sql;          // the one statement, without trailing ';'
  Materialization materialized = Materialization::kTable;
  std::string partition_by;             // required for kIncremental
  std::vector<std::string> unique_key;  // verified unique after each build
  std::string description;
  std::vector<ColumnTest> tests;  // the declared tests, then the unique_key check
  std::vector<TableName> reads;   // every layer table the SQL reads (and relationships'
                                  // targets), sorted, without duplicates
  // SHA-256 of the SQL (without comments and layout) and the configuration that shapes the
  // data (materialized, partition_by, unique_key): a change forces the next incremental
  // build to be a full one. Descriptions and tests do not count.
  std::string hash;

  TableName table() const { return TableName{"gold", name}; }
};

// Parses one model. `sql_path` names it in errors and gives its name; `sidecar` is the
// text of `<name>.yaml` when there is one. InvalidArgument "FILE:LINE[:COL]: field:
// expected …" for bad configuration, unknown keys, a header and a sidecar at once, a name
// that is not an identifier, or SQL that is not one SELECT.
Result<Model> ParseModel(const std::string& sql_path, std::string_view sql_text,
                         const std::string& sidecar_path = "",
                         std::optional<std::string_view> sidecar = std::nullopt);

// Every `*.sql` in `folder` (not recursive), sorted by name, checked for dependency cycles
// (InvalidArgument naming the cycle). NotFound when the folder does not exist; a YAML
// sidecar without its .sql file is an error.
Result<std::vector<Model>> LoadModels(const std::string& folder);

struct BuildOptions {
  // Which models: "M" (that model), "+M" (it and every model upstream of it), "M+" (it and
  // every model downstream), "+M+". Empty: all. InvalidArgument for unknown models.
  std::vector<std::string> select;
  bool full_refresh = false;  // incremental models rebuild fully
  int threads = 4;            // models built at once (each with its own session)
};

struct TestResult {
  std::string test;  // ColumnTest::Name()
  bool passed = false;
  int64_t failing = 0;               // failing rows (values, for unique tests)
  std::vector<std::string> samples;  // up to 5 failing values
  std::string error;                 // the test's SQL failed (then passed is false)
};

struct ModelReport {
  enum class Outcome { kBuilt, kUpToDate, kFailed, kSkipped };
  std::string model;
  Materialization materialized = Materialization::kTable;
  Outcome outcome = Outcome::kSkipped;
  // What the build did or tried: "full", "incremental", "view", "up-to-date", "skipped"
  // ("" when it failed before choosing).
  std::string mode;
  std::string reason;  // why a full build, why skipped, or why it failed
  // Incremental builds: the partitions rebuilt (values of partition_by).
  std::optional<std::vector<PartitionValues>> partitions;
  int64_t rows = 0;  // rows in the model's table after the build (incremental: rows written)
  double seconds = 0;
  std::vector<TestResult> tests;

  bool ok() const { return outcome == Outcome::kBuilt || outcome == Outcome::kUpToDate; }
};

struct BuildReport {
  std::vector<ModelReport> models;  // in build order
  double seconds = 0;
  bool ok() const;
  // {"ok":…, "seconds":…, "models":[{"model", "status": built|up-to-date|failed|skipped,
  // "materialized", "mode", "reason", "partitions", "rows", "seconds", "tests":[…]}]};
  // "mode" is always present, "reason" and "partitions" when they apply.
  common::json::value ToJson() const;
};

// Builds the selected models in dependency order. A model whose build or tests fail keeps
// its previous version; the models downstream of it are skipped. Errors (not reports) only
// for a bad selection, a cycle, or a warehouse that cannot be reached.
Result<BuildReport> BuildModels(Warehouse& warehouse, const std::vector<Model>& models,
                                const BuildOptions& options);

struct TestReport {
  struct ModelTests {
    std::string model;
    std::vector<TestResult> tests;
  };
  std::vector<ModelTests> models;
  bool ok() const;
  // {"ok":…, "models":[{"model", "tests":[{"test", "status": pass|fail|error, "failing",
  // "samples", "error"}]}]}
  common::json::value ToJson() const;
};

// Runs the selected models' tests on their current tables (selection as BuildOptions).
Result<TestReport> TestModels(Warehouse& warehouse, const std::vector<Model>& models,
                              const std::vector<std::string>& select);

}  // namespace sluice::warehouse
