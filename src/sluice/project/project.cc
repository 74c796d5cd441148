#include "sluice/project/project.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "sluice/asl/definition.h"
#include "sluice/asl/payload_template.h"
#include "sluice/common/file_util.h"
#include "sluice/common/hash.h"
#include "sluice/etl/job_runner.h"
#include "sluice/etl/job_spec.h"
#include "sluice/events/event_record.h"
#include "sluice/warehouse/models.h"

namespace sluice::project {
namespace {

// The topic every engine has, declared or not (ops::kAlertsTopic; serve publishes failed
// executions to it).
constexpr std::string_view kAlertsTopic = "alerts";

namespace fs = std::filesystem;
namespace json = common::json;

constexpr std::string_view kStateMachineSuffix = ".asl.json";

// Words of a command line, split at blanks (quotes are not interpreted: good enough to find
// the program and the project files it names).
std::vector<std::string> Words(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool IsExecutableFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && IsExecutableFile(dir + "/" + program)) return true;
  }
  return false;
}

// A Lambda function's name from its name or ARN ("summarize" from
// "arn:aws:lambda:us-east-1:123456789012:function:summarize:PROD"; versions and aliases are
// dropped).
std::string FunctionName(const std::string& text) {
  constexpr std::string_view kMarker = ":function:";
  size_t at = text.find(kMarker);
  if (at == std::string::npos) return text;
  std::string rest = text.substr(at + kMarker.size());
  return rest.substr(0, rest.find(':'));
}

// A topic's name from its name or ARN ("alerts" from "arn:aws:sns:us-east-1:123:alerts").
std::string TopicName(const std::string& text) {
  size_t colon = text.rfind(':');
  return colon == std::string::npos ? text : text.substr(colon + 1);
}

// An S3 event record such as `event_type` ("s3:ObjectCreated:*") on a key the trigger
// matches, to try its input template on: removal events carry no size or ETag, as in S3.
boost::json::object SampleRecord(const Trigger& t, const std::string& event_type) {
  events::EventRecord record;
  record.event_name = event_type.starts_with("s3:") ? event_type.substr(3) : event_type;
  if (record.event_name.ends_with("*")) {
    record.event_name.pop_back();
    record.event_name += record.event_name.starts_with("ObjectRemoved") ? "Delete" : "Put";
  }
  record.bucket = t.bucket;
  record.key = t.prefix + "sample" + t.suffix;
  record.size = 1;
  record.etag = "d41d8cd98f00b204e9800998ecf8427e";
  record.sequencer = events::SequencerFromSeq(1);
  record.request_id = "0000000000000000";
  record.host_id = "sluice";
  record.principal_id = "sluice";
  record.source_ip = "127.0.0.1";
  record.configuration_id = t.name;
  return record.ToJson();
}

events::NotificationRule RuleOf(const Trigger& t) {
  events::NotificationRule rule;
  rule.id = t.name;
  rule.destination_arn = t.state_machine;
  rule.destination_kind = events::DestinationKind::kLambdaFunction;
  rule.events = t.events;
  rule.prefix = t.prefix;
  rule.suffix = t.suffix;
  return rule;
}

// Checks one project folder; every problem goes to `problems`.
class ProjectChecker {
 public:
  ProjectChecker(std::string dir, std::vector<Problem>* problems)
      : dir_(std::move(dir)), problems_(problems) {}

  void Check(LoadedProject* project) {
    ProjectSpec& spec = project->spec;
    CheckStateMachines(spec);
    CheckJobs(spec);
    CheckModels(spec);
    CheckTriggers(spec);
    CheckTopicsAndAlarms(spec);
    CheckFunctions(spec);
    CheckLifecycle(spec);
    for (const auto& [name, definition] : definitions_) {
      CheckTaskReferences(spec, PathOf(spec.state_machines, name), definition, "");
    }
    for (auto& [path, file] : files_) project->files.push_back(std::move(file));
  }

  // Deploys `file`. A file serving as two state machines or jobs (or as both) is a
  // problem: a version keeps one entry per path. Scripts shared by functions are fine.
  void AddFile(ProjectFile file) {
    auto [it, added] = files_.emplace(file.path, file);
    const ProjectFile& first = it->second;
    bool shared_script = (file.kind == "function" || file.kind == "command") &&
                         (first.kind == "function" || first.kind == "command");
    if (!added && !shared_script && (first.kind != file.kind || first.name != file.name)) {
      Add(file.path, "",
          "used as " + Describe(first) + " and as " + Describe(file) + "; give each its own file");
    }
  }

