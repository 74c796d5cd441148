#include "sluice/tasks/redshift_data.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "sluice/common/ids.h"
#include "sluice/common/time.h"
#include "sluice/tasks/service_errors_internal.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "arn:aws:states:::aws-sdk:redshiftdata:";

Status Error(std::string_view exception, const std::string& message) {
  return ServiceError("RedshiftData", "RedshiftData", exception, message);
}
Status Validation(const std::string& message) { return Error("ValidationException", message); }

std::string Now() { return common::FormatIso8601Millis(common::SystemClock::Default()->Now()); }

std::string NewStatementId() {
  std::string id = common::NewUuid();
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

// The request fields that only say where the SQL runs: echoed in responses.
constexpr std::string_view kEchoed[] = {"ClusterIdentifier", "Database", "DbUser", "SecretArn",
                                        "WorkgroupName"};

// True when the statement returns rows (its first keyword says so).
bool ReturnsRows(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i);
      if (i == std::string_view::npos) return false;
      i += 2;
    } else {
      break;
    }
  }
  size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  std::string word(sql.substr(i, j - i));
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word == "SELECT" || word == "WITH" || word == "VALUES" || word == "SHOW" ||
         word == "TABLE" || word == "EXPLAIN" || word == "PRAGMA";
}

json::object Field(const warehouse::Value& v) {
  switch (v.kind) {
    case warehouse::Value::Kind::kNull:
      return {{"isNull", true}};
    case warehouse::Value::Kind::kBool:
      return {{"booleanValue", v.boolean}};
    case warehouse::Value::Kind::kInteger:
      return {{"longValue", v.integer}};
    case warehouse::Value::Kind::kReal:
      return {{"doubleValue", v.real}};
    case warehouse::Value::Kind::kNumeric:
    case warehouse::Value::Kind::kText:
      return {{"stringValue", v.text}};
  }
  return {{"isNull", true}};
}

std::string_view TypeName(warehouse::Value::Kind kind) {
  switch (kind) {
    case warehouse::Value::Kind::kBool:
      return "bool";
    case warehouse::Value::Kind::kInteger:
      return "int8";
    case warehouse::Value::Kind::kReal:
      return "float8";
    case warehouse::Value::Kind::kNumeric:
      return "numeric";
    default:
      return "varchar";
  }
}

json::object ResultOf(const warehouse::QueryResult& q) {
  json::array columns;
  for (size_t c = 0; c < q.columns.size(); ++c) {
    warehouse::Value::Kind kind = warehouse::Value::Kind::kNull;
    for (const auto& row : q.rows) {
      if (!row[c].is_null()) {
        kind = row[c].kind;
        break;
      }
    }
    columns.push_back(json::object{{"name", q.columns[c]},
                                   {"label", q.columns[c]},
                                   {"typeName", TypeName(kind)},
                                   {"nullable", 1}});
  }
  json::array records;
  for (const auto& row : q.rows) {
    json::array fields;
    for (const auto& v : row) fields.push_back(Field(v));
    records.push_back(std::move(fields));
  }
  return json::object{{"ColumnMetadata", std::move(columns)},
                      {"Records", std::move(records)},
                      {"TotalNumRows", static_cast<int64_t>(q.rows.size())}};
}

// Parameters [{"name","value"}] as names and values, validated.
Status ReadParameters(const json::object& request, std::vector<std::string>* names,
                      std::vector<std::string>* values) {
  const json::value* p = request.if_contains("Parameters");
  if (!p) return Status::OK();
  if (!p->is_array() || p->get_array().empty()) {
    return Validation("Parameters must be a non-empty list of {\"name\", \"value\"}");
  }
  for (const auto& e : p->get_array()) {
    const json::object* o = e.if_object();
    const json::value* n = o ? o->if_contains("name") : nullptr;
    const json::value* v = o ? o->if_contains("value") : nullptr;
    if (!n || !n->is_string() || !v || !v->is_string()) {
      return Validation("each of Parameters needs a string name and a string value, got " +
                        common::SerializeJson(e));
    }
    names->emplace_back(n->get_string());
    values->emplace_back(v->get_string());
  }
  return Status::OK();
}

