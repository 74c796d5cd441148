#include "sluice/warehouse/loads.h"

#include <gtest/gtest.h>

#include "sluice/common/file_util.h"
#include "sluice/common/io.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/warehouse/warehouse_test_util.h"

namespace sluice::warehouse {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TypeKind;

struct OrderRow {
  int64_t id;
  int64_t amount_cents;          // decimal(10,2)
  std::optional<std::string> customer;
  int64_t updated_micros;
};

const DataType kDate = DataType::Of(TypeKind::kDate);

// A load's rows and schema, as a dataset version describes them.
class LoadTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<Column> Columns(DataType id_type = DataType::Of(TypeKind::kInt64),
                              DataType amount_type = DataType::Decimal(10, 2),
                              bool with_note = false) {
    std::vector<Column> c = {{"id", id_type},
                             {"amount", amount_type},
                             {"customer", DataType::Of(TypeKind::kString)},
                             {"updated_at", DataType::Timestamp(parquet::TimeUnit::kMicros)},
                             {"order_date", kDate}};
    if (with_note) c.push_back({"note", DataType::Of(TypeKind::kString)});
    return c;
  }

  // Writes a silver file (the partition column is not in the file) and returns its LoadFile.
  LoadFile WriteFile(const std::string& name, const std::vector<Column>& columns,
                     const std::vector<OrderRow>& rows, int32_t order_date_days) {
    parquet::Schema schema;
    for (const auto& c : columns) {
      if (c.name != "order_date") schema.fields.push_back({c.name, c.type, true});
    }
    parquet::RecordBatch batch = parquet::RecordBatch::Make(schema);
    for (const auto& r : rows) {
      for (size_t i = 0; i < schema.fields.size(); ++i) {
        ColumnVector& col = batch.columns[i];
        const std::string& n = schema.fields[i].name;
        if (n == "id") {
          if (col.type.kind == TypeKind::kInt64) col.AppendInt64(r.id);
          else col.AppendInt32(static_cast<int32_t>(r.id));
        } else if (n == "amount") {
          col.AppendInt64(r.amount_cents);
        } else if (n == "customer") {
          if (r.customer) col.AppendBytes(*r.customer); else col.AppendNull();
        } else if (n == "updated_at") {
          col.AppendInt64(r.updated_micros);
        } else {
          col.AppendBytes("note " + std::to_string(r.id));
        }
      }
      ++batch.num_rows;
    }
    std::string path = dir_.path() + "/" + name + ".parquet";
    auto out = common::AtomicFileOutputStream::Open(path, false);
    EXPECT_TRUE(out.ok());
    auto writer = parquet::FileWriter::Open(out->get(), schema, {});
    EXPECT_TRUE(writer.ok()) << writer.status();
    EXPECT_TRUE((*writer)->Write(batch).ok());
    EXPECT_TRUE((*writer)->Close().ok());
    EXPECT_TRUE((*out)->Close().ok());
    ColumnVector day = ColumnVector::Make(kDate);
    day.AppendInt32(order_date_days);
    LoadFile file;
    file.path = path;
    file.partition_values.emplace_back("order_date", std::move(day));
    return file;
  }

  LoadRequest Request(std::string source, std::vector<LoadFile> files,
                      LoadMode mode = LoadMode::kReplaceSource) {
    LoadRequest r;
    r.table = {"silver", "orders"};
    r.columns = Columns();
    r.schema_version = 1;
    r.partition_columns = {"order_date"};
    r.mode = mode;
    if (mode == LoadMode::kMerge) {
      r.primary_key = {"id"};
      r.order_by = "updated_at";
    }
    r.source = std::move(source);
    r.run_id = "run-" + std::to_string(++runs_);
    r.load_id = "load-" + std::to_string(runs_);
    r.files = std::move(files);
    return r;
  }

