#pragma once

// The delta encodings of Parquet (Encodings.md): DELTA_BINARY_PACKED (= 5) for INT32 and
// INT64, DELTA_LENGTH_BYTE_ARRAY (= 6) and DELTA_BYTE_ARRAY (= 7, incremental/front
// compression) for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY.
//
// Encoders are free functions that append one complete stream (one page's values) to a
// caller-owned std::string; DELTA_BINARY_PACKED uses blocks of 128 values in 4 miniblocks of
// 32, as parquet-mr, Arrow and DuckDB do. Differences are taken in unsigned arithmetic so
// that overflow wraps around in two's complement, as the specification intends.
//
// Decoders read a stream the caller owns (it must outlive them, except where noted), decode
// in batches into caller-provided buffers, and report malformed input (bad headers, bit
// widths wider than the type, truncated miniblocks, lengths past the end) as
// Status::Corruption. They reuse their internal buffers across Reset() calls. All classes are
// thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::parquet {

void DeltaBinaryPackedEncode(const int32_t* values, int64_t n, std::string* out);
void DeltaBinaryPackedEncode(const int64_t* values, int64_t n, std::string* out);

class DeltaBinaryPackedDecoder {
 public:
  DeltaBinaryPackedDecoder() = default;

  // Parses the stream header at the front of `data` (which may continue past the stream).
  // Corruption when the header is truncated or invalid (block size not a positive multiple
  // of 128, miniblocks not a multiple of 32 values).
  Status Reset(std::string_view data);

  // The value count the header declares, and how many are not decoded yet.
  int64_t total_values() const { return total_values_; }
  int64_t values_remaining() const { return remaining_; }

  // Decodes the next `n` values. Corruption when fewer than `n` remain, a miniblock's bit
  // width exceeds the type's width, or the data ends inside a block.
  Status Decode(int32_t* out, int64_t n);
  Status Decode(int64_t* out, int64_t n);

  // Bytes of `data` read so far; once every value is decoded, the length of the stream.
  size_t bytes_consumed() const { return pos_; }

 private:
  template <typename T>
  Status DecodeImpl(T* out, int64_t n);
  Status NextMiniblock(int max_bit_width);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  uint64_t values_per_miniblock_ = 0;
  uint64_t miniblocks_per_block_ = 0;
  int64_t total_values_ = 0;
  int64_t remaining_ = 0;
  bool first_pending_ = false;
  uint64_t last_value_ = 0;
  uint64_t min_delta_ = 0;
  const uint8_t* bit_widths_ = nullptr;
  uint64_t miniblock_index_ = 0;  // of the next miniblock in the current block
  const uint8_t* miniblock_ = nullptr;
  int miniblock_bit_width_ = 0;
  uint64_t miniblock_bit_ = 0;
  int64_t miniblock_remaining_ = 0;
};

// Lengths as DELTA_BINARY_PACKED, then all the bytes back to back. Values must be shorter
// than 2 GiB.
void DeltaLengthByteArrayEncode(const std::string_view* values, int64_t n, std::string* out);

class DeltaLengthByteArrayDecoder {
 public:
  DeltaLengthByteArrayDecoder() = default;

  // Decodes the lengths of the stream in `data` (which must outlive the decoder and whose
  // value bytes may be followed by other data). Corruption when the stream holds more than
  // `max_values` values (the page's value count), a length is negative, or the lengths add
  // up to more bytes than follow them.
  Status Reset(std::string_view data, int64_t max_values);

  int64_t total_values() const { return static_cast<int64_t>(lengths_.size()); }
  int64_t values_remaining() const { return total_values() - next_; }

  // out[i] views value i inside `data`. Corruption when fewer than `n` values remain.
  Status Decode(std::string_view* out, int64_t n);

  // The length of the whole stream: encoded lengths plus value bytes.
  size_t stream_size() const { return stream_size_; }

 private:
  std::vector<int32_t> lengths_;
  const char* bytes_ = nullptr;
  size_t bytes_pos_ = 0;
  int64_t next_ = 0;
  size_t stream_size_ = 0;
};

// Prefix lengths shared with the previous value as DELTA_BINARY_PACKED, then the suffixes as
// DELTA_LENGTH_BYTE_ARRAY.
void DeltaByteArrayEncode(const std::string_view* values, int64_t n, std::string* out);

class DeltaByteArrayDecoder {
 public:
  // Values decoded from one page may total at most this many bytes.
  static constexpr size_t kMaxTotalBytes = size_t{1} << 31;

  DeltaByteArrayDecoder() = default;

  // Decodes the whole stream in `data` into the decoder's own buffer (`data` need not
  // outlive this call). Corruption when the stream holds more than `max_values` values, the
  // prefix and suffix counts differ, a prefix is longer than the previous value, or the
  // values would exceed kMaxTotalBytes.
  Status Reset(std::string_view data, int64_t max_values);

  int64_t total_values() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  int64_t values_remaining() const { return total_values() - next_; }

  // out[i] views value i in the decoder's buffer: valid until the next Reset() or the
  // decoder's destruction. Corruption when fewer than `n` values remain.
  Status Decode(std::string_view* out, int64_t n);

 private:
  DeltaBinaryPackedDecoder prefix_decoder_;
  DeltaLengthByteArrayDecoder suffix_decoder_;
  std::vector<int32_t> prefix_lengths_;
  std::vector<std::string_view> suffixes_;
  std::string buffer_;
  std::vector<size_t> offsets_ = {0};
  int64_t next_ = 0;
};

}  // namespace sluice::parquet
