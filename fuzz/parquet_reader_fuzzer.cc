// libFuzzer entry point for the Parquet file reader: the input is read as a whole Parquet
// file, every column of every row group, in small batches. Any outcome but a crash, a hang
// or an unbounded allocation is fine: hostile files must give an error.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/parquet/file_footer.h"
#include "sluice/parquet/file_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = std::make_unique<sluice::parquet::StringSource>(
      std::string(reinterpret_cast<const char*>(data), size));
  auto reader = sluice::parquet::FileReader::Open(std::move(source), "fuzz.parquet");
  if (!reader.ok()) return 0;
  sluice::parquet::ReadOptions options;
  options.batch_rows = 64;
  auto scan = (*reader)->Scan(options);
  if (!scan.ok()) return 0;
  for (int i = 0; i < 10000; ++i) {
    auto batch = (*scan)->Next();
    if (!batch.ok() || !batch->has_value()) break;
    (void)(*batch)->Validate();
  }
  return 0;
}
