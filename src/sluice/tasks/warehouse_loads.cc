#include "sluice/tasks/warehouse_loads.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sluice/common/ids.h"
#include "sluice/common/io.h"
#include "sluice/common/file_util.h"
#include "sluice/common/time.h"
#include "sluice/etl/silver_files.h"
#include "sluice/parquet/file_writer.h"

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

// Runs one load with its catalog bookkeeping: `warehouse_loads` gets the load as RUNNING
// (after failing any earlier RUNNING load of the same table and source: it died with its
// process, and its warehouse transaction with it), then SUCCEEDED with its counts and
// report, or FAILED with the error.
Result<json::object> RunRecordedLoad(catalog::Catalog& catalog, warehouse::Warehouse& warehouse,
                                     warehouse::Session& session,
                                     const warehouse::LoadRequest& request) {
  const std::string table = request.table.ToString();
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("UPDATE warehouse_loads SET status = 'FAILED', finished_at = $3, error = "
                    "'the load was interrupted (its process died); its transaction was rolled "
                    "back' WHERE table_name = $1 AND source = $2 AND status = 'RUNNING'",
                    {table, request.source, Now()})
            .status());
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("INSERT INTO warehouse_loads (load_id, warehouse, table_name, source, run_id, "
                    "mode, status, started_at) VALUES ($1, $2, $3, $4, $5, $6, 'RUNNING', $7)",
                    {request.load_id, warehouse.url(), table, request.source, request.run_id,
                     std::string(warehouse::LoadModeName(request.mode)), Now()})
            .status());
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  auto started = std::chrono::steady_clock::now();
  // A concurrent ETL run of the dataset may remove a silver file the load listed (it
  // superseded its rows) before the load reads it. The load rolled back; listing again
  // finds the files that replaced it.
  Result<warehouse::LoadResult> result = warehouse::LoadSource(session, request);
  for (int attempt = 1; attempt < 8 && !result.ok() && IsFileGone(result.status()); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    result = warehouse::LoadSource(session, request);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  if (!result.ok()) {
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("UPDATE warehouse_loads SET status = 'FAILED', finished_at = $2, error = $3 "
                    "WHERE load_id = $1",
                    {request.load_id, Now(), result.status().message()})
            .status());
    SLUICE_RETURN_IF_ERROR(tx->Commit());
    return Status(result.status().code(), "loading " + request.source + " into " + table + ": " +
                                              result.status().message());
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
  return report;
}

Result<common::json::array> LoadSnapshot(catalog::Catalog& catalog, const std::string& lake_dir,
                                         warehouse::Warehouse& warehouse,
                                         warehouse::Session& session,
                                         const etl::SilverSnapshot& snapshot, std::string_view run_id,
                                         const SilverLoadTarget& target) {
  SLUICE_ASSIGN_OR_RETURN(
      warehouse::TableName table,
      warehouse::ParseTableName(target.table.empty() ? "silver." + snapshot.dataset : target.table));
  std::vector<warehouse::Column> columns;
  for (const auto& f : snapshot.schema.schema.fields) columns.push_back({f.name, f.type});
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
    SLUICE_ASSIGN_OR_RETURN(json::object report, RunRecordedLoad(catalog, warehouse, session, request));
    reports.emplace_back(std::move(report));
  }
  return reports;
}

// The columns of quarantine.<dataset>: the quarantine file's fields (docs/jobs.md).
std::vector<warehouse::Column> QuarantineColumns() {
  using parquet::DataType;
  using parquet::TypeKind;
  return {{"run_id", DataType::Of(TypeKind::kString)}, {"source", DataType::Of(TypeKind::kString)},
          {"line", DataType::Of(TypeKind::kInt64)},    {"column", DataType::Of(TypeKind::kString)},
          {"rule", DataType::Of(TypeKind::kString)},   {"reason", DataType::Of(TypeKind::kString)},
          {"raw", DataType::Of(TypeKind::kString)}};
}

