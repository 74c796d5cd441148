#include "sluice/warehouse/postgres_warehouse.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "sluice/parquet/value_text.h"

namespace sluice::warehouse {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TypeKind;

// Type OIDs from PostgreSQL's pg_type.dat (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;
constexpr Oid kTextOid = 25;

// PostgreSQL counts dates and timestamps from 2000-01-01; the lake from 1970-01-01.
constexpr int64_t kPgEpochDays = 10957;
constexpr int64_t kPgEpochMicros = kPgEpochDays * 86400 * int64_t{1000000};
// The finite ranges date_recv and timestamp_recv accept (4714-11-24 BC up to their ends),
// in PostgreSQL's epoch. Values outside would be refused, or read as ±infinity.
constexpr int64_t kPgMinDate = -2451545;
constexpr int64_t kPgEndDate = 2147483494 - 2451545;
constexpr int64_t kPgMinTimestamp = -211813488000000000;
constexpr int64_t kPgEndTimestamp = 9223371331200000000;

// The row writer hands libpq this much COPY data at a time.
constexpr size_t kCopyChunkBytes = size_t{1} << 20;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, ConnDeleter>;

// `url` with the password of `user:password@` and of a `password=` parameter replaced by ***.
std::string RedactUrl(std::string_view url) {
  std::string out(url);
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t authority = scheme + 3;
    size_t at = out.find('@', authority);
    size_t slash = out.find('/', authority);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  size_t query = out.find('?');
  for (size_t pos = query; pos != std::string::npos && pos < out.size();) {
    size_t start = pos + 1;
    size_t end = out.find('&', start);
    if (end == std::string::npos) end = out.size();
    if (out.compare(start, 9, "password=") == 0) {
      out.replace(start + 9, end - start - 9, "***");
      end = start + 12;
    }
    pos = end < out.size() ? end : std::string::npos;
  }
  return out;
}

std::string TrimmedError(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

const char* Field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value == nullptr ? "" : value;
}

// A failed statement as a Status: PostgreSQL's message (with its detail and hint) and
// SQLSTATE. Lost connections and conflicts that may pass on retry (serialization failure,
// deadlock, lock timeout, lack of resources, shutdown) are Unavailable; everything else
// InvalidArgument.
Status StatementError(PGconn* conn, const PGresult* result, const std::string& url) {
  if (PQstatus(conn) == CONNECTION_BAD) {
    return Status::Unavailable("warehouse " + url +
                               ": connection lost: " + TrimmedError(PQerrorMessage(conn)));
  }
  if (result == nullptr) return Status::Unavailable(TrimmedError(PQerrorMessage(conn)));
  std::string sqlstate = Field(result, PG_DIAG_SQLSTATE);
  std::string message = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = TrimmedError(PQresultErrorMessage(result));
  std::string detail = Field(result, PG_DIAG_MESSAGE_DETAIL);
  std::string hint = Field(result, PG_DIAG_MESSAGE_HINT);
  if (!detail.empty()) message += " (" + detail + ")";
  if (!hint.empty()) message += " (hint: " + hint + ")";
  if (!sqlstate.empty()) message += " [SQLSTATE " + sqlstate + "]";
  bool transient = sqlstate.starts_with("08") || sqlstate.starts_with("53") ||
                   sqlstate.starts_with("57P") || sqlstate == "55P03" || sqlstate == "40001" ||
                   sqlstate == "40P01";
  return transient ? Status::Unavailable(std::move(message))
                   : Status::InvalidArgument(std::move(message));
}

bool HasSqlState(const PGresult* result, std::string_view sqlstate) {
  return result != nullptr && sqlstate == Field(result, PG_DIAG_SQLSTATE);
}

Result<Value> ParseValue(const char* text, int length, Oid type) {
  std::string_view view(text, static_cast<size_t>(length));
  switch (type) {
    case kBoolOid:
      return Value::Bool(view == "t");
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), v);
      if (ec != std::errc() || end != view.data() + view.size()) break;
      return Value::Integer(v);
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      // strtod reads NaN, Infinity and -Infinity as PostgreSQL writes them.
      std::string copy(view);
      char* end = nullptr;
      double v = std::strtod(copy.c_str(), &end);
      if (end != copy.c_str() + copy.size()) break;
      return Value::Real(v);
    }
    case kNumericOid:
      return Value::Numeric(std::string(view));
    default:
      return Value::Text(std::string(view));
  }
  return Status::Internal("PostgreSQL returned \"" + std::string(view) + "\" for type " +
                          std::to_string(type));
}

