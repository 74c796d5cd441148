// Crash tests of durable executions through the real `sluice` binary: a `states start` (or
// `states resume`) process is SIGKILLed inside a Task, a Wait, a Map and a Retry back-off,
// `states resume` finishes the execution, and the result is compared with an uninterrupted
// run of the same definition in another engine home: same status, same output, same history
// event types, ids 1..N without gaps, timestamps that never decrease, and every function
// invocation accounted for (functions log each invocation: tests/tools/counting_function.py).
// Also StopExecution from another process and task tokens (send-task-success).
//
// What the engine guarantees, and these tests assert: a Task attempt in flight at the kill is
// invoked again on resume and that new start is recorded as one more TaskStarted right after
// the cut-short one; everything else comes from the history. So every actual invocation is
// recorded as exactly one TaskStarted, and the history equals an uninterrupted run's but for
// those extra starts.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "sluice/common/json.h"
#include "sluice/common/time.h"
#include "process_util.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using sluice::testing::RunResult;

constexpr const char* kFunctionScript = SLUICE_SOURCE_DIR "/tests/tools/counting_function.py";

std::string ExecutionArn(const std::string& name) {
  return "arn:aws:states:us-east-1:123456789012:execution:sm:" + name;
}

int64_t Millis(const json::value& event) {
  auto t = sluice::common::ParseRfc3339(event.at("timestamp").as_string());
  EXPECT_TRUE(t.ok()) << event;
  return t.ok() ? t->micros / 1000 : 0;
}

std::string Type(const json::value& event) { return std::string(event.at("type").as_string()); }

std::vector<std::string> Types(const json::array& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(Type(e));
  return out;
}

int Count(const std::vector<std::string>& types, const std::string& type) {
  return static_cast<int>(std::count(types.begin(), types.end(), type));
}

// The first event of `type` at or after index `from`, or -1.
int Find(const json::array& events, const std::string& type, size_t from = 0) {
  for (size_t i = from; i < events.size(); ++i) {
    if (Type(events[i]) == type) return static_cast<int>(i);
  }
  return -1;
}

// A `sluice` process running in the background (stdout and stderr to files).
struct Background {
  pid_t pid = -1;
  std::string out_path, err_path;
};

// How an execution ended, as `states describe` and `states history` report it.
struct Finished {
  std::string status;
  std::string output;  // the raw output string of DescribeExecution ("" when none)
  json::array events;
  std::vector<std::string> types;
};

