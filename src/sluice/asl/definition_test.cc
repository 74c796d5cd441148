#include "sluice/asl/definition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::asl {

// Found by GoogleTest through argument-dependent lookup.
void PrintTo(const Diagnostic& d, std::ostream* os) {
  *os << "{\"" << d.location << "\", \"" << d.message << "\"}";
}

namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<Diagnostic> Diagnose(std::string_view text) {
  std::vector<Diagnostic> diags;
  auto result = ParseDefinition(text, &diags);
  EXPECT_FALSE(result.ok()) << "definition was accepted: " << text;
  return diags;
}

std::shared_ptr<const StateMachine> MustParse(std::string_view text) {
  std::vector<Diagnostic> diags;
  auto result = ParseDefinition(text, &diags);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return nullptr;
  EXPECT_TRUE(diags.empty());
  return *result;
}

struct InvalidCase {
  const char* name;
  const char* definition;
  std::vector<Diagnostic> expected;
};

const std::string kSchema = "SCHEMA_VALIDATION_FAILED: ";

std::vector<InvalidCase> InvalidCases() {
  return {
      {"unknown Next target",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"NOPE"}}})",
       {{"/States/A/Next", "MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE"},
        {"/", "MISSING_END_STATE: Workflow has no terminal state"}}},
      {"unknown StartAt",
       R"({"StartAt":"X","States":{"A":{"Type":"Succeed"}}})",
       {{"/StartAt", "MISSING_TRANSITION_TARGET: Missing 'Next' target: X"}}},
      {"unreachable state",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
           "C":{"Type":"Pass","End":true}}})",
       {{"/States/C", "MISSING_TRANSITION_TARGET: State \"C\" is not reachable."}}},
      {"no terminal state",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
           "Unused":{"Type":"Pass","Next":"A"}}})",
       {{"/", "MISSING_END_STATE: Workflow has no terminal state"}}},
      {"Next with End",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},"B":{"Type":"Succeed"}}})",
       {{"/States/A", kSchema + "There should only be one of the following fields: [Next, End]"}}},
      {"neither Next nor End",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f"},
           "C":{"Type":"Succeed"}}})",
       {{"/States/B", kSchema + "These fields are required: [Next or End]"},
        {"/States/C", "MISSING_TRANSITION_TARGET: State \"C\" is not reachable."}}},
      {"Choice without Choices",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Default":"D"},"D":{"Type":"Succeed"}}})",
       {{"/States/C", kSchema + "These fields are required: [Choices]"}}},
      {"Choice with empty Choices",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[],"Default":"D"},"D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices", kSchema + "Value cannot be empty"}}},
      {"Choice rule without Next",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true}],
           "Default":"D"},"D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices[0]", kSchema + "These fields are required: [Next]"}}},
      {"nested Choice rule with Next",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsPresent":true,
           "Next":"D"},"Next":"D"}]},"D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices[0]/Not", kSchema + "Field 'Next' is not supported"}}},
      {"Choice with Next",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Next":"D","Choices":[{"Variable":"$.x",
           "IsPresent":true,"Next":"D"}]},"D":{"Type":"Succeed"}}})",
       {{"/States/C", kSchema + "Field 'Next' is not supported"}}},
      {"Choice rule with two operators",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","StringEquals":"a",
           "NumericEquals":1,"Next":"D"}]},"D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices[0]",
         kSchema +
             "There should only be one of the following fields: [StringEquals, NumericEquals]"}}},
      {"Choice operand of the wrong type",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
           {"Variable":"$.x","StringEquals":5,"Next":"D"},
           {"Variable":"$.x","NumericLessThan":"5","Next":"D"},
           {"Variable":"$.x","BooleanEquals":"true","Next":"D"},
           {"Variable":"$.x","TimestampEquals":"yesterday","Next":"D"},
           {"Variable":"$.x","IsNull":"no","Next":"D"},
           {"Variable":"$.x","StringEqualsPath":"x","Next":"D"},
           {"Variable":"x","IsPresent":true,"Next":"D"}]},"D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices[0]/StringEquals", kSchema + "Expected value of type [STRING]"},
        {"/States/C/Choices[1]/NumericLessThan", kSchema + "Expected value of type [NUMBER]"},
        {"/States/C/Choices[2]/BooleanEquals", kSchema + "Expected value of type [BOOLEAN]"},
        {"/States/C/Choices[3]/TimestampEquals",
         kSchema + "Value must be a valid timestamp (RFC 3339)"},
        {"/States/C/Choices[4]/IsNull", kSchema + "Expected value of type [BOOLEAN]"},
        {"/States/C/Choices[5]/StringEqualsPath", kSchema + "Value must be a valid JSONPath."},
        {"/States/C/Choices[6]/Variable", kSchema + "Value must be a valid JSONPath."}}},
      {"Choice rule without Variable",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"StringEquals":"a","Next":"D"}]},
           "D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices[0]", kSchema + "These fields are required: [Variable]"}}},
      {"Choice rule Next to an unknown state",
       R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,
           "Next":"Ghost"}],"Default":"D"},"D":{"Type":"Succeed"}}})",
       {{"/States/C/Choices[0]/Next", "MISSING_TRANSITION_TARGET: Missing 'Next' target: Ghost"}}},
      {"Fail with Next",
       R"({"StartAt":"F","States":{"F":{"Type":"Fail","Next":"F"}}})",
       {{"/States/F", kSchema + "Field 'Next' is not supported"}}},
      {"Succeed with End",
       R"({"StartAt":"S","States":{"S":{"Type":"Succeed","End":true}}})",
       {{"/States/S", kSchema + "Field 'End' is not supported"}}},
      {"Fail with Error and ErrorPath",
       R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","ErrorPath":"$.e","CausePath":"$.a[*]"}}})",
       {{"/States/F",
         kSchema + "There should only be one of the following fields: [Error, ErrorPath]"},
        {"/States/F/CausePath",
         kSchema + "The value for the field 'CausePath' must be a valid JSONPath or a valid "
                   "intrinsic function call"}}},
      {"States.ALL retrier not last",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],"End":true}}})",
       {{"/States/T/Retry[0]",
         kSchema + "A Retrier with 'States.ALL' must be the last one in 'Retry'"}}},
      {"States.ALL catcher not last",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"D"},{"ErrorEquals":["X"],"Next":"D"}],
           "End":true},"D":{"Type":"Succeed"}}})",
       {{"/States/T/Catch[0]",
         kSchema + "A Catcher with 'States.ALL' must be the last one in 'Catch'"}}},
      {"States.ALL not alone",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Catch":[{"ErrorEquals":["States.ALL","X"],"Next":"D"}],"End":true},"D":{"Type":"Succeed"}}})",
       {{"/States/T/Catch[0]/ErrorEquals",
         kSchema + "'States.ALL' must appear alone in 'ErrorEquals'"}}},
      {"Catch without Next and ErrorEquals",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Catch":[{}],"End":true}}})",
       {{"/States/T/Catch[0]", kSchema + "These fields are required: [ErrorEquals]"},
        {"/States/T/Catch[0]", kSchema + "These fields are required: [Next]"}}},
      {"Catch to an unknown state",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Ghost"}],"End":true}}})",
       {{"/States/T/Catch[0]/Next", "MISSING_TRANSITION_TARGET: Missing 'Next' target: Ghost"}}},
      {"duplicate state names across branches",
       R"({"StartAt":"X","States":{"X":{"Type":"Pass","Next":"P"},"P":{"Type":"Parallel","End":true,
           "Branches":[{"StartAt":"X","States":{"X":{"Type":"Succeed"}}},
                       {"StartAt":"Y","States":{"Y":{"Type":"Succeed"}}},
                       {"StartAt":"Y","States":{"Y":{"Type":"Succeed"}}}]}}})",
       {{"/States/P/Branches[0]/States/X", "DUPLICATE_STATE_NAME: Duplicate State name: X"},
        {"/States/P/Branches[2]/States/Y", "DUPLICATE_STATE_NAME: Duplicate State name: Y"}}},
      {"branch transitions out of itself",
       R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"Done",
           "Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"Done"}}}]},
           "Done":{"Type":"Succeed"}}})",
       {{"/States/P/Branches[0]/States/B/Next",
         "MISSING_TRANSITION_TARGET: Missing 'Next' target: Done"}}},
      {"unreachable state inside a Map processor",
       R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
           "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Pass","End":true},
                                                   "Ghost":{"Type":"Pass","End":true}}}}}})",
       {{"/States/M/ItemProcessor/States/Ghost",
         "MISSING_TRANSITION_TARGET: State \"Ghost\" is not reachable."}}},
      {"ResultPath with a wildcard",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}})",
       {{"/States/A/ResultPath", kSchema + "Value must be a valid reference path."}}},
      {"ResultPath with recursive descent",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$..a","End":true}}})",
       {{"/States/A/ResultPath", kSchema + "Value must be a valid reference path."}}},
      {"ResultPath on the context object",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$$.Execution","End":true}}})",
       {{"/States/A/ResultPath", kSchema + "Value must be a valid reference path."}}},
      {"bad path syntax",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a[","OutputPath":"Test",
           "End":true}}})",
       {{"/States/A/InputPath", kSchema + "Value must be a valid JSONPath."},
        {"/States/A/OutputPath", kSchema + "Value must be a valid JSONPath."}}},
      {"Wait with Seconds and Timestamp",
       R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Timestamp":"2026-01-01T00:00:00Z",
           "End":true}}})",
       {{"/States/W",
         kSchema + "There should only be one of the following fields: [Seconds, Timestamp]"}}},
      {"Wait without a duration",
       R"({"StartAt":"W","States":{"W":{"Type":"Wait","End":true}}})",
       {{"/States/W",
         kSchema +
             "These fields are required: [Seconds, Timestamp, SecondsPath or TimestampPath]"}}},
      {"Wait with a bad timestamp and negative seconds",
       R"({"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2026-13-01T00:00:00Z","Next":"V"},
           "V":{"Type":"Wait","Seconds":-1,"End":true}}})",
       {{"/States/W/Timestamp", kSchema + "Value must be a valid timestamp (RFC 3339)"},
        {"/States/V/Seconds", kSchema + "Value must be a non-negative integer"}}},
      {"bad retrier numbers",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1,"BackoffRate":0.5,"IntervalSeconds":0,
                     "MaxDelaySeconds":0,"JitterStrategy":"SOME"},{"ErrorEquals":[]}],"End":true}}})",
       {{"/States/T/Retry[0]/IntervalSeconds", kSchema + "Value must be a positive integer"},
        {"/States/T/Retry[0]/MaxAttempts", kSchema + "Value must be a non-negative integer"},
        {"/States/T/Retry[0]/BackoffRate", kSchema + "Value must be greater than or equal to 1.0"},
        {"/States/T/Retry[0]/MaxDelaySeconds", kSchema + "Value must be a positive integer"},
        {"/States/T/Retry[0]/JitterStrategy",
         kSchema + "Value should be one of the following: [FULL, NONE]"},
        {"/States/T/Retry[1]/ErrorEquals", kSchema + "Value cannot be empty"}}},
      {"unknown top-level field",
       R"({"StartAt":"A","Foo":1,"States":{"A":{"Type":"Succeed"}}})",
       {{"/", kSchema + "These fields are not allowed: Foo"}}},
      {"unknown state field",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","Bar":1,"Baz":2,"End":true}}})",
       {{"/States/A", kSchema + "These fields are not allowed: Bar, Baz"}}},
      {"field of another state type",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","TimeoutSeconds":5,"Retry":[],"End":true}}})",
       {{"/States/A", kSchema + "Field 'TimeoutSeconds' is not supported"},
        {"/States/A", kSchema + "Field 'Retry' is not supported"}}},
      {"unknown Type",
       R"({"StartAt":"A","States":{"A":{"Type":"Lambda","End":true}}})",
       {{"/States/A/Type", kSchema + "Value should be one of the following: [Task, Pass, Choice, "
                                     "Wait, Succeed, Fail, Parallel, Map]"}}},
      {"missing Type, StartAt",
       R"({"States":{"A":{"End":true}}})",
       {{"/", kSchema + "These fields are required: [StartAt]"},
        {"/States/A", kSchema + "These fields are required: [Type]"}}},
      {"JSONata-only field in JSONPath mode",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Arguments":{},"Output":"{% $states.result %}","End":true}}})",
       {{"/States/T", kSchema + "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is "
                                "only supported for the 'JSONata' QueryLanguage"},
        {"/States/T", kSchema + "The QueryLanguage is set to 'JSONPath', but field 'Output' is "
                                "only supported for the 'JSONata' QueryLanguage"}}},
      {"JSONPath-only fields in JSONata mode",
       R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass",
           "InputPath":"$.a","ResultPath":"$.b","End":true}}})",
       {{"/States/A", kSchema + "The QueryLanguage is set to 'JSONata', but field 'InputPath' is "
                                "only supported for the 'JSONPath' QueryLanguage"},
        {"/States/A", kSchema + "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is "
                                "only supported for the 'JSONPath' QueryLanguage"}}},
      {"a JSONPath state in a JSONata machine",
       R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed",
           "QueryLanguage":"JSONPath"}}})",
       {{"/States/A/QueryLanguage",
         kSchema + "The QueryLanguage of a state cannot be 'JSONPath' when the state machine's "
                   "QueryLanguage is 'JSONata'"}}},
      {"a JSONata syntax error names the field",
       R"({"StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONata",
           "Output":{"x":"{% 1 + %}"},"End":true}}})",
       {{"/States/A/Output/x",
         "Invalid JSONata expression: S0207: Unexpected end of expression (position 5) in "
         "JSONata expression '{% 1 + %}'"}}},
      {"ItemsPath in a JSONata Map",
       R"({"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.a",
           "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}})",
       {{"/States/M", kSchema + "The QueryLanguage is set to 'JSONata', but field 'ItemsPath' is "
                                "only supported for the 'JSONPath' QueryLanguage"}}},
      {"unknown QueryLanguage",
       R"({"QueryLanguage":"jsonpath","StartAt":"A","States":{"A":{"Type":"Succeed"}}})",
       {{"/QueryLanguage", kSchema + "Value should be one of the following: [JSONPath, JSONata]"}}},
      {"Task without Resource, bad timeouts",
       R"({"StartAt":"T","States":{"T":{"Type":"Task","TimeoutSeconds":10,"TimeoutSecondsPath":"$.t",
           "HeartbeatSeconds":10,"End":true},
           "U":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":0,"End":true}}})",
       {{"/States/T", kSchema + "These fields are required: [Resource]"},
        {"/States/T", kSchema + "There should only be one of the following fields: "
                                "[TimeoutSeconds, TimeoutSecondsPath]"},
        {"/States/T/HeartbeatSeconds",
         kSchema + "HeartbeatSeconds must be smaller than TimeoutSeconds"},
        {"/States/U/TimeoutSeconds", kSchema + "Value must be a positive integer"},
        {"/States/U", "MISSING_TRANSITION_TARGET: State \"U\" is not reachable."}}},
      {"Map with ItemSelector and Parameters",
       R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":{},"Parameters":{},"End":true,
           "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})",
       {{"/States/M",
         kSchema +
             "There should only be one of the following fields: [ItemSelector, Parameters]"}}},
      {"Map field problems",
       R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":-1,"ToleratedFailurePercentage":101,
           "ToleratedFailureCount":-2,"Label":"has space","ItemReader":{},"ItemsPath":"$.a[*]","End":true,
           "ItemProcessor":{"ProcessorConfig":{"Mode":"SOMETIMES"},"StartAt":"P",
                            "States":{"P":{"Type":"Pass","End":true}}}}}})",
       {{"/States/M/ItemProcessor/ProcessorConfig/Mode",
         kSchema + "Value should be one of the following: [INLINE, DISTRIBUTED]"},
        {"/States/M/ItemsPath", kSchema + "Value must be a valid reference path."},
        {"/States/M/MaxConcurrency", kSchema + "Value must be a non-negative integer"},
        {"/States/M/ToleratedFailurePercentage", kSchema + "Value must be between 0 and 100"},
        {"/States/M/ToleratedFailureCount", kSchema + "Value must be a non-negative integer"},
        {"/States/M/ItemReader",
         kSchema + "Field 'ItemReader' is only supported when ProcessorConfig.Mode is DISTRIBUTED"},
        {"/States/M/Label",
         "INVALID_LABEL_NAME: A label must be 1 to 40 characters without whitespace, brackets, "
         "wildcards, special or control characters"}}},
      {"Map without processor, distributed without ExecutionType",
       R"({"StartAt":"M","States":{"M":{"Type":"Map","Next":"N"},
           "N":{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},
                "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})",
       {{"/States/M", kSchema + "These fields are required: [ItemProcessor]"},
        {"/States/N/ItemProcessor/ProcessorConfig",
         kSchema + "These fields are required: [ExecutionType]"}}},
      {"Parallel without branches",
       R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[],"End":true}}})",
       {{"/States/P/Branches", kSchema + "Value cannot be empty"}}},
      {"Branches, Retry and Catch that are not arrays of objects",
       R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":{},"Next":"T"},
           "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[1,{"ErrorEquals":["X"]}],
                "Catch":"all","End":true}}})",
       {{"/States/P/Branches", kSchema + "Expected value of type [ARRAY]"},
        {"/States/T/Retry[0]", kSchema + "Expected value of type [OBJECT]"},
        {"/States/T/Catch", kSchema + "Expected value of type [ARRAY]"}}},
      {"wrong JSON types",
       R"({"StartAt":1,"TimeoutSeconds":0,"Comment":5,"States":{"A":{"Type":"Pass","End":"yes",
           "Assign":[1]}}})",
       {{"/Comment", kSchema + "Expected value of type [STRING]"},
        {"/TimeoutSeconds", kSchema + "Value must be a positive integer"},
        {"/StartAt", kSchema + "Expected value of type [STRING]"},
        {"/States/A/End", kSchema + "Expected value of type [BOOLEAN]"},
        {"/States/A", kSchema + "These fields are required: [Next or End]"},
        {"/States/A/Assign", kSchema + "Expected value of type [OBJECT]"},
        {"/", "MISSING_END_STATE: Workflow has no terminal state"}}},
      {"multiple problems at once",
       R"({"StartAt":"A","Bogus":true,"States":{
           "A":{"Type":"Pass","Next":"Lod"},
           "W":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true},
           "F":{"Type":"Fail","End":true}}})",
       {{"/", kSchema + "These fields are not allowed: Bogus"},
        {"/States/W",
         kSchema + "There should only be one of the following fields: [Seconds, SecondsPath]"},
        {"/States/F", kSchema + "Field 'End' is not supported"},
        {"/States/A/Next", "MISSING_TRANSITION_TARGET: Missing 'Next' target: Lod"},
        {"/States/W", "MISSING_TRANSITION_TARGET: State \"W\" is not reachable."},
        {"/States/F", "MISSING_TRANSITION_TARGET: State \"F\" is not reachable."}}},
  };
}

