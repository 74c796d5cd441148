// sluice_parquet_bench ORDERS_CSV OUT_DIR [options]: the sluice side of the Parquet
// benchmark. Loads the orders data set written by bench/parquet/make_orders.py into one
// RecordBatch (not timed), then times sluice's own Parquet writer and reader on it and prints
// one JSON object (one line) that bench/parquet/report.py compares with
// bench/parquet/duckdb_peer.mjs's:
//
//   {"engine":"sluice","rows","data_bytes","file_bytes","write_s","write_mem_s","read_s",
//    "scan_s","project_s","prune_s","prune_rows","columns":[{"name","encodings",
//    "compressed","uncompressed"}...]}
//
// Schema (the same types the DuckDB peer declares): order_id int64, customer_id string,
// order_date timestamp[us] (not UTC-adjusted, as DuckDB's TIMESTAMP), status string,
// currency string, amount decimal(12,2), items int32; all nullable (DuckDB writes OPTIONAL
// columns), no nulls in the data.
//
// Timed, each --runs times (default 3), the best run reported, one thread throughout:
//   write      FileWriter (WriterOptions defaults: ZSTD at its default level, dictionary,
//              page index, statistics) to OUT_DIR/sluice.parquet through an
//              AtomicFileOutputStream without fsync (the page cache, as DuckDB's COPY);
//   write_mem  the same into a std::string (no file system);
//   read       FileReader::OpenFile + ReadRowGroup of every row group, all columns: every
//              value decoded into RecordBatches in memory;
//   scan       the same through Scan() (batches of 65,536 rows);
//   project    Scan of two columns (customer_id, amount);
//   prune      Scan with order_date between 2026-03-01 and 2026-03-31 23:59:59 (row groups
//              by statistics, pages by the page index; rows returned counted, not filtered).
// data_bytes is the batch's size in memory (Arrow layout: 8 bytes per int64, 4 per int32,
// string bytes + 8-byte offsets), the basis of MB/s for both engines.
//
// Options:
//   --runs N             timed repetitions of each step (default 3)
//   --only STEP          run one step (write | write_mem | read | scan | project | prune),
//                        --runs times, for profiling; prints nothing
//   --read-also FILE     also time reading FILE (e.g. DuckDB's) whole: "read_other_s"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/parquet/file_reader.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/predicate.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sluice_parquet_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

