#pragma once

// The runtime's activity recorded in the standard metrics (ops/metrics.h, docs/ops.md):
// state transitions and Task durations as executions run (an asl::ExecutionObserver), and
// queue depths sampled from the catalog. Thread-safety: every method may be called from
// any thread; the metrics' registry must outlive this object.

#include <string_view>

#include "sluice/asl/interpreter.h"
#include "sluice/catalog/catalog.h"
#include "sluice/common/status.h"
#include "sluice/ops/metrics.h"

namespace sluice::server {

class ExecutionMetrics final : public asl::ExecutionObserver {
 public:
  explicit ExecutionMetrics(const ops::StandardMetrics* metrics);

  // sluice_state_transitions_total.
  void StateEntered(std::string_view state_type) override;
  // sluice_task_duration_seconds{resource}.
  void TaskFinished(std::string_view resource, double seconds, bool succeeded) override;

 private:
  const ops::StandardMetrics* metrics_;
  ops::Series* transitions_ = nullptr;
};

// Sets sluice_queue_depth{queue="executions"} to the executions RUNNING in the catalog
// (started, not finished: running or waiting for an executor, a Wait or a task token).
Status RecordExecutionQueue(catalog::Catalog& catalog, const ops::StandardMetrics* metrics);

}  // namespace sluice::server
