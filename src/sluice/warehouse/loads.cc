#include "sluice/warehouse/loads.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "sluice/common/hash.h"
#include "sluice/common/json.h"
#include "sluice/common/time.h"
#include "sluice/parquet/column_type.h"
#include "sluice/parquet/file_reader.h"
#include "sluice/parquet/value_text.h"

namespace sluice::warehouse {
namespace {

namespace json = boost::json;
using parquet::ColumnVector;
using parquet::DataType;
using parquet::Storage;
using parquet::StorageOf;
using parquet::TypeKind;

constexpr std::string_view kLoadIdColumn = "_sluice_load_id";
constexpr std::string_view kSourceColumn = "_sluice_source";

// What `<layer>._sluice_tables` records about a loaded table.
struct TableMeta {
  std::vector<Column> columns;
  int64_t schema_version = 0;
  std::vector<std::string> primary_key;
  std::vector<std::string> partition_columns;
};

std::string TablesLog(std::string_view layer) { return QuoteIdentifier(layer) + "._sluice_tables"; }

std::string JsonNames(const std::vector<std::string>& names) {
  json::array out;
  for (const auto& n : names) out.emplace_back(json::string(n));
  return common::SerializeJson(out);
}

std::vector<std::string> NamesFromJson(const json::value& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& n : v.as_array()) {
      if (n.is_string()) out.emplace_back(n.as_string());
    }
  }
  return out;
}

// Bookkeeping tables are created in their own short transaction, retried: on PostgreSQL two
// first loads into one layer may race on CREATE TABLE IF NOT EXISTS.
Status EnsureBookkeeping(Session& session, std::string_view layer) {
  Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    status = session.Begin();
    if (status.ok()) status = EnsureLoadLog(session, layer);
    if (status.ok()) {
      status = session.Execute("CREATE TABLE IF NOT EXISTS " + TablesLog(layer) +
                               " (table_name TEXT PRIMARY KEY, columns TEXT NOT NULL, "
                               "schema_version BIGINT NOT NULL, primary_key TEXT NOT NULL, "
                               "partition_columns TEXT NOT NULL, updated_at TEXT NOT NULL)");
    }
    if (status.ok()) status = session.Commit();
    if (status.ok()) return status;
    (void)session.Rollback();
  }
  return status;
}

Result<std::optional<TableMeta>> ReadMeta(Session& session, const TableName& table) {
  SLUICE_ASSIGN_OR_RETURN(
      QueryResult r,
      session.Query("SELECT columns, schema_version, primary_key, partition_columns FROM " +
                        TablesLog(table.schema) + " WHERE table_name = $1",
                    {Value::Text(table.name)}));
  if (r.rows.empty()) return std::optional<TableMeta>();
  TableMeta meta;
  std::string where = table.schema + "._sluice_tables[" + table.name + "]";
  SLUICE_ASSIGN_OR_RETURN(json::value columns, common::ParseJson(r.rows[0][0].text, where));
  if (!columns.is_array()) return Status::Corruption(where + ": columns is not an array");
  for (const auto& c : columns.as_array()) {
    if (!c.is_object() || !c.as_object().contains("name") || !c.as_object().contains("type")) {
      return Status::Corruption(where + ": a column without name and type");
    }
    SLUICE_ASSIGN_OR_RETURN(DataType type,
                            parquet::ParseColumnType(c.at("type").as_string().c_str()));
    meta.columns.push_back({std::string(c.at("name").as_string()), type});
  }
  const Value& version = r.rows[0][1];
  meta.schema_version =
      version.kind == Value::Kind::kInteger ? version.integer : std::stoll(version.ToString());
  SLUICE_ASSIGN_OR_RETURN(json::value pk, common::ParseJson(r.rows[0][2].text, where));
  SLUICE_ASSIGN_OR_RETURN(json::value parts, common::ParseJson(r.rows[0][3].text, where));
  meta.primary_key = NamesFromJson(pk);
  meta.partition_columns = NamesFromJson(parts);
  return std::optional<TableMeta>(std::move(meta));
}

