#include "sluice/etl/cast.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "sluice/common/time.h"
#include "sluice/parquet/column_type.h"

namespace sluice::etl {

namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TimeUnit;
using parquet::TypeKind;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != lower[i]) return false;
  }
  return true;
}

enum class IntParse { kOk, kInvalid, kOutOfRange };

// Optional sign, then decimal digits only.
IntParse ParseInt64(std::string_view s, int64_t* out) {
  const bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() ||
      !(IsDigit(s.front()) || (!plus && s.front() == '-' && s.size() > 1 && IsDigit(s[1])))) {
    return IntParse::kInvalid;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ptr != s.data() + s.size()) {
    // from_chars stops at the first non-digit, also when the digits so far overflowed.
    for (const char* p = ptr; p != s.data() + s.size(); ++p) {
      if (!IsDigit(*p)) return IntParse::kInvalid;
    }
  }
  if (ec == std::errc::result_out_of_range) return IntParse::kOutOfRange;
  if (ec != std::errc() || ptr != s.data() + s.size()) return IntParse::kInvalid;
  return IntParse::kOk;
}

template <typename T>
IntParse ParseFloating(std::string_view s, T* out) {
  const bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);
  // from_chars takes "nan(chars)" and no leading '+'; neither is a number here.
  if (s.empty() || s.front() == '+' || (plus && s.front() == '-') || s.back() == ')')
    return IntParse::kInvalid;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ptr != s.data() + s.size()) return IntParse::kInvalid;
  if (ec == std::errc::result_out_of_range) return IntParse::kOutOfRange;
  if (ec != std::errc()) return IntParse::kInvalid;
  return IntParse::kOk;
}

bool ParseBool(std::string_view s, bool* out) {
  switch (s.size()) {
    case 1: {
      char c = LowerAscii(s[0]);
      if (c == 't' || c == 'y' || c == '1') return *out = true, true;
      if (c == 'f' || c == 'n' || c == '0') return *out = false, true;
      return false;
    }
    case 2:
      if (EqualsIgnoreCase(s, "no")) return *out = false, true;
      return false;
    case 3:
      if (EqualsIgnoreCase(s, "yes")) return *out = true, true;
      return false;
    case 4:
      if (EqualsIgnoreCase(s, "true")) return *out = true, true;
      return false;
    case 5:
      if (EqualsIgnoreCase(s, "false")) return *out = false, true;
      return false;
    default:
      return false;
  }
}

enum class DecimalParse { kOk, kInvalid, kTooManyPlaces, kTooManyDigits };

