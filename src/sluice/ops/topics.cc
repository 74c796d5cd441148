#include "sluice/ops/topics.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "sluice/common/hash.h"
#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/common/process.h"
#include "sluice/ops/http_post_internal.h"

namespace sluice::ops {
namespace {

namespace json = boost::json;

bool ValidTopicName(std::string_view n) {
  if (n.empty() || n.size() > 256) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Status InvalidParameter(std::string message) {
  return Status(StatusCode::kInvalidArgument, "InvalidParameter", std::move(message));
}

// MessageAttributes as Publish takes them → as notifications carry them.
Result<json::object> NotificationAttributes(const json::value& attributes) {
  json::object out;
  if (attributes.is_null()) return out;
  if (!attributes.is_object()) return InvalidParameter("MessageAttributes must be an object");
  for (const auto& [name, v] : attributes.get_object()) {
    const json::object* a = v.if_object();
    const json::value* type = a ? a->if_contains("DataType") : nullptr;
    if (!type || !type->is_string()) {
      return InvalidParameter("The message attribute '" + std::string(name) +
                              "' must contain a DataType");
    }
    const json::value* value = a->if_contains("StringValue");
    if (!value) value = a->if_contains("BinaryValue");
    if (!value || !value->is_string()) {
      return InvalidParameter("The message attribute '" + std::string(name) +
                              "' must contain non-empty message attribute value");
    }
    out[name] = json::object{{"Type", *type}, {"Value", *value}};
  }
  return out;
}

// TOPIC_ARN:UUID as SNS names subscriptions; the UUID is derived from the subscription so
// it stays the same across restarts.
std::string SubscriptionArn(const std::string& topic_arn, const Subscription& s) {
  std::string h = common::Md5Hex(topic_arn + "\n" + s.Describe());
  return topic_arn + ":" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20, 12);
}

}  // namespace

std::string_view DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending: return "PENDING";
    case DeliveryStatus::kDelivered: return "DELIVERED";
    case DeliveryStatus::kFailed: return "FAILED";
  }
  return "PENDING";
}

std::string Subscription::Describe() const {
  switch (protocol) {
    case SubscriptionProtocol::kLog: return "log";
    case SubscriptionProtocol::kHttp: return "http:" + endpoint;
    case SubscriptionProtocol::kCommand: return "command:" + endpoint;
  }
  return "log";
}

std::string TopicNameOf(std::string_view name_or_arn) {
  if (!name_or_arn.starts_with("arn:")) return std::string(name_or_arn);
  // arn:PARTITION:sns:REGION:ACCOUNT:NAME
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = name_or_arn.find(':', pos);
    if (pos == std::string_view::npos) return std::string(name_or_arn);
    ++pos;
  }
  return std::string(name_or_arn.substr(pos));
}

Result<TopicDefinition> TopicDefinition::FromJson(const json::value& value, std::string_view path) {
  const json::object* o = value.if_object();
  if (!o) return Status::InvalidArgument(std::string(path) + ": expected a topic object");
  TopicDefinition t;
  SLUICE_ASSIGN_OR_RETURN(t.name, common::RequiredString(*o, "Name", path));
  if (!ValidTopicName(t.name)) {
    return Status::InvalidArgument(std::string(path) + ".Name: '" + t.name +
                                   "' is not a topic name (1-256 of A-Z a-z 0-9 _ -)");
  }
  const json::value* subs = o->if_contains("Subscriptions");
  if (subs && !subs->is_array()) {
    return Status::InvalidArgument(std::string(path) + ".Subscriptions: expected an array");
  }
  if (!subs) return t;
  for (size_t i = 0; i < subs->get_array().size(); ++i) {
    std::string sp = std::string(path) + ".Subscriptions[" + std::to_string(i) + "]";
    const json::object* so = subs->get_array()[i].if_object();
    if (!so) return Status::InvalidArgument(sp + ": expected an object");
    SLUICE_ASSIGN_OR_RETURN(std::string protocol, common::RequiredString(*so, "Protocol", sp));
    SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> endpoint,
                            common::OptionalString(*so, "Endpoint", sp));
    Subscription s;
    s.endpoint = endpoint.value_or("");
    if (protocol == "log") {
      s.protocol = SubscriptionProtocol::kLog;
    } else if (protocol == "http") {
      s.protocol = SubscriptionProtocol::kHttp;
      if (auto u = ParseLoopbackHttpUrl(s.endpoint); !u.ok()) {
        return Status::InvalidArgument(sp + ".Endpoint: " + u.status().message());
      }
    } else if (protocol == "command") {
      s.protocol = SubscriptionProtocol::kCommand;
      if (s.endpoint.empty()) {
        return Status::InvalidArgument(sp + ".Endpoint: a command subscription needs the command");
      }
    } else {
      return Status::InvalidArgument(sp + ".Protocol: '" + protocol +
                                     "' is not supported (expected log, http or command)");
    }
    t.subscriptions.push_back(std::move(s));
  }
  return t;
}

