#include "sluice/ops/alarms.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::ops {
namespace {

namespace json = boost::json;
using common::ManualClock;
using common::Timestamp;

constexpr int64_t kT0 = 1795780800;  // 2026-11-27T12:00:00Z, a whole minute

AlarmDefinition Alarm(int n, int m, TreatMissingData treat) {
  AlarmDefinition a;
  a.name = "a";
  a.metric_name = "x";
  a.statistic = AlarmStatistic::kMaximum;
  a.evaluation_periods = n;
  a.datapoints_to_alarm = m;
  a.threshold = 1;
  a.comparison = ComparisonOperator::kGreaterThanThreshold;
  a.treat_missing = treat;
  return a;
}

// The pattern of CloudWatch's missing-data table, oldest first: '0' not breaching, 'X'
// breaching, '-' missing.
std::vector<std::optional<double>> Points(std::string_view oldest_first) {
  std::vector<std::optional<double>> out;
  for (auto it = oldest_first.rbegin(); it != oldest_first.rend(); ++it) {
    if (*it == '-') out.emplace_back();
    if (*it == '0') out.emplace_back(0.0);
    if (*it == 'X') out.emplace_back(5.0);
  }
  return out;
}

std::string Eval(std::string_view pattern, TreatMissingData treat, AlarmState current = AlarmState::kOk) {
  std::string reason;
  return std::string(AlarmStateName(EvaluateDatapoints(Alarm(3, 3, treat), Points(pattern), current, &reason)));
}

// CloudWatch's documented table: EvaluationPeriods 3, DatapointsToAlarm 3, an evaluation
// range of five periods.
TEST(EvaluateDatapoints, FollowsCloudWatchMissingDataTable) {
  using T = TreatMissingData;
  // Enough real datapoints: the newest three decide whatever the treatment.
  for (T t : {T::kMissing, T::kIgnore, T::kBreaching, T::kNotBreaching}) {
    EXPECT_EQ(Eval("0-X-X", t), "OK");
    EXPECT_EQ(Eval("0XX-X", t), "ALARM");
  }
  // One real datapoint, not breaching: two breaching fillers make 2 of 3, not enough.
  for (T t : {T::kMissing, T::kIgnore, T::kBreaching, T::kNotBreaching}) {
    EXPECT_EQ(Eval("0----", t), "OK");
  }
  // All missing.
  EXPECT_EQ(Eval("-----", T::kMissing), "INSUFFICIENT_DATA");
  EXPECT_EQ(Eval("-----", T::kIgnore, AlarmState::kAlarm), "ALARM");
  EXPECT_EQ(Eval("-----", T::kIgnore, AlarmState::kOk), "OK");
  EXPECT_EQ(Eval("-----", T::kBreaching), "ALARM");
  EXPECT_EQ(Eval("-----", T::kNotBreaching), "OK");
  // One real breaching datapoint: only breaching fillers reach three.
  EXPECT_EQ(Eval("--X--", T::kBreaching), "ALARM");
  EXPECT_EQ(Eval("--X--", T::kNotBreaching), "OK");
  EXPECT_EQ(Eval("--X--", T::kMissing), "OK");
}

TEST(EvaluateDatapoints, MOutOfNCountsBreachingAmongTheNewestN) {
  std::string reason;
  AlarmDefinition a = Alarm(5, 2, TreatMissingData::kMissing);
  // Oldest first; the evaluation range holds seven: the two oldest fall outside N = 5.
  EXPECT_EQ(EvaluateDatapoints(a, Points("XX0000X"), AlarmState::kOk, &reason), AlarmState::kOk);
  EXPECT_EQ(EvaluateDatapoints(a, Points("XX00X0X"), AlarmState::kOk, &reason), AlarmState::kAlarm);
  EXPECT_EQ(reason,
            "Threshold Crossed: 2 out of the last 5 datapoints were greater than the threshold (1.0) "
            "(minimum 2 datapoints for OK -> ALARM transition).");
  EXPECT_EQ(EvaluateDatapoints(a, Points("0000000"), AlarmState::kAlarm, &reason), AlarmState::kOk);
  EXPECT_EQ(reason,
            "Threshold Crossed: 5 out of the last 5 datapoints were not greater than the threshold "
            "(1.0) (minimum 4 datapoints for ALARM -> OK transition).");
}

TEST(AlarmDefinition, ParsesPutMetricAlarmJson) {
  auto v = json::parse(R"({"AlarmName": "failures", "MetricName": "sluice_executions_total",
      "Dimensions": [{"Name": "status", "Value": "FAILED"}], "Statistic": "Sum", "Period": 60,
      "EvaluationPeriods": 5, "DatapointsToAlarm": 2, "Threshold": 1,
      "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
      "AlarmActions": ["alerts"], "OKActions": ["arn:aws:sns:us-east-1:123456789012:ops"]})");
  auto a = AlarmDefinition::FromJson(v, "$.alarms[0]");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->labels.at("status"), "FAILED");
  EXPECT_EQ(a->statistic, AlarmStatistic::kSum);
  EXPECT_EQ(a->datapoints_to_alarm, 2);
  EXPECT_EQ(a->treat_missing, TreatMissingData::kNotBreaching);
  EXPECT_EQ(a->ok_actions.size(), 1u);

  auto bad = json::parse(R"({"AlarmName": "x", "MetricName": "m", "Statistic": "Median", "Period": 60,
      "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"})");
  auto st = AlarmDefinition::FromJson(bad, "$.alarms[1]").status();
  EXPECT_EQ(st.message(), "$.alarms[1].Statistic: 'Median' is not one of SampleCount, Sum, Average, Minimum, Maximum");
  auto period = json::parse(R"({"AlarmName": "x", "MetricName": "m", "Statistic": "Sum", "Period": 45,
      "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"})");
  EXPECT_EQ(AlarmDefinition::FromJson(period, "$").status().message(),
            "$.Period: 45 is not a positive multiple of 10 seconds");
  auto m = json::parse(R"({"AlarmName": "x", "MetricName": "m", "Statistic": "Sum", "Period": 60,
      "EvaluationPeriods": 2, "DatapointsToAlarm": 3, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"})");
  EXPECT_FALSE(AlarmDefinition::FromJson(m, "$").ok());
}

