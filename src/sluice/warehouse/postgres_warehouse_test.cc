#include "sluice/warehouse/postgres_warehouse.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "sluice/parquet/value_text.h"
#include "sluice/warehouse/warehouse_test_util.h"

// The PostgreSQL engine against a real server (scripts/with-postgres; skipped without one
// unless SLUICE_REQUIRE_POSTGRES=1). Every test gets a fresh database.

namespace sluice::warehouse {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TimeUnit;
using parquet::TypeKind;

class PostgresWarehouseTest : public ::testing::TestWithParam<std::string> {};

std::unique_ptr<Session> Connect(Warehouse& w) {
  auto session = w.Connect();
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  return session.ok() ? std::move(*session) : nullptr;
}

// Creates `table` with the engine's type for each column.
void CreateTable(Session& s, const std::string& table, const std::vector<Column>& columns) {
  std::string ddl = "CREATE TABLE " + table + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    auto type = s.ColumnTypeSql(columns[i].type);
    ASSERT_TRUE(type.ok()) << type.status().ToString();
    ddl += (i ? ", " : "") + QuoteIdentifier(columns[i].name) + " " + *type;
  }
  Status status = s.Execute(ddl + ")");
  ASSERT_TRUE(status.ok()) << status.ToString();
}

// Appends every column of `values` as one batch and finishes; returns the server's count.
int64_t CopyRows(Session& s, const TableName& table, const std::vector<Column>& columns,
                 const std::vector<ColumnVector>& values, int64_t rows) {
  auto writer = s.OpenRowWriter(table, columns);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  if (!writer.ok()) return -1;
  std::vector<RowWriter::Input> inputs;
  for (const ColumnVector& v : values) inputs.push_back({&v, false});
  Status status = (*writer)->Append(inputs, rows);
  EXPECT_TRUE(status.ok()) << status.ToString();
  auto copied = (*writer)->Finish();
  EXPECT_TRUE(copied.ok()) << copied.status().ToString();
  return copied.ok() ? *copied : -1;
}

// Each row of the result as its values' text, joined by '|' (NULL shows as "NULL").
std::vector<std::string> Rows(Session& s, const std::string& sql) {
  auto result = s.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::string> rows;
  if (!result.ok()) return rows;
  for (const auto& row : result->rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += (i ? "|" : "") + (row[i].is_null() ? std::string("NULL") : row[i].ToString());
    }
    rows.push_back(line);
  }
  return rows;
}

// 16-byte big-endian two's complement, as wide decimals are stored.
std::string WideBytes(__int128 v) {
  std::string bytes(16, '\0');
  auto u = static_cast<unsigned __int128>(v);
  for (int i = 15; i >= 0; --i) {
    bytes[static_cast<size_t>(i)] = static_cast<char>(static_cast<uint8_t>(u));
    u >>= 8;
  }
  return bytes;
}

