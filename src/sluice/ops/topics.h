#pragma once

// Topics: named publish/subscribe channels (SNS's role). Publish() gives a message a
// MessageId (a UUID) and hands it to each of the topic's subscriptions:
//   - log:     the SNS notification JSON as one log line (common/logging.h), at once;
//   - http:    an HTTP/1.1 POST of the notification JSON (SNS's HTTP/S message body and
//              x-amz-sns-* headers, without signature) to a loopback URL;
//   - command: `/bin/sh -c ENDPOINT` with the notification JSON on stdin; exit 0 delivers.
// HTTP and command deliveries go through a bounded queue served by one worker thread, with
// retries and exponential back-off (DeliveryPolicy); 2xx delivers, 5xx / 429 / connection
// failures / non-zero exits are retried, other HTTP statuses fail at once. A delivery that
// exhausts its attempts is marked FAILED and logged as an error.
//
// With a catalog, every delivery is a row of `topic_deliveries` (docs/formats/catalog.md):
// inserted PENDING when published (with the notification body), updated after each
// attempt, so nothing is lost silently and ResumePending() re-queues what a previous
// process left PENDING. Without a catalog (one-off `sluice states run`) deliveries are
// only logged.
//
// A topic named `alerts` with a log subscription exists from the start; Define() may
// replace it. Thread-safe; the catalog and clock must outlive the Topics. Destruction stops
// the worker after the attempt in progress; queued deliveries stay PENDING in the catalog.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/ops/metrics.h"

namespace sluice::ops {

inline constexpr std::string_view kAlertsTopic = "alerts";
// SNS's limit on a message: 256 KiB.
inline constexpr size_t kMaxMessageBytes = 256 * 1024;

enum class SubscriptionProtocol { kLog, kHttp, kCommand };

struct Subscription {
  SubscriptionProtocol protocol = SubscriptionProtocol::kLog;
  std::string endpoint;  // URL (http), shell command (command), empty (log)

  // "log", "http:http://127.0.0.1:8080/hook", "command:./notify.sh": how deliveries name it.
  std::string Describe() const;
};

// A topic and its subscriptions, as configured:
//   {"Name": "alerts", "Subscriptions": [{"Protocol": "log"},
//     {"Protocol": "http", "Endpoint": "http://127.0.0.1:9000/hook"},
//     {"Protocol": "command", "Endpoint": "./notify.sh"}]}
struct TopicDefinition {
  std::string name;
  std::vector<Subscription> subscriptions;

  // InvalidArgument naming the JSON path: unknown protocol, http endpoint not a loopback
  // http:// URL, command without endpoint, topic name not SNS's [A-Za-z0-9_-]{1,256}.
  static Result<TopicDefinition> FromJson(const boost::json::value& value, std::string_view path);
};

// A project's `topics:` list: an array of topic definitions with distinct names.
// InvalidArgument naming the path ("$.topics[2].Name: …" for a repeated name).
Result<std::vector<TopicDefinition>> TopicDefinitionsFromJson(const boost::json::value& value,
                                                              std::string_view path);

struct DeliveryPolicy {
  int max_attempts = 4;          // first try included
  int64_t min_delay_ms = 1000;   // before the first retry
  double backoff = 2.0;          // each later retry waits this much longer
  int64_t max_delay_ms = 20000;
  int64_t timeout_ms = 5000;     // per HTTP exchange or command run
};

struct TopicsOptions {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  DeliveryPolicy policy{};
  size_t queue_capacity = 1000;           // queued + in-flight HTTP/command deliveries
  catalog::Catalog* catalog = nullptr;    // delivery records; nullptr: none
  const common::Clock* clock = common::SystemClock::Default();  // timestamps
  MetricFamily* notifications_total = nullptr;  // counter{topic,status}, optional
};

struct PublishRequest {
  std::string topic{};    // a name or arn:aws:sns:REGION:ACCOUNT:NAME
  std::string message{};  // the text delivered
  std::string subject{};  // optional
  // SNS MessageAttributes as Publish takes them: {"k": {"DataType": "String",
  // "StringValue": "v"}}; null or an object.
  boost::json::value attributes{};
};

enum class DeliveryStatus { kPending, kDelivered, kFailed };
std::string_view DeliveryStatusName(DeliveryStatus s);  // PENDING, DELIVERED, FAILED

struct DeliveryRecord {
  std::string delivery_id;
  std::string topic;
  std::string message_id;
  std::string subscription;  // Subscription::Describe()
  int attempts = 0;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::string last_error;
};

class Topics {
 public:
  explicit Topics(TopicsOptions options = {});
  ~Topics();
  Topics(const Topics&) = delete;
  Topics& operator=(const Topics&) = delete;

  // Adds or replaces a topic.
  void Define(TopicDefinition topic);
  bool Has(std::string_view name) const;
  // arn:aws:sns:REGION:ACCOUNT:NAME
  std::string TopicArn(std::string_view name) const;
  const TopicsOptions& options() const { return options_; }

  // Publishes to every subscription of the topic and returns the MessageId. NotFound named
  // "NotFound" ("Topic does not exist") for an unknown topic; InvalidArgument named
  // "InvalidParameter" for an empty or too long (kMaxMessageBytes) message, a Subject SNS
  // would refuse (non-ASCII, control characters, 100 characters or more) or malformed
  // attributes; Unavailable named
  // "Throttled" when the delivery queue is full. Catalog failures are returned; nothing is
  // delivered then.
  Result<std::string> Publish(const PublishRequest& request);

  // Re-queues the deliveries the catalog holds as PENDING (left by a stopped process);
  // returns how many. Call once at start, before publishing.
  Result<int> ResumePending();

  // Waits until no delivery is queued or being attempted; false after `timeout_ms`.
  bool WaitIdle(int64_t timeout_ms);

  // The catalog's records of one message, by subscription. FailedPrecondition without a
  // catalog.
  Result<std::vector<DeliveryRecord>> Deliveries(std::string_view message_id);

  // The SNS notification JSON for a message, as HTTP subscribers receive it.
  static std::string NotificationJson(std::string_view topic_arn, std::string_view message_id,
                                      std::string_view subject, std::string_view message,
                                      common::Timestamp when, const boost::json::value& attributes);

 private:
  struct Pending {
    std::string delivery_id, topic, message_id;
    Subscription subscription;
    std::string body;
    int attempts = 0;
  };
  using SteadyTime = std::chrono::steady_clock::time_point;

  void Run();
  // One attempt: "" on success, else the error; *retryable says whether to try again.
  std::string Attempt(const Pending& p, bool* retryable);
  void Record(const Pending& p, DeliveryStatus status, const std::string& error);

  TopicsOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, TopicDefinition, std::less<>> topics_;
  std::multimap<SteadyTime, Pending> queue_;
  int in_flight_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

// The topic name in `arn:aws:sns:REGION:ACCOUNT:NAME`, or `name_or_arn` when it is not an
// SNS ARN.
std::string TopicNameOf(std::string_view name_or_arn);

}  // namespace sluice::ops
