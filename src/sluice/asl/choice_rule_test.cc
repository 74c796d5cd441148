#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sluice/asl/definition.h"
#include "sluice/asl/errors.h"
#include "sluice/asl/variables.h"

namespace sluice::asl {
namespace {

// Parses `rule` (a top-level Choice rule without Next) inside a one-Choice definition.
ChoiceRule ParseRule(const std::string& rule) {
  std::string body = rule;
  body.insert(body.size() - 1, R"(,"Next":"D")");
  std::string text = R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[)" + body +
                     R"(]},"D":{"Type":"Succeed"}}})";
  auto sm = ParseDefinition(std::string_view(text));
  EXPECT_TRUE(sm.ok()) << sm.status() << " for " << rule;
  if (!sm.ok()) return ChoiceRule{};
  return (*sm)->states[0].choices.at(0);
}

Result<bool> Evaluate(const std::string& rule, const std::string& input,
                      const VariableScope* variables = nullptr) {
  auto doc = common::ParseJson(input, "input");
  EXPECT_TRUE(doc.ok()) << doc.status();
  json::value context = json::object{{"Execution", json::object{{"Name", "exec-1"}}}};
  PathContext ctx{&*doc, &context, variables};
  return EvaluateChoiceRule(ParseRule(rule), ctx);
}

struct EvalCase {
  const char* rule;
  const char* input;
  bool expected;
};

TEST(ChoiceRule, EvaluatesEveryOperator) {
  const std::vector<EvalCase> cases = {
      // Strings.
      {R"({"Variable":"$.s","StringEquals":"abc"})", R"({"s":"abc"})", true},
      {R"({"Variable":"$.s","StringEquals":"abc"})", R"({"s":"abd"})", false},
      {R"({"Variable":"$.s","StringLessThan":"b"})", R"({"s":"abc"})", true},
      {R"({"Variable":"$.s","StringLessThan":"abc"})", R"({"s":"abc"})", false},
      {R"({"Variable":"$.s","StringGreaterThan":"abc"})", R"({"s":"abd"})", true},
      {R"({"Variable":"$.s","StringLessThanEquals":"abc"})", R"({"s":"abc"})", true},
      {R"({"Variable":"$.s","StringGreaterThanEquals":"abd"})", R"({"s":"abc"})", false},
      {R"({"Variable":"$.s","StringEqualsPath":"$.t"})", R"({"s":"x","t":"x"})", true},
      {R"({"Variable":"$.s","StringLessThanPath":"$.t"})", R"({"s":"a","t":"b"})", true},
      {R"({"Variable":"$.s","StringGreaterThanPath":"$.t"})", R"({"s":"a","t":"b"})", false},
      {R"({"Variable":"$.s","StringLessThanEqualsPath":"$.t"})", R"({"s":"b","t":"b"})", true},
      {R"({"Variable":"$.s","StringGreaterThanEqualsPath":"$.t"})", R"({"s":"c","t":"b"})", true},
      // StringMatches: only `*` is special; `\*` is a literal star, `\\` a backslash.
      {R"({"Variable":"$.s","StringMatches":"log-*.txt"})", R"({"s":"log-2024.txt"})", true},
      {R"({"Variable":"$.s","StringMatches":"log-*.txt"})", R"({"s":"log-.txt"})", true},
      {R"({"Variable":"$.s","StringMatches":"log-*.txt"})", R"({"s":"log-1.csv"})", false},
      {R"({"Variable":"$.s","StringMatches":"*"})", R"({"s":""})", true},
      {R"({"Variable":"$.s","StringMatches":"a*b*c"})", R"({"s":"aXbYbZc"})", true},
      {R"({"Variable":"$.s","StringMatches":"a*b*c"})", R"({"s":"aXbYbZcd"})", false},
      {R"({"Variable":"$.s","StringMatches":"a?c"})", R"({"s":"abc"})", false},
      {R"({"Variable":"$.s","StringMatches":"a?c"})", R"({"s":"a?c"})", true},
      {R"({"Variable":"$.s","StringMatches":"[ab]"})", R"({"s":"a"})", false},
      {R"({"Variable":"$.s","StringMatches":"a\\*"})", R"({"s":"a*"})", true},
      {R"({"Variable":"$.s","StringMatches":"a\\*"})", R"({"s":"ab"})", false},
      {R"({"Variable":"$.s","StringMatches":"a\\\\*"})", R"({"s":"a\\xyz"})", true},
      {R"({"Variable":"$.s","StringMatches":"a\\\\*"})", R"({"s":"axyz"})", false},
      // Numbers: int and double compare as numbers.
      {R"({"Variable":"$.n","NumericEquals":1})", R"({"n":1.0})", true},
      {R"({"Variable":"$.n","NumericEquals":1.5})", R"({"n":1.5})", true},
      {R"({"Variable":"$.n","NumericEquals":-3})", R"({"n":-3})", true},
      {R"({"Variable":"$.n","NumericLessThan":10})", R"({"n":9.99})", true},
      {R"({"Variable":"$.n","NumericLessThan":-1})", R"({"n":18446744073709551615})", false},
      {R"({"Variable":"$.n","NumericGreaterThan":-1})", R"({"n":18446744073709551615})", true},
      {R"({"Variable":"$.n","NumericGreaterThan":2})", R"({"n":2})", false},
      {R"({"Variable":"$.n","NumericLessThanEquals":2})", R"({"n":2})", true},
      {R"({"Variable":"$.n","NumericGreaterThanEquals":2.5})", R"({"n":2})", false},
      {R"({"Variable":"$.n","NumericEqualsPath":"$.m"})", R"({"n":3,"m":3.0})", true},
      {R"({"Variable":"$.n","NumericLessThanPath":"$.m"})", R"({"n":3,"m":4})", true},
      {R"({"Variable":"$.n","NumericGreaterThanPath":"$.m"})", R"({"n":3,"m":4})", false},
      {R"({"Variable":"$.n","NumericLessThanEqualsPath":"$.m"})", R"({"n":4,"m":4})", true},
      {R"({"Variable":"$.n","NumericGreaterThanEqualsPath":"$.m"})", R"({"n":5,"m":4})", true},
      // Booleans.
      {R"({"Variable":"$.b","BooleanEquals":true})", R"({"b":true})", true},
      {R"({"Variable":"$.b","BooleanEquals":false})", R"({"b":true})", false},
      {R"({"Variable":"$.b","BooleanEqualsPath":"$.c"})", R"({"b":false,"c":false})", true},
      // Timestamps: instants, with fractions and offsets.
      {R"({"Variable":"$.t","TimestampEquals":"2026-01-01T12:00:00Z"})",
       R"({"t":"2026-01-01T14:00:00+02:00"})", true},
      {R"({"Variable":"$.t","TimestampEquals":"2026-01-01T12:00:00Z"})",
       R"({"t":"2026-01-01T12:00:00.000Z"})", true},
      {R"({"Variable":"$.t","TimestampLessThan":"2026-01-01T12:00:00.5Z"})",
       R"({"t":"2026-01-01T12:00:00.25Z"})", true},
      {R"({"Variable":"$.t","TimestampGreaterThan":"2026-01-01T12:00:00Z"})",
       R"({"t":"2026-01-01T12:30:00+01:00"})", false},
      {R"({"Variable":"$.t","TimestampLessThanEquals":"2026-01-01T12:00:00Z"})",
       R"({"t":"2026-01-01T07:00:00-05:00"})", true},
      {R"({"Variable":"$.t","TimestampGreaterThanEquals":"2026-01-01T12:00:00Z"})",
       R"({"t":"2026-01-01T11:59:59.999Z"})", false},
      {R"({"Variable":"$.t","TimestampEqualsPath":"$.u"})",
       R"({"t":"2026-01-01T00:00:00Z","u":"2025-12-31T23:00:00-01:00"})", true},
      {R"({"Variable":"$.t","TimestampLessThanPath":"$.u"})",
       R"({"t":"2026-01-01T00:00:00Z","u":"2026-01-01T00:00:01Z"})", true},
      {R"({"Variable":"$.t","TimestampGreaterThanPath":"$.u"})",
       R"({"t":"2026-01-01T00:00:00Z","u":"2026-01-01T00:00:01Z"})", false},
      {R"({"Variable":"$.t","TimestampLessThanEqualsPath":"$.u"})",
       R"({"t":"2026-01-01T00:00:01Z","u":"2026-01-01T00:00:01Z"})", true},
      {R"({"Variable":"$.t","TimestampGreaterThanEqualsPath":"$.u"})",
       R"({"t":"2026-01-01T00:00:02Z","u":"2026-01-01T00:00:01Z"})", true},
      // Type tests.
      {R"({"Variable":"$.x","IsNull":true})", R"({"x":null})", true},
      {R"({"Variable":"$.x","IsNull":false})", R"({"x":null})", false},
      {R"({"Variable":"$.x","IsNull":true})", R"({"x":0})", false},
      {R"({"Variable":"$.x","IsPresent":true})", R"({"x":null})", true},
      {R"({"Variable":"$.x","IsPresent":true})", R"({})", false},
      {R"({"Variable":"$.x","IsPresent":false})", R"({})", true},
      {R"({"Variable":"$.x.y.z","IsPresent":false})", R"({"x":1})", true},
      {R"({"Variable":"$.x","IsNumeric":true})", R"({"x":1.5})", true},
      {R"({"Variable":"$.x","IsNumeric":true})", R"({"x":"1"})", false},
      {R"({"Variable":"$.x","IsString":true})", R"({"x":"1"})", true},
      {R"({"Variable":"$.x","IsString":false})", R"({"x":1})", true},
      {R"({"Variable":"$.x","IsBoolean":true})", R"({"x":false})", true},
      {R"({"Variable":"$.x","IsBoolean":true})", R"({"x":"false"})", false},
      {R"({"Variable":"$.x","IsTimestamp":true})", R"({"x":"2026-01-01T00:00:00.123+05:30"})",
       true},
      {R"({"Variable":"$.x","IsTimestamp":true})", R"({"x":"2026-01-01"})", false},
      {R"({"Variable":"$.x","IsTimestamp":false})", R"({"x":42})", true},
      // Type mismatch: the comparison is false, not an error.
      {R"({"Variable":"$.x","StringEquals":"1"})", R"({"x":1})", false},
      {R"({"Variable":"$.x","NumericEquals":1})", R"({"x":"1"})", false},
      {R"({"Variable":"$.x","BooleanEquals":true})", R"({"x":1})", false},
      {R"({"Variable":"$.x","TimestampEquals":"2026-01-01T00:00:00Z"})", R"({"x":"soon"})", false},
      {R"({"Variable":"$.x","StringEqualsPath":"$.y"})", R"({"x":"1","y":1})", false},
      {R"({"Variable":"$.x","StringMatches":"*"})", R"({"x":1})", false},
      // Combinators.
      {R"({"And":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}]})",
       R"({"a":1,"b":"x"})", true},
      {R"({"And":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}]})",
       R"({"a":1,"b":"y"})", false},
      {R"({"Or":[{"Variable":"$.a","NumericEquals":2},{"Variable":"$.b","StringEquals":"x"}]})",
       R"({"a":1,"b":"x"})", true},
      {R"({"Or":[{"Variable":"$.a","NumericEquals":2},{"Variable":"$.b","StringEquals":"y"}]})",
       R"({"a":1,"b":"x"})", false},
      {R"({"Not":{"Variable":"$.a","NumericEquals":2}})", R"({"a":1})", true},
      {R"({"Not":{"Not":{"Variable":"$.a","NumericEquals":2}}})", R"({"a":1})", false},
      // Short-circuit: the missing $.b is never read.
      {R"({"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","NumericEquals":1}]})",
       R"({"a":1})", true},
      {R"({"And":[{"Variable":"$.a","NumericEquals":2},{"Variable":"$.b","NumericEquals":1}]})",
       R"({"a":1})", false},
      // Other roots.
      {R"({"Variable":"$$.Execution.Name","StringEquals":"exec-1"})", R"({})", true},
      {R"({"Variable":"$","IsNumeric":true})", R"(5)", true},
      {R"({"Variable":"$.list[1]","NumericEquals":20})", R"({"list":[10,20]})", true},
  };
  for (const EvalCase& c : cases) {
    SCOPED_TRACE(std::string(c.rule) + " on " + c.input);
    Result<bool> result = Evaluate(c.rule, c.input);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, c.expected);
  }
}

TEST(ChoiceRule, MissingVariableIsStatesRuntimeWithAwsCause) {
  for (const char* rule : {R"({"Variable":"$.missing","StringEquals":"a"})",
                           R"({"Variable":"$.missing","IsNull":true})",
                           R"({"Not":{"Variable":"$.missing","IsNumeric":true}})"}) {
    SCOPED_TRACE(rule);
    Result<bool> result = Evaluate(rule, R"({"present":1})");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().name(), "States.Runtime");
    EXPECT_TRUE(IsStatesError(result.status()));
    EXPECT_EQ(result.status().message(),
              "Invalid path '$.missing': The choice state's condition path references an "
              "invalid value.");
  }
}

TEST(ChoiceRule, MissingOperandPathIsStatesRuntimeNamingTheOperandPath) {
  Result<bool> result = Evaluate(R"({"Variable":"$.a","NumericEqualsPath":"$.b"})", R"({"a":1})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().name(), "States.Runtime");
  EXPECT_EQ(result.status().message(),
            "Invalid path '$.b': The choice state's condition path references an invalid "
            "value.");
}

TEST(ChoiceRule, ReadsWorkflowVariables) {
  VariableScope parent;
  parent.Set("limit", json::value(10));
  VariableScope scope(&parent);
  scope.Set("order", json::object{{"total", 12}});
  auto over =
      Evaluate(R"({"Variable":"$order.total","NumericGreaterThanPath":"$limit"})", R"({})", &scope);
  ASSERT_TRUE(over.ok()) << over.status();
  EXPECT_TRUE(*over);
  auto missing = Evaluate(R"({"Variable":"$nothing","IsPresent":true})", R"({})", &scope);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(*missing);
}

}  // namespace
}  // namespace sluice::asl