// Exact decimal text to the unscaled value at `scale`, |value| < 10^precision.
DecimalParse ParseDecimal(std::string_view s, int precision, int scale, __int128* out) {
  size_t i = 0;
  const size_t n = s.size();
  bool negative = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const size_t int_begin = i;
  while (i < n && IsDigit(s[i])) ++i;
  const size_t int_len = i - int_begin;
  size_t frac_begin = i;
  size_t frac_len = 0;
  if (i < n && s[i] == '.') {
    frac_begin = ++i;
    while (i < n && IsDigit(s[i])) ++i;
    frac_len = i - frac_begin;
  }
  if (int_len + frac_len == 0) return DecimalParse::kInvalid;
  int64_t exponent = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    if (i == n || !IsDigit(s[i])) return DecimalParse::kInvalid;
    for (; i < n && IsDigit(s[i]); ++i) {
      // Beyond this any non-zero value is out of range anyway.
      if (exponent < 1000000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != n) return DecimalParse::kInvalid;

  const int64_t total = static_cast<int64_t>(int_len + frac_len);
  auto digit = [&](int64_t k) {
    return k < static_cast<int64_t>(int_len)
               ? s[int_begin + static_cast<size_t>(k)] - '0'
               : s[frac_begin + static_cast<size_t>(k) - int_len] - '0';
  };
  int64_t first = 0;
  while (first < total && digit(first) == 0) ++first;
  if (first == total) {
    *out = 0;
    return DecimalParse::kOk;
  }
  // value = digits * 10^(exponent - frac_len); unscaled = digits * 10^shift.
  const int64_t shift = exponent - static_cast<int64_t>(frac_len) + scale;
  int64_t end = total;
  if (shift < 0) {
    int64_t drop = -shift;
    for (int64_t k = std::max(first, total - drop); k < total; ++k) {
      if (digit(k) != 0) return DecimalParse::kTooManyPlaces;
    }
    end = total - drop;
  }
  const int64_t digits = (end - first) + std::max<int64_t>(shift, 0);
  if (digits > precision) return DecimalParse::kTooManyDigits;
  __int128 v = 0;
  for (int64_t k = first; k < end; ++k) v = v * 10 + digit(k);
  for (int64_t k = 0; k < shift; ++k) v *= 10;
  *out = negative ? -v : v;
  return DecimalParse::kOk;
}

void AppendDecimal(__int128 v, int precision, ColumnVector* column) {
  if (precision <= 18) {
    column->AppendInt64(static_cast<int64_t>(v));
    return;
  }
  char be[16];
  auto u = static_cast<unsigned __int128>(v);
  for (int i = 15; i >= 0; --i) {
    be[i] = static_cast<char>(static_cast<uint8_t>(u & 0xff));
    u >>= 8;
  }
  column->AppendBytes(std::string_view(be, 16));
}

// A small RFC 8259 validator: no allocation, bounded nesting.
class JsonValidator {
 public:
  explicit JsonValidator(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool Valid() {
    SkipSpace();
    if (!Value(0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 512;

  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    return true;
  }
  bool Digits() {
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    return true;
  }
  bool Number() {
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (!Digits()) {
      return false;
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!Digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool String() {
    ++p_;  // the opening quote
    while (p_ != end_) {
      auto c = static_cast<unsigned char>(*p_++);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (p_ == end_) return false;
        char e = *p_++;
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (p_ == end_ || !std::isxdigit(static_cast<unsigned char>(*p_))) return false;
            ++p_;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool Value(int depth) {
    if (p_ == end_ || depth > kMaxDepth) return false;
    switch (*p_) {
      case '{': {
        ++p_;
        SkipSpace();
        if (p_ != end_ && *p_ == '}') return ++p_, true;
        while (true) {
          SkipSpace();
          if (p_ == end_ || *p_ != '"' || !String()) return false;
          SkipSpace();
          if (p_ == end_ || *p_++ != ':') return false;
          SkipSpace();
          if (!Value(depth + 1)) return false;
          SkipSpace();
          if (p_ == end_) return false;
          char c = *p_++;
          if (c == '}') return true;
          if (c != ',') return false;
        }
      }
      case '[': {
        ++p_;
        SkipSpace();
        if (p_ != end_ && *p_ == ']') return ++p_, true;
        while (true) {
          SkipSpace();
          if (!Value(depth + 1)) return false;
          SkipSpace();
          if (p_ == end_) return false;
          char c = *p_++;
          if (c == ']') return true;
          if (c != ',') return false;
        }
      }
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  const char* p_;
  const char* end_;
};

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Reads exactly `count` digits at s[*i].
bool FixedDigits(std::string_view s, size_t* i, int count, int* out) {
  if (s.size() - *i < static_cast<size_t>(count)) return false;
  int v = 0;
  for (int k = 0; k < count; ++k) {
    char c = s[*i + static_cast<size_t>(k)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(count);
  *out = v;
  return true;
}

// Reads 1 or 2 digits at s[*i].
bool ShortDigits(std::string_view s, size_t* i, int* out) {
  if (*i >= s.size() || !IsDigit(s[*i])) return false;
  int v = s[(*i)++] - '0';
  if (*i < s.size() && IsDigit(s[*i])) v = v * 10 + (s[(*i)++] - '0');
  *out = v;
  return true;
}

// Reads 1 to 9 fraction digits at s[*i] as nanoseconds.
bool FractionDigits(std::string_view s, size_t* i, int64_t* nanos) {
  size_t begin = *i;
  int64_t v = 0;
  int count = 0;
  while (*i < s.size() && IsDigit(s[*i])) {
    if (++count > 9) return false;
    v = v * 10 + (s[(*i)++] - '0');
  }
  if (count == 0 || *i == begin) return false;
  for (int k = count; k < 9; ++k) v *= 10;
  *nanos = v;
  return true;
}

// Z, z, ±HH:MM or ±HHMM at s[*i], as seconds east of UTC.
bool Offset(std::string_view s, size_t* i, int* seconds, bool* valid) {
  if (*i >= s.size()) return false;
  char c = s[*i];
  if (c == 'Z' || c == 'z') {
    ++*i;
    *seconds = 0;
    return true;
  }
  if (c != '+' && c != '-') return false;
  ++*i;
  int hh = 0;
  int mm = 0;
  if (!FixedDigits(s, i, 2, &hh)) return false;
  if (*i < s.size() && s[*i] == ':') ++*i;
  if (!FixedDigits(s, i, 2, &mm)) return false;
  if (hh > 23 || mm > 59) *valid = false;
  *seconds = (hh * 3600 + mm * 60) * (c == '-' ? -1 : 1);
  return true;
}

constexpr std::string_view kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};

}  // namespace

// A parsed date-time before validation.
struct TextCaster::Civil {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t nanos = 0;
  int offset_seconds = 0;
  bool valid = true;  // false: well-formed but a field is out of range (offset, hour 24, ...)
};

std::string QuoteValue(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  if (text.size() <= kMax) {
    out.append(text);
  } else {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    out.append(text.substr(0, cut));
    out.append("…");
  }
  out.push_back('"');
  return out;
}

Result<TextCaster> TextCaster::Make(const DataType& type, CastOptions options) {
  switch (type.kind) {
    case TypeKind::kBoolean:
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kInt64:
    case TypeKind::kFloat:
    case TypeKind::kDouble:
    case TypeKind::kString:
    case TypeKind::kJson:
    case TypeKind::kDate:
      break;
    case TypeKind::kDecimal:
      if (type.precision < 1 || type.precision > 38 || type.scale < 0 ||
          type.scale > type.precision) {
        return Status::InvalidArgument(
            "cannot cast text to " + type.ToString() +
            ": decimal precision must be 1 to 38 and scale 0 to the precision");
      }
      break;
    case TypeKind::kTimestamp:
      if (type.unit != TimeUnit::kMicros) {
        return Status::InvalidArgument("cannot cast text to " + type.ToString() +
                                       ": timestamps are cast to microseconds");
      }
      break;
    default:
      return Status::InvalidArgument("cannot cast text to " + type.ToString() +
                                     "; supported: bool, int8, int16, int32, int64, float, double, "
                                     "decimal(p,s), string, date, timestamp, json");
  }
  TextCaster caster(type, std::move(options));
  caster.type_name_ = ColumnTypeName(type);
  const std::string& format = caster.options_.format;
  if (format.empty()) return caster;
  const bool is_date = type.kind == TypeKind::kDate;
  if (!is_date && type.kind != TypeKind::kTimestamp) {
    return Status::InvalidArgument(
        "format \"" + format + "\" applies only to date and timestamp, not " + caster.type_name_);
  }
  if (format == "epoch_seconds" || format == "epoch_millis" || format == "epoch_micros") {
    if (is_date)
      return Status::InvalidArgument("format \"" + format + "\" applies only to timestamp");
    caster.time_format_ = format == "epoch_seconds"  ? TimeFormat::kEpochSeconds
                          : format == "epoch_millis" ? TimeFormat::kEpochMillis
                                                     : TimeFormat::kEpochMicros;
    return caster;
  }
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("format \"" + format + "\" for " + caster.type_name_ + ": " +
                                   why);
  };
  caster.time_format_ = TimeFormat::kPattern;
  uint32_t seen = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    PatternItem item;
    if (format[i] != '%') {
      item.literal = format[i];
      caster.pattern_.push_back(item);
      continue;
    }
    if (++i == format.size()) return bad("ends with a lone %");
    switch (format[i]) {
      case '%':
        item.literal = '%';
        break;
      case 'Y':
        item.kind = PatternItem::kYear4;
        break;
      case 'y':
        item.kind = PatternItem::kYear2;
        break;
      case 'm':
        item.kind = PatternItem::kMonth;
        break;
      case 'b':
        item.kind = PatternItem::kMonthName;
        break;
      case 'd':
        item.kind = PatternItem::kDay;
        break;
      case 'H':
        item.kind = PatternItem::kHour;
        break;
      case 'M':
        item.kind = PatternItem::kMinute;
        break;
      case 'S':
        item.kind = PatternItem::kSecond;
        break;
      case 'f':
        item.kind = PatternItem::kFraction;
        break;
      case 'z':
        item.kind = PatternItem::kOffset;
        break;
      default:
        return bad(std::string("unknown directive %") + format[i] +
                   "; expected %Y %y %m %b %d %H %M %S %f %z or %%");
    }
    if (item.kind != PatternItem::kLiteral) {
      // Fields: year, month, day, hour, minute, second, fraction, offset.
      static constexpr int kField[] = {-1, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7};
      int field = kField[item.kind];
      if (seen & (1u << field)) return bad(std::string("names a field twice (%") + format[i] + ")");
      seen |= 1u << field;
      if (is_date && field >= 3) {
        return bad(std::string("%") + format[i] + " has no place in a date; use a timestamp");
      }
    }
    caster.pattern_.push_back(item);
  }
  if ((seen & 7u) != 7u) return bad("needs a year (%Y or %y), a month (%m or %b) and a day (%d)");
  return caster;
}

void TextCaster::Fail(std::string_view text, std::string_view what, std::string* reason) const {
  *reason = QuoteValue(text);
  reason->push_back(' ');
  reason->append(what);
}

bool TextCaster::Append(std::string_view text, ColumnVector* column, std::string* reason) const {
  const TypeKind kind = type_.kind;
  if (kind == TypeKind::kString) {
    column->AppendBytes(text);
    return true;
  }
  if (kind == TypeKind::kJson) {
    if (!JsonValidator(text).Valid()) {
      Fail(text, "is not a valid json", reason);
      return false;
    }
    column->AppendBytes(text);
    return true;
  }
  std::string_view value = options_.trim ? TrimSpace(text) : text;
  switch (kind) {
    case TypeKind::kBoolean: {
      bool b = false;
      if (!ParseBool(value, &b)) break;
      column->AppendBool(b);
      return true;
    }
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kInt64: {
      int64_t v = 0;
      IntParse r = ParseInt64(value, &v);
      if (r == IntParse::kInvalid) break;
      int64_t lo = std::numeric_limits<int64_t>::min();
      int64_t hi = std::numeric_limits<int64_t>::max();
      if (kind == TypeKind::kInt8) lo = INT8_MIN, hi = INT8_MAX;
      if (kind == TypeKind::kInt16) lo = INT16_MIN, hi = INT16_MAX;
      if (kind == TypeKind::kInt32) lo = INT32_MIN, hi = INT32_MAX;
      if (r == IntParse::kOutOfRange || v < lo || v > hi) {
        Fail(text, "is out of range for " + type_name_, reason);
        return false;
      }
      if (kind == TypeKind::kInt64) {
        column->AppendInt64(v);
      } else {
        column->AppendInt32(static_cast<int32_t>(v));
      }
      return true;
    }
    case TypeKind::kFloat: {
      float v = 0;
      IntParse r = ParseFloating(value, &v);
      if (r == IntParse::kInvalid) break;
      if (r == IntParse::kOutOfRange) {
        Fail(text, "is out of range for float", reason);
        return false;
      }
      column->AppendFloat(v);
      return true;
    }
    case TypeKind::kDouble: {
      double v = 0;
      IntParse r = ParseFloating(value, &v);
      if (r == IntParse::kInvalid) break;
      if (r == IntParse::kOutOfRange) {
        Fail(text, "is out of range for double", reason);
        return false;
      }
      column->AppendDouble(v);
      return true;
    }
    case TypeKind::kDecimal: {
      __int128 v = 0;
      switch (ParseDecimal(value, type_.precision, type_.scale, &v)) {
        case DecimalParse::kOk:
          AppendDecimal(v, type_.precision, column);
          return true;
        case DecimalParse::kInvalid:
          break;
        case DecimalParse::kTooManyPlaces:
          Fail(text,
               "has more than " + std::to_string(type_.scale) + " decimal places for " + type_name_,
               reason);
          return false;
        case DecimalParse::kTooManyDigits:
          Fail(text, "exceeds the precision of " + type_name_, reason);
          return false;
      }
      break;
    }
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
      return AppendTemporal(value, text, column, reason);
    default:
      break;
  }
  Fail(text, "is not a valid " + type_name_, reason);
  return false;
}

bool TextCaster::ParsePattern(std::string_view s, Civil* c) const {
  size_t i = 0;
  for (const PatternItem& item : pattern_) {
    switch (item.kind) {
      case PatternItem::kLiteral:
        if (i >= s.size() || s[i] != item.literal) return false;
        ++i;
        break;
      case PatternItem::kYear4:
        if (!FixedDigits(s, &i, 4, &c->year)) return false;
        break;
      case PatternItem::kYear2: {
        int yy = 0;
        if (!FixedDigits(s, &i, 2, &yy)) return false;
        c->year = yy >= 69 ? 1900 + yy : 2000 + yy;
        break;
      }
      case PatternItem::kMonth:
        if (!ShortDigits(s, &i, &c->month)) return false;
        break;
      case PatternItem::kMonthName: {
        if (s.size() - i < 3) return false;
        char name[3] = {LowerAscii(s[i]), LowerAscii(s[i + 1]), LowerAscii(s[i + 2])};
        int month = 0;
        for (int m = 0; m < 12; ++m) {
          if (std::string_view(name, 3) == kMonthNames[m]) month = m + 1;
        }
        if (month == 0) return false;
        c->month = month;
        i += 3;
        break;
      }
      case PatternItem::kDay:
        if (!ShortDigits(s, &i, &c->day)) return false;
        break;
      case PatternItem::kHour:
        if (!ShortDigits(s, &i, &c->hour)) return false;
        break;
      case PatternItem::kMinute:
        if (!ShortDigits(s, &i, &c->minute)) return false;
        break;
      case PatternItem::kSecond:
        if (!ShortDigits(s, &i, &c->second)) return false;
        break;
      case PatternItem::kFraction:
        if (!FractionDigits(s, &i, &c->nanos)) return false;
        break;
      case PatternItem::kOffset:
        if (!Offset(s, &i, &c->offset_seconds, &c->valid)) return false;
        break;
    }
  }
  return i == s.size();
}

bool TextCaster::AppendTemporal(std::string_view s, std::string_view text, ColumnVector* column,
                                std::string* reason) const {
  const bool is_date = type_.kind == TypeKind::kDate;
  if (time_format_ == TimeFormat::kEpochSeconds || time_format_ == TimeFormat::kEpochMillis ||
      time_format_ == TimeFormat::kEpochMicros) {
    int64_t v = 0;
    IntParse r = ParseInt64(s, &v);
    const char* unit = time_format_ == TimeFormat::kEpochSeconds  ? "seconds"
                       : time_format_ == TimeFormat::kEpochMillis ? "milliseconds"
                                                                  : "microseconds";
    if (r == IntParse::kInvalid) {
      Fail(text,
           std::string("is not a valid timestamp (expected an integer count of ") + unit +
               " since the epoch)",
           reason);
      return false;
    }
    int64_t factor = time_format_ == TimeFormat::kEpochSeconds  ? kMicrosPerSecond
                     : time_format_ == TimeFormat::kEpochMillis ? 1000
                                                                : 1;
    int64_t micros = 0;
    if (r == IntParse::kOutOfRange || __builtin_mul_overflow(v, factor, &micros)) {
      Fail(text, "is out of range for timestamp", reason);
      return false;
    }
    column->AppendInt64(micros);
    return true;
  }

  Civil c;
  bool shaped = false;
  if (time_format_ == TimeFormat::kPattern) {
    shaped = ParsePattern(s, &c);
  } else {
    // YYYY-MM-DD[(T|t| )HH:MM[:SS[.f]][offset]]
    size_t i = 0;
    shaped = FixedDigits(s, &i, 4, &c.year) && i < s.size() && s[i++] == '-' &&
             FixedDigits(s, &i, 2, &c.month) && i < s.size() && s[i++] == '-' &&
             FixedDigits(s, &i, 2, &c.day);
    if (shaped && i < s.size() && !is_date) {
      char sep = s[i++];
      shaped = (sep == 'T' || sep == 't' || sep == ' ') && FixedDigits(s, &i, 2, &c.hour) &&
               i < s.size() && s[i++] == ':' && FixedDigits(s, &i, 2, &c.minute);
      if (shaped && i < s.size() && s[i] == ':') {
        ++i;
        shaped = FixedDigits(s, &i, 2, &c.second);
        if (shaped && i < s.size() && s[i] == '.') {
          ++i;
          shaped = FractionDigits(s, &i, &c.nanos);
        }
      }
      if (shaped && i < s.size()) shaped = Offset(s, &i, &c.offset_seconds, &c.valid);
    }
    shaped = shaped && i == s.size();
  }
  if (!shaped) {
    std::string what = "is not a valid " + type_name_ + " (expected ";
    if (time_format_ == TimeFormat::kPattern) {
      what += "format " + options_.format + ")";
    } else {
      what += is_date ? "YYYY-MM-DD)" : "YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM])";
    }
    Fail(text, what, reason);
    return false;
  }
  if (!c.valid || c.month < 1 || c.month > 12 || c.day < 1 ||
      c.day > DaysInMonth(c.year, c.month) || c.hour > 23 || c.minute > 59 || c.second > 59) {
    Fail(text, "is not a valid " + type_name_, reason);
    return false;
  }
  int64_t days =
      common::DaysFromCivil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day));
  if (is_date) {
    column->AppendInt32(static_cast<int32_t>(days));
    return true;
  }
  if (c.nanos % 1000 != 0) {
    Fail(text, "has fractional seconds finer than microseconds for timestamp", reason);
    return false;
  }
  int64_t micros =
      days * kMicrosPerDay +
      (int64_t{c.hour} * 3600 + c.minute * 60 + c.second - c.offset_seconds) * kMicrosPerSecond +
      c.nanos / 1000;
  column->AppendInt64(micros);
  return true;
}

}  // namespace sluice::etl
