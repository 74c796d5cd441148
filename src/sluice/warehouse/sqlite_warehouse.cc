#include "sluice/warehouse/sqlite_warehouse.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "sluice/common/file_util.h"
#include "sluice/parquet/value_text.h"

namespace sluice::warehouse {
namespace {

using parquet::ColumnVector;
using parquet::TypeKind;

// Writers wait this long for the database's write lock before giving up (a load of a large
// file holds it for its whole transaction).
constexpr int kBusyTimeoutMs = 10 * 60 * 1000;

// SQLite keeps decimals as NUMERIC (REAL or INTEGER storage): exact to 15 significant
// digits. Wider decimals are kept as their exact text instead.
constexpr int kMaxNumericPrecision = 15;

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Unavailable(message);
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN) {
    return Status::IOError(message);
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::Corruption(message);
  return Status::InvalidArgument(message);
}

// A prepared statement, finalized when destroyed.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

Result<Statement> Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db, rc, "SQL error");
  }
  return Statement(stmt);
}

Status BindValue(sqlite3* db, sqlite3_stmt* stmt, int index, const Value& value) {
  int rc = SQLITE_OK;
  switch (value.kind) {
    case Value::Kind::kNull:
      rc = sqlite3_bind_null(stmt, index);
      break;
    case Value::Kind::kBool:
      rc = sqlite3_bind_int64(stmt, index, value.boolean ? 1 : 0);
      break;
    case Value::Kind::kInteger:
      rc = sqlite3_bind_int64(stmt, index, value.integer);
      break;
    case Value::Kind::kReal:
      rc = sqlite3_bind_double(stmt, index, value.real);
      break;
    case Value::Kind::kNumeric:
    case Value::Kind::kText:
      rc = sqlite3_bind_text(stmt, index, value.text.data(), static_cast<int>(value.text.size()),
                             SQLITE_TRANSIENT);
      break;
  }
  if (rc != SQLITE_OK) return SqliteError(db, rc, "binding parameter $" + std::to_string(index));
  return Status::OK();
}

Value ColumnValue(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return Value::Integer(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
      return Value::Real(sqlite3_column_double(stmt, i));
    case SQLITE_NULL:
      return Value::Null();
    default: {
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return Value::Text(std::string(text ? text : "", sqlite3_column_bytes(stmt, i)));
    }
  }
}

// Appends rows with one prepared INSERT, binding each value in its natural SQLite type.
class SqliteRowWriter : public RowWriter {
 public:
  SqliteRowWriter(sqlite3* db, Statement insert, std::vector<Column> columns)
      : db_(db), insert_(std::move(insert)), columns_(std::move(columns)) {}

