// Parsing and validation of ASL definitions (JSONPath mode).
//
// One pass over the JSON builds the model and records every problem as a Diagnostic whose
// location is a JSON-Pointer-like path in AWS's style (`/States/A/Next`,
// `/States/C/Choices[0]/Next`, `/States/P/Branches[0]/States/X`) and whose message starts
// with the diagnostic code AWS's ValidateStateMachineDefinition uses
// (SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, MISSING_END_STATE,
// DUPLICATE_STATE_NAME, INVALID_STATE_NAME, INVALID_LABEL_NAME, INVALID_JSON_DESCRIPTION).
// Wordings observed from AWS are reused verbatim; docs/asl.md lists which are AWS's and
// which are sluice's own.

#include "sluice/asl/definition.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <initializer_list>
#include <set>
#include <span>
#include <utility>

#include "sluice/asl/errors.h"
#include "sluice/asl/intrinsics.h"
#include "sluice/jsonata/step_functions.h"

namespace sluice::asl {

std::string_view StateTypeName(StateType type) {
  switch (type) {
    case StateType::kTask:
      return "Task";
    case StateType::kPass:
      return "Pass";
    case StateType::kChoice:
      return "Choice";
    case StateType::kWait:
      return "Wait";
    case StateType::kSucceed:
      return "Succeed";
    case StateType::kFail:
      return "Fail";
    case StateType::kParallel:
      return "Parallel";
    case StateType::kMap:
      return "Map";
  }
  return "Unknown";
}

namespace {

constexpr std::string_view kSchema = "SCHEMA_VALIDATION_FAILED: ";
constexpr size_t kMaxStateNameLength = 80;
constexpr size_t kMaxLabelLength = 40;

using FieldList = std::initializer_list<std::string_view>;
using FieldSpan = std::span<const std::string_view>;

template <typename Range>
bool Contains(const Range& list, std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// Every field the States Language defines on some state (either query language). A field
// in this set but not allowed on a state type is "not supported"; anything else is "not
// allowed" (unknown).
constexpr std::string_view kAllStateFields[] = {"Type",
                                                "Comment",
                                                "QueryLanguage",
                                                "Next",
                                                "End",
                                                "InputPath",
                                                "OutputPath",
                                                "ResultPath",
                                                "Parameters",
                                                "ResultSelector",
                                                "Result",
                                                "Retry",
                                                "Catch",
                                                "Assign",
                                                "Resource",
                                                "TimeoutSeconds",
                                                "TimeoutSecondsPath",
                                                "HeartbeatSeconds",
                                                "HeartbeatSecondsPath",
                                                "Credentials",
                                                "Choices",
                                                "Default",
                                                "Seconds",
                                                "Timestamp",
                                                "SecondsPath",
                                                "TimestampPath",
                                                "Error",
                                                "ErrorPath",
                                                "Cause",
                                                "CausePath",
                                                "Branches",
                                                "ItemProcessor",
                                                "Iterator",
                                                "ItemsPath",
                                                "ItemSelector",
                                                "MaxConcurrency",
                                                "MaxConcurrencyPath",
                                                "ToleratedFailurePercentage",
                                                "ToleratedFailurePercentagePath",
                                                "ToleratedFailureCount",
                                                "ToleratedFailureCountPath",
                                                "ItemBatcher",
                                                "ItemReader",
                                                "ResultWriter",
                                                "Label",
                                                "Arguments",
                                                "Output",
                                                "Items"};

// Fields only JSONata mode accepts.
constexpr std::string_view kJsonataOnlyFields[] = {"Arguments", "Output", "Items"};
// Fields only JSONPath mode accepts.
constexpr std::string_view kJsonPathOnlyFields[] = {
    "InputPath",          "OutputPath",    "ResultPath",       "Parameters",
    "ResultSelector",     "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath",
    "TimestampPath",      "ErrorPath",     "CausePath",        "ItemsPath",
    "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath",
    "Iterator"};

// The fields of each state type in JSONata mode.
constexpr std::string_view kJsonataPassFields[] = {"Type", "Comment", "QueryLanguage", "Next",
                                                   "End",  "Output",  "Assign"};
constexpr std::string_view kJsonataTaskFields[] = {
    "Type",  "Comment", "QueryLanguage", "Next",           "End",              "Arguments",
    "Output", "Assign", "Retry",         "Catch",          "Resource",         "TimeoutSeconds",
    "HeartbeatSeconds", "Credentials"};
constexpr std::string_view kJsonataChoiceFields[] = {"Type",    "Comment", "QueryLanguage", "Choices",
                                                     "Default", "Output",  "Assign"};
constexpr std::string_view kJsonataWaitFields[] = {"Type",    "Comment",   "QueryLanguage", "Next", "End",
                                                   "Seconds", "Timestamp", "Output",        "Assign"};
constexpr std::string_view kJsonataSucceedFields[] = {"Type", "Comment", "QueryLanguage", "Output"};
constexpr std::string_view kJsonataFailFields[] = {"Type", "Comment", "QueryLanguage", "Error",
                                                   "Cause"};
constexpr std::string_view kJsonataParallelFields[] = {"Type",  "Comment", "QueryLanguage", "Next",
                                                       "End",   "Arguments", "Output",      "Assign",
                                                       "Retry", "Catch",   "Branches"};
constexpr std::string_view kJsonataMapFields[] = {
    "Type",          "Comment",        "QueryLanguage", "Next",           "End",
    "Output",        "Assign",         "Retry",         "Catch",          "ItemProcessor",
    "Items",         "ItemSelector",   "MaxConcurrency", "ToleratedFailurePercentage",
    "ToleratedFailureCount", "ItemBatcher", "ItemReader", "ResultWriter", "Label"};

constexpr std::string_view kPassFields[] = {
    "Type",       "Comment",    "QueryLanguage", "Next",   "End",   "InputPath",
    "OutputPath", "ResultPath", "Parameters",    "Result", "Assign"};
constexpr std::string_view kTaskFields[] = {"Type",
                                            "Comment",
                                            "QueryLanguage",
                                            "Next",
                                            "End",
                                            "InputPath",
                                            "OutputPath",
                                            "ResultPath",
                                            "Parameters",
                                            "ResultSelector",
                                            "Retry",
                                            "Catch",
                                            "Assign",
                                            "Resource",
                                            "TimeoutSeconds",
                                            "TimeoutSecondsPath",
                                            "HeartbeatSeconds",
                                            "HeartbeatSecondsPath",
                                            "Credentials"};
constexpr std::string_view kChoiceFields[] = {"Type",       "Comment", "QueryLanguage", "InputPath",
                                              "OutputPath", "Choices", "Default",       "Assign"};
constexpr std::string_view kWaitFields[] = {"Type",      "Comment",     "QueryLanguage", "Next",
                                            "End",       "InputPath",   "OutputPath",    "Seconds",
                                            "Timestamp", "SecondsPath", "TimestampPath", "Assign"};
constexpr std::string_view kSucceedFields[] = {"Type", "Comment", "QueryLanguage", "InputPath",
                                               "OutputPath"};
constexpr std::string_view kFailFields[] = {"Type",      "Comment", "QueryLanguage", "Error",
                                            "ErrorPath", "Cause",   "CausePath"};
constexpr std::string_view kParallelFields[] = {
    "Type",       "Comment",    "QueryLanguage",  "Next",  "End",   "InputPath", "OutputPath",
    "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Assign",    "Branches"};
constexpr std::string_view kMapFields[] = {"Type",
                                           "Comment",
                                           "QueryLanguage",
                                           "Next",
                                           "End",
                                           "InputPath",
                                           "OutputPath",
                                           "ResultPath",
                                           "Parameters",
                                           "ResultSelector",
                                           "Retry",
                                           "Catch",
                                           "Assign",
                                           "ItemProcessor",
                                           "Iterator",
                                           "ItemsPath",
                                           "ItemSelector",
                                           "MaxConcurrency",
                                           "MaxConcurrencyPath",
                                           "ToleratedFailurePercentage",
                                           "ToleratedFailurePercentagePath",
                                           "ToleratedFailureCount",
                                           "ToleratedFailureCountPath",
                                           "ItemBatcher",
                                           "ItemReader",
                                           "ResultWriter",
                                           "Label"};
FieldSpan AllowedFields(StateType type) {
  switch (type) {
    case StateType::kPass:
      return kPassFields;
    case StateType::kTask:
      return kTaskFields;
    case StateType::kChoice:
      return kChoiceFields;
    case StateType::kWait:
      return kWaitFields;
    case StateType::kSucceed:
      return kSucceedFields;
    case StateType::kFail:
      return kFailFields;
    case StateType::kParallel:
      return kParallelFields;
    case StateType::kMap:
      return kMapFields;
  }
  return {};
}

FieldSpan AllowedJsonataFields(StateType type) {
  switch (type) {
    case StateType::kPass:
      return kJsonataPassFields;
    case StateType::kTask:
      return kJsonataTaskFields;
    case StateType::kChoice:
      return kJsonataChoiceFields;
    case StateType::kWait:
      return kJsonataWaitFields;
    case StateType::kSucceed:
      return kJsonataSucceedFields;
    case StateType::kFail:
      return kJsonataFailFields;
    case StateType::kParallel:
      return kJsonataParallelFields;
    case StateType::kMap:
      return kJsonataMapFields;
  }
  return {};
}

std::optional<StateType> ParseStateType(std::string_view name) {
  for (StateType t :
       {StateType::kTask, StateType::kPass, StateType::kChoice, StateType::kWait,
        StateType::kSucceed, StateType::kFail, StateType::kParallel, StateType::kMap}) {
    if (StateTypeName(t) == name) return t;
  }
  return std::nullopt;
}

// The comparison operators of Choice rules (JSONPath mode), without their *Path variants.
constexpr std::string_view kComparisonOperators[] = {"StringEquals",
                                                     "StringLessThan",
                                                     "StringGreaterThan",
                                                     "StringLessThanEquals",
                                                     "StringGreaterThanEquals",
                                                     "StringMatches",
                                                     "NumericEquals",
                                                     "NumericLessThan",
                                                     "NumericGreaterThan",
                                                     "NumericLessThanEquals",
                                                     "NumericGreaterThanEquals",
                                                     "BooleanEquals",
                                                     "TimestampEquals",
                                                     "TimestampLessThan",
                                                     "TimestampGreaterThan",
                                                     "TimestampLessThanEquals",
                                                     "TimestampGreaterThanEquals",
                                                     "IsNull",
                                                     "IsPresent",
                                                     "IsNumeric",
                                                     "IsString",
                                                     "IsBoolean",
                                                     "IsTimestamp"};

bool IsComparisonOperator(std::string_view name) {
  if (Contains(kComparisonOperators, name)) return true;
  if (!name.ends_with("Path")) return false;
  std::string_view base = name.substr(0, name.size() - 4);
  // Every operator but StringMatches and the Is* tests has a *Path variant.
  return Contains(kComparisonOperators, base) && base != "StringMatches" && !base.starts_with("Is");
}

bool IsInteger(const json::value& v) {
  return v.is_int64() || (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX));
}
int64_t AsInt(const json::value& v) {
  return v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64());
}

// AWS label rules: no whitespace, brackets, wildcards, special or control characters.
bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  constexpr std::string_view kForbidden = "<>{}[]?*\"#%\\^|~`$&,;:/";
  for (unsigned char c : label) {
    if (c <= 0x20 || c == 0x7f || kForbidden.find(static_cast<char>(c)) != std::string::npos) {
      return false;
    }
  }
  return true;
}

