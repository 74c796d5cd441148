#pragma once

// How Step Functions reports the AWS services its integrations call, shared by the handlers
// of this module: the SDK metadata optimized integrations add to results, and the causes of
// service exceptions ("<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code:
// ConditionalCheckFailedException; Request ID: …; Proxy: null)").

#include <string>
#include <string_view>

#include "sluice/asl/errors.h"
#include "sluice/common/ids.h"
#include "sluice/common/json.h"

namespace sluice::tasks {

// The error `<prefix>.<exception>` with AWS's service-exception cause.
inline Status ServiceError(std::string_view prefix, std::string_view service,
                           std::string_view exception, const std::string& message,
                           int status_code = 400) {
  return asl::StatesError(std::string(prefix) + "." + std::string(exception),
                          message + " (Service: " + std::string(service) +
                              "; Status Code: " + std::to_string(status_code) +
                              "; Error Code: " + std::string(exception) +
                              "; Request ID: " + common::NewUuid() + "; Proxy: null)");
}

// SdkHttpMetadata and SdkResponseMetadata as the optimized integrations return them.
inline void AddSdkMetadata(boost::json::object& result) {
  std::string request_id = common::NewUuid();
  boost::json::object headers;
  headers["Content-Type"] = "application/x-amz-json-1.0";
  headers["x-amzn-RequestId"] = request_id;
  result["SdkHttpMetadata"] = boost::json::object{{"AllHttpHeaders", boost::json::object{}},
                                                  {"HttpHeaders", std::move(headers)},
                                                  {"HttpStatusCode", 200}};
  result["SdkResponseMetadata"] = boost::json::object{{"RequestId", request_id}};
}

// The task's Parameters as an object, or a States.Runtime error naming the state.
inline Result<const boost::json::object*> ParametersObject(const boost::json::value* parameters,
                                                           std::string_view resource,
                                                           std::string_view state) {
  static const boost::json::object kEmpty;
  if (parameters == nullptr || parameters->is_null()) return &kEmpty;
  if (!parameters->is_object()) {
    return asl::StatesError(asl::kStatesRuntime,
                            "The Parameters of state '" + std::string(state) + "' for resource '" +
                                std::string(resource) + "' must be a JSON object");
  }
  return &parameters->get_object();
}

}  // namespace sluice::tasks
