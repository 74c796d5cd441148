#include "sluice/asl/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <atomic>

#include "sluice/asl/errors.h"
#include "sluice/common/hash.h"
#include "sluice/common/ids.h"
#include "sluice/jsonata/jsonata.h"

namespace sluice::asl {
namespace {

namespace json = boost::json;
using common::Timestamp;

// What Record() tells the caller about an event.
struct Recorded {
  Timestamp timestamp;
  const HistoryEvent* replayed = nullptr;  // set when the event came from the replayed history
};

// The execution-wide services every state needs: the clock, the history (recorded live or
// replayed scope by scope), the journal of durable executions. Shared by the runners of all
// scopes, which may run on several threads (concurrent Map iterations and Parallel
// branches): live recording, syncing and stop polling are serialised here; a scope's
// replayed events are only ever consumed by the one runner of that scope.
class Execution {
 public:
  // `arn` must outlive the execution.
  Execution(const ExecutionOptions& options, const std::string& arn)
      : options_(options),
        clock_(options.clock ? options.clock : common::SystemClock::Default()),
        random_(options.random ? options.random : DefaultRandomSource()),
        arn_(arn) {
    int64_t floor = 0;
    if (options.replay) {
      for (const HistoryEvent& e : *options.replay) {
        replay_[e.scope].push_back(&e);
        last_event_id_ = std::max(last_event_id_, e.id);
        floor = std::max(floor, e.timestamp.micros);
      }
    }
    last_timestamp_ = floor;
    last_event_id_ = std::max(last_event_id_, options.last_event_id);
    previous_event_id_ = last_event_id_;
    // A resumed execution's clock never runs behind its history.
    if (floor > 0) initial_offset_ = std::max<int64_t>(0, floor - clock_->Now().micros);
  }

  const ExecutionOptions& options() const { return options_; }
  const std::string& arn() const { return arn_; }
  const common::Clock* clock() const { return clock_; }
  RandomSource* random() const { return random_; }
  ExecutionJournal* journal() const { return options_.journal; }
  // How far virtual time starts ahead of the clock (a resumed execution's history).
  int64_t initial_offset() const { return initial_offset_; }

  bool Suspended() const { return options_.suspend && options_.suspend->load(); }

  bool Stopped() {
    if (options_.stop && options_.stop->load()) return true;
    if (stopped_.load()) return true;
    if (options_.journal) {
      // The journal rate-limits its own reads of the stop flag.
      std::lock_guard<std::mutex> lock(mu_);
      if (options_.journal->StopRequested()) stopped_.store(true);
    }
    return stopped_.load();
  }
  void SetDeadline(Timestamp t) { deadline_ = t; }
  const std::optional<Timestamp>& deadline() const { return deadline_; }

  bool recording() const { return options_.record_history || options_.journal != nullptr; }

  // The next replayed event of `scope`, or nullptr when the scope has run live.
  const HistoryEvent* PeekReplay(const std::string& scope) const {
    auto it = replay_.find(scope);
    return it == replay_.end() || it->second.empty() ? nullptr : it->second.front();
  }

  // Records an event of `scope` happening at `now`: replays the next recorded event of that
  // scope when there is one (it must be of the same type: otherwise the definition changed
  // under the history), or appends a new one (and hands it to the journal).
  Result<Recorded> Record(const std::string& scope, Timestamp now, std::string_view type,
                          std::string_view details_name = {}, json::object details = {}) {
    if (!recording()) return Recorded{Timestamp{}, nullptr};
    auto it = replay_.find(scope);
    if (it != replay_.end() && !it->second.empty()) {
      const HistoryEvent* e = it->second.front();
      if (e->type != type) {
        return StatesError(kStatesRuntime, "The execution history does not match its definition: expected " +
                                               std::string(type) + " in scope '" + scope + "', found " + e->type +
                                               " (event " + std::to_string(e->id) + ")");
      }
      it->second.pop_front();
      return Recorded{e->timestamp, e};
    }
    HistoryEvent e;
    e.type = std::string(type);
    e.details_name = std::string(details_name);
    e.details = std::move(details);
    e.scope = scope;
    std::lock_guard<std::mutex> lock(mu_);
    // History timestamps never go back, whichever thread reads its clock first and however
    // the wall clock steps.
    e.timestamp = Timestamp{std::max(now.micros, last_timestamp_)};
    last_timestamp_ = e.timestamp.micros;
    e.id = ++last_event_id_;
    e.previous_event_id = previous_event_id_;
    previous_event_id_ = e.id;
    if (options_.journal) SLUICE_RETURN_IF_ERROR(options_.journal->Append(e));
    Timestamp at = e.timestamp;
    history_.push_back(std::move(e));
    return Recorded{at, nullptr};
  }

  Status Sync() {
    if (!options_.journal) return Status::OK();
    std::lock_guard<std::mutex> lock(mu_);
    return options_.journal->Sync();
  }

  Result<TaskTokenOutcome> PollTaskToken(const std::string& token) {
    std::lock_guard<std::mutex> lock(mu_);
    return options_.journal->PollTaskToken(token);
  }
  Status CreateTaskToken(const std::string& token) {
    std::lock_guard<std::mutex> lock(mu_);
    return options_.journal->CreateTaskToken(token);
  }

  std::vector<HistoryEvent> TakeHistory() { return std::move(history_); }

  std::atomic<int64_t> transitions{0};

 private:
  const ExecutionOptions& options_;
  const common::Clock* clock_;
  RandomSource* random_;
  const std::string& arn_;
  int64_t initial_offset_ = 0;
  int64_t last_timestamp_ = 0;  // micros of the latest recorded event (guarded by mu_)
  std::optional<Timestamp> deadline_;
  std::map<std::string, std::deque<const HistoryEvent*>, std::less<>> replay_;
  std::mutex mu_;  // guards the live history, the event ids and the journal
  std::vector<HistoryEvent> history_;
  int64_t last_event_id_ = 0;
  int64_t previous_event_id_ = 0;
  std::atomic<bool> stopped_{false};
};

// The result of running one state: where to go next (nullptr: the machine ends) and the
// state's output.
struct Transition {
  json::value output;
  const std::string* next = nullptr;
  int next_index = -1;  // the position of `next` in the machine's states, when known
  bool unchanged = false;  // the output is the state's input, untouched (no size check needed)
};

std::string Compact(const json::value& v) { return common::SerializeJson(v); }

// How a stopped (StopExecution) or cancelled run unwinds: never caught, never retried.
constexpr std::string_view kStatesAborted = "States.Aborted";

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

// Runs the states of one scope (the top level, a Parallel branch or a Map iteration). All
// runners of an execution share its context object, whose "State" part each state rewrites
// on entry (runners run one at a time).
class Runner {
 public:
  // `context` (the context object this runner's states read and update) and `cancel` (set
  // when a sibling Map iteration or Parallel branch failed; may be null) must outlive it.
  // `offset`: how far this runner's virtual clock is ahead of the real one.
  Runner(Execution* exec, json::value* context, std::string scope, int64_t offset,
         const Runner* parent = nullptr, const std::atomic<bool>* cancel = nullptr)
      : exec_(exec), context_(context), scope_(std::move(scope)), offset_(offset), parent_(parent), cancel_(cancel) {
    if (exec->options().random_for_scope) {
      owned_random_ = exec->options().random_for_scope(scope_);
      random_ = owned_random_.get();
    } else {
      random_ = exec->random();
    }
  }

  // This runner's virtual clock: real time plus every virtual wait not actually slept (and,
  // for a resumed execution, however far its history ran ahead of real time).
  Timestamp Now() const { return Timestamp{exec_->clock()->Now().micros + offset_}; }
  int64_t offset() const { return offset_; }
  bool TimedOut() const { return exec_->deadline() && Now() >= *exec_->deadline(); }
  bool Stopped() const {
    return (cancel_ && cancel_->load()) || (parent_ ? parent_->Stopped() : exec_->Stopped());
  }

  // Runs `machine` from StartAt with `input`; returns the final output or a States error.
  Result<json::value> RunMachine(const StateMachine& machine, json::value input, VariableScope* vars) {
    const State* state = machine.Find(machine.start_at);
    json::value current = std::move(input);
    while (state != nullptr) {
      if (Stopped()) return StatesError(kStatesAborted, "The execution was stopped");
      if (TimedOut()) return TimeoutError();
      if (exec_->Suspended()) return SuspendedError();
      exec_->transitions.fetch_add(1, std::memory_order_relaxed);
      SLUICE_ASSIGN_OR_RETURN(Transition t, RunState(*state, std::move(current), vars));
      current = std::move(t.output);
      if (t.next == nullptr) return current;
      state = t.next_index >= 0 ? &machine.states[static_cast<size_t>(t.next_index)] : machine.Find(*t.next);
      if (state == nullptr) return StatesError(kStatesRuntime, "state '" + *t.next + "' does not exist");
    }
    return current;
  }

