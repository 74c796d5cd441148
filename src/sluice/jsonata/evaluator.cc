#include <algorithm>
#include <cmath>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/evaluator_internal.h"
#include "sluice/jsonata/functions_internal.h"
#include "sluice/jsonata/signature_internal.h"
#include "sluice/jsonata/text_internal.h"

namespace sluice::jsonata {
namespace {

bool IsSequence(const Value& v) { return v.is_array() && v.array().sequence; }

Value SequenceOf(const Value& item) {
  Value seq = Value::NewSequence();
  seq.array().items.push_back(item);
  return seq;
}

// Numbers in expressions must be finite (D1001 otherwise), as the reference checks.
bool IsNumeric(const Value& v) {
  if (!v.is_number()) return false;
  if (std::isnan(v.number())) return false;
  if (!std::isfinite(v.number())) ThrowValue("D1001", v);
  return true;
}

[[noreturn]] void ThrowAt(std::string code, int position, std::string token, Value value = Value(),
                          Value value2 = Value()) {
  JsonataException e;
  e.code = std::move(code);
  e.position = position;
  e.Token(std::move(token));
  e.value = std::move(value);
  e.value2 = std::move(value2);
  throw e;
}

void ArrayPushFlattened(std::vector<Value>& out, const Value& v) {
  if (v.is_array()) {
    for (const Value& item : v.array().items) ArrayPushFlattened(out, item);
  } else {
    out.push_back(v);
  }
}

}  // namespace

Evaluator::Evaluator(const FunctionRegistry* registry, EvaluatorLimits limits,
                     std::optional<int64_t> now_millis)
    : registry_(registry), limits_(limits), now_millis_(now_millis) {
  if (limits_.time_limit_ms != 0) start_ = std::chrono::steady_clock::now();
}

int64_t Evaluator::now_millis() {
  if (!now_millis_) {
    now_millis_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  }
  return *now_millis_;
}

const Value* Evaluator::LookupVariable(Frame* env, std::string_view name) const {
  if (const Value* v = env->Lookup(name)) return v;
  return registry_->Find(name);
}

Frame* Evaluator::NewFrame(Frame* parent) {
  frames_.emplace_back();
  frames_.back().parent = parent;
  return &frames_.back();
}

void Evaluator::CheckLimits() {
  char marker;
  if (limits_.max_stack_bytes != 0 && stack_base_ != nullptr &&
      static_cast<size_t>(stack_base_ - &marker) > limits_.max_stack_bytes) {
    Throw("U1001");
  }
  if (limits_.max_depth != 0 && depth_ > limits_.max_depth) Throw("U1001");
  if (limits_.time_limit_ms != 0 && (++ticks_ & 255) == 0) {
    auto elapsed = std::chrono::steady_clock::now() - start_;
    if (std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() >
        limits_.time_limit_ms) {
      JsonataException e;
      e.code = "U1001";
      e.detail = "timeout";
      throw e;
    }
  }
}

Value Evaluator::EvaluateRoot(const Node* root, const Value& input, Frame* bindings) {
  char marker;
  if (stack_base_ == nullptr) stack_base_ = &marker;  // nested for $eval: keep the outer base
  Frame* env = bindings;
  env->Bind("$", input);
  Value in = input;
  if (input.is_array() && !input.array().sequence) {
    Value wrapped = SequenceOf(input);
    wrapped.array().outer_wrapper = true;
    in = wrapped;
  }
  Value result = Eval(root, in, env);
  if (result.is_number() && !std::isfinite(result.number())) ThrowValue("D1001", result);
  return result;
}

Value Evaluator::Eval(const Node* expr, const Value& input, Frame* env) {
  ++depth_;
  CheckLimits();
  Value result;
  switch (expr->type) {
    case NodeType::kPath:
      if (expr->simple_names && !input.is_array()) {
        // Field lookups while the values met are objects give what the general path gives
        // (an array at the end stays an array; anything missing is undefined).
        const Value* cur = &input;
        size_t i = 0;
        size_t n = expr->steps.size();
        while (i < n && cur != nullptr && cur->is_object()) {
          const Node* step = expr->steps[i];
          uint32_t hint = step->field_hint.load(std::memory_order_relaxed);
          cur = cur->object().Find(step->value, hint);
          step->field_hint.store(hint, std::memory_order_relaxed);
          ++i;
        }
        bool done = cur == nullptr || (i == n && !(cur->is_array() && cur->array().sequence)) ||
                    (i < n && !cur->is_array());
        if (done) {
          if (cur != nullptr && i == n) result = *cur;
          --depth_;
          return result;
        }
      }
      result = EvalPath(expr, input, env);
      break;
    case NodeType::kBinary:
      result = EvalBinary(expr, input, env);
      break;
    case NodeType::kUnary:
      result = EvalUnary(expr, input, env);
      break;
    case NodeType::kName:
      result = Lookup(input, expr->value);
      break;
    case NodeType::kString:
    case NodeType::kNumber:
    case NodeType::kValue:
      result = expr->literal;
      break;
    case NodeType::kWildcard: {
      result = Value::NewSequence();
      Value in = input;
      if (in.is_array() && in.array().outer_wrapper && !in.array().items.empty()) {
        in = in.array().items[0];
      }
      auto& out = result.array().items;
      if (in.is_object()) {
        for (const auto& [k, v] : in.object().entries) {
          if (v.is_array()) {
            ArrayPushFlattened(out, v);
          } else {
            out.push_back(v);
          }
        }
      } else if (in.is_array()) {
        // A JavaScript array is an object whose keys are its indexes.
        for (const Value& v : in.array().items) {
          if (v.is_array()) {
            ArrayPushFlattened(out, v);
          } else {
            out.push_back(v);
          }
        }
      }
      break;
    }
    case NodeType::kDescendant: {
      if (input.is_defined()) {
        Value seq = Value::NewSequence();
        auto& out = seq.array().items;
        std::function<void(const Value&)> recurse = [&](const Value& v) {
          if (!v.is_array()) out.push_back(v);
          if (v.is_array()) {
            for (const Value& m : v.array().items) recurse(m);
          } else if (v.is_object()) {
            for (const auto& [k, m] : v.object().entries) recurse(m);
          }
        };
        recurse(input);
        result = out.size() == 1 ? out[0] : seq;
      }
      break;
    }
    case NodeType::kParent: {
      const Value* v = env->Lookup(expr->slot->label);
      if (v) result = *v;
      break;
    }
    case NodeType::kCondition: {
      Value condition = Eval(expr->condition, input, env);
      if (Truthy(condition)) {
        result = Eval(expr->then, input, env);
      } else if (expr->otherwise) {
        result = Eval(expr->otherwise, input, env);
      }
      break;
    }
    case NodeType::kBlock: {
      Frame* frame = NewFrame(env);
      for (const Node* e : expr->expressions) result = Eval(e, input, frame);
      break;
    }
    case NodeType::kBind: {
      result = Eval(expr->rhs, input, env);
      env->Bind(expr->lhs->value, result);
      break;
    }
    case NodeType::kRegex: {
      auto fn = std::make_shared<FunctionData>();
      fn->kind = FunctionData::Kind::kRegex;
      fn->regex = expr->regex;
      result = Value::Function(std::move(fn));
      break;
    }
    case NodeType::kFunction:
      result = EvalFunction(expr, input, env, nullptr);
      break;
    case NodeType::kVariable: {
      if (expr->value.empty()) {
        result = input.is_array() && input.array().outer_wrapper && !input.array().items.empty()
                     ? input.array().items[0]
                     : input;
      } else if (const Value* v = env->Lookup(expr->value)) {
        result = *v;
      } else if (expr->library_function != nullptr) {
        result = *expr->library_function;
      } else if (const Value* f = registry_->Find(expr->value)) {
        result = *f;
      }
      break;
    }
    case NodeType::kLambda: {
      auto fn = std::make_shared<FunctionData>();
      fn->kind = FunctionData::Kind::kLambda;
      fn->node = expr;
      fn->env = env;
      fn->input = input;
      created_functions_ = true;
      result = Value::Function(std::move(fn));
      break;
    }
    case NodeType::kPartial:
      result = EvalPartial(expr, input, env);
      break;
    case NodeType::kApply:
      result = EvalApplyExpr(expr, input, env);
      break;
    case NodeType::kTransform: {
      auto fn = std::make_shared<FunctionData>();
      fn->kind = FunctionData::Kind::kTransform;
      fn->node = expr;
      fn->env = env;
      created_functions_ = true;
      result = Value::Function(std::move(fn));
      break;
    }
    default:
      break;
  }
  for (const Stage& stage : expr->predicate) result = EvalFilter(stage.expr, result, env);
  if (expr->type != NodeType::kPath && expr->group) result = EvalGroup(*expr->group, result, env);
  if (IsSequence(result) && !result.array().tuple_stream) {
    ArrayData& a = result.array();
    if (expr->keep_array) a.keep_singleton = true;
    if (a.items.empty()) {
      result = Value();
    } else if (a.items.size() == 1 && !a.keep_singleton) {
      Value only = a.items[0];
      result = std::move(only);
    }
  }
  --depth_;
  return result;
}

// ---- paths ----

Value Evaluator::EvalPath(const Node* expr, const Value& input, Frame* env) {
  Value input_seq;
  if (input.is_array() && expr->steps[0]->type != NodeType::kVariable) {
    input_seq = input;
  } else {
    input_seq = SequenceOf(input);
  }
  Value result_seq;
  bool tuple_stream = false;
  Value tuple_bindings;
  bool have_bindings = false;
  size_t nsteps = expr->steps.size();
  for (size_t i = 0; i < nsteps; ++i) {
    const Node* step = expr->steps[i];
    if (step->tuple) tuple_stream = true;
    if (i == 0 && step->cons_array) {
      result_seq = Eval(step, input_seq, env);
    } else if (tuple_stream) {
      tuple_bindings = EvalTupleStep(step, input_seq, tuple_bindings, env, have_bindings);
      have_bindings = true;
    } else {
      result_seq = EvalStep(step, input_seq, env, i == nsteps - 1);
    }
    if (!tuple_stream && (result_seq.is_undefined() ||
                          (result_seq.is_array() && result_seq.array().items.empty()))) {
      break;
    }
    if (step->focus.empty()) input_seq = result_seq;
  }
  if (tuple_stream) {
    if (expr->tuple) {
      result_seq = tuple_bindings;
    } else {
      result_seq = Value::NewSequence();
      if (tuple_bindings.is_array()) {
        for (const Value& t : tuple_bindings.array().items) {
          const Value* focus = t.object().Find("@");
          result_seq.array().items.push_back(focus ? *focus : Value());
        }
      }
    }
  }
  if (expr->keep_singleton_array) {
    if (result_seq.is_array() && result_seq.array().cons && !result_seq.array().sequence) {
      result_seq = SequenceOf(result_seq);
    }
    // The flag matters only on sequences (only they collapse); the reference also sets it
    // on an array taken from the input, which has no effect there and would be a write to
    // data other evaluations may be reading here.
    if (result_seq.is_array() && result_seq.array().sequence) {
      result_seq.array().keep_singleton = true;
    }
  }
  if (expr->group) {
    result_seq = EvalGroup(*expr->group, tuple_stream ? tuple_bindings : result_seq, env);
  }
  return result_seq;
}

Value Evaluator::EvalStep(const Node* expr, const Value& input_seq, Frame* env, bool last_step) {
  if (expr->type == NodeType::kSort) {
    Value result = EvalSort(expr, input_seq, env);
    if (!expr->stages.empty()) result = EvalStages(expr->stages, result, env);
    return result;
  }
  const auto& items = input_seq.array().items;
  Value seq = Value::NewSequence();
  auto& out = seq.array().items;
  // Results are flattened one level into `out`; a lone first result is held back, since
  // it may be returned as it is (below).
  auto append = [&out, &items](Value&& res) {
    if (out.capacity() == 0) out.reserve(items.size());
    if (!res.is_array() || res.array().cons) {
      out.push_back(std::move(res));
    } else {
      for (const Value& v : res.array().items) out.push_back(v);
    }
  };
  // A plain field step (the common case) is a lookup per item.
  bool plain_name = expr->type == NodeType::kName && expr->stages.empty() &&
                    expr->predicate.empty() && !expr->group && !expr->keep_array;
  size_t defined = 0;
  Value first;
  uint32_t hint = expr->field_hint.load(std::memory_order_relaxed);
  for (size_t i = 0; i < items.size(); ++i) {
    Value res;
    if (plain_name) {
      if (items[i].is_object()) {
        const Value* v = items[i].object().Find(expr->value, hint);
        if (v == nullptr) continue;
        res = *v;
      } else {
        res = Eval(expr, items[i], env);
      }
    } else {
      res = Eval(expr, items[i], env);
      for (const Stage& stage : expr->stages) res = EvalFilter(stage.expr, res, env);
    }
    if (res.is_undefined()) continue;
    if (++defined == 1) {
      first = std::move(res);
      continue;
    }
    if (defined == 2) append(std::move(first));
    append(std::move(res));
  }
  if (plain_name) expr->field_hint.store(hint, std::memory_order_relaxed);
  if (defined == 1) {
    if (first.is_array()) {
      const ArrayData& a = first.array();
      // The reference returns a lone array as it is from the last step; from an inner step
      // its items would be copied into a new sequence that only feeds the next step, so
      // the array itself serves (no copy of what may be thousands of items).
      if (last_step && !a.sequence) return first;
      if (!last_step && !a.cons && !a.items.empty()) return first;
    }
    append(std::move(first));
  }
  return seq;
}

Frame* Evaluator::FrameFromTuple(Frame* env, const Value& tuple) {
  Frame* frame = NewFrame(env);
  if (!tuple.is_object()) return frame;
  for (const auto& [k, v] : tuple.object().entries) frame->Bind(k, v);
  return frame;
}

Value Evaluator::EvalStages(const std::vector<Stage>& stages, Value input, Frame* env) {
  Value result = std::move(input);
  for (const Stage& stage : stages) {
    if (stage.kind == Stage::Kind::kFilter) {
      result = EvalFilter(stage.expr, result, env);
    } else if (result.is_array()) {
      auto& items = result.array().items;
      for (size_t i = 0; i < items.size(); ++i) {
        items[i].object().Set(stage.index, Value::Number(static_cast<double>(i)));
      }
    }
  }
  return result;
}

Value Evaluator::EvalTupleStep(const Node* expr, const Value& input_seq, Value tuple_bindings,
                               Frame* env, bool have_bindings) {
  if (expr->type == NodeType::kSort) {
    Value result;
    if (have_bindings) {
      result = EvalSort(expr, tuple_bindings, env);
    } else {
      Value sorted = EvalSort(expr, input_seq, env);
      result = Value::NewSequence();
      result.array().tuple_stream = true;
      if (sorted.is_array()) {
        for (size_t i = 0; i < sorted.array().items.size(); ++i) {
          Value tuple = Value::NewObject();
          tuple.object().Set("@", sorted.array().items[i]);
          if (!expr->index.empty()) tuple.object().Set(expr->index, Value::Number(double(i)));
          result.array().items.push_back(tuple);
        }
      }
    }
    if (!expr->stages.empty()) result = EvalStages(expr->stages, result, env);
    return result;
  }
  Value result = Value::NewSequence();
  result.array().tuple_stream = true;
  if (!have_bindings) {
    tuple_bindings = Value::NewSequence();
    for (const Value& item : input_seq.array().items) {
      Value tuple = Value::NewObject();
      tuple.object().Set("@", item);
      tuple_bindings.array().items.push_back(tuple);
    }
  }
  if (tuple_bindings.is_array()) {
    for (const Value& tuple : tuple_bindings.array().items) {
      Frame* step_env = FrameFromTuple(env, tuple);
      const Value* focus_ptr = tuple.object().Find("@");
      Value focus = focus_ptr ? *focus_ptr : Value();
      Value res = Eval(expr, focus, step_env);
      if (res.is_undefined()) continue;
      std::vector<Value> items;
      bool res_tuples = false;
      if (res.is_array()) {
        items = res.array().items;
        res_tuples = res.array().tuple_stream;
      } else {
        items.push_back(res);
      }
      for (size_t bb = 0; bb < items.size(); ++bb) {
        Value out = Value::NewObject();
        out.object().entries = tuple.object().entries;
        if (res_tuples) {
          for (const auto& [k, v] : items[bb].object().entries) out.object().Set(k, v);
        } else {
          if (!expr->focus.empty()) {
            out.object().Set(expr->focus, items[bb]);
            out.object().Set("@", focus);
          } else {
            out.object().Set("@", items[bb]);
          }
          if (!expr->index.empty()) out.object().Set(expr->index, Value::Number(double(bb)));
          if (expr->ancestor) out.object().Set(expr->ancestor->label, focus);
        }
        result.array().items.push_back(out);
      }
    }
  }
  if (!expr->stages.empty()) result = EvalStages(expr->stages, result, env);
  return result;
}

Value Evaluator::EvalFilter(const Node* predicate, const Value& input, Frame* env) {
  Value results = Value::NewSequence();
  bool tuples = input.is_array() && input.array().tuple_stream;
  if (tuples) results.array().tuple_stream = true;
  Value in = input.is_array() ? input : SequenceOf(input);
  const auto& items = in.array().items;
  auto& out = results.array().items;
  if (predicate->type == NodeType::kNumber) {
    double index = std::floor(predicate->literal.number());
    if (index < 0) index += static_cast<double>(items.size());
    if (index >= 0 && index < static_cast<double>(items.size())) {
      const Value& item = items[static_cast<size_t>(index)];
      if (item.is_defined()) {
        if (item.is_array()) return item;
        out.push_back(item);
      }
    }
    return results;
  }
  for (size_t index = 0; index < items.size(); ++index) {
    const Value& item = items[index];
    Value context = item;
    Frame* frame = env;
    if (tuples) {
      const Value* f = item.object().Find("@");
      context = f ? *f : Value();
      frame = FrameFromTuple(env, item);
    }
    Value res = Eval(predicate, context, frame);
    if (IsNumeric(res)) res = SequenceOf(res);
    bool all_numbers = res.is_array();
    if (all_numbers) {
      for (const Value& r : res.array().items) {
        if (!r.is_number()) {
          all_numbers = false;
          break;
        }
      }
    }
    if (all_numbers) {
      for (const Value& r : res.array().items) {
        double ii = std::floor(r.number());
        if (ii < 0) ii += static_cast<double>(items.size());
        if (ii == static_cast<double>(index)) out.push_back(item);
      }
    } else if (Truthy(res)) {
      out.push_back(item);
    }
  }
  return results;
}

// ---- operators ----

bool Evaluator::Truthy(const Value& v, bool* defined) {
  if (defined) *defined = v.is_defined();
  switch (v.type()) {
    case ValueType::kUndefined:
    case ValueType::kNull:
    case ValueType::kFunction:
      return false;
    case ValueType::kBoolean:
      return v.boolean();
    case ValueType::kString:
      return !v.str().empty();
    case ValueType::kNumber:
      return v.number() != 0 && !std::isnan(v.number());
    case ValueType::kObject:
      return v.object().size() > 0;
    case ValueType::kArray: {
      const auto& items = v.array().items;
      if (items.size() == 1) return Truthy(items[0]);
      for (const Value& item : items) {
        if (Truthy(item)) return true;
      }
      return false;
    }
  }
  return false;
}

bool Evaluator::DeepEqual(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kUndefined:
    case ValueType::kNull:
      return true;
    case ValueType::kBoolean:
      return a.boolean() == b.boolean();
    case ValueType::kNumber:
      return a.number() == b.number();
    case ValueType::kString:
      return a.str() == b.str();
    case ValueType::kFunction:
      return a.identity() == b.identity();
    case ValueType::kArray: {
      const auto& x = a.array().items;
      const auto& y = b.array().items;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!DeepEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case ValueType::kObject: {
      const auto& x = a.object();
      const auto& y = b.object();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.Find(k);
        if (!other || !DeepEqual(v, *other)) return false;
      }
      return true;
    }
  }
  return false;
}

