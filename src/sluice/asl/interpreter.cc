#include "sluice/asl/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "sluice/asl/errors.h"
#include "sluice/common/ids.h"

namespace sluice::asl {
namespace {

namespace json = boost::json;
using common::Timestamp;

// The execution-wide services every state needs.
class Execution {
 public:
  Execution(const ExecutionOptions& options, std::string arn)
      : options_(options),
        clock_(options.clock ? options.clock : common::SystemClock::Default()),
        random_(options.random ? options.random : DefaultRandomSource()),
        arn_(std::move(arn)) {}

  const ExecutionOptions& options() const { return options_; }
  RandomSource* random() const { return random_; }

  // The virtual clock: real time plus every virtual wait not actually slept.
  Timestamp Now() const { return Timestamp{clock_->Now().micros + offset_micros_}; }

  // Waits `micros` of virtual time, sleeping micros·scale of real time, in slices so a stop
  // request is noticed. Returns false when the execution was stopped or timed out meanwhile.
  bool Sleep(int64_t micros) {
    if (micros <= 0) return !Stopped();
    double scale = options_.wait_time_scale;
    int64_t real = static_cast<int64_t>(static_cast<double>(micros) * scale);
    int64_t virtual_target = Now().micros + micros;
    if (deadline_ && virtual_target > deadline_->micros) {
      // The execution times out during this wait: sleep only until the deadline.
      int64_t until = deadline_->micros - Now().micros;
      real = static_cast<int64_t>(static_cast<double>(std::max<int64_t>(until, 0)) * scale);
      virtual_target = deadline_->micros;
    }
    auto start = std::chrono::steady_clock::now();
    while (real > 0) {
      if (Stopped()) return false;
      int64_t slice = std::min<int64_t>(real, 50000);
      std::this_thread::sleep_for(std::chrono::microseconds(slice));
      auto slept = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
      real = static_cast<int64_t>(static_cast<double>(micros) * scale) - slept;
      if (deadline_) real = std::min<int64_t>(real, (virtual_target - Now().micros));
    }
    int64_t behind = virtual_target - Now().micros;
    if (behind > 0) offset_micros_ += behind;
    return !Stopped() && !TimedOut();
  }

  bool Stopped() const { return options_.stop && options_.stop->load(); }
  void SetDeadline(Timestamp t) { deadline_ = t; }
  bool TimedOut() const { return deadline_ && Now() >= *deadline_; }

  // Records a history event; returns its id.
  int64_t Record(std::string type, std::string details_name = "", json::object details = {}) {
    if (!options_.record_history) return 0;
    HistoryEvent e;
    e.id = static_cast<int64_t>(history_.size()) + 1;
    e.previous_event_id = last_event_id_;
    e.timestamp = Now();
    e.type = std::move(type);
    e.details_name = std::move(details_name);
    e.details = std::move(details);
    last_event_id_ = e.id;
    history_.push_back(std::move(e));
    return last_event_id_;
  }
  bool recording() const { return options_.record_history; }
  std::vector<HistoryEvent> TakeHistory() { return std::move(history_); }

  int64_t transitions = 0;

 private:
  const ExecutionOptions& options_;
  const common::Clock* clock_;
  RandomSource* random_;
  std::string arn_;
  int64_t offset_micros_ = 0;
  std::optional<Timestamp> deadline_;
  std::vector<HistoryEvent> history_;
  int64_t last_event_id_ = 0;
};

// The result of running one state: where to go next (nullptr: the machine ends) and the
// state's output.
struct Transition {
  json::value output;
  const std::string* next = nullptr;
};

std::string Compact(const json::value& v) { return common::SerializeJson(v); }

// A Fail state may leave out Error and Cause; a Status always has both, so their absence is
// spelled with these markers until the execution result is built.
constexpr std::string_view kNoErrorMarker = "\x01no-error";
constexpr std::string_view kNoCauseMarker = "\x01no-cause";

json::value ErrorOutput(const Status& error) {
  json::object o;
  if (error.name() != kNoErrorMarker) o["Error"] = std::string(error.name());
  if (error.message() != kNoCauseMarker) o["Cause"] = error.message();
  return o;
}

// Retry/catch matching (AWS: States.ALL matches every error but States.Runtime and
// States.DataLimitExceeded; States.TaskFailed matches every error but States.Timeout and
// those two; States.Runtime is never retried or caught).
bool ErrorMatches(std::string_view error, const std::vector<std::string>& error_equals) {
  if (error == kStatesRuntime) return false;
  for (const std::string& e : error_equals) {
    if (e == error) return true;
    bool terminal = error == kStatesDataLimitExceeded;
    if (e == kStatesAll && !terminal) return true;
    if (e == kStatesTaskFailed && !terminal && error != kStatesTimeout &&
        error != kStatesHeartbeatTimeout) {
      return true;
    }
  }
  return false;
}

// "resourceType"/"resource" of history events: arn:aws:states:::lambda:invoke →
// ("lambda", "invoke"); other ARNs → (service, the whole ARN).
std::pair<std::string, std::string> ResourceParts(std::string_view arn) {
  constexpr std::string_view kStates = "arn:aws:states:::";
  if (arn.substr(0, kStates.size()) == kStates) {
    std::string_view rest = arn.substr(kStates.size());
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
      return {std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
    }
    return {std::string(rest), ""};
  }
  // arn:aws:<service>:…
  size_t a = arn.find(':'), b = a == std::string_view::npos ? a : arn.find(':', a + 1);
  size_t c = b == std::string_view::npos ? b : arn.find(':', b + 1);
  if (c != std::string_view::npos) return {std::string(arn.substr(b + 1, c - b - 1)), std::string(arn)};
  return {"", std::string(arn)};
}

class Runner {
 public:
  Runner(Execution* exec, json::object context) : exec_(exec), context_(std::move(context)) {}

