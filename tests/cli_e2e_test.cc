// The `sluice` command as users meet it: exact output lines, exit codes (0 ok, 1 failed,
// 2 usage) and error messages on stderr, run as a separate process.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "process_util.h"
#include "sluice/common/json.h"

namespace {

namespace fs = std::filesystem;
using sluice::testing::RunResult;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sluice-cli-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    home_ = dir_ + "/home";
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(std::vector<std::string> args, const std::string& stdin_data = "") {
    return sluice::testing::Sluice(home_, std::move(args), stdin_data);
  }
  // Runs a command that must succeed; returns its stdout.
  std::string Ok(std::vector<std::string> args, const std::string& stdin_data = "") {
    RunResult r = Run(args, stdin_data);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string WriteFile(const std::string& rel, const std::string& content) {
    fs::path p = fs::path(dir_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  static std::string ReadFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  // Replaces the leading "YYYY-MM-DD HH:MM:SS" of every line with a fixed text.
  static std::string MaskDates(const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
      if (line.size() >= 19 && line[4] == '-' && line[13] == ':') line = "DATE" + line.substr(19);
      out += line + "\n";
    }
    return out;
  }

  std::string dir_, home_;
};

TEST_F(CliTest, MakeListAndRemoveBucketsLikeAwsS3) {
  EXPECT_EQ(Ok({"s3", "mb", "s3://landing"}), "make_bucket: landing\n");
  EXPECT_EQ(Ok({"s3", "mb", "s3://archive"}), "make_bucket: archive\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls"})), "DATE archive\nDATE landing\n");
  EXPECT_EQ(Ok({"s3", "rb", "s3://archive"}), "remove_bucket: archive\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls"})), "DATE landing\n");
}

TEST_F(CliTest, FailuresExitOneAndNameTheErrorAndThePlace) {
  RunResult r = Run({"s3", "mb", "s3://Bad_Name"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "sluice s3 mb: InvalidBucketName: The specified bucket is not valid: \"Bad_Name\": "
            "bucket names can consist only of lowercase letters, numbers, periods (.) and "
            "hyphens (-)\n");
  r = Run({"s3", "cat", "s3://nowhere/k"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sluice s3 cat: NoSuchBucket: The specified bucket does not exist: s3://nowhere\n");
  Ok({"s3", "mb", "s3://landing"});
  r = Run({"s3", "cat", "s3://landing/missing.csv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "sluice s3 cat: NoSuchKey: The specified key does not exist: s3://landing/missing.csv\n");
  r = Run({"s3", "mb", "s3://landing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("BucketAlreadyOwnedByYou"), std::string::npos) << r.err;
  Ok({"s3", "cp", "-", "s3://landing/a.txt"}, "a");
  r = Run({"s3", "rb", "s3://landing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sluice s3 rb: BucketNotEmpty: "), std::string::npos) << r.err;
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({"s3", "cp", "a", "b"}).exit_code, 2);
  EXPECT_EQ(Run({"s3", "cp", "a", "b"}).err,
            "sluice s3 cp: at least one of source and destination must be s3://\n"
            "Run 'sluice s3 cp --help' for usage.\n");
  EXPECT_EQ(Run({"s3", "ls", "landing"}).exit_code, 2);
  EXPECT_EQ(Run({"s3", "frobnicate"}).exit_code, 2);
  EXPECT_EQ(Run({"events", "--since", "x"}).exit_code, 2);
  EXPECT_EQ(Run({}).exit_code, 2);
  RunResult help = Run({"s3", "cp", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--recursive"), std::string::npos);
}

TEST_F(CliTest, CopyUploadListCatAndDownload) {
  Ok({"s3", "mb", "s3://landing"});
  std::string csv = WriteFile("orders.csv", "id,amount\n1,9.50\n2,3.25\n");
  EXPECT_EQ(Ok({"s3", "cp", csv, "s3://landing/orders/2026/orders.csv"}),
            "upload: " + csv + " to s3://landing/orders/2026/orders.csv\n");
  EXPECT_EQ(Ok({"s3", "cp", csv, "s3://landing/"}), "upload: " + csv + " to s3://landing/orders.csv\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls", "s3://landing"})),
            "                           PRE orders/\nDATE         24 orders.csv\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls", "s3://landing/orders/"})),
            "                           PRE 2026/\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls", "s3://landing/orders/2026/ord"})),
            "DATE         24 orders.csv\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls", "--recursive", "--summarize", "s3://landing"})),
            "DATE         24 orders.csv\nDATE         24 orders/2026/orders.csv\n\n"
            "Total Objects: 2\n   Total Size: 48\n");
  EXPECT_EQ(Ok({"s3", "cat", "s3://landing/orders.csv"}), "id,amount\n1,9.50\n2,3.25\n");
  EXPECT_EQ(Ok({"s3", "cat", "s3://landing/orders.csv", "--range", "bytes=3-8"}), "amount");
  std::string out_dir = dir_ + "/out/";
  fs::create_directories(out_dir);
  EXPECT_EQ(Ok({"s3", "cp", "s3://landing/orders/2026/orders.csv", out_dir}),
            "download: s3://landing/orders/2026/orders.csv to " + out_dir + "orders.csv\n");
  EXPECT_EQ(ReadFile(out_dir + "orders.csv"), "id,amount\n1,9.50\n2,3.25\n");
  EXPECT_EQ(Ok({"s3", "cp", "s3://landing/orders.csv", "-"}), "id,amount\n1,9.50\n2,3.25\n");
  EXPECT_EQ(Ok({"s3", "cp", "s3://landing/orders.csv", "s3://landing/copy/"}),
            "copy: s3://landing/orders.csv to s3://landing/copy/orders.csv\n");
  EXPECT_EQ(Ok({"s3", "cat", "s3://landing/copy/orders.csv"}), "id,amount\n1,9.50\n2,3.25\n");
}

