#include "sluice/project/project.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "sluice/common/file_util.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/project/init.h"

namespace sluice::project {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// A project folder written by InitProject (the orders example), edited per test.
class ProjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path() + "/orders";
    ASSERT_TRUE(InitProject(dir_).ok());
  }

  void Write(const std::string& path, std::string_view text) {
    ASSERT_TRUE(
        common::CreateDirectories(std::filesystem::path(dir_ + "/" + path).parent_path()).ok());
    ASSERT_TRUE(common::WriteFileAtomically(dir_ + "/" + path, text).ok());
  }
  // Replaces `from` with `to` in a project file (which must contain it).
  void Edit(const std::string& path, std::string_view from, std::string_view to) {
    std::string text = *common::ReadFileToString(dir_ + "/" + path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    Write(path, text);
  }

  std::vector<std::string> Problems() {
    std::vector<Problem> problems;
    auto project = LoadProject(dir_, &problems);
    EXPECT_FALSE(project.ok());
    std::vector<std::string> out;
    for (const Problem& p : problems) out.push_back(p.ToString());
    return out;
  }

  common::TestTempDir tmp_;
  std::string dir_;
};

TEST_F(ProjectTest, TheInitProjectLoadsWithEveryFileItUses) {
  auto project = LoadProject(dir_);
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  std::vector<std::string> paths;
  for (const ProjectFile& f : project->files) paths.push_back(f.kind + " " + f.path);
  EXPECT_THAT(paths,
              ElementsAre("function functions/summarize.py", "job jobs/orders.yaml",
                          "model models/country_revenue.sql", "model models/country_revenue.yaml",
                          "model models/customer_lifetime_value.sql", "model models/daily_revenue.sql",
                          "model models/data_quality.sql", "model models/revenue_by_day.sql",
                          "project sluice.yaml", "state_machine statemachines/orders.asl.json",
                          "state_machine statemachines/pipeline.asl.json"));
  EXPECT_EQ(project->spec.name, "orders");
  EXPECT_EQ(project->ContentHash().size(), 64u);
}

TEST_F(ProjectTest, TheExampleInTheSourceTreeIsTheOneInitWrites) {
  for (const ExampleFile& f : ExampleFiles()) {
    auto text = common::ReadFileToString(std::string(SLUICE_SOURCE_DIR) + "/examples/orders/" +
                                         std::string(f.path));
    ASSERT_TRUE(text.ok()) << f.path;
    EXPECT_EQ(*text, f.content) << f.path;
  }
}

TEST_F(ProjectTest, InitRefusesANonEmptyFolder) {
  Status st = InitProject(dir_);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("is not empty"));
}

TEST_F(ProjectTest, MissingProjectFileIsNotFound) {
  EXPECT_TRUE(LoadProject(tmp_.path()).status().IsNotFound());
}

TEST_F(ProjectTest, SectionsLeftOutAreDiscoveredFromTheFolders) {
  Write("sluice.yaml", "name: tiny\nfunctions: {summarize: functions/summarize.py}\n"
                       "topics: {orders-loaded: [log]}\n");
  auto project = LoadProject(dir_);
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  ASSERT_EQ(project->spec.state_machines.size(), 2u);
  EXPECT_EQ(project->spec.state_machines[0].name, "orders");
  EXPECT_EQ(project->spec.state_machines[1].name, "pipeline");
  ASSERT_EQ(project->spec.jobs.size(), 1u);
  EXPECT_EQ(project->spec.jobs[0].name, "orders");
}

TEST_F(ProjectTest, DiscoveredStateMachinesNeedValidNames) {
  Write("sluice.yaml", "name: tiny\nfunctions: {summarize: functions/summarize.py}\n"
                       "topics: {orders-loaded: [log]}\n");
  Write("statemachines/my machine.asl.json", "{}");
  EXPECT_THAT(Problems(), ElementsAre("statemachines/my machine.asl.json: \"my machine\" is not a "
                                      "valid state machine name: 1 to 80 letters, digits, '_', "
                                      "'.' or '-', starting with a letter or digit"));
}

