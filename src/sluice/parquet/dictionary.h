#pragma once

// Dictionary encoding for the Parquet writer and reader (Encodings.md, "RLE_DICTIONARY = 8").
//
// DictionaryBuilder maps values to dense indices in insertion order and keeps the dictionary
// page (the entries PLAIN-encoded) as it grows, so the writer can check dictionary_page_size()
// against its limit and fall back to PLAIN. Values are keyed by their bytes: floating-point
// values by bit pattern, so NaN payloads and -0.0 are entries of their own and a round trip is
// bit-exact. Inserting copies the value into the builder; nothing is allocated per value
// beyond amortized growth of its buffers.
//
// The data page body for RLE_DICTIONARY is a 1-byte bit width followed by the indices in the
// RLE / bit-packing hybrid (EncodeDictionaryIndices, DictionaryIndexDecoder).
//
// All classes are thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/rle.h"

namespace sluice::parquet {

class DictionaryBuilder {
 public:
  // Fixed-width values: 4 bytes for INT32 and FLOAT, 8 for INT64 and DOUBLE, the type length
  // for FIXED_LEN_BYTE_ARRAY (must be positive).
  static DictionaryBuilder ForFixedWidth(int width);
  // BYTE_ARRAY values (the dictionary page gives each a 4-byte length prefix).
  static DictionaryBuilder ForByteArray();

  // The index of `value`, added as the next index when new. The typed overloads require a
  // builder of the type's width; InsertBytes takes a value of the fixed width or any byte
  // array.
  uint32_t Insert(int32_t value);
  uint32_t Insert(int64_t value);
  uint32_t Insert(float value);
  uint32_t Insert(double value);
  uint32_t InsertBytes(std::string_view value);

  // Insert() for each of n values, writing indices[0, n).
  void InsertBatch(const int32_t* values, int64_t n, uint32_t* indices);
  void InsertBatch(const int64_t* values, int64_t n, uint32_t* indices);
  void InsertBatch(const float* values, int64_t n, uint32_t* indices);
  void InsertBatch(const double* values, int64_t n, uint32_t* indices);
  void InsertBatch(const std::string_view* values, int64_t n, uint32_t* indices);

  int64_t num_entries() const { return static_cast<int64_t>(entry_hashes_.size()); }
  // The dictionary page: all entries PLAIN-encoded in index order, and its size in bytes.
  std::string_view dictionary_page() const { return page_; }
  int64_t dictionary_page_size() const { return static_cast<int64_t>(page_.size()); }
  // The bit width for the indices: enough for num_entries() - 1, at least 1.
  int index_bit_width() const;

  // Forgets every entry (for the next column chunk), keeping the allocated capacity.
  void Clear();

 private:
  explicit DictionaryBuilder(int width);
  uint32_t InsertHashed(std::string_view value, uint64_t hash);
  std::string_view Entry(uint32_t index) const;
  void Grow();

  static constexpr uint32_t kEmptySlot = UINT32_MAX;

  int width_;  // 0 for BYTE_ARRAY
  std::string page_;
  std::vector<uint64_t> entry_hashes_;
  std::vector<size_t> entry_offsets_;  // BYTE_ARRAY only: where each value's bytes start
  std::vector<uint32_t> slots_;        // open addressing, linear probing; power-of-two size
};

// Appends an RLE_DICTIONARY data page body: `bit_width` (0..32) as one byte, then the indices
// RLE / bit-packed with that width. Every index must fit in `bit_width` bits.
void EncodeDictionaryIndices(const uint32_t* indices, int64_t n, int bit_width, std::string* out);

class DictionaryIndexDecoder {
 public:
  DictionaryIndexDecoder() = default;
  // Starts decoding an RLE_DICTIONARY data page body, which must outlive the decoder.
  // Corruption when it is empty or the bit width is over 32.
  Status Reset(std::string_view data);
  // Decodes the next `n` indices. Corruption when the data ends early or an index is not
  // below `dictionary_size`.
  Status Decode(uint32_t* out, int64_t n, uint32_t dictionary_size);

 private:
  RleDecoder rle_;
};

}  // namespace sluice::parquet
