#include "sluice/warehouse/models.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "sluice/common/test_temp_dir.h"
#include "sluice/warehouse/model_graph_internal.h"
#include "sluice/warehouse/warehouse_test_util.h"

namespace sluice::warehouse {
namespace {

// --- model files (no engine) ---

TEST(ModelSpec, HeaderIsConfigurationWhenItStartsWithAKnownKey) {
  auto model = ParseModel("models/daily.sql",
                          "-- materialized: incremental\n"
                          "-- partition_by: order_date\n"
                          "-- unique_key: [order_date, region]\n"
                          "-- tests:\n"
                          "--   region: [not_null, {accepted_values: [north, south]}]\n"
                          "--   customer_id:\n"
                          "--     - relationships: {to: silver.customers, field: id}\n"
                          "SELECT order_date, region, customer_id FROM silver.orders o\n"
                          "JOIN gold.regions r USING (region);\n");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->name, "daily");
  EXPECT_EQ(model->materialized, Materialization::kIncremental);
  EXPECT_EQ(model->partition_by, "order_date");
  EXPECT_EQ(model->unique_key, (std::vector<std::string>{"order_date", "region"}));
  ASSERT_EQ(model->tests.size(), 4u);
  EXPECT_EQ(model->tests[0].Name(), "not_null(region)");
  EXPECT_EQ(model->tests[1].Name(), "accepted_values(region)");
  EXPECT_EQ(model->tests[1].values, (std::vector<std::string>{"north", "south"}));
  EXPECT_EQ(model->tests[2].Name(), "relationships(customer_id → silver.customers.id)");
  EXPECT_EQ(model->tests[3].Name(), "unique_key(order_date, region)");
  std::vector<std::string> reads;
  for (const auto& t : model->reads) reads.push_back(t.ToString());
  EXPECT_EQ(reads, (std::vector<std::string>{"gold.regions", "silver.customers", "silver.orders"}));
  EXPECT_FALSE(model->sql.ends_with(";"));
  EXPECT_EQ(model->hash.size(), 64u);
}

TEST(ModelSpec, AHeaderWithoutAKnownKeyIsJustAComment) {
  auto model =
      ParseModel("models/m.sql", "-- Revenue per day.\n-- tests: none here\nSELECT 1 AS x");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(model->materialized, Materialization::kTable);
  EXPECT_TRUE(model->tests.empty());
  EXPECT_EQ(model->config_path, "");
}

TEST(ModelSpec, ErrorsNameTheFileLineAndWhatWasExpected) {
  auto bad_value = ParseModel("models/m.sql", "-- materialized: tabel\nSELECT 1");
  EXPECT_EQ(bad_value.status().message(),
            "models/m.sql:1:18: materialized: expected table, incremental or view, got \"tabel\"");
  auto unknown = ParseModel("models/m.sql", "-- materialized: table\n-- colour: blue\nSELECT 1");
  EXPECT_EQ(unknown.status().message(),
            "models/m.sql:2:4: colour: unknown key; expected one of materialized, partition_by, "
            "unique_key, description, tests");
  auto no_partition = ParseModel("models/m.sql", "-- materialized: incremental\nSELECT 1");
  EXPECT_EQ(
      no_partition.status().message(),
      "models/m.sql:1:4: partition_by: required for materialized: incremental (a column name)");
  auto bad_test =
      ParseModel("models/m.sql", "SELECT 1", "models/m.yaml", "tests:\n  id:\n    - not_nul\n");
  EXPECT_EQ(
      bad_test.status().message(),
      "models/m.yaml:3:7: tests.id[0]: expected not_null, unique, {accepted_values: [values]} "
      "or {relationships: {to: LAYER.TABLE, field: COLUMN}}, got \"not_nul\"");
  auto bad_to = ParseModel("models/m.sql", "SELECT 1", "models/m.yaml",
                           "tests:\n  id:\n    - relationships: {to: customers, field: id}\n");
  EXPECT_EQ(bad_to.status().message(),
            "models/m.yaml:3:27: tests.id[0].relationships.to: table \"customers\": expected "
            "LAYER.NAME with LAYER one of bronze, silver, gold, quarantine");
  auto both = ParseModel("models/m.sql", "-- materialized: view\nSELECT 1", "models/m.yaml",
                         "materialized: table\n");
  EXPECT_EQ(both.status().message(),
            "models/m.sql:1: configuration in both the header and models/m.yaml; keep one");
  auto two = ParseModel("models/m.sql", "SELECT 1;\nSELECT 2");
  EXPECT_EQ(two.status().message(),
            "models/m.sql:1: expected one SELECT statement, found a second after ';'");
  auto name = ParseModel("models/Daily-Revenue.sql", "SELECT 1");
  EXPECT_EQ(
      name.status().message(),
      "models/Daily-Revenue.sql: model name \"Daily-Revenue\" (the file's name): expected "
      "lower-case letters, digits and _, starting with a letter or _ (not _sluice), at most 51 "
      "characters");
  EXPECT_FALSE(ParseModel("models/_sluice_models.sql", "SELECT 1").ok());
  auto yaml = ParseModel("models/m.sql", "-- materialized: [table\nSELECT 1");
  EXPECT_TRUE(yaml.status().message().starts_with("models/m.sql:2:")) << yaml.status().message();
}

class ModelFolder {
 public:
  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_.path() + "/" + file) << text;
  }
  const std::string& path() const { return dir_.path(); }

 private:
  common::TestTempDir dir_;
};