__int128 Pow10(int n) {
  __int128 v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

void AppendDecimal(ColumnVector& column, __int128 unscaled) {
  if (column.type.precision <= 18) {
    column.AppendInt64(static_cast<int64_t>(unscaled));
  } else {
    column.AppendBytes(WideBytes(unscaled));
  }
}

std::string DecimalText(__int128 unscaled, int scale) {
  std::string text;
  parquet::AppendDecimalText(unscaled, scale, &text);
  return text;
}

// A short-lived process's standard output (for psql).
std::string CommandOutput(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

std::vector<Column> EveryTypeColumns() {
  return {{"id", DataType::Of(TypeKind::kInt32)},
          {"flag", DataType::Of(TypeKind::kBoolean)},
          {"tiny", DataType::Of(TypeKind::kInt8)},
          {"small", DataType::Of(TypeKind::kInt16)},
          {"big", DataType::Of(TypeKind::kInt64)},
          {"f", DataType::Of(TypeKind::kFloat)},
          {"d", DataType::Of(TypeKind::kDouble)},
          {"price", DataType::Decimal(10, 2)},
          {"wide", DataType::Decimal(38, 10)},
          {"day", DataType::Of(TypeKind::kDate)},
          {"at", DataType::Timestamp(TimeUnit::kMicros)},
          {"name", DataType::Of(TypeKind::kString)},
          {"doc", DataType::Of(TypeKind::kJson)}};
}

// Three rows: typical values, extremes, and all NULL (but the id).
std::vector<ColumnVector> EveryTypeValues(const std::vector<Column>& columns) {
  std::vector<ColumnVector> v;
  for (const auto& c : columns) v.push_back(ColumnVector::Make(c.type));
  // id
  v[0].AppendInt32(1), v[0].AppendInt32(2), v[0].AppendInt32(3);
  v[1].AppendBool(true), v[1].AppendBool(false), v[1].AppendNull();
  v[2].AppendInt32(-128), v[2].AppendInt32(127), v[2].AppendNull();
  v[3].AppendInt32(-32768), v[3].AppendInt32(32767), v[3].AppendNull();
  v[4].AppendInt64(INT64_MIN), v[4].AppendInt64(9007199254740993), v[4].AppendNull();
  v[5].AppendFloat(1.5f), v[5].AppendFloat(-0.1f), v[5].AppendNull();
  v[6].AppendDouble(0.1), v[6].AppendDouble(-1e300), v[6].AppendNull();
  v[7].AppendInt64(-1250), v[7].AppendInt64(99999999), v[7].AppendNull();  // -12.50, 999999.99
  AppendDecimal(v[8], -(Pow10(38) - 1)), AppendDecimal(v[8], 1), v[8].AppendNull();
  v[9].AppendInt32(-1), v[9].AppendInt32(10958), v[9].AppendNull();  // 1969-12-31, 2000-01-02
  // 2024-02-29 23:59:59.000001, 1969-12-31 23:59:59.999999
  v[10].AppendInt64(1709251199000001), v[10].AppendInt64(-1), v[10].AppendNull();
  v[11].AppendBytes("Zürich — 東京 🚀"), v[11].AppendBytes(""), v[11].AppendNull();
  v[12].AppendBytes(R"({"b": [1, 2.5, null], "a": "x"})"), v[12].AppendBytes("[]"),
      v[12].AppendNull();
  return v;
}

TEST_P(PostgresWarehouseTest, RowWriterRoundTripsEveryDatasetType) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  auto columns = EveryTypeColumns();
  CreateTable(*s, "silver.every", columns);
  auto values = EveryTypeValues(columns);
  ASSERT_TRUE(s->Begin().ok());
  EXPECT_EQ(CopyRows(*s, {"silver", "every"}, columns, values, 3), 3);
  ASSERT_TRUE(s->Commit().ok());

  // Typed as Query reports them.
  auto typed = s->Query(
      "SELECT flag, tiny, small, big, f, d, price, wide, name FROM silver.every "
      "WHERE id = 1");
  ASSERT_TRUE(typed.ok()) << typed.status().ToString();
  ASSERT_EQ(typed->rows.size(), 1u);
  const auto& row = typed->rows[0];
  EXPECT_EQ(row[0], Value::Bool(true));
  EXPECT_EQ(row[1], Value::Integer(-128));
  EXPECT_EQ(row[2], Value::Integer(-32768));
  EXPECT_EQ(row[3], Value::Integer(INT64_MIN));
  EXPECT_EQ(row[4], Value::Real(1.5));
  EXPECT_EQ(row[5], Value::Real(0.1));
  EXPECT_EQ(row[6], Value::Numeric("-12.50"));
  EXPECT_EQ(row[7], Value::Numeric("-9999999999999999999999999999.9999999999"));
  EXPECT_EQ(row[8], Value::Text("Zürich — 東京 🚀"));

  // Everything as the server's own text output.
  EXPECT_EQ(
      Rows(*s,
           "SELECT flag, tiny, small, big, f, d, price, wide, day, at, name, doc "
           "FROM silver.every ORDER BY id"),
      (std::vector<std::string>{
          "true|-128|-32768|-9223372036854775808|1.5|0.1|-12.50|"
          "-9999999999999999999999999999.9999999999|1969-12-31|"
          "2024-02-29 23:59:59.000001+00|Zürich — 東京 🚀|{\"a\": \"x\", \"b\": [1, 2.5, null]}",
          "false|127|32767|9007199254740993|-0.1|-1e+300|999999.99|0.0000000001|2000-01-02|"
          "1969-12-31 23:59:59.999999+00||[]",
          "NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL"}));
  // jsonb is JSON, not text: its operators work on what was copied.
  EXPECT_EQ(Rows(*s, "SELECT doc->'b'->>1 FROM silver.every WHERE id = 1"),
            std::vector<std::string>{"2.5"});
}

TEST_P(PostgresWarehouseTest, DecimalsOfEveryPrecisionAndScaleReadBackExactly) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  // Each (precision, scale) gets a table; each value a row; the server's numeric text must
  // equal the decimal's own text form.
  std::mt19937_64 random(42);
  std::vector<std::pair<int, int>> types = {{1, 0},   {4, 4},   {9, 2},   {12, 3},  {18, 0},
                                            {18, 18}, {18, 7},  {19, 0},  {20, 5},  {28, 9},
                                            {38, 0},  {38, 2},  {38, 10}, {38, 19}, {38, 37},
                                            {38, 38}, {30, 15}, {5, 1},   {7, 6},   {22, 13}};
  for (auto [precision, scale] : types) {
    SCOPED_TRACE("decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")");
    DataType type = DataType::Decimal(precision, scale);
    std::vector<Column> columns = {{"i", DataType::Of(TypeKind::kInt32)}, {"v", type}};
    std::string table = "d_" + std::to_string(precision) + "_" + std::to_string(scale);
    CreateTable(*s, "silver." + table, columns);
    std::vector<__int128> unscaled = {0,
                                      1,
                                      -1,
                                      10,
                                      -10,
                                      9999,
                                      10000,
                                      -10001,
                                      100000000,
                                      Pow10(precision) - 1,
                                      -(Pow10(precision) - 1)};
    for (int k = 0; k < 200; ++k) {
      // Random magnitudes of every length, both signs.
      int digits = 1 + static_cast<int>(random() % static_cast<uint64_t>(precision));
      __int128 v = (static_cast<__int128>(random()) << 64 | random()) % Pow10(digits);
      if (v < 0) v = -v;
      unscaled.push_back(random() % 2 ? v : -v);
    }
    std::vector<ColumnVector> values = {ColumnVector::Make(columns[0].type),
                                        ColumnVector::Make(type)};
    std::vector<std::string> expected;
    for (size_t r = 0; r < unscaled.size(); ++r) {
      if (unscaled[r] >= Pow10(precision) || -unscaled[r] >= Pow10(precision)) continue;
      values[0].AppendInt32(static_cast<int32_t>(values[0].length));
      AppendDecimal(values[1], unscaled[r]);
      expected.push_back(DecimalText(unscaled[r], scale));
    }
    EXPECT_EQ(CopyRows(*s, {"silver", table}, columns, values, values[0].length), values[0].length);
    EXPECT_EQ(Rows(*s, "SELECT v::text FROM silver." + table + " ORDER BY i"), expected);
  }
}

