#pragma once

// The warehouse (Redshift's role): an SQL engine where analysts query the lake's layers.
// Layers are schemas — `bronze`, `silver`, `gold`, `quarantine` — so `SELECT … FROM
// silver.orders` reads the same on every engine:
//   - sqlite://PATH (the embedded default, `<home>/warehouse`): PATH is a folder holding
//     `warehouse.db` (the connection's main schema) and one database file per layer,
//     attached under the layer's name (`silver.db` AS silver, …). WAL mode; a write
//     transaction (BEGIN IMMEDIATE) serialises with every other writer.
//   - postgres://… or postgresql://… (libpq connection URI): one schema per layer, created on
//     first connect; sessions run with TimeZone UTC and client_encoding UTF8.
//
// A Warehouse only opens Sessions; what is loaded and built (loads.h, models.h) is written
// once in SQL both engines accept, with the few engine-specific statements behind Session.
// Column types follow the dataset schema (the ETL type set); docs/warehouse.md#types lists
// each engine's type per dataset type.
//
// Thread-safety: a Warehouse may be shared by threads; a Session belongs to one thread at a
// time. Sessions must not outlive their Warehouse.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::warehouse {

// The layer schemas, in the order listings show them.
inline constexpr std::array<std::string_view, 4> kLayers = {"bronze", "silver", "gold",
                                                            "quarantine"};

// A table (or view) in one of the layer schemas.
struct TableName {
  std::string schema;  // one of kLayers
  std::string name;    // [A-Za-z_][A-Za-z0-9_]*, at most 63 bytes
  std::string ToString() const { return schema + "." + name; }  // "silver.orders"
  // The quoted form for SQL: "silver"."orders".
  std::string Sql() const;
  friend bool operator==(const TableName&, const TableName&) = default;
  friend auto operator<=>(const TableName&, const TableName&) = default;
};

// Parses "silver.orders". InvalidArgument `table "x": …` naming what is wrong (missing layer,
// unknown layer — expected one of bronze, silver, gold, quarantine —, a bad identifier).
Result<TableName> ParseTableName(std::string_view text);

// Quotes an identifier for SQL ("order_date"; embedded quotes doubled). Both engines accept it.
std::string QuoteIdentifier(std::string_view name);
// Quotes a string literal ('it''s').
std::string QuoteLiteral(std::string_view text);

// A column as the dataset schema declares it. Types are the ETL set: bool, int8–int64,
// float, double, decimal(p,s), string, date, timestamp (micros, UTC), json.
struct Column {
  std::string name;
  parquet::DataType type;
  friend bool operator==(const Column&, const Column&) = default;
};

// One value of a query parameter or result, typed by what the engine reports.
struct Value {
  enum class Kind { kNull, kBool, kInteger, kReal, kNumeric, kText };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // kNumeric: the exact decimal text ("12.50"); kText: the text

  static Value Null() { return Value{}; }
  static Value Bool(bool v);
  static Value Integer(int64_t v);
  static Value Real(double v);
  static Value Numeric(std::string text);
  static Value Text(std::string text);
  bool is_null() const { return kind == Kind::kNull; }
  // How text output shows the value: "" for NULL, true/false, integers in decimal, reals in
  // the shortest form that reads back exactly, numerics and text as they are.
  std::string ToString() const;
  friend bool operator==(const Value&, const Value&) = default;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

// A table or view as the engine describes it.
struct TableInfo {
  TableName name;
  bool is_view = false;
  struct ColumnInfo {
    std::string name;
    std::string sql_type;  // as the engine declares it: "BIGINT", "NUMERIC(12,2)", "TEXT", …
  };
  std::vector<ColumnInfo> columns;
};

// Appends rows to one table inside the session's open transaction: PostgreSQL streams a
// binary COPY, SQLite runs one INSERT … SELECT per Append over a virtual table of the batch.
// Not thread-safe; must not outlive its Session, and must be finished before the session runs
// anything else.
class RowWriter {
 public:
  virtual ~RowWriter() = default;

