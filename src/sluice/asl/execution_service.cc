#include "sluice/asl/execution_service.h"

#include <mutex>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <thread>

#include "sluice/asl/errors.h"
#include "sluice/common/hash.h"
#include "sluice/common/ids.h"
#include "sluice/common/process.h"

namespace sluice::asl {
namespace {

namespace json = boost::json;
using catalog::Row;
using catalog::SqlValue;
using catalog::TxMode;
using common::Timestamp;

Status SfnError(std::string_view name, std::string message) {
  StatusCode code = StatusCode::kInvalidArgument;
  if (name.find("DoesNotExist") != std::string_view::npos) code = StatusCode::kNotFound;
  if (name.find("AlreadyExists") != std::string_view::npos) code = StatusCode::kAlreadyExists;
  if (name == "ExecutionNotRedrivable" || name == "TaskTimedOut") code = StatusCode::kFailedPrecondition;
  return Status(code, std::string(name), std::move(message));
}

// AWS's rule for state machine and execution names: 1–80 characters, no whitespace,
// brackets, wildcards, special or control characters.
Status ValidateName(const std::string& name, std::string_view what) {
  static constexpr std::string_view kForbidden = " <>{}[]?*\"#%\\^|~`$&,;:/";
  if (name.empty() || name.size() > 80) {
    return SfnError("InvalidName", "Invalid Name: '" + name + "': " + std::string(what) +
                                       " names must be 1 to 80 characters long");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || kForbidden.find(static_cast<char>(c)) != std::string_view::npos) {
      return SfnError("InvalidName", "Invalid Name: '" + name + "': " + std::string(what) +
                                         " names must not contain whitespace, brackets, wildcards or special "
                                         "characters");
    }
  }
  return Status::OK();
}

std::string OptionalText(const Row& row, size_t i) { return row.IsNull(i) ? std::string() : row.Text(i); }

constexpr const char* kExecutionColumns =
    "arn, state_machine_arn, name, status, input, output, error, cause, start_micros, stop_micros, "
    "redrive_count, redrive_micros, version";

ExecutionRecord ExecutionFromRow(const Row& r) {
  ExecutionRecord e;
  e.arn = r.Text(0);
  e.state_machine_arn = r.Text(1);
  e.name = r.Text(2);
  e.status = r.Text(3);
  e.input = r.Text(4);
  if (!r.IsNull(5)) e.output = r.Text(5);
  if (!r.IsNull(6)) e.error = r.Text(6);
  if (!r.IsNull(7)) e.cause = r.Text(7);
  e.start_date = Timestamp{r.Int(8)};
  if (!r.IsNull(9)) e.stop_date = Timestamp{r.Int(9)};
  e.redrive_count = r.Int(10);
  if (!r.IsNull(11)) e.redrive_date = Timestamp{r.Int(11)};
  if (!r.IsNull(12)) e.version = r.Int(12);
  return e;
}

// A deterministic generator (splitmix64) for one scope of a durable execution.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(const std::string& seed) : state_(std::hash<std::string>{}(seed) | 1) {}
  int64_t NextInt(int64_t lo, int64_t hi) override {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo));
  }
  std::string NextUuid() override {
    uint64_t a = Next(), b = Next();
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
  }

 private:
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

// Scope used for events the service itself appends (ExecutionRedriven, an ExecutionAborted
// of an execution nobody runs): never replayed by the interpreter.
constexpr std::string_view kServiceScope = "!";

}  // namespace

json::object StateMachineRecord::ToJson() const {
  json::object o;
  o["stateMachineArn"] = version ? arn + ":" + std::to_string(*version) : arn;
  o["name"] = name;
  o["status"] = "ACTIVE";
  o["definition"] = definition;
  o["roleArn"] = role_arn;
  o["type"] = type;
  o["creationDate"] = common::FormatIso8601Millis(creation_date);
  o["revisionId"] = revision_id;
  return o;
}

json::object ExecutionRecord::ToJson() const {
  json::object o;
  o["executionArn"] = arn;
  o["stateMachineArn"] = version ? state_machine_arn + ":" + std::to_string(*version) : state_machine_arn;
  o["name"] = name;
  o["status"] = status;
  o["startDate"] = common::FormatIso8601Millis(start_date);
  if (stop_date) o["stopDate"] = common::FormatIso8601Millis(*stop_date);
  o["input"] = input;
  o["inputDetails"] = json::object{{"included", true}};
  if (output) {
    o["output"] = *output;
    o["outputDetails"] = json::object{{"included", true}};
  }
  if (error) o["error"] = *error;
  if (cause) o["cause"] = *cause;
  o["redriveCount"] = redrive_count;
  if (redrive_date) o["redriveDate"] = common::FormatIso8601Millis(*redrive_date);
  if (status == "RUNNING" || status == "SUCCEEDED") {
    o["redriveStatus"] = "NOT_REDRIVABLE";
  } else {
    o["redriveStatus"] = "REDRIVABLE";
  }
  return o;
}

