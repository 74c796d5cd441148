// libFuzzer entry point for the ETL JSON Lines reader: the first two bytes choose the paths
// and the read size, the rest is the file. Any record-level outcome is fine; the reader must
// not crash, hang, or stop before the end of the input.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/etl/etl_test_util.h"
#include "sluice/etl/jsonl_reader.h"

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
  for (size_t records = 0;; ++records) {
    auto more = (*reader)->Next(&record);
    if (!more.ok() || !*more) break;
    if (records > text.size() + 1) __builtin_trap();
    if (record.fields.size() != (*reader)->columns().size()) __builtin_trap();
  }
  return 0;
}
