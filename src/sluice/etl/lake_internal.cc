#include "sluice/etl/lake_internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "sluice/etl/batch_ops.h"
#include "sluice/parquet/file_reader.h"

namespace sluice::etl {

namespace fs = std::filesystem;
using parquet::RecordBatch;

std::string NowText(const common::Clock& clock) { return common::FormatIso8601Millis(clock.Now()); }

Result<DatasetLock> DatasetLock::Acquire(const Lake& lake) {
  SLUICE_RETURN_IF_ERROR(common::CreateDirectories(lake.Meta() + "/staging"));
  std::string path = lake.Meta() + "/lock";
  SLUICE_ASSIGN_OR_RETURN(common::FileDescriptor fd, common::OpenFile(path, O_RDWR | O_CREAT));
  while (flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Status::FromErrno(errno, "flock " + path);
  }
  DatasetLock lock;
  lock.fd_ = std::move(fd);
  return lock;
}

Status RemoveFileIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "unlink " + path);
  }
  return Status::OK();
}

Result<int64_t> WriteParquet(const Lake& lake, const std::string& rel,
                             const parquet::RecordBatch& rows,
                             const parquet::WriterOptions& options, bool durable) {
  SLUICE_RETURN_IF_ERROR(common::CreateDirectories(fs::path(lake.Abs(rel)).parent_path().string()));
  SLUICE_ASSIGN_OR_RETURN(auto out, common::AtomicFileOutputStream::Open(lake.Abs(rel), durable));
  SLUICE_ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::Open(out.get(), rows.schema, options));
  SLUICE_RETURN_IF_ERROR(writer->Write(rows));
  SLUICE_RETURN_IF_ERROR(writer->Close());
  // Not durable: the caller syncs the run's files together; their write-back starts now.
  if (!durable) out->StartWriteback();
  SLUICE_RETURN_IF_ERROR(out->Close());
  std::error_code ec;
  return static_cast<int64_t>(fs::file_size(lake.Abs(rel), ec));
}

Status WritePending(const Lake& lake, const std::string& run_id,
                    const std::vector<std::string>& rel_paths) {
  std::string text;
  for (const std::string& p : rel_paths) text += p + "\n";
  return common::WriteFileAtomically(lake.Pending(run_id), text);
}

