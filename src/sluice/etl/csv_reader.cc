#include "sluice/etl/csv_reader.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sluice/etl/read_buffer_internal.h"
#include "sluice/etl/utf8.h"

namespace sluice::etl {
namespace {

constexpr size_t kInitialBuffer = kReadBufferInitial;
constexpr size_t kRawPrefix = 4096;

std::string Printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}


enum State { kFieldStart, kUnquoted, kQuoted, kQuotedEscape, kAfterQuote };

}  // namespace

void CsvReader::ByteSet::Add(char c) {
  if (table[static_cast<unsigned char>(c)]) return;
  table[static_cast<unsigned char>(c)] = true;
  bytes[size++] = c;
  for (int i = size; i < 4; ++i) bytes[i] = c;  // unused lanes repeat a member
}

inline size_t CsvReader::ByteSet::Find(const char* b, size_t q, size_t end) const {
#if defined(__SSE2__)
  // Sixteen bytes at a time while that many remain (the scan dominated reading a CSV file).
  const __m128i c0 = _mm_set1_epi8(bytes[0]), c1 = _mm_set1_epi8(bytes[1]);
  const __m128i c2 = _mm_set1_epi8(bytes[2]), c3 = _mm_set1_epi8(bytes[3]);
  for (; q + 16 <= end; q += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + q));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, c0), _mm_cmpeq_epi8(x, c1)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, c2), _mm_cmpeq_epi8(x, c3)));
    if (const int mask = _mm_movemask_epi8(hit); mask != 0) {
      return q + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
#endif
  while (q < end && !table[static_cast<unsigned char>(b[q])]) ++q;
  return q;
}

Status CsvDialect::Validate() const {
  auto bad = [](char c) { return c == '\n' || c == '\r'; };
  if (bad(delimiter)) return Status::InvalidArgument("csv delimiter must not be a line break");
  if (bad(quote)) return Status::InvalidArgument("csv quote must not be a line break");
  if (delimiter == quote) {
    return Status::InvalidArgument("csv delimiter and quote must differ (both '" +
                                   Printable(delimiter) + "')");
  }
  if (escape && (bad(*escape) || *escape == delimiter)) {
    return Status::InvalidArgument("csv escape must not be a line break or the delimiter");
  }
  if (comment_prefix.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("csv comment prefix must not contain a line break");
  }
  if (max_field_bytes == 0 || max_record_bytes == 0 || max_fields == 0) {
    return Status::InvalidArgument(
        "csv max_field_bytes, max_record_bytes and max_fields must be positive");
  }
  return Status::OK();
}

bool IsNull(std::string_view field, bool quoted, const CsvDialect& dialect) {
  if (quoted) return false;
  for (const std::string& n : dialect.null_strings) {
    if (field == n) return true;
  }
  return false;
}

CsvReader::CsvReader(std::unique_ptr<common::InputStream> in, CsvDialect dialect,
                     std::string source_name)
    : in_(std::move(in)), dialect_(std::move(dialect)), source_name_(std::move(source_name)) {
  latin1_ = dialect_.encoding == CsvDialect::Encoding::kLatin1;
  fast_append_ = !latin1_;
  if (dialect_.escape && *dialect_.escape == dialect_.quote) dialect_.escape.reset();
  for (char c : {dialect_.delimiter, '\r', '\n'}) special_.Add(c);
  for (char c : {dialect_.quote, '\r', '\n'}) quoted_special_.Add(c);
  if (dialect_.escape) quoted_special_.Add(*dialect_.escape);
  for (char c : {dialect_.quote, '\r', '\n'}) cut_special_.Add(c);
}

CsvReader::~CsvReader() = default;

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<common::InputStream> in,
                                                   CsvDialect dialect, std::string source_name) {
  Status valid = dialect.Validate();
  if (!valid.ok()) return valid.WithContext(source_name);
  std::unique_ptr<CsvReader> reader(
      new CsvReader(std::move(in), std::move(dialect), std::move(source_name)));
  SLUICE_RETURN_IF_ERROR(reader->Start());
  return reader;
}

