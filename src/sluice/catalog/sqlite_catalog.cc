#include "sluice/catalog/sqlite_catalog.h"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "sluice/catalog/migrations.h"
#include "sluice/common/time.h"

namespace sluice::catalog {
namespace {

// Rewrites PostgreSQL-style `$N` parameters to SQLite's `?N`, leaving string literals and
// quoted identifiers untouched.
std::string RewriteParameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      c = '?';
    }
    out.push_back(c);
  }
  return out;
}

class SqliteDb {
 public:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDb() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Status Error(int rc, std::string_view what) const {
    std::string msg = "catalog " + path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(msg);
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) return Status::Corruption(msg);
    if (rc == SQLITE_CONSTRAINT) {
      return Status(StatusCode::kAlreadyExists, "ConstraintViolation", msg);
    }
    if (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN) return Status::IOError(msg);
    return Status::Internal(msg);
  }

  Status Exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return Error(rc, std::string(sql.substr(0, 60)));
    return Status::OK();
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    std::string rewritten = RewriteParameters(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "prepare '" + std::string(sql) + "'");
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  // Runs `sql`, collecting rows into `rows` when non-null; returns changes.
  Result<int64_t> Run(std::string_view sql, const std::vector<SqlValue>& params,
                      std::vector<Row>* rows) {
    SLUICE_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, idx, *d);
      } else {
        const std::string& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(stmt, idx, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return Error(rc, "bind parameter $" + std::to_string(idx));
    }
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Status st = Error(rc, "'" + std::string(sql) + "'");
        sqlite3_reset(stmt);
        return st;
      }
      if (!rows) continue;
      int n = sqlite3_column_count(stmt);
      std::vector<SqlValue> values;
      values.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL: values.emplace_back(std::monostate{}); break;
          case SQLITE_INTEGER: values.emplace_back(int64_t{sqlite3_column_int64(stmt, c)}); break;
          case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(stmt, c)); break;
          default: {
            const unsigned char* t = sqlite3_column_text(stmt, c);
            int len = sqlite3_column_bytes(stmt, c);
            values.emplace_back(std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(len)));
          }
        }
      }
      rows->emplace_back(std::move(values));
    }
    int64_t changes = sqlite3_changes64(db_);
    sqlite3_reset(stmt);
    return changes;
  }

  const std::string& path() const { return path_; }

 private:
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteDb* db, std::unique_lock<std::mutex> lock)
      : db_(db), lock_(std::move(lock)) {}
  ~SqliteTransaction() override {
    if (open_) (void)db_->Exec("ROLLBACK");
  }

  Result<int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    SLUICE_DCHECK(open_);
    return db_->Run(sql, params, nullptr);
  }

  Result<std::vector<Row>> Query(std::string_view sql,
                                 const std::vector<SqlValue>& params) override {
    SLUICE_DCHECK(open_);
    std::vector<Row> rows;
    SLUICE_RETURN_IF_ERROR(db_->Run(sql, params, &rows));
    return rows;
  }

  Status Commit() override {
    SLUICE_DCHECK(open_);
    Status st = db_->Exec("COMMIT");
    if (!st.ok()) return st;  // still open: the destructor rolls back
    open_ = false;
    lock_.unlock();
    return Status::OK();
  }

 private:
  SqliteDb* db_;
  std::unique_lock<std::mutex> lock_;
  bool open_ = true;
};

class SqliteCatalog final : public Catalog {
 public:
  explicit SqliteCatalog(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    std::unique_lock<std::mutex> lock(mu_);
    SLUICE_RETURN_IF_ERROR(db_->Exec(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
    return std::unique_ptr<Transaction>(new SqliteTransaction(db_.get(), std::move(lock)));
  }

  int schema_version() const override { return schema_version_; }
  std::string url() const override { return "sqlite://" + db_->path(); }

  Status Migrate() {
    SLUICE_RETURN_IF_ERROR(db_->Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    SLUICE_ASSIGN_OR_RETURN(auto tx, Begin(TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    int current = static_cast<int>(row->Int(0));
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      Status st = db_->Exec(m.sqlite_sql);
      if (!st.ok()) {
        return st.WithContext("migration " + std::to_string(m.version) + " (" +
                              std::string(m.name) + ")");
      }
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
          {int64_t{m.version}, std::string(m.name),
           common::FormatIso8601Millis(common::SystemClock::Default()->Now())}));
      current = m.version;
    }
    SLUICE_RETURN_IF_ERROR(tx->Commit());
    schema_version_ = current;
    return Status::OK();
  }

 private:
  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
  int schema_version_ = 0;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path,
                                                   const SqliteOptions& options) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return Status::IOError("catalog " + path + ": cannot open: " + msg);
  }
  auto db = std::make_unique<SqliteDb>(raw, path);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // Switching a new database to WAL needs an exclusive lock. When several processes open it
  // at once, SQLite answers SQLITE_BUSY immediately (deadlock avoidance: each holds a shared
  // lock) instead of waiting in the busy handler, so wait here.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
  while (true) {
    Status wal = db->Exec("PRAGMA journal_mode=WAL");
    if (wal.ok()) break;
    if (wal.code() != StatusCode::kUnavailable || std::chrono::steady_clock::now() > deadline) {
      return wal;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  SLUICE_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  auto catalog = std::make_unique<SqliteCatalog>(std::move(db));
  SLUICE_RETURN_IF_ERROR(catalog->Migrate());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace sluice::catalog