// Persists one execution's history: events are buffered and written in one transaction per
// Sync() (and whenever the buffer fills), which also renews the lease and reads the stop
// flag.
class ExecutionService::Journal final : public ExecutionJournal {
 public:
  Journal(ExecutionService* service, std::string arn) : service_(service), arn_(std::move(arn)) {}

  Status Append(const HistoryEvent& event) override {
    pending_.push_back(event);
    if (pending_.size() >= 4096) return Sync();
    return Status::OK();
  }

  Status Sync() override {
    int64_t now = service_->clock_->Now().micros;
    bool renew = now + service_->options_.lease_seconds * 500000 > lease_expires_;
    if (pending_.empty() && !renew) return Status::OK();
    SLUICE_ASSIGN_OR_RETURN(auto tx, service_->catalog_->Begin(TxMode::kWrite));
    for (const HistoryEvent& e : pending_) {
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "INSERT INTO execution_history (execution_arn, id, previous_event_id, timestamp_micros, type, "
          "details_name, details, scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {arn_, e.id, e.previous_event_id, e.timestamp.micros, e.type, e.details_name,
           common::SerializeJson(e.details), e.scope}));
    }
    lease_expires_ = now + service_->options_.lease_seconds * 1000000;
    SLUICE_ASSIGN_OR_RETURN(int64_t updated,
                            tx->Execute("UPDATE executions SET lease_expires = $1 WHERE arn = $2 AND lease_owner = $3",
                                        {lease_expires_, arn_, service_->owner_}));
    if (updated == 0) {
      return Status::Unavailable("lost the lease on execution " + arn_ + " to another runner");
    }
    SLUICE_RETURN_IF_ERROR(tx->Commit());
    pending_.clear();
    return Status::OK();
  }

  bool StopRequested() override {
    // Read at most every 100 ms: the interpreter asks between every pair of states.
    int64_t now = service_->clock_->Now().micros;
    if (now - last_stop_check_ < 100000) return stop_;
    last_stop_check_ = now;
    auto tx = service_->catalog_->Begin(TxMode::kRead);
    if (!tx.ok()) return stop_;
    auto row = (*tx)->QueryOne("SELECT stop_requested FROM executions WHERE arn = $1", {arn_});
    if (row.ok() && *row) stop_ = (*row)->Int(0) != 0;
    return stop_;
  }

  Status CreateTaskToken(const std::string& token) override {
    SLUICE_ASSIGN_OR_RETURN(auto tx, service_->catalog_->Begin(TxMode::kWrite));
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "INSERT INTO task_tokens (token, execution_arn, status, created_at) VALUES ($1, $2, 'WAITING', $3) "
        "ON CONFLICT (token) DO NOTHING",
        {token, arn_, common::FormatIso8601Millis(service_->clock_->Now())}));
    return tx->Commit();
  }

  Result<TaskTokenOutcome> PollTaskToken(const std::string& token) override {
    SLUICE_ASSIGN_OR_RETURN(auto tx, service_->catalog_->Begin(TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne(
                                          "SELECT status, output, error, cause, heartbeat_micros FROM task_tokens "
                                          "WHERE token = $1",
                                          {token}));
    TaskTokenOutcome out;
    if (!row) return out;
    if (!row->IsNull(4)) out.last_heartbeat = Timestamp{row->Int(4)};
    if (row->Text(0) == "SUCCEEDED") {
      SLUICE_ASSIGN_OR_RETURN(out.output, common::ParseJson(row->Text(1), "task output"));
      out.kind = TaskTokenOutcome::Kind::kSucceeded;
    } else if (row->Text(0) == "FAILED") {
      out.kind = TaskTokenOutcome::Kind::kFailed;
      out.error = OptionalText(*row, 2);
      out.cause = OptionalText(*row, 3);
    }
    return out;
  }

 private:
  ExecutionService* service_;
  std::string arn_;
  std::vector<HistoryEvent> pending_;
  int64_t lease_expires_ = 0;
  int64_t last_stop_check_ = 0;
  bool stop_ = false;
};

ExecutionService::ExecutionService(catalog::Catalog* catalog, TaskRegistry* tasks, ExecutionServiceOptions options)
    : catalog_(catalog),
      tasks_(tasks),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : common::SystemClock::Default()),
      owner_(common::CurrentProcessIdentity()) {}

ExecutionService::~ExecutionService() = default;

