#include "sluice/events/dispatcher.h"

#include <gtest/gtest.h>

#include "sluice/common/json.h"
#include "sluice/events/events_test_util.h"
#include "sluice/events/logged_store.h"

namespace sluice::events {
namespace {

using testing::PutText;

// Records every delivery; fails the first `failures` calls.
class RecordingConsumer final : public Consumer {
 public:
  struct Delivery {
    std::string rule_id;
    int64_t seq;
    std::string key;
    std::string configuration_id;
  };

  Status Deliver(catalog::Transaction&, const NotificationRule& rule, const LoggedEvent& event,
                 const boost::json::object& record) override {
    if (failures > 0) {
      --failures;
      return Status::Unavailable("destination down");
    }
    deliveries.push_back(Delivery{
        rule.id, event.seq, event.record.key,
        std::string(record.at("s3").at("configurationId").as_string())});
    return Status::OK();
  }

  int failures = 0;
  std::vector<Delivery> deliveries;
};

// A consumer whose effect is a row in its own table, written in the delivery transaction
// (as starting an execution in the catalog would be).
class TableConsumer final : public Consumer {
 public:
  Status Deliver(catalog::Transaction& tx, const NotificationRule& rule, const LoggedEvent& event,
                 const boost::json::object&) override {
    return tx
        .Execute("INSERT INTO started (rule_id, seq) VALUES ($1, $2)", {rule.id, event.seq})
        .status();
  }
};

// Fault injection: the wrapped consumer's Deliver succeeds, then the delivery fails before
// it commits, as if the process died right after the consumer acted.
class CrashAfterDeliver final : public Consumer {
 public:
  explicit CrashAfterDeliver(Consumer* inner) : inner_(inner) {}
  Status Deliver(catalog::Transaction& tx, const NotificationRule& rule, const LoggedEvent& event,
                 const boost::json::object& record) override {
    SLUICE_RETURN_IF_ERROR(inner_->Deliver(tx, rule, event, record));
    if (crashes > 0) {
      --crashes;
      return Status::Internal("injected crash before commit");
    }
    return Status::OK();
  }
  int crashes = 1;