  static Status TimeoutError() { return StatesError(kStatesTimeout, "The execution timed out"); }

 private:
  PathContext Paths(const json::value& input, VariableScope* vars) const {
    return PathContext{&input, context_, vars};
  }

  Result<Recorded> Record(std::string_view type, std::string_view details_name = {}, json::object details = {}) {
    if (!exec_->recording()) return Recorded{};
    // The first event after a wait happens exactly when the wait ends.
    Timestamp at = pinned_ ? *pinned_ : Now();
    pinned_.reset();
    SLUICE_ASSIGN_OR_RETURN(Recorded r, exec_->Record(scope_, at, type, details_name, std::move(details)));
    last_event_time_ = r.timestamp;
    return r;
  }

  // When the last event of this scope happened (now, when no history is kept).
  Timestamp LastEventTime() const { return exec_->recording() ? last_event_time_ : Now(); }

  // Not a States error: the run ends as an engine failure would, leaving the execution
  // RUNNING for the next engine to resume.
  static Status SuspendedError() {
    return Status::Unavailable("the engine is shutting down; the execution resumes when it starts again");
  }

  // Waits until virtual time `target`, sleeping (target - now)·scale of real time, in slices
  // so a stop request is noticed. Returns false when the execution was stopped or timed out
  // (or this scope cancelled) meanwhile.
  bool SleepUntil(Timestamp target) {
    if (exec_->deadline() && target > *exec_->deadline()) target = *exec_->deadline();
    int64_t micros = target.micros - Now().micros;
    if (micros <= 0) return !Stopped() && !TimedOut();
    double scale = exec_->options().wait_time_scale;
    auto start = std::chrono::steady_clock::now();
    int64_t real = static_cast<int64_t>(static_cast<double>(micros) * scale);
    while (real > 0) {
      if (Stopped() || exec_->Suspended()) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(real, 50000)));
      auto slept = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start)
                       .count();
      real = static_cast<int64_t>(static_cast<double>(micros) * scale) - slept;
    }
    // Time resumes exactly at the target, however long the real sleep overran.
    offset_ = target.micros - exec_->clock()->Now().micros;
    pinned_ = target;
    return !Stopped() && !TimedOut();
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
  static bool SelectsAll(const OptionalPath& p) {
    return !p.is_null && (!p.path || (p.path->is_root_only() && p.path->root() == JsonPath::Root::kInput));
  }

  // `doc` is taken by value so the common `$` case moves instead of copying.
  Result<json::value> SelectPath(const OptionalPath& p, json::value doc, VariableScope* vars,
                                 std::string_view field) const {
    if (p.is_null) return json::value(json::object());
    if (SelectsAll(p)) return doc;
    return EvaluatePath(*p.path, Paths(doc, vars), field);
  }

  Result<json::value> ApplyResultPath(const OptionalPath& p, json::value raw_input, json::value result) const {
    if (p.is_null) return raw_input;
    if (!p.path || p.path->is_root_only()) return result;
    SLUICE_RETURN_IF_ERROR(p.path->Assign(raw_input, std::move(result)));
    return raw_input;
  }

  json::object& StateContext() { return context_->as_object()["State"].as_object(); }

  void EnterStateContext(const State& state, Timestamp entered) {
    json::object& s = context_->as_object()["State"].emplace_object();
    s.reserve(3);
    s.emplace("EnteredTime", common::FormatIso8601Millis(entered));
    s.emplace("Name", state.name);
    if (state.type == StateType::kTask) s.emplace("RetryCount", 0);
  }

  // Evaluates an Assign template against `doc` and, only when every value evaluated, binds
  // them all (Assign sees the values variables had on entry).
  Status Assign(const std::optional<PayloadTemplate>& assign, const json::value& doc, VariableScope* vars) {
    if (!assign || vars == nullptr) return Status::OK();
    SLUICE_ASSIGN_OR_RETURN(json::value values, assign->Evaluate(Paths(doc, vars), random_));
    if (values.is_object()) {
      for (auto& [name, value] : values.as_object()) vars->Set(std::string(name), std::move(value));
    }
    return Status::OK();
  }

  static std::string_view EnteredEvent(StateType t) {
    static const std::string kNames[] = {"TaskStateEntered", "PassStateEntered", "ChoiceStateEntered",
                                         "WaitStateEntered", "SucceedStateEntered", "FailStateEntered",
                                         "ParallelStateEntered", "MapStateEntered"};
    return kNames[static_cast<int>(t)];
  }
  static std::string_view ExitedEvent(StateType t) {
    static const std::string kNames[] = {"TaskStateExited", "PassStateExited", "ChoiceStateExited",
                                         "WaitStateExited", "SucceedStateExited", "FailStateExited",
                                         "ParallelStateExited", "MapStateExited"};
    return kNames[static_cast<int>(t)];
  }

  static json::object StateDetails(const State& state, const json::value& payload, std::string_view key) {
    json::object d;
    d["name"] = state.name;
    d[key] = Compact(payload);
    d[std::string(key) + "Details"] = json::object{{"truncated", false}};
    return d;
  }

  Result<Transition> RunState(const State& state, json::value input, VariableScope* vars) {
    Timestamp entered_at;
    bool replayed = false;
    if (exec_->recording()) {
      SLUICE_ASSIGN_OR_RETURN(Recorded entered, Record(EnteredEvent(state.type), "stateEnteredEventDetails",
                                                       StateDetails(state, input, "input")));
      entered_at = entered.timestamp;
      replayed = entered.replayed != nullptr;
    } else if (state.uses_context) {
      entered_at = Now();
    }
    if (ExecutionObserver* o = exec_->options().observer; o != nullptr && !replayed) {
      std::string_view type = EnteredEvent(state.type);
      o->StateEntered(type.substr(0, type.size() - std::string_view("StateEntered").size()));
    }
    if (state.uses_context) EnterStateContext(state, entered_at);
    Result<Transition> t = Dispatch(state, std::move(input), vars);
    if (t.ok()) {
      if (!t->unchanged) SLUICE_RETURN_IF_ERROR(CheckSize(t->output, "output", state.name));
      if (exec_->recording()) {
        SLUICE_RETURN_IF_ERROR(
            Record(ExitedEvent(state.type), "stateExitedEventDetails", StateDetails(state, t->output, "output"))
                .status());
      }
    }
    return t;
  }