Status WriteMeta(Session& session, const TableName& table, const TableMeta& meta) {
  json::array columns;
  for (const auto& c : meta.columns) {
    columns.push_back(json::object{{"name", c.name}, {"type", parquet::ColumnTypeName(c.type)}});
  }
  SLUICE_RETURN_IF_ERROR(session
                             .ExecuteCount("DELETE FROM " + TablesLog(table.schema) +
                                               " WHERE table_name = $1",
                                           {Value::Text(table.name)})
                             .status());
  return session
      .ExecuteCount("INSERT INTO " + TablesLog(table.schema) +
                        " (table_name, columns, schema_version, primary_key, partition_columns, "
                        "updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    {Value::Text(table.name), Value::Text(common::SerializeJson(columns)),
                     Value::Integer(meta.schema_version), Value::Text(JsonNames(meta.primary_key)),
                     Value::Text(JsonNames(meta.partition_columns)),
                     Value::Text(common::FormatIso8601Millis(common::SystemClock::Default()->Now()))})
      .status();
}

// An index name unique in the schema and within PostgreSQL's 63 bytes.
std::string IndexName(const TableName& table, std::string_view suffix) {
  std::string name = table.name + "__" + std::string(suffix);
  if (name.size() <= 63) return name;
  return table.name.substr(0, 40) + "_" + common::Sha256Hex(table.name).substr(0, 8) + "__" +
         std::string(suffix);
}

std::string ColumnList(const std::vector<std::string>& names, std::string_view prefix = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::string(prefix) + QuoteIdentifier(names[i]);
  }
  return out;
}

int IntRank(TypeKind kind) {
  switch (kind) {
    case TypeKind::kInt8:
      return 1;
    case TypeKind::kInt16:
      return 2;
    case TypeKind::kInt32:
      return 3;
    case TypeKind::kInt64:
      return 4;
    default:
      return 0;
  }
}

// Whether every value of `from` is a value of `to` (the widenings schema evolution allows).
bool IsWidening(const DataType& from, const DataType& to) {
  if (from == to) return true;
  int a = IntRank(from.kind);
  int b = IntRank(to.kind);
  if (a > 0 && b > 0) return a <= b;
  if (to.kind == TypeKind::kDouble) return a > 0 || from.kind == TypeKind::kFloat;
  if (from.kind == TypeKind::kDecimal && to.kind == TypeKind::kDecimal) {
    return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
  }
  return false;
}

__int128 PowerOfTen(int n) {
  __int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

void AppendDecimal(__int128 unscaled, ColumnVector* out) {
  if (out->type.precision <= 18) {
    out->ints64.push_back(static_cast<int64_t>(unscaled));
  } else {
    char be[16];
    auto u = static_cast<unsigned __int128>(unscaled);
    for (int i = 15; i >= 0; --i) {
      be[i] = static_cast<char>(static_cast<uint8_t>(u & 0xff));
      u >>= 8;
    }
    out->bytes.append(be, 16);  // wide decimals: fixed 16-byte values, no offsets
  }
}

// `src` converted to the wider type `to` (IsWidening(src.type, to)).
ColumnVector Widen(const ColumnVector& src, const DataType& to) {
  ColumnVector out = ColumnVector::Make(to);
  out.length = src.length;
  out.validity = src.validity;
  const size_t n = static_cast<size_t>(src.length);
  Storage from_storage = StorageOf(src.type);
  Storage to_storage = StorageOf(to);
  if (to.kind == TypeKind::kDecimal) {
    __int128 factor = PowerOfTen(to.scale - src.type.scale);
    for (size_t i = 0; i < n; ++i) {
      AppendDecimal(parquet::DecimalAt(src, static_cast<int64_t>(i)) * factor, &out);
    }
    return out;
  }
  if (to_storage == from_storage) {
    out.ints32 = src.ints32;
    out.ints64 = src.ints64;
    out.floats = src.floats;
    out.doubles = src.doubles;
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    double d = 0;
    int64_t v = 0;
    switch (from_storage) {
      case Storage::kInts32:
        v = src.ints32[i];
        d = static_cast<double>(v);
        break;
      case Storage::kInts64:
        v = src.ints64[i];
        d = static_cast<double>(v);
        break;
      case Storage::kFloats:
        d = src.floats[i];
        break;
      default:
        break;
    }
    if (to_storage == Storage::kInts64) {
      out.ints64.push_back(v);
    } else {
      out.doubles.push_back(d);
    }
  }
  return out;
}

ColumnVector NullConstant(const DataType& type) {
  ColumnVector c = ColumnVector::Make(type);
  c.AppendNull();
  return c;
}

ColumnVector TextConstant(std::string_view text) {
  ColumnVector c = ColumnVector::Make(DataType::Of(TypeKind::kString));
  c.AppendBytes(text);
  return c;
}

// SQLite keeps a column's declared type; only a change of how values are stored (a decimal
// growing past 15 digits moves from NUMERIC to exact TEXT) needs the table rebuilt.
bool NeedsRebuild(Session& session, const DataType& from, const DataType& to) {
  auto a = session.ColumnTypeSql(from);
  auto b = session.ColumnTypeSql(to);
  return a.ok() && b.ok() && (*a == "TEXT") != (*b == "TEXT");
}

// One decoded row group of the load's files[file], or the error that ended reading.
struct FileBatch {
  size_t file = 0;
  parquet::RecordBatch batch;
  Status status;
};

// A bounded hand-over from the reader thread to the inserting one: two row groups in
// flight keep both busy without holding the whole load in memory.
class BatchQueue {
 public:
  // False when the consumer closed the queue (the item is dropped).
  bool Push(FileBatch item) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return items_.size() < kCapacity || closed_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    changed_.notify_all();
    return true;
  }
  // The next item; nullopt once the producer finished and everything was taken.
  std::optional<FileBatch> Pop() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !items_.empty() || finished_ || closed_; });
    if (items_.empty()) return std::nullopt;
    FileBatch item = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return item;
  }
  void Finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    changed_.notify_all();
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    items_.clear();
    changed_.notify_all();
  }

 private:
  static constexpr size_t kCapacity = 2;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<FileBatch> items_;
  bool finished_ = false;
  bool closed_ = false;
};

