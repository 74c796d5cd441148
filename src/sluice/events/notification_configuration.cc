#include "sluice/events/notification_configuration.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "sluice/common/ids.h"
#include "sluice/common/json.h"
#include "sluice/events/event_record.h"
#include "sluice/events/json_fields_internal.h"

namespace sluice::events {

namespace json = boost::json;
using internal::FieldPath;

namespace {

// Every event type S3 accepts in a notification configuration.
constexpr std::array<std::string_view, 27> kSupportedEventTypes = {
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
};

constexpr size_t kMaxFilterValueBytes = 1024;

constexpr std::string_view kOverlapMessage =
    "Configurations overlap. Configurations on the same bucket cannot share a common event "
    "type.";

struct KindInfo {
  DestinationKind kind;
  std::string_view list_field;  // "QueueConfigurations"
  std::string_view arn_field;   // "QueueArn"
};

// Document order of get-bucket-notification-configuration.
constexpr std::array<KindInfo, 3> kKinds = {{
    {DestinationKind::kTopic, "TopicConfigurations", "TopicArn"},
    {DestinationKind::kQueue, "QueueConfigurations", "QueueArn"},
    {DestinationKind::kLambdaFunction, "LambdaFunctionConfigurations", "LambdaFunctionArn"},
}};

std::string_view WithoutS3Prefix(std::string_view event_type) {
  if (event_type.starts_with("s3:")) event_type.remove_prefix(3);
  return event_type;
}

// "ObjectCreated" for "ObjectCreated:Put"; the whole name when it has no ':'.
std::string_view Family(std::string_view name) { return name.substr(0, name.find(':')); }

bool IsWildcard(std::string_view name) { return name.ends_with(":*"); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// S3 generates Ids that look like the base64 of a UUID.
std::string GenerateId() { return Base64(common::NewUuid()); }

Status CheckKnownFields(const json::object& o, std::string_view path,
                        std::initializer_list<std::string_view> known) {
  for (const auto& field : o) {
    if (std::find(known.begin(), known.end(), field.key()) == known.end()) {
      return Status::InvalidArgument(std::string(path) + ": unknown field '" +
                                     std::string(field.key()) + "'");
    }
  }
  return Status::OK();
}

Status Invalid(std::string_view path, std::string_view message) {
  return Status::InvalidArgument(std::string(path) + ": " + std::string(message));
}

Status ParseFilter(const json::value& value, const std::string& path, NotificationRule* rule) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* filter, internal::AsObject(value, path));
  SLUICE_RETURN_IF_ERROR(CheckKnownFields(*filter, path, {"Key"}));
  const json::value* key_value = internal::Find(*filter, "Key");
  if (key_value == nullptr) return Status::OK();
  std::string key_path = FieldPath(path, "Key");
  SLUICE_ASSIGN_OR_RETURN(const json::object* key, internal::AsObject(*key_value, key_path));
  SLUICE_RETURN_IF_ERROR(CheckKnownFields(*key, key_path, {"FilterRules"}));
  const json::value* rules_value = internal::Find(*key, "FilterRules");
  if (rules_value == nullptr) return Status::OK();
  std::string rules_path = FieldPath(key_path, "FilterRules");
  if (!rules_value->is_array()) return internal::WrongType(rules_path, "array", *rules_value);
  bool have_prefix = false;
  bool have_suffix = false;
  const json::array& rules = rules_value->get_array();
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string rule_path = rules_path + "[" + std::to_string(i) + "]";
    SLUICE_ASSIGN_OR_RETURN(const json::object* fr, internal::AsObject(rules[i], rule_path));
    SLUICE_RETURN_IF_ERROR(CheckKnownFields(*fr, rule_path, {"Name", "Value"}));
    SLUICE_ASSIGN_OR_RETURN(std::string name, internal::RequiredText(*fr, "Name", rule_path));
    SLUICE_ASSIGN_OR_RETURN(std::string encoded, internal::RequiredText(*fr, "Value", rule_path));
    std::string lower = Lower(name);
    if (lower != "prefix" && lower != "suffix") {
      return Invalid(FieldPath(rule_path, "Name"),
                     "filter rule name must be either prefix or suffix");
    }
    bool is_prefix = lower == "prefix";
    if (is_prefix ? have_prefix : have_suffix) {
      return Invalid(rule_path, is_prefix
                                    ? "Cannot specify more than one prefix rule in a filter."
                                    : "Cannot specify more than one suffix rule in a filter.");
    }
    if (encoded.size() > kMaxFilterValueBytes) {
      return Invalid(FieldPath(rule_path, "Value"),
                     "Size of filter rule value cannot exceed 1024 bytes in UTF-8 "
                     "representation");
    }
    Result<std::string> decoded = DecodeEventKey(encoded);
    if (!decoded.ok()) return decoded.status().WithContext(FieldPath(rule_path, "Value"));
    (is_prefix ? have_prefix : have_suffix) = true;
    (is_prefix ? rule->prefix : rule->suffix) = std::move(*decoded);
  }
  return Status::OK();
}