  // Runs `machine` from StartAt with `input`; returns the final output or a States error.
  Result<json::value> RunMachine(const StateMachine& machine, json::value input,
                                 VariableScope* vars) {
    const State* state = machine.Find(machine.start_at);
    json::value current = std::move(input);
    while (state != nullptr) {
      if (exec_->Stopped()) return StatesError("States.Aborted", "The execution was stopped");
      if (exec_->TimedOut()) return TimeoutError();
      ++exec_->transitions;
      SLUICE_ASSIGN_OR_RETURN(Transition t, RunState(machine, *state, std::move(current), vars));
      current = std::move(t.output);
      if (t.next == nullptr) return current;
      state = machine.Find(*t.next);
      if (state == nullptr) {
        return StatesError(kStatesRuntime, "state '" + *t.next + "' does not exist");
      }
    }
    return current;
  }

  static Status TimeoutError() {
    return StatesError(kStatesTimeout, "The execution timed out");
  }

 private:
  PathContext Paths(const json::value& input, VariableScope* vars) const {
    return PathContext{&input, &context_value_, vars};
  }

  Status CheckSize(const json::value& v, std::string_view what, std::string_view state) const {
    size_t limit = exec_->options().max_payload_bytes;
    if (limit == 0) return Status::OK();
    size_t n = common::SerializedSize(v);
    if (n <= limit) return Status::OK();
    // AWS's wording, with the size and the quota added.
    return StatesError(kStatesDataLimitExceeded,
                       "The state/task '" + std::string(state) + "' returned " +
                           (what == "input" ? std::string("an input") : std::string("a result")) +
                           " with a size exceeding the maximum number of bytes service limit (" +
                           std::to_string(n) + " > " + std::to_string(limit) + " bytes).");
  }

  // Applies an InputPath/OutputPath: null → {}, absent → `$`.
  Result<json::value> SelectPath(const OptionalPath& p, const json::value& doc, VariableScope* vars,
                                 std::string_view field) const {
    if (p.is_null) return json::value(json::object());
    if (!p.path || p.path->is_root_only()) {
      if (!p.path || p.path->root() == JsonPath::Root::kInput) return doc;
    }
    return EvaluatePath(*p.path, Paths(doc, vars), field);
  }

  Result<json::value> ApplyResultPath(const OptionalPath& p, const json::value& raw_input,
                                      json::value result) const {
    if (p.is_null) return raw_input;
    if (!p.path || p.path->is_root_only()) return result;
    json::value doc = raw_input;
    SLUICE_RETURN_IF_ERROR(p.path->Assign(doc, std::move(result)));
    return doc;
  }

  void SetStateContext(const State& state, std::optional<int> retry_count) {
    json::object& s = context_["State"].emplace_object();
    s["EnteredTime"] = common::FormatIso8601Millis(exec_->Now());
    s["Name"] = state.name;
    if (retry_count) s["RetryCount"] = *retry_count;
    context_value_ = context_;
  }

  void SetRetryCount(int n) {
    context_["State"].as_object()["RetryCount"] = n;
    context_value_ = context_;
  }

  // Evaluates an Assign template against `doc` and, only when every value evaluated, binds
  // them all (Assign sees the values variables had on entry).
  Status Assign(const std::optional<PayloadTemplate>& assign, const json::value& doc,
                VariableScope* vars) {
    if (!assign || vars == nullptr) return Status::OK();
    SLUICE_ASSIGN_OR_RETURN(json::value values, assign->Evaluate(Paths(doc, vars), exec_->random()));
    if (values.is_object()) {
      for (auto& [name, value] : values.as_object()) vars->Set(std::string(name), std::move(value));
    }
    return Status::OK();
  }

  static std::string StateEventPrefix(StateType t) { return std::string(StateTypeName(t)) + "State"; }