  Result<Transition> Dispatch(const State& state, json::value input, VariableScope* vars) {
    if (state.jsonata) {
      switch (state.type) {
        case StateType::kPass: return RunPassJsonata(state, input, vars);
        case StateType::kChoice: return RunChoiceJsonata(state, input, vars);
        case StateType::kWait: return RunWaitJsonata(state, input, vars);
        case StateType::kSucceed: return RunSucceedJsonata(state, input, vars);
        case StateType::kFail: return RunFailJsonata(state, input, vars);
        default: break;  // Task: RunWithRetryAndCatch, below (Map/Parallel are refused at parse)
      }
    }
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

  static Transition Next(const State& state, json::value output) {
    Transition t;
    t.output = std::move(output);
    if (!state.is_terminal()) {
      t.next = &state.next;
      t.next_index = state.next_index;
    }
    return t;
  }

  // InputPath and Parameters: the state's effective input.
  Result<json::value> EffectiveInput(const State& state, const json::value& raw, VariableScope* vars) {
    bool parameters = state.parameters && state.type != StateType::kMap;
    if (parameters && SelectsAll(state.input_path)) {
      // Parameters read the raw input in place: no copy.
      SLUICE_ASSIGN_OR_RETURN(json::value in, state.parameters->Evaluate(Paths(raw, vars), random_));
      SLUICE_RETURN_IF_ERROR(CheckSize(in, "input", state.name));
      return in;
    }
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, raw, vars, "InputPath"));
    if (parameters) {
      SLUICE_ASSIGN_OR_RETURN(in, state.parameters->Evaluate(Paths(in, vars), random_));
      SLUICE_RETURN_IF_ERROR(CheckSize(in, "input", state.name));
    }
    return in;
  }

  // ResultSelector, ResultPath, OutputPath and Assign, once a result exists.
  Result<Transition> Finish(const State& state, json::value raw_input, json::value result, VariableScope* vars) {
    if (state.result_selector) {
      SLUICE_ASSIGN_OR_RETURN(result, state.result_selector->Evaluate(Paths(result, vars), random_));
    }
    // Assign reads the (selected) result as `$`, with the variables' entry values.
    std::optional<json::value> assigned_from;
    if (state.assign) assigned_from = result;
    SLUICE_ASSIGN_OR_RETURN(json::value combined,
                            ApplyResultPath(state.result_path, std::move(raw_input), std::move(result)));
    SLUICE_ASSIGN_OR_RETURN(json::value output, SelectPath(state.output_path, std::move(combined), vars, "OutputPath"));
    if (assigned_from) SLUICE_RETURN_IF_ERROR(Assign(state.assign, *assigned_from, vars));
    return Next(state, std::move(output));
  }

  Result<Transition> RunPass(const State& state, json::value raw, VariableScope* vars) {
    // The raw input is needed again only when ResultPath merges into it.
    bool merges = state.result_path.is_null || (state.result_path.path && !state.result_path.path->is_root_only());
    json::value result;
    if (state.result) {
      result = *state.result;
    } else if (!merges && !state.parameters && SelectsAll(state.input_path)) {
      result = std::move(raw);  // the input passes through untouched
      if (!state.result_selector && !state.assign && SelectsAll(state.output_path)) {
        Transition t = Next(state, std::move(result));
        t.unchanged = true;
        return t;
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(result, EffectiveInput(state, raw, vars));
    }
    return Finish(state, merges ? std::move(raw) : json::value(), std::move(result), vars);
  }

  Result<Transition> RunSucceed(const State& state, json::value raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, std::move(raw), vars, "InputPath"));
    SLUICE_ASSIGN_OR_RETURN(json::value out, SelectPath(state.output_path, std::move(in), vars, "OutputPath"));
    Transition t;
    t.output = std::move(out);
    return t;
  }

  Result<Transition> RunFail(const State& state, const json::value& raw, VariableScope* vars) {
    std::string error, cause;
    bool has_error = false, has_cause = false;
    auto text = [&](const std::optional<std::string>& lit, const std::optional<JsonPath>& path,
                    const std::optional<IntrinsicCall>& call, std::string_view field, std::string* out,
                    bool* has) -> Status {
      if (lit) {
        *out = *lit;
        *has = true;
      } else if (path || call) {
        json::value v;
        if (path) {
          SLUICE_ASSIGN_OR_RETURN(v, EvaluatePath(*path, Paths(raw, vars), field));
        } else {
          SLUICE_ASSIGN_OR_RETURN(v, call->Evaluate(Paths(raw, vars), field, random_));
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
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, std::move(raw), vars, "InputPath"));
    PathContext ctx = Paths(in, vars);
    const std::string* next = nullptr;
    int next_index = -1;
    const ChoiceRule* matched_rule = nullptr;
    for (const ChoiceRule& rule : state.choices) {
      SLUICE_ASSIGN_OR_RETURN(bool matched, EvaluateChoiceRule(rule, ctx));
      if (matched) {
        matched_rule = &rule;
        next = &rule.next;
        break;
      }
    }
    if (next == nullptr) {
      if (state.default_next.empty()) {
        return StatesError(kStatesNoChoiceMatched, "No Matches! for state '" + state.name + "'");
      }
      next = &state.default_next;
      next_index = state.default_index;
    }
    if (matched_rule) SLUICE_RETURN_IF_ERROR(Assign(matched_rule->assign, in, vars));
    SLUICE_RETURN_IF_ERROR(Assign(state.assign, in, vars));
    Transition t;
    SLUICE_ASSIGN_OR_RETURN(t.output, SelectPath(state.output_path, std::move(in), vars, "OutputPath"));
    t.next = next;
    t.next_index = next_index;
    return t;
  }

  // Waits until `target` unless the history shows this scope went on already.
  Status WaitUntil(Timestamp target) {
    if (exec_->PeekReplay(scope_) != nullptr) return Status::OK();
    SLUICE_RETURN_IF_ERROR(exec_->Sync());
    if (SleepUntil(target)) return Status::OK();
    if (TimedOut()) return TimeoutError();
    if (!Stopped() && exec_->Suspended()) return SuspendedError();
    return StatesError(kStatesAborted, "The execution was stopped");
  }

  Result<Transition> RunWait(const State& state, json::value raw, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(json::value in, SelectPath(state.input_path, std::move(raw), vars, "InputPath"));
    Timestamp entered = LastEventTime();
    Timestamp target = entered;
    if (state.seconds) {
      target.micros += *state.seconds * 1000000;
    } else if (state.timestamp) {
      target = *state.timestamp;
    } else if (state.seconds_path) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*state.seconds_path, Paths(in, vars), "SecondsPath"));
      if (!(v.is_int64() || v.is_uint64()) || (v.is_int64() && v.get_int64() < 0)) {
        return StatesError(kStatesRuntime,
                           "The SecondsPath parameter does not reference a valid non-negative integer: " + Compact(v));
      }
      target.micros += (v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64())) * 1000000;
    } else if (state.timestamp_path) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*state.timestamp_path, Paths(in, vars), "TimestampPath"));
      auto ts = v.is_string() ? common::ParseRfc3339(v.get_string()) : Result<Timestamp>(Status::InvalidArgument(""));
      if (!ts.ok()) {
        return StatesError(kStatesRuntime, "The TimestampPath parameter does not reference a valid ISO-8601 "
                                           "extended offset date-time format string: " + Compact(v));
      }
      target = *ts;
    }
    SLUICE_RETURN_IF_ERROR(WaitUntil(target));
    SLUICE_RETURN_IF_ERROR(Assign(state.assign, in, vars));
    SLUICE_ASSIGN_OR_RETURN(json::value out, SelectPath(state.output_path, std::move(in), vars, "OutputPath"));
    return Next(state, std::move(out));
  }


  // ---- JSONata mode ----

  // `$states` (input, context, and result or errorOutput when there is one) and the
  // workflow variables visible from `vars`, innermost first.
  jsonata::Bindings JsonataBindings(const json::value& input, VariableScope* vars,
                                    const json::value* result = nullptr,
                                    const json::value* error_output = nullptr) const {
    jsonata::Value states = jsonata::Value::NewObject();
    states.object().Set("input", jsonata::Value::FromJson(input));
    if (context_ != nullptr) states.object().Set("context", jsonata::Value::FromJson(*context_));
    if (result != nullptr) states.object().Set("result", jsonata::Value::FromJson(*result));
    if (error_output != nullptr) {
      states.object().Set("errorOutput", jsonata::Value::FromJson(*error_output));
    }
    jsonata::Bindings bindings{{"states", states}};
    for (const VariableScope* scope = vars; scope != nullptr; scope = scope->parent()) {
      for (const auto& [name, value] : scope->values()) {
        bool shadowed = false;
        for (const auto& b : bindings) shadowed = shadowed || b.first == name;
        if (!shadowed) bindings.emplace_back(name, jsonata::Value::FromJson(value));
      }
    }
    return bindings;
  }

  // A field's value; an undefined result is an evaluation error (JSON has no undefined).
  static Result<json::value> EvaluateField(const jsonata::JsonataTemplate& field,
                                           const jsonata::Bindings& bindings, std::string_view name) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<json::value> v, field.Evaluate(bindings));
    if (!v) {
      return StatesError(kStatesQueryEvaluationError,
                         "The JSONata expression of the field '" + std::string(name) +
                             "' evaluated to nothing (undefined)");
    }
    return std::move(*v);
  }

  // Assign's values, evaluated now (variables as they were on entry) and bound by Bind().
  static Result<std::optional<json::object>> AssignValues(
      const std::optional<jsonata::JsonataTemplate>& assign, const jsonata::Bindings& bindings) {
    if (!assign) return std::optional<json::object>();
    SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateField(*assign, bindings, "Assign"));
    if (!v.is_object()) {
      return StatesError(kStatesQueryEvaluationError,
                         "The field 'Assign' must evaluate to an object, but was " + Compact(v));
    }
    return std::optional<json::object>(std::move(v.as_object()));
  }

  static void Bind(std::optional<json::object> values, VariableScope* vars) {
    if (!values || vars == nullptr) return;
    for (auto& [name, value] : *values) vars->Set(std::string(name), std::move(value));
  }

  // Output (default: `fallback`) and Assign of a state whose work is done.
  Result<Transition> FinishJsonata(const State& state, const jsonata::Bindings& bindings,
                                   json::value fallback, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<json::object> assigned,
                            AssignValues(state.jsonata_fields.assign, bindings));
    json::value output = std::move(fallback);
    if (state.jsonata_fields.output) {
      SLUICE_ASSIGN_OR_RETURN(output, EvaluateField(*state.jsonata_fields.output, bindings, "Output"));
    }
    Bind(std::move(assigned), vars);
    return Next(state, std::move(output));
  }

  Result<Transition> RunPassJsonata(const State& state, const json::value& raw, VariableScope* vars) {
    return FinishJsonata(state, JsonataBindings(raw, vars), raw, vars);
  }

  Result<Transition> RunSucceedJsonata(const State& state, const json::value& raw, VariableScope* vars) {
    Transition t;
    t.output = raw;
    if (state.jsonata_fields.output) {
      SLUICE_ASSIGN_OR_RETURN(t.output, EvaluateField(*state.jsonata_fields.output,
                                                      JsonataBindings(raw, vars), "Output"));
    }
    return t;
  }

  Result<Transition> RunFailJsonata(const State& state, const json::value& raw, VariableScope* vars) {
    jsonata::Bindings bindings = JsonataBindings(raw, vars);
    auto text = [&](const std::optional<jsonata::JsonataTemplate>& field, std::string_view name,
                    std::string_view absent) -> Result<std::string> {
      if (!field) return std::string(absent);
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateField(*field, bindings, name));
      if (!v.is_string()) {
        return StatesError(kStatesQueryEvaluationError, "The field '" + std::string(name) +
                                                            "' must evaluate to a string, but was " +
                                                            Compact(v));
      }
      return std::string(v.get_string());
    };
    SLUICE_ASSIGN_OR_RETURN(std::string error, text(state.jsonata_fields.error, "Error", kNoErrorMarker));
    SLUICE_ASSIGN_OR_RETURN(std::string cause, text(state.jsonata_fields.cause, "Cause", kNoCauseMarker));
    return Status(StatusCode::kAborted, error, cause);
  }

  Result<Transition> RunChoiceJsonata(const State& state, const json::value& raw, VariableScope* vars) {
    jsonata::Bindings bindings = JsonataBindings(raw, vars);
    for (const ChoiceRule& rule : state.choices) {
      SLUICE_ASSIGN_OR_RETURN(json::value matched, EvaluateField(*rule.condition, bindings, "Condition"));
      if (!matched.is_bool()) {
        return StatesError(kStatesQueryEvaluationError,
                           "The Condition of a Choice rule must evaluate to a boolean, but was " +
                               Compact(matched));
      }
      if (!matched.get_bool()) continue;
      SLUICE_ASSIGN_OR_RETURN(std::optional<json::object> rule_assigned,
                              AssignValues(rule.jsonata_assign, bindings));
      SLUICE_ASSIGN_OR_RETURN(std::optional<json::object> assigned,
                              AssignValues(state.jsonata_fields.assign, bindings));
      Transition t;
      t.output = raw;
      if (rule.output) {
        SLUICE_ASSIGN_OR_RETURN(t.output, EvaluateField(*rule.output, bindings, "Output"));
      } else if (state.jsonata_fields.output) {
        SLUICE_ASSIGN_OR_RETURN(t.output, EvaluateField(*state.jsonata_fields.output, bindings, "Output"));
      }
      Bind(std::move(rule_assigned), vars);
      Bind(std::move(assigned), vars);
      t.next = &rule.next;
      return t;
    }
    if (state.default_next.empty()) {
      return StatesError(kStatesNoChoiceMatched, "No Matches! for state '" + state.name + "'");
    }
    SLUICE_ASSIGN_OR_RETURN(Transition t, FinishJsonata(state, bindings, raw, vars));
    t.next = &state.default_next;
    t.next_index = state.default_index;
    return t;
  }

  Result<Transition> RunWaitJsonata(const State& state, const json::value& raw, VariableScope* vars) {
    jsonata::Bindings bindings = JsonataBindings(raw, vars);
    Timestamp target = LastEventTime();
    if (state.jsonata_fields.seconds) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateField(*state.jsonata_fields.seconds, bindings, "Seconds"));
      if (!(v.is_int64() || v.is_uint64()) || (v.is_int64() && v.get_int64() < 0)) {
        return StatesError(kStatesQueryEvaluationError,
                           "The field 'Seconds' must evaluate to a non-negative integer, but was " + Compact(v));
      }
      target.micros += (v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64())) * 1000000;
    } else if (state.jsonata_fields.timestamp) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateField(*state.jsonata_fields.timestamp, bindings, "Timestamp"));
      auto ts = v.is_string() ? common::ParseRfc3339(v.get_string()) : Result<Timestamp>(Status::InvalidArgument(""));
      if (!ts.ok()) {
        return StatesError(kStatesQueryEvaluationError,
                           "The field 'Timestamp' must evaluate to an ISO-8601 extended offset "
                           "date-time string, but was " + Compact(v));
      }
      target = *ts;
    }
    SLUICE_RETURN_IF_ERROR(WaitUntil(target));
    return FinishJsonata(state, bindings, raw, vars);
  }

  // Task, Parallel and Map: the work, retried per Retry and caught per Catch.
  Result<Transition> RunWithRetryAndCatch(const State& state, json::value raw, VariableScope* vars) {
    std::vector<int> attempts(state.retry.size(), 0);
    int attempt = 0;
    for (;;) {
      Result<Transition> t = RunOnce(state, raw, vars, attempt);
      if (t.ok()) return t;
      Status error = t.status();
      if (!IsStatesError(error) || error.name() == kStatesAborted || Stopped()) return error;
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
          delay = static_cast<double>(random_->NextInt(0, static_cast<int64_t>(delay * 1000) + 1)) / 1000;
        }
        ++attempts[index];
        ++attempt;
        // The back-off runs from the failure, so a resumed execution waits only what is left.
        SLUICE_RETURN_IF_ERROR(WaitUntil(Timestamp{LastEventTime().micros + static_cast<int64_t>(delay * 1e6)}));
        if (state.type == StateType::kTask && state.uses_context) StateContext()["RetryCount"] = attempt;
        continue;
      }
      // Catch: the first catcher whose ErrorEquals matches.
      for (const Catcher& c : state.catchers) {
        if (!ErrorMatches(error.name(), c.error_equals)) continue;
        json::value error_output = ErrorOutput(error);
        if (state.jsonata) {
          jsonata::Bindings bindings = JsonataBindings(raw, vars, nullptr, &error_output);
          SLUICE_ASSIGN_OR_RETURN(std::optional<json::object> assigned,
                                  AssignValues(c.jsonata_assign, bindings));
          Transition t;
          t.output = error_output;
          if (c.output) {
            SLUICE_ASSIGN_OR_RETURN(t.output, EvaluateField(*c.output, bindings, "Output"));
          }
          Bind(std::move(assigned), vars);
          t.next = &c.next;
          return t;
        }
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
    bool callback = IsCallback(state.resource) && state.type == StateType::kTask;
    std::string token;
    if (callback) {
      // Deterministic, so a resumed execution hands out the same token again.
      token = common::Sha256Hex(exec_->arn() + "|" + scope_ + "|" + state.name + "|" +
                                std::to_string(visits_[state.name]) + "|" + std::to_string(attempt));
      context_->as_object()["Task"] = json::object{{"Token", token}};
    }
    Result<json::value> in = state.jsonata ? JsonataArguments(state, raw, vars)
                                           : EffectiveInput(state, raw, vars);
    if (!in.ok()) {
      if (callback) context_->as_object().erase("Task");
      return in.status();
    }
    json::value result;
    switch (state.type) {
      case StateType::kTask: {
        Result<json::value> r = InvokeTask(state, *in, vars, attempt, token);
        if (callback) context_->as_object().erase("Task");
        if (!r.ok()) return r.status();
        result = std::move(*r);
        break;
      }
      case StateType::kParallel: {
        SLUICE_ASSIGN_OR_RETURN(result, RunParallel(state, *in, vars));
        break;
      }
      case StateType::kMap: {
        SLUICE_ASSIGN_OR_RETURN(result, RunMap(state, *in, vars));
        break;
      }
      default: break;
    }
    SLUICE_RETURN_IF_ERROR(CheckSize(result, "result", state.name));
    if (state.jsonata) {
      jsonata::Bindings bindings = JsonataBindings(raw, vars, &result);
      return FinishJsonata(state, bindings, result, vars);
    }
    // `raw` stays with the caller for retries and catchers: copy it only when ResultPath merges.
    bool merges = state.result_path.is_null || (state.result_path.path && !state.result_path.path->is_root_only());
    return Finish(state, merges ? raw : json::value(), std::move(result), vars);
  }

  // JSONata mode: TimeoutSeconds / HeartbeatSeconds given as expressions, evaluated on the
  // state's input before each attempt (OptionalSeconds reads them).
  Status JsonataTaskSeconds(const State& state, const json::value& raw, VariableScope* vars) {
    jsonata_timeout_.reset();
    jsonata_heartbeat_.reset();
    const JsonataFields& f = state.jsonata_fields;
    bool timeout = f.timeout_seconds && !f.timeout_seconds->is_constant();
    bool heartbeat = f.heartbeat_seconds && !f.heartbeat_seconds->is_constant();
    if (!timeout && !heartbeat) return Status::OK();
    jsonata::Bindings bindings = JsonataBindings(raw, vars);
    auto seconds = [&](const jsonata::JsonataTemplate& t, std::string_view name,
                       std::optional<int64_t>& out) -> Status {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateField(t, bindings, name));
      if (!((v.is_int64() && v.get_int64() > 0) || v.is_uint64())) {
        return StatesError(kStatesQueryEvaluationError, "The field '" + std::string(name) +
                                                            "' must evaluate to a positive integer, but was " +
                                                            Compact(v));
      }
      out = v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64());
      return Status::OK();
    };
    if (timeout) SLUICE_RETURN_IF_ERROR(seconds(*f.timeout_seconds, "TimeoutSeconds", jsonata_timeout_));
    if (heartbeat) SLUICE_RETURN_IF_ERROR(seconds(*f.heartbeat_seconds, "HeartbeatSeconds", jsonata_heartbeat_));
    return Status::OK();
  }

  // JSONata mode: Arguments (absent: the state's input).
  Result<json::value> JsonataArguments(const State& state, const json::value& raw, VariableScope* vars) {
    SLUICE_RETURN_IF_ERROR(JsonataTaskSeconds(state, raw, vars));
    if (!state.jsonata_fields.arguments) return raw;
    SLUICE_ASSIGN_OR_RETURN(json::value in, EvaluateField(*state.jsonata_fields.arguments,
                                                          JsonataBindings(raw, vars), "Arguments"));
    SLUICE_RETURN_IF_ERROR(CheckSize(in, "input", state.name));
    return in;
  }

  static bool IsCallback(std::string_view resource) {
    constexpr std::string_view kSuffix = ".waitForTaskToken";
    return resource.size() > kSuffix.size() && resource.substr(resource.size() - kSuffix.size()) == kSuffix;
  }

  Result<int64_t> OptionalSeconds(const std::optional<int64_t>& literal, const std::optional<JsonPath>& path,
                                  const json::value& in, VariableScope* vars, std::string_view field) {
    if (field == "TimeoutSecondsPath" && jsonata_timeout_) return *jsonata_timeout_;
    if (field == "HeartbeatSecondsPath" && jsonata_heartbeat_) return *jsonata_heartbeat_;
    if (literal) return *literal;
    if (!path) return int64_t{0};
    SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*path, Paths(in, vars), field));
    if (v.is_int64() && v.get_int64() > 0) return v.get_int64();
    if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
    return StatesError(kStatesRuntime, "The value of " + std::string(field) + " must be a positive integer, but was " +
                                           Compact(v));
  }

  // A Task outcome recorded in the replayed history, if this attempt already finished.
  std::optional<Result<json::value>> ReplayedOutcome() {
    const HistoryEvent* next = exec_->PeekReplay(scope_);
    if (next == nullptr) return std::nullopt;
    if (next->type == "TaskSucceeded") {
      (void)Record("TaskSucceeded");
      const json::value* out = next->details.if_contains("output");
      auto parsed = out && out->is_string() ? common::ParseJson(out->get_string(), "history")
                                            : Result<json::value>(json::value(nullptr));
      if (!parsed.ok()) return Result<json::value>(parsed.status());
      return Result<json::value>(std::move(*parsed));
    }
    if (next->type == "TaskFailed" || next->type == "TaskTimedOut") {
      std::string type = next->type;
      auto text = [&](std::string_view key) {
        const json::value* v = next->details.if_contains(key);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      std::string error = text("error"), cause = text("cause");
      (void)Record(type);
      return Result<json::value>(StatesError(error, cause));
    }
    return std::nullopt;
  }

  Result<json::value> InvokeTask(const State& state, const json::value& params, VariableScope* vars, int attempt,
                                 const std::string& token) {
    auto [resource_type, resource] = ResourceParts(state.resource);
    json::object scheduled, started;
    if (exec_->recording()) {
      scheduled["resourceType"] = resource_type;
      scheduled["resource"] = resource;
      scheduled["region"] = exec_->options().region;
      scheduled["parameters"] = Compact(params);
      started = json::object{{"resourceType", resource_type}, {"resource", resource}};
    }
    json::object restarted = started;
    SLUICE_RETURN_IF_ERROR(Record("TaskScheduled", "taskScheduledEventDetails", std::move(scheduled)).status());
    SLUICE_ASSIGN_OR_RETURN(Recorded start, Record("TaskStarted", "taskStartedEventDetails", started));
    for (;;) {
      if (auto replayed = ReplayedOutcome()) return std::move(*replayed);
      // Starts of attempts cut short by earlier crashes.
      const HistoryEvent* next = exec_->PeekReplay(scope_);
      if (next == nullptr || next->type != "TaskStarted") break;
      SLUICE_RETURN_IF_ERROR(Record("TaskStarted").status());
    }
    if (start.replayed != nullptr && token.empty()) {
      // The attempt was in flight when the execution's runner stopped: it starts again, and
      // every actual start is in the history.
      SLUICE_RETURN_IF_ERROR(Record("TaskStarted", "taskStartedEventDetails", std::move(restarted)).status());
    }

    Result<json::value> result = json::value(nullptr);
    if (token.empty()) {
      SLUICE_RETURN_IF_ERROR(exec_->Sync());  // the history is durable before the side effect
      auto called = std::chrono::steady_clock::now();
      result = CallTask(state, params, vars, attempt);
      if (ExecutionObserver* o = exec_->options().observer) {
        o->TaskFinished(state.resource,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - called).count(),
                        result.ok());
      }
    } else {
      result = CallAndWaitForToken(state, params, vars, attempt, token, resource_type, resource);
    }
    if (exec_->recording()) {
      json::object d;
      d["resourceType"] = resource_type;
      d["resource"] = resource;
      if (result.ok()) {
        d["output"] = Compact(*result);
        d["outputDetails"] = json::object{{"truncated", false}};
        SLUICE_RETURN_IF_ERROR(Record("TaskSucceeded", "taskSucceededEventDetails", std::move(d)).status());
      } else if (IsStatesError(result.status()) && result.status().name() != kStatesAborted) {
        d["error"] = std::string(result.status().name());
        d["cause"] = result.status().message();
        bool timed_out = result.status().name() == kStatesTimeout;
        SLUICE_RETURN_IF_ERROR(Record(timed_out ? "TaskTimedOut" : "TaskFailed",
                                      timed_out ? "taskTimedOutEventDetails" : "taskFailedEventDetails", std::move(d))
                                   .status());
      }
    }
    return result;
  }

  // `.waitForTaskToken`: invoke once (recorded as TaskSubmitted), then wait for
  // SendTaskSuccess/SendTaskFailure, a missed heartbeat or the timeout.
  Result<json::value> CallAndWaitForToken(const State& state, const json::value& params, VariableScope* vars,
                                          int attempt, const std::string& token, const std::string& resource_type,
                                          const std::string& resource) {
    ExecutionJournal* journal = exec_->journal();
    if (journal == nullptr) {
      return StatesError(kStatesRuntime, "The resource '" + state.resource +
                                             "' waits for a task token, which needs a durable (standard) execution: "
                                             "use `sluice states start`");
    }
    SLUICE_ASSIGN_OR_RETURN(int64_t timeout, OptionalSeconds(state.timeout_seconds, state.timeout_seconds_path,
                                                             params, vars, "TimeoutSecondsPath"));
    SLUICE_ASSIGN_OR_RETURN(int64_t heartbeat, OptionalSeconds(state.heartbeat_seconds, state.heartbeat_seconds_path,
                                                               params, vars, "HeartbeatSecondsPath"));
    const HistoryEvent* next = exec_->PeekReplay(scope_);
    if (next == nullptr || next->type != "TaskSubmitted") {
      SLUICE_RETURN_IF_ERROR(exec_->CreateTaskToken(token));
      SLUICE_RETURN_IF_ERROR(exec_->Sync());
      Result<json::value> submitted = CallTask(state, params, vars, attempt);
      if (!submitted.ok()) return submitted;
      json::object d{{"resourceType", resource_type}, {"resource", resource}, {"output", Compact(*submitted)},
                     {"outputDetails", json::object{{"truncated", false}}}};
      SLUICE_RETURN_IF_ERROR(Record("TaskSubmitted", "taskSubmittedEventDetails", std::move(d)).status());
    } else {
      SLUICE_RETURN_IF_ERROR(Record("TaskSubmitted").status());
      if (auto replayed = ReplayedOutcome()) return std::move(*replayed);
    }
    SLUICE_RETURN_IF_ERROR(exec_->Sync());
    Timestamp submitted_at = last_event_time_;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(TaskTokenOutcome outcome, exec_->PollTaskToken(token));
      if (outcome.kind == TaskTokenOutcome::Kind::kSucceeded) return std::move(outcome.output);
      if (outcome.kind == TaskTokenOutcome::Kind::kFailed) return StatesError(outcome.error, outcome.cause);
      Timestamp now = Now();
      if (timeout > 0 && now.micros >= submitted_at.micros + timeout * 1000000) {
        return StatesError(kStatesTimeout, "The task did not report back within TimeoutSeconds (" +
                                               std::to_string(timeout) + ")");
      }
      int64_t last_beat = std::max(submitted_at.micros, outcome.last_heartbeat.micros);
      if (heartbeat > 0 && now.micros >= last_beat + heartbeat * 1000000) {
        return StatesError(kStatesHeartbeatTimeout, "No heartbeat within HeartbeatSeconds (" +
                                                        std::to_string(heartbeat) + ")");
      }
      // A callback arrives in real time whatever the wait-time scale: poll at a real pace.
      std::this_thread::sleep_for(std::chrono::microseconds(exec_->options().token_poll_micros));
      if (Stopped()) return StatesError(kStatesAborted, "The execution was stopped");
      if (exec_->Suspended()) return SuspendedError();
      if (TimedOut()) return TimeoutError();
    }
  }

  Result<json::value> CallTask(const State& state, const json::value& params, VariableScope* vars, int attempt) {
    if (const MockTestCase* mocks = exec_->options().mocks) {
      if (const MockResponse* r = mocks->Find(state.name, attempt)) {
        if (!r->returned) return StatesError(r->error, r->cause);
        // A mocked Lambda function ARN answers with the Invoke response, as for Step Functions
        // Local; the state's result is its Payload.
        if (state.resource.rfind("arn:aws:lambda:", 0) == 0 && r->returned->is_object()) {
          if (const json::value* payload = r->returned->get_object().if_contains("Payload")) return *payload;
        }
        return *r->returned;
      }
    }
    TaskRegistry* registry = exec_->options().tasks;
    TaskHandler* handler = registry ? registry->Find(state.resource) : nullptr;
    if (handler == nullptr && registry && IsCallback(state.resource)) {
      handler = registry->Find(std::string_view(state.resource).substr(0, state.resource.size() - 17));
    }
    if (handler == nullptr) {
      return StatesError(kStatesRuntime,
                         "No handler is registered for the resource '" + state.resource + "' of state '" + state.name + "'");
    }
    SLUICE_ASSIGN_OR_RETURN(int64_t timeout, OptionalSeconds(state.timeout_seconds, state.timeout_seconds_path,
                                                             params, vars, "TimeoutSecondsPath"));
    SLUICE_ASSIGN_OR_RETURN(int64_t heartbeat, OptionalSeconds(state.heartbeat_seconds, state.heartbeat_seconds_path,
                                                               params, vars, "HeartbeatSecondsPath"));
    TaskInvocation inv;
    inv.resource = state.resource;
    inv.state_name = state.name;
    inv.parameters = &params;
    inv.context = context_;
    inv.attempt = attempt;
    if (timeout > 0) inv.timeout_seconds = timeout;
    if (heartbeat > 0) inv.heartbeat_seconds = heartbeat;
    inv.wait_time_scale = exec_->options().wait_time_scale;
    return handler->Invoke(inv);
  }

  // Runs `count` sub-runs (Map iterations or Parallel branches), up to `workers` at once,
  // each in its own child runner and variable scope (reading `vars`). `run(i, child, scope)`
  // runs sub-run i; `machine_of(i)` is the machine it runs. After a sub-run fails with an
  // error `stops_all` accepts, no further sub-run starts and running ones are cancelled.
  // Returns every sub-run's result (unset for those never started). Concurrent sub-runs get
  // their own copy of the context object, and this runner's clock moves to the latest of
  // its children's.
  using SubRun = std::function<Result<json::value>(size_t, Runner&, VariableScope&)>;
  std::vector<std::optional<Result<json::value>>> FanOut(size_t count, size_t workers,
                                                         const std::function<const StateMachine&(size_t)>& machine_of,
                                                         const std::function<std::string(size_t)>& scope_of,
                                                         VariableScope* vars, const SubRun& run,
                                                         const std::function<bool(const Status&)>& stops_all) {
    std::vector<std::optional<Result<json::value>>> out(count);
    std::atomic<bool> cancel{false};
    std::atomic<size_t> next{0};
    std::mutex mu;
    int64_t latest = offset_;
    const bool concurrent = workers > 1;
    auto work = [&] {
      for (;;) {
        if (cancel.load() || Stopped()) return;
        size_t i = next.fetch_add(1);
        if (i >= count) return;
        json::value own;
        json::value* ctx = context_;
        if (concurrent) {
          own = machine_of(i).uses_context ? *context_ : json::value(json::object());
          ctx = &own;
        }
        Runner child(exec_, ctx, scope_of(i), offset_, this, &cancel);
        VariableScope scope(vars);
        Result<json::value> r = run(i, child, scope);
        if (!r.ok() && stops_all(r.status())) cancel.store(true);
        std::lock_guard<std::mutex> lock(mu);
        latest = std::max(latest, child.offset());
        out[i] = std::move(r);
      }
    };
    std::vector<std::thread> threads;
    for (size_t k = 1; k < workers; ++k) threads.emplace_back(work);
    work();
    for (std::thread& t : threads) t.join();
    offset_ = latest;
    return out;
  }

  // The failure to report from sub-runs: the first by position, ignoring the cancellations
  // it caused in its siblings.
  static std::optional<Status> FirstFailure(const std::vector<std::optional<Result<json::value>>>& outs) {
    std::optional<Status> cancelled;
    for (const auto& r : outs) {
      if (!r || r->ok()) continue;
      Status st = r->status();
      if (IsStatesError(st) && st.name() == kStatesAborted) {
        if (!cancelled) cancelled = std::move(st);
        continue;
      }
      return st;
    }
    return cancelled;
  }

  // Map iterations and Parallel branches run concurrently when their machines can block
  // (Tasks, Waits); pure ones run one after the other, which is faster.
  static constexpr size_t kInlineConcurrency = 40;        // AWS's effective inline Map limit
  static constexpr size_t kDistributedConcurrency = 64;

  Result<json::value> RunParallel(const State& state, const json::value& in, VariableScope* vars) {
    SLUICE_RETURN_IF_ERROR(Record("ParallelStateStarted").status());
    int visit = ++visits_[state.name];
    size_t n = state.branches.size();
    bool blocking = false;
    for (const auto& b : state.branches) blocking = blocking || b->has_blocking_states;
    size_t workers = blocking ? std::min(n, kInlineConcurrency) : 1;
    auto outs = FanOut(
        n, workers, [&](size_t i) -> const StateMachine& { return *state.branches[i]; },
        [&](size_t i) { return ChildScope(state, visit, "#", i); }, vars,
        [&](size_t i, Runner& child, VariableScope& scope) { return child.RunMachine(*state.branches[i], in, &scope); },
        [](const Status&) { return true; });
    if (exec_->Stopped()) return StatesError(kStatesAborted, "The execution was stopped");
    if (std::optional<Status> failure = FirstFailure(outs)) {
      if (IsStatesError(*failure) && failure->name() != kStatesAborted) {
        SLUICE_RETURN_IF_ERROR(Record("ParallelStateFailed").status());
      }
      return *failure;
    }
    json::array results;
    results.reserve(n);
    for (auto& r : outs) {
      if (!r) return StatesError(kStatesAborted, "The execution was stopped");
      results.push_back(std::move(**r));
    }
    SLUICE_RETURN_IF_ERROR(Record("ParallelStateSucceeded").status());
    return json::value(std::move(results));
  }

  // The scope of a branch or iteration: visits distinguish re-entries of a state in a loop.
  std::string ChildScope(const State& state, int visit, std::string_view sep, size_t index) const {
    if (!exec_->recording()) return std::string();  // scopes only matter for the history
    std::string s = scope_ + "/" + state.name;
    if (visit > 1) s += "@" + std::to_string(visit);
    s += sep;
    s += std::to_string(index);
    if (sep == "[") s += "]";
    return s;
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

  // A Map number given as a JSONata expression: a number in [0, max] (integers for counts).
  Result<double> JsonataNumber(const jsonata::JsonataTemplate& field, const json::value& in, VariableScope* vars,
                               std::string_view name, double max) {
    SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateField(field, JsonataBindings(in, vars), name));
    double d = v.is_number() ? v.to_number<double>() : -1;
    bool integral = max != 100 ? std::trunc(d) == d : true;
    if (!v.is_number() || d < 0 || d > max || !integral) {
      return StatesError(kStatesQueryEvaluationError,
                         "The field '" + std::string(name) + "' must evaluate to " +
                             (max == 100 ? "a number between 0 and 100" : "a non-negative integer") + ", but was " +
                             Compact(v));
    }
    return d;
  }

  Result<json::value> RunMap(const State& state, const json::value& in, VariableScope* vars) {
    // Reading items from S3 and writing results to S3 need the store, which this engine
    // does not reach yet: fail clearly rather than iterate over the wrong items.
    if (!state.item_reader.is_null() || !state.result_writer.is_null()) {
      return StatesError(kStatesRuntime, "Map state '" + state.name + "': " +
                                             (state.item_reader.is_null() ? "ResultWriter" : "ItemReader") +
                                             " is not supported by sluice yet");
    }
    json::value items_value;
    if (state.jsonata && state.jsonata_fields.items) {
      SLUICE_ASSIGN_OR_RETURN(items_value, EvaluateField(*state.jsonata_fields.items, JsonataBindings(in, vars), "Items"));
      if (!items_value.is_array()) {
        return StatesError(kStatesQueryEvaluationError,
                           "The field 'Items' of Map state '" + state.name + "' must evaluate to a JSON array, but was " +
                               std::string(common::JsonTypeName(items_value)));
      }
    } else if (state.items_path &&
               !(state.items_path->is_root_only() && state.items_path->root() == JsonPath::Root::kInput)) {
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
    const std::optional<jsonata::JsonataTemplate>& jsonata_selector = state.jsonata_fields.item_selector;
    for (size_t i = 0; i < items.size(); ++i) {
      if (state.jsonata && jsonata_selector) {
        // $states.input is the Map's input, $states.context.Map.Item the item and its index.
        json::object& ctx = context_->as_object();
        ctx["Map"] = json::object{{"Item", json::object{{"Index", static_cast<int64_t>(i)}, {"Value", items[i]}}}};
        Result<json::value> item_input = EvaluateField(*jsonata_selector, JsonataBindings(in, vars), "ItemSelector");
        ctx.erase("Map");
        if (!item_input.ok()) return item_input.status();
        inputs.push_back(std::move(*item_input));
        continue;
      }
      if (!selector) {
        inputs.push_back(std::move(items[i]));
        continue;
      }
      json::object& ctx = context_->as_object();
      ctx["Map"] = json::object{{"Item", json::object{{"Index", static_cast<int64_t>(i)}, {"Value", items[i]}}}};
      Result<json::value> item_input = selector->Evaluate(Paths(in, vars), random_);
      ctx.erase("Map");
      if (!item_input.ok()) return item_input.status();
      inputs.push_back(std::move(*item_input));
    }
    if (state.item_batcher) {
      SLUICE_ASSIGN_OR_RETURN(inputs, Batch(*state.item_batcher, std::move(inputs), in, vars));
    }

    SLUICE_ASSIGN_OR_RETURN(int64_t tolerated_count, MapNumber(state.tolerated_failure_count,
                                                               state.tolerated_failure_count_path, in, vars,
                                                               "ToleratedFailureCountPath"));
    double tolerated_pct = -1;
    const JsonataFields& jf = state.jsonata_fields;
    if (jf.tolerated_failure_count) {
      SLUICE_ASSIGN_OR_RETURN(double n, JsonataNumber(*jf.tolerated_failure_count, in, vars,
                                                      "ToleratedFailureCount", 1e18));
      tolerated_count = static_cast<int64_t>(n);
    }
    if (jf.tolerated_failure_percentage) {
      SLUICE_ASSIGN_OR_RETURN(tolerated_pct, JsonataNumber(*jf.tolerated_failure_percentage, in, vars,
                                                           "ToleratedFailurePercentage", 100));
    } else if (state.tolerated_failure_percentage) {
      tolerated_pct = *state.tolerated_failure_percentage;
    } else if (state.tolerated_failure_percentage_path) {
      SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluatePath(*state.tolerated_failure_percentage_path, Paths(in, vars),
                                                          "ToleratedFailurePercentagePath"));
      if (!v.is_number() || v.to_number<double>() < 0 || v.to_number<double>() > 100) {
        return StatesError(kStatesRuntime,
                           "The value of ToleratedFailurePercentagePath must be a number between 0 and 100, but was " +
                               Compact(v));
      }
      tolerated_pct = v.to_number<double>();
    }
    bool tolerant = tolerated_count >= 0 || tolerated_pct >= 0;

    json::object started;
    if (exec_->recording()) started = json::object{{"length", static_cast<int64_t>(inputs.size())}};
    SLUICE_RETURN_IF_ERROR(Record("MapStateStarted", "mapStateStartedEventDetails", std::move(started)).status());
    int visit = ++visits_[state.name];
    const StateMachine& processor = *state.processor.definition;
    SLUICE_ASSIGN_OR_RETURN(int64_t max_concurrency, MapNumber(state.max_concurrency, state.max_concurrency_path, in,
                                                               vars, "MaxConcurrencyPath"));
    if (jf.max_concurrency) {
      SLUICE_ASSIGN_OR_RETURN(double n, JsonataNumber(*jf.max_concurrency, in, vars, "MaxConcurrency", 1e18));
      max_concurrency = static_cast<int64_t>(n);
    }
    size_t cap = state.processor.mode == ItemProcessor::Mode::kDistributed ? kDistributedConcurrency
                                                                           : kInlineConcurrency;
    size_t workers = 1;
    if (processor.has_blocking_states && inputs.size() > 1 && max_concurrency != 1) {
      workers = std::min({inputs.size(), cap, max_concurrency > 0 ? static_cast<size_t>(max_concurrency) : cap});
    }
    auto iteration_details = [&](size_t i) {
      return exec_->recording() ? json::object{{"name", state.name}, {"index", static_cast<int64_t>(i)}}
                                : json::object();
    };
    // Each iteration's events, MapIterationStarted to …Succeeded/Failed, are in its own scope.
    auto iterate = [&](size_t i, Runner& child, VariableScope& scope) -> Result<json::value> {
      SLUICE_RETURN_IF_ERROR(
          child.Record("MapIterationStarted", "mapIterationStartedEventDetails", iteration_details(i)).status());
      Result<json::value> out = child.RunMachine(processor, std::move(inputs[i]), &scope);
      if (out.ok()) {
        SLUICE_RETURN_IF_ERROR(
            child.Record("MapIterationSucceeded", "mapIterationSucceededEventDetails", iteration_details(i)).status());
      } else if (IsStatesError(out.status()) && out.status().name() != kStatesAborted) {
        SLUICE_RETURN_IF_ERROR(
            child.Record("MapIterationFailed", "mapIterationFailedEventDetails", iteration_details(i)).status());
      }
      return out;
    };
    auto stops_all = [&](const Status& st) {
      return !IsStatesError(st) || !tolerant || st.name() == kStatesRuntime || st.name() == kStatesAborted;
    };
    auto outs = FanOut(
        inputs.size(), workers, [&](size_t) -> const StateMachine& { return processor; },
        [&](size_t i) { return ChildScope(state, visit, "[", i); }, vars, iterate, stops_all);
    if (exec_->Stopped()) return StatesError(kStatesAborted, "The execution was stopped");
    if (TimedOut()) return TimeoutError();
    if (std::optional<Status> failure = FirstFailure(outs); failure && stops_all(*failure)) {
      if (IsStatesError(*failure) && failure->name() != kStatesAborted) {
        SLUICE_RETURN_IF_ERROR(Record("MapStateFailed").status());
      }
      return *failure;
    }
    json::array results;
    results.reserve(inputs.size());
    int64_t failed = 0;
    for (auto& r : outs) {
      if (!r) return StatesError(kStatesAborted, "The execution was stopped");
      if (r->ok()) {
        results.push_back(std::move(**r));
      } else {
        ++failed;
        results.push_back(ErrorOutput(r->status()));
      }
    }
    if (tolerant && failed > 0) {
      bool over_count = tolerated_count >= 0 && failed > tolerated_count;
      bool over_pct = tolerated_pct >= 0 &&
                      static_cast<double>(failed) * 100.0 > tolerated_pct * static_cast<double>(inputs.size());
      bool exceeded = (tolerated_count >= 0 && tolerated_pct >= 0) ? (over_count && over_pct) : (over_count || over_pct);
      if (exceeded) {
        SLUICE_RETURN_IF_ERROR(Record("MapStateFailed").status());
        return StatesError(kStatesExceedToleratedFailureThreshold,
                           "The specified tolerated failure threshold was exceeded");
      }
    }
    SLUICE_RETURN_IF_ERROR(Record("MapStateSucceeded").status());
    return json::value(std::move(results));
  }

  // Groups item inputs into batches `{"Items":[…]}` (+ BatchInput) by count and bytes.
  Result<std::vector<json::value>> Batch(const ItemBatcher& batcher, std::vector<json::value> inputs,
                                         const json::value& in, VariableScope* vars) {
    SLUICE_ASSIGN_OR_RETURN(int64_t max_items, MapNumber(batcher.max_items_per_batch, batcher.max_items_per_batch_path,
                                                         in, vars, "MaxItemsPerBatchPath"));
    SLUICE_ASSIGN_OR_RETURN(int64_t max_bytes, MapNumber(batcher.max_input_bytes_per_batch,
                                                         batcher.max_input_bytes_per_batch_path, in, vars,
                                                         "MaxInputBytesPerBatchPath"));
    json::value batch_input;
    if (batcher.batch_input) {
      SLUICE_ASSIGN_OR_RETURN(batch_input, batcher.batch_input->Evaluate(Paths(in, vars), random_));
    }
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
      bool full_by_bytes = max_bytes > 0 && !current.empty() && static_cast<int64_t>(current_bytes + bytes) > max_bytes;
      if (full_by_count || full_by_bytes) flush();
      current_bytes += bytes;
      current.push_back(std::move(item));
    }
    flush();
    return batches;
  }

  Execution* exec_;
  json::value* context_;
  // JSONata Task seconds evaluated for the current attempt (see JsonataTaskSeconds).
  std::optional<int64_t> jsonata_timeout_;
  std::optional<int64_t> jsonata_heartbeat_;
  std::string scope_;
  int64_t offset_;
  const Runner* parent_;
  const std::atomic<bool>* cancel_;
  RandomSource* random_;
  std::unique_ptr<RandomSource> owned_random_;
  Timestamp last_event_time_;
  std::optional<Timestamp> pinned_;  // the time of the next event, right after a wait
  std::map<std::string, int, std::less<>> visits_;  // Parallel/Map entries, for child scopes
};

