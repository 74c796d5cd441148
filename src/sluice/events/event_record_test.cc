#include "sluice/events/event_record.h"

#include <gtest/gtest.h>

#include "sluice/common/json.h"
#include "sluice/events/events_test_util.h"

namespace sluice::events {
namespace {

EventRecord SamplePut() {
  EventRecord r;
  r.event_name = "ObjectCreated:Put";
  r.event_time = common::Timestamp{testing::kT0Micros};
  r.bucket = "landing";
  r.key = "orders/2026-11-27/red flower.csv";
  r.size = 1024;
  r.etag = "d41d8cd98f00b204e9800998ecf8427e";
  r.sequencer = "000000000000002A";
  r.version = "v1";
  r.request_id = "C3D13FE58DE4C810";
  r.host_id = "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD";
  r.region = "eu-west-1";
  r.principal_id = "sluice";
  r.source_ip = "127.0.0.1";
  r.configuration_id = "orders-trigger";
  return r;
}

TEST(EventRecord, PutRendersExactlyAwsRecordShape) {
  EXPECT_EQ(
      common::SerializeJson(SamplePut().ToJson()),
      R"({"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1",)"
      R"("eventTime":"2026-11-27T12:00:00.123Z","eventName":"ObjectCreated:Put",)"
      R"("userIdentity":{"principalId":"sluice"},)"
      R"("requestParameters":{"sourceIPAddress":"127.0.0.1"},)"
      R"("responseElements":{"x-amz-request-id":"C3D13FE58DE4C810",)"
      R"("x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},)"
      R"("s3":{"s3SchemaVersion":"1.0","configurationId":"orders-trigger",)"
      R"("bucket":{"name":"landing","ownerIdentity":{"principalId":"sluice"},)"
      R"("arn":"arn:aws:s3:::landing"},)"
      R"("object":{"key":"orders/2026-11-27/red+flower.csv","size":1024,)"
      R"("eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"000000000000002A"}}})");
}

TEST(EventRecord, DeleteCarriesOnlyKeyAndSequencerInObject) {
  EventRecord r = SamplePut();
  r.event_name = "ObjectRemoved:Delete";
  r.configuration_id = "";
  EXPECT_EQ(
      common::SerializeJson(r.ToJson()),
      R"({"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1",)"
      R"("eventTime":"2026-11-27T12:00:00.123Z","eventName":"ObjectRemoved:Delete",)"
      R"("userIdentity":{"principalId":"sluice"},)"
      R"("requestParameters":{"sourceIPAddress":"127.0.0.1"},)"
      R"("responseElements":{"x-amz-request-id":"C3D13FE58DE4C810",)"
      R"("x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},)"
      R"("s3":{"s3SchemaVersion":"1.0","configurationId":"",)"
      R"("bucket":{"name":"landing","ownerIdentity":{"principalId":"sluice"},)"
      R"("arn":"arn:aws:s3:::landing"},)"
      R"("object":{"key":"orders/2026-11-27/red+flower.csv","sequencer":"000000000000002A"}}})");
}

TEST(EventRecord, FromJsonReadsBackWhatToJsonWrote) {
  EventRecord r = SamplePut();
  Result<EventRecord> back = EventRecord::FromJson(r.ToJson(), "$.Records[0]");
  ASSERT_TRUE(back.ok()) << back.status();
  r.version.clear();  // not part of the AWS shape
  EXPECT_EQ(*back, r);
}

TEST(EventRecord, FromJsonAcceptsEveryMinorVersionOfTwo) {
  for (const char* version : {"2.1", "2.2", "2.3", "2.10"}) {
    boost::json::object o = SamplePut().ToJson();
    o["eventVersion"] = version;
    Result<EventRecord> r = EventRecord::FromJson(o, "$.Records[0]");
    EXPECT_TRUE(r.ok()) << version << ": " << r.status();
  }
}

TEST(EventRecord, FromJsonRejectsOtherMajorVersionsNamingThePath) {
  for (const char* version : {"3.0", "1.0", "2", "2.x"}) {
    boost::json::object o = SamplePut().ToJson();
    o["eventVersion"] = version;
    Result<EventRecord> r = EventRecord::FromJson(o, "$.Records[0]");
    ASSERT_FALSE(r.ok()) << version;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), std::string("$.Records[0].eventVersion: unsupported version '") +
                                        version + "'; expected 2.x");
  }
}

TEST(EventRecord, FromJsonNamesThePathOfAMissingOrMistypedField) {
  boost::json::object o = SamplePut().ToJson();
  o["s3"].as_object()["object"].as_object().erase("key");
  EXPECT_EQ(EventRecord::FromJson(o, "$.Records[2]").status().message(),
            "$.Records[2].s3.object: missing required field 'key'");
  o = SamplePut().ToJson();
  o["s3"].as_object()["object"].as_object()["size"] = "big";
  EXPECT_EQ(EventRecord::FromJson(o, "$.Records[2]").status().message(),
            "$.Records[2].s3.object.size: expected non-negative integer, got string");
}

TEST(EventKey, EncodesAsS3DoesInEventRecords) {
  struct Case {
    const char* raw;
    const char* encoded;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"red flower.jpg", "red+flower.jpg"},
           {"a/b:c=d+e%f", "a/b%3Ac%3Dd%2Be%25f"},
           {"caf\xC3\xA9.csv", "caf%C3%A9.csv"},
           {"AZaz09-_.~*/", "AZaz09-_.~*/"},
           {"x?y&z#(1),'!\"", "x%3Fy%26z%23%281%29%2C%27%21%22"},
           {"", ""},
       }) {
    EXPECT_EQ(EncodeEventKey(c.raw), c.encoded) << c.raw;
    Result<std::string> back = DecodeEventKey(c.encoded);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, c.raw);
  }
}

TEST(EventKey, DecodesLowercaseHexAndRejectsATruncatedEscape) {
  EXPECT_EQ(*DecodeEventKey("a%3ab"), "a:b");
  EXPECT_EQ(DecodeEventKey("a%3").status().message(),
            "invalid URL encoding in \"a%3\" at offset 1: '%' must be followed by two hex digits");
  EXPECT_FALSE(DecodeEventKey("%zz").ok());
}

TEST(Sequencer, IsSixteenUppercaseHexDigitsOfTheSeq) {
  EXPECT_EQ(SequencerFromSeq(1), "0000000000000001");
  EXPECT_EQ(SequencerFromSeq(255), "00000000000000FF");
  EXPECT_LT(CompareSequencers(SequencerFromSeq(9), SequencerFromSeq(10)), 0);
}

TEST(Sequencer, ComparesByRightPaddingTheShorterWithZeros) {
  EXPECT_EQ(CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E5"), 0);
  EXPECT_EQ(CompareSequencers("0055AED6DCD90281E", "0055AED6DCD90281E0"), 0);
  EXPECT_LT(CompareSequencers("0055AED6DCD90281E", "0055AED6DCD90281E5"), 0);
  EXPECT_GT(CompareSequencers("0055AED6DCD90281F", "0055AED6DCD90281E5"), 0);
  EXPECT_GT(CompareSequencers("A", "0A"), 0);
}

}  // namespace
}  // namespace sluice::events
