#include "sluice/parquet/delta.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "sluice/parquet/rle.h"

namespace sluice::parquet {
namespace {

constexpr int kBlockSize = 128;
constexpr int kMiniblocksPerBlock = 4;
constexpr int kValuesPerMiniblock = kBlockSize / kMiniblocksPerBlock;

template <typename T>
void EncodeDeltaBinaryPacked(const T* values, int64_t n, std::string* out) {
  using U = std::make_unsigned_t<T>;
  AppendUleb128(kBlockSize, out);
  AppendUleb128(kMiniblocksPerBlock, out);
  AppendUleb128(static_cast<uint64_t>(n), out);
  AppendUleb128(ZigZagEncode(n > 0 ? static_cast<int64_t>(values[0]) : 0), out);
  if (n <= 1) return;

  U deltas[kBlockSize];
  uint64_t relative[kValuesPerMiniblock];
  U prev = static_cast<U>(values[0]);
  for (int64_t start = 1; start < n; start += kBlockSize) {
    const int count = static_cast<int>(std::min<int64_t>(kBlockSize, n - start));
    T min_delta = std::numeric_limits<T>::max();
    for (int i = 0; i < count; ++i) {
      const U v = static_cast<U>(values[start + i]);
      deltas[i] = static_cast<U>(v - prev);
      prev = v;
      min_delta = std::min(min_delta, static_cast<T>(deltas[i]));
    }
    AppendUleb128(ZigZagEncode(static_cast<int64_t>(min_delta)), out);
    const size_t widths_pos = out->size();
    out->append(kMiniblocksPerBlock, '\0');
    const U min_u = static_cast<U>(min_delta);
    for (int m = 0; m < kMiniblocksPerBlock; ++m) {
      const int first = m * kValuesPerMiniblock;
      // Miniblocks past the last value keep width 0 and have no body.
      if (first >= count) break;
      const int end = std::min(count, first + kValuesPerMiniblock);
      U bits = 0;
      for (int i = first; i < end; ++i) {
        const U r = static_cast<U>(deltas[i] - min_u);
        relative[i - first] = r;
        bits |= r;
      }
      for (int i = end - first; i < kValuesPerMiniblock; ++i) relative[i] = 0;
      const int width = BitWidth(bits);
      (*out)[widths_pos + m] = static_cast<char>(width);
      BitPack(relative, kValuesPerMiniblock, width, out);
    }
  }
}

std::string At(size_t byte) { return " at byte " + std::to_string(byte); }

}  // namespace

void DeltaBinaryPackedEncode(const int32_t* values, int64_t n, std::string* out) {
  EncodeDeltaBinaryPacked(values, n, out);
}

void DeltaBinaryPackedEncode(const int64_t* values, int64_t n, std::string* out) {
  EncodeDeltaBinaryPacked(values, n, out);
}

// ---- DeltaBinaryPackedDecoder ----

Status DeltaBinaryPackedDecoder::Reset(std::string_view data) {
  data_ = reinterpret_cast<const uint8_t*>(data.data());
  size_ = data.size();
  std::string_view rest = data;
  uint64_t block_size, miniblocks, total;
  uint64_t first;
  SLUICE_RETURN_IF_ERROR(ReadUleb128(&rest, &block_size, "DELTA_BINARY_PACKED block size"));
  SLUICE_RETURN_IF_ERROR(ReadUleb128(&rest, &miniblocks, "DELTA_BINARY_PACKED miniblock count"));
  SLUICE_RETURN_IF_ERROR(ReadUleb128(&rest, &total, "DELTA_BINARY_PACKED value count"));
  SLUICE_RETURN_IF_ERROR(ReadUleb128(&rest, &first, "DELTA_BINARY_PACKED first value"));
  if (block_size == 0 || block_size % 128 != 0 ||
      block_size > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return Status::Corruption("DELTA_BINARY_PACKED block size " + std::to_string(block_size) +
                              " is not a positive multiple of 128 below 2^31");
  }
  if (miniblocks == 0 || block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return Status::Corruption("DELTA_BINARY_PACKED block of " + std::to_string(block_size) +
                              " values cannot hold " + std::to_string(miniblocks) +
                              " miniblocks of a multiple of 32 values");
  }
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::Corruption("DELTA_BINARY_PACKED value count " + std::to_string(total) +
                              " is too large");
  }
  pos_ = size_ - rest.size();
  values_per_miniblock_ = block_size / miniblocks;
  miniblocks_per_block_ = miniblocks;
  total_values_ = static_cast<int64_t>(total);
  remaining_ = total_values_;
  first_pending_ = total > 0;
  last_value_ = static_cast<uint64_t>(ZigZagDecode(first));
  min_delta_ = 0;
  bit_widths_ = nullptr;
  miniblock_index_ = miniblocks_per_block_;  // the first delta starts a block
  miniblock_ = nullptr;
  miniblock_bit_width_ = 0;
  miniblock_bit_ = 0;
  miniblock_remaining_ = 0;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::NextMiniblock(int max_bit_width) {
  if (miniblock_index_ == miniblocks_per_block_) {
    const size_t block_pos = pos_;
    std::string_view rest(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
    uint64_t min_delta;
    SLUICE_RETURN_IF_ERROR(
        ReadUleb128(&rest, &min_delta, "DELTA_BINARY_PACKED min delta" + At(block_pos)));
    pos_ = size_ - rest.size();
    if (miniblocks_per_block_ > size_ - pos_) {
      return Status::Corruption("DELTA_BINARY_PACKED data ends inside the miniblock bit widths" +
                                At(pos_));
    }
    min_delta_ = static_cast<uint64_t>(ZigZagDecode(min_delta));
    bit_widths_ = data_ + pos_;
    pos_ += static_cast<size_t>(miniblocks_per_block_);
    miniblock_index_ = 0;
  }
  const int width = bit_widths_[miniblock_index_];
  if (width > max_bit_width) {
    return Status::Corruption("DELTA_BINARY_PACKED miniblock bit width " + std::to_string(width) +
                              At(static_cast<size_t>(bit_widths_ + miniblock_index_ - data_)) +
                              " is wider than the " + std::to_string(max_bit_width) + "-bit type");
  }
  ++miniblock_index_;
  const uint64_t bytes = values_per_miniblock_ * static_cast<uint64_t>(width) / 8;
  if (bytes > size_ - pos_) {
    return Status::Corruption("DELTA_BINARY_PACKED data ends inside the miniblock" + At(pos_) +
                              " (" + std::to_string(bytes) + " bytes needed, " +
                              std::to_string(size_ - pos_) + " remain)");
  }
  miniblock_ = data_ + pos_;
  pos_ += static_cast<size_t>(bytes);
  miniblock_bit_width_ = width;
  miniblock_bit_ = 0;
  miniblock_remaining_ = static_cast<int64_t>(
      std::min<uint64_t>(values_per_miniblock_, static_cast<uint64_t>(remaining_)));
  return Status::OK();
}

template <typename T>
Status DeltaBinaryPackedDecoder::DecodeImpl(T* out, int64_t n) {
  using U = std::make_unsigned_t<T>;
  SLUICE_DCHECK(n >= 0);
  if (n > remaining_) {
    return Status::Corruption("DELTA_BINARY_PACKED: " + std::to_string(n) +
                              " values requested but only " + std::to_string(remaining_) + " of " +
                              std::to_string(total_values_) + " remain");
  }
  int64_t i = 0;
  if (n > 0 && first_pending_) {
    out[0] = static_cast<T>(static_cast<U>(last_value_));
    first_pending_ = false;
    --remaining_;
    i = 1;
  }
  U last = static_cast<U>(last_value_);
  while (i < n) {
    if (miniblock_remaining_ == 0) {
      last_value_ = last;
      SLUICE_RETURN_IF_ERROR(NextMiniblock(static_cast<int>(sizeof(T) * 8)));
    }
    const int64_t take = std::min(miniblock_remaining_, n - i);
    const U min_delta = static_cast<U>(min_delta_);
    const int width = miniblock_bit_width_;
    // Reads may look past the miniblock (never past the data) and mask those bits off.
    const size_t avail = size_ - static_cast<size_t>(miniblock_ - data_);
    uint64_t bit = miniblock_bit_;
    for (int64_t k = 0; k < take; ++k) {
      last += min_delta + static_cast<U>(ReadBitPacked(miniblock_, avail, bit, width));
      bit += static_cast<uint64_t>(width);
      out[i + k] = static_cast<T>(last);
    }
    miniblock_bit_ = bit;
    miniblock_remaining_ -= take;
    remaining_ -= take;
    i += take;
  }
  last_value_ = last;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::Decode(int32_t* out, int64_t n) { return DecodeImpl(out, n); }
Status DeltaBinaryPackedDecoder::Decode(int64_t* out, int64_t n) { return DecodeImpl(out, n); }

// ---- DELTA_LENGTH_BYTE_ARRAY ----

void DeltaLengthByteArrayEncode(const std::string_view* values, int64_t n, std::string* out) {
  std::vector<int32_t> lengths(static_cast<size_t>(n));
  size_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    SLUICE_DCHECK(values[i].size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
    lengths[i] = static_cast<int32_t>(values[i].size());
    total += values[i].size();
  }
  DeltaBinaryPackedEncode(lengths.data(), n, out);
  out->reserve(out->size() + total);
  for (int64_t i = 0; i < n; ++i) out->append(values[i]);
}

Status DeltaLengthByteArrayDecoder::Reset(std::string_view data, int64_t max_values) {
  lengths_.clear();
  next_ = 0;
  bytes_pos_ = 0;
  DeltaBinaryPackedDecoder lengths;
  SLUICE_RETURN_IF_ERROR(lengths.Reset(data));
  if (lengths.total_values() > max_values) {
    return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY holds " +
                              std::to_string(lengths.total_values()) + " values, more than the " +
                              std::to_string(max_values) + " of its page");
  }
  lengths_.resize(static_cast<size_t>(lengths.total_values()));
  SLUICE_RETURN_IF_ERROR(lengths.Decode(lengths_.data(), lengths.total_values()));
  const size_t available = data.size() - lengths.bytes_consumed();
  uint64_t total = 0;
  for (size_t i = 0; i < lengths_.size(); ++i) {
    if (lengths_[i] < 0) {
      return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY value " + std::to_string(i) +
                                " has negative length " + std::to_string(lengths_[i]));
    }
    total += static_cast<uint64_t>(lengths_[i]);
  }
  if (total > available) {
    return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY lengths add up to " + std::to_string(total) +
                              " bytes but only " + std::to_string(available) + " follow them");
  }
  bytes_ = data.data() + lengths.bytes_consumed();
  stream_size_ = lengths.bytes_consumed() + static_cast<size_t>(total);
  return Status::OK();
}

