#include "sluice/tasks/local_functions.h"

#include <gtest/gtest.h>

#include "sluice/asl/errors.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

Result<json::value> Invoke(LocalFunctions& f, std::string_view resource, const json::value& params,
                           std::optional<int64_t> timeout = std::nullopt) {
  asl::TaskInvocation inv;
  inv.resource = resource;
  inv.state_name = "Call";
  inv.parameters = &params;
  inv.timeout_seconds = timeout;
  return f.Invoke(inv);
}

TEST(FunctionName, AcceptsNamesPartialArnsAndFullArns) {
  EXPECT_EQ(FunctionNameOf("ingest"), "ingest");
  EXPECT_EQ(FunctionNameOf("ingest:live"), "ingest");
  EXPECT_EQ(FunctionNameOf("123456789012:function:ingest"), "ingest");
  EXPECT_EQ(FunctionNameOf("arn:aws:lambda:us-east-1:123456789012:function:ingest:$LATEST"), "ingest");
}

TEST(LocalFunctions, LambdaInvokeReturnsTheInvokeResultShapeWithThePayload) {
  LocalFunctions f("us-east-1", "123456789012");
  f.Add("double", R"(python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"n": d["n"]*2}))')");
  json::value params = {{"FunctionName", "arn:aws:lambda:us-east-1:123456789012:function:double"},
                        {"Payload", {{"n", 21}}}};
  auto r = Invoke(f, "arn:aws:states:::lambda:invoke", params);
  ASSERT_TRUE(r.ok()) << r.status();
  const json::object& o = r->as_object();
  EXPECT_EQ(o.at("StatusCode").as_int64(), 200);
  EXPECT_EQ(o.at("ExecutedVersion").as_string(), "$LATEST");
  EXPECT_EQ(common::SerializeJson(o.at("Payload")), R"({"n":42})");
  EXPECT_TRUE(o.at("SdkHttpMetadata").as_object().contains("HttpStatusCode"));
  EXPECT_TRUE(o.at("SdkResponseMetadata").as_object().contains("RequestId"));
}

TEST(LocalFunctions, LambdaArnResourcePassesParametersAndReturnsTheOutputItself) {
  LocalFunctions f("us-east-1", "123456789012");
  f.Add("echo", "cat");
  json::value params = {{"a", 1}};
  auto r = Invoke(f, "arn:aws:lambda:us-east-1:123456789012:function:echo", params);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(common::SerializeJson(*r), R"({"a":1})");
}

TEST(LocalFunctions, AnErrorObjectAndNonZeroExitBecomeTheFunctionsError) {
  LocalFunctions f("us-east-1", "123456789012");
  f.Add("fail", R"(echo '{"errorType":"OrderInvalid","errorMessage":"no id"}'; exit 1)");
  f.Add("crash", "exit 3");
  auto r = Invoke(f, "arn:aws:lambda:us-east-1:123456789012:function:fail", json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), "OrderInvalid");
  EXPECT_EQ(r.status().message(), R"({"errorType":"OrderInvalid","errorMessage":"no id"})");
  r = Invoke(f, "arn:aws:lambda:us-east-1:123456789012:function:crash", json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), "Runtime.ExitError");
  EXPECT_NE(r.status().message().find("Runtime exited with error: exit status 3"), std::string::npos);
}

TEST(LocalFunctions, RunningPastTheTimeoutIsStatesTimeout) {
  LocalFunctions f("us-east-1", "123456789012");
  f.Add("slow", "sleep 5");
  auto r = Invoke(f, "arn:aws:lambda:us-east-1:123456789012:function:slow", json::object(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), asl::kStatesTimeout);
}

TEST(LocalFunctions, UnknownFunctionsAndNonJsonOutputAreReported) {
  LocalFunctions f("eu-west-1", "111122223333");
  f.Add("text", "echo not json");
  auto r = Invoke(f, "arn:aws:lambda:eu-west-1:111122223333:function:nope", json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), "Lambda.ResourceNotFoundException");
  EXPECT_EQ(r.status().message().rfind("Function not found: arn:aws:lambda:eu-west-1:111122223333:function:nope", 0), 0u);
  r = Invoke(f, "arn:aws:lambda:eu-west-1:111122223333:function:text", json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), "Runtime.InvalidResponse");
}

TEST(LocalFunctions, AFunctionThatNeverReadsItsPayloadDoesNotKillTheEngine) {
  // Regression: writing the payload to a function that had exited raised SIGPIPE.
  LocalFunctions f("us-east-1", "123456789012");
  f.Add("ignore", "echo 7");
  json::value params = {{"blob", std::string(4 << 20, 'x')}};
  auto r = Invoke(f, "arn:aws:lambda:us-east-1:123456789012:function:ignore", params);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(common::SerializeJson(*r), "7");
}

}  // namespace
}  // namespace sluice::tasks