// Whether `sql` mentions parameter $n (anywhere, string literals included).
bool MentionsParameter(std::string_view sql, size_t n) {
  std::string name = "$" + std::to_string(n);
  for (size_t at = sql.find(name); at != std::string_view::npos; at = sql.find(name, at + 1)) {
    size_t end = at + name.size();
    if (end == sql.size() || sql[end] < '0' || sql[end] > '9') return true;
  }
  return false;
}

// Parameters are sent as text. Booleans, integers, reals and numerics carry their type so
// `SELECT $1` reads back as it was given; text goes untyped, so the server infers the type
// from the context (a date column, a jsonb column, …) as it does for a literal. Parameters
// the statement does not use are typed text: PostgreSQL refuses parameters whose type it
// cannot determine, and SQLite ignores unused ones, so SQL written for both may have them.
struct TextParams {
  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<Oid> types;

  TextParams(std::string_view sql, const std::vector<Value>& params) {
    texts.reserve(params.size());
    for (const Value& p : params) {
      texts.push_back(p.ToString());
      if (!MentionsParameter(sql, texts.size())) {
        types.push_back(kTextOid);
        continue;
      }
      switch (p.kind) {
        case Value::Kind::kNull:
          types.push_back(0);
          break;
        case Value::Kind::kBool:
          types.push_back(kBoolOid);
          break;
        case Value::Kind::kInteger:
          types.push_back(kInt8Oid);
          break;
        case Value::Kind::kReal:
          types.push_back(kFloat8Oid);
          break;
        case Value::Kind::kNumeric:
          types.push_back(kNumericOid);
          break;
        case Value::Kind::kText:
          types.push_back(0);
          break;
      }
    }
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(params[i].is_null() ? nullptr : texts[i].c_str());
    }
  }
};

std::string UpperCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// ---- binary COPY encoding -------------------------------------------------------------------

inline void StoreBigEndian16(char* out, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(out, &v, 2);
}
inline void StoreBigEndian32(char* out, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(out, &v, 4);
}
inline void StoreBigEndian64(char* out, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(out, &v, 8);
}

// Decimal digits of `u`, least significant first; returns how many (at least 1, at most 39).
int DecimalDigits(unsigned __int128 u, uint8_t* digits) {
  int n = 0;
  while (u > std::numeric_limits<uint64_t>::max()) {
    digits[n++] = static_cast<uint8_t>(u % 10);
    u /= 10;
  }
  uint64_t small = static_cast<uint64_t>(u);
  do {
    digits[n++] = static_cast<uint8_t>(small % 10);
    small /= 10;
  } while (small != 0);
  return n;
}

// The largest binary numeric: 39 decimal digits and up to 38 of scale span at most 12
// base-10000 digits; 8 bytes of header.
constexpr size_t kMaxNumericBytes = 8 + 2 * 12;