TEST(ModelSpec, LoadModelsReadsSidecarsAndRefusesCycles) {
  ModelFolder folder;
  folder.Write("a.sql", "SELECT * FROM gold.c");
  folder.Write("b.sql", "SELECT * FROM gold.a");
  folder.Write("c.sql", "SELECT * FROM gold.b");
  folder.Write("notes.txt", "ignored");
  auto cycle = LoadModels(folder.path());
  ASSERT_FALSE(cycle.ok());
  EXPECT_EQ(cycle.status().message(),
            "models form a dependency cycle: gold.a → gold.b → gold.c → gold.a (" + folder.path() +
                "/b.sql reads gold.a, " + folder.path() + "/c.sql reads gold.b, " + folder.path() +
                "/a.sql reads gold.c)");

  folder.Write("a.sql", "SELECT 1 AS id");
  folder.Write("a.yaml", "materialized: view\ndescription: the first\n");
  auto models = LoadModels(folder.path());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  ASSERT_EQ(models->size(), 3u);
  EXPECT_EQ((*models)[0].materialized, Materialization::kView);
  EXPECT_EQ((*models)[0].description, "the first");
  EXPECT_EQ((*models)[0].config_path, folder.path() + "/a.yaml");

  folder.Write("orphan.yaml", "materialized: view\n");
  EXPECT_EQ(LoadModels(folder.path()).status().message(),
            folder.path() + "/orphan.yaml: a model configuration without orphan.sql");
  EXPECT_TRUE(LoadModels(folder.path() + "/nope").status().IsNotFound());
}

TEST(ModelGraph, SelectionFollowsUpstreamAndDownstream) {
  std::vector<Model> models;
  for (auto [name, sql] : {std::pair{"base", "SELECT 1 AS x"},
                           {"left", "SELECT * FROM gold.base"},
                           {"right", "SELECT * FROM gold.base"},
                           {"top", "SELECT * FROM gold.left JOIN gold.right USING (x)"},
                           {"alone", "SELECT 2 AS y"}}) {
    auto m = ParseModel(std::string("models/") + name + ".sql", sql);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    models.push_back(std::move(*m));
  }
  auto graph = ModelGraph::Make(models);
  ASSERT_TRUE(graph.ok());
  auto names = [&](const std::vector<std::string>& select) {
    auto selected = graph->Select(select);
    EXPECT_TRUE(selected.ok()) << selected.status().ToString();
    std::vector<std::string> out;
    for (size_t i : selected.value_or({})) out.push_back(models[i].name);
    return out;
  };
  EXPECT_EQ(names({}), (std::vector<std::string>{"alone", "base", "left", "right", "top"}));
  EXPECT_EQ(names({"top"}), (std::vector<std::string>{"top"}));
  EXPECT_EQ(names({"+left"}), (std::vector<std::string>{"base", "left"}));
  EXPECT_EQ(names({"right+"}), (std::vector<std::string>{"right", "top"}));
  EXPECT_EQ(names({"base+,alone"}),
            (std::vector<std::string>{"alone", "base", "left", "right", "top"}));
  EXPECT_EQ(graph->Select({"nope"}).status().message(),
            "--select \"nope\": no model named \"nope\" (models: base, left, right, top, alone)");
}

// --- builds, on each engine ---

class ModelsTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Session> Connect(Warehouse& w) {
    auto s = w.Connect();
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  void Exec(Session& s, const std::string& sql) {
    Status st = s.Execute(sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.ToString();
  }

  // Rows of `sql` as text, one string per row ("a|b").
  std::vector<std::string> Rows(Session& s, const std::string& sql) {
    auto r = s.Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& row : r->rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i)
        line += (i ? "|" : "") + (row[i].is_null() ? "NULL" : row[i].ToString());
      out.push_back(line);
    }
    return out;
  }

  // A load of silver.orders: inserts rows (date, customer, amount) and logs the dates they
  // touched, as the loader does (`partitions` false: logged as unknown).
  void LoadOrders(Session& s,
                  const std::vector<std::tuple<std::optional<std::string>, int, int>>& rows,
                  bool partitions = true) {
    ASSERT_TRUE(s.Begin().ok());
    std::set<std::optional<std::string>> days;
    for (const auto& [day, customer, amount] : rows) {
      Exec(s, "INSERT INTO silver.orders (order_date, customer_id, amount) VALUES (" +
                  (day ? QuoteLiteral(*day) : "NULL") + ", " + std::to_string(customer) + ", " +
                  std::to_string(amount) + ")");
      days.insert(day);
    }
    LoadRecord load;
    load.table = TableName{"silver", "orders"};
    load.load_id = "load-" + std::to_string(++loads_);
    load.source = "test";
    load.mode = "replace_source";
    load.rows_inserted = static_cast<int64_t>(rows.size());
    load.partition_columns = {"order_date"};
    if (partitions) {
      load.partitions.emplace();
      for (const auto& d : days) load.partitions->push_back({d});
    }
    auto appended = AppendLoad(s, load);
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    ASSERT_TRUE(s.Commit().ok());
  }

  void CreateOrders(Session& s) {
    Exec(s, "CREATE TABLE silver.orders (order_date DATE, customer_id BIGINT, amount BIGINT)");
    Exec(s, "CREATE TABLE silver.customers (id BIGINT, region TEXT)");
    Exec(s, "INSERT INTO silver.customers VALUES (1, 'north'), (2, 'south'), (3, 'north')");
  }

  BuildReport Build(Warehouse& w, const std::string& folder, BuildOptions options = {}) {
    auto models = LoadModels(folder);
    EXPECT_TRUE(models.ok()) << models.status().ToString();
    if (!models.ok()) return {};
    auto report = BuildModels(w, *models, options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? std::move(*report) : BuildReport{};
  }

  static const ModelReport& Find(const BuildReport& report, const std::string& model) {
    for (const ModelReport& m : report.models) {
      if (m.model == model) return m;
    }
    static ModelReport none;
    ADD_FAILURE() << "no report for " << model;
    return none;
  }

  int loads_ = 0;
};

TEST_P(ModelsTest, ModelsBuildInDependencyOrderAndIndependentOnesInParallel) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}, {"2026-11-01", 2, 5}, {"2026-11-02", 3, 7}});
  ModelFolder folder;
  folder.Write("orders_by_customer.sql",
               "SELECT customer_id, sum(amount) AS total FROM silver.orders GROUP BY customer_id");
  folder.Write("regions.sql",
               "SELECT c.region, sum(o.total) AS total FROM gold.orders_by_customer o "
               "JOIN silver.customers c ON c.id = o.customer_id GROUP BY c.region");
  folder.Write("big_customers.sql",
               "SELECT customer_id FROM gold.orders_by_customer WHERE total > 6");
  folder.Write("summary.sql",
               "SELECT (SELECT count(*) FROM gold.regions) AS regions, "
               "(SELECT count(*) FROM gold.big_customers) AS big");
  BuildOptions options;
  options.threads = 3;
  BuildReport report = Build(w->get(), folder.path(), options);
  ASSERT_TRUE(report.ok()) << common::SerializeJson(report.ToJson());
  ASSERT_EQ(report.models.size(), 4u);
  EXPECT_EQ(report.models[0].model, "orders_by_customer");
  EXPECT_EQ(report.models[3].model, "summary");
  EXPECT_EQ(Rows(*s, "SELECT region, total FROM gold.regions ORDER BY region"),
            (std::vector<std::string>{"north|17", "south|5"}));
  EXPECT_EQ(Rows(*s, "SELECT regions, big FROM gold.summary"), (std::vector<std::string>{"2|2"}));
  EXPECT_EQ(Find(report, "regions").mode, "full");
  EXPECT_EQ(Find(report, "regions").rows, 2);
  // Bookkeeping: a load per build, the model's state, and nothing left behind.
  EXPECT_EQ(Rows(*s,
                 "SELECT mode, rows_inserted FROM gold._sluice_loads WHERE table_name = "
                 "'regions'"),
            (std::vector<std::string>{"full|2"}));
  EXPECT_EQ(
      Rows(*s,
           "SELECT materialized, upstream FROM gold._sluice_models WHERE model = "
           "'regions'"),
      (std::vector<std::string>{"table|{\"gold.orders_by_customer\":1,\"silver.customers\":0}"}));
  auto tables = s->ListTables();
  ASSERT_TRUE(tables.ok());
  for (const auto& t : *tables)
    EXPECT_FALSE(t.name.name.ends_with("__sluice_new")) << t.name.ToString();
}

