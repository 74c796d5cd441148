#include "sluice/warehouse/sqlite_warehouse.h"

#include <sqlite3.h>

#include <atomic>
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

// The page size of new database files (existing files keep theirs: a WAL file's page size is
// fixed). Loads write every page twice (to the WAL, then by the checkpoint), one system call
// or two per page each time; 64 KiB pages instead of SQLite's default 4 KiB made the
// warehouse benchmark's 1M-row load ~25% faster (bench/RESULTS.md), at the cost of small
// changes writing whole 64 KiB pages to the WAL.
constexpr int kPageSize = 64 * 1024;

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

// Appends rows with one `INSERT INTO t (…) SELECT … FROM <batch>` per batch, where <batch>
// is an eponymous virtual table (a module registered for this writer alone) whose rows are
// the batch's: SQLite pulls each value straight from the decoded columns in its natural
// type, instead of a bind of every value and a step and reset of a prepared INSERT per row.
class SqliteRowWriter : public RowWriter {
 public:
  // Registers the writer's module and prepares its INSERT into `table`.
  static Result<std::unique_ptr<RowWriter>> Open(sqlite3* db, const TableName& table,
                                                 std::vector<Column> columns) {
    static std::atomic<uint64_t> writers{0};
    std::string module = "_sluice_rows_" + std::to_string(++writers);
    auto writer = std::unique_ptr<SqliteRowWriter>(
        new SqliteRowWriter(db, module, std::move(columns)));
    int rc = sqlite3_create_module_v2(db, module.c_str(), &kModule, writer.get(), nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "registering the row writer's table");
    writer->registered_ = true;
    std::string names;
    std::string values;
    for (size_t i = 0; i < writer->columns_.size(); ++i) {
      names += (i > 0 ? ", " : "") + QuoteIdentifier(writer->columns_[i].name);
      values += (i > 0 ? ", c" : "c") + std::to_string(i);
    }
    SLUICE_ASSIGN_OR_RETURN(writer->insert_,
                            Prepare(db, "INSERT INTO " + table.Sql() + " (" + names + ") SELECT " +
                                            values + " FROM " + QuoteIdentifier(module)));
    return std::unique_ptr<RowWriter>(std::move(writer));
  }

  ~SqliteRowWriter() override {
    insert_ = Statement();  // finalized before its table goes away
    if (registered_) sqlite3_create_module_v2(db_, module_.c_str(), nullptr, nullptr, nullptr);
  }

  Status Append(const std::vector<Input>& inputs, int64_t rows) override {
    if (inputs.size() != columns_.size()) {
      return Status::Internal("row writer: " + std::to_string(inputs.size()) + " inputs for " +
                              std::to_string(columns_.size()) + " columns");
    }
    inputs_ = &inputs;
    batch_rows_ = rows;
    row_ = 0;
    error_ = Status::OK();
    texts_.resize(inputs.size());
    int rc = sqlite3_step(insert_.get());
    const int64_t failed_row = row_;
    sqlite3_reset(insert_.get());
    inputs_ = nullptr;
    if (!error_.ok()) return error_;
    if (rc != SQLITE_DONE) {
      return SqliteError(db_, rc, "inserting row " + std::to_string(rows_ + failed_row + 1));
    }
    rows_ += rows;
    return Status::OK();
  }

  Result<int64_t> Finish() override { return rows_; }

 private:
  SqliteRowWriter(sqlite3* db, std::string module, std::vector<Column> columns)
      : db_(db), module_(std::move(module)), columns_(std::move(columns)) {}

  // The virtual table: its columns c0, c1, … are the writer's; its rows the current batch's.
  struct BatchTable : sqlite3_vtab {
    SqliteRowWriter* writer = nullptr;
  };
  struct BatchCursor : sqlite3_vtab_cursor {
    int64_t row = 0;
  };