  json::object StateDetails(const State& state, const json::value& payload, std::string_view key) {
    json::object d;
    d["name"] = state.name;
    d[key] = Compact(payload);
    d[std::string(key) + "Details"] = json::object{{"truncated", false}};
    return d;
  }

  Result<Transition> RunState(const StateMachine& machine, const State& state, json::value input,
                              VariableScope* vars) {
    (void)machine;
    SetStateContext(state, state.type == StateType::kTask ? std::optional<int>(0) : std::nullopt);
    if (exec_->recording()) {
      exec_->Record(StateEventPrefix(state.type) + "Entered", "stateEnteredEventDetails",
                    StateDetails(state, input, "input"));
    }
    Result<Transition> t = Dispatch(state, std::move(input), vars);
    if (t.ok()) {
      SLUICE_RETURN_IF_ERROR(CheckSize(t->output, "output", state.name));
      if (exec_->recording() && state.type != StateType::kFail) {
        exec_->Record(StateEventPrefix(state.type) + "Exited", "stateExitedEventDetails",
                      StateDetails(state, t->output, "output"));
      }
    }
    return t;
  }

  Result<Transition> Dispatch(const State& state, json::value input, VariableScope* vars) {
    switch (state.type) {
      case StateType::kPass: return RunPass(state, std::move(input), vars);
      case StateType::kTask:
      case StateType::kParallel:
      case StateType::kMap: return RunWithRetryAndCatch(state, std::move(input), vars);
      case StateType::kChoice: return RunChoice(state, std::move(input), vars);
      case StateType::kWait: return RunWait(state, std::move(input), vars);
      case StateType::kSucceed: return RunSucceed(state, std::move(input), vars);
      case StateType::kFail: return RunFail(state, input, vars);
    }
    return StatesError(kStatesRuntime, "unknown state type");
  }

  Transition Next(const State& state, json::value output) const {
    Transition t;
    t.output = std::move(output);
    t.next = state.is_terminal() ? nullptr : &state.next;
    return t;
  }

  // InputPath and Parameters: the state's effective input.
  Result<json::value> EffectiveInput(const State& state, const json::value& raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, raw, vars, "InputPath"));
    if (state.parameters && state.type != StateType::kMap) {
      SLUICE_ASSIGN_OR_RETURN(in, state.parameters->Evaluate(Paths(in, vars), exec_->random()));
      SLUICE_RETURN_IF_ERROR(CheckSize(in, "input", state.name));
    }
    return in;
  }

  // ResultSelector, ResultPath, OutputPath and Assign, once a result exists.
  Result<Transition> Finish(const State& state, const json::value& raw_input, json::value result,
                            VariableScope* vars) {
    if (state.result_selector) {
      SLUICE_ASSIGN_OR_RETURN(result,
                              state.result_selector->Evaluate(Paths(result, vars), exec_->random()));
    }
    // Assign reads the (selected) result as `$`, with the variables' entry values.
    std::optional<json::value> assigned_from;
    if (state.assign) assigned_from = result;
    SLUICE_ASSIGN_OR_RETURN(json::value combined,
                            ApplyResultPath(state.result_path, raw_input, std::move(result)));
    SLUICE_ASSIGN_OR_RETURN(json::value output, SelectPath(state.output_path, combined, vars, "OutputPath"));
    if (assigned_from) SLUICE_RETURN_IF_ERROR(Assign(state.assign, *assigned_from, vars));
    return Next(state, std::move(output));
  }

