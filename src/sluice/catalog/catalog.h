#pragma once

// The catalog: sluice's metadata store (DynamoDB's role). Every piece of engine state that
// must survive a crash (the event log, dispatch cursors, later executions, job runs, loads)
// lives here, changed only inside transactions.
//
// Catalog is an interface over a SQL database so the embedded default (SQLite in WAL mode,
// sqlite_catalog.h) and a PostgreSQL implementation for several nodes share one contract:
//   - SQL is written once in the portable subset both engines accept, with PostgreSQL-style
//     positional parameters `$1, $2, …` (the SQLite adapter rewrites them).
//   - The schema is created and upgraded by versioned migrations (migrations.h) applied at
//     Open; docs/formats/catalog.md documents every table.
//   - Write transactions are serialised across threads and processes (SQLite: BEGIN
//     IMMEDIATE with a busy timeout); a Transaction not committed is rolled back when
//     destroyed, so an early return can never leave half a change behind.
//
// Thread-safety: a Catalog may be shared by threads; each Transaction belongs to one thread
// and must not outlive its Catalog. Only one transaction per Catalog object is open at a
// time (a second Begin on another thread waits).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::catalog {

// A SQL value: NULL, integer, real or text.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

inline SqlValue Null() { return std::monostate{}; }

// One result row; columns by position, as selected.
class Row {
 public:
  explicit Row(std::vector<SqlValue> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  // Integer value; a NULL reads as 0.
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  // Text value; a NULL reads as "".
  const std::string& Text(size_t i) const;
  const SqlValue& Value(size_t i) const { return values_.at(i); }

 private:
  std::vector<SqlValue> values_;
};

enum class TxMode {
  kRead,   // a consistent snapshot for reads
  kWrite,  // takes the write lock at begin (serialised with every other writer)
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs a statement; returns the number of rows changed.
  virtual Result<int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Runs a query and returns all its rows.
  virtual Result<std::vector<Row>> Query(std::string_view sql,
                                         const std::vector<SqlValue>& params = {}) = 0;
  // The first row, or nullopt when there is none.
  Result<std::optional<Row>> QueryOne(std::string_view sql,
                                      const std::vector<SqlValue>& params = {});
  // Makes every change durable. The transaction cannot be used afterwards.
  virtual Status Commit() = 0;
};

class Catalog {
 public:
  virtual ~Catalog() = default;
  // Starts a transaction. Unavailable when the database stays locked by others past the
  // busy timeout.
  virtual Result<std::unique_ptr<Transaction>> Begin(TxMode mode) = 0;
  // The highest migration applied.
  virtual int schema_version() const = 0;
  // "sqlite:///path/catalog.db" or "postgres://…": where this catalog lives.
  virtual std::string url() const = 0;
};

}  // namespace sluice::catalog