  Status Append(const std::vector<Input>& inputs, int64_t rows) override {
    if (inputs.size() != columns_.size()) {
      return Status::Internal("row writer: " + std::to_string(inputs.size()) + " inputs for " +
                              std::to_string(columns_.size()) + " columns");
    }
    sqlite3_stmt* stmt = insert_.get();
    texts_.resize(inputs.size());
    for (int64_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < inputs.size(); ++c) {
        const ColumnVector& values = *inputs[c].values;
        int64_t i = inputs[c].constant ? 0 : r;
        SLUICE_RETURN_IF_ERROR(Bind(stmt, static_cast<int>(c) + 1, values, i, &texts_[c]));
      }
      int rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) {
        Status error = SqliteError(db_, rc, "inserting a row");
        sqlite3_reset(stmt);
        return error;
      }
      sqlite3_reset(stmt);
      ++rows_;
    }
    return Status::OK();
  }

  Result<int64_t> Finish() override { return rows_; }

 private:
  // Binds values[i]; `text` is a buffer that stays valid until the row is stepped.
  Status Bind(sqlite3_stmt* stmt, int index, const ColumnVector& values, int64_t i,
              std::string* text) {
    size_t k = static_cast<size_t>(i);
    int rc = SQLITE_OK;
    if (values.IsNull(i)) {
      rc = sqlite3_bind_null(stmt, index);
    } else {
      switch (values.type.kind) {
        case TypeKind::kBoolean:
          rc = sqlite3_bind_int(stmt, index, values.bools[k] ? 1 : 0);
          break;
        case TypeKind::kInt8:
        case TypeKind::kInt16:
        case TypeKind::kInt32:
          rc = sqlite3_bind_int(stmt, index, values.ints32[k]);
          break;
        case TypeKind::kInt64:
          rc = sqlite3_bind_int64(stmt, index, values.ints64[k]);
          break;
        case TypeKind::kFloat:
          rc = BindReal(stmt, index, values.floats[k]);
          break;
        case TypeKind::kDouble:
          rc = BindReal(stmt, index, values.doubles[k]);
          break;
        case TypeKind::kDecimal: {
          __int128 unscaled = parquet::DecimalAt(values, i);
          if (values.type.precision <= kMaxNumericPrecision) {
            // Both operands are exact doubles (|unscaled| < 10^15, 10^scale ≤ 10^15), so the
            // quotient is the double nearest the decimal — what parsing its text would give.
            rc = sqlite3_bind_double(
                stmt, index,
                static_cast<double>(static_cast<int64_t>(unscaled)) / kPowersOfTen[values.type.scale]);
          } else {
            text->clear();
            parquet::AppendDecimalText(unscaled, values.type.scale, text);
            rc = sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                                   SQLITE_STATIC);
          }
          break;
        }
        case TypeKind::kDate:
          text->clear();
          parquet::AppendDateText(values.ints32[k], text);
          rc = sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                                 SQLITE_STATIC);
          break;
        case TypeKind::kTimestamp:
          text->clear();
          parquet::AppendTimestampText(values.ints64[k], values.type.unit, text);
          rc = sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                                 SQLITE_STATIC);
          break;
        case TypeKind::kString:
        case TypeKind::kJson: {
          std::string_view bytes = values.BytesAt(i);
          rc = sqlite3_bind_text(stmt, index, bytes.data(), static_cast<int>(bytes.size()),
                                 SQLITE_STATIC);
          break;
        }
        default:
          return Status::Internal("row writer: column " + columns_[index - 1].name + " of type " +
                                  values.type.ToString() + " has no SQLite binding");
      }
    }
    if (rc != SQLITE_OK) {
      return SqliteError(db_, rc, "binding column " + columns_[index - 1].name);
    }
    return Status::OK();
  }

  // NaN has no SQLite representation (it reads back as NULL): keep it visible as text.
  static int BindReal(sqlite3_stmt* stmt, int index, double v) {
    if (std::isnan(v)) return sqlite3_bind_text(stmt, index, "NaN", 3, SQLITE_STATIC);
    return sqlite3_bind_double(stmt, index, v);
  }

  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6, 1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

  sqlite3* db_;
  Statement insert_;
  std::vector<Column> columns_;
  std::vector<std::string> texts_;
  int64_t rows_ = 0;
};

class SqliteSession : public Session {
 public:
  SqliteSession(sqlite3* db, std::string folder) : db_(db), folder_(std::move(folder)) {}
  ~SqliteSession() override {
    if (in_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }

  std::string_view engine() const override { return "sqlite"; }

  Status Execute(std::string_view sql) override {
    std::string text(sql);
    char* error = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errstr(rc);
      sqlite3_free(error);
      Status status = SqliteError(nullptr, rc, "SQL error");
      return Status(status.code(), "SQL error: " + message);
    }
    return Status::OK();
  }

