#include "sluice/etl/job_runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "sluice/common/file_util.h"
#include "sluice/common/hash.h"
#include "sluice/common/ids.h"
#include "sluice/etl/batch_ops.h"
#include "sluice/etl/bronze_internal.h"
#include "sluice/etl/cast.h"
#include "sluice/parquet/column_type.h"
#include "sluice/etl/decompress.h"
#include "sluice/etl/dqdl.h"
#include "sluice/etl/dqdl_eval.h"
#include "sluice/etl/expression.h"
#include "sluice/etl/key_index.h"
#include "sluice/etl/lake_internal.h"
#include "sluice/etl/quarantine_internal.h"
#include "sluice/etl/record_source.h"
#include "sluice/etl/schema_evolution.h"
#include "sluice/etl/schema_registry.h"
#include "sluice/etl/utf8.h"
#include "sluice/parquet/file_reader.h"
#include "sluice/parquet/file_writer.h"

namespace sluice::etl {

namespace fs = std::filesystem;
namespace json = common::json;
using parquet::ColumnVector;
using parquet::RecordBatch;
using parquet::Schema;

// ---------------------------------------------------------------------------------------
// Compilation

namespace {

struct CompiledColumn {
  ColumnMapping mapping;
  parquet::DataType type;
  std::optional<TextCaster> caster;
};

// Everything a run needs once the source's columns are known.
struct Plan {
  std::vector<CompiledColumn> columns;
  std::vector<ColumnExpression> derived;
  Schema mapped_schema;  // the mapped columns
  Schema schema;         // mapped + derived: the dataset's rows
  Ruleset row_rules;
  Ruleset dataset_rules;
  std::vector<int> row_rule_index;  // position in the job's ruleset
  std::vector<int> dataset_rule_index;
  std::vector<int> partition_cols;  // in `schema`
  std::vector<int> key_cols;
  int order_col = -1;
};

Status SpecError(const JobSpec& spec, int line, const std::string& what) {
  std::string where = spec.path.empty() ? "job" : spec.path;
  if (line > 0) where += ":" + std::to_string(line);
  return Status::InvalidArgument(where + ": " + what);
}

Result<Plan> MakePlan(const JobSpec& spec, const Ruleset& rules,
                      const std::vector<ColumnMapping>& mapping) {
  Plan plan;
  for (const ColumnMapping& m : mapping) {
    CompiledColumn c;
    c.mapping = m;
    auto type = parquet::ParseColumnType(m.type);
    if (!type.ok())
      return SpecError(spec, m.line, "mapping of \"" + m.target + "\": " + type.status().message());
    c.type = *type;
    if (!m.source_type.empty()) {
      auto st = parquet::ParseColumnType(m.source_type);
      if (!st.ok()) {
        return SpecError(spec, m.line,
                         "mapping of \"" + m.target + "\": source type: " + st.status().message());
      }
    }
    CastOptions options;
    options.format = m.format;
    options.trim = m.trim;
    auto caster = TextCaster::Make(c.type, options);
    if (!caster.ok())
      return SpecError(spec, m.line,
                       "mapping of \"" + m.target + "\": " + caster.status().message());
    c.caster.emplace(std::move(*caster));
    plan.mapped_schema.fields.push_back(parquet::Field{m.target, c.type, m.nullable});
    plan.columns.push_back(std::move(c));
  }
  plan.schema = plan.mapped_schema;
  for (const DerivedColumn& d : spec.derived) {
    if (plan.schema.IndexOf(d.name) >= 0) {
      return SpecError(spec, d.line, "derived column \"" + d.name + "\" already exists");
    }
    auto expr = ColumnExpression::Parse(d.expression);
    if (!expr.ok())
      return SpecError(spec, d.line,
                       "derived column \"" + d.name + "\": " + expr.status().message());
    Status st = expr->Bind(plan.schema);
    if (!st.ok())
      return SpecError(spec, d.line, "derived column \"" + d.name + "\": " + st.message());
    plan.schema.fields.push_back(parquet::Field{d.name, expr->type(), true});
    plan.derived.push_back(std::move(*expr));
  }
  for (size_t i = 0; i < rules.rules.size(); ++i) {
    const Rule& r = rules.rules[i];
    if (r.IsRowLevel()) {
      plan.row_rules.rules.push_back(r);
      plan.row_rule_index.push_back(static_cast<int>(i));
    } else {
      plan.dataset_rules.rules.push_back(r);
      plan.dataset_rule_index.push_back(static_cast<int>(i));
    }
  }
  for (const std::string& p : spec.partition_by) {
    int idx = plan.schema.IndexOf(p);
    if (idx < 0) return SpecError(spec, 0, "partition_by: unknown column \"" + p + "\"");
    plan.partition_cols.push_back(idx);
  }
  if (!plan.partition_cols.empty() && plan.partition_cols.size() >= plan.schema.fields.size()) {
    return SpecError(spec, 0, "partition_by: at least one column must stay in the files");
  }
  auto is_partition = [&](int idx) {
    return std::find(plan.partition_cols.begin(), plan.partition_cols.end(), idx) !=
           plan.partition_cols.end();
  };
  for (const std::string& k : spec.dedupe.key) {
    int idx = plan.schema.IndexOf(k);
    if (idx < 0) return SpecError(spec, 0, "dedupe.key: unknown column \"" + k + "\"");
    if (is_partition(idx)) {
      return SpecError(spec, 0,
                       "dedupe.key: \"" + k +
                           "\" is a partition column; key columns must be stored in the files");
    }
    plan.key_cols.push_back(idx);
  }
  if (!spec.dedupe.order_by.empty()) {
    plan.order_col = plan.schema.IndexOf(spec.dedupe.order_by);
    if (plan.order_col < 0) {
      return SpecError(spec, 0, "dedupe.order_by: unknown column \"" + spec.dedupe.order_by + "\"");
    }
    if (is_partition(plan.order_col)) {
      return SpecError(spec, 0,
                       "dedupe.order_by: \"" + spec.dedupe.order_by +
                           "\" is a partition column; it must be stored in the files");
    }
  }
  return plan;
}

}  // namespace

struct CompiledJob {
  JobSpec spec;
  Ruleset rules;
  EvolutionPolicy policy = EvolutionPolicy::kAdditive;
  parquet::WriterOptions writer;
  std::optional<Plan> plan;  // set when the spec declares a mapping
};

const JobSpec& SpecOf(const CompiledJob& job) { return job.spec; }

Result<std::shared_ptr<const CompiledJob>> CompileJob(const JobSpec& spec) {
  auto job = std::make_shared<CompiledJob>();
  job->spec = spec;
  if (!spec.rules.empty()) {
    std::string source = spec.path.empty() ? "rules" : spec.path + " (rules)";
    auto rules = ParseRuleset(spec.rules, source);
    if (!rules.ok()) return rules.status();
    job->rules = std::move(*rules);
  }
  SLUICE_ASSIGN_OR_RETURN(job->policy, ParseEvolutionPolicy(spec.evolution));
  parquet::WriterOptions& w = job->writer;
  static const std::map<std::string, parquet::CompressionCodec> kCodecs = {
      {"none", parquet::CompressionCodec::kUncompressed},
      {"snappy", parquet::CompressionCodec::kSnappy},
      {"gzip", parquet::CompressionCodec::kGzip},
      {"zstd", parquet::CompressionCodec::kZstd}};
  w.codec = kCodecs.at(spec.output.codec);
  w.compression_level = spec.output.compression_level;
  w.row_group_rows = spec.output.row_group_rows;
  w.row_group_bytes = spec.output.row_group_bytes;
  w.created_by = "sluice version 0.1.0 (build sluice) job " + spec.name;
  if (!spec.mapping.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Plan plan, MakePlan(spec, job->rules, spec.mapping));
    job->plan = std::move(plan);
  } else if (spec.format != SourceFormat::kParquet && !spec.derived.empty()) {
    // Checked at run time against the inferred columns; parse errors are reported now.
    for (const DerivedColumn& d : spec.derived) {
      auto expr = ColumnExpression::Parse(d.expression);
      if (!expr.ok())
        return SpecError(spec, d.line,
                         "derived column \"" + d.name + "\": " + expr.status().message());
    }
  }
  return std::shared_ptr<const CompiledJob>(std::move(job));
}

// ---------------------------------------------------------------------------------------
// Sources

Result<SourceObject> LocalSource(const std::string& path, bool with_etag) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return Status::InvalidArgument("cannot resolve " + path + ": " + ec.message());
  auto size = fs::file_size(abs, ec);
  if (ec) return Status::NotFound("cannot read source " + path + ": " + ec.message());
  SourceObject src;
  src.uri = abs.string();
  src.key = abs.string();
  src.size = static_cast<int64_t>(size);
  std::string p = abs.string();
  src.open = [p]() -> Result<std::unique_ptr<common::InputStream>> {
    SLUICE_ASSIGN_OR_RETURN(auto in, common::FileInputStream::Open(p));
    return std::unique_ptr<common::InputStream>(std::move(in));
  };
  if (with_etag) {
    SLUICE_ASSIGN_OR_RETURN(auto in, src.open());
    common::Hasher md5(common::HashAlgorithm::kMd5);
    std::string buf(1 << 20, '\0');
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
      if (n == 0) break;
      md5.Update(buf.data(), n);
    }
    src.etag = md5.FinishHex();
  }
  return src;
}

// ---------------------------------------------------------------------------------------
// The run

namespace {

// ---------------------------------------------------------------------------------------
// Type inference for sources without a mapping

// The narrowest of bool, int64, double, date, timestamp, string that every non-null sample
// value casts to.
Result<std::vector<ColumnMapping>> InferMapping(const JobSpec& spec, RecordSource& source) {
  static const char* kCandidates[] = {"bool", "int64", "double", "date", "timestamp", "string"};
  std::vector<std::optional<TextCaster>> casters;
  std::vector<ColumnVector> scratch;
  for (const char* name : kCandidates) {
    SLUICE_ASSIGN_OR_RETURN(parquet::DataType t, parquet::ParseColumnType(name));
    SLUICE_ASSIGN_OR_RETURN(TextCaster c, TextCaster::Make(t));
    casters.emplace_back(std::move(c));
    scratch.push_back(ColumnVector::Make(t));
  }
  const std::vector<std::string>& cols = source.columns();
  std::vector<size_t> candidate(cols.size(), 0);  // index into kCandidates; only moves up
  std::vector<bool> seen(cols.size(), false);
  TextRecord rec;
  std::string reason;
  for (int n = 0; n < 1000; ++n) {
    SLUICE_ASSIGN_OR_RETURN(bool more, source.Next(&rec));
    if (!more) break;
    if (!rec.error.empty() || rec.fields.size() != cols.size()) continue;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (rec.nulls[c]) continue;
      seen[c] = true;
      while (candidate[c] + 1 < std::size(kCandidates)) {
        ColumnVector& col = scratch[candidate[c]];
        if (casters[candidate[c]]->Append(rec.fields[c], &col, &reason)) break;
        ++candidate[c];
      }
    }
    for (ColumnVector& s : scratch) s = ColumnVector::Make(s.type);
  }
  std::vector<ColumnMapping> mapping;
  for (size_t c = 0; c < cols.size(); ++c) {
    ColumnMapping m;
    m.source = m.target = cols[c];
    m.source_type = "string";
    m.type = seen[c] ? kCandidates[candidate[c]] : "string";
    mapping.push_back(std::move(m));
  }
  (void)spec;
  return mapping;
}

// ---------------------------------------------------------------------------------------
// The run

constexpr int64_t kBatchRows = 16384;
// From this many threads on, an object is parsed in blocks on several threads. JSON lines
// cost several times more to parse per row than CSV, so two block parsers beat one parse
// thread ahead of the rules (10-15% on the 2-core bench); for CSV one parse thread keeps up
// with the rules' thread without the blocks' extra pass over the bytes (~5% faster at two
// threads), so CSV splits from three (bench/RESULTS.md).
int MinThreadsForBlocks(SourceFormat format) { return format == SourceFormat::kJsonl ? 2 : 3; }

// Room for `rows` values (and their validity) and `bytes` of variable-length values in the
// member of `col` its type uses.
void ReserveColumn(ColumnVector* col, int64_t rows, size_t bytes) {
  const auto n = static_cast<size_t>(rows);
  col->validity.reserve(n);
  switch (parquet::StorageOf(col->type)) {
    case parquet::Storage::kBools: col->bools.reserve(n); break;
    case parquet::Storage::kInts32: col->ints32.reserve(n); break;
    case parquet::Storage::kInts64: col->ints64.reserve(n); break;
    case parquet::Storage::kFloats: col->floats.reserve(n); break;
    case parquet::Storage::kDoubles: col->doubles.reserve(n); break;
    case parquet::Storage::kOffsets:
      col->offsets.reserve(n + 1);
      col->bytes.reserve(bytes);
      break;
    case parquet::Storage::kFixed: col->bytes.reserve(bytes); break;
    case parquet::Storage::kNone: break;
  }
}

