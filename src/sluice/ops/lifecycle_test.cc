#include "sluice/ops/lifecycle.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <zstd.h>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/events/event_log.h"
#include "sluice/store/local_object_store.h"

namespace sluice::ops {
namespace {

namespace json = boost::json;
using common::ManualClock;
using common::Timestamp;

Timestamp At(std::string_view iso) { return *common::ParseRfc3339(iso); }

Result<LifecycleConfiguration> Parse(std::string_view text) {
  return LifecycleConfiguration::FromJson(json::parse(text));
}

store::ObjectInfo Object(std::string key, uint64_t size, std::string_view created) {
  store::ObjectInfo o;
  o.bucket = "b";
  o.key = std::move(key);
  o.size = size;
  o.last_modified = At(created);
  return o;
}

// The shape `aws s3api put-bucket-lifecycle-configuration --lifecycle-configuration
// file://x.json` takes (examples from the AWS CLI reference).
constexpr std::string_view kAwsCliExample = R"({
  "Rules": [
    {"ID": "Move rotated logs to Glacier", "Prefix": "rotated/", "Status": "Enabled",
     "Transitions": [{"Date": "2026-12-31T00:00:00.000Z", "StorageClass": "GLACIER"}]},
    {"Status": "Enabled", "Prefix": "", "NoncurrentVersionTransitions": [
       {"NoncurrentDays": 2, "StorageClass": "GLACIER"}], "ID": "Move old versions to Glacier"},
    {"ID": "expire-tmp", "Status": "Enabled",
     "Filter": {"And": {"Prefix": "tmp/", "ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 1000}},
     "Expiration": {"Days": 3}},
    {"ID": "compress-raw", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
     "Transitions": [{"Days": 30, "StorageClass": "SLUICE_COMPRESSED"}]},
    {"ID": "tagged", "Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
     "Expiration": {"Days": 1}},
    {"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}}
  ]
})";

TEST(LifecycleConfiguration, ParsesAwsCliShapedJson) {
  auto c = Parse(kAwsCliExample);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->rules.size(), 6u);
  EXPECT_EQ(c->rules[0].filter.prefix, "rotated/");
  EXPECT_EQ(c->rules[0].transitions[0].storage_class, "GLACIER");
  EXPECT_EQ(*c->rules[0].transitions[0].date, At("2026-12-31T00:00:00Z"));
  EXPECT_EQ(c->rules[2].filter.prefix, "tmp/");
  EXPECT_EQ(*c->rules[2].filter.size_greater_than, 10u);
  EXPECT_EQ(*c->rules[2].expiration->days, 3);
  EXPECT_FALSE(c->rules[5].enabled);
}

TEST(LifecycleConfiguration, RejectsWhatS3Rejects) {
  auto name = [](std::string_view text) { return std::string(Parse(text).status().name()); };
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Filter": {}, "Expiration": {"Days": 1}}]})"), "MalformedXML");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]})"),
            "InvalidArgument");
  EXPECT_EQ(Parse(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]})")
                .status()
                .message(),
            "$.Rules[0].Expiration.Days: 'Days' for Expiration action must be a positive integer");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {},
                   "Expiration": {"Date": "2026-12-31T10:00:00Z"}}]})"),
            "InvalidArgument");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Prefix": "x", "Filter": {},
                   "Expiration": {"Days": 1}}]})"),
            "MalformedXML");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {"Prefix": "x",
                   "ObjectSizeLessThan": 5}, "Expiration": {"Days": 1}}]})"),
            "MalformedXML");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {"And": {
                   "ObjectSizeGreaterThan": 5, "ObjectSizeLessThan": 5}}, "Expiration": {"Days": 1}}]})"),
            "InvalidArgument");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}},
                              {"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 2}}]})"),
            "InvalidArgument");
  EXPECT_EQ(name(R"({"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {}}]})"), "InvalidRequest");
}

