#pragma once

// Metrics: counters, gauges and histograms with labels (Prometheus's data model), rendered
// in the Prometheus text exposition format (version 0.0.4), and per-period statistics over
// each series' recent samples (CloudWatch's SampleCount, Sum, Average, Minimum, Maximum)
// for alarms (alarms.h).
//
// A MetricsRegistry owns metric families (one name, help text, type and label names); a
// family owns its series, one per combination of label values. Callers look a series up
// once (WithLabels takes the family's lock and may allocate on first use) and keep the
// pointer: the registry never frees a series before it is destroyed, so the pointers stay
// valid for the registry's lifetime. Recording on a series (Increment, Set, Observe) is
// lock-free: relaxed atomics, no allocation.
//
// Every recording is also a sample for alarms: Increment(n) samples n, Set(v) samples v,
// Observe(v) samples v. Samples are aggregated into a bounded ring of fixed-width slots
// (Options::resolution_seconds wide, Options::history_slots of them) stamped by the
// registry's Clock, so statistics are available for the last resolution × slots seconds.
//
// Thread-safety: everything is safe to call from any thread. The Clock must outlive the
// registry.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/common/time.h"

namespace sluice::ops {

enum class MetricType { kCounter, kGauge, kHistogram };

// The Content-Type of RenderPrometheus()'s text, for an HTTP /metrics endpoint.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// CloudWatch's statistics over the samples of one period.
struct PeriodStatistics {
  int64_t sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
  double average() const { return sample_count == 0 ? 0 : sum / static_cast<double>(sample_count); }
};

// The ring of per-slot aggregates behind every series. Internal to the registry, exposed
// only through Series::Statistics.
class SampleHistory;

// One labelled time series. Increment is for counters, Set/Add for gauges, Observe for
// histograms; calling the wrong one is a programmer error (SLUICE_DCHECK).
class Series {
 public:
  Series(MetricType type, const std::vector<double>* bounds, std::vector<std::string> label_values,
         const common::Clock* clock, int64_t resolution_seconds, int history_slots);
  ~Series();
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  // Counter: adds `amount` (>= 0).
  void Increment(double amount = 1);
  // Gauge: sets / adds to the value.
  void Set(double value);
  void Add(double delta);
  // Histogram: records one observation.
  void Observe(double value);

  // The current value (counter, gauge) or the sum of observations (histogram).
  double value() const;
  // Histogram: number of observations; others: 0.
  uint64_t count() const;
  // Histogram: cumulative count of observations <= bounds[i] (the `le` buckets, +Inf last).
  std::vector<uint64_t> CumulativeBuckets() const;
  const std::vector<std::string>& label_values() const { return label_values_; }

  // Statistics of the samples recorded in [start, start + period_seconds), or nullopt when
  // there were none (a missing datapoint). `start` and `period_seconds` must be multiples of
  // the registry's resolution. Periods older than the history return nullopt.
  std::optional<PeriodStatistics> Statistics(common::Timestamp start, int64_t period_seconds) const;

 private:
  void Sample(double v);

  MetricType type_;
  const std::vector<double>* bounds_;  // histogram upper bounds without +Inf; owned by family
  std::vector<std::string> label_values_;
  const common::Clock* clock_;
  std::atomic<double> value_{0};
  std::atomic<uint64_t> count_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_->size() + 1 (the +Inf one)
  std::unique_ptr<SampleHistory> history_;
};

// A named metric and its series.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names, std::vector<double> bounds,
               const common::Clock* clock, int64_t resolution_seconds, int history_slots);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bounds() const { return bounds_; }

  // The series for these label values (one per label name, in order), created on first
  // use. The pointer is valid for the registry's lifetime. Passing the wrong number of
  // values is a programmer error.
  Series* WithLabels(const std::vector<std::string>& values);
  // The series of a family without labels.
  Series* Get() { return WithLabels({}); }
  // The series whose labels equal `labels` (name → value, every label name present), or
  // nullptr when it has not been created yet.
  Series* Find(const std::map<std::string, std::string>& labels) const;

  // Every series, ordered by label values.
  std::vector<const Series*> AllSeries() const;

 private:
  std::string name_, help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  const common::Clock* clock_;
  int64_t resolution_seconds_;
  int history_slots_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class MetricsRegistry {
 public:
  struct Options {
    // Width of one history slot; alarm periods must be multiples of it.
    int64_t resolution_seconds = 10;
    // Slots kept per series: 1080 × 10 s = 3 hours of statistics.
    int history_slots = 1080;
  };

  explicit MetricsRegistry(const common::Clock* clock = common::SystemClock::Default());
  MetricsRegistry(const common::Clock* clock, Options options);

  // Declares a family, or returns the existing one of that name when type, labels (and
  // buckets) agree. InvalidArgument for an invalid name or label name (Prometheus's
  // [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*, `le` reserved for histograms),
  // or when the name exists with another shape; histogram bounds must be strictly
  // increasing and finite.
  Result<MetricFamily*> Counter(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names = {});
  Result<MetricFamily*> Gauge(std::string_view name, std::string_view help,
                              std::vector<std::string> label_names = {});
  Result<MetricFamily*> Histogram(std::string_view name, std::string_view help,
                                  std::vector<std::string> label_names = {},
                                  std::vector<double> bounds = DefaultBuckets());

  // The family of that name, or nullptr.
  MetricFamily* Find(std::string_view name) const;

  // Every family in the Prometheus text format, families ordered by name and series by
  // label values: `# HELP`, `# TYPE`, then one line per sample (histograms: `_bucket{le=…}`
  // cumulative with `+Inf` last, `_sum`, `_count`).
  std::string RenderPrometheus() const;

  const common::Clock& clock() const { return *clock_; }
  const Options& options() const { return options_; }

  // Prometheus's default histogram buckets: .005 … 10 seconds.
  static std::vector<double> DefaultBuckets();

 private:
  Result<MetricFamily*> Declare(std::string_view name, std::string_view help, MetricType type,
                                std::vector<std::string> label_names, std::vector<double> bounds);

  const common::Clock* clock_;
  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_;
};

// A sample value as Prometheus prints it: shortest round-trip decimal, `+Inf`, `-Inf`,
// `NaN`.
std::string FormatPrometheusValue(double v);

// The metrics the runtime records (docs/ops.md lists them). RegisterStandardMetrics
// declares them all; the pointers are owned by the registry.
struct StandardMetrics {
  MetricFamily* events_total = nullptr;             // counter: S3 events appended
  MetricFamily* executions_total = nullptr;         // counter{status}: finished executions
  MetricFamily* state_transitions_total = nullptr;  // counter: states entered
  MetricFamily* task_duration_seconds = nullptr;    // histogram{resource}
  MetricFamily* job_duration_seconds = nullptr;     // histogram{job}
  MetricFamily* rows_total = nullptr;               // counter{kind=in|out|quarantined}
  MetricFamily* warehouse_loads_total = nullptr;    // counter{status}
  MetricFamily* queue_depth = nullptr;              // gauge{queue}
  MetricFamily* event_to_start_seconds = nullptr;   // histogram: event time → execution start
  MetricFamily* lifecycle_actions_total = nullptr;  // counter{action=expiration|transition}
  MetricFamily* notifications_total = nullptr;      // counter{topic,status=delivered|failed}
};
Result<StandardMetrics> RegisterStandardMetrics(MetricsRegistry& registry);

}  // namespace sluice::ops
