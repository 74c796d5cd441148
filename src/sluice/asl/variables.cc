#include "sluice/asl/variables.h"

namespace sluice::asl {

const boost::json::value* VariableScope::Find(std::string_view name) const {
  for (const VariableScope* s = this; s != nullptr; s = s->parent_) {
    auto it = s->values_.find(name);
    if (it != s->values_.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace sluice::asl
