#pragma once

// The BYTE_STREAM_SPLIT encoding of Parquet (Encodings.md, "BYTE_STREAM_SPLIT = 9") for
// FLOAT, DOUBLE, INT32, INT64 and FIXED_LEN_BYTE_ARRAY: byte k of every value goes to stream
// k, and the K streams of N bytes are concatenated. The page holds exactly K * N bytes, so N
// is the page size divided by the value width.
//
// Free functions over caller-owned buffers; no state, safe to call from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::parquet {

// Appends the encoding of `n` values of `width` bytes each, stored back to back in `values`.
void ByteStreamSplitEncode(const uint8_t* values, int64_t n, int width, std::string* out);
inline void ByteStreamSplitEncode(const float* values, int64_t n, std::string* out) {
  ByteStreamSplitEncode(reinterpret_cast<const uint8_t*>(values), n, 4, out);
}
inline void ByteStreamSplitEncode(const double* values, int64_t n, std::string* out) {
  ByteStreamSplitEncode(reinterpret_cast<const uint8_t*>(values), n, 8, out);
}
inline void ByteStreamSplitEncode(const int32_t* values, int64_t n, std::string* out) {
  ByteStreamSplitEncode(reinterpret_cast<const uint8_t*>(values), n, 4, out);
}
inline void ByteStreamSplitEncode(const int64_t* values, int64_t n, std::string* out) {
  ByteStreamSplitEncode(reinterpret_cast<const uint8_t*>(values), n, 8, out);
}

// The number of values a BYTE_STREAM_SPLIT page of `width`-byte values holds. Corruption
// when `width` is not positive or the page size is not a multiple of it.
Result<int64_t> ByteStreamSplitValueCount(std::string_view page, int width);

// Decodes values [first, first + n) of the page into `out` (n * width bytes), so a page can be
// read in batches. Corruption when the page is malformed (see ByteStreamSplitValueCount) or
// holds fewer than first + n values.
Status ByteStreamSplitDecode(std::string_view page, int width, int64_t first, int64_t n,
                             uint8_t* out);
inline Status ByteStreamSplitDecode(std::string_view page, int64_t first, int64_t n, float* out) {
  return ByteStreamSplitDecode(page, 4, first, n, reinterpret_cast<uint8_t*>(out));
}
inline Status ByteStreamSplitDecode(std::string_view page, int64_t first, int64_t n, double* out) {
  return ByteStreamSplitDecode(page, 8, first, n, reinterpret_cast<uint8_t*>(out));
}
inline Status ByteStreamSplitDecode(std::string_view page, int64_t first, int64_t n, int32_t* out) {
  return ByteStreamSplitDecode(page, 4, first, n, reinterpret_cast<uint8_t*>(out));
}
inline Status ByteStreamSplitDecode(std::string_view page, int64_t first, int64_t n, int64_t* out) {
  return ByteStreamSplitDecode(page, 8, first, n, reinterpret_cast<uint8_t*>(out));
}

}  // namespace sluice::parquet
