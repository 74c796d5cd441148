#include "sluice/server/runtime_metrics.h"

#include <string>

namespace sluice::server {

ExecutionMetrics::ExecutionMetrics(const ops::StandardMetrics* metrics) : metrics_(metrics) {
  if (metrics_ && metrics_->state_transitions_total) transitions_ = metrics_->state_transitions_total->Get();
}

void ExecutionMetrics::StateEntered(std::string_view) {
  if (transitions_) transitions_->Increment();
}

void ExecutionMetrics::TaskFinished(std::string_view resource, double seconds, bool) {
  if (metrics_ && metrics_->task_duration_seconds) {
    metrics_->task_duration_seconds->WithLabels({std::string(resource)})->Observe(seconds);
  }
}

Status RecordExecutionQueue(catalog::Catalog& catalog, const ops::StandardMetrics* metrics) {
  if (metrics == nullptr || metrics->queue_depth == nullptr) return Status::OK();
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT count(*) FROM executions WHERE status = 'RUNNING'"));
  metrics->queue_depth->WithLabels({"executions"})->Set(row ? static_cast<double>(row->Int(0)) : 0);
  return Status::OK();
}

}  // namespace sluice::server