Result<std::vector<TopicDefinition>> TopicDefinitionsFromJson(const json::value& value,
                                                              std::string_view path) {
  if (!value.is_array()) return Status::InvalidArgument(std::string(path) + ": expected an array of topics");
  std::vector<TopicDefinition> out;
  for (size_t i = 0; i < value.get_array().size(); ++i) {
    std::string p = std::string(path) + "[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(TopicDefinition t, TopicDefinition::FromJson(value.get_array()[i], p));
    for (const TopicDefinition& seen : out) {
      if (seen.name == t.name) return Status::InvalidArgument(p + ".Name: topic '" + t.name + "' is defined twice");
    }
    out.push_back(std::move(t));
  }
  return out;
}

Topics::Topics(TopicsOptions options) : options_(std::move(options)) {
  topics_[std::string(kAlertsTopic)] =
      TopicDefinition{std::string(kAlertsTopic), {Subscription{SubscriptionProtocol::kLog, ""}}};
  worker_ = std::thread([this] { Run(); });
}

Topics::~Topics() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Topics::Define(TopicDefinition topic) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = topic.name;
  topics_[name] = std::move(topic);
}

bool Topics::Has(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return topics_.find(TopicNameOf(name)) != topics_.end();
}

std::string Topics::TopicArn(std::string_view name) const {
  return "arn:aws:sns:" + options_.region + ":" + options_.account + ":" + TopicNameOf(name);
}

std::string Topics::NotificationJson(std::string_view topic_arn, std::string_view message_id,
                                     std::string_view subject, std::string_view message,
                                     common::Timestamp when, const json::value& attributes) {
  json::object n;
  n["Type"] = "Notification";
  n["MessageId"] = message_id;
  n["TopicArn"] = topic_arn;
  if (!subject.empty()) n["Subject"] = subject;
  n["Message"] = message;
  n["Timestamp"] = common::FormatIso8601Millis(when);
  auto attrs = NotificationAttributes(attributes);
  if (attrs.ok() && !attrs->empty()) n["MessageAttributes"] = std::move(*attrs);
  return common::SerializeJson(n);
}

