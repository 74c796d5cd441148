#include "sluice/events/event_log.h"

#include "sluice/common/ids.h"
#include "sluice/common/json.h"

namespace sluice::events {

EventLog::EventLog(catalog::Catalog* catalog, EventLogOptions options)
    : catalog_(catalog), options_(std::move(options)) {}

Result<int64_t> EventLog::Append(catalog::Transaction& tx, EventRecord& record) {
  if (record.region.empty()) record.region = options_.region;
  if (record.principal_id.empty()) record.principal_id = options_.principal_id;
  if (record.source_ip.empty()) record.source_ip = options_.source_ip;
  if (record.request_id.empty()) record.request_id = common::RandomHexId(8);
  if (record.host_id.empty()) record.host_id = common::RandomHexId(32);
  record.configuration_id.clear();
  std::string event_time = common::FormatIso8601Millis(record.event_time);
  catalog::SqlValue version =
      record.version.empty() ? catalog::Null() : catalog::SqlValue(record.version);
  // The record needs the seq (its sequencer), which exists only once the row does.
  SLUICE_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryOne("INSERT INTO events (bucket, object_key, event_name, event_time, "
                  "object_version, record) VALUES ($1, $2, $3, $4, $5, '') RETURNING seq",
                  {record.bucket, record.key, record.event_name, event_time, version}));
  if (!row) return Status::Internal("events: INSERT … RETURNING seq returned no row");
  int64_t seq = row->Int(0);
  record.sequencer = SequencerFromSeq(seq);
  SLUICE_RETURN_IF_ERROR(tx.Execute("UPDATE events SET record = $1 WHERE seq = $2",
                                    {common::SerializeJson(record.ToJson()), seq}));
  if (IsCreationEvent(record.event_name)) {
    SLUICE_RETURN_IF_ERROR(tx.Execute(
        "INSERT INTO object_heads (bucket, object_key, object_version, etag, size, seq) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bucket, object_key) DO UPDATE SET "
        "object_version = excluded.object_version, etag = excluded.etag, "
        "size = excluded.size, seq = excluded.seq",
        {record.bucket, record.key, record.version, record.etag,
         static_cast<int64_t>(record.size), seq}));
  } else if (IsRemovalEvent(record.event_name)) {
    SLUICE_RETURN_IF_ERROR(
        tx.Execute("DELETE FROM object_heads WHERE bucket = $1 AND object_key = $2",
                   {record.bucket, record.key}));
  }
  return seq;
}

Result<std::vector<LoggedEvent>> EventLog::Read(int64_t since_seq, int limit,
                                                std::string_view bucket) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  return Read(*tx, since_seq, limit, bucket);
}

Result<std::vector<LoggedEvent>> EventLog::Read(catalog::Transaction& tx, int64_t since_seq,
                                                int limit, std::string_view bucket) {
  Result<std::vector<catalog::Row>> rows =
      bucket.empty()
          ? tx.Query("SELECT seq, record, object_version FROM events WHERE seq > $1 "
                     "ORDER BY seq LIMIT $2",
                     {since_seq, int64_t{limit}})
          : tx.Query("SELECT seq, record, object_version FROM events WHERE seq > $1 "
                     "AND bucket = $2 ORDER BY seq LIMIT $3",
                     {since_seq, std::string(bucket), int64_t{limit}});
  SLUICE_RETURN_IF_ERROR(rows);
  std::vector<LoggedEvent> out;
  out.reserve(rows->size());
  for (const catalog::Row& row : *rows) {
    LoggedEvent event;
    event.seq = row.Int(0);
    std::string where = "events[seq=" + std::to_string(event.seq) + "].record";
    Result<boost::json::value> json = common::ParseJson(row.Text(1), where);
    Result<EventRecord> record = json.ok() ? EventRecord::FromJson(*json, "$")
                                           : Result<EventRecord>(json.status());
    if (!record.ok()) {
      return Status::Corruption(where + " is unreadable: " + record.status().message());
    }
    event.record = std::move(*record);
    event.object_version = row.Text(2);
    event.record.version = event.object_version;
    out.push_back(std::move(event));
  }
  return out;
}

Result<int64_t> EventLog::LatestSeq() {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  return LatestSeq(*tx);
}

Result<int64_t> EventLog::LatestSeq(catalog::Transaction& tx) {
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT COALESCE(MAX(seq), 0) FROM events"));
  return row ? row->Int(0) : int64_t{0};
}

namespace {

ObjectHead HeadFromRow(const catalog::Row& row) {
  ObjectHead h;
  h.bucket = row.Text(0);
  h.key = row.Text(1);
  h.version = row.Text(2);
  h.etag = row.Text(3);
  h.size = static_cast<uint64_t>(row.Int(4));
  h.seq = row.Int(5);
  return h;
}

}  // namespace

Result<std::optional<ObjectHead>> EventLog::Head(catalog::Transaction& tx,
                                                 std::string_view bucket,
                                                 std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(
      auto row, tx.QueryOne("SELECT bucket, object_key, object_version, etag, size, seq "
                            "FROM object_heads WHERE bucket = $1 AND object_key = $2",
                            {std::string(bucket), std::string(key)}));
  if (!row) return std::optional<ObjectHead>();
  return std::optional<ObjectHead>(HeadFromRow(*row));
}

Result<std::vector<ObjectHead>> EventLog::ListHeads(catalog::Transaction& tx,
                                                    std::string_view after_bucket,
                                                    std::string_view after_key, int limit) {
  SLUICE_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT bucket, object_key, object_version, etag, size, seq FROM object_heads "
               "WHERE bucket > $1 OR (bucket = $1 AND object_key > $2) "
               "ORDER BY bucket, object_key LIMIT $3",
               {std::string(after_bucket), std::string(after_key), int64_t{limit}}));
  std::vector<ObjectHead> out;
  out.reserve(rows.size());
  for (const catalog::Row& row : rows) out.push_back(HeadFromRow(row));
  return out;
}

}  // namespace sluice::events
