#include "sluice/project/project_spec.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

#include "sluice/asl/payload_template.h"
#include "sluice/events/notification_configuration.h"
#include "sluice/store/object_store.h"

namespace sluice::project {
namespace json = common::json;

std::string_view SubscriptionKindName(Subscription::Kind kind) {
  switch (kind) {
    case Subscription::Kind::kLog:
      return "log";
    case Subscription::Kind::kWebhook:
      return "webhook";
    case Subscription::Kind::kCommand:
      return "command";
  }
  return "log";
}

bool IsValidName(std::string_view name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]{0,79}");
  return std::regex_match(name.begin(), name.end(), kName);
}

std::string Problem::ToString() const {
  std::string out = where;
  if (!path.empty()) out += (out.empty() ? "" : ": ") + path;
  out += (out.empty() ? "" : ": ") + message;
  return out;
}

namespace {

constexpr std::string_view kNameRule =
    "expected a name of 1 to 80 letters, digits, '_', '.' or '-', starting with a letter or "
    "digit";

SourceMark MarkOf(const YAML::Node& node) {
  if (!node.IsDefined() || node.Mark().line < 0) return {};
  return {node.Mark().line + 1, node.Mark().column + 1};
}

std::string Join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Walks the document, collecting every problem with its position. Readers return nullopt
// (or false) after recording a problem, so callers skip what depends on the bad value.
class ProjectReader {
 public:
  ProjectReader(std::string_view source, std::vector<Problem>* problems)
      : source_(source), problems_(problems) {}

  void Add(const YAML::Node& node, std::string path, std::string message) {
    Add(MarkOf(node), std::move(path), std::move(message));
  }
  void Add(SourceMark mark, std::string path, std::string message) {
    std::string where = source_;
    if (mark.line > 0) where += ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
    problems_->push_back({std::move(where), std::move(path), std::move(message)});
  }

  // Whether `map` is a mapping; records each key outside `allowed`.
  bool CheckKeys(const YAML::Node& map, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    if (!map.IsMap()) {
      Add(map, path, "expected a mapping with fields " + Join(allowed));
      return false;
    }
    for (const auto& kv : map) {
      const std::string& key = kv.first.Scalar();
      bool known = false;
      for (std::string_view a : allowed) known |= (a == key);
      if (!known) {
        Add(kv.first, path.empty() ? key : path + "." + key,
            "unknown field; expected one of " + Join(allowed));
      }
    }
    return true;
  }

  std::optional<std::string> String(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar() || node.IsNull()) {
      Add(node, path, "expected a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<std::string> Name(const YAML::Node& node, const std::string& path) {
    auto s = String(node, path);
    if (s && !IsValidName(*s)) {
      Add(node, path, std::string(kNameRule) + ", got \"" + *s + "\"");
      return std::nullopt;
    }
    return s;
  }

  std::optional<int64_t> Int(const YAML::Node& node, const std::string& path, int64_t min,
                             int64_t max) {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && *end == '\0' && errno == 0 && v >= min && v <= max) return v;
    }
    Add(node, path,
        "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }

  std::optional<double> Number(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (!s.empty() && *end == '\0' && std::isfinite(v)) return v;
    }
    Add(node, path, "expected a number");
    return std::nullopt;
  }

  // One of `allowed`.
  std::optional<std::string> Enum(const YAML::Node& node, const std::string& path,
                                  std::initializer_list<std::string_view> allowed) {
    auto s = String(node, path);
    if (!s) return s;
    for (std::string_view a : allowed) {
      if (a == *s) return s;
    }
    Add(node, path, "expected one of " + Join(allowed) + ", got \"" + *s + "\"");
    return std::nullopt;
  }