class DefinitionParser {
 public:
  explicit DefinitionParser(std::vector<Diagnostic>* diagnostics) : diags_(diagnostics) {}
  // What AWS would reject but sluice runs (JSONata 2.1.0 operators).
  const std::vector<Diagnostic>& warnings() const { return warnings_; }

  // Parses one (sub-)state machine. `base` is its location prefix ("" at the top).
  // `kind` selects the allowed container fields: top level, a Parallel branch or a Map
  // processor.
  enum class Container { kTop, kBranch, kProcessor };
  std::shared_ptr<StateMachine> ParseMachine(const json::object& obj, const std::string& base,
                                             Container kind);

 private:
  void Error(std::string location, std::string_view message) {
    diags_->push_back({location.empty() ? "/" : std::move(location),
                       std::string(kSchema) + std::string(message)});
  }
  void ErrorCode(std::string location, std::string message) {
    diags_->push_back({location.empty() ? "/" : std::move(location), std::move(message)});
  }

  void CheckFields(const json::object& obj, const std::string& loc, FieldList allowed) {
    std::vector<std::string> unknown;
    for (const auto& kv : obj) {
      if (!Contains(allowed, kv.key())) unknown.emplace_back(kv.key());
    }
    if (!unknown.empty()) Error(loc, "These fields are not allowed: " + Join(unknown, ", "));
  }

  void ExactlyOneOf(const json::object& obj, const std::string& loc,
                    std::vector<std::string_view> fields) {
    std::vector<std::string> present;
    for (auto f : fields) {
      if (obj.contains(f)) present.emplace_back(f);
    }
    if (present.size() > 1) {
      Error(loc, "There should only be one of the following fields: [" + Join(present, ", ") + "]");
    }
  }

  const json::string* String(const json::object& obj, std::string_view key,
                             const std::string& loc) {
    auto it = obj.find(key);
    if (it == obj.end()) return nullptr;
    if (!it->value().is_string()) {
      Error(loc + "/" + std::string(key), "Expected value of type [STRING]");
      return nullptr;
    }
    return &it->value().get_string();
  }

