// JSONata templates as Step Functions fields use them: "{% … %}" strings anywhere in JSON,
// compile-time syntax errors with the field's location, States.QueryEvaluationError at
// evaluation.

#include "sluice/jsonata/template.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sluice/common/json.h"
#include "sluice/jsonata/step_functions.h"

namespace sluice::jsonata {
namespace {

Bindings States(std::string_view input_json) {
  auto input = ParseJsonText(input_json);
  EXPECT_TRUE(input.ok());
  Value states = Value::NewObject();
  states.object().Set("input", *input);
  return {{"states", states}};
}

TEST(JsonataTemplate, EvaluatesExpressionsAnywhereAndKeepsLiterals) {
  auto t = JsonataTemplate::Compile(
      boost::json::parse(R"({"id": "{% $states.input.order.id %}", "fixed": "text {% not %}",
                             "list": [1, "{% $states.input.order.total * 2 %}"],
                             "nested": {"who": "{% $customer %}"}})"),
      "/States/A/Arguments", StepFunctionsRegistry());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(t->is_constant());
  Bindings b = States(R"({"order": {"id": "o1", "total": 21}})");
  b.emplace_back("customer", Value::String("ada"));
  auto out = t->Evaluate(b);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(common::SerializeJson(**out),
            R"({"id":"o1","fixed":"text {% not %}","list":[1,42],"nested":{"who":"ada"}})");
}

TEST(JsonataTemplate, AWholeFieldExpressionMayBeAnyValue) {
  auto t = JsonataTemplate::Compile(boost::json::value("{% $states.input.n > 3 %}"), "/Condition");
  ASSERT_TRUE(t.ok());
  auto out = t->Evaluate(States(R"({"n": 5})"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(**out, boost::json::value(true));
  auto missing = t->Evaluate(States(R"({})"));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(JsonataTemplate, UndefinedMembersAreLeftOut) {
  auto t = JsonataTemplate::Compile(
      boost::json::parse(R"({"a": "{% $states.input.nope %}", "b": 1})"), "/Output");
  ASSERT_TRUE(t.ok());
  auto out = t->Evaluate(States("{}"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(common::SerializeJson(**out), R"({"b":1})");
}

TEST(JsonataTemplate, SyntaxErrorsNameTheFieldAndTheExpression) {
  auto t = JsonataTemplate::Compile(boost::json::parse(R"({"x": {"y": "{% 1 + %}"}})"),
                                    "/States/A/Output");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "/States/A/Output/x/y: S0207: Unexpected end of expression (position 5) in JSONata "
            "expression '{% 1 + %}'");
}

TEST(JsonataTemplate, EvaluationErrorsAreQueryEvaluationErrors) {
  auto t =
      JsonataTemplate::Compile(boost::json::value("{% $states.input.a + 1 %}"), "/States/A/Output");
  ASSERT_TRUE(t.ok());
  auto out = t->Evaluate(States(R"({"a": "x"})"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().name(), "States.QueryEvaluationError");
  EXPECT_EQ(out.status().message(),
            "An error occurred while evaluating the JSONata expression '{% $states.input.a + 1 %}' "
            "of the field '/States/A/Output': T2001: The left side of the + operator must "
            "evaluate to a number (position 18)");
}

TEST(JsonataTemplate, ReportsWhereOperatorsAwsRejectsAreUsed) {
  auto t = JsonataTemplate::Compile(boost::json::parse(R"({"a": "{% $x ?? 1 %}", "b": "{% 2 %}"})"),
                                    "/Output");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->uses_operators_after_2_0_6(), std::vector<std::string>{"/Output/a"});
  EXPECT_TRUE(
      JsonataTemplate::Compile(boost::json::parse(R"([1, {"k": "v"}])"), "/X")->is_constant());
}

}  // namespace
}  // namespace sluice::jsonata
