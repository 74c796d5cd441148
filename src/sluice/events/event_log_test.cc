#include "sluice/events/event_log.h"

#include <gtest/gtest.h>

#include "sluice/events/events_test_util.h"

namespace sluice::events {
namespace {

EventRecord Created(std::string key, std::string version, uint64_t size) {
  EventRecord r;
  r.event_name = "ObjectCreated:Put";
  r.event_time = common::Timestamp{testing::kT0Micros};
  r.bucket = "landing";
  r.key = std::move(key);
  r.size = size;
  r.etag = "0cc175b9c0f1b6a831c399e269772661";
  r.version = std::move(version);
  r.configuration_id = "ignored";
  return r;
}

EventRecord Removed(std::string key) {
  EventRecord r;
  r.event_name = "ObjectRemoved:Delete";
  r.event_time = common::Timestamp{testing::kT0Micros};
  r.bucket = "landing";
  r.key = std::move(key);
  return r;
}

class EventLogTest : public ::testing::Test {
 protected:
  int64_t Append(EventRecord record) {
    auto tx = catalog_->Begin(catalog::TxMode::kWrite);
    SLUICE_CHECK(tx.ok());
    Result<int64_t> seq = log_.Append(**tx, record);
    SLUICE_CHECK(seq.ok());
    SLUICE_CHECK((*tx)->Commit().ok());
    return *seq;
  }
  std::optional<ObjectHead> HeadOf(std::string_view key) {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    return *log_.Head(**tx, "landing", key);
  }

  testing::TempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_ = testing::OpenTestCatalog(dir_);
  EventLog log_{catalog_.get()};
};

TEST_F(EventLogTest, AppendAssignsIncreasingSeqsAndSequencers) {
  EXPECT_EQ(*log_.LatestSeq(), 0);
  EventRecord a = Created("a.csv", "v1", 1);
  auto tx = catalog_->Begin(catalog::TxMode::kWrite);
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ(*log_.Append(**tx, a), 1);
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_EQ(a.sequencer, "0000000000000001");
  EXPECT_EQ(a.region, "us-east-1");
  EXPECT_EQ(a.principal_id, "sluice");
  EXPECT_EQ(a.source_ip, "127.0.0.1");
  EXPECT_EQ(a.request_id.size(), 16u);
  EXPECT_EQ(a.configuration_id, "");
  EXPECT_EQ(Append(Created("b.csv", "v2", 2)), 2);
  EXPECT_EQ(Append(Removed("a.csv")), 3);
  EXPECT_EQ(*log_.LatestSeq(), 3);
}

TEST_F(EventLogTest, ReadReturnsEventsAfterTheCursorInOrder) {
  EventRecord a = Created("a b.csv", "v1", 1);
  auto tx = catalog_->Begin(catalog::TxMode::kWrite);
  ASSERT_TRUE(log_.Append(**tx, a).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  Append(Created("b.csv", "v2", 2));
  Append(Removed("a b.csv"));

  Result<std::vector<LoggedEvent>> all = log_.Read(0, 10);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].seq, 1);
  EXPECT_EQ((*all)[0].record, a);  // everything round-trips, version via its column
  EXPECT_EQ((*all)[0].object_version, "v1");
  EXPECT_EQ((*all)[1].record.key, "b.csv");
  EXPECT_EQ((*all)[2].record.event_name, "ObjectRemoved:Delete");
  EXPECT_EQ((*all)[2].record.sequencer, "0000000000000003");

  Result<std::vector<LoggedEvent>> later = log_.Read(1, 1);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].seq, 2);
  EXPECT_TRUE(log_.Read(3, 10)->empty());
  EXPECT_TRUE(log_.Read(0, 10, "other-bucket")->empty());
  EXPECT_EQ(log_.Read(0, 10, "landing")->size(), 3u);
}

TEST_F(EventLogTest, ObjectHeadsFollowCreatesAndRemoves) {
  Append(Created("a.csv", "v1", 1));
  std::optional<ObjectHead> h = HeadOf("a.csv");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->version, "v1");
  EXPECT_EQ(h->size, 1u);
  EXPECT_EQ(h->etag, "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(h->seq, 1);

  Append(Created("a.csv", "v7", 70));  // overwrite
  h = HeadOf("a.csv");
  EXPECT_EQ(h->version, "v7");
  EXPECT_EQ(h->size, 70u);
  EXPECT_EQ(h->seq, 2);

  Append(Removed("a.csv"));
  EXPECT_FALSE(HeadOf("a.csv").has_value());
}

TEST_F(EventLogTest, AppendRolledBackLeavesNothing) {
  {
    auto tx = catalog_->Begin(catalog::TxMode::kWrite);
    EventRecord r = Created("a.csv", "v1", 1);
    ASSERT_TRUE(log_.Append(**tx, r).ok());
    // destroyed without Commit
  }
  EXPECT_EQ(*log_.LatestSeq(), 0);
  EXPECT_FALSE(HeadOf("a.csv").has_value());
}

}  // namespace
}  // namespace sluice::events
