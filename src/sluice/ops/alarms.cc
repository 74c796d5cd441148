#include "sluice/ops/alarms.h"

#include <algorithm>

#include "sluice/common/logging.h"

namespace sluice::ops {
namespace {

namespace json = boost::json;

template <typename E, size_t N>
Result<E> ParseEnum(const json::object& o, std::string_view key, std::string_view path,
                    const std::pair<std::string_view, E> (&names)[N], std::optional<E> fallback) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> text, common::OptionalString(o, key, path));
  if (!text) {
    if (fallback) return *fallback;
    return Status::InvalidArgument(std::string(path) + "." + std::string(key) + ": required");
  }
  std::string expected;
  for (const auto& [name, value] : names) {
    if (*text == name) return value;
    expected += (expected.empty() ? "" : ", ") + std::string(name);
  }
  return Status::InvalidArgument(std::string(path) + "." + std::string(key) + ": '" + *text +
                                 "' is not one of " + expected);
}

constexpr std::pair<std::string_view, AlarmStatistic> kStatistics[] = {
    {"SampleCount", AlarmStatistic::kSampleCount}, {"Sum", AlarmStatistic::kSum},
    {"Average", AlarmStatistic::kAverage},         {"Minimum", AlarmStatistic::kMinimum},
    {"Maximum", AlarmStatistic::kMaximum}};
constexpr std::pair<std::string_view, ComparisonOperator> kOperators[] = {
    {"GreaterThanOrEqualToThreshold", ComparisonOperator::kGreaterThanOrEqualToThreshold},
    {"GreaterThanThreshold", ComparisonOperator::kGreaterThanThreshold},
    {"LessThanThreshold", ComparisonOperator::kLessThanThreshold},
    {"LessThanOrEqualToThreshold", ComparisonOperator::kLessThanOrEqualToThreshold}};
constexpr std::pair<std::string_view, TreatMissingData> kTreatments[] = {
    {"missing", TreatMissingData::kMissing},
    {"ignore", TreatMissingData::kIgnore},
    {"breaching", TreatMissingData::kBreaching},
    {"notBreaching", TreatMissingData::kNotBreaching}};

Result<std::vector<std::string>> Actions(const json::object& o, std::string_view key,
                                         std::string_view path) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (!v) return out;
  if (!v->is_array()) {
    return Status::InvalidArgument(std::string(path) + "." + std::string(key) + ": expected an array of topics");
  }
  for (size_t i = 0; i < v->get_array().size(); ++i) {
    const json::value& a = v->get_array()[i];
    if (!a.is_string()) {
      return Status::InvalidArgument(std::string(path) + "." + std::string(key) + "[" +
                                     std::to_string(i) + "]: expected a topic name or ARN");
    }
    out.emplace_back(a.get_string());
  }
  return out;
}

Result<double> RequiredNumber(const json::object& o, std::string_view key, std::string_view path) {
  const json::value* v = o.if_contains(key);
  if (!v) return Status::InvalidArgument(std::string(path) + "." + std::string(key) + ": required");
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  return Status::InvalidArgument(std::string(path) + "." + std::string(key) + ": expected a number");
}

std::string_view OperatorPhrase(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold: return "greater than or equal to";
    case ComparisonOperator::kGreaterThanThreshold: return "greater than";
    case ComparisonOperator::kLessThanThreshold: return "less than";
    case ComparisonOperator::kLessThanOrEqualToThreshold: return "less than or equal to";
  }
  return "";
}

