#pragma once

// Alarms in CloudWatch's model: a metric series (name + labels, CloudWatch's MetricName +
// Dimensions), a Statistic over Period seconds, a Threshold and ComparisonOperator, and
// "M out of N": the alarm is in ALARM when at least DatapointsToAlarm (M) of the last
// EvaluationPeriods (N) datapoints breach. Missing datapoints are handled as CloudWatch
// documents it (docs/ops.md has the details):
//   - the evaluator looks at an evaluation range of N + 2 periods (CloudWatch retrieves
//     "more than N" without publishing how many; sluice fixes it at two more);
//   - with at least N real datapoints in the range, the newest N decide and
//     TreatMissingData does not matter;
//   - with fewer, the real ones are all used and the gap up to N is filled per
//     TreatMissingData: breaching / notBreaching count the fillers as breaching / not;
//     missing and ignore leave them out; with no real datapoint at all, missing goes to
//     INSUFFICIENT_DATA and ignore keeps the current state.
// An alarm starts in INSUFFICIENT_DATA. Each state change is published to the alarm's
// topics (AlarmActions on ALARM, OKActions on OK, InsufficientDataActions on
// INSUFFICIENT_DATA) as CloudWatch's SNS alarm message, and persisted in the catalog
// (`alarm_states`) so a restarted process resumes in the same state and does not re-fire.
//
// Thread-safety: AlarmEvaluator is safe to call from several threads (one lock). The
// registry, topics, catalog and clock must outlive it.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/ops/metrics.h"
#include "sluice/ops/topics.h"

namespace sluice::ops {

enum class AlarmState { kOk, kAlarm, kInsufficientData };
enum class AlarmStatistic { kSampleCount, kSum, kAverage, kMinimum, kMaximum };
enum class ComparisonOperator {
  kGreaterThanOrEqualToThreshold,
  kGreaterThanThreshold,
  kLessThanThreshold,
  kLessThanOrEqualToThreshold,
};
enum class TreatMissingData { kMissing, kIgnore, kBreaching, kNotBreaching };

std::string_view AlarmStateName(AlarmState s);  // OK, ALARM, INSUFFICIENT_DATA
std::string_view ComparisonOperatorName(ComparisonOperator op);
std::string_view StatisticName(AlarmStatistic s);  // SampleCount, Sum, …
std::string_view TreatMissingDataName(TreatMissingData t);  // missing, ignore, …

// One alarm as PutMetricAlarm takes it (`aws cloudwatch put-metric-alarm --cli-input-json`):
//   {"AlarmName": "failed-executions", "MetricName": "sluice_executions_total",
//    "Dimensions": [{"Name": "status", "Value": "FAILED"}], "Statistic": "Sum",
//    "Period": 60, "EvaluationPeriods": 5, "DatapointsToAlarm": 2, "Threshold": 1,
//    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
//    "TreatMissingData": "notBreaching", "AlarmActions": ["alerts"]}
// Actions name topics, by name or SNS ARN.
struct AlarmDefinition {
  std::string name;
  std::string description;
  std::string metric_name;
  std::map<std::string, std::string> labels;  // Dimensions
  std::string ns = "sluice";                  // Namespace, informational
  AlarmStatistic statistic = AlarmStatistic::kAverage;
  int64_t period_seconds = 60;
  int evaluation_periods = 1;
  int datapoints_to_alarm = 1;
  double threshold = 0;
  ComparisonOperator comparison = ComparisonOperator::kGreaterThanThreshold;
  TreatMissingData treat_missing = TreatMissingData::kMissing;
  bool actions_enabled = true;
  std::vector<std::string> alarm_actions, ok_actions, insufficient_data_actions;

  // InvalidArgument naming the JSON path of the problem: missing required fields, unknown
  // enum values (spelled as CloudWatch does), Period not a positive multiple of
  // `resolution_seconds`, DatapointsToAlarm outside 1..EvaluationPeriods.
  static Result<AlarmDefinition> FromJson(const boost::json::value& value, std::string_view path,
                                          int64_t resolution_seconds = 10);
  bool Breaches(double value) const;
};

// A project's `alarms:` list: an array of alarm definitions with distinct names.
Result<std::vector<AlarmDefinition>> AlarmDefinitionsFromJson(const boost::json::value& value,
                                                              std::string_view path,
                                                              int64_t resolution_seconds = 10);

// CloudWatch's decision over an evaluation range (newest datapoint first; nullopt =
// missing), given the current state. `reason` receives NewStateReason's text.
AlarmState EvaluateDatapoints(const AlarmDefinition& alarm,
                              const std::vector<std::optional<double>>& newest_first,
                              AlarmState current, std::string* reason);

struct AlarmTransition {
  std::string alarm_name;
  AlarmState old_state;
  AlarmState new_state;
  std::string reason;
  common::Timestamp when;
  std::vector<std::string> message_ids;  // one per topic published to
};

struct AlarmOptions {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  // Periods in the evaluation range beyond EvaluationPeriods.
  int extra_periods = 2;
};

class AlarmEvaluator {
 public:
  // `topics` and `catalog` may be null (no notifications / no persistence).
  AlarmEvaluator(const MetricsRegistry* registry, Topics* topics, catalog::Catalog* catalog,
                 const common::Clock* clock, AlarmOptions options = {});

  // Adds or replaces an alarm, restoring its persisted state (INSUFFICIENT_DATA when none).
  // The metric history is in memory, so a restored alarm is not evaluated until one full
  // evaluation range has passed since the evaluator was made: the periods before the
  // restart are unknown, not missing.
  // InvalidArgument when its period is not a multiple of the registry's resolution or its
  // range is longer than the registry's history.
  Status Add(AlarmDefinition alarm);

  // Evaluates every alarm over the periods completed by the clock's now and returns the
  // transitions, each already persisted and published. Call it at least once per smallest
  // Period (serve runs it every resolution_seconds). A publish failure is logged and
  // does not stop the evaluation; catalog failures are returned.
  Result<std::vector<AlarmTransition>> EvaluateAll();

  // The current state; NotFound for an unknown alarm.
  Result<AlarmState> State(std::string_view name) const;

  // CloudWatch's SNS alarm message (the `Message` of the notification) for a transition.
  std::string AlarmMessage(const AlarmDefinition& alarm, const AlarmTransition& t) const;

 private:
  struct Entry {
    AlarmDefinition def;
    AlarmState state = AlarmState::kInsufficientData;
    common::Timestamp evaluate_from;  // restored alarms wait for a full range of history
  };
  std::vector<std::optional<double>> Datapoints(const AlarmDefinition& alarm,
                                                common::Timestamp now) const;
  Status Persist(const AlarmTransition& t);

  const MetricsRegistry* registry_;
  Topics* topics_;
  catalog::Catalog* catalog_;
  const common::Clock* clock_;
  AlarmOptions options_;
  common::Timestamp started_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> alarms_;
};

}  // namespace sluice::ops
