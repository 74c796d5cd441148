#pragma once

// The streaming JSON Lines reader of ETL jobs (Glue's `format: json` source: one JSON object
// per line). It reads a byte stream (already decompressed: see decompress.h) line by line
// through a reused, bounded buffer and extracts the values of a fixed list of paths from
// each object: memory is about the size of the largest line (capped by
// JsonlOptions::max_record_bytes), never the size of the file.
//
// Malformed input never stops the reader and never makes it hang: a line that is not JSON,
// not an object, not UTF-8, has trailing characters or is too long is reported on the record
// it affects (JsonlRecord::error) and reading continues with the next line. Only a failure of
// the input itself (I/O, corrupt compressed data) is a Status.
//
// Rules: lines end at LF or CRLF; a leading UTF-8 byte order mark is dropped; lines holding
// only JSON whitespace (space, tab, CR) are skipped; a last line without a newline is a
// record. Each line is validated whole (values not extracted included). Path syntax and
// value text rules: see JsonlOptions and JsonlRecord, and docs/jobs-jsonl.md.
//
// Parallel parsing: after Open(), NextBlock() (instead of Next()) cuts the rest of the input
// into blocks of whole lines (record_block.h) with this same line scan, so blocks agree with
// sequential reading; OpenBlock() makes a reader of one block, which may run on another
// thread.
//
// A JsonlReader owns its stream. Single-threaded, except that OpenBlock() may be called from
// any thread while NextBlock() runs (it reads only the options and the compiled paths).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/etl/record_block.h"

namespace sluice::etl {

struct JsonlOptions {
  // The values to extract, one per output column, each a path into the line's object:
  //   path    := head ( '.' name | '[' index ']' | '[' quoted ']' )*
  //   head    := name | '[' quoted ']'
  //   name    := one or more characters other than . [ ] " and backslash
  //   quoted  := '"' ( any character other than " and backslash | '\"' | '\\' )* '"'
  //   index   := 0 or a decimal number without leading zeros, at most 2147483647
  // e.g. `customer.address.city`, `items[0].sku`, `["odd.name"]`, `a["x y"][2]`. Names match
  // object keys exactly (after JSON unescaping), indexes match array elements. Two paths
  // naming the same value are an error.
  //
  // Empty: the top-level keys of the first record, in their order (a repeated key once),
  // each taken as a name as is. Keys of later records that are not among them are ignored
  // and counted (JsonlReader::extra_key_records()).
  std::vector<std::string> paths;
  // A longer line (in bytes, without its terminator) is a record error; the reader skips to
  // the line's end without buffering the rest of it.
  size_t max_record_bytes = 64 << 20;

  // InvalidArgument naming the path and the offset in it when a path cannot be parsed:
  // `jsonl path "items[x]" at offset 6: expected an index or a quoted name after '['`.
  Status Validate() const;
};

// One non-blank line as read.
struct JsonlRecord {
  // Per column, the value's text: a string's unescaped UTF-8 content; a number's JSON text
  // exactly as written (12345678901234567890123 and 1.10 stay as they are); "true" or
  // "false"; an object's or array's minified JSON text (whitespace outside strings removed,
  // strings kept as written). Empty when is_null. Valid until the next call to Next().
  std::vector<std::string_view> fields;
  // is_null[i]: column i's value is JSON null, or the path leads nowhere (a missing key, an
  // index past the end, a name applied to a non-object, an index applied to a non-array).
  // On a malformed record every column is null.
  std::vector<uint8_t> is_null;
  // The 1-based line number.
  int64_t line = 0;
  // The line's text without its terminator (for quarantine); for an oversized line only its
  // first 4096 bytes. Valid until the next call to Next().
  std::string_view raw;
  // Why the record is malformed; "" when it is fine. Byte offsets count from 0 at the start
  // of the line: "invalid JSON at byte 17: expected ',' or '}', got 'x'", "invalid UTF-8 at
  // byte 5", "expected an object, got an array", "line of 67108865 bytes exceeds the
  // 67108864-byte limit" (see docs/jobs-jsonl.md for the full list).
  std::string error;
};

class JsonlReader {
 public:
  // Validates the options and drops a BOM; without paths, reads the first record to name
  // the columns. InvalidArgument naming `source_name` (and the line) when the options are
  // invalid or, without paths, when the first record is malformed; the input's own Status
  // when reading fails.
  static Result<std::unique_ptr<JsonlReader>> Open(std::unique_ptr<common::InputStream> in,
                                                   JsonlOptions options, std::string source_name);
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  // Reads the next non-blank line into `record`; false at the end of the input. A malformed
  // line is a record with an error, not a Status. A Status only when the input fails,
  // prefixed with the source name.
  Result<bool> Next(JsonlRecord* record);

  // The output column names: the paths as written, or the discovered keys (empty for an
  // input without records).
  const std::vector<std::string>& columns() const;
  const std::string& source_name() const;

  // Bytes taken from the (decompressed) input so far.
  int64_t bytes_read() const;
  // Without paths: the well-formed records with a top-level key that is not a column
  // (schema drift). Always 0 when paths are given.
  int64_t extra_key_records() const;

  // Cuts the next block of about `target_bytes` (at least one line) from the input, ending
  // just after a line's LF (record_block.h); false at the end of the input. Once called,
  // Next() must not be. A Status only when the input fails, as for Next().
  Result<bool> NextBlock(size_t target_bytes, RecordBlock* block);

  // A reader of `block`, cut by this reader's NextBlock(), with this reader's columns: its
  // Next() gives exactly the records this reader's Next() would have given for those bytes.
  // Internal when the JSON parser cannot be allocated.
  Result<std::unique_ptr<JsonlReader>> OpenBlock(RecordBlock block) const;

 private:
  class Impl;
  explicit JsonlReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::etl
