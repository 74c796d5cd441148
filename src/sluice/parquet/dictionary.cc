#include "sluice/parquet/dictionary.h"

#include <algorithm>
#include <cstring>

namespace sluice::parquet {
namespace {

constexpr size_t kInitialSlots = 1024;

inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

template <typename T>
inline uint64_t Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// The 128-bit product of a and b, folded to 64 bits: one multiplication mixes 16 bytes.
inline uint64_t Fold(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Byte-array values are mostly short (ids, codes, e-mail addresses): up to 16 bytes take two
// possibly overlapping loads and two multiplications; longer ones one more per 16 bytes.
uint64_t HashBytes(std::string_view v) {
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL;
  constexpr uint64_t k1 = 0xe7037ed1a0b428dbULL;
  const char* p = v.data();
  size_t n = v.size();
  uint64_t seed = k0 ^ (n * 0x9e3779b97f4a7c15ULL);
  uint64_t a = 0;
  uint64_t b = 0;
  if (n > 16) {
    const char* end = p + n;
    for (; n > 16; p += 16, n -= 16) {
      seed = Fold(Load<uint64_t>(p) ^ k1, Load<uint64_t>(p + 8) ^ seed);
    }
    a = Load<uint64_t>(end - 16);  // the last 16 bytes, overlapping the last block
    b = Load<uint64_t>(end - 8);
  } else if (n >= 8) {
    a = Load<uint64_t>(p);
    b = Load<uint64_t>(p + n - 8);
  } else if (n >= 4) {
    a = Load<uint32_t>(p);
    b = Load<uint32_t>(p + n - 4);
  } else if (n > 0) {
    a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<uint8_t>(p[n >> 1])) << 8) |
        static_cast<uint64_t>(static_cast<uint8_t>(p[n - 1]));
  }
  return Fold(Fold(a ^ k1, b ^ seed) ^ k0, k1 ^ v.size());
}

template <typename T>
std::string_view BytesOf(const T& value) {
  return std::string_view(reinterpret_cast<const char*>(&value), sizeof(T));
}

}  // namespace

DictionaryBuilder::DictionaryBuilder(int width)
    : width_(width), slots_(kInitialSlots, kEmptySlot) {}

DictionaryBuilder DictionaryBuilder::ForFixedWidth(int width) {
  SLUICE_CHECK(width > 0);
  return DictionaryBuilder(width);
}

DictionaryBuilder DictionaryBuilder::ForByteArray() { return DictionaryBuilder(0); }

std::string_view DictionaryBuilder::Entry(uint32_t index) const {
  if (width_ > 0) {
    return std::string_view(page_.data() + static_cast<size_t>(index) * width_,
                            static_cast<size_t>(width_));
  }
  const size_t start = entry_offsets_[index];
  uint32_t len;
  std::memcpy(&len, page_.data() + start - 4, 4);
  return std::string_view(page_.data() + start, len);
}

uint32_t DictionaryBuilder::InsertHashed(std::string_view value, uint64_t hash) {
  const size_t mask = slots_.size() - 1;
  size_t slot = static_cast<size_t>(hash) & mask;
  while (true) {
    const uint32_t index = slots_[slot];
    if (index == kEmptySlot) break;
    if (entry_hashes_[index] == hash && Entry(index) == value) return index;
    slot = (slot + 1) & mask;
  }
  const uint32_t index = static_cast<uint32_t>(entry_hashes_.size());
  SLUICE_CHECK(index != kEmptySlot);
  if (width_ == 0) {
    SLUICE_DCHECK(value.size() <= UINT32_MAX);
    const uint32_t len = static_cast<uint32_t>(value.size());
    page_.append(reinterpret_cast<const char*>(&len), 4);
    entry_offsets_.push_back(page_.size());
  } else {
    SLUICE_DCHECK(value.size() == static_cast<size_t>(width_));
  }
  page_.append(value);
  entry_hashes_.push_back(hash);
  slots_[slot] = index;
  // Keep the load factor at most 1/2 so probes stay short.
  if (entry_hashes_.size() * 2 > slots_.size()) Grow();
  return index;
}

void DictionaryBuilder::Grow() {
  slots_.assign(slots_.size() * 2, kEmptySlot);
  const size_t mask = slots_.size() - 1;
  for (uint32_t i = 0; i < entry_hashes_.size(); ++i) {
    size_t slot = static_cast<size_t>(entry_hashes_[i]) & mask;
    while (slots_[slot] != kEmptySlot) slot = (slot + 1) & mask;
    slots_[slot] = i;
  }
}

