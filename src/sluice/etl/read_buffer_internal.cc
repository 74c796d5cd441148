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

namespace {

// The capacity a buffer holding `end` bytes should have before the next read.
size_t NextCapacity(size_t cap, size_t end) {
  if (cap > 4 * kReadBufferInitial && end + kReadBufferMinRead <= kReadBufferInitial) {
    return kReadBufferInitial;  // a long record has gone: give its memory back
  }
  if (cap - end < kReadBufferMinRead) return std::max(cap * 2, end + kReadBufferMinRead);
  return cap;
}

Result<size_t> ReadInto(common::InputStream& in, char* at, size_t n,
                        std::string_view source_name) {
  Result<size_t> got = in.Read(at, n);
  if (!got.ok()) return got.status().WithContext(std::string(source_name));
  return *got;
}

}  // namespace

Result<size_t> GrowAndRead(common::InputStream& in, std::unique_ptr<char[]>* buf, size_t* cap,
                           size_t end, size_t padding, std::string_view source_name) {
  if (const size_t new_cap = NextCapacity(*cap, end); new_cap != *cap) {
    auto moved = std::make_unique<char[]>(new_cap + padding);
    std::memcpy(moved.get(), buf->get(), end);
    *buf = std::move(moved);
    *cap = new_cap;
  }
  return ReadInto(in, buf->get() + end, *cap - end, source_name);
}

Result<size_t> GrowAndRead(common::InputStream& in, std::string* buf, size_t* cap, size_t end,
                           size_t padding, std::string_view source_name) {
  if (const size_t new_cap = NextCapacity(*cap, end); new_cap != *cap) {
    std::string moved(new_cap + padding, '\0');
    std::memcpy(moved.data(), buf->data(), end);
    buf->swap(moved);
    *cap = new_cap;
  }
  return ReadInto(in, buf->data() + end, *cap - end, source_name);
}

}  // namespace sluice::etl