 private:
  std::string Where(const ProjectSpec& spec, SourceMark mark) const {
    std::string where = spec.source;
    if (mark.line > 0) where += ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
    return where;
  }
  void Add(std::string where, std::string path, std::string message) {
    // Messages from other modules name files by absolute path; the project's are relative.
    std::string prefix = dir_ + "/";
    for (size_t at; (at = message.find(prefix)) != std::string::npos;) {
      message.erase(at, prefix.size());
    }
    problems_->push_back({std::move(where), std::move(path), std::move(message)});
  }

  static std::string Describe(const ProjectFile& f) {
    std::string kind = f.kind;
    std::replace(kind.begin(), kind.end(), '_', ' ');
    return kind + " \"" + f.name + "\"";
  }

  static std::string PathOf(const std::vector<FileRef>& refs, const std::string& name) {
    for (const FileRef& r : refs) {
      if (r.name == name) return r.path;
    }
    return name;
  }

  // Reads a file the project names; records a problem when it is missing or outside the
  // folder.
  std::optional<std::string> Read(const std::string& relative, const std::string& where,
                                  const std::string& field) {
    fs::path p(relative);
    bool escapes = p.is_absolute() || std::any_of(p.begin(), p.end(), [](const fs::path& part) {
                     return part == "..";
                   });
    if (escapes) {
      Add(where, field, "\"" + relative + "\": expected a path inside the project folder");
      return std::nullopt;
    }
    auto text = common::ReadFileToString(dir_ + "/" + relative);
    if (!text.ok()) {
      Add(where, field, "file " + relative + " does not exist or cannot be read");
      return std::nullopt;
    }
    return std::move(*text);
  }

