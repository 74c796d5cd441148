// End-to-end tests of the store and the event log through the real `sluice` binary:
// a 2 GB object in and out in bounded memory, concurrent puts of one key from several
// processes, and SIGKILL in the middle of a put loop.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sluice/common/hash.h"
#include "sluice/common/json.h"
#include "process_util.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using sluice::testing::Run;
using sluice::testing::RunResult;
using sluice::testing::ShellOutput;
using sluice::testing::Sluice;

// The event log as (seq, record) pairs, from `sluice events`.
std::vector<json::object> Events(const std::string& home, const std::string& bucket) {
  RunResult r = Sluice(home, {"events", "--bucket", bucket});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json::object> out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto v = sluice::common::ParseJson(line, "sluice events");
    EXPECT_TRUE(v.ok()) << v.status();
    if (v.ok()) out.push_back(v->as_object().at("record").as_object());
  }
  return out;
}

std::string RecordKey(const json::object& record) {
  return std::string(record.at("s3").as_object().at("object").as_object().at("key").as_string());
}
std::string RecordETag(const json::object& record) {
  return std::string(record.at("s3").as_object().at("object").as_object().at("eTag").as_string());
}

class StoreEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    home_ = dir_ + "/home";
    RunResult r = Sluice(home_, {"s3", "mb", "s3://landing"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_, home_;
};

TEST_F(StoreEndToEnd, TwoGigabyteObjectCopiesInAndOutByteIdenticalInBoundedMemory) {
  const char* mb_env = std::getenv("SLUICE_BIG_OBJECT_MB");
  const uint64_t mib = mb_env ? std::strtoull(mb_env, nullptr, 10) : 2048;
  std::string big = dir_ + "/big.bin", back = dir_ + "/back.bin";
  {
    // Incompressible-looking content, different in every MiB.
    std::ofstream f(big, std::ios::binary);
    std::mt19937_64 rng(42);
    std::vector<uint64_t> block(1 << 17);
    for (auto& w : block) w = rng();
    for (uint64_t i = 0; i < mib; ++i) {
      block[i % block.size()] ^= i * 0x9e3779b97f4a7c15ULL;
      f.write(reinterpret_cast<const char*>(block.data()), 1 << 20);
    }
    ASSERT_TRUE(f.good());
  }
  std::string md5sum = ShellOutput("md5sum '" + big + "'").substr(0, 32);
  ASSERT_EQ(md5sum.size(), 32u);

  RunResult up = Sluice(home_, {"s3", "cp", big, "s3://landing/big/object.bin"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_LT(up.max_rss_kib, 64 * 1024) << "peak RSS of the upload";

  auto events = Events(home_, "landing");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(RecordETag(events[0]), md5sum);
  EXPECT_EQ(events[0].at("s3").as_object().at("object").as_object().at("size").to_number<uint64_t>(),
            mib << 20);

  RunResult down = Sluice(home_, {"s3", "cp", "s3://landing/big/object.bin", back});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_LT(down.max_rss_kib, 64 * 1024) << "peak RSS of the download";
  EXPECT_EQ(std::system(("cmp -s '" + big + "' '" + back + "'").c_str()), 0)
      << "downloaded bytes differ from the uploaded file";
}

TEST_F(StoreEndToEnd, ConcurrentPutsOfOneKeyLeaveOneCompleteObjectAndOneEventPerPut) {
  constexpr int kWorkers = 4, kPuts = 15;
  std::map<std::string, std::string> content_by_etag;
  auto content_for = [](int w, int i) {
    std::string c = "worker " + std::to_string(w) + " put " + std::to_string(i) + "\n";
    c.resize(256 * 1024, static_cast<char>('a' + (w * kPuts + i) % 26));
    return c;
  };
  for (int w = 0; w < kWorkers; ++w) {
    for (int i = 0; i < kPuts; ++i) {
      std::string c = content_for(w, i);
      content_by_etag[sluice::common::Md5Hex(c)] = c;
    }
  }
  std::vector<pid_t> workers;
  for (int w = 0; w < kWorkers; ++w) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0; i < kPuts; ++i) {
        RunResult r = Sluice(home_, {"s3", "cp", "-", "s3://landing/same/key.csv", "--quiet"},
                             content_for(w, i));
        if (r.exit_code != 0) {
          std::fprintf(stderr, "%s", r.err.c_str());
          _exit(1);
        }
      }
      _exit(0);
    }
    workers.push_back(pid);
  }
  for (pid_t pid : workers) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  auto events = Events(home_, "landing");
  ASSERT_EQ(events.size(), static_cast<size_t>(kWorkers * kPuts));
  std::set<std::string> etags;
  for (const auto& e : events) {
    EXPECT_EQ(RecordKey(e), "same/key.csv");
    EXPECT_EQ(e.at("eventName").as_string(), "ObjectCreated:Put");
    etags.insert(RecordETag(e));
  }
  EXPECT_EQ(etags.size(), content_by_etag.size()) << "one event per acknowledged put";

  RunResult cat = Sluice(home_, {"s3", "cat", "s3://landing/same/key.csv"});
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  std::string final_etag = sluice::common::Md5Hex(cat.out);
  ASSERT_TRUE(content_by_etag.count(final_etag)) << "the object is not one complete put";
  EXPECT_EQ(RecordETag(events.back()), final_etag)
      << "the last event must describe the object that is visible";

  RunResult ls = Sluice(home_, {"s3", "ls", "--recursive", "s3://landing"});
  EXPECT_EQ(std::count(ls.out.begin(), ls.out.end(), '\n'), 1) << ls.out;
}

