#include "sluice/events/logged_store.h"

#include <gtest/gtest.h>

#include "sluice/events/events_test_util.h"
#include "sluice/events/reconciler.h"
#include "sluice/store/local_object_store.h"

namespace sluice::events {
namespace {

using testing::CopyObject;
using testing::PutText;

class LoggedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.CreateBucket("landing").ok()); }

  testing::TempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_ = testing::OpenTestCatalog(dir_);
  common::ManualClock clock_{common::Timestamp{testing::kT0Micros}};
  testing::MemoryObjectStore inner_{&clock_};
  EventLog log_{catalog_.get()};
  LoggedStore store_{&inner_, &log_, &clock_};
};

TEST_F(LoggedStoreTest, PutCopyAndDeleteEachAppendOneEventInOrder) {
  Result<store::ObjectInfo> put = PutText(store_, "landing", "in/red flower.csv", "a,b\n1,2\n");
  ASSERT_TRUE(put.ok()) << put.status();
  clock_.AdvanceMicros(1000);
  ASSERT_TRUE(CopyObject(store_, "landing", "in/red flower.csv", "landing", "copy.csv").ok());
  clock_.AdvanceMicros(1000);
  Result<std::optional<store::ObjectInfo>> removed = store_.Delete("landing", "in/red flower.csv");
  ASSERT_TRUE(removed.ok());
  ASSERT_TRUE(removed->has_value());

  Result<std::vector<LoggedEvent>> events = log_.Read(0, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);

  const EventRecord& p = (*events)[0].record;
  EXPECT_EQ(p.event_name, "ObjectCreated:Put");
  EXPECT_EQ(p.bucket, "landing");
  EXPECT_EQ(p.key, "in/red flower.csv");
  EXPECT_EQ(p.size, 8u);
  EXPECT_EQ(p.etag, "e5ebd4c02cefbe7955977c67ada242b7") << "md5 of the content, unquoted";
  EXPECT_EQ(p.etag, put->etag_hex());
  EXPECT_EQ(common::FormatIso8601Millis(p.event_time), "2026-11-27T12:00:00.123Z");
  EXPECT_EQ(p.sequencer, "0000000000000001");
  EXPECT_EQ((*events)[0].object_version, "v1");

  const EventRecord& c = (*events)[1].record;
  EXPECT_EQ(c.event_name, "ObjectCreated:Copy");
  EXPECT_EQ(c.key, "copy.csv");
  EXPECT_EQ(c.size, 8u);
  EXPECT_EQ(c.etag, p.etag);
  EXPECT_EQ(common::FormatIso8601Millis(c.event_time), "2026-11-27T12:00:00.124Z");
  EXPECT_EQ((*events)[1].object_version, "v2");

  const EventRecord& d = (*events)[2].record;
  EXPECT_EQ(d.event_name, "ObjectRemoved:Delete");
  EXPECT_EQ(d.key, "in/red flower.csv");
  EXPECT_EQ(common::FormatIso8601Millis(d.event_time), "2026-11-27T12:00:00.125Z");
  EXPECT_EQ(d.sequencer, "0000000000000003");
  EXPECT_LT(CompareSequencers(p.sequencer, d.sequencer), 0);
}

TEST_F(LoggedStoreTest, ReadsServeTheBytesAndAppendNothing) {
  ASSERT_TRUE(PutText(store_, "landing", "in/a.csv", "a,b\n1,2\n").ok());
  store::ByteRange range{4, 6, std::nullopt};
  Result<std::unique_ptr<store::ObjectReader>> reader = store_.Get("landing", "in/a.csv", range);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->range_offset(), 4u);
  EXPECT_EQ((*reader)->range_length(), 3u);
  char buf[16];
  Result<size_t> n = (*reader)->Read(buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "1,2");
  EXPECT_EQ(store_.Get("landing", "missing", std::nullopt).status().ToString(),
            "NoSuchKey: The specified key does not exist: s3://landing/missing");
  Result<std::vector<LoggedEvent>> events = log_.Read(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u) << "only the put";
}

TEST_F(LoggedStoreTest, DeletingAMissingObjectAppendsNothing) {
  Result<std::optional<store::ObjectInfo>> removed = store_.Delete("landing", "nothing-here");
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->has_value());
  EXPECT_EQ(*log_.LatestSeq(), 0);
}

TEST_F(LoggedStoreTest, AStagedObjectDiscardedWithoutCommitAppendsNothing) {
  common::StringInputStream in("x");
  auto staged = store_.Stage("landing", "k", in, store::PutOptions{});
  ASSERT_TRUE(staged.ok());
  staged->reset();
  EXPECT_EQ(*log_.LatestSeq(), 0);
  EXPECT_TRUE(store_.Head("landing", "k").status().IsNotFound());
}

TEST_F(LoggedStoreTest, FailedWritesAppendNothing) {
  EXPECT_EQ(PutText(store_, "no-such-bucket", "k", "x").status().name(), "NoSuchBucket");
  EXPECT_EQ(store_.Delete("no-such-bucket", "k").status().name(), "NoSuchBucket");
  EXPECT_EQ(*log_.LatestSeq(), 0);
}

}  // namespace
}  // namespace sluice::events

namespace sluice::events {
namespace {

TEST(LoggedStoreOverLocalFolder, LogsWritesAndReconcilesACrashLeftover) {
  testing::TempDir dir;
  auto catalog = testing::OpenTestCatalog(dir);
  common::ManualClock clock{common::Timestamp{testing::kT0Micros}};
  auto local = store::LocalObjectStore::Open(dir.path() + "/buckets", &clock,
                                             store::LocalObjectStore::Options{.fsync = false});
  ASSERT_TRUE(local.ok()) << local.status();
  EventLog log(catalog.get());
  LoggedStore logged(local->get(), &log, &clock);
  ASSERT_TRUE(logged.CreateBucket("landing").ok());

  Result<store::ObjectInfo> put = testing::PutText(logged, "landing", "in/a b.csv", "hello");
  ASSERT_TRUE(put.ok()) << put.status();
  ASSERT_TRUE(testing::PutText(**local, "landing", "in/unlogged.csv", "x").ok());
  ASSERT_TRUE(logged.Delete("landing", "in/a b.csv").ok());

  Result<ReconcileReport> report = Reconcile(**local, *catalog, log);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->created_events, 1);
  EXPECT_EQ(report->removed_events, 0);

  Result<std::vector<LoggedEvent>> events = log.Read(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].record.event_name, "ObjectCreated:Put");
  EXPECT_EQ((*events)[0].record.etag, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ((*events)[0].record.size, 5u);
  EXPECT_EQ((*events)[0].object_version, put->version);
  EXPECT_EQ((*events)[1].record.event_name, "ObjectRemoved:Delete");
  EXPECT_EQ((*events)[2].record.key, "in/unlogged.csv");
  EXPECT_EQ(Reconcile(**local, *catalog, log)->created_events, 0);
}

}  // namespace
}  // namespace sluice::events
