#include "sluice/cli/jsonata_commands.h"

#include "sluice/common/file_util.h"
#include "sluice/jsonata/jsonata.h"
#include "sluice/jsonata/step_functions.h"

namespace sluice::cli {
namespace {

// Reads a JSON file as a JSONata value (big integers keep their digits).
Result<jsonata::Value> ReadJsonFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, common::ReadFileToString(path));
  Result<jsonata::Value> value = jsonata::ParseJsonText(text);
  if (!value.ok()) return Status::InvalidArgument(path + ": " + value.status().message());
  return value;
}

}  // namespace

int RunJsonata(const JsonataCommand& command, std::ostream& out, std::ostream& err) {
  jsonata::Value input;
  if (!command.input_path.empty()) {
    Result<jsonata::Value> read = ReadJsonFile(command.input_path);
    if (!read.ok()) {
      err << "sluice jsonata: " << read.status().ToString() << "\n";
      return 1;
    }
    input = *read;
  }
  jsonata::Bindings bindings;
  if (!command.bindings_path.empty()) {
    Result<jsonata::Value> read = ReadJsonFile(command.bindings_path);
    if (read.ok() && !read->is_object()) {
      read = Status::InvalidArgument(command.bindings_path + ": bindings must be a JSON object");
    }
    if (!read.ok()) {
      err << "sluice jsonata: " << read.status().ToString() << "\n";
      return 1;
    }
    for (const auto& [name, value] : read->object().entries) bindings.emplace_back(name, value);
  }
  const jsonata::FunctionRegistry& registry =
      command.standard ? jsonata::FunctionRegistry::Standard() : jsonata::StepFunctionsRegistry();
  Result<jsonata::Expression> expression =
      jsonata::Expression::Compile(command.expression, registry);
  Result<jsonata::Value> result = expression.ok() ? expression->Evaluate(input, bindings)
                                                  : Result<jsonata::Value>(expression.status());
  if (!result.ok()) {
    jsonata::ErrorInfo info = jsonata::ErrorInfoFromStatus(result.status());
    err << info.code << ": " << info.message;
    if (info.position >= 0) err << " (position " << info.position << ")";
    err << "\n";
    return 1;
  }
  if (expression->uses_operators_after_2_0_6() && !command.standard) {
    err << "warning: ?? and ?: are JSONata 2.1.0 operators; AWS Step Functions (JSONata 2.0.6) "
           "rejects them\n";
  }
  if (result->is_defined()) out << jsonata::ToJsonText(*result, command.pretty ? 2 : 0) << "\n";
  return 0;
}

}  // namespace sluice::cli
