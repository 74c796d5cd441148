#include "sluice/ops/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <thread>

namespace sluice::ops {

// Each slot aggregates the samples of one resolution-wide window. `epoch` is the window's
// index (seconds / resolution) the slot currently holds; a writer that finds an older epoch
// claims the slot by swapping in kResetting, clears it and publishes the new epoch, so a
// window never mixes with the one `slots` windows earlier. Readers check the epoch before
// and after reading and ignore a slot that changed underneath them.
class SampleHistory {
 public:
  SampleHistory(int64_t resolution_seconds, int slots)
      : resolution_(resolution_seconds), n_(slots), slots_(new Slot[static_cast<size_t>(slots)]) {}

  void Add(int64_t now_seconds, double v) {
    int64_t idx = FloorDiv(now_seconds, resolution_);
    Slot& s = slots_[static_cast<size_t>(Mod(idx, n_))];
    for (;;) {
      int64_t e = s.epoch.load(std::memory_order_acquire);
      if (e == idx) break;
      if (e == kResetting) {
        std::this_thread::yield();
        continue;
      }
      if (e > idx) return;  // a sample older than the slot's window (clock went back): dropped
      if (s.epoch.compare_exchange_weak(e, kResetting, std::memory_order_acq_rel)) {
        s.count.store(0, std::memory_order_relaxed);
        s.sum.store(0, std::memory_order_relaxed);
        s.min.store(std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
        s.max.store(-std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
        s.epoch.store(idx, std::memory_order_release);
        break;
      }
    }
    s.sum.fetch_add(v, std::memory_order_relaxed);
    AtomicMin(s.min, v);
    AtomicMax(s.max, v);
    s.count.fetch_add(1, std::memory_order_release);
  }

  std::optional<PeriodStatistics> Aggregate(int64_t start_seconds, int64_t period_seconds,
                                            int64_t now_seconds) const {
    int64_t now_idx = FloorDiv(now_seconds, resolution_);
    PeriodStatistics st;
    st.minimum = std::numeric_limits<double>::infinity();
    st.maximum = -std::numeric_limits<double>::infinity();
    for (int64_t t = start_seconds; t < start_seconds + period_seconds; t += resolution_) {
      int64_t idx = FloorDiv(t, resolution_);
      if (idx <= now_idx - n_ || idx > now_idx) continue;  // outside the history
      const Slot& s = slots_[static_cast<size_t>(Mod(idx, n_))];
      if (s.epoch.load(std::memory_order_acquire) != idx) continue;
      int64_t count = s.count.load(std::memory_order_acquire);
      double sum = s.sum.load(std::memory_order_relaxed);
      double mn = s.min.load(std::memory_order_relaxed);
      double mx = s.max.load(std::memory_order_relaxed);
      if (s.epoch.load(std::memory_order_acquire) != idx || count == 0) continue;
      st.sample_count += count;
      st.sum += sum;
      st.minimum = std::min(st.minimum, mn);
      st.maximum = std::max(st.maximum, mx);
    }
    if (st.sample_count == 0) return std::nullopt;
    return st;
  }

 private:
  static constexpr int64_t kResetting = std::numeric_limits<int64_t>::min();
  struct Slot {
    std::atomic<int64_t> epoch{-1};
    std::atomic<int64_t> count{0};
    std::atomic<double> sum{0};
    std::atomic<double> min{0};
    std::atomic<double> max{0};
  };

  static int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
  static int64_t Mod(int64_t a, int64_t b) { return ((a % b) + b) % b; }
  static void AtomicMin(std::atomic<double>& a, double v) {
    double cur = a.load(std::memory_order_relaxed);
    while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
  }
  static void AtomicMax(std::atomic<double>& a, double v) {
    double cur = a.load(std::memory_order_relaxed);
    while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
  }

  int64_t resolution_;
  int n_;
  std::unique_ptr<Slot[]> slots_;
};

Series::Series(MetricType type, const std::vector<double>* bounds,
               std::vector<std::string> label_values, const common::Clock* clock,
               int64_t resolution_seconds, int history_slots)
    : type_(type),
      bounds_(bounds),
      label_values_(std::move(label_values)),
      clock_(clock),
      history_(std::make_unique<SampleHistory>(resolution_seconds, history_slots)) {
  if (type_ == MetricType::kHistogram) {
    size_t n = bounds_->size() + 1;
    buckets_.reset(new std::atomic<uint64_t>[n]);
    for (size_t i = 0; i < n; ++i) buckets_[i].store(0, std::memory_order_relaxed);
  }
}

Series::~Series() = default;

void Series::Sample(double v) { history_->Add(clock_->Now().seconds(), v); }

void Series::Increment(double amount) {
  SLUICE_DCHECK(type_ == MetricType::kCounter && amount >= 0);
  value_.fetch_add(amount, std::memory_order_relaxed);
  Sample(amount);
}

void Series::Set(double value) {
  SLUICE_DCHECK(type_ == MetricType::kGauge);
  value_.store(value, std::memory_order_relaxed);
  Sample(value);
}

void Series::Add(double delta) {
  SLUICE_DCHECK(type_ == MetricType::kGauge);
  double now = value_.fetch_add(delta, std::memory_order_relaxed) + delta;
  Sample(now);
}

void Series::Observe(double value) {
  SLUICE_DCHECK(type_ == MetricType::kHistogram);
  size_t i = static_cast<size_t>(std::lower_bound(bounds_->begin(), bounds_->end(), value) -
                                 bounds_->begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  value_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  Sample(value);
}

double Series::value() const { return value_.load(std::memory_order_relaxed); }
uint64_t Series::count() const { return count_.load(std::memory_order_relaxed); }

std::vector<uint64_t> Series::CumulativeBuckets() const {
  std::vector<uint64_t> out;
  if (type_ != MetricType::kHistogram) return out;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out.push_back(total);
  }
  return out;
}

std::optional<PeriodStatistics> Series::Statistics(common::Timestamp start,
                                                   int64_t period_seconds) const {
  return history_->Aggregate(start.seconds(), period_seconds, clock_->Now().seconds());
}

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names, std::vector<double> bounds,
                           const common::Clock* clock, int64_t resolution_seconds,
                           int history_slots)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)),
      clock_(clock),
      resolution_seconds_(resolution_seconds),
      history_slots_(history_slots) {}