TEST(AlarmDefinitionsFromJson, RejectsARepeatedName) {
  std::string one = R"({"AlarmName": "x", "MetricName": "m", "Statistic": "Sum", "Period": 60,
      "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"})";
  EXPECT_EQ(AlarmDefinitionsFromJson(json::parse("[" + one + "," + one + "]"), "$.alarms").status().message(),
            "$.alarms[1].AlarmName: alarm 'x' is defined twice");
  EXPECT_EQ(AlarmDefinitionsFromJson(json::parse("[" + one + "]"), "$.alarms")->size(), 1u);
}

class AlarmEvaluatorTest : public ::testing::Test {
 protected:
  AlarmEvaluatorTest() : clock_(Timestamp::FromSeconds(kT0)), registry_(&clock_) {
    catalog_ = std::move(*catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db"));
    failures_ = (*registry_.Counter("sluice_executions_total", "E.", {"status"}))->WithLabels({"FAILED"});
  }

  AlarmDefinition FailureAlarm() {
    auto v = json::parse(R"({"AlarmName": "failures", "MetricName": "sluice_executions_total",
      "Dimensions": [{"Name": "status", "Value": "FAILED"}], "Statistic": "Sum", "Period": 60,
      "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 1,
      "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
      "AlarmActions": ["alerts"], "OKActions": ["alerts"]})");
    return *AlarmDefinition::FromJson(v, "$");
  }

  void AdvanceMinutes(int n) { clock_.AdvanceMicros(int64_t{n} * 60 * 1000000); }

  common::TestTempDir dir_;
  ManualClock clock_;
  MetricsRegistry registry_;
  std::unique_ptr<catalog::Catalog> catalog_;
  Series* failures_;
};

TEST_F(AlarmEvaluatorTest, GoesToAlarmOnMOfNAndBackToOkAndPublishesEachTransition) {
  Topics topics({.catalog = catalog_.get(), .clock = &clock_});
  AlarmEvaluator ev(&registry_, &topics, catalog_.get(), &clock_);
  ASSERT_TRUE(ev.Add(FailureAlarm()).ok());
  EXPECT_EQ(*ev.State("failures"), AlarmState::kInsufficientData);

  // No data at all, notBreaching: OK.
  auto t = ev.EvaluateAll();
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].new_state, AlarmState::kOk);

  failures_->Increment();  // minute 0: one failure
  AdvanceMinutes(1);
  EXPECT_TRUE(ev.EvaluateAll()->empty());  // 1 of 3
  AdvanceMinutes(1);                       // minute 1: nothing
  failures_->Increment(2);                 // minute 2
  AdvanceMinutes(1);
  t = ev.EvaluateAll();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].old_state, AlarmState::kOk);
  EXPECT_EQ((*t)[0].new_state, AlarmState::kAlarm);
  ASSERT_EQ((*t)[0].message_ids.size(), 1u);
  EXPECT_EQ(*ev.State("failures"), AlarmState::kAlarm);
  EXPECT_TRUE(ev.EvaluateAll()->empty());  // same periods: no second notification

  auto deliveries = topics.Deliveries((*t)[0].message_ids[0]);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_EQ((*deliveries)[0].status, DeliveryStatus::kDelivered);

  // Minutes 3 and 4 without failures: minutes 0 and 2 are still the only real datapoints
  // in the five-period evaluation range, and they breach.
  AdvanceMinutes(2);
  EXPECT_TRUE(ev.EvaluateAll()->empty());
  AdvanceMinutes(1);  // minute 0 leaves the range: one breaching datapoint of two
  t = ev.EvaluateAll();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].new_state, AlarmState::kOk);
}

