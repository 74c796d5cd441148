#include "sluice/events/notification_configuration.h"

#include <gtest/gtest.h>

#include "sluice/common/json.h"
#include "sluice/events/events_test_util.h"

namespace sluice::events {
namespace {

Result<NotificationConfiguration> Parse(std::string_view text) {
  Result<boost::json::value> v = common::ParseJson(text, "test");
  SLUICE_CHECK(v.ok());
  return NotificationConfiguration::FromJson(*v);
}

// The message of the error Parse(text) returns; "OK" when it parses.
std::string ErrorOf(std::string_view text) {
  Result<NotificationConfiguration> c = Parse(text);
  if (c.ok()) return "OK";
  EXPECT_EQ(c.status().name(), "InvalidArgument");
  return c.status().message();
}

// A queue configuration for `events` (a JSON array text) with optional filter rules.
std::string Queue(std::string_view id, std::string_view events, std::string_view prefix = {},
                  std::string_view suffix = {}) {
  std::string rules;
  if (!prefix.empty()) rules += R"({"Name":"prefix","Value":")" + std::string(prefix) + "\"}";
  if (!suffix.empty()) {
    if (!rules.empty()) rules += ",";
    rules += R"({"Name":"suffix","Value":")" + std::string(suffix) + "\"}";
  }
  std::string out = R"({"Id":")" + std::string(id) +
                    R"(","QueueArn":"arn:aws:sqs:us-east-1:123456789012:q","Events":)" +
                    std::string(events);
  if (!rules.empty()) out += R"(,"Filter":{"Key":{"FilterRules":[)" + rules + "]}}";
  return out + "}";
}

std::string Queues(std::string_view a, std::string_view b) {
  return R"({"QueueConfigurations":[)" + std::string(a) + "," + std::string(b) + "]}";
}

TEST(NotificationConfiguration, ParsesEveryDestinationKindAndFilter) {
  Result<NotificationConfiguration> c = Parse(R"({
    "QueueConfigurations": [{"Id": "q1", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:q",
      "Events": ["s3:ObjectCreated:*"],
      "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "incoming/red+flower"},
                                         {"Name": "SUFFIX", "Value": "%2Ecsv"}]}}}],
    "TopicConfigurations": [{"Id": "t1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
      "Events": ["s3:ObjectRemoved:Delete"]}],
    "LambdaFunctionConfigurations": [{"Id": "l1",
      "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
      "Events": ["s3:ObjectTagging:*"]}],
    "EventBridgeConfiguration": {}
  })");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->rules.size(), 3u);
  EXPECT_TRUE(c->event_bridge);
  const NotificationRule& t = c->rules[0];
  EXPECT_EQ(t.id, "t1");
  EXPECT_EQ(t.destination_kind, DestinationKind::kTopic);
  EXPECT_EQ(t.destination_arn, "arn:aws:sns:us-east-1:123456789012:t");
  const NotificationRule& q = c->rules[1];
  EXPECT_EQ(q.id, "q1");
  EXPECT_EQ(q.destination_kind, DestinationKind::kQueue);
  EXPECT_EQ(q.events, std::vector<std::string>{"s3:ObjectCreated:*"});
  EXPECT_EQ(q.prefix, "incoming/red flower");  // decoded: matched against the raw key
  EXPECT_EQ(q.suffix, ".csv");
  EXPECT_EQ(c->rules[2].destination_kind, DestinationKind::kLambdaFunction);
}

TEST(NotificationConfiguration, RendersBackAsGetBucketNotificationConfigurationDoes) {
  Result<NotificationConfiguration> c =
      Parse(R"({"QueueConfigurations":[)" +
            Queue("q1", R"(["s3:ObjectCreated:Put"])", "in/a+b", ".csv") +
            R"(],"EventBridgeConfiguration":{}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(common::SerializeJson(c->ToJson()),
            R"({"QueueConfigurations":[{"Id":"q1","QueueArn":"arn:aws:sqs:us-east-1:123456789012:q",)"
            R"("Events":["s3:ObjectCreated:Put"],"Filter":{"Key":{"FilterRules":[)"
            R"({"Name":"Prefix","Value":"in/a+b"},{"Name":"Suffix","Value":".csv"}]}}}],)"
            R"("EventBridgeConfiguration":{}})");
  Result<NotificationConfiguration> again = NotificationConfiguration::FromJson(c->ToJson());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);
}

TEST(NotificationConfiguration, GeneratesDistinctIdsWhenLeftOut) {
  Result<NotificationConfiguration> c = Parse(R"({"QueueConfigurations":[
    {"QueueArn":"arn:q","Events":["s3:ObjectCreated:*"]},
    {"QueueArn":"arn:q","Events":["s3:ObjectRemoved:*"]}]})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->rules[0].id.empty());
  EXPECT_FALSE(c->rules[1].id.empty());
  EXPECT_NE(c->rules[0].id, c->rules[1].id);
}