class Loader {
 public:
  Loader(Session& session, const LoadRequest& request)
      : s_(session), r_(request), files_(&request.files) {}

  Result<LoadResult> Run() {
    SLUICE_RETURN_IF_ERROR(Validate());
    SLUICE_RETURN_IF_ERROR(EnsureBookkeeping(s_, r_.table.schema));
    SLUICE_RETURN_IF_ERROR(s_.Begin());
    Result<LoadResult> result = RunInTransaction();
    if (!result.ok()) {
      (void)s_.Rollback();
      return result.status();
    }
    SLUICE_RETURN_IF_ERROR(s_.Commit());
    return result;
  }

 private:
  Status Validate() const {
    std::set<std::string> names;
    for (const auto& c : r_.columns) {
      if (c.name.starts_with("_sluice")) {
        return Status::InvalidArgument("load into " + r_.table.ToString() + ": column " + c.name +
                                       ": names beginning with _sluice are reserved");
      }
      SLUICE_RETURN_IF_ERROR(s_.ColumnTypeSql(c.type).status());
      names.insert(c.name);
    }
    auto require = [&](const std::vector<std::string>& cols, std::string_view what) -> Status {
      for (const auto& c : cols) {
        if (!names.count(c)) {
          return Status::InvalidArgument("load into " + r_.table.ToString() + ": " +
                                         std::string(what) + " column " + c +
                                         " is not in the dataset schema");
        }
      }
      return Status::OK();
    };
    SLUICE_RETURN_IF_ERROR(require(r_.partition_columns, "partition"));
    SLUICE_RETURN_IF_ERROR(require(r_.primary_key, "primary key"));
    if (!r_.order_by.empty()) SLUICE_RETURN_IF_ERROR(require({r_.order_by}, "order_by"));
    if (r_.mode == LoadMode::kMerge && r_.primary_key.empty()) {
      return Status::InvalidArgument("load into " + r_.table.ToString() +
                                     ": mode merge needs a primary key (the job's dedupe.key)");
    }
    if (r_.load_id.empty() || r_.source.empty()) {
      return Status::InvalidArgument("load into " + r_.table.ToString() +
                                     ": a load needs a load id and a source");
    }
    return Status::OK();
  }