  // A path field that must hold a valid JSONPath (`reference`: a reference path).
  std::optional<JsonPath> Path(const json::value& v, const std::string& loc, bool reference) {
    if (!v.is_string()) {
      Error(loc, "Expected value of type [STRING]");
      return std::nullopt;
    }
    Result<JsonPath> path = JsonPath::Parse(std::string_view(v.get_string()));
    if (!path.ok()) {
      Error(loc, "Value must be a valid JSONPath.");
      return std::nullopt;
    }
    if (reference && !path->is_reference()) {
      Error(loc, "Value must be a valid reference path.");
      return std::nullopt;
    }
    return std::move(path).value();
  }
  std::optional<JsonPath> PathField(const json::object& obj, std::string_view key,
                                    const std::string& loc, bool reference) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    return Path(it->value(), loc + "/" + std::string(key), reference);
  }

  // InputPath / OutputPath / ResultPath: absent → `$`, null → discard.
  OptionalPath OptPath(const json::object& obj, std::string_view key, const std::string& loc,
                       bool result_path) {
    OptionalPath out;
    auto it = obj.find(key);
    if (it != obj.end() && it->value().is_null()) {
      out.is_null = true;
      return out;
    }
    if (it != obj.end()) {
      std::string field_loc = loc + "/" + std::string(key);
      out.path = Path(it->value(), field_loc, result_path);
      if (result_path && out.path && out.path->root() != JsonPath::Root::kInput) {
        Error(field_loc, "Value must be a valid reference path.");
        out.path.reset();
      }
      if (out.path) return out;
    }
    if (auto root = JsonPath::Parse("$"); root.ok()) out.path = std::move(root).value();
    return out;
  }

  std::optional<int64_t> Integer(const json::object& obj, std::string_view key,
                                 const std::string& loc, int64_t min) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    std::string field_loc = loc + "/" + std::string(key);
    if (!IsInteger(it->value())) {
      if (it->value().is_int64() || it->value().is_uint64() || it->value().is_double()) {
        Error(field_loc, min > 0 ? "Value must be a positive integer"
                                 : "Value must be a non-negative integer");
      } else {
        Error(field_loc, "Expected value of type [INTEGER]");
      }
      return std::nullopt;
    }
    int64_t v = AsInt(it->value());
    if (v < min) {
      Error(field_loc,
            min > 0 ? "Value must be a positive integer" : "Value must be a non-negative integer");
      return std::nullopt;
    }
    return v;
  }

  std::optional<PayloadTemplate> Template(const json::object& obj, std::string_view key,
                                          const std::string& loc, bool object_only) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    std::string field_loc = loc + "/" + std::string(key);
    if (object_only && !it->value().is_object()) {
      Error(field_loc, "Expected value of type [OBJECT]");
      return std::nullopt;
    }
    std::vector<Diagnostic> found;
    PayloadTemplate compiled = PayloadTemplate::Compile(it->value(), field_loc, &found);
    for (Diagnostic& d : found) {
      if (!d.message.starts_with(kSchema)) d.message = std::string(kSchema) + d.message;
      diags_->push_back(std::move(d));
    }
    return compiled;
  }

  std::vector<std::string> ErrorEquals(const json::object& obj, const std::string& loc) {
    std::vector<std::string> out;
    auto it = obj.find("ErrorEquals");
    if (it == obj.end()) {
      Error(loc, "These fields are required: [ErrorEquals]");
      return out;
    }
    std::string field_loc = loc + "/ErrorEquals";
    if (!it->value().is_array()) {
      Error(field_loc, "Expected value of type [ARRAY]");
      return out;
    }
    const json::array& arr = it->value().get_array();
    if (arr.empty()) {
      Error(field_loc, "Value cannot be empty");
      return out;
    }
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        Error(field_loc + "[" + std::to_string(i) + "]", "Expected value of type [STRING]");
        continue;
      }
      out.emplace_back(arr[i].get_string());
    }
    if (out.size() > 1 && std::find(out.begin(), out.end(), kStatesAll) != out.end()) {
      Error(field_loc, "'States.ALL' must appear alone in 'ErrorEquals'");
    }
    return out;
  }

  // Calls fn(element, element_location, is_last) for each object of the array `v` at
  // `loc`; reports `v` not being an array and elements that are not objects.
  template <typename Fn>
  void ForEachObject(const json::value& v, const std::string& loc, Fn&& fn) {
    if (!v.is_array()) {
      Error(loc, "Expected value of type [ARRAY]");
      return;
    }
    const json::array& arr = v.get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string item_loc = loc + "[" + std::to_string(i) + "]";
      if (!arr[i].is_object()) {
        Error(item_loc, "Expected value of type [OBJECT]");
        continue;
      }
      fn(arr[i].get_object(), item_loc, i + 1 == arr.size());
    }
  }

  // The ErrorEquals of a Retrier or Catcher (`kind`), which may name States.ALL only as
  // the last one of its field (`field`: Retry or Catch).
  std::vector<std::string> HandlerErrorEquals(const json::object& obj, const std::string& loc, bool last,
                                              std::string_view kind, std::string_view field) {
    std::vector<std::string> names = ErrorEquals(obj, loc);
    if (!last && std::find(names.begin(), names.end(), kStatesAll) != names.end()) {
      Error(loc, "A " + std::string(kind) + " with 'States.ALL' must be the last one in '" + std::string(field) + "'");
    }
    return names;
  }

  std::vector<Retrier> ParseRetry(const json::value& v, const std::string& loc);
  std::vector<Catcher> ParseCatch(const json::value& v, const std::string& loc);
  std::optional<ChoiceRule> ParseChoiceRule(const json::value& v, const std::string& loc,
                                            bool top_level);
  void ParseState(State& state, const json::object& obj, const std::string& loc);
  void ParseMap(State& state, const json::object& obj, const std::string& loc);
  void ParseWait(State& state, const json::object& obj, const std::string& loc);
  void ParseFail(State& state, const json::object& obj, const std::string& loc);
  void ParseTask(State& state, const json::object& obj, const std::string& loc);
  void ParseChoice(State& state, const json::object& obj, const std::string& loc);
  void CheckQueryLanguage(const json::object& obj, const std::string& loc);
  void ParseJsonataState(State& state, const json::object& obj, const std::string& loc);
  // Parallel's Branches (the same in both query languages).
  void ParseBranches(State& state, const json::object& obj, const std::string& loc) {
    auto it = obj.find("Branches");
    if (it == obj.end()) {
      Error(loc, "These fields are required: [Branches]");
    } else if (it->value().is_array() && it->value().get_array().empty()) {
      Error(loc + "/Branches", "Value cannot be empty");
    } else {
      ForEachObject(it->value(), loc + "/Branches", [&](const json::object& branch, const std::string& bloc, bool) {
        state.branches.push_back(ParseMachine(branch, bloc, Container::kBranch));
      });
    }
  }
  std::optional<jsonata::JsonataTemplate> JsonataField(const json::object& obj, std::string_view key,
                                                       const std::string& loc, bool object_only);
  // A state field that is a JSON value of one kind ("number", "string") or an expression.
  std::optional<jsonata::JsonataTemplate> JsonataScalar(const json::object& obj, std::string_view key,
                                                        const std::string& loc, bool integer);

  std::vector<Diagnostic>* diags_;
  std::vector<Diagnostic> warnings_;
  // The top-level QueryLanguage is JSONata: every state is, and none may say JSONPath.
  bool machine_jsonata_ = false;
  // Every state name seen so far in the whole definition (AWS requires global uniqueness).
  std::set<std::string, std::less<>> all_names_;
};

void DefinitionParser::CheckQueryLanguage(const json::object& obj, const std::string& loc) {
  auto it = obj.find("QueryLanguage");
  if (it == obj.end()) return;
  std::string field_loc = loc + "/QueryLanguage";
  if (!it->value().is_string()) {
    Error(field_loc, "Expected value of type [STRING]");
  } else if (it->value().get_string() == "JSONPath" && machine_jsonata_ && loc != "") {
    // A state may move from JSONPath to JSONata, not back (AWS validates the same).
    Error(field_loc,
          "The QueryLanguage of a state cannot be 'JSONPath' when the state machine's "
          "QueryLanguage is 'JSONata'");
  } else if (it->value().get_string() != "JSONPath" && it->value().get_string() != "JSONata") {
    Error(field_loc, "Value should be one of the following: [JSONPath, JSONata]");
  }
}

std::vector<Retrier> DefinitionParser::ParseRetry(const json::value& v, const std::string& loc) {
  std::vector<Retrier> out;
  ForEachObject(v, loc, [&](const json::object& obj, const std::string& rloc, bool last) {
    CheckFields(obj, rloc,
                {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                 "JitterStrategy", "Comment"});
    Retrier r;
    r.error_equals = HandlerErrorEquals(obj, rloc, last, "Retrier", "Retry");
    if (auto n = Integer(obj, "IntervalSeconds", rloc, 1)) r.interval_seconds = double(*n);
    if (auto n = Integer(obj, "MaxAttempts", rloc, 0)) {
      r.max_attempts = static_cast<int>(std::min<int64_t>(*n, INT32_MAX));
    }
    if (auto it = obj.find("BackoffRate"); it != obj.end()) {
      if (!it->value().is_number()) {
        Error(rloc + "/BackoffRate", "Expected value of type [NUMBER]");
      } else if (it->value().to_number<double>() < 1.0) {
        Error(rloc + "/BackoffRate", "Value must be greater than or equal to 1.0");
      } else {
        r.backoff_rate = it->value().to_number<double>();
      }
    }
    r.max_delay_seconds = Integer(obj, "MaxDelaySeconds", rloc, 1);
    if (const json::string* s = String(obj, "JitterStrategy", rloc)) {
      if (*s == "FULL") {
        r.jitter = JitterStrategy::kFull;
      } else if (*s != "NONE") {
        Error(rloc + "/JitterStrategy", "Value should be one of the following: [FULL, NONE]");
      }
    }
    out.push_back(std::move(r));
  });
  return out;
}

