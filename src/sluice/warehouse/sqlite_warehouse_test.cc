#include "sluice/warehouse/sqlite_warehouse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "sluice/common/test_temp_dir.h"

namespace sluice::warehouse {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TypeKind;

std::unique_ptr<Session> Connect(Warehouse& w) {
  auto session = w.Connect();
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  return session.ok() ? std::move(*session) : nullptr;
}

TEST(SqliteWarehouse, LayersAreAttachedSchemasInTheirOwnFiles) {
  common::TestTempDir dir;
  auto w = OpenWarehouse("sqlite://" + dir.path() + "/wh");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto s = Connect(**w);
  ASSERT_TRUE(s->Execute("CREATE TABLE silver.orders (id BIGINT, amount DECIMAL(10,2))").ok());
  ASSERT_TRUE(s->Execute("INSERT INTO silver.orders VALUES (1, 12.5), (2, NULL)").ok());
  auto r = s->Query("SELECT count(*), sum(amount) FROM silver.orders WHERE id >= $1",
                    {Value::Integer(1)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0], Value::Integer(2));
  EXPECT_EQ(r->rows[0][1], Value::Real(12.5));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/wh/silver.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/wh/gold.db"));

  auto tables = s->ListTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name.ToString(), "silver.orders");
  ASSERT_EQ((*tables)[0].columns.size(), 2u);
  EXPECT_EQ((*tables)[0].columns[1].sql_type, "DECIMAL(10,2)");
}

TEST(SqliteWarehouse, NewFilesAreInWalModeWith64KiBPages) {
  common::TestTempDir dir;
  auto w = OpenWarehouse("sqlite://" + dir.path() + "/wh");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int connection = 0; connection < 2; ++connection) {  // a new folder, then reopened
    auto s = Connect(**w);
    if (connection == 0) {
      ASSERT_TRUE(s->Execute("CREATE TABLE gold.t (n INTEGER)").ok());
    }
    for (std::string schema : {"main", "bronze", "silver", "gold", "quarantine"}) {
      auto r = s->Query("SELECT page_size, journal_mode FROM pragma_page_size('" + schema +
                        "'), pragma_journal_mode('" + schema + "')");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->rows.at(0).at(0), Value::Integer(65536)) << schema;
      EXPECT_EQ(r->rows.at(0).at(1), Value::Text("wal")) << schema;
    }
  }
}

