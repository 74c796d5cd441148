#include "sluice/ops/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace sluice::ops {
namespace {

using common::ManualClock;
using common::Timestamp;

constexpr int64_t kT0 = 1795780800;  // 2026-11-27T12:00:00Z

TEST(MetricsRegistry, RendersCountersGaugesAndHistogramsInPrometheusText) {
  ManualClock clock(Timestamp::FromSeconds(kT0));
  MetricsRegistry r(&clock);
  MetricFamily* executions = *r.Counter("sluice_executions_total", "Executions finished.", {"status"});
  MetricFamily* depth = *r.Gauge("sluice_queue_depth", "Queued work.", {"queue"});
  MetricFamily* lag = *r.Histogram("sluice_lag_seconds", "Lag.\nSecond line \\ ok", {}, {0.1, 1});
  executions->WithLabels({"SUCCEEDED"})->Increment();
  executions->WithLabels({"SUCCEEDED"})->Increment(2);
  executions->WithLabels({"FAILED"})->Increment();
  depth->WithLabels({"etl \"main\"\n"})->Set(2.5);
  lag->Get()->Observe(0.05);
  lag->Get()->Observe(0.1);  // le is inclusive
  lag->Get()->Observe(7);
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP sluice_executions_total Executions finished.\n"
            "# TYPE sluice_executions_total counter\n"
            "sluice_executions_total{status=\"FAILED\"} 1\n"
            "sluice_executions_total{status=\"SUCCEEDED\"} 3\n"
            "# HELP sluice_lag_seconds Lag.\\nSecond line \\\\ ok\n"
            "# TYPE sluice_lag_seconds histogram\n"
            "sluice_lag_seconds_bucket{le=\"0.1\"} 2\n"
            "sluice_lag_seconds_bucket{le=\"1\"} 2\n"
            "sluice_lag_seconds_bucket{le=\"+Inf\"} 3\n"
            "sluice_lag_seconds_sum 7.15\n"
            "sluice_lag_seconds_count 3\n"
            "# HELP sluice_queue_depth Queued work.\n"
            "# TYPE sluice_queue_depth gauge\n"
            "sluice_queue_depth{queue=\"etl \\\"main\\\"\\n\"} 2.5\n");
}

TEST(MetricsRegistry, UnlabelledMetricsRenderAtZeroFromDeclaration) {
  ManualClock clock(Timestamp::FromSeconds(kT0));
  MetricsRegistry r(&clock);
  ASSERT_TRUE(r.Counter("a_total", "A.").ok());
  ASSERT_TRUE(r.Histogram("b_seconds", "B.", {"job"}, {1}).ok());
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_seconds B.\n# TYPE b_seconds histogram\n");
}

TEST(MetricsRegistry, LabelledHistogramPutsLeAfterItsLabels) {
  ManualClock clock(Timestamp::FromSeconds(kT0));
  MetricsRegistry r(&clock);
  MetricFamily* h = *r.Histogram("job_seconds", "Jobs.", {"job"}, {1});
  h->WithLabels({"orders"})->Observe(2);
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP job_seconds Jobs.\n# TYPE job_seconds histogram\n"
            "job_seconds_bucket{job=\"orders\",le=\"1\"} 0\n"
            "job_seconds_bucket{job=\"orders\",le=\"+Inf\"} 1\n"
            "job_seconds_sum{job=\"orders\"} 2\n"
            "job_seconds_count{job=\"orders\"} 1\n");
}

TEST(MetricsRegistry, RedeclaringReturnsTheSameFamilyAndAnotherShapeIsRejected) {
  MetricsRegistry r;
  MetricFamily* a = *r.Counter("x_total", "X.", {"k"});
  EXPECT_EQ(*r.Counter("x_total", "X.", {"k"}), a);
  EXPECT_FALSE(r.Gauge("x_total", "X.", {"k"}).ok());
  EXPECT_FALSE(r.Counter("x_total", "X.", {"other"}).ok());
  EXPECT_FALSE(r.Counter("1bad", "bad").ok());
  EXPECT_FALSE(r.Histogram("h", "h", {"le"}).ok());
  EXPECT_FALSE(r.Histogram("h", "h", {}, {1, 1}).ok());
}

