// The reports of model builds and tests, and TestModels.

#include "sluice/warehouse/models.h"

#include <algorithm>
#include <cmath>

#include "sluice/warehouse/model_graph_internal.h"
#include "sluice/warehouse/model_tests_internal.h"

namespace sluice::warehouse {
namespace {

namespace json = common::json;

std::string_view OutcomeName(ModelReport::Outcome outcome) {
  switch (outcome) {
    case ModelReport::Outcome::kBuilt:
      return "built";
    case ModelReport::Outcome::kUpToDate:
      return "up-to-date";
    case ModelReport::Outcome::kFailed:
      return "failed";
    case ModelReport::Outcome::kSkipped:
      return "skipped";
  }
  return "?";
}

json::array TestsJson(const std::vector<TestResult>& tests) {
  json::array out;
  for (const TestResult& t : tests) {
    json::object o;
    o["test"] = t.test;
    o["status"] = !t.error.empty() ? "error" : t.passed ? "pass" : "fail";
    o["failing"] = t.failing;
    if (!t.samples.empty()) {
      json::array samples;
      for (const std::string& s : t.samples) samples.emplace_back(json::string(s));
      o["samples"] = std::move(samples);
    }
    if (!t.error.empty()) o["error"] = t.error;
    out.emplace_back(std::move(o));
  }
  return out;
}

// Seconds to the millisecond, so reports stay readable.
double Round(double seconds) { return std::round(seconds * 1000) / 1000; }

}  // namespace

bool BuildReport::ok() const {
  return std::all_of(models.begin(), models.end(), [](const ModelReport& m) { return m.ok(); });
}

json::value BuildReport::ToJson() const {
  json::array list;
  for (const ModelReport& m : models) {
    json::object o;
    o["model"] = m.model;
    o["status"] = OutcomeName(m.outcome);
    o["materialized"] = MaterializationName(m.materialized);
    o["mode"] = m.mode;
    if (!m.reason.empty()) o["reason"] = m.reason;
    if (m.partitions) o["partitions"] = PartitionsToJson(*m.partitions);
    if (m.mode != "view") o["rows"] = m.rows;
    o["seconds"] = Round(m.seconds);
    o["tests"] = TestsJson(m.tests);
    list.emplace_back(std::move(o));
  }
  json::object out;
  out["ok"] = ok();
  out["seconds"] = Round(seconds);
  out["models"] = std::move(list);
  return out;
}

bool TestReport::ok() const {
  return std::all_of(models.begin(), models.end(),
                     [](const ModelTests& m) { return AllPassed(m.tests); });
}

json::value TestReport::ToJson() const {
  json::array list;
  for (const ModelTests& m : models) {
    json::object o;
    o["model"] = m.model;
    o["tests"] = TestsJson(m.tests);
    list.emplace_back(std::move(o));
  }
  json::object out;
  out["ok"] = ok();
  out["models"] = std::move(list);
  return out;
}

Result<TestReport> TestModels(Warehouse& warehouse, const std::vector<Model>& models,
                              const std::vector<std::string>& select) {
  SLUICE_ASSIGN_OR_RETURN(ModelGraph graph, ModelGraph::Make(models));
  SLUICE_ASSIGN_OR_RETURN(std::vector<size_t> selected, graph.Select(select));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, warehouse.Connect());
  TestReport report;
  for (size_t m : selected) {
    const Model& model = models[m];
    TestReport::ModelTests entry;
    entry.model = model.name;
    SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info, session->DescribeTable(model.table()));
    if (!info) {
      for (const ColumnTest& test : model.tests) {
        TestResult missing;
        missing.test = test.Name();
        missing.error = model.table().ToString() + " does not exist; build the model first";
        entry.tests.push_back(std::move(missing));
      }
    } else {
      entry.tests = RunModelTests(*session, model, model.table());
    }
    report.models.push_back(std::move(entry));
  }
  return report;
}

}  // namespace sluice::warehouse