Result<std::shared_ptr<const StateMachine>> ExecutionService::Parse(const std::string& definition) {
  std::string key = common::Sha256Hex(definition);
  {
    std::lock_guard<std::mutex> lock(parse_mu_);
    auto it = parsed_.find(key);
    if (it != parsed_.end()) return it->second;
  }
  std::vector<Diagnostic> diagnostics;
  auto machine = ParseDefinition(definition, &diagnostics);
  if (!machine.ok()) {
    return SfnError("InvalidDefinition", "Invalid State Machine Definition: '" + machine.status().message() + "'");
  }
  std::lock_guard<std::mutex> lock(parse_mu_);
  parsed_[key] = *machine;
  return *machine;
}

Result<StateMachineRecord> ExecutionService::FindStateMachine(catalog::Transaction& tx,
                                                              const std::string& state_machine) {
  std::string base = state_machine;
  std::optional<int64_t> version;
  const std::string prefix = "arn:aws:states:";
  if (state_machine.rfind(prefix, 0) == 0) {
    // arn:aws:states:<region>:<account>:stateMachine:<name>[:<version>]
    size_t sm = state_machine.find(":stateMachine:");
    if (sm == std::string::npos) {
      return SfnError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: " + state_machine + "'");
    }
    size_t colon = state_machine.find(':', sm + 14);
    if (colon != std::string::npos) {
      base = state_machine.substr(0, colon);
      std::string v = state_machine.substr(colon + 1);
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) {
        return SfnError("InvalidArn", "Invalid Arn: '" + state_machine + "' (aliases are not supported)");
      }
      version = std::stoll(v);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT arn, name, definition, role_arn, type, revision_id, created_at "
                                                "FROM state_machines WHERE arn = $1 OR name = $1",
                                                {base}));
  if (!row) {
    return SfnError("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + state_machine + "'");
  }
  StateMachineRecord r;
  r.arn = row->Text(0);
  r.name = row->Text(1);
  r.definition = row->Text(2);
  r.role_arn = row->Text(3);
  r.type = row->Text(4);
  r.revision_id = row->Text(5);
  r.creation_date = common::ParseRfc3339(row->Text(6)).value_or(Timestamp{});
  if (version) {
    SLUICE_ASSIGN_OR_RETURN(auto v, tx.QueryOne("SELECT definition, revision_id, created_at FROM "
                                                "state_machine_versions WHERE state_machine_arn = $1 AND version = $2",
                                                {r.arn, *version}));
    if (!v) return SfnError("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + state_machine + "'");
    r.definition = v->Text(0);
    r.revision_id = v->Text(1);
    r.creation_date = common::ParseRfc3339(v->Text(2)).value_or(Timestamp{});
    r.version = version;
  }
  return r;
}

Result<StateMachineRecord> ExecutionService::CreateStateMachine(const std::string& name, const std::string& definition,
                                                                const std::string& role_arn, bool publish) {
  SLUICE_RETURN_IF_ERROR(ValidateName(name, "state machine"));
  SLUICE_RETURN_IF_ERROR(Parse(definition).status());
  std::string arn = "arn:aws:states:" + options_.region + ":" + options_.account + ":stateMachine:" + name;
  std::string role = role_arn.empty() ? "arn:aws:iam::" + options_.account + ":role/sluice-execution" : role_arn;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
    auto existing = FindStateMachine(*tx, arn);
    if (existing.ok()) {
      if (existing->definition != definition || existing->role_arn != role) {
        return SfnError("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
      }
      return existing;
    }
    std::string now = common::FormatIso8601Millis(clock_->Now());
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "INSERT INTO state_machines (arn, name, definition, role_arn, type, revision_id, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, 'STANDARD', $5, $6, $6)",
        {arn, name, definition, role, common::NewUuid(), now}));
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  if (publish) SLUICE_RETURN_IF_ERROR(PublishVersion(arn, "").status());
  return DescribeStateMachine(arn);
}

Result<StateMachineRecord> ExecutionService::UpdateStateMachine(const std::string& state_machine,
                                                                const std::string& definition, bool publish) {
  SLUICE_RETURN_IF_ERROR(Parse(definition).status());
  std::string arn;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(StateMachineRecord current, FindStateMachine(*tx, state_machine));
    arn = current.arn;
    if (current.definition != definition) {
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "UPDATE state_machines SET definition = $1, revision_id = $2, updated_at = $3 WHERE arn = $4",
          {definition, common::NewUuid(), common::FormatIso8601Millis(clock_->Now()), arn}));
    }
    SLUICE_RETURN_IF_ERROR(tx->Commit());
  }
  if (publish) return PublishVersion(arn, "");
  return DescribeStateMachine(arn);
}