Status RecoverLocked(const JobEnvironment& env, const Lake& lake) {
  std::error_code ec;
  std::string staging = lake.Meta() + "/staging";
  for (const auto& entry : fs::directory_iterator(staging, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
      // A run's scratch (dedupe's key buckets): no run of the dataset is alive to use it.
      fs::remove_all(entry.path(), ec);
      continue;
    }
    if (name.size() < 9 || name.substr(name.size() - 8) != ".pending") continue;
    std::string run_id = name.substr(0, name.size() - 8);
    std::string status;
    {
      SLUICE_ASSIGN_OR_RETURN(auto tx, env.catalog->Begin(catalog::TxMode::kRead));
      SLUICE_ASSIGN_OR_RETURN(
          auto row, tx->QueryOne("SELECT status FROM job_runs WHERE run_id = $1", {run_id}));
      if (row) status = row->Text(0);
    }
    if (status != "SUCCEEDED") {
      // Never published: remove what it wrote (silver files and its key index).
      SLUICE_ASSIGN_OR_RETURN(std::string text, common::ReadFileToString(entry.path().string()));
      size_t start = 0;
      while (start < text.size()) {
        size_t nl = text.find('\n', start);
        std::string rel = text.substr(start, nl - start);
        start = nl == std::string::npos ? text.size() : nl + 1;
        if (!rel.empty()) SLUICE_RETURN_IF_ERROR(RemoveFileIfExists(lake.Abs(rel)));
      }
      // A RUNNING one is marked FAILED below, with the runs that recorded nothing.
    }
    SLUICE_RETURN_IF_ERROR(RemoveFileIfExists(entry.path().string()));
  }
  // Runs that died (with or without a pending list): with the dataset's lock held, no live
  // process runs this dataset, so RUNNING means dead. Their bronze copies go too (partial,
  // or of an object that will be processed again).
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, env.catalog->Begin(catalog::TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(
        auto dead, tx->Query("SELECT run_id FROM job_runs WHERE dataset = $1 AND status = 'RUNNING'",
                             {lake.dataset}));
    if (!dead.empty()) {
      // Bronze goes before the status changes: a process killed in between leaves the run
      // RUNNING, and the next recovery removes (nothing more) again. The other order left
      // bronze copies of FAILED runs behind for good.
      for (const auto& r : dead) fs::remove_all(lake.Dir("bronze") + "/" + r.Text(0), ec);
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "UPDATE job_runs SET status = 'FAILED', finished_at = $2, error = $3 "
          "WHERE dataset = $1 AND status = 'RUNNING'",
          {lake.dataset, NowText(*env.clock),
           std::string("the run was interrupted (its process died); its output was rolled back")}));
      SLUICE_RETURN_IF_ERROR(tx->Commit());
    }
  }
  // Files superseded by a published run that a crash left on disk.
  std::vector<std::pair<int64_t, std::string>> deleted;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, env.catalog->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(
        auto rows,
        tx->Query(
            "SELECT file_id, path FROM dataset_files WHERE dataset = $1 AND state = 'deleted'",
            {lake.dataset}));
    for (const auto& r : rows) deleted.emplace_back(r.Int(0), r.Text(1));
  }
  if (!deleted.empty()) {
    for (const auto& [id, rel] : deleted) SLUICE_RETURN_IF_ERROR(RemoveFileIfExists(lake.Abs(rel)));
    SLUICE_ASSIGN_OR_RETURN(auto tx, env.catalog->Begin(catalog::TxMode::kWrite));
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "UPDATE dataset_files SET state = 'removed' WHERE dataset = $1 AND state = 'deleted'",
        {lake.dataset}));
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  // Key index files other than the current one.
  std::string current;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, env.catalog->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(
        auto row,
        tx->QueryOne("SELECT path FROM dataset_key_indexes WHERE dataset = $1", {lake.dataset}));
    if (row) current = row->Text(0);
  }
  for (const auto& entry : fs::directory_iterator(lake.Meta(), ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("keys-", 0) != 0) continue;
    std::string rel = "_sluice/" + lake.dataset + "/" + name;
    if (rel != current) SLUICE_RETURN_IF_ERROR(RemoveFileIfExists(entry.path().string()));
  }
  return Status::OK();
}

Result<int64_t> RewriteWithout(const Lake& lake, const std::string& in_rel,
                               const std::string& out_rel, const RowDropper& drop,
                               const parquet::WriterOptions& options, int64_t* removed,
                               int64_t* bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::OpenFile(lake.Abs(in_rel)));
  SLUICE_RETURN_IF_ERROR(
      common::CreateDirectories(fs::path(lake.Abs(out_rel)).parent_path().string()));
  SLUICE_ASSIGN_OR_RETURN(auto out, common::AtomicFileOutputStream::Open(lake.Abs(out_rel), true));
  SLUICE_ASSIGN_OR_RETURN(auto writer,
                          parquet::FileWriter::Open(out.get(), reader->schema(), options));
  int64_t kept = 0;
  int64_t ordinal = 0;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    SLUICE_ASSIGN_OR_RETURN(RecordBatch batch, reader->ReadRowGroup(g, {}));
    std::vector<uint8_t> keep(static_cast<size_t>(batch.num_rows), 1);
    for (int64_t r = 0; r < batch.num_rows; ++r, ++ordinal) {
      if (drop(batch, r, ordinal)) {
        keep[static_cast<size_t>(r)] = 0;
        ++*removed;
      }
    }
    RecordBatch kept_rows = FilterRows(batch, keep);
    kept += kept_rows.num_rows;
    SLUICE_RETURN_IF_ERROR(writer->Write(kept_rows));
  }
  SLUICE_RETURN_IF_ERROR(writer->Close());
  SLUICE_RETURN_IF_ERROR(out->Close());
  std::error_code ec;
  *bytes = static_cast<int64_t>(fs::file_size(lake.Abs(out_rel), ec));
  return kept;
}

RowDropper DropKeys(const std::vector<std::string>& key_names, const std::set<std::string>& keys) {
  return [&key_names, &keys, key = std::string()](const RecordBatch& batch, int64_t r,
                                                  int64_t) mutable {
    key.clear();
    for (const std::string& k : key_names) {
      int idx = batch.schema.IndexOf(k);
      if (idx >= 0) AppendOrderedKey(batch.columns[static_cast<size_t>(idx)], r, &key);
    }
    return keys.count(key) > 0;
  };
}

}  // namespace sluice::etl