TEST(DueTime, RoundsCreationPlusDaysUpToTheNextMidnightUtc) {
  LifecycleAction three{.days = 3};
  // S3's own example: created 2014-01-15 10:30 UTC, 3 days → 2014-01-19 00:00 UTC.
  EXPECT_EQ(DueTime(three, At("2014-01-15T10:30:00Z")), At("2014-01-19T00:00:00Z"));
  EXPECT_EQ(DueTime(three, At("2014-01-15T23:59:59.999Z")), At("2014-01-19T00:00:00Z"));
  EXPECT_EQ(DueTime(three, At("2014-01-15T00:00:00Z")), At("2014-01-18T00:00:00Z"));
  LifecycleAction date{.date = At("2026-12-31T00:00:00Z")};
  EXPECT_EQ(DueTime(date, At("2027-02-01T00:00:00Z")), At("2026-12-31T00:00:00Z"));
}

TEST(ExpirationFor, PicksTheEarliestMatchingEnabledRuleAndFormatsTheHeader) {
  auto c = *Parse(R"({"Rules": [
      {"ID": "long", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 30}},
      {"ID": "short", "Status": "Enabled", "Filter": {"Prefix": "tmp/a"}, "Expiration": {"Days": 2}},
      {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}},
      {"ID": "big", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 100}, "Expiration": {"Days": 1}},
      {"ID": "tag", "Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Expiration": {"Days": 1}}]})");
  auto e = ExpirationFor(c, Object("tmp/a.csv", 10, "2026-11-27T12:00:00Z"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->rule_id, "short");
  EXPECT_EQ(e->Header(), "expiry-date=\"Mon, 30 Nov 2026 00:00:00 GMT\", rule-id=\"short\"");
  EXPECT_EQ(ExpirationFor(c, Object("tmp/b.csv", 10, "2026-11-27T12:00:00Z"))->rule_id, "long");
  EXPECT_EQ(ExpirationFor(c, Object("other", 101, "2026-11-27T12:00:00Z"))->rule_id, "big");
  EXPECT_FALSE(ExpirationFor(c, Object("other", 100, "2026-11-27T12:00:00Z")).has_value());
}

