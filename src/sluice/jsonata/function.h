#pragma once

// Function values and the function registry.
//
// A FunctionData is what a JSONata function value points to: a lambda (its node, the frame
// it closes over and its input), a library function, a partial application, a `~>`
// composition, a regex literal used as a matcher, or a transform `|…|…|`. Library
// functions are looked up by name in a FunctionRegistry (a registry keyed by name, per
// STYLE.md): the standard JSONata 2.0.6 library, plus whatever a caller registers (the
// Step Functions extensions in step_functions.h). A registry is immutable once an
// expression is compiled against it and may be shared between threads; it must outlive
// the expressions compiled with it.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/jsonata/value.h"

namespace sluice::jsonata {

struct Node;
struct Frame;
struct Signature;
class Regex;
class Evaluator;

// What a library function sees of the evaluation that calls it.
class CallContext {
 public:
  CallContext(Evaluator* evaluator, const Value* input, Frame* env, int position)
      : evaluator_(evaluator), input_(input), env_(env), position_(position) {}

  // Calls a function value with `args` (lambdas, library functions, partials alike).
  // Internal: errors propagate as the evaluator's exception.
  Value Apply(const Value& function, std::vector<Value> args);
  // The number of parameters of a function value (how many arguments $map passes).
  int Arity(const Value& function) const;
  // The evaluation's fixed timestamp (ms since the epoch): $now and $millis.
  int64_t now_millis() const;  // read once per evaluation, then fixed
  // The context value (`$`) at the call.
  const Value& input() const { return *input_; }
  Frame* environment() const { return env_; }
  Evaluator& evaluator() const { return *evaluator_; }
  int position() const { return position_; }

 private:
  Evaluator* evaluator_;
  const Value* input_;
  Frame* env_;
  int position_;
};

// A library function. Inside this module functions raise JSONata errors by throwing (see
// error_internal.h); NativeFunction is the exception-free form for callers outside it.
using BuiltinFunction = Value (*)(CallContext& ctx, std::vector<Value>& args);
// A function registered from outside: returns a value (undefined allowed) or a Status
// whose name() is the JSONata error code to report ("D3137") and whose message is the text.
using NativeFunction =
    std::function<Result<Value>(CallContext& ctx, const std::vector<Value>& args)>;

struct Builtin {
  std::string name;
  std::shared_ptr<const Signature> signature;
  BuiltinFunction function = nullptr;
  NativeFunction native;
  int arity = 0;
};

struct FunctionData {
  enum class Kind { kLambda, kBuiltin, kPartial, kChain, kRegex, kTransform };
  Kind kind = Kind::kBuiltin;
  // kLambda / kTransform
  const Node* node = nullptr;
  Frame* env = nullptr;
  Value input;
  // kBuiltin
  const Builtin* builtin = nullptr;
  // kPartial: target and its arguments; holes (`?`) are filled in order by the call.
  Value target;
  std::vector<Value> bound;
  std::vector<bool> holes;
  // kChain: second(first(x))
  Value first, second;
  // kRegex
  std::shared_ptr<const Regex> regex;
};

class FunctionRegistry {
 public:
  FunctionRegistry();
  // The JSONata 2.0.6 function library ($sum … $eval).
  static const FunctionRegistry& Standard();

  // Adds or replaces `$name` (name without the `$`). `signature` is a JSONata signature
  // ("<s-n?:s>") or empty for none. Fails on an invalid signature.
  Status Register(std::string_view name, std::string_view signature, NativeFunction function);
  // Internal form used by the library. `arity` (how many arguments higher-order functions
  // pass) defaults to the signature's parameter count; $string declares 1, as the
  // reference's optional parameter does not count.
  void RegisterBuiltin(std::string_view name, std::string_view signature, BuiltinFunction function,
                       int arity = -1);
  // Removes `$name` (Step Functions removes $eval).
  void Remove(std::string_view name);

  // The function value of `$name`, or nullptr.
  const Value* Find(std::string_view name) const;

 private:
  std::map<std::string, Value, std::less<>> functions_;
  std::vector<std::shared_ptr<const Builtin>> builtins_;  // what the values point to
};

// Registers the standard library into `registry` (functions.cc).
void RegisterStandardFunctions(FunctionRegistry& registry);

}  // namespace sluice::jsonata