TEST(DefinitionValidation, ReportsExactlyTheExpectedDiagnostics) {
  for (const InvalidCase& c : InvalidCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(Diagnose(c.definition), ElementsAreArray(c.expected));
  }
}

TEST(DefinitionValidation, StatusMessageListsEveryDiagnosticOnItsOwnLine) {
  auto result = ParseDefinition(std::string_view(
      R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","Foo":1},"B":{"Type":"Pass"}}})"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "/States/A: SCHEMA_VALIDATION_FAILED: These fields are not allowed: Foo\n"
            "/States/B: SCHEMA_VALIDATION_FAILED: These fields are required: [Next or End]\n"
            "/: MISSING_END_STATE: Workflow has no terminal state");
}

TEST(DefinitionValidation, BadIntrinsicInParametersIsReportedAtItsField) {
  auto diags = Diagnose(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true,
      "Parameters":{"ok.$":"$.x","bad.$":"States.Format('a'"}}}})");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location, "/States/A/Parameters/bad.$");
  EXPECT_THAT(diags[0].message, StartsWith("SCHEMA_VALIDATION_FAILED: "));
  EXPECT_THAT(diags[0].message, HasSubstr("bad.$"));
}

TEST(DefinitionValidation, BadPathInResultSelectorAndAssignIsReported) {
  auto diags = Diagnose(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:x",
      "ResultSelector":{"a.$":"$.b["},"Assign":{"v.$":"nope"},"End":true}}})");
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags[0].location, "/States/T/Assign/v.$");
  EXPECT_EQ(diags[1].location, "/States/T/ResultSelector/a.$");
}