Result<StateMachineRecord> ExecutionService::PublishVersion(const std::string& state_machine,
                                                            const std::string& description) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(StateMachineRecord current, FindStateMachine(*tx, state_machine));
  // Publishing an unchanged revision returns the version that has it (AWS is idempotent here).
  SLUICE_ASSIGN_OR_RETURN(auto same, tx->QueryOne("SELECT version FROM state_machine_versions WHERE "
                                                  "state_machine_arn = $1 AND revision_id = $2",
                                                  {current.arn, current.revision_id}));
  int64_t version = 0;
  if (same) {
    version = same->Int(0);
  } else {
    SLUICE_ASSIGN_OR_RETURN(auto max, tx->QueryOne("SELECT COALESCE(MAX(version), 0) FROM state_machine_versions "
                                                   "WHERE state_machine_arn = $1",
                                                   {current.arn}));
    version = max->Int(0) + 1;
    SLUICE_RETURN_IF_ERROR(tx->Execute(
        "INSERT INTO state_machine_versions (state_machine_arn, version, definition, description, revision_id, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        {current.arn, version, current.definition, description, current.revision_id,
         common::FormatIso8601Millis(clock_->Now())}));
  }
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return DescribeStateMachine(current.arn + ":" + std::to_string(version));
}

Result<StateMachineRecord> ExecutionService::DescribeStateMachine(const std::string& state_machine) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
  return FindStateMachine(*tx, state_machine);
}

Result<std::vector<StateMachineRecord>> ExecutionService::ListStateMachines() {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT arn FROM state_machines ORDER BY name"));
  std::vector<StateMachineRecord> out;
  for (const Row& r : rows) {
    SLUICE_ASSIGN_OR_RETURN(StateMachineRecord sm, FindStateMachine(*tx, r.Text(0)));
    out.push_back(std::move(sm));
  }
  return out;
}

Result<ExecutionRecord> ExecutionService::LoadExecution(catalog::Transaction& tx, const std::string& arn) {
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne(std::string("SELECT ") + kExecutionColumns +
                                                    " FROM executions WHERE arn = $1",
                                                {arn}));
  if (!row) return SfnError("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  return ExecutionFromRow(*row);
}

Result<ExecutionRecord> ExecutionService::StartExecution(const std::string& state_machine, const std::string& name,
                                                         const std::string& input) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(ExecutionRecord record, StartExecutionIn(*tx, state_machine, name, input));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return record;
}

Result<ExecutionRecord> ExecutionService::StartExecutionIn(catalog::Transaction& tx,
                                                           const std::string& state_machine,
                                                           const std::string& name,
                                                           const std::string& input) {
  std::string exec_name = name.empty() ? common::NewUuid() : name;
  SLUICE_RETURN_IF_ERROR(ValidateName(exec_name, "execution"));
  auto parsed_input = common::ParseJson(input.empty() ? "{}" : input, "input");
  if (!parsed_input.ok()) {
    return SfnError("InvalidExecutionInput", "Invalid execution input: " + parsed_input.status().message());
  }
  std::string input_text = common::SerializeJson(*parsed_input);
  SLUICE_ASSIGN_OR_RETURN(StateMachineRecord sm, FindStateMachine(tx, state_machine));
  SLUICE_RETURN_IF_ERROR(Parse(sm.definition).status());
  std::string arn = "arn:aws:states:" + options_.region + ":" + options_.account + ":execution:" + sm.name + ":" +
                    exec_name;
  SLUICE_ASSIGN_OR_RETURN(auto existing, tx.QueryOne("SELECT input, status FROM executions WHERE arn = $1", {arn}));
  if (existing) {
    // StartExecution is idempotent for the same name and input while the execution runs.
    if (existing->Text(0) == input_text && existing->Text(1) == "RUNNING") return LoadExecution(tx, arn);
    return SfnError("ExecutionAlreadyExists", "Execution Already Exists: '" + arn + "'");
  }
  SLUICE_RETURN_IF_ERROR(tx.Execute(
      "INSERT INTO executions (arn, state_machine_arn, version, name, status, definition, input, start_micros) "
      "VALUES ($1, $2, $3, $4, 'RUNNING', $5, $6, $7)",
      {arn, sm.arn, sm.version ? SqlValue(*sm.version) : catalog::Null(), exec_name, sm.definition, input_text,
       clock_->Now().micros}));
  return LoadExecution(tx, arn);
}

Result<ExecutionRecord> ExecutionService::DescribeExecution(const std::string& execution_arn) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
  return LoadExecution(*tx, execution_arn);
}

Result<std::vector<ExecutionRecord>> ExecutionService::ListExecutions(const std::string& state_machine,
                                                                      const std::string& status) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(StateMachineRecord sm, FindStateMachine(*tx, state_machine));
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query(std::string("SELECT ") + kExecutionColumns +
                                                   " FROM executions WHERE state_machine_arn = $1 AND ($2 = '' OR "
                                                   "status = $2) ORDER BY start_micros DESC, arn",
                                               {sm.arn, status}));
  std::vector<ExecutionRecord> out;
  for (const Row& r : rows) out.push_back(ExecutionFromRow(r));
  return out;
}

