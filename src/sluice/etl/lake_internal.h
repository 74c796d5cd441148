#pragma once

// The job runner's view of the lake (docs/formats/lake.md): paths of a dataset's layers, the
// per-dataset lock, the pending list that makes a run's files recoverable, recovery of runs
// that died, and whole-file Parquet writes and rewrites. Internal to the etl module.
// Functions are thread-safe for distinct files; a Lake is plain data.

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/file_util.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/etl/job_runner.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

std::string NowText(const common::Clock& clock);

// Where one dataset's files live under the lake root. Relative paths ("silver/orders/…")
// are what the catalog records.
struct Lake {
  std::string root;
  std::string dataset;

  std::string Dir(std::string_view layer) const {
    return root + "/" + std::string(layer) + "/" + dataset;
  }
  std::string Meta() const { return root + "/_sluice/" + dataset; }
  std::string Pending(const std::string& run_id) const {
    return Meta() + "/staging/" + run_id + ".pending";
  }
  std::string Abs(const std::string& rel) const { return root + "/" + rel; }
};

// An exclusive lock on a dataset for as long as the object lives (flock: released by the
// kernel if the process dies).
class DatasetLock {
 public:
  static Result<DatasetLock> Acquire(const Lake& lake);

 private:
  common::FileDescriptor fd_;
};

Status RemoveFileIfExists(const std::string& path);

// Writes `rows` as the Parquet file `rel` of the lake; returns its size. Durably unless
// `durable` is false: then the caller fsyncs the file and its directory (common::FsyncAll)
// before anything refers to it.
Result<int64_t> WriteParquet(const Lake& lake, const std::string& rel,
                             const parquet::RecordBatch& rows,
                             const parquet::WriterOptions& options, bool durable = true);

// The pending list: every file a run may create, recorded (atomically) before it creates them.
Status WritePending(const Lake& lake, const std::string& run_id,
                    const std::vector<std::string>& rel_paths);

// Rolls back the pending lists of runs that did not succeed, removes files the catalog marks
// deleted and key indexes other than the current one. Call with the dataset's lock held.
Status RecoverLocked(const JobEnvironment& env, const Lake& lake);

// Copies a Parquet file of the lake to `out_rel` without the rows `drop` selects (given the
// row group's batch, the row in it and the row's ordinal in the file). Returns the rows kept;
// `removed` counts the others.
using RowDropper = std::function<bool(const parquet::RecordBatch&, int64_t row, int64_t ordinal)>;
Result<int64_t> RewriteWithout(const Lake& lake, const std::string& in_rel,
                               const std::string& out_rel, const RowDropper& drop,
                               const parquet::WriterOptions& options, int64_t* removed,
                               int64_t* bytes);

// Drops the rows whose dedupe key (AppendOrderedKey of `key_names`) is in `keys`. Both must
// outlive the returned function.
RowDropper DropKeys(const std::vector<std::string>& key_names, const std::set<std::string>& keys);

}  // namespace sluice::etl