class StatesDurable : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SLUICE_TEST_TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/sluice-durable-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override {
    for (Background& b : running_) {
      if (b.pid > 0) Kill(b);
    }
    // Orphaned functions of killed runners may still be writing their logs.
    WaitUntil([&] { return AllLogsQuiet(); }, 10);
    fs::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& content) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }

  // An engine home with state machine "sm" created from `definition`.
  std::string Home(const std::string& name, const std::string& definition) {
    std::string home = dir_ + "/" + name;
    std::string def = Write(name + ".asl.json", definition);
    RunResult r = Sluice(home, {"states", "create", "--name", "sm", "--definition", def});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return home;
  }

  // The invocation log of function `function` in `home`.
  std::string Log(const std::string& home, const std::string& function) { return home + "." + function + ".log"; }

  // `--function NAME=COMMAND` for the counting function logging to Log(home, name); `extra`
  // are its flags (--sleep, --fail-first, …).
  std::vector<std::string> Function(const std::string& home, const std::string& name, const std::string& extra) {
    logs_.push_back(Log(home, name));
    return {"--function", name + "=python3 " + std::string(kFunctionScript) + " --log " + Log(home, name) + " " + extra};
  }

  RunResult Sluice(const std::string& home, std::vector<std::string> args) {
    return sluice::testing::Sluice(home, std::move(args));
  }

  Background Spawn(const std::string& home, std::vector<std::string> args) {
    Background b;
    int n = static_cast<int>(running_.size());
    b.out_path = dir_ + "/bg" + std::to_string(n) + ".out";
    b.err_path = dir_ + "/bg" + std::to_string(n) + ".err";
    args.insert(args.begin(), SLUICE_BINARY);
    b.pid = fork();
    if (b.pid == 0) {
      int out = open(b.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open(b.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = open("/dev/null", O_RDONLY);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      setenv("SLUICE_HOME", home.c_str(), 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    running_.push_back(b);
    return b;
  }

  // SIGKILLs a background process and reaps it (so it is no zombie: a zombie still counts
  // as a live lease owner).
  void Kill(Background& b) {
    ASSERT_GT(b.pid, 0);
    kill(b.pid, SIGKILL);
    int status = 0;
    waitpid(b.pid, &status, 0);
    Forget(b);
  }

  // Waits for a background process to exit; returns its exit code (-1 on timeout).
  int Reap(Background& b, double seconds = 30) {
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (waitpid(b.pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        Kill(b);
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Forget(b);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void Forget(Background& b) {
    for (Background& r : running_) {
      if (r.pid == b.pid) r.pid = -1;
    }
    b.pid = -1;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Lines of a function log starting with `prefix` ("start " or "end ").
  static int LogLines(const std::string& log, const std::string& prefix) {
    std::istringstream lines(ReadFile(log));
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) n += line.rfind(prefix, 0) == 0;
    return n;
  }
  static int Invocations(const std::string& log) { return LogLines(log, "start "); }
  // An invocation that started and has not ended.
  static bool Running(const std::string& log) { return LogLines(log, "start ") > LogLines(log, "end "); }

  bool AllLogsQuiet() {
    for (const std::string& log : logs_) {
      if (Running(log)) return false;
    }
    return true;
  }

  static bool WaitUntil(const std::function<bool()>& done, double seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  json::array History(const std::string& home, const std::string& name) {
    RunResult r = Sluice(home, {"states", "history", ExecutionArn(name)});
    if (r.exit_code != 0) return {};
    auto v = sluice::common::ParseJson(r.out, "states history");
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? v->at("events").as_array() : json::array();
  }

  json::object Describe(const std::string& home, const std::string& name) {
    RunResult r = Sluice(home, {"states", "describe", ExecutionArn(name)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto v = sluice::common::ParseJson(r.out, "states describe");
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? v->as_object() : json::object();
  }

  Finished Outcome(const std::string& home, const std::string& name) {
    Finished f;
    json::object d = Describe(home, name);
    if (auto* s = d.if_contains("status")) f.status = std::string(s->as_string());
    if (auto* o = d.if_contains("output")) f.output = std::string(o->as_string());
    f.events = History(home, name);
    f.types = Types(f.events);
    return f;
  }

  // Waits until the stored history of `name` satisfies `pred`.
  bool WaitForHistory(const std::string& home, const std::string& name,
                      const std::function<bool(const std::vector<std::string>&)>& pred, double seconds = 15) {
    return WaitUntil([&] { return pred(Types(History(home, name))); }, seconds);
  }

  // `states resume` run here to its end: exactly one execution was left to run.
  void Resume(const std::string& home, std::vector<std::string> functions, const std::string& scale = "1") {
    std::vector<std::string> args = {"states", "resume", "--wait-time-scale", scale};
    args.insert(args.end(), functions.begin(), functions.end());
    RunResult r = Sluice(home, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"executionsRun\":1}\n") << r.err;
  }

  // The functions of the mixed workflow (kMixed).
  std::vector<std::string> MixedFunctions(const std::string& home) {
    return Concat({Function(home, "slow", "--sleep 0.3"), Function(home, "item", "--sleep 0.1"),
                   Function(home, "flaky", "--fail-below-retry 1")});
  }

  // `sluice states start` of execution "e" of state machine "sm" on `input`, with `functions`.
  static std::vector<std::string> StartArgs(const std::string& input, const std::vector<std::string>& functions) {
    return Concat({{"states", "start", "--state-machine", "sm", "--name", "e", "--input", input}, functions});
  }

  static std::vector<std::string> Concat(std::vector<std::vector<std::string>> parts) {
    std::vector<std::string> out;
    for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  }

  std::string dir_;
  std::vector<Background> running_;
  std::vector<std::string> logs_;
};

// Ids 1..N without gaps, previousEventId pointing backwards, timestamps never decreasing.
void ExpectWellFormed(const json::array& events) {
  ASSERT_FALSE(events.empty());
  int64_t last_ms = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const json::object& e = events[i].as_object();
    EXPECT_EQ(e.at("id").to_number<int64_t>(), static_cast<int64_t>(i + 1)) << "event ids have a gap at " << i;
    EXPECT_LT(e.at("previousEventId").to_number<int64_t>(), e.at("id").to_number<int64_t>());
    int64_t ms = Millis(events[i]);
    EXPECT_GE(ms, last_ms) << "timestamp of event " << i + 1 << " (" << Type(events[i]) << ") goes back";
    last_ms = ms;
  }
}

// The event types with the extra TaskStarted of restarted attempts removed: an attempt in
// flight when its runner died starts again, and that start is recorded as one more
// TaskStarted right after the cut-short one.
std::vector<std::string> WithoutRestarts(const std::vector<std::string>& types) {
  std::vector<std::string> out;
  for (const std::string& t : types) {
    if (t == "TaskStarted" && !out.empty() && out.back() == "TaskStarted") continue;
    out.push_back(t);
  }
  return out;
}

// How many events of each type `types[from, to)` holds.
std::map<std::string, int> TypeCounts(const std::vector<std::string>& types, size_t from, size_t to) {
  std::map<std::string, int> counts;
  for (size_t i = from; i < to && i < types.size(); ++i) ++counts[types[i]];
  return counts;
}

// The position of the first `type` in `types`, or types.size().
size_t Find(const std::vector<std::string>& types, const std::string& type) {
  return std::find(types.begin(), types.end(), type) - types.begin();
}

// The resumed execution ended exactly as the reference did. Events outside a Map run in one
// deterministic order; the events of concurrent Map iterations interleave as their threads
// happen to finish, so inside the Map (MapStateStarted .. MapStateSucceeded) only the number
// of events of each type must match (a restarted attempt adds TaskStarted events).
void ExpectSameAsReference(const Finished& crashed, const Finished& reference) {
  EXPECT_EQ(reference.status, "SUCCEEDED");
  EXPECT_EQ(crashed.status, reference.status);
  EXPECT_EQ(crashed.output, reference.output);
  size_t ref_begin = Find(reference.types, "MapStateStarted");
  size_t ref_end = Find(reference.types, "MapStateSucceeded");
  size_t begin = Find(crashed.types, "MapStateStarted");
  size_t end = Find(crashed.types, "MapStateSucceeded");
  std::vector<std::string> outside(crashed.types.begin(), crashed.types.begin() + std::min(begin, end));
  outside.insert(outside.end(), crashed.types.begin() + std::min(end, crashed.types.size()), crashed.types.end());
  std::vector<std::string> ref_outside(reference.types.begin(), reference.types.begin() + std::min(ref_begin, ref_end));
  ref_outside.insert(ref_outside.end(), reference.types.begin() + std::min(ref_end, reference.types.size()),
                     reference.types.end());
  EXPECT_EQ(WithoutRestarts(outside), ref_outside);
  std::map<std::string, int> inside = TypeCounts(crashed.types, begin, end);
  std::map<std::string, int> ref_inside = TypeCounts(reference.types, ref_begin, ref_end);
  EXPECT_GE(inside["TaskStarted"], ref_inside["TaskStarted"]);
  inside.erase("TaskStarted");
  ref_inside.erase("TaskStarted");
  EXPECT_EQ(inside, ref_inside);
  ExpectWellFormed(reference.events);
  ExpectWellFormed(crashed.events);
}

// --- A Task calling a slow function ----------------------------------------------------

constexpr const char* kSlowTask = R"({"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Parameters":{"order.$":"$.order"},"Next":"Slow"},
  "Slow":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","Next":"Done"},
  "Done":{"Type":"Pass","End":true}}})";

TEST_F(StatesDurable, TaskKilledWhileItsFunctionRunsFinishesAsAnUninterruptedRun) {
  std::string input = Write("in.json", R"({"order":42})");
  std::string ref = Home("ref", kSlowTask), crash = Home("crash", kSlowTask);
  auto ref_fn = Function(ref, "slow", "--sleep 1");
  auto crash_fn = Function(crash, "slow", "--sleep 1");
  Background reference = Spawn(ref, StartArgs(input, ref_fn));
  Background runner = Spawn(crash, StartArgs(input, crash_fn));
  // Two kill/resume cycles, each while an invocation of the function runs.
  const std::string log = Log(crash, "slow");
  ASSERT_TRUE(WaitUntil([&] { return Invocations(log) == 1 && Running(log); }, 10));
  Kill(runner);
  {
    json::array h = History(crash, "e");
    ASSERT_FALSE(h.empty());
    EXPECT_EQ(Type(h.back()), "TaskStarted") << "the history is synced before the invocation";
  }
  Background resumer = Spawn(crash, Concat({{"states", "resume"}, crash_fn}));
  ASSERT_TRUE(WaitUntil([&] { return Invocations(log) == 2 && Running(log); }, 10));
  Kill(resumer);
  Resume(crash, crash_fn);
  ASSERT_EQ(Reap(reference), 0);
  ASSERT_TRUE(WaitUntil([&] { return AllLogsQuiet(); }, 10));

  Finished r = Outcome(ref, "e"), c = Outcome(crash, "e");
  ExpectSameAsReference(c, r);
  EXPECT_EQ(c.output, R"({"input":{"order":42}})");
  EXPECT_EQ(Invocations(Log(ref, "slow")), 1);
  EXPECT_EQ(Count(r.types, "TaskStarted"), 1);
  // The attempt in flight at each of the two kills ran again, each start recorded.
  EXPECT_EQ(Count(c.types, "TaskStarted"), 3);
  EXPECT_EQ(Invocations(log), Count(c.types, "TaskStarted"));
}

// The invariant the issue asks for: every invocation of a function is recorded as its own
// TaskStarted (regression: a resumed attempt used to run again without one).
TEST_F(StatesDurable, EveryFunctionInvocationIsRecordedAsOneTaskStarted) {
  std::string input = Write("in.json", R"({"order":42})");
  std::string ref = Home("ref", kSlowTask), crash = Home("crash", kSlowTask);
  auto ref_fn = Function(ref, "slow", "--sleep 1");
  auto crash_fn = Function(crash, "slow", "--sleep 1");
  Background reference = Spawn(ref, StartArgs(input, ref_fn));
  Background runner = Spawn(crash, StartArgs(input, crash_fn));
  const std::string log = Log(crash, "slow");
  ASSERT_TRUE(WaitUntil([&] { return Invocations(log) == 1 && Running(log); }, 10));
  Kill(runner);
  Resume(crash, crash_fn);
  ASSERT_EQ(Reap(reference), 0);
  ASSERT_TRUE(WaitUntil([&] { return AllLogsQuiet(); }, 10));
  Finished r = Outcome(ref, "e"), c = Outcome(crash, "e");
  EXPECT_EQ(c.status, r.status);
  EXPECT_EQ(c.output, r.output);
  ExpectWellFormed(c.events);
  EXPECT_EQ(Invocations(log), 2);
  EXPECT_EQ(Invocations(log), Count(c.types, "TaskStarted"));
  // The history is the reference's with the re-run attempt started again right after the
  // one cut short: …, TaskScheduled, TaskStarted, [TaskScheduled,] TaskStarted, TaskSucceeded, ….
  std::vector<std::string> expected = r.types;
  auto started = std::find(expected.begin(), expected.end(), "TaskStarted");
  ASSERT_NE(started, expected.end());
  std::vector<std::string> with_started = expected, with_both = expected;
  with_started.insert(with_started.begin() + (started - expected.begin()) + 1, "TaskStarted");
  with_both.insert(with_both.begin() + (started - expected.begin()) + 1, {"TaskScheduled", "TaskStarted"});
  EXPECT_TRUE(c.types == with_started || c.types == with_both) << ::testing::PrintToString(c.types);
}

// --- A Wait of 3 s ----------------------------------------------------------------------

constexpr const char* kWait = R"({"StartAt":"Before","States":{
  "Before":{"Type":"Pass","Result":{"step":1},"Next":"Nap"},
  "Nap":{"Type":"Wait","Seconds":3,"Next":"After"},
  "After":{"Type":"Pass","Parameters":{"entered.$":"$$.State.EnteredTime","step":2},"OutputPath":"$.step","End":true}}})";

int64_t WaitMillis(const Finished& f) {
  int entered = Find(f.events, "WaitStateEntered"), exited = Find(f.events, "WaitStateExited");
  EXPECT_GE(entered, 0);
  EXPECT_GT(exited, entered);
  if (entered < 0 || exited < 0) return -1;
  return Millis(f.events[exited]) - Millis(f.events[entered]);
}

TEST_F(StatesDurable, WaitKilledMidwayEndsThreeSecondsAfterItWasEnteredNotAfterTheResume) {
  std::string ref = Home("ref", kWait), crash = Home("crash", kWait);
  Background reference = Spawn(ref, {"states", "start", "--state-machine", "sm", "--name", "e", "--wait-time-scale", "1"});
  Background runner = Spawn(crash, {"states", "start", "--state-machine", "sm", "--name", "e", "--wait-time-scale", "1"});
  ASSERT_TRUE(WaitForHistory(crash, "e", [](const auto& t) { return Count(t, "WaitStateEntered") == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  Kill(runner);
  // Down for a while: a Wait that restarted on resume would end ≥ 3.7 s after its entry.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Resume(crash, {});
  ASSERT_EQ(Reap(reference), 0);

  Finished r = Outcome(ref, "e"), c = Outcome(crash, "e");
  ExpectSameAsReference(c, r);
  EXPECT_EQ(c.output, "2");
  // The wait ends at entry + 3 s in virtual time, whoever ran it (the exact test is below;
  // this one checks that a resume does not restart the wait).
  EXPECT_GE(WaitMillis(r), 3000);
  EXPECT_LT(WaitMillis(r), 3200);
  EXPECT_GE(WaitMillis(c), 3000);
  EXPECT_LT(WaitMillis(c), 3200);
}

// WaitStateExited is exactly entered + Seconds (regression: it used to be stamped with the
// clock after waking up, late by the scheduler's latency).
TEST_F(StatesDurable, WaitStateExitedIsExactlyEnteredPlusSeconds) {
  std::string crash = Home("crash", kWait);
  for (int round = 0; round < 8; ++round) {
    std::string name = "e" + std::to_string(round);
    Background runner = Spawn(crash, {"states", "start", "--state-machine", "sm", "--name", name,
                                      "--wait-time-scale", "0.3"});
    ASSERT_TRUE(WaitForHistory(crash, name, [](const auto& t) { return Count(t, "WaitStateEntered") == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Kill(runner);
    Resume(crash, {}, "0.3");
    EXPECT_EQ(WaitMillis(Outcome(crash, name)), 3000) << "round " << round;
  }
}

// --- A Map over 8 items, MaxConcurrency 2 ---------------------------------------------

constexpr const char* kMap = R"j({"StartAt":"Fan","States":{
  "Fan":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
         "ItemSelector":{"item.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index"},
         "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Work","States":{
           "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:item","End":true}}},
         "Next":"Count"},
  "Count":{"Type":"Pass","Parameters":{"results.$":"$","n.$":"States.ArrayLength($)"},"End":true}}})j";

TEST_F(StatesDurable, MapKilledMidwayRunsEveryIterationOnceExceptTheOnesInFlight) {
  std::string input = Write("in.json", R"({"items":["a","b","c","d","e","f","g","h"]})");
  std::string ref = Home("ref", kMap), crash = Home("crash", kMap);
  auto ref_fn = Function(ref, "item", "--sleep 0.2");
  auto crash_fn = Function(crash, "item", "--sleep 0.2");
  Background reference = Spawn(ref, StartArgs(input, ref_fn));
  Background runner = Spawn(crash, StartArgs(input, crash_fn));
  const std::string log = Log(crash, "item");
  // The items whose function started but had not finished when a runner was killed: they
  // run again after the resume (up to two at a time, the Map's MaxConcurrency).
  auto in_flight = [&] {
    std::map<std::string, std::string> item_of_pid;  // running invocations by pid
    std::istringstream lines(ReadFile(log));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string word, pid;
      fields >> word >> pid;
      if (word == "start") {
        auto payload = sluice::common::ParseJson(line.substr(line.find(' ', 6) + 1), "log line");
        if (payload.ok()) item_of_pid[pid] = std::string(payload->at("item").as_string());
      } else if (word == "end") {
        item_of_pid.erase(pid);
      }
    }
    std::multiset<std::string> items;
    for (const auto& [pid, item] : item_of_pid) items.insert(item);
    return items;
  };
  std::multiset<std::string> rerun;
  // Kill while the first items run, then the resumer midway through the rest.
  ASSERT_TRUE(WaitUntil([&] { return Invocations(log) >= 3 && Running(log); }, 15));
  Kill(runner);
  for (const std::string& item : in_flight()) rerun.insert(item);
  Background resumer = Spawn(crash, Concat({{"states", "resume"}, crash_fn}));
  ASSERT_TRUE(WaitUntil([&] { return Invocations(log) >= 7 && Running(log); }, 15));
  Kill(resumer);
  for (const std::string& item : in_flight()) rerun.insert(item);
  Resume(crash, crash_fn);
  ASSERT_EQ(Reap(reference), 0);
  ASSERT_TRUE(WaitUntil([&] { return AllLogsQuiet(); }, 10));
  ASSERT_FALSE(rerun.empty());

  Finished r = Outcome(ref, "e"), c = Outcome(crash, "e");
  // Iterations run two at a time, so events of different iterations interleave differently
  // from run to run: compare the multiset of event types, and everything else exactly.
  EXPECT_EQ(c.status, r.status);
  EXPECT_EQ(c.output, r.output);
  std::vector<std::string> crashed_types = WithoutRestarts(c.types), reference_types = r.types;
  std::sort(crashed_types.begin(), crashed_types.end());
  std::sort(reference_types.begin(), reference_types.end());
  EXPECT_EQ(crashed_types, reference_types);
  ExpectWellFormed(c.events);
  auto out = sluice::common::ParseJson(c.output, "output");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->at("n").to_number<int64_t>(), 8);
  EXPECT_EQ(out->at("results").as_array()[2], *sluice::common::ParseJson(R"({"input":{"item":"c","index":2}})", "expected"));
  EXPECT_EQ(Count(r.types, "MapIterationSucceeded"), 8);
  EXPECT_EQ(Invocations(Log(ref, "item")), 8);
  // Every invocation is one recorded TaskStarted. An item ran again only if a kill caught
  // its attempt before the outcome was recorded: its function was running (seen in the log
  // at the kill) or had just finished — so at most MaxConcurrency (2) items per kill.
  EXPECT_EQ(Count(c.types, "TaskStarted"), Invocations(log));
  std::map<std::string, int> runs;
  std::istringstream lines(ReadFile(log));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("start ", 0) != 0) continue;
    auto payload = sluice::common::ParseJson(line.substr(line.find(' ', 6) + 1), "log line");
    ASSERT_TRUE(payload.ok()) << line;
    ++runs[std::string(payload->at("item").as_string())];
  }
  int extra = 0;
  for (const char* item : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    EXPECT_GE(runs[item], 1) << item;
    EXPECT_LE(runs[item], 3) << item;
    extra += runs[item] - 1;
  }
  EXPECT_LE(extra, 2 * 2) << "at most two attempts cut short per kill";
  for (const std::string& item : rerun) EXPECT_GE(runs[item], 2) << item << " was running at a kill";
}

