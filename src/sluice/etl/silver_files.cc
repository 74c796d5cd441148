#include "sluice/etl/silver_files.h"

#include <map>

#include "sluice/etl/cast.h"

namespace sluice::etl {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string HiveUnescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::vector<std::string> PartitionNames(std::string_view partition_path) {
  std::vector<std::string> names;
  for (std::string_view part : SplitPath(partition_path)) {
    names.push_back(HiveUnescape(part.substr(0, part.find('='))));
  }
  return names;
}

// The snapshot of `sources` (their live silver files) in one read transaction.
Result<SilverSnapshot> Snapshot(catalog::Transaction& tx, const std::string& lake_dir,
                                std::string_view dataset, const std::vector<std::string>& sources) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<SchemaVersion> schema, SchemaRegistry::Latest(tx, dataset));
  if (!schema) {
    return Status::NotFound("dataset " + std::string(dataset) + " has no schema (no run published it)");
  }
  SilverSnapshot snapshot;
  snapshot.dataset = std::string(dataset);
  snapshot.schema = std::move(*schema);
  SLUICE_ASSIGN_OR_RETURN(
      auto any, tx.QueryOne("SELECT partition_path FROM dataset_files WHERE dataset = $1 AND "
                            "layer = 'silver' ORDER BY file_id DESC LIMIT 1",
                            {std::string(dataset)}));
  if (any) snapshot.partition_columns = PartitionNames(any->Text(0));
  for (const std::string& source : sources) {
    SilverSource s;
    s.source = source;
    SLUICE_ASSIGN_OR_RETURN(
        auto rows, tx.Query("SELECT path, partition_path FROM dataset_files WHERE dataset = $1 AND "
                            "layer = 'silver' AND state = 'live' AND source = $2 ORDER BY file_id",
                            {std::string(dataset), source}));
    for (const auto& row : rows) {
      SilverFile f;
      f.path = lake_dir + "/" + row.Text(0);
      f.partition_path = row.Text(1);
      SLUICE_ASSIGN_OR_RETURN(f.partition_values,
                              DecodePartitionPath(f.partition_path, snapshot.schema.schema));
      s.files.push_back(std::move(f));
    }
    snapshot.sources.push_back(std::move(s));
  }
  return snapshot;
}

}  // namespace

Result<std::vector<std::pair<std::string, parquet::ColumnVector>>> DecodePartitionPath(
    std::string_view partition_path, const parquet::Schema& schema) {
  std::vector<std::pair<std::string, parquet::ColumnVector>> values;
  for (std::string_view part : SplitPath(partition_path)) {
    size_t eq = part.find('=');
    auto bad = [&](std::string_view why) {
      return Status::InvalidArgument("partition directory \"" + std::string(part) + "\": " +
                                     std::string(why));
    };
    if (eq == std::string_view::npos) return bad("expected NAME=VALUE");
    std::string name = HiveUnescape(part.substr(0, eq));
    std::string_view raw = part.substr(eq + 1);
    int index = schema.IndexOf(name);
    if (index < 0) return bad("the dataset schema has no column " + name);
    const parquet::DataType& type = schema.fields[static_cast<size_t>(index)].type;
    parquet::ColumnVector column = parquet::ColumnVector::Make(type);
    if (raw == "__HIVE_DEFAULT_PARTITION__") {
      column.AppendNull();
    } else {
      SLUICE_ASSIGN_OR_RETURN(TextCaster caster, TextCaster::Make(type));
      std::string reason;
      if (!caster.Append(HiveUnescape(raw), &column, &reason)) return bad(reason);
    }
    values.emplace_back(std::move(name), std::move(column));
  }
  return values;
}

Result<SilverSnapshot> SilverFilesOfRun(catalog::Catalog& catalog, const std::string& lake_dir,
                                        std::string_view run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto run, tx->QueryOne("SELECT dataset, status FROM job_runs WHERE "
                                                 "run_id = $1",
                                                 {std::string(run_id)}));
  if (!run) return Status::NotFound("no ETL run " + std::string(run_id));
  if (run->Text(1) != "SUCCEEDED") {
    return Status::FailedPrecondition("run " + std::string(run_id) + " is " + run->Text(1) +
                                      ": only a SUCCEEDED run's output can be loaded");
  }
  std::string dataset = run->Text(0);
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT DISTINCT source FROM dataset_files WHERE dataset = $1 AND "
                           "layer = 'silver' AND (run_id = $2 OR deleted_by_run = $2) "
                           "ORDER BY source",
                           {dataset, std::string(run_id)}));
  std::vector<std::string> sources;
  for (const auto& r : rows) sources.push_back(r.Text(0));
  return Snapshot(*tx, lake_dir, dataset, sources);
}

Result<SilverSnapshot> SilverFilesOfSource(catalog::Catalog& catalog, const std::string& lake_dir,
                                           std::string_view dataset, std::string_view source) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  return Snapshot(*tx, lake_dir, dataset, {std::string(source)});
}

}  // namespace sluice::etl