TEST_F(StoreEndToEnd, KilledPutLoopLosesNoAcknowledgedPutAndListsNoPartialObject) {
  std::mt19937 rng(7);
  std::map<std::string, std::string> acked;  // key -> etag
  for (int round = 0; round < 5; ++round) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    std::string prefix = "r" + std::to_string(round) + "/k";
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      execl(SLUICE_PUT_LOOP, SLUICE_PUT_LOOP, home_.c_str(), "landing", prefix.c_str(), "1000000",
            "65536", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(150 + rng() % 600);
    std::string buffered;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 10) > 0) {
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        buffered.append(buf, static_cast<size_t>(n));
      }
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    for (;;) {  // what the tool printed before it died
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      buffered.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    std::istringstream lines(buffered);
    std::string word, key, etag;
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      if (fields >> word >> key >> etag && word == "ack" && etag.size() == 32) acked[key] = etag;
    }
  }
  ASSERT_GT(acked.size(), 5u) << "the put loop never got going";

  // The next command after the crashes reconciles the store against the log.
  RunResult ls = Sluice(home_, {"s3", "ls", "--recursive", "s3://landing"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::set<std::string> listed;
  std::istringstream lines(ls.out);
  std::string line;
  const std::regex kLine(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +65536 (r\d/k\d{6})$)");
  while (std::getline(lines, line)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, kLine)) << "unexpected listing line: " << line;
    listed.insert(m[1]);
  }
  auto events = Events(home_, "landing");
  std::map<std::string, std::vector<std::string>> etags_by_key;
  for (const auto& e : events) {
    EXPECT_EQ(e.at("eventName").as_string(), "ObjectCreated:Put");
    etags_by_key[RecordKey(e)].push_back(RecordETag(e));
  }
  for (const auto& [key, etag] : acked) {
    EXPECT_TRUE(listed.count(key)) << "acknowledged put lost: " << key;
    ASSERT_EQ(etags_by_key[key].size(), 1u) << "events for " << key;
    EXPECT_EQ(etags_by_key[key][0], etag);
  }
  for (const std::string& key : listed) {
    EXPECT_EQ(etags_by_key[key].size(), 1u) << "listed object without exactly one event: " << key;
  }
  EXPECT_EQ(events.size(), listed.size());
  EXPECT_LE(listed.size(), acked.size() + 5) << "at most one unacknowledged put per crash";
}

}  // namespace
