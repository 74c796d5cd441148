#include "sluice/cli/states_commands.h"

#include <iostream>
#include <iterator>

#include "sluice/asl/definition.h"
#include "sluice/asl/interpreter.h"
#include "sluice/asl/mock_config.h"
#include "sluice/common/file_util.h"
#include "sluice/common/json.h"
#include "sluice/tasks/local_functions.h"

namespace sluice::cli {
namespace {

namespace json = boost::json;

Result<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return common::ReadFileToString(path);
}

}  // namespace

int ValidateStateMachine(const std::string& path, std::ostream& out, std::ostream& err) {
  auto text = common::ReadFileToString(path);
  if (!text.ok()) {
    err << "sluice states validate: " << text.status().ToString() << "\n";
    return 2;
  }
  std::vector<asl::Diagnostic> diagnostics;
  auto machine = asl::ParseDefinition(*text, &diagnostics);
  if (machine.ok()) {
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

  asl::ExecutionOptions options;
  options.state_machine_name = o.state_machine_name;
  options.execution_name = o.execution_name;
  options.region = o.region;
  options.account = o.account;
  options.wait_time_scale = o.wait_time_scale;
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
  return result.status == asl::ExecutionStatus::kSucceeded ? 0 : 1;
}

}  // namespace sluice::cli