// --- Retry back-off -----------------------------------------------------------------------

constexpr const char* kRetry = R"({"StartAt":"Flaky","States":{
  "Flaky":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:flaky",
           "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":2,"BackoffRate":2,"MaxAttempts":3}],"End":true}}})";

TEST_F(StatesDurable, RetryBackOffKilledTwiceStillMakesExactlyThreeAttemptsTimedFromTheFailures) {
  std::string ref = Home("ref", kRetry), crash = Home("crash", kRetry);
  auto ref_fn = Function(ref, "flaky", "--fail-first 2");
  auto crash_fn = Function(crash, "flaky", "--fail-first 2");
  Background reference = Spawn(ref, Concat({{"states", "start", "--state-machine", "sm", "--name", "e",
                                             "--wait-time-scale", "1"}, ref_fn}));
  Background runner = Spawn(crash, Concat({{"states", "start", "--state-machine", "sm", "--name", "e",
                                            "--wait-time-scale", "1"}, crash_fn}));
  // In each back-off: the failure is in the history, the next attempt is not scheduled yet.
  for (int failures = 1; failures <= 2; ++failures) {
    ASSERT_TRUE(WaitForHistory(crash, "e", [&](const auto& t) { return Count(t, "TaskFailed") == failures; }));
    std::vector<std::string> now = Types(History(crash, "e"));
    ASSERT_EQ(now.back(), "TaskFailed") << "killed inside the back-off";
    Kill(runner);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // down time a restarted back-off would add
    if (failures == 1) runner = Spawn(crash, Concat({{"states", "resume", "--wait-time-scale", "1"}, crash_fn}));
  }
  Resume(crash, crash_fn);
  ASSERT_EQ(Reap(reference), 0);

  Finished r = Outcome(ref, "e"), c = Outcome(crash, "e");
  ExpectSameAsReference(c, r);
  EXPECT_EQ(c.types, (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                               "TaskFailed", "TaskScheduled", "TaskStarted", "TaskFailed",
                                               "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
                                               "ExecutionSucceeded"}));
  EXPECT_EQ(Invocations(Log(ref, "flaky")), 3);
  EXPECT_EQ(Invocations(Log(crash, "flaky")), 3);
  EXPECT_EQ(Count(c.types, "TaskStarted"), 3);
  // The back-offs (2 s, then 4 s) run from each failure, not from the resume.
  for (const Finished* f : {&r, &c}) {
    int fail1 = Find(f->events, "TaskFailed"), fail2 = Find(f->events, "TaskFailed", fail1 + 1);
    int sched2 = Find(f->events, "TaskScheduled", fail1), sched3 = Find(f->events, "TaskScheduled", fail2);
    int64_t first = Millis(f->events[sched2]) - Millis(f->events[fail1]);
    int64_t second = Millis(f->events[sched3]) - Millis(f->events[fail2]);
    EXPECT_GE(first, 2000);
    EXPECT_LT(first, 2200);
    EXPECT_GE(second, 4000);
    EXPECT_LT(second, 4200);
  }
}

