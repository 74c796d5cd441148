// sluice_asl_bench DEFINITIONS_DIR [options]: the sluice side of the ASL benchmark. Runs the
// workloads written by bench/asl/make_definitions.py in process through
// asl::ParseDefinition + asl::RunExecution and prints one JSON line per workload and engine,
// in the shape bench/asl/peer.mjs prints for aws-local-stepfunctions:
//
//   {"workload","engine","runs","seconds","transitions","transitions_per_s"[,"p50_us","p99_us"]}
//
// Engines:
//   sluice-express          RunExecution, express semantics, no history.
//   sluice-durable          ExecutionService over a SQLite catalog: StartExecution + Run, the
//                           history persisted (batched, synced before tasks and waits).
//   sluice-express+history  the same with record_history = true: every history event built
//                           in memory (a proxy for the cost of recording history; nothing is
//                           persisted — the durable engine's number comes from its own run).
//
// Timing: each definition is parsed once (not timed), run once to warm up, then run back to
// back until --min-seconds of wall time have passed. one_state runs --executions (10,000)
// executions after 1,000 warm-up executions and reports the latency of each RunExecution
// call (start -> SUCCEEDED) as p50/p99. Transitions are ExecutionResult::state_transitions:
// states entered, Map iterations' states included. wait_time_scale is 0.
//
// Options:
//   --min-seconds S       time budget per throughput workload (default 1)
//   --executions N        one_state executions (default 10000)
//   --output-dir DIR      write each workload's final output (DIR/<workload>.<engine>.json)
//   --only WORKLOAD       run one workload (pass_chain_1000 | inline_map_10000 | one_state)
//   --engine NAME         run one engine (sluice-express | sluice-express+history)
//   --runs N              run throughput workloads exactly N times (profiling: fixed work)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sluice/asl/definition.h"
#include "sluice/asl/execution_service.h"
#include "sluice/asl/interpreter.h"
#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/json.h"

namespace {

namespace asl = sluice::asl;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string dir;
  double min_seconds = 1.0;
  int executions = 10000;
  std::string output_dir;
  std::string only;
  std::string engine;
  int runs = 0;  // 0: time-based
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "sluice_asl_bench: %s\n", message.c_str());
  std::exit(1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) Fail("cannot write " + path);
  out << text;
}

struct Workload {
  std::string name;
  std::shared_ptr<const asl::StateMachine> machine;
  json::value input;
};

Workload Load(const Args& args, const std::string& name) {
  std::string base = args.dir + "/" + name;
  auto machine = asl::ParseDefinition(ReadFile(base + ".asl.json"));
  if (!machine.ok()) Fail(base + ".asl.json: " + machine.status().ToString());
  auto input = sluice::common::ParseJson(ReadFile(base + ".input.json"), base + ".input.json");
  if (!input.ok()) Fail(input.status().ToString());
  return Workload{name, *machine, std::move(*input)};
}

asl::ExecutionOptions Options(const std::string& engine) {
  asl::ExecutionOptions o;
  o.state_machine_name = "bench";
  o.wait_time_scale = 0;
  o.record_history = engine == "sluice-express+history";
  return o;
}

asl::ExecutionResult RunChecked(const Workload& w, const asl::ExecutionOptions& options) {
  asl::ExecutionResult r = asl::RunExecution(*w.machine, w.input, options);
  if (r.status != asl::ExecutionStatus::kSucceeded) {
    Fail(w.name + ": execution " + std::string(asl::ExecutionStatusName(r.status)) + ": " +
         r.error + ": " + r.cause);
  }
  return r;
}

void PrintLine(const std::string& workload, const std::string& engine, int64_t runs,
               double seconds, int64_t transitions, double p50_us = -1, double p99_us = -1) {
  json::object o;
  o["workload"] = workload;
  o["engine"] = engine;
  o["runs"] = runs;
  o["seconds"] = std::round(seconds * 1e6) / 1e6;
  o["transitions"] = transitions;
  o["transitions_per_s"] = static_cast<int64_t>(std::llround(static_cast<double>(transitions) / seconds));
  if (p50_us >= 0) {
    o["p50_us"] = std::round(p50_us * 100) / 100;
    o["p99_us"] = std::round(p99_us * 100) / 100;
  }
  std::printf("%s\n", sluice::common::SerializeJson(o).c_str());
  std::fflush(stdout);
}

void MaybeWriteOutput(const Args& args, const Workload& w, const std::string& engine,
                      const asl::ExecutionResult& r) {
  if (args.output_dir.empty()) return;
  WriteFile(args.output_dir + "/" + w.name + "." + engine + ".json",
            sluice::common::SerializeJson(r.output));
}

