#pragma once

// The streaming CSV reader of ETL jobs (Glue's `format: csv` source). It reads a byte
// stream (already decompressed: see decompress.h) record by record through a reused,
// bounded buffer: memory is about the size of the largest record (capped by
// CsvDialect::max_record_bytes), never the size of the file.
//
// Malformed input never stops the reader and never makes it hang: a ragged row, a broken
// quote, invalid UTF-8 or an oversized field is reported on the record it affects
// (CsvRecord::error) and reading continues with the next record. Only a failure of the
// input itself (I/O, corrupt compressed data) is a Status.
//
// Rules: RFC 4180 plus the dialect. Records end at LF, CRLF or a lone CR outside quotes.
// A leading UTF-8 byte order mark is dropped. Blank lines and lines starting with
// `comment_prefix` (at the start of a record) are skipped. A quote is special only at the
// start of a field; a quote inside an unquoted field is data. Inside quotes, the quote is
// written doubled ("") or, when `escape` is set, preceded by the escape character (which
// then escapes any following character).
//
// Parallel parsing: after Open(), NextBlock() (instead of Next()) cuts the rest of the input
// into blocks of whole records (record_block.h), finding record ends with this same state
// machine, so blocks agree with sequential reading in every dialect; OpenBlock() makes a
// reader of one block, which may run on another thread.
//
// A CsvReader owns its stream. Single-threaded, except that OpenBlock() may be called from
// any thread while NextBlock() runs (it reads only the dialect and the header).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/etl/record_block.h"

namespace sluice::etl {

class BlockBytes;

struct CsvDialect {
  enum class Encoding { kUtf8, kLatin1 };

  char delimiter = ',';
  char quote = '"';
  // Inside quoted fields, makes the next character literal. None: quotes are doubled.
  std::optional<char> escape;
  // The first record names the columns. With `columns` also given, `columns` wins and the
  // file's header line is skipped.
  bool header = true;
  // The column names when there is no header. Without header or columns, the columns are
  // named col0, col1, … after the first record.
  std::vector<std::string> columns;
  // Lines starting with this (at the start of a record) are skipped. Empty: none.
  std::string comment_prefix;
  // Unquoted field values meaning null (see IsNull).
  std::vector<std::string> null_strings = {""};
  // kUtf8: invalid UTF-8 is a record error. kLatin1: bytes are converted to UTF-8.
  Encoding encoding = Encoding::kUtf8;
  // A longer field (after unquoting) is a record error; the reader skips to the record's end
  // without buffering the rest of it.
  size_t max_field_bytes = 16 << 20;
  // A longer record (raw bytes) is a record error, skipped the same way.
  size_t max_record_bytes = 64 << 20;
  // A record with more fields is a record error, skipped the same way (Spark's maxColumns).
  size_t max_fields = 20480;

  // InvalidArgument naming the option when the dialect cannot work (delimiter equal to the
  // quote, a newline as delimiter, …).
  Status Validate() const;
};

// One record as read.
struct CsvRecord {
  // The field values, unquoted and unescaped (UTF-8 for Latin-1 input). Valid until the next
  // call to Next(). Empty when the record was skipped for an oversized field or record.
  std::vector<std::string_view> fields;
  // quoted[i]: 1 when fields[i] was written in quotes.
  std::vector<uint8_t> quoted;
  // The 1-based line the record starts on.
  int64_t line = 0;
  // The record's text as in the input, without its line terminator (for quarantine). For
  // an oversized record, only its first 4096 bytes. Valid until the next call to Next().
  std::string_view raw;
  // Why the record is malformed; fields are still filled as far as they could be read.
  // "unterminated quoted field 2", "unexpected 'x' after the closing quote of field 2",
  // "invalid UTF-8 in field 2 at offset 5", "field 2 of 16777217 bytes exceeds the
  // 16777216-byte limit", "more than 20480 fields", "record of 67108865 bytes exceeds the
  // 67108864-byte limit" (this one replaces any other), "3 fields, expected 4".
  std::optional<std::string> error;
};

// True when `field` stands for null: unquoted and one of dialect.null_strings. A quoted
// value ("" included) is never null.
bool IsNull(std::string_view field, bool quoted, const CsvDialect& dialect);

class CsvReader {
 public:
  // Validates the dialect, drops a BOM and reads the header (or, without header and
  // columns, looks at the first record to name the columns). InvalidArgument naming
  // `source_name` and the line when the header line itself is malformed; the input's own
  // Status when reading fails.
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<common::InputStream> in,
                                                 CsvDialect dialect, std::string source_name);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The column names, from the file or the dialect; empty for an empty file.
  const std::vector<std::string>& header() const { return header_; }
  const std::string& source_name() const { return source_name_; }

  // Reads the next record into `record`; false at the end of the input. A record with the
  // wrong number of fields (compared with header()) carries an error. A Status only when
  // the input fails, prefixed with the source name.
  Result<bool> Next(CsvRecord* record);

  // Bytes taken from the (decompressed) input so far.
  int64_t bytes_read() const { return bytes_read_; }

