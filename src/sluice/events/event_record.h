#pragma once

// EventRecord: one S3 event notification record (AWS_FORMATS.md 4.1,
// docs/formats/events.md), the unit the event log stores and the dispatcher hands to
// consumers. ToJson() renders exactly the shape S3 sends (eventVersion 2.1); FromJson()
// reads any 2.x record back. Also here: the key encoding S3 uses in records, and the
// sequencer that orders events for one key.
//
// Plain data and free functions: thread-compatible values, thread-safe functions.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "sluice/common/status.h"
#include "sluice/common/time.h"

namespace sluice::events {

// The eventVersion sluice emits.
inline constexpr std::string_view kEventVersion = "2.1";

inline constexpr std::string_view kObjectCreatedPut = "ObjectCreated:Put";
inline constexpr std::string_view kObjectCreatedCopy = "ObjectCreated:Copy";
inline constexpr std::string_view kObjectRemovedDelete = "ObjectRemoved:Delete";

// True for "ObjectRemoved:…" and "LifecycleExpiration:…": events about an object that is
// gone, whose record carries only key and sequencer in s3.object.
bool IsRemovalEvent(std::string_view event_name);
// True for "ObjectCreated:…".
bool IsCreationEvent(std::string_view event_name);

struct EventRecord {
  std::string event_name;  // without the "s3:" prefix: "ObjectCreated:Put"
  common::Timestamp event_time;
  std::string bucket;
  std::string key;  // the raw (decoded) key
  uint64_t size = 0;
  std::string etag;       // lowercase hex, no quotes
  std::string sequencer;  // SequencerFromSeq(seq) once logged
  // The store's version of the object (store::ObjectInfo::version). Not S3's versionId, so
  // it is not rendered into the JSON; the event log keeps it in its own column.
  std::string version;
  std::string request_id;  // responseElements.x-amz-request-id
  std::string host_id;     // responseElements.x-amz-id-2
  std::string region = "us-east-1";
  std::string principal_id;    // userIdentity.principalId and the bucket owner
  std::string source_ip;       // requestParameters.sourceIPAddress
  std::string configuration_id;  // s3.configurationId: the notification rule's Id

  // The record in S3's shape, keys in S3's order. Removal events carry only key and
  // sequencer in s3.object.
  boost::json::object ToJson() const;

  // Reads a record. `path` is the record's JSON path for messages ("$.Records[0]").
  // InvalidArgument naming the path of the offending field when a field is missing or of
  // the wrong type, when eventVersion is not 2.x, or when the key is not valid encoding.
  static Result<EventRecord> FromJson(const boost::json::value& value, std::string_view path);

  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// The key as S3 writes it into event records: form-style URL encoding. A space becomes '+',
// '/' and the unreserved characters A-Z a-z 0-9 - _ . ~ * stay as they are, every other
// byte becomes %XX (uppercase hex), UTF-8 bytes one by one.
std::string EncodeEventKey(std::string_view key);
// The inverse: '+' becomes a space, %XX its byte. InvalidArgument on a '%' not followed by
// two hex digits.
Result<std::string> DecodeEventKey(std::string_view encoded);

// The sequencer for log sequence number `seq`: 16 uppercase hex digits, fixed width so that
// later events compare greater.
std::string SequencerFromSeq(int64_t seq);
// S3's rule for comparing two sequencers of the same key: right-pad the shorter with '0',
// then compare lexicographically. Negative, zero or positive like strcmp.
int CompareSequencers(std::string_view a, std::string_view b);

}  // namespace sluice::events