  // One input per column given to OpenRowWriter, in that order: either `rows` values long,
  // or (constant) a single value repeated for every row. Its type must be the column's
  // (Internal otherwise).
  struct Input {
    const parquet::ColumnVector* values = nullptr;
    bool constant = false;
  };
  // Appends `rows` rows. InvalidArgument when a value does not fit the column (names the
  // column and the value); the transaction should then be rolled back.
  virtual Status Append(const std::vector<Input>& columns, int64_t rows) = 0;
  // Completes the stream; returns the number of rows appended.
  virtual Result<int64_t> Finish() = 0;
};

// One connection. SQL uses `$1, $2, …` parameters on both engines.
class Session {
 public:
  virtual ~Session() = default;

  // "sqlite" or "postgresql".
  virtual std::string_view engine() const = 0;

  // Runs one or more statements separated by `;` (no parameters, results discarded).
  virtual Status Execute(std::string_view sql) = 0;
  // Runs one statement and returns its rows (none for statements without results).
  // InvalidArgument with the engine's message for SQL errors.
  virtual Result<QueryResult> Query(std::string_view sql,
                                    const std::vector<Value>& params = {}) = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual Result<int64_t> ExecuteCount(std::string_view sql,
                                       const std::vector<Value>& params = {}) = 0;

  // A write transaction. SQLite: BEGIN IMMEDIATE (waits for other writers, up to the busy
  // timeout, then Unavailable). PostgreSQL: BEGIN. A session destroyed inside a transaction
  // rolls it back.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool in_transaction() const = 0;

  // Inside a transaction: waits until no other session holds `table`'s write lock and holds
  // it until the transaction ends, so loads and builds of one table serialise (PostgreSQL:
  // a transaction-level advisory lock on the table's name; SQLite: BEGIN IMMEDIATE already
  // holds the database's only write lock).
  virtual Status LockTable(const TableName& table) = 0;

  // Tables and views of the layer schemas, ordered by layer then name. Tables whose names
  // begin with `_sluice` (bookkeeping) are left out unless `include_internal`.
  virtual Result<std::vector<TableInfo>> ListTables(bool include_internal = false) = 0;
  // One table or view; nullopt when it does not exist.
  virtual Result<std::optional<TableInfo>> DescribeTable(const TableName& table) = 0;

  // The engine's column type for a dataset type (docs/warehouse.md#types). InvalidArgument
  // for types outside the ETL set (lists, structs, unsigned, …).
  virtual Result<std::string> ColumnTypeSql(const parquet::DataType& type) const = 0;
  // `CREATE [UNIQUE] INDEX IF NOT EXISTS <index> ON <table> (<columns>)` in the engine's
  // spelling (SQLite puts the schema on the index name, PostgreSQL on the table).
  virtual std::string CreateIndexSql(const TableName& table, std::string_view index_name,
                                     const std::vector<std::string>& columns,
                                     bool unique) const = 0;
  // The statement that changes a column's type to `new_type_sql` keeping its values, or ""
  // when the engine needs none (SQLite's columns hold any type; the declared type stays).
  virtual std::string AlterColumnTypeSql(const TableName& table, std::string_view column,
                                         std::string_view new_type_sql) const = 0;

  // Starts appending rows to `table` (which must exist with these columns).
  virtual Result<std::unique_ptr<RowWriter>> OpenRowWriter(const TableName& table,
                                                           const std::vector<Column>& columns) = 0;
};

class Warehouse {
 public:
  virtual ~Warehouse() = default;
  // The URL it was opened with, any password replaced by "***".
  virtual std::string url() const = 0;
  // Opens a session; creates the layer schemas (files) when missing. Unavailable when the
  // engine cannot be reached (names the URL).
  virtual Result<std::unique_ptr<Session>> Connect() = 0;
};

// Opens the warehouse at `url`: sqlite://PATH, postgres://…, postgresql://…. InvalidArgument
// for other schemes.
Result<std::unique_ptr<Warehouse>> OpenWarehouse(std::string_view url);

}  // namespace sluice::warehouse
