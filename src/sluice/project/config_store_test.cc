#include "sluice/project/config_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/file_util.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/project/init.h"
#include "sluice/project/unified_diff.h"

namespace sluice::project {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = catalog::OpenSqliteCatalog(tmp_.path() + "/catalog.db");
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(*catalog);
    dir_ = tmp_.path() + "/orders";
    ASSERT_TRUE(InitProject(dir_).ok());
  }

  // Loads the project folder and stores it; returns the result.
  DeployResult Deploy(const std::string& message = "") {
    auto project = LoadProject(dir_);
    EXPECT_TRUE(project.ok()) << project.status().ToString();
    auto result = StoreConfigVersion(*catalog_, *project, message, clock_);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    clock_.AdvanceMicros(1000000);
    return *result;
  }

  void Edit(const std::string& path, std::string_view from, std::string_view to) {
    std::string text = *common::ReadFileToString(dir_ + "/" + path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    ASSERT_TRUE(common::WriteFileAtomically(dir_ + "/" + path, text).ok());
  }

  common::TestTempDir tmp_;
  std::unique_ptr<catalog::Catalog> catalog_;
  common::ManualClock clock_{common::Timestamp{1'800'000'000'000'000}};
  std::string dir_;
};

TEST_F(ConfigStoreTest, NothingDeployedYet) {
  EXPECT_EQ(*LatestVersion(*catalog_), 0);
  EXPECT_FALSE(LatestConfig(*catalog_)->has_value());
  EXPECT_TRUE(ListConfigVersions(*catalog_)->empty());
  EXPECT_TRUE(LoadConfigVersion(*catalog_, 1).status().IsNotFound());
}

TEST_F(ConfigStoreTest, ADeployStoresEveryFileAndTheParsedProject) {
  DeployResult r = Deploy("first");
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.version.version, 1);
  EXPECT_EQ(r.version.message, "first");
  EXPECT_EQ(r.version.project, "orders");
  EXPECT_EQ(r.version.created_at, "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(*LatestVersion(*catalog_), 1);

  // What serve reads: nothing from the folder.
  std::filesystem::remove_all(dir_);
  auto config = LatestConfig(*catalog_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->has_value());
  const DeployedConfig& c = **config;
  EXPECT_EQ(c.info.version, 1);
  EXPECT_EQ(c.info.files, 11);
  EXPECT_EQ(c.project.name, "orders");
  ASSERT_EQ(c.project.triggers.size(), 1u);
  EXPECT_EQ(c.project.triggers[0].prefix, "raw/");
  EXPECT_THAT(c.state_machines.at("orders"), HasSubstr("\"StartAt\": \"ReadEvent\""));
  EXPECT_THAT(c.jobs.at("orders"), HasSubstr("name: orders"));
  ASSERT_EQ(c.project.jobs.size(), 1u);
  EXPECT_EQ(c.project.jobs[0].path, "jobs/orders.yaml");
  std::vector<std::string> models;
  for (const ProjectFile& f : c.models) models.push_back(f.path);
  EXPECT_THAT(models, ElementsAre("models/country_revenue.sql", "models/country_revenue.yaml",
                                  "models/customer_lifetime_value.sql", "models/daily_revenue.sql",
                                  "models/data_quality.sql", "models/revenue_by_day.sql"));
  ASSERT_NE(c.File("functions/summarize.py"), nullptr);
}

TEST_F(ConfigStoreTest, DeployedModelsParseWithTheirSidecars) {
  Deploy();
  auto config = LatestConfig(*catalog_);
  ASSERT_TRUE(config.ok() && config->has_value());
  auto models = DeployedModels(**config);
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  std::vector<std::string> names;
  for (const warehouse::Model& m : *models) names.push_back(m.name + " " + m.config_path);
  EXPECT_THAT(names, ElementsAre("country_revenue models/country_revenue.yaml",
                                 "customer_lifetime_value models/customer_lifetime_value.sql",
                                 "daily_revenue models/daily_revenue.sql",
                                 "data_quality models/data_quality.sql",
                                 "revenue_by_day models/revenue_by_day.sql"));
  EXPECT_EQ((*models)[2].materialized, warehouse::Materialization::kIncremental);
  EXPECT_EQ((*models)[0].description, "Revenue per country over all days.");
}

TEST_F(ConfigStoreTest, AnUnchangedProjectMakesNoNewVersion) {
  Deploy();
  DeployResult again = Deploy();
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.version.version, 1);
  EXPECT_EQ(ListConfigVersions(*catalog_)->size(), 1u);
}

TEST_F(ConfigStoreTest, ConcurrentDeploysOfOneProjectMakeOneVersion) {
  auto project = LoadProject(dir_);
  ASSERT_TRUE(project.ok());
  std::atomic<int> changed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = StoreConfigVersion(*catalog_, *project, "", clock_);
      if (!r.ok()) {
        ++failed;
      } else if (r->changed) {
        ++changed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(changed.load(), 1);
  EXPECT_EQ(*LatestVersion(*catalog_), 1);
}

TEST_F(ConfigStoreTest, VersionsAreListedNewestFirst) {
  Deploy("one");
  Edit("sluice.yaml", "prefix: raw/", "prefix: raw/2026/");
  Deploy("two");
  auto versions = ListConfigVersions(*catalog_);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  EXPECT_EQ((*versions)[0].message, "two");
  EXPECT_EQ((*versions)[1].version, 1);
  EXPECT_NE((*versions)[0].content_hash, (*versions)[1].content_hash);
  EXPECT_EQ(common::SerializeJson((*versions)[1].ToJson()),
            R"({"version":1,"project":"orders","content_hash":")" + (*versions)[1].content_hash +
                R"(","message":"one","source":")" + (*versions)[1].source +
                R"(","rollback_of":null,"created_at":"2027-01-15T08:00:00.000Z","files":11})");
}