TEST_P(ModelsTest, AFailingTestKeepsThePreviousTableAndSkipsDownstreamModels) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}});
  ModelFolder folder;
  folder.Write("daily.sql",
               "-- tests:\n--   order_date: [not_null, unique]\n"
               "SELECT order_date, sum(amount) AS revenue FROM silver.orders GROUP BY order_date");
  folder.Write("top.sql", "SELECT max(revenue) AS best FROM gold.daily");
  ASSERT_TRUE(Build(w->get(), folder.path()).ok());

  LoadOrders(*s, {{std::nullopt, 2, 4}});
  BuildReport report = Build(w->get(), folder.path());
  EXPECT_FALSE(report.ok());
  const ModelReport& daily = Find(report, "daily");
  EXPECT_EQ(daily.outcome, ModelReport::Outcome::kFailed);
  EXPECT_EQ(daily.reason, "tests failed; gold.daily keeps its previous version");
  ASSERT_EQ(daily.tests.size(), 2u);
  EXPECT_FALSE(daily.tests[0].passed);
  EXPECT_EQ(daily.tests[0].failing, 1);
  EXPECT_TRUE(daily.tests[1].passed);
  const ModelReport& top = Find(report, "top");
  EXPECT_EQ(top.outcome, ModelReport::Outcome::kSkipped);
  EXPECT_EQ(top.reason, "upstream model gold.daily was not built");
  EXPECT_EQ(top.mode, "skipped");
  EXPECT_EQ(Rows(*s, "SELECT order_date, revenue FROM gold.daily"),
            (std::vector<std::string>{"2026-11-01|10"}));
  auto temp = s->DescribeTable(TableName{"gold", "daily__sluice_new"});
  ASSERT_TRUE(temp.ok());
  EXPECT_FALSE(temp->has_value());
  auto json = common::SerializeJson(report.ToJson());
  EXPECT_NE(json.find("\"status\":\"skipped\""), std::string::npos) << json;
}

TEST_P(ModelsTest, ViewsAreReplacedInATransactionAndSurviveTheirUpstreamsSwap) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}, {"2026-11-02", 2, 3}});
  ModelFolder folder;
  folder.Write("daily.sql",
               "SELECT order_date, sum(amount) AS revenue FROM silver.orders GROUP BY order_date");
  folder.Write("good_days.sql",
               "-- materialized: view\n-- tests:\n--   revenue: [{accepted_values: [10, 12]}]\n"
               "SELECT * FROM gold.daily WHERE revenue >= 5");
  BuildReport first = Build(w->get(), folder.path());
  ASSERT_TRUE(first.ok()) << common::SerializeJson(first.ToJson());
  EXPECT_EQ(Find(first, "good_days").mode, "view");
  EXPECT_EQ(Rows(*s, "SELECT revenue FROM gold.good_days"), (std::vector<std::string>{"10"}));

  // Rebuilding only the table swaps it under the view, which is re-created and still reads it.
  LoadOrders(*s, {{"2026-11-02", 3, 9}});
  BuildOptions only_daily;
  only_daily.select = {"daily"};
  ASSERT_TRUE(Build(w->get(), folder.path(), only_daily).ok());
  EXPECT_EQ(Rows(*s, "SELECT revenue FROM gold.good_days ORDER BY revenue"),
            (std::vector<std::string>{"10", "12"}));

  // A failing test rolls the view back to its previous definition.
  folder.Write("good_days.sql",
               "-- materialized: view\n-- tests:\n--   revenue: [{accepted_values: [10, 12]}]\n"
               "SELECT order_date, revenue + 1 AS revenue FROM gold.daily");
  BuildReport failed = Build(w->get(), folder.path());
  const ModelReport& view = Find(failed, "good_days");
  EXPECT_EQ(view.outcome, ModelReport::Outcome::kFailed);
  ASSERT_EQ(view.tests.size(), 1u);
  EXPECT_EQ(view.tests[0].failing, 2);
  EXPECT_EQ(view.tests[0].samples, (std::vector<std::string>{"11", "13"}));
  EXPECT_EQ(Rows(*s, "SELECT revenue FROM gold.good_days ORDER BY revenue"),
            (std::vector<std::string>{"10", "12"}));
}