  // Cuts the next block of about `target_bytes` (at least one record) from the input, ending
  // just after a record's line terminator (record_block.h); false at the end of the input.
  // Once called, Next() must not be. A Status only when the input fails, as for Next().
  Result<bool> NextBlock(size_t target_bytes, RecordBlock* block);

  // A reader of `block`, cut by this reader's NextBlock(): its Next() gives exactly the records
  // this reader's Next() would have given for those bytes (the header is this reader's).
  std::unique_ptr<CsvReader> OpenBlock(RecordBlock block) const;

 private:
  CsvReader(std::unique_ptr<common::InputStream> in, CsvDialect dialect, std::string source_name);

  Status Start();
  // Parses the next record into fields_/out_/error_; false at the end.
  Result<bool> ReadRecord();
  // Keeps the bytes from `keep_from` on, makes room and reads more; false at the end.
  Result<bool> Fill(size_t keep_from);
  // Skips the rest of a comment line.
  Status SkipLine();
  void Append(const char* data, size_t n);
  void AppendSlow(const char* data, size_t n);
  void StartOversizedField();
  // Ends the field being built in out_.
  void EndField();
  // Ends an unquoted field read whole from buf_[begin, end) (within the current record).
  void EndBufferField(size_t begin, size_t end);
  // Applies the field count and oversized-field checks to the field being ended; false when
  // it is not kept (cutting, or skipping the record).
  bool KeepField();
  bool KeepFieldSlow();  // KeepField's rare cases: limits, skipping, cutting
  // Field f's value: in the record's bytes or in out_.
  std::string_view FieldText(size_t f) const;
  void EnterSkipMode();
  // Appends the skipped record's bytes [captured_, upto) to raw_prefix_, up to its limit.
  void CaptureRaw(size_t upto);
  void SetError(std::string message);
  // Ends the record at buffer index `end` and applies the record length limit.
  void FinishRecord(size_t end);
  void CheckUtf8();
  void Emit(CsvRecord* record);

  std::unique_ptr<common::InputStream> in_;
  CsvDialect dialect_;
  std::string source_name_;
  std::vector<std::string> header_;
  bool latin1_ = false;
  // Up to four bytes that end a run of plain bytes, and the first of them in a range.
  struct ByteSet {
    bool table[256] = {};
    char bytes[4] = {};
    int size = 0;
    void Add(char c);
    // The first index in [q, end) of `b` holding one of the bytes, or `end`.
    size_t Find(const char* b, size_t q, size_t end) const;
  };
  ByteSet special_;         // ends an unquoted run: delimiter, CR, LF
  ByteSet quoted_special_;  // ends a quoted run: quote, escape, CR, LF
  ByteSet cut_special_;     // matters in an unquoted field when cutting: quote, CR, LF

  // Input buffer: bytes [p_, end_) are unread; [rec_start_, p_) the current record.
  std::string buf_;  // cap_ bytes; a block reader's is the block's bytes
  size_t cap_ = 0;
  size_t p_ = 0;
  size_t end_ = 0;
  uint64_t buf_base_ = 0;  // stream offset of buf_[0]
  bool eof_ = false;
  int64_t bytes_read_ = 0;
  int64_t line_ = 1;
  bool skip_lf_ = false;  // the last record ended at CR: an LF next belongs to it
  bool prev_cr_ = false;  // inside quotes, the last byte was CR

  // The current record.
  size_t rec_start_ = 0;
  uint64_t rec_abs_start_ = 0;
  size_t rec_end_ = 0;
  int64_t rec_line_ = 0;
  // A field's value: [begin, end) of the record's bytes (counted from rec_start_: a field
  // without quotes that was in the buffer whole, as read) or of out_ (the value copied, its
  // quotes and escapes removed, Latin-1 converted).
  struct FieldSpan {
    size_t begin;
    size_t end;
    bool in_buffer;
    bool quoted;  // written in quotes
  };
  std::string out_;  // values that had to be copied, back to back
  std::vector<FieldSpan> fields_;
  size_t field_start_ = 0;
  bool cur_quoted_ = false;
  std::optional<std::string> error_;
  bool skipping_ = false;      // over a limit: scanning to the record's end, keeping nothing
  bool counting_ = false;      // measuring the oversized field
  size_t skipped_fields_ = 0;  // fields ended while skipping (not in fields_)
  uint64_t oversized_len_ = 0;
  std::string raw_prefix_;  // the start of a skipped record
  size_t captured_ = 0;     // buffer index up to which raw_prefix_ has looked
  bool pending_ = false;    // a record read by Open() not yet returned
  bool fast_append_ = true;  // Append() keeps UTF-8 bytes as they are (not Latin-1, not cutting)

  // Cutting (NextBlock): records are scanned for their ends, their values not kept.
  bool cutting_ = false;
  bool cut_done_ = false;
  bool after_delimiter_ = false;  // cutting: the last byte scanned in an unquoted field
  std::unique_ptr<BlockBytes> block_;  // the block being cut
  // A block reader: the oversized record that follows the block's bytes (has_oversized).
  RecordBlock tail_;
};

}  // namespace sluice::etl
