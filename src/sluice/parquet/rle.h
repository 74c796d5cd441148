#pragma once

// The RLE / bit-packing hybrid encoding of Parquet (Encodings.md, "RLE = 3"), used for
// definition and repetition levels, dictionary indices and RLE booleans, plus the bit-level
// helpers the other encodings share (bit widths, LSB-first bit packing, ULEB128).
//
// RleEncoder appends runs to its own buffer: repeats of 8 or more become RLE runs, everything
// else bit-packed groups of 8. RleDecoder reads runs from a byte range the caller owns (it
// must outlive the decoder) and decodes into caller-provided buffers; every malformed input
// (truncated runs, zero or oversized run lengths, values wider than the bit width) is a
// Status::Corruption naming what was wrong, never undefined behaviour.
//
// Both classes are thread-compatible: one instance per thread, no shared state.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::parquet {

// The number of bits needed to represent `max_value` (0 for 0, 64 for values >= 2^63).
int BitWidth(uint64_t max_value);

// The number of bytes `num_values` values take when bit-packed with `bit_width` bits each.
inline int64_t BitPackedSize(int64_t num_values, int bit_width) {
  return (num_values * bit_width + 7) / 8;
}

// Appends `value` as ULEB128 (7 bits a byte, least significant group first).
void AppendUleb128(uint64_t value, std::string* out);

// Reads a ULEB128 value from the front of *data and advances it. Corruption when the data
// ends inside the value or the value does not fit in 64 bits; `what` names the field.
Status ReadUleb128(std::string_view* data, uint64_t* value, std::string_view what);

// ZigZag mapping of signed to unsigned (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) and back.
inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Appends `num_values` values bit-packed LSB first with `bit_width` (0..64) bits each; the
// last byte is zero-padded. Each value must fit in `bit_width` bits.
void BitPack(const uint64_t* values, int64_t num_values, int bit_width, std::string* out);

// Reads the value at bit offset `bit_offset` of a bit-packed buffer of `size` bytes.
// Requires bit_offset + bit_width <= size * 8 and bit_width <= 64.
inline uint64_t ReadBitPacked(const uint8_t* data, size_t size, uint64_t bit_offset,
                              int bit_width) {
  if (bit_width == 0) return 0;
  const size_t byte = static_cast<size_t>(bit_offset >> 3);
  const int shift = static_cast<int>(bit_offset & 7);
  const uint64_t mask = bit_width == 64 ? ~uint64_t{0} : (uint64_t{1} << bit_width) - 1;
  if (bit_width + shift <= 64 && byte + 8 <= size) {
    uint64_t word;
    std::memcpy(&word, data + byte, 8);
    return (word >> shift) & mask;
  }
  // Near the end of the buffer, or a value spanning 9 bytes: assemble byte by byte.
  const size_t end = static_cast<size_t>((bit_offset + bit_width + 7) >> 3);
  uint64_t value = 0;
  int got = -shift;
  for (size_t i = byte; i < end; ++i) {
    const uint64_t b = data[i];
    if (got < 0) {
      value |= b >> shift;
    } else if (got < 64) {
      value |= b << got;
    }
    got += 8;
  }
  return value & mask;
}

// Bit-packs values with a fixed bit width into RLE / bit-packed hybrid runs.
class RleEncoder {
 public:
  // `bit_width` is 0..64 (a programmer error otherwise).
  explicit RleEncoder(int bit_width);

  int bit_width() const { return bit_width_; }

  // Appends one value; it must fit in bit_width() bits.
  void Append(uint64_t value);
  void AppendBatch(const uint32_t* values, int64_t n);
  void AppendBatch(const int16_t* values, int64_t n);

  // Ends the last run (zero-padding a final bit-packed group to 8 values) and appends the
  // encoded data to *out: bare (data page v2 levels, dictionary indices) or after its 4-byte
  // little-endian length (data page v1 levels, RLE booleans). The encoder is then empty and
  // can be reused.
  void Flush(std::string* out);
  void FlushLengthPrefixed(std::string* out);

  // An upper bound on the bytes Flush() would append now.
  int64_t EstimatedSize() const;

 private:
  void EndRun();
  void AppendLiteral(uint64_t value);
  void PackStaged();
  void CloseLiteralRun();
  void WriteRleRun(uint64_t value, int64_t count);
  void Finish();

  int bit_width_;
  std::string buf_;
  uint64_t run_value_ = 0;
  int64_t run_count_ = 0;
  uint64_t staged_[8] = {};
  int num_staged_ = 0;
  // The open bit-packed run: where its 1-byte header goes in buf_, and its group count.
  size_t literal_header_pos_ = 0;
  int literal_groups_ = 0;
};

// Decodes RLE / bit-packed hybrid data with a fixed bit width.
class RleDecoder {
 public:
  RleDecoder() = default;

  // Starts decoding `data` (without length prefix), which must outlive the decoder.
  // Corruption when `bit_width` is over 64.
  Status Reset(std::string_view data, int bit_width);

  // Decodes exactly `n` values into out[0, n). Corruption when the data holds fewer values,
  // a run is malformed, or (for narrow outputs) a value does not fit the output type.
  Status GetBatch(uint8_t* out, int64_t n);
  Status GetBatch(int16_t* out, int64_t n);
  Status GetBatch(uint32_t* out, int64_t n);
  Status GetBatch(int32_t* out, int64_t n);
  Status GetBatch(uint64_t* out, int64_t n);

  int bit_width() const { return bit_width_; }
  // Values decoded so far since Reset().
  int64_t values_read() const { return values_read_; }

 private:
  template <typename T>
  Status GetBatchImpl(T* out, int64_t n);
  Status NextRun();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;  // start of the next run header
  int bit_width_ = 0;
  int64_t values_read_ = 0;
  // The current run: RLE (repeat `rle_value_`) or bit-packed (values at `packed_` + bits).
  bool is_rle_ = false;
  uint64_t rle_value_ = 0;
  int64_t run_remaining_ = 0;
  const uint8_t* packed_ = nullptr;
  size_t packed_size_ = 0;
  uint64_t packed_bit_ = 0;
};

// Splits length-prefixed RLE data (data page v1 levels, RLE booleans) at the front of
// `data`: returns the encoded data and sets *consumed to 4 + its length. Corruption when the
// prefix is truncated or claims more bytes than remain.
Result<std::string_view> SplitLengthPrefixedRle(std::string_view data, size_t* consumed);

}  // namespace sluice::parquet
