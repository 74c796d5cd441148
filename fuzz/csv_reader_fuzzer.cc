// libFuzzer entry point for the ETL CSV reader: the first two bytes choose the dialect, the
// read size and the block size, the rest is the file. Any record-level outcome is fine; the
// reader must not crash, hang, exceed its limits, or stop before the end of the input, and
// reading the input cut into blocks (NextBlock/OpenBlock) must give exactly the records
// reading it whole gives.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/etl/csv_reader.h"
#include "sluice/etl/etl_test_util.h"

namespace {

// Appends each record's line, fields, raw text and error to `out`.
void Render(const sluice::etl::CsvRecord& record, std::string* out) {
  *out += std::to_string(record.line) + ":";
  for (size_t i = 0; i < record.fields.size(); ++i) {
    *out += record.quoted[i] ? "\"[" : "[";
    *out += std::string(record.fields[i]) + "]";
  }
  *out += " raw=" + std::string(record.raw) + " !" + record.error.value_or("") + "\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const size_t chunk = 1 + data[1] % 64;
  sluice::etl::CsvDialect dialect;
  static const char kDelimiters[] = {',', ';', '\t', '|'};
  dialect.delimiter = kDelimiters[mode & 3];
  if (mode & 4) dialect.escape = '\\';
  dialect.header = (mode & 8) == 0;
  if (mode & 16) dialect.comment_prefix = "#";
  if (mode & 32) dialect.encoding = sluice::etl::CsvDialect::Encoding::kLatin1;
  dialect.max_field_bytes = 64;
  dialect.max_record_bytes = 256;
  dialect.max_fields = 16;
  std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto in = std::make_unique<sluice::etl::testing::ChunkedInputStream>(text, chunk);
  auto reader = sluice::etl::CsvReader::Open(std::move(in), dialect, "fuzz.csv");
  if (!reader.ok()) return 0;
  sluice::etl::CsvRecord record;
  std::string whole;
  for (size_t records = 0;; ++records) {
    auto more = (*reader)->Next(&record);
    if (!more.ok() || !*more) break;
    if (records > text.size() + 1) __builtin_trap();  // more records than bytes: a loop
    if (record.fields.size() > dialect.max_fields) __builtin_trap();
    for (auto field : record.fields) {
      if (field.size() > dialect.max_field_bytes * 3) __builtin_trap();  // Latin-1 doubles at most
    }
    Render(record, &whole);
  }

  const size_t block_bytes = 1 + data[1] / 64 * 37;
  auto cutter = sluice::etl::CsvReader::Open(
      std::make_unique<sluice::etl::testing::ChunkedInputStream>(text, chunk), dialect, "fuzz.csv");
  if (!cutter.ok()) __builtin_trap();  // opened once already
  std::string blocks;
  sluice::Status read = sluice::etl::testing::ForEachRecordInBlocks(
      **cutter, block_bytes, &record, [&](const auto& r) { Render(r, &blocks); });
  if (!read.ok() || blocks != whole) __builtin_trap();
  return 0;
}