TEST(SqliteWarehouse, SqlErrorsCarryTheEnginesMessage) {
  common::TestTempDir dir;
  auto w = OpenWarehouse("sqlite://" + dir.path());
  auto s = Connect(**w);
  auto r = s->Query("SELECT * FROM silver.nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "SQL error: no such table: silver.nope");
}

TEST(SqliteWarehouse, RowWriterStoresEachTypeAsAnalystsReadIt) {
  common::TestTempDir dir;
  auto w = OpenWarehouse("sqlite://" + dir.path());
  auto s = Connect(**w);
  std::vector<Column> columns = {
      {"flag", DataType::Of(TypeKind::kBoolean)}, {"n", DataType::Of(TypeKind::kInt32)},
      {"big", DataType::Of(TypeKind::kInt64)},    {"x", DataType::Of(TypeKind::kDouble)},
      {"price", DataType::Decimal(10, 2)},        {"wide", DataType::Decimal(30, 4)},
      {"day", DataType::Of(TypeKind::kDate)},
      {"at", DataType::Timestamp(parquet::TimeUnit::kMicros)},
      {"name", DataType::Of(TypeKind::kString)},  {"doc", DataType::Of(TypeKind::kJson)}};
  std::string ddl = "CREATE TABLE silver.t (";
  for (size_t i = 0; i < columns.size(); ++i) {
    auto type = s->ColumnTypeSql(columns[i].type);
    ASSERT_TRUE(type.ok());
    ddl += (i ? ", " : "") + QuoteIdentifier(columns[i].name) + " " + *type;
  }
  ASSERT_TRUE(s->Execute(ddl + ")").ok());

  std::vector<ColumnVector> values;
  for (const auto& c : columns) values.push_back(ColumnVector::Make(c.type));
  values[0].AppendBool(true);
  values[1].AppendInt32(-7);
  values[2].AppendInt64(9007199254740993);
  values[3].AppendDouble(0.1);
  values[4].AppendInt64(-1250);  // -12.50
  std::string wide(16, '\0');
  wide[15] = 1;  // 0.0001
  values[5].AppendBytes(wide);
  values[6].AppendInt32(-1);                   // 1969-12-31
  values[7].AppendInt64(1764237600000001);     // 2025-11-27 10:00:00.000001
  values[8].AppendBytes("Zürich");
  values[9].AppendBytes(R"({"a":[1,2]})");
  for (auto& v : values) v.AppendNull();
  std::vector<RowWriter::Input> inputs;
  for (auto& v : values) inputs.push_back({&v, false});

  ASSERT_TRUE(s->Begin().ok());
  auto writer = s->OpenRowWriter({"silver", "t"}, columns);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append(inputs, 2).ok());
  EXPECT_EQ(*(*writer)->Finish(), 2);
  writer->reset();
  ASSERT_TRUE(s->Commit().ok());

  auto r = s->Query("SELECT * FROM silver.t ORDER BY rowid");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows.size(), 2u);
  const auto& row = r->rows[0];
  EXPECT_EQ(row[0], Value::Integer(1));
  EXPECT_EQ(row[1], Value::Integer(-7));
  EXPECT_EQ(row[2], Value::Integer(9007199254740993));
  EXPECT_EQ(row[3], Value::Real(0.1));
  EXPECT_EQ(row[4], Value::Real(-12.5));
  EXPECT_EQ(row[5], Value::Text("0.0001"));
  EXPECT_EQ(row[6], Value::Text("1969-12-31"));
  EXPECT_EQ(row[7], Value::Text("2025-11-27 10:00:00.000001"));
  EXPECT_EQ(row[8], Value::Text("Zürich"));
  EXPECT_EQ(row[9], Value::Text(R"({"a":[1,2]})"));
  for (const auto& v : r->rows[1]) EXPECT_TRUE(v.is_null());
}

