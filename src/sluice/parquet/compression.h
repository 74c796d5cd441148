#pragma once

// Page compression codecs for Parquet: UNCOMPRESSED, SNAPPY (raw snappy blocks), GZIP (deflate
// with gzip framing) and ZSTD (frames, default level 3). Codecs are named by
// metadata.h's CompressionCodec (Parquet's ids from parquet.thrift).
//
// A Codec keeps its compression contexts between calls, so a writer or reader holds one per
// column and reuses it; a Codec is thread-compatible (one thread at a time). Decompression is
// told the page's uncompressed size, never writes past it, and reports data that decompresses
// to any other size, or does not decompress, as Status::Corruption. The third-party headers
// stay in compression.cc.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/common/status.h"
#include "sluice/parquet/metadata.h"

namespace sluice::parquet {

// Parquet's spelling of the codec ("UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW", ...),
// or "UNKNOWN(<id>)".
std::string CompressionCodecName(CompressionCodec codec);

class Codec {
 public:
  virtual ~Codec() = default;

  virtual CompressionCodec codec() const = 0;

  // Replaces *out with the compressed form of `in` (keeping *out's capacity).
  // InvalidArgument when `in` is too large for the format (4 GiB for snappy).
  virtual Status Compress(std::string_view in, std::string* out) = 0;

  // Replaces *out with the decompression of `in`, which must be exactly `uncompressed_size`
  // bytes; Corruption otherwise, or when `in` is not valid compressed data.
  virtual Status Decompress(std::string_view in, size_t uncompressed_size, std::string* out) = 0;
};

// Pages are at most 2^31 - 1 bytes (their sizes are int32 in the page header); Decompress
// refuses larger claimed sizes as Corruption before allocating.
inline constexpr size_t kMaxUncompressedPageSize = 0x7fffffff;

// The codec for `codec`. `level` 0 means the codec's default (ZSTD 3, GZIP 6); otherwise
// ZSTD takes its range (negative fast levels up to 22) and GZIP 1..9; SNAPPY and
// UNCOMPRESSED ignore it. NotFound for a codec sluice does not support (LZO, BROTLI, LZ4,
// LZ4_RAW), naming it; InvalidArgument for a level out of range.
Result<std::unique_ptr<Codec>> MakeCodec(CompressionCodec codec, int level = 0);

}  // namespace sluice::parquet