// --- Random kill times over a workflow with every kind of step --------------------------

constexpr const char* kMixed = R"({"StartAt":"Slow","States":{
  "Slow":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","ResultPath":"$.slow","Next":"Nap"},
  "Nap":{"Type":"Wait","Seconds":1,"Next":"Fan"},
  "Fan":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ResultPath":"$.fan",
         "ItemProcessor":{"StartAt":"Work","States":{
           "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:item","End":true}}},
         "Next":"Flaky"},
  "Flaky":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:flaky",
           "Parameters":{"retry.$":"$$.State.RetryCount"},
           "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"BackoffRate":1,"MaxAttempts":2}],
           "ResultPath":"$.flaky","End":true}}})";

TEST_F(StatesDurable, RandomKillTimesAlwaysEndAsTheUninterruptedRun) {
  std::string input = Write("in.json", R"({"items":[1,2,3,4]})");
  std::string ref = Home("ref", kMixed);
  auto ref_fn = MixedFunctions(ref);
  // Virtual time runs 1/0.3 times faster than real time here: the waits' lengths do not matter.
  RunResult reference = Sluice(ref, Concat({{"states", "start", "--state-machine", "sm", "--name", "e", "--input", input,
                                             "--wait-time-scale", "0.3"}, ref_fn}));
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  Finished r = Outcome(ref, "e");
  ASSERT_EQ(r.status, "SUCCEEDED");
  int ref_started = Count(r.types, "TaskStarted");
  EXPECT_EQ(ref_started, 1 + 4 + 2);

  std::mt19937 rng(20240611);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::string home = Home("crash" + std::to_string(round), kMixed);
    auto fns = MixedFunctions(home);
    // Record the execution here, then run it in processes killed at random moments.
    RunResult started = Sluice(home, {"states", "start", "--state-machine", "sm", "--name", "e", "--input", input,
                                      "--no-run"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    const int kills = 2;
    for (int k = 0; k < kills; ++k) {
      Background runner = Spawn(home, Concat({{"states", "resume", "--wait-time-scale", "0.3"}, fns}));
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 600));
      Kill(runner);
    }
    Resume(home, fns, "0.3");
    ASSERT_TRUE(WaitUntil([&] { return AllLogsQuiet(); }, 10));
    Finished c = Outcome(home, "e");
    ExpectSameAsReference(c, r);
    int invocations = Invocations(Log(home, "slow")) + Invocations(Log(home, "item")) + Invocations(Log(home, "flaky"));
    int started_events = Count(c.types, "TaskStarted");
    EXPECT_GE(started_events, ref_started);
    EXPECT_LE(started_events, ref_started + kills) << "at most one restarted attempt per kill";
    // Every start is recorded before the function runs: a kill between the two leaves a
    // start without an invocation, never an invocation without its start.
    EXPECT_LE(invocations, started_events);
    EXPECT_GE(invocations + kills, started_events);
  }
}

