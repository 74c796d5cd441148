#include "sluice/project/project_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sluice/common/file_util.h"

namespace sluice::project {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> ProblemsOf(std::string_view yaml) {
  std::vector<Problem> problems;
  auto spec = ParseProjectSpec(yaml, "sluice.yaml", &problems);
  EXPECT_FALSE(spec.ok());
  std::vector<std::string> out;
  for (const Problem& p : problems) out.push_back(p.ToString());
  return out;
}

TEST(ProjectSpec, ParsesEverySection) {
  auto spec = ParseProjectSpec(R"(
name: orders
storage: s3://acme/sluice
warehouse: postgres://localhost/orders
buckets: [landing, archive]
triggers:
  - name: landed
    bucket: landing
    filter: {prefix: raw/, suffix: .csv}
    state_machine: orders
    input:
      key.$: $.s3.object.key
      source: landing
  - name: removed
    bucket: landing
    events: [s3:ObjectRemoved:*]
    filter:
      FilterRules: [{Name: Prefix, Value: raw/}]
    state_machine: orders
state_machines:
  orders:
  other: sm/other.json
jobs:
  orders: jobs/orders.yaml
models: gold
functions:
  summarize: functions/summarize.py --fast
topics:
  alerts:
    - log
    - webhook: https://hooks.example.com/x
      retries: 5
    - command: ./page.sh
alarms:
  - name: failing
    metric: sluice_executions_total
    dimensions: {status: FAILED}
    statistic: p99
    period: 300
    threshold: 1.5
    comparison: GreaterThanOrEqualToThreshold
    evaluation_periods: 3
    datapoints_to_alarm: 2
    treat_missing_data: notBreaching
    topics: [alerts]
lifecycle:
  landing:
    Rules:
      - ID: expire
        Status: Enabled
        Filter: {Prefix: raw/}
        Expiration: {Days: 30}
)",
                               "sluice.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "orders");
  EXPECT_EQ(spec->storage, "s3://acme/sluice");
  EXPECT_EQ(spec->warehouse, "postgres://localhost/orders");
  EXPECT_THAT(spec->buckets, ElementsAre("landing", "archive"));
  ASSERT_EQ(spec->triggers.size(), 2u);
  const Trigger& t = spec->triggers[0];
  EXPECT_EQ(t.prefix, "raw/");
  EXPECT_EQ(t.suffix, ".csv");
  EXPECT_THAT(t.events, ElementsAre("s3:ObjectCreated:*"));
  EXPECT_EQ(common::SerializeJson(t.input), R"({"key.$":"$.s3.object.key","source":"landing"})");
  EXPECT_EQ(t.mark.line, 7);
  EXPECT_EQ(spec->triggers[1].prefix, "raw/");
  EXPECT_THAT(spec->triggers[1].events, ElementsAre("s3:ObjectRemoved:*"));
  ASSERT_EQ(spec->state_machines.size(), 2u);
  EXPECT_EQ(spec->state_machines[0].path, "statemachines/orders.asl.json");
  EXPECT_EQ(spec->state_machines[1].path, "sm/other.json");
  EXPECT_TRUE(spec->jobs_declared);
  EXPECT_EQ(spec->models, "gold");
  EXPECT_EQ(spec->functions.at("summarize"), "functions/summarize.py --fast");
  const auto& subs = spec->topics.at("alerts");
  ASSERT_EQ(subs.size(), 3u);
  EXPECT_EQ(subs[1].kind, Subscription::Kind::kWebhook);
  EXPECT_EQ(subs[1].retries, 5);
  EXPECT_EQ(subs[2].kind, Subscription::Kind::kCommand);
  ASSERT_EQ(spec->alarms.size(), 1u);
  EXPECT_EQ(spec->alarms[0].statistic, "p99");
  EXPECT_EQ(spec->alarms[0].threshold, 1.5);
  EXPECT_EQ(spec->alarms[0].datapoints_to_alarm, 2);
  EXPECT_EQ(spec->alarms[0].dimensions.at("status"), "FAILED");
  EXPECT_EQ(common::SerializeJson(spec->lifecycle.at("landing")),
            R"({"Rules":[{"ID":"expire","Status":"Enabled","Filter":{"Prefix":"raw/"},)"
            R"("Expiration":{"Days":30}}]})");
}

TEST(ProjectSpec, DefaultsLeaveSectionsUndeclared) {
  auto spec = ParseProjectSpec("name: tiny\n", "sluice.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_FALSE(spec->state_machines_declared);
  EXPECT_FALSE(spec->jobs_declared);
  EXPECT_FALSE(spec->models_declared);
  EXPECT_EQ(spec->models, "models");
  EXPECT_EQ(spec->storage, "");
  EXPECT_EQ(spec->warehouse, "");
}

TEST(ProjectSpec, ReportsEveryProblemWithLineColumnAndFieldPath) {
  EXPECT_THAT(
      ProblemsOf(R"(name: orders
buckets: [landing, Bad_Bucket]
triggers:
  - name: t1
    bucket: landing
    events: [s3:ObjectCreated:Put, s3:Nope]
    filter: {prefix: raw/, suffix: "*.csv"}
  - bucket: landing
    state_machine: [a]
alarms:
  - name: a
    metric: m
    threshold: high
    period: 45
    comparison: Bigger
unknown: 1
)"),
      ElementsAre("sluice.yaml:16:1: unknown: unknown field; expected one of name, description, "
                  "storage, warehouse, buckets, triggers, state_machines, jobs, models, "
                  "functions, topics, alarms, lifecycle",
                  HasSubstr("sluice.yaml:2:20: buckets[1]: "),
                  "sluice.yaml:4:5: triggers[0].state_machine: required",
                  "sluice.yaml:6:36: triggers[0].events[1]: The event is not supported for "
                  "notifications: \"s3:Nope\" (expected an S3 event type such as "
                  "s3:ObjectCreated:*)",
                  HasSubstr("sluice.yaml:7:36: triggers[0].filter.suffix: filter values are "
                            "matched literally"),
                  "sluice.yaml:8:5: triggers[1].name: required",
                  "sluice.yaml:9:20: triggers[1].state_machine: expected a string",
                  "sluice.yaml:14:13: alarms[0].period: The parameter Period must be 10, 20, 30, "
                  "or a multiple of 60, got 45",
                  "sluice.yaml:13:16: alarms[0].threshold: expected a number",
                  "sluice.yaml:15:17: alarms[0].comparison: expected one of GreaterThanThreshold, "
                  "GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold, "
                  "got \"Bigger\""));
}

TEST(ProjectSpec, InvalidYamlNamesTheLine) {
  EXPECT_THAT(ProblemsOf("name: a\ntriggers: [\n"),
              ElementsAre(HasSubstr("sluice.yaml:3:1: invalid YAML")));
}

TEST(ProjectSpec, MissingNameIsReported) {
  EXPECT_THAT(ProblemsOf("buckets: [landing]\n"),
              ElementsAre("sluice.yaml:1:1: name: required: the project's name"));
}

TEST(ProjectSpec, InputTemplatePathsAreCompiledAsAslParameters) {
  EXPECT_THAT(ProblemsOf(R"(name: p
triggers:
  - name: t
    bucket: b
    state_machine: s
    input: {key.$: "s3.object.key"}
)"),
              ElementsAre(HasSubstr("sluice.yaml:6:12: triggers[0].input/key.$: ")));
}

TEST(ProjectSpec, FilterRulesFollowS3Rules) {
  EXPECT_THAT(ProblemsOf(R"(name: p
triggers:
  - name: t
    bucket: b
    state_machine: s
    filter:
      FilterRules:
        - {Name: prefix, Value: a/}
        - {Name: Prefix, Value: b/}
        - {Name: middle, Value: x}
)"),
              ElementsAre("sluice.yaml:9:11: triggers[0].filter.FilterRules[1]: Cannot specify "
                          "more than one prefix rule in a filter.",
                          "sluice.yaml:10:18: triggers[0].filter.FilterRules[2].Name: filter rule "
                          "name must be either prefix or suffix"));
}

TEST(ProjectSpec, SubscriptionsAndLifecycleRulesAreChecked) {
  EXPECT_THAT(
      ProblemsOf(R"(name: p
topics:
  alerts:
    - webhook: ftp://x
    - {log: null, command: x}
    - command: x
      retries: 2
lifecycle:
  landing:
    Rules:
      - ID: r
        Status: On
        Filter: {ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 5}
      - ID: r
        Status: Enabled
        Expiration: {Days: 1, Date: "2027-01-01"}
)"),
      ElementsAre(
          "sluice.yaml:4:16: topics.alerts[0].webhook: expected an http:// or https:// URL, got "
          "\"ftp://x\"",
          "sluice.yaml:5:7: topics.alerts[1]: expected exactly one of log, webhook: URL or "
          "command: COMMAND",
          "sluice.yaml:7:16: topics.alerts[2].retries: only allowed with webhook",
          "sluice.yaml:12:17: lifecycle.landing.Rules[0].Status: expected one of Enabled, "
          "Disabled, got \"On\"",
          "sluice.yaml:13:17: lifecycle.landing.Rules[0].Filter: expected one condition; combine "
          "several with And",
          "sluice.yaml:13:65: lifecycle.landing.Rules[0].Filter.ObjectSizeLessThan: "
          "ObjectSizeGreaterThan must be less than ObjectSizeLessThan",
          "sluice.yaml:11:9: lifecycle.landing.Rules[0]: At least one action needs to be "
          "specified in a rule",
          "sluice.yaml:14:13: lifecycle.landing.Rules[1].ID: Rule ID must be unique. Found same "
          "ID for more than one rule",
          "sluice.yaml:16:21: lifecycle.landing.Rules[1].Expiration: expected exactly one of "
          "Days, Date or ExpiredObjectDeleteMarker"));
}

TEST(YamlToJson, ReadsCoreSchemaScalars) {
  auto v = YamlToJson("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: text\ng: [x, 2]\n", "t");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(common::SerializeJson(*v),
            R"({"a":1,"b":1.5,"c":true,"d":null,"e":"1","f":"text","g":["x",2]})");
}

TEST(ProjectSpec, TheDocumentedExampleParses) {
  auto doc = common::ReadFileToString(std::string(SLUICE_SOURCE_DIR) + "/docs/project.md");
  ASSERT_TRUE(doc.ok());
  size_t marker = doc->find("<!-- example: sluice.yaml");
  ASSERT_NE(marker, std::string::npos);
  size_t begin = doc->find("```yaml\n", marker) + 8;
  size_t end = doc->find("```", begin);
  auto spec = ParseProjectSpec(doc->substr(begin, end - begin), "docs/project.md");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->triggers.size(), 3u);
  EXPECT_EQ(spec->triggers[1].suffix, ".json");
  EXPECT_EQ(spec->alarms[1].topics, std::vector<std::string>{"alerts"});
  EXPECT_EQ(spec->lifecycle.size(), 2u);
}

}  // namespace
}  // namespace sluice::project
