#include "sluice/server/pipeline_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_http_get.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/events/logged_store.h"
#include "sluice/server/engine_api.h"
#include "sluice/store/local_object_store.h"

namespace sluice::server {
namespace {

namespace json = boost::json;

// A home in a temp folder: catalog, folder store, event log, logged store, executions.
class PipelineEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = std::move(*catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db"));
    local_ = std::move(*store::LocalObjectStore::Open(dir_.path() + "/buckets"));
    log_ = std::make_unique<events::EventLog>(catalog_.get());
    store_ = std::make_unique<events::LoggedStore>(local_.get(), log_.get());
    ASSERT_TRUE(store_->CreateBucket("landing").ok());
    executions_ = std::make_unique<asl::ExecutionService>(catalog_.get(), &tasks_,
                                                          asl::ExecutionServiceOptions{});
    ASSERT_TRUE(executions_
                    ->CreateStateMachine("ingest",
                                         R"({"StartAt":"Echo","States":{"Echo":{"Type":"Pass","End":true}}})",
                                         "", false)
                    .ok());
  }

  std::unique_ptr<PipelineEngine> Engine() {
    EngineOptions options;
    options.inbox_dir = dir_.path() + "/inbox";
    options.inbox_poll_ms = 20;
    options.executors = 2;
    auto engine = std::make_unique<PipelineEngine>(catalog_.get(), store_.get(), log_.get(),
                                                   executions_.get(), options);
    Trigger t;
    t.name = "raw-csv";
    t.bucket = "landing";
    t.prefix = "raw/";
    t.suffix = ".csv";
    t.state_machine = "ingest";
    t.input = json::object{{"bucket.$", "$.s3.bucket.name"}, {"key.$", "$.s3.object.key"}};
    EXPECT_TRUE(engine->SetTriggers({t}).ok());
    return engine;
  }

  void Drop(const std::string& rel, const std::string& content) {
    std::string path = dir_.path() + "/inbox/" + rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
  }

  // The finished executions' outputs, waiting up to 10 s for `n` of them.
  std::vector<std::string> Outputs(size_t n) {
    std::vector<std::string> out;
    for (int i = 0; i < 1000; ++i) {
      out.clear();
      auto list = executions_->ListExecutions("ingest", "SUCCEEDED");
      if (list.ok()) {
        for (const auto& e : *list) out.push_back(e.output.value_or(""));
      }
      if (out.size() >= n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  common::TestTempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<store::LocalObjectStore> local_;
  std::unique_ptr<events::EventLog> log_;
  std::unique_ptr<events::LoggedStore> store_;
  asl::TaskRegistry tasks_;
  std::unique_ptr<asl::ExecutionService> executions_;
};

TEST_F(PipelineEngineTest, AFileDroppedInTheInboxStartsTheTriggersStateMachineOnce) {
  auto engine = Engine();
  ASSERT_TRUE(engine->Start().ok());
  Drop("landing/raw/a.csv", "id\n1\n");
  Drop("landing/other/b.csv", "id\n2\n");  // no trigger matches: stored, nothing started
  EXPECT_EQ(Outputs(1),
            std::vector<std::string>{R"({"bucket":"landing","key":"raw/a.csv"})"});
  for (int i = 0; i < 500 && engine->counters().files_ingested < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  engine->Stop();
  EXPECT_EQ(engine->counters().files_ingested.load(), 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/inbox/landing/raw/a.csv"));
  EXPECT_TRUE(store_->Head("landing", "other/b.csv").ok());

  // A restart delivers nothing twice.
  auto again = Engine();
  ASSERT_TRUE(again->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  again->Stop();
  EXPECT_EQ(again->counters().executions_started.load(), 0);
  EXPECT_EQ(Outputs(1).size(), 1u);
}

TEST_F(PipelineEngineTest, EventsLoggedWhileTheEngineIsDownAreDeliveredAtTheNextStart) {
  Engine()->Stop();  // the trigger's cursor is stored at the log's head
  ASSERT_TRUE(store_->PutString("landing", "raw/late.csv", "x\n").ok());
  auto engine = Engine();
  ASSERT_TRUE(engine->Start().ok());
  EXPECT_EQ(Outputs(1),
            std::vector<std::string>{R"({"bucket":"landing","key":"raw/late.csv"})"});
  engine->Stop();
}

TEST_F(PipelineEngineTest, ABadInputTemplateIsRefusedNamingTheTrigger) {
  PipelineEngine engine(catalog_.get(), store_.get(), log_.get(), executions_.get(), {});
  Trigger t;
  t.name = "broken";
  t.bucket = "landing";
  t.state_machine = "ingest";
  t.input = json::object{{"key.$", "$$$.nope["}};
  Status st = engine.SetTriggers({t});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("trigger broken: input/key.$: The value for the field 'key.$' must be a valid JSONPath", 0), 0u) << "got: " << st.message();
}

}  // namespace
}  // namespace sluice::server

namespace sluice::server {
namespace {

TEST_F(PipelineEngineTest, HttpEndpointsReportHealthMetricsAndExecutions) {
  auto engine = Engine();
  ASSERT_TRUE(engine->Start().ok());
  Drop("landing/raw/a.csv", "id\n1\n");
  ASSERT_EQ(Outputs(1).size(), 1u);
  HttpServer http;
  RegisterEngineApi(http, catalog_.get(), executions_.get(), &engine->counters(),
                    [] { return std::string("extra_metric 1\n"); });
  ASSERT_TRUE(http.Start(0).ok());
  EXPECT_EQ(common::TestHttpGet(http.port(), "/healthz"),
            std::make_pair(200, std::string("{\"status\":\"ok\"}\n")));
  auto metrics = common::TestHttpGet(http.port(), "/metrics");
  EXPECT_EQ(metrics.first, 200);
  EXPECT_NE(metrics.second.find("sluice_executions_started_total 1\n"), std::string::npos)
      << metrics.second;
  EXPECT_NE(metrics.second.find("sluice_executions{status=\"SUCCEEDED\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.second.find("extra_metric 1\n"), std::string::npos);
  auto list = common::TestHttpGet(http.port(), "/api/executions?status=SUCCEEDED");
  ASSERT_EQ(list.first, 200);
  auto parsed = common::ParseJson(list.second, "list");
  ASSERT_TRUE(parsed.ok()) << list.second;
  const auto& executions = parsed->at("executions").as_array();
  ASSERT_EQ(executions.size(), 1u);
  std::string arn = executions[0].at("executionArn").as_string().c_str();
  auto history = common::TestHttpGet(http.port(), "/api/executions/" + arn + "/history");
  EXPECT_EQ(history.first, 200);
  EXPECT_NE(history.second.find("\"ExecutionSucceeded\""), std::string::npos);
  EXPECT_EQ(common::TestHttpGet(http.port(), "/api/executions/arn:aws:states:us-east-1:1:execution:x:y").first,
            404);
  EXPECT_EQ(common::TestHttpGet(http.port(), "/nope").first, 404);
  EXPECT_EQ(common::TestHttpGet(http.port(), "/api/runs").first, 200);
  EXPECT_EQ(common::TestHttpGet(http.port(), "/api/loads").first, 200);
  http.Stop();
  engine->Stop();
}

}  // namespace
}  // namespace sluice::server