// --- StopExecution and task tokens ----------------------------------------------------------

constexpr const char* kLongWait = R"({"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":60,"End":true}}})";

TEST_F(StatesDurable, StopFromAnotherProcessAbortsARunningExecution) {
  std::string home = Home("home", kLongWait);
  Background runner = Spawn(home, {"states", "start", "--state-machine", "sm", "--name", "e"});
  ASSERT_TRUE(WaitForHistory(home, "e", [](const auto& t) { return Count(t, "WaitStateEntered") == 1; }));
  RunResult stop = Sluice(home, {"states", "stop", ExecutionArn("e"), "--error", "Operator", "--cause", "maintenance"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out.rfind("{\"stopDate\":\"", 0), 0u) << stop.out;
  EXPECT_EQ(Reap(runner, 10), 1) << "the runner ends, reporting an execution that did not succeed";
  json::object d = Describe(home, "e");
  EXPECT_EQ(d.at("status"), "ABORTED");
  EXPECT_EQ(d.at("error"), "Operator");
  EXPECT_EQ(d.at("cause"), "maintenance");
  Finished f = Outcome(home, "e");
  ExpectWellFormed(f.events);
  EXPECT_EQ(f.types, (std::vector<std::string>{"ExecutionStarted", "WaitStateEntered", "ExecutionAborted"}));
  // Nothing is left to resume.
  RunResult resume = Sluice(home, {"states", "resume"});
  EXPECT_EQ(resume.out, "{\"executionsRun\":0}\n");
}

TEST_F(StatesDurable, StopAbortsAnExecutionWhoseRunnerWasKilled) {
  std::string home = Home("home", kLongWait);
  Background runner = Spawn(home, {"states", "start", "--state-machine", "sm", "--name", "e"});
  ASSERT_TRUE(WaitForHistory(home, "e", [](const auto& t) { return Count(t, "WaitStateEntered") == 1; }));
  Kill(runner);
  RunResult stop = Sluice(home, {"states", "stop", ExecutionArn("e")});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(Describe(home, "e").at("status"), "ABORTED");
  Finished f = Outcome(home, "e");
  ExpectWellFormed(f.events);
  EXPECT_EQ(f.types, (std::vector<std::string>{"ExecutionStarted", "WaitStateEntered", "ExecutionAborted"}));
  EXPECT_EQ(Sluice(home, {"states", "resume"}).out, "{\"executionsRun\":0}\n");
}

constexpr const char* kApproval = R"({"StartAt":"Ask","States":{
  "Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
         "Parameters":{"FunctionName":"ask","Payload":{"token.$":"$$.Task.Token","order.$":"$.order"}},
         "ResultPath":"$.approval","Next":"Done"},
  "Done":{"Type":"Pass","End":true}}})";

