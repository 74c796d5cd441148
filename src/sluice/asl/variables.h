#pragma once

// Workflow variables (`Assign`, read as `$name`): a scope maps names to JSON values and may
// have a parent scope (a Parallel branch or Map iteration reads the variables of the scope
// it was started from). Assignments go to the innermost scope. A scope is owned by one
// execution thread; parent scopes must outlive their children and are only read meanwhile.

#include <map>
#include <string>
#include <string_view>

#include "sluice/common/json.h"

namespace sluice::asl {

class VariableScope {
 public:
  explicit VariableScope(const VariableScope* parent = nullptr) : parent_(parent) {}

  // The innermost binding of `name`, or nullptr.
  const boost::json::value* Find(std::string_view name) const;
  void Set(std::string name, boost::json::value value) { values_[std::move(name)] = std::move(value); }
  const std::map<std::string, boost::json::value, std::less<>>& values() const { return values_; }
  const VariableScope* parent() const { return parent_; }

 private:
  const VariableScope* parent_;
  std::map<std::string, boost::json::value, std::less<>> values_;
};

}  // namespace sluice::asl
