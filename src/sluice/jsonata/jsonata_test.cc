// What JSONata's own suite (tests/jsonata) covers thinly: the public API (Boost.JSON
// conversions, bindings, errors as data with code, position and token), evaluation limits,
// fixed $now/$millis, JavaScript number text, big-integer pass-through, regex translation
// to RE2, and compiled expressions shared between threads.

#include "sluice/jsonata/jsonata.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

namespace sluice::jsonata {
namespace {

std::string Eval(std::string_view expr, std::string_view input_json = "",
                 const EvaluateOptions& options = {}) {
  auto compiled = Expression::Compile(expr);
  if (!compiled.ok()) return "error " + compiled.status().ToString();
  Value input;
  if (!input_json.empty()) {
    auto parsed = ParseJsonText(input_json);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    input = *parsed;
  }
  auto result = compiled->Evaluate(input, {}, options);
  if (!result.ok()) return "error " + std::string(result.status().name());
  return result->is_undefined() ? "undefined" : ToJsonText(*result);
}

TEST(Jsonata, EvaluatesOverBoostJsonAndReturnsBoostJson) {
  auto expr = Expression::Compile("Account.Order[OrderID = 'o2'].Product.Price");
  ASSERT_TRUE(expr.ok()) << expr.status();
  boost::json::value input = boost::json::parse(
      R"({"Account":{"Order":[{"OrderID":"o1","Product":{"Price":1}},
                              {"OrderID":"o2","Product":{"Price":2.5}}]}})");
  auto result = expr->Evaluate(&input);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ(**result, boost::json::value(2.5));
}

TEST(Jsonata, AnUndefinedResultIsNulloptNotNull) {
  auto expr = Expression::Compile("nothing.here");
  ASSERT_TRUE(expr.ok());
  boost::json::value input = boost::json::parse(R"({"a":1})");
  auto result = expr->Evaluate(&input);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->has_value());
  auto null_result = Expression::Compile("null")->Evaluate(&input);
  ASSERT_TRUE(null_result.ok());
  ASSERT_TRUE(null_result->has_value());
  EXPECT_TRUE((*null_result)->is_null());
}

TEST(Jsonata, BindingsAreVariables) {
  auto expr = Expression::Compile("$x * $y.factor");
  ASSERT_TRUE(expr.ok());
  boost::json::object bindings{{"x", 6}, {"y", boost::json::object{{"factor", 7}}}};
  auto result = expr->Evaluate(nullptr, &bindings);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(**result, boost::json::value(42));
}

TEST(Jsonata, SyntaxErrorsCarryCodePositionAndToken) {
  auto expr = Expression::Compile("Account.Order[0");
  ASSERT_FALSE(expr.ok());
  ErrorInfo info = ErrorInfoFromStatus(expr.status());
  EXPECT_EQ(info.code, "S0203");
  EXPECT_EQ(info.position, 15);
  EXPECT_EQ(info.message, "Expected ] before end of expression");
  EXPECT_EQ(info.token, "(end)");
}

TEST(Jsonata, EvaluationErrorsNameTheOperatorAndWhereItIs) {
  auto expr = Expression::Compile("  'a' - 1");
  ASSERT_TRUE(expr.ok());
  auto result = expr->Evaluate(Value());
  ASSERT_FALSE(result.ok());
  ErrorInfo info = ErrorInfoFromStatus(result.status());
  EXPECT_EQ(info.code, "T2001");
  EXPECT_EQ(info.position, 7);
  EXPECT_EQ(info.token, "-");
  EXPECT_EQ(info.message, "The left side of the - operator must evaluate to a number");
  EXPECT_EQ(result.status().name(), "T2001");
}

TEST(Jsonata, FunctionSignatureErrorsNameTheArgument) {
  auto result = Expression::Compile("$uppercase(123)")->Evaluate(Value());
  ASSERT_FALSE(result.ok());
  ErrorInfo info = ErrorInfoFromStatus(result.status());
  EXPECT_EQ(info.code, "T0410");
  EXPECT_EQ(info.message, "Argument 1 of function uppercase does not match function signature");
}

TEST(Jsonata, DepthLimitStopsRunawayRecursion) {
  EvaluateOptions options;
  options.max_depth = 200;
  EXPECT_EQ(Eval("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))", "", options),
            "error U1001");
}