  // The table as text rows, ordered by id.
  std::vector<std::string> Rows(Session& s, const std::string& columns =
                                               "id, CAST(amount AS DOUBLE PRECISION), customer, order_date, _sluice_source") {
    auto r = s.Query("SELECT " + columns + " FROM silver.orders ORDER BY id");
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& row : r->rows) {
      std::string line;
      for (const auto& v : row) line += (line.empty() ? "" : "|") + (v.is_null() ? "∅" : v.ToString());
      out.push_back(line);
    }
    return out;
  }

  // The names of silver.orders' indexes, sorted (each engine's catalog).
  std::vector<std::string> Indexes(Session& s) {
    auto r = s.Query(s.engine() == "sqlite"
                         ? "SELECT name FROM silver.sqlite_schema WHERE type = 'index' AND "
                           "tbl_name = 'orders' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                         : "SELECT indexname FROM pg_indexes WHERE schemaname = 'silver' AND "
                           "tablename = 'orders' ORDER BY indexname");
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& row : r->rows) out.push_back(row[0].ToString());
    }
    return out;
  }

  common::TestTempDir dir_;
  int runs_ = 0;
};

constexpr int32_t kNov1 = 20393;  // 2025-11-01
constexpr int64_t kT0 = 1761955200000000;  // 2025-11-01 00:00:00 UTC

TEST_P(LoadTest, LoadingTheSameSourceTwiceLeavesIdenticalTables) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadFile a = WriteFile("a", Columns(), {{1, 1250, "ann", kT0}, {2, -5, std::nullopt, kT0}}, kNov1);
  LoadFile b = WriteFile("b", Columns(), {{3, 99900, "bob", kT0}}, kNov1 + 1);
  auto first = LoadSource(*s, Request("s3://landing/a.csv", {a, b}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->table_created);
  EXPECT_EQ(first->record.rows_inserted, 3);
  EXPECT_EQ(first->record.rows_deleted, 0);
  EXPECT_EQ(first->record.load_seq, 1);
  std::vector<std::string> after_first = Rows(*s);
  EXPECT_EQ(after_first.size(), 3u);
  EXPECT_EQ(after_first[1], "2|-0.05|∅|2025-11-01|s3://landing/a.csv");

  auto second = LoadSource(*s, Request("s3://landing/a.csv", {a, b}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->table_created);
  EXPECT_EQ(second->record.rows_deleted, 3);
  EXPECT_EQ(second->record.rows_inserted, 3);
  EXPECT_EQ(second->record.load_seq, 2);
  EXPECT_EQ(Rows(*s), after_first);
  auto ids = s->Query("SELECT DISTINCT _sluice_load_id FROM silver.orders");
  ASSERT_EQ(ids->rows.size(), 1u);
  EXPECT_EQ(ids->rows[0][0].ToString(), "2");  // the load's number in the load log
}

TEST_P(LoadTest, ReplaceSourceTouchesOnlyThatSourcesRowsAndLogsItsPartitions) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadFile a = WriteFile("a", Columns(), {{1, 100, "ann", kT0}}, kNov1);
  LoadFile a2 = WriteFile("a2", Columns(), {{2, 200, "ann", kT0}}, kNov1 + 1);
  LoadFile b = WriteFile("b", Columns(), {{3, 300, "bob", kT0}}, kNov1 + 2);
  ASSERT_TRUE(LoadSource(*s, Request("a.csv", {a, a2})).ok());
  ASSERT_TRUE(LoadSource(*s, Request("b.csv", {b})).ok());
  // a.csv now holds only the row of Nov 2: Nov 1 loses its row.
  auto again = LoadSource(*s, Request("a.csv", {a2}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Rows(*s, "id, _sluice_source"), (std::vector<std::string>{"2|a.csv", "3|b.csv"}));
  ASSERT_TRUE(again->record.partitions.has_value());
  EXPECT_EQ(*again->record.partitions,
            (std::vector<PartitionValues>{{"2025-11-01"}, {"2025-11-02"}}));

  auto log = LoadsSince(*s, {"silver", "orders"}, 1);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].source, "b.csv");
  EXPECT_EQ((*log)[0].partitions, (std::vector<PartitionValues>{{"2025-11-03"}}));
  EXPECT_EQ((*log)[1].load_seq, 3);
  EXPECT_EQ((*log)[1].rows_deleted, 2);
  EXPECT_EQ((*log)[1].partition_columns, std::vector<std::string>{"order_date"});
}

