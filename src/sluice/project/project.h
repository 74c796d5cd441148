#pragma once

// A pipeline project read from its folder and checked as a whole (what `sluice deploy`
// does before it stores anything): sluice.yaml, every state machine through ASL validation
// (diagnostics with JSON paths), every job spec (parse + CompileJob), the models folder
// (parse + dependency graph), and how the pieces refer to each other — triggers naming
// declared buckets and existing state machines, overlapping filter rules on one bucket,
// alarms naming declared topics, Task states naming declared functions, jobs and topics,
// function and topic commands that exist, lifecycle rules on declared buckets.
//
// LoadProject reports every problem at once. A loaded project carries the content of every
// file it uses, so a deployed config needs nothing from the folder (functions still run
// their commands from it). Plain data; thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/events/notification_configuration.h"
#include "sluice/project/project_spec.h"

namespace sluice::project {

// One file a project uses, as deployed.
struct ProjectFile {
  std::string path;  // relative to the project folder, '/'-separated: "jobs/orders.yaml"
  std::string kind;  // "project" (sluice.yaml), "state_machine", "job", "model", "function"
  std::string name;  // the state machine, job, model or function it is; "" for sluice.yaml
  std::string content;

  friend bool operator==(const ProjectFile&, const ProjectFile&) = default;
};

struct LoadedProject {
  std::string dir;   // the project folder, absolute
  ProjectSpec spec;  // state_machines and jobs filled in when sluice.yaml leaves them out
  std::vector<ProjectFile> files;  // sorted by path

  // SHA-256 (hex) over every file's path, kind, name and content: equal hashes mean equal
  // deployments.
  std::string ContentHash() const;
};

// The name of the project file in a project folder.
inline constexpr std::string_view kProjectFileName = "sluice.yaml";

// Reads `dir`/sluice.yaml and everything it refers to and validates it all together. On
// failure returns InvalidArgument whose message lists every problem, one per line, and
// appends them to `problems` when given. NotFound when `dir` has no sluice.yaml.
Result<LoadedProject> LoadProject(const std::string& dir, std::vector<Problem>* problems = nullptr);

// SHA-256 over files sorted by path (see LoadedProject::ContentHash).
std::string ContentHash(const std::vector<ProjectFile>& files);

// The S3 notification rules the project's triggers on `bucket` amount to, for the
// dispatcher: Id = trigger name, destination ARN = the state machine's name, kind
// kLambdaFunction (the consumer starts an execution rather than calling a queue or topic).
std::vector<events::NotificationRule> NotificationRules(const ProjectSpec& spec,
                                                        std::string_view bucket);

// `command` (of a function or a topic subscription) as `/bin/sh -c` must run it for paths
// in it to mean files of the project in `project_dir` (DeployedConfig::info.source):
// `cd '<project_dir>' && <command>`, the folder quoted for the shell.
std::string CommandInProject(std::string_view project_dir, std::string_view command);

// The text AWS returns when two rules of one bucket could both match one event.
inline constexpr std::string_view kAmbiguousConfiguration =
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if "
    "the prefixes are overlapping for the same event type.";

}  // namespace sluice::project
