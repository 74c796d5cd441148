#pragma once

// The engine-backed Task integrations in one place, for the composition root: Glue jobs
// (glue_jobs.h), the Redshift Data API (redshift_data.h), DynamoDB items (dynamodb_items.h)
// and sluice's own models:build / warehouse:load (sluice_tasks.h). docs/tasks.md lists every
// resource. Lambda functions (local_functions.h) and topics are registered separately.

#include <memory>

#include "sluice/asl/task_handler.h"
#include "sluice/tasks/dynamodb_items.h"
#include "sluice/tasks/glue_jobs.h"
#include "sluice/tasks/redshift_data.h"
#include "sluice/tasks/sluice_tasks.h"
#include "sluice/tasks/task_environment.h"

namespace sluice::tasks {

// Owns the handlers (the registry keeps pointers to them) and a copy of the environment.
class AwsIntegrations {
 public:
  explicit AwsIntegrations(TaskEnvironment env)
      : env_(std::move(env)), glue_(&env_), redshift_(&env_), dynamodb_(env_.catalog), sluice_(&env_) {}
  AwsIntegrations(const AwsIntegrations&) = delete;
  AwsIntegrations& operator=(const AwsIntegrations&) = delete;

  const TaskEnvironment& env() const { return env_; }

 private:
  friend std::unique_ptr<AwsIntegrations> RegisterAwsIntegrations(asl::TaskRegistry&, TaskEnvironment);
  TaskEnvironment env_;
  GlueJobs glue_;
  RedshiftData redshift_;
  DynamoDbItems dynamodb_;
  SluiceTasks sluice_;
};

// Registers every integration above with `registry`. The returned object must outlive the
// registry's use; `env.catalog` must be set and outlive it too.
std::unique_ptr<AwsIntegrations> RegisterAwsIntegrations(asl::TaskRegistry& registry, TaskEnvironment env);

}  // namespace sluice::tasks
