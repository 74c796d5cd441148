#include "sluice/tasks/redshift_data.h"

#include <gtest/gtest.h>

#include "sluice/tasks/tasks_test_util.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "arn:aws:states:::aws-sdk:redshiftdata:";

class RedshiftDataTest : public TasksTest {
 protected:
  Result<json::value> Api(std::string_view op, std::string_view params) {
    return Call(std::string(kPrefix) + std::string(op), params);
  }
};

TEST(BindNamedParameters, ReplacesNamesOutsideQuotesCommentsAndCasts) {
  std::vector<std::string> order;
  auto sql = BindNamedParameters(
      "SELECT ':a', \":b\", x::int -- :c\n FROM t WHERE a = :a AND b = :b_2 /* :d */ OR c = :a",
      {"a", "b_2"}, &order);
  ASSERT_TRUE(sql.ok()) << sql.status();
  EXPECT_EQ(*sql, "SELECT ':a', \":b\", x::int -- :c\n FROM t WHERE a = $1 AND b = $2 /* :d */ OR c = $1");
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b_2"}));
  std::vector<std::string> none;
  EXPECT_EQ(BindNamedParameters("SELECT :x", {}, &none).status().message(),
            "the SQL uses parameter :x but Parameters has no value for it");
}

TEST_F(RedshiftDataTest, ExecuteThenDescribeAndGetStatementResult) {
  ASSERT_TRUE(Api("executeStatement", R"j({"Sql":"CREATE TABLE silver.t (id BIGINT, name TEXT, price NUMERIC(10,2), ok BOOLEAN)"})j").ok());
  auto insert = Api("executeStatement", R"j({"Sql":"INSERT INTO silver.t VALUES (:id, :name, 12.50, true), (2, NULL, NULL, false)",
      "Parameters":[{"name":"id","value":"1"},{"name":"name","value":"it's"}],"Database":"dev","WorkgroupName":"wg"})j");
  ASSERT_TRUE(insert.ok()) << insert.status();
  EXPECT_EQ(insert->at("Database").as_string(), "dev");
  EXPECT_EQ(insert->at("WorkgroupName").as_string(), "wg");
  std::string insert_id(insert->at("Id").as_string());
  auto described = Api("describeStatement", R"({"Id":")" + insert_id + R"("})");
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->at("Status").as_string(), "FINISHED");
  EXPECT_EQ(described->at("HasResultSet").as_bool(), false);
  EXPECT_EQ(described->at("ResultRows").as_int64(), 2);
  EXPECT_EQ(common::SerializeJson(described->at("QueryParameters")),
            R"([{"name":"id","value":"1"},{"name":"name","value":"it's"}])");
  auto no_result = Api("getStatementResult", R"({"Id":")" + insert_id + R"("})");
  EXPECT_EQ(no_result.status().name(), "RedshiftData.ValidationException");

  auto select = Api("executeStatement", R"({"Sql":"SELECT id, name, ok FROM silver.t WHERE id >= :min ORDER BY id",
      "Parameters":[{"name":"min","value":"1"}]})");
  ASSERT_TRUE(select.ok()) << select.status();
  std::string id(select->at("Id").as_string());
  auto result = Api("getStatementResult", R"({"Id":")" + id + R"("})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(common::SerializeJson(result->at("Records")),
            R"([[{"longValue":1},{"stringValue":"it's"},{"longValue":1}],[{"longValue":2},{"isNull":true},{"longValue":0}]])");
  EXPECT_EQ(result->at("TotalNumRows").as_int64(), 2);
  EXPECT_EQ(result->at("ColumnMetadata").at(1).at("name").as_string(), "name");
  auto d = Api("describeStatement", R"({"Id":")" + id + R"("})");
  EXPECT_EQ(d->at("HasResultSet").as_bool(), true);
  EXPECT_EQ(d->at("ResultRows").as_int64(), 2);
}

TEST_F(RedshiftDataTest, BatchesRunInOneTransactionAndSubStatementsHaveResults) {
  auto batch = Api("batchExecuteStatement", R"j({"Sqls":["CREATE TABLE gold.b (n BIGINT)","INSERT INTO gold.b VALUES (1), (2)","SELECT sum(n) AS s FROM gold.b"]})j");
  ASSERT_TRUE(batch.ok()) << batch.status();
  std::string id(batch->at("Id").as_string());
  auto d = Api("describeStatement", R"({"Id":")" + id + R"("})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->at("Status").as_string(), "FINISHED");
  ASSERT_EQ(d->at("SubStatements").as_array().size(), 3u);
  EXPECT_EQ(d->at("SubStatements").at(2).at("Id").as_string(), id + ":3");
  auto r = Api("getStatementResult", R"({"Id":")" + id + R"(:3"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(common::SerializeJson(r->at("Records")), R"([[{"longValue":3}]])");

  auto failing = Api("batchExecuteStatement", R"j({"Sqls":["INSERT INTO gold.b VALUES (10)","SELECT nope FROM gold.b"]})j");
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.status().name(), "RedshiftData.BatchExecuteStatementException");
  EXPECT_EQ(Query("SELECT count(*) FROM gold.b"), "2\n");
}

TEST_F(RedshiftDataTest, SqlErrorsAndBadRequestsUseRedshiftDataExceptionNames) {
  auto bad = Api("executeStatement", R"({"Sql":"SELECT * FROM silver.nope"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().name(), "RedshiftData.ExecuteStatementException");
  EXPECT_NE(bad.status().message().find("no such table"), std::string::npos) << bad.status().message();
  auto no_sql = Api("executeStatement", R"({"Database":"dev"})");
  EXPECT_EQ(no_sql.status().name(), "RedshiftData.ValidationException");
  EXPECT_EQ(no_sql.status().message().rfind(
                "1 validation error detected: Value null at 'sql' failed to satisfy constraint: Member must not be null", 0),
            0u);
  auto missing_param = Api("executeStatement", R"({"Sql":"SELECT :x"})");
  EXPECT_EQ(missing_param.status().name(), "RedshiftData.ValidationException");
  auto unknown = Api("describeStatement", R"({"Id":"00000000-0000-0000-0000-000000000000"})");
  EXPECT_EQ(unknown.status().name(), "RedshiftData.ResourceNotFoundException");
}

}  // namespace
}  // namespace sluice::tasks
