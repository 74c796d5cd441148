// libFuzzer entry point for the ETL JSON Lines reader: the first two bytes choose the paths,
// the read size and the block size, the rest is the file. Any record-level outcome is fine;
// the reader must not crash, hang, or stop before the end of the input, and reading the input
// cut into blocks (NextBlock/OpenBlock) must give exactly the records reading it whole gives.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/etl/etl_test_util.h"
#include "sluice/etl/jsonl_reader.h"

namespace {

// Appends each record's line, values, raw text and error to `out`.
void Render(const sluice::etl::JsonlRecord& record, std::string* out) {
  *out += std::to_string(record.line) + ":";
  for (size_t i = 0; i < record.fields.size(); ++i) {
    *out += record.is_null[i] ? "null" : "[" + std::string(record.fields[i]) + "]";
  }
  *out += " raw=" + std::string(record.raw) + " !" + record.error + "\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const size_t chunk = 1 + data[1] % 64;
  sluice::etl::JsonlOptions options;
  if (mode & 1) options.paths = {"a", "b.c", "items[0].sku", "[\"odd.name\"]"};
  options.max_record_bytes = 512;
  std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto in = std::make_unique<sluice::etl::testing::ChunkedInputStream>(text, chunk);
  auto reader = sluice::etl::JsonlReader::Open(std::move(in), options, "fuzz.jsonl");
  if (!reader.ok()) return 0;
  sluice::etl::JsonlRecord record;
  std::string whole;
  for (size_t records = 0;; ++records) {
    auto more = (*reader)->Next(&record);
    if (!more.ok() || !*more) break;
    if (records > text.size() + 1) __builtin_trap();
    if (record.fields.size() != (*reader)->columns().size()) __builtin_trap();
    Render(record, &whole);
  }

  const size_t block_bytes = 1 + data[1] / 64 * 37;
  auto cutter = sluice::etl::JsonlReader::Open(
      std::make_unique<sluice::etl::testing::ChunkedInputStream>(text, chunk), options,
      "fuzz.jsonl");
  if (!cutter.ok()) __builtin_trap();  // opened once already
  std::string blocks;
  sluice::Status read = sluice::etl::testing::ForEachRecordInBlocks(
      **cutter, block_bytes, &record, [&](const auto& r) { Render(r, &blocks); });
  if (!read.ok() || blocks != whole) __builtin_trap();
  return 0;
}
