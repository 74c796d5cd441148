#include "sluice/parquet/json_rows.h"

#include <cmath>
#include <cstdio>

#include "sluice/common/time.h"

namespace sluice::parquet {
namespace {

namespace json = boost::json;

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

json::value Integer(int64_t v) {
  if (v > kMaxSafeInteger || v < -kMaxSafeInteger) return json::value(std::to_string(v));
  return json::value(v);
}

json::value Unsigned(uint64_t v) {
  if (v > static_cast<uint64_t>(kMaxSafeInteger)) return json::value(std::to_string(v));
  return json::value(static_cast<int64_t>(v));
}

json::value Double(double d) {
  if (std::isnan(d)) return json::value("NaN");
  if (std::isinf(d)) return json::value(d > 0 ? "Infinity" : "-Infinity");
  if (d == 0 && std::signbit(d)) return json::value("-0");
  return json::value(d);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// An unscaled integer (decimal digits, optional leading '-') with `scale` fraction digits.
std::string ScaleDigits(std::string digits, int scale) {
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return (negative ? "-" : "") + digits;
}

// A big-endian two's complement integer of up to 16 bytes as decimal digits.
std::string BigEndianToDecimal(std::string_view bytes) {
  unsigned __int128 v = 0;
  bool negative = !bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80);
  for (unsigned char c : bytes) v = (v << 8) | c;
  size_t bits = bytes.size() * 8;
  if (negative && bits < 128) v |= ~((static_cast<unsigned __int128>(1) << bits) - 1);
  if (negative) v = ~v + 1;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return (negative ? "-" : "") + digits;
}

int64_t UnitsPerSecond(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis: return 1000;
    case TimeUnit::kMicros: return 1000000;
    case TimeUnit::kNanos: return 1000000000;
  }
  return 1000000;
}

int FractionDigits(TimeUnit unit) { return unit == TimeUnit::kMillis ? 3 : unit == TimeUnit::kMicros ? 6 : 9; }

std::string DateText(int64_t days) {
  int64_t y;
  unsigned m, d;
  common::CivilFromDays(days, &y, &m, &d);
  char buf[32];
  if (y >= 0 && y <= 9999) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  } else {
    std::snprintf(buf, sizeof buf, "%s%05lld-%02u-%02u", y < 0 ? "-" : "+", static_cast<long long>(y < 0 ? -y : y), m, d);
  }
  return buf;
}

std::string TimeOfDay(int64_t units_in_day, TimeUnit unit) {
  int64_t per_second = UnitsPerSecond(unit);
  int64_t seconds = units_in_day / per_second, fraction = units_in_day % per_second;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%0*lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60), FractionDigits(unit),
                static_cast<long long>(fraction));
  return buf;
}

std::string TimestampText(int64_t value, TimeUnit unit, bool utc) {
  int64_t per_day = UnitsPerSecond(unit) * 86400;
  int64_t days = value / per_day, rest = value % per_day;
  if (rest < 0) {
    rest += per_day;
    --days;
  }
  return DateText(days) + "T" + TimeOfDay(rest, unit) + (utc ? "Z" : "");
}

std::string UuidText(std::string_view b) {
  std::string h = Hex(b);
  if (h.size() != 32) return h;
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

json::value ValueToJson(const ColumnVector& c, int64_t row) {
  if (c.IsNull(row)) return nullptr;
  size_t i = static_cast<size_t>(row);
  const DataType& t = c.type;
  switch (t.kind) {
    case TypeKind::kBoolean: return json::value(c.bools[i] != 0);
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32: return json::value(static_cast<int64_t>(c.ints32[i]));
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32: return json::value(static_cast<int64_t>(static_cast<uint32_t>(c.ints32[i])));
    case TypeKind::kInt64: return Integer(c.ints64[i]);
    case TypeKind::kUInt64: return Unsigned(static_cast<uint64_t>(c.ints64[i]));
    case TypeKind::kFloat: return Double(static_cast<double>(c.floats[i]));
    case TypeKind::kDouble: return Double(c.doubles[i]);
    case TypeKind::kDecimal:
      if (t.precision <= 18) return json::value(ScaleDigits(std::to_string(c.ints64[i]), t.scale));
      return json::value(ScaleDigits(BigEndianToDecimal(c.BytesAt(row)), t.scale));
    case TypeKind::kString:
    case TypeKind::kJson:
    case TypeKind::kEnum: return json::value(c.BytesAt(row));
    case TypeKind::kBinary:
    case TypeKind::kFixedBinary: return json::value(Hex(c.BytesAt(row)));
    case TypeKind::kUuid: return json::value(UuidText(c.BytesAt(row)));
    case TypeKind::kDate: return json::value(DateText(c.ints32[i]));
    case TypeKind::kTime: return json::value(TimeOfDay(c.ints64[i], t.unit));
    case TypeKind::kTimestamp: return json::value(TimestampText(c.ints64[i], t.unit, t.adjusted_to_utc));
    case TypeKind::kList: {
      json::array a;
      for (int64_t j = c.offsets[i]; j < c.offsets[i + 1]; ++j) a.push_back(ValueToJson(c.children[0], j));
      return a;
    }
    case TypeKind::kStruct: {
      json::object o;
      for (size_t k = 0; k < c.children.size(); ++k) o[t.children[k].name] = ValueToJson(c.children[k], row);
      return o;
    }
  }
  return nullptr;
}

json::object RowToJson(const RecordBatch& batch, int64_t row) {
  json::object o;
  o.reserve(batch.columns.size());
  for (size_t k = 0; k < batch.columns.size(); ++k) {
    o[batch.schema.fields[k].name] = ValueToJson(batch.columns[k], row);
  }
  return o;
}

}  // namespace sluice::parquet