// Writes `unscaled` × 10^-scale in numeric_recv's form: int16 ndigits, int16 weight, int16
// sign, int16 dscale, then ndigits base-10000 digits, most significant first, where the
// value is Σ digit[i] × 10000^(weight − i). No leading or trailing zero digits; zero has
// none. Returns the bytes written.
size_t EncodeNumeric(__int128 unscaled, int scale, char* out) {
  unsigned __int128 magnitude = unscaled < 0 ? -static_cast<unsigned __int128>(unscaled)
                                             : static_cast<unsigned __int128>(unscaled);
  uint16_t groups[12] = {};
  int ndigits = 0;
  int weight = 0;
  if (magnitude != 0) {
    uint8_t digits[40];
    int n = DecimalDigits(magnitude, digits);
    // Decimal digit k has exponent k − scale; it lands in base-10000 group ⌊exponent / 4⌋.
    auto group_of = [](int exponent) {
      return exponent >= 0 ? exponent / 4 : -((-exponent + 3) / 4);
    };
    int lowest = group_of(-scale);
    weight = group_of(n - 1 - scale);
    static constexpr uint16_t kPow10[4] = {1, 10, 100, 1000};
    uint16_t by_group[12] = {};  // index 0: the group of exponent `lowest`
    for (int k = 0; k < n; ++k) {
      int exponent = k - scale;
      int group = group_of(exponent);
      by_group[group - lowest] += static_cast<uint16_t>(digits[k] * kPow10[exponent - 4 * group]);
    }
    int top = weight - lowest;  // nonzero: it holds the leading digit
    int bottom = 0;
    while (by_group[bottom] == 0) ++bottom;  // trailing zero groups are left out
    ndigits = top - bottom + 1;
    for (int i = 0; i < ndigits; ++i) groups[i] = by_group[top - i];
  }
  StoreBigEndian16(out, static_cast<uint16_t>(ndigits));
  StoreBigEndian16(out + 2, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  StoreBigEndian16(out + 4, unscaled < 0 ? 0x4000 : 0x0000);
  StoreBigEndian16(out + 6, static_cast<uint16_t>(scale));
  for (int i = 0; i < ndigits; ++i) StoreBigEndian16(out + 8 + 2 * i, groups[i]);
  return 8 + 2 * static_cast<size_t>(ndigits);
}

// What the row writer does with one dataset type.
enum class Encoding {
  kBool,
  kInt16,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kNumeric,
  kText,
  kDate,
  kTimestamp,
  kJsonb
};

Result<Encoding> EncodingOf(const DataType& type) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      return Encoding::kBool;
    case TypeKind::kInt8:
    case TypeKind::kInt16:
      return Encoding::kInt16;
    case TypeKind::kInt32:
      return Encoding::kInt32;
    case TypeKind::kInt64:
      return Encoding::kInt64;
    case TypeKind::kFloat:
      return Encoding::kFloat;
    case TypeKind::kDouble:
      return Encoding::kDouble;
    case TypeKind::kDecimal:
      if (type.precision < 1 || type.precision > 38 || type.scale < 0 ||
          type.scale > type.precision) {
        break;
      }
      return Encoding::kNumeric;
    case TypeKind::kString:
      return Encoding::kText;
    case TypeKind::kDate:
      return Encoding::kDate;
    case TypeKind::kTimestamp:
      return Encoding::kTimestamp;
    case TypeKind::kJson:
      return Encoding::kJsonb;
    default:
      break;
  }
  return Status::InvalidArgument("type " + type.ToString() +
                                 " has no warehouse column type (expected bool, int8–int64, "
                                 "float, double, decimal(p≤38,s), string, date, timestamp, json)");
}

// A timestamp in micros since 1970 (floored for nanos); 128 bits, so millis cannot overflow.
__int128 MicrosSinceEpoch(const DataType& type, int64_t value) {
  switch (type.unit) {
    case parquet::TimeUnit::kMillis:
      return static_cast<__int128>(value) * 1000;
    case parquet::TimeUnit::kMicros:
      return value;
    case parquet::TimeUnit::kNanos:
      return value >= 0 ? value / 1000 : -((-(value + 1)) / 1000) - 1;
  }
  return value;
}

// The type of every column as ColumnTypeSql spells it, which is also how format_type (and so
// DescribeTable) shows it.
std::string PostgresTypeSql(Encoding encoding, const DataType& type) {
  switch (encoding) {
    case Encoding::kBool:
      return "BOOLEAN";
    case Encoding::kInt16:
      return "SMALLINT";
    case Encoding::kInt32:
      return "INTEGER";
    case Encoding::kInt64:
      return "BIGINT";
    case Encoding::kFloat:
      return "REAL";
    case Encoding::kDouble:
      return "DOUBLE PRECISION";
    case Encoding::kNumeric:
      return "NUMERIC(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case Encoding::kText:
      return "TEXT";
    case Encoding::kDate:
      return "DATE";
    case Encoding::kTimestamp:
      return "TIMESTAMP WITH TIME ZONE";
    case Encoding::kJsonb:
      return "JSONB";
  }
  return "TEXT";
}

