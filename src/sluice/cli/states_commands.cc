#include "sluice/cli/states_commands.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "sluice/asl/definition.h"
#include "sluice/asl/execution_service.h"
#include "sluice/asl/interpreter.h"
#include "sluice/asl/mock_config.h"
#include "sluice/common/file_util.h"
#include "sluice/cli/home.h"
#include "sluice/cli/jobs_commands.h"
#include "sluice/cli/warehouse_commands.h"
#include "sluice/common/json.h"
#include "sluice/tasks/aws_integrations.h"
#include "sluice/cli/ops_commands.h"
#include "sluice/tasks/local_functions.h"
#include "sluice/tasks/sns_publish.h"

namespace sluice::cli {
namespace {

namespace json = boost::json;

Result<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return common::ReadFileToString(path);
}

// True when the definition calls a resource that needs the engine home (catalog, lake,
// warehouse): opening a home creates `.sluice/`, which plain runs should not.
bool NeedsEngineState(std::string_view definition) {
  for (std::string_view prefix : {"arn:aws:states:::glue:", "arn:aws:states:::aws-sdk:glue:",
                                  "arn:aws:states:::aws-sdk:redshiftdata:",
                                  "arn:aws:states:::dynamodb:", "arn:sluice:::"}) {
    if (definition.find(prefix) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::string ProjectFolder(const std::string& flag, const std::string& definition_path,
                          const std::string& name) {
  namespace fs = std::filesystem;
  if (!flag.empty()) return flag;
  fs::path dir = fs::absolute(definition_path).parent_path();
  for (const fs::path& candidate : {dir / name, dir.parent_path() / name}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate.lexically_normal().string();
  }
  return name;
}

int ValidateStateMachine(const std::string& path, std::ostream& out, std::ostream& err) {
  auto text = common::ReadFileToString(path);
  if (!text.ok()) {
    err << "sluice states validate: " << text.status().ToString() << "\n";
    return 2;
  }
  std::vector<asl::Diagnostic> diagnostics;
  auto machine = asl::ParseDefinition(*text, &diagnostics);
  if (machine.ok()) {
    for (const asl::Diagnostic& w : (*machine)->warnings) {
      err << path << ": " << w.location << ": warning: " << w.message << "\n";
    }
    out << path << ": valid\n";
    return 0;
  }
  if (diagnostics.empty()) diagnostics.push_back({"/", machine.status().message()});
  for (const asl::Diagnostic& d : diagnostics) err << path << ": " << d.location << ": " << d.message << "\n";
  return 2;
}

int RunStateMachine(const RunStateMachineOptions& o, std::ostream& out, std::ostream& err) {
  auto usage = [&](const Status& st) {
    err << "sluice states run: " << st.ToString() << "\n";
    return 2;
  };
  auto text = common::ReadFileToString(o.definition_path);
  if (!text.ok()) return usage(text.status());
  json::value input = json::object();
  if (!o.input_path.empty()) {
    auto raw = ReadInput(o.input_path);
    if (!raw.ok()) return usage(raw.status());
    auto parsed = common::ParseJson(*raw, o.input_path == "-" ? "stdin" : o.input_path);
    if (!parsed.ok()) return usage(parsed.status());
    input = std::move(*parsed);
  }
  std::vector<asl::Diagnostic> diagnostics;
  auto machine = asl::ParseDefinition(*text, &diagnostics);
  if (!machine.ok()) {
    std::string cause;
    for (const asl::Diagnostic& d : diagnostics) cause += d.location + ": " + d.message + "\n";
    if (diagnostics.empty()) cause = machine.status().message();
    while (!cause.empty() && cause.back() == '\n') cause.pop_back();
    json::object result{{"status", "VALIDATION_ERROR"}, {"error", "InvalidDefinition"}, {"cause", cause}};
    out << common::SerializeJson(result) << "\n";
    return 2;
  }

  asl::MockTestCase mocks;
  if (!o.mocks_path.empty()) {
    auto mock_text = common::ReadFileToString(o.mocks_path);
    if (!mock_text.ok()) return usage(mock_text.status());
    auto config = asl::MockConfig::Parse(*mock_text, o.mocks_path);
    if (!config.ok()) return usage(config.status());
    if (o.test_case.empty()) return usage(Status::InvalidArgument("--mocks needs --test-case NAME"));
    auto tc = config->TestCase(o.state_machine_name, o.test_case);
    if (!tc.ok()) return usage(tc.status());
    mocks = std::move(*tc);
  }

  asl::TaskRegistry registry;
  tasks::LocalFunctions functions(o.region, o.account);
  for (const std::string& f : o.functions) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      return usage(Status::InvalidArgument("--function expects NAME=COMMAND, got '" + f + "'"));
    }
    functions.Add(f.substr(0, eq), f.substr(eq + 1));
  }
  functions.RegisterWith(registry);
  ops::Topics topics(ops::TopicsOptions{.region = o.region, .account = o.account});
  if (Status st = DefineTopics(topics, o.topics); !st.ok()) return usage(st);
  tasks::SnsPublish sns(&topics);
  tasks::RegisterTopics(registry, sns);

  std::unique_ptr<Home> home;
  std::unique_ptr<tasks::AwsIntegrations> integrations;
  if (NeedsEngineState(*text)) {
    auto opened = Home::Open(o.home_dir.empty() ? ResolveHomeDir("") : o.home_dir);
    if (!opened.ok()) return usage(opened.status().WithContext("opening the engine home"));
    home = std::move(*opened);
    tasks::TaskEnvironment env;
    env.catalog = &home->catalog();
    env.lake_dir = LakeDir(*home);
    env.warehouse_url = WarehouseUrl(*home, o.warehouse_url);
    env.models_dir = ProjectFolder(o.models_dir, o.definition_path, "models");
    env.find_job = tasks::JobFolder(ProjectFolder(o.jobs_dir, o.definition_path, "jobs"));
    Home* h = home.get();
    env.open_source = [h](const std::string& source, bool with_etag) {
      return OpenJobSource(*h, source, with_etag);
    };
    integrations = tasks::RegisterAwsIntegrations(registry, std::move(env));
  }

  asl::ExecutionOptions options;
  options.state_machine_name = o.state_machine_name;
  options.execution_name = o.execution_name;
  options.region = o.region;
  options.account = o.account;
  options.wait_time_scale = o.wait_time_scale;
  options.max_payload_bytes = o.max_payload_bytes;
  options.tasks = &registry;
  options.mocks = o.mocks_path.empty() ? nullptr : &mocks;
  options.record_history = o.history;
  asl::ExecutionResult result = asl::RunExecution(**machine, input, options);
  json::object printed = result.ToJson();
  if (o.history) {
    json::array events;
    for (const asl::HistoryEvent& e : result.history) events.push_back(e.ToJson());
    printed["history"] = std::move(events);
  }
  out << common::SerializeJson(printed) << "\n";
  // Webhook and command deliveries finish (or fail, logged) before the process exits.
  topics.WaitIdle(120000);
  return result.status == asl::ExecutionStatus::kSucceeded ? 0 : 1;
}

namespace {

Result<std::string> ReadDefinition(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("--definition FILE is required");
  return common::ReadFileToString(path);
}

json::object StateMachineSummary(const asl::StateMachineRecord& sm) {
  json::object o;
  o["stateMachineArn"] = sm.arn;
  o["name"] = sm.name;
  o["type"] = sm.type;
  o["creationDate"] = common::FormatIso8601Millis(sm.creation_date);
  return o;
}

}  // namespace

int RunDurableCommand(Home& home, const DurableCommand& c, const DurableOptions& o,
                      std::ostream& out, std::ostream& err) {
  catalog::Catalog& catalog = home.catalog();
  const std::string command = "states " + c.verb;
  auto fail = [&](const Status& st) {
    err << "sluice " << command << ": " << st.ToString() << "\n";
    return st.code() == StatusCode::kInvalidArgument && st.name() == "InvalidArgument" ? 2 : 1;
  };
  asl::TaskRegistry registry;
  tasks::LocalFunctions functions("us-east-1", "123456789012");
  for (const std::string& f : o.functions) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(Status::InvalidArgument("--function expects NAME=COMMAND, got '" + f + "'"));
    }
    functions.Add(f.substr(0, eq), f.substr(eq + 1));
  }
  functions.RegisterWith(registry);
  tasks::TaskEnvironment env;
  env.catalog = &catalog;
  env.lake_dir = LakeDir(home);
  env.warehouse_url = WarehouseUrl(home, o.warehouse_url);
  env.models_dir = o.models_dir.empty() ? "models" : o.models_dir;
  env.find_job = tasks::JobFolder(o.jobs_dir.empty() ? "jobs" : o.jobs_dir);
  env.open_source = [&home](const std::string& source, bool with_etag) {
    return OpenJobSource(home, source, with_etag);
  };
  auto integrations = tasks::RegisterAwsIntegrations(registry, std::move(env));
  ops::Topics topics(ops::TopicsOptions{.catalog = &catalog});
  if (Status st = DefineTopics(topics, o.topics); !st.ok()) return fail(st);
  // Only the verb that resumes work re-sends deliveries a previous process left PENDING: a
  // read-only command must not have side effects.
  if (c.verb == "resume" && !o.no_run) {
    if (auto resumed = topics.ResumePending(); !resumed.ok()) return fail(resumed.status());
  }
  // Deliveries started here finish before the command returns (or stay PENDING, resumed
  // by the next command, if they outlast the wait).
  struct DrainTopics {
    ops::Topics& topics;
    ~DrainTopics() { topics.WaitIdle(120000); }
  } drain{topics};
  tasks::SnsPublish sns(&topics);
  tasks::RegisterTopics(registry, sns);
  asl::ExecutionServiceOptions so;
  so.wait_time_scale = o.wait_time_scale;
  asl::ExecutionService service(&catalog, &registry, so);
  asl::NestedExecutions nested(&service);
  nested.RegisterWith(registry);
  auto print = [&](const json::value& v) { out << common::SerializeJson(v) << std::endl; };

