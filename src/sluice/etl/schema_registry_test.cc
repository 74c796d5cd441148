#include "sluice/etl/schema_registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::etl {
namespace {

using catalog::TxMode;
using parquet::DataType;
using parquet::Field;
using parquet::Schema;
using parquet::TypeKind;

Schema OrdersV1() {
  return Schema{{Field{"order_id", DataType::Of(TypeKind::kString), false},
                 Field{"quantity", DataType::Of(TypeKind::kInt32), true}}};
}

class SchemaRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = catalog::OpenSqliteCatalog(tmp_.path() + "/catalog.db");
    ASSERT_TRUE(cat.ok()) << cat.status();
    catalog_ = std::move(*cat);
  }

  std::unique_ptr<catalog::Transaction> Begin(TxMode mode) {
    auto tx = catalog_->Begin(mode);
    EXPECT_TRUE(tx.ok()) << tx.status();
    return std::move(*tx);
  }

  // Registers in its own committed transaction.
  SchemaVersion RegisterCommitted(std::string_view dataset, const Schema& schema,
                                  const std::vector<SchemaChange>& changes, std::string_view run_id,
                                  std::string_view created_at) {
    auto tx = Begin(TxMode::kWrite);
    Result<SchemaVersion> v =
        SchemaRegistry::Register(*tx, dataset, schema, changes, run_id, created_at);
    EXPECT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(tx->Commit().ok());
    return v.ok() ? *v : SchemaVersion{};
  }

  common::TestTempDir tmp_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(SchemaRegistryTest, KnowsNothingOfANewDataset) {
  auto tx = Begin(TxMode::kRead);
  Result<std::optional<SchemaVersion>> latest = SchemaRegistry::Latest(*tx, "orders");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_FALSE(latest->has_value());
  EXPECT_FALSE(SchemaRegistry::Get(*tx, "orders", 1)->has_value());
  EXPECT_TRUE(SchemaRegistry::List(*tx)->empty());
}

TEST_F(SchemaRegistryTest, RegistersVersionOneForANewDataset) {
  SchemaVersion v =
      RegisterCommitted("orders", OrdersV1(), {}, "run-1", "2026-11-27T12:00:00.000Z");
  EXPECT_EQ(v.dataset, "orders");
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(v.schema, OrdersV1());
  EXPECT_TRUE(v.changes.empty());
  EXPECT_EQ(v.run_id, "run-1");
  EXPECT_EQ(v.created_at, "2026-11-27T12:00:00.000Z");

  auto tx = Begin(TxMode::kRead);
  auto latest = SchemaRegistry::Latest(*tx, "orders");
  ASSERT_TRUE(latest.ok()) << latest.status();
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->version, 1);
  EXPECT_EQ((*latest)->schema, OrdersV1());
  EXPECT_EQ((*latest)->run_id, "run-1");
  EXPECT_EQ((*latest)->created_at, "2026-11-27T12:00:00.000Z");
}

TEST_F(SchemaRegistryTest, StoresTheSchemaAsJsonAndTheChangesAsAJsonArrayOfStrings) {
  Result<Evolution> e = Evolve(OrdersV1(),
                               Schema{{Field{"order_id", DataType::Of(TypeKind::kString), false},
                                       Field{"quantity", DataType::Of(TypeKind::kInt64), true},
                                       Field{"discount", DataType::Decimal(10, 2), false}}},
                               EvolutionPolicy::kAdditive, "orders");
  ASSERT_TRUE(e.ok()) << e.status();
  RegisterCommitted("orders", OrdersV1(), {}, "run-1", "2026-11-27T12:00:00.000Z");
  SchemaVersion v2 =
      RegisterCommitted("orders", e->schema, e->changes, "run-2", "2026-11-27T13:00:00.000Z");
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.changes,
            (std::vector<std::string>{"widen quantity: int32 -> int64",
                                      "add column discount: decimal(10,2) (nullable)"}));

  auto tx = Begin(TxMode::kRead);
  auto row = tx->QueryOne(
      "SELECT schema, changes, run_id FROM dataset_schemas WHERE dataset = $1 AND version = $2",
      {std::string("orders"), int64_t{2}});
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->Text(0), R"j({"fields":[{"name":"order_id","type":"string","nullable":false},)j"
                             R"j({"name":"quantity","type":"int64","nullable":true},)j"
                             R"j({"name":"discount","type":"decimal(10,2)","nullable":true}]})j");
  EXPECT_EQ(
      (*row)->Text(1),
      R"j(["widen quantity: int32 -> int64","add column discount: decimal(10,2) (nullable)"])j");
  EXPECT_EQ((*row)->Text(2), "run-2");

  auto got = SchemaRegistry::Get(*tx, "orders", 2);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->schema, e->schema);
  EXPECT_EQ((*got)->changes, v2.changes);
}