TEST(DefinitionValidation, InvalidJsonIsOneDiagnosticWithLineAndColumn) {
  auto diags = Diagnose("{\n  \"StartAt\": \"A\",\n  \"States\": {\n}");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location, "/");
  EXPECT_THAT(diags[0].message, StartsWith("INVALID_JSON_DESCRIPTION: definition:4:"));
}

TEST(DefinitionValidation, RejectsDefinitionsLargerThanTheLimit) {
  ParseOptions options;
  options.max_definition_bytes = 10;
  std::vector<Diagnostic> diags;
  auto result = ParseDefinition(
      std::string_view(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})"), &diags, options);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].message,
            "SCHEMA_VALIDATION_FAILED: The definition is 49 bytes, more than the maximum of 10 "
            "bytes");
}

TEST(DefinitionValidation, RejectsStateNamesLongerThan80Characters) {
  const std::string ok(80, 'a');
  const std::string too_long(81, 'b');
  const std::string text = R"({"StartAt":")" + ok + R"(","States":{")" + ok +
                           R"(":{"Type":"Pass","Next":")" + too_long + R"("},")" + too_long +
                           R"(":{"Type":"Succeed"}}})";
  EXPECT_THAT(Diagnose(text),
              ElementsAreArray(std::vector<Diagnostic>{
                  {"/States/" + too_long,
                   "INVALID_STATE_NAME: State name is longer than 80 characters: " + too_long}}));
}

