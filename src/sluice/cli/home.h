#pragma once

// The composition root's view of an engine home (`--home`, `SLUICE_HOME`, default
// `./.sluice`): opens the catalog (`catalog.db`), the local object store (`buckets/`), the
// event log and the event-logging store every command writes through, and registers this
// process as a writer session (which reconciles the store against the log first when a
// previous writer crashed). This is the only place concrete implementations are wired.
// Not thread-safe to open; the opened parts are as thread-safe as their own contracts say.

#include <memory>
#include <string>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/events/event_log.h"
#include "sluice/events/logged_store.h"
#include "sluice/events/reconciler.h"
#include "sluice/store/local_object_store.h"

namespace sluice::cli {

// `flag` when set, else $SLUICE_HOME, else "./.sluice".
std::string ResolveHomeDir(const std::string& flag);

class Home {
 public:
  // Creates the folder on first use.
  static Result<std::unique_ptr<Home>> Open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  // The store commands use: every create and delete appends an S3 event record.
  store::ObjectStore& store() { return *logged_; }
  // The store without event logging (reconciliation reads it).
  store::LocalObjectStore& local_store() { return *local_; }
  catalog::Catalog& catalog() { return *catalog_; }
  events::EventLog& log() { return *log_; }
  // Set when opening reconciled after a crashed writer.
  const events::WriterSession& session() const { return *session_; }

 private:
  Home() = default;
  std::string dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<store::LocalObjectStore> local_;
  std::unique_ptr<events::EventLog> log_;
  std::unique_ptr<events::LoggedStore> logged_;
  std::unique_ptr<events::WriterSession> session_;
};

}  // namespace sluice::cli