std::vector<Catcher> DefinitionParser::ParseCatch(const json::value& v, const std::string& loc) {
  std::vector<Catcher> out;
  ForEachObject(v, loc, [&](const json::object& obj, const std::string& cloc, bool last) {
    CheckFields(obj, cloc, {"ErrorEquals", "Next", "ResultPath", "Assign", "Comment", "Output"});
    Catcher c;
    c.error_equals = HandlerErrorEquals(obj, cloc, last, "Catcher", "Catch");
    if (obj.contains("Output")) {
      Error(cloc,
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for "
            "the 'JSONata' QueryLanguage");
    }
    if (!obj.contains("Next")) {
      Error(cloc, "These fields are required: [Next]");
    } else if (const json::string* s = String(obj, "Next", cloc)) {
      c.next = std::string(*s);
    }
    c.result_path = OptPath(obj, "ResultPath", cloc, /*result_path=*/true);
    c.assign = Template(obj, "Assign", cloc, /*object_only=*/true);
    out.push_back(std::move(c));
  });
  return out;
}

std::optional<ChoiceRule> DefinitionParser::ParseChoiceRule(const json::value& v,
                                                            const std::string& loc,
                                                            bool top_level) {
  if (!v.is_object()) {
    Error(loc, "Expected value of type [OBJECT]");
    return std::nullopt;
  }
  const json::object& obj = v.get_object();
  ChoiceRule rule;
  bool ok = true;

  std::vector<std::string> unknown;
  std::vector<std::string> operators;
  std::vector<std::string> selectors;
  for (const auto& kv : obj) {
    std::string_view key = kv.key();
    if (key == "And" || key == "Or" || key == "Not" || key == "Variable") {
      selectors.emplace_back(key);
    } else if (IsComparisonOperator(key)) {
      operators.emplace_back(key);
    } else if (key == "Next" || key == "Assign") {
      if (!top_level) {
        Error(loc, "Field '" + std::string(key) + "' is not supported");
        ok = false;
      }
    } else if (key == "Comment") {
      // allowed anywhere
    } else if (key == "Condition") {
      Error(loc,
            "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported "
            "for the 'JSONata' QueryLanguage");
      ok = false;
    } else {
      unknown.emplace_back(key);
    }
  }
  if (!unknown.empty()) {
    Error(loc, "These fields are not allowed: " + Join(unknown, ", "));
    ok = false;
  }
  if (top_level) {
    if (!obj.contains("Next")) {
      Error(loc, "These fields are required: [Next]");
      ok = false;
    } else if (const json::string* s = String(obj, "Next", loc)) {
      rule.next = std::string(*s);
    } else {
      ok = false;
    }
    rule.assign = Template(obj, "Assign", loc, /*object_only=*/true);
  }

  if (selectors.size() != 1) {
    if (selectors.empty() && !operators.empty()) {
      Error(loc, "These fields are required: [Variable]");
    } else {
      Error(loc,
            "The object must have only one of the following fields, [And, Or, Not, "
            "Variable]");
    }
    return std::nullopt;
  }
  const std::string& selector = selectors.front();
  if (selector != "Variable" && !operators.empty()) {
    Error(loc, "These fields are not allowed: " + Join(operators, ", "));
    return std::nullopt;
  }

  if (selector == "And" || selector == "Or") {
    rule.kind = selector == "And" ? ChoiceRule::Kind::kAnd : ChoiceRule::Kind::kOr;
    const json::value& operands = obj.at(selector);
    std::string oloc = loc + "/" + selector;
    if (!operands.is_array()) {
      Error(oloc, "Expected value of type [ARRAY]");
      return std::nullopt;
    }
    if (operands.get_array().empty()) {
      Error(oloc, "Value cannot be empty");
      return std::nullopt;
    }
    for (size_t i = 0; i < operands.get_array().size(); ++i) {
      auto child =
          ParseChoiceRule(operands.get_array()[i], oloc + "[" + std::to_string(i) + "]", false);
      if (child) {
        rule.children.push_back(std::move(*child));
      } else {
        ok = false;
      }
    }
  } else if (selector == "Not") {
    rule.kind = ChoiceRule::Kind::kNot;
    auto child = ParseChoiceRule(obj.at("Not"), loc + "/Not", false);
    if (child) {
      rule.children.push_back(std::move(*child));
    } else {
      ok = false;
    }
  } else {
    rule.kind = ChoiceRule::Kind::kComparison;
    rule.variable = Path(obj.at("Variable"), loc + "/Variable", /*reference=*/false);
    if (!rule.variable) ok = false;
    if (operators.empty()) {
      Error(loc, "A rule with 'Variable' requires exactly one comparison operator");
      return std::nullopt;
    }
    if (operators.size() > 1) {
      Error(loc,
            "There should only be one of the following fields: [" + Join(operators, ", ") + "]");
      return std::nullopt;
    }
    rule.op = operators.front();
    const json::value& operand = obj.at(rule.op);
    std::string oploc = loc + "/" + rule.op;
    std::string_view op = rule.op;
    if (op.ends_with("Path")) {
      rule.operand_path = Path(operand, oploc, /*reference=*/false);
      if (!rule.operand_path) ok = false;
    } else if (op.starts_with("Is")) {
      if (!operand.is_bool()) {
        Error(oploc, "Expected value of type [BOOLEAN]");
        ok = false;
      }
    } else if (op.starts_with("String")) {
      if (!operand.is_string()) {
        Error(oploc, "Expected value of type [STRING]");
        ok = false;
      }
    } else if (op.starts_with("Numeric")) {
      if (!operand.is_number()) {
        Error(oploc, "Expected value of type [NUMBER]");
        ok = false;
      }
    } else if (op == "BooleanEquals") {
      if (!operand.is_bool()) {
        Error(oploc, "Expected value of type [BOOLEAN]");
        ok = false;
      }
    } else if (op.starts_with("Timestamp")) {
      if (!operand.is_string()) {
        Error(oploc, "Expected value of type [STRING]");
        ok = false;
      } else if (!common::ParseRfc3339(std::string_view(operand.get_string())).ok()) {
        Error(oploc, "Value must be a valid timestamp (RFC 3339)");
        ok = false;
      }
    }
    if (!op.ends_with("Path")) rule.literal = operand;
  }
  if (!ok) return std::nullopt;
  return rule;
}

void DefinitionParser::ParseChoice(State& state, const json::object& obj, const std::string& loc) {
  auto it = obj.find("Choices");
  if (it == obj.end()) {
    Error(loc, "These fields are required: [Choices]");
  } else if (!it->value().is_array()) {
    Error(loc + "/Choices", "Expected value of type [ARRAY]");
  } else if (it->value().get_array().empty()) {
    Error(loc + "/Choices", "Value cannot be empty");
  } else {
    const json::array& arr = it->value().get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      auto rule = ParseChoiceRule(arr[i], loc + "/Choices[" + std::to_string(i) + "]", true);
      if (rule) state.choices.push_back(std::move(*rule));
    }
  }
  if (const json::string* s = String(obj, "Default", loc)) state.default_next = std::string(*s);
}

