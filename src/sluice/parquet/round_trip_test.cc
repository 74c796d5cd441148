// Round-trip property tests: random RecordBatches of every type, null pattern and nesting,
// written by FileWriter under every combination of codec, data page version, dictionary and
// delta encoding, with tiny pages, row groups and dictionary limits; read back by FileReader
// (Scan and ReadRowGroup) and compared value by value, bit for bit. Flat columns' footer
// statistics are checked against values computed from the data. Fixed seeds: a failure
// reproduces exactly.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/json.h"
#include "sluice/parquet/compression.h"
#include "sluice/parquet/file_reader.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/json_rows.h"
#include "sluice/parquet/parquet_test_util.h"
#include "sluice/parquet/schema_convert.h"

namespace sluice::parquet {
namespace {

__extension__ typedef __int128 Int128;
using Unit = decltype(DataType::unit);

Field F(std::string name, DataType type, bool nullable = true) {
  return Field{std::move(name), std::move(type), nullable};
}
DataType Of(TypeKind kind) { return DataType::Of(kind); }

// ---- Null patterns ----

enum class Nulls { kRequired, kNone, kAll, kAlternating, kTenPercent, kNinetyPercent };
constexpr int kNullPatterns = 6;

const char* NullsName(Nulls n) {
  switch (n) {
    case Nulls::kRequired: return "required";
    case Nulls::kNone: return "no nulls";
    case Nulls::kAll: return "all nulls";
    case Nulls::kAlternating: return "alternating";
    case Nulls::kTenPercent: return "10% nulls";
    case Nulls::kNinetyPercent: return "90% nulls";
  }
  return "?";
}

// ---- The schema: every leaf type, and nesting ----

std::vector<Field> LeafFields() {
  return {
      F("bool", Of(TypeKind::kBoolean)),
      F("i8", Of(TypeKind::kInt8)),
      F("i16", Of(TypeKind::kInt16)),
      F("i32", Of(TypeKind::kInt32)),
      F("i64", Of(TypeKind::kInt64)),
      F("u8", Of(TypeKind::kUInt8)),
      F("u16", Of(TypeKind::kUInt16)),
      F("u32", Of(TypeKind::kUInt32)),
      F("u64", Of(TypeKind::kUInt64)),
      F("f32", Of(TypeKind::kFloat)),
      F("f64", Of(TypeKind::kDouble)),
      F("dec4_2", DataType::Decimal(4, 2)),     // INT32
      F("dec18_4", DataType::Decimal(18, 4)),   // INT64
      F("dec20_0", DataType::Decimal(20, 0)),   // FIXED_LEN_BYTE_ARRAY(9)
      F("dec38_10", DataType::Decimal(38, 10)), // FIXED_LEN_BYTE_ARRAY(16)
      F("str", Of(TypeKind::kString)),
      F("json", Of(TypeKind::kJson)),
      F("enum", Of(TypeKind::kEnum)),
      F("bin", Of(TypeKind::kBinary)),
      F("fixed3", DataType::FixedBinary(3)),
      F("uuid", Of(TypeKind::kUuid)),
      F("date", Of(TypeKind::kDate)),
      F("time_ms", DataType::Time(Unit::kMillis, true)),
      F("time_us", DataType::Time(Unit::kMicros, false)),
      F("time_ns", DataType::Time(Unit::kNanos, true)),
      F("ts_ms", DataType::Timestamp(Unit::kMillis, false)),
      F("ts_us", DataType::Timestamp(Unit::kMicros, true)),
      F("ts_ns", DataType::Timestamp(Unit::kNanos, true)),
      F("ts_ns_local", DataType::Timestamp(Unit::kNanos, false)),
  };
}

Field Element(DataType type, bool nullable = true) { return F("element", std::move(type), nullable); }

std::vector<Field> NestedFields() {
  return {
      F("list_i32", DataType::List(Element(Of(TypeKind::kInt32)))),
      F("list_str", DataType::List(Element(Of(TypeKind::kString)))),
      F("list_list_i64", DataType::List(Element(DataType::List(Element(Of(TypeKind::kInt64)))))),
      F("struct", DataType::Struct({F("a", Of(TypeKind::kInt32)), F("b", Of(TypeKind::kString)),
                                    F("c", DataType::Decimal(38, 3))})),
      F("struct_struct", DataType::Struct({F("inner", DataType::Struct({F("d", Of(TypeKind::kDate)),
                                                                        F("u", Of(TypeKind::kUInt64))})),
                                           F("f", Of(TypeKind::kFloat))})),
      F("list_struct_list",
        DataType::List(Element(DataType::Struct(
            {F("x", Of(TypeKind::kDouble)), F("ys", DataType::List(Element(Of(TypeKind::kString)))),
             F("z", DataType::Struct({F("t", DataType::Timestamp(Unit::kMillis, true))}))})))),
  };
}

// Marks a field and everything below it required (a required column of that shape).
void MakeRequired(Field* f) {
  f->nullable = false;
  for (Field& c : f->type.children) MakeRequired(&c);
}

// The schema for round `round`: every field, with the null pattern of field i being
// (i + round) mod 6, so that over six rounds every type meets every pattern.
Schema MakeSchema(int round, std::vector<Nulls>* patterns) {
  Schema s;
  std::vector<Field> fields = LeafFields();
  for (Field& f : NestedFields()) fields.push_back(std::move(f));
  patterns->clear();
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto p = static_cast<Nulls>((i + static_cast<size_t>(round)) % kNullPatterns);
    if (p == Nulls::kRequired) MakeRequired(&fields[i]);
    patterns->push_back(p);
  }
  s.fields = std::move(fields);
  return s;
}

// ---- Random values ----

class ValueGenerator {
 public:
  explicit ValueGenerator(uint32_t seed) : rng_(seed) {}

  // A column of `n` values of `field`'s type with null pattern `nulls` at every level.
  ColumnVector Column(const Field& field, int64_t n, Nulls nulls) {
    ColumnVector c = ColumnVector::Make(field.type);
    for (int64_t i = 0; i < n; ++i) {
      if (field.nullable && IsNull(nulls, i)) {
        c.AppendNull();
      } else {
        AppendValue(&c, field, nulls);
      }
    }
    return c;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return *(values.begin() + Uniform(0, static_cast<int64_t>(values.size()) - 1));
  }