// The clean rows of one batch, kept until the object is read (dedupe must see every row
// before anything is written), with each row's partition and whether it lost to a duplicate.
struct Chunk {
  RecordBatch rows;  // the dataset schema (partition columns included)
  std::vector<int32_t> partition;
  std::vector<uint8_t> dropped;
  std::vector<int64_t>
      ordinal;        // while spilling: the row's ordinal among its partition's spilled rows
  int64_t bytes = 0;  // approximate memory of `rows`
  // The kept rows grouped by partition, in row order within each (IndexByPartition):
  // partition p's are by_partition[partition_start[p], partition_start[p + 1]).
  std::vector<int64_t> by_partition;
  std::vector<int64_t> partition_start;
};

// One batch as the parser hands it over: the mapped columns cast (a failed value is a null
// plus an entry in `failures`), with each row's line and raw text, and the records that did
// not even parse.
struct ParsedBatch {
  RecordBatch batch;
  std::vector<int64_t> lines;
  std::string raw_arena;
  std::vector<size_t> raw_ends;  // row i's raw text ends here in raw_arena
  std::vector<std::vector<QuarantineSink::Failure>> failures;
  struct ParseError {
    int64_t line;
    std::string raw;
    std::string reason;
  };
  std::vector<ParseError> parse_errors;
  int64_t records = 0;  // records read, parse errors included
  TextRecord record;    // the parser's scratch

  // Empties the batch for the next one, keeping the buffers' memory (`batch` has been moved
  // into the run's chunks by then).
  void Reset() {
    batch = RecordBatch();
    lines.clear();
    raw_arena.clear();
    raw_ends.clear();
    failures.clear();
    parse_errors.clear();
    records = 0;
  }
};

// Parsed batches whose buffers (the raw text of every row above all: a copy of the whole
// object over the run) are handed back after they were consumed and taken again by the
// parser, so that each batch does not fault in fresh pages. Thread-safe.
class ParsedBatchPool {
 public:
  ParsedBatch Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return ParsedBatch();
    ParsedBatch b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void Give(ParsedBatch b) {
    b.Reset();
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(b));
  }

 private:
  std::mutex mu_;
  std::vector<ParsedBatch> free_;
};

// The sizes a parser expects of its next batch: rows, each column's value bytes and the raw
// text (those of its previous batch). Reserved room counts against the memory budget.
struct BatchSizes {
  int64_t rows = 0;
  std::vector<size_t> column_bytes;
  size_t raw = 0;
};

// Ordinals of a partition's spilled rows that lost to a later duplicate: one bit per row
// (a std::set cost ~40 bytes per dropped row, and a big object can drop millions).
class OrdinalSet {
 public:
  void Insert(int64_t ordinal) {
    const auto w = static_cast<size_t>(ordinal >> 6);
    if (w >= words_.size()) words_.resize(std::max(w + 1, words_.size() * 2), 0);
    const uint64_t bit = uint64_t{1} << (ordinal & 63);
    if ((words_[w] & bit) == 0) ++size_;
    words_[w] |= bit;
  }
  bool Contains(int64_t ordinal) const {
    const auto w = static_cast<size_t>(ordinal >> 6);
    return w < words_.size() && (words_[w] >> (ordinal & 63) & 1) != 0;
  }
  // Whether an ordinal in [begin, end) is in the set.
  bool AnyIn(int64_t begin, int64_t end) const {
    for (int64_t i = begin; i < end;) {
      const auto w = static_cast<size_t>(i >> 6);
      if (w >= words_.size()) return false;
      if ((i & 63) == 0 && end - i >= 64) {
        if (words_[w] != 0) return true;
        i += 64;
      } else {
        if (Contains(i)) return true;
        ++i;
      }
    }
    return false;
  }
  int64_t size() const { return size_; }

 private:
  std::vector<uint64_t> words_;
  int64_t size_ = 0;
};

struct Partition {
  std::string path;    // "order_date=2026-11-27" (several columns joined by '/'); "" unpartitioned
  int64_t rows = 0;    // rows kept (after dedupe)
  RecordBatch values;  // one row holding the partition's values (every column of the schema)
  // When the run's rows outgrow the memory budget they are written ("spilled") to files of
  // their partitions while the object is still being read, one complete file per partition
  // and spill; rows later lost to a newer duplicate are removed by rewriting those files.
  struct SpillFile {
    std::string rel;
    int64_t first_ordinal = 0;  // ordinals of the partition's spilled rows, in spill order
    int64_t rows = 0;
    int64_t bytes = 0;
  };
  std::vector<SpillFile> spill_files;
  int64_t spilled = 0;     // rows spilled so far
  OrdinalSet spill_drops;  // ordinals of spilled rows that lost to a later duplicate
  // Dedupe by buckets: the ordinal the partition's next kept row will have in its spill files
  // (no row is dropped in memory then, so ordinals are known when a row is accepted).
  int64_t next_ordinal = 0;
};

struct RunCounts {
  int64_t read = 0;
  int64_t written = 0;
  int64_t quarantined = 0;
  int64_t dup_in_object = 0;
  int64_t dup_against_silver = 0;
  int64_t withheld = 0;
  int64_t silver_rows_replaced = 0;
};

struct SilverFile {
  int64_t file_id = 0;
  std::string path;
  std::string partition;
  std::string source;
  int64_t schema_version = 0;
};

// A silver file this run writes (a partition's new rows, or a rewrite of an older file).
struct PlannedFile {
  std::string rel_path;
  std::string partition;
  std::string source;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t schema_version = 0;  // 0: the run's
  int partition_index = -1;    // new rows: the partition
  int64_t replaces_file = 0;   // rewrite: the file it replaces
  int64_t replaced_rows = 0;   // rewrite: rows removed (now newer in this run)
  bool spilled = false;        // new rows: a spill file (written already)
  int64_t first_ordinal = 0;   // spilled: the ordinals of its rows in the partition
  int64_t ordinal_end = 0;
  std::string rewrite_rel;  // spilled: where the file goes without its dropped rows
  int64_t file_id = 0;      // reserved once the files are planned (ReserveFileIds)
};

class JobRun {
 public:
  JobRun(const CompiledJob& job, const SourceObject& source, const JobEnvironment& env)
      : job_(job),
        spec_(job.spec),
        source_(source),
        env_(env),
        lake_{env.lake_dir, job.spec.dataset} {}

  Result<RunOutcome> Run(const RunOptions& options);

 private:
  Status ReadAll();
  // ReadAll() on several threads for a splittable source: the workers take turns cutting the
  // next block of `source` and parse each block they cut into one batch (`parse`); this
  // thread hands the batches to `consume` strictly in block order.
  Status ReadBlocks(RecordSource& source,
                    const std::function<Status(RecordSource&, BatchSizes*, ParsedBatch*)>& parse,
                    const std::function<Status(ParsedBatch*)>& consume);
  // Derived columns, row-level rules and quarantine for one parsed batch, then Accept().
  Status ProcessBatch(ParsedBatch* parsed, RuleEvaluator* row_eval);
  // Takes the rows of `batch` whose `keep` entry is nonzero (the others were quarantined).
  Status Accept(RecordBatch batch, std::vector<uint8_t> keep);
  Status DedupeAgainstSilver();
  // The bytes dedupe's keys may take in memory before dedupe goes by buckets.
  int64_t KeyShare() const { return std::max<int64_t>(env_.memory_budget_bytes / 4, 0); }
  // Write buffers of one set of bucket files, all buckets together.
  size_t BucketBufferBytes() const {
    return static_cast<size_t>(std::clamp<int64_t>(KeyShare(), int64_t{1} << 20, int64_t{32} << 20));
  }
  // Moves dedupe to buckets on disk: spills every row in memory and writes the keys so far
  // (now all in spill files) to the run's bucket files.
  Status SwitchToBuckets();
  // Dedupe by buckets, after the object is read: per bucket, the duplicates within the
  // object, then against the same bucket of the key index; writes the new index's entries
  // (with run rows still as spill locations) to bucket files that Commit() turns into the
  // index.
  Status DedupeInBuckets();
  // The new key index from DedupeInBuckets()'s entries (in Commit, once files have ids).
  Status WriteBucketedIndex(const std::map<int64_t, int64_t>& remap);
  // Gives every planned file its dataset_files id now (a range reserved in the catalog), so
  // that the key index can be written while the files are, not inside the publish.
  Status ReserveFileIds();
  // Rewritten silver files' old ids → their rewrites' ids (planned_ has its ids).
  std::map<int64_t, int64_t> RewriteRemap() const;
  // Writes the new key index kept in memory (the run's winners, merged into the current
  // index when there is one) once ids are reserved; the bucketed index is Commit's.
  Status WriteIndexInMemory();
  // Plans the files, then per partition gathers its kept rows, feeds the dataset-level
  // rules and writes the file (on the worker threads); rewrites superseded silver files.
  Status WriteFiles();
  // Groups every chunk's kept rows by partition (Chunk::by_partition), for GatherPartition;
  // again whenever rows were dropped since.
  void IndexChunksByPartition();
  // The kept rows of `partition` still in memory; gives each its ordinal in the partition's
  // spill file counting from `first_ordinal`. IndexChunksByPartition() first.
  RecordBatch GatherPartition(int partition, int64_t first_ordinal);
  // The row `w` points at lost to a newer duplicate (in memory, or in a spill file).
  // `current` is the chunk being accepted (index `current_index`, not yet in chunks_).
  void DropWinnerRow(const KeyTable::Entry& w, Chunk* current, int64_t current_index);
  // The file id (after Commit assigned them) holding the winner `w`.
  int64_t WinnerFile(const KeyTable::Entry& w) const;
  // Writes every partition's rows in memory to its spill file and frees them.
  Status Spill();
  // Conforms rows to the dataset schema and leaves out the partition columns.
  Result<RecordBatch> Stored(RecordBatch rows) const;
  Status AddPending(const std::string& rel);
  Status Commit();
  void Cleanup();
  json::object Report() const;
  // Records the time since the previous lap under `phase` (run report "timings_ms").
  void Lap(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    if (std::string_view(phase) != "start") {
      timings_.emplace_back(phase, std::chrono::duration<double, std::milli>(now - lap_).count());
    }
    lap_ = now;
  }
  // Marks the run failed (the first reason wins); processing stops at the next check.
  void MarkFailed(std::string error) {
    if (failed_) return;
    failed_ = true;
    error_ = std::move(error);
  }
  // The same, for `return Fail(...)` in stages that return a Status.
  Status Fail(std::string error) {
    MarkFailed(std::move(error));
    return Status::OK();
  }

  const CompiledJob& job_;
  const JobSpec& spec_;
  const SourceObject& source_;
  const JobEnvironment& env_;
  Lake lake_;
  std::string run_id_;
  std::string started_at_;
  common::Timestamp started_{};
  std::chrono::steady_clock::time_point lap_;
  std::vector<std::pair<std::string, double>> timings_;
  bool failed_ = false;
  bool schema_rejected_ = false;  // the data stays in quarantine as a file
  std::string rejected_rel_;      // ... this one
  std::string error_;

  Plan plan_;
  QuarantineSink quarantine_;
  std::string bronze_rel_;
  int64_t bronze_bytes_ = 0;
  std::unique_ptr<BronzeWriter> bronze_;
  TeeInputStream* tee_ = nullptr;  // owned by the record source of the processing pass
  RunCounts counts_;
  std::vector<RuleResult> rule_results_;  // in the job's rule order
  std::vector<std::string> rule_levels_;
  std::vector<Chunk> chunks_;
  int64_t buffered_bytes_ = 0;  // rows held in memory (approximate)
  bool spilled_any_ = false;
  std::vector<Partition> partitions_;
  std::unordered_map<std::string, int> partition_by_path_;  // ordered key of the values → index
  // Key → newest row: a ≥ 0: chunk a, row b; a = -1: lost to silver; a ≤ -2: spilled, in
  // partition -(a + 2) with ordinal b.
  KeyTable winners_;
  std::vector<SilverFile> replaced_same_source_;         // earlier output of this object
  std::map<int64_t, SilverFile> silver_files_;           // live files of the dataset by id
  std::map<int64_t, std::set<std::string>> superseded_;  // silver file → keys now newer here
  std::optional<KeyTable> index_;                        // the dataset's key index: a = file id
  std::string index_path_;
  // Dedupe by buckets (when the keys outgrow KeyShare()): the current index, read a bucket
  // at a time, and the run's keys (a = -2 - partition, b = ordinal in its spill files).
  bool bucketed_ = false;
  int dedupe_bucket_bits_ = 0;
  std::unique_ptr<KeyIndexReader> index_reader_;
  std::unique_ptr<KeyBucketFiles> run_keys_;
  std::unique_ptr<KeyBucketFiles> new_index_entries_;  // the new index, bucket by bucket
  uint64_t new_index_entries_count_ = 0;
  std::vector<PlannedFile> planned_;
  std::vector<std::vector<const PlannedFile*>> files_by_partition_;  // new rows' files (index)
  std::vector<std::string> pending_;
  std::optional<SchemaVersion> current_schema_;
  Schema write_schema_;  // the dataset schema after evolution
  std::vector<SchemaChange> changes_;
  int64_t schema_version_ = 0;
  std::string new_index_rel_;
  int64_t new_index_keys_ = 0;
};

