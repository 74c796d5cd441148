#include "sluice/tasks/sluice_tasks.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "sluice/tasks/tasks_test_util.h"

namespace sluice::tasks {
namespace {

TEST_F(TasksTest, WarehouseLoadTakesAGlueJobRunIdAndModelsBuildBuildsGold) {
  Write("jobs/ev.yaml",
        "name: ev\nsource: {format: csv}\nmapping:\n  - [id, string, id, string]\n  - [n, string, n, int64]\n");
  std::string csv = Write("in.csv", "id,n\na,1\nb,2\nc,4\n");
  auto run = Call("arn:aws:states:::glue:startJobRun.sync", R"({"JobName":"ev","Arguments":{"--source":")" + csv + R"("}})");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_FALSE(run->at("SluiceRunReport").as_object().contains("warehouse_loads"));  // no target

  auto load = Call("arn:sluice:::warehouse:load",
                   R"({"RunId":")" + std::string(run->at("Id").as_string()) + R"(","Table":"silver.events"})");
  ASSERT_TRUE(load.ok()) << load.status();
  EXPECT_EQ(load->at("Loads").at(0).at("table").as_string(), "silver.events");
  EXPECT_EQ(load->at("Loads").at(0).at("rows_inserted").as_int64(), 3);
  EXPECT_EQ(Query("SELECT sum(n) FROM silver.events"), "7\n");

  Write("models/totals.sql", "SELECT count(*) AS events, sum(n) AS total FROM silver.events");
  auto built = Call("arn:sluice:::models:build", R"({"Select":"totals","FullRefresh":true})");
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->at("ok").as_bool(), true);
  EXPECT_EQ(built->at("models").at(0).at("model").as_string(), "totals");
  EXPECT_EQ(Query("SELECT events, total FROM gold.totals"), "3|7\n");

  Write("models/broken.sql", "SELECT nope FROM silver.events");
  auto failed = Call("arn:sluice:::models:build", R"({"Select":["broken"]})");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().name(), "Sluice.ModelBuildFailed");
  EXPECT_NE(failed.status().message().find(R"("ok":false)"), std::string::npos) << failed.status().message();

  auto unknown = Call("arn:sluice:::models:build", R"({"Select":"nope"})");
  EXPECT_EQ(unknown.status().name(), "Sluice.InvalidParameters");
  auto neither = Call("arn:sluice:::warehouse:load", R"({"Dataset":"ev"})");
  EXPECT_EQ(neither.status().name(), "Sluice.InvalidParameters");
  EXPECT_EQ(neither.status().message(), "warehouse:load takes RunId, or Dataset and Source");
  auto by_source = Call("arn:sluice:::warehouse:load",
                        R"({"Dataset":"ev","Source":")" + csv + R"(","Table":"silver.events"})");
  ASSERT_TRUE(by_source.ok()) << by_source.status();
  EXPECT_EQ(Query("SELECT count(*) FROM silver.events"), "3\n");
}

// Requests arriving while a build runs share the next build instead of queueing one each;
// every one of them gets a successful report.
TEST_F(TasksTest, ConcurrentModelBuildsAreSharedByTheRequestsThatWaitForThem) {
  // A model that takes a while to build (SQLite counts to 2 million).
  Write("models/slow.sql",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
        "SELECT count(*) AS n FROM c");
  constexpr int kRequests = 8;
  std::vector<std::thread> threads;
  std::vector<Result<boost::json::value>> results(kRequests, boost::json::value());
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] { results[i] = Call("arn:sluice:::models:build", R"({"Select":"slow"})"); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->at("models").at(0).at("status").as_string(), "built");
  }
  auto* tasks = dynamic_cast<SluiceTasks*>(registry_.Find("arn:sluice:::models:build"));
  ASSERT_NE(tasks, nullptr);
  EXPECT_GE(tasks->model_builds(), 1);
  EXPECT_LT(tasks->model_builds(), kRequests);
  EXPECT_EQ(Query("SELECT n FROM gold.slow"), "2000000\n");
  // A request after they all finished builds again.
  int64_t before = tasks->model_builds();
  ASSERT_TRUE(Call("arn:sluice:::models:build", R"({"Select":"slow"})").ok());
  EXPECT_EQ(tasks->model_builds(), before + 1);
}

}  // namespace
}  // namespace sluice::tasks