  Result<LoadResult> RunInTransaction() {
    SLUICE_RETURN_IF_ERROR(s_.LockTable(r_.table));
    SLUICE_ASSIGN_OR_RETURN(load_seq_, NextLoadSeq(s_, r_.table));
    if (r_.list_files) {
      SLUICE_ASSIGN_OR_RETURN(listed_, r_.list_files());
      files_ = &listed_;
    }
    LoadResult result;
    result.files = static_cast<int64_t>(files_->size());
    SLUICE_ASSIGN_OR_RETURN(std::optional<TableMeta> meta, ReadMeta(s_, r_.table));
    SLUICE_ASSIGN_OR_RETURN(auto existing, s_.DescribeTable(r_.table));
    if (!meta && existing) {
      return Status::InvalidArgument("load into " + r_.table.ToString() +
                                     ": a table of that name exists that sluice did not create; "
                                     "drop or rename it");
    }
    TableMeta next;
    if (!meta) {
      SLUICE_RETURN_IF_ERROR(CreateTable());
      result.table_created = true;
      next.columns = r_.columns;
    } else {
      SLUICE_ASSIGN_OR_RETURN(next.columns, Evolve(*meta, &result.schema_changes));
    }
    next.schema_version = r_.schema_version;
    next.partition_columns = r_.partition_columns;
    next.primary_key = r_.mode == LoadMode::kMerge ? r_.primary_key
                                                   : (meta ? meta->primary_key : r_.primary_key);
    // Indexing a new table after its first rows are in is much cheaper than maintaining the
    // indexes row by row; merge needs its unique key before the upsert.
    const bool index_after = result.table_created && r_.mode == LoadMode::kReplaceSource;
    if (!index_after) SLUICE_RETURN_IF_ERROR(CreateIndexes());

    LoadRecord record;
    record.table = r_.table;
    record.load_id = r_.load_id;
    record.source = r_.source;
    record.run_id = r_.run_id;
    record.mode = std::string(LoadModeName(r_.mode));
    record.partition_columns = r_.partition_columns;
    std::set<PartitionValues> touched;
    if (r_.mode == LoadMode::kReplaceSource) {
      // The source's rows: those of its earlier loads (each row carries its load's number).
      const std::string of_source = "WHERE " + QuoteIdentifier(kLoadIdColumn) +
                                    " IN (SELECT load_seq FROM " +
                                    QuoteIdentifier(r_.table.schema) +
                                    "._sluice_loads WHERE table_name = $1 AND source = $2)";
      const std::vector<Value> params = {Value::Text(r_.table.name), Value::Text(r_.source)};
      SLUICE_ASSIGN_OR_RETURN(QueryResult earlier,
                              s_.Query("SELECT 1 FROM " + QuoteIdentifier(r_.table.schema) +
                                           "._sluice_loads WHERE table_name = $1 AND source = $2 "
                                           "LIMIT 1",
                                       params));
      // A source loaded for the first time has no rows to replace: no need to search the
      // table, nor to index it by load until a load of it comes again.
      if (!earlier.rows.empty()) {
        SLUICE_RETURN_IF_ERROR(CreateLoadIndex());
        SLUICE_RETURN_IF_ERROR(CollectPartitions(r_.table, of_source, params, &touched));
        SLUICE_ASSIGN_OR_RETURN(record.rows_deleted,
                                s_.ExecuteCount("DELETE FROM " + r_.table.Sql() + " " + of_source,
                                                params));
      }
      SLUICE_ASSIGN_OR_RETURN(record.rows_inserted, WriteFiles(r_.table, true));
      if (index_after) SLUICE_RETURN_IF_ERROR(CreateIndexes());
      // The inserted rows' partitions are the files' (no need to read them back).
      for (const LoadFile& file : *files_) touched.insert(FilePartition(file));
    } else {
      SLUICE_RETURN_IF_ERROR(Merge(&record, &result.rows_skipped, &touched));
    }
    record.partitions = std::vector<PartitionValues>(touched.begin(), touched.end());
    SLUICE_ASSIGN_OR_RETURN(result.record, AppendLoad(s_, std::move(record)));
    SLUICE_RETURN_IF_ERROR(WriteMeta(s_, r_.table, next));
    return result;
  }

  Result<std::string> ColumnDefinitions(const std::vector<Column>& columns, bool bookkeeping) {
    std::string defs;
    for (const auto& c : columns) {
      SLUICE_ASSIGN_OR_RETURN(std::string type, s_.ColumnTypeSql(c.type));
      if (!defs.empty()) defs += ", ";
      defs += QuoteIdentifier(c.name) + " " + type;
    }
    if (bookkeeping) {
      defs += ", " + QuoteIdentifier(kLoadIdColumn) + " BIGINT NOT NULL, " +
              QuoteIdentifier(kSourceColumn) + " TEXT NOT NULL";
    }
    return defs;
  }

  Status CreateTable() {
    SLUICE_ASSIGN_OR_RETURN(std::string defs, ColumnDefinitions(r_.columns, true));
    return s_.Execute("CREATE TABLE " + r_.table.Sql() + " (" + defs + ")");
  }

  // The index replace_source finds a source's earlier rows by. Made by the first load that
  // has rows to replace rather than by the table's first load: building it costs that first
  // load a sort of every row, and a table whose sources are each loaded once never needs it.
  Status CreateLoadIndex() {
    return s_.Execute(s_.CreateIndexSql(r_.table, IndexName(r_.table, "load"),
                                        {std::string(kLoadIdColumn)}, false));
  }