Status JobRun::ReadAll() {
  const bool parquet_source = spec_.format == SourceFormat::kParquet;
  // `tee`: the bytes also go to the bronze copy (the pass that processes the object).
  auto open = [&](bool tee) -> Result<std::unique_ptr<RecordSource>> {
    if (parquet_source) return OpenParquetRecordSource(lake_.Abs(bronze_->rel()));
    SLUICE_ASSIGN_OR_RETURN(auto raw, source_.open());
    if (tee) {
      auto t = std::make_unique<TeeInputStream>(std::move(raw), bronze_.get());
      tee_ = t.get();
      raw = std::move(t);
    }
    std::string name = source_.key;
    std::unique_ptr<common::InputStream> in;
    if (spec_.compression == "auto") {
      SLUICE_ASSIGN_OR_RETURN(in, OpenMaybeCompressed(std::move(raw), name));
    } else {
      Compression c = spec_.compression == "gzip"   ? Compression::kGzip
                      : spec_.compression == "zstd" ? Compression::kZstd
                                                    : Compression::kNone;
      SLUICE_ASSIGN_OR_RETURN(in, OpenDecompressed(std::move(raw), c, name));
    }
    std::vector<std::string> paths;
    if (spec_.format == SourceFormat::kJsonl && !spec_.mapping.empty()) {
      for (const ColumnMapping& m : spec_.mapping) {
        if (std::find(paths.begin(), paths.end(), m.source) == paths.end())
          paths.push_back(m.source);
      }
      for (const std::string& p : spec_.jsonl_paths) {
        if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
      }
    }
    return OpenRecordSource(spec_, std::move(in), paths, source_.uri);
  };

  // Resolve the plan (inferring the mapping when the spec has none).
  if (job_.plan) {
    plan_ = *job_.plan;
  } else {
    SLUICE_ASSIGN_OR_RETURN(auto sample, open(false));
    SLUICE_ASSIGN_OR_RETURN(std::vector<ColumnMapping> mapping, InferMapping(spec_, *sample));
    auto plan = MakePlan(spec_, job_.rules, mapping);
    if (!plan.ok()) return Fail(plan.status().message());
    plan_ = std::move(*plan);
  }
  SLUICE_ASSIGN_OR_RETURN(auto src, open(!parquet_source));
  // The object is refused as a whole (its columns do not fit the job or the dataset):
  // archive it (bronze: the rest of the bytes after those the header read took) so that it
  // stays quarantined as a file.
  auto refuse = [&](const std::string& message) -> Status {
    schema_rejected_ = true;
    if (!parquet_source) {
      Status copied = tee_->Drain();
      if (copied.ok()) copied = bronze_->Finish();
      if (copied.ok()) {
        bronze_rel_ = bronze_->rel();
        bronze_bytes_ = bronze_->bytes();
      }
    }
    return Fail(message);
  };
  const std::vector<std::string>& names = src->columns();
  std::vector<int> source_index;
  for (const CompiledColumn& c : plan_.columns) {
    auto it = std::find(names.begin(), names.end(), c.mapping.source);
    if (names.empty()) {
      // An empty object (no header, no record): nothing to map; the run reads zero rows and
      // the dataset-level rules (RowCount > 0, …) decide whether that is acceptable.
      source_index.push_back(0);
      continue;
    }
    if (it == names.end()) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      return refuse(source_.uri + ": source column \"" + c.mapping.source + "\" (mapped to \"" +
                    c.mapping.target + "\") is missing; the source has " +
                    (list.empty() ? std::string("no columns") : list));
    }
    source_index.push_back(static_cast<int>(it - names.begin()));
  }

  // Schema evolution against what the dataset holds, before any row is written.
  if (current_schema_) {
    auto evolution = Evolve(current_schema_->schema, plan_.schema, job_.policy, spec_.dataset);
    if (!evolution.ok()) return refuse(evolution.status().message());
    write_schema_ = evolution->schema;
    changes_ = evolution->changes;
  } else {
    write_schema_ = plan_.schema;
  }

  if (!plan_.key_cols.empty() && source_.size > 0) {
    // About one key per 100 bytes of input (orders CSV: 87); growing the table costs more,
    // but a huge object starts at 4M keys rather than touching gigabytes it may not need.
    // Never more than the keys' share of the memory budget (~100 bytes per key).
    winners_.Reserve(static_cast<size_t>(
        std::min({source_.size / 100, int64_t{1} << 22, KeyShare() / 100})));
  }
  RuleEvaluator row_eval(plan_.row_rules, plan_.schema);
  const size_t ncols = plan_.columns.size();
  // Parses and casts up to `max_rows` clean rows of `source` into `b`; `more` false at its end.
  auto parse = [&](RecordSource& source, int64_t max_rows, BatchSizes* sizes, ParsedBatch* b,
                   bool* more) -> Status {
    std::vector<size_t>& last_bytes = sizes->column_bytes;
    b->batch = RecordBatch::Make(plan_.mapped_schema);
    // Sized once for a whole batch: growing by doubling copied every column several times
    // and left the batches (kept until the object is read) on freshly faulted pages.
    const int64_t rows = sizes->rows;
    for (size_t c = 0; c < ncols; ++c)
      ReserveColumn(&b->batch.columns[c], rows, last_bytes[c] + last_bytes[c] / 8);
    b->lines.reserve(static_cast<size_t>(rows));
    b->raw_ends.reserve(static_cast<size_t>(rows));
    b->failures.reserve(static_cast<size_t>(rows));
    b->raw_arena.reserve(sizes->raw + sizes->raw / 8);
    TextRecord& rec = b->record;
    std::vector<QuarantineSink::Failure> row_failures;
    std::string reason;
    while (b->batch.num_rows < max_rows) {
      SLUICE_ASSIGN_OR_RETURN(*more, source.Next(&rec));
      if (!*more) break;
      ++b->records;
      if (!rec.error.empty()) {
        b->parse_errors.push_back({rec.line, std::string(source.RawText()), rec.error});
        continue;
      }
      row_failures.clear();
      for (size_t c = 0; c < ncols; ++c) {
        const CompiledColumn& col = plan_.columns[c];
        ColumnVector& out = b->batch.columns[c];
        size_t si = static_cast<size_t>(source_index[c]);
        if (si >= rec.fields.size() || rec.nulls[si]) {
          if (!col.mapping.nullable) {
            row_failures.push_back(
                {col.mapping.target, "not_null",
                 "\"" + col.mapping.target + "\" is null but the column is not nullable"});
          }
          out.AppendNull();
        } else if (!col.caster->Append(rec.fields[si], &out, &reason)) {
          row_failures.push_back({col.mapping.target, "cast", reason});
          out.AppendNull();
        }
      }
      ++b->batch.num_rows;
      b->lines.push_back(rec.line);
      b->raw_arena += source.RawText();
      b->raw_ends.push_back(b->raw_arena.size());
      b->failures.push_back(row_failures);
    }
    for (size_t c = 0; c < ncols; ++c) last_bytes[c] = b->batch.columns[c].bytes.size();
    sizes->raw = b->raw_arena.size();
    return Status::OK();
  };
  auto consume = [&](ParsedBatch* b) -> Status {
    counts_.read += b->records;
    for (const auto& e : b->parse_errors) {
      quarantine_.Add(source_.uri, run_id_, e.line, e.raw, {{"", "parse", e.reason}});
      ++counts_.quarantined;
    }
    if (b->batch.num_rows == 0) return quarantine_.EndBatch();
    return ProcessBatch(b, &row_eval);
  };
  if (env_.threads <= 1) {
    BatchSizes sizes{kBatchRows, std::vector<size_t>(ncols, 0), 0};
    bool more = true;
    ParsedBatch b;
    while (more) {
      b.Reset();
      SLUICE_RETURN_IF_ERROR(parse(*src, kBatchRows, &sizes, &b, &more));
      SLUICE_RETURN_IF_ERROR(consume(&b));
    }
  } else if (src->splittable() && env_.threads >= MinThreadsForBlocks(spec_.format)) {
    // A block is one batch, of as many rows as it holds (blocks are cut by bytes).
    auto parse_block = [&](RecordSource& block, BatchSizes* sizes, ParsedBatch* b) {
      bool more = true;
      Status parsed = parse(block, std::numeric_limits<int64_t>::max(), sizes, b, &more);
      sizes->rows = b->batch.num_rows + b->batch.num_rows / 8;
      return parsed;
    };
    SLUICE_RETURN_IF_ERROR(ReadBlocks(*src, parse_block, consume));
  } else {
    // CSV with two threads, or Parquet: parsing and casting (the producer) runs ahead of rules,
    // quarantine and dedupe (this thread) on a thread of its own; the queue holds at most two
    // batches, so memory does not grow with the object.
    BatchSizes sizes{kBatchRows, std::vector<size_t>(ncols, 0), 0};
    std::mutex mu;
    std::condition_variable cv;
    std::deque<ParsedBatch> queue;
    bool finished = false;
    bool stop = false;
    Status parse_status;
    ParsedBatchPool spare;
    std::thread producer([&] {
      bool more = true;
      while (more) {
        ParsedBatch b = spare.Take();
        Status st = parse(*src, kBatchRows, &sizes, &b, &more);
        std::unique_lock<std::mutex> lock(mu);
        if (!st.ok()) {
          parse_status = st;
          break;
        }
        cv.wait(lock, [&] { return queue.size() < 2 || stop; });
        if (stop) break;
        queue.push_back(std::move(b));
        cv.notify_all();
      }
      std::lock_guard<std::mutex> lock(mu);
      finished = true;
      cv.notify_all();
    });
    Status consumed;
    while (consumed.ok()) {
      ParsedBatch b;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return finished || !queue.empty(); });
        if (queue.empty()) break;
        b = std::move(queue.front());
        queue.pop_front();
        cv.notify_all();
      }
      consumed = consume(&b);
      spare.Give(std::move(b));
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
      cv.notify_all();
    }
    producer.join();
    SLUICE_RETURN_IF_ERROR(parse_status);
    SLUICE_RETURN_IF_ERROR(consumed);
  }
  SLUICE_RETURN_IF_ERROR(quarantine_.EndBatch());
  SLUICE_RETURN_IF_ERROR(quarantine_.Flush());
  if (!parquet_source) {
    // Every byte of the object reaches bronze, even past where a reader stopped.
    SLUICE_RETURN_IF_ERROR(tee_->Drain());
    SLUICE_RETURN_IF_ERROR(bronze_->Finish());
    bronze_rel_ = bronze_->rel();
    bronze_bytes_ = bronze_->bytes();
  }
  SLUICE_ASSIGN_OR_RETURN(RuleReport row_report, row_eval.Finish(env_.clock->Now()));
  for (size_t i = 0; i < row_report.rules.size(); ++i) {
    rule_results_[static_cast<size_t>(plan_.row_rule_index[i])] = row_report.rules[i];
    rule_levels_[static_cast<size_t>(plan_.row_rule_index[i])] = "row";
    // A row-level rule quarantines its failing rows; it fails the run only when it has a
    // threshold that the data misses.
    const Rule& rule = plan_.row_rules.rules[i];
    if (row_report.rules[i].outcome == Outcome::kFail && rule.has_threshold) {
      MarkFailed("quality rule failed: " + row_report.rules[i].rule + ": " +
                 row_report.rules[i].reason);
    }
  }
  return Status::OK();
}

