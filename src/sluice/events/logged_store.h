#pragma once

// LoggedStore: an ObjectStore that appends an S3 event record to the EventLog for every
// object it creates or deletes, so code above the store gets events without knowing it.
//
// Ordering guarantee: a write takes the catalog's write lock (a kWrite transaction), makes
// the object visible in the inner store (rename + directory fsync), appends its event and
// commits, all while holding the lock. The lock serialises every committing writer across
// processes, so the log's order is the order in which writes became visible, and a reader
// that sees an event can read (at least) that version of the object. The only crash window
// is an object made visible whose event never committed; Reconcile() (reconciler.h)
// repairs it.
//
// eventTime is the commit time (the object's last_modified); size and eTag are the
// object's. Bucket operations, Head, Get and List pass through.
//
// The inner store, the log (and its catalog) and the clock must outlive the LoggedStore. Thread-safe
// as the inner store and catalog are. A thread must not hold a transaction on the log's
// catalog while it writes through the LoggedStore.

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sluice/common/time.h"
#include "sluice/events/event_log.h"
#include "sluice/store/object_store.h"

namespace sluice::events {

class LoggedStore final : public store::ObjectStore {
 public:
  // `clock` gives the eventTime of deletions (creations use the object's last_modified).
  LoggedStore(store::ObjectStore* inner, EventLog* log,
              const common::Clock* clock = common::SystemClock::Default())
      : inner_(inner), log_(log), clock_(clock) {}

  store::ObjectStore& inner() { return *inner_; }
  EventLog& log() { return *log_; }

  Status CreateBucket(std::string_view bucket) override;
  Status DeleteBucket(std::string_view bucket) override;
  Result<store::BucketInfo> HeadBucket(std::string_view bucket) override;
  Result<std::vector<store::BucketInfo>> ListBuckets() override;

  // The staged object's Commit() appends ObjectCreated:Put.
  Result<std::unique_ptr<store::StagedObject>> Stage(std::string_view bucket,
                                                     std::string_view key,
                                                     common::InputStream& content,
                                                     const store::PutOptions& options) override;
  // The staged object's Commit() appends ObjectCreated:Copy.
  Result<std::unique_ptr<store::StagedObject>> StageCopy(
      std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
      std::string_view dst_key, const std::optional<store::PutOptions>& replace) override;

  Result<store::ObjectInfo> Head(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<store::ObjectReader>> Get(
      std::string_view bucket, std::string_view key,
      const std::optional<store::ByteRange>& range) override;
  // Appends ObjectRemoved:Delete when an object was removed (nothing when there was none).
  Result<std::optional<store::ObjectInfo>> Delete(std::string_view bucket,
                                                  std::string_view key) override;
  Result<store::ListResult> List(const store::ListRequest& request) override;

 private:
  store::ObjectStore* inner_;
  EventLog* log_;
  const common::Clock* clock_;
};

// The record of a creation event for a committed object: event time = last_modified.
EventRecord CreatedRecord(std::string_view event_name, const store::ObjectInfo& info);
// The record of a removal event for a removed object.
EventRecord RemovedRecord(std::string_view event_name, const store::ObjectInfo& info,
                          common::Timestamp when);

}  // namespace sluice::events