  bool IsNull(Nulls nulls, int64_t i) {
    switch (nulls) {
      case Nulls::kRequired:
      case Nulls::kNone: return false;
      case Nulls::kAll: return true;
      case Nulls::kAlternating: return i % 2 == 1;
      case Nulls::kTenPercent: return Chance(0.1);
      case Nulls::kNinetyPercent: return Chance(0.9);
    }
    return false;
  }

  void AppendValue(ColumnVector* c, const Field& field, Nulls nulls) {
    const DataType& t = field.type;
    switch (t.kind) {
      case TypeKind::kList: {
        const int64_t len = Chance(0.15) ? 0 : Uniform(1, 4);
        ColumnVector& child = c->children[0];
        const int64_t start = child.length;
        for (int64_t k = 0; k < len; ++k) {
          if (t.children[0].nullable && IsNull(nulls, start + k)) {
            child.AppendNull();
          } else {
            AppendValue(&child, t.children[0], nulls);
          }
        }
        if (!c->validity.empty()) c->validity.push_back(1);
        if (c->offsets.empty()) c->offsets.push_back(0);
        c->offsets.push_back(child.length);
        ++c->length;
        return;
      }
      case TypeKind::kStruct: {
        for (size_t k = 0; k < t.children.size(); ++k) {
          ColumnVector& child = c->children[k];
          if (t.children[k].nullable && IsNull(nulls, c->length)) {
            child.AppendNull();
          } else {
            AppendValue(&child, t.children[k], nulls);
          }
        }
        if (!c->validity.empty()) c->validity.push_back(1);
        ++c->length;
        return;
      }
      default:
        AppendLeaf(c, t);
    }
  }

  std::string RandomBytes(size_t n) {
    std::string s(n, '\0');
    for (char& ch : s) ch = static_cast<char>(Uniform(0, 255));
    return s;
  }

  std::string Text() {
    switch (Uniform(0, 7)) {
      case 0: return "";
      case 1: return Pick<std::string>({"h\xc3\xa9llo", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80 4-byte",
                                         "quote\"back\\slash", "tab\tnew\nline"});
      case 2: {  // long, sometimes past the 64-byte statistics truncation
        std::string s(static_cast<size_t>(Uniform(60, 3000)), 'x');
        for (char& ch : s) ch = static_cast<char>('a' + Uniform(0, 25));
        if (Chance(0.3)) s.back() = '\x7f';
        return s;
      }
      case 3:
      case 4: return "low" + std::to_string(Uniform(0, 5));  // low cardinality
      default: {
        std::string s(static_cast<size_t>(Uniform(1, 20)), ' ');
        for (char& ch : s) ch = static_cast<char>(Uniform(32, 126));
        return s;
      }
    }
  }

  // Big-endian 16-byte two's complement of v.
  static std::string BigEndian16(Int128 v) {
    std::string s(16, '\0');
    for (int i = 0; i < 16; ++i) s[15 - i] = static_cast<char>(static_cast<uint8_t>(v >> (8 * i)));
    return s;
  }
  Int128 WideDecimal(int precision) {
    Int128 limit = 1;
    for (int i = 0; i < precision; ++i) limit *= 10;
    limit -= 1;
    switch (Uniform(0, 5)) {
      case 0: return limit;
      case 1: return -limit;
      case 2: return Pick<int64_t>({0, -1, 1});
      case 3: return Uniform(INT64_MIN, INT64_MAX);
      default: {
        const Int128 hi = Uniform(INT64_MIN, INT64_MAX);
        const auto lo = static_cast<uint64_t>(Uniform(INT64_MIN, INT64_MAX));
        Int128 v = (hi * (Int128{1} << 64)) + lo;
        return v % (limit + 1);
      }
    }
  }