Result<std::vector<HistoryEvent>> ExecutionService::GetExecutionHistory(const std::string& execution_arn) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
  SLUICE_RETURN_IF_ERROR(LoadExecution(*tx, execution_arn).status());
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id, previous_event_id, timestamp_micros, type, details_name, "
                                               "details, scope, superseded FROM execution_history WHERE "
                                               "execution_arn = $1 ORDER BY id",
                                               {execution_arn}));
  std::vector<HistoryEvent> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    HistoryEvent e;
    e.id = r.Int(0);
    e.previous_event_id = r.Int(1);
    e.timestamp = Timestamp{r.Int(2)};
    e.type = r.Text(3);
    e.details_name = r.Text(4);
    SLUICE_ASSIGN_OR_RETURN(json::value details, common::ParseJson(r.Text(5), "history event details"));
    if (details.is_object()) e.details = std::move(details.as_object());
    e.scope = r.Text(6);
    out.push_back(std::move(e));
  }
  return out;
}

Result<bool> ExecutionService::AcquireLease(const std::string& arn) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT status, lease_owner, lease_expires FROM executions WHERE "
                                                 "arn = $1",
                                                 {arn}));
  if (!row) return SfnError("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  if (row->Text(0) != "RUNNING") return false;
  int64_t now = clock_->Now().micros;
  if (!row->IsNull(1) && row->Text(1) != owner_ && row->Int(2) > now &&
      !common::ProcessIdentityIsDead(row->Text(1))) {
    return Status::Unavailable("execution " + arn + " is being run by another process (" + row->Text(1) + ")");
  }
  SLUICE_RETURN_IF_ERROR(tx->Execute("UPDATE executions SET lease_owner = $1, lease_expires = $2 WHERE arn = $3",
                                     {owner_, now + options_.lease_seconds * 1000000, arn}));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return true;
}

Status ExecutionService::Finish(const std::string& arn, const ExecutionResult& result) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT stop_error, stop_cause FROM executions WHERE arn = $1 AND "
                                                 "lease_owner = $2",
                                                 {arn, owner_}));
  if (!row) return Status::Unavailable("lost the lease on execution " + arn);
  SqlValue output = catalog::Null(), error = catalog::Null(), cause = catalog::Null();
  if (result.status == ExecutionStatus::kSucceeded) output = common::SerializeJson(result.output);
  if (result.has_error) error = result.error;
  if (result.has_cause) cause = result.cause;
  if (result.status == ExecutionStatus::kAborted) {
    if (!row->IsNull(0)) error = row->Text(0);
    if (!row->IsNull(1)) cause = row->Text(1);
  }
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "UPDATE executions SET status = $1, output = $2, error = $3, cause = $4, stop_micros = $5, lease_owner = NULL, "
      "lease_expires = NULL WHERE arn = $6",
      {std::string(ExecutionStatusName(result.status)), output, error, cause, clock_->Now().micros, arn}));
  return tx->Commit();
}

namespace {

// The executions threads of this process are running. The catalog lease is per process (a
// thread of the lease owner may take it over, e.g. after its own run ended early), so two
// threads of one process must also claim an execution here before running it.
class LocalRuns {
 public:
  static LocalRuns& Instance() {
    static LocalRuns runs;
    return runs;
  }
  bool Claim(const std::string& arn) {
    std::lock_guard lock(mu_);
    return running_.insert(arn).second;
  }
  void Release(const std::string& arn) {
    std::lock_guard lock(mu_);
    running_.erase(arn);
  }

 private:
  std::mutex mu_;
  std::set<std::string> running_;
};

}  // namespace