Result<std::string> Topics::Publish(const PublishRequest& request) {
  std::string name = TopicNameOf(request.topic);
  if (request.message.empty()) return InvalidParameter("Empty message");
  if (request.message.size() > kMaxMessageBytes) {
    return InvalidParameter("Invalid parameter: Message too long (" + std::to_string(request.message.size()) +
                            " bytes; at most " + std::to_string(kMaxMessageBytes) + ")");
  }
  // SNS: ASCII, no line breaks or control characters, under 100 characters.
  bool subject_ok = request.subject.size() < 100 &&
                    std::all_of(request.subject.begin(), request.subject.end(),
                                [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!subject_ok) return InvalidParameter("Invalid parameter: Subject");
  SLUICE_RETURN_IF_ERROR(NotificationAttributes(request.attributes));
  TopicDefinition topic;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) {
      return Status(StatusCode::kNotFound, "NotFound", "Topic does not exist: " + TopicArn(name));
    }
    topic = it->second;
    size_t queued = 0;
    for (const Subscription& s : topic.subscriptions) queued += s.protocol != SubscriptionProtocol::kLog;
    if (queue_.size() + static_cast<size_t>(in_flight_) + queued > options_.queue_capacity) {
      return Status(StatusCode::kUnavailable, "Throttled",
                    "the delivery queue is full (" + std::to_string(options_.queue_capacity) +
                        " deliveries); publish to " + name + " again later");
    }
  }
  std::string message_id = common::NewUuid();
  common::Timestamp now = options_.clock->Now();
  std::string body = NotificationJson(TopicArn(name), message_id, request.subject, request.message,
                                      now, request.attributes);
  std::vector<Pending> deliveries;
  for (const Subscription& s : topic.subscriptions) {
    deliveries.push_back(Pending{common::NewUuid(), name, message_id, s, body, 0});
  }
  if (options_.catalog) {
    // Log deliveries happen right after this commit and cannot fail, so they are recorded
    // DELIVERED here: one transaction per publish.
    SLUICE_ASSIGN_OR_RETURN(auto tx, options_.catalog->Begin(catalog::TxMode::kWrite));
    std::string ts = common::FormatIso8601Millis(now);
    for (const Pending& p : deliveries) {
      bool log = p.subscription.protocol == SubscriptionProtocol::kLog;
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "INSERT INTO topic_deliveries (delivery_id, topic, message_id, subscription, "
          "notification, attempts, status, last_error, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $8)",
          {p.delivery_id, p.topic, p.message_id, p.subscription.Describe(), p.body,
           int64_t{log ? 1 : 0}, std::string(log ? "DELIVERED" : "PENDING"), ts}));
    }
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  bool queued_any = false;
  for (Pending& p : deliveries) {
    if (p.subscription.protocol == SubscriptionProtocol::kLog) {
      common::LogInfo("topic " + name + ": " + p.body);
      if (options_.notifications_total) {
        options_.notifications_total->WithLabels({name, "delivered"})->Increment();
      }
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace(std::chrono::steady_clock::now(), std::move(p));
    queued_any = true;
  }
  if (queued_any) cv_.notify_all();
  return message_id;
}

Result<int> Topics::ResumePending() {
  if (!options_.catalog) return 0;
  SLUICE_ASSIGN_OR_RETURN(auto tx, options_.catalog->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT delivery_id, topic, message_id, subscription, notification, "
                           "attempts FROM topic_deliveries WHERE status = 'PENDING' "
                           "ORDER BY created_at"));
  tx.reset();
  int n = 0;
  for (const catalog::Row& r : rows) {
    Pending p;
    p.delivery_id = r.Text(0);
    p.topic = r.Text(1);
    p.message_id = r.Text(2);
    const std::string& d = r.Text(3);
    if (d.starts_with("http:")) {
      p.subscription = Subscription{SubscriptionProtocol::kHttp, d.substr(5)};
    } else if (d.starts_with("command:")) {
      p.subscription = Subscription{SubscriptionProtocol::kCommand, d.substr(8)};
    } else {
      p.subscription = Subscription{SubscriptionProtocol::kLog, ""};
    }
    p.body = r.Text(4);
    p.attempts = static_cast<int>(r.Int(5));
    if (p.subscription.protocol == SubscriptionProtocol::kLog) {
      common::LogInfo("topic " + p.topic + ": " + p.body);
      p.attempts += 1;
      Record(p, DeliveryStatus::kDelivered, "");
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace(std::chrono::steady_clock::now(), std::move(p));
    ++n;
  }
  cv_.notify_all();
  return n;
}

bool Topics::WaitIdle(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return queue_.empty() && in_flight_ == 0; });
}

Result<std::vector<DeliveryRecord>> Topics::Deliveries(std::string_view message_id) {
  if (!options_.catalog) return Status::FailedPrecondition("topics without a catalog keep no delivery records");
  SLUICE_ASSIGN_OR_RETURN(auto tx, options_.catalog->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT delivery_id, topic, message_id, subscription, attempts, status, "
                           "last_error FROM topic_deliveries WHERE message_id = $1 "
                           "ORDER BY subscription",
                           {std::string(message_id)}));
  std::vector<DeliveryRecord> out;
  for (const catalog::Row& r : rows) {
    DeliveryRecord d;
    d.delivery_id = r.Text(0);
    d.topic = r.Text(1);
    d.message_id = r.Text(2);
    d.subscription = r.Text(3);
    d.attempts = static_cast<int>(r.Int(4));
    d.status = r.Text(5) == "DELIVERED" ? DeliveryStatus::kDelivered
               : r.Text(5) == "FAILED"  ? DeliveryStatus::kFailed
                                        : DeliveryStatus::kPending;
    d.last_error = r.Text(6);
    out.push_back(std::move(d));
  }
  return out;
}