TEST(Jsonata, NativeStackGuardStopsDeepRecursionWithoutADepthLimit) {
  EXPECT_EQ(Eval("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(10000000))"),
            "error U1001");
}

TEST(Jsonata, TimeLimitStopsAnInfiniteLoop) {
  EvaluateOptions options;
  options.time_limit_ms = 50;
  EXPECT_EQ(Eval("($f := function() { $f() }; $f())", "", options), "error U1001");
}

TEST(Jsonata, TailCallsRunInConstantStack) {
  EXPECT_EQ(
      Eval("($f := function($n, $acc) { $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(100000, 0))"),
      "100000");
}

TEST(Jsonata, NowAndMillisAreFixedForOneEvaluation) {
  EvaluateOptions options;
  options.now_millis = 1510067557121;
  EXPECT_EQ(Eval("[$millis(), $now(), $millis() = $millis()]", "", options),
            "[1510067557121,\"2017-11-07T15:12:37.121Z\",true]");
}

TEST(Jsonata, NumbersPrintAsJavaScriptDoes) {
  EXPECT_EQ(Eval("0.1 + 0.2"), "0.30000000000000004");
  EXPECT_EQ(Eval("1e21"), "1e+21");
  EXPECT_EQ(Eval("123456789 * 1000000000000"), "123456789000000000000");
  EXPECT_EQ(Eval("1 / 3"), "0.3333333333333333");
  EXPECT_EQ(Eval("0.0000001"), "1e-7");
  EXPECT_EQ(Eval("$string(0.1 + 0.2)"), "\"0.3\"");
  EXPECT_EQ(FormatNumberJs(-1.5e-300), "-1.5e-300");
}

TEST(Jsonata, BigIntegersInTheInputPassThroughUnchanged) {
  EXPECT_EQ(Eval("{'id': id, 'ids': [id]}", R"({"id": 98765432109876543210987})"),
            R"({"id":98765432109876543210987,"ids":[98765432109876543210987]})");
  // Arithmetic works on the double value.
  EXPECT_EQ(Eval("id + 0", R"({"id": 9007199254740993})"), "9007199254740992");
  // Through Boost.JSON a 64-bit integer keeps its value.
  boost::json::value input = boost::json::parse(R"({"n": 9223372036854775807})");
  auto result = Expression::Compile("n")->Evaluate(&input);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(**result, boost::json::value(int64_t{9223372036854775807}));
}

TEST(Jsonata, RegexesUseJavaScriptSyntaxOnRe2) {
  EXPECT_EQ(Eval("$replace('2024-05-06', /(\\d+)-(\\d+)-(\\d+)/, '$3/$2/$1')"), "\"06/05/2024\"");
  EXPECT_EQ(Eval("$match('Ab aB', /ab/i).match"), "[\"Ab\",\"aB\"]");
  EXPECT_EQ(Eval("$contains('caf\u00e9', /\\u00e9/)"), "true");
  // Patterns RE2 cannot run in linear time are refused when compiled, with S0303.
  EXPECT_EQ(Eval("$match('aa', /(a)\\1/)").substr(0, 11), "error S0303");
  EXPECT_EQ(Eval("$match('ab', /a(?=b)/)").substr(0, 11), "error S0303");
}

TEST(Jsonata, CatastrophicBacktrackingPatternsRunInLinearTime) {
  std::string subject(5000, 'a');
  auto expr = Expression::Compile("$contains($s, /(a+)+b/)");
  ASSERT_TRUE(expr.ok());
  auto result = expr->Evaluate(Value(), {{"s", Value::String(subject)}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->boolean());
}

TEST(Jsonata, ACompiledExpressionEvaluatesOnManyThreadsAtOnce) {
  auto expr = Expression::Compile(
      "($t := $ ~> |$|{'n': 1}|; $sum(items[$ % 2 = 0]) & '-' & $string($count(items)) & "
      "$substring($formatNumber($t.n, '#0.0'), 0, 0) & $substring($string(items[]), 0, 0))");
  ASSERT_TRUE(expr.ok());
  auto input = ParseJsonText(R"({"items":[1,2,3,4,5,6,7,8,9,10]})");
  ASSERT_TRUE(input.ok());
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto r = expr->Evaluate(*input);
        if (r.ok() && r->is_string() && r->str() == "30-10") ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 8 * 500);
}

