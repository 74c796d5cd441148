#pragma once

// Strict casts from text (the field text of a CSV or JSON Lines record) to a typed value
// appended to a parquet::ColumnVector: the per-value hot path of ETL mappings. A cast either
// appends exactly the value the text denotes or appends nothing and says why; it never
// yields a silent NULL, never rounds a decimal or truncates a fraction. Parsing uses
// std::from_chars and hand-written scanners: no locale, no allocation per value (the
// reason text is built only on failure).
//
// Rules per target type (see docs/jobs-types.md for examples):
//   bool       true/false, t/f, yes/no, y/n, 1/0, case-insensitive.
//   int8..64   optional sign (`+` or `-`) then decimal digits; range-checked per width.
//   float,     decimal or exponent notation, NaN, Infinity/inf (case-insensitive, signed);
//   double     a finite value outside the type's range (overflow, or underflow to zero)
//              is an error.
//   decimal    optional sign, digits, optional fraction, optional exponent ("1.5e2");
//   (p,s)      scaled to s. Fractional digits beyond s must be zeros; more than p
//              significant digits at scale s is an error. Stored as the unscaled value
//              (ints64 for p <= 18, else 16 bytes big-endian two's complement).
//   string     the text as is. json: the text as is once it is valid JSON (RFC 8259).
//   date       YYYY-MM-DD (or CastOptions::format); days since 1970-01-01.
//   timestamp  YYYY-MM-DD, YYYY-MM-DD(T|t| )HH:MM[:SS[.f{1,9}]] with an optional offset
//              Z, z, ±HH:MM or ±HHMM (none: UTC); digits below the microsecond must be
//              zeros. Or CastOptions::format. Microseconds since the epoch, UTC.
//
// CastOptions::format for date and timestamp is either a pattern, which must match the
// whole text, or (timestamp only) `epoch_seconds`, `epoch_millis`, `epoch_micros`: an
// integer count since 1970-01-01T00:00:00Z. Pattern directives:
//   %Y  4-digit year            %y  2-digit year: 69-99 -> 1969-1999, 00-68 -> 2000-2068
//   %m  month, 1 or 2 digits    %b  English month abbreviation (Jan..Dec, any case)
//   %d  day, 1 or 2 digits      %H  hour 0-23, 1 or 2 digits
//   %M  minute, 1 or 2 digits   %S  second 0-59, 1 or 2 digits
//   %f  fraction of a second, 1 to 9 digits (below-microsecond digits must be zeros)
//   %z  offset: Z, z, ±HH:MM or ±HHMM        %%  a literal %
// Any other character must appear as is. A pattern needs a year, a month and a day, and
// names each field at most once; date patterns take no time-of-day or offset directives.
//
// Failure reasons name the value (quoted, cut to 64 bytes with "…") and the type:
// `"12x" is not a valid int32`, `"300" is out of range for int8`.
//
// A TextCaster is immutable after Make: thread-safe for concurrent Append calls on
// different columns.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

struct CastOptions {
  // date/timestamp only: a pattern (see the header comment) or epoch_seconds, epoch_millis,
  // epoch_micros (timestamp). Empty: the ISO-8601 forms.
  std::string format;
  // Strip ASCII whitespace around the value before parsing (every type but string and json).
  bool trim = false;
};

class TextCaster {
 public:
  // A caster to `type`: bool, int8/16/32/64, float, double, decimal(1..38, s), string, json,
  // date, timestamp (microseconds). InvalidArgument for another type, a format on a type
  // other than date/timestamp, or a bad format pattern (naming the pattern and the problem).
  static Result<TextCaster> Make(const parquet::DataType& type, CastOptions options = {});

  // Parses `text` and appends the value to `column`, whose type is type(). Returns false on
  // failure, having appended nothing and set *reason.
  bool Append(std::string_view text, parquet::ColumnVector* column, std::string* reason) const;

  const parquet::DataType& type() const { return type_; }
  const CastOptions& options() const { return options_; }

 private:
  enum class TimeFormat : uint8_t { kIso, kPattern, kEpochSeconds, kEpochMillis, kEpochMicros };
  struct PatternItem {
    enum Kind : uint8_t {
      kLiteral,
      kYear4,
      kYear2,
      kMonth,
      kMonthName,
      kDay,
      kHour,
      kMinute,
      kSecond,
      kFraction,
      kOffset,
    };
    Kind kind = kLiteral;
    char literal = 0;
  };
  struct Civil;

  TextCaster(parquet::DataType type, CastOptions options)
      : type_(std::move(type)), options_(std::move(options)) {}

  bool AppendTemporal(std::string_view value, std::string_view text, parquet::ColumnVector* column,
                      std::string* reason) const;
  bool ParsePattern(std::string_view value, Civil* civil) const;
  void Fail(std::string_view text, std::string_view what, std::string* reason) const;

  parquet::DataType type_;
  CastOptions options_;
  std::string type_name_;  // ColumnTypeName(type_), for reasons
  TimeFormat time_format_ = TimeFormat::kIso;
  std::vector<PatternItem> pattern_;
};

// `"value"` for messages: the text in double quotes, cut to 64 bytes (at a UTF-8 character
// boundary) followed by "…" when longer.
std::string QuoteValue(std::string_view text);

}  // namespace sluice::etl