TEST_P(ModelsTest, ViewsOnSqliteThatReadOtherLayersAreRefusedWithTheReason) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "PostgreSQL views read every schema";
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  ModelFolder folder;
  folder.Write("v.sql", "-- materialized: view\nSELECT * FROM silver.orders");
  BuildReport report = Build(w->get(), folder.path());
  ASSERT_EQ(report.models.size(), 1u);
  EXPECT_EQ(report.models[0].outcome, ModelReport::Outcome::kFailed);
  EXPECT_EQ(report.models[0].reason,
            folder.path() +
                "/v.sql: a view on SQLite can read only gold tables (each layer is its "
                "own database file and SQLite views cannot reach across files); it reads "
                "silver.orders: use materialized: table, or a PostgreSQL warehouse");
}

TEST_P(ModelsTest, ViewsOnPostgresqlReadSilverAndComeBackAfterTheTableUnderThemIsSwapped) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "SQLite views read only their own layer";
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}});
  ModelFolder folder;
  folder.Write("orders.sql", "SELECT * FROM silver.orders");
  folder.Write("recent.sql",
               "-- materialized: view\nSELECT o.*, c.region FROM gold.orders o "
               "JOIN silver.customers c ON c.id = o.customer_id");
  ASSERT_TRUE(Build(w->get(), folder.path()).ok());
  LoadOrders(*s, {{"2026-11-02", 2, 3}});
  BuildOptions only_orders;
  only_orders.select = {"orders"};
  ASSERT_TRUE(Build(w->get(), folder.path(), only_orders).ok());  // DROP TABLE … CASCADE
  EXPECT_EQ(Rows(*s, "SELECT order_date, region FROM gold.recent ORDER BY 1"),
            (std::vector<std::string>{"2026-11-01|north", "2026-11-02|south"}));
}

// The incremental model and the same SQL as a table, built side by side.
constexpr std::string_view kDailySql =
    "SELECT o.order_date, c.region, count(*) AS orders, sum(o.amount) AS revenue\n"
    "FROM silver.orders o JOIN silver.customers AS c ON c.id = o.customer_id\n"
    "GROUP BY o.order_date, c.region";

void WriteDailyModels(ModelFolder& folder) {
  folder.Write("daily.sql",
               "-- materialized: incremental\n-- partition_by: order_date\n"
               "-- unique_key: [order_date, region]\n" +
                   std::string(kDailySql));
  folder.Write("daily_full.sql", std::string(kDailySql));
  // Incremental downstream of an incremental model: reads gold.daily's build log.
  folder.Write("daily_total.sql",
               "-- materialized: incremental\n-- partition_by: order_date\n"
               "SELECT order_date, sum(revenue) AS revenue FROM gold.daily GROUP BY order_date");
  folder.Write(
      "daily_total_full.sql",
      "SELECT order_date, sum(revenue) AS revenue FROM gold.daily_full GROUP BY order_date");
}

