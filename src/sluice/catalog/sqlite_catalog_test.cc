#include "sluice/catalog/sqlite_catalog.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "sluice/catalog/migrations.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::catalog {
namespace {

class SqliteCatalogTest : public ::testing::Test {
 protected:
  common::TestTempDir tmp_;
  std::string dir_ = tmp_.path(), path_ = dir_ + "/catalog.db";
};

TEST_F(SqliteCatalogTest, OpenAppliesEveryMigrationOnce) {
  {
    auto cat = OpenSqliteCatalog(path_);
    ASSERT_TRUE(cat.ok()) << cat.status();
    EXPECT_EQ((*cat)->schema_version(), Migrations().back().version);
  }
  auto cat = OpenSqliteCatalog(path_);
  ASSERT_TRUE(cat.ok()) << cat.status();
  auto tx = *(*cat)->Begin(TxMode::kRead);
  auto rows = *tx->Query("SELECT version, name FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), Migrations().size());
  EXPECT_EQ(rows[0].Int(0), 1);
  EXPECT_EQ(rows[0].Text(1), "event log");
}

TEST_F(SqliteCatalogTest, UsesWalMode) {
  auto cat = *OpenSqliteCatalog(path_);
  auto tx = *cat->Begin(TxMode::kRead);
  auto row = *tx->QueryOne("PRAGMA journal_mode");
  EXPECT_EQ(row->Text(0), "wal");
}

TEST_F(SqliteCatalogTest, PositionalParametersBindAndStringLiteralsStayIntact) {
  auto cat = *OpenSqliteCatalog(path_);
  auto tx = *cat->Begin(TxMode::kWrite);
  ASSERT_TRUE(tx->Execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL)").ok());
  auto n = tx->Execute("INSERT INTO t VALUES ($1, $2, $3), ($1, '$2 literal', NULL)",
                       {int64_t{7}, std::string("x\0y", 3), 1.5});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  auto rows = *tx->Query("SELECT a, b, c FROM t WHERE a = $1 ORDER BY b", {int64_t{7}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Text(1), "$2 literal");
  EXPECT_TRUE(rows[0].IsNull(2));
  EXPECT_EQ(rows[1].Text(1), std::string("x\0y", 3));
  EXPECT_EQ(rows[1].Real(2), 1.5);
  ASSERT_TRUE(tx->Commit().ok());
}

TEST_F(SqliteCatalogTest, UncommittedTransactionsRollBack) {
  auto cat = *OpenSqliteCatalog(path_);
  {
    auto tx = *cat->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("CREATE TABLE t (a INTEGER)").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  {
    auto tx = *cat->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("INSERT INTO t VALUES (1)").ok());
  }  // dropped without Commit
  auto tx = *cat->Begin(TxMode::kRead);
  EXPECT_EQ((*tx->QueryOne("SELECT COUNT(*) FROM t"))->Int(0), 0);
}

TEST_F(SqliteCatalogTest, ErrorsNameTheDatabaseAndStatement) {
  auto cat = *OpenSqliteCatalog(path_);
  auto tx = *cat->Begin(TxMode::kWrite);
  auto r = tx->Execute("INSERT INTO no_such_table VALUES (1)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path_), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("no such table: no_such_table"), std::string::npos);
}

// Regression: two `sluice` commands starting at once on a fresh home failed with
// "PRAGMA journal_mode=WAL: database is locked" (SQLite does not wait there).
TEST_F(SqliteCatalogTest, SeveralProcessesCanCreateTheSameCatalogAtOnce) {
  for (int round = 0; round < 5; ++round) {
    std::string path = dir_ + "/fresh-" + std::to_string(round) + ".db";
    std::vector<pid_t> pids;
    for (int p = 0; p < 4; ++p) {
      pid_t pid = fork();
      if (pid == 0) _exit(OpenSqliteCatalog(path).ok() ? 0 : 1);
      pids.push_back(pid);
    }
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round;
    }
  }
}

TEST_F(SqliteCatalogTest, WritersInSeveralProcessesAreSerialised) {
  {
    auto cat = *OpenSqliteCatalog(path_);
    auto tx = *cat->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("CREATE TABLE counter (n INTEGER)").ok());
    ASSERT_TRUE(tx->Execute("INSERT INTO counter VALUES (0)").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  constexpr int kProcs = 4, kIncrements = 50;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      auto cat = OpenSqliteCatalog(path_);
      if (!cat.ok()) _exit(2);
      for (int i = 0; i < kIncrements; ++i) {
        auto tx = (*cat)->Begin(TxMode::kWrite);
        if (!tx.ok()) _exit(3);
        auto row = (*tx)->QueryOne("SELECT n FROM counter");
        if (!row.ok()) _exit(4);
        if (!(*tx)->Execute("UPDATE counter SET n = $1", {(*row)->Int(0) + 1}).ok()) _exit(5);
        if (!(*tx)->Commit().ok()) _exit(6);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto cat = *OpenSqliteCatalog(path_);
  auto tx = *cat->Begin(TxMode::kRead);
  EXPECT_EQ((*tx->QueryOne("SELECT n FROM counter"))->Int(0), kProcs * kIncrements);
}

}  // namespace
}  // namespace sluice::catalog
