#include "sluice/tasks/aws_integrations.h"

namespace sluice::tasks {

std::unique_ptr<AwsIntegrations> RegisterAwsIntegrations(asl::TaskRegistry& registry, TaskEnvironment env) {
  auto integrations = std::make_unique<AwsIntegrations>(std::move(env));
  integrations->glue_.RegisterWith(registry);
  integrations->redshift_.RegisterWith(registry);
  integrations->dynamodb_.RegisterWith(registry);
  integrations->sluice_.RegisterWith(registry);
  return integrations;
}

}  // namespace sluice::tasks
