#include "sluice/asl/task_handler.h"

namespace sluice::asl {

void TaskRegistry::Register(std::string pattern, TaskHandler* handler) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.pop_back();
    prefixes_.insert(prefixes_.begin(), {std::move(pattern), handler});
  } else {
    exact_.insert(exact_.begin(), {std::move(pattern), handler});
  }
}

TaskHandler* TaskRegistry::Find(std::string_view resource) const {
  for (const auto& [arn, handler] : exact_) {
    if (arn == resource) return handler;
  }
  TaskHandler* best = nullptr;
  size_t best_len = 0;
  for (const auto& [prefix, handler] : prefixes_) {
    if (resource.substr(0, prefix.size()) == prefix && (best == nullptr || prefix.size() > best_len)) {
      best = handler;
      best_len = prefix.size();
    }
  }
  return best;
}

}  // namespace sluice::asl