Status JobRun::ReadBlocks(
    RecordSource& source,
    const std::function<Status(RecordSource&, BatchSizes*, ParsedBatch*)>& parse,
    const std::function<Status(ParsedBatch*)>& consume) {
  // The reading itself stays one stream (decompression and the bronze tee need the bytes in
  // order): a worker cuts the next block under `cut_mu`, which numbers the blocks, then
  // parses it while another cuts. This thread takes the batches in block order, so rules,
  // quarantine and dedupe see the rows in the object's order whatever the threads and the
  // block size. At most two blocks per worker are cut and not yet consumed: memory stays
  // bounded by the block size (plus one record over it), not the object's.
  const int workers = env_.threads;
  const int64_t max_in_flight = 2 * int64_t{workers};
  const size_t block_bytes = std::max<size_t>(env_.block_bytes, 1);
  const size_t ncols = plan_.columns.size();

  std::mutex cut_mu;  // guards `source`, next_block and cut_finished
  int64_t next_block = 0;
  bool cut_finished = false;

  std::mutex mu;  // guards what follows
  std::condition_variable cv;
  int64_t in_flight = 0;      // blocks cut (or being cut) and not yet consumed
  int64_t next_consumed = 0;  // the number of the next block to consume
  int64_t total_blocks = -1;  // known once cutting reached the end
  bool stop = false;          // a failure, or the consumer is done
  Status failure;
  std::map<int64_t, ParsedBatch> ready;
  ParsedBatchPool spare;

  auto fail = [&](Status st) {  // with `mu` held
    if (failure.ok()) failure = std::move(st);
    stop = true;
    cv.notify_all();
  };
  auto work = [&] {
    BatchSizes sizes{0, std::vector<size_t>(ncols, 0), 0};
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || total_blocks >= 0 || in_flight < max_in_flight; });
        if (stop || total_blocks >= 0) return;
        ++in_flight;
      }
      RecordBlock block;
      int64_t number = -1;
      Status cut;
      int64_t total = -1;
      {
        std::lock_guard<std::mutex> lock(cut_mu);
        if (!cut_finished) {
          Result<bool> more = source.NextBlock(block_bytes, &block);
          if (!more.ok()) {
            cut = more.status();
            cut_finished = true;
          } else if (*more) {
            number = next_block++;
          } else {
            cut_finished = true;
          }
        }
        if (cut_finished) total = next_block;
      }
      if (number < 0) {
        std::lock_guard<std::mutex> lock(mu);
        --in_flight;
        total_blocks = total;
        if (!cut.ok()) fail(std::move(cut));
        cv.notify_all();
        return;
      }
      ParsedBatch b = spare.Take();
      Status parsed;
      auto block_source = source.OpenBlock(std::move(block));
      if (block_source.ok()) {
        parsed = parse(**block_source, &sizes, &b);
      } else {
        parsed = block_source.status();
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!parsed.ok()) {
        fail(std::move(parsed));
        return;
      }
      ready.emplace(number, std::move(b));
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) pool.emplace_back(work);

  Status consumed;
  while (consumed.ok()) {
    ParsedBatch b;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] {
        return stop || ready.count(next_consumed) > 0 || next_consumed == total_blocks;
      });
      auto it = ready.find(next_consumed);
      if (stop || it == ready.end()) break;
      b = std::move(it->second);
      ready.erase(it);
      ++next_consumed;
      --in_flight;
      cv.notify_all();
    }
    consumed = consume(&b);
    spare.Give(std::move(b));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
    cv.notify_all();
  }
  for (std::thread& t : pool) t.join();
  SLUICE_RETURN_IF_ERROR(failure);
  return consumed;
}

Status JobRun::ProcessBatch(ParsedBatch* parsed, RuleEvaluator* row_eval) {
  RecordBatch* batch = &parsed->batch;
  std::vector<int64_t>* lines = &parsed->lines;
  std::string* raw_arena = &parsed->raw_arena;
  std::vector<size_t>* raw_ends = &parsed->raw_ends;
  std::vector<std::vector<QuarantineSink::Failure>>* failures = &parsed->failures;
  const int64_t n = batch->num_rows;
  auto raw_of = [&](int64_t i) {
    size_t begin = i == 0 ? 0 : (*raw_ends)[static_cast<size_t>(i - 1)];
    return std::string_view(*raw_arena).substr(begin, (*raw_ends)[static_cast<size_t>(i)] - begin);
  };
  // Derived columns are computed on every row (a row already failing just gets more reasons).
  RecordBatch full;
  full.schema = plan_.schema;
  full.num_rows = n;
  full.columns = std::move(batch->columns);
  for (size_t d = 0; d < plan_.derived.size(); ++d) {
    ColumnVector out = ColumnVector::Make(plan_.derived[d].type());
    std::vector<RowError> errors;
    RecordBatch view;
    view.schema.fields.assign(
        plan_.schema.fields.begin(),
        plan_.schema.fields.begin() + static_cast<long>(plan_.mapped_schema.fields.size() + d));
    view.columns = std::move(full.columns);
    view.num_rows = n;
    SLUICE_RETURN_IF_ERROR(plan_.derived[d].Evaluate(view, &out, &errors));
    full.columns = std::move(view.columns);
    for (const RowError& e : errors) {
      auto& f = (*failures)[static_cast<size_t>(e.row)];
      // A derivation over a value that already failed to cast adds nothing useful.
      if (f.empty()) f.push_back({spec_.derived[d].name, "derive", e.reason});
    }
    full.columns.push_back(std::move(out));
  }
  // Rows that failed so far leave; the rest meet the row-level rules. Leaving rows stay in
  // the batch, marked in `keep` (copying the survivors out cost a tenth of a run).
  std::vector<uint8_t> keep(static_cast<size_t>(n), 1);
  for (int64_t i = 0; i < n; ++i) {
    if (!(*failures)[static_cast<size_t>(i)].empty()) {
      keep[static_cast<size_t>(i)] = 0;
      quarantine_.Add(source_.uri, run_id_, (*lines)[static_cast<size_t>(i)], raw_of(i),
                      (*failures)[static_cast<size_t>(i)]);
      ++counts_.quarantined;
    }
  }
  if (!plan_.row_rules.rules.empty()) {
    std::vector<RowFailure> rule_failures;
    SLUICE_RETURN_IF_ERROR(row_eval->AddBatch(full, keep, &rule_failures));
    if (!rule_failures.empty()) {
      std::map<int64_t, std::vector<QuarantineSink::Failure>> by_row;
      for (const RowFailure& f : rule_failures) {
        if (f.warn) continue;
        const Rule& rule = plan_.row_rules.rules[static_cast<size_t>(f.rule)];
        by_row[f.row].push_back({rule.column, rule.ToString(), f.reason});
      }
      for (auto& [row, fs] : by_row) {
        keep[static_cast<size_t>(row)] = 0;
        quarantine_.Add(source_.uri, run_id_, (*lines)[static_cast<size_t>(row)], raw_of(row),
                        fs);
        ++counts_.quarantined;
      }
    }
  }
  SLUICE_RETURN_IF_ERROR(quarantine_.EndBatch());
  return Accept(std::move(full), std::move(keep));
}

Status JobRun::Accept(RecordBatch batch, std::vector<uint8_t> keep) {
  const bool dedupe = !plan_.key_cols.empty();
  if (dedupe && !bucketed_ && env_.dedupe_buckets >= 0 &&
      (env_.dedupe_buckets > 0 || static_cast<int64_t>(winners_.MemoryBytes()) > KeyShare())) {
    SLUICE_RETURN_IF_ERROR(SwitchToBuckets());
  }
  const int32_t chunk_index = static_cast<int32_t>(chunks_.size());
  Chunk chunk;
  chunk.partition.assign(static_cast<size_t>(batch.num_rows), -1);
  // A quarantined row is carried as dropped: in no partition, never a dedupe candidate.
  chunk.dropped = std::move(keep);
  for (uint8_t& d : chunk.dropped) d = d == 0 ? 1 : 0;
  std::string path;
  std::string part_key;
  std::string order;
  // The rows to dedupe: their keys back to back in `keys`, and the keys' hashes.
  struct KeyedRow {
    int64_t row;
    size_t begin;
    size_t size;
    uint64_t hash;
  };
  std::vector<KeyedRow> keyed;
  std::string keys;
  if (dedupe) keyed.reserve(static_cast<size_t>(batch.num_rows));
  int last = -1;
  std::string last_key;
  for (int64_t r = 0; r < batch.num_rows; ++r) {
    if (chunk.dropped[static_cast<size_t>(r)]) continue;
    // Partitions are looked up by the ordered encoding of their values (cheap, and usually
    // the same as the previous row's); the Hive directory name is built once per partition.
    int p = 0;
    if (!plan_.partition_cols.empty()) {
      part_key.clear();
      for (int c : plan_.partition_cols)
        AppendOrderedKey(batch.columns[static_cast<size_t>(c)], r, &part_key);
      if (last >= 0 && part_key == last_key) {
        p = last;
      } else {
        auto it = partition_by_path_.find(part_key);
        if (it == partition_by_path_.end()) {
          path.clear();
          for (int c : plan_.partition_cols) {
            if (!path.empty()) path.push_back('/');
            path += HivePartitionComponent(plan_.schema.fields[static_cast<size_t>(c)].name,
                                           batch.columns[static_cast<size_t>(c)], r);
          }
          p = static_cast<int>(partitions_.size());
          partition_by_path_.emplace(part_key, p);
          Partition part;
          part.path = path;
          part.values = TakeRows(batch, {r});
          partitions_.push_back(std::move(part));
        } else {
          p = it->second;
        }
        last = p;
        last_key = part_key;
      }
    } else if (partitions_.empty()) {
      partitions_.emplace_back();
    }
    chunk.partition[static_cast<size_t>(r)] = p;
    Partition& part = partitions_[static_cast<size_t>(p)];
    ++part.rows;
    if (!dedupe) continue;
    const int64_t ordinal = bucketed_ ? part.next_ordinal++ : 0;
    // As in SQL, a NULL key equals nothing: such rows are kept, never deduplicated.
    bool null_key = false;
    for (int c : plan_.key_cols) null_key |= batch.columns[static_cast<size_t>(c)].IsNull(r);
    if (null_key) continue;
    size_t begin = keys.size();
    for (int c : plan_.key_cols) AppendOrderedKey(batch.columns[static_cast<size_t>(c)], r, &keys);
    if (bucketed_) {
      // Decided after the read, bucket by bucket: the row's key and where it will be spilled.
      std::string_view key = std::string_view(keys).substr(begin);
      order.clear();
      if (plan_.order_col >= 0)
        AppendOrderedKey(batch.columns[static_cast<size_t>(plan_.order_col)], r, &order);
      SLUICE_RETURN_IF_ERROR(
          run_keys_->Add(KeyRecord{KeyTable::HashOf(key), key, order, -2 - p, ordinal}));
      keys.resize(begin);
      continue;
    }
    keyed.push_back(KeyedRow{r, begin, keys.size() - begin,
                             KeyTable::HashOf(std::string_view(keys).substr(begin))});
  }
  // Dedupe. The table is large and accessed at random: each key's slot is prefetched a few
  // keys ahead of its probe (prefetching a whole batch's slots up front let the first ones
  // leave the cache before they were probed: the probe's load was 88% of its time).
  constexpr size_t kPrefetchAhead = 16;
  for (size_t i = 0; i < std::min(kPrefetchAhead, keyed.size()); ++i)
    winners_.Prefetch(keyed[i].hash);
  for (size_t i = 0; i < keyed.size(); ++i) {
    if (i + kPrefetchAhead < keyed.size()) winners_.Prefetch(keyed[i + kPrefetchAhead].hash);
    const KeyedRow& kr = keyed[i];
    const int64_t r = kr.row;
    const int p = chunk.partition[static_cast<size_t>(r)];
    std::string_view key = std::string_view(keys).substr(kr.begin, kr.size);
    order.clear();
    if (plan_.order_col >= 0)
      AppendOrderedKey(batch.columns[static_cast<size_t>(plan_.order_col)], r, &order);
    auto [w, inserted] = winners_.FindOrInsert(key, kr.hash);
    if (inserted) {
      winners_.SetOrder(w, order);
      w->a = chunk_index;
      w->b = r;
      continue;
    }
    ++counts_.dup_in_object;
    if (order >= winners_.order(*w)) {  // newer, or as new and read later: the new row wins
      DropWinnerRow(*w, &chunk, chunk_index);
      winners_.SetOrder(w, order);
      w->a = chunk_index;
      w->b = r;
    } else {
      chunk.dropped[static_cast<size_t>(r)] = 1;
      --partitions_[static_cast<size_t>(p)].rows;
    }
  }
  chunk.bytes = ApproximateBytes(batch);
  buffered_bytes_ += chunk.bytes;
  chunk.rows = std::move(batch);
  chunks_.push_back(std::move(chunk));
  if (buffered_bytes_ > env_.memory_budget_bytes) return Spill();
  return Status::OK();
}

void JobRun::DropWinnerRow(const KeyTable::Entry& w, Chunk* current, int64_t current_index) {
  if (w.a <= -2) {
    Partition& part = partitions_[static_cast<size_t>(-(w.a + 2))];
    --part.rows;
    part.spill_drops.Insert(w.b);
    return;
  }
  Chunk& chunk = w.a == current_index ? *current : chunks_[static_cast<size_t>(w.a)];
  size_t i = static_cast<size_t>(w.b);
  chunk.dropped[i] = 1;
  --partitions_[static_cast<size_t>(chunk.partition[i])].rows;
}

int64_t JobRun::WinnerFile(const KeyTable::Entry& w) const {
  int64_t partition;
  int64_t ordinal = -1;  // in memory until written: the partition's last file
  if (w.a >= 0) {
    const Chunk& chunk = chunks_[static_cast<size_t>(w.a)];
    partition = chunk.partition[static_cast<size_t>(w.b)];
  } else {
    partition = -(w.a + 2);
    ordinal = w.b;
  }
  for (const PlannedFile* f : files_by_partition_[static_cast<size_t>(partition)]) {
    if (ordinal < 0 ? !f->spilled
                    : (f->spilled && ordinal >= f->first_ordinal && ordinal < f->ordinal_end)) {
      return f->file_id;
    }
  }
  return 0;
}

