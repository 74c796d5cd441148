#include "sluice/events/event_record.h"

#include <algorithm>
#include <cstdio>

#include "sluice/events/json_fields_internal.h"

namespace sluice::events {

namespace json = boost::json;
using internal::FieldPath;
using internal::OptionalText;
using internal::RequiredObject;
using internal::RequiredText;

bool IsRemovalEvent(std::string_view event_name) {
  return event_name.starts_with("ObjectRemoved:") ||
         event_name.starts_with("LifecycleExpiration:");
}

bool IsCreationEvent(std::string_view event_name) {
  return event_name.starts_with("ObjectCreated:");
}

json::object EventRecord::ToJson() const {
  json::object record;
  record["eventVersion"] = kEventVersion;
  record["eventSource"] = "aws:s3";
  record["awsRegion"] = region;
  record["eventTime"] = common::FormatIso8601Millis(event_time);
  record["eventName"] = event_name;
  record["userIdentity"] = json::object{{"principalId", principal_id}};
  record["requestParameters"] = json::object{{"sourceIPAddress", source_ip}};
  json::object response;
  response["x-amz-request-id"] = request_id;
  response["x-amz-id-2"] = host_id;
  record["responseElements"] = std::move(response);

  json::object s3;
  s3["s3SchemaVersion"] = "1.0";
  s3["configurationId"] = configuration_id;
  json::object bucket_json;
  bucket_json["name"] = bucket;
  bucket_json["ownerIdentity"] = json::object{{"principalId", principal_id}};
  bucket_json["arn"] = "arn:aws:s3:::" + bucket;
  s3["bucket"] = std::move(bucket_json);
  json::object object;
  object["key"] = EncodeEventKey(key);
  if (!IsRemovalEvent(event_name)) {
    object["size"] = size;
    object["eTag"] = etag;
  }
  object["sequencer"] = sequencer;
  s3["object"] = std::move(object);
  record["s3"] = std::move(s3);
  return record;
}

namespace {

// "2.<digits>"; anything else is an unsupported major version or malformed.
bool IsVersion2(std::string_view v) {
  if (v.size() < 3 || v[0] != '2' || v[1] != '.') return false;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<EventRecord> EventRecord::FromJson(const json::value& value, std::string_view path) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* r, internal::AsObject(value, path));
  EventRecord out;
  SLUICE_ASSIGN_OR_RETURN(std::string version, RequiredText(*r, "eventVersion", path));
  if (!IsVersion2(version)) {
    return Status::InvalidArgument(FieldPath(path, "eventVersion") + ": unsupported version '" +
                                   version + "'; expected 2.x");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string source, RequiredText(*r, "eventSource", path));
  if (source != "aws:s3") {
    return Status::InvalidArgument(FieldPath(path, "eventSource") + ": expected \"aws:s3\", got \"" +
                                   source + "\"");
  }
  SLUICE_ASSIGN_OR_RETURN(out.region, OptionalText(*r, "awsRegion", path));
  SLUICE_ASSIGN_OR_RETURN(std::string time, RequiredText(*r, "eventTime", path));
  Result<common::Timestamp> t = common::ParseRfc3339(time);
  if (!t.ok()) return t.status().WithContext(FieldPath(path, "eventTime"));
  out.event_time = *t;
  SLUICE_ASSIGN_OR_RETURN(out.event_name, RequiredText(*r, "eventName", path));
  if (const json::value* v = internal::Find(*r, "userIdentity")) {
    SLUICE_ASSIGN_OR_RETURN(const json::object* o,
                            internal::AsObject(*v, FieldPath(path, "userIdentity")));
    SLUICE_ASSIGN_OR_RETURN(out.principal_id,
                            OptionalText(*o, "principalId", FieldPath(path, "userIdentity")));
  }
  if (const json::value* v = internal::Find(*r, "requestParameters")) {
    std::string p = FieldPath(path, "requestParameters");
    SLUICE_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(*v, p));
    SLUICE_ASSIGN_OR_RETURN(out.source_ip, OptionalText(*o, "sourceIPAddress", p));
  }
  if (const json::value* v = internal::Find(*r, "responseElements")) {
    std::string p = FieldPath(path, "responseElements");
    SLUICE_ASSIGN_OR_RETURN(const json::object* o, internal::AsObject(*v, p));
    SLUICE_ASSIGN_OR_RETURN(out.request_id, OptionalText(*o, "x-amz-request-id", p));
    SLUICE_ASSIGN_OR_RETURN(out.host_id, OptionalText(*o, "x-amz-id-2", p));
  }
  std::string s3_path = FieldPath(path, "s3");
  SLUICE_ASSIGN_OR_RETURN(const json::object* s3, RequiredObject(*r, "s3", path));
  SLUICE_ASSIGN_OR_RETURN(out.configuration_id, OptionalText(*s3, "configurationId", s3_path));
  std::string bucket_path = FieldPath(s3_path, "bucket");
  SLUICE_ASSIGN_OR_RETURN(const json::object* bucket, RequiredObject(*s3, "bucket", s3_path));
  SLUICE_ASSIGN_OR_RETURN(out.bucket, RequiredText(*bucket, "name", bucket_path));
  std::string object_path = FieldPath(s3_path, "object");
  SLUICE_ASSIGN_OR_RETURN(const json::object* object, RequiredObject(*s3, "object", s3_path));
  SLUICE_ASSIGN_OR_RETURN(std::string encoded_key, RequiredText(*object, "key", object_path));
  Result<std::string> key = DecodeEventKey(encoded_key);
  if (!key.ok()) return key.status().WithContext(FieldPath(object_path, "key"));
  out.key = std::move(*key);
  if (const json::value* v = internal::Find(*object, "size")) {
    if (v->is_int64() && v->get_int64() >= 0) {
      out.size = static_cast<uint64_t>(v->get_int64());
    } else if (v->is_uint64()) {
      out.size = v->get_uint64();
    } else {
      return internal::WrongType(FieldPath(object_path, "size"), "non-negative integer", *v);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(out.etag, OptionalText(*object, "eTag", object_path));
  SLUICE_ASSIGN_OR_RETURN(out.sequencer, OptionalText(*object, "sequencer", object_path));
  return out;
}

std::string EncodeEventKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size() * 3 / 2);
  for (char ch : key) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '~' || c == '*' || c == '/') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

Result<std::string> DecodeEventKey(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 2 < encoded.size() ? HexValue(encoded[i + 1]) : -1;
      int lo = hi >= 0 ? HexValue(encoded[i + 2]) : -1;
      if (lo < 0) {
        return Status::InvalidArgument("invalid URL encoding in \"" + std::string(encoded) +
                                       "\" at offset " + std::to_string(i) +
                                       ": '%' must be followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string SequencerFromSeq(int64_t seq) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(seq));
  return buf;
}

int CompareSequencers(std::string_view a, std::string_view b) {
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char ca = i < a.size() ? a[i] : '0';
    char cb = i < b.size() ? b[i] : '0';
    if (ca != cb) return static_cast<unsigned char>(ca) < static_cast<unsigned char>(cb) ? -1 : 1;
  }
  return 0;
}

}  // namespace sluice::events