  Result<QueryResult> Query(std::string_view sql, const std::vector<Value>& params) override {
    SLUICE_ASSIGN_OR_RETURN(Statement stmt, PrepareWithParams(sql, params));
    QueryResult result;
    int n = sqlite3_column_count(stmt.get());
    for (int i = 0; i < n; ++i) result.columns.emplace_back(sqlite3_column_name(stmt.get(), i));
    while (true) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, "SQL error");
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) row.push_back(ColumnValue(stmt.get(), i));
      result.rows.push_back(std::move(row));
    }
    return result;
  }

  Result<int64_t> ExecuteCount(std::string_view sql, const std::vector<Value>& params) override {
    SLUICE_ASSIGN_OR_RETURN(Statement stmt, PrepareWithParams(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "SQL error");
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Status Begin() override {
    if (in_transaction_) return Status::Internal("a transaction is already open");
    SLUICE_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
    in_transaction_ = true;
    return Status::OK();
  }

  Status Commit() override {
    if (!in_transaction_) return Status::Internal("commit without a transaction");
    Status status = Execute("COMMIT");
    if (!status.ok()) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    in_transaction_ = false;
    return status;
  }

  Status Rollback() override {
    if (!in_transaction_) return Status::OK();
    in_transaction_ = false;
    return Execute("ROLLBACK");
  }

  bool in_transaction() const override { return in_transaction_; }

  Status LockTable(const TableName&) override {
    if (!in_transaction_) return Status::Internal("LockTable outside a transaction");
    return Status::OK();  // BEGIN IMMEDIATE holds the only write lock
  }

  Result<std::vector<TableInfo>> ListTables(bool include_internal) override {
    std::vector<TableInfo> tables;
    for (std::string_view layer : kLayers) {
      SLUICE_ASSIGN_OR_RETURN(
          QueryResult names,
          Query("SELECT name, type FROM " + QuoteIdentifier(layer) +
                    ".sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
                    "ORDER BY name",
                {}));
      for (const auto& row : names.rows) {
        const std::string& name = row[0].text;
        if (!include_internal && name.starts_with("_sluice")) continue;
        SLUICE_ASSIGN_OR_RETURN(auto info, DescribeTable(TableName{std::string(layer), name}));
        if (info) {
          info->is_view = row[1].text == "view";
          tables.push_back(std::move(*info));
        }
      }
    }
    return tables;
  }

  Result<std::optional<TableInfo>> DescribeTable(const TableName& table) override {
    SLUICE_ASSIGN_OR_RETURN(
        QueryResult kind,
        Query("SELECT type FROM " + QuoteIdentifier(table.schema) +
                  ".sqlite_schema WHERE name = $1 AND type IN ('table', 'view')",
              {Value::Text(table.name)}));
    if (kind.rows.empty()) return std::optional<TableInfo>();
    SLUICE_ASSIGN_OR_RETURN(QueryResult columns,
                            Query("SELECT name, type FROM " + QuoteIdentifier(table.schema) +
                                      ".pragma_table_info($1) ORDER BY cid",
                                  {Value::Text(table.name)}));
    TableInfo info;
    info.name = table;
    info.is_view = kind.rows[0][0].text == "view";
    for (const auto& row : columns.rows) info.columns.push_back({row[0].text, row[1].text});
    return std::optional<TableInfo>(std::move(info));
  }

  Result<std::string> ColumnTypeSql(const parquet::DataType& type) const override {
    switch (type.kind) {
      case TypeKind::kBoolean:
        return std::string("BOOLEAN");
      case TypeKind::kInt8:
        return std::string("TINYINT");
      case TypeKind::kInt16:
        return std::string("SMALLINT");
      case TypeKind::kInt32:
        return std::string("INTEGER");
      case TypeKind::kInt64:
        return std::string("BIGINT");
      case TypeKind::kFloat:
        return std::string("REAL");
      case TypeKind::kDouble:
        return std::string("DOUBLE");
      case TypeKind::kDecimal:
        if (type.precision > kMaxNumericPrecision) return std::string("TEXT");
        return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
      case TypeKind::kString:
      case TypeKind::kJson:
        return std::string("TEXT");
      case TypeKind::kDate:
        return std::string("DATE");
      case TypeKind::kTimestamp:
        return std::string("TIMESTAMP");
      default:
        return Status::InvalidArgument("type " + type.ToString() +
                                       " has no warehouse column type (expected bool, int8–int64, "
                                       "float, double, decimal, string, date, timestamp or json)");
    }
  }

  std::string CreateIndexSql(const TableName& table, std::string_view index_name,
                             const std::vector<std::string>& columns, bool unique) const override {
    std::string sql = unique ? "CREATE UNIQUE INDEX IF NOT EXISTS " : "CREATE INDEX IF NOT EXISTS ";
    sql += QuoteIdentifier(table.schema) + "." + QuoteIdentifier(index_name) + " ON " +
           QuoteIdentifier(table.name) + " (";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += QuoteIdentifier(columns[i]);
    }
    return sql + ")";
  }

  std::string AlterColumnTypeSql(const TableName&, std::string_view,
                                 std::string_view) const override {
    return "";
  }

  Result<std::unique_ptr<RowWriter>> OpenRowWriter(const TableName& table,
                                                   const std::vector<Column>& columns) override {
    std::string sql = "INSERT INTO " + table.Sql() + " (";
    std::string values;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) {
        sql += ", ";
        values += ", ";
      }
      sql += QuoteIdentifier(columns[i].name);
      values += "?" + std::to_string(i + 1);
    }
    sql += ") VALUES (" + values + ")";
    SLUICE_ASSIGN_OR_RETURN(Statement insert, Prepare(db_, sql));
    return std::unique_ptr<RowWriter>(new SqliteRowWriter(db_, std::move(insert), columns));
  }

 private:
  Result<Statement> PrepareWithParams(std::string_view sql, const std::vector<Value>& params) {
    SLUICE_ASSIGN_OR_RETURN(Statement stmt, Prepare(db_, sql));
    for (size_t i = 0; i < params.size(); ++i) {
      std::string name = "$" + std::to_string(i + 1);
      int index = sqlite3_bind_parameter_index(stmt.get(), name.c_str());
      if (index == 0) continue;  // the statement does not use this parameter
      SLUICE_RETURN_IF_ERROR(BindValue(db_, stmt.get(), index, params[i]));
    }
    return stmt;
  }

  sqlite3* db_;
  std::string folder_;
  bool in_transaction_ = false;
};

