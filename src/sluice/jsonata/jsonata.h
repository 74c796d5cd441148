#pragma once

// JSONata (the query and transformation language of AWS Step Functions, version 2.0.6 as
// Step Functions runs it): compile an expression once, evaluate it many times.
//
//   SLUICE_ASSIGN_OR_RETURN(auto expr, jsonata::Expression::Compile("Account.Order[0].Total"));
//   SLUICE_ASSIGN_OR_RETURN(std::optional<boost::json::value> out, expr.Evaluate(&input));
//
// An Expression is immutable after Compile and may be evaluated from many threads at once;
// each evaluation has its own scopes and its own fixed clock ($now, $millis). It refers to
// the FunctionRegistry it was compiled with, which must outlive it (Standard() lives for
// the program).
//
// Errors are Status values whose name() is JSONata's error code ("T2001", "S0201",
// "D3030", "U1001" for the depth/time limits, …) and whose message is JSONata's text
// followed by " (position N)" — the character offset in the expression where it broke —
// and the token when there is one. No exception leaves this module.

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/jsonata/function.h"
#include "sluice/jsonata/value.h"

namespace sluice::jsonata {

struct Ast;
struct Node;

struct EvaluateOptions {
  // Maximum nesting of evaluation steps (0: no limit besides the stack guard).
  int max_depth = 0;
  // Maximum wall time of one evaluation in ms (0: none).
  int64_t time_limit_ms = 0;
  // Native stack the evaluation may use before failing with U1001 (deep recursion in a
  // non-tail position). The calling thread's stack must be larger.
  size_t max_stack_bytes = size_t{4} << 20;
  // The evaluation's timestamp in ms since the epoch; unset: the system clock at the start.
  std::optional<int64_t> now_millis;
};

// Variable bindings for one evaluation: name (without `$`) → value.
using Bindings = std::vector<std::pair<std::string, Value>>;

// A JSONata error as data (what Status carries, split into fields).
struct ErrorInfo {
  std::string code;
  int position = -1;
  std::string token;
  std::string message;  // JSONata's text, without position
};

// Splits a Status returned by Compile/Evaluate back into its parts.
ErrorInfo ErrorInfoFromStatus(const Status& status);

class Expression {
 public:
  // Parses `text`. Fails with the S0xxx code of the syntax error.
  static Result<Expression> Compile(
      std::string_view text, const FunctionRegistry& registry = FunctionRegistry::Standard());

  // Evaluates against `input` (undefined: no input). Returns undefined for no result.
  Result<Value> Evaluate(const Value& input, const Bindings& bindings = {},
                         const EvaluateOptions& options = {}) const;
  // The same over Boost.JSON: `input` nullptr means undefined; nullopt result means undefined.
  Result<std::optional<boost::json::value>> Evaluate(const boost::json::value* input,
                                                     const boost::json::object* bindings = nullptr,
                                                     const EvaluateOptions& options = {}) const;

  const std::string& source() const { return source_; }
  // True when the expression uses `??` or `?:`, operators of JSONata 2.1.0 that AWS Step
  // Functions (JSONata 2.0.6) rejects; sluice evaluates them, callers may warn.
  bool uses_operators_after_2_0_6() const;
  // Internal: the syntax tree ($eval evaluates a freshly compiled one), and a handle that
  // keeps it alive (functions $eval returns point into it).
  const Node* root() const;
  std::shared_ptr<const void> tree() const { return ast_; }

 private:
  Expression(std::string source, std::shared_ptr<const Ast> ast, const FunctionRegistry* registry);

  std::string source_;
  std::shared_ptr<const Ast> ast_;
  const FunctionRegistry* registry_;
};

}  // namespace sluice::jsonata