class PostgresRowWriter : public RowWriter {
 public:
  PostgresRowWriter(PGconn* conn, std::string url, TableName table, std::vector<Column> columns,
                    std::vector<Encoding> encodings)
      : conn_(conn),
        url_(std::move(url)),
        table_(std::move(table)),
        columns_(std::move(columns)),
        encodings_(std::move(encodings)) {
    buffer_.resize(kCopyChunkBytes + 4096);
    // The binary COPY header: signature, flags, header extension length.
    static constexpr char kSignature[11] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                            '\n', '\377', '\r', '\n', '\0'};
    std::memcpy(buffer_.data(), kSignature, 11);
    StoreBigEndian32(buffer_.data() + 11, 0);
    StoreBigEndian32(buffer_.data() + 15, 0);
    used_ = 19;
  }

  ~PostgresRowWriter() override {
    // Abandoned (an Append failed, or the caller gave up): end the COPY with an error so the
    // server discards it; the transaction is then aborted and must be rolled back.
    if (!finished_) {
      if (PQputCopyEnd(conn_, "sluice: the row writer was abandoned before Finish") == 1) {
        while (PgResult result{PQgetResult(conn_)}) {
        }
      }
    }
  }

  Status Append(const std::vector<Input>& inputs, int64_t rows) override {
    if (finished_) return Status::Internal("row writer for " + table_.ToString() + ": finished");
    SLUICE_RETURN_IF_ERROR(CheckInputs(inputs, rows));
    const size_t ncolumns = columns_.size();
    for (int64_t row = 0; row < rows; ++row) {
      SLUICE_RETURN_IF_ERROR(Reserve(2));
      StoreBigEndian16(buffer_.data() + used_, static_cast<uint16_t>(ncolumns));
      used_ += 2;
      for (size_t c = 0; c < ncolumns; ++c) {
        const ColumnVector& values = *inputs[c].values;
        int64_t i = inputs[c].constant ? 0 : row;
        if (values.IsNull(i)) {
          SLUICE_RETURN_IF_ERROR(Reserve(4));
          StoreBigEndian32(buffer_.data() + used_, 0xFFFFFFFFu);
          used_ += 4;
          continue;
        }
        SLUICE_RETURN_IF_ERROR(EncodeValue(c, values, i, row));
      }
    }
    rows_ += rows;
    return Status::OK();
  }

  Result<int64_t> Finish() override {
    if (finished_) return Status::Internal("row writer for " + table_.ToString() + ": finished");
    SLUICE_RETURN_IF_ERROR(Reserve(2));
    StoreBigEndian16(buffer_.data() + used_, 0xFFFF);  // the trailer: a field count of -1
    used_ += 2;
    SLUICE_RETURN_IF_ERROR(Flush());
    finished_ = true;
    if (PQputCopyEnd(conn_, nullptr) != 1) return CopyError();
    PgResult result{PQgetResult(conn_)};
    Status status;
    int64_t copied = 0;
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      status = StatementError(conn_, result.get(), url_);
    } else {
      copied = std::strtoll(PQcmdTuples(result.get()), nullptr, 10);
    }
    while (PgResult rest{PQgetResult(conn_)}) {
    }
    if (!status.ok()) return status.WithContext("copy into " + table_.ToString());
    return copied;
  }

 private:
  Status CheckInputs(const std::vector<Input>& inputs, int64_t rows) const {
    auto internal = [&](size_t c, std::string why) {
      return Status::Internal("row writer for " + table_.ToString() + ", column \"" +
                              (c < columns_.size() ? columns_[c].name : std::string("?")) +
                              "\": " + why);
    };
    if (inputs.size() != columns_.size()) {
      return internal(inputs.size(), std::to_string(inputs.size()) + " inputs for " +
                                         std::to_string(columns_.size()) + " columns");
    }
    if (rows < 0) return internal(0, "negative row count");
    for (size_t c = 0; c < inputs.size(); ++c) {
      const ColumnVector* v = inputs[c].values;
      if (v == nullptr) return internal(c, "no values");
      if (!(v->type == columns_[c].type)) {
        return internal(c, "values of type " + v->type.ToString() + " for a column of type " +
                               columns_[c].type.ToString());
      }
      int64_t needed = inputs[c].constant ? (rows > 0 ? 1 : 0) : rows;
      if (inputs[c].constant ? v->length < needed : v->length != rows) {
        return internal(
            c, std::to_string(v->length) + " values for " + std::to_string(rows) + " rows");
      }
      size_t n = static_cast<size_t>(needed);
      if (!v->validity.empty() && v->validity.size() < n) return internal(c, "short validity");
      bool sized = true;
      switch (parquet::StorageOf(v->type)) {
        case parquet::Storage::kBools:
          sized = v->bools.size() >= n;
          break;
        case parquet::Storage::kInts32:
          sized = v->ints32.size() >= n;
          break;
        case parquet::Storage::kInts64:
          sized = v->ints64.size() >= n;
          break;
        case parquet::Storage::kFloats:
          sized = v->floats.size() >= n;
          break;
        case parquet::Storage::kDoubles:
          sized = v->doubles.size() >= n;
          break;
        case parquet::Storage::kOffsets:
          sized = n == 0 || (v->offsets.size() >= n + 1 && v->offsets[0] >= 0 &&
                             static_cast<uint64_t>(v->offsets[n]) <= v->bytes.size());
          break;
        case parquet::Storage::kFixed:
          sized = v->bytes.size() >= n * 16;
          break;
        case parquet::Storage::kNone:
          sized = false;
          break;
      }
      if (!sized) return internal(c, "value storage shorter than its length");
    }
    return Status::OK();
  }

  Status ValueError(size_t c, int64_t row, const std::string& value, std::string_view why) const {
    return Status::InvalidArgument("copy into " + table_.ToString() + ": row " +
                                   std::to_string(rows_ + row + 1) + ", column \"" +
                                   columns_[c].name + "\": " + value + " " + std::string(why));
  }

  Status EncodeValue(size_t c, const ColumnVector& values, int64_t i, int64_t row) {
    size_t at = static_cast<size_t>(i);
    auto fixed = [&](uint32_t length) -> char* {
      char* out = buffer_.data() + used_;
      StoreBigEndian32(out, length);
      used_ += 4 + length;
      return out + 4;
    };
    switch (encodings_[c]) {
      case Encoding::kBool:
        SLUICE_RETURN_IF_ERROR(Reserve(5));
        *fixed(1) = values.bools[at] != 0 ? 1 : 0;
        return Status::OK();
      case Encoding::kInt16:
        SLUICE_RETURN_IF_ERROR(Reserve(6));
        StoreBigEndian16(fixed(2), static_cast<uint16_t>(static_cast<int16_t>(values.ints32[at])));
        return Status::OK();
      case Encoding::kInt32:
        SLUICE_RETURN_IF_ERROR(Reserve(8));
        StoreBigEndian32(fixed(4), static_cast<uint32_t>(values.ints32[at]));
        return Status::OK();
      case Encoding::kInt64:
        SLUICE_RETURN_IF_ERROR(Reserve(12));
        StoreBigEndian64(fixed(8), static_cast<uint64_t>(values.ints64[at]));
        return Status::OK();
      case Encoding::kFloat: {
        SLUICE_RETURN_IF_ERROR(Reserve(8));
        uint32_t bits;
        std::memcpy(&bits, &values.floats[at], 4);
        StoreBigEndian32(fixed(4), bits);
        return Status::OK();
      }
      case Encoding::kDouble: {
        SLUICE_RETURN_IF_ERROR(Reserve(12));
        uint64_t bits;
        std::memcpy(&bits, &values.doubles[at], 8);
        StoreBigEndian64(fixed(8), bits);
        return Status::OK();
      }
      case Encoding::kNumeric: {
        __int128 unscaled = parquet::DecimalAt(values, i);
        unsigned __int128 magnitude = unscaled < 0 ? -static_cast<unsigned __int128>(unscaled)
                                                   : static_cast<unsigned __int128>(unscaled);
        unsigned __int128 limit = 1;
        for (int k = 0; k < values.type.precision; ++k) limit *= 10;
        if (magnitude >= limit) {
          std::string text;
          parquet::AppendDecimalText(unscaled, values.type.scale, &text);
          return ValueError(c, row, text,
                            "has more than " + std::to_string(values.type.precision) + " digits (" +
                                values.type.ToString() + ")");
        }
        SLUICE_RETURN_IF_ERROR(Reserve(4 + kMaxNumericBytes));
        char* out = buffer_.data() + used_;
        size_t length = EncodeNumeric(unscaled, values.type.scale, out + 4);
        StoreBigEndian32(out, static_cast<uint32_t>(length));
        used_ += 4 + length;
        return Status::OK();
      }
      case Encoding::kText:
      case Encoding::kJsonb: {
        int64_t begin = values.offsets[at];
        int64_t end = values.offsets[at + 1];
        if (end < begin) return ValueError(c, row, "a value", "has decreasing offsets");
        size_t size = static_cast<size_t>(end - begin);
        size_t prefix = encodings_[c] == Encoding::kJsonb ? 1 : 0;
        if (size + prefix > 0x3FFFFFFF) return ValueError(c, row, "a value", "is over 1 GiB");
        SLUICE_RETURN_IF_ERROR(Reserve(4 + prefix + size));
        char* out = fixed(static_cast<uint32_t>(prefix + size));
        if (prefix) *out++ = 1;  // jsonb's binary form: version 1, then the JSON text
        std::memcpy(out, values.bytes.data() + begin, size);
        return Status::OK();
      }
      case Encoding::kDate: {
        int64_t days = int64_t{values.ints32[at]} - kPgEpochDays;
        if (days < kPgMinDate || days >= kPgEndDate) {
          return ValueError(c, row, std::to_string(values.ints32[at]) + " days since 1970-01-01",
                            "is outside PostgreSQL's dates");
        }
        SLUICE_RETURN_IF_ERROR(Reserve(8));
        StoreBigEndian32(fixed(4), static_cast<uint32_t>(static_cast<int32_t>(days)));
        return Status::OK();
      }
      case Encoding::kTimestamp: {
        int64_t raw = values.ints64[at];
        __int128 micros = MicrosSinceEpoch(values.type, raw) - kPgEpochMicros;
        if (micros < kPgMinTimestamp || micros >= kPgEndTimestamp) {
          return ValueError(c, row, std::to_string(raw) + " since 1970-01-01",
                            "is outside PostgreSQL's timestamps");
        }
        SLUICE_RETURN_IF_ERROR(Reserve(12));
        StoreBigEndian64(fixed(8), static_cast<uint64_t>(static_cast<int64_t>(micros)));
        return Status::OK();
      }
    }
    return Status::Internal("unreachable");
  }

  // Makes room for `bytes` more, sending the buffer to the server when it is full.
  Status Reserve(size_t bytes) {
    if (used_ + bytes <= buffer_.size()) return Status::OK();
    SLUICE_RETURN_IF_ERROR(Flush());
    if (bytes > buffer_.size()) buffer_.resize(bytes);
    return Status::OK();
  }

  Status Flush() {
    if (used_ == 0) return Status::OK();
    if (PQputCopyData(conn_, buffer_.data(), static_cast<int>(used_)) != 1) return CopyError();
    used_ = 0;
    return Status::OK();
  }

  // The server ended the COPY early (it refused a row) or the connection broke: its error.
  Status CopyError() {
    finished_ = true;
    Status status =
        Status::Unavailable("warehouse " + url_ + ": " + TrimmedError(PQerrorMessage(conn_)));
    while (PgResult result{PQgetResult(conn_)}) {
      if (PQresultStatus(result.get()) == PGRES_FATAL_ERROR &&
          status.code() == StatusCode::kUnavailable) {
        status = StatementError(conn_, result.get(), url_);
      }
    }
    return status.WithContext("copy into " + table_.ToString());
  }

  PGconn* conn_;
  std::string url_;
  TableName table_;
  std::vector<Column> columns_;
  std::vector<Encoding> encodings_;
  std::vector<char> buffer_;
  size_t used_ = 0;
  int64_t rows_ = 0;
  bool finished_ = false;
};