template <typename T>
T Take(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t Digits(std::string_view s, size_t pos, size_t n) {
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// "2026-11-27T08:15:02Z" → microseconds since the epoch.
int64_t ParseTimestampMicros(std::string_view s, int64_t line) {
  if (s.size() != 20 || s[4] != '-' || s[10] != 'T' || s[19] != 'Z') {
    Die("line " + std::to_string(line) + ": bad order_date '" + std::string(s) + "'");
  }
  const int64_t days = DaysFromCivil(Digits(s, 0, 4), Digits(s, 5, 2), Digits(s, 8, 2));
  const int64_t secs = days * 86400 + Digits(s, 11, 2) * 3600 + Digits(s, 14, 2) * 60 +
                       Digits(s, 17, 2);
  return secs * 1000000;
}

// "-129.90" → -12990 (two decimals, as make_orders.py writes them).
int64_t ParseCents(std::string_view s, int64_t line) {
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos || s.size() - dot != 3) {
    Die("line " + std::to_string(line) + ": bad amount '" + std::string(s) + "'");
  }
  const int64_t v = Digits(s, 0, dot) * 100 + Digits(s, dot + 1, 2);
  return negative ? -v : v;
}

Schema OrdersSchema() {
  Schema schema;
  schema.fields = {
      {"order_id", DataType::Of(TypeKind::kInt64), true},
      {"customer_id", DataType::Of(TypeKind::kString), true},
      {"order_date", DataType::Timestamp(TimeUnit::kMicros, /*adjusted_to_utc=*/false), true},
      {"status", DataType::Of(TypeKind::kString), true},
      {"currency", DataType::Of(TypeKind::kString), true},
      {"amount", DataType::Decimal(12, 2), true},
      {"items", DataType::Of(TypeKind::kInt32), true},
  };
  return schema;
}

RecordBatch LoadOrders(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot open " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  RecordBatch batch = RecordBatch::Make(OrdersSchema());
  std::vector<ColumnVector>& c = batch.columns;
  size_t pos = text.find('\n');
  if (pos == std::string::npos) Die(path + ": no header");
  ++pos;
  int64_t line = 1;
  std::string_view f[7];
  while (pos < text.size()) {
    ++line;
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view row(text.data() + pos, end - pos);
    pos = end + 1;
    for (int i = 0; i < 7; ++i) {
      const size_t comma = i < 6 ? row.find(',') : row.size();
      if (comma == std::string_view::npos) Die(path + ": line " + std::to_string(line) + ": too few fields");
      f[i] = row.substr(0, comma);
      row.remove_prefix(std::min(row.size(), comma + 1));
    }
    c[0].AppendInt64(std::strtoll(std::string(f[0]).c_str(), nullptr, 10));
    c[1].AppendBytes(f[1]);
    c[2].AppendInt64(ParseTimestampMicros(f[2], line));
    c[3].AppendBytes(f[3]);
    c[4].AppendBytes(f[4]);
    c[5].AppendInt64(ParseCents(f[5], line));
    c[6].AppendInt32(static_cast<int32_t>(std::strtol(std::string(f[6]).c_str(), nullptr, 10)));
    ++batch.num_rows;
  }
  Check(batch.Validate(), "the loaded batch");
  return batch;
}

int64_t DataBytes(const RecordBatch& batch) {
  int64_t n = 0;
  for (const ColumnVector& c : batch.columns) {
    n += static_cast<int64_t>(c.ints32.size() * 4 + c.ints64.size() * 8 + c.bytes.size() +
                              c.offsets.size() * 8);
  }
  return n;
}

void WriteTo(common::OutputStream* out, const RecordBatch& batch, FileMetaData* metadata) {
  auto writer = Take(FileWriter::Open(out, batch.schema, WriterOptions{}), "FileWriter::Open");
  Check(writer->Write(batch), "FileWriter::Write");
  Check(writer->Close(), "FileWriter::Close");
  if (metadata != nullptr) *metadata = writer->metadata();
}

int64_t ReadWhole(const std::string& path) {
  auto reader = Take(FileReader::OpenFile(path), "FileReader::OpenFile");
  int64_t rows = 0;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    RecordBatch b = Take(reader->ReadRowGroup(g, {}), "ReadRowGroup");
    rows += b.num_rows;
  }
  return rows;
}

int64_t ScanRows(const std::string& path, const ReadOptions& options) {
  auto reader = Take(FileReader::OpenFile(path), "FileReader::OpenFile");
  auto it = Take(reader->Scan(options), "Scan");
  int64_t rows = 0;
  while (true) {
    std::optional<RecordBatch> b = Take(it->Next(), "BatchIterator::Next");
    if (!b.has_value()) break;
    rows += b->num_rows;
  }
  return rows;
}

// Best (least) wall time in seconds of `runs` calls of `fn`.
template <typename Fn>
double Best(int runs, Fn&& fn) {
  double best = 1e300;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}


ReadOptions Projection() {
  ReadOptions o;
  o.columns = {"customer_id", "amount"};
  return o;
}

ReadOptions MarchPredicate() {
  ReadOptions o;
  const int64_t lo = DaysFromCivil(2026, 3, 1) * 86400 * 1000000;
  const int64_t hi = (DaysFromCivil(2026, 4, 1) * 86400 - 1) * 1000000;
  o.predicates = {Predicate::Between("order_date", lo, hi)};
  return o;
}