Status CsvReader::Start() {
  cap_ = kInitialBuffer;
  buf_.assign(cap_, '\0');
  while (end_ - p_ < 3 && !eof_) {
    SLUICE_ASSIGN_OR_RETURN(bool more, Fill(p_));
    if (!more) break;
  }
  if (end_ - p_ >= 3 && std::memcmp(buf_.data() + p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;

  if (!dialect_.header && !dialect_.columns.empty()) {
    header_ = dialect_.columns;
    return Status::OK();
  }
  SLUICE_ASSIGN_OR_RETURN(bool any, ReadRecord());
  if (!any) {
    header_ = dialect_.columns;
    return Status::OK();
  }
  CheckUtf8();
  if (dialect_.header) {
    if (error_) {
      return Status::InvalidArgument(source_name_ + ": line " + std::to_string(rec_line_) +
                                     ": malformed header: " + *error_);
    }
    if (!dialect_.columns.empty()) {
      header_ = dialect_.columns;
    } else {
      for (size_t f = 0; f < fields_.size(); ++f) header_.emplace_back(FieldText(f));
    }
  } else {
    // No names anywhere: Glue's col0, col1, … with the first record's width.
    size_t width = std::min(fields_.size() + skipped_fields_, dialect_.max_fields);
    for (size_t i = 0; i < width; ++i) header_.push_back("col" + std::to_string(i));
    pending_ = true;
  }
  return Status::OK();
}

Result<bool> CsvReader::Fill(size_t keep_from) {
  if (eof_) return false;
  if (skipping_) {
    // The skipped record's bytes are about to go: keep the start of it for CsvRecord::raw.
    CaptureRaw(end_);
    captured_ = captured_ >= keep_from ? captured_ - keep_from : 0;
  }
  if (cutting_) {
    // The bytes about to go are whole records (or blank and comment lines): the block's.
    if (!skipping_) block_->Take(buf_.data(), keep_from);
    block_->Shift(keep_from);
  }
  if (keep_from > 0) {
    size_t n = end_ - keep_from;
    std::memmove(buf_.data(), buf_.data() + keep_from, n);
    p_ -= keep_from;
    buf_base_ += keep_from;
    rec_start_ = rec_start_ >= keep_from ? rec_start_ - keep_from : 0;
    end_ = n;
  }
  SLUICE_ASSIGN_OR_RETURN(size_t got, GrowAndRead(*in_, &buf_, &cap_, end_, 0, source_name_));
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  bytes_read_ += static_cast<int64_t>(got);
  return true;
}

void CsvReader::SetError(std::string message) {
  if (!error_) error_ = std::move(message);
}

void CsvReader::EnterSkipMode() {
  // The record's bytes will not be kept: the block takes everything before it now.
  if (cutting_) block_->Take(buf_.data(), rec_start_);
  raw_prefix_.clear();
  captured_ = rec_start_;
  skipping_ = true;
}

void CsvReader::CaptureRaw(size_t upto) {
  if (raw_prefix_.size() < kRawPrefix && upto > captured_) {
    raw_prefix_.append(buf_.data() + captured_,
                       std::min(upto - captured_, kRawPrefix - raw_prefix_.size()));
  }
  captured_ = std::max(captured_, upto);
}

void CsvReader::Append(const char* data, size_t n) {
  if (!skipping_ && fast_append_) {
    out_.append(data, n);
    if (out_.size() - field_start_ > dialect_.max_field_bytes) [[unlikely]]
      StartOversizedField();
    return;
  }
  AppendSlow(data, n);
}

void CsvReader::AppendSlow(const char* data, size_t n) {
  if (skipping_) {
    if (counting_) {
      oversized_len_ += n;
      if (latin1_) {  // as converted: two bytes for each byte over 0x7f
        for (size_t i = 0; i < n; ++i) oversized_len_ += static_cast<unsigned char>(data[i]) >> 7;
      }
    }
    return;
  }
  if (cutting_) return;  // only the record's end matters
  for (size_t i = 0; i < n; ++i) {  // Latin-1 to UTF-8
    auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x80) {
      out_.push_back(static_cast<char>(c));
    } else {
      out_.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out_.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  if (out_.size() - field_start_ > dialect_.max_field_bytes) StartOversizedField();
}

void CsvReader::StartOversizedField() {
  counting_ = true;
  oversized_len_ = out_.size() - field_start_;
  EnterSkipMode();
}

inline void CsvReader::EndField() {
  if (!KeepField()) return;
  fields_.push_back({field_start_, out_.size(), false, cur_quoted_});
  field_start_ = out_.size();
}

inline void CsvReader::EndBufferField(size_t begin, size_t end) {
  if (!KeepField()) return;
  fields_.push_back({begin - rec_start_, end - rec_start_, true, cur_quoted_});
}

inline bool CsvReader::KeepField() {
  if (!cutting_ && !counting_ && !skipping_ &&
      fields_.size() + skipped_fields_ < dialect_.max_fields) [[likely]] {
    return true;
  }
  return KeepFieldSlow();
}

bool CsvReader::KeepFieldSlow() {
  if (cutting_) return false;
  size_t number = fields_.size() + skipped_fields_ + 1;
  if (counting_) [[unlikely]] {
    SetError("field " + std::to_string(number) + " of " + std::to_string(oversized_len_) +
             " bytes exceeds the " + std::to_string(dialect_.max_field_bytes) + "-byte limit");
    counting_ = false;
  }
  if (number > dialect_.max_fields) [[unlikely]] {
    if (number == dialect_.max_fields + 1) {
      SetError("more than " + std::to_string(dialect_.max_fields) + " fields");
    }
    if (!skipping_) EnterSkipMode();
  }
  if (skipping_) {
    ++skipped_fields_;  // nothing kept: memory stays bounded however many fields follow
    return false;
  }
  return true;
}

std::string_view CsvReader::FieldText(size_t f) const {
  const FieldSpan& s = fields_[f];
  const char* base = s.in_buffer ? buf_.data() + rec_start_ : out_.data();
  return std::string_view(base + s.begin, s.end - s.begin);
}

Status CsvReader::SkipLine() {
  for (;;) {
    if (p_ == end_) {
      SLUICE_ASSIGN_OR_RETURN(bool more, Fill(p_));
      if (!more) return Status::OK();
      continue;
    }
    const char* b = buf_.data();
    const void* nl = std::memchr(b + p_, '\n', end_ - p_);
    const void* cr = std::memchr(b + p_, '\r', end_ - p_);
    const char* stop = nullptr;
    if (nl && cr)
      stop = static_cast<const char*>(std::min(nl, cr));
    else
      stop = static_cast<const char*>(nl ? nl : cr);
    if (stop == nullptr) {
      p_ = end_;
      continue;
    }
    p_ = static_cast<size_t>(stop - b) + 1;
    ++line_;
    skip_lf_ = *stop == '\r';
    return Status::OK();
  }
}

Result<bool> CsvReader::ReadRecord() {
  out_.clear();
  fields_.clear();
  error_.reset();
  skipping_ = counting_ = false;
  skipped_fields_ = 0;
  raw_prefix_.clear();
  field_start_ = 0;
  cur_quoted_ = false;
  const std::string& comment = dialect_.comment_prefix;

  // Find the record's start past blank and comment lines.
  for (;;) {
    if (p_ == end_) {
      SLUICE_ASSIGN_OR_RETURN(bool more, Fill(p_));
      if (!more) return false;
      continue;
    }
    char c = buf_[p_];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        ++p_;
        continue;
      }
    }
    if (c == '\n' || c == '\r') {
      ++line_;
      ++p_;
      skip_lf_ = c == '\r';
      continue;
    }
    if (!comment.empty() && c == comment[0]) {
      while (end_ - p_ < comment.size()) {
        SLUICE_ASSIGN_OR_RETURN(bool more, Fill(p_));
        if (!more) break;
      }
      if (end_ - p_ >= comment.size() &&
          std::memcmp(buf_.data() + p_, comment.data(), comment.size()) == 0) {
        SLUICE_RETURN_IF_ERROR(SkipLine());
        continue;
      }
    }
    break;
  }

  rec_start_ = p_;
  rec_abs_start_ = buf_base_ + p_;
  rec_line_ = line_;
  State state = kFieldStart;
  const char quote = dialect_.quote, delim = dialect_.delimiter;
  const bool has_escape = dialect_.escape.has_value();
  const char escape = has_escape ? *dialect_.escape : '\0';

  for (;;) {
    if (p_ == end_) {
      // Over the record limit: stop keeping its bytes (FinishRecord reports it).
      if (!skipping_ && p_ - rec_start_ > dialect_.max_record_bytes) EnterSkipMode();
      SLUICE_ASSIGN_OR_RETURN(bool more, Fill(skipping_ ? p_ : rec_start_));
      if (!more) {
        size_t field = fields_.size() + skipped_fields_ + 1;
        EndField();  // an oversized field, found first, is the error to report
        if (state == kQuoted || state == kQuotedEscape) {
          SetError("unterminated quoted field " + std::to_string(field));
        }
        FinishRecord(p_);
        return true;
      }
      continue;
    }
    const char* b = buf_.data();
    switch (state) {
      case kFieldStart:
        if (b[p_] == quote) {
          cur_quoted_ = true;
          prev_cr_ = false;
          ++p_;
          state = kQuoted;
          break;
        }
        cur_quoted_ = false;
        state = kUnquoted;
        after_delimiter_ = false;
        [[fallthrough]];
      case kUnquoted: {
        size_t q = p_;
        if (cutting_) {
          // Only the record's end matters: a delimiter changes nothing unless a quote follows
          // it and starts a quoted field (a quote anywhere else in an unquoted field is data).
          for (;;) {
            q = cut_special_.Find(b, q, end_);
            if (q == end_ || b[q] != quote) break;
            if (q > p_ ? b[q - 1] == delim : after_delimiter_) break;
            ++q;
          }
          if (q == end_) {
            if (q > p_) after_delimiter_ = b[q - 1] == delim;
            p_ = q;
            break;
          }
          p_ = q;
          if (b[p_] == quote) {
            state = kFieldStart;
            break;
          }
          char c = b[p_];
          FinishRecord(p_++);
          ++line_;
          skip_lf_ = c == '\r';
          return true;
        }
        q = special_.Find(b, q, end_);
        if (q < end_ && fast_append_ && !skipping_ && out_.size() == field_start_ &&
            q - p_ <= dialect_.max_field_bytes) {
          // The whole field is in the buffer (nothing of it in out_): a view, not a copy.
          EndBufferField(p_, q);
        } else {
          Append(b + p_, q - p_);
          if (q == end_) {
            p_ = q;
            break;
          }
          EndField();
        }
        p_ = q;
        char c = b[p_];
        if (c == delim) {
          ++p_;
          state = kFieldStart;
          break;
        }
        FinishRecord(p_++);
        ++line_;
        skip_lf_ = c == '\r';
        return true;
      }
      case kQuoted: {
        size_t q = p_;
        q = quoted_special_.Find(b, q, end_);
        if (q > p_) {
          Append(b + p_, q - p_);
          prev_cr_ = false;
        }
        p_ = q;
        if (p_ == end_) break;
        char c = b[p_++];
        if (c == quote) {
          state = kAfterQuote;
        } else if (has_escape && c == escape) {
          state = kQuotedEscape;
        } else {  // a line break inside quotes is data
          if (c == '\r' || !prev_cr_) ++line_;
          prev_cr_ = c == '\r';
          Append(&c, 1);
        }
        break;
      }
      case kQuotedEscape: {
        char c = b[p_++];
        if (c == '\n' || c == '\r') ++line_;
        prev_cr_ = false;
        Append(&c, 1);
        state = kQuoted;
        break;
      }
      case kAfterQuote: {
        char c = b[p_];
        if (c == quote && !has_escape) {
          Append(&c, 1);
          ++p_;
          state = kQuoted;
        } else if (c == delim) {
          EndField();
          ++p_;
          state = kFieldStart;
        } else if (c == '\n' || c == '\r') {
          EndField();
          FinishRecord(p_++);
          ++line_;
          skip_lf_ = c == '\r';
          return true;
        } else {
          // Text after the closing quote: keep it as data, but the record is malformed.
          SetError("unexpected '" + Printable(c) + "' after the closing quote of field " +
                   std::to_string(fields_.size() + skipped_fields_ + 1));
          state = kUnquoted;
          after_delimiter_ = false;
        }
        break;
      }
    }
  }
}

void CsvReader::FinishRecord(size_t end) {
  rec_end_ = end;
  // Decided on the record's full length, so that the outcome does not depend on how the
  // input was chunked; this error replaces any other.
  uint64_t length = buf_base_ + end - rec_abs_start_;
  if (length > dialect_.max_record_bytes) {
    if (!skipping_) EnterSkipMode();
    error_ = "record of " + std::to_string(length) + " bytes exceeds the " +
             std::to_string(dialect_.max_record_bytes) + "-byte limit";
  }
}

void CsvReader::CheckUtf8() {
  if (latin1_ || skipping_ || error_) return;
  // Most data is ASCII: one pass over the record's bytes (the values read in place are among
  // them) and the copied values, field by field only when needed.
  auto any_high = [](const char* d, size_t n) {
    uint64_t any = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
      uint64_t w[4];
      std::memcpy(w, d + i, 32);
      any |= w[0] | w[1] | w[2] | w[3];
    }
    for (; i < n; ++i) any |= static_cast<unsigned char>(d[i]);
    return (any & 0x8080808080808080ULL) != 0;
  };
  if (!any_high(buf_.data() + rec_start_, rec_end_ - rec_start_) &&
      !any_high(out_.data(), out_.size())) {
    return;
  }
  for (size_t f = 0; f < fields_.size(); ++f) {
    size_t bad = FindInvalidUtf8(FieldText(f));
    if (bad != std::string_view::npos) {
      SetError("invalid UTF-8 in field " + std::to_string(f + 1) + " at offset " +
               std::to_string(bad));
      return;
    }
  }
}