Series* MetricFamily::WithLabels(const std::vector<std::string>& values) {
  SLUICE_DCHECK(values.size() == label_names_.size());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  if (it != series_.end()) return it->second.get();
  auto s = std::make_unique<Series>(type_, &bounds_, values, clock_, resolution_seconds_,
                                    history_slots_);
  Series* raw = s.get();
  series_.emplace(values, std::move(s));
  return raw;
}

Series* MetricFamily::Find(const std::map<std::string, std::string>& labels) const {
  if (labels.size() != label_names_.size()) return nullptr;
  std::vector<std::string> values;
  for (const std::string& n : label_names_) {
    auto it = labels.find(n);
    if (it == labels.end()) return nullptr;
    values.push_back(it->second);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  return it == series_.end() ? nullptr : it->second.get();
}

std::vector<const Series*> MetricFamily::AllSeries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Series*> out;
  for (const auto& [values, s] : series_) out.push_back(s.get());
  return out;
}

namespace {

bool ValidName(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"[,le="…"]}`, or "" when there is nothing to print.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view le = {}) {
  if (names.empty() && le.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], true);
    out += '"';
  }
  if (!le.empty()) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

std::string FormatPrometheusValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

MetricsRegistry::MetricsRegistry(const common::Clock* clock) : MetricsRegistry(clock, Options{}) {}

MetricsRegistry::MetricsRegistry(const common::Clock* clock, Options options)
    : clock_(clock), options_(options) {}

std::vector<double> MetricsRegistry::DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Result<MetricFamily*> MetricsRegistry::Counter(std::string_view name, std::string_view help,
                                               std::vector<std::string> label_names) {
  return Declare(name, help, MetricType::kCounter, std::move(label_names), {});
}

Result<MetricFamily*> MetricsRegistry::Gauge(std::string_view name, std::string_view help,
                                             std::vector<std::string> label_names) {
  return Declare(name, help, MetricType::kGauge, std::move(label_names), {});
}

Result<MetricFamily*> MetricsRegistry::Histogram(std::string_view name, std::string_view help,
                                                 std::vector<std::string> label_names,
                                                 std::vector<double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      return Status::InvalidArgument("histogram " + std::string(name) +
                                     ": bucket bounds must be finite and strictly increasing");
    }
  }
  return Declare(name, help, MetricType::kHistogram, std::move(label_names), std::move(bounds));
}