Result<ExecutionRecord> ExecutionService::Run(const std::string& arn) {
  if (!LocalRuns::Instance().Claim(arn)) {
    return Status::Unavailable("execution " + arn + " is being run by another thread of this process");
  }
  struct Unclaim {
    const std::string& arn;
    ~Unclaim() { LocalRuns::Instance().Release(arn); }
  } unclaim{arn};
  SLUICE_ASSIGN_OR_RETURN(bool acquired, AcquireLease(arn));
  if (!acquired) return DescribeExecution(arn);
  ExecutionRecord record;
  std::string definition;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(record, LoadExecution(*tx, arn));
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT definition FROM executions WHERE arn = $1", {arn}));
    definition = row->Text(0);
  }
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const StateMachine> machine, Parse(definition));
  SLUICE_ASSIGN_OR_RETURN(std::vector<HistoryEvent> all, GetExecutionHistory(arn));
  std::vector<HistoryEvent> replay;
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id FROM execution_history WHERE execution_arn = $1 AND "
                                                 "superseded = 1",
                                                 {arn}));
    std::set<int64_t> superseded;
    for (const Row& r : rows) superseded.insert(r.Int(0));
    for (HistoryEvent& e : all) {
      if (!superseded.count(e.id) && e.scope != kServiceScope) replay.push_back(std::move(e));
    }
  }
  const int64_t last_id = all.empty() ? 0 : all.back().id;
  SLUICE_ASSIGN_OR_RETURN(json::value input, common::ParseJson(record.input, "execution input"));
  // The state machine name is the part of the ARN between "stateMachine:" and the version.
  std::string sm_name = record.state_machine_arn.substr(record.state_machine_arn.rfind(':') + 1);
  Journal journal(this, arn);
  ExecutionOptions options;
  options.state_machine_name = sm_name;
  options.execution_name = record.name;
  options.region = options_.region;
  options.account = options_.account;
  options.wait_time_scale = options_.wait_time_scale;
  options.max_payload_bytes = options_.max_payload_bytes;
  options.tasks = tasks_;
  options.clock = clock_;
  options.observer = options_.observer;
  options.suspend = &suspended_;
  options.journal = &journal;
  options.replay = &replay;
  options.start_time = record.start_date;
  options.redrive_count = record.redrive_count;
  options.last_event_id = last_id;
  // Random values (MathRandom, UUID, jitter) must repeat when the history replays: every
  // scope draws from its own generator, seeded by the execution, the redrive and the scope.
  std::string seed = arn + "#" + std::to_string(record.redrive_count);
  options.random_for_scope = [seed](std::string_view scope) -> std::unique_ptr<RandomSource> {
    return std::make_unique<SeededRandom>(seed + "|" + std::string(scope));
  };
  ExecutionResult result = RunExecution(*machine, input, options);
  if (!result.engine_status.ok()) {
    // Leave it RUNNING for a later resume; give the lease back so that can happen at once.
    if (auto tx = catalog_->Begin(TxMode::kWrite); tx.ok()) {
      (void)(*tx)->Execute("UPDATE executions SET lease_owner = NULL, lease_expires = NULL WHERE arn = $1 AND "
                           "lease_owner = $2",
                           {arn, owner_});
      (void)(*tx)->Commit();
    }
    return result.engine_status;
  }
  SLUICE_RETURN_IF_ERROR(Finish(arn, result));
  return DescribeExecution(arn);
}

Result<int> ExecutionService::RunPending() {
  int ran = 0;
  std::set<std::string> tried;
  for (;;) {
    if (suspended_.load()) return ran;
    std::vector<std::string> runnable;
    {
      SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kRead));
      SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT arn, lease_owner, lease_expires FROM executions WHERE "
                                                   "status = 'RUNNING' ORDER BY start_micros"));
      int64_t now = clock_->Now().micros;
      for (const Row& r : rows) {
        if (tried.count(r.Text(0))) continue;
        bool free = r.IsNull(1) || r.Int(2) < now || common::ProcessIdentityIsDead(r.Text(1));
        if (free) runnable.push_back(r.Text(0));
      }
    }
    if (runnable.empty()) return ran;
    for (const std::string& arn : runnable) {
      if (suspended_.load()) return ran;
      tried.insert(arn);
      auto run = Run(arn);
      if (run.ok()) {
        ++ran;
      } else if (run.status().code() != StatusCode::kUnavailable) {
        return run.status();
      }
    }
  }
}

Result<ExecutionRecord> ExecutionService::StopExecution(const std::string& execution_arn, const std::string& error,
                                                        const std::string& cause) {
  {
    SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(ExecutionRecord record, LoadExecution(*tx, execution_arn));
    if (record.status != "RUNNING") return record;
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT lease_owner, lease_expires FROM executions WHERE arn = $1",
                                                   {execution_arn}));
    int64_t now = clock_->Now().micros;
    bool runner_alive = !row->IsNull(0) && row->Int(1) > now && !common::ProcessIdentityIsDead(row->Text(0));
    SqlValue e = error.empty() ? catalog::Null() : SqlValue(error);
    SqlValue c = cause.empty() ? catalog::Null() : SqlValue(cause);
    if (runner_alive) {
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "UPDATE executions SET stop_requested = 1, stop_error = $1, stop_cause = $2 WHERE arn = $3",
          {e, c, execution_arn}));
      SLUICE_RETURN_IF_ERROR(tx->Commit());
    } else {
      // Nobody runs it: record the abort here.
      SLUICE_ASSIGN_OR_RETURN(auto last, tx->QueryOne("SELECT COALESCE(MAX(id), 0) FROM execution_history WHERE "
                                                      "execution_arn = $1",
                                                      {execution_arn}));
      json::object details;
      if (!error.empty()) details["error"] = error;
      if (!cause.empty()) details["cause"] = cause;
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "INSERT INTO execution_history (execution_arn, id, previous_event_id, timestamp_micros, type, "
          "details_name, details, scope) VALUES ($1, $2, $3, $4, 'ExecutionAborted', "
          "'executionAbortedEventDetails', $5, $6)",
          {execution_arn, last->Int(0) + 1, last->Int(0), now, common::SerializeJson(details),
           std::string(kServiceScope)}));
      SLUICE_RETURN_IF_ERROR(tx->Execute(
          "UPDATE executions SET status = 'ABORTED', error = $1, cause = $2, stop_micros = $3, lease_owner = NULL, "
          "lease_expires = NULL, stop_requested = 1 WHERE arn = $4",
          {e, c, now, execution_arn}));
      SLUICE_RETURN_IF_ERROR(tx->Commit());
      return DescribeExecution(execution_arn);
    }
  }
  // The runner notices within its stop-poll interval; wait for it briefly.
  for (int i = 0; i < 100; ++i) {
    SLUICE_ASSIGN_OR_RETURN(ExecutionRecord r, DescribeExecution(execution_arn));
    if (r.status != "RUNNING") return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return DescribeExecution(execution_arn);
}