TEST_P(LoadTest, TheLoadIndexIsMadeByTheFirstLoadWithRowsToReplace) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadFile a = WriteFile("a", Columns(), {{1, 100, "ann", kT0}, {2, 200, "al", kT0}}, kNov1);
  LoadFile b = WriteFile("b", Columns(), {{3, 300, "bob", kT0}}, kNov1 + 1);
  ASSERT_TRUE(LoadSource(*s, Request("a.csv", {a})).ok());
  auto first_of_b = LoadSource(*s, Request("b.csv", {b}));
  ASSERT_TRUE(first_of_b.ok()) << first_of_b.status();
  EXPECT_EQ(first_of_b->record.rows_deleted, 0);
  EXPECT_EQ(*first_of_b->record.partitions, (std::vector<PartitionValues>{{"2025-11-02"}}));
  // Every source was new: nothing was searched by load, so there is no index for it yet.
  EXPECT_EQ(Indexes(*s), (std::vector<std::string>{"orders__partition"}));

  LoadFile a2 = WriteFile("a2", Columns(), {{2, 250, "al", kT0}}, kNov1);
  auto again = LoadSource(*s, Request("a.csv", {a2}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->record.rows_deleted, 2);
  EXPECT_EQ(Indexes(*s), (std::vector<std::string>{"orders__load", "orders__partition"}));
  EXPECT_EQ(Rows(*s), (std::vector<std::string>{"2|2.5|al|2025-11-01|a.csv",
                                                "3|3|bob|2025-11-02|b.csv"}));
}

TEST_P(LoadTest, MergeInsertsOrUpdatesAndTheNewestRowWins) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadFile a = WriteFile("a", Columns(), {{1, 100, "ann", kT0}, {2, 200, "old", kT0}}, kNov1);
  LoadFile b = WriteFile("b", Columns(), {{2, 250, "new", kT0 + 10}, {3, 300, "cy", kT0}}, kNov1 + 1);
  LoadFile stale = WriteFile("c", Columns(), {{3, 1, "stale", kT0 - 10}}, kNov1 + 2);
  ASSERT_TRUE(LoadSource(*s, Request("a.csv", {a}, LoadMode::kMerge)).ok());
  auto merged = LoadSource(*s, Request("b.csv", {b}, LoadMode::kMerge));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->record.rows_inserted, 1);
  EXPECT_EQ(merged->record.rows_updated, 1);
  EXPECT_EQ(merged->rows_skipped, 0);
  // Key 2 moved from Nov 1 to Nov 2: both partitions changed.
  EXPECT_EQ(*merged->record.partitions,
            (std::vector<PartitionValues>{{"2025-11-01"}, {"2025-11-02"}}));
  auto older = LoadSource(*s, Request("c.csv", {stale}, LoadMode::kMerge));
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_EQ(older->record.rows_updated, 0);
  EXPECT_EQ(older->rows_skipped, 1);
  EXPECT_EQ(Rows(*s), (std::vector<std::string>{"1|1|ann|2025-11-01|a.csv",
                                                "2|2.5|new|2025-11-02|b.csv",
                                                "3|3|cy|2025-11-02|b.csv"}));
  // Merging the same source again changes nothing.
  ASSERT_TRUE(LoadSource(*s, Request("b.csv", {b}, LoadMode::kMerge)).ok());
  EXPECT_EQ(Rows(*s).size(), 3u);
}

