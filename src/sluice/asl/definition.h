#pragma once

// A parsed, validated Amazon States Language definition (JSONPath mode): the typed model the
// interpreter walks. Parsing compiles every path, template and intrinsic once, and
// validation rejects what AWS rejects, reporting every problem at once with its location
// (`/States/Load/Next: …`). Immutable after parsing; safe to share across threads.
//
// Spec: https://states-language.net/spec.html and the AWS Step Functions developer guide;
// ../shared/reference/AWS_FORMATS.md §4.4 summarises. In JSONata mode (QueryLanguage
// "JSONata", for the machine or per state) a state's fields are JSONata templates
// (State::jsonata_fields, ChoiceRule::condition, Catcher::output).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/asl/json_path.h"
#include "sluice/asl/payload_template.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/jsonata/template.h"

namespace sluice::asl {

enum class StateType { kTask, kPass, kChoice, kWait, kSucceed, kFail, kParallel, kMap };
std::string_view StateTypeName(StateType type);  // "Task", "Pass", …

// InputPath / OutputPath / ResultPath: absent means `$`; JSON null means "discard" (input:
// {} is passed; output: {} is emitted; result: the input is kept as output).
struct OptionalPath {
  bool is_null = false;                // the field was JSON null
  std::optional<JsonPath> path;        // set unless is_null (defaults to `$` when absent)
};

enum class JitterStrategy { kNone, kFull };

struct Retrier {
  std::vector<std::string> error_equals;
  double interval_seconds = 1;
  int max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<int64_t> max_delay_seconds;
  JitterStrategy jitter = JitterStrategy::kNone;
};

struct Catcher {
  std::vector<std::string> error_equals;
  std::string next;
  OptionalPath result_path;  // absent: `$`
  std::optional<PayloadTemplate> assign;
  // JSONata mode: Output (absent: $states.errorOutput) and Assign.
  std::optional<jsonata::JsonataTemplate> output;
  std::optional<jsonata::JsonataTemplate> jsonata_assign;
};

// A Choice rule (a top-level rule has `next`; nested And/Or/Not rules don't).
struct ChoiceRule {
  enum class Kind { kAnd, kOr, kNot, kComparison };
  Kind kind = Kind::kComparison;
  std::vector<ChoiceRule> children;  // And/Or: operands; Not: exactly one
  // Comparison: `variable` (JsonPath), the operator name as written ("StringEquals",
  // "NumericLessThanPath", "IsPresent", …) and its operand: a literal, or a path for *Path
  // operators.
  std::optional<JsonPath> variable;
  std::string op;
  json::value literal;
  std::optional<JsonPath> operand_path;
  std::string next;                        // top-level rules only
  std::optional<PayloadTemplate> assign;   // top-level rules only (Variables)
  // JSONata mode: the rule is its Condition (a boolean expression), with Output and Assign.
  std::optional<jsonata::JsonataTemplate> condition;
  std::optional<jsonata::JsonataTemplate> output;
  std::optional<jsonata::JsonataTemplate> jsonata_assign;
};

// Evaluates a rule against the state's effective input. States.Runtime when `Variable` (or
// an operand path) does not resolve (except IsPresent), with AWS's cause.
Result<bool> EvaluateChoiceRule(const ChoiceRule& rule, const PathContext& ctx);

struct StateMachine;

// Map's ItemProcessor / legacy Iterator.
struct ItemProcessor {
  enum class Mode { kInline, kDistributed };
  Mode mode = Mode::kInline;
  std::string execution_type;  // DISTRIBUTED: "STANDARD" | "EXPRESS"
  std::shared_ptr<const StateMachine> definition;
};

struct ItemBatcher {
  std::optional<int64_t> max_items_per_batch;
  std::optional<JsonPath> max_items_per_batch_path;
  std::optional<int64_t> max_input_bytes_per_batch;
  std::optional<JsonPath> max_input_bytes_per_batch_path;
  std::optional<PayloadTemplate> batch_input;
};

// The fields of a state in JSONata mode (QueryLanguage "JSONata"), each a template whose
// "{% … %}" strings are JSONata expressions over `$states` and the workflow variables.
struct JsonataFields {
  std::optional<jsonata::JsonataTemplate> arguments;  // Task, Parallel (absent: $states.input)
  std::optional<jsonata::JsonataTemplate> output;     // absent: $states.result or the input
  std::optional<jsonata::JsonataTemplate> assign;
  std::optional<jsonata::JsonataTemplate> seconds;    // Wait
  std::optional<jsonata::JsonataTemplate> timestamp;  // Wait
  std::optional<jsonata::JsonataTemplate> error;      // Fail
  std::optional<jsonata::JsonataTemplate> cause;      // Fail
  std::optional<jsonata::JsonataTemplate> timeout_seconds;    // Task
  std::optional<jsonata::JsonataTemplate> heartbeat_seconds;  // Task
  std::optional<jsonata::JsonataTemplate> items;          // Map (absent: the input)
  std::optional<jsonata::JsonataTemplate> item_selector;  // Map
  // Map fields given as expressions (literal values are in State as in JSONPath mode).
  std::optional<jsonata::JsonataTemplate> max_concurrency;
  std::optional<jsonata::JsonataTemplate> tolerated_failure_count;
  std::optional<jsonata::JsonataTemplate> tolerated_failure_percentage;
};

struct State {
  std::string name;
  StateType type = StateType::kPass;
  std::string comment;
  std::string next;   // empty when end or terminal
  bool end = false;   // "End": true (Succeed/Fail are terminal without it)
  json::value raw;    // the state's JSON as written
  bool jsonata = false;  // QueryLanguage JSONata (the state's or the machine's)
  JsonataFields jsonata_fields;

