#pragma once

// JSONata templates: the way Step Functions embeds JSONata in a state's JSON fields
// (Arguments, Output, Assign, Items, ItemSelector, Fail's Error/Cause, …). A string value
// that begins with "{%" and ends with "%}" — anywhere in the JSON, in objects and arrays at
// any depth — is a JSONata expression; every other value is literal.
//
// Compile once (every expression parsed, syntax errors reported with the field's location),
// evaluate many times with `$states` and the workflow variables bound. An expression that
// evaluates to undefined leaves its object member or array element out; a whole template
// that is one undefined expression evaluates to nullopt (the caller decides what that
// means for its field). Evaluation errors are Status values named
// "States.QueryEvaluationError" whose message names the field, the expression and the
// JSONata error (positions count from the first character after "{%"). The wording is
// sluice's; AWS's exact text is not documented. Immutable after Compile; thread-safe.

#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/jsonata/jsonata.h"

namespace sluice::jsonata {

class JsonataTemplate {
 public:
  // Compiles `value`. `location` names the field for messages ("/States/Load/Arguments");
  // members and elements extend it ("/States/Load/Arguments/id"). Fails with
  // InvalidArgument "<location>: <CODE>: <message> (position N) in JSONata expression '…'".
  static Result<JsonataTemplate> Compile(
      const boost::json::value& value, std::string_view location,
      const FunctionRegistry& registry = FunctionRegistry::Standard());

  Result<std::optional<boost::json::value>> Evaluate(const Bindings& bindings,
                                                     const EvaluateOptions& options = {}) const;

  // No expression anywhere: Evaluate returns the value as written.
  bool is_constant() const;
  // Locations of expressions using `??` or `?:`, which AWS (JSONata 2.0.6) rejects.
  const std::vector<std::string>& uses_operators_after_2_0_6() const { return newer_operators_; }

  // Whether `text` has the "{% … %}" form.
  static bool IsExpression(std::string_view text);

  struct Part;

 private:
  explicit JsonataTemplate(std::shared_ptr<const Part> root) : root_(std::move(root)) {}

  std::shared_ptr<const Part> root_;
  std::vector<std::string> newer_operators_;
};

}  // namespace sluice::jsonata