void DefinitionParser::ParseWait(State& state, const json::object& obj, const std::string& loc) {
  int count = 0;
  for (auto f : {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}) {
    count += obj.contains(f) ? 1 : 0;
  }
  if (count == 0) {
    Error(loc, "These fields are required: [Seconds, Timestamp, SecondsPath or TimestampPath]");
  }
  ExactlyOneOf(obj, loc, {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"});
  state.seconds = Integer(obj, "Seconds", loc, 0);
  if (const json::string* s = String(obj, "Timestamp", loc)) {
    auto t = common::ParseRfc3339(std::string_view(*s));
    if (t.ok()) {
      state.timestamp = *t;
    } else {
      Error(loc + "/Timestamp", "Value must be a valid timestamp (RFC 3339)");
    }
  }
  state.seconds_path = PathField(obj, "SecondsPath", loc, /*reference=*/true);
  state.timestamp_path = PathField(obj, "TimestampPath", loc, /*reference=*/true);
}

void DefinitionParser::ParseFail(State& state, const json::object& obj, const std::string& loc) {
  ExactlyOneOf(obj, loc, {"Error", "ErrorPath"});
  ExactlyOneOf(obj, loc, {"Cause", "CausePath"});
  if (const json::string* s = String(obj, "Error", loc)) state.error = std::string(*s);
  if (const json::string* s = String(obj, "Cause", loc)) state.cause = std::string(*s);
  // ErrorPath / CausePath: a reference path or an intrinsic function call.
  auto dynamic = [&](std::string_view key, std::optional<JsonPath>& path,
                     std::optional<IntrinsicCall>& call) {
    const json::string* s = String(obj, key, loc);
    if (s == nullptr) return;
    std::string field_loc = loc + "/" + std::string(key);
    bool valid = false;
    if (IntrinsicCall::Looks(std::string_view(*s))) {
      if (auto parsed = IntrinsicCall::Parse(std::string_view(*s)); parsed.ok()) {
        call = std::move(parsed).value();
        valid = true;
      }
    } else if (auto parsed = JsonPath::Parse(std::string_view(*s));
               parsed.ok() && parsed->is_reference()) {
      path = std::move(parsed).value();
      valid = true;
    }
    if (!valid) {
      Error(field_loc, "The value for the field '" + std::string(key) +
                           "' must be a valid JSONPath or a valid intrinsic function call");
    }
  };
  dynamic("ErrorPath", state.error_path, state.error_call);
  dynamic("CausePath", state.cause_path, state.cause_call);
}

void DefinitionParser::ParseTask(State& state, const json::object& obj, const std::string& loc) {
  if (!obj.contains("Resource")) {
    Error(loc, "These fields are required: [Resource]");
  } else if (const json::string* s = String(obj, "Resource", loc)) {
    state.resource = std::string(*s);
  }
  ExactlyOneOf(obj, loc, {"TimeoutSeconds", "TimeoutSecondsPath"});
  ExactlyOneOf(obj, loc, {"HeartbeatSeconds", "HeartbeatSecondsPath"});
  state.timeout_seconds = Integer(obj, "TimeoutSeconds", loc, 1);
  state.timeout_seconds_path = PathField(obj, "TimeoutSecondsPath", loc, /*reference=*/true);
  state.heartbeat_seconds = Integer(obj, "HeartbeatSeconds", loc, 1);
  state.heartbeat_seconds_path = PathField(obj, "HeartbeatSecondsPath", loc, true);
  if (state.heartbeat_seconds && state.timeout_seconds &&
      *state.heartbeat_seconds >= *state.timeout_seconds) {
    Error(loc + "/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds");
  }
  if (auto it = obj.find("Credentials"); it != obj.end()) {
    if (!it->value().is_object()) {
      Error(loc + "/Credentials", "Expected value of type [OBJECT]");
    } else {
      state.credentials = it->value();
    }
  }
  state.result_selector = Template(obj, "ResultSelector", loc, /*object_only=*/true);
}

void DefinitionParser::ParseMap(State& state, const json::object& obj, const std::string& loc) {
  ExactlyOneOf(obj, loc, {"ItemProcessor", "Iterator"});
  ExactlyOneOf(obj, loc, {"ItemSelector", "Parameters"});
  ExactlyOneOf(obj, loc, {"MaxConcurrency", "MaxConcurrencyPath"});
  ExactlyOneOf(obj, loc, {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath"});
  ExactlyOneOf(obj, loc, {"ToleratedFailureCount", "ToleratedFailureCountPath"});

  std::string_view processor_key = obj.contains("ItemProcessor") ? "ItemProcessor" : "Iterator";
  auto pit = obj.find(processor_key);
  if (pit == obj.end()) {
    Error(loc, "These fields are required: [ItemProcessor]");
  } else {
    std::string ploc = loc + "/" + std::string(processor_key);
    if (!pit->value().is_object()) {
      Error(ploc, "Expected value of type [OBJECT]");
    } else {
      const json::object& proc = pit->value().get_object();
      if (auto cit = proc.find("ProcessorConfig"); cit != proc.end()) {
        std::string cloc = ploc + "/ProcessorConfig";
        if (!cit->value().is_object()) {
          Error(cloc, "Expected value of type [OBJECT]");
        } else {
          const json::object& config = cit->value().get_object();
          CheckFields(config, cloc, {"Mode", "ExecutionType"});
          if (const json::string* mode = String(config, "Mode", cloc)) {
            if (*mode == "DISTRIBUTED") {
              state.processor.mode = ItemProcessor::Mode::kDistributed;
            } else if (*mode != "INLINE") {
              Error(cloc + "/Mode", "Value should be one of the following: [INLINE, DISTRIBUTED]");
            }
          }
          if (const json::string* et = String(config, "ExecutionType", cloc)) {
            if (*et != "STANDARD" && *et != "EXPRESS") {
              Error(cloc + "/ExecutionType",
                    "Value should be one of the following: [STANDARD, EXPRESS]");
            } else {
              state.processor.execution_type = std::string(*et);
            }
          } else if (state.processor.mode == ItemProcessor::Mode::kDistributed &&
                     !config.contains("ExecutionType")) {
            Error(cloc, "These fields are required: [ExecutionType]");
          }
        }
      }
      state.processor.definition = ParseMachine(proc, ploc, Container::kProcessor);
    }
  }

  state.items_path = PathField(obj, "ItemsPath", loc, /*reference=*/true);
  state.item_selector = Template(obj, "ItemSelector", loc, /*object_only=*/true);
  state.max_concurrency = Integer(obj, "MaxConcurrency", loc, 0);
  state.max_concurrency_path = PathField(obj, "MaxConcurrencyPath", loc, true);
  if (auto it = obj.find("ToleratedFailurePercentage"); it != obj.end()) {
    std::string floc = loc + "/ToleratedFailurePercentage";
    if (!it->value().is_number()) {
      Error(floc, "Expected value of type [NUMBER]");
    } else {
      double p = it->value().to_number<double>();
      if (!(p >= 0 && p <= 100)) {
        Error(floc, "Value must be between 0 and 100");
      } else {
        state.tolerated_failure_percentage = p;
      }
    }
  }
  state.tolerated_failure_percentage_path =
      PathField(obj, "ToleratedFailurePercentagePath", loc, true);
  state.tolerated_failure_count = Integer(obj, "ToleratedFailureCount", loc, 0);
  state.tolerated_failure_count_path = PathField(obj, "ToleratedFailureCountPath", loc, true);

  if (auto it = obj.find("ItemBatcher"); it != obj.end()) {
    std::string bloc = loc + "/ItemBatcher";
    if (!it->value().is_object()) {
      Error(bloc, "Expected value of type [OBJECT]");
    } else {
      const json::object& b = it->value().get_object();
      CheckFields(b, bloc,
                  {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
                   "MaxInputBytesPerBatchPath", "BatchInput"});
      ExactlyOneOf(b, bloc, {"MaxItemsPerBatch", "MaxItemsPerBatchPath"});
      ExactlyOneOf(b, bloc, {"MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"});
      ItemBatcher batcher;
      batcher.max_items_per_batch = Integer(b, "MaxItemsPerBatch", bloc, 1);
      batcher.max_items_per_batch_path = PathField(b, "MaxItemsPerBatchPath", bloc, true);
      batcher.max_input_bytes_per_batch = Integer(b, "MaxInputBytesPerBatch", bloc, 1);
      batcher.max_input_bytes_per_batch_path =
          PathField(b, "MaxInputBytesPerBatchPath", bloc, true);
      batcher.batch_input = Template(b, "BatchInput", bloc, /*object_only=*/true);
      state.item_batcher = std::move(batcher);
    }
  }
  for (std::string_view key : {"ItemReader", "ResultWriter"}) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    std::string rloc = loc + "/" + std::string(key);
    if (!it->value().is_object()) {
      Error(rloc, "Expected value of type [OBJECT]");
      continue;
    }
    if (state.processor.mode != ItemProcessor::Mode::kDistributed) {
      Error(rloc, "Field '" + std::string(key) +
                      "' is only supported when ProcessorConfig.Mode is DISTRIBUTED");
      continue;
    }
    (key == "ItemReader" ? state.item_reader : state.result_writer) = it->value();
  }
  if (const json::string* label = String(obj, "Label", loc)) {
    if (!IsValidLabel(std::string_view(*label))) {
      ErrorCode(loc + "/Label",
                "INVALID_LABEL_NAME: A label must be 1 to 40 characters without whitespace, "
                "brackets, wildcards, special or control characters");
    } else {
      state.label = std::string(*label);
    }
  }
}

std::optional<jsonata::JsonataTemplate> DefinitionParser::JsonataField(
    const json::object& obj, std::string_view key, const std::string& loc, bool object_only) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  std::string field_loc = loc + "/" + std::string(key);
  const json::value& v = it->value();
  bool expression = v.is_string() && jsonata::JsonataTemplate::IsExpression(v.get_string());
  if (object_only && !v.is_object() && !expression) {
    Error(field_loc, "Expected value of type [OBJECT] or a JSONata expression");
    return std::nullopt;
  }
  Result<jsonata::JsonataTemplate> t =
      jsonata::JsonataTemplate::Compile(v, field_loc, jsonata::StepFunctionsRegistry());
  if (!t.ok()) {
    // The message starts with the location it names.
    std::string m = t.status().message();
    size_t colon = m.find(": ");
    ErrorCode(colon == std::string::npos ? field_loc : m.substr(0, colon),
              "Invalid JSONata expression: " + (colon == std::string::npos ? m : m.substr(colon + 2)));
    return std::nullopt;
  }
  for (const std::string& where : t->uses_operators_after_2_0_6()) {
    warnings_.push_back({where, "The JSONata operators '?" "?' and '?:' are JSONata 2.1.0; AWS Step "
                                "Functions (JSONata 2.0.6) rejects this definition"});
  }
  return std::move(t).value();
}

std::optional<jsonata::JsonataTemplate> DefinitionParser::JsonataScalar(const json::object& obj,
                                                                        std::string_view key,
                                                                        const std::string& loc,
                                                                        bool integer) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  const json::value& v = it->value();
  bool expression = v.is_string() && jsonata::JsonataTemplate::IsExpression(v.get_string());
  std::string field_loc = loc + "/" + std::string(key);
  if (!expression) {
    if (integer && !(v.is_int64() || v.is_uint64())) {
      Error(field_loc, "Expected value of type [INTEGER] or a JSONata expression");
      return std::nullopt;
    }
    if (integer && v.is_int64() && v.get_int64() < 0) {
      Error(field_loc, "Value must be a non-negative integer");
      return std::nullopt;
    }
    if (!integer && !v.is_string()) {
      Error(field_loc, "Expected value of type [STRING]");
      return std::nullopt;
    }
  }
  return JsonataField(obj, key, loc, /*object_only=*/false);
}

void DefinitionParser::ParseJsonataState(State& state, const json::object& obj,
                                         const std::string& loc) {
  JsonataFields& f = state.jsonata_fields;
  if (state.type != StateType::kFail) f.output = JsonataField(obj, "Output", loc, false);
  if (state.type != StateType::kSucceed && state.type != StateType::kFail) {
    f.assign = JsonataField(obj, "Assign", loc, /*object_only=*/true);
  }
  if (state.type == StateType::kTask || state.type == StateType::kParallel ||
      state.type == StateType::kMap) {
    if (auto it = obj.find("Retry"); it != obj.end()) {
      state.retry = ParseRetry(it->value(), loc + "/Retry");
    }
    if (auto it = obj.find("Catch"); it != obj.end()) {
      ForEachObject(it->value(), loc + "/Catch", [&](const json::object& c, const std::string& cloc,
                                                     bool last) {
        CheckFields(c, cloc, {"ErrorEquals", "Next", "Output", "Assign", "Comment"});
        Catcher catcher;
        catcher.error_equals = HandlerErrorEquals(c, cloc, last, "Catcher", "Catch");
        if (!c.contains("Next")) {
          Error(cloc, "These fields are required: [Next]");
        } else if (const json::string* s = String(c, "Next", cloc)) {
          catcher.next = std::string(*s);
        }
        catcher.output = JsonataField(c, "Output", cloc, false);
        catcher.jsonata_assign = JsonataField(c, "Assign", cloc, true);
        state.catchers.push_back(std::move(catcher));
      });
    }
  }
  switch (state.type) {
    case StateType::kTask: {
      if (!obj.contains("Resource")) {
        Error(loc, "These fields are required: [Resource]");
      } else if (const json::string* s = String(obj, "Resource", loc)) {
        state.resource = std::string(*s);
      }
      f.arguments = JsonataField(obj, "Arguments", loc, /*object_only=*/true);
      f.timeout_seconds = JsonataScalar(obj, "TimeoutSeconds", loc, /*integer=*/true);
      f.heartbeat_seconds = JsonataScalar(obj, "HeartbeatSeconds", loc, /*integer=*/true);
      if (f.timeout_seconds && f.timeout_seconds->is_constant()) {
        state.timeout_seconds = obj.at("TimeoutSeconds").to_number<int64_t>();
      }
      if (f.heartbeat_seconds && f.heartbeat_seconds->is_constant()) {
        state.heartbeat_seconds = obj.at("HeartbeatSeconds").to_number<int64_t>();
      }
      if (auto it = obj.find("Credentials"); it != obj.end()) state.credentials = it->value();
      break;
    }
    case StateType::kChoice: {
      auto it = obj.find("Choices");
      if (it == obj.end()) {
        Error(loc, "These fields are required: [Choices]");
      } else if (it->value().is_array() && it->value().get_array().empty()) {
        Error(loc + "/Choices", "Value cannot be empty");
      } else {
        ForEachObject(it->value(), loc + "/Choices", [&](const json::object& r, const std::string& rloc, bool) {
          CheckFields(r, rloc, {"Condition", "Next", "Output", "Assign", "Comment"});
          ChoiceRule rule;
          if (!r.contains("Condition")) Error(rloc, "These fields are required: [Condition]");
          if (!r.contains("Next")) {
            Error(rloc, "These fields are required: [Next]");
          } else if (const json::string* s = String(r, "Next", rloc)) {
            rule.next = std::string(*s);
          }
          rule.condition = JsonataField(r, "Condition", rloc, false);
          rule.output = JsonataField(r, "Output", rloc, false);
          rule.jsonata_assign = JsonataField(r, "Assign", rloc, true);
          state.choices.push_back(std::move(rule));
        });
      }
      if (const json::string* s = String(obj, "Default", loc)) state.default_next = std::string(*s);
      break;
    }
    case StateType::kWait:
      ExactlyOneOf(obj, loc, {"Seconds", "Timestamp"});
      if (!obj.contains("Seconds") && !obj.contains("Timestamp")) {
        Error(loc, "These fields are required: [Seconds or Timestamp]");
      }
      f.seconds = JsonataScalar(obj, "Seconds", loc, /*integer=*/true);
      f.timestamp = JsonataScalar(obj, "Timestamp", loc, /*integer=*/false);
      break;
    case StateType::kFail:
      f.error = JsonataScalar(obj, "Error", loc, /*integer=*/false);
      f.cause = JsonataScalar(obj, "Cause", loc, /*integer=*/false);
      break;
    case StateType::kParallel: {
      f.arguments = JsonataField(obj, "Arguments", loc, /*object_only=*/false);
      ParseBranches(state, obj, loc);
      break;
    }
    case StateType::kMap:
      // The JSONPath parse reads the processor, concurrency, tolerance and reader fields;
      // Items and ItemSelector are templates here.
      {
        // ItemSelector, and the numbers when they are expressions, are templates here.
        json::object rest = obj;
        rest.erase("ItemSelector");
        auto expression = [&](std::string_view key, std::optional<jsonata::JsonataTemplate>& out) {
          auto it = obj.find(key);
          if (it != obj.end() && it->value().is_string() &&
              jsonata::JsonataTemplate::IsExpression(it->value().get_string())) {
            out = JsonataField(obj, key, loc, /*object_only=*/false);
            rest.erase(key);
          }
        };
        expression("MaxConcurrency", f.max_concurrency);
        expression("ToleratedFailureCount", f.tolerated_failure_count);
        expression("ToleratedFailurePercentage", f.tolerated_failure_percentage);
        ParseMap(state, rest, loc);
      }
      f.items = JsonataField(obj, "Items", loc, /*object_only=*/false);
      f.item_selector = JsonataField(obj, "ItemSelector", loc, /*object_only=*/false);
      break;
    default:
      break;
  }
}

void DefinitionParser::ParseState(State& state, const json::object& obj, const std::string& loc) {
  // Type first: it decides which fields are allowed.
  auto tit = obj.find("Type");
  if (tit == obj.end()) {
    Error(loc, "These fields are required: [Type]");
    return;
  }
  if (!tit->value().is_string()) {
    Error(loc + "/Type", "Expected value of type [STRING]");
    return;
  }
  std::optional<StateType> type = ParseStateType(std::string_view(tit->value().get_string()));
  if (!type) {
    Error(loc + "/Type",
          "Value should be one of the following: [Task, Pass, Choice, Wait, Succeed, Fail, "
          "Parallel, Map]");
    return;
  }
  state.type = *type;
  if (auto ql = obj.find("QueryLanguage"); ql != obj.end() && ql->value().is_string()) {
    state.jsonata = ql->value().get_string() == "JSONata";
  }
  state.jsonata = state.jsonata || machine_jsonata_;

  FieldSpan allowed = state.jsonata ? AllowedJsonataFields(state.type) : AllowedFields(state.type);
  std::vector<std::string> unknown;
  for (const auto& kv : obj) {
    std::string_view key = kv.key();
    if (Contains(allowed, key)) continue;
    if (state.jsonata && Contains(kJsonPathOnlyFields, key)) {
      Error(loc, "The QueryLanguage is set to 'JSONata', but field '" + std::string(key) +
                     "' is only supported for the 'JSONPath' QueryLanguage");
    } else if (!state.jsonata && Contains(kJsonataOnlyFields, key)) {
      Error(loc, "The QueryLanguage is set to 'JSONPath', but field '" + std::string(key) +
                     "' is only supported for the 'JSONata' QueryLanguage");
    } else if (Contains(kAllStateFields, key)) {
      Error(loc, "Field '" + std::string(key) + "' is not supported");
    } else {
      unknown.emplace_back(key);
    }
  }
  if (!unknown.empty()) Error(loc, "These fields are not allowed: " + Join(unknown, ", "));

  CheckQueryLanguage(obj, loc);
  if (const json::string* s = String(obj, "Comment", loc)) state.comment = std::string(*s);

  // Transitions: non-terminal, non-Choice states need exactly one of Next and End.
  const bool takes_transition = state.type != StateType::kChoice &&
                                state.type != StateType::kSucceed && state.type != StateType::kFail;
  if (takes_transition) {
    if (const json::string* s = String(obj, "Next", loc)) state.next = std::string(*s);
    if (auto it = obj.find("End"); it != obj.end()) {
      if (!it->value().is_bool()) {
        Error(loc + "/End", "Expected value of type [BOOLEAN]");
      } else {
        state.end = it->value().get_bool();
      }
    }
    if (obj.contains("Next") && state.end) {
      Error(loc, "There should only be one of the following fields: [Next, End]");
    } else if (!obj.contains("Next") && !state.end) {
      Error(loc, "These fields are required: [Next or End]");
    }
  }
  if (state.jsonata) {
    ParseJsonataState(state, obj, loc);
    return;
  }

  if (Contains(allowed, "InputPath")) {
    state.input_path = OptPath(obj, "InputPath", loc, false);
    state.output_path = OptPath(obj, "OutputPath", loc, false);
  }
  if (Contains(allowed, "ResultPath")) state.result_path = OptPath(obj, "ResultPath", loc, true);
  if (Contains(allowed, "Parameters")) {
    state.parameters = Template(obj, "Parameters", loc, /*object_only=*/false);
  }
  if (Contains(allowed, "Assign")) state.assign = Template(obj, "Assign", loc, true);
  if (Contains(allowed, "Retry")) {
    if (auto it = obj.find("Retry"); it != obj.end()) {
      state.retry = ParseRetry(it->value(), loc + "/Retry");
    }
    if (auto it = obj.find("Catch"); it != obj.end()) {
      state.catchers = ParseCatch(it->value(), loc + "/Catch");
    }
  }

  switch (state.type) {
    case StateType::kPass:
      if (auto it = obj.find("Result"); it != obj.end()) state.result = it->value();
      break;
    case StateType::kTask:
      ParseTask(state, obj, loc);
      break;
    case StateType::kChoice:
      ParseChoice(state, obj, loc);
      break;
    case StateType::kWait:
      ParseWait(state, obj, loc);
      break;
    case StateType::kSucceed:
      break;
    case StateType::kFail:
      ParseFail(state, obj, loc);
      break;
    case StateType::kParallel: {
      state.result_selector = Template(obj, "ResultSelector", loc, true);
      ParseBranches(state, obj, loc);
      break;
    }
    case StateType::kMap:
      state.result_selector = Template(obj, "ResultSelector", loc, true);
      ParseMap(state, obj, loc);
      break;
  }
}

std::shared_ptr<StateMachine> DefinitionParser::ParseMachine(const json::object& obj,
                                                             const std::string& base,
                                                             Container kind) {
  auto machine = std::make_shared<StateMachine>();
  switch (kind) {
    case Container::kTop:
      CheckFields(obj, base,
                  {"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"});
      break;
    case Container::kBranch:
      CheckFields(obj, base, {"Comment", "StartAt", "States"});
      break;
    case Container::kProcessor:
      CheckFields(obj, base, {"Comment", "StartAt", "States", "ProcessorConfig"});
      break;
  }
  if (const json::string* s = String(obj, "Comment", base)) machine->comment = std::string(*s);
  if (kind == Container::kTop) {
    if (const json::string* s = String(obj, "Version", base)) machine->version = std::string(*s);
    machine->timeout_seconds = Integer(obj, "TimeoutSeconds", base, 1);
    CheckQueryLanguage(obj, base);
    if (auto it = obj.find("QueryLanguage"); it != obj.end() && it->value().is_string()) {
      machine->query_language = std::string(it->value().get_string());
      machine_jsonata_ = machine->query_language == "JSONata";
    }
  }
  bool has_start = false;
  if (!obj.contains("StartAt")) {
    Error(base, "These fields are required: [StartAt]");
  } else if (const json::string* s = String(obj, "StartAt", base)) {
    machine->start_at = std::string(*s);
    has_start = true;
  }
  auto sit = obj.find("States");
  if (sit == obj.end()) {
    Error(base, "These fields are required: [States]");
    return machine;
  }
  if (!sit->value().is_object()) {
    Error(base + "/States", "Expected value of type [OBJECT]");
    return machine;
  }
  const json::object& states = sit->value().get_object();
  if (states.empty()) {
    Error(base + "/States", "Value cannot be empty");
    return machine;
  }

  // States, in document order.
  for (const auto& kv : states) {
    std::string name(kv.key());
    std::string loc = base + "/States/" + name;
    if (name.size() > kMaxStateNameLength) {
      ErrorCode(loc, "INVALID_STATE_NAME: State name is longer than 80 characters: " + name);
    }
    if (!all_names_.insert(name).second) {
      ErrorCode(loc, "DUPLICATE_STATE_NAME: Duplicate State name: " + name);
    }
    State state;
    state.name = name;
    state.raw = kv.value();
    if (!kv.value().is_object()) {
      Error(loc, "Expected value of type [OBJECT]");
    } else {
      ParseState(state, kv.value().get_object(), loc);
    }
    machine->index.emplace(name, machine->states.size());
    machine->states.push_back(std::move(state));
  }

  // Transition targets must exist in this (sub-)machine: a branch cannot leave itself.
  auto target = [&](const std::string& name, const std::string& location) {
    if (!name.empty() && machine->Find(name) == nullptr) {
      ErrorCode(location, "MISSING_TRANSITION_TARGET: Missing 'Next' target: " + name);
    }
  };
  for (const State& s : machine->states) {
    std::string loc = base + "/States/" + s.name;
    target(s.next, loc + "/Next");
    target(s.default_next, loc + "/Default");
    for (size_t i = 0; i < s.choices.size(); ++i) {
      target(s.choices[i].next, loc + "/Choices[" + std::to_string(i) + "]/Next");
    }
    for (size_t i = 0; i < s.catchers.size(); ++i) {
      target(s.catchers[i].next, loc + "/Catch[" + std::to_string(i) + "]/Next");
    }
  }
  if (has_start && machine->Find(machine->start_at) == nullptr) {
    ErrorCode(base + "/StartAt",
              "MISSING_TRANSITION_TARGET: Missing 'Next' target: " + machine->start_at);
  }

  // A workflow without any terminal state is refused outright (top level only, as AWS);
  // otherwise every state must be reachable from StartAt.
  bool any_terminal = false;
  for (const State& s : machine->states) {
    // Also look at the raw JSON: a state whose Type failed validation still says End.
    const json::object* raw = s.raw.if_object();
    const json::value* end = raw == nullptr ? nullptr : raw->if_contains("End");
    const json::value* type = raw == nullptr ? nullptr : raw->if_contains("Type");
    if (s.is_terminal() || (end != nullptr && end->is_bool() && end->get_bool()) ||
        (type != nullptr && type->is_string() &&
         (type->get_string() == "Succeed" || type->get_string() == "Fail"))) {
      any_terminal = true;
    }
  }
  if (kind == Container::kTop && !any_terminal) {
    ErrorCode("/", "MISSING_END_STATE: Workflow has no terminal state");
    return machine;
  }
  std::vector<bool> reachable(machine->states.size(), false);
  std::deque<size_t> pending;
  if (auto it = machine->index.find(machine->start_at); it != machine->index.end()) {
    reachable[it->second] = true;
    pending.push_back(it->second);
  }
  auto visit = [&](const std::string& name) {
    auto it = machine->index.find(name);
    if (it != machine->index.end() && !reachable[it->second]) {
      reachable[it->second] = true;
      pending.push_back(it->second);
    }
  };
  while (!pending.empty()) {
    const State& s = machine->states[pending.front()];
    pending.pop_front();
    visit(s.next);
    visit(s.default_next);
    for (const ChoiceRule& r : s.choices) visit(r.next);
    for (const Catcher& c : s.catchers) visit(c.next);
    // Choice rules that failed validation are not in the model; follow their raw Next so a
    // single bad rule does not also make its target "unreachable".
    if (s.type == StateType::kChoice && s.raw.is_object()) {
      if (const json::value* choices = s.raw.get_object().if_contains("Choices");
          choices != nullptr && choices->is_array()) {
        for (const json::value& c : choices->get_array()) {
          if (c.is_object()) {
            if (const json::value* n = c.get_object().if_contains("Next");
                n != nullptr && n->is_string()) {
              visit(std::string(n->get_string()));
            }
          }
        }
      }
    }
  }
  if (has_start && machine->Find(machine->start_at) != nullptr) {
    for (size_t i = 0; i < machine->states.size(); ++i) {
      if (!reachable[i]) {
        const std::string& name = machine->states[i].name;
        ErrorCode(base + "/States/" + name,
                  "MISSING_TRANSITION_TARGET: State \"" + name + "\" is not reachable.");
      }
    }
  }
  return machine;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags) {
    if (!out.empty()) out += '\n';
    out += d.location + ": " + d.message;
  }
  return out;
}

}  // namespace