Status DeltaLengthByteArrayDecoder::Decode(std::string_view* out, int64_t n) {
  if (n > values_remaining()) {
    return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY: " + std::to_string(n) +
                              " values requested but only " + std::to_string(values_remaining()) +
                              " remain");
  }
  size_t pos = bytes_pos_;
  const int32_t* lengths = lengths_.data() + next_;
  for (int64_t i = 0; i < n; ++i) {
    const size_t len = static_cast<size_t>(lengths[i]);
    out[i] = std::string_view(bytes_ + pos, len);
    pos += len;
  }
  bytes_pos_ = pos;
  next_ += n;
  return Status::OK();
}

// ---- DELTA_BYTE_ARRAY ----

void DeltaByteArrayEncode(const std::string_view* values, int64_t n, std::string* out) {
  std::vector<int32_t> prefixes(static_cast<size_t>(n));
  std::vector<std::string_view> suffixes(static_cast<size_t>(n));
  std::string_view prev;
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view v = values[i];
    const size_t limit = std::min(prev.size(), v.size());
    size_t p = 0;
    while (p < limit && prev[p] == v[p]) ++p;
    prefixes[i] = static_cast<int32_t>(p);
    suffixes[i] = v.substr(p);
    prev = v;
  }
  DeltaBinaryPackedEncode(prefixes.data(), n, out);
  DeltaLengthByteArrayEncode(suffixes.data(), n, out);
}

