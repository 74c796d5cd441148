// Choice rule evaluation (JSONPath mode): the comparison operators of the States Language,
// their *Path variants, the Is* type tests and the And/Or/Not combinators. A type mismatch
// makes a comparison false, as Step Functions does; a Variable (or operand) path that does
// not resolve is States.Runtime, except for IsPresent.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/asl/definition.h"
#include "sluice/asl/errors.h"
#include "sluice/asl/intrinsics.h"
#include "sluice/asl/json_path.h"
#include "sluice/common/time.h"

namespace sluice::asl {
namespace {

Status InvalidConditionPath(const JsonPath& path) {
  return StatesError(kStatesRuntime, "Invalid path '" + path.text() +
                                         "': The choice state's condition path references an "
                                         "invalid value.");
}

// The value `path` names, or nullopt when it names nothing (a definite path with no match,
// an undefined variable). Engine failures other than "no match" are returned as errors.
Result<std::optional<json::value>> Resolve(const JsonPath& path, const PathContext& ctx) {
  const json::value* document = nullptr;
  switch (path.root()) {
    case JsonPath::Root::kInput:
      document = ctx.input;
      break;
    case JsonPath::Root::kContext:
      document = ctx.context;
      break;
    case JsonPath::Root::kVariable:
      document = ctx.variables == nullptr ? nullptr : ctx.variables->Find(path.variable());
      break;
  }
  if (document == nullptr) return std::optional<json::value>();
  Result<json::value> value = path.Evaluate(*document, "Variable");
  if (!value.ok()) {
    if (IsStatesError(value.status())) return std::optional<json::value>();
    return value.status();
  }
  return std::optional<json::value>(std::move(value).value());
}

// -1, 0 or 1. Integers compare exactly; anything involving a double compares as doubles.
int CompareNumbers(const json::value& a, const json::value& b) {
  if (!a.is_double() && !b.is_double()) {
    const bool a_neg = a.is_int64() && a.get_int64() < 0;
    const bool b_neg = b.is_int64() && b.get_int64() < 0;
    if (a_neg != b_neg) return a_neg ? -1 : 1;
    if (a_neg) {
      int64_t x = a.get_int64(), y = b.get_int64();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    uint64_t x = a.is_int64() ? static_cast<uint64_t>(a.get_int64()) : a.get_uint64();
    uint64_t y = b.is_int64() ? static_cast<uint64_t>(b.get_int64()) : b.get_uint64();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = a.to_number<double>();
  double y = b.to_number<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

int CompareStrings(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// StringMatches: `*` matches any run of characters; `\*` is a literal star and `\\` a
// literal backslash (a backslash before any other character stands for that character).
bool WildcardMatches(std::string_view text, std::string_view pattern) {
  struct Token {
    bool star;
    char c;
  };
  std::vector<Token> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      tokens.push_back({false, pattern[++i]});
    } else if (pattern[i] == '*') {
      tokens.push_back({true, 0});
    } else {
      tokens.push_back({false, pattern[i]});
    }
  }
  // Greedy match with backtracking to the last star: linear in practice, O(n*m) worst case.
  size_t t = 0, p = 0;
  std::optional<size_t> star_p;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < tokens.size() && !tokens[p].star && tokens[p].c == text[t]) {
      ++t;
      ++p;
    } else if (p < tokens.size() && tokens[p].star) {
      star_p = p++;
      star_t = t;
    } else if (star_p) {
      p = *star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < tokens.size() && tokens[p].star) ++p;
  return p == tokens.size();
}

bool IsTimestampValue(const json::value& v) {
  return v.is_string() && common::ParseRfc3339(std::string_view(v.get_string())).ok();
}

bool ApplyOrdering(std::string_view relation, int c) {
  if (relation == "Equals") return c == 0;
  if (relation == "LessThan") return c < 0;
  if (relation == "GreaterThan") return c > 0;
  if (relation == "LessThanEquals") return c <= 0;
  if (relation == "GreaterThanEquals") return c >= 0;
  return false;
}

// Compares `value` against `operand` under `op` (without any "Path" suffix).
bool Compare(std::string_view op, const json::value& value, const json::value& operand) {
  if (op == "StringMatches") {
    return value.is_string() && operand.is_string() &&
           WildcardMatches(value.get_string(), operand.get_string());
  }
  if (op.starts_with("String")) {
    if (!value.is_string() || !operand.is_string()) return false;
    return ApplyOrdering(op.substr(6), CompareStrings(value.get_string(), operand.get_string()));
  }
  if (op.starts_with("Numeric")) {
    if (!value.is_number() || !operand.is_number()) return false;
    if ((value.is_double() && std::isnan(value.get_double())) ||
        (operand.is_double() && std::isnan(operand.get_double()))) {
      return false;
    }
    return ApplyOrdering(op.substr(7), CompareNumbers(value, operand));
  }
  if (op == "BooleanEquals") {
    return value.is_bool() && operand.is_bool() && value.get_bool() == operand.get_bool();
  }
  if (op.starts_with("Timestamp")) {
    if (!value.is_string() || !operand.is_string()) return false;
    auto a = common::ParseRfc3339(std::string_view(value.get_string()));
    auto b = common::ParseRfc3339(std::string_view(operand.get_string()));
    if (!a.ok() || !b.ok()) return false;
    int c = *a < *b ? -1 : (*b < *a ? 1 : 0);
    return ApplyOrdering(op.substr(9), c);
  }
  return false;
}

Result<bool> EvaluateComparison(const ChoiceRule& rule, const PathContext& ctx) {
  SLUICE_DCHECK(rule.variable.has_value());
  SLUICE_ASSIGN_OR_RETURN(std::optional<json::value> value, Resolve(*rule.variable, ctx));
  const std::string& op = rule.op;
  if (op == "IsPresent") {
    return value.has_value() == (rule.literal.is_bool() && rule.literal.get_bool());
  }
  if (!value) return InvalidConditionPath(*rule.variable);
  if (op.starts_with("Is")) {
    const bool expected = rule.literal.is_bool() && rule.literal.get_bool();
    bool actual = false;
    if (op == "IsNull") {
      actual = value->is_null();
    } else if (op == "IsNumeric") {
      actual = value->is_number();
    } else if (op == "IsString") {
      actual = value->is_string();
    } else if (op == "IsBoolean") {
      actual = value->is_bool();
    } else if (op == "IsTimestamp") {
      actual = IsTimestampValue(*value);
    }
    return actual == expected;
  }
  std::string_view base = op;
  if (base.ends_with("Path")) {
    base.remove_suffix(4);
    if (!rule.operand_path) return InvalidConditionPath(*rule.variable);
    SLUICE_ASSIGN_OR_RETURN(std::optional<json::value> operand, Resolve(*rule.operand_path, ctx));
    if (!operand) return InvalidConditionPath(*rule.operand_path);
    return Compare(base, *value, *operand);
  }
  return Compare(base, *value, rule.literal);
}

}  // namespace

Result<bool> EvaluateChoiceRule(const ChoiceRule& rule, const PathContext& ctx) {
  switch (rule.kind) {
    case ChoiceRule::Kind::kAnd:
      for (const ChoiceRule& child : rule.children) {
        SLUICE_ASSIGN_OR_RETURN(bool matched, EvaluateChoiceRule(child, ctx));
        if (!matched) return false;
      }
      return true;
    case ChoiceRule::Kind::kOr:
      for (const ChoiceRule& child : rule.children) {
        SLUICE_ASSIGN_OR_RETURN(bool matched, EvaluateChoiceRule(child, ctx));
        if (matched) return true;
      }
      return false;
    case ChoiceRule::Kind::kNot: {
      if (rule.children.empty()) return Status::Internal("Not rule without an operand");
      SLUICE_ASSIGN_OR_RETURN(bool matched, EvaluateChoiceRule(rule.children.front(), ctx));
      return !matched;
    }
    case ChoiceRule::Kind::kComparison:
      return EvaluateComparison(rule, ctx);
  }
  return Status::Internal("unknown Choice rule kind");
}

}  // namespace sluice::asl
