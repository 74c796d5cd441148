#pragma once

// EventLog: the durable, totally ordered log of S3 event records in the catalog (table
// `events`), and the per-key index of the latest created object (`object_heads`) that
// reconciliation compares the store against. docs/formats/events.md documents both tables.
//
// Append() writes inside the caller's write transaction, so an event commits together with
// whatever else the caller changes (LoggedStore holds it across the object's rename). A
// record's seq is the table's AUTOINCREMENT rowid: strictly increasing in commit order,
// never reused; its sequencer is derived from it.
//
// The EventLog holds no state besides its options; the catalog must outlive it. Thread-safe
// as the Catalog is. Calls that take no Transaction open their own, so they must not be
// called while the calling thread holds a transaction on the same Catalog.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/events/event_record.h"

namespace sluice::events {

struct EventLogOptions {
  // Written into records that do not set them.
  std::string region = "us-east-1";
  std::string principal_id = "sluice";
  std::string source_ip = "127.0.0.1";
};

// An event as read back from the log.
struct LoggedEvent {
  int64_t seq = 0;
  EventRecord record;  // configuration_id empty; record.version == object_version
  std::string object_version;
};

// The row of `object_heads` for one key: the latest created object the log knows of.
struct ObjectHead {
  std::string bucket;
  std::string key;
  std::string version;
  std::string etag;  // hex, no quotes
  uint64_t size = 0;
  int64_t seq = 0;  // the event that created it
};

class EventLog {
 public:
  // `catalog` must outlive the log.
  explicit EventLog(catalog::Catalog* catalog, EventLogOptions options = {});

  // Appends `record` within `tx` (a write transaction on this log's catalog) and returns its
  // seq. Fills in, on `record`: the sequencer (from seq), an empty region / principal /
  // source IP from the options, an empty request id and x-amz-id-2 with random ids. The
  // stored record has an empty configurationId. Maintains object_heads: a creation event
  // upserts the key's row, a removal event deletes it.
  Result<int64_t> Append(catalog::Transaction& tx, EventRecord& record);

  // Up to `limit` events with seq > `since_seq`, in seq order; only `bucket`'s when it is not
  // empty. Corruption when a stored record does not parse.
  Result<std::vector<LoggedEvent>> Read(int64_t since_seq, int limit,
                                        std::string_view bucket = {});
  Result<std::vector<LoggedEvent>> Read(catalog::Transaction& tx, int64_t since_seq, int limit,
                                        std::string_view bucket = {});

  // The highest seq appended so far; 0 for an empty log.
  Result<int64_t> LatestSeq();
  Result<int64_t> LatestSeq(catalog::Transaction& tx);

  // The key's object_heads row, if any.
  Result<std::optional<ObjectHead>> Head(catalog::Transaction& tx, std::string_view bucket,
                                         std::string_view key);
  // Up to `limit` object_heads rows after (bucket, key) in (bucket, key) order.
  Result<std::vector<ObjectHead>> ListHeads(catalog::Transaction& tx,
                                            std::string_view after_bucket,
                                            std::string_view after_key, int limit);

  catalog::Catalog& catalog() { return *catalog_; }
  const EventLogOptions& options() const { return options_; }

 private:
  catalog::Catalog* catalog_;
  EventLogOptions options_;
};

}  // namespace sluice::events
