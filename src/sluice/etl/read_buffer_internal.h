#pragma once

// What the streaming readers (csv_reader, jsonl_reader) share about their input buffer: the
// refill step (the buffer grows when less than a minimum read fits, shrinks back after a long
// record has gone, and is then topped up from the stream), and the block being cut from it
// for parallel parsing (BlockBytes). Internal to the etl module.

#include <cstddef>
#include <memory>
#include <string_view>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/etl/record_block.h"

namespace sluice::etl {

inline constexpr size_t kReadBufferInitial = 1 << 20;
inline constexpr size_t kReadBufferMinRead = 64 << 10;

// `*buf` holds `end` bytes and has room for `*cap` (+ `padding` bytes allocated beyond, which
// simdjson needs). A string, so that a cut block's bytes become its reader's buffer as they are. Reallocates as described above (keeping the held bytes), then reads more
// after them. Returns the bytes read, 0 at the end of the input; a failing read's status
// names `source_name`.
Result<size_t> GrowAndRead(common::InputStream& in, std::string* buf, size_t* cap, size_t end,
                           size_t padding, std::string_view source_name);

// The block a reader is cutting (NextBlock): the bytes of its buffer are taken into the block
// as the reader goes past whole records, before the reader drops them or cuts. Positions are
// indexes into the reader's buffer.
class BlockBytes {
 public:
  // Starts the next block at buffer index `at`, on line `line` (RecordBlock::after_cr as
  // `after_cr`).
  void Start(size_t at, int64_t line, bool after_cr) {
    copied_ = at;
    line_ = line;
    after_cr_ = after_cr;
  }
  // Takes the bytes from where the block has got to up to `upto` (nothing when it is there).
  void Take(const char* buf, size_t upto) {
    if (upto <= copied_) return;
    bytes_.append(buf + copied_, upto - copied_);
    copied_ = upto;
  }
  // The reader dropped the first `n` bytes of its buffer.
  void Shift(size_t n) { copied_ = copied_ >= n ? copied_ - n : 0; }
  // The block's size if it ended at buffer index `end`.
  size_t SizeUpTo(size_t end) const { return bytes_.size() + (end - copied_); }
  // Hands the block up to `upto` to `block` (without an oversized record); room for about
  // `target_bytes` is reserved for the next one (in `spare`, a consumed block's buffer, when
  // given), which the caller then Start()s.
  void Cut(const char* buf, size_t upto, size_t target_bytes, RecordBlock* block,
           std::string spare = {});

 private:
  std::string bytes_;
  size_t copied_ = 0;  // the buffer index up to which bytes_ holds the input
  int64_t line_ = 1;
  bool after_cr_ = false;
};

// Appends the record a reader read itself (over its max_record_bytes) to `block`.
void SetOversized(int64_t line, std::string_view raw, std::string error, RecordBlock* block);

}  // namespace sluice::etl
