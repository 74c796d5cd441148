#include "sluice/tasks/warehouse_loads.h"

#include <chrono>
#include <thread>

#include "sluice/common/ids.h"
#include "sluice/common/time.h"
#include "sluice/etl/silver_files.h"

namespace sluice::tasks {
namespace {

namespace json = common::json;

bool IsFileGone(const Status& st) {
  return st.message().find("No such file or directory") != std::string::npos;
}

std::string Now() { return common::FormatIso8601Millis(common::SystemClock::Default()->Now()); }

json::object Report(const warehouse::LoadResult& r, double seconds) {
  json::array changes;
  for (const auto& c : r.schema_changes) changes.emplace_back(json::string(c));
  json::array partitions;
  if (r.record.partitions) {
    for (const auto& values : *r.record.partitions) {
      json::array row;
      for (const auto& v : values) {
        if (v) {
          row.emplace_back(json::string(*v));
        } else {
          row.emplace_back(nullptr);
        }
      }
      partitions.emplace_back(std::move(row));
    }
  }
  return json::object{{"table", r.record.table.ToString()},
                      {"source", r.record.source},
                      {"load_id", r.record.load_id},
                      {"load_seq", r.record.load_seq},
                      {"mode", r.record.mode},
                      {"files", r.files},
                      {"rows_inserted", r.record.rows_inserted},
                      {"rows_updated", r.record.rows_updated},
                      {"rows_deleted", r.record.rows_deleted},
                      {"rows_skipped", r.rows_skipped},
                      {"table_created", r.table_created},
                      {"schema_changes", std::move(changes)},
                      {"partitions", std::move(partitions)},
                      {"seconds", seconds}};
}

Result<common::json::array> LoadSnapshot(catalog::Catalog& catalog, const std::string& lake_dir,
                                         warehouse::Warehouse& warehouse,
                                         const etl::SilverSnapshot& snapshot, std::string_view run_id,
                                         const SilverLoadTarget& target) {
  SLUICE_ASSIGN_OR_RETURN(
      warehouse::TableName table,
      warehouse::ParseTableName(target.table.empty() ? "silver." + snapshot.dataset : target.table));
  std::vector<warehouse::Column> columns;
  for (const auto& f : snapshot.schema.schema.fields) columns.push_back({f.name, f.type});
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Session> session, warehouse.Connect());
  json::array reports;
  for (const etl::SilverSource& source : snapshot.sources) {
    warehouse::LoadRequest request;
    request.table = table;
    request.columns = columns;
    request.schema_version = snapshot.schema.version;
    request.partition_columns = snapshot.partition_columns;
    request.mode = target.mode;
    request.primary_key = target.primary_key;
    request.order_by = target.order_by;
    request.source = source.source;
    request.run_id = std::string(run_id);
    request.load_id = "load-" + common::NewSortableId();
    // The files are listed again under the table's lock (see LoadRequest::list_files).
    std::string source_uri = source.source;
    std::string dataset = snapshot.dataset;
    request.list_files = [&catalog, &lake_dir, dataset,
                          source_uri]() -> Result<std::vector<warehouse::LoadFile>> {
      SLUICE_ASSIGN_OR_RETURN(etl::SilverSnapshot now,
                              etl::SilverFilesOfSource(catalog, lake_dir, dataset, source_uri));
      std::vector<warehouse::LoadFile> files;
      for (auto& f : now.sources.at(0).files) {
        files.push_back({std::move(f.path), std::move(f.partition_values)});
      }
      return files;
    };

    {
      SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
      // A load of the same table and source left RUNNING died with its process; its
      // warehouse transaction was rolled back with it.
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("UPDATE warehouse_loads SET status = 'FAILED', finished_at = $3, error = "
                      "'the load was interrupted (its process died); its transaction was rolled "
                      "back' WHERE table_name = $1 AND source = $2 AND status = 'RUNNING'",
                      {table.ToString(), source.source, Now()})
              .status());
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("INSERT INTO warehouse_loads (load_id, warehouse, table_name, source, run_id, "
                      "mode, status, started_at) VALUES ($1, $2, $3, $4, $5, $6, 'RUNNING', $7)",
                      {request.load_id, warehouse.url(), table.ToString(), source.source,
                       std::string(run_id), std::string(warehouse::LoadModeName(target.mode)), Now()})
              .status());
      SLUICE_RETURN_IF_ERROR(tx->Commit());
    }
    auto started = std::chrono::steady_clock::now();
    // A concurrent ETL run of the dataset may remove a silver file the load listed (it
    // superseded its rows) before the load reads it. The load rolled back; listing again
    // finds the files that replaced it.
    Result<warehouse::LoadResult> result = warehouse::LoadSource(*session, request);
    for (int attempt = 1; attempt < 8 && !result.ok() && IsFileGone(result.status()); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
      result = warehouse::LoadSource(*session, request);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
    if (!result.ok()) {
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("UPDATE warehouse_loads SET status = 'FAILED', finished_at = $2, error = $3 "
                      "WHERE load_id = $1",
                      {request.load_id, Now(), result.status().message()})
              .status());
      SLUICE_RETURN_IF_ERROR(tx->Commit());
      return Status(result.status().code(),
                    "loading " + source.source + ": " + result.status().message());
    }
    json::object report = Report(*result, seconds);
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("UPDATE warehouse_loads SET status = 'SUCCEEDED', finished_at = $2, load_seq = "
                    "$3, rows_inserted = $4, rows_updated = $5, rows_deleted = $6, report = $7 "
                    "WHERE load_id = $1",
                    {request.load_id, Now(), result->record.load_seq, result->record.rows_inserted,
                     result->record.rows_updated, result->record.rows_deleted,
                     common::SerializeJson(report)})
            .status());
    SLUICE_RETURN_IF_ERROR(tx->Commit());
    reports.emplace_back(std::move(report));
  }
  return reports;
}

}  // namespace

Result<SilverLoadTarget> LoadTargetOfJob(const etl::JobSpec& spec) {
  SilverLoadTarget target;
  if (spec.warehouse) {
    target.table = spec.warehouse->table;
    SLUICE_ASSIGN_OR_RETURN(target.mode, warehouse::ParseLoadMode(spec.warehouse->mode));
  }
  SLUICE_RETURN_IF_ERROR(
      warehouse::ParseTableName(target.table.empty() ? "silver." + spec.dataset : target.table)
          .status());
  target.primary_key = spec.dedupe.key;
  target.order_by = spec.dedupe.order_by;
  return target;
}

Result<common::json::array> LoadRunIntoWarehouse(catalog::Catalog& catalog,
                                                 const std::string& lake_dir,
                                                 warehouse::Warehouse& warehouse,
                                                 std::string_view run_id,
                                                 const SilverLoadTarget& target) {
  SLUICE_ASSIGN_OR_RETURN(etl::SilverSnapshot snapshot,
                          etl::SilverFilesOfRun(catalog, lake_dir, run_id));
  return LoadSnapshot(catalog, lake_dir, warehouse, snapshot, run_id, target);
}

Result<common::json::array> LoadSourceIntoWarehouse(catalog::Catalog& catalog,
                                                    const std::string& lake_dir,
                                                    warehouse::Warehouse& warehouse,
                                                    std::string_view dataset,
                                                    std::string_view source,
                                                    const SilverLoadTarget& target) {
  SLUICE_ASSIGN_OR_RETURN(etl::SilverSnapshot snapshot,
                          etl::SilverFilesOfSource(catalog, lake_dir, dataset, source));
  return LoadSnapshot(catalog, lake_dir, warehouse, snapshot, "", target);
}

}  // namespace sluice::tasks