Value Evaluator::Lookup(const Value& input, std::string_view key) {
  if (input.is_array()) {
    Value result = Value::NewSequence();
    auto& out = result.array().items;
    for (const Value& item : input.array().items) {
      Value res = Lookup(item, key);
      if (res.is_undefined()) continue;
      if (res.is_array()) {
        for (const Value& v : res.array().items) out.push_back(v);
      } else {
        out.push_back(std::move(res));
      }
    }
    return result;
  }
  if (input.is_object()) {
    const Value* v = input.object().Find(key);
    return v ? *v : Value();
  }
  return Value();
}

Value Evaluator::Append(const Value& a, const Value& b) {
  if (a.is_undefined()) return b;
  if (b.is_undefined()) return a;
  Value out = Value::NewArray();
  auto& items = out.array().items;
  if (a.is_array()) {
    items = a.array().items;
  } else {
    items.push_back(a);
  }
  if (b.is_array()) {
    items.insert(items.end(), b.array().items.begin(), b.array().items.end());
  } else {
    items.push_back(b);
  }
  return out;
}

Value Evaluator::EvalBinary(const Node* expr, const Value& input, Frame* env) {
  const std::string& op = expr->value;
  const BinaryOp kind = expr->op;
  Value lhs = Eval(expr->lhs, input, env);
  switch (kind) {
    case BinaryOp::kAnd:
      return Value::Boolean(Truthy(lhs) && Truthy(Eval(expr->rhs, input, env)));
    case BinaryOp::kOr:
      return Value::Boolean(Truthy(lhs) || Truthy(Eval(expr->rhs, input, env)));
    case BinaryOp::kCoalesce:
      return lhs.is_defined() ? lhs : Eval(expr->rhs, input, env);
    case BinaryOp::kDefault:
      return Truthy(lhs) ? lhs : Eval(expr->rhs, input, env);
    default:
      break;
  }
  Value rhs = Eval(expr->rhs, input, env);
  try {
    if (kind >= BinaryOp::kAdd && kind <= BinaryOp::kModulo) {
      if (lhs.is_defined() && !IsNumeric(lhs)) ThrowAt("T2001", expr->position, op, lhs);
      if (rhs.is_defined() && !IsNumeric(rhs)) ThrowAt("T2002", expr->position, op, rhs);
      if (lhs.is_undefined() || rhs.is_undefined()) return Value();
      double a = lhs.number(), b = rhs.number(), r = 0;
      switch (kind) {
        case BinaryOp::kAdd:
          r = a + b;
          break;
        case BinaryOp::kSubtract:
          r = a - b;
          break;
        case BinaryOp::kMultiply:
          r = a * b;
          break;
        case BinaryOp::kDivide:
          r = a / b;
          break;
        default:
          r = std::fmod(a, b);
          break;
      }
      return Value::Number(r);
    }
    if (kind == BinaryOp::kEqual || kind == BinaryOp::kNotEqual) {
      if (lhs.is_undefined() || rhs.is_undefined()) return Value::Boolean(false);
      bool eq = DeepEqual(lhs, rhs);
      return Value::Boolean(kind == BinaryOp::kEqual ? eq : !eq);
    }
    if (kind >= BinaryOp::kLess && kind <= BinaryOp::kGreaterEqual) {
      bool lc = lhs.is_undefined() || lhs.is_string() || lhs.is_number();
      bool rc = rhs.is_undefined() || rhs.is_string() || rhs.is_number();
      if (!lc || !rc) {
        bool lok = lhs.is_string() || lhs.is_number();
        ThrowAt("T2010", expr->position, op, lok ? rhs : lhs);
      }
      if (lhs.is_undefined() || rhs.is_undefined()) return Value();
      if (lhs.type() != rhs.type()) ThrowAt("T2009", expr->position, op, lhs, rhs);
      int cmp;
      if (lhs.is_number()) {
        cmp = lhs.number() < rhs.number() ? -1 : (lhs.number() > rhs.number() ? 1 : 0);
        if (std::isnan(lhs.number()) || std::isnan(rhs.number())) return Value::Boolean(false);
      } else {
        cmp = lhs.str().compare(rhs.str());
      }
      if (kind == BinaryOp::kLess) return Value::Boolean(cmp < 0);
      if (kind == BinaryOp::kLessEqual) return Value::Boolean(cmp <= 0);
      if (kind == BinaryOp::kGreater) return Value::Boolean(cmp > 0);
      return Value::Boolean(cmp >= 0);
    }
    if (kind == BinaryOp::kConcat) {
      std::string out;
      if (lhs.is_defined()) out += StringValue(lhs, false);
      if (rhs.is_defined()) out += StringValue(rhs, false);
      return Value::String(std::move(out));
    }
    if (kind == BinaryOp::kRange) {
      auto is_int = [](const Value& v) {
        return v.is_number() && std::isfinite(v.number()) && std::trunc(v.number()) == v.number();
      };
      if (lhs.is_defined() && !is_int(lhs)) ThrowAt("T2003", expr->position, op, lhs);
      if (rhs.is_defined() && !is_int(rhs)) ThrowAt("T2004", expr->position, op, rhs);
      if (lhs.is_undefined() || rhs.is_undefined()) return Value();
      double a = lhs.number(), b = rhs.number();
      if (a > b) return Value();
      double size = b - a + 1;
      if (size > 1e7) ThrowAt("D2014", expr->position, op, Value::Number(size));
      Value seq = Value::NewSequence();
      auto& items = seq.array().items;
      items.reserve(static_cast<size_t>(size));
      for (double x = a; x <= b; x += 1) items.push_back(Value::Number(x));
      return seq;
    }
    if (kind == BinaryOp::kIn) {
      if (lhs.is_undefined() || rhs.is_undefined()) return Value::Boolean(false);
      auto same = [&](const Value& x) {
        if (x.type() != lhs.type()) return false;
        switch (x.type()) {
          case ValueType::kNumber:
            return x.number() == lhs.number();
          case ValueType::kString:
            return x.str() == lhs.str();
          case ValueType::kBoolean:
            return x.boolean() == lhs.boolean();
          case ValueType::kNull:
            return true;
          default:
            return x.identity() == lhs.identity();
        }
      };
      if (rhs.is_array()) {
        for (const Value& x : rhs.array().items) {
          if (same(x)) return Value::Boolean(true);
        }
        return Value::Boolean(false);
      }
      return Value::Boolean(same(rhs));
    }
  } catch (JsonataException& e) {
    if (e.position < 0) e.position = expr->position;
    if (!e.has_token) e.Token(op);
    throw;
  }
  Throw("S0204", expr->position);
}

