#pragma once

// Runs an ETL job (job_spec.h) on one source object: Glue's job run. The stages, in order:
//
//   bookmark check → schema evolution (schema_evolution.h) → read (CSV / JSONL /
//   Parquet, decompressed by suffix; the bronze copy is written from the same bytes)
//   → cast each mapped column (cast.h) → derived columns (expression.h)
//   → row-level DQDL rules → dedupe within the object and against silver (key_index.h)
//   → Parquet files per Hive partition, dataset-level DQDL rules over exactly those rows
//   → publish in one catalog transaction.
//
// Memory: rows wait until the object is read (dedupe needs all of them); beyond
// JobEnvironment::memory_budget_bytes they are written early as finished partition files
// ("spills"), and a spilled row that a later duplicate replaces is removed by rewriting its
// file before the publish. Dedupe's keys stay in memory up to a quarter of the budget; past
// that every key goes, with its row's place in the spill files, to one of many bucket files
// by its hash, and after the read each bucket is deduplicated against the same bucket of the
// key index (a grace hash join), so memory does not grow with the object nor the dataset.
//
// Threads: the run's own thread applies rules, quarantine and dedupe to the rows in the
// object's order. With two threads for CSV (or any number for Parquet), parsing and casting
// run ahead of it on one other thread. With three or more for CSV, two or more for JSON
// lines, the object is read as one stream
// (decompression and the bronze tee need its bytes in order) that the workers take turns
// cutting into blocks of whole records (JobEnvironment::block_bytes, record_block.h); every
// worker parses and casts the blocks it cut, and the run's thread takes their batches
// strictly in block order, so a run's outcome does not depend on the thread count or the
// block size. At most two blocks per worker are in flight. Bronze is compressed on a thread
// of its own, and partitions are written by all threads.
//
// Where rows go: every row read ends in exactly one of silver (written), quarantine (a
// parse, cast, nullability, derivation or rule failure; one JSON line with the raw text,
// line, source, column, rule and reason), duplicates (lost to a newer row with the same
// key, here or already in silver) or, when the run fails, withheld (valid rows not
// published). Every run checks rows_read = written + quarantined + duplicates + withheld
// and fails with Internal if it does not hold.
//
// Atomicity: files are written under final, run-unique names whose list is first recorded
// in the lake's staging folder; the catalog transaction that publishes them (dataset_files
// rows, the key index swap, the run's status, its bookmark, superseded files marked
// deleted) is the commit point. A run that dies earlier is rolled back by the next run of
// the dataset (RecoverDataset), so catalog readers never see half a run. Re-running a source
// object replaces every file that object produced before.
//
// Lake layout (docs/formats/lake.md), under JobEnvironment::lake_dir:
//   bronze/<dataset>/<run_id>/<object name>[.zst]
//   silver/<dataset>/<col>=<value>/…/part-<run_id>-<n>.parquet (and -s/-d/-r variants)
//   quarantine/<dataset>/<run_id>.jsonl
//   _sluice/<dataset>/keys-<run_id>.idx, _sluice/<dataset>/staging/<run_id>.pending
//   _sluice/<dataset>/staging/<run_id>.tmp/ (dedupe's key buckets while the run works)
//
// Runs of one dataset are serialised by a lock file; runs of different datasets may run in
// parallel (each uses its own threads). A CompiledJob is immutable and thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/io.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/etl/job_spec.h"

namespace sluice::etl {

// A job spec with its types, casts, expressions and rules resolved.
struct CompiledJob;

// Resolves and checks everything that can be checked without data: types, formats,
// expressions (against the mapped columns), the DQDL rules, dedupe and partition columns.
// InvalidArgument naming the spec file, line and field.
Result<std::shared_ptr<const CompiledJob>> CompileJob(const JobSpec& spec);

const JobSpec& SpecOf(const CompiledJob& job);

// The object a run reads.
struct SourceObject {
  std::string uri;     // s3://bucket/key, or the path of a local file
  std::string bucket;  // "" for a local file
  std::string key;     // the object key, or the local file's absolute path
  std::string etag;    // the object's ETag (for a local file: the MD5 of its bytes, or "")
  // The bytes read must have `etag` as MD5 (a plain, non-multipart ETag): the run fails when
  // the object changed while it was read.
  bool verify_etag = false;
  int64_t size = 0;
  // Opens the object's raw (possibly compressed) bytes; may be called more than once.
  std::function<Result<std::unique_ptr<common::InputStream>>()> open;
};

// A local file as a SourceObject (reads it once to compute its MD5 when `with_etag`, which
// bookmarks need).
Result<SourceObject> LocalSource(const std::string& path, bool with_etag);

struct JobEnvironment {
  catalog::Catalog* catalog = nullptr;   // must outlive the run
  std::string lake_dir;                  // where bronze/silver/quarantine live
  int threads = 1;                       // worker threads for parsing and writing
  // With two threads or more for JSON lines, three or more for CSV, an object's decompressed
  // bytes are cut into blocks of whole records of about this size, parsed and cast in
  // parallel (tests use tiny ones).
  size_t block_bytes = size_t{2} << 20;
  const common::Clock* clock = nullptr;  // DataFreshness and timestamps (default: system)
  // Rows a run holds in memory before it writes them to their partitions' files ("spills");
  // rows that a later duplicate replaces are then removed by rewriting those files.
  int64_t memory_budget_bytes = int64_t{512} << 20;
  // Dedupe keeps the object's keys in memory while they take at most a quarter of the budget;
  // beyond it (or when the dataset's key index is larger than that) it works one hash bucket
  // of keys at a time on disk (docs/jobs.md, "Threads and memory"). 0: so; N > 0: always by
  // buckets, about N of them (rounded up to a power of two); -1: always in memory.
  int dedupe_buckets = 0;
};

struct RunOptions {
  bool ignore_bookmark = false;  // run even when the bookmark says the object was processed
};

struct RunOutcome {
  std::string run_id;
  std::string status;           // SUCCEEDED, FAILED or SKIPPED (bookmarked)
  std::string error;            // why the run failed ("" otherwise)
  common::json::object report;  // the run report (docs/jobs.md#run-report)
};

// Runs `job` on `source`. A failed run (unreadable object, failed dataset rule,
// incompatible schema) is an outcome with status FAILED, recorded in the catalog; a Status is
// returned only when the run could not even be recorded (catalog or lake unavailable).
Result<RunOutcome> RunJob(const CompiledJob& job, const SourceObject& source,
                          const JobEnvironment& env, const RunOptions& options = {});

// Completes or rolls back runs of `dataset` that a crashed process left behind (under the
// dataset's lock). Called by RunJob; exposed for tools and tests.
Status RecoverDataset(const JobEnvironment& env, const std::string& dataset);

// Forgets every bookmark of `job` and removes the outputs (silver files, key index entries)
// of the runs it forgets, in one transaction; their files are deleted afterwards. Returns
// the number of bookmarks forgotten.
Result<int64_t> ResetBookmarks(const JobEnvironment& env, const std::string& job,
                               const std::string& dataset);

// Runs as JSON objects (newest first), optionally only those of `job`.
Result<common::json::array> ListRuns(catalog::Catalog& catalog, const std::string& job, int limit);

}  // namespace sluice::etl
