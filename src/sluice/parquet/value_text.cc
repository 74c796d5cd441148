#include "sluice/parquet/value_text.h"

#include <charconv>
#include <cmath>

#include "sluice/common/time.h"

namespace sluice::parquet {
namespace {

void AppendPaddedNumber(int64_t v, int width, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  for (auto n = r.ptr - buf; n < width; ++n) out->push_back('0');
  out->append(buf, r.ptr);
}

template <typename T>
void AppendFloatTextImpl(T v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v < 0 ? "-Infinity" : "Infinity");
  } else {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  }
}

}  // namespace

__int128 DecimalAt(const ColumnVector& c, int64_t i) {
  if (c.type.precision <= 18) return c.ints64[static_cast<size_t>(i)];
  std::string_view be = c.BytesAt(i);
  unsigned __int128 u = 0;
  for (char b : be) u = (u << 8) | static_cast<uint8_t>(b);
  return static_cast<__int128>(u);
}

void AppendDecimalText(__int128 v, int scale, std::string* out) {
  if (v < 0) out->push_back('-');
  unsigned __int128 u =
      v < 0 ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  while (n < scale + 1) digits[n++] = '0';
  for (int k = n - 1; k >= 0; --k) {
    if (k == scale - 1) out->push_back('.');
    out->push_back(digits[k]);
  }
}

void AppendDateText(int64_t days, std::string* out) {
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  common::CivilFromDays(days, &y, &m, &d);
  if (y < 0) {
    out->push_back('-');
    y = -y;
  }
  AppendPaddedNumber(y, 4, out);
  out->push_back('-');
  AppendPaddedNumber(m, 2, out);
  out->push_back('-');
  AppendPaddedNumber(d, 2, out);
}

void AppendFloatText(double v, std::string* out) { AppendFloatTextImpl(v, out); }
void AppendFloatText(float v, std::string* out) { AppendFloatTextImpl(v, out); }

void AppendTimestampText(int64_t value, TimeUnit unit, std::string* out) {
  int64_t per_sec = unit == TimeUnit::kMillis   ? 1000
                    : unit == TimeUnit::kMicros ? 1000000
                                                : 1000000000;
  int64_t secs = value / per_sec;
  int64_t frac = value % per_sec;
  if (frac < 0) {
    frac += per_sec;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  AppendDateText(days, out);
  char clock[9] = {' ', 0, 0, ':', 0, 0, ':', 0, 0};
  auto two = [&](int at, int64_t v) {
    clock[at] = static_cast<char>('0' + v / 10);
    clock[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(1, rem / 3600);
  two(4, rem / 60 % 60);
  two(7, rem % 60);
  out->append(clock, sizeof clock);
  if (frac != 0) {
    int digits = unit == TimeUnit::kMillis ? 3 : unit == TimeUnit::kMicros ? 6 : 9;
    out->push_back('.');
    AppendPaddedNumber(frac, digits, out);
  }
}

std::string TimestampText(int64_t value, TimeUnit unit) {
  std::string out;
  AppendTimestampText(value, unit, &out);
  return out;
}

}  // namespace sluice::parquet
