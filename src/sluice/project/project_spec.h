#pragma once

// The project file `sluice.yaml` (docs/project.md, docs/sluice.schema.json): what a pipeline
// project declares — its name, where objects and warehouse tables live, buckets, triggers
// (S3 notification filter rules that start state machines), and the state machines, jobs,
// models, functions, topics, alarms and lifecycle rules it is made of.
//
// ParseProjectSpec only reads and checks the document's shape; it reports every problem it
// finds at once, each as `sluice.yaml:12:7: triggers[0].filter.prefix: expected a string`.
// Whether the pieces fit together (triggers naming existing state machines, overlapping
// filter rules, files that exist and validate) is checked by ValidateProject (deploy.h).
// Plain data; thread-compatible.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::project {

// Where an element of sluice.yaml is: 1-based line and column (0 when unknown).
struct SourceMark {
  int line = 0;
  int column = 0;
};

// A trigger: objects landing in `bucket` whose key matches the filter and whose event matches
// one of `events` start an execution of `state_machine`.
struct Trigger {
  std::string name;
  std::string bucket;
  std::vector<std::string> events;  // S3 event types, "s3:ObjectCreated:*" (the default)
  std::string prefix;               // raw (not URL-encoded); "" matches every key
  std::string suffix;
  std::string state_machine;
  // An ASL Parameters-style template evaluated against the S3 event record (one record, as
  // in Records[0]); null: the execution input is the notification `{"Records":[record]}`.
  common::json::value input;
  SourceMark mark;
};

// One way a topic delivers a message.
struct Subscription {
  enum class Kind { kLog, kWebhook, kCommand };
  Kind kind = Kind::kLog;
  std::string target;  // webhook URL or command; "" for log
  int retries = 3;     // webhook: attempts after the first, with exponential back-off
  SourceMark mark;
};
std::string_view SubscriptionKindName(Subscription::Kind kind);  // "log", "webhook", "command"

// A CloudWatch-shaped metric alarm.
struct Alarm {
  std::string name;
  std::string description;
  std::string metric;                             // metric name, e.g. sluice_executions_total
  std::map<std::string, std::string> dimensions;  // label filters, e.g. status: FAILED
  std::string statistic = "Sum";  // SampleCount | Average | Sum | Minimum | Maximum | pNN
  int64_t period = 60;            // seconds: 10, 20, 30 or a multiple of 60
  double threshold = 0;
  // GreaterThanThreshold | GreaterThanOrEqualToThreshold | LessThanThreshold |
  // LessThanOrEqualToThreshold
  std::string comparison = "GreaterThanThreshold";
  int64_t evaluation_periods = 1;
  int64_t datapoints_to_alarm = 0;             // 0: evaluation_periods
  std::string treat_missing_data = "missing";  // missing | notBreaching | breaching | ignore
  std::vector<std::string> topics;             // alarm actions: topics to publish to
  SourceMark mark;
};

// A named entry that points at a file: a state machine definition or a job spec.
struct FileRef {
  std::string name;
  std::string path;  // relative to the project folder
  SourceMark mark;
};

struct ProjectSpec {
  std::string source;  // the file it was read from, for messages
  std::string name;
  std::string storage;    // "" (the home's folder store), file://PATH or s3://BUCKET[/PREFIX]
  std::string warehouse;  // "" (sqlite://<home>/warehouse), sqlite://PATH, postgres://…
  std::vector<std::string> buckets;
  std::vector<Trigger> triggers;
  // Declared state machines and jobs. Absent sections are filled by ValidateProject from
  // statemachines/*.asl.json and jobs/*.yaml; `*_declared` says which was the case.
  std::vector<FileRef> state_machines;
  bool state_machines_declared = false;
  std::vector<FileRef> jobs;
  bool jobs_declared = false;
  std::string models = "models";  // folder of models/*.sql
  bool models_declared = false;
  std::map<std::string, std::string> functions;  // name → command (run with /bin/sh -c)
  std::map<std::string, SourceMark> function_marks;
  std::map<std::string, std::vector<Subscription>> topics;
  std::map<std::string, SourceMark> topic_marks;
  std::vector<Alarm> alarms;
  // bucket → S3 LifecycleConfiguration in AWS's JSON shape ({"Rules": [...]}).
  std::map<std::string, common::json::value> lifecycle;
  std::map<std::string, SourceMark> lifecycle_marks;
  std::map<std::string, SourceMark> bucket_marks;
};

// A problem with a project: where (a file with line and column when known) and what.
struct Problem {
  std::string where;    // "sluice.yaml:12:7", "statemachines/orders.asl.json"
  std::string path;     // field path or JSON path: "triggers[0].state_machine", "/States/A/Next"
  std::string message;  // what was expected

  // "where: path: message" (parts left out when empty).
  std::string ToString() const;
};

// Whether `name` is a valid name for a project, trigger, state machine, job, function, topic
// or alarm: 1 to 80 letters, digits, '_', '.' or '-', starting with a letter or digit.
bool IsValidName(std::string_view name);

// Parses sluice.yaml. `source` names the document in problems. On success `problems` is
// untouched and the spec is returned; otherwise every problem found is appended and
// InvalidArgument carries them all, one per line.
Result<ProjectSpec> ParseProjectSpec(std::string_view yaml, std::string_view source,
                                     std::vector<Problem>* problems = nullptr);

// Best effort for deploy, which reports every problem of a project at once: fills `spec` with
// what parses and appends a problem for everything that does not. True when none was found.
bool ReadProjectSpec(std::string_view yaml, std::string_view source, ProjectSpec* spec,
                     std::vector<Problem>* problems);

// Converts YAML text to JSON the way YAML 1.2's core schema reads plain scalars (true/false,
// null/~, integers, floats; quoted scalars stay strings). InvalidArgument with the line and
// column for text that is not YAML.
Result<common::json::value> YamlToJson(std::string_view yaml, std::string_view source);

}  // namespace sluice::project