void CsvReader::Emit(CsvRecord* record) {
  record->fields.clear();
  record->quoted.clear();
  if (!skipping_) {
    record->fields.resize(fields_.size());
    record->quoted.resize(fields_.size());
    for (size_t i = 0; i < fields_.size(); ++i) {
      record->fields[i] = FieldText(i);
      record->quoted[i] = fields_[i].quoted;
    }
  }
  record->line = rec_line_;
  if (skipping_) CaptureRaw(rec_end_);
  record->raw = skipping_ ? std::string_view(raw_prefix_)
                          : std::string_view(buf_.data() + rec_start_, rec_end_ - rec_start_);
  size_t count = fields_.size() + skipped_fields_;
  if (!error_ && !header_.empty() && count != header_.size()) {
    error_ = std::to_string(count) + " fields, expected " + std::to_string(header_.size());
  }
  if (error_) {
    record->error = std::move(error_);
    error_.reset();
  } else {
    record->error.reset();
  }
}

Result<bool> CsvReader::Next(CsvRecord* record) {
  if (pending_) {
    pending_ = false;
    Emit(record);
    return true;
  }
  SLUICE_ASSIGN_OR_RETURN(bool any, ReadRecord());
  if (!any) {
    if (!tail_.has_oversized) return false;
    tail_.has_oversized = false;
    record->fields.clear();
    record->quoted.clear();
    record->line = tail_.oversized_line;
    record->raw = tail_.oversized_raw;
    record->error = std::move(tail_.oversized_error);
    return true;
  }
  CheckUtf8();
  Emit(record);
  return true;
}