class ApplyLifecycleTest : public ::testing::Test {
 protected:
  ApplyLifecycleTest() : clock_(At("2026-11-27T12:00:00Z")) {
    catalog_ = std::move(*catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db"));
    local_ = std::move(*store::LocalObjectStore::Open(dir_.path() + "/buckets", &clock_, {.fsync = false}));
    log_ = std::make_unique<events::EventLog>(catalog_.get());
    store_ = std::make_unique<events::LoggedStore>(local_.get(), log_.get(), &clock_);
    SLUICE_CHECK(store_->CreateBucket("bkt").ok());
  }

  void Configure(std::string_view text) {
    LifecycleConfigurationStore configs(catalog_.get());
    auto c = configs.Put("bkt", json::parse(text), clock_.Now());
    ASSERT_TRUE(c.ok()) << c.status();
  }

  std::vector<std::string> Keys() {
    std::vector<std::string> out;
    auto listed = store_->List({.bucket = "bkt"});
    for (const auto& o : listed->contents) out.push_back(o.key);
    return out;
  }

  // Event names and keys after `since`.
  std::vector<std::string> Events(int64_t since) {
    std::vector<std::string> out;
    auto events = log_->Read(since, 100);
    for (const auto& e : *events) out.push_back(e.record.event_name + " " + e.record.key);
    return out;
  }

  common::TestTempDir dir_;
  ManualClock clock_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<store::LocalObjectStore> local_;
  std::unique_ptr<events::EventLog> log_;
  std::unique_ptr<events::LoggedStore> store_;
};

TEST_F(ApplyLifecycleTest, ExpiresMatchingObjectsAtTheRoundedDueTimeWithLifecycleEvents) {
  Configure(R"({"Rules": [{"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                           "Expiration": {"Days": 1}}]})");
  ASSERT_TRUE(store_->PutString("bkt", "tmp/a", "a").ok());
  ASSERT_TRUE(store_->PutString("bkt", "keep/b", "bkt").ok());
  int64_t seq = *log_->LatestSeq();

  // Created 2026-11-27 12:00; due 2026-11-29 00:00 (not 11-28 12:00).
  MetricsRegistry metrics(&clock_);
  StandardMetrics m = *RegisterStandardMetrics(metrics);
  auto r = ApplyLifecycle(*store_, At("2026-11-28T23:59:59Z"), {.actions_total = m.lifecycle_actions_total});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->expired, 0);
  // A dry run lists the action and changes nothing.
  r = ApplyLifecycle(*store_, At("2026-11-29T00:00:00Z"), {.dry_run = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->actions, std::vector<std::string>{"expire s3://bkt/tmp/a (rule tmp)"});
  EXPECT_EQ(Keys(), (std::vector<std::string>{"keep/b", "tmp/a"}));
  EXPECT_EQ(*log_->LatestSeq(), seq);
  r = ApplyLifecycle(*store_, At("2026-11-29T00:00:00Z"), {.actions_total = m.lifecycle_actions_total});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->objects_scanned, 2);
  EXPECT_EQ(r->expired, 1);
  EXPECT_EQ(r->actions, std::vector<std::string>{"expire s3://bkt/tmp/a (rule tmp)"});
  EXPECT_EQ(Keys(), std::vector<std::string>{"keep/b"});
  EXPECT_EQ(m.lifecycle_actions_total->WithLabels({"expiration"})->value(), 1);
  EXPECT_EQ(Events(seq), std::vector<std::string>{"LifecycleExpiration:Delete tmp/a"});
  auto e = *log_->Read(seq, 1);
  auto json = e[0].record.ToJson();
  EXPECT_EQ(json.at("eventName"), "LifecycleExpiration:Delete");
  EXPECT_EQ(json.at("eventTime"), "2026-11-29T00:00:00.000Z");
  // Idempotent: nothing left to do.
  EXPECT_EQ(ApplyLifecycle(*store_, At("2026-11-30T00:00:00Z"))->expired, 0);
}

TEST_F(ApplyLifecycleTest, DateExpirationAndSizeFiltersAndDisabledRules) {
  Configure(R"({"Rules": [
      {"ID": "date", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 3}, "Expiration": {"Date": "2026-12-01"}},
      {"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}}]})");
  ASSERT_TRUE(store_->PutString("bkt", "small", "abc").ok());
  ASSERT_TRUE(store_->PutString("bkt", "large", "abcd").ok());
  EXPECT_EQ(ApplyLifecycle(*store_, At("2026-11-30T23:59:59Z"))->expired, 0);
  EXPECT_EQ(ApplyLifecycle(*store_, At("2026-12-01T00:00:00Z"))->expired, 1);
  EXPECT_EQ(Keys(), std::vector<std::string>{"small"});
}

