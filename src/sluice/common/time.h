#pragma once

// Time: instants as microseconds since the Unix epoch (UTC), RFC 3339 parsing and the one
// format sluice prints (`2026-11-27T12:00:00.123Z`, as AWS does), and the Clock seam that
// Wait states, timeouts and lifecycle rules read so tests can move time by hand.
// Timestamp is plain data. SystemClock is thread-safe; ManualClock is thread-safe.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::common {

// Microseconds since 1970-01-01T00:00:00Z.
struct Timestamp {
  int64_t micros = 0;

  static Timestamp FromMicros(int64_t us) { return Timestamp{us}; }
  static Timestamp FromMillis(int64_t ms) { return Timestamp{ms * 1000}; }
  static Timestamp FromSeconds(int64_t s) { return Timestamp{s * 1000000}; }
  int64_t millis() const;  // floor
  int64_t seconds() const;  // floor

  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` or `t` or a
// space as separator, `z` accepted, any number of fraction digits (beyond microseconds they
// are truncated), leap second 60 accepted as :59.999999. Returns InvalidArgument naming the
// text and the expected shape on anything else.
Result<Timestamp> ParseRfc3339(std::string_view text);

// `2026-11-27T12:00:00.123Z`: UTC, milliseconds (truncated), the format AWS prints.
std::string FormatIso8601Millis(Timestamp t);
// `2026-11-27 12:00:00`: UTC, seconds, for human listings (as `aws s3 ls`).
std::string FormatHumanSeconds(Timestamp t);
// `Fri, 27 Nov 2026 12:00:00 GMT`: RFC 7231 HTTP-date (Last-Modified).
std::string FormatHttpDate(Timestamp t);

// Days since the epoch for a civil date, and back (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// Wall-clock time from the system.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  // A process-wide instance.
  static const SystemClock* Default();
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start.micros) {}
  Timestamp Now() const override { return Timestamp{now_.load()}; }
  void Set(Timestamp t) { now_.store(t.micros); }
  void AdvanceMicros(int64_t us) { now_.fetch_add(us); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace sluice::common