  void AppendLeaf(ColumnVector* c, const DataType& t) {
    constexpr int64_t kDayMillis = 86400000;
    switch (t.kind) {
      case TypeKind::kBoolean: return c->AppendBool(Chance(0.5));
      case TypeKind::kInt8: return c->AppendInt32(Chance(0.3) ? Pick<int32_t>({-128, 127, 0, -1}) : static_cast<int32_t>(Uniform(-128, 127)));
      case TypeKind::kInt16: return c->AppendInt32(Chance(0.3) ? Pick<int32_t>({-32768, 32767, 0}) : static_cast<int32_t>(Uniform(-32768, 32767)));
      case TypeKind::kInt32: return c->AppendInt32(Chance(0.3) ? Pick<int32_t>({INT32_MIN, INT32_MAX, 0, -1}) : static_cast<int32_t>(Uniform(INT32_MIN, INT32_MAX)));
      case TypeKind::kInt64: return c->AppendInt64(Chance(0.3) ? Pick<int64_t>({INT64_MIN, INT64_MAX, 0, -1, (int64_t{1} << 53) + 1}) : (Chance(0.5) ? Uniform(-1000, 1000) : Uniform(INT64_MIN, INT64_MAX)));
      case TypeKind::kUInt8: return c->AppendInt32(Chance(0.3) ? Pick<int32_t>({0, 255, 128}) : static_cast<int32_t>(Uniform(0, 255)));
      case TypeKind::kUInt16: return c->AppendInt32(Chance(0.3) ? Pick<int32_t>({0, 65535, 32768}) : static_cast<int32_t>(Uniform(0, 65535)));
      // Unsigned 32/64-bit values are their bit patterns: -1 is the maximum, MIN is 2^31/2^63.
      case TypeKind::kUInt32: return c->AppendInt32(Chance(0.4) ? Pick<int32_t>({0, -1, INT32_MIN, INT32_MAX, 1}) : static_cast<int32_t>(Uniform(INT32_MIN, INT32_MAX)));
      case TypeKind::kUInt64: return c->AppendInt64(Chance(0.4) ? Pick<int64_t>({0, -1, INT64_MIN, INT64_MAX, 1}) : Uniform(INT64_MIN, INT64_MAX));
      case TypeKind::kFloat: {
        using L = std::numeric_limits<float>;
        return c->AppendFloat(Chance(0.4) ? Pick<float>({L::quiet_NaN(), -L::quiet_NaN(), L::infinity(), -L::infinity(), -0.0f, 0.0f, L::max(), L::lowest(), L::denorm_min(), 0.1f})
                                          : static_cast<float>(Uniform(-1000000, 1000000)) / 64.0f);
      }
      case TypeKind::kDouble: {
        using L = std::numeric_limits<double>;
        return c->AppendDouble(Chance(0.4) ? Pick<double>({L::quiet_NaN(), L::infinity(), -L::infinity(), -0.0, 0.0, L::max(), L::lowest(), L::denorm_min(), 0.1})
                                           : static_cast<double>(Uniform(-1000000000, 1000000000)) / 1024.0);
      }
      case TypeKind::kDecimal: {
        if (t.precision <= 18) {
          int64_t limit = 1;
          for (int i = 0; i < t.precision; ++i) limit *= 10;
          limit -= 1;
          return c->AppendInt64(Chance(0.3) ? Pick<int64_t>({limit, -limit, 0}) : Uniform(-limit, limit));
        }
        return c->AppendBytes(BigEndian16(WideDecimal(t.precision)));
      }
      case TypeKind::kString: return c->AppendBytes(Text());
      case TypeKind::kJson: return c->AppendBytes("{\"k\": " + std::to_string(Uniform(-5, 5)) + "}");
      case TypeKind::kEnum: return c->AppendBytes(Pick<std::string>({"RED", "GREEN", "BLUE", ""}));
      case TypeKind::kBinary: return c->AppendBytes(Chance(0.2) ? std::string() : RandomBytes(static_cast<size_t>(Uniform(1, 12))));
      case TypeKind::kFixedBinary: return c->AppendBytes(Chance(0.3) ? std::string(3, '\xff') : RandomBytes(3));
      case TypeKind::kUuid: return c->AppendBytes(Chance(0.3) ? Pick<std::string>({std::string(16, '\0'), std::string(16, '\xff'), std::string("\x80") + std::string(15, '\0')}) : RandomBytes(16));
      // 0001-01-01 .. 9999-12-31
      case TypeKind::kDate: return c->AppendInt32(Chance(0.2) ? Pick<int32_t>({-719162, 2932896, 0, -1}) : static_cast<int32_t>(Uniform(-719162, 2932896)));
      case TypeKind::kTime: {
        const int64_t per_ms = t.unit == Unit::kMillis ? 1 : t.unit == Unit::kMicros ? 1000 : 1000000;
        const int64_t v = Chance(0.2) ? Pick<int64_t>({0, kDayMillis * per_ms - 1}) : Uniform(0, kDayMillis * per_ms - 1);
        return c->AppendInt64(v);  // every unit is ints64 in a ColumnVector
      }
      case TypeKind::kTimestamp: {
        // Years 0001..9999 in ms and us; ns covers 1677..2262, the whole int64.
        const int64_t ms_min = -62135596800000, ms_max = 253402300799999;
        if (t.unit == Unit::kNanos) {
          return c->AppendInt64(Chance(0.2) ? Pick<int64_t>({INT64_MIN, INT64_MAX, -1, 0}) : Uniform(INT64_MIN, INT64_MAX));
        }
        const int64_t scale = t.unit == Unit::kMillis ? 1 : 1000;
        return c->AppendInt64(Chance(0.2) ? Pick<int64_t>({ms_min * scale, ms_max * scale + scale - 1, -1, 0}) : Uniform(ms_min * scale, ms_max * scale));
      }
      case TypeKind::kList:
      case TypeKind::kStruct: break;
    }
    ADD_FAILURE() << "not a leaf: " << t.ToString();
  }