void Throughput(const Args& args, const Workload& w, const std::string& engine) {
  asl::ExecutionOptions options = Options(engine);
  MaybeWriteOutput(args, w, engine, RunChecked(w, options));  // warm-up
  int64_t runs = 0, transitions = 0;
  double seconds = 0;
  while (args.runs > 0 ? runs < args.runs : (runs == 0 || seconds < args.min_seconds)) {
    auto start = Clock::now();
    asl::ExecutionResult r = RunChecked(w, options);
    transitions += r.state_transitions;
    r = {};  // freeing the result is part of the execution's cost
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    ++runs;
  }
  PrintLine(w.name, engine, runs, seconds, transitions);
}

// Durable executions: the ExecutionService over a SQLite catalog (WAL, synchronous=FULL) in
// the output folder; each run is StartExecution + Run, the history persisted as it goes.
void Durable(const Args& args, const Workload& w) {
  std::string dir = (args.output_dir.empty() ? std::string("build/bench-asl") : args.output_dir) + "/durable-" + w.name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto catalog = sluice::catalog::OpenSqliteCatalog(dir + "/catalog.db");
  if (!catalog.ok()) Fail(catalog.status().ToString());
  asl::TaskRegistry registry;
  asl::ExecutionServiceOptions o;
  o.wait_time_scale = 0;
  asl::ExecutionService service(catalog->get(), &registry, o);
  std::string definition = ReadFile(args.dir + "/" + w.name + ".asl.json");
  if (auto sm = service.CreateStateMachine("bench", definition, "", false); !sm.ok()) Fail(sm.status().ToString());
  std::string input = sluice::common::SerializeJson(w.input);
  int64_t runs = 0;
  double seconds = 0;
  while (args.runs > 0 ? runs < args.runs : (runs == 0 || seconds < args.min_seconds)) {
    auto start = Clock::now();
    auto e = service.StartExecution("bench", "run-" + std::to_string(runs), input);
    if (!e.ok()) Fail(e.status().ToString());
    auto done = service.Run(e->arn);
    if (!done.ok() || done->status != "SUCCEEDED") Fail(w.name + ": durable execution did not succeed");
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    ++runs;
  }
  // Transitions per execution equal the express run's (same definition, same input).
  asl::ExecutionOptions options = Options("sluice-express");
  int64_t per_run = RunChecked(w, options).state_transitions;
  PrintLine(w.name, "sluice-durable", runs, seconds, per_run * runs);
  std::filesystem::remove_all(dir);
}

double Percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void Latency(const Args& args, const Workload& w, const std::string& engine) {
  asl::ExecutionOptions options = Options(engine);
  for (int i = 0; i < 1000; ++i) RunChecked(w, options);  // warm-up
  std::vector<double> micros(static_cast<size_t>(args.executions));
  int64_t transitions = 0;
  double total = 0;
  asl::ExecutionResult last;
  for (int i = 0; i < args.executions; ++i) {
    auto start = Clock::now();
    asl::ExecutionResult r = asl::RunExecution(*w.machine, w.input, options);
    double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (r.status != asl::ExecutionStatus::kSucceeded) Fail(w.name + ": execution failed");
    micros[static_cast<size_t>(i)] = us;
    total += us;
    transitions += r.state_transitions;
    last = std::move(r);
  }
  MaybeWriteOutput(args, w, engine, last);
  std::sort(micros.begin(), micros.end());
  PrintLine(w.name, engine, args.executions, total / 1e6, transitions, Percentile(micros, 50),
            Percentile(micros, 99));
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--min-seconds") a.min_seconds = std::atof(value().c_str());
    else if (arg == "--executions") a.executions = std::atoi(value().c_str());
    else if (arg == "--output-dir") a.output_dir = value();
    else if (arg == "--only") a.only = value();
    else if (arg == "--engine") a.engine = value();
    else if (arg == "--runs") a.runs = std::atoi(value().c_str());
    else if (a.dir.empty()) a.dir = arg;
    else Fail("unexpected argument '" + arg + "'");
  }
  if (a.dir.empty()) Fail("usage: sluice_asl_bench DEFINITIONS_DIR [options] (see the source)");
  if (a.executions <= 0) Fail("--executions must be positive");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  if (!args.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.output_dir, ec);
    if (ec) Fail("cannot create " + args.output_dir + ": " + ec.message());
  }
  const std::vector<std::string> engines = {"sluice-express", "sluice-express+history", "sluice-durable"};
  for (const std::string name : {"pass_chain_1000", "inline_map_10000", "one_state"}) {
    if (!args.only.empty() && args.only != name) continue;
    Workload w = Load(args, name);
    for (const std::string& engine : engines) {
      if (!args.engine.empty() && args.engine != engine) continue;
      if (engine == "sluice-durable") {
        if (name != "one_state") Durable(args, w);
      } else if (name == "one_state") {
        Latency(args, w, engine);
      } else {
        Throughput(args, w, engine);
      }
    }
  }
  return 0;
}