TEST(DefinitionValidation, NestedLoopWithoutTerminalStateIsAccepted) {
  // AWS checks for a terminal state at the top level only.
  MustParse(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
                                               "B":{"Type":"Pass","Next":"A"}}}}}})");
}

TEST(DefinitionParse, KeepsDocumentOrderRawJsonAndTopLevelFields) {
  auto sm = MustParse(R"({"Comment":"c","Version":"1.0","TimeoutSeconds":60,
      "QueryLanguage":"JSONPath","StartAt":"Z","States":{
      "Z":{"Type":"Pass","Next":"A"},"A":{"Type":"Pass","Next":"M"},"M":{"Type":"Succeed"}}})");
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->comment, "c");
  EXPECT_EQ(sm->version, "1.0");
  EXPECT_EQ(sm->timeout_seconds, 60);
  EXPECT_EQ(sm->query_language, "JSONPath");
  EXPECT_EQ(sm->start_at, "Z");
  ASSERT_EQ(sm->states.size(), 3u);
  EXPECT_EQ(sm->states[0].name, "Z");
  EXPECT_EQ(sm->states[1].name, "A");
  EXPECT_EQ(sm->states[2].name, "M");
  ASSERT_NE(sm->Find("A"), nullptr);
  EXPECT_EQ(sm->Find("A")->next, "M");
  EXPECT_EQ(common::SerializeJson(sm->states[0].raw), R"({"Type":"Pass","Next":"A"})");
  EXPECT_TRUE(sm->states[2].is_terminal());
}

