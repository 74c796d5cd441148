#include "sluice/etl/batch_ops.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "sluice/common/check.h"
#include "sluice/common/time.h"
#include "sluice/parquet/value_text.h"

namespace sluice::etl {
namespace {

using parquet::ColumnVector;
using parquet::RecordBatch;
using parquet::Storage;
using parquet::StorageOf;
using parquet::TypeKind;

void AppendBigEndian(uint64_t v, std::string* out) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

void AppendOrderedInt(int64_t v, std::string* out) {
  AppendBigEndian(static_cast<uint64_t>(v) ^ (uint64_t{1} << 63), out);
}

void AppendOrderedDouble(double v, std::string* out) {
  if (v == 0) v = 0;  // -0.0 and 0.0 are one value
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  AppendBigEndian(bits, out);
}


}  // namespace


void AppendValue(const ColumnVector& src, int64_t row, ColumnVector* dst) {
  if (src.IsNull(row)) {
    dst->AppendNull();
    return;
  }
  size_t i = static_cast<size_t>(row);
  const parquet::DataType& t = src.type;
  if (t.kind == TypeKind::kBoolean) {
    dst->AppendBool(src.bools[i] != 0);
  } else if (StorageOf(t) == Storage::kInts32) {
    dst->AppendInt32(src.ints32[i]);
  } else if (StorageOf(t) == Storage::kInts64) {
    dst->AppendInt64(src.ints64[i]);
  } else if (t.kind == TypeKind::kFloat) {
    dst->AppendFloat(src.floats[i]);
  } else if (t.kind == TypeKind::kDouble) {
    dst->AppendDouble(src.doubles[i]);
  } else {
    dst->AppendBytes(src.BytesAt(row));
  }
}

namespace {

template <typename T>
void GatherValues(const std::vector<T>& src, const int64_t* rows, size_t n, std::vector<T>* dst) {
  size_t base = dst->size();
  dst->resize(base + n);
  T* out = dst->data() + base;
  for (size_t i = 0; i < n; ++i) out[i] = src[static_cast<size_t>(rows[i])];
}

void GatherColumn(const ColumnVector& src, const int64_t* rows, size_t n, ColumnVector* dst) {
  if (!src.validity.empty() || !dst->validity.empty()) {
    if (dst->validity.empty()) dst->validity.assign(static_cast<size_t>(dst->length), 1);
    size_t base = dst->validity.size();
    dst->validity.resize(base + n);
    for (size_t i = 0; i < n; ++i) {
      dst->validity[base + i] =
          src.validity.empty() ? 1 : src.validity[static_cast<size_t>(rows[i])];
    }
  }
  const parquet::DataType& t = src.type;
  if (t.kind == TypeKind::kBoolean) {
    GatherValues(src.bools, rows, n, &dst->bools);
  } else if (StorageOf(t) == Storage::kInts32) {
    GatherValues(src.ints32, rows, n, &dst->ints32);
  } else if (StorageOf(t) == Storage::kInts64) {
    GatherValues(src.ints64, rows, n, &dst->ints64);
  } else if (t.kind == TypeKind::kFloat) {
    GatherValues(src.floats, rows, n, &dst->floats);
  } else if (t.kind == TypeKind::kDouble) {
    GatherValues(src.doubles, rows, n, &dst->doubles);
  } else if (StorageOf(t) == Storage::kFixed) {
    for (size_t i = 0; i < n; ++i) dst->bytes.append(src.BytesAt(rows[i]));
  } else {
    if (dst->offsets.empty()) dst->offsets.push_back(0);
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t r = static_cast<size_t>(rows[i]);
      total += static_cast<size_t>(src.offsets[r + 1] - src.offsets[r]);
    }
    dst->bytes.reserve(dst->bytes.size() + total);
    size_t base = dst->offsets.size();
    dst->offsets.resize(base + n);
    for (size_t i = 0; i < n; ++i) {
      size_t r = static_cast<size_t>(rows[i]);
      dst->bytes.append(src.bytes, static_cast<size_t>(src.offsets[r]),
                        static_cast<size_t>(src.offsets[r + 1] - src.offsets[r]));
      dst->offsets[base + i] = static_cast<int64_t>(dst->bytes.size());
    }
  }
  dst->length += static_cast<int64_t>(n);
}

}  // namespace

void AppendRows(const RecordBatch& src, const int64_t* rows, size_t n, RecordBatch* dst) {
  for (size_t c = 0; c < src.columns.size(); ++c)
    GatherColumn(src.columns[c], rows, n, &dst->columns[c]);
  dst->num_rows += static_cast<int64_t>(n);
}

