#pragma once

// Reconciliation: repairs the one gap LoggedStore can leave after a crash (an object made
// visible, or removed, whose event never committed) by comparing the store with the event
// log's object_heads and appending the missing events. Safe to run while LoggedStore
// writers are active: every decision is taken inside a write transaction after re-reading
// the object, and writers hold the same lock across their rename and append, so a write in
// progress is never mistaken for a crash leftover. Idempotent: a second run appends nothing.
//
// WriterSession makes reconciliation cheap to trigger: each writing process registers a
// row in `writer_sessions`; opening a session reconciles only when a registered process of
// this host died without removing its row.
//
// The store, catalog and log passed in must outlive the call (or the session). Not for use
// while the calling thread holds a transaction on the catalog.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/events/event_log.h"
#include "sluice/store/object_store.h"

namespace sluice::events {

struct ReconcileReport {
  int64_t objects_scanned = 0;  // objects listed in the store
  int64_t heads_scanned = 0;    // object_heads rows examined
  int64_t created_events = 0;   // ObjectCreated:Put events appended
  int64_t removed_events = 0;   // ObjectRemoved:Delete events appended
};

// Appends ObjectCreated:Put (eventTime = last_modified) for every object in `inner` without
// an object_heads row of the same version, and ObjectRemoved:Delete for every object_heads
// row whose object is gone. `inner` is the unlogged store (never a LoggedStore), and
// `catalog` is `log`'s catalog. Works page by page (ListObjectsV2 pages of 1000 keys, one
// write transaction per page). Errors from the store or catalog stop the run; what was
// committed stays (running again continues the repair).
Result<ReconcileReport> Reconcile(store::ObjectStore& inner, catalog::Catalog& catalog,
                                  EventLog& log);

// This process's registration as a writer. Open() then the destructor bracket a process's
// writes through a LoggedStore.
class WriterSession {
 public:
  // Registers the current process (pid, host, boot id, start time from /proc/self/stat).
  // When a session registered on this host belongs to a process that is gone (its pid no
  // longer runs, or runs a process started at another time, or the machine rebooted), runs
  // Reconcile() and then removes those stale rows. Sessions of other hosts are left alone.
  static Result<std::unique_ptr<WriterSession>> Open(catalog::Catalog& catalog,
                                                     store::ObjectStore& inner, EventLog& log);
  // Removes this session's row (a clean exit). Errors are logged, not returned.
  ~WriterSession();
  WriterSession(const WriterSession&) = delete;
  WriterSession& operator=(const WriterSession&) = delete;

  const std::string& id() const { return id_; }
  // Whether Open() ran a reconciliation, and what it did.
  bool reconciled() const { return reconciled_; }
  const ReconcileReport& report() const { return report_; }

 private:
  WriterSession(catalog::Catalog* catalog, std::string id) : catalog_(catalog), id_(std::move(id)) {}

  catalog::Catalog* catalog_;
  std::string id_;
  bool reconciled_ = false;
  ReconcileReport report_;
};

namespace internal {
// The start time of process `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or
// nullopt when no such process runs.
std::optional<int64_t> ProcessStartTime(int64_t pid);
// This boot's id (/proc/sys/kernel/random/boot_id), "" when unavailable.
std::string BootId();
}  // namespace internal

}  // namespace sluice::events