TEST(DefinitionParse, PassAndCommonFields) {
  auto sm = MustParse(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Comment":"hi",
      "InputPath":"$.in","OutputPath":null,"ResultPath":"$.out.r","Result":{"a":[1,2]},
      "Parameters":{"x.$":"$.y","lit":1},"Assign":{"v.$":"$.z"},"End":true}}})");
  ASSERT_NE(sm, nullptr);
  const State& p = sm->states[0];
  EXPECT_EQ(p.type, StateType::kPass);
  EXPECT_EQ(StateTypeName(p.type), "Pass");
  EXPECT_EQ(p.comment, "hi");
  EXPECT_TRUE(p.end);
  EXPECT_EQ(p.next, "");
  ASSERT_TRUE(p.input_path.path.has_value());
  EXPECT_EQ(p.input_path.path->text(), "$.in");
  EXPECT_TRUE(p.output_path.is_null);
  ASSERT_TRUE(p.result_path.path.has_value());
  EXPECT_EQ(p.result_path.path->text(), "$.out.r");
  ASSERT_TRUE(p.result.has_value());
  EXPECT_EQ(common::SerializeJson(*p.result), R"({"a":[1,2]})");
  EXPECT_TRUE(p.parameters.has_value());
  EXPECT_TRUE(p.assign.has_value());
}