TEST(NotificationConfiguration, RejectsEachInvalidInputWithS3sMessageAndThePath) {
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[)" + Queue("a", R"(["s3:ObjectCreated:Put","s3:Nope"])") + "]}"),
            "$.QueueConfigurations[0].Events[1]: The event is not supported for notifications");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[)" + Queue("a", R"(["ObjectCreated:Put"])") + "]}"),
            "$.QueueConfigurations[0].Events[0]: The event is not supported for notifications");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q","Events":["s3:ObjectCreated:*"],
                "Filter":{"Key":{"FilterRules":[{"Name":"contains","Value":"x"}]}}}]})"),
            "$.QueueConfigurations[0].Filter.Key.FilterRules[0].Name: filter rule name must be "
            "either prefix or suffix");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q","Events":["s3:ObjectCreated:*"],
                "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a"},
                                                {"Name":"Prefix","Value":"b"}]}}}]})"),
            "$.QueueConfigurations[0].Filter.Key.FilterRules[1]: Cannot specify more than one "
            "prefix rule in a filter.");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q","Events":["s3:ObjectCreated:*"],
                "Filter":{"Key":{"FilterRules":[{"Name":"suffix","Value":"a"},
                                                {"Name":"SUFFIX","Value":"b"}]}}}]})"),
            "$.QueueConfigurations[0].Filter.Key.FilterRules[1]: Cannot specify more than one "
            "suffix rule in a filter.");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q","Events":["s3:ObjectCreated:*"],
                "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":")" +
                    std::string(1025, 'a') + R"("}]}}}]})"),
            "$.QueueConfigurations[0].Filter.Key.FilterRules[0].Value: Size of filter rule "
            "value cannot exceed 1024 bytes in UTF-8 representation");
  EXPECT_EQ(ErrorOf(Queues(Queue("same", R"(["s3:ObjectCreated:*"])"),
                           Queue("same", R"(["s3:ObjectRemoved:*"])"))),
            "$.QueueConfigurations[1].Id: Same ID used for multiple configurations. IDs must be "
            "unique.");
  EXPECT_EQ(ErrorOf(Queues(Queue("a", R"(["s3:ObjectCreated:*"])"),
                           Queue("b", R"(["s3:ObjectCreated:Put"])"))),
            "$.QueueConfigurations[1] and $.QueueConfigurations[0]: Configurations overlap. "
            "Configurations on the same bucket cannot share a common event type.");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q"}]})"),
            "$.QueueConfigurations[0]: missing required field 'Events'");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q","Events":[]}]})"),
            "$.QueueConfigurations[0].Events: at least one event is required");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"Events":["s3:ObjectCreated:*"]}]})"),
            "$.QueueConfigurations[0]: missing required field 'QueueArn'");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"TopicArn":"t","QueueArn":"q","Events":["s3:ObjectCreated:*"]}]})"),
            "$.QueueConfigurations[0]: unknown field 'TopicArn'");
  EXPECT_EQ(ErrorOf(R"({"QueueConfiguration":[]})"), "$: unknown field 'QueueConfiguration'");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":{}})"),
            "$.QueueConfigurations: expected array, got object");
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"q","Events":["s3:ObjectCreated:*"],
                "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a%G1"}]}}}]})"),
            "$.QueueConfigurations[0].Filter.Key.FilterRules[0].Value: invalid URL encoding in "
            "\"a%G1\" at offset 1: '%' must be followed by two hex digits");
}

TEST(NotificationConfiguration, AcceptsEveryS3EventType) {
  for (const char* e :
       {"s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
        "s3:ReducedRedundancyLostObject", "s3:Replication:*", "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put"}) {
    EXPECT_TRUE(IsSupportedEventType(e)) << e;
  }
  EXPECT_FALSE(IsSupportedEventType("s3:TestEvent"));
  EXPECT_FALSE(IsSupportedEventType("s3:ObjectCreated:put"));
  EXPECT_FALSE(IsSupportedEventType("s3:*"));
}

TEST(NotificationRule, MatchesEventTypesWithWildcardsAndTheRawKey) {
  Result<NotificationConfiguration> c = Parse(R"({"QueueConfigurations":[)" +
      Queue("a", R"(["s3:ObjectCreated:*","s3:ObjectRemoved:Delete"])", "in/red+", ".csv") + "]}");
  ASSERT_TRUE(c.ok()) << c.status();
  const NotificationRule& r = c->rules[0];
  EXPECT_TRUE(r.Matches("ObjectCreated:Put", "in/red flower.csv"));
  EXPECT_TRUE(r.Matches("ObjectCreated:Copy", "in/red .csv"));
  EXPECT_TRUE(r.Matches("ObjectCreated:CompleteMultipartUpload", "in/red x.csv"));
  EXPECT_TRUE(r.Matches("ObjectRemoved:Delete", "in/red x.csv"));
  EXPECT_FALSE(r.Matches("ObjectRemoved:DeleteMarkerCreated", "in/red x.csv"));
  EXPECT_FALSE(r.Matches("ObjectCreated:Put", "in/red+flower.csv"));  // '+' in the raw key
  EXPECT_FALSE(r.Matches("ObjectCreated:Put", "in/red flower.CSV"));  // values are case-sensitive
  EXPECT_FALSE(r.Matches("ObjectCreated:Put", "out/red flower.csv"));
  EXPECT_FALSE(r.Matches("ObjectTagging:Put", "in/red flower.csv"));
}