Result<bool> CsvReader::NextBlock(size_t target_bytes, RecordBlock* block) {
  if (!cutting_) {
    cutting_ = true;
    fast_append_ = false;
    block_ = std::make_unique<BlockBytes>();
    block_->Start(p_, line_, skip_lf_);
    if (pending_) {  // the first record, read by Open() to count the columns
      pending_ = false;
      if (skipping_) {
        CsvRecord record;
        Emit(&record);
        *block = RecordBlock{};
        SetOversized(record.line, record.raw, std::move(*record.error), block);
        return true;
      }
      block_->Start(rec_start_, rec_line_, false);
    }
  }
  if (cut_done_) return false;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool any, ReadRecord());
    if (!any) {
      cut_done_ = true;
      block_->Cut(buf_.data(), p_, target_bytes, block);
      return !block->bytes.empty();
    }
    if (skipping_) {
      // Over max_record_bytes: the record's bytes are gone (EnterSkipMode gave the block
      // those before it); it follows the block as read here.
      CsvRecord record;
      Emit(&record);
      block_->Cut(buf_.data(), rec_start_, target_bytes, block);
      SetOversized(record.line, record.raw, std::move(*record.error), block);
      block_->Start(p_, line_, skip_lf_);
      return true;
    }
    if (block_->SizeUpTo(p_) >= target_bytes) {
      block_->Cut(buf_.data(), p_, target_bytes, block);
      block_->Start(p_, line_, skip_lf_);
      return true;
    }
  }
}

std::unique_ptr<CsvReader> CsvReader::OpenBlock(RecordBlock block) const {
  // The block's bytes become the reader's buffer as they are (no copy): its input is empty.
  std::unique_ptr<CsvReader> reader(new CsvReader(
      std::make_unique<common::StringInputStream>(std::string()), dialect_, source_name_));
  reader->buf_ = std::move(block.bytes);
  reader->end_ = reader->cap_ = reader->buf_.size();
  reader->bytes_read_ = static_cast<int64_t>(reader->end_);
  reader->header_ = header_;
  reader->line_ = block.first_line;
  reader->skip_lf_ = block.after_cr;
  reader->tail_ = std::move(block);
  return reader;
}

}  // namespace sluice::etl