  Result<Transition> RunPass(const State& state, json::value raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, EffectiveInput(state, raw, vars));
    json::value result = state.result ? *state.result : std::move(in);
    return Finish(state, raw, std::move(result), vars);
  }

  Result<Transition> RunSucceed(const State& state, json::value raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, raw, vars, "InputPath"));
    SLUICE_ASSIGN_OR_RETURN(json::value out, SelectPath(state.output_path, in, vars, "OutputPath"));
    Transition t;
    t.output = std::move(out);
    return t;
  }

  Result<Transition> RunFail(const State& state, const json::value& raw, VariableScope* vars) {
    std::string error, cause;
    bool has_error = false, has_cause = false;
    auto text = [&](const std::optional<std::string>& lit, const std::optional<JsonPath>& path,
                    const std::optional<IntrinsicCall>& call, std::string_view field,
                    std::string* out, bool* has) -> Status {
      if (lit) {
        *out = *lit;
        *has = true;
      } else if (path || call) {
        json::value v;
        if (path) {
          SLUICE_ASSIGN_OR_RETURN(v, EvaluatePath(*path, Paths(raw, vars), field));
        } else {
          SLUICE_ASSIGN_OR_RETURN(v, call->Evaluate(Paths(raw, vars), field, exec_->random()));
        }
        if (!v.is_string()) {
          return StatesError(kStatesRuntime, "The value of the field '" + std::string(field) +
                                                 "' must be a string, but was " + Compact(v));
        }
        *out = std::string(v.get_string());
        *has = true;
      }
      return Status::OK();
    };
    SLUICE_RETURN_IF_ERROR(text(state.error, state.error_path, state.error_call, "ErrorPath", &error, &has_error));
    SLUICE_RETURN_IF_ERROR(text(state.cause, state.cause_path, state.cause_call, "CausePath", &cause, &has_cause));
    return Status(StatusCode::kAborted, has_error ? error : std::string(kNoErrorMarker),
                  has_cause ? cause : std::string(kNoCauseMarker));
  }

  Result<Transition> RunChoice(const State& state, json::value raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, raw, vars, "InputPath"));
    PathContext ctx = Paths(in, vars);
    for (const ChoiceRule& rule : state.choices) {
      SLUICE_ASSIGN_OR_RETURN(bool matched, EvaluateChoiceRule(rule, ctx));
      if (matched) {
        SLUICE_ASSIGN_OR_RETURN(json::value out, SelectPath(state.output_path, in, vars, "OutputPath"));
        SLUICE_RETURN_IF_ERROR(Assign(rule.assign, in, vars));
        SLUICE_RETURN_IF_ERROR(Assign(state.assign, in, vars));
        Transition t;
        t.output = std::move(out);
        t.next = &rule.next;
        return t;
      }
    }
    if (state.default_next.empty()) {
      return StatesError(kStatesNoChoiceMatched,
                         "No Matches! " /* AWS's cause */ "for state '" + state.name + "'");
    }
    SLUICE_ASSIGN_OR_RETURN(json::value out, SelectPath(state.output_path, in, vars, "OutputPath"));
    SLUICE_RETURN_IF_ERROR(Assign(state.assign, in, vars));
    Transition t;
    t.output = std::move(out);
    t.next = &state.default_next;
    return t;
  }

  Result<Transition> RunWait(const State& state, json::value raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, raw, vars, "InputPath"));
    int64_t wait_micros = 0;
    if (state.seconds) {
      wait_micros = *state.seconds * 1000000;
    } else if (state.timestamp) {
      wait_micros = state.timestamp->micros - exec_->Now().micros;
    } else if (state.seconds_path) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*state.seconds_path, Paths(in, vars), "SecondsPath"));
      if (!(v.is_int64() || v.is_uint64()) || (v.is_int64() && v.get_int64() < 0)) {
        return StatesError(kStatesRuntime, "The SecondsPath parameter does not reference a valid "
                                           "non-negative integer: " + Compact(v));
      }
      wait_micros = (v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64())) * 1000000;
    } else if (state.timestamp_path) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*state.timestamp_path, Paths(in, vars), "TimestampPath"));
      auto ts = v.is_string() ? common::ParseRfc3339(v.get_string()) : Result<Timestamp>(Status::InvalidArgument(""));
      if (!ts.ok()) {
        return StatesError(kStatesRuntime, "The TimestampPath parameter does not reference a valid "
                                           "ISO-8601 extended offset date-time format string: " + Compact(v));
      }
      wait_micros = ts->micros - exec_->Now().micros;
    }
    if (!exec_->Sleep(wait_micros)) {
      if (exec_->TimedOut()) return TimeoutError();
      return StatesError("States.Aborted", "The execution was stopped");
    }
    SLUICE_ASSIGN_OR_RETURN(json::value out, SelectPath(state.output_path, in, vars, "OutputPath"));
    SLUICE_RETURN_IF_ERROR(Assign(state.assign, in, vars));
    return Next(state, std::move(out));
  }

  // Task, Parallel and Map: the work, retried per Retry and caught per Catch.
  Result<Transition> RunWithRetryAndCatch(const State& state, json::value raw, VariableScope* vars) {
    std::vector<int> attempts(state.retry.size(), 0);
    int attempt = 0;
    for (;;) {
      Result<Transition> t = RunOnce(state, raw, vars, attempt);
      if (t.ok()) return t;
      Status error = t.status();
      if (!IsStatesError(error)) return error;
      if (exec_->Stopped() || error.name() == "States.Aborted") return error;
      // Retry: the first retrier whose ErrorEquals matches decides.
      const Retrier* retrier = nullptr;
      size_t index = 0;
      for (; index < state.retry.size(); ++index) {
        if (ErrorMatches(error.name(), state.retry[index].error_equals)) {
          retrier = &state.retry[index];
          break;
        }
      }
      if (retrier != nullptr && attempts[index] < retrier->max_attempts) {
        double delay = retrier->interval_seconds * std::pow(retrier->backoff_rate, attempts[index]);
        if (retrier->max_delay_seconds) delay = std::min(delay, static_cast<double>(*retrier->max_delay_seconds));
        if (retrier->jitter == JitterStrategy::kFull) {
          delay = static_cast<double>(exec_->random()->NextInt(0, static_cast<int64_t>(delay * 1000) + 1)) / 1000;
        }
        ++attempts[index];
        ++attempt;
        if (!exec_->Sleep(static_cast<int64_t>(delay * 1e6))) {
          if (exec_->TimedOut()) return TimeoutError();
          return StatesError("States.Aborted", "The execution was stopped");
        }
        if (state.type == StateType::kTask) SetRetryCount(attempt);
        continue;
      }
      // Catch: the first catcher whose ErrorEquals matches.
      for (const Catcher& c : state.catchers) {
        if (!ErrorMatches(error.name(), c.error_equals)) continue;
        json::value error_output = ErrorOutput(error);
        SLUICE_ASSIGN_OR_RETURN(json::value out, ApplyResultPath(c.result_path, raw, error_output));
        SLUICE_RETURN_IF_ERROR(Assign(c.assign, error_output, vars));
        Transition t;
        t.output = std::move(out);
        t.next = &c.next;
        return t;
      }
      return error;
    }
  }

  Result<Transition> RunOnce(const State& state, const json::value& raw, VariableScope* vars, int attempt) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, EffectiveInput(state, raw, vars));
    json::value result;
    switch (state.type) {
      case StateType::kTask: {
        SLUICE_ASSIGN_OR_RETURN(result, InvokeTask(state, in, vars, attempt));
        break;
      }
      case StateType::kParallel: {
        SLUICE_ASSIGN_OR_RETURN(result, RunParallel(state, in, vars));
        break;
      }
      case StateType::kMap: {
        SLUICE_ASSIGN_OR_RETURN(result, RunMap(state, in, vars));
        break;
      }
      default: break;
    }
    SLUICE_RETURN_IF_ERROR(CheckSize(result, "result", state.name));
    return Finish(state, raw, std::move(result), vars);
  }

  Result<int64_t> OptionalSeconds(const std::optional<int64_t>& literal, const std::optional<JsonPath>& path,
                                  const json::value& in, VariableScope* vars, std::string_view field) {
    if (literal) return *literal;
    if (!path) return int64_t{0};
    SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*path, Paths(in, vars), field));
    if (v.is_int64() && v.get_int64() > 0) return v.get_int64();
    if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
    return StatesError(kStatesRuntime, "The value of " + std::string(field) +
                                           " must be a positive integer, but was " + Compact(v));
  }

  Result<json::value> InvokeTask(const State& state, const json::value& params, VariableScope* vars,
                                 int attempt) {
    auto [resource_type, resource] = ResourceParts(state.resource);
    if (exec_->recording()) {
      json::object d;
      d["resourceType"] = resource_type;
      d["resource"] = resource;
      d["region"] = exec_->options().region;
      d["parameters"] = Compact(params);
      exec_->Record("TaskScheduled", "taskScheduledEventDetails", std::move(d));
      exec_->Record("TaskStarted", "taskStartedEventDetails",
                    json::object{{"resourceType", resource_type}, {"resource", resource}});
    }
    Result<json::value> result = CallTask(state, params, vars, attempt);
    if (exec_->recording()) {
      json::object d;
      d["resourceType"] = resource_type;
      d["resource"] = resource;
      if (result.ok()) {
        d["output"] = Compact(*result);
        d["outputDetails"] = json::object{{"truncated", false}};
        exec_->Record("TaskSucceeded", "taskSucceededEventDetails", std::move(d));
      } else if (IsStatesError(result.status())) {
        d["error"] = std::string(result.status().name());
        d["cause"] = result.status().message();
        exec_->Record(result.status().name() == kStatesTimeout ? "TaskTimedOut" : "TaskFailed",
                      result.status().name() == kStatesTimeout ? "taskTimedOutEventDetails"
                                                               : "taskFailedEventDetails",
                      std::move(d));
      }
    }
    return result;
  }

  Result<json::value> CallTask(const State& state, const json::value& params, VariableScope* vars,
                               int attempt) {
    if (const MockTestCase* mocks = exec_->options().mocks) {
      if (const MockResponse* r = mocks->Find(state.name, attempt)) {
        if (!r->returned) return StatesError(r->error, r->cause);
        // A mocked Lambda function ARN answers with the Invoke response, as for
        // Step Functions Local; the state's result is its Payload.
        if (state.resource.rfind("arn:aws:lambda:", 0) == 0 && r->returned->is_object()) {
          if (const json::value* payload = r->returned->get_object().if_contains("Payload")) return *payload;
        }
        return *r->returned;
      }
    }
    TaskHandler* handler = exec_->options().tasks ? exec_->options().tasks->Find(state.resource) : nullptr;
    if (handler == nullptr) {
      return StatesError(kStatesRuntime, "No handler is registered for the resource '" + state.resource +
                                             "' of state '" + state.name + "'");
    }
    SLUICE_ASSIGN_OR_RETURN(int64_t timeout, OptionalSeconds(state.timeout_seconds, state.timeout_seconds_path,
                                                             params, vars, "TimeoutSecondsPath"));
    SLUICE_ASSIGN_OR_RETURN(int64_t heartbeat, OptionalSeconds(state.heartbeat_seconds, state.heartbeat_seconds_path,
                                                               params, vars, "HeartbeatSecondsPath"));
    TaskInvocation inv;
    inv.resource = state.resource;
    inv.state_name = state.name;
    inv.parameters = &params;
    inv.context = &context_value_;
    inv.attempt = attempt;
    if (timeout > 0) inv.timeout_seconds = timeout;
    if (heartbeat > 0) inv.heartbeat_seconds = heartbeat;
    inv.wait_time_scale = exec_->options().wait_time_scale;
    return handler->Invoke(inv);
  }

  Result<json::value> RunParallel(const State& state, const json::value& in, VariableScope* vars) {
    if (exec_->recording()) exec_->Record("ParallelStateStarted");
    json::array results;
    results.reserve(state.branches.size());
    for (const auto& branch : state.branches) {
      VariableScope scope(vars);
      Runner child(exec_, context_);
      Result<json::value> out = child.RunMachine(*branch, in, &scope);
      if (!out.ok()) {
        if (exec_->recording()) exec_->Record("ParallelStateFailed");
        return out.status();
      }
      results.push_back(std::move(*out));
    }
    if (exec_->recording()) exec_->Record("ParallelStateSucceeded");
    return json::value(std::move(results));
  }

  Result<int64_t> MapNumber(const std::optional<int64_t>& literal, const std::optional<JsonPath>& path,
                            const json::value& in, VariableScope* vars, std::string_view field) {
    if (literal) return *literal;
    if (!path) return int64_t{-1};
    SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*path, Paths(in, vars), field));
    if (v.is_int64() && v.get_int64() >= 0) return v.get_int64();
    if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
    return StatesError(kStatesRuntime, "The value of " + std::string(field) +
                                           " must be a non-negative integer, but was " + Compact(v));
  }

  Result<json::value> RunMap(const State& state, const json::value& in, VariableScope* vars) {
    json::value items_value;
    if (state.items_path && !state.items_path->is_root_only()) {
      SLUICE_ASSIGN_OR_RETURN(items_value, EvaluatePath(*state.items_path, Paths(in, vars), "ItemsPath"));
    } else if (state.items_path && state.items_path->root() != JsonPath::Root::kInput) {
      SLUICE_ASSIGN_OR_RETURN(items_value, EvaluatePath(*state.items_path, Paths(in, vars), "ItemsPath"));
    } else {
      items_value = in;
    }
    if (!items_value.is_array()) {
      return StatesError(kStatesRuntime, "Map state '" + state.name +
                                             "': the items to iterate (ItemsPath) must be a JSON array, but was " +
                                             std::string(common::JsonTypeName(items_value)));
    }
    json::array& items = items_value.as_array();

    // Item inputs: ItemSelector (or legacy Parameters) sees `$` = the state input and
    // `$$.Map.Item` = {Index, Value}.
    const std::optional<PayloadTemplate>& selector = state.item_selector ? state.item_selector : state.parameters;
    std::vector<json::value> inputs;
    inputs.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (!selector) {
        inputs.push_back(items[i]);
        continue;
      }
      json::object ctx = context_;
      ctx["Map"] = json::object{{"Item", json::object{{"Index", static_cast<int64_t>(i)}, {"Value", items[i]}}}};
      json::value ctx_value(std::move(ctx));
      PathContext pc{&in, &ctx_value, vars};
      SLUICE_ASSIGN_OR_RETURN(json::value item_input, selector->Evaluate(pc, exec_->random()));
      inputs.push_back(std::move(item_input));
    }
    if (state.item_batcher) {
      SLUICE_ASSIGN_OR_RETURN(inputs, Batch(state, *state.item_batcher, std::move(inputs), in, vars));
    }

    SLUICE_ASSIGN_OR_RETURN(int64_t tolerated_count,
                            MapNumber(state.tolerated_failure_count, state.tolerated_failure_count_path, in,
                                      vars, "ToleratedFailureCountPath"));
    double tolerated_pct = -1;
    if (state.tolerated_failure_percentage) {
      tolerated_pct = *state.tolerated_failure_percentage;
    } else if (state.tolerated_failure_percentage_path) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*state.tolerated_failure_percentage_path,
                                                          Paths(in, vars), "ToleratedFailurePercentagePath"));
      if (!v.is_number() || v.to_number<double>() < 0 || v.to_number<double>() > 100) {
        return StatesError(kStatesRuntime, "The value of ToleratedFailurePercentagePath must be a number "
                                           "between 0 and 100, but was " + Compact(v));
      }
      tolerated_pct = v.to_number<double>();
    }
    bool tolerant = tolerated_count >= 0 || tolerated_pct >= 0;

    if (exec_->recording()) {
      exec_->Record("MapStateStarted", "mapStateStartedEventDetails",
                    json::object{{"length", static_cast<int64_t>(inputs.size())}});
    }
    json::array results;
    results.reserve(inputs.size());
    int64_t failed = 0;
    Status first_failure;
    const StateMachine& processor = *state.processor.definition;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (exec_->recording()) {
        exec_->Record("MapIterationStarted", "mapIterationStartedEventDetails",
                      json::object{{"name", state.name}, {"index", static_cast<int64_t>(i)}});
      }
      VariableScope scope(vars);
      Runner child(exec_, context_);
      Result<json::value> out = child.RunMachine(processor, std::move(inputs[i]), &scope);
      if (out.ok()) {
        if (exec_->recording()) {
          exec_->Record("MapIterationSucceeded", "mapIterationSucceededEventDetails",
                        json::object{{"name", state.name}, {"index", static_cast<int64_t>(i)}});
        }
        results.push_back(std::move(*out));
        continue;
      }
      if (exec_->recording()) {
        exec_->Record("MapIterationFailed", "mapIterationFailedEventDetails",
                      json::object{{"name", state.name}, {"index", static_cast<int64_t>(i)}});
      }
      if (!IsStatesError(out.status()) || !tolerant || out.status().name() == kStatesRuntime ||
          exec_->Stopped() || exec_->TimedOut()) {
        if (exec_->recording()) exec_->Record("MapStateFailed");
        return out.status();
      }
      ++failed;
      if (first_failure.ok()) first_failure = out.status();
      results.push_back(ErrorOutput(out.status()));
    }
    if (tolerant && failed > 0) {
      bool over_count = tolerated_count >= 0 && failed > tolerated_count;
      bool over_pct = tolerated_pct >= 0 &&
                      static_cast<double>(failed) * 100.0 > tolerated_pct * static_cast<double>(inputs.size());
      bool exceeded = (tolerated_count >= 0 && tolerated_pct >= 0) ? (over_count && over_pct)
                                                                    : (over_count || over_pct);
      if (exceeded) {
        if (exec_->recording()) exec_->Record("MapStateFailed");
        return StatesError(kStatesExceedToleratedFailureThreshold,
                           "The specified tolerated failure threshold was exceeded");
      }
    }
    if (exec_->recording()) exec_->Record("MapStateSucceeded");
    return json::value(std::move(results));
  }

  // Groups item inputs into batches `{"Items":[…]}` (+ BatchInput) by count and bytes.
  Result<std::vector<json::value>> Batch(const State& state, const ItemBatcher& batcher,
                                         std::vector<json::value> inputs, const json::value& in,
                                         VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(int64_t max_items, MapNumber(batcher.max_items_per_batch, batcher.max_items_per_batch_path,
                                                         in, vars, "MaxItemsPerBatchPath"));
    SLUICE_ASSIGN_OR_RETURN(int64_t max_bytes,
                            MapNumber(batcher.max_input_bytes_per_batch, batcher.max_input_bytes_per_batch_path, in,
                                      vars, "MaxInputBytesPerBatchPath"));
    json::value batch_input;
    if (batcher.batch_input) {
      SLUICE_ASSIGN_OR_RETURN(batch_input, batcher.batch_input->Evaluate(Paths(in, vars), exec_->random()));
    }
    (void)state;
    std::vector<json::value> batches;
    json::array current;
    size_t current_bytes = 0;
    auto flush = [&] {
      if (current.empty()) return;
      json::object b;
      if (batch_input.is_object()) b["BatchInput"] = batch_input;
      b["Items"] = std::move(current);
      batches.emplace_back(std::move(b));
      current = json::array();
      current_bytes = 0;
    };
    for (json::value& item : inputs) {
      size_t bytes = common::SerializedSize(item);
      bool full_by_count = max_items > 0 && static_cast<int64_t>(current.size()) >= max_items;
      bool full_by_bytes = max_bytes > 0 && !current.empty() &&
                           static_cast<int64_t>(current_bytes + bytes) > max_bytes;
      if (full_by_count || full_by_bytes) flush();
      current_bytes += bytes;
      current.push_back(std::move(item));
    }
    flush();
    return batches;
  }

  Execution* exec_;
  json::object context_;
  json::value context_value_;
};

