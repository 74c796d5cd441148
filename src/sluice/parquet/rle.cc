#include "sluice/parquet/rle.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <type_traits>

namespace sluice::parquet {
namespace {

static_assert(std::endian::native == std::endian::little,
              "Parquet encodings are little-endian; sluice assumes a little-endian host");

__extension__ typedef unsigned __int128 Uint128;

// Runs are at most 2^31 - 1 values long (Encodings.md, note 3), so readers can hold a run
// length in an int32.
constexpr int64_t kMaxRunLength = std::numeric_limits<int32_t>::max();
// A bit-packed run's header is reserved as one byte: at most 63 groups of 8 values.
constexpr int kMaxLiteralGroups = 63;
constexpr int kMinRepeatRun = 8;

std::string At(size_t byte) { return " at byte " + std::to_string(byte); }

}  // namespace

int BitWidth(uint64_t max_value) { return 64 - std::countl_zero(max_value); }

void AppendUleb128(uint64_t value, std::string* out) {
  char buf[10];
  int n = 0;
  while (value >= 0x80) {
    buf[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  buf[n++] = static_cast<char>(value);
  out->append(buf, n);
}

Status ReadUleb128(std::string_view* data, uint64_t* value, std::string_view what) {
  uint64_t result = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (i >= data->size()) {
      return Status::Corruption(std::string(what) + ": ULEB128 value truncated after " +
                                std::to_string(i) + " bytes");
    }
    const uint8_t b = static_cast<uint8_t>((*data)[i]);
    if (i == 9 && b > 1) {
      return Status::Corruption(std::string(what) + ": ULEB128 value overflows 64 bits");
    }
    result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      data->remove_prefix(i + 1);
      *value = result;
      return Status::OK();
    }
  }
  return Status::Corruption(std::string(what) + ": ULEB128 value overflows 64 bits");
}

void BitPack(const uint64_t* values, int64_t num_values, int bit_width, std::string* out) {
  SLUICE_DCHECK(bit_width >= 0 && bit_width <= 64);
  if (bit_width == 0 || num_values == 0) return;
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(BitPackedSize(num_values, bit_width)));
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data()) + start;
  if (bit_width <= 56) {
    // Fewer than 8 bits stay pending between values, so value << bits never overflows.
    uint64_t acc = 0;
    int bits = 0;
    for (int64_t i = 0; i < num_values; ++i) {
      acc |= values[i] << bits;
      bits += bit_width;
      while (bits >= 8) {
        *p++ = static_cast<uint8_t>(acc);
        acc >>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) *p = static_cast<uint8_t>(acc);
  } else {
    Uint128 acc = 0;
    int bits = 0;
    for (int64_t i = 0; i < num_values; ++i) {
      acc |= static_cast<Uint128>(values[i]) << bits;
      bits += bit_width;
      while (bits >= 8) {
        *p++ = static_cast<uint8_t>(acc);
        acc >>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) *p = static_cast<uint8_t>(acc);
  }
}

// ---- RleEncoder ----

RleEncoder::RleEncoder(int bit_width) : bit_width_(bit_width) {
  SLUICE_DCHECK(bit_width >= 0 && bit_width <= 64);
}

void RleEncoder::Append(uint64_t value) {
  SLUICE_DCHECK(bit_width_ == 64 || (value >> bit_width_) == 0);
  if (run_count_ > 0 && value == run_value_) {
    ++run_count_;
    return;
  }
  EndRun();
  run_value_ = value;
  run_count_ = 1;
}

void RleEncoder::AppendBatch(const uint32_t* values, int64_t n) {
  for (int64_t i = 0; i < n; ++i) Append(values[i]);
}

void RleEncoder::AppendBatch(const int16_t* values, int64_t n) {
  for (int64_t i = 0; i < n; ++i) Append(static_cast<uint16_t>(values[i]));
}

void RleEncoder::EndRun() {
  int64_t n = run_count_;
  if (n == 0) return;
  run_count_ = 0;
  if (n >= kMinRepeatRun) {
    // A bit-packed run must end on a group of 8: complete the staged group with copies of
    // the repeated value, then repeat the rest if it is still long enough.
    if (num_staged_ > 0) {
      while (num_staged_ < 8) {
        staged_[num_staged_++] = run_value_;
        --n;
      }
      PackStaged();
    }
    if (n >= kMinRepeatRun) {
      CloseLiteralRun();
      WriteRleRun(run_value_, n);
      return;
    }
  }
  while (n-- > 0) AppendLiteral(run_value_);
}

void RleEncoder::AppendLiteral(uint64_t value) {
  staged_[num_staged_++] = value;
  if (num_staged_ == 8) PackStaged();
}

void RleEncoder::PackStaged() {
  if (literal_groups_ == 0) {
    literal_header_pos_ = buf_.size();
    buf_.push_back(0);
  }
  BitPack(staged_, 8, bit_width_, &buf_);
  num_staged_ = 0;
  if (++literal_groups_ == kMaxLiteralGroups) CloseLiteralRun();
}

void RleEncoder::CloseLiteralRun() {
  if (literal_groups_ == 0) return;
  buf_[literal_header_pos_] = static_cast<char>((literal_groups_ << 1) | 1);
  literal_groups_ = 0;
}

void RleEncoder::WriteRleRun(uint64_t value, int64_t count) {
  const int value_bytes = (bit_width_ + 7) / 8;
  while (count > 0) {
    const int64_t c = std::min(count, kMaxRunLength);
    AppendUleb128(static_cast<uint64_t>(c) << 1, &buf_);
    for (int i = 0; i < value_bytes; ++i) buf_.push_back(static_cast<char>(value >> (8 * i)));
    count -= c;
  }
}

void RleEncoder::Finish() {
  EndRun();
  if (num_staged_ > 0) {
    while (num_staged_ < 8) staged_[num_staged_++] = 0;
    PackStaged();
  }
  CloseLiteralRun();
}

void RleEncoder::Flush(std::string* out) {
  Finish();
  out->append(buf_);
  buf_.clear();
}

void RleEncoder::FlushLengthPrefixed(std::string* out) {
  Finish();
  const uint32_t len = static_cast<uint32_t>(buf_.size());
  char prefix[4];
  std::memcpy(prefix, &len, 4);
  out->append(prefix, 4);
  out->append(buf_);
  buf_.clear();
}

int64_t RleEncoder::EstimatedSize() const {
  // Pending values may all end up bit-packed (plus padding), or as one RLE run.
  const int64_t pending = num_staged_ + std::min<int64_t>(run_count_, 2 * kMinRepeatRun);
  return static_cast<int64_t>(buf_.size()) + 2 * BitPackedSize(pending + 8, bit_width_) + 20;
}

// ---- RleDecoder ----

Status RleDecoder::Reset(std::string_view data, int bit_width) {
  if (bit_width < 0 || bit_width > 64) {
    return Status::Corruption("RLE bit width " + std::to_string(bit_width) + " is outside 0..64");
  }
  data_ = reinterpret_cast<const uint8_t*>(data.data());
  size_ = data.size();
  pos_ = 0;
  bit_width_ = bit_width;
  values_read_ = 0;
  is_rle_ = false;
  run_remaining_ = 0;
  packed_ = nullptr;
  packed_size_ = 0;
  packed_bit_ = 0;
  return Status::OK();
}

Status RleDecoder::NextRun() {
  if (pos_ >= size_) {
    return Status::Corruption("RLE data ends after " + std::to_string(values_read_) + " values (" +
                              std::to_string(size_) + " bytes)");
  }
  const size_t header_pos = pos_;
  std::string_view rest(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
  uint64_t header;
  SLUICE_RETURN_IF_ERROR(ReadUleb128(&rest, &header, "RLE run header" + At(header_pos)));
  pos_ = size_ - rest.size();
  if (header & 1) {
    const uint64_t groups = header >> 1;
    if (groups == 0 || groups > static_cast<uint64_t>(kMaxRunLength / 8)) {
      return Status::Corruption("RLE bit-packed run" + At(header_pos) + " claims " +
                                std::to_string(groups) + " groups of 8 values; expected 1.." +
                                std::to_string(kMaxRunLength / 8));
    }
    const uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    is_rle_ = false;
    packed_ = data_ + pos_;
    // A final run may stop after the bytes its real values need (writers differ on padding);
    // values past the end of the data are then reported when asked for.
    packed_size_ = static_cast<size_t>(std::min<uint64_t>(bytes, size_ - pos_));
    packed_bit_ = 0;
    run_remaining_ = bit_width_ == 0
                         ? static_cast<int64_t>(groups * 8)
                         : static_cast<int64_t>(std::min<uint64_t>(
                               groups * 8, packed_size_ * 8 / static_cast<size_t>(bit_width_)));
    pos_ += packed_size_;
    if (run_remaining_ == 0) {
      return Status::Corruption("RLE data ends inside the bit-packed run" + At(header_pos) +
                                " after " + std::to_string(values_read_) + " values");
    }
    return Status::OK();
  }
  const uint64_t count = header >> 1;
  if (count == 0 || count > static_cast<uint64_t>(kMaxRunLength)) {
    return Status::Corruption("RLE run" + At(header_pos) + " claims " + std::to_string(count) +
                              " values; expected 1.." + std::to_string(kMaxRunLength));
  }
  const size_t value_bytes = static_cast<size_t>((bit_width_ + 7) / 8);
  if (value_bytes > size_ - pos_) {
    return Status::Corruption("RLE data ends inside the value of the run" + At(header_pos));
  }
  uint64_t value = 0;
  for (size_t i = 0; i < value_bytes; ++i)
    value |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += value_bytes;
  if (bit_width_ < 64 && (value >> bit_width_) != 0) {
    return Status::Corruption("RLE run" + At(header_pos) + " repeats " + std::to_string(value) +
                              ", which does not fit in " + std::to_string(bit_width_) + " bits");
  }
  is_rle_ = true;
  rle_value_ = value;
  run_remaining_ = static_cast<int64_t>(count);
  return Status::OK();
}

template <typename T>
Status RleDecoder::GetBatchImpl(T* out, int64_t n) {
  // Values wider than the output type are Corruption; int32 outputs hold the uint32 bit
  // pattern, int16 outputs (levels) only non-negative values.
  constexpr int kOutBits = std::is_same_v<T, int16_t> ? 15 : static_cast<int>(sizeof(T) * 8);
  const bool check = bit_width_ > kOutBits;
  auto fits = [](uint64_t v) {
    if constexpr (kOutBits >= 64) {
      return true;
    } else {
      return (v >> kOutBits) == 0;
    }
  };
  int64_t done = 0;
  while (done < n) {
    if (run_remaining_ == 0) {
      Status st = NextRun();
      if (!st.ok()) {
        return st.WithContext("decoding " + std::to_string(n) + " RLE values");
      }
    }
    const int64_t take = std::min(run_remaining_, n - done);
    if (is_rle_) {
      if (check && !fits(rle_value_)) {
        return Status::Corruption("RLE value " + std::to_string(rle_value_) + " does not fit in " +
                                  std::to_string(kOutBits) + " bits");
      }
      std::fill(out + done, out + done + take, static_cast<T>(rle_value_));
    } else {
      const int w = bit_width_;
      uint64_t bit = packed_bit_;
      // Reads may look at bytes past the run (never past the data) and mask them off.
      const size_t avail = size_ - static_cast<size_t>(packed_ - data_);
      for (int64_t i = 0; i < take; ++i) {
        const uint64_t v = ReadBitPacked(packed_, avail, bit, w);
        bit += static_cast<uint64_t>(w);
        if (check && !fits(v)) {
          return Status::Corruption("RLE value " + std::to_string(v) + " does not fit in " +
                                    std::to_string(kOutBits) + " bits");
        }
        out[done + i] = static_cast<T>(v);
      }
      packed_bit_ = bit;
    }
    run_remaining_ -= take;
    done += take;
    values_read_ += take;
  }
  return Status::OK();
}

Status RleDecoder::GetBatch(uint8_t* out, int64_t n) { return GetBatchImpl(out, n); }
Status RleDecoder::GetBatch(int16_t* out, int64_t n) { return GetBatchImpl(out, n); }
Status RleDecoder::GetBatch(uint32_t* out, int64_t n) { return GetBatchImpl(out, n); }
Status RleDecoder::GetBatch(int32_t* out, int64_t n) { return GetBatchImpl(out, n); }
Status RleDecoder::GetBatch(uint64_t* out, int64_t n) { return GetBatchImpl(out, n); }

Result<std::string_view> SplitLengthPrefixedRle(std::string_view data, size_t* consumed) {
  if (data.size() < 4) {
    return Status::Corruption("RLE length prefix truncated: " + std::to_string(data.size()) +
                              " of 4 bytes");
  }
  uint32_t len;
  std::memcpy(&len, data.data(), 4);
  if (len > data.size() - 4) {
    return Status::Corruption("RLE length prefix claims " + std::to_string(len) +
                              " bytes but only " + std::to_string(data.size() - 4) + " follow");
  }
  *consumed = 4 + static_cast<size_t>(len);
  return data.substr(4, len);
}

}  // namespace sluice::parquet
