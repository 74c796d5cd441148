#include "sluice/jsonata/template.h"

#include <boost/json.hpp>

namespace sluice::jsonata {

struct JsonataTemplate::Part {
  enum class Kind { kLiteral, kExpression, kObject, kArray } kind = Kind::kLiteral;
  boost::json::value literal;
  std::optional<Expression> expression;
  std::string location;
  std::vector<std::pair<std::string, Part>> members;
  std::vector<Part> items;
};

namespace {

using Part = JsonataTemplate::Part;

std::string ErrorText(const Status& status) {
  ErrorInfo info = ErrorInfoFromStatus(status);
  std::string text = info.code + ": " + info.message;
  if (info.position >= 0) text += " (position " + std::to_string(info.position) + ")";
  return text;
}

Status CompilePart(const boost::json::value& value, const std::string& location,
                   const FunctionRegistry& registry, Part& out, std::vector<std::string>& newer) {
  out.location = location;
  if (value.is_string() && JsonataTemplate::IsExpression(value.get_string())) {
    std::string_view text = value.get_string();
    std::string_view body = text.substr(2, text.size() - 4);
    Result<Expression> expr = Expression::Compile(body, registry);
    if (!expr.ok()) {
      return Status::InvalidArgument(location + ": " + ErrorText(expr.status()) +
                                     " in JSONata expression '" + std::string(text) + "'");
    }
    if (expr->uses_operators_after_2_0_6()) newer.push_back(location);
    out.kind = Part::Kind::kExpression;
    out.expression = std::move(*expr);
    return Status::OK();
  }
  if (value.is_object()) {
    out.kind = Part::Kind::kObject;
    for (const auto& kv : value.get_object()) {
      Part member;
      SLUICE_RETURN_IF_ERROR(
          CompilePart(kv.value(), location + "/" + std::string(kv.key()), registry, member, newer));
      out.members.emplace_back(std::string(kv.key()), std::move(member));
    }
    return Status::OK();
  }
  if (value.is_array()) {
    out.kind = Part::Kind::kArray;
    const auto& array = value.get_array();
    for (size_t i = 0; i < array.size(); ++i) {
      Part item;
      SLUICE_RETURN_IF_ERROR(
          CompilePart(array[i], location + "/" + std::to_string(i), registry, item, newer));
      out.items.push_back(std::move(item));
    }
    return Status::OK();
  }
  out.literal = value;
  return Status::OK();
}

bool IsConstant(const Part& part) {
  switch (part.kind) {
    case Part::Kind::kLiteral:
      return true;
    case Part::Kind::kExpression:
      return false;
    case Part::Kind::kObject:
      for (const auto& [k, m] : part.members) {
        if (!IsConstant(m)) return false;
      }
      return true;
    case Part::Kind::kArray:
      for (const Part& item : part.items) {
        if (!IsConstant(item)) return false;
      }
      return true;
  }
  return true;
}

Result<std::optional<boost::json::value>> EvaluatePart(const Part& part, const Bindings& bindings,
                                                       const EvaluateOptions& options) {
  switch (part.kind) {
    case Part::Kind::kLiteral:
      return std::optional<boost::json::value>(part.literal);
    case Part::Kind::kExpression: {
      Result<Value> result = part.expression->Evaluate(Value(), bindings, options);
      if (!result.ok()) {
        return Status(StatusCode::kAborted, "States.QueryEvaluationError",
                      "An error occurred while evaluating the JSONata expression '{%" +
                          part.expression->source() + "%}' of the field '" + part.location +
                          "': " + ErrorText(result.status()));
      }
      return result->ToJson();
    }
    case Part::Kind::kObject: {
      boost::json::object out;
      for (const auto& [key, member] : part.members) {
        SLUICE_ASSIGN_OR_RETURN(std::optional<boost::json::value> v,
                                EvaluatePart(member, bindings, options));
        if (v) out[key] = std::move(*v);
      }
      return std::optional<boost::json::value>(std::move(out));
    }
    case Part::Kind::kArray: {
      boost::json::array out;
      for (const Part& item : part.items) {
        SLUICE_ASSIGN_OR_RETURN(std::optional<boost::json::value> v,
                                EvaluatePart(item, bindings, options));
        if (v) out.push_back(std::move(*v));
      }
      return std::optional<boost::json::value>(std::move(out));
    }
  }
  return std::optional<boost::json::value>();
}

}  // namespace

bool JsonataTemplate::IsExpression(std::string_view text) {
  return text.size() >= 4 && text.substr(0, 2) == "{%" && text.substr(text.size() - 2) == "%}";
}

Result<JsonataTemplate> JsonataTemplate::Compile(const boost::json::value& value,
                                                 std::string_view location,
                                                 const FunctionRegistry& registry) {
  auto root = std::make_shared<Part>();
  std::vector<std::string> newer;
  SLUICE_RETURN_IF_ERROR(CompilePart(value, std::string(location), registry, *root, newer));
  JsonataTemplate t(std::move(root));
  t.newer_operators_ = std::move(newer);
  return t;
}

bool JsonataTemplate::is_constant() const { return IsConstant(*root_); }

Result<std::optional<boost::json::value>> JsonataTemplate::Evaluate(
    const Bindings& bindings, const EvaluateOptions& options) const {
  return EvaluatePart(*root_, bindings, options);
}

}  // namespace sluice::jsonata