TEST_F(AlarmEvaluatorTest, RestartKeepsThePersistedStateAndDoesNotRefire) {
  failures_->Increment();
  AdvanceMinutes(1);
  failures_->Increment();
  AdvanceMinutes(1);
  {
    AlarmEvaluator ev(&registry_, nullptr, catalog_.get(), &clock_);
    ASSERT_TRUE(ev.Add(FailureAlarm()).ok());
    auto t = ev.EvaluateAll();
    ASSERT_EQ(t->size(), 1u);
    EXPECT_EQ((*t)[0].new_state, AlarmState::kAlarm);
  }
  // A restarted process has no metric history: the restored alarm waits for a full
  // evaluation range (3 + 2 minutes) before it is evaluated again.
  MetricsRegistry fresh(&clock_);
  AlarmEvaluator again(&fresh, nullptr, catalog_.get(), &clock_);
  ASSERT_TRUE(again.Add(FailureAlarm()).ok());
  EXPECT_EQ(*again.State("failures"), AlarmState::kAlarm);
  EXPECT_TRUE(again.EvaluateAll()->empty());
  AdvanceMinutes(4);
  EXPECT_TRUE(again.EvaluateAll()->empty());
  AdvanceMinutes(1);
  auto t = again.EvaluateAll();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].new_state, AlarmState::kOk);  // notBreaching: five quiet minutes
}

TEST_F(AlarmEvaluatorTest, AlarmMessageHasCloudWatchShape) {
  AlarmEvaluator ev(&registry_, nullptr, nullptr, &clock_);
  AlarmDefinition a = FailureAlarm();
  AlarmTransition t{"failures", AlarmState::kOk, AlarmState::kAlarm, "why",
                    Timestamp::FromSeconds(kT0), {}};
  auto m = json::parse(ev.AlarmMessage(a, t)).as_object();
  EXPECT_EQ(m.at("AlarmName"), "failures");
  EXPECT_EQ(m.at("NewStateValue"), "ALARM");
  EXPECT_EQ(m.at("OldStateValue"), "OK");
  EXPECT_EQ(m.at("NewStateReason"), "why");
  EXPECT_EQ(m.at("StateChangeTime"), "2026-11-27T12:00:00.000+0000");
  EXPECT_EQ(m.at("AlarmArn"), "arn:aws:cloudwatch:us-east-1:123456789012:alarm:failures");
  EXPECT_EQ(m.at("AlarmActions").as_array()[0], "arn:aws:sns:us-east-1:123456789012:alerts");
  const json::object& trigger = m.at("Trigger").as_object();
  EXPECT_EQ(trigger.at("Statistic"), "SUM");
  EXPECT_EQ(trigger.at("Period"), 60);
  EXPECT_EQ(trigger.at("ComparisonOperator"), "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(trigger.at("Dimensions").as_array()[0].as_object().at("name"), "status");
}

TEST_F(AlarmEvaluatorTest, LongAlarmNamesStillNotify) {
  Topics topics({.catalog = catalog_.get(), .clock = &clock_});
  AlarmEvaluator ev(&registry_, &topics, catalog_.get(), &clock_);
  AlarmDefinition a = FailureAlarm();
  a.name = std::string(200, 'n') + "\xc3\xa9";  // SNS subjects are ASCII, under 100 characters
  ASSERT_TRUE(ev.Add(a).ok());
  auto t = ev.EvaluateAll();
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].message_ids.size(), 1u);
}

TEST_F(AlarmEvaluatorTest, RejectsRangesLongerThanTheHistory) {
  AlarmEvaluator ev(&registry_, nullptr, nullptr, &clock_);
  AlarmDefinition a = FailureAlarm();
  a.period_seconds = 3600;
  a.evaluation_periods = 3;  // 5 hours of range > 3 hours of history
  EXPECT_FALSE(ev.Add(a).ok());
}

}  // namespace
}  // namespace sluice::ops
