#include "sluice/parquet/byte_stream_split.h"

namespace sluice::parquet {
namespace {

// Fixed widths let the compiler unroll the inner loop over streams.
template <int kWidth>
void Scatter(const uint8_t* values, int64_t n, uint8_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < kWidth; ++k) out[k * n + i] = values[i * kWidth + k];
  }
}

template <int kWidth>
void Gather(const uint8_t* page, int64_t stride, int64_t first, int64_t n, uint8_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < kWidth; ++k) out[i * kWidth + k] = page[k * stride + first + i];
  }
}

}  // namespace

void ByteStreamSplitEncode(const uint8_t* values, int64_t n, int width, std::string* out) {
  SLUICE_DCHECK(width > 0);
  if (n == 0) return;
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(n) * static_cast<size_t>(width));
  uint8_t* dst = reinterpret_cast<uint8_t*>(out->data()) + start;
  switch (width) {
    case 4:
      Scatter<4>(values, n, dst);
      return;
    case 8:
      Scatter<8>(values, n, dst);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < width; ++k) dst[k * n + i] = values[i * width + k];
      }
  }
}

Result<int64_t> ByteStreamSplitValueCount(std::string_view page, int width) {
  if (width <= 0) {
    return Status::Corruption("BYTE_STREAM_SPLIT value width " + std::to_string(width) +
                              " is not positive");
  }
  if (page.size() % static_cast<size_t>(width) != 0) {
    return Status::Corruption("BYTE_STREAM_SPLIT page of " + std::to_string(page.size()) +
                              " bytes is not a multiple of the " + std::to_string(width) +
                              "-byte value width");
  }
  return static_cast<int64_t>(page.size() / static_cast<size_t>(width));
}

Status ByteStreamSplitDecode(std::string_view page, int width, int64_t first, int64_t n,
                             uint8_t* out) {
  SLUICE_ASSIGN_OR_RETURN(const int64_t count, ByteStreamSplitValueCount(page, width));
  if (first < 0 || n < 0 || first > count || n > count - first) {
    return Status::Corruption("BYTE_STREAM_SPLIT page holds " + std::to_string(count) +
                              " values; values " + std::to_string(first) + ".." +
                              std::to_string(first + n) + " requested");
  }
  const uint8_t* src = reinterpret_cast<const uint8_t*>(page.data());
  switch (width) {
    case 4:
      Gather<4>(src, count, first, n, out);
      break;
    case 8:
      Gather<8>(src, count, first, n, out);
      break;
    default:
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < width; ++k) out[i * width + k] = src[k * count + first + i];
      }
  }
  return Status::OK();
}

}  // namespace sluice::parquet