TEST_P(PostgresWarehouseTest, DatesAndTimestampsAroundBothEpochs) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  std::vector<Column> columns = {{"i", DataType::Of(TypeKind::kInt32)},
                                 {"day", DataType::Of(TypeKind::kDate)},
                                 {"at", DataType::Timestamp(TimeUnit::kMicros)},
                                 {"at_ms", DataType::Timestamp(TimeUnit::kMillis)}};
  CreateTable(*s, "silver.times", columns);
  std::vector<ColumnVector> v;
  for (const auto& c : columns) v.push_back(ColumnVector::Make(c.type));
  struct Case {
    int32_t days;
    int64_t micros;
    int64_t millis;
  };
  std::vector<Case> cases = {{0, 0, 0},
                             {10957, 946684800000000, 946684800000},
                             {10956, 946684799999999, 946684799999},
                             {-719162, -62135596800000000, -62135596800000},   // 0001-01-01
                             {-25567, -2208988800000000, -2208988800001},      // 1900-01-01
                             {2932896, 253402300799999999, 253402300799999}};  // 9999-12-31
  for (size_t i = 0; i < cases.size(); ++i) {
    v[0].AppendInt32(static_cast<int32_t>(i));
    v[1].AppendInt32(cases[i].days);
    v[2].AppendInt64(cases[i].micros);
    v[3].AppendInt64(cases[i].millis);
  }
  EXPECT_EQ(CopyRows(*s, {"silver", "times"}, columns, v, v[0].length), v[0].length);
  EXPECT_EQ(Rows(*s, "SELECT day, at, at_ms FROM silver.times ORDER BY i"),
            (std::vector<std::string>{
                "1970-01-01|1970-01-01 00:00:00+00|1970-01-01 00:00:00+00",
                "2000-01-01|2000-01-01 00:00:00+00|2000-01-01 00:00:00+00",
                "1999-12-31|1999-12-31 23:59:59.999999+00|1999-12-31 23:59:59.999+00",
                "0001-01-01|0001-01-01 00:00:00+00|0001-01-01 00:00:00+00",
                "1900-01-01|1900-01-01 00:00:00+00|1899-12-31 23:59:59.999+00",
                "9999-12-31|9999-12-31 23:59:59.999999+00|9999-12-31 23:59:59.999+00"}));
  // The values the server holds, not only their text: epoch seconds and day arithmetic.
  EXPECT_EQ(Rows(*s,
                 "SELECT extract(epoch FROM at)::text, day - DATE '1970-01-01' "
                 "FROM silver.times WHERE i = 2"),
            std::vector<std::string>{"946684799.999999|10956"});
}