  // A string or a list of strings.
  std::optional<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& path) {
    std::vector<std::string> out;
    if (node.IsScalar() && !node.IsNull()) return std::vector<std::string>{node.Scalar()};
    if (!node.IsSequence()) {
      Add(node, path, "expected a string or a list of strings");
      return std::nullopt;
    }
    bool ok = true;
    for (size_t i = 0; i < node.size(); ++i) {
      auto s = String(node[i], path + "[" + std::to_string(i) + "]");
      if (s) {
        out.push_back(*s);
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // YAML → JSON with YAML 1.2 core-schema scalars (quoted scalars stay strings).
  json::value ToJson(const YAML::Node& node) {
    if (node.IsMap()) {
      json::object o;
      for (const auto& kv : node) o[kv.first.Scalar()] = ToJson(kv.second);
      return o;
    }
    if (node.IsSequence()) {
      json::array a;
      for (const auto& e : node) a.push_back(ToJson(e));
      return a;
    }
    if (!node.IsScalar()) return nullptr;
    const std::string& s = node.Scalar();
    if (node.Tag() == "!") return json::value(s);  // quoted
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    static const std::regex kInt("[-+]?[0-9]+");
    static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    if (std::regex_match(s, kInt)) {
      errno = 0;
      long long v = std::strtoll(s.c_str(), nullptr, 10);
      if (errno == 0) return json::value(static_cast<int64_t>(v));
    }
    if (std::regex_match(s, kFloat)) return json::value(std::strtod(s.c_str(), nullptr));
    return json::value(s);
  }

  void Read(const YAML::Node& root, ProjectSpec* spec) {
    if (!CheckKeys(
            root, "",
            {"name", "description", "storage", "warehouse", "buckets", "triggers", "state_machines",
             "jobs", "models", "functions", "topics", "alarms", "lifecycle"})) {
      return;
    }
    if (!root["name"]) {
      Add(root, "name", "required: the project's name");
    } else if (auto n = Name(root["name"], "name")) {
      spec->name = *n;
    }
    if (root["storage"]) ReadStorage(root["storage"], spec);
    if (root["warehouse"]) ReadWarehouse(root["warehouse"], spec);
    if (root["buckets"]) ReadBuckets(root["buckets"], spec);
    if (root["triggers"]) ReadTriggers(root["triggers"], spec);
    if (root["state_machines"]) {
      spec->state_machines_declared = true;
      ReadFileRefs(root["state_machines"], "state_machines", "statemachines/", ".asl.json",
                   &spec->state_machines);
    }
    if (root["jobs"]) {
      spec->jobs_declared = true;
      ReadFileRefs(root["jobs"], "jobs", "jobs/", ".yaml", &spec->jobs);
    }
    if (root["models"]) {
      spec->models_declared = true;
      if (auto m = String(root["models"], "models")) spec->models = *m;
    }
    if (root["functions"]) ReadFunctions(root["functions"], spec);
    if (root["topics"]) ReadTopics(root["topics"], spec);
    if (root["alarms"]) ReadAlarms(root["alarms"], spec);
    if (root["lifecycle"]) ReadLifecycle(root["lifecycle"], spec);
  }

 private:
  void ReadStorage(const YAML::Node& node, ProjectSpec* spec) {
    auto s = String(node, "storage");
    if (!s) return;
    bool ok =
        (s->starts_with("s3://") && s->size() > 5) || (s->starts_with("file://") && s->size() > 7);
    if (!ok) {
      Add(node, "storage",
          "expected s3://BUCKET[/PREFIX] or file://PATH (leave it out for the engine home's "
          "folder store), got \"" +
              *s + "\"");
      return;
    }
    spec->storage = *s;
  }

  void ReadWarehouse(const YAML::Node& node, ProjectSpec* spec) {
    auto s = String(node, "warehouse");
    if (!s) return;
    bool ok = s->starts_with("sqlite://") || s->starts_with("postgres://") ||
              s->starts_with("postgresql://");
    if (!ok) {
      Add(node, "warehouse",
          "expected sqlite://PATH or postgres://… (leave it out for sqlite://<home>/warehouse), "
          "got \"" +
              *s + "\"");
      return;
    }
    spec->warehouse = *s;
  }

  void ReadBuckets(const YAML::Node& node, ProjectSpec* spec) {
    if (!node.IsSequence()) {
      Add(node, "buckets", "expected a list of bucket names");
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      std::string p = "buckets[" + std::to_string(i) + "]";
      auto b = String(node[i], p);
      if (!b) continue;
      if (Status st = store::ValidateBucketName(*b); !st.ok()) {
        Add(node[i], p, st.message());
      } else if (spec->bucket_marks.count(*b)) {
        Add(node[i], p, "bucket \"" + *b + "\" is listed twice");
      } else {
        spec->buckets.push_back(*b);
        spec->bucket_marks[*b] = MarkOf(node[i]);
      }
    }
  }

  // A prefix or suffix value: at most 1024 bytes, matched literally.
  void ReadFilterValue(const YAML::Node& node, const std::string& path, std::string* out) {
    auto v = String(node, path);
    if (!v) return;
    if (v->size() > 1024) {
      Add(node, path, "Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation");
    } else if (v->find('*') != std::string::npos) {
      Add(node, path,
          "filter values are matched literally, without wildcards: write \".csv\" rather than "
          "\"*.csv\"");
    } else {
      *out = *v;
    }
  }

  // `filter: {prefix: raw/, suffix: .csv}`, or S3's `filter: {FilterRules: [{Name, Value}]}`.
  void ReadFilter(const YAML::Node& node, const std::string& path, Trigger* t) {
    if (!CheckKeys(node, path, {"prefix", "suffix", "FilterRules"})) return;
    if (node["prefix"]) ReadFilterValue(node["prefix"], path + ".prefix", &t->prefix);
    if (node["suffix"]) ReadFilterValue(node["suffix"], path + ".suffix", &t->suffix);
    const YAML::Node& rules = node["FilterRules"];
    if (!rules) return;
    if (node["prefix"] || node["suffix"]) {
      Add(rules, path + ".FilterRules", "use either prefix/suffix or FilterRules, not both");
      return;
    }
    if (!rules.IsSequence()) {
      Add(rules, path + ".FilterRules", "expected a list of {Name, Value}");
      return;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string p = path + ".FilterRules[" + std::to_string(i) + "]";
      if (!CheckKeys(rules[i], p, {"Name", "Value"})) continue;
      if (!rules[i]["Name"] || !rules[i]["Value"]) {
        Add(rules[i], p, "expected both Name and Value");
        continue;
      }
      auto name = String(rules[i]["Name"], p + ".Name");
      if (!name) continue;
      std::string lower;
      for (char c : *name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower != "prefix" && lower != "suffix") {
        Add(rules[i]["Name"], p + ".Name", "filter rule name must be either prefix or suffix");
        continue;
      }
      if (!seen.insert(lower).second) {
        Add(rules[i], p, "Cannot specify more than one " + lower + " rule in a filter.");
        continue;
      }
      ReadFilterValue(rules[i]["Value"], p + ".Value", lower == "prefix" ? &t->prefix : &t->suffix);
    }
  }

  void ReadTriggers(const YAML::Node& node, ProjectSpec* spec) {
    if (!node.IsSequence()) {
      Add(node, "triggers", "expected a list of triggers");
      return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node& e = node[i];
      std::string p = "triggers[" + std::to_string(i) + "]";
      if (!CheckKeys(
              e, p,
              {"name", "description", "bucket", "events", "filter", "state_machine", "input"})) {
        continue;
      }
      Trigger t;
      t.mark = MarkOf(e);
      for (std::string_view required : {"name", "bucket", "state_machine"}) {
        if (!e[std::string(required)]) Add(e, p + "." + std::string(required), "required");
      }
      if (e["name"]) {
        if (auto n = Name(e["name"], p + ".name")) {
          t.name = *n;
          if (!names.insert(*n).second) {
            Add(e["name"], p + ".name", "trigger \"" + *n + "\" is declared twice");
          }
        }
      }
      if (e["bucket"]) t.bucket = String(e["bucket"], p + ".bucket").value_or("");
      if (e["state_machine"]) {
        t.state_machine = String(e["state_machine"], p + ".state_machine").value_or("");
      }
      t.events = {"s3:ObjectCreated:*"};
      if (e["events"]) {
        if (auto events = Strings(e["events"], p + ".events")) {
          t.events = *events;
          if (events->empty()) Add(e["events"], p + ".events", "expected at least one event type");
          for (size_t k = 0; k < events->size(); ++k) {
            if (!events::IsSupportedEventType((*events)[k])) {
              Add(e["events"].IsSequence() ? e["events"][k] : e["events"],
                  p + ".events[" + std::to_string(k) + "]",
                  "The event is not supported for notifications: \"" + (*events)[k] +
                      "\" (expected an S3 event type such as s3:ObjectCreated:*)");
            }
          }
        }
      }
      if (e["filter"]) ReadFilter(e["filter"], p + ".filter", &t);
      if (e["input"]) ReadInput(e["input"], p + ".input", &t);
      spec->triggers.push_back(std::move(t));
    }
  }

  // The input template: compiled as ASL Parameters so bad paths are found at deploy.
  void ReadInput(const YAML::Node& node, const std::string& path, Trigger* t) {
    if (!node.IsMap()) {
      Add(node, path, "expected a mapping (an ASL Parameters template over the S3 event record)");
      return;
    }
    json::value tmpl = ToJson(node);
    std::vector<asl::Diagnostic> diagnostics;
    asl::PayloadTemplate::Compile(tmpl, "", &diagnostics);
    for (const asl::Diagnostic& d : diagnostics) {
      Add(node, path + d.location, d.message);
    }
    if (diagnostics.empty()) t->input = std::move(tmpl);
  }

  // name → path (or null for the default path prefix + name + suffix).
  void ReadFileRefs(const YAML::Node& node, const std::string& path, const std::string& folder,
                    const std::string& suffix, std::vector<FileRef>* out) {
    if (!node.IsMap()) {
      Add(node, path,
          "expected a mapping of name → file (null for " + folder + "<name>" + suffix + ")");
      return;
    }
    for (const auto& kv : node) {
      std::string p = path + "." + kv.first.Scalar();
      auto name = Name(kv.first, p);
      if (!name) continue;
      FileRef ref{*name, folder + *name + suffix, MarkOf(kv.first)};
      if (!kv.second.IsNull()) {
        auto file = String(kv.second, p);
        if (!file) continue;
        ref.path = *file;
      }
      out->push_back(std::move(ref));
    }
  }

  void ReadFunctions(const YAML::Node& node, ProjectSpec* spec) {
    if (!node.IsMap()) {
      Add(node, "functions", "expected a mapping of function name → command");
      return;
    }
    for (const auto& kv : node) {
      std::string p = "functions." + kv.first.Scalar();
      auto name = Name(kv.first, p);
      auto command = String(kv.second, p);
      if (!name || !command) continue;
      if (command->find_first_not_of(" \t") == std::string::npos) {
        Add(kv.second, p, "expected a command, got an empty string");
        continue;
      }
      spec->functions[*name] = *command;
      spec->function_marks[*name] = MarkOf(kv.first);
    }
  }

  std::optional<Subscription> ReadSubscription(const YAML::Node& node, const std::string& p) {
    Subscription s;
    s.mark = MarkOf(node);
    if (node.IsScalar() && node.Scalar() == "log") return s;
    if (!CheckKeys(node, p, {"log", "webhook", "command", "retries"})) return std::nullopt;
    int kinds = (node["log"] ? 1 : 0) + (node["webhook"] ? 1 : 0) + (node["command"] ? 1 : 0);
    if (kinds != 1) {
      Add(node, p, "expected exactly one of log, webhook: URL or command: COMMAND");
      return std::nullopt;
    }
    if (node["webhook"]) {
      s.kind = Subscription::Kind::kWebhook;
      auto url = String(node["webhook"], p + ".webhook");
      if (!url) return std::nullopt;
      if (!url->starts_with("http://") && !url->starts_with("https://")) {
        Add(node["webhook"], p + ".webhook",
            "expected an http:// or https:// URL, got \"" + *url + "\"");
        return std::nullopt;
      }
      s.target = *url;
    } else if (node["command"]) {
      s.kind = Subscription::Kind::kCommand;
      auto command = String(node["command"], p + ".command");
      if (!command) return std::nullopt;
      s.target = *command;
    }
    if (node["retries"]) {
      if (s.kind != Subscription::Kind::kWebhook) {
        Add(node["retries"], p + ".retries", "only allowed with webhook");
        return std::nullopt;
      }
      auto r = Int(node["retries"], p + ".retries", 0, 100);
      if (!r) return std::nullopt;
      s.retries = static_cast<int>(*r);
    }
    return s;
  }

  void ReadTopics(const YAML::Node& node, ProjectSpec* spec) {
    if (!node.IsMap()) {
      Add(node, "topics", "expected a mapping of topic name → list of subscriptions");
      return;
    }
    for (const auto& kv : node) {
      std::string p = "topics." + kv.first.Scalar();
      auto name = Name(kv.first, p);
      if (!name) continue;
      std::vector<Subscription> subs;
      if (!kv.second.IsSequence()) {
        Add(kv.second, p, "expected a list of subscriptions (log, webhook: URL, command: COMMAND)");
        continue;
      }
      for (size_t i = 0; i < kv.second.size(); ++i) {
        if (auto s = ReadSubscription(kv.second[i], p + "[" + std::to_string(i) + "]")) {
          subs.push_back(std::move(*s));
        }
      }
      spec->topics[*name] = std::move(subs);
      spec->topic_marks[*name] = MarkOf(kv.first);
    }
  }

  void ReadAlarm(const YAML::Node& e, const std::string& p, Alarm* a) {
    for (std::string_view required : {"name", "metric", "threshold"}) {
      if (!e[std::string(required)]) Add(e, p + "." + std::string(required), "required");
    }
    if (e["name"]) a->name = Name(e["name"], p + ".name").value_or("");
    if (e["description"])
      a->description = String(e["description"], p + ".description").value_or("");
    if (e["metric"]) a->metric = String(e["metric"], p + ".metric").value_or("");
    if (e["dimensions"]) {
      const YAML::Node& d = e["dimensions"];
      if (!d.IsMap()) {
        Add(d, p + ".dimensions", "expected a mapping of label → value");
      } else {
        for (const auto& kv : d) {
          if (auto v = String(kv.second, p + ".dimensions." + kv.first.Scalar())) {
            a->dimensions[kv.first.Scalar()] = *v;
          }
        }
      }
    }
    if (e["statistic"]) {
      auto s = String(e["statistic"], p + ".statistic");
      static const std::regex kStatistic(
          "SampleCount|Average|Sum|Minimum|Maximum|p(100|[0-9]{1,2}(\\.[0-9]+)?)");
      if (s && !std::regex_match(*s, kStatistic)) {
        Add(e["statistic"], p + ".statistic",
            "expected SampleCount, Average, Sum, Minimum, Maximum or a percentile pNN, got \"" +
                *s + "\"");
      } else if (s) {
        a->statistic = *s;
      }
    }
    if (e["period"]) {
      if (auto v = Int(e["period"], p + ".period", 10, 86400)) {
        if (*v == 10 || *v == 20 || *v == 30 || *v % 60 == 0) {
          a->period = *v;
        } else {
          Add(e["period"], p + ".period",
              "The parameter Period must be 10, 20, 30, or a multiple of 60, got " +
                  std::to_string(*v));
        }
      }
    }
    if (e["threshold"]) a->threshold = Number(e["threshold"], p + ".threshold").value_or(0);
    if (e["comparison"]) {
      a->comparison = Enum(e["comparison"], p + ".comparison",
                           {"GreaterThanThreshold", "GreaterThanOrEqualToThreshold",
                            "LessThanThreshold", "LessThanOrEqualToThreshold"})
                          .value_or(a->comparison);
    }
    if (e["evaluation_periods"]) {
      a->evaluation_periods =
          Int(e["evaluation_periods"], p + ".evaluation_periods", 1, 100).value_or(1);
    }
    if (e["datapoints_to_alarm"]) {
      if (auto v = Int(e["datapoints_to_alarm"], p + ".datapoints_to_alarm", 1, 100)) {
        if (*v > a->evaluation_periods) {
          Add(e["datapoints_to_alarm"], p + ".datapoints_to_alarm",
              "must not exceed evaluation_periods (" + std::to_string(a->evaluation_periods) + ")");
        } else {
          a->datapoints_to_alarm = *v;
        }
      }
    }
    if (e["treat_missing_data"]) {
      a->treat_missing_data = Enum(e["treat_missing_data"], p + ".treat_missing_data",
                                   {"missing", "notBreaching", "breaching", "ignore"})
                                  .value_or(a->treat_missing_data);
    }
    if (e["topics"]) a->topics = Strings(e["topics"], p + ".topics").value_or(a->topics);
  }

  void ReadAlarms(const YAML::Node& node, ProjectSpec* spec) {
    if (!node.IsSequence()) {
      Add(node, "alarms", "expected a list of alarms");
      return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node& e = node[i];
      std::string p = "alarms[" + std::to_string(i) + "]";
      if (!CheckKeys(e, p,
                     {"name", "description", "metric", "dimensions", "statistic", "period",
                      "threshold", "comparison", "evaluation_periods", "datapoints_to_alarm",
                      "treat_missing_data", "topics"})) {
        continue;
      }
      Alarm a;
      a.mark = MarkOf(e);
      ReadAlarm(e, p, &a);
      if (!a.name.empty() && !names.insert(a.name).second) {
        Add(e["name"], p + ".name", "alarm \"" + a.name + "\" is declared twice");
      }
      spec->alarms.push_back(std::move(a));
    }
  }

  // Days/Date fields of lifecycle actions.
  void ReadWhen(const YAML::Node& node, const std::string& p, std::string_view days_field) {
    std::string days(days_field);
    if (node[days]) Int(node[days], p + "." + days, days == "Days" ? 0 : 1, 1 << 20);
    if (node["Date"]) {
      auto d = String(node["Date"], p + ".Date");
      static const std::regex kDate("[0-9]{4}-[0-9]{2}-[0-9]{2}(T00:00:00(\\.000)?Z)?");
      if (d && !std::regex_match(*d, kDate)) {
        Add(node["Date"], p + ".Date",
            "expected an ISO 8601 date at midnight UTC, e.g. 2027-01-01");
      }
    }
  }

  void ReadLifecycleRule(const YAML::Node& r, const std::string& p, std::set<std::string>* ids) {
    if (!CheckKeys(r, p,
                   {"ID", "Status", "Filter", "Prefix", "Expiration", "Transitions",
                    "NoncurrentVersionExpiration", "NoncurrentVersionTransitions",
                    "AbortIncompleteMultipartUpload"})) {
      return;
    }
    if (r["ID"]) {
      auto id = String(r["ID"], p + ".ID");
      if (id && id->size() > 255)
        Add(r["ID"], p + ".ID", "ID length should not exceed allowed limit of 255");
      if (id && !ids->insert(*id).second) {
        Add(r["ID"], p + ".ID", "Rule ID must be unique. Found same ID for more than one rule");
      }
    }
    if (!r["Status"]) {
      Add(r, p + ".Status", "required: Enabled or Disabled");
    } else {
      Enum(r["Status"], p + ".Status", {"Enabled", "Disabled"});
    }
    if (const YAML::Node& f = r["Filter"]) {
      std::string fp = p + ".Filter";
      if (CheckKeys(f, fp,
                    {"Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And"})) {
        if (f.size() > 1) {
          Add(f, fp, "expected one condition; combine several with And");
        }
        if (f["Prefix"]) String(f["Prefix"], fp + ".Prefix");
        const YAML::Node& conditions = f["And"] ? f["And"] : f;
        std::string cp = f["And"] ? fp + ".And" : fp;
        if (f["And"]) {
          CheckKeys(f["And"], cp,
                    {"Prefix", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"});
        }
        std::optional<int64_t> gt, lt;
        if (conditions.IsMap() && conditions["ObjectSizeGreaterThan"]) {
          gt =
              Int(conditions["ObjectSizeGreaterThan"], cp + ".ObjectSizeGreaterThan", 0, INT64_MAX);
        }
        if (conditions.IsMap() && conditions["ObjectSizeLessThan"]) {
          lt = Int(conditions["ObjectSizeLessThan"], cp + ".ObjectSizeLessThan", 1, INT64_MAX);
        }
        if (gt && lt && *gt >= *lt) {
          Add(conditions["ObjectSizeLessThan"], cp + ".ObjectSizeLessThan",
              "ObjectSizeGreaterThan must be less than ObjectSizeLessThan");
        }
      }
    }
    bool action = false;
    if (const YAML::Node& x = r["Expiration"]) {
      action = true;
      if (CheckKeys(x, p + ".Expiration", {"Days", "Date", "ExpiredObjectDeleteMarker"})) {
        if (x.size() != 1) {
          Add(x, p + ".Expiration",
              "expected exactly one of Days, Date or ExpiredObjectDeleteMarker");
        }
        ReadWhen(x, p + ".Expiration", "Days");
      }
    }
    if (const YAML::Node& ts = r["Transitions"]) {
      action = true;
      if (!ts.IsSequence()) {
        Add(ts, p + ".Transitions", "expected a list of {Days | Date, StorageClass}");
      } else {
        for (size_t i = 0; i < ts.size(); ++i) {
          std::string tp = p + ".Transitions[" + std::to_string(i) + "]";
          if (!CheckKeys(ts[i], tp, {"Days", "Date", "StorageClass"})) continue;
          if (!ts[i]["StorageClass"]) Add(ts[i], tp + ".StorageClass", "required");
          ReadWhen(ts[i], tp, "Days");
        }
      }
    }
    if (const YAML::Node& x = r["NoncurrentVersionExpiration"]) {
      action = true;
      if (CheckKeys(x, p + ".NoncurrentVersionExpiration",
                    {"NoncurrentDays", "NewerNoncurrentVersions"})) {
        ReadWhen(x, p + ".NoncurrentVersionExpiration", "NoncurrentDays");
      }
    }
    if (r["NoncurrentVersionTransitions"]) action = true;
    if (const YAML::Node& x = r["AbortIncompleteMultipartUpload"]) {
      action = true;
      if (CheckKeys(x, p + ".AbortIncompleteMultipartUpload", {"DaysAfterInitiation"}) &&
          x["DaysAfterInitiation"]) {
        Int(x["DaysAfterInitiation"], p + ".AbortIncompleteMultipartUpload.DaysAfterInitiation", 1,
            1 << 20);
      }
    }
    if (!action) Add(r, p, "At least one action needs to be specified in a rule");
  }

  void ReadLifecycle(const YAML::Node& node, ProjectSpec* spec) {
    if (!node.IsMap()) {
      Add(node, "lifecycle", "expected a mapping of bucket → {Rules: [...]}");
      return;
    }
    for (const auto& kv : node) {
      std::string bucket = kv.first.Scalar();
      std::string p = "lifecycle." + bucket;
      size_t before = problems_->size();
      if (!CheckKeys(kv.second, p, {"Rules"})) continue;
      const YAML::Node& rules = kv.second["Rules"];
      if (!rules || !rules.IsSequence()) {
        Add(rules ? rules : kv.second, p + ".Rules", "expected a list of lifecycle rules");
        continue;
      }
      if (rules.size() > 1000) {
        Add(rules, p + ".Rules", "a lifecycle configuration holds at most 1000 rules");
      }
      std::set<std::string> ids;
      for (size_t i = 0; i < rules.size(); ++i) {
        ReadLifecycleRule(rules[i], p + ".Rules[" + std::to_string(i) + "]", &ids);
      }
      if (problems_->size() == before) {
        spec->lifecycle[bucket] = ToJson(kv.second);
        spec->lifecycle_marks[bucket] = MarkOf(kv.first);
      }
    }
  }

  std::string source_;
  std::vector<Problem>* problems_;
};

}  // namespace

bool ReadProjectSpec(std::string_view yaml, std::string_view source, ProjectSpec* spec,
                     std::vector<Problem>* problems) {
  size_t before = problems->size();
  spec->source = std::string(source);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsDefined() || root.IsNull()) {
      problems->push_back(
          {std::string(source), "", "empty document; expected a mapping with a name"});
    } else {
      ProjectReader(source, problems).Read(root, spec);
    }
  } catch (const YAML::Exception& e) {
    problems->push_back({std::string(source) + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1),
                         "", "invalid YAML: " + e.msg});
  }
  return problems->size() == before;
}

Result<ProjectSpec> ParseProjectSpec(std::string_view yaml, std::string_view source,
                                     std::vector<Problem>* problems) {
  std::vector<Problem> found;
  ProjectSpec spec;
  if (ReadProjectSpec(yaml, source, &spec, &found)) return spec;
  std::string message;
  for (const Problem& p : found) message += (message.empty() ? "" : "\n") + p.ToString();
  if (problems) problems->insert(problems->end(), found.begin(), found.end());
  return Status::InvalidArgument(message);
}

Result<common::json::value> YamlToJson(std::string_view yaml, std::string_view source) {
  std::vector<Problem> unused;
  try {
    return ProjectReader(source, &unused).ToJson(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string(source) + ":" + std::to_string(e.mark.line + 1) +
                                   ":" + std::to_string(e.mark.column + 1) +
                                   ": invalid YAML: " + e.msg);
  }
}

}  // namespace sluice::project