int Main(int argc, char** argv) {
  std::string csv, dir, only, read_also;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--read-also" && i + 1 < argc) read_also = argv[++i];
    else if (csv.empty()) csv = a;
    else if (dir.empty()) dir = a;
    else Die("unexpected argument '" + a + "'");
  }
  if (csv.empty() || dir.empty() || runs < 1) {
    Die("usage: sluice_parquet_bench ORDERS_CSV OUT_DIR [--runs N] [--only STEP] [--read-also FILE]");
  }
  const RecordBatch batch = LoadOrders(csv);
  const std::string path = dir + "/sluice.parquet";

  auto write_file = [&](FileMetaData* metadata) {
    auto out = Take(common::AtomicFileOutputStream::Open(path, /*durable=*/false), "open output");
    WriteTo(out.get(), batch, metadata);
  };
  std::string memory;
  auto write_mem = [&] {
    memory.clear();
    common::StringOutputStream out(&memory);
    WriteTo(&out, batch, nullptr);
  };

  if (!only.empty()) {
    if (only != "write" && only != "write_mem") write_file(nullptr);
    for (int i = 0; i < runs; ++i) {
      if (only == "write") write_file(nullptr);
      else if (only == "write_mem") write_mem();
      else if (only == "read") ReadWhole(path);
      else if (only == "scan") ScanRows(path, ReadOptions{});
      else if (only == "project") ScanRows(path, Projection());
      else if (only == "prune") ScanRows(path, MarchPredicate());
      else Die("unknown step '" + only + "'");
    }
    return 0;
  }

  FileMetaData metadata;
  const double write_s = Best(runs, [&] { write_file(&metadata); });
  const double write_mem_s = Best(runs, write_mem);
  const int64_t file_bytes = static_cast<int64_t>(memory.size());
  int64_t rows = 0;
  const double read_s = Best(runs, [&] { rows = ReadWhole(path); });
  if (rows != batch.num_rows) Die("read back " + std::to_string(rows) + " rows");
  const double scan_s = Best(runs, [&] { ScanRows(path, ReadOptions{}); });
  const double project_s = Best(runs, [&] { ScanRows(path, Projection()); });
  int64_t prune_rows = 0;
  const double prune_s = Best(runs, [&] { prune_rows = ScanRows(path, MarchPredicate()); });
  double read_other_s = -1;
  if (!read_also.empty()) read_other_s = Best(runs, [&] { ReadWhole(read_also); });

  std::printf("{\"engine\":\"sluice\",\"rows\":%lld,\"data_bytes\":%lld,\"file_bytes\":%lld,"
              "\"row_groups\":%zu,\"write_s\":%.6f,\"write_mem_s\":%.6f,\"read_s\":%.6f,"
              "\"scan_s\":%.6f,\"project_s\":%.6f,\"prune_s\":%.6f,\"prune_rows\":%lld",
              static_cast<long long>(batch.num_rows), static_cast<long long>(DataBytes(batch)),
              static_cast<long long>(file_bytes), metadata.row_groups.size(), write_s,
              write_mem_s, read_s, scan_s, project_s, prune_s,
              static_cast<long long>(prune_rows));
  if (read_other_s >= 0) std::printf(",\"read_other_s\":%.6f", read_other_s);
  std::printf(",\"columns\":[");
  for (size_t i = 0; i < batch.schema.fields.size(); ++i) {
    int64_t compressed = 0, uncompressed = 0;
    std::vector<std::string> encodings;
    for (const RowGroup& g : metadata.row_groups) {
      const ColumnMetaData& m = *g.columns[i].meta_data;
      compressed += m.total_compressed_size;
      uncompressed += m.total_uncompressed_size;
      for (Encoding e : m.encodings) {
        const std::string name = parquet::ParquetEncodingName(e);
        if (std::find(encodings.begin(), encodings.end(), name) == encodings.end()) {
          encodings.push_back(name);
        }
      }
    }
    std::string joined;
    for (const std::string& e : encodings) joined += (joined.empty() ? "" : ",") + e;
    std::printf("%s{\"name\":\"%s\",\"encodings\":\"%s\",\"compressed\":%lld,"
                "\"uncompressed\":%lld}",
                i == 0 ? "" : ",", batch.schema.fields[i].name.c_str(), joined.c_str(),
                static_cast<long long>(compressed), static_cast<long long>(uncompressed));
  }
  std::printf("]}\n");
  return 0;
}

}  // namespace
}  // namespace sluice::parquet

int main(int argc, char** argv) { return sluice::parquet::Main(argc, argv); }
