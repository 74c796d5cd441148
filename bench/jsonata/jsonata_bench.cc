// The sluice side of the JSONata benchmark (bench/jsonata; run by scripts/bench): evaluates
// the expressions of workloads.json over the same data as the npm jsonata package
// (peer.mjs) and prints one JSON line per workload:
//
//   {"workload","engine":"sluice","evals","seconds","cpu_seconds","evals_per_s","evals_per_cpu_s"}
//
//   sluice_jsonata_bench WORKLOADS.json DATA.json [--min-seconds S] [--output-dir DIR]
//
// As for the peer: the data is parsed once (into jsonata::Value, as the peer's JSON.parse
// makes JavaScript objects), each expression is compiled once, evaluated once to warm up,
// then back to back until --min-seconds of wall time have passed, on one thread.

#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "sluice/jsonata/jsonata.h"
#include "sluice/jsonata/step_functions.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// CPU time of this thread: what the evaluations cost when other work shares the machine.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  using sluice::jsonata::Expression;
  using sluice::jsonata::Value;
  if (argc < 3) {
    std::cerr << "usage: sluice_jsonata_bench WORKLOADS.json DATA.json [--min-seconds S] "
                 "[--output-dir DIR]\n";
    return 2;
  }
  double min_seconds = 1;
  std::string output_dir;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--min-seconds" && i + 1 < argc) min_seconds = std::atof(argv[++i]);
    if (a == "--output-dir" && i + 1 < argc) output_dir = argv[++i];
  }
  auto workloads = sluice::jsonata::ParseJsonText(ReadFile(argv[1]));
  auto data = sluice::jsonata::ParseJsonText(ReadFile(argv[2]));
  if (!workloads.ok() || !data.ok()) {
    std::cerr << "sluice_jsonata_bench: " << (workloads.ok() ? data.status() : workloads.status())
              << "\n";
    return 1;
  }
  for (const Value& w : workloads->array().items) {
    std::string name = w.object().Find("name")->str();
    auto expr = Expression::Compile(w.object().Find("expr")->str(),
                                    sluice::jsonata::StepFunctionsRegistry());
    if (!expr.ok()) {
      std::cerr << name << ": " << expr.status() << "\n";
      return 1;
    }
    auto first = expr->Evaluate(*data);
    if (!first.ok()) {
      std::cerr << name << ": " << first.status() << "\n";
      return 1;
    }
    if (!output_dir.empty()) {
      std::filesystem::create_directories(output_dir);
      std::ofstream(output_dir + "/" + name + ".sluice.json")
          << sluice::jsonata::ToJsonText(*first);
    }
    int64_t evals = 0;
    auto start = std::chrono::steady_clock::now();
    double cpu_start = ThreadCpuSeconds();
    double elapsed = 0;
    while (elapsed < min_seconds) {
      for (int k = 0; k < 10; ++k) {
        auto r = expr->Evaluate(*data);
        if (!r.ok()) return 1;
      }
      evals += 10;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    double cpu = ThreadCpuSeconds() - cpu_start;
    std::printf(
        "{\"workload\":\"%s\",\"engine\":\"sluice\",\"evals\":%lld,\"seconds\":%.3f,"
        "\"cpu_seconds\":%.3f,\"evals_per_s\":%.1f,\"evals_per_cpu_s\":%.1f}\n",
        name.c_str(), static_cast<long long>(evals), elapsed, cpu, evals / elapsed, evals / cpu);
    std::fflush(stdout);
  }
  return 0;
}
