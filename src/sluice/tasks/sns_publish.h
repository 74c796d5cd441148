#pragma once

// The Task resource `arn:aws:states:::sns:publish` (Step Functions' optimized SNS
// integration) over ops::Topics. Parameters as Step Functions passes them to SNS Publish:
// TopicArn (`arn:aws:sns:REGION:ACCOUNT:NAME`, or a bare topic name), Message (a string,
// or any JSON value, which is serialized), Subject, MessageAttributes. The result has the
// shape Step Functions returns: {"MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}.
// Errors are named as Step Functions reports SNS's: SNS.NotFoundException (unknown topic),
// SNS.InvalidParameterException (no TopicArn, no Message, malformed attributes),
// SNS.ThrottledException (delivery queue full); the cause is SNS's message with the
// "(Service: AmazonSNS; Status Code: …; Error Code: …; Request ID: …; Proxy: null)" tail.
// Thread-safe as Topics is; the topics must outlive the handler.

#include "sluice/asl/task_handler.h"
#include "sluice/ops/topics.h"

namespace sluice::tasks {

class SnsPublish final : public asl::TaskHandler {
 public:
  explicit SnsPublish(ops::Topics* topics) : topics_(topics) {}

  // Registers this handler for `arn:aws:states:::sns:publish`.
  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

 private:
  ops::Topics* topics_;
};

// For the composition root: registers `handler` (which must outlive `registry`).
inline void RegisterTopics(asl::TaskRegistry& registry, SnsPublish& handler) {
  handler.RegisterWith(registry);
}

}  // namespace sluice::tasks
