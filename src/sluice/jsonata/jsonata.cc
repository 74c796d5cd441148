#include "sluice/jsonata/jsonata.h"

#include <chrono>

#include "sluice/jsonata/ast_internal.h"
#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/evaluator_internal.h"
#include "sluice/jsonata/parser_internal.h"

namespace sluice::jsonata {
namespace {

Status ToStatus(const JsonataException& e) {
  std::string message = ErrorMessage(e);
  if (e.position >= 0) message += " (position " + std::to_string(e.position) + ")";
  if (e.has_token) message += " [token " + e.token + "]";
  return Status(StatusCode::kInvalidArgument, e.code, std::move(message));
}

// Functions in a result carry pointers into the evaluation's frames, which end with it:
// results leave as "" (as JSONata's $string renders a function).
Value WithoutFunctions(const Value& v) {
  switch (v.type()) {
    case ValueType::kFunction:
      return Value::String("");
    case ValueType::kArray: {
      Value out = Value::NewArray();
      for (const Value& item : v.array().items) out.array().items.push_back(WithoutFunctions(item));
      return out;
    }
    case ValueType::kObject: {
      Value out = Value::NewObject();
      for (const auto& [k, m] : v.object().entries) {
        out.object().entries.emplace_back(k, WithoutFunctions(m));
      }
      return out;
    }
    default:
      return v;
  }
}

bool ContainsFunction(const Value& v) {
  switch (v.type()) {
    case ValueType::kFunction:
      return true;
    case ValueType::kArray:
      for (const Value& item : v.array().items) {
        if (ContainsFunction(item)) return true;
      }
      return false;
    case ValueType::kObject:
      for (const auto& [k, m] : v.object().entries) {
        if (ContainsFunction(m)) return true;
      }
      return false;
    default:
      return false;
  }
}

// Sequences leave as plain arrays (their flags are internal).
Value Normalize(const Value& v, bool had_functions) {
  Value out = had_functions && ContainsFunction(v) ? WithoutFunctions(v) : v;
  if (out.is_array() && (out.array().sequence || out.array().keep_singleton)) {
    Value copy = Value::NewArray();
    copy.array().items = out.array().items;
    return copy;
  }
  return out;
}

}  // namespace

ErrorInfo ErrorInfoFromStatus(const Status& status) {
  ErrorInfo info;
  info.code = std::string(status.name());
  std::string m = status.message();
  size_t tok = m.rfind(" [token ");
  if (tok != std::string::npos && !m.empty() && m.back() == ']') {
    info.token = m.substr(tok + 8, m.size() - tok - 9);
    m.resize(tok);
  }
  size_t pos = m.rfind(" (position ");
  if (pos != std::string::npos && !m.empty() && m.back() == ')') {
    info.position = std::atoi(m.c_str() + pos + 11);
    m.resize(pos);
  }
  info.message = m;
  return info;
}

Expression::Expression(std::string source, std::shared_ptr<const Ast> ast,
                       const FunctionRegistry* registry)
    : source_(std::move(source)), ast_(std::move(ast)), registry_(registry) {}

const Node* Expression::root() const { return ast_->root; }
bool Expression::uses_operators_after_2_0_6() const { return ast_->uses_2_1_operators; }

Result<Expression> Expression::Compile(std::string_view text, const FunctionRegistry& registry) {
  auto ast = std::make_shared<Ast>();
  try {
    ParseExpression(text, registry, *ast);
  } catch (const JsonataException& e) {
    return ToStatus(e);
  }
  return Expression(std::string(text), std::move(ast), &registry);
}

Result<Value> Expression::Evaluate(const Value& input, const Bindings& bindings,
                                   const EvaluateOptions& options) const {
  EvaluatorLimits limits;
  limits.max_depth = options.max_depth;
  limits.time_limit_ms = options.time_limit_ms;
  limits.max_stack_bytes = options.max_stack_bytes;
  Evaluator evaluator(registry_, limits, options.now_millis);
  try {
    Frame* root = evaluator.root_frame();
    for (const auto& [name, value] : bindings) root->Bind(name, value);
    Value result = evaluator.EvaluateRoot(ast_->root, input, root);
    return Normalize(result, evaluator.created_functions());
  } catch (const JsonataException& e) {
    return ToStatus(e);
  }
}

Result<std::optional<boost::json::value>> Expression::Evaluate(
    const boost::json::value* input, const boost::json::object* bindings,
    const EvaluateOptions& options) const {
  Bindings b;
  if (bindings != nullptr) {
    for (const auto& kv : *bindings) {
      b.emplace_back(std::string(kv.key()), Value::FromJson(kv.value()));
    }
  }
  Value in = input != nullptr ? Value::FromJson(*input) : Value();
  SLUICE_ASSIGN_OR_RETURN(Value result, Evaluate(in, b, options));
  return result.ToJson();
}

}  // namespace sluice::jsonata
