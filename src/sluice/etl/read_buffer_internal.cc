#include "sluice/etl/read_buffer_internal.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace sluice::etl {

void BlockBytes::Cut(const char* buf, size_t upto, size_t target_bytes, RecordBlock* block,
                     std::string spare) {
  Take(buf, upto);
  block->bytes = std::move(bytes_);
  block->first_line = line_;
  block->after_cr = after_cr_;
  block->has_oversized = false;
  block->oversized_raw.clear();
  block->oversized_error.clear();
  bytes_ = std::move(spare);
  bytes_.clear();
  bytes_.reserve(target_bytes + target_bytes / 4);
}

void SetOversized(int64_t line, std::string_view raw, std::string error, RecordBlock* block) {
  block->has_oversized = true;
  block->oversized_line = line;
  block->oversized_raw.assign(raw);
  block->oversized_error = std::move(error);
}

Result<size_t> GrowAndRead(common::InputStream& in, std::string* buf, size_t* cap, size_t end,
                           size_t padding, std::string_view source_name) {
  size_t new_cap = *cap;
  if (*cap > 4 * kReadBufferInitial && end + kReadBufferMinRead <= kReadBufferInitial) {
    new_cap = kReadBufferInitial;  // a long record has gone: give its memory back
  } else if (*cap - end < kReadBufferMinRead) {
    new_cap = std::max(*cap * 2, end + kReadBufferMinRead);
  }
  if (new_cap != *cap) {
    std::string moved(new_cap + padding, '\0');
    std::memcpy(moved.data(), buf->data(), end);
    buf->swap(moved);
    *cap = new_cap;
  }
  Result<size_t> got = in.Read(buf->data() + end, *cap - end);
  if (!got.ok()) return got.status().WithContext(std::string(source_name));
  return *got;
}

}  // namespace sluice::etl
