#pragma once

// The tree-walking evaluator: one Evaluator per evaluation (not shared between threads).
// It owns the evaluation's frames (variable scopes) in an arena freed when it ends, its
// fixed timestamp, and the runaway guards (depth, time, native stack). Semantics follow
// the reference implementation (jsonata-js 2.0.6) function by function.

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/jsonata/ast_internal.h"
#include "sluice/jsonata/function.h"
#include "sluice/jsonata/regex_internal.h"
#include "sluice/jsonata/value.h"

namespace sluice::jsonata {

struct Frame {
  Frame* parent = nullptr;
  std::vector<std::pair<std::string, Value>> bindings;

  const Value* Lookup(std::string_view name) const {
    for (const Frame* f = this; f != nullptr; f = f->parent) {
      for (const auto& [k, v] : f->bindings) {
        if (k == name) return &v;
      }
    }
    return nullptr;
  }
  void Bind(std::string_view name, Value value) {
    for (auto& [k, v] : bindings) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    bindings.emplace_back(std::string(name), std::move(value));
  }
};

struct EvaluatorLimits {
  int max_depth = 0;           // 0: none (the native stack guard still applies)
  int64_t time_limit_ms = 0;   // 0: none
  size_t max_stack_bytes = 0;  // native stack the evaluation may use
};

class Evaluator {
 public:
  // `now_millis` nullopt: the system clock, read the first time $now/$millis need it.
  Evaluator(const FunctionRegistry* registry, EvaluatorLimits limits,
            std::optional<int64_t> now_millis);

  // Evaluates the whole expression: `input` is the document (undefined allowed), `root`
  // the frame holding the caller's bindings.
  Value EvaluateRoot(const Node* root, const Value& input, Frame* bindings);

  Value Eval(const Node* expr, const Value& input, Frame* env);
  // Applies a function value to arguments (with trampolining of tail calls).
  Value Apply(const Value& proc, std::vector<Value> args, const Value& input, Frame* env);
  int Arity(const Value& function) const;

  Frame* NewFrame(Frame* parent);
  // Keeps `tree` (an expression $eval compiled) alive until the evaluation ends.
  void Retain(std::shared_ptr<const void> tree) { retained_.push_back(std::move(tree)); }
  // A variable: the frames first, then the library.
  const Value* LookupVariable(Frame* env, std::string_view name) const;
  int64_t now_millis();
  // The frame of the caller's bindings (and `$`), owned by the evaluator.
  Frame* root_frame() { return &root_frame_; }
  const FunctionRegistry* registry() const { return registry_; }
  bool created_functions() const { return created_functions_; }

  // Library helpers shared with functions.cc.
  static bool Truthy(const Value& v, bool* defined = nullptr);
  static bool DeepEqual(const Value& a, const Value& b);
  static Value Lookup(const Value& input, std::string_view key);
  static Value Append(const Value& a, const Value& b);
  Value DeepClone(const Value& v);
  // Runs `regex` over `subject` calling `on_match` per match (D1004 on empty repeats);
  // stops when on_match returns false.
  void ForEachMatch(const Value& matcher, const std::string& subject,
                    const std::function<bool(const Regex::Match&)>& on_match);

 private:
  void CheckLimits();

  Value EvalPath(const Node* expr, const Value& input, Frame* env);
  Value EvalStep(const Node* expr, const Value& input_seq, Frame* env, bool last_step);
  Value EvalTupleStep(const Node* expr, const Value& input_seq, Value tuple_bindings, Frame* env,
                      bool have_bindings);
  Value EvalStages(const std::vector<Stage>& stages, Value input, Frame* env);
  Value EvalFilter(const Node* predicate, const Value& input, Frame* env);
  Value EvalBinary(const Node* expr, const Value& input, Frame* env);
  Value EvalUnary(const Node* expr, const Value& input, Frame* env);
  Value EvalGroup(const GroupBy& group, const Value& input, Frame* env);
  Value EvalSort(const Node* expr, const Value& input, Frame* env);
  Value EvalFunction(const Node* expr, const Value& input, Frame* env, const Value* apply_to);
  Value EvalPartial(const Node* expr, const Value& input, Frame* env);
  Value EvalApplyExpr(const Node* expr, const Value& input, Frame* env);
  Value EvalTransform(const Node* expr, const Value& input, Frame* env);
  Value ApplyInner(const Value& proc, std::vector<Value>& args, const Value& input, Frame* env);
  Value RunTransform(const FunctionData& fn, const Value& obj);
  Frame* FrameFromTuple(Frame* env, const Value& tuple);

  const FunctionRegistry* registry_;
  EvaluatorLimits limits_;
  std::optional<int64_t> now_millis_;
  Frame root_frame_;
  std::vector<std::shared_ptr<const void>> retained_;
  std::deque<Frame> frames_;  // stays empty (no allocation) until a scope is opened
  int depth_ = 0;
  uint32_t ticks_ = 0;
  std::chrono::steady_clock::time_point start_;
  const char* stack_base_ = nullptr;
  bool created_functions_ = false;
};

}  // namespace sluice::jsonata