  OptionalPath input_path;
  OptionalPath output_path;
  OptionalPath result_path;
  std::optional<PayloadTemplate> parameters;       // Task, Pass, Parallel, Map (legacy)
  std::optional<PayloadTemplate> result_selector;  // Task, Parallel, Map
  std::optional<PayloadTemplate> assign;           // Variables
  std::vector<Retrier> retry;                      // Task, Parallel, Map
  std::vector<Catcher> catchers;                   // Task, Parallel, Map

  // Pass
  std::optional<json::value> result;

  // Task
  std::string resource;
  std::optional<int64_t> timeout_seconds;
  std::optional<JsonPath> timeout_seconds_path;
  std::optional<int64_t> heartbeat_seconds;
  std::optional<JsonPath> heartbeat_seconds_path;
  json::value credentials;  // kept, unused locally

  // Choice
  std::vector<ChoiceRule> choices;
  std::string default_next;

  // Wait (exactly one of these)
  std::optional<int64_t> seconds;
  std::optional<common::Timestamp> timestamp;
  std::optional<JsonPath> seconds_path;
  std::optional<JsonPath> timestamp_path;

  // Fail
  std::optional<std::string> error;
  std::optional<std::string> cause;
  std::optional<JsonPath> error_path;      // may also be an intrinsic: see error_call
  std::optional<JsonPath> cause_path;
  std::optional<IntrinsicCall> error_call;
  std::optional<IntrinsicCall> cause_call;

  // Parallel
  std::vector<std::shared_ptr<const StateMachine>> branches;

  // Map
  ItemProcessor processor;
  std::optional<JsonPath> items_path;           // absent: `$`
  std::optional<PayloadTemplate> item_selector;  // or legacy Parameters (in `parameters`)
  std::optional<int64_t> max_concurrency;        // 0 = unbounded (the default)
  std::optional<JsonPath> max_concurrency_path;
  std::optional<double> tolerated_failure_percentage;
  std::optional<JsonPath> tolerated_failure_percentage_path;
  std::optional<int64_t> tolerated_failure_count;
  std::optional<JsonPath> tolerated_failure_count_path;
  std::optional<ItemBatcher> item_batcher;
  json::value item_reader;   // raw; null when absent
  json::value result_writer; // raw; null when absent
  std::string label;

  // Filled in after parsing, for the interpreter's fast paths:
  // whether anything in this state may read the context object (`$$`) — a Task (its
  // handler sees the context) or any `$$` in the state's JSON;
  bool uses_context = true;
  // the position of `next` / `default_next` in the owning machine's `states` (-1: none).
  int next_index = -1;
  int default_index = -1;

  bool is_terminal() const {
    return end || type == StateType::kSucceed || type == StateType::kFail;
  }
};

struct StateMachine {
  std::string comment;
  std::string start_at;
  std::string version;
  std::string query_language = "JSONPath";
  std::optional<int64_t> timeout_seconds;
  std::vector<State> states;                   // in document order
  // Whether any state here or in a branch or processor reads the context object.
  bool uses_context = true;
  // Whether any state here or below can block (Task, Wait): Map iterations and Parallel
  // branches of machines that cannot run one after the other without waiting on anything.
  bool has_blocking_states = true;
  std::map<std::string, size_t, std::less<>> index;  // name → position in `states`
  // Top level only: what sluice accepts but AWS would reject (JSONata `??` and `?:`).
  std::vector<Diagnostic> warnings;

  const State* Find(std::string_view name) const {
    auto it = index.find(name);
    return it == index.end() ? nullptr : &states[it->second];
  }
};

struct ParseOptions {
  // AWS rejects definitions larger than 1 MiB; kept configurable.
  size_t max_definition_bytes = 1 << 20;
};

// Parses and validates a definition. On failure returns InvalidArgument whose message is
// every diagnostic, one per line ("/States/Load/Next: state 'Lod' does not exist"), and
// fills `diagnostics` (when given) with them.
Result<std::shared_ptr<const StateMachine>> ParseDefinition(
    std::string_view text, std::vector<Diagnostic>* diagnostics = nullptr,
    const ParseOptions& options = {});
Result<std::shared_ptr<const StateMachine>> ParseDefinition(
    const json::value& definition, std::vector<Diagnostic>* diagnostics = nullptr,
    const ParseOptions& options = {});

}  // namespace sluice::asl