  Status CreateIndexes() {
    if (!r_.partition_columns.empty()) {
      SLUICE_RETURN_IF_ERROR(s_.Execute(s_.CreateIndexSql(
          r_.table, IndexName(r_.table, "partition"), r_.partition_columns, false)));
    }
    if (r_.mode == LoadMode::kMerge) {
      Status unique = s_.Execute(
          s_.CreateIndexSql(r_.table, IndexName(r_.table, "key"), r_.primary_key, true));
      if (!unique.ok()) {
        return Status::InvalidArgument("load into " + r_.table.ToString() +
                                       ": cannot make (" + ColumnList(r_.primary_key) +
                                       ") its primary key for merge: " + unique.message());
      }
    }
    return Status::OK();
  }

  // The table's columns after evolving it to the request's schema.
  Result<std::vector<Column>> Evolve(const TableMeta& meta, std::vector<std::string>* changes) {
    std::vector<Column> columns = meta.columns;
    std::vector<std::string> problems;
    std::vector<std::pair<Column, Column>> widen;  // (from, to)
    std::vector<Column> add;
    for (const Column& c : r_.columns) {
      auto it = std::find_if(columns.begin(), columns.end(),
                             [&](const Column& t) { return t.name == c.name; });
      if (it == columns.end()) {
        add.push_back(c);
      } else if (!(it->type == c.type)) {
        if (IsWidening(it->type, c.type)) {
          widen.emplace_back(*it, c);
        } else {
          problems.push_back("  " + c.name + ": " + parquet::ColumnTypeName(it->type) +
                             " in the table, " + parquet::ColumnTypeName(c.type) +
                             " in the dataset (not a widening)");
        }
      }
    }
    if (!problems.empty()) {
      std::string message = "load into " + r_.table.ToString() + ": the dataset schema (version " +
                            std::to_string(r_.schema_version) +
                            ") is not compatible with the table (version " +
                            std::to_string(meta.schema_version) + "):";
      for (const auto& p : problems) message += "\n" + p;
      return Status::InvalidArgument(message);
    }
    bool rebuild = false;
    for (const auto& [from, to] : widen) {
      SLUICE_ASSIGN_OR_RETURN(std::string type, s_.ColumnTypeSql(to.type));
      std::string sql = s_.AlterColumnTypeSql(r_.table, to.name, type);
      if (!sql.empty()) {
        SLUICE_RETURN_IF_ERROR(s_.Execute(sql));
      } else if (NeedsRebuild(s_, from.type, to.type)) {
        rebuild = true;
      }
      changes->push_back("widened " + to.name + " " + parquet::ColumnTypeName(from.type) + " → " +
                         parquet::ColumnTypeName(to.type));
      for (auto& c : columns) {
        if (c.name == to.name) c.type = to.type;
      }
    }
    if (rebuild) SLUICE_RETURN_IF_ERROR(RebuildTable(meta.columns, columns));
    for (const Column& c : add) {
      SLUICE_ASSIGN_OR_RETURN(std::string type, s_.ColumnTypeSql(c.type));
      SLUICE_RETURN_IF_ERROR(s_.Execute("ALTER TABLE " + r_.table.Sql() + " ADD COLUMN " +
                                        QuoteIdentifier(c.name) + " " + type));
      changes->push_back("added column " + c.name + " " + parquet::ColumnTypeName(c.type));
      columns.push_back(c);
    }
    return columns;
  }