// Runs a PRAGMA that needs an exclusive lock (switching a new file to WAL), waiting while
// other connections opening the same files at once hold it: SQLite answers those with
// SQLITE_BUSY at once instead of through the busy handler.
Status ExecWaiting(sqlite3* db, const std::string& sql) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  while (true) {
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    if (rc == SQLITE_OK) return Status::OK();
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) {
      return SqliteError(nullptr, rc, sql + ": " + message);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

class SqliteWarehouse : public Warehouse {
 public:
  explicit SqliteWarehouse(std::string folder) : folder_(std::move(folder)) {}

  std::string url() const override { return "sqlite://" + folder_; }

  Result<std::unique_ptr<Session>> Connect() override {
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(folder_));
    sqlite3* db = nullptr;
    std::string main_path = folder_ + "/warehouse.db";
    int rc = sqlite3_open_v2(main_path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      Status error = SqliteError(db, rc, "warehouse " + url() + ": cannot open " + main_path);
      sqlite3_close_v2(db);
      return Status::Unavailable(error.message());
    }
    auto session = std::make_unique<SqliteSession>(db, folder_);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    SLUICE_RETURN_IF_ERROR(ExecWaiting(db, "PRAGMA journal_mode=WAL"));
    for (std::string_view layer : kLayers) {
      std::string file = folder_ + "/" + std::string(layer) + ".db";
      SLUICE_RETURN_IF_ERROR(session->Execute("ATTACH DATABASE " + QuoteLiteral(file) + " AS " +
                                              QuoteIdentifier(layer)));
      SLUICE_RETURN_IF_ERROR(
          ExecWaiting(db, "PRAGMA " + QuoteIdentifier(layer) + ".journal_mode=WAL"));
      // FULL: a committed load survives a power cut, as the catalog's records of it do.
      SLUICE_RETURN_IF_ERROR(
          session->Execute("PRAGMA " + QuoteIdentifier(layer) + ".synchronous=FULL"));
      // A load into an indexed table touches index pages all over; with the default 2 MiB cache
      // they would be spilled to the WAL and read back, over and over.
      SLUICE_RETURN_IF_ERROR(
          session->Execute("PRAGMA " + QuoteIdentifier(layer) + ".cache_size=-32768"));
    }
    return std::unique_ptr<Session>(std::move(session));
  }

 private:
  std::string folder_;
};

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenSqliteWarehouse(const std::string& folder) {
  return std::unique_ptr<Warehouse>(new SqliteWarehouse(folder));
}

}  // namespace sluice::warehouse