TEST_F(SchemaRegistryTest, NumbersVersionsPerDataset) {
  Schema v2 = OrdersV1();
  v2.fields.push_back(Field{"note", DataType::Of(TypeKind::kString), true});
  RegisterCommitted("orders", OrdersV1(), {}, "r1", "2026-11-27T12:00:00.000Z");
  RegisterCommitted("customers", OrdersV1(), {}, "r2", "2026-11-27T12:00:01.000Z");
  RegisterCommitted("orders", v2, {}, "r3", "2026-11-27T12:00:02.000Z");
  SchemaVersion c2 = RegisterCommitted("customers", v2, {}, "r4", "2026-11-27T12:00:03.000Z");
  SchemaVersion o3 = RegisterCommitted("orders", OrdersV1(), {}, "r5", "2026-11-27T12:00:04.000Z");
  EXPECT_EQ(c2.version, 2);
  EXPECT_EQ(o3.version, 3);

  auto tx = Begin(TxMode::kRead);
  auto all = SchemaRegistry::List(*tx);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> listed;
  for (const SchemaVersion& v : *all) {
    listed.push_back(v.dataset + " " + std::to_string(v.version) + " " + v.run_id);
  }
  EXPECT_EQ(listed, (std::vector<std::string>{"customers 1 r2", "customers 2 r4", "orders 1 r1",
                                              "orders 2 r3", "orders 3 r5"}));

  auto orders = SchemaRegistry::List(*tx, "orders");
  ASSERT_TRUE(orders.ok()) << orders.status();
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[1].schema, v2);
  EXPECT_EQ((*orders)[2].version, 3);

  EXPECT_EQ((*SchemaRegistry::Latest(*tx, "orders"))->version, 3);
  EXPECT_EQ((*SchemaRegistry::Latest(*tx, "customers"))->schema, v2);
  EXPECT_EQ((*SchemaRegistry::Get(*tx, "orders", 2))->run_id, "r3");
  EXPECT_FALSE(SchemaRegistry::Get(*tx, "orders", 4)->has_value());
  EXPECT_FALSE(SchemaRegistry::Get(*tx, "customers", 3)->has_value());
}

TEST_F(SchemaRegistryTest, StoresAnEmptyRunIdAsNull) {
  RegisterCommitted("orders", OrdersV1(), {}, "", "2026-11-27T12:00:00.000Z");
  auto tx = Begin(TxMode::kRead);
  auto row = tx->QueryOne("SELECT run_id FROM dataset_schemas WHERE dataset = 'orders'");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_TRUE((*row)->IsNull(0));
  EXPECT_EQ((*SchemaRegistry::Latest(*tx, "orders"))->run_id, "");
}

TEST_F(SchemaRegistryTest, RegistersNothingWhenTheCallersTransactionRollsBack) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_TRUE(
        SchemaRegistry::Register(*tx, "orders", OrdersV1(), {}, "r1", "2026-11-27T12:00:00.000Z")
            .ok());
    // Seen inside the transaction, gone once it is dropped uncommitted.
    EXPECT_EQ((*SchemaRegistry::Latest(*tx, "orders"))->version, 1);
  }
  auto tx = Begin(TxMode::kRead);
  EXPECT_FALSE(SchemaRegistry::Latest(*tx, "orders")->has_value());
}

TEST_F(SchemaRegistryTest, RefusesAnEmptyDatasetNameOrAnUnsupportedSchema) {
  auto tx = Begin(TxMode::kWrite);
  Result<SchemaVersion> v =
      SchemaRegistry::Register(*tx, "", OrdersV1(), {}, "r1", "2026-11-27T12:00:00.000Z");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(), "a dataset name cannot be empty");

  Schema bad{{Field{"code", DataType::Of(TypeKind::kUInt32), true}}};
  v = SchemaRegistry::Register(*tx, "orders", bad, {}, "r1", "2026-11-27T12:00:00.000Z");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(),
            "schema of dataset orders: column 'code': type uint32 is not a dataset type (bool, "
            "int8, int16, int32, int64, float, double, decimal(p,s), string, date, timestamp, "
            "json, list, struct)");
  EXPECT_TRUE(SchemaRegistry::List(*tx)->empty());
}

TEST_F(SchemaRegistryTest, ReportsACorruptStoredSchemaNamingTheRow) {
  {
    auto tx = Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("INSERT INTO dataset_schemas (dataset, version, schema, changes, "
                            "run_id, created_at) VALUES ('orders', 1, '{\"fields\":[{\"name\":"
                            "\"a\",\"type\":\"varchar\"}]}', '[]', NULL, 'now')")
                    .ok());
    ASSERT_TRUE(tx->Execute("INSERT INTO dataset_schemas (dataset, version, schema, changes, "
                            "run_id, created_at) VALUES ('sales', 1, '{\"fields\":[]}', "
                            "'[1]', NULL, 'now')")
                    .ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto tx = Begin(TxMode::kRead);
  auto latest = SchemaRegistry::Latest(*tx, "orders");
  ASSERT_FALSE(latest.ok());
  EXPECT_EQ(latest.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(latest.status().message(),
            "dataset_schemas row (orders, version 1): schema $.fields[0].type: unknown type "
            "\"varchar\"; expected one of bool, int8, int16, int32, int64, float, double, "
            "decimal(p,s), string, date, timestamp, json");
  auto sales = SchemaRegistry::Get(*tx, "sales", 1);
  ASSERT_FALSE(sales.ok());
  EXPECT_EQ(sales.status().message(),
            "dataset_schemas row (sales, version 1): changes: expected an array of strings");
}

}  // namespace
}  // namespace sluice::etl