Value Evaluator::EvalUnary(const Node* expr, const Value& input, Frame* env) {
  if (expr->value == "-") {
    Value v = Eval(expr->expression, input, env);
    if (v.is_undefined()) return v;
    if (IsNumeric(v)) return Value::Number(-v.number());
    ThrowAt("D1002", expr->position, "-", v);
  }
  if (expr->value == "[") {
    Value result = Value::NewArray();
    auto& items = result.array().items;
    for (const Node* item : expr->expressions) {
      Value v = Eval(item, input, env);
      if (v.is_undefined()) continue;
      if (item->type == NodeType::kUnary && item->value == "[") {
        items.push_back(std::move(v));
      } else if (v.is_array()) {
        items.insert(items.end(), v.array().items.begin(), v.array().items.end());
      } else {
        items.push_back(std::move(v));
      }
    }
    if (expr->cons_array) result.array().cons = true;
    return result;
  }
  // object constructor
  GroupBy g;
  g.pairs = expr->pairs;
  g.position = expr->position;
  return EvalGroup(g, input, env);
}

Value Evaluator::EvalGroup(const GroupBy& group, const Value& input, Frame* env) {
  if (!input.is_array()) {
    // One item (an object constructor on one context): every key groups just this item,
    // so each pair's value is evaluated on it, in pair order.
    Value result = Value::NewObject();
    auto& entries = result.object().entries;
    std::vector<std::pair<size_t, Value>> keys;  // pair index, key
    for (size_t pi = 0; pi < group.pairs.size(); ++pi) {
      Value key = Eval(group.pairs[pi].first, input, env);
      if (key.is_undefined()) continue;
      if (!key.is_string()) ThrowValue("T1003", key, group.position);
      bool seen = false;
      for (const auto& [index, k] : keys) {
        if (k.str() == key.str()) {
          if (index != pi) ThrowValue("D1009", key, group.position);
          seen = true;
        }
      }
      if (!seen) keys.emplace_back(pi, key);
    }
    entries.reserve(keys.size());
    for (const auto& [pi, key] : keys) {
      Value v = Eval(group.pairs[pi].second, input, env);
      if (v.is_defined()) entries.emplace_back(key.str(), std::move(v));
    }
    return result;
  }
  bool reduce = input.is_array() && input.array().tuple_stream;
  std::vector<Value> items;
  if (input.is_array()) {
    items = input.array().items;
  } else {
    items.push_back(input);
  }
  if (items.empty()) items.emplace_back();
  struct Entry {
    std::string key;
    Value data;
    size_t expr_index;
  };
  std::vector<Entry> groups;
  auto find = [&](const std::string& key) -> Entry* {
    for (Entry& e : groups) {
      if (e.key == key) return &e;
    }
    return nullptr;
  };
  for (const Value& item : items) {
    Frame* frame = reduce ? FrameFromTuple(env, item) : env;
    Value context = item;
    if (reduce) {
      const Value* f = item.is_object() ? item.object().Find("@") : nullptr;
      context = f ? *f : Value();
    }
    for (size_t pi = 0; pi < group.pairs.size(); ++pi) {
      Value key = Eval(group.pairs[pi].first, context, frame);
      if (key.is_undefined()) continue;
      if (!key.is_string()) ThrowValue("T1003", key, group.position);
      if (Entry* e = find(key.str())) {
        if (e->expr_index != pi) ThrowValue("D1009", key, group.position);
        e->data = Append(e->data, item);
      } else {
        groups.push_back(Entry{key.str(), item, pi});
      }
    }
  }
  Value result = Value::NewObject();
  for (Entry& e : groups) {
    Value context = e.data;
    Frame* frame = env;
    if (reduce) {
      // Merge the tuples of the group: each binding becomes the sequence of its values.
      Value tuple = Value::NewObject();
      if (e.data.is_array() && !e.data.array().items.empty()) {
        const auto& ts = e.data.array().items;
        tuple.object().entries = ts[0].object().entries;
        for (size_t i = 1; i < ts.size(); ++i) {
          for (const auto& [k, v] : ts[i].object().entries) {
            Value* slot = tuple.object().Find(k);
            tuple.object().Set(k, Append(slot ? *slot : Value(), v));
          }
        }
      } else if (e.data.is_object()) {
        tuple.object().entries = e.data.object().entries;
      }
      const Value* f = tuple.object().Find("@");
      context = f ? *f : Value();
      tuple.object().Erase("@");
      frame = FrameFromTuple(env, tuple);
    }
    Value v = Eval(group.pairs[e.expr_index].second, context, frame);
    if (v.is_defined()) result.object().entries.emplace_back(e.key, std::move(v));
  }
  return result;
}

