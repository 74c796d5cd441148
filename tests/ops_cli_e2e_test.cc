// The ops features as users meet them through the `sluice` binary: sns:publish from a
// state machine, S3 lifecycle configurations (put/get, `s3 ls --long`, `lifecycle apply`
// and the events it logs).

#include <fstream>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "process_util.h"
#include "sluice/common/json.h"
#include "sluice/common/test_temp_dir.h"

namespace {

namespace json = boost::json;
using sluice::testing::RunResult;

class OpsCliTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  RunResult Run(std::vector<std::string> args, const std::string& stdin_data = "") {
    return sluice::testing::Sluice(dir_ + "/home", std::move(args), stdin_data);
  }
  sluice::common::TestTempDir tmp_;
  const std::string& dir_ = tmp_.path();
};

constexpr const char* kNotify = R"({"StartAt":"Notify","States":{"Notify":{"Type":"Task",
  "Resource":"arn:aws:states:::sns:publish",
  "Parameters":{"TopicArn":"arn:aws:sns:us-east-1:123456789012:orders","Message.$":"$","Subject":"order"},
  "ResultSelector":{"id.$":"$.MessageId"},"End":true}}})";

TEST_F(OpsCliTest, SnsPublishDeliversTheNotificationToACommandTopic) {
  std::string def = Write("sm.asl.json", kNotify);
  RunResult r = Run({"states", "run", def, "--input", "-", "--topic",
                     "orders=command:cat > " + dir_ + "/got.json"},
                    R"({"order":7})");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto out = json::parse(r.out).as_object();
  std::string id(out.at("output").as_object().at("id").as_string());
  EXPECT_EQ(id.size(), 36u);
  auto got = json::parse(Read("got.json")).as_object();
  EXPECT_EQ(got.at("Type"), "Notification");
  EXPECT_EQ(got.at("MessageId").as_string(), id);
  EXPECT_EQ(got.at("TopicArn"), "arn:aws:sns:us-east-1:123456789012:orders");
  EXPECT_EQ(got.at("Subject"), "order");
  EXPECT_EQ(got.at("Message"), R"({"order":7})");
}

TEST_F(OpsCliTest, SnsPublishToAnUnknownTopicFailsWithNotFoundException) {
  std::string def = Write("sm.asl.json", kNotify);
  RunResult r = Run({"states", "run", def});
  EXPECT_EQ(r.exit_code, 1);
  auto out = json::parse(r.out).as_object();
  EXPECT_EQ(out.at("status"), "FAILED");
  EXPECT_EQ(out.at("error"), "SNS.NotFoundException");
}