TEST_F(CliTest, RecursiveCopiesRoundTripAFolderByteExact) {
  Ok({"s3", "mb", "s3://landing"});
  WriteFile("src/a.csv", "a");
  WriteFile("src/nested/deeper/b with space.json", "{\"b\":1}");
  WriteFile("src/nested/ünïcödé.txt", std::string("\0\x01\xff", 3));
  std::string src = dir_ + "/src";
  EXPECT_EQ(Ok({"s3", "cp", "--recursive", "--quiet", src, "s3://landing/in"}), "");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls", "--recursive", "s3://landing"})),
            "DATE          1 in/a.csv\n"
            "DATE          7 in/nested/deeper/b with space.json\n"
            "DATE          3 in/nested/ünïcödé.txt\n");
  std::string back = dir_ + "/back";
  Ok({"s3", "cp", "--recursive", "s3://landing/in/", back});
  EXPECT_EQ(ReadFile(back + "/a.csv"), "a");
  EXPECT_EQ(ReadFile(back + "/nested/deeper/b with space.json"), "{\"b\":1}");
  EXPECT_EQ(ReadFile(back + "/nested/ünïcödé.txt"), std::string("\0\x01\xff", 3));
  EXPECT_EQ(Ok({"s3", "rm", "--recursive", "s3://landing/in/nested"}),
            "delete: s3://landing/in/nested/deeper/b with space.json\n"
            "delete: s3://landing/in/nested/ünïcödé.txt\n");
  EXPECT_EQ(MaskDates(Ok({"s3", "ls", "--recursive", "s3://landing"})), "DATE          1 in/a.csv\n");
}

TEST_F(CliTest, RecursiveDownloadRefusesKeysThatWouldEscapeTheFolder) {
  Ok({"s3", "mb", "s3://landing"});
  Ok({"s3", "cp", "-", "s3://landing/in/../../escaped.txt"}, "evil");
  Ok({"s3", "cp", "-", "s3://landing/in/ok.txt"}, "fine");
  std::string back = dir_ + "/back";
  RunResult r = Run({"s3", "cp", "--recursive", "s3://landing/in", back});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("skipping s3://landing/in/../../escaped.txt: InvalidArgument: key has a "
                       "'..' path segment that cannot be written below " + back),
            std::string::npos)
      << r.err;
  EXPECT_EQ(ReadFile(back + "/ok.txt"), "fine");
  EXPECT_FALSE(fs::exists(dir_ + "/escaped.txt"));
  EXPECT_FALSE(fs::exists(fs::path(dir_).parent_path() / "escaped.txt"));
  // The key itself is an ordinary S3 key: it reads back byte-exact.
  EXPECT_EQ(Ok({"s3", "cat", "s3://landing/in/../../escaped.txt"}), "evil");
}