Value Evaluator::EvalSort(const Node* expr, const Value& input, Frame* env) {
  if (!input.is_array()) return input;
  const auto& items = input.array().items;
  bool tuples = input.array().tuple_stream;
  size_t nterms = expr->terms.size();
  // Sort keys are computed once per item, then compared (same order as comparing on demand).
  std::vector<std::vector<Value>> keys(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Value context = items[i];
    Frame* frame = env;
    if (tuples) {
      const Value* f = items[i].object().Find("@");
      context = f ? *f : Value();
      frame = FrameFromTuple(env, items[i]);
    }
    for (size_t t = 0; t < nterms; ++t) {
      keys[i].push_back(Eval(expr->terms[t].expression, context, frame));
    }
  }
  // Type errors are raised as the reference raises them (during comparison).
  auto compare = [&](size_t a, size_t b) -> int {
    for (size_t t = 0; t < nterms; ++t) {
      const Value& aa = keys[a][t];
      const Value& bb = keys[b][t];
      int comp = 0;
      if (aa.is_undefined()) {
        comp = bb.is_undefined() ? 0 : 1;
        if (comp != 0) return comp;
        continue;
      }
      if (bb.is_undefined()) return -1;
      bool aok = aa.is_string() || aa.is_number();
      bool bok = bb.is_string() || bb.is_number();
      if (!aok || !bok) ThrowValue("T2008", aok ? bb : aa, expr->position);
      if (aa.type() != bb.type()) {
        JsonataException e;
        e.code = "T2007";
        e.position = expr->position;
        e.value = aa;
        e.value2 = bb;
        throw e;
      }
      if (aa.is_number()) {
        if (aa.number() == bb.number()) continue;
        comp = aa.number() < bb.number() ? -1 : 1;
      } else {
        int c = aa.str().compare(bb.str());
        if (c == 0) continue;
        comp = c < 0 ? -1 : 1;
      }
      if (expr->terms[t].descending) comp = -comp;
      return comp;
    }
    return 0;
  };
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  MergeSort(order, [&](size_t a, size_t b) { return compare(a, b) == 1; });
  Value result = Value::NewSequence();
  result.array().tuple_stream = tuples;
  for (size_t i : order) result.array().items.push_back(items[i]);
  return result;
}