void Topics::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (stop_) return;
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto due = queue_.begin()->first;
    if (due > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, due);
      continue;
    }
    Pending p = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    ++in_flight_;
    lock.unlock();

    bool retryable = false;
    std::string error = Attempt(p, &retryable);
    ++p.attempts;
    std::optional<std::chrono::milliseconds> retry_in;
    if (error.empty()) {
      Record(p, DeliveryStatus::kDelivered, "");
    } else if (retryable && p.attempts < options_.policy.max_attempts) {
      double delay = static_cast<double>(options_.policy.min_delay_ms) *
                     std::pow(options_.policy.backoff, p.attempts - 1);
      delay = std::min(delay, static_cast<double>(options_.policy.max_delay_ms));
      retry_in = std::chrono::milliseconds(static_cast<int64_t>(delay));
      Record(p, DeliveryStatus::kPending, error);
    } else {
      Record(p, DeliveryStatus::kFailed, error);
      common::LogError("topic " + p.topic + ": delivery of message " + p.message_id + " to " +
                       p.subscription.Describe() + " FAILED after " + std::to_string(p.attempts) +
                       " attempt(s): " + error);
    }

    lock.lock();
    if (retry_in) queue_.emplace(std::chrono::steady_clock::now() + *retry_in, std::move(p));
    --in_flight_;
    cv_.notify_all();
  }
}

std::string Topics::Attempt(const Pending& p, bool* retryable) {
  *retryable = true;
  if (p.subscription.protocol == SubscriptionProtocol::kCommand) {
    auto r = common::RunCommand(p.subscription.endpoint, p.body, options_.policy.timeout_ms,
                                {{"SNS_TOPIC", p.topic}, {"SNS_MESSAGE_ID", p.message_id}});
    if (!r.ok()) return r.status().ToString();
    if (r->timed_out) return "timed out after " + std::to_string(options_.policy.timeout_ms) + " ms";
    if (r->exit_code != 0) return "exit status " + std::to_string(r->exit_code);
    return "";
  }
  auto url = ParseLoopbackHttpUrl(p.subscription.endpoint);
  if (!url.ok()) {
    *retryable = false;
    return url.status().message();
  }
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "text/plain; charset=UTF-8"},
      {"User-Agent", "sluice"},
      {"x-amz-sns-message-type", "Notification"},
      {"x-amz-sns-message-id", p.message_id},
      {"x-amz-sns-topic-arn", TopicArn(p.topic)},
      {"x-amz-sns-subscription-arn", SubscriptionArn(TopicArn(p.topic), p.subscription)}};
  auto r = HttpPost(*url, headers, p.body, options_.policy.timeout_ms);
  if (!r.ok()) return r.status().message();
  if (r->status >= 200 && r->status < 300) return "";
  *retryable = r->status >= 500 || r->status == 429;
  return "HTTP " + std::to_string(r->status) + (r->reason.empty() ? "" : " " + r->reason);
}

void Topics::Record(const Pending& p, DeliveryStatus status, const std::string& error) {
  if (options_.notifications_total && status != DeliveryStatus::kPending) {
    options_.notifications_total
        ->WithLabels({p.topic, status == DeliveryStatus::kDelivered ? "delivered" : "failed"})
        ->Increment();
  }
  if (!options_.catalog) return;
  Status st = [&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(auto tx, options_.catalog->Begin(catalog::TxMode::kWrite));
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "UPDATE topic_deliveries SET attempts = $1, status = $2, last_error = $3, updated_at = $4 "
        "WHERE delivery_id = $5",
        {int64_t{p.attempts}, std::string(DeliveryStatusName(status)),
         error.empty() ? catalog::Null() : catalog::SqlValue(error),
         common::FormatIso8601Millis(options_.clock->Now()), p.delivery_id}));
    return tx->Commit();
  }();
  if (!st.ok()) {
    common::LogError("topic " + p.topic + ": could not record delivery " + p.delivery_id + " (" +
                     std::string(DeliveryStatusName(status)) + "): " + st.ToString());
  }
}

}  // namespace sluice::ops
