#include "sluice/common/time.h"

#include <chrono>
#include <cstdio>

namespace sluice::common {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[*pos]; false when they are not there.
bool ReadDigits(std::string_view text, size_t* pos, int n, int64_t* out) {
  if (*pos + n > text.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

struct Civil {
  int64_t y;
  unsigned mo, d, h, mi, s, us;
};

Civil ToCivil(Timestamp t) {
  int64_t days = FloorDiv(t.micros, 86400LL * 1000000);
  int64_t rem = t.micros - days * 86400LL * 1000000;
  Civil c{};
  CivilFromDays(days, &c.y, &c.mo, &c.d);
  c.h = static_cast<unsigned>(rem / 3600000000LL);
  rem %= 3600000000LL;
  c.mi = static_cast<unsigned>(rem / 60000000LL);
  rem %= 60000000LL;
  c.s = static_cast<unsigned>(rem / 1000000);
  c.us = static_cast<unsigned>(rem % 1000000);
  return c;
}

}  // namespace

int64_t Timestamp::millis() const { return FloorDiv(micros, 1000); }
int64_t Timestamp::seconds() const { return FloorDiv(micros, 1000000); }

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

Result<Timestamp> ParseRfc3339(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid RFC 3339 timestamp '" + std::string(text) + "': " +
                                   std::string(why) +
                                   " (expected YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM))");
  };
  size_t p = 0;
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!ReadDigits(text, &p, 4, &y) || !Expect(text, &p, '-') || !ReadDigits(text, &p, 2, &mo) ||
      !Expect(text, &p, '-') || !ReadDigits(text, &p, 2, &d)) {
    return bad("bad date");
  }
  if (p >= text.size() || (text[p] != 'T' && text[p] != 't' && text[p] != ' ')) {
    return bad("missing 'T' between date and time");
  }
  ++p;
  if (!ReadDigits(text, &p, 2, &h) || !Expect(text, &p, ':') || !ReadDigits(text, &p, 2, &mi) ||
      !Expect(text, &p, ':') || !ReadDigits(text, &p, 2, &s)) {
    return bad("bad time of day");
  }
  if (mo < 1 || mo > 12) return bad("month out of range");
  if (d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) return bad("day out of range");
  if (h > 23) return bad("hour out of range");
  if (mi > 59) return bad("minute out of range");
  if (s > 60) return bad("second out of range");
  int64_t frac_us = 0;
  if (p < text.size() && text[p] == '.') {
    ++p;
    int digits = 0;
    while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
      if (digits < 6) frac_us = frac_us * 10 + (text[p] - '0');
      ++digits;
      ++p;
    }
    if (digits == 0) return bad("empty fraction");
    for (int i = digits; i < 6; ++i) frac_us *= 10;
  }
  if (s == 60) {  // a leap second: the last instant of the preceding second
    s = 59;
    frac_us = 999999;
  }
  int64_t offset_s = 0;
  if (p >= text.size()) return bad("missing time zone offset");
  if (text[p] == 'Z' || text[p] == 'z') {
    ++p;
  } else if (text[p] == '+' || text[p] == '-') {
    int sign = text[p] == '-' ? -1 : 1;
    ++p;
    int64_t oh = 0, om = 0;
    if (!ReadDigits(text, &p, 2, &oh) || !Expect(text, &p, ':') || !ReadDigits(text, &p, 2, &om) ||
        oh > 23 || om > 59) {
      return bad("bad time zone offset");
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return bad("bad time zone offset");
  }
  if (p != text.size()) return bad("trailing characters");
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_s;
  return Timestamp{secs * 1000000 + frac_us};
}

std::string FormatIso8601Millis(Timestamp t) {
  Civil c = ToCivil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ",
                static_cast<long long>(c.y), c.mo, c.d, c.h, c.mi, c.s, c.us / 1000);
  return buf;
}

std::string FormatHumanSeconds(Timestamp t) {
  Civil c = ToCivil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02u:%02u:%02u", static_cast<long long>(c.y),
                c.mo, c.d, c.h, c.mi, c.s);
  return buf;
}

std::string FormatHttpDate(Timestamp t) {
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Civil c = ToCivil(t);
  int64_t days = FloorDiv(t.micros, 86400LL * 1000000);
  int64_t wd = ((days % 7) + 7) % 7;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02u:%02u:%02u GMT", kDays[wd], c.d,
                kMonths[c.mo - 1], static_cast<long long>(c.y), c.h, c.mi, c.s);
  return buf;
}

Timestamp SystemClock::Now() const {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

const SystemClock* SystemClock::Default() {
  static const SystemClock clock;
  return &clock;
}

}  // namespace sluice::common
