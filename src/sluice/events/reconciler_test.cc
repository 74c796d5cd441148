#include "sluice/events/reconciler.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "sluice/events/events_test_util.h"
#include "sluice/events/logged_store.h"

namespace sluice::events {
namespace {

using testing::PutText;

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(inner_.CreateBucket("landing").ok());
    ASSERT_TRUE(inner_.CreateBucket("other").ok());
  }

  std::vector<LoggedEvent> Events() {
    Result<std::vector<LoggedEvent>> events = log_.Read(0, 1000);
    SLUICE_CHECK(events.ok());
    return *events;
  }

  int64_t SessionRows() {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    return (*(*tx)->QueryOne("SELECT COUNT(*) FROM writer_sessions"))->Int(0);
  }

  void InsertSession(std::string id, int64_t pid, std::string host, std::string boot_id,
                     int64_t start) {
    auto tx = catalog_->Begin(catalog::TxMode::kWrite);
    ASSERT_TRUE((*tx)
                    ->Execute("INSERT INTO writer_sessions (id, pid, host, boot_id, "
                              "process_start, started_at) VALUES ($1, $2, $3, $4, $5, $6)",
                              {id, pid, host, boot_id, start, std::string("2026-01-01T00:00:00.000Z")})
                    .ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  static std::string Host() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
  }

  testing::TempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_ = testing::OpenTestCatalog(dir_);
  common::ManualClock clock_{common::Timestamp{testing::kT0Micros}};
  testing::MemoryObjectStore inner_{&clock_};
  EventLog log_{catalog_.get()};
  LoggedStore logged_{&inner_, &log_, &clock_};
};

TEST_F(ReconcilerTest, ObjectWrittenWithoutItsEventGetsOneCreatedEvent) {
  ASSERT_TRUE(PutText(logged_, "landing", "logged.csv", "1").ok());
  clock_.AdvanceMicros(5000);
  // The crash window: the rename happened, the event never committed.
  Result<store::ObjectInfo> crashed = PutText(inner_, "landing", "crashed.csv", "22");
  ASSERT_TRUE(crashed.ok());

  Result<ReconcileReport> report = Reconcile(inner_, *catalog_, log_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->objects_scanned, 2);
  EXPECT_EQ(report->created_events, 1);
  EXPECT_EQ(report->removed_events, 0);

  std::vector<LoggedEvent> events = Events();
  ASSERT_EQ(events.size(), 2u);
  const EventRecord& r = events[1].record;
  EXPECT_EQ(r.event_name, "ObjectCreated:Put");
  EXPECT_EQ(r.key, "crashed.csv");
  EXPECT_EQ(r.size, 2u);
  EXPECT_EQ(r.etag, crashed->etag_hex());
  EXPECT_EQ(common::FormatIso8601Millis(r.event_time), "2026-11-27T12:00:00.128Z");
  EXPECT_EQ(events[1].object_version, crashed->version);
}

TEST_F(ReconcilerTest, ObjectDeletedWithoutItsEventGetsOneRemovedEvent) {
  ASSERT_TRUE(PutText(logged_, "landing", "a.csv", "1").ok());
  ASSERT_TRUE(inner_.Delete("landing", "a.csv").ok());

  Result<ReconcileReport> report = Reconcile(inner_, *catalog_, log_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->created_events, 0);
  EXPECT_EQ(report->removed_events, 1);
  std::vector<LoggedEvent> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].record.event_name, "ObjectRemoved:Delete");
  EXPECT_EQ(events[1].record.key, "a.csv");
}

TEST_F(ReconcilerTest, ObjectReplacedWithoutItsEventGetsOneCreatedEvent) {
  ASSERT_TRUE(PutText(logged_, "landing", "a.csv", "old").ok());
  Result<store::ObjectInfo> replaced = PutText(inner_, "landing", "a.csv", "new!");
  ASSERT_TRUE(replaced.ok());
  Result<ReconcileReport> report = Reconcile(inner_, *catalog_, log_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->created_events, 1);
  EXPECT_EQ(report->removed_events, 0);
  std::vector<LoggedEvent> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].record.size, 4u);
  EXPECT_EQ(events[1].object_version, replaced->version);
}