int64_t ApproximateBytes(const RecordBatch& batch) {
  int64_t n = 0;
  for (const ColumnVector& c : batch.columns) {
    n += static_cast<int64_t>(c.validity.capacity() + c.bools.capacity() + c.ints32.capacity() * 4 +
                              c.ints64.capacity() * 8 + c.floats.capacity() * 4 +
                              c.doubles.capacity() * 8 + c.offsets.capacity() * 8 +
                              c.bytes.capacity());
  }
  return n;
}

RecordBatch TakeRows(const RecordBatch& batch, const std::vector<int64_t>& rows) {
  RecordBatch out = RecordBatch::Make(batch.schema);
  AppendRows(batch, rows.data(), rows.size(), &out);
  return out;
}

RecordBatch FilterRows(const RecordBatch& batch, const std::vector<uint8_t>& keep) {
  std::vector<int64_t> rows;
  rows.reserve(keep.size());
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i]) rows.push_back(static_cast<int64_t>(i));
  }
  return TakeRows(batch, rows);
}

RecordBatch DropColumns(RecordBatch batch, const std::vector<int>& drop) {
  RecordBatch out;
  out.num_rows = batch.num_rows;
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    bool dropped = false;
    for (int d : drop) dropped |= (static_cast<size_t>(d) == c);
    if (dropped) continue;
    out.schema.fields.push_back(batch.schema.fields[c]);
    out.columns.push_back(std::move(batch.columns[c]));
  }
  return out;
}

void AppendOrderedKey(const ColumnVector& c, int64_t row, std::string* out) {
  if (c.IsNull(row)) {
    out->push_back('\0');
    return;
  }
  out->push_back('\1');
  size_t i = static_cast<size_t>(row);
  const parquet::DataType& t = c.type;
  if (t.kind == TypeKind::kBoolean) {
    out->push_back(c.bools[i] ? '\1' : '\0');
  } else if (StorageOf(t) == Storage::kInts32) {
    AppendOrderedInt(c.ints32[i], out);
  } else if (StorageOf(t) == Storage::kInts64) {
    AppendOrderedInt(c.ints64[i], out);
  } else if (t.kind == TypeKind::kFloat) {
    AppendOrderedDouble(c.floats[i], out);
  } else if (t.kind == TypeKind::kDouble) {
    AppendOrderedDouble(c.doubles[i], out);
  } else if (t.kind == TypeKind::kDecimal && StorageOf(t) == Storage::kFixed) {
    std::string_view b = c.BytesAt(row);
    std::string flipped(b);
    if (!flipped.empty()) flipped[0] = static_cast<char>(flipped[0] ^ 0x80);
    out->append(flipped);
  } else {
    // Bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 terminator keep memcmp order and
    // make a concatenation of several keys unambiguous.
    for (char ch : c.BytesAt(row)) {
      out->push_back(ch);
      if (ch == '\0') out->push_back('\xff');
    }
    out->push_back('\0');
    out->push_back('\0');
  }
}

std::string ValueToText(const ColumnVector& c, int64_t row) {
  if (c.IsNull(row)) return "NULL";
  size_t i = static_cast<size_t>(row);
  const parquet::DataType& t = c.type;
  switch (t.kind) {
    case TypeKind::kBoolean:
      return c.bools[i] ? "true" : "false";
    case TypeKind::kTimestamp:
      return parquet::TimestampText(c.ints64[i], t.unit);
    default:
      break;
  }
  std::string out;
  if (t.kind == TypeKind::kDate) {
    parquet::AppendDateText(c.ints32[i], &out);
    return out;
  }
  if (t.kind == TypeKind::kDecimal) {
    parquet::AppendDecimalText(parquet::DecimalAt(c, row), t.scale, &out);
    return out;
  }
  if (t.kind == TypeKind::kFloat || t.kind == TypeKind::kDouble) {
    if (t.kind == TypeKind::kFloat) {
      parquet::AppendFloatText(c.floats[i], &out);
    } else {
      parquet::AppendFloatText(c.doubles[i], &out);
    }
    return out;
  }
  if (StorageOf(t) == Storage::kInts32) return std::to_string(c.ints32[i]);
  if (StorageOf(t) == Storage::kInts64) return std::to_string(c.ints64[i]);
  return std::string(c.BytesAt(row));
}

std::string HivePartitionComponent(std::string_view name, const ColumnVector& c, int64_t row) {
  std::string value = c.IsNull(row) ? std::string() : ValueToText(c, row);
  std::string out(name);
  out.push_back('=');
  if (value.empty()) {
    out += "__HIVE_DEFAULT_PARTITION__";
    return out;
  }
  static constexpr std::string_view kSpecial = "\"#%'*/:=?\\{[]^";
  for (unsigned char ch : value) {
    if (ch < 0x20 || ch == 0x7f || kSpecial.find(static_cast<char>(ch)) != std::string_view::npos) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    } else {
      out.push_back(static_cast<char>(ch));
    }
  }
  return out;
}

}  // namespace sluice::etl