TEST_F(OpsCliTest, DurableExecutionsRecordEachDeliveryInTheCatalog) {
  std::string def = Write("sm.asl.json", kNotify);
  ASSERT_EQ(Run({"states", "create", "--name", "sm", "--definition", def}).exit_code, 0);
  std::string input = Write("in.json", R"({"order":8})");
  RunResult r = Run({"states", "start", "--state-machine", "sm", "--name", "e", "--input", input,
                     "--topic", "orders=command:cat > " + dir_ + "/got.json", "--topic", "orders=log",
                     "--topic", "orders=command:exit 7"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(json::parse(Read("got.json")).as_object().at("Message"), R"({"order":8})");
  // One row per subscription; the failing command is retried, then FAILED and logged.
  EXPECT_EQ(sluice::testing::ShellOutput("sqlite3 " + dir_ +
                                         "/home/catalog.db \"SELECT subscription, status, attempts, "
                                         "COALESCE(last_error, '') FROM topic_deliveries ORDER BY subscription\""),
            "command:cat > " + dir_ + "/got.json|DELIVERED|1|\n"
            "command:exit 7|FAILED|4|exit status 7\n"
            "log|DELIVERED|1|\n");
  EXPECT_NE(r.err.find("FAILED after 4 attempt(s): exit status 7"), std::string::npos) << r.err;
}

TEST_F(OpsCliTest, LifecycleRulesShowInLsLongAndApplyExpiresAndCompresses) {
  ASSERT_EQ(Run({"s3", "mb", "s3://landing"}).exit_code, 0);
  ASSERT_EQ(Run({"s3", "cp", "-", "s3://landing/tmp/a.txt"}, "temporary").exit_code, 0);
  ASSERT_EQ(Run({"s3", "cp", "-", "s3://landing/raw/b.csv"}, std::string(5000, 'b')).exit_code, 0);
  std::string config = Write("lc.json", R"({"Rules": [
      {"ID": "tmp-1d", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}},
      {"ID": "zip", "Status": "Enabled", "Filter": {"Prefix": "raw/"},
       "Transitions": [{"Days": 2, "StorageClass": "SLUICE_COMPRESSED"}]}]})");
  RunResult put = Run({"s3api", "put-bucket-lifecycle-configuration", "--bucket", "landing",
                       "--lifecycle-configuration", "file://" + config});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  RunResult get = Run({"s3api", "get-bucket-lifecycle-configuration", "--bucket", "landing"});
  ASSERT_EQ(get.exit_code, 0);
  EXPECT_EQ(json::parse(get.out).as_object().at("Rules").as_array()[0].as_object().at("ID"), "tmp-1d");

  RunResult ls = Run({"s3", "ls", "--long", "--recursive", "s3://landing"});
  ASSERT_EQ(ls.exit_code, 0);
  // The expiry is the midnight UTC after today + 1 day; the rule id is exact.
  EXPECT_NE(ls.out.find(" tmp/a.txt  expiry-date=\""), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find(" 00:00:00 GMT\", rule-id=\"tmp-1d\"\n"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find(" raw/b.csv\n"), std::string::npos) << ls.out;

  RunResult dry = Run({"lifecycle", "apply", "--now", "2099-01-01T00:00:00Z", "--dry-run"});
  EXPECT_EQ(dry.out,
            "(dry run) compress s3://landing/raw/b.csv (rule zip)\n"
            "(dry run) expire s3://landing/tmp/a.txt (rule tmp-1d)\n"
            "objects scanned: 2\nexpired: 1\ntransitioned: 1\nerrors: 0\n");
  RunResult apply = Run({"lifecycle", "apply", "--now", "2099-01-01T00:00:00Z"});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_EQ(apply.out,
            "compress s3://landing/raw/b.csv (rule zip)\n"
            "expire s3://landing/tmp/a.txt (rule tmp-1d)\n"
            "objects scanned: 2\nexpired: 1\ntransitioned: 1\nerrors: 0\n");
  RunResult after = Run({"s3", "ls", "--recursive", "s3://landing"});
  EXPECT_NE(after.out.find(" raw/b.csv.zst\n"), std::string::npos) << after.out;
  EXPECT_EQ(after.out.find("tmp/a.txt"), std::string::npos) << after.out;
  RunResult events = Run({"events", "--since", "2"});
  EXPECT_NE(events.out.find(R"("eventName":"LifecycleExpiration:Delete")"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find(R"("eventName":"LifecycleTransition")"), std::string::npos) << events.out;
  // The compressed object decompresses to the original bytes (zstd, an independent reader).
  RunResult cat = Run({"s3", "cat", "s3://landing/raw/b.csv.zst"});
  Write("b.csv.zst", cat.out);
  EXPECT_EQ(sluice::testing::ShellOutput("zstd -dc " + dir_ + "/b.csv.zst"), std::string(5000, 'b'));
}

TEST_F(OpsCliTest, InvalidLifecycleConfigurationsAreRejectedWithS3Errors) {
  ASSERT_EQ(Run({"s3", "mb", "s3://landing"}).exit_code, 0);
  RunResult r = Run({"s3api", "put-bucket-lifecycle-configuration", "--bucket", "landing",
                     "--lifecycle-configuration",
                     R"({"Rules": [{"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "sluice s3api put-bucket-lifecycle-configuration: InvalidArgument: $.Rules[0].Expiration.Days: "
            "'Days' for Expiration action must be a positive integer\n");
  RunResult none = Run({"s3api", "get-bucket-lifecycle-configuration", "--bucket", "landing"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("NoSuchLifecycleConfiguration"), std::string::npos) << none.err;
}

}  // namespace