// ---- functions ----

int Evaluator::Arity(const Value& f) const {
  if (!f.is_function()) return 0;
  const FunctionData& fn = f.function();
  switch (fn.kind) {
    case FunctionData::Kind::kLambda:
      return static_cast<int>(fn.node->arguments.size());
    case FunctionData::Kind::kBuiltin:
      return fn.builtin->arity;
    case FunctionData::Kind::kPartial: {
      int n = 0;
      for (bool h : fn.holes) n += h ? 1 : 0;
      return n;
    }
    case FunctionData::Kind::kChain:
    case FunctionData::Kind::kTransform:
      return 1;
    case FunctionData::Kind::kRegex:
      return 1;
  }
  return 0;
}

Value Evaluator::EvalFunction(const Node* expr, const Value& input, Frame* env,
                              const Value* apply_to) {
  Value proc = Eval(expr->procedure, input, env);
  if (proc.is_undefined() && expr->procedure->type == NodeType::kPath &&
      LookupVariable(env, expr->procedure->steps[0]->value)) {
    ThrowAt("T1005", expr->position, expr->procedure->steps[0]->value);
  }
  std::vector<Value> args;
  args.reserve(expr->arguments.size() + (apply_to ? 1 : 0));
  if (apply_to) args.push_back(*apply_to);
  for (const Node* arg : expr->arguments) args.push_back(Eval(arg, input, env));
  std::string proc_name = expr->procedure->type == NodeType::kPath
                              ? expr->procedure->steps[0]->value
                              : expr->procedure->value;
  try {
    return Apply(proc, std::move(args), input, env);
  } catch (JsonataException& e) {
    if (e.position < 0) e.position = expr->position;
    if (!e.has_token) e.Token(proc_name);
    throw;
  }
}

