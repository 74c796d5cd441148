#include "sluice/parquet/plain.h"

#include <bit>
#include <cstring>

namespace sluice::parquet {
namespace {

static_assert(std::endian::native == std::endian::little,
              "PLAIN is little-endian; sluice assumes a little-endian host");
static_assert(sizeof(Int96) == 12);

template <typename T>
void EncodeFixed(const T* values, int64_t n, std::string* out) {
  if (n > 0) {
    out->append(reinterpret_cast<const char*>(values), static_cast<size_t>(n) * sizeof(T));
  }
}

template <typename T>
Status DecodeFixed(std::string_view* data, int64_t n, T* out, const char* type_name) {
  SLUICE_DCHECK(n >= 0);
  if (static_cast<uint64_t>(n) > data->size() / sizeof(T)) {
    return Status::Corruption("PLAIN " + std::string(type_name) + ": " + std::to_string(n) +
                              " values need " + std::to_string(n * sizeof(T)) + " bytes but only " +
                              std::to_string(data->size()) + " remain");
  }
  const size_t bytes = static_cast<size_t>(n) * sizeof(T);
  if (bytes > 0) std::memcpy(out, data->data(), bytes);
  data->remove_prefix(bytes);
  return Status::OK();
}

}  // namespace

void PlainEncodeBooleans(const bool* values, int64_t n, std::string* out) {
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>((n + 7) / 8));
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data()) + start;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint8_t byte = 0;
    for (int b = 0; b < 8; ++b) byte |= static_cast<uint8_t>(values[i + b]) << b;
    *p++ = byte;
  }
  if (i < n) {
    uint8_t byte = 0;
    for (int b = 0; i + b < n; ++b) byte |= static_cast<uint8_t>(values[i + b]) << b;
    *p = byte;
  }
}

void PlainEncode(const int32_t* values, int64_t n, std::string* out) {
  EncodeFixed(values, n, out);
}
void PlainEncode(const int64_t* values, int64_t n, std::string* out) {
  EncodeFixed(values, n, out);
}
void PlainEncode(const float* values, int64_t n, std::string* out) { EncodeFixed(values, n, out); }
void PlainEncode(const double* values, int64_t n, std::string* out) { EncodeFixed(values, n, out); }

void PlainEncodeByteArrays(const std::string_view* values, int64_t n, std::string* out) {
  size_t total = 0;
  for (int64_t i = 0; i < n; ++i) total += 4 + values[i].size();
  const size_t start = out->size();
  out->resize(start + total);
  char* p = out->data() + start;
  for (int64_t i = 0; i < n; ++i) {
    SLUICE_DCHECK(values[i].size() <= UINT32_MAX);
    const uint32_t len = static_cast<uint32_t>(values[i].size());
    std::memcpy(p, &len, 4);
    if (len > 0) std::memcpy(p + 4, values[i].data(), len);
    p += 4 + len;
  }
}

void PlainEncodeFixedLenByteArrays(const std::string_view* values, int64_t n, int type_length,
                                   std::string* out) {
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(n) * static_cast<size_t>(type_length));
  char* p = out->data() + start;
  for (int64_t i = 0; i < n; ++i) {
    SLUICE_DCHECK(values[i].size() == static_cast<size_t>(type_length));
    std::memcpy(p, values[i].data(), static_cast<size_t>(type_length));
    p += type_length;
  }
}

Status PlainDecode(std::string_view* data, int64_t n, int32_t* out) {
  return DecodeFixed(data, n, out, "INT32");
}
Status PlainDecode(std::string_view* data, int64_t n, int64_t* out) {
  return DecodeFixed(data, n, out, "INT64");
}
Status PlainDecode(std::string_view* data, int64_t n, float* out) {
  return DecodeFixed(data, n, out, "FLOAT");
}
Status PlainDecode(std::string_view* data, int64_t n, double* out) {
  return DecodeFixed(data, n, out, "DOUBLE");
}
Status PlainDecode(std::string_view* data, int64_t n, Int96* out) {
  return DecodeFixed(data, n, out, "INT96");
}

Status PlainDecodeByteArrays(std::string_view* data, int64_t n, std::string_view* out) {
  const char* p = data->data();
  size_t remaining = data->size();
  for (int64_t i = 0; i < n; ++i) {
    if (remaining < 4) {
      return Status::Corruption("PLAIN BYTE_ARRAY value " + std::to_string(i) + " of " +
                                std::to_string(n) + ": length truncated (" +
                                std::to_string(remaining) + " bytes remain)");
    }
    uint32_t len;
    std::memcpy(&len, p, 4);
    p += 4;
    remaining -= 4;
    if (len > remaining) {
      return Status::Corruption("PLAIN BYTE_ARRAY value " + std::to_string(i) + " of " +
                                std::to_string(n) + " claims " + std::to_string(len) +
                                " bytes but only " + std::to_string(remaining) + " remain");
    }
    out[i] = std::string_view(p, len);
    p += len;
    remaining -= len;
  }
  data->remove_prefix(data->size() - remaining);
  return Status::OK();
}

Status PlainDecodeFixedLenByteArrays(std::string_view* data, int64_t n, int type_length,
                                     std::string_view* out) {
  if (type_length <= 0) {
    return Status::Corruption("FIXED_LEN_BYTE_ARRAY type length " + std::to_string(type_length) +
                              " is not positive");
  }
  const size_t width = static_cast<size_t>(type_length);
  if (static_cast<uint64_t>(n) > data->size() / width) {
    return Status::Corruption("PLAIN FIXED_LEN_BYTE_ARRAY(" + std::to_string(type_length) +
                              "): " + std::to_string(n) + " values need " +
                              std::to_string(static_cast<uint64_t>(n) * width) +
                              " bytes but only " + std::to_string(data->size()) + " remain");
  }
  const char* p = data->data();
  for (int64_t i = 0; i < n; ++i) out[i] = std::string_view(p + i * width, width);
  data->remove_prefix(static_cast<size_t>(n) * width);
  return Status::OK();
}

void PlainBooleanDecoder::Reset(std::string_view data) {
  data_ = reinterpret_cast<const uint8_t*>(data.data());
  size_ = data.size();
  bit_pos_ = 0;
}

Status PlainBooleanDecoder::Decode(bool* out, int64_t n) {
  SLUICE_DCHECK(n >= 0);
  const uint64_t available = static_cast<uint64_t>(size_) * 8 - bit_pos_;
  if (static_cast<uint64_t>(n) > available) {
    return Status::Corruption("PLAIN BOOLEAN: " + std::to_string(n) +
                              " values requested but only " + std::to_string(available) +
                              " remain");
  }
  uint64_t bit = bit_pos_;
  for (int64_t i = 0; i < n; ++i, ++bit) out[i] = (data_[bit >> 3] >> (bit & 7)) & 1;
  bit_pos_ = bit;
  return Status::OK();
}

}  // namespace sluice::parquet