// Redshift Data passes every parameter as text; SQLite compares text with computed integers
// by type, so integer-looking values go to SQLite as integers.
warehouse::Value ParameterValue(const std::string& text, std::string_view engine) {
  if (engine == "sqlite" && !text.empty() && text.size() < 19) {
    size_t i = text[0] == '-' ? 1 : 0;
    bool digits = i < text.size();
    for (size_t k = i; k < text.size(); ++k) digits = digits && std::isdigit(static_cast<unsigned char>(text[k]));
    if (digits) return warehouse::Value::Integer(std::stoll(text));
  }
  return warehouse::Value::Text(text);
}

struct StatementRun {
  json::object description;
  std::optional<json::object> result;
  bool failed = false;
};

// Runs one statement in `session` and describes it.
StatementRun RunStatement(warehouse::Session& session, const std::string& id, const std::string& sql,
                          const std::vector<std::string>& names, const std::vector<std::string>& values,
                          const json::value* query_parameters) {
  StatementRun run;
  std::string created = Now();
  auto started = std::chrono::steady_clock::now();
  json::object& d = run.description;
  d["Id"] = id;
  d["QueryString"] = sql;
  d["CreatedAt"] = created;
  d["RedshiftPid"] = 0;
  d["RedshiftQueryId"] = 0;
  if (query_parameters) d["QueryParameters"] = *query_parameters;
  std::vector<std::string> order;
  auto bound = BindNamedParameters(sql, names, &order);
  Status error;
  int64_t rows = 0, size = 0;
  bool has_result = false;
  if (!bound.ok()) {
    error = bound.status();
  } else {
    std::vector<warehouse::Value> params;
    for (const std::string& n : order) {
      size_t k = static_cast<size_t>(std::find(names.begin(), names.end(), n) - names.begin());
      params.push_back(ParameterValue(values[k], session.engine()));
    }
    if (ReturnsRows(*bound)) {
      auto q = session.Query(*bound, params);
      if (q.ok()) {
        has_result = true;
        rows = static_cast<int64_t>(q->rows.size());
        run.result = ResultOf(*q);
        size = static_cast<int64_t>(common::SerializedSize(json::value(run.result->at("Records"))));
      } else {
        error = q.status();
      }
    } else {
      auto n = session.ExecuteCount(*bound, params);
      if (n.ok()) {
        rows = *n;
      } else {
        error = n.status();
      }
    }
  }
  d["HasResultSet"] = has_result;
  d["ResultRows"] = error.ok() ? rows : -1;
  d["ResultSize"] = size;
  d["Duration"] = static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
  d["Status"] = error.ok() ? "FINISHED" : "FAILED";
  if (!error.ok()) {
    d["Error"] = "ERROR: " + error.message();
    run.failed = true;
  }
  d["UpdatedAt"] = Now();
  return run;
}

Status Store(catalog::Transaction& tx, const json::object& description,
             const std::optional<json::object>& result) {
  return tx
      .Execute("INSERT INTO redshift_statements (statement_id, status, description, result, created_at) "
               "VALUES ($1, $2, $3, $4, $5)",
               {std::string(description.at("Id").as_string()), std::string(description.at("Status").as_string()),
                common::SerializeJson(description),
                result ? catalog::SqlValue(common::SerializeJson(*result)) : catalog::Null(),
                std::string(description.at("CreatedAt").as_string())})
      .status();
}

Result<std::string> RequiredString(const json::object& request, std::string_view field) {
  const json::value* v = request.if_contains(field);
  if (!v || !v->is_string() || v->get_string().empty()) {
    return Validation("1 validation error detected: Value null at '" + std::string(1, static_cast<char>(std::tolower(field[0]))) +
                      std::string(field.substr(1)) + "' failed to satisfy constraint: Member must not be null");
  }
  return std::string(v->get_string());
}