Value Evaluator::Apply(const Value& proc, std::vector<Value> args, const Value& input, Frame* env) {
  Value result = ApplyInner(proc, args, input, env);
  while (result.is_function() && result.function().kind == FunctionData::Kind::kLambda &&
         result.function().node->thunk) {
    const FunctionData& thunk = result.function();
    const Node* body = thunk.node->body;
    Value next = Eval(body->procedure, thunk.input, thunk.env);
    std::vector<Value> next_args;
    for (const Node* a : body->arguments) next_args.push_back(Eval(a, thunk.input, thunk.env));
    Value keep = result;  // keeps the thunk's data alive while its arguments are used
    result = ApplyInner(next, next_args, input, env);
  }
  return result;
}

Value Evaluator::ApplyInner(const Value& proc, std::vector<Value>& args, const Value& input,
                            Frame* env) {
  if (!proc.is_function()) Throw("T1006");
  const FunctionData& fn = proc.function();
  switch (fn.kind) {
    case FunctionData::Kind::kLambda: {
      std::vector<Value> validated =
          fn.node->signature ? fn.node->signature->Validate(args, input) : std::move(args);
      Frame* frame = NewFrame(fn.env);
      const auto& params = fn.node->arguments;
      for (size_t i = 0; i < params.size(); ++i) {
        frame->Bind(params[i]->value, i < validated.size() ? validated[i] : Value());
      }
      return Eval(fn.node->body, fn.input, frame);
    }
    case FunctionData::Kind::kBuiltin: {
      const Builtin& b = *fn.builtin;
      std::vector<Value> validated = b.signature ? b.signature->Validate(args, input) : args;
      CallContext ctx(this, &input, env, -1);
      if (b.function) return b.function(ctx, validated);
      Result<Value> r = b.native(ctx, validated);
      if (!r.ok()) {
        JsonataException e;
        e.code = std::string(r.status().name());
        e.detail = r.status().message();
        throw e;
      }
      return std::move(r).value();
    }
    case FunctionData::Kind::kPartial: {
      std::vector<Value> full;
      size_t next = 0;
      for (size_t i = 0; i < fn.bound.size(); ++i) {
        if (fn.holes[i]) {
          full.push_back(next < args.size() ? args[next] : Value());
          ++next;
        } else {
          full.push_back(fn.bound[i]);
        }
      }
      return Apply(fn.target, std::move(full), input, env);
    }
    case FunctionData::Kind::kChain: {
      Value mid = Apply(fn.first, std::move(args), input, env);
      return Apply(fn.second, {mid}, input, env);
    }
    case FunctionData::Kind::kTransform: {
      if (args.empty()) return Value();
      static const std::shared_ptr<const Signature> kSig = ParseSignature("<(oa):o>", 0);
      std::vector<Value> validated = kSig->Validate(args, input);
      return RunTransform(fn, validated[0]);
    }
    case FunctionData::Kind::kRegex: {
      if (args.empty() || !args[0].is_string()) return Value();
      auto m = fn.regex->Find(args[0].str(), 0);
      if (!m) return Value();
      Value obj = Value::NewObject();
      obj.object().Set("match", Value::String(args[0].str().substr(m->start, m->end - m->start)));
      obj.object().Set("start", Value::Number(double(m->start)));
      obj.object().Set("end", Value::Number(double(m->end)));
      Value groups = Value::NewArray();
      for (auto& g : m->groups)
        groups.array().items.push_back(g ? Value::String(*g) : Value::String(""));
      obj.object().Set("groups", groups);
      return obj;
    }
  }
  Throw("T1006");
}