class PostgresSession : public Session {
 public:
  PostgresSession(PgConn conn, std::string url) : conn_(std::move(conn)), url_(std::move(url)) {}

  std::string_view engine() const override { return "postgresql"; }

  // Sets the session up and creates the layer schemas that are missing.
  Status Prepare() {
    SLUICE_RETURN_IF_ERROR(Execute("SET TimeZone = 'UTC'; SET client_encoding = 'UTF8'"));
    SLUICE_ASSIGN_OR_RETURN(QueryResult present,
                            Query("SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname IN "
                                  "('bronze', 'silver', 'gold', 'quarantine')",
                                  {}));
    if (present.rows.at(0).at(0).integer == static_cast<int64_t>(kLayers.size())) {
      return Status::OK();
    }
    for (std::string_view layer : kLayers) {
      std::string sql = "CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(layer);
      PgResult result{PQexec(conn_.get(), sql.c_str())};
      if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) continue;
      // Two sessions creating the schema at once: IF NOT EXISTS checks before inserting, so
      // the loser fails on pg_namespace's unique index. The schema exists; that is all we want.
      if (HasSqlState(result.get(), "23505") || HasSqlState(result.get(), "42P06")) continue;
      return StatementError(conn_.get(), result.get(), url_)
          .WithContext("creating schema " + std::string(layer));
    }
    return Status::OK();
  }

  Status Execute(std::string_view sql) override {
    std::string text(sql);
    PgResult result{PQexec(conn_.get(), text.c_str())};
    ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
      return Status::OK();
    }
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT) {
      return Status::InvalidArgument("COPY FROM STDIN/TO STDOUT is not supported by Execute");
    }
    return StatementError(conn_.get(), result.get(), url_);
  }

  Result<QueryResult> Query(std::string_view sql, const std::vector<Value>& params) override {
    SLUICE_ASSIGN_OR_RETURN(PgResult result, Run(sql, params));
    QueryResult out;
    int ncolumns = PQnfields(result.get());
    int nrows = PQntuples(result.get());
    std::vector<Oid> types;
    for (int c = 0; c < ncolumns; ++c) {
      out.columns.emplace_back(PQfname(result.get(), c));
      types.push_back(PQftype(result.get(), c));
    }
    out.rows.reserve(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      std::vector<Value>& row = out.rows.emplace_back();
      row.reserve(static_cast<size_t>(ncolumns));
      for (int c = 0; c < ncolumns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.push_back(Value::Null());
          continue;
        }
        SLUICE_ASSIGN_OR_RETURN(
            Value value, ParseValue(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c),
                                    types[static_cast<size_t>(c)]));
        row.push_back(std::move(value));
      }
    }
    return out;
  }

  Result<int64_t> ExecuteCount(std::string_view sql, const std::vector<Value>& params) override {
    SLUICE_ASSIGN_OR_RETURN(PgResult result, Run(sql, params));
    const char* count = PQcmdTuples(result.get());
    return count[0] == 0 ? int64_t{0} : std::strtoll(count, nullptr, 10);
  }

  Status Begin() override {
    if (in_transaction()) return Status::FailedPrecondition("a transaction is already open");
    return Execute("BEGIN");
  }

  Status Commit() override {
    PGTransactionStatusType before = PQtransactionStatus(conn_.get());
    if (before == PQTRANS_IDLE) return Status::FailedPrecondition("no transaction to commit");
    PgResult result{PQexec(conn_.get(), "COMMIT")};
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return StatementError(conn_.get(), result.get(), url_);
    }
    // COMMIT of a transaction in which a statement failed succeeds as a ROLLBACK.
    if (before == PQTRANS_INERROR || std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
      return Status::FailedPrecondition(
          "the transaction was rolled back: a statement in it failed before COMMIT");
    }
    return Status::OK();
  }

  Status Rollback() override {
    if (!in_transaction()) return Status::OK();
    return Execute("ROLLBACK");
  }

  bool in_transaction() const override {
    PGTransactionStatusType status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }

  Status LockTable(const TableName& table) override {
    if (!in_transaction()) {
      return Status::FailedPrecondition("LockTable(" + table.ToString() +
                                        ") needs an open transaction");
    }
    // A transaction-level advisory lock, released by COMMIT or ROLLBACK. The key is a hash
    // of the qualified name with a prefix of ours, so other users of advisory locks on the
    // same server do not collide with it by accident.
    int64_t key = static_cast<int64_t>(Fnv1a64("sluice.warehouse.table:" + table.ToString()));
    return Query("SELECT pg_advisory_xact_lock($1)", {Value::Integer(key)}).status();
  }

  Result<std::vector<TableInfo>> ListTables(bool include_internal) override {
    return Describe(std::nullopt, include_internal);
  }

  Result<std::optional<TableInfo>> DescribeTable(const TableName& table) override {
    SLUICE_ASSIGN_OR_RETURN(std::vector<TableInfo> tables, Describe(table, true));
    if (tables.empty()) return std::optional<TableInfo>();
    return std::optional<TableInfo>(std::move(tables.front()));
  }

  Result<std::string> ColumnTypeSql(const DataType& type) const override {
    SLUICE_ASSIGN_OR_RETURN(Encoding encoding, EncodingOf(type));
    return PostgresTypeSql(encoding, type);
  }

  std::string CreateIndexSql(const TableName& table, std::string_view index_name,
                             const std::vector<std::string>& columns, bool unique) const override {
    std::string sql = unique ? "CREATE UNIQUE INDEX IF NOT EXISTS " : "CREATE INDEX IF NOT EXISTS ";
    sql += QuoteIdentifier(index_name) + " ON " + table.Sql() + " (";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += QuoteIdentifier(columns[i]);
    }
    return sql + ")";
  }

  std::string AlterColumnTypeSql(const TableName& table, std::string_view column,
                                 std::string_view new_type_sql) const override {
    std::string quoted = QuoteIdentifier(column);
    std::string type(new_type_sql);
    return "ALTER TABLE " + table.Sql() + " ALTER COLUMN " + quoted + " TYPE " + type + " USING " +
           quoted + "::" + type;
  }

  Result<std::unique_ptr<RowWriter>> OpenRowWriter(const TableName& table,
                                                   const std::vector<Column>& columns) override {
    if (columns.empty()) {
      return Status::InvalidArgument("copy into " + table.ToString() + ": no columns");
    }
    std::vector<Encoding> encodings;
    std::string sql = "COPY " + table.Sql() + " (";
    for (size_t i = 0; i < columns.size(); ++i) {
      Result<Encoding> encoding = EncodingOf(columns[i].type);
      if (!encoding.ok()) {
        return encoding.status().WithContext("copy into " + table.ToString() + ", column \"" +
                                             columns[i].name + "\"");
      }
      encodings.push_back(*encoding);
      if (i > 0) sql += ", ";
      sql += QuoteIdentifier(columns[i].name);
    }
    sql += ") FROM STDIN (FORMAT binary)";
    PgResult result{PQexec(conn_.get(), sql.c_str())};
    if (PQresultStatus(result.get()) != PGRES_COPY_IN) {
      return StatementError(conn_.get(), result.get(), url_)
          .WithContext("copy into " + table.ToString());
    }
    return std::unique_ptr<RowWriter>(std::make_unique<PostgresRowWriter>(
        conn_.get(), url_, table, columns, std::move(encodings)));
  }

 private:
  // Runs one statement with text parameters; the result when it succeeded.
  Result<PgResult> Run(std::string_view sql, const std::vector<Value>& params) {
    std::string text(sql);
    TextParams p(sql, params);
    PgResult result{PQexecParams(conn_.get(), text.c_str(), static_cast<int>(params.size()),
                                 p.types.data(), p.values.data(), nullptr, nullptr, 0)};
    ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    if (status == PGRES_EMPTY_QUERY) return Status::InvalidArgument("empty query");
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT) {
      // Leave the connection usable: refuse the COPY the statement started.
      PQputCopyEnd(conn_.get(), "sluice: COPY is not supported by Query");
      while (PgResult rest{PQgetResult(conn_.get())}) {
      }
      return Status::InvalidArgument("COPY FROM STDIN/TO STDOUT is not supported by Query");
    }
    return StatementError(conn_.get(), result.get(), url_);
  }

  // The layer tables and views (all, or the one named `only`), with their columns.
  Result<std::vector<TableInfo>> Describe(const std::optional<TableName>& only,
                                          bool include_internal) {
    std::string sql =
        "SELECT n.nspname::text, c.relname::text, c.relkind IN ('v', 'm'), a.attname::text, "
        "  pg_catalog.format_type(a.atttypid, a.atttypmod) "
        "FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_catalog.pg_attribute a "
        "  ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') ";
    std::vector<Value> params;
    if (only) {
      sql += "AND n.nspname = $1 AND c.relname = $2 ";
      params = {Value::Text(only->schema), Value::Text(only->name)};
    } else {
      sql += "AND n.nspname IN ('bronze', 'silver', 'gold', 'quarantine') ";
      if (!include_internal) sql += "AND c.relname NOT LIKE '\\_sluice%' ";
    }
    sql +=
        "ORDER BY array_position(ARRAY['bronze', 'silver', 'gold', 'quarantine'], "
        "n.nspname::text), c.relname, a.attnum";
    SLUICE_ASSIGN_OR_RETURN(QueryResult result, Query(sql, params));
    std::vector<TableInfo> tables;
    for (const std::vector<Value>& row : result.rows) {
      if (tables.empty() || tables.back().name.schema != row[0].text ||
          tables.back().name.name != row[1].text) {
        TableInfo& info = tables.emplace_back();
        info.name = TableName{row[0].text, row[1].text};
        info.is_view = row[2].boolean;
      }
      if (row[3].is_null()) continue;  // a table without columns
      // format_type's spelling ("numeric(12,2)", "timestamp with time zone") upper-cased, as
      // ColumnTypeSql spells the dataset types; quoted names of user types keep their case.
      std::string type = row[4].text;
      if (type.find('"') == std::string::npos) type = UpperCase(std::move(type));
      tables.back().columns.push_back({row[3].text, std::move(type)});
    }
    return tables;
  }

  PgConn conn_;
  std::string url_;  // redacted
};

