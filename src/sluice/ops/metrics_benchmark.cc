// The hot path of the metrics registry: one recording on a series looked up beforehand,
// single-threaded and contended. Run: build/release/src/sluice/ops/sluice_ops_benchmark.

#include <benchmark/benchmark.h>

#include "sluice/ops/metrics.h"

namespace sluice::ops {
namespace {

MetricsRegistry& Registry() {
  static MetricsRegistry r;
  return r;
}

void BM_CounterIncrement(benchmark::State& state) {
  static Series* s = (*Registry().Counter("bench_total", "B.", {"status"}))->WithLabels({"ok"});
  for (auto _ : state) s->Increment();
}
BENCHMARK(BM_CounterIncrement)->Threads(1)->Threads(2)->Threads(4);

void BM_HistogramObserve(benchmark::State& state) {
  static Series* s = (*Registry().Histogram("bench_seconds", "B."))->Get();
  double v = 0;
  for (auto _ : state) {
    s->Observe(v);
    v = v > 10 ? 0 : v + 0.01;
  }
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(4);

void BM_WithLabelsLookup(benchmark::State& state) {
  static MetricFamily* f = *Registry().Counter("bench_lookup_total", "B.", {"status"});
  for (auto _ : state) benchmark::DoNotOptimize(f->WithLabels({"SUCCEEDED"}));
}
BENCHMARK(BM_WithLabelsLookup);

}  // namespace
}  // namespace sluice::ops

BENCHMARK_MAIN();