TEST_F(ConfigStoreTest, DiffNamesChangedFilesFieldsAndStates) {
  Deploy();
  Edit("sluice.yaml", "prefix: raw/", "prefix: raw/2026/");
  Edit("statemachines/orders.asl.json", R"("Cause": "The orders file is empty")",
       R"("Cause": "Empty")");
  Edit("models/revenue_by_day.sql", "SELECT order_date,", "SELECT order_date AS day,");
  Deploy();
  auto a = LoadConfigVersion(*catalog_, 1);
  auto b = LoadConfigVersion(*catalog_, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  std::string diff = DiffConfigs(*a, *b);
  EXPECT_THAT(diff, HasSubstr("changed: models/revenue_by_day.sql\n"
                              "changed: sluice.yaml (fields: triggers)\n"
                              "changed: statemachines/orders.asl.json (states: ~EmptyFile)\n"));
  EXPECT_THAT(diff, HasSubstr("--- v1/sluice.yaml\n+++ v2/sluice.yaml\n@@ -18,7 +18,7 @@\n"
                              "     bucket: landing\n     events: [\"s3:ObjectCreated:*\"]\n"
                              "     filter:\n-      prefix: raw/\n+      prefix: raw/2026/\n"
                              "       suffix: .csv\n"));
  EXPECT_EQ(DiffConfigs(*a, *a), "");
}

TEST_F(ConfigStoreTest, DiffListsAddedAndRemovedFiles) {
  Deploy();
  ASSERT_TRUE(common::WriteFileAtomically(dir_ + "/models/extra.sql", "SELECT 1 AS one\n").ok());
  Deploy();
  auto a = LoadConfigVersion(*catalog_, 1);
  auto b = LoadConfigVersion(*catalog_, 2);
  EXPECT_THAT(DiffConfigs(*a, *b), HasSubstr("added:   models/extra.sql\n"));
  EXPECT_THAT(DiffConfigs(*b, *a), HasSubstr("removed: models/extra.sql\n"));
  EXPECT_THAT(
      DiffConfigs(*a, *b),
      HasSubstr("--- /dev/null\n+++ v2/models/extra.sql\n@@ -0,0 +1,1 @@\n+SELECT 1 AS one\n"));
}

TEST_F(ConfigStoreTest, RollbackAppendsAVersionEqualToTheOldOne) {
  DeployResult v1 = Deploy();
  Edit("sluice.yaml", "prefix: raw/", "prefix: raw/2026/");
  Deploy();
  auto r = RollbackConfig(*catalog_, 1, clock_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->version.version, 3);
  EXPECT_EQ(r->version.rollback_of, 1);
  EXPECT_EQ(r->version.message, "rollback to version 1");
  EXPECT_EQ(r->version.content_hash, v1.version.content_hash);
  auto latest = LatestConfig(*catalog_);
  EXPECT_EQ((*latest)->project.triggers[0].prefix, "raw/");
  // History is kept, and rolling back to what is already current changes nothing.
  EXPECT_EQ(ListConfigVersions(*catalog_)->size(), 3u);
  auto again = RollbackConfig(*catalog_, 1, clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  EXPECT_TRUE(RollbackConfig(*catalog_, 9, clock_).status().IsNotFound());
}

TEST(UnifiedDiff, PrintsHunksWithContext) {
  EXPECT_EQ(UnifiedDiff("a\nb\nc\n", "a\nb\nc\n", "x", "y"), "");
  EXPECT_EQ(UnifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n",
                        "x", "y", 2),
            "--- x\n+++ y\n@@ -3,5 +3,5 @@\n 3\n 4\n-5\n+five\n 6\n 7\n");
  // Changes far apart make two hunks.
  EXPECT_EQ(UnifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n", "one\n2\n3\n4\n5\n6\n7\neight\n", "x", "y", 1),
            "--- x\n+++ y\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n@@ -7,2 +7,2 @@\n 7\n-8\n+eight\n");
}

}  // namespace
}  // namespace sluice::project