TEST_P(PostgresWarehouseTest, CopiedRowsEqualWhatPsqlReadsBack) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  auto columns = EveryTypeColumns();
  CreateTable(*s, "silver.every", columns);
  auto values = EveryTypeValues(columns);
  EXPECT_EQ(CopyRows(*s, {"silver", "every"}, columns, values, 3), 3);
  // An independent reader: psql's CSV export of the table.
  std::string csv = CommandOutput("psql -X -q '" + w->url() +
                                  "' -c \"COPY (SELECT * FROM silver.every ORDER BY id) TO STDOUT "
                                  "(FORMAT csv)\" 2>&1");
  EXPECT_EQ(csv,
            "1,t,-128,-32768,-9223372036854775808,1.5,0.1,-12.50,"
            "-9999999999999999999999999999.9999999999,1969-12-31,2024-02-29 23:59:59.000001+00,"
            "Zürich — 東京 🚀,\"{\"\"a\"\": \"\"x\"\", \"\"b\"\": [1, 2.5, null]}\"\n"
            "2,f,127,32767,9007199254740993,-0.1,-1e+300,999999.99,0.0000000001,2000-01-02,"
            "1969-12-31 23:59:59.999999+00,\"\",[]\n"
            "3,,,,,,,,,,,,\n");
  // And the same rows inserted as SQL text literals hold equal values.
  ASSERT_TRUE(s->Execute("CREATE TABLE silver.literal (LIKE silver.every)").ok());
  ASSERT_TRUE(
      s->Execute("INSERT INTO silver.literal VALUES "
                 "(1, true, -128, -32768, -9223372036854775808, 1.5, 0.1, -12.50, "
                 "-9999999999999999999999999999.9999999999, '1969-12-31', "
                 "'2024-02-29 23:59:59.000001Z', 'Zürich — 東京 🚀', "
                 "'{\"b\": [1, 2.5, null], \"a\": \"x\"}'), "
                 "(2, false, 127, 32767, 9007199254740993, -0.1, -1e300, 999999.99, "
                 "0.0000000001, '2000-01-02', '1969-12-31 23:59:59.999999Z', '', '[]'), "
                 "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
          .ok());
  EXPECT_EQ(Rows(*s,
                 "SELECT count(*) FROM (SELECT * FROM silver.every EXCEPT "
                 "SELECT * FROM silver.literal) d"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Rows(*s,
                 "SELECT count(*) FROM (SELECT * FROM silver.literal EXCEPT "
                 "SELECT * FROM silver.every) d"),
            std::vector<std::string>{"0"});
}

TEST_P(PostgresWarehouseTest, ConstantInputsRepeatOneValueOnEveryRow) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  std::vector<Column> columns = {{"id", DataType::Of(TypeKind::kInt64)},
                                 {"_sluice_load_id", DataType::Of(TypeKind::kInt64)},
                                 {"_sluice_source", DataType::Of(TypeKind::kString)},
                                 {"note", DataType::Of(TypeKind::kString)}};
  CreateTable(*s, "silver.c", columns);
  ColumnVector ids = ColumnVector::Make(columns[0].type);
  for (int64_t i = 0; i < 4; ++i) ids.AppendInt64(i * 10);
  ColumnVector load = ColumnVector::Make(columns[1].type);
  load.AppendInt64(7);
  ColumnVector source = ColumnVector::Make(columns[2].type);
  source.AppendBytes("s3://lake/silver/orders/part-0.parquet");
  ColumnVector note = ColumnVector::Make(columns[3].type);
  note.AppendNull();
  auto writer = s->OpenRowWriter({"silver", "c"}, columns);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(
      (*writer)->Append({{&ids, false}, {&load, true}, {&source, true}, {&note, true}}, 4).ok());
  ColumnVector no_ids = ColumnVector::Make(columns[0].type);
  ASSERT_TRUE(
      (*writer)->Append({{&no_ids, false}, {&load, true}, {&source, true}, {&note, true}}, 0).ok());
  auto copied = (*writer)->Finish();
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(*copied, 4);
  EXPECT_EQ(Rows(*s, "SELECT id, _sluice_load_id, _sluice_source, note FROM silver.c ORDER BY id"),
            (std::vector<std::string>{"0|7|s3://lake/silver/orders/part-0.parquet|NULL",
                                      "10|7|s3://lake/silver/orders/part-0.parquet|NULL",
                                      "20|7|s3://lake/silver/orders/part-0.parquet|NULL",
                                      "30|7|s3://lake/silver/orders/part-0.parquet|NULL"}));
}

TEST_P(PostgresWarehouseTest, LargeAppendsStreamInChunksAndAllArrive) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  std::vector<Column> columns = {{"id", DataType::Of(TypeKind::kInt64)},
                                 {"amount", DataType::Decimal(12, 2)},
                                 {"day", DataType::Of(TypeKind::kDate)},
                                 {"customer", DataType::Of(TypeKind::kString)}};
  CreateTable(*s, "silver.orders", columns);
  constexpr int64_t kRows = 200000;
  constexpr int64_t kBatch = 65536;
  ASSERT_TRUE(s->Begin().ok());
  auto writer = s->OpenRowWriter({"silver", "orders"}, columns);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (int64_t start = 0; start < kRows; start += kBatch) {
    int64_t n = std::min(kBatch, kRows - start);
    std::vector<ColumnVector> v;
    for (const auto& c : columns) v.push_back(ColumnVector::Make(c.type));
    for (int64_t i = start; i < start + n; ++i) {
      v[0].AppendInt64(i);
      v[1].AppendInt64(i % 7 == 0 ? -i : i);  // cents
      v[2].AppendInt32(static_cast<int32_t>(19000 + i % 90));
      if (i % 1000 == 999) {
        v[3].AppendNull();
      } else {
        v[3].AppendBytes("customer-" + std::to_string(i % 5000));
      }
    }
    Status status = (*writer)->Append({{&v[0]}, {&v[1]}, {&v[2]}, {&v[3]}}, n);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  auto copied = (*writer)->Finish();
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(*copied, kRows);
  ASSERT_TRUE(s->Commit().ok());
  // Σ id = n(n−1)/2; amounts: Σ over i of ±i cents; customers 999, 1999, … 4999 are always
  // NULL, so 4995 distinct names remain.
  __int128 cents = 0;
  for (int64_t i = 0; i < kRows; ++i) cents += i % 7 == 0 ? -i : i;
  EXPECT_EQ(Rows(*s,
                 "SELECT count(*), sum(id), sum(amount), count(customer), "
                 "count(DISTINCT customer), count(DISTINCT day), min(day), max(day) "
                 "FROM silver.orders"),
            std::vector<std::string>{"200000|19999900000|" + DecimalText(cents, 2) +
                                     "|199800|4995|90|2022-01-08|2022-04-07"});
}