TEST_F(StatesDurable, SendTaskSuccessCompletesAWaitForTaskTokenExecution) {
  std::string home = Home("home", kApproval);
  std::string input = Write("in.json", R"({"order":7})");
  std::string token_file = dir_ + "/token";
  auto fn = Function(home, "ask", "--token-file " + token_file);
  Background runner = Spawn(home, StartArgs(input, fn));
  ASSERT_TRUE(WaitUntil([&] { return fs::exists(token_file); }, 10));
  ASSERT_TRUE(WaitForHistory(home, "e", [](const auto& t) { return Count(t, "TaskSubmitted") == 1; }));
  std::string token = ReadFile(token_file);
  RunResult bad = Sluice(home, {"states", "send-task-success", "--task-token", "nope", "--task-output", "{}"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("InvalidToken"), std::string::npos) << bad.err;
  RunResult ok = Sluice(home, {"states", "send-task-success", "--task-token", token, "--task-output",
                               R"({"approved":true})"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Reap(runner, 10), 0) << ReadFile(runner.err_path);
  json::object d = Describe(home, "e");
  EXPECT_EQ(d.at("status"), "SUCCEEDED");
  EXPECT_EQ(d.at("output"), R"({"order":7,"approval":{"approved":true}})");
  Finished f = Outcome(home, "e");
  ExpectWellFormed(f.events);
  EXPECT_EQ(f.types, (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                               "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "PassStateEntered",
                                               "PassStateExited", "ExecutionSucceeded"}));
  EXPECT_EQ(Invocations(Log(home, "ask")), 1);
  // The token is used up.
  RunResult again = Sluice(home, {"states", "send-task-success", "--task-token", token, "--task-output", "{}"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("TaskTimedOut"), std::string::npos) << again.err;
}

TEST_F(StatesDurable, SendTaskSuccessAfterTheRunnerWasKilledFinishesTheExecutionWithoutReinvoking) {
  std::string home = Home("home", kApproval);
  std::string input = Write("in.json", R"({"order":7})");
  std::string token_file = dir_ + "/token";
  auto fn = Function(home, "ask", "--token-file " + token_file);
  Background runner = Spawn(home, StartArgs(input, fn));
  ASSERT_TRUE(WaitForHistory(home, "e", [](const auto& t) { return Count(t, "TaskSubmitted") == 1; }));
  Kill(runner);
  // send-task-success runs executions nobody runs: this one, replaying the submission.
  RunResult ok = Sluice(home, Concat({{"states", "send-task-success", "--task-token", ReadFile(token_file),
                                       "--task-output", R"({"approved":false})"}, fn}));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  json::object d = Describe(home, "e");
  EXPECT_EQ(d.at("status"), "SUCCEEDED");
  EXPECT_EQ(d.at("output"), R"({"order":7,"approval":{"approved":false}})");
  Finished f = Outcome(home, "e");
  ExpectWellFormed(f.events);
  EXPECT_EQ(Count(f.types, "TaskSubmitted"), 1);
  EXPECT_EQ(Invocations(Log(home, "ask")), 1) << "the submission is in the history: not invoked again";
}

}  // namespace
