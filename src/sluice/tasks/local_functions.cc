#include "sluice/tasks/local_functions.h"

#include "sluice/asl/errors.h"
#include "sluice/common/ids.h"
#include "sluice/common/process.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string FunctionNameOf(std::string_view function) {
  // Forms: name | name:qualifier | account:function:name[:q] | arn:aws:lambda:r:a:function:name[:q]
  size_t pos = function.find("function:");
  std::string_view rest = pos == std::string_view::npos ? function : function.substr(pos + 9);
  size_t colon = rest.find(':');
  return std::string(colon == std::string_view::npos ? rest : rest.substr(0, colon));
}

void LocalFunctions::RegisterWith(asl::TaskRegistry& registry) {
  registry.Register("arn:aws:states:::lambda:invoke", this);
  registry.Register("arn:aws:lambda:*", this);
}

Result<json::value> LocalFunctions::Invoke(const asl::TaskInvocation& inv) {
  bool service_integration = inv.resource.substr(0, 18) == "arn:aws:states:::l";
  std::string function;
  json::value payload;
  if (service_integration) {
    const json::object* params = inv.parameters && inv.parameters->is_object() ? &inv.parameters->get_object() : nullptr;
    const json::value* name = params ? params->if_contains("FunctionName") : nullptr;
    if (!name || !name->is_string()) {
      return asl::StatesError("States.Runtime", "The field 'FunctionName' is required by the resource '" +
                                                    std::string(inv.resource) + "' in state '" +
                                                    std::string(inv.state_name) + "'");
    }
    function = std::string(name->get_string());
    if (const json::value* p = params->if_contains("Payload")) payload = *p;
  } else {
    function = std::string(inv.resource);
    if (inv.parameters) payload = *inv.parameters;
  }
  std::string name = FunctionNameOf(function);
  std::string arn = "arn:aws:lambda:" + region_ + ":" + account_ + ":function:" + name;
  auto it = commands_.find(name);
  std::string request_id = common::NewUuid();
  if (it == commands_.end()) {
    return asl::StatesError("Lambda.ResourceNotFoundException",
                            "Function not found: " + arn +
                                " (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
                                "Request ID: " + request_id + "; Proxy: null)");
  }
  int64_t timeout_ms = -1;
  if (inv.timeout_seconds) {
    timeout_ms = static_cast<int64_t>(static_cast<double>(*inv.timeout_seconds) * 1000 *
                                      std::max(inv.wait_time_scale, 0.001));
  }
  std::map<std::string, std::string> env = {{"AWS_LAMBDA_FUNCTION_NAME", name},
                                            {"AWS_REGION", region_},
                                            {"SLUICE_REQUEST_ID", request_id}};
  SLUICE_ASSIGN_OR_RETURN(common::CommandResult pr, common::RunCommand(it->second, common::SerializeJson(payload), timeout_ms, env));
  if (pr.timed_out) {
    return asl::StatesError(asl::kStatesTimeout, "Function " + name + " ran longer than the Task's TimeoutSeconds (" +
                                                     std::to_string(*inv.timeout_seconds) + ")");
  }
  std::string out = Trim(pr.out);
  auto parsed = out.empty() ? Result<json::value>(json::value(nullptr)) : common::ParseJson(out, "function " + name + " stdout");
  if (pr.exit_code != 0) {
    if (parsed.ok() && parsed->is_object() && parsed->get_object().contains("errorType") &&
        parsed->get_object().at("errorType").is_string()) {
      return asl::StatesError(std::string(parsed->get_object().at("errorType").get_string()),
                              common::SerializeJson(*parsed));
    }
    json::object cause;
    cause["errorType"] = "Runtime.ExitError";
    cause["errorMessage"] = "RequestId: " + request_id + " Error: Runtime exited with error: exit status " +
                            std::to_string(pr.exit_code);
    return asl::StatesError("Runtime.ExitError", common::SerializeJson(cause));
  }
  if (!parsed.ok()) {
    return asl::StatesError("Runtime.InvalidResponse",
                            "function " + name + " printed output that is not JSON: " + parsed.status().message());
  }
  if (!service_integration) return std::move(*parsed);
  json::object result;
  result["ExecutedVersion"] = "$LATEST";
  result["Payload"] = std::move(*parsed);
  json::object headers;
  headers["Content-Type"] = "application/json";
  headers["x-amzn-RequestId"] = request_id;
  headers["X-Amz-Executed-Version"] = "$LATEST";
  result["SdkHttpMetadata"] = json::object{{"AllHttpHeaders", json::object{}}, {"HttpHeaders", std::move(headers)},
                                           {"HttpStatusCode", 200}};
  result["SdkResponseMetadata"] = json::object{{"RequestId", request_id}};
  result["StatusCode"] = 200;
  return json::value(std::move(result));
}

}  // namespace sluice::tasks