TEST_P(ModelsTest, IncrementalBuildsEqualAFullRebuildAfterLoadsTouchingSomePartitions) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}, {"2026-11-02", 2, 5}, {"2026-11-03", 3, 7}});
  ModelFolder folder;
  WriteDailyModels(folder);
  BuildReport first = Build(w->get(), folder.path());
  ASSERT_TRUE(first.ok()) << common::SerializeJson(first.ToJson());
  EXPECT_EQ(Find(first, "daily").mode, "full");
  EXPECT_EQ(Find(first, "daily").reason, "first build");

  auto same = [&] {
    EXPECT_EQ(
        Rows(*s, "SELECT order_date, region, orders, revenue FROM gold.daily ORDER BY 1, 2"),
        Rows(*s, "SELECT order_date, region, orders, revenue FROM gold.daily_full ORDER BY 1, 2"));
    EXPECT_EQ(Rows(*s, "SELECT order_date, revenue FROM gold.daily_total ORDER BY 1"),
              Rows(*s, "SELECT order_date, revenue FROM gold.daily_total_full ORDER BY 1"));
  };
  same();

  // Loads touch 11-02 (new rows) and 11-04 (a new day), then NULL dates; 11-01 and 11-03 stay.
  LoadOrders(*s, {{"2026-11-02", 1, 4}, {"2026-11-04", 2, 8}});
  LoadOrders(*s, {{std::nullopt, 3, 1}, {"2026-11-04", 3, 2}});
  BuildReport second = Build(w->get(), folder.path());
  ASSERT_TRUE(second.ok()) << common::SerializeJson(second.ToJson());
  const ModelReport& daily = Find(second, "daily");
  EXPECT_EQ(daily.mode, "incremental");
  ASSERT_TRUE(daily.partitions.has_value());
  EXPECT_EQ(*daily.partitions,
            (std::vector<PartitionValues>{{std::nullopt}, {"2026-11-02"}, {"2026-11-04"}}));
  EXPECT_EQ(daily.rows, 5);  // (11-02: north, south), (11-04: south, north), (NULL: north)
  EXPECT_EQ(Find(second, "daily_total").mode, "incremental");
  EXPECT_EQ(Find(second, "daily_total").partitions, daily.partitions);
  same();
  EXPECT_EQ(Rows(*s, "SELECT count(*) FROM gold.daily"), (std::vector<std::string>{"7"}));

  // Nothing loaded since: nothing to do.
  BuildReport third = Build(w->get(), folder.path());
  EXPECT_EQ(Find(third, "daily").outcome, ModelReport::Outcome::kUpToDate);
  EXPECT_EQ(Find(third, "daily").mode, "up-to-date");
  EXPECT_EQ(Find(third, "daily").rows, 7);

  // Another round, touching one old partition only.
  LoadOrders(*s, {{"2026-11-01", 2, 100}});
  BuildReport fourth = Build(w->get(), folder.path());
  EXPECT_EQ(*Find(fourth, "daily").partitions, (std::vector<PartitionValues>{{"2026-11-01"}}));
  same();
  EXPECT_EQ(Rows(*s,
                 "SELECT mode, partitions FROM gold._sluice_loads WHERE table_name = 'daily' "
                 "ORDER BY load_seq"),
            (std::vector<std::string>{"full|NULL",
                                      "incremental|[[null],[\"2026-11-02\"],[\"2026-11-04\"]]",
                                      "incremental|[[\"2026-11-01\"]]"}));
}

TEST_P(ModelsTest, IncrementalFallsBackToAFullBuildAndSaysWhy) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}});
  ModelFolder folder;
  WriteDailyModels(folder);
  ASSERT_TRUE(Build(w->get(), folder.path()).ok());

  // A load that does not know its partitions.
  LoadOrders(*s, {{"2026-11-02", 2, 3}}, /*partitions=*/false);
  BuildReport unknown = Build(w->get(), folder.path());
  EXPECT_EQ(Find(unknown, "daily").mode, "full");
  EXPECT_EQ(Find(unknown, "daily").reason,
            "load 2 of silver.orders does not record its partitions");
  // gold.daily's full build is itself a load of unknown partitions for daily_total.
  EXPECT_EQ(Find(unknown, "daily_total").reason,
            "load 2 of gold.daily does not record its partitions");

  // An upstream table without the partition column changed.
  ASSERT_TRUE(s->Begin().ok());
  Exec(*s, "UPDATE silver.customers SET region = 'west' WHERE id = 2");
  LoadRecord load;
  load.table = TableName{"silver", "customers"};
  load.load_id = "customers-1";
  load.mode = "merge";
  load.partitions.emplace();
  ASSERT_TRUE(AppendLoad(*s, load).ok());
  ASSERT_TRUE(s->Commit().ok());
  BuildReport dimension = Build(w->get(), folder.path());
  EXPECT_EQ(Find(dimension, "daily").mode, "full");
  EXPECT_EQ(Find(dimension, "daily").reason,
            "silver.customers changed (load 1) and has no column order_date");
  EXPECT_EQ(Rows(*s, "SELECT order_date, region FROM gold.daily ORDER BY 1"),
            (std::vector<std::string>{"2026-11-01|north", "2026-11-02|west"}));

  // New tests, a description and comments do not change what the model builds.
  folder.Write("daily.sql",
               "-- materialized: incremental\n-- partition_by: order_date\n"
               "-- unique_key: [order_date, region]\n-- description: per day\n"
               "-- tests:\n--   region: [not_null]\n" +
                   std::string(kDailySql) + "  -- the end\n");
  // A changed model, and --full-refresh.
  LoadOrders(*s, {{"2026-11-02", 2, 3}});
  EXPECT_EQ(Find(Build(w->get(), folder.path()), "daily").mode, "incremental");
  folder.Write("daily.sql", "-- materialized: incremental\n-- partition_by: order_date\n" +
                                std::string(kDailySql) + " HAVING count(*) > 0");
  EXPECT_EQ(Find(Build(w->get(), folder.path()), "daily").reason,
            "the model's SQL or configuration changed since its last build");
  BuildOptions refresh;
  refresh.full_refresh = true;
  refresh.select = {"daily"};
  EXPECT_EQ(Find(Build(w->get(), folder.path(), refresh), "daily").reason, "--full-refresh");
}

