#include "sluice/events/dispatcher.h"

#include <algorithm>

namespace sluice::events {

namespace {
constexpr int kBatchSize = 256;
}  // namespace

std::string Dispatcher::ConsumerKey(std::string_view bucket, std::string_view rule_id) {
  return std::string(bucket) + "/" + std::string(rule_id);
}

void Dispatcher::Subscribe(std::string bucket, NotificationRule rule, Consumer* consumer,
                           int64_t start_after_seq) {
  std::string key = ConsumerKey(bucket, rule.id);
  subscriptions_.push_back(
      Subscription{std::move(bucket), std::move(rule), consumer, start_after_seq, std::move(key)});
}

Result<int64_t> Dispatcher::Cursor(std::string_view consumer_key) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT seq FROM dispatch_cursors WHERE consumer = $1",
                                                 {std::string(consumer_key)}));
  return row ? row->Int(0) : int64_t{0};
}

Result<int64_t> Dispatcher::ReadCursor(catalog::Transaction& tx, const Subscription& sub) {
  SLUICE_ASSIGN_OR_RETURN(
      auto row, tx.QueryOne("SELECT seq FROM dispatch_cursors WHERE consumer = $1", {sub.key}));
  return row ? row->Int(0) : sub.start_after_seq;
}

Status Dispatcher::WriteCursor(catalog::Transaction& tx, const Subscription& sub, int64_t seq) {
  // Never moves back: another dispatcher may have gone further meanwhile.
  return tx
      .Execute(
          "INSERT INTO dispatch_cursors (consumer, seq, updated_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (consumer) DO UPDATE SET "
          "seq = CASE WHEN excluded.seq > dispatch_cursors.seq THEN excluded.seq "
          "ELSE dispatch_cursors.seq END, updated_at = excluded.updated_at",
          {sub.key, seq, common::FormatIso8601Millis(clock_->Now())})
      .status();
}

Status Dispatcher::RunSubscription(const Subscription& sub, int max_events,
                                   DispatchReport* report) {
  int64_t position;  // every event up to here is skipped or delivered
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(position, ReadCursor(*tx, sub));
  }
  int64_t persisted = position;
  // Writes the advance over skipped events, if any, in one transaction.
  auto persist = [&]() -> Status {
    if (position <= persisted) return Status::OK();
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
    SLUICE_RETURN_IF_ERROR(WriteCursor(*tx, sub, position));
    SLUICE_RETURN_IF_ERROR(tx->Commit());
    persisted = position;
    return Status::OK();
  };

  int remaining = max_events;
  while (remaining > 0) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<LoggedEvent> batch,
                            log_->Read(position, std::min(remaining, kBatchSize), sub.bucket));
    if (batch.empty()) break;
    for (const LoggedEvent& event : batch) {
      --remaining;
      if (!sub.rule.Matches(event.record.event_name, event.record.key)) {
        ++report->skipped;
        position = event.seq;
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
      SLUICE_ASSIGN_OR_RETURN(int64_t stored, ReadCursor(*tx, sub));
      if (stored >= event.seq) {
        // Another dispatcher delivered it (and maybe more) since this batch was read.
        tx.reset();
        position = std::max(position, stored);
        persisted = std::max(persisted, stored);
        continue;
      }
      EventRecord record = event.record;
      record.configuration_id = sub.rule.id;
      Status st = sub.consumer->Deliver(*tx, sub.rule, event, record.ToJson());
      if (st.ok()) st = WriteCursor(*tx, sub, event.seq);
      if (st.ok()) st = tx->Commit();
      if (!st.ok()) {
        tx.reset();  // rolls the consumer's changes back
        report->failures.push_back(DispatchFailure{sub.key, event.seq, st});
        return persist();
      }
      ++report->delivered;
      position = persisted = event.seq;
    }
  }
  return persist();
}

Result<DispatchReport> Dispatcher::RunOnce(int max_events) {
  DispatchReport report;
  for (const Subscription& sub : subscriptions_) {
    SLUICE_RETURN_IF_ERROR(
        RunSubscription(sub, max_events, &report).WithContext("dispatch " + sub.key));
  }
  return report;
}

Result<int> SubscribeStoredConfigurations(
    Dispatcher& dispatcher, NotificationConfigurationStore& configurations,
    const std::function<Consumer*(std::string_view bucket, const NotificationRule& rule)>&
        resolver) {
  SLUICE_ASSIGN_OR_RETURN(auto stored, configurations.List());
  int added = 0;
  for (const auto& [bucket, config] : stored) {
    for (const NotificationRule& rule : config.rules) {
      Consumer* consumer = resolver(bucket, rule);
      if (consumer == nullptr) continue;
      dispatcher.Subscribe(bucket, rule, consumer);
      ++added;
    }
  }
  return added;
}

}  // namespace sluice::events