Result<NotificationRule> ParseRule(const json::value& value, const std::string& path,
                                   const KindInfo& kind) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(value, path));
  SLUICE_RETURN_IF_ERROR(CheckKnownFields(*o, path, {"Id", kind.arn_field, "Events", "Filter"}));
  NotificationRule rule;
  rule.destination_kind = kind.kind;
  SLUICE_ASSIGN_OR_RETURN(rule.id, internal::OptionalText(*o, "Id", path));
  SLUICE_ASSIGN_OR_RETURN(rule.destination_arn, internal::RequiredText(*o, kind.arn_field, path));
  const json::value* events = internal::Find(*o, "Events");
  std::string events_path = FieldPath(path, "Events");
  if (events == nullptr) return Invalid(path, "missing required field 'Events'");
  if (!events->is_array()) return internal::WrongType(events_path, "array", *events);
  if (events->get_array().empty()) return Invalid(events_path, "at least one event is required");
  for (size_t i = 0; i < events->get_array().size(); ++i) {
    std::string event_path = events_path + "[" + std::to_string(i) + "]";
    const json::value& e = events->get_array()[i];
    if (!e.is_string()) return internal::WrongType(event_path, "string", e);
    std::string event(e.get_string());
    if (!IsSupportedEventType(event)) {
      return Invalid(event_path, "The event is not supported for notifications");
    }
    if (std::find(rule.events.begin(), rule.events.end(), event) == rule.events.end()) {
      rule.events.push_back(std::move(event));
    }
  }
  if (const json::value* filter = internal::Find(*o, "Filter")) {
    SLUICE_RETURN_IF_ERROR(ParseFilter(*filter, FieldPath(path, "Filter"), &rule));
  }
  return rule;
}

}  // namespace

bool IsSupportedEventType(std::string_view event_type) {
  return std::find(kSupportedEventTypes.begin(), kSupportedEventTypes.end(), event_type) !=
         kSupportedEventTypes.end();
}

bool EventTypeMatches(std::string_view event_type, std::string_view event_name) {
  std::string_view type = WithoutS3Prefix(event_type);
  if (IsWildcard(type)) {
    return event_name.starts_with(type.substr(0, type.size() - 1));  // keeps the ':'
  }
  return type == event_name;
}

bool EventTypesOverlap(std::string_view a, std::string_view b) {
  std::string_view x = WithoutS3Prefix(a);
  std::string_view y = WithoutS3Prefix(b);
  if (Family(x) != Family(y)) return false;
  return x == y || IsWildcard(x) || IsWildcard(y);
}

bool RulesOverlap(const NotificationRule& a, const NotificationRule& b) {
  bool shared_event = false;
  for (const std::string& ea : a.events) {
    for (const std::string& eb : b.events) shared_event = shared_event || EventTypesOverlap(ea, eb);
  }
  if (!shared_event) return false;
  bool prefixes = a.prefix.starts_with(b.prefix) || b.prefix.starts_with(a.prefix);
  bool suffixes = a.suffix.ends_with(b.suffix) || b.suffix.ends_with(a.suffix);
  return prefixes && suffixes;
}

bool NotificationRule::Matches(std::string_view event_name, std::string_view key) const {
  if (!key.starts_with(prefix) || !key.ends_with(suffix)) return false;
  return std::any_of(events.begin(), events.end(),
                     [&](const std::string& e) { return EventTypeMatches(e, event_name); });
}

Result<NotificationConfiguration> NotificationConfiguration::FromJson(const json::value& value,
                                                                      std::string_view path) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(value, path));
  SLUICE_RETURN_IF_ERROR(CheckKnownFields(
      *o, path,
      {"TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations",
       "EventBridgeConfiguration"}));
  NotificationConfiguration config;
  std::vector<std::string> rule_paths;
  for (const KindInfo& kind : kKinds) {
    const json::value* list = internal::Find(*o, kind.list_field);
    if (list == nullptr) continue;
    std::string list_path = FieldPath(path, kind.list_field);
    if (!list->is_array()) return internal::WrongType(list_path, "array", *list);
    for (size_t i = 0; i < list->get_array().size(); ++i) {
      std::string rule_path = list_path + "[" + std::to_string(i) + "]";
      SLUICE_ASSIGN_OR_RETURN(NotificationRule rule,
                              ParseRule(list->get_array()[i], rule_path, kind));
      config.rules.push_back(std::move(rule));
      rule_paths.push_back(std::move(rule_path));
    }
  }
  if (const json::value* eb = internal::Find(*o, "EventBridgeConfiguration")) {
    std::string eb_path = FieldPath(path, "EventBridgeConfiguration");
    SLUICE_ASSIGN_OR_RETURN(const json::object* eb_object, internal::AsObject(*eb, eb_path));
    SLUICE_RETURN_IF_ERROR(CheckKnownFields(*eb_object, eb_path, {}));
    config.event_bridge = true;
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < config.rules.size(); ++i) {
    const std::string& id = config.rules[i].id;
    if (id.empty()) continue;
    if (!ids.insert(id).second) {
      return Invalid(FieldPath(rule_paths[i], "Id"),
                     "Same ID used for multiple configurations. IDs must be unique.");
    }
  }
  for (size_t i = 0; i < config.rules.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (RulesOverlap(config.rules[j], config.rules[i])) {
        return Invalid(rule_paths[i] + " and " + rule_paths[j], kOverlapMessage);
      }
    }
  }
  for (NotificationRule& rule : config.rules) {
    if (!rule.id.empty()) continue;
    do {
      rule.id = GenerateId();
    } while (!ids.insert(rule.id).second);
  }
  return config;
}