TEST_F(ApplyLifecycleTest, CompressTransitionReplacesTheObjectWithItsZstdCompression) {
  Configure(R"({"Rules": [
      {"ID": "zip", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
       "Transitions": [{"Days": 1, "StorageClass": "SLUICE_COMPRESSED"}]},
      {"ID": "gone", "Status": "Enabled", "Filter": {"Prefix": "raw/"}, "Expiration": {"Days": 10}}]})");
  std::string content(10000, 'x');
  store::PutOptions options{.content_type = "text/csv", .user_metadata = {{"source", "test"}}};
  auto original = store_->PutString("bkt", "raw/a.csv", content, options);
  ASSERT_TRUE(original.ok());
  int64_t seq = *log_->LatestSeq();

  clock_.Set(At("2026-11-29T00:00:00Z"));
  auto r = ApplyLifecycle(*store_, clock_.Now());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->transitioned, 1);
  EXPECT_EQ(Keys(), std::vector<std::string>{"raw/a.csv.zst"});
  EXPECT_EQ(Events(seq), (std::vector<std::string>{"LifecycleTransition raw/a.csv",
                                                   "ObjectCreated:Copy raw/a.csv.zst",
                                                   "ObjectRemoved:Delete raw/a.csv"}));

  auto head = *store_->Head("bkt", "raw/a.csv.zst");
  EXPECT_EQ(head.content_type, "text/csv");
  EXPECT_EQ(head.user_metadata.at("source"), "test");
  EXPECT_EQ(head.user_metadata.at("sluice-original-size"), "10000");
  EXPECT_EQ(head.user_metadata.at("sluice-original-etag"), original->etag_hex());
  EXPECT_EQ(head.user_metadata.at("sluice-created"), "2026-11-27T12:00:00.000Z");
  EXPECT_LT(head.size, 1000u);
  // An independent reader (libzstd's one-shot API) gets the original bytes back.
  auto reader = *store_->Get("bkt", "raw/a.csv.zst", std::nullopt);
  std::string compressed(head.size, '\0');
  size_t got = 0;
  while (got < compressed.size()) got += *reader->Read(compressed.data() + got, compressed.size() - got);
  std::string back(20000, '\0');
  size_t n = ZSTD_decompress(back.data(), back.size(), compressed.data(), compressed.size());
  ASSERT_FALSE(ZSTD_isError(n));
  back.resize(n);
  EXPECT_EQ(back, content);

  // The compressed object is not compressed again, and its expiration counts from the
  // original creation: 2026-11-27 12:00 + 10 days → 2026-12-08 00:00.
  EXPECT_EQ(ApplyLifecycle(*store_, At("2026-12-07T23:00:00Z"))->transitioned, 0);
  auto config = *LifecycleConfigurationStore(catalog_.get()).Get("bkt");
  EXPECT_EQ(ExpirationFor(config, head)->expiry_date, At("2026-12-08T00:00:00Z"));
  EXPECT_EQ(ApplyLifecycle(*store_, At("2026-12-08T00:00:00Z"))->expired, 1);
  EXPECT_TRUE(Keys().empty());
}

TEST_F(ApplyLifecycleTest, ObjectReplacedAfterListingIsNotExpired) {
  // Rewritten objects get a new creation time, so a re-put object is not due.
  Configure(R"({"Rules": [{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]})");
  ASSERT_TRUE(store_->PutString("bkt", "k", "old").ok());
  clock_.Set(At("2026-11-29T06:00:00Z"));
  ASSERT_TRUE(store_->PutString("bkt", "k", "new").ok());
  EXPECT_EQ(ApplyLifecycle(*store_, clock_.Now())->expired, 0);
  EXPECT_EQ(Keys(), std::vector<std::string>{"k"});
}

TEST(LifecycleConfigurationStore, GetWithoutConfigurationIsNoSuchLifecycleConfiguration) {
  common::TestTempDir dir;
  auto catalog = std::move(*catalog::OpenSqliteCatalog(dir.path() + "/catalog.db"));
  LifecycleConfigurationStore configs(catalog.get());
  EXPECT_EQ(configs.Get("b").status().name(), "NoSuchLifecycleConfiguration");
  auto put = configs.Put("b", json::parse(R"({"Rules": [{"Status": "Enabled", "Prefix": "", "Expiration": {"Days": 5}}]})"),
                         Timestamp::FromSeconds(0));
  ASSERT_TRUE(put.ok()) << put.status();
  auto got = configs.Get("b");
  ASSERT_TRUE(got.ok());
  // S3 gives a rule without ID a generated one, and returns it.
  EXPECT_EQ(got->rules[0].id, put->rules[0].id);
  EXPECT_EQ(got->rules[0].id.size(), 32u);
  EXPECT_EQ(*configs.Buckets(), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace sluice::ops