TEST(DefinitionParse, AbsentPathsDefaultToTheWholeDocument) {
  auto sm = MustParse(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  ASSERT_NE(sm, nullptr);
  const State& p = sm->states[0];
  ASSERT_TRUE(p.input_path.path.has_value());
  EXPECT_EQ(p.input_path.path->text(), "$");
  EXPECT_FALSE(p.input_path.is_null);
  ASSERT_TRUE(p.output_path.path.has_value());
  ASSERT_TRUE(p.result_path.path.has_value());
  EXPECT_EQ(p.result_path.path->text(), "$");
  EXPECT_FALSE(p.parameters.has_value());
  EXPECT_FALSE(p.result.has_value());
}

TEST(DefinitionParse, TaskWithRetryCatchAndTimeouts) {
  auto sm = MustParse(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":30,"HeartbeatSeconds":10,
      "Credentials":{"RoleArn":"arn:aws:iam::1:role/r"},"ResultSelector":{"p.$":"$.Payload"},
      "Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2,"MaxAttempts":0,
                "BackoffRate":1.5,"MaxDelaySeconds":10,"JitterStrategy":"FULL"},
               {"ErrorEquals":["States.ALL"]}],
      "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"F","ResultPath":"$.err"},
               {"ErrorEquals":["States.ALL"],"Next":"F","ResultPath":null,"Assign":{"e.$":"$"}}],
      "Next":"U"},
      "U":{"Type":"Task","Resource":"arn:x","TimeoutSecondsPath":"$.t",
           "HeartbeatSecondsPath":"$.h","End":true},
      "F":{"Type":"Fail","Error":"E","Cause":"C"}}})");
  ASSERT_NE(sm, nullptr);
  const State& t = sm->states[0];
  EXPECT_EQ(t.resource, "arn:aws:states:::lambda:invoke");
  EXPECT_EQ(t.timeout_seconds, 30);
  EXPECT_EQ(t.heartbeat_seconds, 10);
  EXPECT_EQ(common::SerializeJson(t.credentials), R"({"RoleArn":"arn:aws:iam::1:role/r"})");
  EXPECT_TRUE(t.result_selector.has_value());
  ASSERT_EQ(t.retry.size(), 2u);
  EXPECT_EQ(t.retry[0].error_equals, std::vector<std::string>{"Lambda.ServiceException"});
  EXPECT_EQ(t.retry[0].interval_seconds, 2);
  EXPECT_EQ(t.retry[0].max_attempts, 0);
  EXPECT_EQ(t.retry[0].backoff_rate, 1.5);
  EXPECT_EQ(t.retry[0].max_delay_seconds, 10);
  EXPECT_EQ(t.retry[0].jitter, JitterStrategy::kFull);
  EXPECT_EQ(t.retry[1].interval_seconds, 1);
  EXPECT_EQ(t.retry[1].max_attempts, 3);
  EXPECT_EQ(t.retry[1].backoff_rate, 2.0);
  EXPECT_FALSE(t.retry[1].max_delay_seconds.has_value());
  EXPECT_EQ(t.retry[1].jitter, JitterStrategy::kNone);
  ASSERT_EQ(t.catchers.size(), 2u);
  EXPECT_EQ(t.catchers[0].next, "F");
  ASSERT_TRUE(t.catchers[0].result_path.path.has_value());
  EXPECT_EQ(t.catchers[0].result_path.path->text(), "$.err");
  EXPECT_TRUE(t.catchers[1].result_path.is_null);
  EXPECT_TRUE(t.catchers[1].assign.has_value());
  const State& u = sm->states[1];
  ASSERT_TRUE(u.timeout_seconds_path.has_value());
  EXPECT_EQ(u.timeout_seconds_path->text(), "$.t");
  ASSERT_TRUE(u.heartbeat_seconds_path.has_value());
  const State& f = sm->states[2];
  EXPECT_EQ(f.error, "E");
  EXPECT_EQ(f.cause, "C");
  EXPECT_TRUE(f.is_terminal());
}