TEST_F(ReconcilerTest, RunningTwiceAppendsNothingTheSecondTime) {
  ASSERT_TRUE(PutText(inner_, "landing", "a.csv", "1").ok());
  ASSERT_TRUE(PutText(inner_, "other", "b.csv", "1").ok());
  ASSERT_TRUE(PutText(logged_, "landing", "c.csv", "1").ok());
  ASSERT_TRUE(inner_.Delete("landing", "c.csv").ok());
  Result<ReconcileReport> first = Reconcile(inner_, *catalog_, log_);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->created_events, 2);
  EXPECT_EQ(first->removed_events, 1);
  int64_t latest = *log_.LatestSeq();
  Result<ReconcileReport> second = Reconcile(inner_, *catalog_, log_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->created_events, 0);
  EXPECT_EQ(second->removed_events, 0);
  EXPECT_EQ(second->objects_scanned, 2);
  EXPECT_EQ(second->heads_scanned, 2);
  EXPECT_EQ(*log_.LatestSeq(), latest);
}

TEST_F(ReconcilerTest, WalksEveryPageOfALargeBucket) {
  for (int i = 0; i < 2500; ++i) {
    ASSERT_TRUE(PutText(inner_, "landing", "k" + std::to_string(10000 + i), "x").ok());
  }
  Result<ReconcileReport> report = Reconcile(inner_, *catalog_, log_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->objects_scanned, 2500);
  EXPECT_EQ(report->created_events, 2500);
  Result<ReconcileReport> again = Reconcile(inner_, *catalog_, log_);
  EXPECT_EQ(again->heads_scanned, 2500);
  EXPECT_EQ(again->created_events, 0);
}

TEST(ProcessStartTime, IsKnownForThisProcessAndUnknownForANonexistentPid) {
  EXPECT_TRUE(internal::ProcessStartTime(getpid()).has_value());
  EXPECT_FALSE(internal::ProcessStartTime(2147483647).has_value());
}

TEST_F(ReconcilerTest, WriterSessionWithoutStaleRowsDoesNotReconcile) {
  ASSERT_TRUE(PutText(inner_, "landing", "unlogged.csv", "1").ok());
  {
    Result<std::unique_ptr<WriterSession>> session = WriterSession::Open(*catalog_, inner_, log_);
    ASSERT_TRUE(session.ok()) << session.status();
    EXPECT_FALSE((*session)->reconciled());
    EXPECT_EQ(SessionRows(), 1);
  }
  EXPECT_EQ(SessionRows(), 0) << "a clean exit removes the session";
  EXPECT_EQ(*log_.LatestSeq(), 0);
}

TEST_F(ReconcilerTest, WriterSessionOfADeadProcessTriggersReconcile) {
  ASSERT_TRUE(PutText(inner_, "landing", "unlogged.csv", "1").ok());
  InsertSession("dead", 2147483647, Host(), internal::BootId(), 12345);
  Result<std::unique_ptr<WriterSession>> session = WriterSession::Open(*catalog_, inner_, log_);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_TRUE((*session)->reconciled());
  EXPECT_EQ((*session)->report().created_events, 1);
  EXPECT_EQ(*log_.LatestSeq(), 1);
  EXPECT_EQ(SessionRows(), 1) << "the stale row is gone, ours stays";
  session->reset();
  EXPECT_EQ(SessionRows(), 0);
}

TEST_F(ReconcilerTest, WriterSessionDetectsPidReuseAndReboots) {
  const int64_t pid = getpid();
  const int64_t start = *internal::ProcessStartTime(pid);
  InsertSession("alive", pid, Host(), internal::BootId(), start);
  {
    auto session = WriterSession::Open(*catalog_, inner_, log_);
    ASSERT_TRUE(session.ok());
    EXPECT_FALSE((*session)->reconciled()) << "a live process is not stale";
  }
  InsertSession("reused-pid", pid, Host(), internal::BootId(), start + 1);
  {
    auto session = WriterSession::Open(*catalog_, inner_, log_);
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE((*session)->reconciled()) << "same pid, other start time: the writer died";
  }
  InsertSession("before-reboot", pid, Host(), "another-boot", start);
  {
    auto session = WriterSession::Open(*catalog_, inner_, log_);
    ASSERT_TRUE(session.ok());
    EXPECT_TRUE((*session)->reconciled()) << "same pid and start, earlier boot";
  }
  InsertSession("elsewhere", 2147483647, "some-other-host", "x", 1);
  {
    auto session = WriterSession::Open(*catalog_, inner_, log_);
    ASSERT_TRUE(session.ok());
    EXPECT_FALSE((*session)->reconciled()) << "other hosts' sessions cannot be checked";
  }
  EXPECT_EQ(SessionRows(), 2);  // "alive" and "elsewhere"
}

}  // namespace
}  // namespace sluice::events