TEST(Jsonata, TransformsCopyTheirInput) {
  auto input = ParseJsonText(R"({"a":{"b":1,"c":2}})");
  ASSERT_TRUE(input.ok());
  auto expr = Expression::Compile("$ ~> |a|{'b': 10}, ['c']|");
  ASSERT_TRUE(expr.ok());
  auto result = expr->Evaluate(*input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ToJsonText(*result), R"({"a":{"b":10}})");
  EXPECT_EQ(ToJsonText(*input), R"({"a":{"b":1,"c":2}})");
}

TEST(Jsonata, AFunctionMadeByEvalOutlivesTheEvalCall) {
  // Regression: the lambda pointed into the syntax tree $eval had compiled and freed.
  EXPECT_EQ(Eval("($f := $eval('function($x) { $x + 1 }'); $f(2))"), "3");
}

TEST(Jsonata, FunctionsGivenAnUndefinedOptionalArgumentDoNotCrash) {
  // Regression (found by mutating the suite's expressions under ASan): an undefined second
  // argument was read as a string.
  EXPECT_EQ(Eval("$substringAfter('abc', nothing)"), "\"abc\"");
  EXPECT_EQ(Eval("$substringBefore('abc', nothing)"), "\"abc\"");
  EXPECT_EQ(Eval("$formatNumber(1, nothing)"), "undefined");
  EXPECT_EQ(Eval("$lookup({'a': 1}, nothing)"), "undefined");
  EXPECT_EQ(Eval("(function($x)<s?+>{ $x })('a')"), "error T0410");
}

TEST(Jsonata, TimestampsOutsideJavaScriptsDateRangeAreUndefined) {
  // Regression (found by mutation under UBSan): huge years overflowed the calendar maths.
  EXPECT_EQ(Eval("$fromMillis(1e300)"), "undefined");
  EXPECT_EQ(Eval("$toMillis('99999999999', '[Y]')"), "undefined");
  EXPECT_EQ(Eval("$fromMillis(0)"), "\"1970-01-01T00:00:00.000Z\"");
  EXPECT_EQ(Eval("$fromMillis(0, '[Y]', '+99999999')"), "undefined");
}

TEST(Jsonata, HugeOutputsFailInsteadOfExhaustingMemory) {
  EXPECT_EQ(Eval("$formatInteger(1e300, 'I')"), "error D1001");
  EXPECT_EQ(Eval("$pad('a', 1e18)"), "error D1001");
}

TEST(Jsonata, FunctionsInAResultComeOutAsEmptyStrings) {
  EXPECT_EQ(Eval("{'f': function($x) { $x }}"), R"({"f":""})");
}

TEST(Jsonata, RegisteredNativeFunctionsAreCalledByName) {
  FunctionRegistry registry = FunctionRegistry::Standard();
  ASSERT_TRUE(registry
                  .Register("twice", "<n:n>",
                            [](CallContext&, const std::vector<Value>& args) -> Result<Value> {
                              return Value::Number(args[0].number() * 2);
                            })
                  .ok());
  ASSERT_TRUE(registry
                  .Register("fail", "<:x>",
                            [](CallContext&, const std::vector<Value>&) -> Result<Value> {
                              return Status(StatusCode::kInvalidArgument, "X0001", "it failed");
                            })
                  .ok());
  auto expr = Expression::Compile("$map([1, 2], $twice)", registry);
  ASSERT_TRUE(expr.ok());
  EXPECT_EQ(ToJsonText(*expr->Evaluate(Value())), "[2,4]");
  auto failing = Expression::Compile("$fail()", registry)->Evaluate(Value());
  ASSERT_FALSE(failing.ok());
  ErrorInfo info = ErrorInfoFromStatus(failing.status());
  EXPECT_EQ(info.code, "X0001");
  EXPECT_EQ(info.message, "it failed");
  Status bad = registry.Register("bad", "<s<s>:s>", nullptr);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("Type parameters can only be applied to functions and arrays"),
            std::string::npos)
      << bad;
}

TEST(Jsonata, ParseJsonTextNamesTheOffsetOfAnError) {
  auto parsed = ParseJsonText("[1, 2,, 3]");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "invalid JSON at offset 6: unexpected character");
}

}  // namespace
}  // namespace sluice::jsonata
