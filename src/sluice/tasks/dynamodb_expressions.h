#pragma once

// DynamoDB expressions, parsed by hand (recursive descent) and evaluated over items in
// DynamoDB JSON (dynamodb_values.h):
//
//   ConditionExpression   a = :v | a <> :v | a < :v | … | a BETWEEN :lo AND :hi
//                         | a IN (:x, :y) | attribute_exists(p) | attribute_not_exists(p)
//                         | attribute_type(p, :t) | begins_with(p, :s) | contains(p, :v)
//                         | size(p) < :n | NOT c | c AND c | c OR c | ( c )
//   UpdateExpression      SET p = v [, …] (v: operand, operand + operand, operand - operand,
//                         if_not_exists(p, v), list_append(l1, l2)) REMOVE p [, …]
//                         ADD p :v [, …] DELETE p :v [, …] (each clause at most once)
//   ProjectionExpression  p [, …]
//
// Document paths are `name`, `#name`, `a.b`, `a[0]`; precedence as DynamoDB documents it
// (comparisons, IN, BETWEEN, functions, parentheses, NOT, AND, OR). `#names` and `:values`
// resolve at parse time against ExpressionAttributeNames/Values, which record what was used
// so unused entries can be reported as DynamoDB does. Attribute names spelled as reserved
// words must go through `#names`.
//
// Errors are InvalidArgument carrying DynamoDB's ValidationException text, e.g. `Invalid
// ConditionExpression: Syntax error; token: ")", near: "(a)"`. Parsed expressions are
// immutable values; every function is thread-safe.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::tasks::dynamodb {

namespace json = boost::json;

// One step of a document path: an attribute (map key) name or a list index.
struct PathStep {
  std::string name;
  int64_t index = -1;  // >= 0 for a list index step
  bool is_index() const { return index >= 0; }
  friend bool operator==(const PathStep&, const PathStep&) = default;
};
using DocumentPath = std::vector<PathStep>;

// "a.b[1]" for messages.
std::string PathToString(const DocumentPath& path);

// True for DynamoDB's reserved words (case-insensitive).
bool IsReservedWord(std::string_view name);

// ExpressionAttributeNames and ExpressionAttributeValues of one request. Both may be null.
// `values` must already be normalized. Must outlive the parse calls that use it.
struct ExpressionAttributes {
  const json::object* names = nullptr;
  const json::object* values = nullptr;
  std::set<std::string, std::less<>> used_names, used_values;

  // InvalidArgument "Value provided in ExpressionAttributeNames unused in expressions: keys:
  // {#a}" (then the same for values) when an entry was not used by any parsed expression.
  Status CheckAllUsed() const;
};

struct Operand {
  enum class Kind { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus };
  Kind kind = Kind::kPath;
  DocumentPath path;          // kPath, kSize, kIfNotExists
  json::value value;          // kValue
  std::vector<Operand> args;  // kIfNotExists: {fallback}; kListAppend, kPlus, kMinus: {a, b}
};

struct Condition {
  enum class Kind {
    kCompare,  // op is "=", "<>", "<", "<=", ">", ">="
    kBetween,
    kIn,
    kAnd,
    kOr,
    kNot,
    kAttributeExists,
    kAttributeNotExists,
    kAttributeType,
    kBeginsWith,
    kContains,
  };
  Kind kind = Kind::kCompare;
  std::string op;
  std::vector<Operand> operands;
  std::vector<Condition> children;  // kAnd, kOr: two; kNot: one
};

// `parameter` names the request parameter in messages ("ConditionExpression").
Result<Condition> ParseCondition(std::string_view text, std::string_view parameter,
                                 ExpressionAttributes& attributes);

struct UpdateAction {
  enum class Kind { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  DocumentPath path;
  Operand value;  // not for kRemove
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;  // in the order written
};

Result<UpdateExpression> ParseUpdate(std::string_view text, ExpressionAttributes& attributes);

Result<std::vector<DocumentPath>> ParseProjection(std::string_view text,
                                                  ExpressionAttributes& attributes);

// Evaluates `condition` against `item` (empty when there is no item).
bool EvaluateCondition(const Condition& condition, const json::object& item);

// Applies `update` to `item` (every right-hand side is evaluated against the item as it was,
// as DynamoDB does) and returns the new item. InvalidArgument with DynamoDB's messages for
// operands of the wrong type, missing operands, and paths that cannot be set.
Result<json::object> ApplyUpdate(const UpdateExpression& update, const json::object& item);

// The document paths an update changes (for ReturnValues UPDATED_OLD / UPDATED_NEW).
std::vector<DocumentPath> UpdatedPaths(const UpdateExpression& update);

// The parts of `item` the paths select, nested as in the item (list elements keep their
// order, without gaps), as ProjectionExpression returns them.
json::object Project(const json::object& item, const std::vector<DocumentPath>& paths);

}  // namespace sluice::tasks::dynamodb