  // Runs `arn` here (unless --no-run), then whatever it started; prints the final record.
  auto run = [&](const std::string& arn) -> int {
    if (o.no_run) return 0;
    auto done = service.Run(arn);
    if (!done.ok()) return fail(done.status());
    auto pending = service.RunPending();
    if (!pending.ok()) return fail(pending.status());
    print(done->ToJson());
    return done->status == "SUCCEEDED" ? 0 : 1;
  };

  if (c.verb == "create") {
    auto def = ReadDefinition(c.definition_path);
    if (!def.ok()) return fail(def.status());
    auto sm = service.CreateStateMachine(c.name, *def, c.role_arn, c.publish);
    if (!sm.ok()) return fail(sm.status());
    json::object o2{{"stateMachineArn", sm->arn}, {"creationDate", common::FormatIso8601Millis(sm->creation_date)}};
    if (c.publish) o2["stateMachineVersionArn"] = sm->arn + ":1";
    print(o2);
    return 0;
  }
  if (c.verb == "update") {
    auto def = ReadDefinition(c.definition_path);
    if (!def.ok()) return fail(def.status());
    auto sm = service.UpdateStateMachine(c.state_machine, *def, c.publish);
    if (!sm.ok()) return fail(sm.status());
    json::object o2{{"updateDate", common::FormatIso8601Millis(common::SystemClock::Default()->Now())},
                    {"revisionId", sm->revision_id}};
    if (sm->version) o2["stateMachineVersionArn"] = sm->arn + ":" + std::to_string(*sm->version);
    print(o2);
    return 0;
  }
  if (c.verb == "list") {
    auto list = service.ListStateMachines();
    if (!list.ok()) return fail(list.status());
    json::array a;
    for (const auto& sm : *list) a.push_back(StateMachineSummary(sm));
    print(json::object{{"stateMachines", std::move(a)}});
    return 0;
  }
  if (c.verb == "describe-state-machine") {
    auto sm = service.DescribeStateMachine(c.state_machine);
    if (!sm.ok()) return fail(sm.status());
    print(sm->ToJson());
    return 0;
  }
  if (c.verb == "start") {
    std::string input = "{}";
    if (!c.input_path.empty()) {
      auto raw = ReadInput(c.input_path);
      if (!raw.ok()) return fail(raw.status());
      input = *raw;
    }
    auto started = service.StartExecution(c.state_machine, c.name, input);
    if (!started.ok()) return fail(started.status());
    print(json::object{{"executionArn", started->arn},
                       {"startDate", common::FormatIso8601Millis(started->start_date)}});
    return run(started->arn);
  }
  if (c.verb == "describe") {
    auto e = service.DescribeExecution(c.execution_arn);
    if (!e.ok()) return fail(e.status());
    print(e->ToJson());
    return 0;
  }
  if (c.verb == "list-executions") {
    auto list = service.ListExecutions(c.state_machine, c.status);
    if (!list.ok()) return fail(list.status());
    json::array a;
    for (const auto& e : *list) {
      json::object item = e.ToJson();
      item.erase("input");
      item.erase("inputDetails");
      item.erase("output");
      item.erase("outputDetails");
      a.push_back(std::move(item));
    }
    print(json::object{{"executions", std::move(a)}});
    return 0;
  }
  if (c.verb == "history") {
    auto h = service.GetExecutionHistory(c.execution_arn);
    if (!h.ok()) return fail(h.status());
    json::array a;
    for (const auto& e : *h) a.push_back(e.ToJson());
    if (c.reverse) std::reverse(a.begin(), a.end());
    print(json::object{{"events", std::move(a)}});
    return 0;
  }
  if (c.verb == "stop") {
    auto e = service.StopExecution(c.execution_arn, c.error, c.cause);
    if (!e.ok()) return fail(e.status());
    print(json::object{{"stopDate", common::FormatIso8601Millis(e->stop_date.value_or(common::Timestamp{}))}});
    return 0;
  }
  if (c.verb == "redrive") {
    auto e = service.RedriveExecution(c.execution_arn);
    if (!e.ok()) return fail(e.status());
    print(json::object{{"redriveDate", common::FormatIso8601Millis(e->redrive_date.value_or(common::Timestamp{}))}});
    return run(e->arn);
  }
  if (c.verb == "resume") {
    auto n = service.RunPending();
    if (!n.ok()) return fail(n.status());
    print(json::object{{"executionsRun", *n}});
    return 0;
  }
  if (c.verb == "send-task-success" || c.verb == "send-task-failure" || c.verb == "send-task-heartbeat") {
    Status st;
    if (c.verb == "send-task-success") {
      auto text = c.output.rfind("file://", 0) == 0 ? common::ReadFileToString(c.output.substr(7))
                                                    : Result<std::string>(c.output);
      if (!text.ok()) return fail(text.status());
      st = service.SendTaskSuccess(c.token, *text);
    } else if (c.verb == "send-task-failure") {
      st = service.SendTaskFailure(c.token, c.error, c.cause);
    } else {
      st = service.SendTaskHeartbeat(c.token);
    }
    if (!st.ok()) return fail(st);
    print(json::object());
    // Drive forward executions nobody else is running (the token's one among them).
    if (!o.no_run && c.verb != "send-task-heartbeat") {
      auto n = service.RunPending();
      if (!n.ok()) return fail(n.status());
    }
    return 0;
  }
  return fail(Status::InvalidArgument("unknown command " + c.verb));
}

}  // namespace sluice::cli
