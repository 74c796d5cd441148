#include "sluice/tasks/sns_publish.h"

#include <gtest/gtest.h>

#include "sluice/asl/errors.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

Result<json::value> Invoke(SnsPublish& h, const json::value& params) {
  asl::TaskInvocation inv;
  inv.resource = "arn:aws:states:::sns:publish";
  inv.state_name = "Notify";
  inv.parameters = &params;
  return h.Invoke(inv);
}

TEST(SnsPublish, PublishesToTheTopicNamedByArnAndReturnsTheMessageId) {
  ops::Topics topics;
  SnsPublish h(&topics);
  asl::TaskRegistry registry;
  RegisterTopics(registry, h);
  EXPECT_EQ(registry.Find("arn:aws:states:::sns:publish"), &h);
  json::value params = {{"TopicArn", "arn:aws:sns:us-east-1:123456789012:alerts"},
                        {"Message", {{"order", 7}}},
                        {"Subject", "done"}};
  auto r = Invoke(h, params);
  ASSERT_TRUE(r.ok()) << r.status();
  const json::object& o = r->as_object();
  EXPECT_EQ(o.at("MessageId").as_string().size(), 36u);
  EXPECT_EQ(o.at("SdkHttpMetadata").as_object().at("HttpStatusCode").as_int64(), 200);
  EXPECT_TRUE(o.at("SdkResponseMetadata").as_object().contains("RequestId"));
  // A bare name works too.
  EXPECT_TRUE(Invoke(h, json::value{{"TopicArn", "alerts"}, {"Message", "hi"}}).ok());
}

TEST(SnsPublish, ErrorsUseStepFunctionsNamesForSns) {
  ops::Topics topics;
  SnsPublish h(&topics);
  auto missing = Invoke(h, json::value{{"TopicArn", "arn:aws:sns:us-east-1:123456789012:nope"}, {"Message", "m"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(asl::IsStatesError(missing.status()));
  EXPECT_EQ(missing.status().name(), "SNS.NotFoundException");
  EXPECT_EQ(missing.status().message().rfind("Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: ", 0), 0u)
      << missing.status().message();
  EXPECT_EQ(Invoke(h, json::value{{"Message", "m"}}).status().name(), "SNS.InvalidParameterException");
  EXPECT_EQ(Invoke(h, json::value{{"TopicArn", "alerts"}}).status().name(), "SNS.InvalidParameterException");
}

}  // namespace
}  // namespace sluice::tasks
