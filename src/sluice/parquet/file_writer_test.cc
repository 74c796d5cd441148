#include "sluice/parquet/file_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>


#include "sluice/common/json.h"
#include "sluice/parquet/compression.h"
#include "sluice/parquet/delta.h"
#include "sluice/parquet/dictionary.h"
#include "sluice/parquet/file_footer.h"
#include "sluice/parquet/parquet_test_util.h"
#include "sluice/parquet/json_rows.h"
#include "sluice/parquet/plain.h"
#include "sluice/parquet/rle.h"
#include "sluice/parquet/schema_convert.h"

namespace sluice::parquet {
namespace {

using Unit = decltype(DataType::unit);

Field F(std::string name, DataType type, bool nullable = true) {
  return Field{std::move(name), std::move(type), nullable};
}

// ---- An independent decoding of the writer's output with the metadata layer ----

struct DecodedPage {
  PageType type;
  Encoding encoding;
  int32_t num_values;
};

struct DecodedColumn {
  std::vector<DecodedPage> pages;  // data pages (and the dictionary page first, if any)
  std::vector<int16_t> def, rep;
  std::vector<int64_t> ints;         // BOOLEAN, INT32, INT64 (non-null values)
  std::vector<double> reals;         // FLOAT, DOUBLE
  std::vector<std::string> bytes;    // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY
};

class ParquetFile {
 public:
  explicit ParquetFile(std::string data) : data_(std::move(data)) {
    StringSource source(data_);
    auto md = ReadFooter(source, "test.parquet");
    EXPECT_TRUE(md.ok()) << md.status();
    if (md.ok()) metadata_ = *md;
  }
  const FileMetaData& metadata() const { return metadata_; }
  const ColumnMetaData& chunk(int rg, int col) const {
    return *metadata_.row_groups[rg].columns[col].meta_data;
  }
  std::string_view bytes() const { return data_; }

  // The leaf's max levels from the schema (leaves in order).
  void Levels(int col, int16_t* max_def, int16_t* max_rep, Type* type, int* type_length) const {
    // Walk the schema depth-first tracking levels.
    struct Frame { int remaining; int16_t def, rep; };
    std::vector<Frame> stack;
    int leaf = 0;
    for (size_t i = 1; i < metadata_.schema.size(); ++i) {
      const SchemaElement& e = metadata_.schema[i];
      int16_t def = stack.empty() ? 0 : stack.back().def;
      int16_t rep = stack.empty() ? 0 : stack.back().rep;
      if (e.repetition_type != FieldRepetitionType::kRequired) ++def;
      if (e.repetition_type == FieldRepetitionType::kRepeated) ++rep;
      if (!stack.empty()) --stack.back().remaining;
      if (e.num_children) {
        stack.push_back({*e.num_children, def, rep});
      } else {
        if (leaf == col) {
          *max_def = def;
          *max_rep = rep;
          *type = *e.type;
          *type_length = e.type_length.value_or(0);
          return;
        }
        ++leaf;
      }
      while (!stack.empty() && stack.back().remaining == 0) stack.pop_back();
    }
    ADD_FAILURE() << "no leaf " << col;
  }

  DecodedColumn Decode(int rg, int col) const {
    DecodedColumn out;
    int16_t max_def = 0, max_rep = 0;
    Type type = Type::kBoolean;
    int type_length = 0;
    Levels(col, &max_def, &max_rep, &type, &type_length);
    const ColumnMetaData& md = chunk(rg, col);
    auto codec = MakeCodec(md.codec);
    EXPECT_TRUE(codec.ok());
    int64_t pos = md.dictionary_page_offset.value_or(md.data_page_offset);
    const int64_t end = pos + md.total_compressed_size;
    std::string dict_storage;
    std::vector<std::string> dict_bytes;
    std::vector<int64_t> dict_ints;
    std::vector<double> dict_reals;
    std::string page;
    while (pos < end) {
      size_t header_size = 0;
      auto header = ParsePageHeader(bytes().substr(pos), &header_size);
      EXPECT_TRUE(header.ok()) << header.status();
      if (!header.ok()) return out;
      std::string_view payload = bytes().substr(pos + header_size, header->compressed_page_size);
      pos += static_cast<int64_t>(header_size) + header->compressed_page_size;
      std::string_view levels;
      std::string_view values;
      int32_t num_values = 0;
      Encoding encoding = Encoding::kPlain;
      if (header->type == PageType::kDictionaryPage) {
        EXPECT_TRUE((*codec)->Decompress(payload, header->uncompressed_page_size, &dict_storage).ok());
        const int32_t n = header->dictionary_page_header->num_values;
        out.pages.push_back({PageType::kDictionaryPage, header->dictionary_page_header->encoding, n});
        std::string_view d = dict_storage;
        DecodeValues(type, type_length, Encoding::kPlain, d, n, &dict_ints, &dict_reals, &dict_bytes);
        continue;
      }
      int64_t def_start = static_cast<int64_t>(out.def.size());
      if (header->type == PageType::kDataPageV2) {
        const auto& h = *header->data_page_header_v2;
        num_values = h.num_values;
        encoding = h.encoding;
        const size_t level_bytes = h.repetition_levels_byte_length + h.definition_levels_byte_length;
        std::string_view rep = payload.substr(0, h.repetition_levels_byte_length);
        std::string_view def = payload.substr(h.repetition_levels_byte_length, h.definition_levels_byte_length);
        if (h.is_compressed.value_or(true)) {
          EXPECT_TRUE((*codec)->Decompress(payload.substr(level_bytes),
                                           header->uncompressed_page_size - level_bytes, &page).ok());
        } else {
          page.assign(payload.substr(level_bytes));
        }
        values = page;
        ReadLevels(rep, max_rep, num_values, &out.rep);
        ReadLevels(def, max_def, num_values, &out.def);
      } else {
        EXPECT_EQ(header->type, PageType::kDataPage);
        num_values = header->data_page_header->num_values;
        encoding = header->data_page_header->encoding;
        EXPECT_TRUE((*codec)->Decompress(payload, header->uncompressed_page_size, &page).ok());
        values = page;
        for (int which = 0; which < 2; ++which) {
          const int16_t max = which == 0 ? max_rep : max_def;
          if (max == 0) continue;
          size_t consumed = 0;
          auto run = SplitLengthPrefixedRle(values, &consumed);
          EXPECT_TRUE(run.ok());
          ReadLevels(*run, max, num_values, which == 0 ? &out.rep : &out.def);
          values.remove_prefix(consumed);
        }
      }
      (void)levels;
      out.pages.push_back({header->type, encoding, num_values});
      int64_t present = num_values;
      if (max_def > 0) {
        present = 0;
        for (size_t i = def_start; i < out.def.size(); ++i) present += out.def[i] == max_def;
      }
      if (encoding == Encoding::kRleDictionary) {
        DictionaryIndexDecoder dec;
        EXPECT_TRUE(dec.Reset(values).ok());
        std::vector<uint32_t> idx(present);
        const uint32_t size = static_cast<uint32_t>(
            std::max({dict_ints.size(), dict_reals.size(), dict_bytes.size()}));
        EXPECT_TRUE(dec.Decode(idx.data(), present, size).ok());
        for (uint32_t i : idx) {
          if (!dict_ints.empty()) out.ints.push_back(dict_ints[i]);
          if (!dict_reals.empty()) out.reals.push_back(dict_reals[i]);
          if (!dict_bytes.empty()) out.bytes.push_back(dict_bytes[i]);
        }
      } else {
        DecodeValues(type, type_length, encoding, values, present, &out.ints, &out.reals, &out.bytes);
      }
    }
    return out;
  }