  // SQLite: copies the table into one declared with the new types (decimals that became
  // exact text are written with their scale), then swaps it in. Indexes are made again by
  // CreateIndexes.
  Status RebuildTable(const std::vector<Column>& before, const std::vector<Column>& after) {
    TableName scratch{r_.table.schema, "_sluice_rebuild"};
    SLUICE_ASSIGN_OR_RETURN(std::string defs, ColumnDefinitions(after, true));
    SLUICE_RETURN_IF_ERROR(s_.Execute("DROP TABLE IF EXISTS " + scratch.Sql()));
    SLUICE_RETURN_IF_ERROR(s_.Execute("CREATE TABLE " + scratch.Sql() + " (" + defs + ")"));
    std::string select;
    std::vector<std::string> names;
    for (size_t i = 0; i < after.size(); ++i) {
      const std::string q = QuoteIdentifier(after[i].name);
      names.push_back(after[i].name);
      if (!select.empty()) select += ", ";
      if (after[i].type.kind == TypeKind::kDecimal && NeedsRebuild(s_, before[i].type, after[i].type)) {
        select += "CASE WHEN " + q + " IS NULL THEN NULL ELSE printf('%." +
                  std::to_string(after[i].type.scale) + "f', " + q + ") END";
      } else {
        select += q;
      }
    }
    names.emplace_back(kLoadIdColumn);
    names.emplace_back(kSourceColumn);
    select += ", " + QuoteIdentifier(kLoadIdColumn) + ", " + QuoteIdentifier(kSourceColumn);
    SLUICE_RETURN_IF_ERROR(s_.Execute("INSERT INTO " + scratch.Sql() + " (" + ColumnList(names) +
                                      ") SELECT " + select + " FROM " + r_.table.Sql()));
    SLUICE_RETURN_IF_ERROR(s_.Execute("DROP TABLE " + r_.table.Sql()));
    return s_.Execute("ALTER TABLE " + scratch.Sql() + " RENAME TO " +
                      QuoteIdentifier(r_.table.name));
  }

  // Adds the distinct partition values of `table`'s rows matching `where` (with `params`).
  Status CollectPartitions(const TableName& table, const std::string& where,
                           const std::vector<Value>& params, std::set<PartitionValues>* touched,
                           std::string_view from = "") {
    if (r_.partition_columns.empty()) return Status::OK();
    std::string sql = "SELECT DISTINCT " + ColumnList(r_.partition_columns, from.empty() ? "" : "t.") +
                      " FROM " + (from.empty() ? table.Sql() : std::string(from)) + " " + where;
    SLUICE_ASSIGN_OR_RETURN(QueryResult rows, s_.Query(sql, params));
    for (const auto& row : rows.rows) {
      PartitionValues values;
      for (const auto& v : row) {
        if (v.is_null()) {
          values.push_back(std::nullopt);
        } else if (v.kind == Value::Kind::kBool) {
          values.push_back(v.boolean ? "1" : "0");  // the spelling both engines read back
        } else {
          values.push_back(v.ToString());
        }
      }
      touched->insert(std::move(values));
    }
    return Status::OK();
  }

  // The file's partition values, in partition_columns order, as text both engines compare
  // with their stored values.
  PartitionValues FilePartition(const LoadFile& file) const {
    PartitionValues values;
    for (const std::string& name : r_.partition_columns) {
      auto part = std::find_if(file.partition_values.begin(), file.partition_values.end(),
                               [&](const auto& p) { return p.first == name; });
      if (part == file.partition_values.end() || part->second.length != 1 ||
          part->second.IsNull(0)) {
        values.push_back(std::nullopt);
        continue;
      }
      const ColumnVector& v = part->second;
      std::string text;
      switch (v.type.kind) {
        case TypeKind::kBoolean:
          text = v.bools[0] ? "1" : "0";
          break;
        case TypeKind::kDate:
          parquet::AppendDateText(v.ints32[0], &text);
          break;
        case TypeKind::kTimestamp:
          parquet::AppendTimestampText(v.ints64[0], v.type.unit, &text);
          break;
        case TypeKind::kDecimal:
          parquet::AppendDecimalText(parquet::DecimalAt(v, 0), v.type.scale, &text);
          break;
        case TypeKind::kFloat:
          parquet::AppendFloatText(v.floats[0], &text);
          break;
        case TypeKind::kDouble:
          parquet::AppendFloatText(v.doubles[0], &text);
          break;
        case TypeKind::kInt64:
          text = std::to_string(v.ints64[0]);
          break;
        case TypeKind::kString:
        case TypeKind::kJson:
          text = std::string(v.BytesAt(0));
          break;
        default:
          text = std::to_string(v.ints32[0]);  // int8/16/32
          break;
      }
      values.push_back(std::move(text));
    }
    return values;
  }

  // Writes every file's rows into `table` (the target with bookkeeping columns, or the merge
  // stage without). Returns the rows written.
  Result<int64_t> WriteFiles(const TableName& table, bool bookkeeping) {
    std::vector<Column> columns = r_.columns;
    ColumnVector load_id = ColumnVector::Make(DataType::Of(TypeKind::kInt64));
    load_id.AppendInt64(load_seq_);
    ColumnVector source = TextConstant(r_.source);
    if (bookkeeping) {
      columns.push_back({std::string(kLoadIdColumn), DataType::Of(TypeKind::kInt64)});
      columns.push_back({std::string(kSourceColumn), DataType::Of(TypeKind::kString)});
    }
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RowWriter> writer, s_.OpenRowWriter(table, columns));
    std::vector<ColumnVector> nulls;
    nulls.reserve(r_.columns.size());
    for (const auto& c : r_.columns) nulls.push_back(NullConstant(c.type));
    std::vector<ColumnVector> widened(r_.columns.size());

