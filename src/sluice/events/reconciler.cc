#include "sluice/events/reconciler.h"

#include "sluice/common/process.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/events/logged_store.h"

namespace sluice::events {

namespace {

constexpr int kPageSize = 1000;

// Creation events for the objects of one listed page, decided under the write lock.
Status ReconcilePage(const std::vector<store::ObjectInfo>& page, store::ObjectStore& inner,
                     catalog::Catalog& catalog, EventLog& log, ReconcileReport* report) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  for (const store::ObjectInfo& listed : page) {
    // Re-read: the listing was taken without the lock.
    Result<store::ObjectInfo> info = inner.Head(listed.bucket, listed.key);
    if (!info.ok()) {
      if (info.status().IsNotFound()) continue;  // deleted since; the heads pass sees it
      return info.status();
    }
    SLUICE_ASSIGN_OR_RETURN(std::optional<ObjectHead> head,
                            log.Head(*tx, info->bucket, info->key));
    if (head && head->version == info->version) continue;
    EventRecord record = CreatedRecord(kObjectCreatedPut, *info);
    SLUICE_RETURN_IF_ERROR(log.Append(*tx, record));
    ++report->created_events;
  }
  return tx->Commit();
}

Status ReconcileStore(store::ObjectStore& inner, catalog::Catalog& catalog, EventLog& log,
                      ReconcileReport* report) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<store::BucketInfo> buckets, inner.ListBuckets());
  for (const store::BucketInfo& bucket : buckets) {
    store::ListRequest request;
    request.bucket = bucket.name;
    request.max_keys = kPageSize;
    while (true) {
      Result<store::ListResult> page = inner.List(request);
      if (!page.ok()) {
        if (page.status().IsNotFound()) break;  // bucket deleted meanwhile
        return page.status();
      }
      report->objects_scanned += static_cast<int64_t>(page->contents.size());
      SLUICE_RETURN_IF_ERROR(ReconcilePage(page->contents, inner, catalog, log, report));
      if (!page->is_truncated) break;
      request.continuation_token = page->next_continuation_token;
    }
  }
  return Status::OK();
}

// Removal (or missing creation) events for object_heads rows whose object is not there.
Status ReconcileHeads(store::ObjectStore& inner, catalog::Catalog& catalog, EventLog& log,
                      ReconcileReport* report) {
  std::string after_bucket;
  std::string after_key;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(std::vector<ObjectHead> heads,
                            log.ListHeads(*tx, after_bucket, after_key, kPageSize));
    if (heads.empty()) return Status::OK();
    for (const ObjectHead& head : heads) {
      ++report->heads_scanned;
      Result<store::ObjectInfo> info = inner.Head(head.bucket, head.key);
      if (info.ok()) {
        if (info->version == head.version) continue;
        // Replaced without an event: the replacement's creation is what is missing.
        EventRecord record = CreatedRecord(kObjectCreatedPut, *info);
        SLUICE_RETURN_IF_ERROR(log.Append(*tx, record));
        ++report->created_events;
      } else if (info.status().IsNotFound()) {
        store::ObjectInfo gone;
        gone.bucket = head.bucket;
        gone.key = head.key;
        gone.version = head.version;
        // When it was removed is unknown; the repair happens now.
        EventRecord record = RemovedRecord(kObjectRemovedDelete, gone,
                                           common::SystemClock::Default()->Now());
        SLUICE_RETURN_IF_ERROR(log.Append(*tx, record));
        ++report->removed_events;
      } else {
        return info.status();
      }
    }
    after_bucket = heads.back().bucket;
    after_key = heads.back().key;
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

Result<ReconcileReport> Reconcile(store::ObjectStore& inner, catalog::Catalog& catalog,
                                  EventLog& log) {
  ReconcileReport report;
  SLUICE_RETURN_IF_ERROR(ReconcileStore(inner, catalog, log, &report)
                             .WithContext("reconcile: store against event log"));
  SLUICE_RETURN_IF_ERROR(ReconcileHeads(inner, catalog, log, &report)
                             .WithContext("reconcile: event log against store"));
  return report;
}

namespace internal {

std::optional<int64_t> ProcessStartTime(int64_t pid) { return common::ProcessStartTime(pid); }

std::string BootId() { return common::BootId(); }

}  // namespace internal

Result<std::unique_ptr<WriterSession>> WriterSession::Open(catalog::Catalog& catalog,
                                                           store::ObjectStore& inner,
                                                           EventLog& log) {
  const int64_t pid = static_cast<int64_t>(getpid());
  const std::string host = HostName();
  const std::string boot_id = internal::BootId();
  const int64_t start = internal::ProcessStartTime(pid).value_or(0);
  std::unique_ptr<WriterSession> session(new WriterSession(&catalog, common::NewUuid()));

  std::vector<std::string> stale;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(
        auto rows, tx->Query("SELECT id, pid, boot_id, process_start FROM writer_sessions "
                             "WHERE host = $1",
                             {host}));
    for (const catalog::Row& row : rows) {
      bool alive = row.Text(2) == boot_id &&
                   internal::ProcessStartTime(row.Int(1)) == std::optional<int64_t>(row.Int(3));
      if (!alive) stale.push_back(row.Text(0));
    }
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "INSERT INTO writer_sessions (id, pid, host, boot_id, process_start, started_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        {session->id_, pid, host, boot_id, start,
         common::FormatIso8601Millis(common::SystemClock::Default()->Now())}));
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  if (stale.empty()) return session;

  // A writer died: its last write may be visible without its event. The stale rows go only
  // after the repair committed, so a crash during it leaves the trigger in place.
  SLUICE_ASSIGN_OR_RETURN(session->report_, Reconcile(inner, catalog, log));
  session->reconciled_ = true;
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  for (const std::string& id : stale) {
    SLUICE_RETURN_IF_ERROR(tx->Execute("DELETE FROM writer_sessions WHERE id = $1", {id}));
  }
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return session;
}

WriterSession::~WriterSession() {
  Status st;
  {
    Result<std::unique_ptr<catalog::Transaction>> tx = catalog_->Begin(catalog::TxMode::kWrite);
    st = tx.status();
    if (st.ok()) st = (*tx)->Execute("DELETE FROM writer_sessions WHERE id = $1", {id_}).status();
    if (st.ok()) st = (*tx)->Commit();
  }
  if (!st.ok()) {
    common::LogWarn("writer session " + id_ + ": could not unregister: " + st.ToString());
  }
}

}  // namespace sluice::events