  std::mt19937 rng_;
};

// ---- A precise comparator ----

std::string Show(const ColumnVector& c, int64_t row) {
  return common::SerializeJson(ValueToJson(c, row));
}

// 'b'ool, 'i'nteger (ints32/ints64, decimals unscaled), 'f'loat or 's'tring/bytes values.
char StorageOfKind(const DataType& t) {
  switch (t.kind) {
    case TypeKind::kBoolean: return 'b';
    case TypeKind::kFloat: case TypeKind::kDouble: return 'f';
    case TypeKind::kString: case TypeKind::kJson: case TypeKind::kEnum: case TypeKind::kBinary:
    case TypeKind::kFixedBinary: case TypeKind::kUuid: return 's';
    case TypeKind::kDecimal: return t.precision <= 18 ? 'i' : 's';
    case TypeKind::kList: case TypeKind::kStruct: return '?';
    default: return 'i';
  }
}

template <typename T>
bool SameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// "" when row `ra` of `a` equals row `rb` of `b` exactly (floats bit for bit, so NaN
// equals a NaN of the same payload and -0.0 differs from 0.0); else what differs, at `path`.
std::string Diff(const ColumnVector& a, int64_t ra, const ColumnVector& b, int64_t rb,
                 const std::string& path) {
  const auto mismatch = [&](const std::string& what) {
    return path + ": " + what + ": written " + Show(a, ra) + ", read " + Show(b, rb);
  };
  if (a.IsNull(ra) != b.IsNull(rb)) return mismatch("null differs");
  if (a.IsNull(ra)) return "";
  const auto i = static_cast<size_t>(ra), j = static_cast<size_t>(rb);
  switch (a.type.kind) {
    case TypeKind::kBoolean:
      return (a.bools[i] != 0) == (b.bools[j] != 0) ? "" : mismatch("value");
    case TypeKind::kFloat:
      return SameBits(a.floats[i], b.floats[j]) ? "" : mismatch("float bits");
    case TypeKind::kDouble:
      return SameBits(a.doubles[i], b.doubles[j]) ? "" : mismatch("double bits");
    case TypeKind::kList: {
      const int64_t na = a.offsets[i + 1] - a.offsets[i], nb = b.offsets[j + 1] - b.offsets[j];
      if (na != nb) return mismatch("list length " + std::to_string(na) + " vs " + std::to_string(nb));
      for (int64_t k = 0; k < na; ++k) {
        std::string d = Diff(a.children[0], a.offsets[i] + k, b.children[0], b.offsets[j] + k,
                             path + "[" + std::to_string(k) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case TypeKind::kStruct:
      for (size_t k = 0; k < a.children.size(); ++k) {
        std::string d = Diff(a.children[k], ra, b.children[k], rb, path + "." + a.type.children[k].name);
        if (!d.empty()) return d;
      }
      return "";
    default:
      break;
  }
  if (!a.ints32.empty() || !b.ints32.empty()) return a.ints32[i] == b.ints32[j] ? "" : mismatch("value");
  if (!a.ints64.empty() || !b.ints64.empty()) return a.ints64[i] == b.ints64[j] ? "" : mismatch("value");
  return a.BytesAt(ra) == b.BytesAt(rb) ? "" : mismatch("bytes");
}

// Row `row` of the concatenation of `batches`: (batch, row within it).
std::pair<const RecordBatch*, int64_t> Locate(const std::vector<RecordBatch>& batches, int64_t row) {
  for (const RecordBatch& b : batches) {
    if (row < b.num_rows) return {&b, row};
    row -= b.num_rows;
  }
  return {nullptr, 0};
}

// Compares `read` with rows [first_row, first_row + read.num_rows) of the written batches;
// adds a failure naming row, column and both values for the first mismatch of each column.
void ExpectRowsEqual(const std::vector<RecordBatch>& written, int64_t first_row,
                     const RecordBatch& read, const std::string& where) {
  ASSERT_TRUE(read.Validate().ok()) << where << ": " << read.Validate();
  ASSERT_FALSE(written.empty());
  ASSERT_EQ(read.schema, written[0].schema) << where;
  for (size_t col = 0; col < read.columns.size(); ++col) {
    for (int64_t r = 0; r < read.num_rows; ++r) {
      auto [batch, wr] = Locate(written, first_row + r);
      ASSERT_NE(batch, nullptr) << where << ": more rows read than written";
      const std::string d = Diff(batch->columns[col], wr, read.columns[col], r,
                                 read.schema.fields[col].name);
      if (!d.empty()) {
        ADD_FAILURE() << where << ": row " << first_row + r << ", column " << d;
        break;
      }
    }
  }
}

// ---- Statistics computed from the data ----

// The Parquet physical value of row `i` of a flat column as plain-encoded bytes, and the
// order statistics use for it. nullopt for NaN (no part in min/max).
enum class Order { kSigned, kUnsigned, kFloat, kBytes };

Order OrderFor(const DataType& t) {
  switch (t.kind) {
    case TypeKind::kUInt8: case TypeKind::kUInt16: case TypeKind::kUInt32: case TypeKind::kUInt64:
      return Order::kUnsigned;
    case TypeKind::kFloat: case TypeKind::kDouble: return Order::kFloat;
    case TypeKind::kString: case TypeKind::kJson: case TypeKind::kEnum: case TypeKind::kBinary:
    case TypeKind::kFixedBinary: case TypeKind::kUuid:
      return Order::kBytes;
    default: return Order::kSigned;
  }
}

// A comparable key: signed/unsigned ints as Int128, floats as double, bytes as the string;
// FLBA decimals as their value.
struct Key {
  Int128 integer = 0;
  double real = 0;
  std::string bytes;
};

Int128 BigEndianValue(std::string_view b) {
  Int128 v = static_cast<int8_t>(b[0]) < 0 ? -1 : 0;
  for (char ch : b) v = (v * 256) + static_cast<uint8_t>(ch);  // two's complement accumulate
  return v;
}

std::optional<Key> KeyOf(const ColumnVector& c, int64_t i) {
  const auto k = static_cast<size_t>(i);
  Key key;
  switch (c.type.kind) {
    case TypeKind::kBoolean: key.integer = c.bools[k]; return key;
    case TypeKind::kFloat:
      if (std::isnan(c.floats[k])) return std::nullopt;
      key.real = c.floats[k];
      return key;
    case TypeKind::kDouble:
      if (std::isnan(c.doubles[k])) return std::nullopt;
      key.real = c.doubles[k];
      return key;
    case TypeKind::kUInt32: key.integer = static_cast<uint32_t>(c.ints32[k]); return key;
    case TypeKind::kUInt64: key.integer = static_cast<uint64_t>(c.ints64[k]); return key;
    case TypeKind::kDecimal:
      if (c.type.precision > 18) { key.integer = BigEndianValue(c.BytesAt(i)); return key; }
      key.integer = c.ints64[k];
      return key;
    default: break;
  }
  switch (OrderFor(c.type)) {
    case Order::kBytes: key.bytes = std::string(c.BytesAt(i)); return key;
    default: break;
  }
  key.integer = c.ints32.empty() ? Int128{c.ints64[k]} : Int128{c.ints32[k]};
  return key;
}

bool Less(const Key& a, const Key& b, Order order) {
  switch (order) {
    case Order::kFloat: return a.real < b.real;
    case Order::kBytes: return a.bytes < b.bytes;  // std::string compares as unsigned char
    default: return a.integer < b.integer;
  }
}

// The statistics value bytes the writer gives `key` (plain encoding of the physical value).
std::string Encode(const Key& key, const DataType& t, bool is_min) {
  const auto le = [](auto v) {
    std::string s(sizeof(v), '\0');
    std::memcpy(s.data(), &v, sizeof(v));
    return s;
  };
  switch (t.kind) {
    case TypeKind::kBoolean: return std::string(1, static_cast<char>(key.integer));
    case TypeKind::kFloat: {
      float f = static_cast<float>(key.real);
      if (f == 0.0f) f = is_min ? -0.0f : 0.0f;
      return le(f);
    }
    case TypeKind::kDouble: {
      double d = key.real;
      if (d == 0.0) d = is_min ? -0.0 : 0.0;
      return le(d);
    }
    case TypeKind::kInt64: case TypeKind::kUInt64: case TypeKind::kTimestamp:
      return le(static_cast<int64_t>(key.integer));
    case TypeKind::kTime:
      return t.unit == Unit::kMillis ? le(static_cast<int32_t>(key.integer)) : le(static_cast<int64_t>(key.integer));
    case TypeKind::kDecimal: {
      if (t.precision <= 9) return le(static_cast<int32_t>(key.integer));
      if (t.precision <= 18) return le(static_cast<int64_t>(key.integer));
      const int n = DecimalByteLength(t.precision);
      std::string s(static_cast<size_t>(n), '\0');
      for (int b = 0; b < n; ++b) s[static_cast<size_t>(n - 1 - b)] = static_cast<char>(static_cast<uint8_t>(key.integer >> (8 * b)));
      return s;
    }
    case TypeKind::kString: case TypeKind::kJson: case TypeKind::kEnum: case TypeKind::kBinary:
    case TypeKind::kFixedBinary: case TypeKind::kUuid:
      return key.bytes;
    default: return le(static_cast<int32_t>(key.integer));
  }
}

// Checks each flat column's chunk statistics in every row group of `md` against the data.
void ExpectStatisticsMatchData(const std::vector<RecordBatch>& written, const FileMetaData& md,
                               const std::string& where) {
  const Schema& schema = written[0].schema;
  // Leaf index of each top-level field (flat fields have one leaf).
  std::vector<int> leaf_of;
  int leaf = 0;
  const std::function<int(const DataType&)> leaves = [&](const DataType& t) {
    if (t.kind != TypeKind::kList && t.kind != TypeKind::kStruct) return 1;
    int n = 0;
    for (const Field& c : t.children) n += leaves(c.type);
    return n;
  };
  for (const Field& f : schema.fields) {
    leaf_of.push_back(leaf);
    leaf += leaves(f.type);
  }
  int64_t first = 0;
  for (size_t g = 0; g < md.row_groups.size(); ++g) {
    const RowGroup& rg = md.row_groups[g];
    for (size_t col = 0; col < schema.fields.size(); ++col) {
      const DataType& t = schema.fields[col].type;
      if (t.kind == TypeKind::kList || t.kind == TypeKind::kStruct) continue;
      const Order order = OrderFor(t);
      int64_t nulls = 0;
      std::optional<Key> lo, hi;
      for (int64_t r = first; r < first + rg.num_rows; ++r) {
        auto [batch, wr] = Locate(written, r);
        const ColumnVector& c = batch->columns[col];
        if (c.IsNull(wr)) { ++nulls; continue; }
        std::optional<Key> k = KeyOf(c, wr);
        if (!k) continue;
        if (!lo || Less(*k, *lo, order)) lo = k;
        if (!hi || Less(*hi, *k, order)) hi = k;
      }
      const std::string at = where + ": row group " + std::to_string(g) + ", column " +
                             schema.fields[col].name + " (" + t.ToString() + ")";
      const ColumnChunk& chunk = rg.columns[static_cast<size_t>(leaf_of[col])];
      ASSERT_TRUE(chunk.meta_data.has_value()) << at;
      ASSERT_TRUE(chunk.meta_data->statistics.has_value()) << at;
      const Statistics& st = *chunk.meta_data->statistics;
      EXPECT_EQ(st.null_count, nulls) << at;
      if (!lo) {
        EXPECT_FALSE(st.min_value.has_value()) << at;
        EXPECT_FALSE(st.max_value.has_value()) << at;
        continue;
      }
      const std::string want_min = Encode(*lo, t, true), want_max = Encode(*hi, t, false);
      ASSERT_TRUE(st.min_value.has_value()) << at;
      if (st.is_min_value_exact.value_or(true)) {
        EXPECT_EQ(*st.min_value, want_min) << at;
      } else {  // a truncated minimum is a prefix of the true one
        EXPECT_LT(st.min_value->size(), want_min.size()) << at;
        EXPECT_EQ(want_min.substr(0, st.min_value->size()), *st.min_value) << at;
      }
      if (!st.max_value.has_value()) {  // only for a long all-0xff maximum
        EXPECT_FALSE(st.is_max_value_exact.value_or(false)) << at;
        continue;
      }
      if (st.is_max_value_exact.value_or(true)) {
        EXPECT_EQ(*st.max_value, want_max) << at;
      } else {  // a truncated maximum is still an upper bound, and shorter
        EXPECT_LT(st.max_value->size(), want_max.size()) << at;
        EXPECT_GT(*st.max_value, want_max) << at;
      }
    }
    first += rg.num_rows;
  }
}

// ---- Writing and reading ----

struct Config {
  CompressionCodec codec;
  bool v2;
  bool dictionary;
  bool delta;
  bool tiny_dictionary_limit;

  std::string Name() const {
    std::ostringstream s;
    s << CompressionCodecName(codec) << (v2 ? " v2" : " v1") << (dictionary ? " dict" : " nodict")
      << (delta ? " delta" : " nodelta") << (tiny_dictionary_limit ? " dictlimit=64" : "");
    return s.str();
  }
  WriterOptions Options() const {
    WriterOptions o;
    o.codec = codec;
    o.data_page_v2 = v2;
    o.dictionary = dictionary;
    o.delta_integers = delta;
    o.page_rows = 23;          // many pages per chunk
    o.page_bytes = 700;        // and pages cut by bytes
    o.row_group_rows = 97;     // several row groups, cut inside batches
    o.row_group_bytes = 1 << 20;
    if (tiny_dictionary_limit) o.dictionary_page_limit = 64;  // fall back to PLAIN mid-chunk
    return o;
  }
};

std::vector<Config> AllConfigs() {
  std::vector<Config> out;
  for (CompressionCodec codec : {CompressionCodec::kUncompressed, CompressionCodec::kSnappy,
                                 CompressionCodec::kGzip, CompressionCodec::kZstd}) {
    for (bool v2 : {false, true}) {
      for (bool dictionary : {false, true}) {
        for (bool delta : {false, true}) out.push_back({codec, v2, dictionary, delta, false});
      }
      out.push_back({codec, v2, true, true, true});
    }
  }
  return out;
}

// Random batches of a few sizes (one empty) summing to about `rows`.
std::vector<RecordBatch> MakeBatches(const Schema& schema, const std::vector<Nulls>& patterns,
                                     uint32_t seed, int64_t rows) {
  ValueGenerator gen(seed);
  std::vector<RecordBatch> batches;
  for (int64_t n : {rows / 3, int64_t{0}, rows / 2, rows - rows / 3 - rows / 2}) {
    RecordBatch b = RecordBatch::Make(schema);
    for (size_t c = 0; c < schema.fields.size(); ++c) b.columns[c] = gen.Column(schema.fields[c], n, patterns[c]);
    b.num_rows = n;
    EXPECT_TRUE(b.Validate().ok()) << b.Validate();
    batches.push_back(std::move(b));
  }
  return batches;
}

void ExpectReadsBack(const std::string& data, const std::vector<RecordBatch>& written,
                     int64_t batch_rows, const std::string& where) {
  int64_t total = 0;
  for (const RecordBatch& b : written) total += b.num_rows;
  auto reader = FileReader::Open(std::make_unique<StringSource>(data), "round_trip.parquet");
  ASSERT_TRUE(reader.ok()) << where << ": " << reader.status();
  EXPECT_EQ((*reader)->schema(), written[0].schema) << where;
  EXPECT_EQ((*reader)->num_rows(), total) << where;

  ReadOptions options;
  options.batch_rows = batch_rows;
  auto it = (*reader)->Scan(options);
  ASSERT_TRUE(it.ok()) << where << ": " << it.status();
  int64_t row = 0;
  while (true) {
    auto batch = (*it)->Next();
    ASSERT_TRUE(batch.ok()) << where << ": " << batch.status();
    if (!batch->has_value()) break;
    EXPECT_LE((*batch)->num_rows, batch_rows) << where;
    ExpectRowsEqual(written, row, **batch, where + ", Scan at row " + std::to_string(row));
    if (::testing::Test::HasFatalFailure()) return;
    row += (*batch)->num_rows;
  }
  EXPECT_EQ(row, total) << where << ": Scan";

  row = 0;
  for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
    auto batch = (*reader)->ReadRowGroup(g, {});
    ASSERT_TRUE(batch.ok()) << where << ": " << batch.status();
    EXPECT_EQ(batch->num_rows, (*reader)->metadata().row_groups[static_cast<size_t>(g)].num_rows);
    ExpectRowsEqual(written, row, *batch, where + ", ReadRowGroup " + std::to_string(g));
    if (::testing::Test::HasFatalFailure()) return;
    row += batch->num_rows;
  }
  EXPECT_EQ(row, total) << where << ": ReadRowGroup";
  ExpectStatisticsMatchData(written, (*reader)->metadata(), where);
}

// ---- Tests ----

// What the written files exercised, from their footers.
struct Coverage {
  int64_t min_row_groups = INT64_MAX;
  int64_t max_data_pages_per_chunk = 0;
  bool dictionary_then_plain = false;
  std::set<Encoding> encodings;
  std::set<PageType> page_types;
};

void RecordCoverage(const std::string& data, const Config& config, Coverage* coverage) {
  auto reader = FileReader::Open(std::make_unique<StringSource>(data), "coverage.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status();
  const FileMetaData& md = (*reader)->metadata();
  coverage->min_row_groups = std::min<int64_t>(coverage->min_row_groups, static_cast<int64_t>(md.row_groups.size()));
  for (const RowGroup& g : md.row_groups) {
    for (const ColumnChunk& c : g.columns) {
      ASSERT_TRUE(c.meta_data && c.meta_data->encoding_stats) << config.Name();
      int64_t data_pages = 0;
      bool dictionary_data = false, plain_data = false;
      for (const PageEncodingStats& s : *c.meta_data->encoding_stats) {
        coverage->page_types.insert(s.page_type);
        if (s.page_type == PageType::kDictionaryPage) continue;
        coverage->encodings.insert(s.encoding);
        data_pages += s.count;
        dictionary_data |= s.encoding == Encoding::kRleDictionary;
        plain_data |= s.encoding == Encoding::kPlain;
      }
      coverage->max_data_pages_per_chunk = std::max(coverage->max_data_pages_per_chunk, data_pages);
      coverage->dictionary_then_plain |= dictionary_data && plain_data;
    }
  }
}

TEST(RoundTrip, EveryTypeNullPatternEncodingAndCodecReadsBackBitForBit) {
  const std::vector<Config> configs = AllConfigs();
  Coverage coverage;
  for (size_t k = 0; k < configs.size(); ++k) {
    const int round = static_cast<int>(k % kNullPatterns);
    std::vector<Nulls> patterns;
    const Schema schema = MakeSchema(round, &patterns);
    const std::vector<RecordBatch> batches = MakeBatches(schema, patterns, 1000u + static_cast<uint32_t>(k), 260);
    const std::string where = configs[k].Name() + ", null round " + std::to_string(round) + " (" +
                              schema.fields[0].name + ": " + NullsName(patterns[0]) + ", ...)";
    const std::string data = test::WriteFile(schema, batches, configs[k].Options());
    ExpectReadsBack(data, batches, k % 2 == 0 ? 37 : 7, where);
    if (::testing::Test::HasFatalFailure()) return;
    RecordCoverage(data, configs[k], &coverage);
  }
  // The options did what they are for: the test would not notice if they did nothing.
  EXPECT_GE(coverage.min_row_groups, 3);
  EXPECT_GE(coverage.max_data_pages_per_chunk, 5);
  EXPECT_TRUE(coverage.dictionary_then_plain) << "no chunk fell back from dictionary to PLAIN";
  for (Encoding e : {Encoding::kPlain, Encoding::kRleDictionary, Encoding::kDeltaBinaryPacked,
                     Encoding::kRle}) {
    EXPECT_TRUE(coverage.encodings.count(e)) << "no page used encoding " << static_cast<int>(e);
  }
  for (PageType p : {PageType::kDataPage, PageType::kDataPageV2, PageType::kDictionaryPage}) {
    EXPECT_TRUE(coverage.page_types.count(p)) << "no page of type " << static_cast<int>(p);
  }
}

TEST(RoundTrip, DefaultOptionsWriteOneRowGroupThatReadsBack) {
  std::vector<Nulls> patterns;
  const Schema schema = MakeSchema(4, &patterns);
  const std::vector<RecordBatch> batches = MakeBatches(schema, patterns, 7, 500);
  const std::string data = test::WriteFile(schema, batches, WriterOptions{});
  ExpectReadsBack(data, batches, 501, "default options");
}

TEST(RoundTrip, ComparatorReportsRowColumnAndBothValues) {
  // The comparator must be able to fail: -0.0 vs 0.0 and NaN payloads differ bit-wise.
  ColumnVector a = ColumnVector::Make(Of(TypeKind::kDouble));
  ColumnVector b = ColumnVector::Make(Of(TypeKind::kDouble));
  a.AppendDouble(-0.0);
  b.AppendDouble(0.0);
  EXPECT_EQ(Diff(a, 0, b, 0, "d"), "d: double bits: written \"-0\", read 0.0");
  a.AppendDouble(std::nan(""));
  b.AppendDouble(std::nan(""));
  EXPECT_EQ(Diff(a, 1, b, 1, "d"), "");
  ColumnVector l = ColumnVector::Make(DataType::List(Element(Of(TypeKind::kInt32))));
  ColumnVector m = l;
  l.children[0].AppendInt32(1);
  l.offsets = {0, 1};
  l.length = 1;
  m.children[0].AppendNull();
  m.offsets = {0, 1};
  m.length = 1;
  EXPECT_EQ(Diff(l, 0, m, 0, "l"), "l[0]: null differs: written 1, read null");
}

// hyparquet, an independent reader, reads what sluice writes under the main option sets.
TEST(RoundTrip, HyparquetReadsSluiceFilesOfEveryType) {
  if (!test::IndependentReaderAvailable(test::IndependentReader::kHyparquet)) {
    GTEST_SKIP() << "node or tools/node_modules/hyparquet missing";
  }
  const Config configs[] = {{CompressionCodec::kZstd, false, true, true, false},
                            {CompressionCodec::kSnappy, true, false, true, false},
                            {CompressionCodec::kGzip, true, true, false, true}};
  int round = 0;
  for (const Config& config : configs) {
    std::vector<Nulls> patterns;
    const Schema schema = MakeSchema(round, &patterns);
    const std::vector<RecordBatch> batches =
        MakeBatches(schema, patterns, 77u + static_cast<uint32_t>(round), 300);
    const std::string data = test::WriteFile(schema, batches, config.Options());
    EXPECT_EQ(test::CompareWithIndependentReader(test::IndependentReader::kHyparquet,
                                                 "round_trip_" + std::to_string(round), data, batches),
              "")
        << config.Name();
    round += 2;
  }
}

// ---- Pruning: statistics and the page index never drop a matching row ----

// Columns sorted by row (with 10% nulls), so that row group and page statistics do prune;
// the unsigned ones cross 2^31 / 2^63 where signed and unsigned order disagree.
void AddSortedColumns(std::vector<RecordBatch>* batches, uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<Field> fields = {
      F("row", Of(TypeKind::kInt64), false), F("s_i64", Of(TypeKind::kInt64)),
      F("s_u32", Of(TypeKind::kUInt32)),     F("s_u64", Of(TypeKind::kUInt64)),
      F("s_f64", Of(TypeKind::kDouble)),     F("s_str", Of(TypeKind::kString)),
      F("s_dec", DataType::Decimal(18, 4)),  F("s_ts", DataType::Timestamp(Unit::kMicros, true))};
  int64_t row = 0;
  for (RecordBatch& b : *batches) {
    std::vector<ColumnVector> columns;
    for (const Field& f : fields) columns.push_back(ColumnVector::Make(f.type));
    for (int64_t r = 0; r < b.num_rows; ++r, ++row) {
      columns[0].AppendInt64(row);
      for (size_t c = 1; c < fields.size(); ++c) {
        if (rng() % 10 == 0) {
          columns[c].AppendNull();
          continue;
        }
        switch (c) {
          case 1: columns[c].AppendInt64(row * 3 - 500); break;
          case 2: columns[c].AppendInt32(static_cast<int32_t>(uint32_t{0x7fffff00} + static_cast<uint32_t>(row))); break;
          case 3: columns[c].AppendInt64(static_cast<int64_t>(uint64_t{0x7fffffffffffff00} + static_cast<uint64_t>(row) * 3)); break;
          case 4: columns[c].AppendDouble(rng() % 17 == 0 ? std::nan("") : static_cast<double>(row) / 4 - 30); break;
          case 5: {
            char buf[16];
            std::snprintf(buf, sizeof buf, "k%05d", static_cast<int>(row));
            columns[c].AppendBytes(buf);
            break;
          }
          case 6: columns[c].AppendInt64(row * 10007 - 1000000); break;
          default: columns[c].AppendInt64(row * 3600000000 - 86400000000); break;
        }
      }
    }
    for (size_t c = 0; c < fields.size(); ++c) {
      b.schema.fields.insert(b.schema.fields.begin() + static_cast<std::ptrdiff_t>(c), fields[c]);
      b.columns.insert(b.columns.begin() + static_cast<std::ptrdiff_t>(c), std::move(columns[c]));
    }
    EXPECT_TRUE(b.Validate().ok()) << b.Validate();
  }
}

// The value of `column` (a top-level name or "struct.field") at a row, for exact evaluation.
struct Cell {
  const ColumnVector* column = nullptr;
  int64_t row = 0;
  bool null = true;
};

Cell CellAt(const RecordBatch& b, const std::string& column, int64_t row) {
  const size_t dot = column.find('.');
  const int top = b.schema.IndexOf(column.substr(0, dot));
  const ColumnVector* c = &b.columns[static_cast<size_t>(top)];
  bool null = c->IsNull(row);
  if (dot != std::string::npos) {
    const DataType& t = b.schema.fields[static_cast<size_t>(top)].type;
    for (size_t k = 0; k < t.children.size(); ++k) {
      if (t.children[k].name == column.substr(dot + 1)) c = &c->children[k];
    }
    null = null || c->IsNull(row);
  }
  return {c, row, null};
}

// -1/0/1 comparing the cell with the literal, nullopt when incomparable (or NaN).
std::optional<int> Compare(const Cell& cell, const Literal& lit) {
  const ColumnVector& c = *cell.column;
  const auto i = static_cast<size_t>(cell.row);
  const auto sign = [](auto a, auto b) { return a < b ? -1 : b < a ? 1 : 0; };
  switch (StorageOfKind(c.type)) {
    case 'b':
      if (const bool* v = std::get_if<bool>(&lit)) return sign(c.bools[i] != 0, *v);
      return std::nullopt;
    case 'i': {
      Int128 v = 0;
      if (c.type.kind == TypeKind::kUInt32) v = static_cast<uint32_t>(c.ints32[i]);
      else if (c.type.kind == TypeKind::kUInt64) v = static_cast<uint64_t>(c.ints64[i]);
      else v = c.ints32.empty() ? Int128{c.ints64[i]} : Int128{c.ints32[i]};
      if (const int64_t* l = std::get_if<int64_t>(&lit)) return sign(v, Int128{*l});
      if (const double* l = std::get_if<double>(&lit)) {
        if (std::isnan(*l) || c.type.kind == TypeKind::kDecimal) return std::nullopt;
        return sign(static_cast<long double>(v), static_cast<long double>(*l));
      }
      return std::nullopt;
    }
    case 'f': {
      const double v = c.floats.empty() ? c.doubles[i] : c.floats[i];
      const double* l = std::get_if<double>(&lit);
      if (l == nullptr || std::isnan(v) || std::isnan(*l)) return std::nullopt;
      return sign(v, *l);
    }
    case 's':
      if (const std::string* l = std::get_if<std::string>(&lit)) {
        const int r = c.BytesAt(cell.row).compare(*l);
        return r < 0 ? -1 : r > 0 ? 1 : 0;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

bool Matches(const Predicate& p, const Cell& cell) {
  if (p.op == PredicateOp::kIsNull) return cell.null;
  if (p.op == PredicateOp::kIsNotNull) return !cell.null;
  if (cell.null) return false;
  const auto cmp = [&](size_t k) { return Compare(cell, p.values[k]); };
  std::optional<int> c;
  switch (p.op) {
    case PredicateOp::kEq: return (c = cmp(0)) && *c == 0;
    case PredicateOp::kLt: return (c = cmp(0)) && *c < 0;
    case PredicateOp::kLe: return (c = cmp(0)) && *c <= 0;
    case PredicateOp::kGt: return (c = cmp(0)) && *c > 0;
    case PredicateOp::kGe: return (c = cmp(0)) && *c >= 0;
    case PredicateOp::kBetween: {
      const auto lo = cmp(0), hi = cmp(1);
      return lo && hi && *lo >= 0 && *hi <= 0;
    }
    case PredicateOp::kIn:
      for (size_t k = 0; k < p.values.size(); ++k) {
        if ((c = cmp(k)) && *c == 0) return true;
      }
      return false;
    default: return false;
  }
}

// A literal for the cell's value (the literal type the column compares with).
Literal LiteralOf(const Cell& cell) {
  const ColumnVector& c = *cell.column;
  const auto i = static_cast<size_t>(cell.row);
  switch (StorageOfKind(c.type)) {
    case 'b': return c.bools[i] != 0;
    case 'i': return c.ints32.empty() ? c.ints64[i] : int64_t{c.ints32[i]};
    case 'f': return c.floats.empty() ? c.doubles[i] : double{c.floats[i]};
    default: return std::string(c.BytesAt(cell.row));
  }
}

TEST(RoundTrip, PruningByStatisticsAndPageIndexNeverDropsAMatchingRow) {
  const char* columns[] = {"row",   "s_i64", "s_u32", "s_u64", "s_f64", "s_str", "s_dec",
                           "s_ts",  "i32",   "u32",   "u64",   "f32",   "f64",   "str",
                           "bool",  "date",  "dec4_2", "struct.a"};
  std::mt19937 rng(4242);
  for (int round = 0; round < 4; ++round) {
    std::vector<Nulls> patterns;
    const Schema base = MakeSchema(round + 1, &patterns);
    std::vector<RecordBatch> batches = MakeBatches(base, patterns, 900u + static_cast<uint32_t>(round), 400);
    AddSortedColumns(&batches, 31u + static_cast<uint32_t>(round));
    const Schema& schema = batches[0].schema;
    int64_t total = 0;
    for (const RecordBatch& b : batches) total += b.num_rows;
    Config config{round % 2 ? CompressionCodec::kSnappy : CompressionCodec::kUncompressed,
                  round >= 2, round != 1, true, false};
    const std::string data = test::WriteFile(schema, batches, config.Options());
    auto reader = FileReader::Open(std::make_unique<StringSource>(data), "prune.parquet");
    ASSERT_TRUE(reader.ok()) << reader.status();
    int64_t pruned_rows = 0;
    for (int q = 0; q < 50; ++q) {
      const std::string column = columns[rng() % std::size(columns)];
      const auto at = [&]() {
        auto [b, r] = Locate(batches, static_cast<int64_t>(rng() % static_cast<uint32_t>(total)));
        return CellAt(*b, column, r);
      };
      // Literals from the data, so predicates select something.
      Cell a = at(), b = at();
      for (int tries = 0; tries < 20 && (a.null || b.null); ++tries) {
        if (a.null) a = at();
        if (b.null) b = at();
      }
      if (a.null || b.null) continue;
      const Literal la = LiteralOf(a), lb = LiteralOf(b);
      Predicate p;
      switch (rng() % 9) {
        case 0: p = Predicate::Eq(column, la); break;
        case 1: p = Predicate::Lt(column, la); break;
        case 2: p = Predicate::Le(column, la); break;
        case 3: p = Predicate::Gt(column, la); break;
        case 4: p = Predicate::Ge(column, la); break;
        case 5: p = Predicate::Between(column, la, lb); break;
        case 6: p = Predicate::In(column, {la, lb}); break;
        case 7: p = Predicate::IsNull(column); break;
        default: p = Predicate::IsNotNull(column); break;
      }
      // Integer columns also meet double literals.
      if (std::holds_alternative<int64_t>(la) && rng() % 3 == 0 && p.op == PredicateOp::kGe) {
        p = Predicate::Ge(column, static_cast<double>(std::get<int64_t>(la)) - 0.5);
      }
      const std::string where = "round " + std::to_string(round) + ", " + config.Name() + ", " + p.ToString();
      ReadOptions options;
      options.predicates = {p};
      options.batch_rows = 41;
      // Projection: the row id and the predicate's column (comparing every column of every
      // returned row would dominate the test's time).
      const std::string top = column.substr(0, column.find('.'));
      options.columns = {"row"};
      if (top != "row") options.columns.push_back(top);
      auto it = (*reader)->Scan(options);
      ASSERT_TRUE(it.ok()) << where << ": " << it.status();
      std::vector<bool> returned(static_cast<size_t>(total), false);
      int64_t count = 0;
      while (true) {
        auto batch = (*it)->Next();
        ASSERT_TRUE(batch.ok()) << where << ": " << batch.status();
        if (!batch->has_value()) break;
        const RecordBatch& got = **batch;
        for (int64_t r = 0; r < got.num_rows; ++r) {
          const int64_t id = got.columns[0].ints64[static_cast<size_t>(r)];
          ASSERT_TRUE(id >= 0 && id < total) << where;
          ASSERT_FALSE(returned[static_cast<size_t>(id)]) << where << ": row " << id << " twice";
          returned[static_cast<size_t>(id)] = true;
          ++count;
          auto [wb, wr] = Locate(batches, id);
          for (size_t col = 0; col < got.columns.size(); ++col) {
            const auto written_col = static_cast<size_t>(schema.IndexOf(got.schema.fields[col].name));
            const std::string d = Diff(wb->columns[written_col], wr, got.columns[col], r, got.schema.fields[col].name);
            ASSERT_TRUE(d.empty()) << where << ": row " << id << ", column " << d;
          }
        }
      }
      pruned_rows += total - count;
      for (int64_t id = 0; id < total; ++id) {
        auto [wb, wr] = Locate(batches, id);
        if (Matches(p, CellAt(*wb, column, wr))) {
          ASSERT_TRUE(returned[static_cast<size_t>(id)])
              << where << ": row " << id << " matches (" << column << " = "
              << Show(*CellAt(*wb, column, wr).column, wr) << ") but was pruned";
        }
      }
    }
    EXPECT_GT(pruned_rows, 0) << "round " << round << ": nothing was ever pruned";
  }
}

}  // namespace
}  // namespace sluice::parquet