 private:
  static void ReadLevels(std::string_view data, int16_t max, int32_t n, std::vector<int16_t>* out) {
    if (max == 0) return;
    RleDecoder dec;
    EXPECT_TRUE(dec.Reset(data, BitWidth(static_cast<uint64_t>(max))).ok());
    std::vector<int16_t> v(n);
    EXPECT_TRUE(dec.GetBatch(v.data(), n).ok());
    out->insert(out->end(), v.begin(), v.end());
  }

  // INT32/INT64 values, PLAIN or DELTA_BINARY_PACKED.
  template <typename T>
  static void DecodeIntegers(Encoding encoding, std::string_view data, int64_t n, std::vector<int64_t>* ints) {
    std::vector<T> v(n);
    if (encoding == Encoding::kDeltaBinaryPacked) {
      DeltaBinaryPackedDecoder dec;
      EXPECT_TRUE(dec.Reset(data).ok());
      EXPECT_TRUE(dec.Decode(v.data(), n).ok());
    } else {
      EXPECT_EQ(encoding, Encoding::kPlain);
      EXPECT_TRUE(PlainDecode(&data, n, v.data()).ok());
    }
    ints->insert(ints->end(), v.begin(), v.end());
  }

  static void DecodeValues(Type type, int type_length, Encoding encoding, std::string_view data,
                           int64_t n, std::vector<int64_t>* ints, std::vector<double>* reals,
                           std::vector<std::string>* bytes) {
    switch (type) {
      case Type::kBoolean: {
        std::unique_ptr<bool[]> b(new bool[n]);
        if (encoding == Encoding::kRle) {
          size_t consumed = 0;
          auto run = SplitLengthPrefixedRle(data, &consumed);
          EXPECT_TRUE(run.ok());
          RleDecoder dec;
          EXPECT_TRUE(dec.Reset(*run, 1).ok());
          std::vector<uint8_t> v(n);
          EXPECT_TRUE(dec.GetBatch(v.data(), n).ok());
          for (auto x : v) ints->push_back(x);
          return;
        }
        EXPECT_EQ(encoding, Encoding::kPlain);
        PlainBooleanDecoder dec;
        dec.Reset(data);
        EXPECT_TRUE(dec.Decode(b.get(), n).ok());
        for (int64_t i = 0; i < n; ++i) ints->push_back(b[i]);
        return;
      }
      case Type::kInt32:
        return DecodeIntegers<int32_t>(encoding, data, n, ints);
      case Type::kInt64:
        return DecodeIntegers<int64_t>(encoding, data, n, ints);
      case Type::kFloat: {
        std::vector<float> v(n);
        EXPECT_TRUE(PlainDecode(&data, n, v.data()).ok());
        reals->insert(reals->end(), v.begin(), v.end());
        return;
      }
      case Type::kDouble: {
        std::vector<double> v(n);
        EXPECT_TRUE(PlainDecode(&data, n, v.data()).ok());
        reals->insert(reals->end(), v.begin(), v.end());
        return;
      }
      case Type::kByteArray:
      case Type::kFixedLenByteArray: {
        std::vector<std::string_view> v(n);
        if (type == Type::kByteArray) {
          EXPECT_TRUE(PlainDecodeByteArrays(&data, n, v.data()).ok());
        } else {
          EXPECT_TRUE(PlainDecodeFixedLenByteArrays(&data, n, type_length, v.data()).ok());
        }
        for (auto s : v) bytes->emplace_back(s);
        return;
      }
      default:
        ADD_FAILURE() << "unexpected type";
    }
  }

