#pragma once

// A block of a text source (CSV, JSON Lines) for parallel parsing: a run of whole records
// that the source's reader cut from its decompressed input (CsvReader::NextBlock,
// JsonlReader::NextBlock), to be parsed apart from the rest of the stream, on any thread, by
// a reader opened over the block alone (CsvReader::OpenBlock, JsonlReader::OpenBlock).
// Reading the blocks of an input in order gives exactly the records, line numbers, raw texts
// and errors that reading the input sequentially gives, whatever the block size.
//
// A block is a plain value: it owns its bytes and is moved between threads.

#include <cstdint>
#include <string>

namespace sluice::etl {

struct RecordBlock {
  // Whole records, with the blank and comment lines around them: the input from just after
  // one record's line terminator up to just after another's (or the end of the input).
  std::string bytes;
  // The line `bytes` starts on.
  int64_t first_line = 1;
  // CSV: the input before `bytes` ended with a CR, so an LF first in `bytes` ends that line
  // (it is no blank line of its own).
  bool after_cr = false;
  // A record longer than the reader's max_record_bytes, which follows the records of `bytes`:
  // the cutting reader read it itself without keeping its bytes, as the sequential reader
  // does, and hands over what the record's reader reports (no fields).
  bool has_oversized = false;
  int64_t oversized_line = 0;
  std::string oversized_raw;    // its first 4096 bytes
  std::string oversized_error;  // "record of … bytes exceeds the …-byte limit"
};

}  // namespace sluice::etl