// A random version-4 UUID for execution names, from a per-thread generator seeded once from
// the OS (names need uniqueness, not secrecy; the OS generator costs a microsecond a call).
std::string FastUuid() {
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    for (char c : common::RandomHexId(8)) seed = seed * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'A' + 10);
    return seed | 1;
  }();
  auto next = [&] {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint64_t a = next(), b = next();
  a = (a & ~0xf000ULL) | 0x4000ULL;                      // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[static_cast<size_t>(pos++)] = kHex[(v >> (i * 4)) & 15];
    }
  };
  put(a, 16);
  put(b, 16);
  return out;
}

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
  std::string name = options.execution_name.empty() ? FastUuid() : options.execution_name;
  std::string arn;
  arn.reserve(40 + options.region.size() + options.account.size() + options.state_machine_name.size() + name.size());
  arn.append("arn:aws:states:").append(options.region).append(":").append(options.account).append(":execution:");
  arn.append(options.state_machine_name).append(":").append(name);
  Execution exec(options, arn);
  ExecutionResult result;
  std::string role;
  if (exec.recording() || machine.uses_context) {
    role = options.role_arn.empty() ? "arn:aws:iam::" + options.account + ":role/sluice-execution" : options.role_arn;
  }
  json::object started;
  if (exec.recording()) {
    started["input"] = Compact(input);
    started["inputDetails"] = json::object{{"truncated", false}};
    started["roleArn"] = role;
  }
  json::value context = json::object();
  Runner runner(&exec, &context, "", exec.initial_offset());
  Result<Recorded> first =
      exec.Record("", runner.Now(), "ExecutionStarted", "executionStartedEventDetails", std::move(started));
  // The start time matters to the history, the context object and the timeout only.
  Timestamp start;
  if (options.start_time) {
    start = *options.start_time;
  } else if (first.ok() && exec.recording()) {
    start = first->timestamp;
  } else if (machine.uses_context || machine.timeout_seconds) {
    start = runner.Now();
  }
  if (machine.timeout_seconds) exec.SetDeadline(Timestamp{start.micros + *machine.timeout_seconds * 1000000});

  // The context object is built only when something may read it.
  if (machine.uses_context) {
    context = BaseContext(options, arn, name, input, start);
    context.as_object()["Execution"].as_object()["RedriveCount"] = options.redrive_count;
  }
  VariableScope vars;
  // (A Result may not hold an OK status: start from a value, then take the error if any.)
  Result<json::value> out = json::value();
  if (!first.ok()) {
    out = first.status();
  } else {
    if (options.max_payload_bytes && common::SerializedSize(input) > options.max_payload_bytes) {
      out = StatesError(kStatesDataLimitExceeded, "The execution input exceeds the maximum of " +
                                                      std::to_string(options.max_payload_bytes) + " bytes.");
    } else {
      out = runner.RunMachine(machine, input, &vars);
    }
  }
  result.state_transitions = exec.transitions.load();
  std::string final_type, final_details;
  json::object final;
  if (out.ok()) {
    result.status = ExecutionStatus::kSucceeded;
    result.output = std::move(*out);
    final_type = "ExecutionSucceeded";
    final_details = "executionSucceededEventDetails";
    if (exec.recording()) {
      final = json::object{{"output", Compact(result.output)}, {"outputDetails", json::object{{"truncated", false}}}};
    }
  } else {
    const Status& st = out.status();
    if (!IsStatesError(st)) {
      // An engine failure (the journal could not write, …): a durable execution stays
      // RUNNING and resumes later; an express one reports it.
      result.engine_status = st;
      result.status = ExecutionStatus::kFailed;
      result.error = kStatesRuntime;
      result.cause = st.ToString();
      result.has_error = result.has_cause = true;
      result.history = exec.TakeHistory();
      result.execution_arn = arn;
      return result;
    }
    if (st.name() == kStatesAborted) {
      result.status = ExecutionStatus::kAborted;
    } else if (st.name() == kStatesTimeout && runner.TimedOut()) {
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
    final_type = result.status == ExecutionStatus::kTimedOut  ? "ExecutionTimedOut"
                 : result.status == ExecutionStatus::kAborted ? "ExecutionAborted"
                                                              : "ExecutionFailed";
    final_details = result.status == ExecutionStatus::kTimedOut  ? "executionTimedOutEventDetails"
                    : result.status == ExecutionStatus::kAborted ? "executionAbortedEventDetails"
                                                                 : "executionFailedEventDetails";
    if (exec.recording()) {
      if (result.has_error) final["error"] = result.error;
      if (result.has_cause) final["cause"] = result.cause;
    }
  }
  Status recorded = exec.Record("", runner.Now(), final_type, final_details, std::move(final)).status();
  if (recorded.ok()) recorded = exec.Sync();
  if (!recorded.ok()) result.engine_status = recorded;
  result.history = exec.TakeHistory();
  result.execution_arn = std::move(arn);
  return result;
}

}  // namespace sluice::asl