  // Files in `folder` (relative) whose names end in one of `suffixes`, sorted.
  std::vector<std::string> List(const std::string& folder,
                                std::initializer_list<std::string_view> suffixes) const {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(dir_ + "/" + folder, ec)) return out;
    for (const auto& entry : fs::directory_iterator(dir_ + "/" + folder, ec)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file()) continue;
      for (std::string_view s : suffixes) {
        if (name.size() > s.size() && name.ends_with(s)) {
          out.push_back(folder + "/" + name);
          break;
        }
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void CheckStateMachines(ProjectSpec& spec) {
    if (!spec.state_machines_declared) {
      for (const std::string& path : List("statemachines", {kStateMachineSuffix})) {
        std::string file = fs::path(path).filename().string();
        std::string name = file.substr(0, file.size() - kStateMachineSuffix.size());
        if (!IsValidName(name)) {
          Add(path, "",
              "\"" + name +
                  "\" is not a valid state machine name: 1 to 80 letters, "
                  "digits, '_', '.' or '-', starting with a letter or digit");
          continue;
        }
        spec.state_machines.push_back({name, path, {}});
      }
    }
    for (const FileRef& ref : spec.state_machines) {
      auto text = Read(ref.path, Where(spec, ref.mark), "state_machines." + ref.name);
      if (!text) continue;
      AddFile({ref.path, "state_machine", ref.name, *text});
      std::vector<asl::Diagnostic> diagnostics;
      auto machine = asl::ParseDefinition(*text, &diagnostics);
      if (!machine.ok() && diagnostics.empty()) {
        diagnostics.push_back({"", machine.status().message()});
      }
      for (const asl::Diagnostic& d : diagnostics) Add(ref.path, d.location, d.message);
      if (auto parsed = common::ParseJson(*text, ref.path); parsed.ok()) {
        definitions_[ref.name] = std::move(*parsed);
      }
    }
  }

  void CheckJobs(ProjectSpec& spec) {
    std::vector<FileRef> refs = spec.jobs;
    if (!spec.jobs_declared) {
      for (const std::string& path : List("jobs", {".yaml", ".yml"}))
        refs.push_back({"", path, {}});
    }
    std::set<std::string> names;
    spec.jobs.clear();
    for (FileRef& ref : refs) {
      std::string field = ref.name.empty() ? "jobs" : "jobs." + ref.name;
      auto text = Read(ref.path, Where(spec, ref.mark), field);
      if (!text) continue;
      auto job = etl::ParseJobSpec(*text, ref.path);
      if (!job.ok()) {
        Add("", "", job.status().message());
      } else {
        if (ref.name.empty()) {
          ref.name = job->name;
        } else if (job->name != ref.name) {
          Add(Where(spec, ref.mark), field,
              "the job spec " + ref.path + " names its job \"" + job->name +
                  "\"; the project declares it as \"" + ref.name + "\"");
        }
        if (auto compiled = etl::CompileJob(*job); !compiled.ok()) {
          Add("", "", compiled.status().message());
        }
      }
      if (!ref.name.empty() && !names.insert(ref.name).second) {
        Add(ref.path, "name", "job \"" + ref.name + "\" is declared by two job specs");
      }
      AddFile({ref.path, "job", ref.name, *text});
      spec.jobs.push_back(ref);
    }
  }

  void CheckModels(const ProjectSpec& spec) {
    std::string folder = spec.models;
    while (folder.size() > 1 && folder.ends_with('/')) folder.pop_back();
    std::error_code ec;
    if (!fs::is_directory(dir_ + "/" + folder, ec)) {
      if (spec.models_declared) {
        Add(spec.source, "models", "the models folder " + folder + " does not exist");
      }
      return;
    }
    if (fs::path(folder).is_absolute() || folder.find("..") != std::string::npos) {
      Add(spec.source, "models", "\"" + folder + "\": expected a folder inside the project");
      return;
    }
    auto models = warehouse::LoadModels(dir_ + "/" + folder);
    if (!models.ok()) Add("", "", models.status().message());
    for (const std::string& path : List(folder, {".sql", ".yaml", ".yml"})) {
      auto text = Read(path, spec.source, "models");
      if (text) AddFile({path, "model", fs::path(path).stem().string(), *text});
    }
  }

  void CheckTriggers(const ProjectSpec& spec) {
    std::set<std::string> buckets(spec.buckets.begin(), spec.buckets.end());
    std::set<std::string> machines;
    for (const FileRef& ref : spec.state_machines) machines.insert(ref.name);
    for (size_t i = 0; i < spec.triggers.size(); ++i) {
      const Trigger& t = spec.triggers[i];
      std::string p = "triggers[" + std::to_string(i) + "]";
      if (!t.bucket.empty() && !buckets.count(t.bucket)) {
        Add(Where(spec, t.mark), p + ".bucket",
            "bucket \"" + t.bucket + "\" is not in buckets (declare it there so it is created)");
      }
      if (!t.state_machine.empty() && !machines.count(t.state_machine)) {
        Add(Where(spec, t.mark), p + ".state_machine",
            "state machine \"" + t.state_machine + "\" does not exist (" +
                (machines.empty() ? std::string("the project has none")
                                  : "the project has " + JoinNames(machines)) +
                ")");
      }
      if (!t.input.is_null()) CheckInput(spec, t, p + ".input");
      for (size_t j = 0; j < i; ++j) {
        const Trigger& u = spec.triggers[j];
        if (u.bucket != t.bucket) continue;
        if (events::RulesOverlap(RuleOf(u), RuleOf(t))) {
          Add(Where(spec, t.mark), p,
              std::string(kAmbiguousConfiguration) + " (triggers \"" + u.name + "\" and \"" +
                  t.name + "\" on bucket \"" + t.bucket + "\": prefixes \"" + u.prefix +
                  "\" and \"" + t.prefix + "\", suffixes \"" + u.suffix + "\" and \"" + t.suffix +
                  "\")");
        }
      }
    }
  }

  // Evaluates the trigger's input template on a sample record of each of its event types,
  // so a path the records of those events never have is found now rather than at run time.
  void CheckInput(const ProjectSpec& spec, const Trigger& t, const std::string& field) {
    std::vector<asl::Diagnostic> diagnostics;
    asl::PayloadTemplate tmpl = asl::PayloadTemplate::Compile(t.input, "", &diagnostics);
    if (!diagnostics.empty()) return;  // reported while parsing
    json::value context = json::object();
    for (const std::string& event_type : t.events) {
      json::value record = SampleRecord(t, event_type);
      auto input = tmpl.Evaluate(asl::PathContext{&record, &context, nullptr});
      if (!input.ok()) {
        Add(Where(spec, t.mark), field,
            input.status().message() + " (in a record of " + event_type + ")");
        return;
      }
    }
  }

  static std::string JoinNames(const std::set<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  // A command of a function or a topic: its program exists; project files it names exist
  // and are deployed with it.
  void CheckCommand(const std::string& command, const std::string& where, const std::string& field,
                    const std::string& kind, const std::string& name) {
    std::vector<std::string> words = Words(command);
    if (words.empty()) return;
    const std::string& program = words[0];
    if (program.find('/') != std::string::npos) {
      std::string full = program.starts_with("/") ? program : dir_ + "/" + program;
      if (!IsExecutableFile(full)) {
        Add(where, field, "command \"" + program + "\" does not exist or is not executable");
      } else if (!program.starts_with("/")) {
        if (auto text = Read(program, where, field)) AddFile({program, kind, name, *text});
      }
    } else if (!OnPath(program)) {
      Add(where, field, "command \"" + program + "\" is not found on PATH");
    }
    for (size_t i = 1; i < words.size(); ++i) {
      const std::string& w = words[i];
      if (w.starts_with("-") || w.starts_with("/") || w.find('/') == std::string::npos ||
          w.find(':') != std::string::npos || w.find('=') != std::string::npos) {
        continue;
      }
      if (auto text = Read(w, where, field)) AddFile({w, kind, name, *text});
    }
  }

  void CheckFunctions(const ProjectSpec& spec) {
    for (const auto& [name, command] : spec.functions) {
      auto mark = spec.function_marks.find(name);
      CheckCommand(command,
                   Where(spec, mark == spec.function_marks.end() ? SourceMark{} : mark->second),
                   "functions." + name, "function", name);
    }
  }

  void CheckTopicsAndAlarms(const ProjectSpec& spec) {
    for (const auto& [topic, subscriptions] : spec.topics) {
      for (size_t i = 0; i < subscriptions.size(); ++i) {
        const Subscription& s = subscriptions[i];
        if (s.kind == Subscription::Kind::kCommand) {
          CheckCommand(s.target, Where(spec, s.mark),
                       "topics." + topic + "[" + std::to_string(i) + "].command", "command", topic);
        }
      }
    }
    for (size_t i = 0; i < spec.alarms.size(); ++i) {
      const Alarm& a = spec.alarms[i];
      for (size_t k = 0; k < a.topics.size(); ++k) {
        if (!spec.topics.count(a.topics[k]) && a.topics[k] != kAlertsTopic) {
          Add(Where(spec, a.mark),
              "alarms[" + std::to_string(i) + "].topics[" + std::to_string(k) + "]",
              "topic \"" + a.topics[k] + "\" is not declared in topics");
        }
      }
    }
  }

  void CheckLifecycle(const ProjectSpec& spec) {
    std::set<std::string> buckets(spec.buckets.begin(), spec.buckets.end());
    for (const auto& [bucket, config] : spec.lifecycle) {
      if (!buckets.count(bucket)) {
        auto mark = spec.lifecycle_marks.find(bucket);
        Add(Where(spec, mark == spec.lifecycle_marks.end() ? SourceMark{} : mark->second),
            "lifecycle." + bucket, "bucket \"" + bucket + "\" is not in buckets");
      }
    }
  }

  // Task states that name a function, a job or a topic name one the project declares.
  void CheckTaskReferences(const ProjectSpec& spec, const std::string& file,
                           const json::value& machine, const std::string& location) {
    const json::object* root = machine.if_object();
    if (!root || !root->contains("States") || !root->at("States").is_object()) return;
    std::set<std::string> jobs;
    for (const FileRef& j : spec.jobs) jobs.insert(j.name);
    for (const auto& [state_name, state_value] : root->at("States").as_object()) {
      const json::object* state = state_value.if_object();
      if (!state) continue;
      std::string at = location + "/States/" + std::string(state_name);
      if (const json::value* branches = state->if_contains("Branches");
          branches && branches->is_array()) {
        for (size_t i = 0; i < branches->as_array().size(); ++i) {
          CheckTaskReferences(spec, file, branches->as_array()[i],
                              at + "/Branches/" + std::to_string(i));
        }
      }
      for (std::string_view processor : {"ItemProcessor", "Iterator"}) {
        if (const json::value* p = state->if_contains(processor)) {
          CheckTaskReferences(spec, file, *p, at + "/" + std::string(processor));
        }
      }
      const json::value* resource = state->if_contains("Resource");
      if (!resource || !resource->is_string()) continue;
      std::string arn(resource->as_string());
      // JSONPath states pass Parameters, JSONata states Arguments; only literal names are
      // checked (not paths, `.$` fields or `{% … %}` expressions).
      std::string args = state->contains("Arguments") ? "Arguments" : "Parameters";
      const json::value* parameters = state->if_contains(args);
      auto literal = [&](std::string_view field) -> std::optional<std::string> {
        if (!parameters || !parameters->is_object()) return std::nullopt;
        const json::value* v = parameters->as_object().if_contains(field);
        if (!v || !v->is_string() || v->as_string().starts_with("{%")) return std::nullopt;
        return std::string(v->as_string());
      };
      if (arn.starts_with("arn:aws:states:::lambda:invoke")) {
        if (auto fn = literal("FunctionName")) {
          std::string name = FunctionName(*fn);
          if (!spec.functions.count(name)) {
            Add(file, at + "/" + args + "/FunctionName",
                "function \"" + name + "\" is not declared in sluice.yaml functions");
          }
        }
      } else if (arn.starts_with("arn:aws:lambda:")) {
        std::string name = FunctionName(arn);
        if (!spec.functions.count(name)) {
          Add(file, at + "/Resource",
              "function \"" + name + "\" is not declared in sluice.yaml functions");
        }
      } else if (arn.starts_with("arn:aws:states:::glue:startJobRun")) {
        if (auto job = literal("JobName"); job && !jobs.count(*job)) {
          Add(file, at + "/" + args + "/JobName",
              "job \"" + *job + "\" does not exist in the project");
        }
      } else if (arn.starts_with("arn:aws:states:::sns:publish")) {
        if (auto topic = literal("TopicArn")) {
          std::string name = TopicName(*topic);
          if (!spec.topics.count(name) && name != kAlertsTopic) {
            Add(file, at + "/" + args + "/TopicArn",
                "topic \"" + name + "\" is not declared in sluice.yaml topics");
          }
        }
      }
    }
  }

  std::string dir_;
  std::vector<Problem>* problems_;
  std::map<std::string, ProjectFile> files_;        // by path
  std::map<std::string, json::value> definitions_;  // state machine name → its JSON
};

}  // namespace

std::string ContentHash(const std::vector<ProjectFile>& files) {
  std::vector<const ProjectFile*> sorted;
  for (const ProjectFile& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(),
            [](const ProjectFile* a, const ProjectFile* b) { return a->path < b->path; });
  common::Hasher hasher(common::HashAlgorithm::kSha256);
  for (const ProjectFile* f : sorted) {
    std::string line =
        f->path + '\0' + f->kind + '\0' + f->name + '\0' + common::Sha256Hex(f->content) + '\n';
    hasher.Update(line);
  }
  return hasher.FinishHex();
}

std::string LoadedProject::ContentHash() const { return project::ContentHash(files); }

Result<LoadedProject> LoadProject(const std::string& dir, std::vector<Problem>* problems) {
  std::error_code ec;
  fs::path absolute = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  LoadedProject project;
  project.dir = absolute.string();
  std::string file = project.dir + "/" + std::string(kProjectFileName);
  if (!common::PathExists(file)) {
    return Status::NotFound("no " + std::string(kProjectFileName) + " in " + dir +
                            " (sluice init DIR writes a project)");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string text, common::ReadFileToString(file));
  std::vector<Problem> found;
  ReadProjectSpec(text, kProjectFileName, &project.spec, &found);
  ProjectChecker checker(project.dir, &found);
  checker.AddFile({std::string(kProjectFileName), "project", "", text});
  checker.Check(&project);
  if (found.empty()) return project;
  std::string message;
  for (const Problem& p : found) message += (message.empty() ? "" : "\n") + p.ToString();
  if (problems) problems->insert(problems->end(), found.begin(), found.end());
  return Status::InvalidArgument(message);
}

std::vector<events::NotificationRule> NotificationRules(const ProjectSpec& spec,
                                                        std::string_view bucket) {
  std::vector<events::NotificationRule> rules;
  for (const Trigger& t : spec.triggers) {
    if (t.bucket == bucket) rules.push_back(RuleOf(t));
  }
  return rules;
}

std::string CommandInProject(std::string_view project_dir, std::string_view command) {
  std::string quoted = "'";
  for (char c : project_dir) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return "cd " + quoted + " && " + std::string(command);
}

}  // namespace sluice::project
