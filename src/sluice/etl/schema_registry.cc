#include "sluice/etl/schema_registry.h"

#include "sluice/common/json.h"

namespace sluice::etl {

namespace {

namespace json = common::json;

using catalog::Row;
using catalog::SqlValue;

constexpr std::string_view kColumns =
    "SELECT dataset, version, schema, changes, run_id, created_at FROM dataset_schemas";

std::string RowName(const Row& row) {
  return "dataset_schemas row (" + row.Text(0) + ", version " + std::to_string(row.Int(1)) + ")";
}

Result<std::vector<std::string>> ChangesFromJson(const std::string& text) {
  SLUICE_ASSIGN_OR_RETURN(json::value v, common::ParseJson(text, "changes"));
  if (!v.is_array()) return Status::InvalidArgument("changes: expected an array of strings");
  std::vector<std::string> changes;
  for (const json::value& item : v.as_array()) {
    if (!item.is_string()) return Status::InvalidArgument("changes: expected an array of strings");
    changes.emplace_back(item.as_string());
  }
  return changes;
}

Result<SchemaVersion> FromRow(const Row& row) {
  SchemaVersion v;
  v.dataset = row.Text(0);
  v.version = row.Int(1);
  Result<parquet::Schema> schema = SchemaFromJson(row.Text(2));
  if (!schema.ok()) return Status::Corruption(RowName(row) + ": " + schema.status().message());
  v.schema = *std::move(schema);
  Result<std::vector<std::string>> changes = ChangesFromJson(row.Text(3));
  if (!changes.ok()) return Status::Corruption(RowName(row) + ": " + changes.status().message());
  v.changes = *std::move(changes);
  v.run_id = row.Text(4);
  v.created_at = row.Text(5);
  return v;
}

Result<std::vector<SchemaVersion>> FromRows(const std::vector<Row>& rows) {
  std::vector<SchemaVersion> out;
  out.reserve(rows.size());
  for (const Row& row : rows) {
    SLUICE_ASSIGN_OR_RETURN(SchemaVersion v, FromRow(row));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::optional<SchemaVersion>> FromOptionalRow(const std::optional<Row>& row) {
  if (!row) return std::optional<SchemaVersion>();
  SLUICE_ASSIGN_OR_RETURN(SchemaVersion v, FromRow(*row));
  return std::optional<SchemaVersion>(std::move(v));
}

}  // namespace

Result<std::optional<SchemaVersion>> SchemaRegistry::Latest(catalog::Transaction& tx,
                                                            std::string_view dataset) {
  SLUICE_ASSIGN_OR_RETURN(
      std::optional<Row> row,
      tx.QueryOne(std::string(kColumns) + " WHERE dataset = $1 ORDER BY version DESC LIMIT 1",
                  {std::string(dataset)}));
  return FromOptionalRow(row);
}

Result<std::optional<SchemaVersion>> SchemaRegistry::Get(catalog::Transaction& tx,
                                                         std::string_view dataset,
                                                         int64_t version) {
  SLUICE_ASSIGN_OR_RETURN(
      std::optional<Row> row,
      tx.QueryOne(std::string(kColumns) + " WHERE dataset = $1 AND version = $2",
                  {std::string(dataset), version}));
  return FromOptionalRow(row);
}

Result<std::vector<SchemaVersion>> SchemaRegistry::List(catalog::Transaction& tx,
                                                        std::string_view dataset) {
  std::vector<Row> rows;
  if (dataset.empty()) {
    SLUICE_ASSIGN_OR_RETURN(rows, tx.Query(std::string(kColumns) + " ORDER BY dataset, version"));
  } else {
    SLUICE_ASSIGN_OR_RETURN(rows,
                            tx.Query(std::string(kColumns) + " WHERE dataset = $1 ORDER BY version",
                                     {std::string(dataset)}));
  }
  return FromRows(rows);
}

Result<SchemaVersion> SchemaRegistry::Register(catalog::Transaction& tx, std::string_view dataset,
                                               const parquet::Schema& schema,
                                               const std::vector<SchemaChange>& changes,
                                               std::string_view run_id,
                                               std::string_view created_at) {
  if (dataset.empty()) return Status::InvalidArgument("a dataset name cannot be empty");
  SLUICE_RETURN_IF_ERROR(
      ValidateDatasetSchema(schema).WithContext("schema of dataset " + std::string(dataset)));
  SLUICE_ASSIGN_OR_RETURN(std::optional<Row> max,
                          tx.QueryOne("SELECT MAX(version) FROM dataset_schemas WHERE dataset = $1",
                                      {std::string(dataset)}));
  SchemaVersion v;
  v.dataset = std::string(dataset);
  v.version = (max && !max->IsNull(0) ? max->Int(0) : 0) + 1;
  v.schema = schema;
  json::array change_texts;
  for (const SchemaChange& c : changes) {
    v.changes.push_back(c.ToString());
    change_texts.emplace_back(v.changes.back());
  }
  v.run_id = std::string(run_id);
  v.created_at = std::string(created_at);
  SLUICE_RETURN_IF_ERROR(tx.Execute(
      "INSERT INTO dataset_schemas (dataset, version, schema, changes, run_id, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {v.dataset, v.version, SchemaToJson(schema), common::SerializeJson(change_texts),
       run_id.empty() ? catalog::Null() : SqlValue(v.run_id), v.created_at}));
  return v;
}

}  // namespace sluice::etl