  static int Connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
    auto* writer = static_cast<SqliteRowWriter*>(aux);
    std::string ddl = "CREATE TABLE x(";
    for (size_t i = 0; i < writer->columns_.size(); ++i) {
      ddl += (i > 0 ? ", c" : "c") + std::to_string(i);
    }
    int rc = sqlite3_declare_vtab(db, (ddl + ")").c_str());
    if (rc != SQLITE_OK) return rc;
    auto* table = new BatchTable();
    table->writer = writer;
    *out = table;
    return SQLITE_OK;
  }
  static int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
    info->estimatedCost = 1e6;
    return SQLITE_OK;
  }
  static int Disconnect(sqlite3_vtab* table) {
    delete static_cast<BatchTable*>(table);
    return SQLITE_OK;
  }
  static int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
    *out = new BatchCursor();
    return SQLITE_OK;
  }
  static int Close(sqlite3_vtab_cursor* cursor) {
    delete static_cast<BatchCursor*>(cursor);
    return SQLITE_OK;
  }
  static int Filter(sqlite3_vtab_cursor* cursor, int, const char*, int, sqlite3_value**) {
    static_cast<BatchCursor*>(cursor)->row = 0;
    return SQLITE_OK;
  }
  static SqliteRowWriter& WriterOf(sqlite3_vtab_cursor* cursor) {
    return *static_cast<BatchTable*>(cursor->pVtab)->writer;
  }
  static int Next(sqlite3_vtab_cursor* cursor) {
    int64_t row = ++static_cast<BatchCursor*>(cursor)->row;
    WriterOf(cursor).row_ = row;
    return SQLITE_OK;
  }
  static int Eof(sqlite3_vtab_cursor* cursor) {
    const SqliteRowWriter& writer = WriterOf(cursor);
    return writer.inputs_ == nullptr || static_cast<BatchCursor*>(cursor)->row >= writer.batch_rows_;
  }
  static int ColumnOf(sqlite3_vtab_cursor* cursor, sqlite3_context* context, int column) {
    return WriterOf(cursor).SetResult(context, column, static_cast<BatchCursor*>(cursor)->row);
  }
  static int Rowid(sqlite3_vtab_cursor* cursor, sqlite3_int64* rowid) {
    *rowid = static_cast<BatchCursor*>(cursor)->row;
    return SQLITE_OK;
  }

  // An eponymous-only module (no xCreate): `FROM <module>` needs no CREATE VIRTUAL TABLE.
  static constexpr sqlite3_module kModule = {
      /*iVersion=*/0,     /*xCreate=*/nullptr, Connect,        BestIndex, Disconnect,
      /*xDestroy=*/nullptr, Open,               Close,          Filter,    Next,
      Eof,                ColumnOf,            Rowid,          nullptr,   nullptr,
      nullptr,            nullptr,             nullptr,        nullptr,   nullptr,
      nullptr,            nullptr,             nullptr,        nullptr};

  // Sets the result of the current batch's `column` at `row` in its natural SQLite type.
  int SetResult(sqlite3_context* context, int column, int64_t row) {
    const Input& input = (*inputs_)[static_cast<size_t>(column)];
    const ColumnVector& values = *input.values;
    const int64_t i = input.constant ? 0 : row;
    const size_t k = static_cast<size_t>(i);
    // Texts made here live in the column's buffer until the next row's value of it, after
    // SQLite has made the row's record.
    std::string* text = &texts_[static_cast<size_t>(column)];
    if (values.IsNull(i)) {
      sqlite3_result_null(context);
      return SQLITE_OK;
    }
    switch (values.type.kind) {
      case TypeKind::kBoolean:
        sqlite3_result_int(context, values.bools[k] ? 1 : 0);
        break;
      case TypeKind::kInt8:
      case TypeKind::kInt16:
      case TypeKind::kInt32:
        sqlite3_result_int(context, values.ints32[k]);
        break;
      case TypeKind::kInt64:
        sqlite3_result_int64(context, values.ints64[k]);
        break;
      case TypeKind::kFloat:
        ResultReal(context, values.floats[k]);
        break;
      case TypeKind::kDouble:
        ResultReal(context, values.doubles[k]);
        break;
      case TypeKind::kDecimal: {
        __int128 unscaled = parquet::DecimalAt(values, i);
        if (values.type.precision <= kMaxNumericPrecision) {
          // Both operands are exact doubles (|unscaled| < 10^15, 10^scale ≤ 10^15), so the
          // quotient is the double nearest the decimal — what parsing its text would give.
          sqlite3_result_double(context, static_cast<double>(static_cast<int64_t>(unscaled)) /
                                             kPowersOfTen[values.type.scale]);
        } else {
          text->clear();
          parquet::AppendDecimalText(unscaled, values.type.scale, text);
          sqlite3_result_text(context, text->data(), static_cast<int>(text->size()), SQLITE_STATIC);
        }
        break;
      }
      case TypeKind::kDate:
        text->clear();
        parquet::AppendDateText(values.ints32[k], text);
        sqlite3_result_text(context, text->data(), static_cast<int>(text->size()), SQLITE_STATIC);
        break;
      case TypeKind::kTimestamp:
        text->clear();
        parquet::AppendTimestampText(values.ints64[k], values.type.unit, text);
        sqlite3_result_text(context, text->data(), static_cast<int>(text->size()), SQLITE_STATIC);
        break;
      case TypeKind::kString:
      case TypeKind::kJson: {
        std::string_view bytes = values.BytesAt(i);
        sqlite3_result_text(context, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
        break;
      }
      default:
        error_ = Status::Internal("row writer: column " + columns_[static_cast<size_t>(column)].name +
                                  " of type " + values.type.ToString() + " has no SQLite binding");
        sqlite3_result_error(context, "unsupported type", -1);
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
  }

  // NaN has no SQLite representation (it reads back as NULL): keep it visible as text.
  static void ResultReal(sqlite3_context* context, double v) {
    if (std::isnan(v)) {
      sqlite3_result_text(context, "NaN", 3, SQLITE_STATIC);
    } else {
      sqlite3_result_double(context, v);
    }
  }

  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6, 1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

  sqlite3* db_;
  std::string module_;
  std::vector<Column> columns_;
  bool registered_ = false;
  Statement insert_;
  // The batch Append is inserting (null outside Append), its length and current row.
  const std::vector<Input>* inputs_ = nullptr;
  int64_t batch_rows_ = 0;
  int64_t row_ = 0;
  Status error_;
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
    return SqliteRowWriter::Open(db_, table, columns);
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
    const std::string page_size = std::to_string(kPageSize);
    // Takes effect only on a file not written yet (before it switches to WAL).
    SLUICE_RETURN_IF_ERROR(session->Execute("PRAGMA page_size=" + page_size));
    SLUICE_RETURN_IF_ERROR(ExecWaiting(db, "PRAGMA journal_mode=WAL"));
    for (std::string_view layer : kLayers) {
      std::string file = folder_ + "/" + std::string(layer) + ".db";
      SLUICE_RETURN_IF_ERROR(session->Execute("ATTACH DATABASE " + QuoteLiteral(file) + " AS " +
                                              QuoteIdentifier(layer)));
      SLUICE_RETURN_IF_ERROR(
          session->Execute("PRAGMA " + QuoteIdentifier(layer) + ".page_size=" + page_size));
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