json::object BaseContext(const ExecutionOptions& o, const std::string& arn, const std::string& name,
                         const json::value& input, Timestamp start) {
  std::string role = o.role_arn.empty() ? "arn:aws:iam::" + o.account + ":role/sluice-execution" : o.role_arn;
  json::object execution;
  execution["Id"] = arn;
  execution["Input"] = input;
  execution["Name"] = name;
  execution["RoleArn"] = role;
  execution["StartTime"] = common::FormatIso8601Millis(start);
  execution["RedriveCount"] = 0;
  json::object machine;
  machine["Id"] = "arn:aws:states:" + o.region + ":" + o.account + ":stateMachine:" + o.state_machine_name;
  machine["Name"] = o.state_machine_name;
  json::object ctx;
  ctx["Execution"] = std::move(execution);
  ctx["StateMachine"] = std::move(machine);
  return ctx;
}

}  // namespace

std::string_view ExecutionStatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kSucceeded: return "SUCCEEDED";
    case ExecutionStatus::kFailed: return "FAILED";
    case ExecutionStatus::kTimedOut: return "TIMED_OUT";
    case ExecutionStatus::kAborted: return "ABORTED";
  }
  return "FAILED";
}

boost::json::object HistoryEvent::ToJson() const {
  boost::json::object o;
  o["timestamp"] = common::FormatIso8601Millis(timestamp);
  o["type"] = type;
  o["id"] = id;
  o["previousEventId"] = previous_event_id;
  if (!details_name.empty()) o[details_name] = details;
  return o;
}

