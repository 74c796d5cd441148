#include "sluice/server/engine_api.h"

#include "sluice/common/json.h"

namespace sluice::server {
namespace {

namespace json = boost::json;

HttpResponse Json(const json::value& value, int status = 200) {
  return {status, "application/json", common::SerializeJson(value) + "\n"};
}

HttpResponse Error(int status, std::string_view name, const std::string& message) {
  return Json(json::object{{"error", name}, {"message", message}}, status);
}

HttpResponse FromStatus(const Status& st) {
  if (st.code() == StatusCode::kNotFound || st.message().find("ExecutionDoesNotExist") == 0) {
    return Error(404, "NotFound", st.message());
  }
  return Error(500, "InternalError", st.message());
}

int64_t Limit(const HttpRequest& r) {
  auto it = r.query.find("limit");
  if (it == r.query.end()) return 100;
  try {
    return std::clamp<int64_t>(std::stoll(it->second), 1, 10000);
  } catch (...) {
    return 100;
  }
}

std::string Param(const HttpRequest& r, const std::string& name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? "" : it->second;
}

// Rows of a catalog query as JSON objects named by `names`.
Result<json::array> Rows(catalog::Catalog* catalog, const std::string& sql,
                         const std::vector<catalog::SqlValue>& params,
                         const std::vector<std::string>& names) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
  json::array out;
  for (const auto& row : rows) {
    json::object o;
    for (size_t i = 0; i < names.size() && i < row.size(); ++i) {
      const catalog::SqlValue& v = row.Value(i);
      if (std::holds_alternative<int64_t>(v)) {
        o[names[i]] = std::get<int64_t>(v);
      } else if (std::holds_alternative<double>(v)) {
        o[names[i]] = std::get<double>(v);
      } else if (std::holds_alternative<std::string>(v)) {
        const std::string& text = std::get<std::string>(v);
        // Report columns hold JSON: hand them on as JSON.
        if (names[i] == "report" && !text.empty()) {
          auto parsed = common::ParseJson(text, names[i]);
          o[names[i]] = parsed.ok() ? *parsed : json::value(text);
        } else {
          o[names[i]] = text;
        }
      } else {
        o[names[i]] = nullptr;
      }
    }
    out.emplace_back(std::move(o));
  }
  return out;
}

std::string Counter(std::string_view name, std::string_view help, int64_t value,
                    std::string_view type = "counter") {
  return "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
         std::string(name) + " " + std::string(type) + "\n" + std::string(name) + " " +
         std::to_string(value) + "\n";
}

}  // namespace

void RegisterEngineApi(HttpServer& http, catalog::Catalog* catalog,
                       asl::ExecutionService* executions, const EngineCounters* counters,
                       std::function<std::string()> extra_metrics) {
  http.Route("/healthz", [](const HttpRequest&) { return Json(json::object{{"status", "ok"}}); });

  http.Route("/metrics", [catalog, counters, extra_metrics](const HttpRequest&) {
    const EngineCounters& c = *counters;
    std::string text;
    text += Counter("sluice_inbox_files_total", "Files taken from the inbox into buckets.",
                    c.files_ingested.load());
    text += Counter("sluice_events_dispatched_total", "Events delivered to triggers.",
                    c.events_dispatched.load());
    text += Counter("sluice_executions_started_total", "Executions started by triggers.",
                    c.executions_started.load());
    text += Counter("sluice_dispatch_failures_total", "Trigger deliveries that failed (retried).",
                    c.dispatch_failures.load());
    text += Counter("sluice_inbox_failures_total", "Inbox files that could not be stored.",
                    c.inbox_failures.load());
    // Executions by status, from the catalog (all of them, not only this process's).
    auto tx = catalog->Begin(catalog::TxMode::kRead);
    if (tx.ok()) {
      auto rows = (*tx)->Query("SELECT status, count(*) FROM executions GROUP BY status ORDER BY status");
      if (rows.ok()) {
        text += "# HELP sluice_executions Executions in the catalog by status.\n"
                "# TYPE sluice_executions gauge\n";
        for (const auto& r : *rows) {
          text += "sluice_executions{status=\"" + r.Text(0) + "\"} " + std::to_string(r.Int(1)) + "\n";
        }
      }
    }
    if (extra_metrics) text += extra_metrics();
    return HttpResponse{200, "text/plain; version=0.0.4", text};
  });

  http.Route("/api/executions", [catalog](const HttpRequest& r) {
    auto rows = Rows(catalog,
                     "SELECT arn, state_machine_arn, name, status, start_micros, stop_micros, error, "
                     "cause FROM executions WHERE ($1 = '' OR status = $1) ORDER BY start_micros "
                     "DESC, arn LIMIT $2",
                     {Param(r, "status"), Limit(r)},
                     {"executionArn", "stateMachineArn", "name", "status", "startMicros",
                      "stopMicros", "error", "cause"});
    if (!rows.ok()) return FromStatus(rows.status());
    return Json(json::object{{"executions", std::move(*rows)}});
  });

  http.Route("/api/executions/", [executions](const HttpRequest& r) {
    std::string rest = r.path.substr(std::string("/api/executions/").size());
    bool history = rest.ends_with("/history");
    std::string arn = history ? rest.substr(0, rest.size() - 8) : rest;
    if (history) {
      auto events = executions->GetExecutionHistory(arn);
      if (!events.ok()) return FromStatus(events.status());
      json::array list;
      for (const auto& e : *events) list.emplace_back(e.ToJson());
      return Json(json::object{{"events", std::move(list)}});
    }
    auto record = executions->DescribeExecution(arn);
    if (!record.ok()) return FromStatus(record.status());
    return Json(record->ToJson());
  });

  http.Route("/api/runs", [catalog](const HttpRequest& r) {
    auto rows = Rows(catalog,
                     "SELECT run_id, job, dataset, source_bucket, source_key, status, started_at, "
                     "finished_at, error, report FROM job_runs WHERE ($1 = '' OR job = $1) "
                     "ORDER BY started_at DESC, run_id DESC LIMIT $2",
                     {Param(r, "job"), Limit(r)},
                     {"run_id", "job", "dataset", "source_bucket", "source_key", "status",
                      "started_at", "finished_at", "error", "report"});
    if (!rows.ok()) return FromStatus(rows.status());
    return Json(json::object{{"runs", std::move(*rows)}});
  });

  http.Route("/api/loads", [catalog](const HttpRequest& r) {
    auto rows = Rows(catalog,
                     "SELECT load_id, warehouse, table_name, source, run_id, mode, status, "
                     "load_seq, rows_inserted, rows_updated, rows_deleted, error, started_at, "
                     "finished_at FROM warehouse_loads WHERE ($1 = '' OR table_name = $1) "
                     "ORDER BY started_at DESC, load_id DESC LIMIT $2",
                     {Param(r, "table"), Limit(r)},
                     {"load_id", "warehouse", "table", "source", "run_id", "mode", "status",
                      "load_seq", "rows_inserted", "rows_updated", "rows_deleted", "error",
                      "started_at", "finished_at"});
    if (!rows.ok()) return FromStatus(rows.status());
    return Json(json::object{{"loads", std::move(*rows)}});
  });
}

}  // namespace sluice::server
