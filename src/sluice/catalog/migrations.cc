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
      {3, "state machines and durable executions",
       R"sql(
CREATE TABLE state_machines (
  arn            TEXT PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  definition     TEXT NOT NULL,
  role_arn       TEXT NOT NULL,
  type           TEXT NOT NULL,
  revision_id    TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE TABLE state_machine_versions (
  state_machine_arn TEXT NOT NULL,
  version        INTEGER NOT NULL,
  definition     TEXT NOT NULL,
  description    TEXT NOT NULL,
  revision_id    TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (state_machine_arn, version)
);
CREATE TABLE executions (
  arn            TEXT PRIMARY KEY,
  state_machine_arn TEXT NOT NULL,
  version        INTEGER,
  name           TEXT NOT NULL,
  status         TEXT NOT NULL,
  definition     TEXT NOT NULL,
  input          TEXT NOT NULL,
  output         TEXT,
  error          TEXT,
  cause          TEXT,
  start_micros   INTEGER NOT NULL,
  stop_micros    INTEGER,
  redrive_count  INTEGER NOT NULL DEFAULT 0,
  redrive_micros INTEGER,
  lease_owner    TEXT,
  lease_expires  INTEGER,
  stop_requested INTEGER NOT NULL DEFAULT 0,
  stop_error     TEXT,
  stop_cause     TEXT,
  UNIQUE (state_machine_arn, name)
);
CREATE INDEX executions_by_status ON executions (status);
CREATE TABLE execution_history (
  execution_arn  TEXT NOT NULL,
  id             INTEGER NOT NULL,
  previous_event_id INTEGER NOT NULL,
  timestamp_micros INTEGER NOT NULL,
  type           TEXT NOT NULL,
  details_name   TEXT NOT NULL,
  details        TEXT NOT NULL,
  scope          TEXT NOT NULL,
  superseded     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_arn, id)
);
CREATE TABLE task_tokens (
  token          TEXT PRIMARY KEY,
  execution_arn  TEXT NOT NULL,
  status         TEXT NOT NULL,
  output         TEXT,
  error          TEXT,
  cause          TEXT,
  heartbeat_micros INTEGER,
  created_at     TEXT NOT NULL
)
)sql"},
      {4, "etl: schema registry, job runs, dataset files, key indexes, bookmarks",
       R"sql(
CREATE TABLE dataset_schemas (
  dataset        TEXT NOT NULL,
  version        INTEGER NOT NULL,
  schema         TEXT NOT NULL,
  changes        TEXT NOT NULL,
  run_id         TEXT,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (dataset, version)
);
CREATE TABLE job_runs (
  run_id         TEXT PRIMARY KEY,
  job            TEXT NOT NULL,
  dataset        TEXT NOT NULL,
  source_bucket  TEXT NOT NULL,
  source_key     TEXT NOT NULL,
  source_etag    TEXT NOT NULL,
  status         TEXT NOT NULL,
  schema_version INTEGER,
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  report         TEXT,
  error          TEXT
);
CREATE INDEX job_runs_by_source ON job_runs (dataset, source_bucket, source_key);
CREATE INDEX job_runs_by_job ON job_runs (job, started_at);
CREATE TABLE dataset_files (
  file_id        INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset        TEXT NOT NULL,
  layer          TEXT NOT NULL,
  path           TEXT NOT NULL,
  partition_path TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  source         TEXT NOT NULL,
  rows           INTEGER NOT NULL,
  bytes          INTEGER NOT NULL,
  schema_version INTEGER,
  state          TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX dataset_files_by_dataset ON dataset_files (dataset, layer, state);
CREATE INDEX dataset_files_by_run ON dataset_files (run_id);
CREATE TABLE dataset_key_indexes (
  dataset        TEXT PRIMARY KEY,
  path           TEXT NOT NULL,
  keys           INTEGER NOT NULL,
  run_id         TEXT NOT NULL
);
CREATE TABLE job_bookmarks (
  job            TEXT NOT NULL,
  bucket         TEXT NOT NULL,
  object_key     TEXT NOT NULL,
  etag           TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  processed_at   TEXT NOT NULL,
  PRIMARY KEY (job, bucket, object_key, etag)
)
)sql"},
      {5, "warehouse: loads; which run superseded a silver file",
       R"sql(
ALTER TABLE dataset_files ADD COLUMN deleted_by_run TEXT;
CREATE TABLE warehouse_loads (
  load_id        TEXT PRIMARY KEY,
  warehouse      TEXT NOT NULL,
  table_name     TEXT NOT NULL,
  source         TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  mode           TEXT NOT NULL,
  status         TEXT NOT NULL,
  load_seq       INTEGER,
  rows_inserted  INTEGER,
  rows_updated   INTEGER,
  rows_deleted   INTEGER,
  report         TEXT,
  error          TEXT,
  started_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE INDEX warehouse_loads_by_table ON warehouse_loads (table_name, source)
)sql"},
      {6, "task integrations: DynamoDB item tables, Redshift Data statements, Glue job runs",
       R"sql(
CREATE TABLE dynamodb_tables (
  table_name     TEXT PRIMARY KEY,
  key_schema     TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE TABLE dynamodb_items (
  table_name     TEXT NOT NULL,
  item_key       TEXT NOT NULL,
  item           TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  PRIMARY KEY (table_name, item_key)
);
CREATE TABLE redshift_statements (
  statement_id   TEXT PRIMARY KEY,
  status         TEXT NOT NULL,
  description    TEXT NOT NULL,
  result         TEXT,
  created_at     TEXT NOT NULL
);
CREATE TABLE glue_job_runs (
  job_run_id     TEXT PRIMARY KEY,
  job_name       TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  job_run_state  TEXT NOT NULL,
  job_run        TEXT NOT NULL,
  started_at     TEXT NOT NULL
);
CREATE INDEX glue_job_runs_by_job ON glue_job_runs (job_name, started_at)
)sql"},
      {7, "ops: topic deliveries, alarm states, bucket lifecycle configurations",
       R"sql(
CREATE TABLE topic_deliveries (
  delivery_id    TEXT PRIMARY KEY,
  topic          TEXT NOT NULL,
  message_id     TEXT NOT NULL,
  subscription   TEXT NOT NULL,
  notification   TEXT NOT NULL,
  attempts       INTEGER NOT NULL,
  status         TEXT NOT NULL,
  last_error     TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX topic_deliveries_by_message ON topic_deliveries (message_id);
CREATE INDEX topic_deliveries_by_status ON topic_deliveries (status);
CREATE TABLE alarm_states (
  alarm_name        TEXT PRIMARY KEY,
  state             TEXT NOT NULL,
  reason            TEXT NOT NULL,
  state_change_time TEXT NOT NULL,
  evaluated_at      TEXT NOT NULL
);
CREATE TABLE bucket_lifecycle_configurations (
  bucket         TEXT PRIMARY KEY,
  configuration  TEXT NOT NULL,
  updated_at     TEXT NOT NULL
)
)sql"},
      {8, "project config versions",
       R"sql(
CREATE TABLE config_versions (
  version        INTEGER PRIMARY KEY,
  project        TEXT NOT NULL,
  content_hash   TEXT NOT NULL,
  message        TEXT NOT NULL,
  source         TEXT NOT NULL,
  rollback_of    INTEGER,
  created_at     TEXT NOT NULL
);
CREATE TABLE config_blobs (
  sha256         TEXT PRIMARY KEY,
  content        TEXT NOT NULL
);
CREATE TABLE config_files (
  version        INTEGER NOT NULL,
  path           TEXT NOT NULL,
  kind           TEXT NOT NULL,
  name           TEXT NOT NULL,
  sha256         TEXT NOT NULL,
  PRIMARY KEY (version, path)
)
)sql"},
  };
  return kMigrations;
}

}  // namespace sluice::catalog