    // A reader thread decodes the next row groups while this one inserts.
    BatchQueue queue;
    std::thread reader_thread([&] { ReadFiles(&queue); });
    Status status;
    while (std::optional<FileBatch> next = queue.Pop()) {
      if (!next->status.ok()) {
        status = next->status;
        break;
      }
      const LoadFile& file = (*files_)[next->file];
      const parquet::RecordBatch& batch = next->batch;
      std::vector<RowWriter::Input> inputs;
      for (size_t i = 0; i < r_.columns.size() && status.ok(); ++i) {
        const Column& c = r_.columns[i];
        auto part = std::find_if(file.partition_values.begin(), file.partition_values.end(),
                                 [&](const auto& p) { return p.first == c.name; });
        int index = batch.schema.IndexOf(c.name);
        if (part != file.partition_values.end()) {
          if (!(part->second.type == c.type) || part->second.length != 1) {
            status = Status::InvalidArgument(file.path + ": partition value of " + c.name +
                                             " is not one " + parquet::ColumnTypeName(c.type));
          }
          inputs.push_back({&part->second, true});
        } else if (index < 0) {
          inputs.push_back({&nulls[i], true});  // a column the file's schema version lacks
        } else {
          const ColumnVector& values = batch.columns[static_cast<size_t>(index)];
          if (values.type == c.type) {
            inputs.push_back({&values, false});
          } else if (IsWidening(values.type, c.type)) {
            widened[i] = Widen(values, c.type);
            inputs.push_back({&widened[i], false});
          } else {
            status = Status::InvalidArgument(
                file.path + ": column " + c.name + " is " + parquet::ColumnTypeName(values.type) +
                ", which does not widen to the table's " + parquet::ColumnTypeName(c.type));
          }
        }
      }
      if (!status.ok()) break;
      if (bookkeeping) {
        inputs.push_back({&load_id, true});
        inputs.push_back({&source, true});
      }
      Status appended = writer->Append(inputs, batch.num_rows);
      if (!appended.ok()) {
        status = Status(appended.code(), file.path + ": " + appended.message());
        break;
      }
    }
    queue.Close();  // stops the reader when this side gave up early
    reader_thread.join();
    SLUICE_RETURN_IF_ERROR(status);
    return writer->Finish();
  }

  // Decodes every file's row groups (the columns the load wants) into `queue`, in order;
  // an error is queued as the last item.
  void ReadFiles(BatchQueue* queue) {
    for (size_t f = 0; f < files_->size(); ++f) {
      const LoadFile& file = (*files_)[f];
      auto reader = parquet::FileReader::OpenFile(file.path);
      if (!reader.ok()) {
        queue->Push({f, {}, reader.status()});
        break;
      }
      const parquet::Schema& file_schema = (*reader)->schema();
      std::vector<std::string> wanted;
      for (const auto& c : r_.columns) {
        if (file_schema.IndexOf(c.name) >= 0) wanted.push_back(c.name);
      }
      for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
        auto batch = (*reader)->ReadRowGroup(g, wanted);
        if (!batch.ok()) {
          queue->Push({f, {}, batch.status()});
          queue->Finish();
          return;
        }
        if (!queue->Push({f, std::move(*batch), Status::OK()})) return;  // consumer gave up
      }
    }
    queue->Finish();
  }

  Status Merge(LoadRecord* record, int64_t* skipped, std::set<PartitionValues>* touched) {
    TableName stage{r_.table.schema,
                    "_sluice_stage_" + common::Sha256Hex(r_.table.name).substr(0, 12)};
    SLUICE_ASSIGN_OR_RETURN(std::string defs, ColumnDefinitions(r_.columns, false));
    SLUICE_RETURN_IF_ERROR(s_.Execute("DROP TABLE IF EXISTS " + stage.Sql()));
    SLUICE_RETURN_IF_ERROR(s_.Execute("CREATE TABLE " + stage.Sql() + " (" + defs + ")"));
    SLUICE_RETURN_IF_ERROR(WriteFiles(stage, false).status());

    std::vector<std::string> names;
    for (const auto& c : r_.columns) names.push_back(c.name);
    std::string order = r_.order_by.empty()
                            ? "1"
                            : "(" + QuoteIdentifier(r_.order_by) + " IS NULL), " +
                                  QuoteIdentifier(r_.order_by) + " DESC";
    // The newest staged row per key (silver is deduped already; this guards the upsert,
    // which may not touch one table row twice).
    std::string ranked = "(SELECT " + ColumnList(names) + " FROM (SELECT " + ColumnList(names) +
                         ", ROW_NUMBER() OVER (PARTITION BY " + ColumnList(r_.primary_key) +
                         " ORDER BY " + order + ") AS _sluice_rn FROM " + stage.Sql() +
                         ") numbered WHERE _sluice_rn = 1)";
    std::string join;
    for (const auto& k : r_.primary_key) {
      if (!join.empty()) join += " AND ";
      join += "t." + QuoteIdentifier(k) + " = s." + QuoteIdentifier(k);
    }
    SLUICE_ASSIGN_OR_RETURN(QueryResult staged,
                            s_.Query("SELECT count(*) FROM " + ranked + " s"));
    SLUICE_ASSIGN_OR_RETURN(
        QueryResult matched,
        s_.Query("SELECT count(*) FROM " + ranked + " s JOIN " + r_.table.Sql() + " t ON " + join));
    // Partitions: where the staged rows go, and where the rows they replace were.
    SLUICE_RETURN_IF_ERROR(CollectPartitions(stage, "", {}, touched));
    SLUICE_RETURN_IF_ERROR(CollectPartitions(
        r_.table, "", {}, touched, r_.table.Sql() + " t JOIN " + stage.Sql() + " s ON " + join));

    std::string set;
    for (const auto& n : names) {
      set += QuoteIdentifier(n) + " = excluded." + QuoteIdentifier(n) + ", ";
    }
    set += QuoteIdentifier(kLoadIdColumn) + " = excluded." + QuoteIdentifier(kLoadIdColumn) + ", " +
           QuoteIdentifier(kSourceColumn) + " = excluded." + QuoteIdentifier(kSourceColumn);
    std::string newer;
    if (!r_.order_by.empty()) {
      std::string o = QuoteIdentifier(r_.order_by);
      newer = " WHERE target." + o + " IS NULL OR excluded." + o + " >= target." + o;
    }
    std::string sql = "INSERT INTO " + r_.table.Sql() + " AS target (" + ColumnList(names) + ", " +
                      QuoteIdentifier(kLoadIdColumn) + ", " + QuoteIdentifier(kSourceColumn) +
                      ") SELECT " + ColumnList(names) + ", $1, $2 FROM " + ranked +
                      " s WHERE true ON CONFLICT (" + ColumnList(r_.primary_key) +
                      ") DO UPDATE SET " + set + newer;
    SLUICE_ASSIGN_OR_RETURN(int64_t affected,
                            s_.ExecuteCount(sql, {Value::Integer(load_seq_), Value::Text(r_.source)}));
    SLUICE_RETURN_IF_ERROR(s_.Execute("DROP TABLE " + stage.Sql()));
    auto count = [](const QueryResult& q) {
      const Value& v = q.rows.at(0).at(0);
      return v.kind == Value::Kind::kInteger ? v.integer : std::stoll(v.ToString());
    };
    int64_t staged_rows = count(staged);
    int64_t matched_rows = count(matched);
    record->rows_inserted = staged_rows - matched_rows;
    record->rows_updated = affected - record->rows_inserted;
    *skipped = matched_rows - record->rows_updated;
    return Status::OK();
  }

  Session& s_;
  const LoadRequest& r_;
  const std::vector<LoadFile>* files_;  // r_.files, or listed_
  int64_t load_seq_ = 0;                // this load's number: every row's _sluice_load_id
  std::vector<LoadFile> listed_;
};

}  // namespace

std::string_view LoadModeName(LoadMode mode) {
  return mode == LoadMode::kMerge ? "merge" : "replace_source";
}

Result<LoadMode> ParseLoadMode(std::string_view text) {
  if (text == "replace_source") return LoadMode::kReplaceSource;
  if (text == "merge") return LoadMode::kMerge;
  return Status::InvalidArgument("load mode \"" + std::string(text) +
                                 "\": expected replace_source or merge");
}

Result<LoadResult> LoadSource(Session& session, const LoadRequest& request) {
  if (session.in_transaction()) {
    return Status::Internal("LoadSource needs a session without an open transaction");
  }
  return Loader(session, request).Run();
}

}  // namespace sluice::warehouse