TEST_P(PostgresWarehouseTest, ValuesThatDoNotFitAreRefusedNamingColumnAndRow) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  std::vector<Column> columns = {{"price", DataType::Decimal(4, 2)}};
  CreateTable(*s, "silver.p", columns);
  ColumnVector price = ColumnVector::Make(columns[0].type);
  price.AppendInt64(9999);
  price.AppendInt64(-10000);  // -100.00: five digits
  ASSERT_TRUE(s->Begin().ok());
  {
    auto writer = s->OpenRowWriter({"silver", "p"}, columns);
    ASSERT_TRUE(writer.ok());
    Status status = (*writer)->Append({{&price}}, 2);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(),
              "copy into silver.p: row 2, column \"price\": -100.00 has more than 4 digits "
              "(decimal(4,2))");
  }  // the abandoned writer ends the COPY with an error
  EXPECT_TRUE(s->in_transaction());
  ASSERT_TRUE(s->Rollback().ok());
  EXPECT_EQ(Rows(*s, "SELECT count(*) FROM silver.p"), std::vector<std::string>{"0"});

  // What only the server checks (UTF-8) comes back with its message and SQLSTATE.
  std::vector<Column> text_columns = {{"name", DataType::Of(TypeKind::kString)}};
  CreateTable(*s, "silver.names", text_columns);
  ColumnVector names = ColumnVector::Make(text_columns[0].type);
  names.AppendBytes("ok");
  names.AppendBytes("bad \xff byte");
  auto writer = s->OpenRowWriter({"silver", "names"}, text_columns);
  ASSERT_TRUE(writer.ok());
  Status appended = (*writer)->Append({{&names}}, 2);
  ASSERT_TRUE(appended.ok()) << appended.ToString();
  auto finished = (*writer)->Finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(finished.status().message().find("invalid byte sequence for encoding \"UTF8\""),
            std::string::npos)
      << finished.status().ToString();
  EXPECT_NE(finished.status().message().find("[SQLSTATE 22021]"), std::string::npos);
  EXPECT_EQ(Rows(*s, "SELECT count(*) FROM silver.names"), std::vector<std::string>{"0"});

  // When the server refuses an early row of a long stream, the rest is sent to a server
  // that discards it; the error still comes back (the writer neither hangs nor loses it).
  ColumnVector many = ColumnVector::Make(text_columns[0].type);
  for (int i = 0; i < 300000; ++i) many.AppendBytes(i == 5 ? "\xc3(" : "a value of some length");
  auto long_writer = s->OpenRowWriter({"silver", "names"}, text_columns);
  ASSERT_TRUE(long_writer.ok());
  Status long_append = (*long_writer)->Append({{&many}}, many.length);
  auto long_finish = long_append.ok() ? (*long_writer)->Finish() : Result<int64_t>(long_append);
  ASSERT_FALSE(long_finish.ok());
  EXPECT_NE(long_finish.status().message().find("[SQLSTATE 22021]"), std::string::npos)
      << long_finish.status().ToString();
  long_writer->reset();

  // Dates PostgreSQL cannot hold are refused rather than read as -infinity.
  std::vector<Column> date_columns = {{"day", DataType::Of(TypeKind::kDate)}};
  CreateTable(*s, "silver.days", date_columns);
  ColumnVector days = ColumnVector::Make(date_columns[0].type);
  days.AppendInt32(INT32_MIN);
  auto date_writer = s->OpenRowWriter({"silver", "days"}, date_columns);
  ASSERT_TRUE(date_writer.ok());
  EXPECT_EQ((*date_writer)->Append({{&days}}, 1).message(),
            "copy into silver.days: row 1, column \"day\": -2147483648 days since 1970-01-01 is "
            "outside PostgreSQL's dates");
  date_writer->reset();

  // Types outside the dataset set are refused when the writer opens.
  auto unsigned_writer =
      s->OpenRowWriter({"silver", "names"}, {{"name", DataType::Of(TypeKind::kUInt32)}});
  EXPECT_EQ(unsigned_writer.status().code(), StatusCode::kInvalidArgument);
  // Inputs that break the contract are Internal.
  auto writer2 = s->OpenRowWriter({"silver", "names"}, text_columns);
  ASSERT_TRUE(writer2.ok());
  ColumnVector ints = ColumnVector::Make(DataType::Of(TypeKind::kInt32));
  ints.AppendInt32(1);
  EXPECT_EQ((*writer2)->Append({{&ints}}, 1).code(), StatusCode::kInternal);
  EXPECT_EQ((*writer2)->Append({{&names}}, 3).code(), StatusCode::kInternal);
}