TEST(NotificationRule, WithoutFilterMatchesEveryKeyOfItsEvents) {
  NotificationRule r{"id", "arn", DestinationKind::kQueue, {"s3:ObjectRemoved:Delete"}, "", ""};
  EXPECT_TRUE(r.Matches("ObjectRemoved:Delete", "anything/at/all"));
  EXPECT_FALSE(r.Matches("ObjectCreated:Put", "anything/at/all"));
}

TEST(NotificationConfiguration, OverlapFollowsS3sRules) {
  struct Case {
    const char* name;
    std::string a;
    std::string b;
    bool overlap;
  };
  const std::vector<Case> cases = {
      {"same event, no filters", Queue("a", R"(["s3:ObjectCreated:Put"])"),
       Queue("b", R"(["s3:ObjectCreated:Put"])"), true},
      {"same event, nested prefixes, same suffix",
       Queue("a", R"(["s3:ObjectCreated:Put"])", "in/", ".csv"),
       Queue("b", R"(["s3:ObjectCreated:Put"])", "in/orders/", ".csv"), true},
      {"same event, prefix vs none", Queue("a", R"(["s3:ObjectCreated:Put"])", "in/"),
       Queue("b", R"(["s3:ObjectCreated:Put"])"), true},
      {"same event, nested suffixes", Queue("a", R"(["s3:ObjectCreated:Put"])", "", ".csv"),
       Queue("b", R"(["s3:ObjectCreated:Put"])", "", "s.csv"), true},
      {"same event, overlapping prefixes, disjoint suffixes",
       Queue("a", R"(["s3:ObjectCreated:Put"])", "in/", ".csv"),
       Queue("b", R"(["s3:ObjectCreated:Put"])", "in/", ".json"), false},
      {"same event, disjoint prefixes", Queue("a", R"(["s3:ObjectCreated:Put"])", "in/"),
       Queue("b", R"(["s3:ObjectCreated:Put"])", "out/"), false},
      {"different event types", Queue("a", R"(["s3:ObjectCreated:*"])"),
       Queue("b", R"(["s3:ObjectRemoved:*"])"), false},
      {"different types of one family", Queue("a", R"(["s3:ObjectCreated:Put"])"),
       Queue("b", R"(["s3:ObjectCreated:Copy"])"), false},
      {"wildcard covers a specific type", Queue("a", R"(["s3:ObjectCreated:*"])"),
       Queue("b", R"(["s3:ObjectCreated:Put"])"), true},
      {"one shared event among several",
       Queue("a", R"(["s3:ObjectRemoved:Delete","s3:ObjectCreated:Copy"])"),
       Queue("b", R"(["s3:ObjectCreated:Put","s3:ObjectCreated:Copy"])"), true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOf(Queues(c.a, c.b)) != "OK", c.overlap) << c.name;
    EXPECT_EQ(ErrorOf(Queues(c.b, c.a)) != "OK", c.overlap) << c.name << " (swapped)";
  }
}

TEST(NotificationConfiguration, OverlapSpansDestinationKinds) {
  EXPECT_EQ(ErrorOf(R"({"QueueConfigurations":[{"Id":"q","QueueArn":"q","Events":["s3:ObjectCreated:*"]}],
                        "TopicConfigurations":[{"Id":"t","TopicArn":"t","Events":["s3:ObjectCreated:Put"]}]})"),
            "$.QueueConfigurations[0] and $.TopicConfigurations[0]: Configurations overlap. "
            "Configurations on the same bucket cannot share a common event type.");
}

TEST(NotificationConfigurationStore, PutsValidatesAndGetsPerBucket) {
  testing::TempDir dir;
  auto catalog = testing::OpenTestCatalog(dir);
  common::ManualClock clock(common::Timestamp{testing::kT0Micros});
  NotificationConfigurationStore store(catalog.get(), &clock);

  Result<NotificationConfiguration> empty = store.Get("landing");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  auto config = common::ParseJson(
      R"({"QueueConfigurations":[)" + Queue("q", R"(["s3:ObjectCreated:*"])", "in/") + "]}", "t");
  Result<NotificationConfiguration> put = store.Put("landing", *config);
  ASSERT_TRUE(put.ok()) << put.status();
  Result<NotificationConfiguration> got = store.Get("landing");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, *put);
  EXPECT_TRUE(store.Get("other")->empty());

  auto bad = common::ParseJson(R"({"QueueConfigurations":[)" + Queue("x", R"(["s3:Bad"])") + "]}", "t");
  EXPECT_EQ(store.Put("landing", *bad).status().message(),
            "$.QueueConfigurations[0].Events[0]: The event is not supported for notifications");
  EXPECT_EQ(*store.Get("landing"), *put);  // unchanged

  auto list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].first, "landing");

  ASSERT_TRUE(store.Put("landing", boost::json::object()).ok());  // removes notifications
  EXPECT_TRUE(store.Get("landing")->empty());
  EXPECT_TRUE(store.List()->empty());
}

}  // namespace
}  // namespace sluice::events