boost::json::object ExecutionResult::ToJson() const {
  boost::json::object o;
  o["status"] = std::string(ExecutionStatusName(status));
  if (status == ExecutionStatus::kSucceeded) {
    o["output"] = output;
  } else {
    if (has_error) o["error"] = error;
    if (has_cause) o["cause"] = cause;
  }
  return o;
}

ExecutionResult RunExecution(const StateMachine& machine, const boost::json::value& input,
                             const ExecutionOptions& options) {
  std::string name = options.execution_name.empty() ? common::NewUuid() : options.execution_name;
  std::string arn = "arn:aws:states:" + options.region + ":" + options.account + ":execution:" +
                    options.state_machine_name + ":" + name;
  Execution exec(options, arn);
  ExecutionResult result;
  result.execution_arn = arn;
  Timestamp start = exec.Now();
  if (machine.timeout_seconds) exec.SetDeadline(Timestamp{start.micros + *machine.timeout_seconds * 1000000});
  if (exec.recording()) {
    json::object d;
    d["input"] = Compact(input);
    d["inputDetails"] = json::object{{"truncated", false}};
    d["roleArn"] = options.role_arn.empty() ? "arn:aws:iam::" + options.account + ":role/sluice-execution"
                                            : options.role_arn;
    exec.Record("ExecutionStarted", "executionStartedEventDetails", std::move(d));
  }
  Runner runner(&exec, BaseContext(options, arn, name, input, start));
  VariableScope vars;
  Result<json::value> out =
      options.max_payload_bytes && common::SerializedSize(input) > options.max_payload_bytes
          ? Result<json::value>(StatesError(kStatesDataLimitExceeded,
                                            "The execution input exceeds the maximum of " +
                                                std::to_string(options.max_payload_bytes) + " bytes."))
          : runner.RunMachine(machine, input, &vars);
  result.state_transitions = exec.transitions;
  if (out.ok()) {
    result.status = ExecutionStatus::kSucceeded;
    result.output = std::move(*out);
    if (exec.recording()) {
      exec.Record("ExecutionSucceeded", "executionSucceededEventDetails",
                  json::object{{"output", Compact(result.output)},
                               {"outputDetails", json::object{{"truncated", false}}}});
    }
  } else {
    const Status& st = out.status();
    if (!IsStatesError(st)) {
      result.status = ExecutionStatus::kFailed;
      result.error = kStatesRuntime;
      result.cause = st.ToString();
    } else if (st.name() == "States.Aborted") {
      result.status = ExecutionStatus::kAborted;
    } else if (st.name() == kStatesTimeout && exec.TimedOut()) {
      result.status = ExecutionStatus::kTimedOut;
      result.error = kStatesTimeout;
      result.cause = st.message();
    } else {
      result.status = ExecutionStatus::kFailed;
      result.error = std::string(st.name());
      result.cause = st.message();
    }
    result.has_error = result.status != ExecutionStatus::kAborted && result.error != kNoErrorMarker;
    result.has_cause = result.status != ExecutionStatus::kAborted && result.cause != kNoCauseMarker;
    if (!result.has_error) result.error.clear();
    if (!result.has_cause) result.cause.clear();
    if (exec.recording()) {
      std::string type = result.status == ExecutionStatus::kTimedOut ? "ExecutionTimedOut"
                         : result.status == ExecutionStatus::kAborted ? "ExecutionAborted"
                                                                       : "ExecutionFailed";
      json::object d;
      if (result.has_error) d["error"] = result.error;
      if (result.has_cause) d["cause"] = result.cause;
      std::string details = type == "ExecutionTimedOut"  ? "executionTimedOutEventDetails"
                            : type == "ExecutionAborted" ? "executionAbortedEventDetails"
                                                         : "executionFailedEventDetails";
      exec.Record(type, details, std::move(d));
    }
  }
  result.history = exec.TakeHistory();
  return result;
}

}  // namespace sluice::asl