  std::string data_;
  FileMetaData metadata_;
};

using test::WriteFile;

template <typename T>
std::string Bytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

// ---- DuckDB, an independent reader (parquet_test_util.h) ----

bool DuckDbAvailable() { return test::IndependentReaderAvailable(test::IndependentReader::kDuckDb); }

std::string CompareWithDuckDb(const std::string& name, const std::string& data,
                              const std::vector<RecordBatch>& batches) {
  return test::CompareWithIndependentReader(test::IndependentReader::kDuckDb, name, data, batches);
}

// ---- Batches ----

ColumnVector Ints32(DataType type, std::vector<std::optional<int32_t>> v) {
  ColumnVector c = ColumnVector::Make(type);
  for (auto x : v) x ? c.AppendInt32(*x) : c.AppendNull();
  return c;
}
ColumnVector Ints64(DataType type, std::vector<std::optional<int64_t>> v) {
  ColumnVector c = ColumnVector::Make(type);
  for (auto x : v) x ? c.AppendInt64(*x) : c.AppendNull();
  return c;
}
ColumnVector Strings(DataType type, std::vector<std::optional<std::string>> v) {
  ColumnVector c = ColumnVector::Make(type);
  for (auto& x : v) x ? c.AppendBytes(*x) : c.AppendNull();
  return c;
}

RecordBatch Batch(Schema schema, std::vector<ColumnVector> columns) {
  RecordBatch b;
  b.schema = std::move(schema);
  b.num_rows = columns.empty() ? 0 : columns[0].length;
  b.columns = std::move(columns);
  EXPECT_TRUE(b.Validate().ok()) << b.Validate();
  return b;
}

// A batch with every leaf type, nulls in the nullable columns.
RecordBatch EveryTypeBatch() {
  Schema s;
  s.fields = {
      F("id", DataType::Of(TypeKind::kInt64), false),
      F("b", DataType::Of(TypeKind::kBoolean)),
      F("i8", DataType::Of(TypeKind::kInt8)),
      F("i16", DataType::Of(TypeKind::kInt16)),
      F("i32", DataType::Of(TypeKind::kInt32)),
      F("u8", DataType::Of(TypeKind::kUInt8)),
      F("u16", DataType::Of(TypeKind::kUInt16)),
      F("u32", DataType::Of(TypeKind::kUInt32)),
      F("u64", DataType::Of(TypeKind::kUInt64)),
      F("f", DataType::Of(TypeKind::kFloat)),
      F("d", DataType::Of(TypeKind::kDouble)),
      F("dec9", DataType::Decimal(9, 2)),
      F("dec18", DataType::Decimal(18, 4)),
      F("dec38", DataType::Decimal(38, 10)),
      F("s", DataType::Of(TypeKind::kString)),
      F("j", DataType::Of(TypeKind::kJson)),
      F("bin", DataType::Of(TypeKind::kBinary)),
      F("uuid", DataType::Of(TypeKind::kUuid)),
      F("date", DataType::Of(TypeKind::kDate)),
      F("t_ms", DataType::Time(Unit::kMillis, false)),
      F("t_us", DataType::Time(Unit::kMicros, false)),
      F("ts_ms", DataType::Timestamp(Unit::kMillis, false)),
      F("ts_us", DataType::Timestamp(Unit::kMicros, true)),
      F("ts_ns", DataType::Timestamp(Unit::kNanos, false)),
  };
  RecordBatch b = RecordBatch::Make(s);
  const int n = 300;
  for (int r = 0; r < n; ++r) {
    const bool null = r % 7 == 3;
    auto& c = b.columns;
    c[0].AppendInt64(r);
    null ? c[1].AppendNull() : c[1].AppendBool(r % 3 == 0);
    null ? c[2].AppendNull() : c[2].AppendInt32(static_cast<int8_t>(r * 37));
    null ? c[3].AppendNull() : c[3].AppendInt32(static_cast<int16_t>(r * 3001));
    null ? c[4].AppendNull() : c[4].AppendInt32(r == 5 ? INT32_MIN : r * 1000003);
    null ? c[5].AppendNull() : c[5].AppendInt32(r % 256);
    null ? c[6].AppendNull() : c[6].AppendInt32(65535 - r);
    null ? c[7].AppendNull() : c[7].AppendInt32(static_cast<int32_t>(4294967295u - r * 7u));
    null ? c[8].AppendNull() : c[8].AppendInt64(r == 1 ? -1 : r);
    null ? c[9].AppendNull() : c[9].AppendFloat(r == 2 ? NAN : r * 0.5f - 10);
    null ? c[10].AppendNull() : c[10].AppendDouble(r == 4 ? -0.0 : r * 1.25 - 100);
    null ? c[11].AppendNull() : c[11].AppendInt64(r * 12345 - 999999);
    null ? c[12].AppendNull() : c[12].AppendInt64(int64_t{r} * 1234567890123 - 99);
    if (null) {
      c[13].AppendNull();
    } else {
      std::string be(16, '\0');
      int64_t v = r == 6 ? -1 : int64_t{r} * 1000000007;
      for (int i = 0; i < 8; ++i) be[15 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
      for (int i = 0; i < 8; ++i) be[i] = v < 0 ? '\xff' : '\0';
      c[13].AppendBytes(be);
    }
    null ? c[14].AppendNull() : c[14].AppendBytes(r == 8 ? "s\xc3\xa9" : "s" + std::to_string(r % 10));
    null ? c[15].AppendNull() : c[15].AppendBytes("{\"k\": " + std::to_string(r) + "}");
    null ? c[16].AppendNull() : c[16].AppendBytes(std::string(static_cast<size_t>(r % 4), '\xff'));
    if (null) {
      c[17].AppendNull();
    } else {
      std::string u(16, static_cast<char>(r));
      c[17].AppendBytes(u);
    }
    null ? c[18].AppendNull() : c[18].AppendInt32(r * 50 - 5000);
    null ? c[19].AppendNull() : c[19].AppendInt64(r * 1000);
    null ? c[20].AppendNull() : c[20].AppendInt64(int64_t{r} * 1000001);
    null ? c[21].AppendNull() : c[21].AppendInt64(int64_t{r} * 86400000 - 5);
    null ? c[22].AppendNull() : c[22].AppendInt64(int64_t{r} * 86400000001);
    null ? c[23].AppendNull() : c[23].AppendInt64(int64_t{r} * 86400000000001 - 7);
  }
  b.num_rows = n;
  EXPECT_TRUE(b.Validate().ok()) << b.Validate();
  return b;
}

// ---- Tests ----

TEST(FileWriter, WritesAFooterWithTheSchemaRowCountsAndKeyValueMetadata) {
  Schema s;
  s.fields = {F("a", DataType::Of(TypeKind::kInt32), false), F("s", DataType::Of(TypeKind::kString))};
  RecordBatch b = Batch(s, {Ints32(DataType::Of(TypeKind::kInt32), {1, 2, 3}),
                            Strings(DataType::Of(TypeKind::kString), {"x", std::nullopt, "z"})});
  WriterOptions o;
  o.key_value_metadata = {{"origin", "test"}};
  o.created_by = "sluice test";
  ParquetFile f(WriteFile(s, {b}, o));
  const FileMetaData& md = f.metadata();
  EXPECT_EQ(md.num_rows, 3);
  EXPECT_EQ(md.schema, *ToParquetSchema(s));
  EXPECT_EQ(md.created_by, "sluice test");
  ASSERT_TRUE(md.key_value_metadata.has_value());
  EXPECT_EQ(*md.key_value_metadata, (std::vector<KeyValue>{{"origin", "test"}}));
  EXPECT_EQ(md.column_orders, (std::vector<ColumnOrder>(2, ColumnOrder::kTypeDefinedOrder)));
  ASSERT_EQ(md.row_groups.size(), 1u);
  EXPECT_EQ(md.row_groups[0].num_rows, 3);
  EXPECT_EQ(f.chunk(0, 1).path_in_schema, std::vector<std::string>{"s"});
  EXPECT_EQ(f.chunk(0, 1).codec, CompressionCodec::kZstd);
  EXPECT_EQ(f.chunk(0, 0).num_values, 3);
  const DecodedColumn s_col = f.Decode(0, 1);
  EXPECT_EQ(s_col.def, (std::vector<int16_t>{1, 0, 1}));
  EXPECT_EQ(s_col.bytes, (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(f.Decode(0, 0).ints, (std::vector<int64_t>{1, 2, 3}));
}

TEST(FileWriter, WritesEveryTypeSoThatOurDecodersAndDuckDbReadTheValuesBack) {
  RecordBatch b = EveryTypeBatch();
  const std::string data = WriteFile(b.schema, {b});
  ParquetFile f(data);
  ASSERT_EQ(f.metadata().row_groups.size(), 1u);
  // A few columns decoded here: the unsigned 32-bit bit patterns and the decimal bytes.
  const DecodedColumn u32 = f.Decode(0, 7);
  ASSERT_EQ(u32.ints.size(), 300u - 43u);
  EXPECT_EQ(static_cast<uint32_t>(u32.ints[0]), 4294967295u);
  const DecodedColumn dec38 = f.Decode(0, 13);
  EXPECT_EQ(dec38.bytes[5], std::string(16, '\xff'));  // row 6 (-1); row 3 is null
  EXPECT_EQ(f.chunk(0, 13).type, Type::kFixedLenByteArray);
  if (!DuckDbAvailable()) GTEST_SKIP() << "node or tools/node_modules missing";
  EXPECT_EQ(CompareWithDuckDb("every_type", data, {b}), "");
}

TEST(FileWriter, ComputesSignedUnsignedFloatAndByteOrderStatistics) {
  RecordBatch b = EveryTypeBatch();
  ParquetFile f(WriteFile(b.schema, {b}));
  auto stats = [&](int col) { return *f.chunk(0, col).statistics; };
  // INT32: signed order, legacy min/max too.
  EXPECT_EQ(stats(4).min_value, Bytes<int32_t>(INT32_MIN));
  EXPECT_EQ(stats(4).max_value, Bytes<int32_t>(299 * 1000003));
  EXPECT_EQ(stats(4).min, Bytes<int32_t>(INT32_MIN));
  EXPECT_EQ(stats(4).null_count, 43);
  EXPECT_EQ(stats(4).is_min_value_exact, true);
  // UINT32: unsigned order, no legacy (signed) fields.
  EXPECT_EQ(stats(7).max_value, Bytes<uint32_t>(4294967295u));
  EXPECT_EQ(stats(7).min_value, Bytes<uint32_t>(4294967295u - 299 * 7u));
  EXPECT_FALSE(stats(7).min.has_value());
  // UINT64 with -1 (2^64 - 1) is the max.
  EXPECT_EQ(stats(8).max_value, Bytes<uint64_t>(UINT64_MAX));
  EXPECT_EQ(stats(8).min_value, Bytes<uint64_t>(0));
  // FLOAT: the NaN is ignored.
  EXPECT_EQ(stats(9).min_value, Bytes<float>(-10.0f));
  EXPECT_EQ(stats(9).max_value, Bytes<float>(299 * 0.5f - 10));
  // DOUBLE with -0.0 in the middle: not the min or max.
  EXPECT_EQ(stats(10).min_value, Bytes<double>(-100.0));
  // Strings by unsigned bytes: "sé" (0xc3) sorts after "s9".
  EXPECT_EQ(stats(14).min_value, "s0");
  EXPECT_EQ(stats(14).max_value, "s\xc3\xa9");
  EXPECT_FALSE(stats(14).min.has_value());
  // Binary: empty is the min, 0xffffff the max.
  EXPECT_EQ(stats(16).min_value, "");
  EXPECT_EQ(stats(16).max_value, "\xff\xff\xff");
  // DECIMAL(38) on FIXED_LEN_BYTE_ARRAY(16): signed order, -1 is the min.
  EXPECT_EQ(stats(13).min_value, std::string(16, '\xff'));
  // DATE signed.
  EXPECT_EQ(stats(18).min_value, Bytes<int32_t>(-5000));
}

// String min/max by unsigned bytes, for values that share 8-byte prefixes, hold zero and
// 0xff bytes, and are prefixes of each other: the same as a plain sort, page by page too.
TEST(FileWriter, StringStatisticsFollowUnsignedByteOrderPastEightBytes) {
  std::vector<std::string> values = {"prefix00-b", "prefix00-a", "prefix00", "prefix0",
                                     std::string("prefix00\0", 9), "prefix00\xff",
                                     "a", std::string("a\0", 2), std::string("a\0\x01", 3),
                                     "\xff", "\xff\xff", "", "zzzzzzzzzz", "zzzzzzzzz\x80"};
  std::mt19937 rng(5);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(values.begin(), values.end(), rng);
    Schema s;
    s.fields = {F("s", DataType::Of(TypeKind::kString), false)};
    ColumnVector col = ColumnVector::Make(DataType::Of(TypeKind::kString));
    for (const std::string& v : values) col.AppendBytes(v);
    RecordBatch b = Batch(s, {col});
    WriterOptions o;
    o.page_rows = 5;
    ParquetFile f(WriteFile(s, {b}, o));
    const Statistics st = *f.chunk(0, 0).statistics;
    EXPECT_EQ(st.min_value, *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(st.max_value, *std::max_element(values.begin(), values.end()));
  }
}

TEST(FileWriter, OmitsMinAndMaxForAllNanFloatsAndNormalizesZeros) {
  Schema s;
  s.fields = {F("nan", DataType::Of(TypeKind::kDouble)), F("zero", DataType::Of(TypeKind::kFloat))};
  ColumnVector nan = ColumnVector::Make(DataType::Of(TypeKind::kDouble));
  ColumnVector zero = ColumnVector::Make(DataType::Of(TypeKind::kFloat));
  for (int i = 0; i < 10; ++i) {
    nan.AppendDouble(std::numeric_limits<double>::quiet_NaN());
    zero.AppendFloat(i % 2 ? 0.0f : -0.0f);
  }
  RecordBatch b = Batch(s, {nan, zero});
  ParquetFile f(WriteFile(s, {b}));
  const Statistics n = *f.chunk(0, 0).statistics;
  EXPECT_FALSE(n.min_value.has_value());
  EXPECT_FALSE(n.max_value.has_value());
  EXPECT_EQ(n.null_count, 0);
  EXPECT_FALSE(f.metadata().row_groups[0].columns[0].column_index_offset.has_value());
  EXPECT_TRUE(f.metadata().row_groups[0].columns[0].offset_index_offset.has_value());
  const Statistics z = *f.chunk(0, 1).statistics;
  EXPECT_EQ(z.min_value, Bytes<float>(-0.0f));
  EXPECT_EQ(z.max_value, Bytes<float>(0.0f));
}

TEST(FileWriter, UsesADictionaryForLowCardinalityAndFallsBackToPlainPastTheLimit) {
  Schema s;
  s.fields = {F("low", DataType::Of(TypeKind::kString), false),
              F("high", DataType::Of(TypeKind::kString), false)};
  ColumnVector low = ColumnVector::Make(DataType::Of(TypeKind::kString));
  ColumnVector high = ColumnVector::Make(DataType::Of(TypeKind::kString));
  for (int i = 0; i < 4000; ++i) {
    low.AppendBytes(i % 3 == 0 ? "red" : "green");
    // Repeats a little at first (so a dictionary pays off), then all distinct.
    high.AppendBytes(i < 500 ? "v" + std::to_string(i % 50) : "value-" + std::to_string(i * 7919));
  }
  RecordBatch b = Batch(s, {low, high});
  WriterOptions o;
  o.page_rows = 500;
  o.dictionary_page_limit = 2000;
  ParquetFile f(WriteFile(s, {b}, o));
  const DecodedColumn lo = f.Decode(0, 0);
  ASSERT_GE(lo.pages.size(), 2u);
  EXPECT_EQ(lo.pages[0].type, PageType::kDictionaryPage);
  EXPECT_EQ(lo.pages[0].num_values, 2);
  for (size_t i = 1; i < lo.pages.size(); ++i) EXPECT_EQ(lo.pages[i].encoding, Encoding::kRleDictionary);
  EXPECT_EQ(lo.bytes.size(), 4000u);
  EXPECT_EQ(lo.bytes[3], "red");
  EXPECT_EQ(f.chunk(0, 0).dictionary_page_offset, 4);

  const DecodedColumn hi = f.Decode(0, 1);
  ASSERT_GE(hi.pages.size(), 4u);
  EXPECT_EQ(hi.pages[0].type, PageType::kDictionaryPage);
  EXPECT_EQ(hi.pages[1].encoding, Encoding::kRleDictionary);
  EXPECT_EQ(hi.pages.back().encoding, Encoding::kPlain);
  ASSERT_EQ(hi.bytes.size(), 4000u);
  for (int i : {0, 499, 500, 1234, 3999}) {
    EXPECT_EQ(hi.bytes[i], i < 500 ? "v" + std::to_string(i % 50) : "value-" + std::to_string(i * 7919));
  }
  const auto& enc = f.chunk(0, 1).encodings;
  EXPECT_NE(std::find(enc.begin(), enc.end(), Encoding::kRleDictionary), enc.end());
  EXPECT_NE(std::find(enc.begin(), enc.end(), Encoding::kPlain), enc.end());
}

// A first page whose first 1,024 values are (nearly: at least 97%) distinct gives up its
// dictionary there; more repeats within them keep it (the page's end decides, as before).
TEST(FileWriter, DistinctFirstValuesGiveUpTheDictionaryEarly) {
  Schema s;
  s.fields = {F("id", DataType::Of(TypeKind::kString), false),
              F("late_repeats", DataType::Of(TypeKind::kString), false),
              F("nearly_distinct", DataType::Of(TypeKind::kString), false),
              F("sku", DataType::Of(TypeKind::kString), true),
              F("repeats_4pct", DataType::Of(TypeKind::kString), false)};
  ColumnVector id = ColumnVector::Make(DataType::Of(TypeKind::kString));
  ColumnVector late = ColumnVector::Make(DataType::Of(TypeKind::kString));
  ColumnVector nearly = ColumnVector::Make(DataType::Of(TypeKind::kString));
  ColumnVector sku = ColumnVector::Make(DataType::Of(TypeKind::kString));
  ColumnVector repeats = ColumnVector::Make(DataType::Of(TypeKind::kString));
  for (int i = 0; i < 5000; ++i) {
    id.AppendBytes("order-" + std::to_string(i));
    // Distinct for 1,024 values, then one value over and over: a dictionary would have paid
    // off over the whole page, but the early look cannot know.
    late.AppendBytes(i < 1024 ? "x" + std::to_string(i) : "same");
    // 1,004 distinct of the first 1,024 (98%), like e-mail addresses of many customers.
    nearly.AppendBytes(i % 50 == 0 ? "user0" : "user" + std::to_string(i));
    if (i % 2 == 0) sku.AppendNull(); else sku.AppendBytes("SKU-" + std::to_string(i % 40));
    // 983 distinct of the first 1,024 (96%), then 30 values over and over.
    repeats.AppendBytes(i >= 1024 ? "r" + std::to_string(i % 30)
                                  : i % 24 == 0 ? "r0" : "v" + std::to_string(i));
  }
  RecordBatch b = Batch(s, {id, late, nearly, sku, repeats});
  const std::string data = WriteFile(s, {b});
  ParquetFile f(data);
  for (int c : {0, 1, 2}) {
    SCOPED_TRACE(c);
    const DecodedColumn col = f.Decode(0, c);
    ASSERT_EQ(col.pages.size(), 1u);
    EXPECT_EQ(col.pages[0].encoding, Encoding::kPlain);
    EXPECT_FALSE(f.chunk(0, c).dictionary_page_offset.has_value());
    ASSERT_EQ(col.bytes.size(), 5000u);
  }
  EXPECT_EQ(f.Decode(0, 0).bytes[4321], "order-4321");
  EXPECT_EQ(f.Decode(0, 1).bytes[1023], "x1023");
  EXPECT_EQ(f.Decode(0, 1).bytes[1024], "same");
  EXPECT_EQ(f.Decode(0, 2).bytes[100], "user0");
  EXPECT_EQ(f.Decode(0, 2).bytes[101], "user101");
  for (int c : {3, 4}) {
    SCOPED_TRACE(c);
    const DecodedColumn col = f.Decode(0, c);
    ASSERT_EQ(col.pages.size(), 2u);
    EXPECT_EQ(col.pages[0].type, PageType::kDictionaryPage);
    EXPECT_EQ(col.pages[1].encoding, Encoding::kRleDictionary);
  }
  EXPECT_EQ(f.Decode(0, 4).bytes[48], "r0");
  EXPECT_EQ(f.Decode(0, 4).bytes[4999], "r19");
  if (!DuckDbAvailable()) GTEST_SKIP();
  EXPECT_EQ(CompareWithDuckDb("early_plain", data, {b}), "");
}

TEST(FileWriter, ChoosesDeltaBinaryPackedForSortedInt64s) {
  Schema s;
  s.fields = {F("ts", DataType::Of(TypeKind::kInt64), false)};
  ColumnVector v = ColumnVector::Make(DataType::Of(TypeKind::kInt64));
  for (int64_t i = 0; i < 10000; ++i) v.AppendInt64(1700000000000000 + i * 1000 + (i % 3));
  RecordBatch b = Batch(s, {v});
  const std::string data = WriteFile(s, {b});
  ParquetFile f(data);
  const DecodedColumn c = f.Decode(0, 0);
  ASSERT_EQ(c.pages.size(), 1u);
  EXPECT_EQ(c.pages[0].encoding, Encoding::kDeltaBinaryPacked);
  EXPECT_EQ(c.ints, v.ints64);
  EXPECT_FALSE(f.chunk(0, 0).dictionary_page_offset.has_value());
  if (!DuckDbAvailable()) GTEST_SKIP();
  EXPECT_EQ(CompareWithDuckDb("delta", data, {b}), "");
}

TEST(FileWriter, WritesEveryCodecAndDataPageV2) {
  RecordBatch b = EveryTypeBatch();
  for (CompressionCodec codec : {CompressionCodec::kUncompressed, CompressionCodec::kSnappy,
                                 CompressionCodec::kGzip, CompressionCodec::kZstd}) {
    for (bool v2 : {false, true}) {
      SCOPED_TRACE(CompressionCodecName(codec) + (v2 ? " v2" : " v1"));
      WriterOptions o;
      o.codec = codec;
      o.data_page_v2 = v2;
      o.page_rows = 100;
      const std::string data = WriteFile(b.schema, {b}, o);
      ParquetFile f(data);
      EXPECT_EQ(f.chunk(0, 0).codec, codec);
      const DecodedColumn id = f.Decode(0, 0);
      EXPECT_EQ(id.pages.size(), 3u);
      EXPECT_EQ(id.pages[0].type, v2 ? PageType::kDataPageV2 : PageType::kDataPage);
      EXPECT_EQ(id.ints, b.columns[0].ints64);
      const DecodedColumn flag = f.Decode(0, 1);
      EXPECT_EQ(flag.pages[0].encoding, v2 ? Encoding::kRle : Encoding::kPlain);
      EXPECT_EQ(flag.ints.size(), 257u);
      if (DuckDbAvailable()) {
        EXPECT_EQ(CompareWithDuckDb("codec", data, {b}), "");
      }
    }
  }
}

TEST(FileWriter, CutsRowGroupsByRowsAcrossBatches) {
  Schema s;
  s.fields = {F("x", DataType::Of(TypeKind::kInt32))};
  std::vector<RecordBatch> batches;
  for (int k = 0; k < 3; ++k) {
    std::vector<std::optional<int32_t>> v;
    for (int i = 0; i < 700; ++i) v.push_back(i % 11 == 0 ? std::nullopt : std::optional(k * 700 + i));
    batches.push_back(Batch(s, {Ints32(DataType::Of(TypeKind::kInt32), v)}));
  }
  WriterOptions o;
  o.row_group_rows = 1000;
  const std::string data = WriteFile(s, batches, o);
  ParquetFile f(data);
  ASSERT_EQ(f.metadata().row_groups.size(), 3u);
  EXPECT_EQ(f.metadata().row_groups[0].num_rows, 1000);
  EXPECT_EQ(f.metadata().row_groups[1].num_rows, 1000);
  EXPECT_EQ(f.metadata().row_groups[2].num_rows, 100);
  EXPECT_EQ(f.metadata().num_rows, 2100);
  const DecodedColumn last = f.Decode(2, 0);
  EXPECT_EQ(last.def.size(), 100u);
  EXPECT_EQ(last.ints.back(), 2099);
  if (!DuckDbAvailable()) GTEST_SKIP();
  EXPECT_EQ(CompareWithDuckDb("row_groups", data, batches), "");
}

TEST(FileWriter, CutsRowGroupsByBytes) {
  Schema s;
  s.fields = {F("s", DataType::Of(TypeKind::kString), false)};
  ColumnVector v = ColumnVector::Make(DataType::Of(TypeKind::kString));
  for (int i = 0; i < 200000; ++i) v.AppendBytes("row " + std::to_string(i * 2654435761u));
  RecordBatch b = Batch(s, {v});
  WriterOptions o;
  o.row_group_bytes = 512 << 10;
  o.codec = CompressionCodec::kUncompressed;
  ParquetFile f(WriteFile(s, {b}, o));
  EXPECT_GE(f.metadata().row_groups.size(), 3u);
  int64_t rows = 0;
  for (const auto& rg : f.metadata().row_groups) rows += rg.num_rows;
  EXPECT_EQ(rows, 200000);
}

TEST(FileWriter, WritesAPageIndexWithOneEntryPerPage) {
  Schema s;
  s.fields = {F("x", DataType::Of(TypeKind::kInt64))};
  std::vector<std::optional<int64_t>> v;
  for (int i = 0; i < 250; ++i) v.push_back(i >= 100 && i < 200 ? std::nullopt : std::optional<int64_t>(i));
  RecordBatch b = Batch(s, {Ints64(DataType::Of(TypeKind::kInt64), v)});
  WriterOptions o;
  o.page_rows = 100;
  o.dictionary = false;
  const std::string data = WriteFile(s, {b}, o);
  ParquetFile f(data);
  const ColumnChunk& chunk = f.metadata().row_groups[0].columns[0];
  ASSERT_TRUE(chunk.column_index_offset && chunk.offset_index_offset);
  auto ci = ParseColumnIndex(f.bytes().substr(*chunk.column_index_offset, *chunk.column_index_length));
  ASSERT_TRUE(ci.ok()) << ci.status();
  EXPECT_EQ(ci->null_pages, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(ci->min_values, (std::vector<std::string>{Bytes<int64_t>(0), "", Bytes<int64_t>(200)}));
  EXPECT_EQ(ci->max_values, (std::vector<std::string>{Bytes<int64_t>(99), "", Bytes<int64_t>(249)}));
  EXPECT_EQ(ci->null_counts, (std::vector<int64_t>{0, 100, 0}));
  EXPECT_EQ(ci->boundary_order, BoundaryOrder::kAscending);
  auto oi = ParseOffsetIndex(f.bytes().substr(*chunk.offset_index_offset, *chunk.offset_index_length));
  ASSERT_TRUE(oi.ok()) << oi.status();
  ASSERT_EQ(oi->page_locations.size(), 3u);
  EXPECT_EQ(oi->page_locations[0].offset, chunk.meta_data->data_page_offset);
  EXPECT_EQ(oi->page_locations[1].first_row_index, 100);
  EXPECT_EQ(oi->page_locations[2].first_row_index, 200);
  EXPECT_EQ(oi->page_locations[0].offset + oi->page_locations[0].compressed_page_size,
            oi->page_locations[1].offset);
  // Each location starts a page header.
  size_t header_size = 0;
  auto h = ParsePageHeader(f.bytes().substr(oi->page_locations[2].offset), &header_size);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->data_page_header->num_values, 50);
  EXPECT_EQ(static_cast<int64_t>(header_size) + h->compressed_page_size,
            oi->page_locations[2].compressed_page_size);
}

// list<int32>, struct<a: int32, b: list<string>>, list<struct<x: double, y: list<int64>>>,
// list<list<int32>>: nulls and empties at every level.
RecordBatch NestedBatch() {
  const DataType i32 = DataType::Of(TypeKind::kInt32);
  const DataType str = DataType::Of(TypeKind::kString);
  Schema s;
  s.fields = {
      F("li", DataType::List(F("element", i32))),
      F("st", DataType::Struct({F("a", i32, false), F("b", DataType::List(F("element", str)))})),
      F("ls", DataType::List(F("element", DataType::Struct({F("x", DataType::Of(TypeKind::kDouble)),
                                                            F("y", DataType::List(F("element", DataType::Of(TypeKind::kInt64), false)))})))),
      F("ll", DataType::List(F("element", DataType::List(F("element", i32)))), false),
  };
  RecordBatch b = RecordBatch::Make(s);
  // li: [1, null, 3], null, [], [4]
  ColumnVector& li = b.columns[0];
  li.offsets = {0, 3, 3, 3, 4};
  li.validity = {1, 0, 1, 1};
  li.length = 4;
  li.children[0] = Ints32(i32, {1, std::nullopt, 3, 4});
  // st: {a:1, b:["x", null]}, null, {a:3, b:null}, {a:4, b:[]}
  ColumnVector& st = b.columns[1];
  st.length = 4;
  st.validity = {1, 0, 1, 1};
  st.children[0] = Ints32(i32, {1, 0, 3, 4});
  ColumnVector& stb = st.children[1];
  stb.length = 4;
  stb.offsets = {0, 2, 2, 2, 2};
  stb.validity = {1, 0, 0, 1};
  stb.children[0] = Strings(str, {"x", std::nullopt});
  // ls: [{x:1.5, y:[1,2]}, null, {x:null, y:null}], [], null, [{x:2.5, y:[]}]
  ColumnVector& ls = b.columns[2];
  ls.length = 4;
  ls.offsets = {0, 3, 3, 3, 4};
  ls.validity = {1, 1, 0, 1};
  ColumnVector& lss = ls.children[0];
  lss.length = 4;
  lss.validity = {1, 0, 1, 1};
  lss.children[0] = ColumnVector::Make(DataType::Of(TypeKind::kDouble));
  lss.children[0].AppendDouble(1.5);
  lss.children[0].AppendNull();
  lss.children[0].AppendNull();
  lss.children[0].AppendDouble(2.5);
  ColumnVector& y = lss.children[1];
  y.length = 4;
  y.offsets = {0, 2, 2, 2, 2};
  y.validity = {1, 0, 0, 1};
  y.children[0] = Ints64(DataType::Of(TypeKind::kInt64), {1, 2});
  // ll: [[1], [], null], [], [[2, null]], [null]
  ColumnVector& ll = b.columns[3];
  ll.length = 4;
  ll.offsets = {0, 3, 3, 4, 5};
  ColumnVector& inner = ll.children[0];
  inner.length = 5;
  inner.offsets = {0, 1, 1, 1, 3, 3};
  inner.validity = {1, 1, 0, 1, 0};
  inner.children[0] = Ints32(i32, {1, 2, std::nullopt});
  b.num_rows = 4;
  EXPECT_TRUE(b.Validate().ok()) << b.Validate();
  return b;
}

TEST(FileWriter, ShredsNestedListsAndStructsIntoDremelLevels) {
  RecordBatch b = NestedBatch();
  const std::string data = WriteFile(b.schema, {b});
  ParquetFile f(data);
  // Leaves: li.list.element, st.a, st.b.list.element, ls.list.element.x,
  // ls.list.element.y.list.element, ll.list.element.list.element.
  ASSERT_EQ(f.metadata().row_groups[0].columns.size(), 6u);
  EXPECT_EQ(f.chunk(0, 4).path_in_schema,
            (std::vector<std::string>{"ls", "list", "element", "y", "list", "element"}));

  const DecodedColumn li = f.Decode(0, 0);  // max def 3, max rep 1
  EXPECT_EQ(li.def, (std::vector<int16_t>{3, 2, 3, 0, 1, 3}));
  EXPECT_EQ(li.rep, (std::vector<int16_t>{0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(li.ints, (std::vector<int64_t>{1, 3, 4}));

  const DecodedColumn sta = f.Decode(0, 1);  // st optional, a required: max def 1
  EXPECT_EQ(sta.def, (std::vector<int16_t>{1, 0, 1, 1}));
  EXPECT_TRUE(sta.rep.empty());
  EXPECT_EQ(sta.ints, (std::vector<int64_t>{1, 3, 4}));

  const DecodedColumn stb = f.Decode(0, 2);  // st(1) b(2) list(3) element(4)
  EXPECT_EQ(stb.def, (std::vector<int16_t>{4, 3, 0, 1, 2}));
  EXPECT_EQ(stb.rep, (std::vector<int16_t>{0, 1, 0, 0, 0}));
  EXPECT_EQ(stb.bytes, (std::vector<std::string>{"x"}));

  const DecodedColumn y = f.Decode(0, 4);  // ls(1) list(2) element(3) y(4) list(5), max rep 2
  EXPECT_EQ(y.def, (std::vector<int16_t>{5, 5, 2, 3, 1, 0, 4}));
  EXPECT_EQ(y.rep, (std::vector<int16_t>{0, 2, 1, 1, 0, 0, 0}));
  EXPECT_EQ(y.ints, (std::vector<int64_t>{1, 2}));

  const DecodedColumn ll = f.Decode(0, 5);  // ll required: list(1) element(2) list(3) element(4)
  EXPECT_EQ(ll.def, (std::vector<int16_t>{4, 2, 1, 0, 4, 3, 1}));
  EXPECT_EQ(ll.rep, (std::vector<int16_t>{0, 1, 1, 0, 0, 2, 0}));
  EXPECT_EQ(ll.ints, (std::vector<int64_t>{1, 2}));

  if (!DuckDbAvailable()) GTEST_SKIP();
  EXPECT_EQ(CompareWithDuckDb("nested", data, {b}), "");
}

TEST(FileWriter, CutsPagesOfNestedColumnsAtRowBoundaries) {
  const DataType i32 = DataType::Of(TypeKind::kInt32);
  Schema s;
  s.fields = {F("l", DataType::List(F("element", i32)))};
  RecordBatch b = RecordBatch::Make(s);
  ColumnVector& l = b.columns[0];
  l.offsets = {0};
  for (int r = 0; r < 3000; ++r) {
    for (int k = 0; k < r % 5; ++k) l.children[0].AppendInt32(r * 10 + k);
    l.offsets.push_back(l.children[0].length);
  }
  l.length = 3000;
  b.num_rows = 3000;
  WriterOptions o;
  o.page_rows = 1000;
  o.data_page_v2 = true;
  const std::string data = WriteFile(s, {b}, o);
  ParquetFile f(data);
  const DecodedColumn c = f.Decode(0, 0);
  ASSERT_EQ(c.pages.size() - (c.pages[0].type == PageType::kDictionaryPage), 3u);
  const ColumnChunk& chunk = f.metadata().row_groups[0].columns[0];
  auto oi = ParseOffsetIndex(f.bytes().substr(*chunk.offset_index_offset, *chunk.offset_index_length));
  ASSERT_TRUE(oi.ok());
  EXPECT_EQ(oi->page_locations[1].first_row_index, 1000);
  EXPECT_EQ(oi->page_locations[2].first_row_index, 2000);
  if (!DuckDbAvailable()) GTEST_SKIP();
  EXPECT_EQ(CompareWithDuckDb("nested_pages", data, {b}), "");
}

TEST(FileWriter, RejectsBatchesOfAnotherSchemaAndBadOptions) {
  Schema s;
  s.fields = {F("a", DataType::Of(TypeKind::kInt32))};
  std::string out;
  common::StringOutputStream stream(&out);
  WriterOptions bad;
  bad.page_rows = 0;
  auto w0 = FileWriter::Open(&stream, s, bad);
  EXPECT_EQ(w0.status().message(), "Parquet writer option page_rows must be positive, got 0");
  Schema bad_schema;
  bad_schema.fields = {F("d", DataType::Decimal(40, 1))};
  EXPECT_EQ(FileWriter::Open(&stream, bad_schema, {}).status().message(),
            "field d: decimal precision 40 is outside 1..38");

  auto w = FileWriter::Open(&stream, s, {});
  ASSERT_TRUE(w.ok());
  Schema other;
  other.fields = {F("b", DataType::Of(TypeKind::kInt32))};
  RecordBatch b = Batch(other, {Ints32(DataType::Of(TypeKind::kInt32), {1})});
  Status st = (*w)->Write(b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("differs from the file's schema"), std::string::npos) << st;
}

TEST(FileWriter, WritesAValidFileWithNoRows) {
  Schema s;
  s.fields = {F("a", DataType::Of(TypeKind::kInt32))};
  const std::string data = WriteFile(s, {});
  ParquetFile f(data);
  EXPECT_EQ(f.metadata().num_rows, 0);
  EXPECT_TRUE(f.metadata().row_groups.empty());
  if (!DuckDbAvailable()) GTEST_SKIP();
  EXPECT_EQ(CompareWithDuckDb("empty", data, {}), "");
}

}  // namespace
}  // namespace sluice::parquet