std::string Number(double v) {
  std::string s = FormatPrometheusValue(v);
  if (s.find_first_of(".eIN") == std::string::npos) s += ".0";
  return s;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view AlarmStateName(AlarmState s) {
  switch (s) {
    case AlarmState::kOk: return "OK";
    case AlarmState::kAlarm: return "ALARM";
    case AlarmState::kInsufficientData: return "INSUFFICIENT_DATA";
  }
  return "INSUFFICIENT_DATA";
}

std::string_view ComparisonOperatorName(ComparisonOperator op) {
  for (const auto& [name, value] : kOperators) {
    if (value == op) return name;
  }
  return "";
}

std::string_view StatisticName(AlarmStatistic s) {
  for (const auto& [name, value] : kStatistics) {
    if (value == s) return name;
  }
  return "";
}

std::string_view TreatMissingDataName(TreatMissingData t) {
  for (const auto& [name, value] : kTreatments) {
    if (value == t) return name;
  }
  return "";
}

Result<AlarmDefinition> AlarmDefinition::FromJson(const json::value& value, std::string_view path,
                                                  int64_t resolution_seconds) {
  const json::object* o = value.if_object();
  if (!o) return Status::InvalidArgument(std::string(path) + ": expected an alarm object");
  AlarmDefinition a;
  std::string p(path);
  SLUICE_ASSIGN_OR_RETURN(a.name, common::RequiredString(*o, "AlarmName", path));
  if (a.name.empty() || a.name.size() > 255) {
    return Status::InvalidArgument(p + ".AlarmName: must be 1-255 characters");
  }
  SLUICE_ASSIGN_OR_RETURN(auto description, common::OptionalString(*o, "AlarmDescription", path));
  a.description = description.value_or("");
  SLUICE_ASSIGN_OR_RETURN(a.metric_name, common::RequiredString(*o, "MetricName", path));
  SLUICE_ASSIGN_OR_RETURN(auto ns, common::OptionalString(*o, "Namespace", path));
  if (ns) a.ns = *ns;
  if (const json::value* dims = o->if_contains("Dimensions")) {
    if (!dims->is_array()) return Status::InvalidArgument(p + ".Dimensions: expected an array");
    for (size_t i = 0; i < dims->get_array().size(); ++i) {
      std::string dp = p + ".Dimensions[" + std::to_string(i) + "]";
      const json::object* d = dims->get_array()[i].if_object();
      if (!d) return Status::InvalidArgument(dp + ": expected {\"Name\": …, \"Value\": …}");
      SLUICE_ASSIGN_OR_RETURN(std::string n, common::RequiredString(*d, "Name", dp));
      SLUICE_ASSIGN_OR_RETURN(std::string v, common::RequiredString(*d, "Value", dp));
      a.labels[n] = v;
    }
  }
  SLUICE_ASSIGN_OR_RETURN(a.statistic, ParseEnum(*o, "Statistic", path, kStatistics, std::optional<AlarmStatistic>()));
  SLUICE_ASSIGN_OR_RETURN(auto period, common::OptionalInt(*o, "Period", path));
  if (!period) return Status::InvalidArgument(p + ".Period: required");
  if (*period <= 0 || *period % resolution_seconds != 0) {
    return Status::InvalidArgument(p + ".Period: " + std::to_string(*period) +
                                   " is not a positive multiple of " +
                                   std::to_string(resolution_seconds) + " seconds");
  }
  a.period_seconds = *period;
  SLUICE_ASSIGN_OR_RETURN(auto n, common::OptionalInt(*o, "EvaluationPeriods", path));
  if (!n) return Status::InvalidArgument(p + ".EvaluationPeriods: required");
  if (*n < 1) return Status::InvalidArgument(p + ".EvaluationPeriods: must be at least 1");
  a.evaluation_periods = static_cast<int>(*n);
  SLUICE_ASSIGN_OR_RETURN(auto m, common::OptionalInt(*o, "DatapointsToAlarm", path));
  a.datapoints_to_alarm = static_cast<int>(m.value_or(*n));
  if (a.datapoints_to_alarm < 1 || a.datapoints_to_alarm > a.evaluation_periods) {
    return Status::InvalidArgument(p + ".DatapointsToAlarm: must be between 1 and EvaluationPeriods (" +
                                   std::to_string(a.evaluation_periods) + ")");
  }
  SLUICE_ASSIGN_OR_RETURN(a.threshold, RequiredNumber(*o, "Threshold", path));
  SLUICE_ASSIGN_OR_RETURN(a.comparison,
                          ParseEnum(*o, "ComparisonOperator", path, kOperators, std::optional<ComparisonOperator>()));
  SLUICE_ASSIGN_OR_RETURN(a.treat_missing, ParseEnum(*o, "TreatMissingData", path, kTreatments,
                                                     std::optional(TreatMissingData::kMissing)));
  if (const json::value* e = o->if_contains("ActionsEnabled")) {
    if (!e->is_bool()) return Status::InvalidArgument(p + ".ActionsEnabled: expected true or false");
    a.actions_enabled = e->get_bool();
  }
  SLUICE_ASSIGN_OR_RETURN(a.alarm_actions, Actions(*o, "AlarmActions", path));
  SLUICE_ASSIGN_OR_RETURN(a.ok_actions, Actions(*o, "OKActions", path));
  SLUICE_ASSIGN_OR_RETURN(a.insufficient_data_actions, Actions(*o, "InsufficientDataActions", path));
  return a;
}

Result<std::vector<AlarmDefinition>> AlarmDefinitionsFromJson(const json::value& value,
                                                              std::string_view path,
                                                              int64_t resolution_seconds) {
  if (!value.is_array()) return Status::InvalidArgument(std::string(path) + ": expected an array of alarms");
  std::vector<AlarmDefinition> out;
  for (size_t i = 0; i < value.get_array().size(); ++i) {
    std::string p = std::string(path) + "[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(AlarmDefinition a,
                            AlarmDefinition::FromJson(value.get_array()[i], p, resolution_seconds));
    for (const AlarmDefinition& seen : out) {
      if (seen.name == a.name) {
        return Status::InvalidArgument(p + ".AlarmName: alarm '" + a.name + "' is defined twice");
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

bool AlarmDefinition::Breaches(double v) const {
  switch (comparison) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold: return v >= threshold;
    case ComparisonOperator::kGreaterThanThreshold: return v > threshold;
    case ComparisonOperator::kLessThanThreshold: return v < threshold;
    case ComparisonOperator::kLessThanOrEqualToThreshold: return v <= threshold;
  }
  return false;
}

AlarmState EvaluateDatapoints(const AlarmDefinition& alarm,
                              const std::vector<std::optional<double>>& newest_first,
                              AlarmState current, std::string* reason) {
  const int n = alarm.evaluation_periods;
  const int m = alarm.datapoints_to_alarm;
  std::vector<double> real;
  for (const auto& d : newest_first) {
    if (d) real.push_back(*d);
  }
  int considered, breaching = 0;
  if (static_cast<int>(real.size()) >= n) {
    // Enough real datapoints: the newest N decide, missing data plays no part.
    considered = n;
    for (int i = 0; i < n; ++i) breaching += alarm.Breaches(real[static_cast<size_t>(i)]);
  } else {
    int fillers = n - static_cast<int>(real.size());
    for (double v : real) breaching += alarm.Breaches(v);
    considered = static_cast<int>(real.size());
    if (real.empty() && (alarm.treat_missing == TreatMissingData::kMissing ||
                         alarm.treat_missing == TreatMissingData::kIgnore)) {
      if (alarm.treat_missing == TreatMissingData::kIgnore) {
        *reason = "No datapoints in the evaluation range; missing data is ignored, the state is kept.";
        return current;
      }
      *reason = "Insufficient Data: " + std::to_string(newest_first.size()) +
                " datapoints were unknown.";
      return AlarmState::kInsufficientData;
    }
    if (alarm.treat_missing == TreatMissingData::kBreaching) {
      breaching += fillers;
      considered = n;
    } else if (alarm.treat_missing == TreatMissingData::kNotBreaching) {
      considered = n;
    }
  }
  std::string phrase(OperatorPhrase(alarm.comparison));
  std::string threshold = Number(alarm.threshold);
  if (breaching >= m) {
    *reason = "Threshold Crossed: " + std::to_string(breaching) + " out of the last " +
              std::to_string(considered) + " datapoints " + (breaching == 1 ? "was " : "were ") +
              phrase + " the threshold (" + threshold + ") (minimum " + std::to_string(m) +
              " datapoint" + (m == 1 ? "" : "s") + " for " + std::string(AlarmStateName(current)) +
              " -> ALARM transition).";
    return AlarmState::kAlarm;
  }
  *reason = "Threshold Crossed: " + std::to_string(considered - breaching) + " out of the last " +
            std::to_string(considered) + " datapoints " +
            (considered - breaching == 1 ? "was not " : "were not ") + phrase + " the threshold (" +
            threshold + ") (minimum " + std::to_string(n - m + 1) + " datapoint" +
            (n - m + 1 == 1 ? "" : "s") + " for " + std::string(AlarmStateName(current)) +
            " -> OK transition).";
  return AlarmState::kOk;
}

AlarmEvaluator::AlarmEvaluator(const MetricsRegistry* registry, Topics* topics,
                               catalog::Catalog* catalog, const common::Clock* clock,
                               AlarmOptions options)
    : registry_(registry),
      topics_(topics),
      catalog_(catalog),
      clock_(clock),
      options_(options),
      started_(clock->Now()) {}

Status AlarmEvaluator::Add(AlarmDefinition alarm) {
  int64_t res = registry_->options().resolution_seconds;
  if (alarm.period_seconds % res != 0) {
    return Status::InvalidArgument("alarm " + alarm.name + ": Period " +
                                   std::to_string(alarm.period_seconds) +
                                   " is not a multiple of the metrics resolution (" + std::to_string(res) + " s)");
  }
  int64_t range = alarm.period_seconds * (alarm.evaluation_periods + options_.extra_periods);
  int64_t history = res * registry_->options().history_slots;
  if (range > history) {
    return Status::InvalidArgument("alarm " + alarm.name + ": Period × (EvaluationPeriods + " +
                                   std::to_string(options_.extra_periods) + ") = " + std::to_string(range) +
                                   " s is longer than the metrics history (" + std::to_string(history) + " s)");
  }
  AlarmState state = AlarmState::kInsufficientData;
  common::Timestamp evaluate_from;
  if (catalog_) {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT state FROM alarm_states WHERE alarm_name = $1",
                                                   {alarm.name}));
    if (row) {
      const std::string& s = row->Text(0);
      state = s == "OK" ? AlarmState::kOk : s == "ALARM" ? AlarmState::kAlarm : AlarmState::kInsufficientData;
      evaluate_from = common::Timestamp::FromSeconds(started_.seconds() + range);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = alarm.name;
  alarms_[name] = Entry{std::move(alarm), state, evaluate_from};
  return Status::OK();
}

Result<AlarmState> AlarmEvaluator::State(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return Status::NotFound("no alarm named " + std::string(name));
  return it->second.state;
}

std::vector<std::optional<double>> AlarmEvaluator::Datapoints(const AlarmDefinition& a,
                                                              common::Timestamp now) const {
  int range = a.evaluation_periods + options_.extra_periods;
  std::vector<std::optional<double>> out(static_cast<size_t>(range));
  MetricFamily* family = registry_->Find(a.metric_name);
  Series* series = family ? family->Find(a.labels) : nullptr;
  if (!series) return out;
  int64_t end = now.seconds() / a.period_seconds * a.period_seconds;
  for (int i = 0; i < range; ++i) {
    int64_t start = end - (i + 1) * a.period_seconds;
    auto st = series->Statistics(common::Timestamp::FromSeconds(start), a.period_seconds);
    if (!st) continue;
    double v = 0;
    switch (a.statistic) {
      case AlarmStatistic::kSampleCount: v = static_cast<double>(st->sample_count); break;
      case AlarmStatistic::kSum: v = st->sum; break;
      case AlarmStatistic::kAverage: v = st->average(); break;
      case AlarmStatistic::kMinimum: v = st->minimum; break;
      case AlarmStatistic::kMaximum: v = st->maximum; break;
    }
    out[static_cast<size_t>(i)] = v;
  }
  return out;
}

std::string AlarmEvaluator::AlarmMessage(const AlarmDefinition& a, const AlarmTransition& t) const {
  auto topic_arns = [&](const std::vector<std::string>& names) {
    json::array out;
    for (const std::string& n : names) {
      out.emplace_back(n.starts_with("arn:") ? n
                                            : "arn:aws:sns:" + options_.region + ":" + options_.account + ":" + n);
    }
    return out;
  };
  std::string when = common::FormatIso8601Millis(t.when);
  if (!when.empty() && when.back() == 'Z') when = when.substr(0, when.size() - 1) + "+0000";
  json::object m;
  m["AlarmName"] = a.name;
  m["AlarmDescription"] = a.description.empty() ? json::value(nullptr) : json::value(a.description);
  m["AWSAccountId"] = options_.account;
  m["NewStateValue"] = AlarmStateName(t.new_state);
  m["NewStateReason"] = t.reason;
  m["StateChangeTime"] = when;
  m["Region"] = options_.region;
  m["AlarmArn"] = "arn:aws:cloudwatch:" + options_.region + ":" + options_.account + ":alarm:" + a.name;
  m["OldStateValue"] = AlarmStateName(t.old_state);
  m["OKActions"] = topic_arns(a.ok_actions);
  m["AlarmActions"] = topic_arns(a.alarm_actions);
  m["InsufficientDataActions"] = topic_arns(a.insufficient_data_actions);
  json::array dims;
  for (const auto& [n, v] : a.labels) dims.push_back(json::object{{"value", v}, {"name", n}});
  json::object trigger;
  trigger["MetricName"] = a.metric_name;
  trigger["Namespace"] = a.ns;
  trigger["StatisticType"] = "Statistic";
  trigger["Statistic"] = Upper(StatisticName(a.statistic));
  trigger["Unit"] = nullptr;
  trigger["Dimensions"] = std::move(dims);
  trigger["Period"] = a.period_seconds;
  trigger["EvaluationPeriods"] = a.evaluation_periods;
  trigger["DatapointsToAlarm"] = a.datapoints_to_alarm;
  trigger["ComparisonOperator"] = ComparisonOperatorName(a.comparison);
  trigger["Threshold"] = a.threshold;
  trigger["TreatMissingData"] = TreatMissingDataName(a.treat_missing);
  trigger["EvaluateLowSampleCountPercentile"] = "";
  m["Trigger"] = std::move(trigger);
  return common::SerializeJson(m);
}

Status AlarmEvaluator::Persist(const AlarmTransition& t) {
  if (!catalog_) return Status::OK();
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  std::string when = common::FormatIso8601Millis(t.when);
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "INSERT INTO alarm_states (alarm_name, state, reason, state_change_time, evaluated_at) "
      "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (alarm_name) DO UPDATE SET state = excluded.state, "
      "reason = excluded.reason, state_change_time = excluded.state_change_time, "
      "evaluated_at = excluded.evaluated_at",
      {t.alarm_name, std::string(AlarmStateName(t.new_state)), t.reason, when}));
  return tx->Commit();
}

Result<std::vector<AlarmTransition>> AlarmEvaluator::EvaluateAll() {
  std::lock_guard<std::mutex> lock(mu_);
  common::Timestamp now = clock_->Now();
  std::vector<AlarmTransition> out;
  for (auto& [name, e] : alarms_) {
    if (now < e.evaluate_from) continue;
    std::string reason;
    AlarmState next = EvaluateDatapoints(e.def, Datapoints(e.def, now), e.state, &reason);
    if (next == e.state) continue;
    AlarmTransition t{name, e.state, next, reason, now, {}};
    SLUICE_RETURN_IF_ERROR(Persist(t));
    e.state = next;
    common::LogInfo("alarm " + name + ": " + std::string(AlarmStateName(t.old_state)) + " -> " +
                    std::string(AlarmStateName(next)) + ": " + reason);
    const std::vector<std::string>& actions = next == AlarmState::kAlarm ? e.def.alarm_actions
                                              : next == AlarmState::kOk  ? e.def.ok_actions
                                                                         : e.def.insufficient_data_actions;
    if (topics_ && e.def.actions_enabled) {
      std::string message = AlarmMessage(e.def, t);
      for (const std::string& topic : actions) {
        PublishRequest req;
        req.topic = topic;
        req.subject = std::string(AlarmStateName(next)) + ": \"" + name + "\" in " + options_.region;
        // SNS refuses subjects of 100 characters or more, or with non-ASCII characters.
        for (char& c : req.subject) {
          if (c < 0x20 || c >= 0x7f) c = '?';
        }
        if (req.subject.size() > 99) req.subject.resize(99);
        req.message = message;
        auto id = topics_->Publish(req);
        if (id.ok()) {
          t.message_ids.push_back(*id);
        } else {
          common::LogError("alarm " + name + ": publishing to " + topic + " failed: " + id.status().ToString());
        }
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sluice::ops
