#pragma once

// Dispatcher: hands each (notification rule, event) pair to the rule's consumer exactly
// once, across crashes and concurrent dispatchers.
//
// Contract: each subscription (bucket + rule) has a cursor in the catalog table
// `dispatch_cursors` (consumer key "<bucket>/<rule id>"): the seq of the last event it has
// dealt with. A matching event is delivered inside one write transaction that (1) re-reads
// the cursor, (2) calls Consumer::Deliver(tx, …) so the consumer makes its own durable
// change in the same transaction, and (3) advances the cursor to the event; then commits.
// The consumer's change and the "delivered" mark commit together or not at all, so after a
// crash an event is either fully delivered or delivered again in full. Events that do not
// match advance the cursor without a delivery (batched into one transaction). A consumer
// error rolls its delivery back, stops that subscription for the round and is reported;
// the event is retried on the next round.
//
// Consumers see the record with s3.configurationId set to the rule's Id. A consumer's side
// effects outside `tx` (a process started, an HTTP call) are not covered: make them
// idempotent or key them on the event (bucket, key, sequencer).
//
// The catalog, log and consumers must outlive the Dispatcher. A Dispatcher is not
// thread-safe (one thread calls RunOnce); several dispatchers, in one process or several,
// may run over one catalog.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/events/event_log.h"
#include "sluice/events/notification_configuration.h"

namespace sluice::events {

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Acts on one event for `rule`. Changes made through `tx` commit with the delivered mark.
  // An error rolls them back and the event is offered again on a later round. Must not
  // begin another transaction on the same catalog.
  virtual Status Deliver(catalog::Transaction& tx, const NotificationRule& rule,
                         const LoggedEvent& event, const boost::json::object& record) = 0;
};

struct DispatchFailure {
  std::string consumer_key;  // "<bucket>/<rule id>"
  int64_t seq = 0;           // the event that failed
  Status status;
};

struct DispatchReport {
  int64_t delivered = 0;  // events handed to consumers and committed
  int64_t skipped = 0;    // events read that did not match
  std::vector<DispatchFailure> failures;
};

class Dispatcher {
 public:
  // `catalog` must be `log`'s catalog. Both must outlive the dispatcher.
  Dispatcher(catalog::Catalog* catalog, EventLog* log,
             const common::Clock* clock = common::SystemClock::Default())
      : catalog_(catalog), log_(log), clock_(clock) {}

  // Delivers events of `bucket` matching `rule` to `consumer` (which must outlive the
  // dispatcher). A subscription without a stored cursor starts after `start_after_seq`
  // (0: from the beginning of the log).
  void Subscribe(std::string bucket, NotificationRule rule, Consumer* consumer,
                 int64_t start_after_seq = 0);
  size_t subscription_count() const { return subscriptions_.size(); }

  // One round: each subscription reads up to `max_events` of its bucket's events after its
  // cursor and delivers the matching ones. Returns an error only when the catalog fails
  // outside a delivery; consumer errors are in the report.
  Result<DispatchReport> RunOnce(int max_events);

  // The stored cursor of a subscription; 0 when none.
  Result<int64_t> Cursor(std::string_view consumer_key);

  static std::string ConsumerKey(std::string_view bucket, std::string_view rule_id);

 private:
  struct Subscription {
    std::string bucket;
    NotificationRule rule;
    Consumer* consumer;
    int64_t start_after_seq;
    std::string key;
  };

  // One subscription's share of a round.
  Status RunSubscription(const Subscription& sub, int max_events, DispatchReport* report);
  // Reads the stored cursor within `tx`; the subscription's start when none is stored.
  Result<int64_t> ReadCursor(catalog::Transaction& tx, const Subscription& sub);
  Status WriteCursor(catalog::Transaction& tx, const Subscription& sub, int64_t seq);

  catalog::Catalog* catalog_;
  EventLog* log_;
  const common::Clock* clock_;
  std::vector<Subscription> subscriptions_;
};

// Subscribes `dispatcher` to every rule of every stored notification configuration for
// which `resolver` returns a consumer (nullptr: the rule is left unsubscribed). Returns how
// many subscriptions were added.
Result<int> SubscribeStoredConfigurations(
    Dispatcher& dispatcher, NotificationConfigurationStore& configurations,
    const std::function<Consumer*(std::string_view bucket, const NotificationRule& rule)>&
        resolver);

}  // namespace sluice::events