TEST_P(PostgresWarehouseTest, SqlErrorsCarryPostgresMessageAndSqlstate) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  auto missing = s->Query("SELECT * FROM silver.nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "relation \"silver.nope\" does not exist [SQLSTATE 42P01]");

  ASSERT_TRUE(s->Execute("CREATE TABLE silver.k (id int PRIMARY KEY)").ok());
  ASSERT_TRUE(s->Execute("INSERT INTO silver.k VALUES (1)").ok());
  Status duplicate = s->Execute("INSERT INTO silver.k VALUES (1)");
  EXPECT_EQ(duplicate.message(),
            "duplicate key value violates unique constraint \"k_pkey\" (Key (id)=(1) already "
            "exists.) [SQLSTATE 23505]");

  // A failed statement poisons the transaction; COMMIT then reports the rollback.
  ASSERT_TRUE(s->Begin().ok());
  EXPECT_EQ(s->ExecuteCount("INSERT INTO silver.k VALUES ($1)", {Value::Integer(2)}).value_or(-1),
            1);
  EXPECT_FALSE(s->Execute("SELECT 1/0").ok());
  EXPECT_TRUE(s->in_transaction());
  Status commit = s->Commit();
  EXPECT_EQ(commit.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(s->in_transaction());
  EXPECT_EQ(Rows(*s, "SELECT count(*) FROM silver.k"), std::vector<std::string>{"1"});
}

TEST_P(PostgresWarehouseTest, ALostConnectionIsUnavailable) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  Status status = s->Execute("SELECT pg_terminate_backend(pg_backend_pid())");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_EQ(s->Query("SELECT 1", {}).status().code(), StatusCode::kUnavailable);
  EXPECT_NE(s->Query("SELECT 1", {}).status().message().find(w->url()), std::string::npos);
}

TEST_P(PostgresWarehouseTest, QueriesTypeResultsByColumnTypeAndTakeTypedParameters) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  auto r = s->Query(
      "SELECT true, 2::smallint, 3::int, 4::bigint, 1.5::real, 'NaN'::float8, 12.50::numeric, "
      "'x'::text, DATE '2024-01-02', NULL::int, $1, $2, $3, $4, $5, $6, $7 = 'a', "
      "DATE '2024-01-01' < $8",
      {Value::Bool(false), Value::Integer(-5), Value::Real(0.25), Value::Numeric("1.10"),
       Value::Text("héllo"), Value::Null(), Value::Text("a"), Value::Text("2024-06-01")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 1u);
  const auto& row = r->rows[0];
  ASSERT_EQ(row.size(), 18u);
  EXPECT_EQ(row[0], Value::Bool(true));
  EXPECT_EQ(row[1], Value::Integer(2));
  EXPECT_EQ(row[2], Value::Integer(3));
  EXPECT_EQ(row[3], Value::Integer(4));
  EXPECT_EQ(row[4], Value::Real(1.5));
  EXPECT_TRUE(std::isnan(row[5].real));
  EXPECT_EQ(row[6], Value::Numeric("12.50"));
  EXPECT_EQ(row[7], Value::Text("x"));
  EXPECT_EQ(row[8], Value::Text("2024-01-02"));
  EXPECT_EQ(row[9], Value::Null());
  EXPECT_EQ(row[10], Value::Bool(false));
  EXPECT_EQ(row[11], Value::Integer(-5));
  EXPECT_EQ(row[12], Value::Real(0.25));
  EXPECT_EQ(row[13], Value::Numeric("1.10"));
  EXPECT_EQ(row[14], Value::Text("héllo"));
  EXPECT_EQ(row[15], Value::Null());
  EXPECT_EQ(row[16], Value::Bool(true));
  EXPECT_EQ(row[17], Value::Bool(true));
  EXPECT_EQ(r->columns[2], "int4");

  ASSERT_TRUE(
      s->Execute("CREATE TABLE gold.t (a int); INSERT INTO gold.t VALUES (1), (2), (3)").ok());
  EXPECT_EQ(s->ExecuteCount("UPDATE gold.t SET a = a + 1 WHERE a >= $1", {Value::Integer(2)})
                .value_or(-1),
            2);
  // As on SQLite, parameters the statement does not use are allowed; untyped text takes the
  // type of where it goes.
  EXPECT_EQ(s->ExecuteCount("DELETE FROM gold.t WHERE a = $2",
                            {Value::Text("unused"), Value::Integer(4), Value::Null()})
                .value_or(-1),
            1);
  ASSERT_TRUE(s->Execute("CREATE TABLE gold.u (a int, src text, day date)").ok());
  EXPECT_EQ(s->ExecuteCount("INSERT INTO gold.u (a, src, day) SELECT a, $1, $2 FROM "
                            "(SELECT a, row_number() OVER () AS n FROM gold.t) s WHERE n > 0",
                            {Value::Text("a.csv"), Value::Text("2025-11-01")})
                .value_or(-1),
            2);
  EXPECT_EQ(Rows(*s, "SELECT a, src, day FROM gold.u ORDER BY a"),
            (std::vector<std::string>{"1|a.csv|2025-11-01", "3|a.csv|2025-11-01"}));
  auto none = s->Query("DELETE FROM gold.t WHERE a > 100");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->rows.empty());
}