Result<ExecutionRecord> ExecutionService::RedriveExecution(const std::string& execution_arn) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(ExecutionRecord record, LoadExecution(*tx, execution_arn));
  if (record.status != "FAILED" && record.status != "TIMED_OUT" && record.status != "ABORTED") {
    return SfnError("ExecutionNotRedrivable", "Execution is " + record.status + " and cannot be redriven: '" +
                                                  execution_arn + "'");
  }
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id, type, scope FROM execution_history WHERE execution_arn = "
                                               "$1 AND superseded = 0 AND scope <> $2 ORDER BY id",
                                               {execution_arn, std::string(kServiceScope)}));
  // In every scope, the states entered but never exited are the ones that failed (or were
  // cut short): their events from the entry on are superseded, so they run again while
  // everything that finished replays. The execution's final event goes too.
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> by_scope;
  for (const Row& r : rows) by_scope[r.Text(2)].push_back({r.Int(0), r.Text(1)});
  std::vector<int64_t> superseded;
  auto ends_with = [](const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (auto& [scope, events] : by_scope) {
    int depth = 0;
    size_t cut = events.size();
    // The first Entered whose state never exits: scan for unmatched entries (states of a
    // scope run one at a time, so an entry without an exit is the last one open).
    for (size_t i = 0; i < events.size(); ++i) {
      const std::string& type = events[i].second;
      if (ends_with(type, "StateEntered")) {
        if (depth == 0) cut = i;
        ++depth;
      } else if (ends_with(type, "StateExited")) {
        --depth;
        if (depth == 0) cut = events.size();
      } else if (scope.empty() && type.rfind("Execution", 0) == 0 && type != "ExecutionStarted") {
        if (cut == events.size()) cut = i;
      }
    }
    for (size_t i = cut; i < events.size(); ++i) superseded.push_back(events[i].first);
  }
  for (int64_t id : superseded) {
    SLUICE_RETURN_IF_ERROR(tx->Execute("UPDATE execution_history SET superseded = 1 WHERE execution_arn = $1 AND "
                                       "id = $2",
                                       {execution_arn, id}));
  }
  SLUICE_ASSIGN_OR_RETURN(auto last, tx->QueryOne("SELECT COALESCE(MAX(id), 0) FROM execution_history WHERE "
                                                  "execution_arn = $1",
                                                  {execution_arn}));
  int64_t now = clock_->Now().micros;
  json::object details{{"redriveCount", record.redrive_count + 1}};
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "INSERT INTO execution_history (execution_arn, id, previous_event_id, timestamp_micros, type, details_name, "
      "details, scope) VALUES ($1, $2, $3, $4, 'ExecutionRedriven', 'executionRedrivenEventDetails', $5, $6)",
      {execution_arn, last->Int(0) + 1, last->Int(0), now, common::SerializeJson(details),
       std::string(kServiceScope)}));
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stop_micros = NULL, "
      "redrive_count = redrive_count + 1, redrive_micros = $1, stop_requested = 0, stop_error = NULL, "
      "stop_cause = NULL, lease_owner = NULL, lease_expires = NULL WHERE arn = $2",
      {now, execution_arn}));
  SLUICE_ASSIGN_OR_RETURN(ExecutionRecord redriven, LoadExecution(*tx, execution_arn));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return redriven;
}

// Records a token's outcome. InvalidToken for a token never handed out; TaskTimedOut when
// its task is no longer waiting (answered already, timed out, or its execution ended).
Status ExecutionService::CompleteTaskToken(const std::string& token, std::string_view status,
                                           const std::vector<catalog::SqlValue>& values) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT t.status, e.status FROM task_tokens t JOIN executions e ON "
                                                 "e.arn = t.execution_arn WHERE t.token = $1",
                                                 {token}));
  if (!row) return SfnError("InvalidToken", "Invalid Token: 'Invalid token'");
  if (row->Text(0) != "WAITING" || row->Text(1) != "RUNNING") {
    return SfnError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
  }
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "UPDATE task_tokens SET status = $1, output = $2, error = $3, cause = $4 WHERE token = $5",
      {std::string(status), values.at(0), values.at(1), values.at(2), token}));
  return tx->Commit();
}