TEST_F(ProjectTest, ReportsEveryProblemAcrossFiles) {
  Edit("statemachines/orders.asl.json", R"("Next": "Done")", R"("Next": "Dome")");
  Edit("sluice.yaml", "    state_machine: pipeline\n", "    state_machine: order\n");
  Edit("sluice.yaml", "triggers:\n",
       "triggers:\n  - {name: all-raw, bucket: landing, filter: {prefix: raw/}, "
       "state_machine: orders}\n");
  Edit("sluice.yaml", "topics: [alerts]", "topics: [pager]");
  Edit("sluice.yaml", "summarize: functions/summarize.py", "summarize: functions/missing.py");
  Edit("jobs/orders.yaml", "  - [quantity, string, quantity, int32]",
       "  - [quantity, string, quantity, int33]");
  EXPECT_THAT(
      Problems(),
      UnorderedElementsAre(
          "statemachines/orders.asl.json: /States/Summarize/Next: MISSING_TRANSITION_TARGET: "
          "Missing 'Next' target: Dome",
          "statemachines/orders.asl.json: /States/Done: MISSING_TRANSITION_TARGET: State "
          "\"Done\" is not reachable.",
          "jobs/orders.yaml:24: mapping of \"quantity\": unknown type \"int33\"; expected one of "
          "bool, int8, int16, int32, int64, float, double, decimal(p,s), string, date, timestamp, "
          "json",
          "sluice.yaml:17:5: triggers[1].state_machine: state machine \"order\" does not exist "
          "(the project has orders, pipeline)",
          "sluice.yaml:17:5: triggers[1]: " + std::string(kAmbiguousConfiguration) +
              " (triggers \"all-raw\" and \"orders-landed\" on bucket \"landing\": prefixes "
              "\"raw/\" and \"raw/\", suffixes \"\" and \".csv\")",
          "sluice.yaml:49:5: alarms[0].topics[0]: topic \"pager\" is not declared in topics",
          "sluice.yaml:37:3: functions.summarize: command \"functions/missing.py\" does not exist "
          "or is not executable"));
}

TEST_F(ProjectTest, TaskStatesMustNameDeclaredFunctionsJobsAndTopics) {
  Write("statemachines/orders.asl.json", R"({
  "StartAt": "Run",
  "States": {
    "Run": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
            "Parameters": {"JobName": "customers"}, "Next": "Both"},
    "Both": {"Type": "Parallel", "Next": "Tell", "Branches": [
      {"StartAt": "F", "States": {"F": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score:PROD", "End": true}}}]},
    "Tell": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
             "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:ops", "Message": "x"},
             "Next": "Page"},
    "Page": {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "page", "Payload": "{% $states.input %}"}, "End": true}
  }
})");
  EXPECT_THAT(Problems(),
              UnorderedElementsAre(
                  "statemachines/orders.asl.json: /States/Run/Parameters/JobName: job "
                  "\"customers\" does not exist in the project",
                  "statemachines/orders.asl.json: /States/Both/Branches/0/States/F/Resource: "
                  "function \"score\" is not declared in sluice.yaml functions",
                  "statemachines/orders.asl.json: /States/Tell/Parameters/TopicArn: topic \"ops\" "
                  "is not declared in sluice.yaml topics",
                  "statemachines/orders.asl.json: /States/Page/Arguments/FunctionName: function "
                  "\"page\" is not declared in sluice.yaml functions"));
}

TEST_F(ProjectTest, FilesMustStayInsideTheProject) {
  Edit("sluice.yaml", "orders: statemachines/orders.asl.json", "orders: ../orders.asl.json");
  EXPECT_THAT(Problems(), ElementsAre("sluice.yaml:28:3: state_machines.orders: "
                                      "\"../orders.asl.json\": expected a path inside the "
                                      "project folder"));
}

TEST_F(ProjectTest, OneFileCannotBeTwoStateMachines) {
  Edit("sluice.yaml", "  orders: statemachines/orders.asl.json",
       "  orders: statemachines/orders.asl.json\n  orders2: statemachines/orders.asl.json");
  EXPECT_THAT(Problems(), ElementsAre("statemachines/orders.asl.json: used as state machine "
                                      "\"orders\" and as state machine \"orders2\"; give each "
                                      "its own file"));
}

TEST_F(ProjectTest, AJobSpecMustCarryTheNameTheProjectGivesIt) {
  Edit("sluice.yaml", "  orders: jobs/orders.yaml", "  sales: jobs/orders.yaml");
  EXPECT_THAT(Problems(),
              ElementsAre("sluice.yaml:31:3: jobs.sales: the job spec jobs/orders.yaml names its "
                          "job \"orders\"; the project declares it as \"sales\"",
                          "statemachines/pipeline.asl.json: /States/LoadSilver/Parameters/JobName: "
                          "job \"orders\" does not exist in the project"));
}

TEST_F(ProjectTest, BrokenModelsAreReported) {
  Write("models/loop_a.sql", "SELECT * FROM gold.loop_b");
  Write("models/loop_b.sql", "SELECT * FROM gold.loop_a");
  EXPECT_THAT(Problems(), ElementsAre(HasSubstr("cycle")));
}

TEST_F(ProjectTest, LifecycleAndTriggersNeedDeclaredBuckets) {
  Edit("sluice.yaml", "buckets: [landing, archive]", "buckets: [archive]");
  EXPECT_THAT(Problems(),
              ElementsAre(HasSubstr("triggers[0].bucket: bucket \"landing\" is not in buckets"),
                          HasSubstr("lifecycle.landing: bucket \"landing\" is not in buckets")));
}