 private:
  Consumer* inner_;
};

NotificationRule CsvRule(std::string id) {
  return NotificationRule{std::move(id), "arn:aws:sqs:us-east-1:123456789012:q",
                          DestinationKind::kQueue, {"s3:ObjectCreated:*"}, "in/", ".csv"};
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(inner_.CreateBucket("landing").ok());
    ASSERT_TRUE(inner_.CreateBucket("other").ok());
    auto tx = catalog_->Begin(catalog::TxMode::kWrite);
    ASSERT_TRUE((*tx)->Execute("CREATE TABLE started (rule_id TEXT, seq INTEGER, "
                               "PRIMARY KEY (rule_id, seq))")
                    .ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  void Put(std::string_view bucket, std::string_view key) {
    ASSERT_TRUE(PutText(logged_, bucket, key, "x").ok());
  }

  std::vector<int64_t> StartedSeqs() {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    std::vector<int64_t> out;
    Result<std::vector<catalog::Row>> rows = (*tx)->Query("SELECT seq FROM started ORDER BY seq");
    SLUICE_CHECK(rows.ok());
    for (const catalog::Row& row : *rows) {
      out.push_back(row.Int(0));
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_ = testing::OpenTestCatalog(dir_);
  common::ManualClock clock_{common::Timestamp{testing::kT0Micros}};
  testing::MemoryObjectStore inner_{&clock_};
  EventLog log_{catalog_.get()};
  LoggedStore logged_{&inner_, &log_, &clock_};
  Dispatcher dispatcher_{catalog_.get(), &log_, &clock_};
};

TEST_F(DispatcherTest, DeliversEachMatchingEventExactlyOnceAndSkipsTheRest) {
  RecordingConsumer consumer;
  dispatcher_.Subscribe("landing", CsvRule("csv-trigger"), &consumer);
  Put("landing", "in/a.csv");                                // 1: match
  Put("landing", "in/b.json");                               // 2: wrong suffix
  Put("other", "in/x.csv");                                  // 3: other bucket
  Put("landing", "out/c.csv");                               // 4: wrong prefix
  ASSERT_TRUE(logged_.Delete("landing", "in/a.csv").ok());   // 5: wrong event type
  Put("landing", "in/d.csv");                                // 6: match

  Result<DispatchReport> report = dispatcher_.RunOnce(100);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->delivered, 2);
  EXPECT_EQ(report->skipped, 3);
  EXPECT_TRUE(report->failures.empty());
  ASSERT_EQ(consumer.deliveries.size(), 2u);
  EXPECT_EQ(consumer.deliveries[0].seq, 1);
  EXPECT_EQ(consumer.deliveries[0].key, "in/a.csv");
  EXPECT_EQ(consumer.deliveries[0].configuration_id, "csv-trigger");
  EXPECT_EQ(consumer.deliveries[1].seq, 6);
  EXPECT_EQ(*dispatcher_.Cursor("landing/csv-trigger"), 6);

  Result<DispatchReport> again = dispatcher_.RunOnce(100);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->delivered, 0);
  EXPECT_EQ(again->skipped, 0);
  EXPECT_EQ(consumer.deliveries.size(), 2u);

  Put("landing", "in/e.csv");
  EXPECT_EQ(dispatcher_.RunOnce(100)->delivered, 1);
  EXPECT_EQ(consumer.deliveries.back().seq, 7);
}

TEST_F(DispatcherTest, SkippedEventsAdvanceTheCursor) {
  RecordingConsumer consumer;
  dispatcher_.Subscribe("landing", CsvRule("r"), &consumer);
  Put("landing", "in/a.json");
  Put("landing", "in/b.json");
  Result<DispatchReport> report = dispatcher_.RunOnce(100);
  EXPECT_EQ(report->skipped, 2);
  EXPECT_EQ(*dispatcher_.Cursor("landing/r"), 2);
}

TEST_F(DispatcherTest, ReadsAtMostMaxEventsPerRound) {
  RecordingConsumer consumer;
  dispatcher_.Subscribe("landing", CsvRule("r"), &consumer);
  for (int i = 0; i < 5; ++i) Put("landing", "in/" + std::to_string(i) + ".csv");
  EXPECT_EQ(dispatcher_.RunOnce(2)->delivered, 2);
  EXPECT_EQ(dispatcher_.RunOnce(2)->delivered, 2);
  EXPECT_EQ(dispatcher_.RunOnce(2)->delivered, 1);
  ASSERT_EQ(consumer.deliveries.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(consumer.deliveries[i].seq, i + 1);
}

TEST_F(DispatcherTest, AFailedDeliveryIsReportedAndRetriedNextRoundExactlyOnce) {
  RecordingConsumer consumer;
  consumer.failures = 1;
  dispatcher_.Subscribe("landing", CsvRule("r"), &consumer);
  Put("landing", "in/a.json");  // 1: skipped
  Put("landing", "in/b.csv");   // 2: fails once
  Put("landing", "in/c.csv");   // 3

  Result<DispatchReport> first = dispatcher_.RunOnce(100);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->delivered, 0);
  ASSERT_EQ(first->failures.size(), 1u);
  EXPECT_EQ(first->failures[0].consumer_key, "landing/r");
  EXPECT_EQ(first->failures[0].seq, 2);
  EXPECT_EQ(first->failures[0].status.message(), "destination down");
  EXPECT_EQ(*dispatcher_.Cursor("landing/r"), 1) << "the skipped event stays dealt with";

  Result<DispatchReport> second = dispatcher_.RunOnce(100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->delivered, 2);
  EXPECT_TRUE(second->failures.empty());
  ASSERT_EQ(consumer.deliveries.size(), 2u);
  EXPECT_EQ(consumer.deliveries[0].seq, 2);
  EXPECT_EQ(consumer.deliveries[1].seq, 3);
}

TEST_F(DispatcherTest, ConsumerStateAndDeliveredMarkCommitTogether) {
  TableConsumer table;
  CrashAfterDeliver crashing(&table);
  dispatcher_.Subscribe("landing", CsvRule("r"), &crashing);
  Put("landing", "in/a.csv");

  Result<DispatchReport> crashed = dispatcher_.RunOnce(100);
  ASSERT_TRUE(crashed.ok());
  ASSERT_EQ(crashed->failures.size(), 1u);
  EXPECT_TRUE(StartedSeqs().empty()) << "the consumer's change was rolled back";
  EXPECT_EQ(*dispatcher_.Cursor("landing/r"), 0) << "and the event is not marked delivered";

  Result<DispatchReport> recovered = dispatcher_.RunOnce(100);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->delivered, 1);
  EXPECT_EQ(StartedSeqs(), std::vector<int64_t>{1});
  EXPECT_EQ(*dispatcher_.Cursor("landing/r"), 1);
  EXPECT_EQ(dispatcher_.RunOnce(100)->delivered, 0);
  EXPECT_EQ(StartedSeqs(), std::vector<int64_t>{1});
}

TEST_F(DispatcherTest, TwoDispatchersOverOneCatalogDeliverEachEventOnce) {
  TableConsumer table;
  Dispatcher other(catalog_.get(), &log_, &clock_);
  dispatcher_.Subscribe("landing", CsvRule("r"), &table);
  other.Subscribe("landing", CsvRule("r"), &table);
  Put("landing", "in/a.csv");
  Put("landing", "in/b.csv");
  EXPECT_EQ(dispatcher_.RunOnce(1)->delivered, 1);
  EXPECT_EQ(other.RunOnce(100)->delivered, 1);
  EXPECT_EQ(dispatcher_.RunOnce(100)->delivered, 0);
  EXPECT_EQ(StartedSeqs(), (std::vector<int64_t>{1, 2}));
}

TEST_F(DispatcherTest, ASubscriptionMayStartAfterAGivenSeq) {
  RecordingConsumer consumer;
  Put("landing", "in/old.csv");
  dispatcher_.Subscribe("landing", CsvRule("r"), &consumer, *log_.LatestSeq());
  Put("landing", "in/new.csv");
  EXPECT_EQ(dispatcher_.RunOnce(100)->delivered, 1);
  ASSERT_EQ(consumer.deliveries.size(), 1u);
  EXPECT_EQ(consumer.deliveries[0].key, "in/new.csv");
}

TEST_F(DispatcherTest, SubscribesTheRulesOfStoredConfigurations) {
  NotificationConfigurationStore configs(catalog_.get(), &clock_);
  auto json = common::ParseJson(R"({
    "QueueConfigurations": [{"Id": "csv", "QueueArn": "arn:q", "Events": ["s3:ObjectCreated:*"],
      "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}],
    "LambdaFunctionConfigurations": [{"Id": "gone", "LambdaFunctionArn": "arn:l",
      "Events": ["s3:ObjectRemoved:*"]}]})", "test");
  ASSERT_TRUE(configs.Put("landing", *json).ok());
  RecordingConsumer consumer;
  Result<int> added = SubscribeStoredConfigurations(
      dispatcher_, configs, [&](std::string_view, const NotificationRule& rule) -> Consumer* {
        return rule.destination_kind == DestinationKind::kQueue ? &consumer : nullptr;
      });
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 1);
  Put("landing", "a.csv");
  ASSERT_TRUE(logged_.Delete("landing", "a.csv").ok());
  EXPECT_EQ(dispatcher_.RunOnce(100)->delivered, 1);
  ASSERT_EQ(consumer.deliveries.size(), 1u);
  EXPECT_EQ(consumer.deliveries[0].rule_id, "csv");
}

}  // namespace
}  // namespace sluice::events