Status DeltaByteArrayDecoder::Reset(std::string_view data, int64_t max_values) {
  next_ = 0;
  offsets_.assign(1, 0);
  buffer_.clear();
  SLUICE_RETURN_IF_ERROR(prefix_decoder_.Reset(data));
  const int64_t n = prefix_decoder_.total_values();
  if (n > max_values) {
    return Status::Corruption("DELTA_BYTE_ARRAY holds " + std::to_string(n) +
                              " values, more than the " + std::to_string(max_values) +
                              " of its page");
  }
  prefix_lengths_.resize(static_cast<size_t>(n));
  SLUICE_RETURN_IF_ERROR(prefix_decoder_.Decode(prefix_lengths_.data(), n));
  SLUICE_RETURN_IF_ERROR(
      suffix_decoder_.Reset(data.substr(prefix_decoder_.bytes_consumed()), max_values)
          .WithContext("DELTA_BYTE_ARRAY suffixes"));
  if (suffix_decoder_.total_values() != n) {
    return Status::Corruption("DELTA_BYTE_ARRAY has " + std::to_string(n) + " prefix lengths but " +
                              std::to_string(suffix_decoder_.total_values()) + " suffixes");
  }
  suffixes_.resize(static_cast<size_t>(n));
  SLUICE_RETURN_IF_ERROR(suffix_decoder_.Decode(suffixes_.data(), n));

  // Size everything first so the buffer is allocated once and the views stay valid.
  offsets_.resize(static_cast<size_t>(n) + 1);
  size_t total = 0;
  size_t prev_len = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t prefix = prefix_lengths_[i];
    if (prefix < 0 || static_cast<size_t>(prefix) > prev_len) {
      return Status::Corruption("DELTA_BYTE_ARRAY value " + std::to_string(i) +
                                " has prefix length " + std::to_string(prefix) +
                                " but the previous value is " + std::to_string(prev_len) +
                                " bytes long");
    }
    prev_len = static_cast<size_t>(prefix) + suffixes_[i].size();
    total += prev_len;
    if (total > kMaxTotalBytes) {
      return Status::Corruption("DELTA_BYTE_ARRAY values exceed " + std::to_string(kMaxTotalBytes) +
                                " bytes at value " + std::to_string(i));
    }
    offsets_[i + 1] = total;
  }
  buffer_.resize(total);
  char* base = buffer_.data();
  for (int64_t i = 0; i < n; ++i) {
    char* dst = base + offsets_[i];
    const size_t prefix = static_cast<size_t>(prefix_lengths_[i]);
    // The prefix comes from the previous value, which ends where this one starts.
    if (prefix > 0) std::memcpy(dst, dst - (offsets_[i] - offsets_[i - 1]), prefix);
    if (!suffixes_[i].empty()) {
      std::memcpy(dst + prefix, suffixes_[i].data(), suffixes_[i].size());
    }
  }
  return Status::OK();
}

Status DeltaByteArrayDecoder::Decode(std::string_view* out, int64_t n) {
  if (n > values_remaining()) {
    return Status::Corruption("DELTA_BYTE_ARRAY: " + std::to_string(n) +
                              " values requested but only " + std::to_string(values_remaining()) +
                              " remain");
  }
  const char* base = buffer_.data();
  for (int64_t i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(next_ + i);
    out[i] = std::string_view(base + offsets_[k], offsets_[k + 1] - offsets_[k]);
  }
  next_ += n;
  return Status::OK();
}

}  // namespace sluice::parquet