namespace {

bool MentionsContext(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return v.get_string().find("$$") != json::string::npos;
    case json::kind::array:
      for (const auto& e : v.get_array()) {
        if (MentionsContext(e)) return true;
      }
      return false;
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (MentionsContext(kv.value())) return true;
      }
      return false;
    default: return false;
  }
}

// Fills in the interpreter's precomputed fields (State::uses_context, next indexes) for
// `machine` and every branch and processor below it.
void Precompute(StateMachine& machine) {
  machine.uses_context = false;
  machine.has_blocking_states = false;
  for (State& state : machine.states) {
    if (state.type == StateType::kTask || state.type == StateType::kWait) machine.has_blocking_states = true;
    state.uses_context =
        state.type == StateType::kTask || state.jsonata || MentionsContext(state.raw);
    auto index_of = [&](const std::string& name) {
      auto it = machine.index.find(name);
      return it == machine.index.end() ? -1 : static_cast<int>(it->second);
    };
    state.next_index = state.next.empty() ? -1 : index_of(state.next);
    state.default_index = state.default_next.empty() ? -1 : index_of(state.default_next);
    for (auto& branch : state.branches) {
      // Branches and processors are built non-const by the parser; only the shared_ptr type
      // is const.
      Precompute(const_cast<StateMachine&>(*branch));
      machine.uses_context = machine.uses_context || branch->uses_context;
      machine.has_blocking_states = machine.has_blocking_states || branch->has_blocking_states;
    }
    if (state.processor.definition) {
      Precompute(const_cast<StateMachine&>(*state.processor.definition));
      machine.uses_context = machine.uses_context || state.processor.definition->uses_context;
      machine.has_blocking_states = machine.has_blocking_states || state.processor.definition->has_blocking_states;
    }
    machine.uses_context = machine.uses_context || state.uses_context;
  }
}

}  // namespace

