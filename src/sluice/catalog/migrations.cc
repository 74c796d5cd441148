#include "sluice/catalog/migrations.h"

namespace sluice::catalog {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "event log",
       R"sql(
CREATE TABLE events (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket         TEXT NOT NULL,
  object_key     TEXT NOT NULL,
  event_name     TEXT NOT NULL,
  event_time     TEXT NOT NULL,
  object_version TEXT,
  record         TEXT NOT NULL
);
CREATE INDEX events_by_object ON events (bucket, object_key, seq);
CREATE TABLE object_heads (
  bucket         TEXT NOT NULL,
  object_key     TEXT NOT NULL,
  object_version TEXT NOT NULL,
  etag           TEXT NOT NULL,
  size           INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  PRIMARY KEY (bucket, object_key)
);
CREATE TABLE notification_configurations (
  bucket         TEXT PRIMARY KEY,
  configuration  TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE TABLE dispatch_cursors (
  consumer       TEXT PRIMARY KEY,
  seq            INTEGER NOT NULL,
  updated_at     TEXT NOT NULL
)
)sql"},
      {2, "writer sessions",
       R"sql(
CREATE TABLE writer_sessions (
  id             TEXT PRIMARY KEY,
  pid            INTEGER NOT NULL,
  host           TEXT NOT NULL,
  boot_id        TEXT NOT NULL,
  process_start  INTEGER NOT NULL,
  started_at     TEXT NOT NULL
)
)sql"},
  };
  return kMigrations;
}

}  // namespace sluice::catalog
