#include "sluice/warehouse/load_log.h"

#include "sluice/common/json.h"
#include "sluice/common/time.h"

namespace sluice::warehouse {
namespace {

namespace json = boost::json;

std::string LogTable(std::string_view layer) {
  return QuoteIdentifier(layer) + "._sluice_loads";
}

std::string PartitionsJson(const std::vector<PartitionValues>& partitions) {
  return common::SerializeJson(PartitionsToJson(partitions));
}

Result<std::vector<PartitionValues>> ParsePartitions(const std::string& text) {
  SLUICE_ASSIGN_OR_RETURN(json::value parsed, common::ParseJson(text, "_sluice_loads.partitions"));
  std::vector<PartitionValues> partitions;
  if (!parsed.is_array()) return Status::Corruption("_sluice_loads.partitions is not an array");
  for (const auto& row : parsed.as_array()) {
    if (!row.is_array()) return Status::Corruption("_sluice_loads.partitions holds a non-array");
    PartitionValues values;
    for (const auto& v : row.as_array()) {
      if (v.is_string()) {
        values.emplace_back(std::string(v.as_string()));
      } else {
        values.emplace_back(std::nullopt);
      }
    }
    partitions.push_back(std::move(values));
  }
  return partitions;
}

}  // namespace

boost::json::array PartitionsToJson(const std::vector<PartitionValues>& partitions) {
  json::array out;
  for (const auto& values : partitions) {
    json::array row;
    for (const auto& v : values) {
      if (v) {
        row.emplace_back(json::string(*v));
      } else {
        row.emplace_back(nullptr);
      }
    }
    out.emplace_back(std::move(row));
  }
  return out;
}

Status EnsureLoadLog(Session& session, std::string_view layer) {
  return session.Execute("CREATE TABLE IF NOT EXISTS " + LogTable(layer) +
                         " (table_name TEXT NOT NULL, load_seq BIGINT NOT NULL, load_id TEXT NOT "
                         "NULL, source TEXT NOT NULL, run_id TEXT NOT NULL, mode TEXT NOT NULL, "
                         "rows_inserted BIGINT NOT NULL, rows_updated BIGINT NOT NULL, "
                         "rows_deleted BIGINT NOT NULL, partition_columns TEXT NOT NULL, "
                         "partitions TEXT, loaded_at TEXT NOT NULL, "
                         "PRIMARY KEY (table_name, load_seq))");
}

Result<int64_t> NextLoadSeq(Session& session, const TableName& table) {
  SLUICE_RETURN_IF_ERROR(EnsureLoadLog(session, table.schema));
  SLUICE_ASSIGN_OR_RETURN(QueryResult last,
                          session.Query("SELECT max(load_seq) FROM " + LogTable(table.schema) +
                                            " WHERE table_name = $1",
                                        {Value::Text(table.name)}));
  const Value& max = last.rows.at(0).at(0);
  if (max.is_null()) return int64_t{1};
  return (max.kind == Value::Kind::kInteger ? max.integer : std::stoll(max.ToString())) + 1;
}

Result<LoadRecord> AppendLoad(Session& session, LoadRecord record) {
  SLUICE_ASSIGN_OR_RETURN(record.load_seq, NextLoadSeq(session, record.table));
  record.loaded_at = common::FormatIso8601Millis(common::SystemClock::Default()->Now());
  json::array columns;
  for (const auto& c : record.partition_columns) columns.emplace_back(json::string(c));
  SLUICE_RETURN_IF_ERROR(
      session
          .ExecuteCount(
              "INSERT INTO " + LogTable(record.table.schema) +
                  " (table_name, load_seq, load_id, source, run_id, mode, rows_inserted, "
                  "rows_updated, rows_deleted, partition_columns, partitions, loaded_at) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
              {Value::Text(record.table.name), Value::Integer(record.load_seq),
               Value::Text(record.load_id), Value::Text(record.source), Value::Text(record.run_id),
               Value::Text(record.mode), Value::Integer(record.rows_inserted),
               Value::Integer(record.rows_updated), Value::Integer(record.rows_deleted),
               Value::Text(common::SerializeJson(columns)),
               record.partitions ? Value::Text(PartitionsJson(*record.partitions)) : Value::Null(),
               Value::Text(record.loaded_at)})
          .status());
  return record;
}

Result<std::vector<LoadRecord>> LoadsSince(Session& session, const TableName& table,
                                           int64_t after_seq) {
  SLUICE_RETURN_IF_ERROR(EnsureLoadLog(session, table.schema));
  SLUICE_ASSIGN_OR_RETURN(
      QueryResult rows,
      session.Query("SELECT load_seq, load_id, source, run_id, mode, rows_inserted, rows_updated, "
                    "rows_deleted, partition_columns, partitions, loaded_at FROM " +
                        LogTable(table.schema) +
                        " WHERE table_name = $1 AND load_seq > $2 ORDER BY load_seq",
                    {Value::Text(table.name), Value::Integer(after_seq)}));
  auto as_int = [](const Value& v) {
    return v.kind == Value::Kind::kInteger ? v.integer : std::stoll(v.ToString());
  };
  std::vector<LoadRecord> records;
  for (const auto& row : rows.rows) {
    LoadRecord r;
    r.table = table;
    r.load_seq = as_int(row[0]);
    r.load_id = row[1].text;
    r.source = row[2].text;
    r.run_id = row[3].text;
    r.mode = row[4].text;
    r.rows_inserted = as_int(row[5]);
    r.rows_updated = as_int(row[6]);
    r.rows_deleted = as_int(row[7]);
    SLUICE_ASSIGN_OR_RETURN(json::value columns,
                            common::ParseJson(row[8].text, "_sluice_loads.partition_columns"));
    if (columns.is_array()) {
      for (const auto& c : columns.as_array()) {
        if (c.is_string()) r.partition_columns.emplace_back(c.as_string());
      }
    }
    if (!row[9].is_null()) {
      SLUICE_ASSIGN_OR_RETURN(r.partitions, ParsePartitions(row[9].text));
    }
    r.loaded_at = row[10].text;
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace sluice::warehouse