uint32_t DictionaryBuilder::Insert(int32_t value) {
  SLUICE_DCHECK(width_ == 4);
  return InsertHashed(BytesOf(value), Mix(static_cast<uint32_t>(value)));
}
uint32_t DictionaryBuilder::Insert(int64_t value) {
  SLUICE_DCHECK(width_ == 8);
  return InsertHashed(BytesOf(value), Mix(static_cast<uint64_t>(value)));
}
uint32_t DictionaryBuilder::Insert(float value) {
  SLUICE_DCHECK(width_ == 4);
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return InsertHashed(BytesOf(value), Mix(bits));
}
uint32_t DictionaryBuilder::Insert(double value) {
  SLUICE_DCHECK(width_ == 8);
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  return InsertHashed(BytesOf(value), Mix(bits));
}
uint32_t DictionaryBuilder::InsertBytes(std::string_view value) {
  // Fixed-width values of 4 or 8 bytes hash like the typed overloads, so both can be mixed.
  if (width_ == 4 && value.size() == 4) {
    uint32_t bits;
    std::memcpy(&bits, value.data(), 4);
    return InsertHashed(value, Mix(bits));
  }
  if (width_ == 8 && value.size() == 8) {
    uint64_t bits;
    std::memcpy(&bits, value.data(), 8);
    return InsertHashed(value, Mix(bits));
  }
  return InsertHashed(value, HashBytes(value));
}

void DictionaryBuilder::InsertBatch(const int32_t* values, int64_t n, uint32_t* indices) {
  for (int64_t i = 0; i < n; ++i) indices[i] = Insert(values[i]);
}
void DictionaryBuilder::InsertBatch(const int64_t* values, int64_t n, uint32_t* indices) {
  for (int64_t i = 0; i < n; ++i) indices[i] = Insert(values[i]);
}
void DictionaryBuilder::InsertBatch(const float* values, int64_t n, uint32_t* indices) {
  for (int64_t i = 0; i < n; ++i) indices[i] = Insert(values[i]);
}
void DictionaryBuilder::InsertBatch(const double* values, int64_t n, uint32_t* indices) {
  for (int64_t i = 0; i < n; ++i) indices[i] = Insert(values[i]);
}
void DictionaryBuilder::InsertBatch(const std::string_view* values, int64_t n, uint32_t* indices) {
  for (int64_t i = 0; i < n; ++i) indices[i] = InsertBytes(values[i]);
}

int DictionaryBuilder::index_bit_width() const {
  // Width 0 is legal for a single entry, but 1 costs nothing and every reader handles it.
  return std::max(1, BitWidth(entry_hashes_.empty() ? 0 : entry_hashes_.size() - 1));
}

void DictionaryBuilder::Clear() {
  page_.clear();
  entry_hashes_.clear();
  entry_offsets_.clear();
  std::fill(slots_.begin(), slots_.end(), kEmptySlot);
}

void EncodeDictionaryIndices(const uint32_t* indices, int64_t n, int bit_width, std::string* out) {
  SLUICE_DCHECK(bit_width >= 0 && bit_width <= 32);
  out->push_back(static_cast<char>(bit_width));
  RleEncoder encoder(bit_width);
  encoder.AppendBatch(indices, n);
  encoder.Flush(out);
}

Status DictionaryIndexDecoder::Reset(std::string_view data) {
  if (data.empty()) {
    return Status::Corruption("RLE_DICTIONARY data page has no bit width byte");
  }
  const int bit_width = static_cast<uint8_t>(data[0]);
  if (bit_width > 32) {
    return Status::Corruption("RLE_DICTIONARY index bit width " + std::to_string(bit_width) +
                              " is over 32");
  }
  return rle_.Reset(data.substr(1), bit_width);
}

Status DictionaryIndexDecoder::Decode(uint32_t* out, int64_t n, uint32_t dictionary_size) {
  SLUICE_RETURN_IF_ERROR(rle_.GetBatch(out, n).WithContext("RLE_DICTIONARY indices"));
  // One pass for the maximum keeps the common case branch-free.
  uint32_t max_index = 0;
  for (int64_t i = 0; i < n; ++i) max_index = std::max(max_index, out[i]);
  if (n > 0 && max_index >= dictionary_size) {
    for (int64_t i = 0; i < n; ++i) {
      if (out[i] >= dictionary_size) {
        return Status::Corruption("RLE_DICTIONARY index " + std::to_string(out[i]) + " at value " +
                                  std::to_string(rle_.values_read() - n + i) +
                                  " is outside the dictionary of " +
                                  std::to_string(dictionary_size) + " entries");
      }
    }
  }
  return Status::OK();
}

}  // namespace sluice::parquet
