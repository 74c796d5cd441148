#include "sluice/asl/payload_template.h"

#include <gtest/gtest.h>

#include "sluice/asl/errors.h"

namespace sluice::asl {
namespace {

json::value J(std::string_view text) { return common::ParseJson(text, "test").value(); }

// Compiles `tmpl` (expecting no diagnostics) and evaluates it on `input`: compact JSON or
// "name: cause".
std::string Build(std::string_view tmpl, std::string_view input,
                  const json::value* context = nullptr, const VariableScope* vars = nullptr) {
  std::vector<Diagnostic> diags;
  PayloadTemplate t = PayloadTemplate::Compile(J(tmpl), "/States/S/Parameters", &diags);
  EXPECT_TRUE(diags.empty()) << diags.front().location << ": " << diags.front().message;
  json::value in = J(input);
  PathContext ctx{&in, context, vars};
  auto r = t.Evaluate(ctx);
  if (!r.ok()) return r.status().ToString();
  return common::SerializeJson(*r);
}

TEST(PayloadTemplate, CopiesStaticValuesAndResolvesPathFields) {
  EXPECT_EQ(Build(R"({"flagged":true,"parts":{"first.$":"$.vals[0]","last3.$":"$.vals[3:]"}})",
                  R"({"flagged":7,"vals":[0,10,20,30,40,50]})"),
            R"({"flagged":true,"parts":{"first":0,"last3":[30,40,50]}})");
}

TEST(PayloadTemplate, ResolvesFieldsInsideArraysAndNestedObjects) {
  EXPECT_EQ(Build(R"({"list":[1,{"x.$":"$.a"},[{"y.$":"$.b.c"}]],"s":"$.not-a-path"})",
                  R"({"a":"A","b":{"c":[true]}})"),
            R"({"list":[1,{"x":"A"},[{"y":[true]}]],"s":"$.not-a-path"})");
}

TEST(PayloadTemplate, ResolvesContextVariablesAndIntrinsics) {
  json::value context = J(R"({"Execution":{"Id":"arn:exec"}})");
  VariableScope vars;
  vars.Set("count", json::value(2));
  EXPECT_EQ(Build(R"j({"id.$":"$$.Execution.Id","n.$":"$count",
                      "msg.$":"States.Format('hi {} x{}', $.name, $count)","whole.$":"$"})j",
                  R"({"name":"Ann"})", &context, &vars),
            R"({"id":"arn:exec","n":2,"msg":"hi Ann x2","whole":{"name":"Ann"}})");
}

TEST(PayloadTemplate, NonObjectTemplatesAreCopied) {
  EXPECT_EQ(Build(R"("plain")", "{}"), R"("plain")");
  EXPECT_EQ(Build(R"([1,2])", "{}"), "[1,2]");
}

TEST(PayloadTemplate, MissingPathFailsWithStatesRuntimeNamingTheField) {
  EXPECT_EQ(Build(R"({"missing.$":"$.nope.deep"})", R"({"other":1})"),
            "States.Runtime: The JSONPath '$.nope.deep' specified for the field 'missing.$' could "
            "not be found in the input '{\"other\":1}'");
  EXPECT_EQ(Build(R"({"a":{"b.$":"$.x"}})", R"({})"),
            "States.Runtime: The JSONPath '$.x' specified for the field 'b.$' could not be found "
            "in the input '{}'");
}

TEST(PayloadTemplate, IntrinsicFailuresPropagate) {
  EXPECT_EQ(Build(R"j({"a.$":"States.ArrayGetItem($.l, 3)"})j", R"({"l":[1]})"),
            "States.IntrinsicFailure: Invalid arguments in States.ArrayGetItem: the index 3 is "
            "out of bounds for an array of length 1");
}

TEST(PayloadTemplateCompile, ReportsEveryBadPathFieldWithItsLocation) {
  std::vector<Diagnostic> diags;
  PayloadTemplate t = PayloadTemplate::Compile(
      J(R"j({"lorem.$":"ipsum","ok.$":"$.a","n":{"bad.$":5,"arr":[{"x.$":"$.a["}]},
            "call.$":"States.Nope()","fmt.$":"States.Format('{}'"})j"),
      "/States/Load/Parameters", &diags);
  const std::string kSuffix = "' must be a valid JSONPath or a valid intrinsic function call";
  std::vector<Diagnostic> expected = {
      {"/States/Load/Parameters/lorem.$", "The value for the field 'lorem.$" + kSuffix},
      {"/States/Load/Parameters/n/bad.$", "The value for the field 'bad.$" + kSuffix},
      {"/States/Load/Parameters/n/arr/0/x.$", "The value for the field 'x.$" + kSuffix},
      {"/States/Load/Parameters/call.$", "The value for the field 'call.$" + kSuffix},
      {"/States/Load/Parameters/fmt.$", "The value for the field 'fmt.$" + kSuffix},
  };
  EXPECT_EQ(diags, expected);
  // A template with problems evaluates to an empty object.
  json::value in = J("{}");
  PathContext ctx{&in, nullptr, nullptr};
  EXPECT_EQ(common::SerializeJson(*t.Evaluate(ctx)), "{}");
}

TEST(PayloadTemplateCompile, AppendsToExistingDiagnostics) {
  std::vector<Diagnostic> diags = {{"/x", "earlier"}};
  PayloadTemplate::Compile(J(R"({"a.$":"nope"})"), "/States/S/ResultSelector", &diags);
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags[1].location, "/States/S/ResultSelector/a.$");
}

}  // namespace
}  // namespace sluice::asl