Result<MetricFamily*> MetricsRegistry::Declare(std::string_view name, std::string_view help,
                                               MetricType type,
                                               std::vector<std::string> label_names,
                                               std::vector<double> bounds) {
  if (!ValidName(name, true)) {
    return Status::InvalidArgument("metric name '" + std::string(name) +
                                   "' is not a Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
  for (const std::string& l : label_names) {
    if (!ValidName(l, false) || l.starts_with("__") ||
        (type == MetricType::kHistogram && l == "le")) {
      return Status::InvalidArgument("metric " + std::string(name) + ": label name '" + l +
                                     "' is not allowed");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = families_.find(name); it != families_.end()) {
    MetricFamily* f = it->second.get();
    if (f->type() != type || f->label_names() != label_names || f->bounds() != bounds) {
      return Status::InvalidArgument("metric " + std::string(name) +
                                     " is already declared with another type, labels or buckets");
    }
    return f;
  }
  auto family = std::make_unique<MetricFamily>(std::string(name), std::string(help), type,
                                               std::move(label_names), std::move(bounds), clock_,
                                               options_.resolution_seconds, options_.history_slots);
  MetricFamily* raw = family.get();
  families_.emplace(std::string(name), std::move(family));
  // An unlabelled metric exists (at zero) from its declaration, as Prometheus clients do.
  if (raw->label_names().empty()) raw->Get();
  return raw;
}

MetricFamily* MetricsRegistry::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : it->second.get();
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::vector<const MetricFamily*> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, f] : families_) families.push_back(f.get());
  }
  std::string out;
  for (const MetricFamily* f : families) {
    out += "# HELP " + f->name() + " ";
    AppendEscaped(out, f->help(), false);
    out += "\n# TYPE " + f->name() + " ";
    out += TypeName(f->type());
    out += '\n';
    for (const Series* s : f->AllSeries()) {
      if (f->type() != MetricType::kHistogram) {
        out += f->name() + LabelText(f->label_names(), s->label_values()) + " " +
               FormatPrometheusValue(s->value()) + "\n";
        continue;
      }
      std::vector<uint64_t> cumulative = s->CumulativeBuckets();
      for (size_t i = 0; i < cumulative.size(); ++i) {
        std::string le = i < f->bounds().size() ? FormatPrometheusValue(f->bounds()[i]) : "+Inf";
        out += f->name() + "_bucket" + LabelText(f->label_names(), s->label_values(), le) + " " +
               std::to_string(cumulative[i]) + "\n";
      }
      std::string labels = LabelText(f->label_names(), s->label_values());
      out += f->name() + "_sum" + labels + " " + FormatPrometheusValue(s->value()) + "\n";
      out += f->name() + "_count" + labels + " " + std::to_string(s->count()) + "\n";
    }
  }
  return out;
}

Result<StandardMetrics> RegisterStandardMetrics(MetricsRegistry& r) {
  StandardMetrics m;
  SLUICE_ASSIGN_OR_RETURN(m.events_total,
                          r.Counter("sluice_events_total", "S3 event records appended to the event log."));
  SLUICE_ASSIGN_OR_RETURN(m.executions_total,
                          r.Counter("sluice_executions_total",
                                    "State machine executions finished, by final status.", {"status"}));
  SLUICE_ASSIGN_OR_RETURN(m.state_transitions_total,
                          r.Counter("sluice_state_transitions_total", "States entered by executions."));
  SLUICE_ASSIGN_OR_RETURN(m.task_duration_seconds,
                          r.Histogram("sluice_task_duration_seconds",
                                      "Duration of Task state invocations, by resource.", {"resource"}));
  SLUICE_ASSIGN_OR_RETURN(
      m.job_duration_seconds,
      r.Histogram("sluice_job_duration_seconds", "Duration of ETL job runs, by job.", {"job"},
                  {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}));
  SLUICE_ASSIGN_OR_RETURN(m.rows_total,
                          r.Counter("sluice_rows_total",
                                    "Rows read (in), written (out) and quarantined by ETL jobs.", {"kind"}));
  SLUICE_ASSIGN_OR_RETURN(m.warehouse_loads_total,
                          r.Counter("sluice_warehouse_loads_total", "Warehouse loads, by status.", {"status"}));
  SLUICE_ASSIGN_OR_RETURN(m.queue_depth,
                          r.Gauge("sluice_queue_depth", "Work waiting in each internal queue.", {"queue"}));
  SLUICE_ASSIGN_OR_RETURN(m.event_to_start_seconds,
                          r.Histogram("sluice_event_to_start_seconds",
                                      "Lag from an S3 event's time to the start of the execution it triggered.",
                                      {}, {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5}));
  SLUICE_ASSIGN_OR_RETURN(m.lifecycle_actions_total,
                          r.Counter("sluice_lifecycle_actions_total",
                                    "Objects expired or transitioned by lifecycle rules.", {"action"}));
  SLUICE_ASSIGN_OR_RETURN(m.notifications_total,
                          r.Counter("sluice_notifications_total",
                                    "Topic deliveries finished, by topic and outcome.", {"topic", "status"}));
  return m;
}

}  // namespace sluice::ops