// Rewrites a run's quarantine file (JSON lines) as Parquet at `out_path`, for the load.
Status QuarantineToParquet(const std::string& jsonl_path, const std::string& out_path) {
  parquet::Schema schema;
  for (const warehouse::Column& c : QuarantineColumns()) schema.fields.push_back({c.name, c.type, true});
  std::ifstream in(jsonl_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + jsonl_path);
  SLUICE_ASSIGN_OR_RETURN(auto out, common::AtomicFileOutputStream::Open(out_path, false));
  parquet::WriterOptions options;
  SLUICE_ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::Open(out.get(), schema, options));
  parquet::RecordBatch batch = parquet::RecordBatch::Make(schema);
  auto flush = [&]() -> Status {
    SLUICE_RETURN_IF_ERROR(writer->Write(batch));
    batch = parquet::RecordBatch::Make(schema);
    return Status::OK();
  };
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    SLUICE_ASSIGN_OR_RETURN(json::value v,
                            common::ParseJson(line, jsonl_path + ":" + std::to_string(number)));
    if (!v.is_object()) {
      return Status::InvalidArgument(jsonl_path + ":" + std::to_string(number) + ": expected an object");
    }
    const json::object& o = v.get_object();
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      parquet::ColumnVector& col = batch.columns[i];
      const json::value* f = o.if_contains(schema.fields[i].name);
      if (f == nullptr || f->is_null()) {
        col.AppendNull();
      } else if (schema.fields[i].type.kind == parquet::TypeKind::kInt64) {
        if (f->is_int64()) {
          col.AppendInt64(f->get_int64());
        } else {
          col.AppendNull();
        }
      } else if (f->is_string()) {
        col.AppendBytes(std::string_view(f->get_string()));
      } else {
        col.AppendBytes(common::SerializeJson(*f));
      }
    }
    if (++batch.num_rows == 65536) SLUICE_RETURN_IF_ERROR(flush());
  }
  if (batch.num_rows > 0) SLUICE_RETURN_IF_ERROR(flush());
  SLUICE_RETURN_IF_ERROR(writer->Close());
  return out->Close();
}

// Loads the rows run `run_id` quarantined into quarantine.<dataset>, replacing the rows
// earlier runs of the same source put there (a run with none leaves none).
Result<json::object> LoadQuarantineOfRun(catalog::Catalog& catalog, const std::string& lake_dir,
                                         warehouse::Warehouse& warehouse,
                                         warehouse::Session& session, std::string_view run_id) {
  std::string dataset, source, report_text;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT dataset, source_bucket, source_key, "
                                                   "coalesce(report, '') FROM job_runs WHERE run_id = $1",
                                                   {std::string(run_id)}));
    if (!row) return Status::NotFound("no ETL run " + std::string(run_id));
    dataset = row->Text(0);
    source = row->Text(1).empty() ? row->Text(2) : "s3://" + row->Text(1) + "/" + row->Text(2);
    report_text = row->Text(3);
  }
  std::string quarantine_rel;
  if (!report_text.empty()) {
    SLUICE_ASSIGN_OR_RETURN(json::value report, common::ParseJson(report_text, "job_runs.report"));
    const json::value* outputs = report.is_object() ? report.get_object().if_contains("outputs") : nullptr;
    const json::value* q = outputs && outputs->is_object() ? outputs->get_object().if_contains("quarantine") : nullptr;
    if (q && q->is_string()) quarantine_rel = std::string(q->get_string());
  }
  warehouse::LoadRequest request;
  SLUICE_ASSIGN_OR_RETURN(request.table, warehouse::ParseTableName("quarantine." + dataset));
  request.columns = QuarantineColumns();
  request.schema_version = 1;
  request.mode = warehouse::LoadMode::kReplaceSource;
  request.source = source;
  request.run_id = std::string(run_id);
  request.load_id = "load-" + common::NewSortableId();
  std::string parquet_path;
  if (!quarantine_rel.empty()) {
    parquet_path = lake_dir + "/_sluice/" + dataset + "/staging/" + request.load_id + ".quarantine.parquet";
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(std::filesystem::path(parquet_path).parent_path().string()));
    SLUICE_RETURN_IF_ERROR(QuarantineToParquet(lake_dir + "/" + quarantine_rel, parquet_path));
    request.files.push_back({parquet_path, {}});
  }
  auto report = RunRecordedLoad(catalog, warehouse, session, request);
  if (!parquet_path.empty()) {
    std::error_code ec;
    std::filesystem::remove(parquet_path, ec);
  }
  return report;
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
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Session> session, warehouse.Connect());
  SLUICE_ASSIGN_OR_RETURN(json::array reports,
                          LoadSnapshot(catalog, lake_dir, warehouse, *session, snapshot, run_id, target));
  SLUICE_ASSIGN_OR_RETURN(json::object quarantine,
                          LoadQuarantineOfRun(catalog, lake_dir, warehouse, *session, run_id));
  reports.emplace_back(std::move(quarantine));
  return reports;
}

Result<common::json::array> LoadSourceIntoWarehouse(catalog::Catalog& catalog,
                                                    const std::string& lake_dir,
                                                    warehouse::Warehouse& warehouse,
                                                    std::string_view dataset,
                                                    std::string_view source,
                                                    const SilverLoadTarget& target) {
  SLUICE_ASSIGN_OR_RETURN(etl::SilverSnapshot snapshot,
                          etl::SilverFilesOfSource(catalog, lake_dir, dataset, source));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Session> session, warehouse.Connect());
  return LoadSnapshot(catalog, lake_dir, warehouse, *session, snapshot, "", target);
}

}  // namespace sluice::tasks