Status JobRun::AddPending(const std::string& rel) {
  pending_.push_back(rel);
  return WritePending(lake_, run_id_, pending_);
}

Result<RecordBatch> JobRun::Stored(RecordBatch rows) const {
  if (!(write_schema_ == plan_.schema)) {
    SLUICE_ASSIGN_OR_RETURN(rows, ConformBatch(rows, write_schema_));
  }
  std::vector<int> drop;  // partition columns, by position in the written schema
  for (int c : plan_.partition_cols)
    drop.push_back(rows.schema.IndexOf(plan_.schema.fields[static_cast<size_t>(c)].name));
  std::sort(drop.begin(), drop.end());
  return DropColumns(std::move(rows), drop);
}

Status JobRun::Spill() {
  IndexChunksByPartition();
  for (size_t p = 0; p < partitions_.size(); ++p) {
    Partition& part = partitions_[p];
    RecordBatch rows = GatherPartition(static_cast<int>(p), part.spilled);
    if (rows.num_rows == 0) continue;
    SLUICE_ASSIGN_OR_RETURN(RecordBatch stored, Stored(std::move(rows)));
    Partition::SpillFile file;
    file.rel = "silver/" + spec_.dataset + (part.path.empty() ? "" : "/" + part.path) + "/part-" +
               run_id_ + "-s" + std::to_string(p) + "-" + std::to_string(part.spill_files.size()) +
               ".parquet";
    file.first_ordinal = part.spilled;
    file.rows = stored.num_rows;
    SLUICE_RETURN_IF_ERROR(AddPending(file.rel));
    SLUICE_ASSIGN_OR_RETURN(file.bytes, WriteParquet(lake_, file.rel, stored, job_.writer));
    part.spilled += stored.num_rows;
    part.spill_files.push_back(std::move(file));
  }
  // Winners in the spilled rows now point at (partition, ordinal); the chunks go entirely.
  for (KeyTable::Entry& w : winners_.mutable_entries()) {
    if (w.a < 0) continue;
    const Chunk& chunk = chunks_[static_cast<size_t>(w.a)];
    size_t i = static_cast<size_t>(w.b);
    w.a = -2 - chunk.partition[i];
    w.b = chunk.ordinal[i];
  }
  chunks_.clear();
  chunks_.shrink_to_fit();
  buffered_bytes_ = 0;
  spilled_any_ = true;
  if (bucketed_) {
    // The keys in the bucket files point at the ordinals predicted when they were accepted.
    for (const Partition& part : partitions_) {
      if (part.spilled != part.next_ordinal) {
        return Status::Internal("dedupe by buckets: partition \"" + part.path + "\" spilled " +
                                std::to_string(part.spilled) + " rows, expected " +
                                std::to_string(part.next_ordinal));
      }
    }
  }
  return Status::OK();
}

