#pragma once

// The syntax tree of a compiled JSONata expression, as the parser (parser.cc) leaves it
// after the reference implementation's post-processing: paths are flattened into steps,
// predicates become stages, `@`/`#` bindings and `%` parent references are resolved into
// tuple steps with labelled ancestor slots, and tail calls in lambda bodies are wrapped
// as thunks. Nodes are owned by their Ast and never change after Compile returns, so one
// tree serves concurrent evaluations.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "sluice/jsonata/value.h"

namespace sluice::jsonata {

class Regex;
struct Signature;

enum class NodeType {
  // tokens (parse stage only)
  kOperator,
  kEnd,
  // expressions
  kPath,
  kBinary,
  kUnary,  // value "-", "[" (array constructor) or "{" (object constructor)
  kName,
  kString,
  kNumber,
  kValue,  // true, false, null
  kWildcard,
  kDescendant,
  kParent,
  kCondition,
  kBlock,
  kBind,
  kRegex,
  kFunction,
  kPartial,
  kVariable,
  kLambda,
  kApply,
  kTransform,
  kSort,
  kPlaceholder,  // `?` argument of a partial application
};

// A `%` reference: resolved to the step whose input it names; `label` is the tuple key.
struct AncestorSlot {
  std::string label;
  int level = 1;
  int index = 0;
};

struct Node;

// Binary operators, resolved once at parse time.
enum class BinaryOp : uint8_t {
  kNone,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kConcat,
  kRange,
  kIn,
  kAnd,
  kOr,
  kCoalesce,
  kDefault,
};

struct Stage {
  enum class Kind { kFilter, kIndex } kind = Kind::kFilter;
  Node* expr = nullptr;  // kFilter
  std::string index;     // kIndex: the `#$var` name
  int position = 0;
};

struct SortTerm {
  bool descending = false;
  Node* expression = nullptr;
};

struct GroupBy {
  std::vector<std::pair<Node*, Node*>> pairs;
  int position = 0;
};

struct Node {
  NodeType type = NodeType::kOperator;
  std::string id;     // parse stage: the symbol ("(name)", "(literal)", "+", "(end)" ...)
  std::string value;  // operator, name, variable name, string literal
  BinaryOp op = BinaryOp::kNone;  // kBinary
  Value literal;                  // kString / kNumber / kValue
  int position = 0;

  Node* lhs = nullptr;
  Node* rhs = nullptr;
  Node* expression = nullptr;
  std::vector<Node*> expressions;              // array constructor, block
  std::vector<std::pair<Node*, Node*>> pairs;  // object constructor (parse: rhs of group)
  std::vector<SortTerm> terms;                 // sort (parse: rhs of ^)
  std::vector<Node*> steps;                    // path
  std::vector<Stage> stages;                   // path step predicates / index bindings
  std::vector<Stage> predicate;                // predicates on a non-step expression
  std::unique_ptr<GroupBy> group;

  Node* procedure = nullptr;     // function / partial
  std::vector<Node*> arguments;  // function / partial / lambda parameters (variables)
  std::shared_ptr<const Signature> signature;
  Node* body = nullptr;  // lambda
  bool thunk = false;

  Node* condition = nullptr;
  Node* then = nullptr;
  Node* otherwise = nullptr;

  Node* pattern = nullptr;  // transform
  Node* update = nullptr;
  Node* deletion = nullptr;

  std::shared_ptr<const Regex> regex;

  bool keep_array = false;
  bool cons_array = false;
  // A path of one plain field name (no stages, bindings, grouping or array flags): on a
  // non-array input it is a field lookup, evaluated without the general path machinery.
  bool simple_name = false;
  // A path whose steps are all plain field names (`a.b.c`): on an object it is a chain of
  // lookups while the values met are objects.
  bool simple_names = false;
  // kName: where the field was found last time (ObjectData::Find's hint). Shared by the
  // threads evaluating the expression: relaxed atomics, a stale hint only costs a scan.
  mutable std::atomic<uint32_t> field_hint{0};
  // kVariable naming a library function: the registry's value, used unless a frame binds
  // the name (resolved at compile time; the registry outlives the expression).
  const Value* library_function = nullptr;
  bool keep_singleton_array = false;
  bool tuple = false;
  std::string focus;  // `@$var`
  std::string index;  // `#$var`
  std::shared_ptr<AncestorSlot> ancestor;
  std::shared_ptr<AncestorSlot> slot;  // kParent
  std::vector<std::shared_ptr<AncestorSlot>> seeking_parent;
  bool has_seeking_parent = false;
};

// Owns every node of one expression.
struct Ast {
  std::vector<std::unique_ptr<Node>> nodes;
  Node* root = nullptr;
  bool uses_2_1_operators = false;  // `??` or `?:` (JSONata 2.1.0)

  Node* New() {
    nodes.push_back(std::make_unique<Node>());
    return nodes.back().get();
  }
};

}  // namespace sluice::jsonata