TEST_P(LoadTest, EvolutionAddsColumnsAndWidensTypesKeepingOldRows) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  auto v1 = Columns(DataType::Of(TypeKind::kInt32), DataType::Decimal(10, 2));
  LoadFile a = WriteFile("a", v1, {{1, 1250, "ann", kT0}}, kNov1);
  LoadRequest first = Request("a.csv", {a});
  first.columns = v1;
  ASSERT_TRUE(LoadSource(*s, first).ok());

  auto v2 = Columns(DataType::Of(TypeKind::kInt64), DataType::Decimal(12, 3), true);
  LoadFile b = WriteFile("b", v2, {{5000000000, 123456, "bob", kT0}}, kNov1);
  LoadRequest second = Request("b.csv", {b});
  second.columns = v2;
  second.schema_version = 2;
  auto result = LoadSource(*s, second);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->schema_changes,
            (std::vector<std::string>{"widened id int32 → int64",
                                      "widened amount decimal(10,2) → decimal(12,3)",
                                      "added column note string"}));
  EXPECT_EQ(Rows(*s, "id, CAST(amount AS DOUBLE PRECISION), note"),
            (std::vector<std::string>{"1|12.5|∅", "5000000000|123.456|note 5000000000"}));
  // An old file read under the new schema (a re-load of a.csv) widens its values.
  LoadRequest again = Request("a.csv", {a});
  again.columns = v2;
  again.schema_version = 2;
  ASSERT_TRUE(LoadSource(*s, again).ok());
  EXPECT_EQ(Rows(*s, "id, CAST(amount AS DOUBLE PRECISION), note").front(), "1|12.5|∅");
  auto info = s->DescribeTable({"silver", "orders"});
  ASSERT_TRUE(info.ok() && info->has_value());
  std::vector<std::string> names;
  for (const auto& c : (*info)->columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "amount", "customer", "updated_at", "order_date",
                                             "_sluice_load_id", "_sluice_source", "note"}));
}

TEST_P(LoadTest, AnIncompatibleSchemaIsRefusedWithADiffAndTheTableStaysAsItWas) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadFile a = WriteFile("a", Columns(), {{1, 1250, "ann", kT0}}, kNov1);
  ASSERT_TRUE(LoadSource(*s, Request("a.csv", {a})).ok());
  LoadRequest bad = Request("b.csv", {});
  bad.columns = Columns(DataType::Of(TypeKind::kInt32), DataType::Of(TypeKind::kString));
  bad.schema_version = 7;
  auto result = LoadSource(*s, bad);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "load into silver.orders: the dataset schema (version 7) is not compatible with the "
            "table (version 1):\n"
            "  id: int64 in the table, int32 in the dataset (not a widening)\n"
            "  amount: decimal(10,2) in the table, string in the dataset (not a widening)");
  EXPECT_EQ(Rows(*s), (std::vector<std::string>{"1|12.5|ann|2025-11-01|a.csv"}));
}

TEST_P(LoadTest, AFailedLoadLeavesTheTableAsItWas) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadFile a = WriteFile("a", Columns(), {{1, 1250, "ann", kT0}}, kNov1);
  ASSERT_TRUE(LoadSource(*s, Request("a.csv", {a})).ok());
  LoadFile missing = a;
  missing.path = dir_.path() + "/gone.parquet";
  auto result = LoadSource(*s, Request("a.csv", {missing}));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("gone.parquet"), std::string::npos)
      << result.status().message();
  EXPECT_EQ(Rows(*s), (std::vector<std::string>{"1|12.5|ann|2025-11-01|a.csv"}));
  auto log = LoadsSince(*s, {"silver", "orders"}, 0);
  EXPECT_EQ(log->size(), 1u);
}

TEST_P(LoadTest, MergeWithoutAKeyIsABadRequest) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = *w->Connect();
  LoadRequest r = Request("a.csv", {}, LoadMode::kMerge);
  r.primary_key.clear();
  EXPECT_EQ(LoadSource(*s, r).status().message(),
            "load into silver.orders: mode merge needs a primary key (the job's dedupe.key)");
  EXPECT_EQ(ParseLoadMode("append").status().message(),
            "load mode \"append\": expected replace_source or merge");
}

INSTANTIATE_TEST_SUITE_P(Engines, LoadTest, ::testing::ValuesIn(TestEngines()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice::warehouse