Value Evaluator::EvalPartial(const Node* expr, const Value& input, Frame* env) {
  std::vector<Value> bound;
  std::vector<bool> holes;
  for (const Node* arg : expr->arguments) {
    if (arg->type == NodeType::kPlaceholder) {
      bound.emplace_back();
      holes.push_back(true);
    } else {
      bound.push_back(Eval(arg, input, env));
      holes.push_back(false);
    }
  }
  Value proc = Eval(expr->procedure, input, env);
  if (proc.is_undefined() && expr->procedure->type == NodeType::kPath &&
      LookupVariable(env, expr->procedure->steps[0]->value)) {
    ThrowAt("T1007", expr->position, expr->procedure->steps[0]->value);
  }
  if (!proc.is_function()) {
    ThrowAt("T1008", expr->position,
            expr->procedure->type == NodeType::kPath ? expr->procedure->steps[0]->value
                                                     : expr->procedure->value);
  }
  auto fn = std::make_shared<FunctionData>();
  fn->kind = FunctionData::Kind::kPartial;
  fn->target = proc;
  fn->bound = std::move(bound);
  fn->holes = std::move(holes);
  created_functions_ = true;
  return Value::Function(std::move(fn));
}

Value Evaluator::EvalApplyExpr(const Node* expr, const Value& input, Frame* env) {
  Value lhs = Eval(expr->lhs, input, env);
  if (expr->rhs->type == NodeType::kFunction) {
    return EvalFunction(expr->rhs, input, env, &lhs);
  }
  Value func = Eval(expr->rhs, input, env);
  if (!func.is_function()) ThrowValue("T2006", func, expr->position);
  if (lhs.is_function()) {
    auto fn = std::make_shared<FunctionData>();
    fn->kind = FunctionData::Kind::kChain;
    fn->first = lhs;
    fn->second = func;
    created_functions_ = true;
    return Value::Function(std::move(fn));
  }
  return Apply(func, {lhs}, Value(), env);
}