json::object NotificationConfiguration::ToJson() const {
  json::object out;
  for (const KindInfo& kind : kKinds) {
    json::array list;
    for (const NotificationRule& rule : rules) {
      if (rule.destination_kind != kind.kind) continue;
      json::object r;
      r["Id"] = rule.id;
      r[kind.arn_field] = rule.destination_arn;
      json::array events;
      for (const std::string& e : rule.events) events.emplace_back(e);
      r["Events"] = std::move(events);
      if (!rule.prefix.empty() || !rule.suffix.empty()) {
        json::array filter_rules;
        if (!rule.prefix.empty()) {
          filter_rules.emplace_back(
              json::object{{"Name", "Prefix"}, {"Value", EncodeEventKey(rule.prefix)}});
        }
        if (!rule.suffix.empty()) {
          filter_rules.emplace_back(
              json::object{{"Name", "Suffix"}, {"Value", EncodeEventKey(rule.suffix)}});
        }
        r["Filter"] = json::object{{"Key", json::object{{"FilterRules", std::move(filter_rules)}}}};
      }
      list.emplace_back(std::move(r));
    }
    if (!list.empty()) out[kind.list_field] = std::move(list);
  }
  if (event_bridge) out["EventBridgeConfiguration"] = json::object();
  return out;
}

Result<NotificationConfiguration> NotificationConfigurationStore::Put(
    std::string_view bucket, const json::value& configuration) {
  SLUICE_ASSIGN_OR_RETURN(NotificationConfiguration config,
                          NotificationConfiguration::FromJson(configuration, "$"));
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  if (config.empty()) {
    SLUICE_RETURN_IF_ERROR(tx->Execute("DELETE FROM notification_configurations WHERE bucket = $1",
                                       {std::string(bucket)}));
  } else {
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "INSERT INTO notification_configurations (bucket, configuration, updated_at) "
        "VALUES ($1, $2, $3) ON CONFLICT (bucket) DO UPDATE SET "
        "configuration = excluded.configuration, updated_at = excluded.updated_at",
        {std::string(bucket), common::SerializeJson(config.ToJson()),
         common::FormatIso8601Millis(clock_->Now())}));
  }
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return config;
}

namespace {

Result<NotificationConfiguration> ParseStored(const std::string& bucket, const std::string& text) {
  std::string source = "notification_configurations[" + bucket + "]";
  Result<json::value> value = common::ParseJson(text, source);
  Result<NotificationConfiguration> config =
      value.ok() ? NotificationConfiguration::FromJson(*value, "$")
                 : Result<NotificationConfiguration>(value.status());
  if (!config.ok()) {
    return Status::Corruption("stored notification configuration of bucket " + bucket +
                              " is unreadable: " + config.status().message());
  }
  return config;
}

}  // namespace

Result<NotificationConfiguration> NotificationConfigurationStore::Get(std::string_view bucket) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(
      auto row, tx->QueryOne("SELECT configuration FROM notification_configurations WHERE bucket = $1",
                             {std::string(bucket)}));
  if (!row) return NotificationConfiguration{};
  return ParseStored(std::string(bucket), row->Text(0));
}

Result<std::vector<std::pair<std::string, NotificationConfiguration>>>
NotificationConfigurationStore::List() {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(
      auto rows,
      tx->Query("SELECT bucket, configuration FROM notification_configurations ORDER BY bucket"));
  std::vector<std::pair<std::string, NotificationConfiguration>> out;
  for (const catalog::Row& row : rows) {
    SLUICE_ASSIGN_OR_RETURN(NotificationConfiguration config,
                            ParseStored(row.Text(0), row.Text(1)));
    out.emplace_back(row.Text(0), std::move(config));
  }
  return out;
}

}  // namespace sluice::events
