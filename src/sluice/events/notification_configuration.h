#pragma once

// The S3 bucket notification configuration (PutBucketNotificationConfiguration), in its
// JSON shape as the AWS SDKs and awscli write it (AWS_FORMATS.md 4.2,
// docs/formats/events.md): QueueConfigurations, TopicConfigurations,
// LambdaFunctionConfigurations, each with Id, the destination ARN, Events and
// Filter.Key.FilterRules, plus an optional EventBridgeConfiguration.
//
// Parsing validates as S3 does and reports S3's error wording (InvalidArgument) prefixed
// with the JSON path of the offending element. Filter rule values are written URL-encoded in
// the configuration (as S3 requires: a space as '+', other special characters %XX); they are
// decoded at parse time and matched against the raw key.
//
// NotificationConfigurationStore keeps one configuration per bucket in the catalog table
// `notification_configurations`.
//
// Values are plain data (thread-compatible); the store is thread-safe as its Catalog is.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"

namespace sluice::events {

enum class DestinationKind { kQueue, kTopic, kLambdaFunction };

// One configuration entry: where matching events go and which events match.
struct NotificationRule {
  std::string id;
  std::string destination_arn;
  DestinationKind destination_kind = DestinationKind::kQueue;
  // Event types as configured, with the "s3:" prefix: "s3:ObjectCreated:*".
  std::vector<std::string> events;
  // Raw (decoded) key prefix and suffix; empty matches every key.
  std::string prefix;
  std::string suffix;

  // True when `event_name` (as in records, without "s3:": "ObjectCreated:Put") matches one of
  // the configured event types and `key` (raw) has the prefix and the suffix.
  bool Matches(std::string_view event_name, std::string_view key) const;

  friend bool operator==(const NotificationRule&, const NotificationRule&) = default;
};

struct NotificationConfiguration {
  // Topic, then queue, then Lambda function configurations, each in document order.
  std::vector<NotificationRule> rules;
  bool event_bridge = false;

  // Parses and validates the JSON form. `path` names `value` in messages ("$"). Ids left out
  // are generated (random, as S3 does). Errors (all InvalidArgument, S3's wording, prefixed by
  // the JSON path):
  //   - wrong JSON types, unknown fields, missing destination ARN or Events;
  //   - "The event is not supported for notifications";
  //   - "filter rule name must be either prefix or suffix";
  //   - "Cannot specify more than one prefix rule in a filter." (and suffix);
  //   - "Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation";
  //   - "Same ID used for multiple configurations. IDs must be unique.";
  //   - "Configurations overlap. Configurations on the same bucket cannot share a common
  //     event type." when two rules share an event type and their prefixes and their
  //     suffixes overlap.
  static Result<NotificationConfiguration> FromJson(const boost::json::value& value,
                                                    std::string_view path = "$");

  // The configuration as get-bucket-notification-configuration prints it (filter values
  // URL-encoded again, rule names "Prefix"/"Suffix"). Parsing it back gives the same value.
  boost::json::object ToJson() const;

  bool empty() const { return rules.empty() && !event_bridge; }

  friend bool operator==(const NotificationConfiguration&,
                         const NotificationConfiguration&) = default;
};

// True for the event types S3 accepts in a notification configuration ("s3:ObjectCreated:*",
// "s3:ObjectRemoved:Delete", …; AWS_FORMATS.md 4.1).
bool IsSupportedEventType(std::string_view event_type);
// True when the configured `event_type` ("s3:ObjectCreated:*") covers `event_name`
// ("ObjectCreated:Put").
bool EventTypeMatches(std::string_view event_type, std::string_view event_name);
// True when some event matches both configured event types.
bool EventTypesOverlap(std::string_view a, std::string_view b);
// True when S3 would reject `a` and `b` in one configuration as overlapping.
bool RulesOverlap(const NotificationRule& a, const NotificationRule& b);

// Each bucket's configuration in the catalog. `catalog` and `clock` must outlive the store.
class NotificationConfigurationStore {
 public:
  explicit NotificationConfigurationStore(
      catalog::Catalog* catalog, const common::Clock* clock = common::SystemClock::Default())
      : catalog_(catalog), clock_(clock) {}

  // Validates `configuration` (as FromJson) and replaces the bucket's configuration with it;
  // returns what was stored (generated Ids filled in). An empty configuration removes
  // notifications from the bucket, as in S3. Nothing is stored on error.
  Result<NotificationConfiguration> Put(std::string_view bucket,
                                        const boost::json::value& configuration);
  // The bucket's configuration; an empty one when none was put. Corruption when the stored
  // text does not parse.
  Result<NotificationConfiguration> Get(std::string_view bucket);
  // Every bucket's stored configuration, by bucket name.
  Result<std::vector<std::pair<std::string, NotificationConfiguration>>> List();

 private:
  catalog::Catalog* catalog_;
  const common::Clock* clock_;
};

}  // namespace sluice::events