TEST_P(PostgresWarehouseTest, LockTableSerialisesTwoSessionsUntilCommit) {
  SLUICE_TEST_WAREHOUSE(w);
  auto a = Connect(w->get());
  auto b = Connect(w->get());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  TableName orders{"silver", "orders"};
  EXPECT_EQ(a->LockTable(orders).code(), StatusCode::kFailedPrecondition);  // no transaction

  ASSERT_TRUE(a->Begin().ok());
  ASSERT_TRUE(a->LockTable(orders).ok());
  std::atomic<bool> b_locked = false;
  Status b_status;
  std::thread other([&] {
    b_status = b->Begin();
    if (b_status.ok()) b_status = b->LockTable(orders);
    b_locked = true;
  });
  // Another table's lock is independent.
  auto c = Connect(w->get());
  ASSERT_TRUE(c->Begin().ok());
  ASSERT_TRUE(c->Execute("SET LOCAL lock_timeout = '5s'").ok());
  EXPECT_TRUE(c->LockTable({"silver", "customers"}).ok());
  ASSERT_TRUE(c->Commit().ok());
  // b waits as long as a holds the lock (however long this sleeps, b cannot get it).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(b_locked);
  ASSERT_TRUE(a->Commit().ok());
  other.join();
  EXPECT_TRUE(b_locked);
  EXPECT_TRUE(b_status.ok()) << b_status.ToString();
  ASSERT_TRUE(b->Commit().ok());
}

TEST_P(PostgresWarehouseTest, TableLocksAreReleasedByCommitAndRollback) {
  SLUICE_TEST_WAREHOUSE(w);
  auto a = Connect(w->get());
  auto b = Connect(w->get());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  TableName orders{"gold", "daily"};
  auto try_lock = [&]() -> Status {
    SLUICE_RETURN_IF_ERROR(b->Begin());
    SLUICE_RETURN_IF_ERROR(b->Execute("SET LOCAL lock_timeout = '200ms'"));
    Status locked = b->LockTable(orders);
    SLUICE_RETURN_IF_ERROR(b->Rollback());
    return locked;
  };
  ASSERT_TRUE(a->Begin().ok());
  ASSERT_TRUE(a->LockTable(orders).ok());
  Status held = try_lock();
  EXPECT_EQ(held.code(), StatusCode::kUnavailable) << held.ToString();
  EXPECT_NE(held.message().find("[SQLSTATE 55P03]"), std::string::npos) << held.ToString();
  ASSERT_TRUE(a->Rollback().ok());
  EXPECT_TRUE(try_lock().ok());

  ASSERT_TRUE(a->Begin().ok());
  ASSERT_TRUE(a->LockTable(orders).ok());
  ASSERT_TRUE(a->Commit().ok());
  EXPECT_TRUE(try_lock().ok());

  // A session closed inside its transaction releases the lock with it.
  ASSERT_TRUE(a->Begin().ok());
  ASSERT_TRUE(a->LockTable(orders).ok());
  a.reset();
  EXPECT_TRUE(try_lock().ok());
}