Status JobRun::SwitchToBuckets() {
  int bits = 0;
  if (env_.dedupe_buckets > 0) {
    while ((1 << bits) < env_.dedupe_buckets && bits < 16) ++bits;
  } else {
    // Enough buckets that one bucket of the object's keys and of the index fits in the share
    // (~128 bytes per key in a KeyTable); the object's keys are estimated from its size
    // (orders CSV: 87 bytes per row; compressed input: ~8 times more rows per byte).
    const std::string& name = source_.key;
    auto ends_with = [&](std::string_view suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    const bool compressed = spec_.compression == "gzip" || spec_.compression == "zstd" ||
                            (spec_.compression == "auto" && (ends_with(".gz") || ends_with(".zst")));
    const int64_t bytes_per_key = compressed ? 5 : 40;
    const int64_t keys = std::max<int64_t>(source_.size / bytes_per_key,
                                           2 * static_cast<int64_t>(winners_.size())) +
                         (index_reader_ ? static_cast<int64_t>(index_reader_->count()) : 0);
    const int64_t target = std::max<int64_t>(KeyShare(), int64_t{16} << 20);
    bits = 4;
    while (bits < 12 && (keys * 128 >> bits) > target) ++bits;
  }
  SLUICE_RETURN_IF_ERROR(Spill());  // every winner is now a spilled row
  SLUICE_ASSIGN_OR_RETURN(
      run_keys_, KeyBucketFiles::Open(lake_.Meta() + "/staging/" + run_id_ + ".tmp/run", bits,
                                      BucketBufferBytes()));
  for (const KeyTable::Entry& w : winners_.entries()) {
    SLUICE_RETURN_IF_ERROR(
        run_keys_->Add(KeyRecord{w.hash, winners_.key(w), winners_.order(w), w.a, w.b}));
  }
  winners_ = KeyTable();
  index_.reset();  // read a bucket at a time from now on
  dedupe_bucket_bits_ = bits;
  for (Partition& part : partitions_) part.next_ordinal = part.spilled;
  bucketed_ = true;
  return Status::OK();
}

Status JobRun::DedupeInBuckets() {
  if (!bucketed_) SLUICE_RETURN_IF_ERROR(SwitchToBuckets());  // the index is too big to load
  SLUICE_RETURN_IF_ERROR(Spill());  // every row in a spill file: drops are by ordinal
  SLUICE_RETURN_IF_ERROR(run_keys_->Flush());
  const int bits = run_keys_->bits();
  const std::string tmp = lake_.Meta() + "/staging/" + run_id_ + ".tmp";
  std::set<int64_t> replaced;
  for (const SilverFile& f : replaced_same_source_) replaced.insert(f.file_id);
  // An index from before buckets (SLKEYS02) is spread over bucket files first.
  std::unique_ptr<KeyBucketFiles> old_index;
  if (index_reader_ && !index_reader_->bucketed()) {
    SLUICE_ASSIGN_OR_RETURN(old_index,
                            KeyBucketFiles::Open(tmp + "/index", bits, BucketBufferBytes()));
    SLUICE_RETURN_IF_ERROR(
        index_reader_->ForEach([&](const KeyRecord& r) { return old_index->Add(r); }));
    SLUICE_RETURN_IF_ERROR(old_index->Flush());
  }
  SLUICE_ASSIGN_OR_RETURN(new_index_entries_,
                          KeyBucketFiles::Open(tmp + "/new", bits, BucketBufferBytes()));
  for (uint64_t k = 0; k < run_keys_->buckets(); ++k) {
    // The object's duplicates, in the order the rows were read (as Accept() decides them).
    KeyTable run;
    SLUICE_RETURN_IF_ERROR(run_keys_->Consume(k, [&](const KeyRecord& r) -> Status {
      auto [w, inserted] = run.FindOrInsert(r.key, r.hash);
      if (inserted) {
        run.SetOrder(w, r.order);
        w->a = r.a;
        w->b = r.b;
        return Status::OK();
      }
      ++counts_.dup_in_object;
      if (r.order >= run.order(*w)) {  // newer, or as new and read later: the new row wins
        DropWinnerRow(*w, nullptr, -1);
        run.SetOrder(w, r.order);
        w->a = r.a;
        w->b = r.b;
      } else {
        KeyTable::Entry lost;
        lost.a = r.a;
        lost.b = r.b;
        DropWinnerRow(lost, nullptr, -1);
      }
      return Status::OK();
    }));
    // Against silver: the same bucket of the index (as DedupeAgainstSilver() decides).
    KeyTable silver;
    auto add_silver = [&](const KeyRecord& r) -> Status {
      auto [e, inserted] = silver.FindOrInsert(r.key, r.hash);
      if (!inserted) return Status::Corruption("key index " + index_path_ + ": a key appears twice");
      silver.SetOrder(e, r.order);
      e->a = r.a;
      return Status::OK();
    };
    if (old_index) {
      SLUICE_RETURN_IF_ERROR(old_index->Consume(k, add_silver));
    } else if (index_reader_) {
      SLUICE_RETURN_IF_ERROR(index_reader_->ReadBucket(bits, k, add_silver));
    }
    for (KeyTable::Entry& w : run.mutable_entries()) {
      std::string_view key = run.key(w);
      const KeyTable::Entry* e = silver.Find(key, w.hash);
      if (!e || replaced.count(e->a)) continue;
      if (silver.order(*e) > run.order(w)) {
        DropWinnerRow(w, nullptr, -1);
        ++counts_.dup_against_silver;
        w.a = -1;  // lost: silver keeps its row
      } else {
        superseded_[e->a].insert(std::string(key));
      }
    }
    // The new index's entries of this bucket, by hash: silver's that stay (file ids remapped
    // at the commit) and the run's winners (spill locations until the commit).
    std::vector<std::pair<uint64_t, int64_t>> entries;  // hash, silver entry i or run entry -1-i
    for (size_t i = 0; i < silver.size(); ++i) {
      const KeyTable::Entry& e = silver.entries()[i];
      if (replaced.count(e.a)) continue;
      const KeyTable::Entry* w = run.Find(silver.key(e), e.hash);
      if (w && w->a != -1) continue;  // replaced by the run's row
      entries.emplace_back(e.hash, static_cast<int64_t>(i));
    }
    for (size_t i = 0; i < run.size(); ++i) {
      if (run.entries()[i].a != -1) entries.emplace_back(run.entries()[i].hash, -1 - static_cast<int64_t>(i));
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& [hash, i] : entries) {
      const KeyTable& t = i >= 0 ? silver : run;
      const KeyTable::Entry& e = t.entries()[static_cast<size_t>(i >= 0 ? i : -1 - i)];
      SLUICE_RETURN_IF_ERROR(
          new_index_entries_->Add(KeyRecord{hash, t.key(e), t.order(e), e.a, i >= 0 ? 0 : e.b}));
    }
  }
  SLUICE_RETURN_IF_ERROR(new_index_entries_->Flush());
  new_index_entries_count_ = new_index_entries_->records();
  run_keys_.reset();
  return Status::OK();
}

Status JobRun::WriteBucketedIndex(const std::map<int64_t, int64_t>& remap) {
  const int bits = std::max(new_index_entries_->bits(), KeyIndexDirectoryBits(new_index_entries_count_));
  SLUICE_ASSIGN_OR_RETURN(auto writer, KeyIndexWriter::Open(lake_.Abs(new_index_rel_), bits));
  for (uint64_t k = 0; k < new_index_entries_->buckets(); ++k) {
    SLUICE_RETURN_IF_ERROR(new_index_entries_->Consume(k, [&](const KeyRecord& r) -> Status {
      int64_t file;
      if (r.a <= -2) {
        KeyTable::Entry w;
        w.a = r.a;
        w.b = r.b;
        file = WinnerFile(w);
        if (file == 0) {
          return Status::Internal("key index: no published file holds row " + std::to_string(r.b) +
                                  " of partition " + std::to_string(-(r.a + 2)));
        }
      } else {
        auto it = remap.find(r.a);
        file = it != remap.end() ? it->second : r.a;
      }
      return writer->Add(r.hash, r.key, r.order, file);
    }));
  }
  SLUICE_RETURN_IF_ERROR(writer->Finish());
  new_index_keys_ = static_cast<int64_t>(writer->count());
  new_index_entries_.reset();
  return Status::OK();
}

Status JobRun::DedupeAgainstSilver() {
  if (plan_.key_cols.empty() || !index_) return Status::OK();
  std::set<int64_t> replaced;
  for (const SilverFile& f : replaced_same_source_) replaced.insert(f.file_id);
  for (KeyTable::Entry& w : winners_.mutable_entries()) {
    std::string_view key = winners_.key(w);
    const KeyTable::Entry* e = index_->Find(key);
    if (!e || replaced.count(e->a)) continue;
    if (index_->order(*e) > winners_.order(w)) {
      DropWinnerRow(w, nullptr, -1);
      ++counts_.dup_against_silver;
      w.a = -1;  // lost: silver keeps its row
    } else {
      superseded_[e->a].insert(std::string(key));
    }
  }
  return Status::OK();
}

void JobRun::IndexChunksByPartition() {
  const size_t n = partitions_.size();
  for (Chunk& chunk : chunks_) {
    chunk.partition_start.assign(n + 1, 0);
    for (size_t r = 0; r < chunk.partition.size(); ++r) {
      if (!chunk.dropped[r]) ++chunk.partition_start[static_cast<size_t>(chunk.partition[r]) + 1];
    }
    for (size_t p = 0; p < n; ++p) chunk.partition_start[p + 1] += chunk.partition_start[p];
    chunk.by_partition.resize(static_cast<size_t>(chunk.partition_start[n]));
    std::vector<int64_t> next(chunk.partition_start.begin(), chunk.partition_start.end() - 1);
    for (size_t r = 0; r < chunk.partition.size(); ++r) {
      if (chunk.dropped[r]) continue;
      chunk.by_partition[static_cast<size_t>(next[static_cast<size_t>(chunk.partition[r])]++)] =
          static_cast<int64_t>(r);
    }
  }
}

RecordBatch JobRun::GatherPartition(int partition, int64_t first_ordinal) {
  const auto p = static_cast<size_t>(partition);
  auto rows_of = [p](const Chunk& chunk) {
    const int64_t* begin = chunk.by_partition.data() + chunk.partition_start[p];
    const auto n = static_cast<size_t>(chunk.partition_start[p + 1] - chunk.partition_start[p]);
    return std::pair{begin, n};
  };
  // Sized exactly first: growing by doubling copied every column again and touched new pages.
  RecordBatch out = RecordBatch::Make(plan_.schema);
  int64_t total_rows = 0;
  std::vector<size_t> total_bytes(out.columns.size(), 0);
  for (const Chunk& chunk : chunks_) {
    auto [rows, n] = rows_of(chunk);
    total_rows += static_cast<int64_t>(n);
    for (size_t c = 0; c < out.columns.size(); ++c) {
      const ColumnVector& col = chunk.rows.columns[c];
      if (parquet::StorageOf(col.type) == parquet::Storage::kOffsets) {
        for (size_t i = 0; i < n; ++i) {
          const auto r = static_cast<size_t>(rows[i]);
          total_bytes[c] += static_cast<size_t>(col.offsets[r + 1] - col.offsets[r]);
        }
      } else if (parquet::StorageOf(col.type) == parquet::Storage::kFixed) {
        total_bytes[c] += n * static_cast<size_t>(col.type.fixed_length);
      }
    }
  }
  for (size_t c = 0; c < out.columns.size(); ++c)
    ReserveColumn(&out.columns[c], total_rows, total_bytes[c]);
  int64_t ordinal = first_ordinal;
  for (Chunk& chunk : chunks_) {
    auto [rows, n] = rows_of(chunk);
    if (n == 0) continue;
    if (chunk.ordinal.empty()) chunk.ordinal.assign(chunk.partition.size(), -1);
    for (size_t i = 0; i < n; ++i) chunk.ordinal[static_cast<size_t>(rows[i])] = ordinal++;
    AppendRows(chunk.rows, rows, n, &out);
  }
  return out;
}

Status JobRun::WriteFiles() {
  // Plan every file first and record the plan (the pending list), then write.
  int n = 0;
  std::vector<std::string> rewrites;  // spill files losing rows are rewritten to these
  for (size_t p = 0; p < partitions_.size(); ++p) {
    const Partition& part = partitions_[p];
    std::string dir = "silver/" + spec_.dataset + (part.path.empty() ? "" : "/" + part.path);
    for (size_t k = 0; k < part.spill_files.size(); ++k) {
      const Partition::SpillFile& sf = part.spill_files[k];
      PlannedFile f;
      f.partition = part.path;
      f.source = source_.uri;
      f.partition_index = static_cast<int>(p);
      f.spilled = true;
      f.rel_path = sf.rel;  // written, and in the pending list
      f.first_ordinal = sf.first_ordinal;
      f.ordinal_end = sf.first_ordinal + sf.rows;
      f.rows = sf.rows;
      f.bytes = sf.bytes;
      if (part.spill_drops.AnyIn(sf.first_ordinal, sf.first_ordinal + sf.rows)) {
        rewrites.push_back(dir + "/part-" + run_id_ + "-d" + std::to_string(p) + "-" +
                           std::to_string(k) + ".parquet");
        f.rewrite_rel = rewrites.back();
      }
      planned_.push_back(std::move(f));
    }
    if (part.rows <= part.spilled - part.spill_drops.size())
      continue;  // nothing left in memory
    PlannedFile f;
    f.partition = part.path;
    f.source = source_.uri;
    f.partition_index = static_cast<int>(p);
    f.rel_path = dir + "/part-" + run_id_ + "-" + std::to_string(n++) + ".parquet";
    planned_.push_back(std::move(f));
  }
  for (const auto& [file_id, keys] : superseded_) {
    const SilverFile& old = silver_files_.at(file_id);
    PlannedFile f;
    std::string dir = fs::path(old.path).parent_path().string();
    f.rel_path = dir + "/part-" + run_id_ + "-r" + std::to_string(n++) + ".parquet";
    f.partition = old.partition;
    f.source = old.source;
    f.schema_version = old.schema_version;
    f.replaces_file = file_id;
    planned_.push_back(std::move(f));
  }
  for (const PlannedFile& f : planned_) {
    if (!f.spilled) pending_.push_back(f.rel_path);
  }
  for (const std::string& r : rewrites) pending_.push_back(r);
  new_index_rel_ =
      plan_.key_cols.empty() ? "" : "_sluice/" + spec_.dataset + "/keys-" + run_id_ + ".idx";
  if (!new_index_rel_.empty()) pending_.push_back(new_index_rel_);
  SLUICE_RETURN_IF_ERROR(WritePending(lake_, run_id_, pending_));
  SLUICE_RETURN_IF_ERROR(ReserveFileIds());

  std::vector<std::string> key_names;
  for (int c : plan_.key_cols)
    key_names.push_back(plan_.schema.fields[static_cast<size_t>(c)].name);

  // The partitions' new files are made durable together once all are written (fsyncs one
  // by one cost a device flush each: ~7 ms per file and directory on the bench VM); the run
  // publishes nothing before that, and recovery removes the files of a run that died.
  std::mutex unsynced_mu;
  std::vector<std::string> unsynced;
  // One file: a rewrite of a superseded silver file, or a partition's gathered rows.
  auto write_one = [&](PlannedFile& f, RecordBatch rows) -> Status {
    if (f.replaces_file != 0) {
      int64_t removed = 0;
      SLUICE_ASSIGN_OR_RETURN(
          f.rows, RewriteWithout(lake_, silver_files_.at(f.replaces_file).path, f.rel_path,
                                 DropKeys(key_names, superseded_.at(f.replaces_file)), job_.writer,
                                 &removed, &f.bytes));
      f.replaced_rows = removed;
      return Status::OK();
    }
    if (f.spilled) {
      if (f.rewrite_rel.empty()) return Status::OK();
      const OrdinalSet& drops =
          partitions_[static_cast<size_t>(f.partition_index)].spill_drops;
      const int64_t first = f.first_ordinal;
      int64_t removed = 0;
      SLUICE_ASSIGN_OR_RETURN(f.rows, RewriteWithout(
                                          lake_, f.rel_path, f.rewrite_rel,
                                          [&drops, first](const RecordBatch&, int64_t, int64_t i) {
                                            return drops.Contains(first + i);
                                          },
                                          job_.writer, &removed, &f.bytes));
      SLUICE_RETURN_IF_ERROR(RemoveFileIfExists(lake_.Abs(f.rel_path)));
      f.rel_path = f.rewrite_rel;
      if (f.rows == 0) SLUICE_RETURN_IF_ERROR(RemoveFileIfExists(lake_.Abs(f.rel_path)));
      return Status::OK();
    }
    if (rows.num_rows == 0) return Status::OK();  // every row lost to a later duplicate
    SLUICE_ASSIGN_OR_RETURN(RecordBatch stored, Stored(std::move(rows)));
    SLUICE_ASSIGN_OR_RETURN(f.bytes, WriteParquet(lake_, f.rel_path, stored, job_.writer,
                                                  /*durable=*/false));
    f.rows = stored.num_rows;
    std::lock_guard<std::mutex> lock(unsynced_mu);
    unsynced.push_back(lake_.Abs(f.rel_path));
    return Status::OK();
  };

  // The main thread gathers partitions in order and feeds the dataset-level rules (a
  // single-threaded evaluator); workers write, the key index first (file == nullptr). The
  // queue bounds memory to a few partitions.
  struct Job {
    PlannedFile* file = nullptr;
    RecordBatch rows;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  bool done = false;
  Status first_error;
  // The main thread only gathers and evaluates; with more than one thread, every core writes.
  const int workers = env_.threads > 1 ? env_.threads : 0;
  auto worker = [&]() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return done || !queue.empty(); });
        if (queue.empty()) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      cv.notify_all();
      Status st = job.file ? write_one(*job.file, std::move(job.rows)) : WriteIndexInMemory();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = st;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t) pool.emplace_back(worker);

  // The rows published are deduplicated: a one-column key's non-NULL values are distinct, so
  // uniqueness rules on it need not count them again.
  auto assume_key_distinct = [&](RuleEvaluator& e) {
    if (plan_.key_cols.size() == 1)
      e.AssumeDistinct(plan_.schema.fields[static_cast<size_t>(plan_.key_cols[0])].name);
  };
  RuleEvaluator eval(plan_.dataset_rules, plan_.schema);
  assume_key_distinct(eval);
  std::vector<RowFailure> ignored;
  IndexChunksByPartition();
  Status produced = [&]() -> Status {
    // The index job reads the winners, the chunks' partitions and the planned files' ids (and
    // rewrites the winners' `a` for a first index): the gathers below touch none of them.
    if (workers == 0) {
      SLUICE_RETURN_IF_ERROR(WriteIndexInMemory());
    } else {
      std::lock_guard<std::mutex> lock(mu);
      queue.push_back(Job{});
      cv.notify_all();
    }
    for (PlannedFile& f : planned_) {
      RecordBatch rows;
      if (f.replaces_file == 0 && !f.spilled) {
        rows = GatherPartition(f.partition_index, 0);
        // Without spills every kept row is here: the rules see them now. With spills they
        // read the finished files back below.
        if (!spilled_any_ && !plan_.dataset_rules.rules.empty()) {
          SLUICE_RETURN_IF_ERROR(eval.AddBatch(rows, &ignored));
        }
      }
      if (workers == 0) {
        SLUICE_RETURN_IF_ERROR(write_one(f, std::move(rows)));
        continue;
      }
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock,
              [&] { return queue.size() < static_cast<size_t>(workers) || !first_error.ok(); });
      if (!first_error.ok()) break;
      queue.push_back(Job{&f, std::move(rows)});
      cv.notify_all();
    }
    return Status::OK();
  }();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  for (std::thread& t : pool) t.join();
  SLUICE_RETURN_IF_ERROR(produced);
  SLUICE_RETURN_IF_ERROR(first_error);
  {
    std::set<std::string> dirs;  // each file's directory, and the partition directories'
    for (const std::string& path : unsynced) {
      fs::path dir = fs::path(path).parent_path();
      dirs.insert(dir.string());
      if (dir.string().size() > lake_.root.size() + 1) dirs.insert(dir.parent_path().string());
    }
    unsynced.insert(unsynced.end(), dirs.begin(), dirs.end());
    SLUICE_RETURN_IF_ERROR(common::FsyncAll(unsynced));
  }
  for (Chunk& chunk : chunks_)
    chunk.rows = RecordBatch();  // written; the partitions stay for the index

  // Dataset-level rules see exactly the rows being published.
  std::optional<RuleEvaluator> readback;
  if (spilled_any_ && !plan_.dataset_rules.rules.empty()) {
    for (const PlannedFile& f : planned_) {
      if (f.replaces_file != 0 || f.rows == 0) continue;
      const Partition& part = partitions_[static_cast<size_t>(f.partition_index)];
      SLUICE_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::OpenFile(lake_.Abs(f.rel_path)));
      for (int g = 0; g < reader->num_row_groups(); ++g) {
        SLUICE_ASSIGN_OR_RETURN(RecordBatch stored, reader->ReadRowGroup(g, {}));
        // The rows as the rules know them: the plan's columns, partition values added back.
        RecordBatch rows;
        rows.num_rows = stored.num_rows;
        for (size_t c = 0; c < plan_.schema.fields.size(); ++c) {
          const parquet::Field& field = plan_.schema.fields[c];
          int in_file = stored.schema.IndexOf(field.name);
          if (in_file >= 0) {
            rows.schema.fields.push_back(stored.schema.fields[static_cast<size_t>(in_file)]);
            rows.columns.push_back(std::move(stored.columns[static_cast<size_t>(in_file)]));
          } else {
            rows.schema.fields.push_back(field);
            ColumnVector col = ColumnVector::Make(field.type);
            for (int64_t r = 0; r < stored.num_rows; ++r)
              AppendValue(part.values.columns[c], 0, &col);
            rows.columns.push_back(std::move(col));
          }
        }
        if (!readback) {
          readback.emplace(plan_.dataset_rules, rows.schema);
          assume_key_distinct(*readback);
        }
        SLUICE_RETURN_IF_ERROR(readback->AddBatch(rows, &ignored));
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(RuleReport report, readback ? readback->Finish(env_.clock->Now())
                                                      : eval.Finish(env_.clock->Now()));
  for (size_t i = 0; i < report.rules.size(); ++i) {
    rule_results_[static_cast<size_t>(plan_.dataset_rule_index[i])] = report.rules[i];
    rule_levels_[static_cast<size_t>(plan_.dataset_rule_index[i])] = "dataset";
    if (report.rules[i].outcome == Outcome::kFail) {
      MarkFailed("quality rule failed: " + report.rules[i].rule + ": " + report.rules[i].reason);
    }
  }
  for (const PlannedFile& f : planned_) {
    if (f.replaces_file == 0) {
      counts_.written += f.rows;
    } else {
      counts_.silver_rows_replaced += f.replaced_rows;
    }
  }
  return Status::OK();
}

Status JobRun::ReserveFileIds() {
  files_by_partition_.assign(partitions_.size(), {});
  if (planned_.empty()) return Status::OK();
  // dataset_files ids come from AUTOINCREMENT: moving its counter past a range keeps every
  // other insert out of it (SQLite allows updating sqlite_sequence). Ids of files that end
  // up unpublished (every row lost to a duplicate, a failed run) are never used.
  SLUICE_ASSIGN_OR_RETURN(auto tx, env_.catalog->Begin(catalog::TxMode::kWrite));
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "INSERT INTO sqlite_sequence (name, seq) SELECT 'dataset_files', "
      "COALESCE((SELECT max(file_id) FROM dataset_files), 0) WHERE NOT EXISTS "
      "(SELECT 1 FROM sqlite_sequence WHERE name = 'dataset_files')",
      {}));
  const auto n = static_cast<int64_t>(planned_.size());
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, tx->Query("UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = "
                           "'dataset_files' RETURNING seq",
                           {n}));
  const int64_t first = rows.at(0).Int(0) - n + 1;
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  for (int64_t i = 0; i < n; ++i) planned_[static_cast<size_t>(i)].file_id = first + i;
  for (const PlannedFile& f : planned_) {
    if (f.replaces_file == 0)
      files_by_partition_[static_cast<size_t>(f.partition_index)].push_back(&f);
  }
  return Status::OK();
}

