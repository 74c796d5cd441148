#pragma once

// For the tasks module's tests: a TaskEnvironment over a temporary folder (SQLite catalog,
// lake, SQLite warehouse, jobs/ and models/ folders, local files as sources), a registry
// with every integration, and a way to call a resource as a Task state would.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/tasks/aws_integrations.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::tasks {

class TasksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db");
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = std::move(*c);
    std::filesystem::create_directories(dir_.path() + "/jobs");
    std::filesystem::create_directories(dir_.path() + "/models");
    TaskEnvironment env;
    env.catalog = catalog_.get();
    env.lake_dir = dir_.path() + "/lake";
    env.warehouse_url = "sqlite://" + dir_.path() + "/warehouse";
    env.models_dir = dir_.path() + "/models";
    env.find_job = JobFolder(dir_.path() + "/jobs");
    env.open_source = [](const std::string& source, bool with_etag) {
      return etl::LocalSource(source, with_etag);
    };
    env.job_threads = 1;
    env.max_concurrent_job_runs = 1;
    integrations_ = RegisterAwsIntegrations(registry_, std::move(env));
  }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  // Invokes `resource` with `parameters` (JSON text).
  Result<boost::json::value> Call(const std::string& resource, std::string_view parameters) {
    auto p = common::ParseJson(parameters, "parameters");
    EXPECT_TRUE(p.ok()) << p.status();
    asl::TaskInvocation inv;
    inv.resource = resource;
    inv.state_name = "Task";
    inv.parameters = &*p;
    asl::TaskHandler* handler = registry_.Find(resource);
    if (handler == nullptr) return Status::NotFound("no handler for " + resource);
    return handler->Invoke(inv);
  }

  // Rows of `sql` in the warehouse, one "a|b|c" line each.
  std::string Query(const std::string& sql) {
    auto wh = warehouse::OpenWarehouse(integrations_->env().warehouse_url);
    EXPECT_TRUE(wh.ok()) << wh.status();
    auto session = (*wh)->Connect();
    EXPECT_TRUE(session.ok()) << session.status();
    auto q = (*session)->Query(sql);
    if (!q.ok()) return "error: " + q.status().message();
    std::string out;
    for (const auto& row : q->rows) {
      for (size_t i = 0; i < row.size(); ++i) out += (i ? "|" : "") + row[i].ToString();
      out += "\n";
    }
    return out;
  }

  common::TestTempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  asl::TaskRegistry registry_;
  std::unique_ptr<AwsIntegrations> integrations_;
};

}  // namespace sluice::tasks