TEST_F(CliTest, EventsPrintOneJsonLinePerCreateAndDeleteWithEncodedKeys) {
  Ok({"s3", "mb", "s3://landing"});
  Ok({"s3", "mb", "s3://other"});
  Ok({"s3", "cp", "-", "s3://landing/in/red flower:1.csv"}, "x");
  Ok({"s3", "cp", "-", "s3://other/o.txt"}, "o");
  Ok({"s3", "rm", "s3://landing/in/red flower:1.csv"});
  std::string out = Ok({"events"});
  std::vector<boost::json::object> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(sluice::common::ParseJson(line, "events")->as_object());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("seq").as_int64(), 1);
  const auto& rec = lines[0].at("record").as_object();
  EXPECT_EQ(rec.at("eventVersion").as_string(), "2.1");
  EXPECT_EQ(rec.at("eventName").as_string(), "ObjectCreated:Put");
  const auto& obj = rec.at("s3").as_object().at("object").as_object();
  EXPECT_EQ(obj.at("key").as_string(), "in/red+flower%3A1.csv");
  EXPECT_EQ(obj.at("eTag").as_string(), "9dd4e461268c8034f5c8564e155c67a6");  // md5("x")
  EXPECT_EQ(obj.at("size").as_int64(), 1);
  EXPECT_EQ(lines[2].at("record").as_object().at("eventName").as_string(), "ObjectRemoved:Delete");

  std::string since = Ok({"events", "--since", "2"});
  EXPECT_EQ(std::count(since.begin(), since.end(), '\n'), 1);
  EXPECT_NE(since.find("\"seq\":3,"), std::string::npos) << since;
  std::string other = Ok({"events", "--bucket", "other"});
  EXPECT_NE(other.find("\"seq\":2,"), std::string::npos) << other;
  EXPECT_EQ(std::count(other.begin(), other.end(), '\n'), 1);
}

TEST_F(CliTest, EventsFollowPrintsNewEventsAsTheyAreLoggedUntilTerminated) {
  Ok({"s3", "mb", "s3://landing"});
  Ok({"s3", "cp", "-", "s3://landing/first.csv"}, "1");
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    setenv("SLUICE_HOME", home_.c_str(), 1);
    execl(SLUICE_BINARY, SLUICE_BINARY, "events", "--follow", "--since", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  Ok({"s3", "cp", "-", "s3://landing/second.csv"}, "2");
  std::string got;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a follower exits cleanly on SIGTERM";
  ASSERT_NE(got.find('\n'), std::string::npos) << "no event arrived";
  auto line = sluice::common::ParseJson(got.substr(0, got.find('\n')), "follow");
  ASSERT_TRUE(line.ok()) << got;
  EXPECT_EQ(line->at("seq").as_int64(), 2);
  EXPECT_EQ(line->at("record").at("s3").at("object").at("key").as_string(), "second.csv");
}

TEST_F(CliTest, NotificationConfigurationIsValidatedStoredAndPrintedBack) {
  Ok({"s3", "mb", "s3://landing"});
  std::string good = WriteFile("good.json", R"({
    "LambdaFunctionConfigurations": [
      {"Id": "csv-in", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:ingest",
       "Events": ["s3:ObjectCreated:*"],
       "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"},
                                          {"Name": "Suffix", "Value": ".csv"}]}}}]})");
  Ok({"s3api", "put-bucket-notification-configuration", "--bucket", "landing",
      "--notification-configuration", "file://" + good});
  auto got = sluice::common::ParseJson(
      Ok({"s3api", "get-bucket-notification-configuration", "--bucket", "landing"}), "get");
  ASSERT_TRUE(got.ok());
  const auto& rule = got->as_object().at("LambdaFunctionConfigurations").as_array()[0].as_object();
  EXPECT_EQ(rule.at("Id").as_string(), "csv-in");
  EXPECT_EQ(rule.at("Events").as_array()[0].as_string(), "s3:ObjectCreated:*");

  std::string overlap = WriteFile("overlap.json", R"({
    "QueueConfigurations": [
      {"Id": "a", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:a", "Events": ["s3:ObjectCreated:*"],
       "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}},
      {"Id": "b", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:b", "Events": ["s3:ObjectCreated:Put"],
       "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/2026/"}]}}}]})");
  RunResult r = Run({"s3api", "put-bucket-notification-configuration", "--bucket", "landing",
                     "--notification-configuration", "file://" + overlap});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Configurations overlap. Configurations on the same bucket cannot share "
                       "a common event type."),
            std::string::npos)
      << r.err;
  // The earlier configuration is still in place.
  EXPECT_NE(Ok({"s3api", "get-bucket-notification-configuration", "--bucket", "landing"}).find("csv-in"),
            std::string::npos);
}

TEST_F(CliTest, JsonLogFormatWritesOneJsonObjectPerLineOnStderr) {
  RunResult r = Run({"--log-format", "json", "--log-level", "debug", "s3", "ls"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.err);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    auto v = sluice::common::ParseJson(line, "log line");
    ASSERT_TRUE(v.ok()) << line;
    EXPECT_TRUE(v->as_object().contains("time"));
    EXPECT_TRUE(v->as_object().contains("msg"));
    EXPECT_EQ(v->as_object().at("level").as_string(), "debug");
    ++lines;
  }
  EXPECT_GE(lines, 1);
}

}  // namespace
