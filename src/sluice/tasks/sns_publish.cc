#include "sluice/tasks/sns_publish.h"

#include "sluice/asl/errors.h"
#include "sluice/common/ids.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

// SNS's error as Step Functions' optimized integration reports it.
Status SnsError(std::string_view code, int http_status, const std::string& message,
                const std::string& request_id) {
  return asl::StatesError("SNS." + std::string(code) + "Exception",
                          message + " (Service: AmazonSNS; Status Code: " + std::to_string(http_status) +
                              "; Error Code: " + std::string(code) + "; Request ID: " + request_id +
                              "; Proxy: null)");
}

}  // namespace

void SnsPublish::RegisterWith(asl::TaskRegistry& registry) {
  registry.Register("arn:aws:states:::sns:publish", this);
}

Result<json::value> SnsPublish::Invoke(const asl::TaskInvocation& inv) {
  std::string request_id = common::NewUuid();
  const json::object* params =
      inv.parameters && inv.parameters->is_object() ? &inv.parameters->get_object() : nullptr;
  const json::value* topic = params ? params->if_contains("TopicArn") : nullptr;
  if (!topic || !topic->is_string() || topic->get_string().empty()) {
    return SnsError("InvalidParameter", 400,
                    "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
                    request_id);
  }
  const json::value* message = params->if_contains("Message");
  if (!message || message->is_null()) {
    return SnsError("InvalidParameter", 400, "Invalid parameter: Message Reason: no value for required parameter",
                    request_id);
  }
  ops::PublishRequest req;
  req.topic = std::string(topic->get_string());
  req.message = message->is_string() ? std::string(message->get_string()) : common::SerializeJson(*message);
  if (const json::value* subject = params->if_contains("Subject"); subject && subject->is_string()) {
    req.subject = std::string(subject->get_string());
  }
  if (const json::value* attrs = params->if_contains("MessageAttributes")) req.attributes = *attrs;
  auto id = topics_->Publish(req);
  if (!id.ok()) {
    const Status& st = id.status();
    if (st.name() == "NotFound") return SnsError("NotFound", 404, "Topic does not exist", request_id);
    if (st.name() == "InvalidParameter") return SnsError("InvalidParameter", 400, st.message(), request_id);
    if (st.name() == "Throttled") return SnsError("Throttled", 400, st.message(), request_id);
    return st;  // an engine failure (catalog), not a workflow error
  }
  json::object headers;
  headers["Content-Type"] = "text/xml";
  headers["Date"] = common::FormatHttpDate(topics_->options().clock->Now());
  headers["x-amzn-RequestId"] = request_id;
  json::object result;
  result["MessageId"] = *id;
  result["SdkHttpMetadata"] = json::object{{"AllHttpHeaders", json::object{}},
                                           {"HttpHeaders", std::move(headers)},
                                           {"HttpStatusCode", 200}};
  result["SdkResponseMetadata"] = json::object{{"RequestId", request_id}};
  return json::value(std::move(result));
}

}  // namespace sluice::tasks
