#pragma once

// The pipeline engine `sluice serve` runs: files land, triggers start executions exactly
// once, executors run them durably.
//
//   inbox/<bucket>/<key>  ──(size stable)──▶ store put (event logged) ──▶ dispatcher
//        ──(trigger rule matches; StartExecutionIn commits with the delivered mark)──▶
//   executions RUNNING ──▶ executor threads (ExecutionService::RunPending, leases)
//
// Threads: one inbox scanner, one dispatcher, `executors` executor threads. Everything an
// execution does is durable in the catalog, so Stop (or a crash) loses nothing: executions
// left RUNNING resume when the engine starts again, and an event not yet delivered is
// delivered then. Thread-safety: Start/Stop from one thread; the accessors are safe from
// any thread. The catalog, store, log and execution service must outlive the engine.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sluice/asl/execution_service.h"
#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/events/dispatcher.h"
#include "sluice/events/event_log.h"
#include "sluice/ops/metrics.h"
#include "sluice/store/object_store.h"

namespace sluice::server {

// A trigger: S3 events of `bucket` matching the rule start `state_machine`.
struct Trigger {
  std::string name;                 // also the rule id (s3.configurationId in the record)
  std::string bucket;
  std::vector<std::string> events;  // "s3:ObjectCreated:*"; empty: every ObjectCreated
  std::string prefix, suffix;       // S3 filter rules
  std::string state_machine;        // name
  // An ASL Parameters template over the event record (`"key.$": "$.s3.object.key"`);
  // null: the input is S3's notification shape, {"Records": [record]}.
  boost::json::value input;
};

// Counts the HTTP endpoints report (monotonic since start).
struct EngineCounters {
  std::atomic<int64_t> files_ingested{0};
  std::atomic<int64_t> events_dispatched{0};
  std::atomic<int64_t> executions_started{0};
  std::atomic<int64_t> executions_finished{0};
  std::atomic<int64_t> dispatch_failures{0};
  std::atomic<int64_t> inbox_failures{0};
};

struct EngineOptions {
  std::string inbox_dir;             // "" : no inbox
  int executors = 4;                 // executions run at once
  int inbox_poll_ms = 200;           // a file is taken once its size held for one poll
  int dispatch_poll_ms = 2;          // how often the event log is read when idle
  // Where the engine counts (so counts survive an engine replaced on a redeploy); null: its
  // own. Must outlive the engine.
  EngineCounters* counters = nullptr;
  // When set: sluice_event_to_start_seconds (event time → execution start, per started
  // execution) and sluice_queue_depth{queue=inbox|events|executions} (RecordQueueDepths).
  // Must outlive the engine.
  const ops::StandardMetrics* metrics = nullptr;
};


class PipelineEngine {
 public:
  PipelineEngine(catalog::Catalog* catalog, store::ObjectStore* store, events::EventLog* log,
                 asl::ExecutionService* executions, EngineOptions options);
  ~PipelineEngine();
  PipelineEngine(const PipelineEngine&) = delete;
  PipelineEngine& operator=(const PipelineEngine&) = delete;

  // Subscribes the triggers (before Start). A trigger seen for the first time starts after
  // the events already logged (as S3 notifies only of later events); its cursor is stored
  // at once, so events landing while the engine is down are not missed. InvalidArgument
  // for a bad input template (naming the trigger and the path).
  Status SetTriggers(const std::vector<Trigger>& triggers);

  Status Start();
  // Stops taking new files and events and joins every thread. Running executions pause at
  // their next state boundary, Wait or task-token wait (a Task in flight finishes first) and
  // stay RUNNING; they resume from their history at the next Start, in this process or the
  // next, as executions left by a crash do.
  void Stop();

  const EngineCounters& counters() const { return *counters_; }

  // Samples what waits: events logged after the slowest trigger's cursor (`events`) and
  // executions RUNNING in the catalog (`executions`). The inbox's depth is recorded by its
  // own scans. Called periodically by the owner (any thread).
  Status RecordQueueDepths();

 private:
  class TriggerConsumer;
  void InboxLoop();
  void DispatchLoop();
  void ExecutorLoop();
  Status ScanInbox(std::map<std::string, int64_t>* sizes);
  void Wake();

  catalog::Catalog* catalog_;
  store::ObjectStore* store_;
  events::EventLog* log_;
  asl::ExecutionService* executions_;
  EngineOptions options_;
  events::Dispatcher dispatcher_;
  std::vector<std::unique_ptr<TriggerConsumer>> consumers_;
  EngineCounters own_counters_;
  EngineCounters* counters_;  // options.counters, or &own_counters_

  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable work_;  // executors wait here for new executions
  int64_t wakeups_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::server
