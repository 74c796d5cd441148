#include "sluice/etl/read_buffer_internal.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace sluice::etl {

Result<size_t> GrowAndRead(common::InputStream& in, std::unique_ptr<char[]>* buf, size_t* cap,
                           size_t end, size_t padding, std::string_view source_name) {
  size_t new_cap = *cap;
  if (*cap > 4 * kReadBufferInitial && end + kReadBufferMinRead <= kReadBufferInitial) {
    new_cap = kReadBufferInitial;  // a long record has gone: give its memory back
  } else if (*cap - end < kReadBufferMinRead) {
    new_cap = std::max(*cap * 2, end + kReadBufferMinRead);
  }
  if (new_cap != *cap) {
    auto moved = std::make_unique<char[]>(new_cap + padding);
    std::memcpy(moved.get(), buf->get(), end);
    *buf = std::move(moved);
    *cap = new_cap;
  }
  Result<size_t> got = in.Read(buf->get() + end, *cap - end);
  if (!got.ok()) return got.status().WithContext(std::string(source_name));
  return *got;
}

}  // namespace sluice::etl