TEST_P(ModelsTest, IncrementalModelsSeeThroughViewsToTheLoadsUnderThem) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}, {"2026-11-02", 2, 5}});
  ModelFolder folder;
  folder.Write("base.sql",
               "-- materialized: incremental\n-- partition_by: order_date\n"
               "SELECT order_date, customer_id, amount FROM silver.orders");
  folder.Write("big.sql", "-- materialized: view\nSELECT * FROM gold.base WHERE amount >= 5");
  folder.Write("top.sql",
               "-- materialized: incremental\n-- partition_by: order_date\n"
               "SELECT order_date, count(*) AS n FROM gold.big GROUP BY order_date");
  ASSERT_TRUE(Build(w->get(), folder.path()).ok());
  LoadOrders(*s, {{"2026-11-02", 3, 50}});
  BuildReport report = Build(w->get(), folder.path());
  ASSERT_TRUE(report.ok()) << common::SerializeJson(report.ToJson());
  EXPECT_EQ(Find(report, "top").mode, "incremental");
  EXPECT_EQ(*Find(report, "top").partitions, (std::vector<PartitionValues>{{"2026-11-02"}}));
  EXPECT_EQ(Rows(*s, "SELECT order_date, n FROM gold.top ORDER BY 1"),
            (std::vector<std::string>{"2026-11-01|1", "2026-11-02|2"}));
  EXPECT_EQ(Rows(*s, "SELECT upstream FROM gold._sluice_models WHERE model = 'top'"),
            (std::vector<std::string>{"{\"gold.base\":2}"}));
}

TEST_P(ModelsTest, AnIncrementalModelWithoutItsPartitionColumnFails) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  ModelFolder folder;
  folder.Write("m.sql",
               "-- materialized: incremental\n-- partition_by: day\n"
               "SELECT order_date FROM silver.orders");
  BuildReport report = Build(w->get(), folder.path());
  ASSERT_EQ(report.models.size(), 1u);
  EXPECT_EQ(report.models[0].outcome, ModelReport::Outcome::kFailed);
  EXPECT_EQ(report.models[0].reason,
            folder.path() + "/m.sql: the model's result has no column \"day\" (partition_by)");
  auto table = s->DescribeTable(TableName{"gold", "m__sluice_new"});
  ASSERT_TRUE(table.ok());
  EXPECT_FALSE(table->has_value());
}

TEST_P(ModelsTest, ConcurrentBuildsOfTheSameModelsSerialiseAndAgree) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}, {"2026-11-02", 2, 5}});
  ModelFolder folder;
  WriteDailyModels(folder);
  auto models = LoadModels(folder.path());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  for (int round = 0; round < 3; ++round) {
    LoadOrders(*s, {{"2026-11-0" + std::to_string(round + 2), round + 1, 7}});
    std::vector<Result<BuildReport>> reports(3, Status::Internal("not run"));
    std::vector<std::thread> builders;
    for (auto& report : reports) {
      builders.emplace_back([&] { report = BuildModels(w->get(), *models, BuildOptions{}); });
    }
    for (auto& t : builders) t.join();
    for (const auto& report : reports) {
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      EXPECT_TRUE(report->ok()) << common::SerializeJson(report->ToJson());
    }
    EXPECT_EQ(
        Rows(*s, "SELECT order_date, region, orders, revenue FROM gold.daily ORDER BY 1, 2"),
        Rows(*s, "SELECT order_date, region, orders, revenue FROM gold.daily_full ORDER BY 1, 2"));
  }
  EXPECT_EQ(Rows(*s, "SELECT count(*) FROM gold._sluice_models WHERE model = 'daily'"),
            (std::vector<std::string>{"1"}));
}