Status ExecutionService::SendTaskSuccess(const std::string& token, const std::string& output) {
  auto parsed = common::ParseJson(output, "task output");
  if (!parsed.ok()) return SfnError("InvalidOutput", "Invalid Output: " + parsed.status().message());
  return CompleteTaskToken(token, "SUCCEEDED", {common::SerializeJson(*parsed), catalog::Null(), catalog::Null()});
}

Status ExecutionService::SendTaskFailure(const std::string& token, const std::string& error,
                                         const std::string& cause) {
  return CompleteTaskToken(token, "FAILED", {catalog::Null(), error, cause});
}

Status ExecutionService::SendTaskHeartbeat(const std::string& token) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(int64_t n, tx->Execute("UPDATE task_tokens SET heartbeat_micros = $1 WHERE token = $2 AND "
                                                 "status = 'WAITING'",
                                                 {clock_->Now().micros, token}));
  if (n == 0) {
    SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT 1 FROM task_tokens WHERE token = $1", {token}));
    if (!row) return SfnError("InvalidToken", "Invalid Token: 'Invalid token'");
    return SfnError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
  }
  return tx->Commit();
}

void NestedExecutions::RegisterWith(TaskRegistry& registry) {
  registry.Register("arn:aws:states:::states:startExecution", this);
  registry.Register("arn:aws:states:::states:startExecution.sync", this);
  registry.Register("arn:aws:states:::states:startExecution.sync:2", this);
}

Result<json::value> NestedExecutions::Invoke(const TaskInvocation& inv) {
  const json::object* params = inv.parameters && inv.parameters->is_object() ? &inv.parameters->get_object() : nullptr;
  const json::value* sm = params ? params->if_contains("StateMachineArn") : nullptr;
  if (!sm || !sm->is_string()) {
    return StatesError(kStatesRuntime, "The field 'StateMachineArn' is required by the resource '" +
                                           std::string(inv.resource) + "' in state '" + std::string(inv.state_name) +
                                           "'");
  }
  std::string input = "{}";
  if (const json::value* in = params->if_contains("Input")) {
    input = in->is_string() ? std::string(in->get_string()) : common::SerializeJson(*in);
  }
  std::string name;
  if (const json::value* n = params->if_contains("Name"); n && n->is_string()) {
    name = std::string(n->get_string());
  } else {
    // Deterministic, so a parent resumed after a crash finds the child it already started.
    std::string seed = std::string(inv.state_name) + "|" + std::to_string(inv.attempt);
    if (inv.context && inv.context->is_object()) seed += common::SerializeJson(*inv.context);
    name = common::Sha256Hex(seed).substr(0, 32);
  }
  auto started = service_->StartExecution(std::string(sm->get_string()), name, input);
  if (!started.ok()) return StatesError("StepFunctions." + std::string(started.status().name()), started.status().message());
  bool sync = inv.resource.find(".sync") != std::string_view::npos;
  if (!sync) {
    return json::value(json::object{{"ExecutionArn", started->arn},
                                    {"StartDate", common::FormatIso8601Millis(started->start_date)}});
  }
  auto done = service_->Run(started->arn);
  if (!done.ok()) return done.status();
  bool v2 = inv.resource.size() > 2 && inv.resource.substr(inv.resource.size() - 2) == ":2";
  // DescribeExecution's shape with capitalised keys, as the .sync integration returns it.
  json::object out;
  out["ExecutionArn"] = done->arn;
  out["StateMachineArn"] = done->state_machine_arn;
  out["Name"] = done->name;
  out["Status"] = done->status;
  out["StartDate"] = common::FormatIso8601Millis(done->start_date);
  if (done->stop_date) out["StopDate"] = common::FormatIso8601Millis(*done->stop_date);
  if (v2) {
    auto in = common::ParseJson(done->input, "input");
    out["Input"] = in.ok() ? *in : json::value(done->input);
  } else {
    out["Input"] = done->input;
  }
  out["InputDetails"] = json::object{{"Included", true}};
  if (done->output) {
    if (v2) {
      auto o = common::ParseJson(*done->output, "output");
      out["Output"] = o.ok() ? *o : json::value(*done->output);
    } else {
      out["Output"] = *done->output;
    }
    out["OutputDetails"] = json::object{{"Included", true}};
  }
  if (done->status == "SUCCEEDED") return json::value(std::move(out));
  if (done->error) out["Error"] = *done->error;
  if (done->cause) out["Cause"] = *done->cause;
  return StatesError(kStatesTaskFailed, common::SerializeJson(out));
}

}  // namespace sluice::asl
