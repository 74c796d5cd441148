#pragma once

// Transparent decompression of ETL inputs chosen by the object's name, as Glue does: ".gz"
// is gzip (concatenated members allowed), ".zst"/".zstd" is Zstandard (concatenated frames
// allowed), anything else is passed through unchanged. Decompression streams through
// fixed-size buffers (memory does not grow with the input). Corrupt or truncated data is a
// Corruption status naming the source and the compressed byte offset. A stream is
// single-threaded.

#include <memory>
#include <string_view>

#include "sluice/common/io.h"
#include "sluice/common/status.h"

namespace sluice::etl {

enum class Compression { kNone, kGzip, kZstd };

// The compression implied by `name`'s suffix.
Compression CompressionFromName(std::string_view name);

// Wraps `raw` in a decompressing stream when `name` ends in .gz, .zst or .zstd; otherwise
// returns `raw`. `name` appears in errors.
Result<std::unique_ptr<common::InputStream>> OpenMaybeCompressed(
    std::unique_ptr<common::InputStream> raw, std::string_view name);

// The same, with the compression given explicitly.
Result<std::unique_ptr<common::InputStream>> OpenDecompressed(
    std::unique_ptr<common::InputStream> raw, Compression compression, std::string_view name);

}  // namespace sluice::etl
