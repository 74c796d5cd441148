#include "sluice/asl/intrinsics.h"

#include <gtest/gtest.h>

#include <set>

#include "sluice/asl/errors.h"

namespace sluice::asl {
namespace {

json::value J(std::string_view text) { return common::ParseJson(text, "test").value(); }

class FixedRandom : public RandomSource {
 public:
  int64_t NextInt(int64_t lo, int64_t hi) override {
    last_lo = lo;
    last_hi = hi;
    return lo;
  }
  std::string NextUuid() override { return "00000000-0000-4000-8000-000000000000"; }
  int64_t last_lo = 0, last_hi = 0;
};

// Evaluates `call` against `input` and returns compact JSON, or "name: cause" on failure.
std::string Call(std::string_view call, std::string_view input = "{}",
                 RandomSource* random = nullptr) {
  auto parsed = IntrinsicCall::Parse(call);
  if (!parsed.ok()) return parsed.status().ToString();
  json::value in = J(input);
  PathContext ctx;
  ctx.input = &in;
  auto r = parsed->Evaluate(ctx, "out.$", random);
  if (!r.ok()) return r.status().ToString();
  return common::SerializeJson(*r);
}

TEST(IntrinsicLooks, RecognisesCallsOnly) {
  EXPECT_TRUE(IntrinsicCall::Looks("States.Format('x')"));
  EXPECT_TRUE(IntrinsicCall::Looks("States.UUID ()"));
  EXPECT_FALSE(IntrinsicCall::Looks("$.a"));
  EXPECT_FALSE(IntrinsicCall::Looks("States.Format"));
  EXPECT_FALSE(IntrinsicCall::Looks("Format('x')"));
}

TEST(IntrinsicParse, RejectsUnknownFunctionsArityAndSyntaxWithPosition) {
  EXPECT_EQ(IntrinsicCall::Parse("States.Nope(1)").status().message(),
            "invalid intrinsic function call 'States.Nope(1)': unknown intrinsic function "
            "'States.Nope' at offset 0");
  EXPECT_EQ(IntrinsicCall::Parse("States.ArrayLength()").status().message(),
            "invalid intrinsic function call 'States.ArrayLength()': States.ArrayLength takes 1 "
            "argument(s) but was given 0 at offset 0");
  EXPECT_EQ(IntrinsicCall::Parse("States.MathRandom(1)").status().message(),
            "invalid intrinsic function call 'States.MathRandom(1)': States.MathRandom takes 2 "
            "to 3 argument(s) but was given 1 at offset 0");
  EXPECT_EQ(IntrinsicCall::Parse("States.Format()").status().message(),
            "invalid intrinsic function call 'States.Format()': States.Format takes at least 1 "
            "argument(s) but was given 0 at offset 0");
  EXPECT_EQ(IntrinsicCall::Parse("States.Array('a'").status().message(),
            "invalid intrinsic function call 'States.Array('a'': unterminated argument list at "
            "offset 0");
  EXPECT_EQ(IntrinsicCall::Parse("States.Array('a)").status().message(),
            "invalid intrinsic function call 'States.Array('a)': unterminated string literal at "
            "offset 13");
  EXPECT_EQ(IntrinsicCall::Parse("States.Array(1) x").status().message(),
            "invalid intrinsic function call 'States.Array(1) x': unexpected text after the "
            "closing ')' at offset 16");
  EXPECT_EQ(IntrinsicCall::Parse("States.Array('a\\n')").status().message(),
            "invalid intrinsic function call 'States.Array('a\\n')': open escape backslash: '\\' "
            "must be followed by one of ' { } \\ at offset 15");
  EXPECT_EQ(IntrinsicCall::Parse("States.Array(foo)").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(IntrinsicCall::Parse("States.Array($.a[)").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(IntrinsicParse, AllowsTenNestedCallsButNotEleven) {
  std::string ten = "States.Array(1)";
  for (int i = 1; i < 10; ++i) ten = "States.Array(" + ten + ")";
  EXPECT_TRUE(IntrinsicCall::Parse(ten).ok());
  EXPECT_FALSE(IntrinsicCall::Parse("States.Array(" + ten + ")").ok());
}

TEST(IntrinsicFormat, ReplacesPlaceholdersAsInTheAwsExamples) {
  const char* in = R"({"name":"Arnav","template":"Hello, my name is {}."})";
  EXPECT_EQ(Call("States.Format('Hello, my name is {}.', $.name)", in),
            R"("Hello, my name is Arnav.")");
  EXPECT_EQ(Call("States.Format($.template, $.name)", in), R"("Hello, my name is Arnav.")");
  EXPECT_EQ(Call("States.Format('Your name is {}, we are in the year {}', $.name, 2020)", in),
            R"("Your name is Arnav, we are in the year 2020")");
}

TEST(IntrinsicFormat, RendersScalarsAsTextAndContainersJavaStyle) {
  EXPECT_EQ(Call("States.Format('{} {} {} {}', true, null, 1.5, -3)"),
            R"("true null 1.5 -3")");
  EXPECT_EQ(Call("States.Format('{}', $.o)", R"({"o":{"a":1,"b":"x","c":[1,2],"d":{}}})"),
            R"("{a=1, b=x, c=[1, 2], d={}}")");
  EXPECT_EQ(Call("States.Format('{}', $.a)", R"({"a":[1,"two",null]})"), R"("[1, two, null]")");
}

TEST(IntrinsicFormat, EscapedBracesAndQuotesAreLiteral) {
  EXPECT_EQ(Call("States.Format('it\\'s {}', 'X')"), R"("it's X")");
  EXPECT_EQ(Call("States.Format('\\{literal\\} {}', 'X')"), R"("{literal} X")");
  EXPECT_EQ(Call("States.Format('a\\\\b {}', 'X')"), R"("a\\b X")");
  // `\{}` is an escaped brace followed by '}', not a placeholder.
  EXPECT_EQ(Call("States.Format('\\{}')"), R"("{}")");
}

TEST(IntrinsicFormat, PlaceholderCountMustMatchArguments) {
  EXPECT_EQ(Call("States.Format('{} {}', 'a')"),
            "States.IntrinsicFailure: Invalid arguments in States.Format: the template has 2 "
            "placeholder(s) '{}' but 1 value argument(s) were given");
  EXPECT_EQ(Call("States.Format('x', 'a')"),
            "States.IntrinsicFailure: Invalid arguments in States.Format: the template has 0 "
            "placeholder(s) '{}' but 1 value argument(s) were given");
  EXPECT_EQ(Call("States.Format(1)"),
            "States.IntrinsicFailure: Invalid arguments in States.Format: the first argument "
            "must be a string, but was number");
}

TEST(IntrinsicJson, StringToJsonAndJsonToString) {
  EXPECT_EQ(Call("States.StringToJson($.someString)", R"({"someString":"{\"number\": 20}"})"),
            R"({"number":20})");
  EXPECT_EQ(Call("States.JsonToString($.someJson)", R"({"someJson":{"name":"Foo","year":2020}})"),
            R"("{\"name\":\"Foo\",\"year\":2020}")");
  EXPECT_EQ(Call("States.StringToJson('not json')"),
            "States.IntrinsicFailure: Invalid arguments in States.StringToJson: the argument is "
            "not valid JSON: States.StringToJson argument:1:1: invalid JSON: syntax error");
}

TEST(IntrinsicArray, ArrayBuildsFromArgumentsInOrder) {
  EXPECT_EQ(Call("States.Array('Foo', 2020, $.someJson, null)",
                 R"({"someJson":{"random":"abcdefg"}})"),
            R"(["Foo",2020,{"random":"abcdefg"},null])");
  EXPECT_EQ(Call("States.Array($.Id)", R"({"Id":123456})"), "[123456]");
  EXPECT_EQ(Call("States.Array()"), "[]");
}

TEST(IntrinsicArray, ArrayPartitionChunksWithASmallerLastChunk) {
  const char* in = R"({"inputArray":[1,2,3,4,5,6,7,8,9]})";
  EXPECT_EQ(Call("States.ArrayPartition($.inputArray,4)", in), "[[1,2,3,4],[5,6,7,8],[9]]");
  EXPECT_EQ(Call("States.ArrayPartition($.inputArray, 0)", in),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayPartition: the chunk size "
            "must be a positive integer, but was 0");
  EXPECT_EQ(Call("States.ArrayPartition('x', 2)"),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayPartition: the first "
            "argument must be an array, but was string");
  EXPECT_EQ(Call("States.ArrayPartition(States.Array(), 2)"), "[]");
}

TEST(IntrinsicArray, ArrayContainsUsesJsonEquality) {
  EXPECT_EQ(Call("States.ArrayContains($.inputArray, $.lookingFor)",
                 R"({"inputArray":[1,2,3,4,5,6,7,8,9],"lookingFor":5})"),
            "true");
  EXPECT_EQ(Call("States.ArrayContains($.a, 1)", R"({"a":[true, "1"]})"), "false");
  EXPECT_EQ(Call("States.ArrayContains($.a, true)", R"({"a":[1, 0]})"), "false");
  EXPECT_EQ(Call("States.ArrayContains($.a, 1)", R"({"a":[1.0]})"), "true");
  EXPECT_EQ(Call("States.ArrayContains($.a, $.o)", R"({"a":[{"y":2,"x":1}],"o":{"x":1,"y":2}})"),
            "true");
}

TEST(IntrinsicArray, ArrayRangeIncludesTheEnd) {
  EXPECT_EQ(Call("States.ArrayRange(1, 9, 2)"), "[1,3,5,7,9]");
  EXPECT_EQ(Call("States.ArrayRange(1, 10, 2)"), "[1,3,5,7,9]");
  EXPECT_EQ(Call("States.ArrayRange(9, 1, -2)"), "[9,7,5,3,1]");
  EXPECT_EQ(Call("States.ArrayRange(-1, 9, 2)"), "[-1,1,3,5,7,9]");
  EXPECT_EQ(Call("States.ArrayRange(5, 5, 1)"), "[5]");
  EXPECT_EQ(Call("States.ArrayRange(5, 1, 1)"), "[]");
  json::value thousand = J(Call("States.ArrayRange(1, 1000, 1)"));
  ASSERT_TRUE(thousand.is_array());
  EXPECT_EQ(thousand.get_array().size(), 1000u);
  EXPECT_EQ(thousand.get_array().back(), json::value(1000));
  EXPECT_EQ(Call("States.ArrayRange(0, 1000, 1)"),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayRange: the range would "
            "have 1001 items; at most 1000 are allowed");
  EXPECT_EQ(Call("States.ArrayRange(1, 9, 0)"),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayRange: the step (third "
            "argument) must not be 0");
  EXPECT_EQ(Call("States.ArrayRange(1.5, 9, 1)"),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayRange: the first argument "
            "must be an integer, but was 1.5");
}

TEST(IntrinsicArray, ArrayGetItemLengthAndUnique) {
  const char* in = R"({"inputArray":[1,2,3,4,5,6,7,8,9],"index":5})";
  EXPECT_EQ(Call("States.ArrayGetItem($.inputArray, $.index)", in), "6");
  EXPECT_EQ(Call("States.ArrayGetItem($.inputArray, 9)", in),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayGetItem: the index 9 is "
            "out of bounds for an array of length 9");
  EXPECT_EQ(Call("States.ArrayLength($.inputArray)", in), "9");
  EXPECT_EQ(Call("States.ArrayUnique($.a)", R"({"a":[1,2,3,3,3,3,3,3,4]})"), "[1,2,3,4]");
  EXPECT_EQ(Call("States.ArrayUnique($.a)", R"({"a":[true,1,1.0,false,0,"1",null,null]})"),
            R"([true,1,false,0,"1",null])");
  EXPECT_EQ(Call("States.ArrayUnique($.a)", R"({"a":[{"x":1,"y":2},[1],{"y":2,"x":1},[1]]})"),
            R"([{"x":1,"y":2},[1]])");
}

TEST(IntrinsicEncoding, Base64RoundTripsUtf8) {
  EXPECT_EQ(Call("States.Base64Encode($.input)", R"({"input":"Data to encode"})"),
            R"("RGF0YSB0byBlbmNvZGU=")");
  EXPECT_EQ(Call("States.Base64Decode($.base64)", R"({"base64":"RGF0YSB0byBlbmNvZGU="})"),
            R"("Data to encode")");
  EXPECT_EQ(Call("States.Base64Encode('ünï')"), R"("w7xuw68=")");
  EXPECT_EQ(Call("States.Base64Decode('w7xuw68=')"), R"("ünï")");
  EXPECT_EQ(Call("States.Base64Encode('a')"), R"("YQ==")");
  EXPECT_EQ(Call("States.Base64Decode('YQ==')"), R"("a")");
  EXPECT_EQ(Call("States.Base64Decode('!!!!')"),
            "States.IntrinsicFailure: Invalid arguments in States.Base64Decode: the input is not "
            "valid Base64");
  std::string big = "{\"s\":\"" + std::string(10001, 'a') + "\"}";
  EXPECT_EQ(Call("States.Base64Encode($.s)", big),
            "States.IntrinsicFailure: Invalid arguments in States.Base64Encode: the input must be "
            "at most 10000 characters");
}

TEST(IntrinsicHash, ComputesEachAlgorithmInLowercaseHex) {
  EXPECT_EQ(Call("States.Hash($.Data, $.Algorithm)", R"({"Data":"input data","Algorithm":"SHA-1"})"),
            R"("aaff4a450a104cd177d28d18d74485e8cae074b7")");
  EXPECT_EQ(Call("States.Hash('abc', 'MD5')"), R"("900150983cd24fb0d6963f7d28e17f72")");
  EXPECT_EQ(Call("States.Hash('abc', 'SHA-256')"),
            R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")");
  EXPECT_EQ(Call("States.Hash('abc', 'SHA-384')"),
            R"("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")");
  EXPECT_EQ(Call("States.Hash('abc', 'SHA-512')"),
            R"("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")");
  EXPECT_EQ(Call("States.Hash('abc', 'SHA-2')"),
            "States.IntrinsicFailure: Invalid arguments in States.Hash: unsupported hash "
            "algorithm 'SHA-2'; expected one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
}

TEST(IntrinsicJsonMerge, ShallowMergeLetsTheSecondObjectWin) {
  const char* in = R"({"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3}})";
  EXPECT_EQ(Call("States.JsonMerge($.json1, $.json2, false)", in),
            R"({"a":{"a3":1,"a4":2},"b":2,"c":3})");
  EXPECT_EQ(Call("States.JsonMerge($.json1, $.json2, true)", in),
            "States.IntrinsicFailure: Invalid arguments in States.JsonMerge: only shallow "
            "merging is supported; the third argument must be false");
  EXPECT_EQ(Call("States.JsonMerge($.json1, 'x', false)", in),
            "States.IntrinsicFailure: Invalid arguments in States.JsonMerge: the second argument "
            "must be a JSON object, but was string");
}

TEST(IntrinsicMath, MathAddRoundsNonIntegersLikeAws) {
  EXPECT_EQ(Call("States.MathAdd($.value1, $.step)", R"({"value1":111,"step":-1})"), "110");
  EXPECT_EQ(Call("States.MathAdd(2.5, 0)"), "3");
  EXPECT_EQ(Call("States.MathAdd(-2.5, 0)"), "-2");
  EXPECT_EQ(Call("States.MathAdd('1', 0)"),
            "States.IntrinsicFailure: Invalid arguments in States.MathAdd: the first argument "
            "must be an integer, but was string");
}

TEST(IntrinsicMath, MathRandomUsesTheRandomSourceOrTheSeed) {
  FixedRandom fixed;
  EXPECT_EQ(Call("States.MathRandom($.start, $.end)", R"({"start":1,"end":999})", &fixed), "1");
  EXPECT_EQ(fixed.last_lo, 1);
  EXPECT_EQ(fixed.last_hi, 999);
  std::string a = Call("States.MathRandom(1, 999, 42)");
  EXPECT_EQ(a, Call("States.MathRandom(1, 999, 42)"));
  // Values from java.util.Random: new Random(42).nextInt(998) == 254,
  // new Random(7).nextInt(100) == 36, new Random(-5).nextInt(16) == 4.
  EXPECT_EQ(a, "255");
  EXPECT_EQ(Call("States.MathRandom(0, 100, 7)"), "36");
  EXPECT_EQ(Call("States.MathRandom(0, 16, -5)"), "4");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string v = Call("States.MathRandom(0, 3)");
    ASSERT_TRUE(v == "0" || v == "1" || v == "2") << v;
    seen.insert(v);
  }
  EXPECT_GT(seen.size(), 1u);
  EXPECT_EQ(Call("States.MathRandom(5, 5)"),
            "States.IntrinsicFailure: Invalid arguments in States.MathRandom: the end (5) must be "
            "greater than the start (5)");
}

TEST(IntrinsicString, StringSplitSplitsOnEveryDelimiterCharacterAndDropsEmptyPieces) {
  EXPECT_EQ(Call("States.StringSplit($.inputString, $.splitter)",
                 R"({"inputString":"1,2,3,4,5","splitter":","})"),
            R"(["1","2","3","4","5"])");
  EXPECT_EQ(Call("States.StringSplit('This.is+a,test=string', '.+,=')"),
            R"(["This","is","a","test","string"])");
  EXPECT_EQ(Call("States.StringSplit(',a,,b,', ',')"), R"(["a","b"])");
  EXPECT_EQ(Call("States.StringSplit('abc', '')"), R"(["abc"])");
  EXPECT_EQ(Call("States.StringSplit('', ',')"), "[]");
}

TEST(IntrinsicUuid, ReturnsAVersion4Uuid) {
  FixedRandom fixed;
  EXPECT_EQ(Call("States.UUID()", "{}", &fixed), R"("00000000-0000-4000-8000-000000000000")");
  std::string u = Call("States.UUID()");
  ASSERT_EQ(u.size(), 38u);
  EXPECT_EQ(u[15], '4');
  EXPECT_NE(u, Call("States.UUID()"));
}

TEST(IntrinsicNesting, NestedCallsAsInTheAwsExample) {
  EXPECT_EQ(
      Call("States.Format('{}.{}.{}', "
           "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit("
           "$.ImageRecipe.Arn, '/'), 2), '.'), 0), "
           "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit("
           "$.ImageRecipe.Arn, '/'), 2), '.'), 1), 'x')",
           R"({"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:123:image-recipe/my.recipe/1.0.0"}})"),
      R"("1.0.x")");
}

TEST(IntrinsicPaths, ArgumentsReadInputContextAndVariables) {
  json::value input = J(R"({"a":"in"})");
  json::value context = J(R"({"Execution":{"Id":"exec-1"}})");
  VariableScope vars;
  vars.Set("order", J(R"({"id":7})"));
  PathContext ctx{&input, &context, &vars};
  auto call = IntrinsicCall::Parse("States.Array($.a, $$.Execution.Id, $order.id, $order)");
  ASSERT_TRUE(call.ok()) << call.status();
  auto r = call->Evaluate(ctx, "x.$");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(common::SerializeJson(*r), R"(["in","exec-1",7,{"id":7}])");

  auto missing = IntrinsicCall::Parse("States.Array($nope.id)");
  ASSERT_TRUE(missing.ok());
  auto err = missing->Evaluate(ctx, "x.$");
  EXPECT_EQ(err.status().ToString(),
            "States.Runtime: Invalid path '$nope.id': The variable 'nope' is not defined");
}

TEST(IntrinsicPaths, MissingPathArgumentIsStatesRuntimeNamingTheField) {
  EXPECT_EQ(Call("States.Array($.missing)", R"({"a":1})"),
            "States.Runtime: The JSONPath '$.missing' specified for the field 'out.$' could not "
            "be found in the input '{\"a\":1}'");
}

TEST(IntrinsicPaths, PathArgumentsMayContainCommasAndParensInBrackets) {
  EXPECT_EQ(Call("States.Array($['a,b'], $.l[?(@.x > 1)].x)", R"({"a,b":1,"l":[{"x":1},{"x":2}]})"),
            "[1,[2]]");
}

TEST(EvaluatePath, PicksTheDocumentByRoot) {
  json::value input = J(R"({"k":1})");
  json::value context = J(R"({"k":2})");
  VariableScope parent;
  parent.Set("v", json::value(3));
  VariableScope child(&parent);
  PathContext ctx{&input, &context, &child};
  EXPECT_EQ(*EvaluatePath(JsonPath::Parse("$.k").value(), ctx, "f"), json::value(1));
  EXPECT_EQ(*EvaluatePath(JsonPath::Parse("$$.k").value(), ctx, "f"), json::value(2));
  EXPECT_EQ(*EvaluatePath(JsonPath::Parse("$v").value(), ctx, "f"), json::value(3));
}

}  // namespace
}  // namespace sluice::asl
