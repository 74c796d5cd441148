#pragma once

// The PLAIN encoding of Parquet (Encodings.md, "PLAIN = 0") for every physical type:
// BOOLEAN bit-packed LSB first, INT32/INT64/FLOAT/DOUBLE little endian, INT96 as 12 bytes
// (decode only; deprecated), BYTE_ARRAY as a 4-byte length then the bytes, and
// FIXED_LEN_BYTE_ARRAY as the bytes of the given length.
//
// Encoders append to a caller-owned std::string. Decoders read from the front of a
// caller-owned std::string_view and advance it; they check every length against the bytes
// that remain and report a short or lying input as Status::Corruption. Byte-array decoders
// return string_views into the input, so the input buffer must outlive them. All functions
// are stateless (PlainBooleanDecoder is thread-compatible).

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::parquet {

// A deprecated INT96 timestamp as stored: 12 little-endian bytes (nanoseconds of the day in
// value[0..1], Julian day in value[2]).
struct Int96 {
  uint32_t value[3];
};

void PlainEncodeBooleans(const bool* values, int64_t n, std::string* out);
void PlainEncode(const int32_t* values, int64_t n, std::string* out);
void PlainEncode(const int64_t* values, int64_t n, std::string* out);
void PlainEncode(const float* values, int64_t n, std::string* out);
void PlainEncode(const double* values, int64_t n, std::string* out);
// Each value is written as its 4-byte little-endian length followed by its bytes; values must
// be shorter than 4 GiB.
void PlainEncodeByteArrays(const std::string_view* values, int64_t n, std::string* out);
// Every value must be exactly `type_length` bytes long.
void PlainEncodeFixedLenByteArrays(const std::string_view* values, int64_t n, int type_length,
                                   std::string* out);

// Decode `n` values from the front of *data into out[0, n) and advance *data past them.
// Corruption (naming the type, the count and the bytes available) when *data is too short.
Status PlainDecode(std::string_view* data, int64_t n, int32_t* out);
Status PlainDecode(std::string_view* data, int64_t n, int64_t* out);
Status PlainDecode(std::string_view* data, int64_t n, float* out);
Status PlainDecode(std::string_view* data, int64_t n, double* out);
Status PlainDecode(std::string_view* data, int64_t n, Int96* out);
// out[i] views the bytes of value i inside the input buffer.
Status PlainDecodeByteArrays(std::string_view* data, int64_t n, std::string_view* out);
// Corruption also when `type_length` (from the file's schema) is not positive.
Status PlainDecodeFixedLenByteArrays(std::string_view* data, int64_t n, int type_length,
                                     std::string_view* out);

// Decodes PLAIN booleans, which are bit-packed and so need a bit position across batches.
class PlainBooleanDecoder {
 public:
  PlainBooleanDecoder() = default;
  // `data` must outlive the decoder.
  void Reset(std::string_view data);
  // Decodes the next `n` booleans; Corruption when fewer remain.
  Status Decode(bool* out, int64_t n);
  // Bytes consumed so far (a partly read byte counts as consumed).
  size_t bytes_consumed() const { return static_cast<size_t>((bit_pos_ + 7) / 8); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t bit_pos_ = 0;
};

}  // namespace sluice::parquet
