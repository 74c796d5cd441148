// libFuzzer entry point for the Parquet metadata layer: the input is tried both as a
// serialized FileMetaData and as a whole Parquet file whose footer is read and validated.
// Not wired into the build yet; with clang, link it against sluice_parquet and
// sluice_common built with -fsanitize=fuzzer-no-link,address,undefined and add
// -fsanitize=fuzzer to the executable's link options.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/parquet/file_footer.h"
#include "sluice/parquet/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sluice::parquet::ReaderLimits limits;
  limits.max_container_elements = 100'000;  // keep each run fast; the logic is the same

  sluice::Result<sluice::parquet::FileMetaData> metadata =
      sluice::parquet::ParseFileMetaData(bytes, limits);
  if (metadata.ok()) {
    // What parses must serialize and parse back to the same value.
    std::string again = sluice::parquet::SerializeFileMetaData(*metadata);
    sluice::Result<sluice::parquet::FileMetaData> reparsed =
        sluice::parquet::ParseFileMetaData(again, limits);
    if (!reparsed.ok() || !(*reparsed == *metadata)) __builtin_trap();
  }

  size_t header_size = 0;
  (void)sluice::parquet::ParsePageHeader(bytes, &header_size, limits);
  (void)sluice::parquet::ParseColumnIndex(bytes, limits);
  (void)sluice::parquet::ParseOffsetIndex(bytes, limits);

  sluice::parquet::StringSource source{std::string(bytes)};
  (void)sluice::parquet::ReadFooter(source, "fuzz.parquet", limits);
  return 0;
}
