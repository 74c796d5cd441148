#pragma once

// For tests that run once per engine: a fresh, empty warehouse on SQLite (a temporary
// folder) or PostgreSQL (a new database on the server named by SLUICE_TEST_POSTGRES_URL,
// dropped afterwards). `make test` starts that server (scripts/with-postgres) and sets
// SLUICE_REQUIRE_POSTGRES=1, so there a missing server fails instead of skipping.
//
//   class LoadTest : public ::testing::TestWithParam<std::string> {};
//   TEST_P(LoadTest, …) { SLUICE_TEST_WAREHOUSE(w); auto session = w->Connect(); … }
//   INSTANTIATE_TEST_SUITE_P(Engines, LoadTest, ::testing::ValuesIn(TestEngines()));

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sluice/common/test_temp_dir.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

inline std::vector<std::string> TestEngines() { return {"sqlite", "postgresql"}; }

class TestWarehouse {
 public:
  // nullptr with *skip_reason set when the engine is not available here.
  static std::unique_ptr<TestWarehouse> Make(const std::string& engine, std::string* skip_reason) {
    auto test = std::unique_ptr<TestWarehouse>(new TestWarehouse);
    if (engine == "sqlite") {
      test->dir_ = std::make_unique<common::TestTempDir>();
      test->url_ = "sqlite://" + test->dir_->path() + "/warehouse";
    } else {
      const char* admin = getenv("SLUICE_TEST_POSTGRES_URL");
      if (admin == nullptr || *admin == 0) {
        *skip_reason = "SLUICE_TEST_POSTGRES_URL is not set (scripts/with-postgres sets it)";
        return nullptr;
      }
      test->admin_url_ = admin;
      std::random_device random;
      test->database_ = "sluice_test_" + std::to_string(random()) + std::to_string(random());
      test->AdminExecute("CREATE DATABASE " + test->database_);
      test->url_ = WithDatabase(test->admin_url_, test->database_);
    }
    auto warehouse = OpenWarehouse(test->url_);
    if (!warehouse.ok()) {
      ADD_FAILURE() << warehouse.status().ToString();
      return nullptr;
    }
    test->warehouse_ = std::move(*warehouse);
    return test;
  }

  ~TestWarehouse() {
    warehouse_.reset();
    if (!database_.empty()) AdminExecute("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  }

  Warehouse* operator->() { return warehouse_.get(); }
  Result<std::unique_ptr<Session>> Connect() { return warehouse_->Connect(); }
  Warehouse& get() { return *warehouse_; }
  const std::string& url() const { return url_; }

  // `postgres://u@h:p/db?x` with `db` replaced by `database`.
  static std::string WithDatabase(const std::string& url, const std::string& database) {
    size_t scheme = url.find("://");
    size_t path = url.find('/', scheme + 3);
    size_t query = url.find('?', scheme + 3);
    std::string tail = query == std::string::npos ? "" : url.substr(query);
    std::string head = url.substr(0, path == std::string::npos || path > query ? query : path);
    return head + "/" + database + tail;
  }

 private:
  TestWarehouse() = default;

  void AdminExecute(const std::string& sql) {
    auto admin = OpenWarehouse(admin_url_);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    auto session = (*admin)->Connect();
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    Status status = (*session)->Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }

  std::unique_ptr<common::TestTempDir> dir_;
  std::string admin_url_;
  std::string database_;
  std::string url_;
  std::unique_ptr<Warehouse> warehouse_;
};

}  // namespace sluice::warehouse

// Declares `name`, a fresh TestWarehouse for the test's engine parameter (GetParam()); skips
// the test when the engine is unavailable, unless SLUICE_REQUIRE_POSTGRES=1.
#define SLUICE_TEST_WAREHOUSE(name)                                                       \
  std::string name##_skip;                                                                \
  auto name = ::sluice::warehouse::TestWarehouse::Make(GetParam(), &name##_skip);         \
  if (!name) {                                                                            \
    const char* require = getenv("SLUICE_REQUIRE_POSTGRES");                              \
    if (!name##_skip.empty() && !(require != nullptr && std::string(require) == "1")) {   \
      GTEST_SKIP() << name##_skip;                                                        \
    }                                                                                     \
    FAIL() << (name##_skip.empty() ? "could not make the test warehouse" : name##_skip);  \
  }