TEST_P(ModelsTest, AFailingTestRollsAnIncrementalBuildBack) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(*s, {{"2026-11-01", 1, 10}});
  ModelFolder folder;
  folder.Write("daily.sql",
               "-- materialized: incremental\n-- partition_by: order_date\n"
               "-- tests:\n--   region: [not_null]\n" +
                   std::string(kDailySql).replace(kDailySql.find("JOIN"), 4, "LEFT JOIN"));
  ASSERT_TRUE(Build(w->get(), folder.path()).ok());
  LoadOrders(*s, {{"2026-11-01", 9, 1}});  // customer 9 has no region
  BuildReport report = Build(w->get(), folder.path());
  const ModelReport& daily = Find(report, "daily");
  EXPECT_EQ(daily.mode, "incremental");
  EXPECT_EQ(daily.outcome, ModelReport::Outcome::kFailed);
  EXPECT_EQ(Rows(*s, "SELECT order_date, region, revenue FROM gold.daily"),
            (std::vector<std::string>{"2026-11-01|north|10"}));
  // The failed build did not advance the model: the partition is retried next time.
  ASSERT_TRUE(s->Begin().ok());
  Exec(*s, "INSERT INTO silver.customers VALUES (9, 'east')");
  ASSERT_TRUE(s->Commit().ok());
  BuildReport retry = Build(w->get(), folder.path());
  EXPECT_EQ(*Find(retry, "daily").partitions, (std::vector<PartitionValues>{{"2026-11-01"}}));
  EXPECT_EQ(Rows(*s, "SELECT region, revenue FROM gold.daily ORDER BY region"),
            (std::vector<std::string>{"east|1", "north|10"}));
}

TEST_P(ModelsTest, TestModelsReportsFailingCountsAndSamples) {
  SLUICE_TEST_WAREHOUSE(w);
  auto s = Connect(w->get());
  CreateOrders(*s);
  LoadOrders(
      *s,
      {{"2026-11-01", 1, 10}, {"2026-11-01", 7, 3}, {"2026-11-02", 8, 3}, {"2026-11-02", 8, 4}});
  ModelFolder folder;
  folder.Write("orders.sql", "SELECT order_date, customer_id, amount FROM silver.orders");
  folder.Write("orders.yaml",
               "tests:\n"
               "  customer_id:\n"
               "    - relationships: {to: silver.customers, field: id}\n"
               "    - unique\n"
               "  amount:\n"
               "    - accepted_values: [10, 4]\n");
  auto models = LoadModels(folder.path());
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto missing = TestModels(w->get(), *models, {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->models[0].tests[0].error, "gold.orders does not exist; build the model first");

  BuildReport build = Build(w->get(), folder.path());
  EXPECT_FALSE(build.ok());
  // The failed build left no table; build without tests, then test what is there.
  folder.Write("orders.yaml", "description: orders\n");
  ASSERT_TRUE(Build(w->get(), folder.path()).ok());
  auto report = TestModels(w->get(), *models, {"orders"});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok());
  const auto& tests = report->models.at(0).tests;
  ASSERT_EQ(tests.size(), 3u);
  EXPECT_EQ(tests[0].test, "relationships(customer_id → silver.customers.id)");
  EXPECT_EQ(tests[0].failing, 3);
  EXPECT_EQ(tests[0].samples, (std::vector<std::string>{"7", "8"}));
  EXPECT_EQ(tests[1].test, "unique(customer_id)");
  EXPECT_EQ(tests[1].failing, 1);
  EXPECT_EQ(tests[1].samples, (std::vector<std::string>{"8"}));
  EXPECT_EQ(tests[2].test, "accepted_values(amount)");
  EXPECT_EQ(tests[2].failing, 2);
  EXPECT_EQ(tests[2].samples, (std::vector<std::string>{"3"}));
  EXPECT_EQ(common::SerializeJson(report->ToJson()).substr(0, 12), "{\"ok\":false,");
}

INSTANTIATE_TEST_SUITE_P(Engines, ModelsTest, ::testing::ValuesIn(TestEngines()));

}  // namespace
}  // namespace sluice::warehouse