TEST(DefinitionParse, ChoiceRulesAndDefault) {
  auto sm = MustParse(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
      {"Variable":"$.n","NumericGreaterThanPath":"$.m","Next":"A","Assign":{"x":1}},
      {"And":[{"Variable":"$.s","StringMatches":"a*"},{"Not":{"Variable":"$.b","IsNull":true}}],
       "Next":"A","Comment":"both"}],"Default":"A"},
      "A":{"Type":"Succeed"}}})");
  ASSERT_NE(sm, nullptr);
  const State& c = sm->states[0];
  EXPECT_EQ(c.default_next, "A");
  EXPECT_FALSE(c.is_terminal());
  ASSERT_EQ(c.choices.size(), 2u);
  const ChoiceRule& r0 = c.choices[0];
  EXPECT_EQ(r0.kind, ChoiceRule::Kind::kComparison);
  EXPECT_EQ(r0.op, "NumericGreaterThanPath");
  ASSERT_TRUE(r0.variable.has_value());
  EXPECT_EQ(r0.variable->text(), "$.n");
  ASSERT_TRUE(r0.operand_path.has_value());
  EXPECT_EQ(r0.operand_path->text(), "$.m");
  EXPECT_EQ(r0.next, "A");
  EXPECT_TRUE(r0.assign.has_value());
  const ChoiceRule& r1 = c.choices[1];
  EXPECT_EQ(r1.kind, ChoiceRule::Kind::kAnd);
  ASSERT_EQ(r1.children.size(), 2u);
  EXPECT_EQ(r1.children[0].op, "StringMatches");
  EXPECT_EQ(r1.children[0].literal, json::value("a*"));
  EXPECT_EQ(r1.children[1].kind, ChoiceRule::Kind::kNot);
  ASSERT_EQ(r1.children[1].children.size(), 1u);
  EXPECT_EQ(r1.children[1].children[0].op, "IsNull");
  EXPECT_EQ(r1.children[1].children[0].literal, json::value(true));
  EXPECT_EQ(r1.next, "A");
}

TEST(DefinitionParse, WaitVariants) {
  auto sm = MustParse(R"({"StartAt":"A","States":{
      "A":{"Type":"Wait","Seconds":0,"Next":"B"},
      "B":{"Type":"Wait","Timestamp":"2026-11-27T12:00:00.5+02:00","Next":"C"},
      "C":{"Type":"Wait","SecondsPath":"$.s","Next":"D"},
      "D":{"Type":"Wait","TimestampPath":"$.t","End":true}}})");
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->states[0].seconds, 0);
  ASSERT_TRUE(sm->states[1].timestamp.has_value());
  EXPECT_EQ(common::FormatIso8601Millis(*sm->states[1].timestamp), "2026-11-27T10:00:00.500Z");
  ASSERT_TRUE(sm->states[2].seconds_path.has_value());
  EXPECT_EQ(sm->states[2].seconds_path->text(), "$.s");
  ASSERT_TRUE(sm->states[3].timestamp_path.has_value());
}

TEST(DefinitionParse, FailWithPathsAndIntrinsics) {
  auto sm = MustParse(R"json({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"F"},
      "F":{"Type":"Fail","ErrorPath":"$.error","CausePath":"States.Format('bad {}', $.x)"}}})json");
  ASSERT_NE(sm, nullptr);
  const State& f = sm->states[1];
  ASSERT_TRUE(f.error_path.has_value());
  EXPECT_EQ(f.error_path->text(), "$.error");
  EXPECT_FALSE(f.error_call.has_value());
  EXPECT_FALSE(f.cause_path.has_value());
  ASSERT_TRUE(f.cause_call.has_value());
  EXPECT_EQ(f.cause_call->text(), "States.Format('bad {}', $.x)");
}

TEST(DefinitionParse, ParallelBranchesAreSubMachines) {
  auto sm = MustParse(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Next":"D",
      "ResultSelector":{"a.$":"$[0]"},"ResultPath":"$.r",
      "Branches":[{"StartAt":"B1","Comment":"one","States":{"B1":{"Type":"Pass","End":true}}},
                  {"StartAt":"B2","States":{"B2":{"Type":"Succeed"}}}]},
      "D":{"Type":"Succeed"}}})");
  ASSERT_NE(sm, nullptr);
  const State& p = sm->states[0];
  ASSERT_EQ(p.branches.size(), 2u);
  EXPECT_EQ(p.branches[0]->start_at, "B1");
  EXPECT_EQ(p.branches[0]->comment, "one");
  EXPECT_NE(p.branches[0]->Find("B1"), nullptr);
  EXPECT_EQ(p.branches[1]->states[0].type, StateType::kSucceed);
  EXPECT_EQ(sm->Find("B1"), nullptr);
  EXPECT_TRUE(p.result_selector.has_value());
}