class PostgresWarehouse : public Warehouse {
 public:
  explicit PostgresWarehouse(std::string url) : url_(std::move(url)), redacted_(RedactUrl(url_)) {}

  std::string url() const override { return redacted_; }

  Result<std::unique_ptr<Session>> Connect() override {
    // libpq expands the URI given as dbname; the application name shows in pg_stat_activity
    // unless the URI names another.
    const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
    const char* values[] = {url_.c_str(), "sluice", nullptr};
    PgConn conn{PQconnectdbParams(keywords, values, /*expand_dbname=*/1)};
    if (conn == nullptr) return Status::Unavailable("warehouse " + redacted_ + ": out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return Status::Unavailable("warehouse " + redacted_ +
                                 ": cannot connect: " + TrimmedError(PQerrorMessage(conn.get())));
    }
    // Notices ("relation … already exists, skipping") are not errors; libpq would print them
    // to stderr.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    auto session = std::make_unique<PostgresSession>(std::move(conn), redacted_);
    SLUICE_RETURN_IF_ERROR(session->Prepare().WithContext("warehouse " + redacted_));
    return std::unique_ptr<Session>(std::move(session));
  }

 private:
  std::string url_;
  std::string redacted_;
};

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(std::string_view url) {
  if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) {
    return Status::InvalidArgument("warehouse URL \"" + RedactUrl(url) +
                                   "\": expected postgres://… or postgresql://…");
  }
  return std::unique_ptr<Warehouse>(std::make_unique<PostgresWarehouse>(std::string(url)));
}

}  // namespace sluice::warehouse