json::object Echo(const json::object& request, std::string id, std::string created) {
  json::object out;
  for (std::string_view f : kEchoed) {
    if (const json::value* v = request.if_contains(f)) out[f] = *v;
  }
  out["CreatedAt"] = std::move(created);
  out["Id"] = std::move(id);
  return out;
}

}  // namespace

Result<std::string> BindNamedParameters(std::string_view sql, const std::vector<std::string>& names,
                                        std::vector<std::string>* order) {
  std::string out;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      end = std::min(end + 1, sql.size());
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (sql.substr(i, 2) == "--") {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (sql.substr(i, 2) == "/*") {
      size_t end = sql.find("*/", i);
      end = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      out.append("::");
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() &&
               (std::isalpha(static_cast<unsigned char>(sql[i + 1])) || sql[i + 1] == '_')) {
      size_t end = i + 1;
      while (end < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_')) ++end;
      std::string name(sql.substr(i + 1, end - i - 1));
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        return Status::InvalidArgument("the SQL uses parameter :" + name + " but Parameters has no value for it");
      }
      auto at = std::find(order->begin(), order->end(), name);
      size_t index = static_cast<size_t>(at - order->begin());
      if (at == order->end()) order->push_back(name);
      out += "$" + std::to_string(index + 1);
      i = end;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

void RedshiftData::RegisterWith(asl::TaskRegistry& registry) {
  for (std::string_view op : {"executeStatement", "batchExecuteStatement", "describeStatement", "getStatementResult"}) {
    registry.Register(std::string(kPrefix) + std::string(op), this);
  }
}

Result<json::value> RedshiftData::Invoke(const asl::TaskInvocation& inv) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* params,
                          ParametersObject(inv.parameters, inv.resource, inv.state_name));
  std::string_view op = inv.resource.substr(kPrefix.size());
  if (op == "executeStatement") return ExecuteStatement(*params);
  if (op == "batchExecuteStatement") return BatchExecuteStatement(*params);
  if (op == "describeStatement") return DescribeStatement(*params);
  if (op == "getStatementResult") return GetStatementResult(*params);
  return asl::StatesError(asl::kStatesRuntime, "unknown Redshift Data resource " + std::string(inv.resource));
}

Result<json::value> RedshiftData::ExecuteStatement(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RequiredString(request, "Sql"));
  std::vector<std::string> names, values;
  SLUICE_RETURN_IF_ERROR(ReadParameters(request, &names, &values));
  std::vector<std::string> order;
  if (auto bound = BindNamedParameters(sql, names, &order); !bound.ok()) {
    return Validation(bound.status().message());
  }
  SLUICE_ASSIGN_OR_RETURN(auto wh, warehouse::OpenWarehouse(env_->warehouse_url));
  SLUICE_ASSIGN_OR_RETURN(auto session, wh->Connect());
  std::string id = NewStatementId();
  StatementRun run = RunStatement(*session, id, sql, names, values, request.if_contains("Parameters"));
  for (std::string_view f : kEchoed) {
    if (const json::value* v = request.if_contains(f)) run.description[f] = *v;
  }
  SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kWrite));
  SLUICE_RETURN_IF_ERROR(Store(*tx, run.description, run.result));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  if (run.failed) {
    return Error("ExecuteStatementException",
                 "statement " + id + " failed: " + std::string(run.description.at("Error").as_string()));
  }
  return json::value(Echo(request, id, std::string(run.description.at("CreatedAt").as_string())));
}