TEST_F(ProjectTest, InputTemplatesAreTriedOnTheTriggersEvents) {
  Edit("sluice.yaml", "    # No `input`",
       "    input: {key.$: $.s3.object.key, bytes.$: $.s3.object.size}\n    # No `input`");
  ASSERT_TRUE(LoadProject(dir_).ok());
  // Removal records carry no size, as in S3.
  Edit("sluice.yaml", "events: [\"s3:ObjectCreated:*\"]", "events: [\"s3:ObjectRemoved:*\"]");
  std::vector<std::string> problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("sluice.yaml:16:5: triggers[0].input: The JSONPath "
                                     "'$.s3.object.size' specified for the field 'bytes.$' could "
                                     "not be found"));
  EXPECT_THAT(problems[0], HasSubstr("(in a record of s3:ObjectRemoved:*)"));
  // A misspelt path resolves in no record.
  Edit("sluice.yaml", "events: [\"s3:ObjectRemoved:*\"]", "events: [\"s3:ObjectCreated:*\"]");
  Edit("sluice.yaml", "key.$: $.s3.object.key", "key.$: $.s3.objekt.key");
  EXPECT_THAT(Problems(), ElementsAre(HasSubstr("'$.s3.objekt.key' specified for the field "
                                                "'key.$' could not be found")));
}

Trigger MakeTrigger(std::string name, std::vector<std::string> events, std::string prefix,
                    std::string suffix) {
  Trigger t;
  t.name = std::move(name);
  t.bucket = "landing";
  t.state_machine = "orders";
  t.events = std::move(events);
  t.prefix = std::move(prefix);
  t.suffix = std::move(suffix);
  return t;
}

// Whether the two triggers' rules overlap as S3 decides it.
bool Overlap(const Trigger& a, const Trigger& b) {
  ProjectSpec spec;
  spec.triggers = {a, b};
  auto rules = NotificationRules(spec, "landing");
  return events::RulesOverlap(rules[0], rules[1]);
}

TEST(TriggerOverlap, FollowsS3Rules) {
  const std::vector<std::string> created = {"s3:ObjectCreated:*"};
  // Nested prefixes with the same suffix: one key could match both.
  EXPECT_TRUE(Overlap(MakeTrigger("a", created, "raw/", ".csv"),
                      MakeTrigger("b", created, "raw/2026/", ".csv")));
  // Overlapping prefixes, suffixes that cannot both end one key.
  EXPECT_FALSE(Overlap(MakeTrigger("a", created, "raw/", ".csv"),
                       MakeTrigger("b", created, "raw/", ".json")));
  // One suffix ends the other.
  EXPECT_TRUE(Overlap(MakeTrigger("a", created, "raw/", ".csv"),
                      MakeTrigger("b", created, "raw/", "orders.csv")));
  // Disjoint prefixes.
  EXPECT_FALSE(Overlap(MakeTrigger("a", created, "raw/", ".csv"),
                       MakeTrigger("b", created, "archive/", ".csv")));
  // No filter overlaps everything for a shared event type.
  EXPECT_TRUE(Overlap(MakeTrigger("a", created, "", ""), MakeTrigger("b", created, "x/", ".gz")));
  // A wildcard and one of its events overlap; different families do not.
  EXPECT_TRUE(Overlap(MakeTrigger("a", created, "", ""),
                      MakeTrigger("b", {"s3:ObjectCreated:Put"}, "", "")));
  EXPECT_FALSE(
      Overlap(MakeTrigger("a", created, "", ""), MakeTrigger("b", {"s3:ObjectRemoved:*"}, "", "")));
  EXPECT_FALSE(Overlap(MakeTrigger("a", {"s3:ObjectCreated:Put"}, "", ""),
                       MakeTrigger("b", {"s3:ObjectCreated:Copy"}, "", "")));
}

TEST(TriggerOverlap, NotificationRulesCarryTheTriggers) {
  ProjectSpec spec;
  spec.triggers = {MakeTrigger("a", {"s3:ObjectCreated:*"}, "raw/", ".csv")};
  spec.triggers.push_back(MakeTrigger("b", {"s3:ObjectCreated:*"}, "", ""));
  spec.triggers.back().bucket = "other";
  auto rules = NotificationRules(spec, "landing");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].id, "a");
  EXPECT_EQ(rules[0].destination_arn, "orders");
  EXPECT_TRUE(rules[0].Matches("ObjectCreated:Put", "raw/2026/orders.csv"));
  EXPECT_FALSE(rules[0].Matches("ObjectCreated:Put", "raw/2026/orders.json"));
}

TEST(CommandInProject, RunsTheCommandInTheProjectFolder) {
  EXPECT_EQ(CommandInProject("/srv/orders", "functions/summarize.py --fast"),
            "cd '/srv/orders' && functions/summarize.py --fast");
  EXPECT_EQ(CommandInProject("/srv/it's", "x"), "cd '/srv/it'\\''s' && x");
  common::TestTempDir tmp;
  ASSERT_TRUE(common::WriteFileAtomically(tmp.path() + "/hello.txt", "hi").ok());
  std::string out = tmp.path() + "/out.txt";
  ASSERT_EQ(
      std::system(
          ("cd / && " + CommandInProject(tmp.path(), "cat hello.txt > '" + out + "'")).c_str()),
      0);
  EXPECT_EQ(*common::ReadFileToString(out), "hi");
}

}  // namespace
}  // namespace sluice::project