TEST_P(PostgresWarehouseTest, ListsAndDescribesLayerTablesWithColumnTypeSqlSpelling) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  ASSERT_NE(s, nullptr);
  std::vector<Column> columns = {
      {"b", DataType::Of(TypeKind::kBoolean)},        {"i8", DataType::Of(TypeKind::kInt8)},
      {"i16", DataType::Of(TypeKind::kInt16)},        {"i32", DataType::Of(TypeKind::kInt32)},
      {"i64", DataType::Of(TypeKind::kInt64)},        {"f", DataType::Of(TypeKind::kFloat)},
      {"d", DataType::Of(TypeKind::kDouble)},         {"n", DataType::Decimal(12, 2)},
      {"s", DataType::Of(TypeKind::kString)},         {"day", DataType::Of(TypeKind::kDate)},
      {"at", DataType::Timestamp(TimeUnit::kMicros)}, {"j", DataType::Of(TypeKind::kJson)}};
  CreateTable(*s, "silver.orders", columns);
  ASSERT_TRUE(s->Execute("CREATE TABLE gold.b (x int); CREATE VIEW gold.a AS SELECT 1 AS one; "
                         "CREATE TABLE silver._sluice_loads (id bigint); "
                         "CREATE TABLE bronze.raw (line text); CREATE TABLE public.other (x int)")
                  .ok());
  auto tables = s->ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  std::vector<std::string> names;
  for (const auto& t : *tables) names.push_back(t.name.ToString() + (t.is_view ? " (view)" : ""));
  EXPECT_EQ(names,
            (std::vector<std::string>{"bronze.raw", "silver.orders", "gold.a (view)", "gold.b"}));
  auto all = s->ListTables(/*include_internal=*/true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[1].name.ToString(), "silver._sluice_loads");

  auto orders = s->DescribeTable({"silver", "orders"});
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_TRUE(orders->has_value());
  ASSERT_EQ((*orders)->columns.size(), columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    EXPECT_EQ((*orders)->columns[i].name, columns[i].name);
    EXPECT_EQ((*orders)->columns[i].sql_type, s->ColumnTypeSql(columns[i].type).value_or("?"));
  }
  EXPECT_EQ((*orders)->columns[7].sql_type, "NUMERIC(12,2)");
  EXPECT_EQ((*orders)->columns[10].sql_type, "TIMESTAMP WITH TIME ZONE");
  auto nothing = s->DescribeTable({"silver", "nothing"});
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());

  // Widening a column keeps its values.
  ASSERT_TRUE(s->Execute("INSERT INTO silver.orders (n) VALUES (1234567890.12)").ok());
  std::string alter = s->AlterColumnTypeSql({"silver", "orders"}, "n", "NUMERIC(20,4)");
  EXPECT_EQ(alter,
            "ALTER TABLE \"silver\".\"orders\" ALTER COLUMN \"n\" TYPE NUMERIC(20,4) USING "
            "\"n\"::NUMERIC(20,4)");
  ASSERT_TRUE(s->Execute(alter).ok());
  EXPECT_EQ(Rows(*s, "SELECT n FROM silver.orders"), std::vector<std::string>{"1234567890.1200"});
  std::string index = s->CreateIndexSql({"silver", "orders"}, "orders_i64", {"i64", "s"}, true);
  EXPECT_EQ(index,
            "CREATE UNIQUE INDEX IF NOT EXISTS \"orders_i64\" ON \"silver\".\"orders\" (\"i64\", "
            "\"s\")");
  EXPECT_TRUE(s->Execute(index).ok());
  EXPECT_TRUE(s->Execute(index).ok());
  EXPECT_EQ(s->ColumnTypeSql(DataType::Of(TypeKind::kUInt64)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(PostgresWarehouseTest, SessionsConnectingAtOnceAllCreateTheLayers) {
  SLUICE_TEST_WAREHOUSE(w);
  std::vector<std::thread> threads;
  std::atomic<int> connected = 0;
  std::vector<std::string> errors(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto session = w->get().Connect();
      if (session.ok()) {
        ++connected;
      } else {
        errors[static_cast<size_t>(i)] = session.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(connected, 8) << errors[0] << errors[1];
  auto s = Connect(w->get());
  EXPECT_EQ(Rows(*s,
                 "SELECT nspname FROM pg_namespace WHERE nspname IN "
                 "('bronze', 'silver', 'gold', 'quarantine') ORDER BY nspname"),
            (std::vector<std::string>{"bronze", "gold", "quarantine", "silver"}));
  EXPECT_EQ(Rows(*s, "SHOW TimeZone"), std::vector<std::string>{"UTC"});
  EXPECT_EQ(Rows(*s, "SHOW client_encoding"), std::vector<std::string>{"UTF8"});
  EXPECT_EQ(s->engine(), "postgresql");
}

INSTANTIATE_TEST_SUITE_P(Engines, PostgresWarehouseTest, ::testing::Values("postgresql"));

TEST(PostgresWarehouse, UnreachableServersAreUnavailableWithoutThePassword) {
  auto w = OpenWarehouse("postgresql://loader:s3cret@127.0.0.1:1/lake?connect_timeout=5");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->url(), "postgresql://loader:***@127.0.0.1:1/lake?connect_timeout=5");
  auto session = (*w)->Connect();
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(session.status().message().starts_with(
      "warehouse postgresql://loader:***@127.0.0.1:1/lake?connect_timeout=5: cannot connect: "))
      << session.status().message();
  EXPECT_EQ(session.status().message().find("s3cret"), std::string::npos);

  auto query_password = OpenWarehouse("postgres://h/db?user=u&password=pw&sslmode=disable");
  ASSERT_TRUE(query_password.ok());
  EXPECT_EQ((*query_password)->url(), "postgres://h/db?user=u&password=***&sslmode=disable");
}

}  // namespace
}  // namespace sluice::warehouse