std::map<int64_t, int64_t> JobRun::RewriteRemap() const {
  std::map<int64_t, int64_t> remap;
  for (const PlannedFile& f : planned_) {
    if (f.replaces_file != 0) remap[f.replaces_file] = f.file_id;
  }
  return remap;
}

Status JobRun::WriteIndexInMemory() {
  if (new_index_rel_.empty() || bucketed_) return Status::OK();
  // The new index: surviving old entries (remapped to rewritten files), then this run's
  // winners, which replace the entries of their keys.
  KeyTable fresh;
  KeyTable* merged = &fresh;
  if (!index_) {
    // A dataset's first index is this run's winners as they are.
    merged = &winners_;
    for (KeyTable::Entry& w : winners_.mutable_entries()) w.a = WinnerFile(w);
  } else {
    const std::map<int64_t, int64_t> remap = RewriteRemap();
    std::set<int64_t> replaced_ids;
    for (const SilverFile& f : replaced_same_source_) replaced_ids.insert(f.file_id);
    fresh.Reserve(index_->size() + winners_.size());
    for (const KeyTable::Entry& e : index_->entries()) {
      if (replaced_ids.count(e.a)) continue;
      auto [m, inserted] = fresh.FindOrInsert(index_->key(e));
      fresh.SetOrder(m, index_->order(e));
      auto r = remap.find(e.a);
      m->a = r != remap.end() ? r->second : e.a;
    }
    for (const KeyTable::Entry& w : winners_.entries()) {
      if (w.a == -1) continue;  // lost to silver: silver's entry stays
      auto [m, inserted] = fresh.FindOrInsert(winners_.key(w));
      fresh.SetOrder(m, winners_.order(w));
      m->a = WinnerFile(w);
    }
  }
  SLUICE_RETURN_IF_ERROR(merged->Write(lake_.Abs(new_index_rel_)));
  new_index_keys_ = static_cast<int64_t>(merged->size());
  return Status::OK();
}

Status JobRun::Commit() {
  SLUICE_ASSIGN_OR_RETURN(auto tx, env_.catalog->Begin(catalog::TxMode::kWrite));
  std::string now = NowText(*env_.clock);
  if (!failed_) {
    if (!changes_.empty() || !current_schema_) {
      SLUICE_ASSIGN_OR_RETURN(
          SchemaVersion v,
          SchemaRegistry::Register(*tx, spec_.dataset, write_schema_, changes_, run_id_, now));
      schema_version_ = v.version;
    } else {
      schema_version_ = current_schema_->version;
    }
    for (PlannedFile& f : planned_) {
      if (f.rows == 0 && f.replaces_file == 0) continue;  // every row lost to a duplicate
      int64_t version = f.schema_version != 0 ? f.schema_version : schema_version_;
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("INSERT INTO dataset_files (file_id, dataset, layer, path, partition_path, "
                      "run_id, source, rows, bytes, schema_version, state, created_at) VALUES "
                      "($1, $2, 'silver', $3, $4, $5, $6, $7, $8, $9, 'live', $10)",
                      {f.file_id, spec_.dataset, f.rel_path, f.partition, run_id_, f.source,
                       f.rows, f.bytes, version, now}));
    }
    std::set<int64_t> gone;
    for (const SilverFile& f : replaced_same_source_) gone.insert(f.file_id);
    for (const auto& [id, keys] : superseded_) gone.insert(id);
    for (int64_t id : gone) {
      // deleted_by_run: a warehouse load of this run reloads the sources these files held.
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "UPDATE dataset_files SET state = 'deleted', deleted_by_run = $2 WHERE file_id = $1",
          {id, run_id_}));
    }
    if (!new_index_rel_.empty()) {
      // The index kept in memory was written with the files (WriteIndexInMemory).
      if (bucketed_) SLUICE_RETURN_IF_ERROR(WriteBucketedIndex(RewriteRemap()));
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "INSERT INTO dataset_key_indexes (dataset, path, keys, run_id) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (dataset) DO UPDATE SET path = excluded.path, keys = excluded.keys, run_id "
          "= excluded.run_id",
          {spec_.dataset, new_index_rel_, new_index_keys_, run_id_}));
    }
    if (spec_.bookmark) {
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("INSERT INTO job_bookmarks (job, bucket, object_key, etag, run_id, "
                      "processed_at) VALUES ($1, $2, $3, $4, $5, $6) "
                      "ON CONFLICT (job, bucket, object_key, etag) DO UPDATE SET run_id = "
                      "excluded.run_id, processed_at = excluded.processed_at",
                      {spec_.name, source_.bucket, source_.key, source_.etag, run_id_, now}));
    }
  }
  for (const auto& [layer, rel, bytes, rows] :
       std::vector<std::tuple<std::string, std::string, int64_t, int64_t>>{
           {"bronze", bronze_rel_, bronze_bytes_, counts_.read},
           {"quarantine", quarantine_.rel_path, quarantine_.bytes, counts_.quarantined}}) {
    if (rel.empty()) continue;
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("INSERT INTO dataset_files (dataset, layer, path, partition_path, run_id, "
                    "source, rows, bytes, "
                    "schema_version, state, created_at) VALUES ($1, $2, $3, '', $4, $5, $6, $7, "
                    "NULL, 'live', $8)",
                    {spec_.dataset, layer, rel, run_id_, source_.uri, rows, bytes, now}));
  }
  json::object report = Report();
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "UPDATE job_runs SET status = $2, finished_at = $3, report = $4, error = $5, schema_version "
      "= $6 WHERE run_id = $1",
      {run_id_, std::string(failed_ ? "FAILED" : "SUCCEEDED"), now, common::SerializeJson(report),
       failed_ ? catalog::SqlValue(error_) : catalog::Null(),
       schema_version_ != 0 ? catalog::SqlValue(schema_version_) : catalog::Null()}));
  return tx->Commit();
}

void JobRun::Cleanup() {
  // After the commit: superseded files and the old index go; the pending list is done.
  std::vector<std::string> remove;
  if (!failed_) {
    for (const SilverFile& f : replaced_same_source_) remove.push_back(f.path);
    for (const auto& [id, keys] : superseded_) remove.push_back(silver_files_.at(id).path);
    if (!index_path_.empty() && !new_index_rel_.empty()) remove.push_back(index_path_);
  } else {
    remove = pending_;  // never published
  }
  for (const std::string& rel : remove) {
    (void)RemoveFileIfExists(lake_.Abs(rel));
    // Partition directories left empty go too (rmdir fails on a non-empty one).
    for (fs::path dir = fs::path(lake_.Abs(rel)).parent_path();
         dir.string().size() > lake_.root.size() + 1 && ::rmdir(dir.c_str()) == 0;
         dir = dir.parent_path()) {
    }
  }
  if (!failed_ && (!replaced_same_source_.empty() || !superseded_.empty())) {
    auto tx = env_.catalog->Begin(catalog::TxMode::kWrite);
    if (tx.ok()) {
      (void)(*tx)->Execute(
          "UPDATE dataset_files SET state = 'removed' WHERE dataset = $1 AND state = 'deleted'",
          {spec_.dataset});
      (void)(*tx)->Commit();
    }
  }
  (void)RemoveFileIfExists(lake_.Pending(run_id_));
  run_keys_.reset();
  new_index_entries_.reset();
  std::error_code ec;
  fs::remove_all(lake_.Meta() + "/staging/" + run_id_ + ".tmp", ec);
}

json::object JobRun::Report() const {
  json::object r;
  r["run_id"] = run_id_;
  r["job"] = spec_.name;
  r["dataset"] = spec_.dataset;
  r["source"] = json::object{{"uri", source_.uri}, {"etag", source_.etag}, {"size", source_.size}};
  r["status"] = failed_ ? "FAILED" : "SUCCEEDED";
  if (failed_) r["error"] = error_;
  r["started_at"] = started_at_;
  r["duration_ms"] = (env_.clock->Now().micros - started_.micros) / 1000;
  json::object timings;
  for (const auto& [phase, ms] : timings_) timings[phase] = static_cast<int64_t>(ms + 0.5);
  r["timings_ms"] = std::move(timings);
  r["rows"] = json::object{{"read", counts_.read},
                           {"written", counts_.written},
                           {"quarantined", counts_.quarantined},
                           {"duplicates", counts_.dup_in_object + counts_.dup_against_silver},
                           {"withheld", counts_.withheld},
                           {"duplicates_in_object", counts_.dup_in_object},
                           {"duplicates_against_silver", counts_.dup_against_silver},
                           {"silver_rows_replaced", counts_.silver_rows_replaced}};
  json::object by_rule;
  for (const auto& [rule, n] : quarantine_.by_rule) by_rule[rule] = n;
  r["quarantine_by_rule"] = std::move(by_rule);
  json::object by_column;
  for (const auto& [col, n] : quarantine_.by_column) by_column[col] = n;
  r["quarantine_by_column"] = std::move(by_column);
  json::array rules;
  for (size_t i = 0; i < rule_results_.size(); ++i) {
    const RuleResult& rr = rule_results_[i];
    json::object o{{"rule", job_.rules.rules[i].ToString()},
                   {"level", rule_levels_[i]},
                   {"outcome", rule_levels_[i].empty() ? "NOT_EVALUATED"
                                                       : std::string(OutcomeName(rr.outcome))}};
    if (rr.metric) o["metric"] = *rr.metric;
    if (rule_levels_[i] == "row") o["failed_rows"] = rr.failed_rows;
    if (!rr.reason.empty()) o["reason"] = rr.reason;
    rules.push_back(std::move(o));
  }
  r["rules"] = std::move(rules);
  json::array parts;
  for (const PlannedFile& f : planned_) {
    if (f.replaces_file != 0) continue;
    parts.push_back(
        json::object{{"partition", f.partition}, {"rows", f.rows}, {"file", f.rel_path}});
  }
  r["partitions"] = std::move(parts);
  json::array rewritten;
  for (const PlannedFile& f : planned_) {
    if (f.replaces_file == 0) continue;
    rewritten.push_back(json::object{{"replaces", silver_files_.at(f.replaces_file).path},
                                     {"file", f.rel_path},
                                     {"rows", f.rows}});
  }
  r["rewritten_files"] = std::move(rewritten);
  if (!plan_.key_cols.empty()) {
    // How dedupe ran: its keys in memory, or by hash buckets on disk (past the memory budget).
    r["dedupe"] = bucketed_ ? json::object{{"mode", "buckets"},
                                           {"buckets", static_cast<int64_t>(int64_t{1} << dedupe_bucket_bits_)}}
                            : json::object{{"mode", "memory"}};
  }
  json::array changes;
  for (const SchemaChange& c : changes_) changes.push_back(json::value(c.ToString()));
  r["schema"] = json::object{{"version", schema_version_}, {"changes", std::move(changes)}};
  json::array replaced;
  for (const SilverFile& f : replaced_same_source_) replaced.push_back(json::value(f.path));
  r["outputs"] = json::object{{"lake", lake_.root},
                              {"bronze", bronze_rel_},
                              {"quarantine", quarantine_.rel_path},
                              {"rejected_object", rejected_rel_},
                              {"replaced_files", std::move(replaced)}};
  return r;
}