TEST(DefinitionParse, DistributedMapWithEveryField) {
  auto sm = MustParse(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
      "ItemSelector":{"i.$":"$$.Map.Item.Value"},"MaxConcurrency":5,
      "ToleratedFailurePercentage":12.5,"ToleratedFailureCountPath":"$.tc",
      "ItemBatcher":{"MaxItemsPerBatch":10,"MaxInputBytesPerBatchPath":"$.b","BatchInput":{"k":1}},
      "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"}},
      "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b"}},
      "Label":"Batch1","ResultPath":null,"End":true,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
        "StartAt":"W","States":{"W":{"Type":"Pass","End":true}}}}}})");
  ASSERT_NE(sm, nullptr);
  const State& m = sm->states[0];
  EXPECT_EQ(m.processor.mode, ItemProcessor::Mode::kDistributed);
  EXPECT_EQ(m.processor.execution_type, "EXPRESS");
  ASSERT_NE(m.processor.definition, nullptr);
  EXPECT_EQ(m.processor.definition->start_at, "W");
  ASSERT_TRUE(m.items_path.has_value());
  EXPECT_EQ(m.items_path->text(), "$.items");
  EXPECT_TRUE(m.item_selector.has_value());
  EXPECT_FALSE(m.parameters.has_value());
  EXPECT_EQ(m.max_concurrency, 5);
  EXPECT_EQ(m.tolerated_failure_percentage, 12.5);
  ASSERT_TRUE(m.tolerated_failure_count_path.has_value());
  ASSERT_TRUE(m.item_batcher.has_value());
  EXPECT_EQ(m.item_batcher->max_items_per_batch, 10);
  ASSERT_TRUE(m.item_batcher->max_input_bytes_per_batch_path.has_value());
  EXPECT_TRUE(m.item_batcher->batch_input.has_value());
  EXPECT_EQ(m.item_reader.at("Resource"), json::value("arn:aws:states:::s3:getObject"));
  EXPECT_TRUE(m.result_writer.is_object());
  EXPECT_EQ(m.label, "Batch1");
  EXPECT_TRUE(m.result_path.is_null);
}

TEST(DefinitionParse, LegacyIteratorWithParametersIsInlineMap) {
  auto sm = MustParse(
      R"({"StartAt":"M","States":{"M":{"Type":"Map","Parameters":{"x.$":"$$.Map.Item.Value"},
      "MaxConcurrencyPath":"$.mc","ToleratedFailurePercentage":50,"End":true,
      "Iterator":{"StartAt":"W","States":{"W":{"Type":"Pass","End":true}}}}}})");
  ASSERT_NE(sm, nullptr);
  const State& m = sm->states[0];
  EXPECT_EQ(m.processor.mode, ItemProcessor::Mode::kInline);
  ASSERT_NE(m.processor.definition, nullptr);
  EXPECT_TRUE(m.parameters.has_value());
  EXPECT_FALSE(m.item_selector.has_value());
  EXPECT_FALSE(m.items_path.has_value());
  ASSERT_TRUE(m.max_concurrency_path.has_value());
  EXPECT_EQ(m.tolerated_failure_percentage, 50.0);
  EXPECT_TRUE(m.item_reader.is_null());
}

TEST(DefinitionParse, AcceptsAParsedJsonValue) {
  auto value = common::ParseJson(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})", "t");
  ASSERT_TRUE(value.ok());
  auto sm = ParseDefinition(*value);
  ASSERT_TRUE(sm.ok()) << sm.status();
  EXPECT_EQ((*sm)->states.size(), 1u);
}

}  // namespace
}  // namespace sluice::asl

TEST(DefinitionJsonata, OperatorsAwsRejectsAreAcceptedWithAWarning) {
  std::string_view definition = R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{
      "Type":"Pass","Output":{"v":"{% $states.input.v ?? 0 %}"},"End":true}}})";
  auto sm = sluice::asl::ParseDefinition(definition);
  ASSERT_TRUE(sm.ok()) << sm.status();
  ASSERT_EQ((*sm)->warnings.size(), 1u);
  EXPECT_EQ((*sm)->warnings[0].location, "/States/A/Output/v");
  EXPECT_EQ((*sm)->warnings[0].message,
            "The JSONata operators '?" "?' and '?:' are JSONata 2.1.0; AWS Step Functions (JSONata "
            "2.0.6) rejects this definition");
}

TEST(DefinitionJsonata, AJsonataStateInAJsonPathMachineKeepsItsOwnFields) {
  std::string_view definition = R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Parameters":{"x.$":"$.x"},"Next":"B"},
      "B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.x %}","End":true}}})";
  auto sm = sluice::asl::ParseDefinition(definition);
  ASSERT_TRUE(sm.ok()) << sm.status();
  EXPECT_FALSE((*sm)->states[0].jsonata);
  EXPECT_TRUE((*sm)->states[1].jsonata);
  EXPECT_TRUE((*sm)->states[1].jsonata_fields.output.has_value());
  EXPECT_TRUE((*sm)->warnings.empty());
}