Value Evaluator::DeepClone(const Value& v) {
  switch (v.type()) {
    case ValueType::kArray: {
      Value out = Value::NewArray();
      auto& items = out.array().items;
      items.reserve(v.array().items.size());
      for (const Value& item : v.array().items) {
        items.push_back(item.is_undefined() || item.is_function() ? Value::Null()
                                                                  : DeepClone(item));
      }
      return out;
    }
    case ValueType::kObject: {
      Value out = Value::NewObject();
      auto& entries = out.object().entries;
      entries.reserve(v.object().size());
      for (const auto& [k, m] : v.object().entries) {
        if (m.is_undefined() || m.is_function()) continue;
        entries.emplace_back(k, DeepClone(m));
      }
      return out;
    }
    default:
      return v;
  }
}

Value Evaluator::RunTransform(const FunctionData& fn, const Value& obj) {
  if (obj.is_undefined()) return Value();
  const Node* expr = fn.node;
  Frame* env = fn.env;
  Value result;
  const Value* clone = env->Lookup("clone");
  if (clone != nullptr) {
    if (!clone->is_function()) Throw("T2013", expr->position);
    result = Apply(*clone, {obj}, Value(), env);
  } else {
    result = DeepClone(obj);
  }
  Value matches = Eval(expr->pattern, result, env);
  if (matches.is_undefined()) return result;
  std::vector<Value> list;
  if (matches.is_array()) {
    list = matches.array().items;
  } else {
    list.push_back(matches);
  }
  for (const Value& match : list) {
    Value update = Eval(expr->update, match, env);
    if (update.is_defined()) {
      if (!update.is_object()) ThrowValue("T2011", update, expr->update->position);
      if (match.is_object()) {
        for (const auto& [k, v] : update.object().entries) match.object().Set(k, v);
      }
    }
    if (expr->deletion) {
      Value deletions = Eval(expr->deletion, match, env);
      if (deletions.is_defined()) {
        Value original = deletions;
        std::vector<Value> names;
        if (deletions.is_array()) {
          names = deletions.array().items;
        } else {
          names.push_back(deletions);
        }
        for (const Value& n : names) {
          if (!n.is_string()) ThrowValue("T2012", original, expr->deletion->position);
        }
        if (match.is_object()) {
          for (const Value& n : names) match.object().Erase(n.str());
        }
      }
    }
  }
  return result;
}

namespace {

// Byte offset of code point `index` in `s` (custom matchers count characters).
size_t ByteOffset(const std::string& s, double index) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (static_cast<double>(n) >= index) return i;
      ++n;
    }
  }
  return s.size();
}

}  // namespace

void Evaluator::ForEachMatch(const Value& matcher, const std::string& subject,
                             const std::function<bool(const Regex::Match&)>& on_match) {
  if (matcher.is_undefined()) return;
  if (matcher.is_function() && matcher.function().kind != FunctionData::Kind::kRegex) {
    // A function used as a matcher returns {match, start, end, groups, next}.
    auto check = [](const Value& r) {
      if (r.is_undefined()) return false;
      const Value* start = r.is_object() ? r.object().Find("start") : nullptr;
      if (!start || !start->is_number()) Throw("T1010");
      return true;
    };
    Value r = Apply(matcher, {Value::String(subject)}, Value(), NewFrame(nullptr));
    while (check(r)) {
      Regex::Match m;
      m.start = ByteOffset(subject, r.object().Find("start")->number());
      const Value* end = r.object().Find("end");
      m.end = end && end->is_number() ? ByteOffset(subject, end->number()) : m.start;
      if (const Value* groups = r.object().Find("groups"); groups && groups->is_array()) {
        for (const Value& g : groups->array().items) {
          m.groups.emplace_back(g.is_string() ? std::optional<std::string>(g.str()) : std::nullopt);
        }
      }
      if (!on_match(m)) return;
      const Value* next = r.object().Find("next");
      if (!next || !next->is_function()) return;
      r = Apply(*next, {}, Value(), NewFrame(nullptr));
    }
    return;
  }
  if (!matcher.is_function()) Throw("T1010");
  const Regex& re = *matcher.function().regex;
  auto m = re.Find(subject, 0);
  while (m) {
    if (!on_match(*m)) return;
    if (m->end >= subject.size()) return;
    size_t from = m->end;
    auto next = re.Find(subject, from);
    if (next && next->start == next->end) {
      JsonataException e;
      e.code = "D1004";
      e.value = Value::String(re.source());
      throw e;
    }
    m = std::move(next);
  }
}

// ---- call context ----

Value CallContext::Apply(const Value& function, std::vector<Value> args) {
  return evaluator_->Apply(function, std::move(args), Value(), env_);
}
int CallContext::Arity(const Value& function) const { return evaluator_->Arity(function); }
int64_t CallContext::now_millis() const { return evaluator_->now_millis(); }

}  // namespace sluice::jsonata