TEST(MetricsRegistry, StandardMetricsAreDeclared) {
  MetricsRegistry r;
  auto m = RegisterStandardMetrics(r);
  ASSERT_TRUE(m.ok()) << m.status();
  m->rows_total->WithLabels({"quarantined"})->Increment(4);
  EXPECT_NE(r.RenderPrometheus().find("sluice_rows_total{kind=\"quarantined\"} 4\n"), std::string::npos);
  EXPECT_NE(r.Find("sluice_event_to_start_seconds"), nullptr);
}

TEST(SeriesStatistics, AggregatesSamplesPerPeriod) {
  ManualClock clock(Timestamp::FromSeconds(kT0));
  MetricsRegistry r(&clock);
  Series* g = (*r.Gauge("g", "G."))->Get();
  g->Set(4);
  clock.Set(Timestamp::FromSeconds(kT0 + 15));
  g->Set(2);
  clock.Set(Timestamp::FromSeconds(kT0 + 59));
  g->Set(9);
  clock.Set(Timestamp::FromSeconds(kT0 + 60));
  g->Set(100);  // next minute
  auto st = g->Statistics(Timestamp::FromSeconds(kT0), 60);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->sample_count, 3);
  EXPECT_DOUBLE_EQ(st->sum, 15);
  EXPECT_DOUBLE_EQ(st->average(), 5);
  EXPECT_DOUBLE_EQ(st->minimum, 2);
  EXPECT_DOUBLE_EQ(st->maximum, 9);
  EXPECT_FALSE(g->Statistics(Timestamp::FromSeconds(kT0 - 60), 60).has_value());
  auto next = g->Statistics(Timestamp::FromSeconds(kT0 + 60), 60);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->sample_count, 1);
}

TEST(SeriesStatistics, ForgetsPeriodsOlderThanTheHistory) {
  ManualClock clock(Timestamp::FromSeconds(kT0));
  MetricsRegistry r(&clock, {.resolution_seconds = 10, .history_slots = 6});
  Series* c = (*r.Counter("c_total", "C."))->Get();
  c->Increment(5);
  EXPECT_TRUE(c->Statistics(Timestamp::FromSeconds(kT0), 10).has_value());
  clock.Set(Timestamp::FromSeconds(kT0 + 60));  // the slot is now out of the 60 s history
  EXPECT_FALSE(c->Statistics(Timestamp::FromSeconds(kT0), 10).has_value());
  c->Increment(1);  // reuses the ring slot of kT0
  auto st = c->Statistics(Timestamp::FromSeconds(kT0 + 60), 10);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->sample_count, 1);
  EXPECT_DOUBLE_EQ(st->sum, 1);
}

TEST(SeriesStatistics, ConcurrentIncrementsAreAllCounted) {
  ManualClock clock(Timestamp::FromSeconds(kT0));
  MetricsRegistry r(&clock);
  Series* c = (*r.Counter("c_total", "C."))->Get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c->Increment();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(c->value(), 40000);
  auto st = c->Statistics(Timestamp::FromSeconds(kT0), 60);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->sample_count, 40000);
}

TEST(FormatPrometheusValue, UsesShortestDecimalsAndInfinities) {
  EXPECT_EQ(FormatPrometheusValue(3), "3");
  EXPECT_EQ(FormatPrometheusValue(0.005), "0.005");
  EXPECT_EQ(FormatPrometheusValue(1e21), "1e+21");
  EXPECT_EQ(FormatPrometheusValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatPrometheusValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatPrometheusValue(std::nan("")), "NaN");
}

}  // namespace
}  // namespace sluice::ops