Result<json::value> RedshiftData::BatchExecuteStatement(const json::object& request) {
  const json::value* sqls = request.if_contains("Sqls");
  if (!sqls || !sqls->is_array() || sqls->get_array().empty() || sqls->get_array().size() > 40) {
    return Validation("Sqls must be a list of 1 to 40 SQL statements");
  }
  for (const auto& s : sqls->get_array()) {
    if (!s.is_string() || s.get_string().empty()) return Validation("each of Sqls must be a non-empty string");
  }
  SLUICE_ASSIGN_OR_RETURN(auto wh, warehouse::OpenWarehouse(env_->warehouse_url));
  SLUICE_ASSIGN_OR_RETURN(auto session, wh->Connect());
  std::string id = NewStatementId();
  std::string created = Now();
  auto started = std::chrono::steady_clock::now();
  std::vector<StatementRun> runs;
  bool failed = false;
  std::string error;
  // Redshift runs a batch as one transaction: a failing statement rolls back the others.
  SLUICE_RETURN_IF_ERROR(session->Begin());
  for (size_t i = 0; i < sqls->get_array().size(); ++i) {
    std::string sql(sqls->get_array()[i].get_string());
    std::string sub_id = id + ":" + std::to_string(i + 1);
    if (failed) {
      StatementRun aborted;
      aborted.description = json::object{{"Id", sub_id}, {"QueryString", sql}, {"Status", "ABORTED"},
                                         {"HasResultSet", false}, {"ResultRows", -1}, {"ResultSize", 0},
                                         {"Duration", 0}, {"CreatedAt", created}, {"UpdatedAt", Now()},
                                         {"RedshiftQueryId", 0}};
      runs.push_back(std::move(aborted));
      continue;
    }
    runs.push_back(RunStatement(*session, sub_id, sql, {}, {}, nullptr));
    if (runs.back().failed) {
      failed = true;
      error = std::string(runs.back().description.at("Error").as_string());
    }
  }
  if (failed) {
    SLUICE_RETURN_IF_ERROR(session->Rollback());
  } else {
    SLUICE_RETURN_IF_ERROR(session->Commit());
  }
  json::object top;
  top["Id"] = id;
  top["CreatedAt"] = created;
  top["Status"] = failed ? "FAILED" : "FINISHED";
  if (failed) top["Error"] = error;
  top["HasResultSet"] = false;
  top["ResultRows"] = -1;
  top["ResultSize"] = 0;
  top["RedshiftPid"] = 0;
  top["RedshiftQueryId"] = 0;
  top["Duration"] = static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
  top["UpdatedAt"] = Now();
  for (std::string_view f : kEchoed) {
    if (const json::value* v = request.if_contains(f)) top[f] = *v;
  }
  json::array subs;
  for (const StatementRun& r : runs) {
    json::object s;
    for (std::string_view k : {"Id", "QueryString", "Status", "HasResultSet", "ResultRows", "ResultSize",
                               "Duration", "CreatedAt", "UpdatedAt", "RedshiftQueryId", "Error"}) {
      if (const json::value* v = r.description.if_contains(k)) s[k] = *v;
    }
    subs.push_back(std::move(s));
  }
  top["SubStatements"] = std::move(subs);
  SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kWrite));
  SLUICE_RETURN_IF_ERROR(Store(*tx, top, std::nullopt));
  for (const StatementRun& r : runs) SLUICE_RETURN_IF_ERROR(Store(*tx, r.description, r.result));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  if (failed) return Error("BatchExecuteStatementException", "batch " + id + " failed: " + error);
  return json::value(Echo(request, id, created));
}

Result<json::value> RedshiftData::DescribeStatement(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string id, RequiredString(request, "Id"));
  SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT description FROM redshift_statements WHERE statement_id = $1", {id}));
  if (!row) return Error("ResourceNotFoundException", "Query does not exist: " + id);
  return common::ParseJson(row->Text(0), "redshift_statements.description");
}

Result<json::value> RedshiftData::GetStatementResult(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string id, RequiredString(request, "Id"));
  SLUICE_ASSIGN_OR_RETURN(auto tx, env_->catalog->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT result FROM redshift_statements WHERE statement_id = $1", {id}));
  if (!row) return Error("ResourceNotFoundException", "Query does not exist: " + id);
  if (row->IsNull(0)) {
    return Validation("Query does not have result. Please check query status with DescribeStatement.");
  }
  return common::ParseJson(row->Text(0), "redshift_statements.result");
}

}  // namespace sluice::tasks