Result<std::shared_ptr<const StateMachine>> ParseDefinition(const json::value& definition,
                                                            std::vector<Diagnostic>* diagnostics,
                                                            const ParseOptions& options) {
  (void)options;
  std::vector<Diagnostic> diags;
  std::shared_ptr<StateMachine> machine;
  if (!definition.is_object()) {
    diags.push_back({"/", std::string(kSchema) + "Expected value of type [OBJECT]"});
  } else {
    DefinitionParser parser(&diags);
    machine = parser.ParseMachine(definition.get_object(), "", DefinitionParser::Container::kTop);
    machine->warnings = parser.warnings();
  }
  if (diagnostics != nullptr) *diagnostics = diags;
  if (!diags.empty()) return Status::InvalidArgument(FormatDiagnostics(diags));
  Precompute(*machine);
  return std::shared_ptr<const StateMachine>(std::move(machine));
}

Result<std::shared_ptr<const StateMachine>> ParseDefinition(std::string_view text,
                                                            std::vector<Diagnostic>* diagnostics,
                                                            const ParseOptions& options) {
  if (text.size() > options.max_definition_bytes) {
    std::vector<Diagnostic> diags = {
        {"/", "SCHEMA_VALIDATION_FAILED: The definition is " + std::to_string(text.size()) +
                  " bytes, more than the maximum of " +
                  std::to_string(options.max_definition_bytes) + " bytes"}};
    if (diagnostics != nullptr) *diagnostics = diags;
    return Status::InvalidArgument(FormatDiagnostics(diags));
  }
  Result<json::value> parsed = common::ParseJson(text, "definition");
  if (!parsed.ok()) {
    // ParseJson's message: "definition:<line>:<column>: invalid JSON: <reason>".
    std::vector<Diagnostic> diags = {
        {"/", "INVALID_JSON_DESCRIPTION: " + parsed.status().message()}};
    if (diagnostics != nullptr) *diagnostics = diags;
    return Status::InvalidArgument(FormatDiagnostics(diags));
  }
  return ParseDefinition(*parsed, diagnostics, options);
}

}  // namespace sluice::asl
