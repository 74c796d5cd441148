#include <gtest/gtest.h>

#include "sluice/warehouse/sql_refs_internal.h"

namespace sluice::warehouse {
namespace {

std::vector<std::string> Names(std::string_view sql) {
  auto refs = FindTableRefs(sql);
  EXPECT_TRUE(refs.ok()) << refs.status().ToString();
  std::vector<std::string> out;
  if (!refs.ok()) return out;
  for (const SqlTableRef& ref : *refs) out.push_back(ref.table.ToString());
  return out;
}

TEST(SqlRefs, FindsLayerQualifiedTablesInFromAndJoin) {
  EXPECT_EQ(Names("SELECT o.id, c.name FROM silver.orders o JOIN silver.customers AS c ON "
                  "c.id = o.customer_id LEFT JOIN gold.daily_revenue d USING (day)"),
            (std::vector<std::string>{"silver.orders", "silver.customers", "gold.daily_revenue"}));
}

TEST(SqlRefs, StringsCommentsAndQuotedIdentifiersAreNotReferences) {
  std::string sql =
      "SELECT 'silver.fake1', E'it\\'s silver.fake2', $$silver.fake3$$, $t$ gold.fake4 $t$ -- "
      "gold.fake5\n"
      "  , \"silver.fake6\" /* silver.fake7 /* nested gold.fake8 */ still silver.fake9 */\n"
      "FROM silver.real  -- trailing gold.fake10";
  EXPECT_EQ(Names(sql), (std::vector<std::string>{"silver.real"}));
}

TEST(SqlRefs, QuotedAndUpperCaseLayersAreReferences) {
  EXPECT_EQ(Names("SELECT * FROM \"silver\".\"orders\" JOIN SILVER.Customers ON true "
                  "JOIN gold . totals ON true"),
            (std::vector<std::string>{"silver.orders", "silver.customers", "gold.totals"}));
}

TEST(SqlRefs, OtherSchemasFunctionsAndColumnsAreToldApart) {
  auto refs = FindTableRefs(
      "SELECT silver.orders.amount, staging.orders.x, public.silver.y, silver.fn(1) "
      "FROM silver.orders, other.t");
  ASSERT_TRUE(refs.ok());
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_TRUE((*refs)[0].qualifies_column);
  EXPECT_EQ((*refs)[0].table.ToString(), "silver.orders");
  EXPECT_FALSE((*refs)[1].qualifies_column);
}

TEST(SqlRefs, AliasesAreFoundButKeywordsAreNot) {
  auto refs = FindTableRefs(
      "SELECT * FROM silver.a x JOIN silver.b AS \"Y\" ON true JOIN silver.c ON true, silver.d "
      "WHERE 1=1");
  ASSERT_TRUE(refs.ok());
  ASSERT_EQ(refs->size(), 4u);
  EXPECT_EQ((*refs)[0].alias, "x");
  EXPECT_EQ((*refs)[1].alias, "\"Y\"");
  EXPECT_EQ((*refs)[2].alias, "");
  EXPECT_EQ((*refs)[3].alias, "");
}

TEST(SqlRefs, UnterminatedTextNamesItsLine) {
  auto refs = FindTableRefs("SELECT 1\nFROM silver.x\nWHERE a = 'oops");
  ASSERT_FALSE(refs.ok());
  EXPECT_EQ(refs.status().message(), "line 3: unterminated string literal");
  EXPECT_EQ(FindTableRefs("SELECT /* x").status().message(), "line 1: unterminated /* comment");
}

TEST(SqlRefs, RewriteKeepsTheUsersAliasOrUsesTheTableName) {
  std::string sql =
      "SELECT * FROM silver.orders o JOIN silver.customers ON customers.id = o.c "
      "JOIN silver.regions AS r ON true";
  auto refs = FindTableRefs(sql);
  ASSERT_TRUE(refs.ok());
  std::string out =
      RewriteTableRefs(sql, *refs, [](const SqlTableRef& ref) -> std::optional<std::string> {
        if (ref.table.name == "regions") return std::nullopt;
        return "(SELECT * FROM " + ref.table.Sql() + " WHERE p = 1)";
      });
  EXPECT_EQ(out,
            "SELECT * FROM (SELECT * FROM \"silver\".\"orders\" WHERE p = 1) AS o JOIN (SELECT * "
            "FROM \"silver\".\"customers\" WHERE p = 1) AS \"customers\" ON customers.id = o.c "
            "JOIN silver.regions AS r ON true");
}

TEST(SqlRefs, RewriteRequalifiesSchemaQualifiedColumns) {
  std::string sql = "SELECT silver.orders.amount, gold.x.y FROM silver.orders, gold.x";
  auto refs = FindTableRefs(sql);
  ASSERT_TRUE(refs.ok());
  std::string out =
      RewriteTableRefs(sql, *refs, [](const SqlTableRef& ref) -> std::optional<std::string> {
        if (ref.table.schema != "silver") return std::nullopt;
        return "(SELECT 1 AS amount)";
      });
  EXPECT_EQ(out,
            "SELECT \"orders\".amount, gold.x.y FROM (SELECT 1 AS amount) AS \"orders\", gold.x");
}

TEST(SqlRefs, SingleStatementDropsTrailingSemicolonsAndComments) {
  auto sql = SingleStatement("-- hi\nSELECT 1 ; ;\n-- bye\n");
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql, "-- hi\nSELECT 1");
  EXPECT_EQ(SingleStatement("SELECT 1;\nDELETE FROM x").status().message(),
            "line 1: expected one SELECT statement, found a second after ';'");
  EXPECT_EQ(SingleStatement("\n\nDROP TABLE x").status().message(),
            "line 3: expected a SELECT statement (SELECT, WITH or VALUES), found \"DROP\"");
  EXPECT_TRUE(SingleStatement("WITH a AS (SELECT 1) SELECT * FROM a").ok());
  EXPECT_TRUE(SingleStatement("SELECT ';' AS semi").ok());
}

TEST(SqlRefs, TokensTextIgnoresCommentsAndLayoutButNotLiterals) {
  EXPECT_EQ(*SqlTokensText("-- header\nSELECT  a,\n\tb /* why */ FROM silver.x WHERE s = 'a  b'"),
            "SELECT a , b FROM silver . x WHERE s = 'a  b'");
}

}  // namespace
}  // namespace sluice::warehouse
