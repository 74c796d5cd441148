#pragma once

// The refill step the streaming readers (csv_reader, jsonl_reader) share: their input buffer
// grows when less than a minimum read fits, shrinks back after a long record has gone, and
// is then topped up from the stream. Internal to the etl module; stateless.

#include <cstddef>
#include <memory>
#include <string_view>

#include "sluice/common/io.h"
#include "sluice/common/status.h"

namespace sluice::etl {

inline constexpr size_t kReadBufferInitial = 1 << 20;
inline constexpr size_t kReadBufferMinRead = 64 << 10;

// `*buf` holds `end` bytes and has room for `*cap` (+ `padding` bytes allocated beyond, which
// simdjson needs). Reallocates as described above (keeping the held bytes), then reads more
// after them. Returns the bytes read, 0 at the end of the input; a failing read's status
// names `source_name`.
Result<size_t> GrowAndRead(common::InputStream& in, std::unique_ptr<char[]>* buf, size_t* cap,
                           size_t end, size_t padding, std::string_view source_name);

}  // namespace sluice::etl