TEST(SqliteWarehouse, RowWriterAppendsBatchesWithConstantsAndNamesTheRowThatFails) {
  common::TestTempDir dir;
  auto w = OpenWarehouse("sqlite://" + dir.path());
  auto s = Connect(**w);
  ASSERT_TRUE(
      s->Execute("CREATE TABLE silver.t (n BIGINT, x DOUBLE, src TEXT NOT NULL, day DATE)").ok());
  std::vector<Column> columns = {{"n", DataType::Of(TypeKind::kInt64)},
                                 {"x", DataType::Of(TypeKind::kDouble)},
                                 {"src", DataType::Of(TypeKind::kString)},
                                 {"day", DataType::Of(TypeKind::kDate)}};
  ColumnVector n = ColumnVector::Make(columns[0].type);
  ColumnVector x = ColumnVector::Make(columns[1].type);
  for (int64_t i = 1; i <= 3; ++i) n.AppendInt64(i);
  x.AppendDouble(1.5);
  x.AppendDouble(std::nan(""));
  x.AppendNull();
  ColumnVector source = ColumnVector::Make(columns[2].type);
  source.AppendBytes("a.csv");
  ColumnVector no_source = ColumnVector::Make(columns[2].type);
  no_source.AppendNull();
  ColumnVector nov1 = ColumnVector::Make(columns[3].type);
  nov1.AppendInt32(20393);  // 2025-11-01
  ColumnVector nov2 = ColumnVector::Make(columns[3].type);
  nov2.AppendInt32(20394);

  ASSERT_TRUE(s->Begin().ok());
  auto writer = s->OpenRowWriter({"silver", "t"}, columns);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  // Two batches: all three rows of Nov 1, then the first two again on Nov 2.
  ASSERT_TRUE(
      (*writer)->Append({{&n, false}, {&x, false}, {&source, true}, {&nov1, true}}, 3).ok());
  ASSERT_TRUE(
      (*writer)->Append({{&n, false}, {&x, false}, {&source, true}, {&nov2, true}}, 2).ok());
  // A value the table refuses fails the batch, naming the writer's row.
  Status refused =
      (*writer)->Append({{&n, false}, {&x, false}, {&no_source, true}, {&nov1, true}}, 1);
  EXPECT_EQ(refused.message(), "inserting row 6: NOT NULL constraint failed: t.src");
  EXPECT_EQ(*(*writer)->Finish(), 5);
  writer->reset();
  // A second writer on the session, with other columns, works as the first.
  auto second = s->OpenRowWriter({"silver", "t"}, {columns[0], columns[2]});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE((*second)->Append({{&n, false}, {&source, true}}, 1).ok());
  second->reset();
  ASSERT_TRUE(s->Commit().ok());

  auto r = s->Query("SELECT n, x, src, day FROM silver.t ORDER BY rowid");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> rows;
  for (const auto& row : r->rows) {
    rows.push_back(row[0].ToString() + "|" + (row[1].is_null() ? "NULL" : row[1].ToString()) +
                   "|" + row[2].ToString() + "|" + (row[3].is_null() ? "NULL" : row[3].ToString()));
  }
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "1|1.5|a.csv|2025-11-01", "2|NaN|a.csv|2025-11-01", "3|NULL|a.csv|2025-11-01",
                      "1|1.5|a.csv|2025-11-02", "2|NaN|a.csv|2025-11-02", "1|NULL|a.csv|NULL"}));
}

TEST(SqliteWarehouse, WritersSerialiseAndUncommittedWorkRollsBack) {
  common::TestTempDir dir;
  auto w = OpenWarehouse("sqlite://" + dir.path());
  auto a = Connect(**w);
  auto b = Connect(**w);
  ASSERT_TRUE(a->Execute("CREATE TABLE gold.t (n INTEGER)").ok());
  ASSERT_TRUE(a->Begin().ok());
  ASSERT_TRUE(a->Execute("INSERT INTO gold.t VALUES (1)").ok());
  std::thread second([&] {
    ASSERT_TRUE(b->Begin().ok());  // waits for a's commit
    auto r = b->Query("SELECT count(*) FROM gold.t");
    EXPECT_EQ(r->rows[0][0], Value::Integer(1));
    ASSERT_TRUE(b->Execute("INSERT INTO gold.t VALUES (2)").ok());
    ASSERT_TRUE(b->Rollback().ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(a->Commit().ok());
  second.join();
  auto r = a->Query("SELECT count(*) FROM gold.t");
  EXPECT_EQ(r->rows[0][0], Value::Integer(1));
}

TEST(Warehouse, UrlsAndTableNamesAreValidatedWithReasons) {
  EXPECT_EQ(OpenWarehouse("mysql://x").status().message(),
            "warehouse URL \"mysql://x\": expected sqlite://PATH, postgres://… or postgresql://…");
  EXPECT_EQ(ParseTableName("orders").status().message(),
            "table \"orders\": expected LAYER.NAME with LAYER one of bronze, silver, gold, "
            "quarantine");
  EXPECT_EQ(ParseTableName("platinum.x").status().message(),
            "table \"platinum.x\": unknown layer \"platinum\"; expected one of bronze, silver, "
            "gold, quarantine");
  EXPECT_FALSE(ParseTableName("silver.1x").ok());
  EXPECT_EQ(ParseTableName("gold.daily_revenue")->Sql(), "\"gold\".\"daily_revenue\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

}  // namespace
}  // namespace sluice::warehouse