Result<RunOutcome> JobRun::Run(const RunOptions& options) {
  started_ = env_.clock->Now();
  started_at_ = common::FormatIso8601Millis(started_);
  run_id_ = common::NewSortableId();
  RunOutcome outcome;
  outcome.run_id = run_id_;

  SLUICE_ASSIGN_OR_RETURN(DatasetLock lock, DatasetLock::Acquire(lake_));
  SLUICE_RETURN_IF_ERROR(RecoverLocked(env_, lake_));

  if (spec_.bookmark && !options.ignore_bookmark && !source_.etag.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto tx, env_.catalog->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto row,
                            tx->QueryOne("SELECT run_id FROM job_bookmarks WHERE job = $1 AND "
                                         "bucket = $2 AND object_key = $3 AND etag = $4",
                                         {spec_.name, source_.bucket, source_.key, source_.etag}));
    if (row) {
      outcome.status = "SKIPPED";
      outcome.report =
          json::object{{"job", spec_.name},
                       {"dataset", spec_.dataset},
                       {"status", "SKIPPED"},
                       {"source", json::object{{"uri", source_.uri}, {"etag", source_.etag}}},
                       {"reason", "bookmarked: processed by run " + row->Text(0)}};
      outcome.run_id = row->Text(0);
      return outcome;
    }
  }
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, env_.catalog->Begin(catalog::TxMode::kWrite));
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("INSERT INTO job_runs (run_id, job, dataset, source_bucket, source_key, "
                    "source_etag, status, started_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, 'RUNNING', $7)",
                    {run_id_, spec_.name, spec_.dataset, source_.bucket, source_.key, source_.etag,
                     started_at_}));
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  rule_results_.assign(job_.rules.rules.size(), RuleResult{});
  rule_levels_.assign(job_.rules.rules.size(), "");

  Status st = [&]() -> Status {
    Lap("start");
    // Bronze is written as the object is read (below); Parquet is read from the copy.
    SLUICE_ASSIGN_OR_RETURN(bronze_, BronzeWriter::Open(lake_, run_id_, source_,
                                                       spec_.output.bronze_compression_level,
                                                       env_.threads > 1));
    if (spec_.format == SourceFormat::kParquet) {
      Status copied = CopyToBronze(source_, bronze_.get());
      if (!copied.ok()) return Fail("cannot read " + source_.uri + ": " + copied.ToString());
      bronze_rel_ = bronze_->rel();
      bronze_bytes_ = bronze_->bytes();
      Lap("bronze");
    }
    quarantine_.rel_path = "quarantine/" + spec_.dataset + "/" + run_id_ + ".jsonl";
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(lake_.Dir("quarantine")));
    SLUICE_ASSIGN_OR_RETURN(quarantine_.out, common::AtomicFileOutputStream::Open(
                                                 lake_.Abs(quarantine_.rel_path), true));

    {  // The dataset as published: its schema, live files and key index.
      SLUICE_ASSIGN_OR_RETURN(auto tx, env_.catalog->Begin(catalog::TxMode::kRead));
      SLUICE_ASSIGN_OR_RETURN(current_schema_, SchemaRegistry::Latest(*tx, spec_.dataset));
      SLUICE_ASSIGN_OR_RETURN(
          auto rows,
          tx->Query(
              "SELECT file_id, path, partition_path, source, schema_version FROM dataset_files "
              "WHERE dataset = $1 AND layer = 'silver' AND state = 'live'",
              {spec_.dataset}));
      for (const auto& r : rows) {
        SilverFile f{r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4)};
        if (f.source == source_.uri) replaced_same_source_.push_back(f);
        silver_files_.emplace(f.file_id, std::move(f));
      }
      SLUICE_ASSIGN_OR_RETURN(
          auto idx,
          tx->QueryOne("SELECT path FROM dataset_key_indexes WHERE dataset = $1", {spec_.dataset}));
      if (idx) index_path_ = idx->Text(0);
    }
    if (!index_path_.empty()) {
      // Loaded whole when small; otherwise dedupe reads it a bucket at a time.
      SLUICE_ASSIGN_OR_RETURN(index_reader_, KeyIndexReader::Open(lake_.Abs(index_path_)));
      if (env_.dedupe_buckets < 0 ||
          (env_.dedupe_buckets == 0 &&
           static_cast<int64_t>(index_reader_->file_bytes()) <= KeyShare())) {
        SLUICE_ASSIGN_OR_RETURN(KeyTable loaded, KeyTable::Load(lake_.Abs(index_path_)));
        index_ = std::move(loaded);
      }
    }

    Lap("load_dataset");
    Status read = ReadAll();
    Lap("read_cast_rules");
    if (!read.ok()) {
      // The input itself failed (I/O, corrupt compression): the run fails, nothing is published.
      return Fail("cannot read " + source_.uri + ": " + read.ToString());
    }
    if (failed_) return Status::OK();
    if (bucketed_ || (index_reader_ && !index_ && !plan_.key_cols.empty())) {
      SLUICE_RETURN_IF_ERROR(DedupeInBuckets());
    } else {
      SLUICE_RETURN_IF_ERROR(DedupeAgainstSilver());
    }
    Lap("dedupe_against_silver");

    Status written = WriteFiles();
    Lap("write_parquet_and_dataset_rules");
    return written;
  }();
  if (!st.ok() && !failed_) MarkFailed(st.ToString());
  (void)quarantine_.Flush();
  if (quarantine_.out) {
    if (quarantine_.rows == 0) {
      quarantine_.out.reset();  // nothing quarantined: no file (the stream removes its temp file)
      quarantine_.rel_path.clear();
    } else {
      Status closed = quarantine_.out->Close();
      if (!closed.ok() && !failed_) MarkFailed(closed.ToString());
    }
  }

  if (failed_) {
    counts_.withheld =
        counts_.read - counts_.quarantined - counts_.dup_in_object - counts_.dup_against_silver;
    counts_.written = 0;
    if (schema_rejected_ && !bronze_rel_.empty()) {
      // The object stays quarantined as a file when its schema is refused (its rows are not
      // read, so they count nowhere).
      std::string rel = "quarantine/" + spec_.dataset + "/" + run_id_ + "-rejected/" +
                        fs::path(bronze_rel_).filename().string();
      std::error_code ec;
      fs::create_directories(fs::path(lake_.Abs(rel)).parent_path(), ec);
      if (fs::copy_file(lake_.Abs(bronze_rel_), lake_.Abs(rel), ec)) rejected_rel_ = rel;
    }
  }
  if (counts_.read != counts_.written + counts_.quarantined + counts_.dup_in_object +
                          counts_.dup_against_silver + counts_.withheld) {
    MarkFailed("internal error: row accounting does not balance (read " +
               std::to_string(counts_.read) + ", written " + std::to_string(counts_.written) +
               ", quarantined " + std::to_string(counts_.quarantined) + ", duplicates " +
               std::to_string(counts_.dup_in_object + counts_.dup_against_silver) + ", withheld " +
               std::to_string(counts_.withheld) + ")");
  }
  SLUICE_RETURN_IF_ERROR(Commit());
  Lap("publish");
  Cleanup();
  outcome.status = failed_ ? "FAILED" : "SUCCEEDED";
  outcome.error = error_;
  outcome.report = Report();
  outcome.report["schema"].as_object()["version"] = schema_version_;
  return outcome;
}

}  // namespace

Result<RunOutcome> RunJob(const CompiledJob& job, const SourceObject& source,
                          const JobEnvironment& env, const RunOptions& options) {
  JobEnvironment e = env;
  if (!e.clock) e.clock = common::SystemClock::Default();
  if (!e.catalog) return Status::InvalidArgument("RunJob: no catalog");
  JobRun run(job, source, e);
  return run.Run(options);
}

Status RecoverDataset(const JobEnvironment& env, const std::string& dataset) {
  JobEnvironment e = env;
  if (!e.clock) e.clock = common::SystemClock::Default();
  Lake lake{e.lake_dir, dataset};
  SLUICE_ASSIGN_OR_RETURN(DatasetLock lock, DatasetLock::Acquire(lake));
  return RecoverLocked(e, lake);
}

Result<int64_t> ResetBookmarks(const JobEnvironment& env, const std::string& job,
                               const std::string& dataset) {
  JobEnvironment e = env;
  if (!e.clock) e.clock = common::SystemClock::Default();
  Lake lake{e.lake_dir, dataset};
  SLUICE_ASSIGN_OR_RETURN(DatasetLock lock, DatasetLock::Acquire(lake));
  SLUICE_RETURN_IF_ERROR(RecoverLocked(e, lake));
  std::string old_index;
  std::string new_index;
  int64_t forgotten = 0;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, e.catalog->Begin(catalog::TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(
        auto bm, tx->Query("SELECT bucket, object_key FROM job_bookmarks WHERE job = $1", {job}));
    forgotten = static_cast<int64_t>(bm.size());
    std::set<int64_t> gone;
    for (const auto& b : bm) {
      std::string uri = b.Text(0).empty() ? b.Text(1) : "s3://" + b.Text(0) + "/" + b.Text(1);
      SLUICE_ASSIGN_OR_RETURN(auto files,
                              tx->Query("SELECT file_id FROM dataset_files WHERE dataset = $1 AND "
                                        "layer = 'silver' AND state = 'live' AND source = $2",
                                        {dataset, uri}));
      for (const auto& f : files) gone.insert(f.Int(0));
    }
    for (int64_t id : gone) {
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("UPDATE dataset_files SET state = 'deleted' WHERE file_id = $1", {id}));
    }
    SLUICE_ASSIGN_OR_RETURN(
        auto idx,
        tx->QueryOne("SELECT path FROM dataset_key_indexes WHERE dataset = $1", {dataset}));
    if (idx && !gone.empty()) {
      old_index = idx->Text(0);
      new_index = "_sluice/" + dataset + "/keys-" + common::NewSortableId() + ".idx";
      SLUICE_ASSIGN_OR_RETURN(auto reader, KeyIndexReader::Open(lake.Abs(old_index)));
      int64_t kept_keys = 0;
      if (reader->bucketed()) {
        // Streamed: the index is never in memory whole.
        SLUICE_ASSIGN_OR_RETURN(auto writer,
                                KeyIndexWriter::Open(lake.Abs(new_index), reader->directory_bits()));
        SLUICE_RETURN_IF_ERROR(reader->ForEach([&](const KeyRecord& r) {
          return gone.count(r.a) ? Status::OK() : writer->Add(r.hash, r.key, r.order, r.a);
        }));
        SLUICE_RETURN_IF_ERROR(writer->Finish());
        kept_keys = static_cast<int64_t>(writer->count());
      } else {
        SLUICE_ASSIGN_OR_RETURN(KeyTable index, KeyTable::Load(lake.Abs(old_index)));
        KeyTable kept;
        kept.Reserve(index.size());
        for (const KeyTable::Entry& e : index.entries()) {
          if (gone.count(e.a)) continue;
          auto [k, inserted] = kept.FindOrInsert(index.key(e));
          kept.SetOrder(k, index.order(e));
          k->a = e.a;
        }
        SLUICE_RETURN_IF_ERROR(kept.Write(lake.Abs(new_index)));
        kept_keys = static_cast<int64_t>(kept.size());
      }
      SLUICE_RETURN_IF_ERROR(
          tx->Execute("UPDATE dataset_key_indexes SET path = $2, keys = $3 WHERE dataset = $1",
                      {dataset, new_index, kept_keys}));
    }
    SLUICE_RETURN_IF_ERROR(
        tx->Execute("UPDATE job_runs SET status = 'RESET' WHERE job = $1 AND status = 'SUCCEEDED' "
                    "AND run_id IN "
                    "(SELECT run_id FROM job_bookmarks WHERE job = $1)",
                    {job}));
    SLUICE_RETURN_IF_ERROR(tx->Execute("DELETE FROM job_bookmarks WHERE job = $1", {job}));
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  // Deleted files (and the old index) go now; a crash here is finished by the next recovery.
  SLUICE_RETURN_IF_ERROR(RecoverLocked(e, lake));
  return forgotten;
}

Result<json::array> ListRuns(catalog::Catalog& catalog, const std::string& job, int limit) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto rows,
                          tx->Query("SELECT run_id, job, dataset, source_bucket, source_key, "
                                    "source_etag, status, started_at, finished_at, "
                                    "report, error FROM job_runs WHERE ($1 = '' OR job = $1) ORDER "
                                    "BY started_at DESC, run_id DESC LIMIT $2",
                                    {job, static_cast<int64_t>(limit)}));
  json::array out;
  for (const auto& r : rows) {
    json::object o{
        {"run_id", r.Text(0)},
        {"job", r.Text(1)},
        {"dataset", r.Text(2)},
        {"source", r.Text(3).empty() ? r.Text(4) : "s3://" + r.Text(3) + "/" + r.Text(4)},
        {"etag", r.Text(5)},
        {"status", r.Text(6)},
        {"started_at", r.Text(7)}};
    if (!r.IsNull(8)) o["finished_at"] = r.Text(8);
    if (!r.IsNull(9)) {
      auto report = common::ParseJson(r.Text(9), "report");
      if (report.ok() && report->is_object()) {
        const json::object& rep = report->as_object();
        if (auto* rows_obj = rep.if_contains("rows")) o["rows"] = *rows_obj;
      }
    }
    if (!r.IsNull(10)) o["error"] = r.Text(10);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace sluice::etl
