#pragma once

// The read-only HTTP endpoints of `sluice serve` (docs/serve.md#http):
//   GET /healthz                         200 {"status":"ok"} while the engine runs
//   GET /metrics                         Prometheus text: the engine's counters and gauges,
//                                        then whatever `extra_metrics` renders
//   GET /api/executions[?status=S&limit=N]           newest first (DescribeExecution shape)
//   GET /api/executions/<arn>                         one execution
//   GET /api/executions/<arn>/history                 its history events
//   GET /api/runs[?job=J&limit=N]                     ETL job runs (catalog job_runs)
//   GET /api/loads[?table=T&limit=N]                  warehouse loads (catalog warehouse_loads)
// Everything is read from the catalog per request (`executions` only reads: it may be a
// service with an empty task registry). The catalog, execution service and counters must
// outlive the server.

#include <functional>
#include <string>

#include "sluice/asl/execution_service.h"
#include "sluice/catalog/catalog.h"
#include "sluice/server/http_server.h"
#include "sluice/server/pipeline_engine.h"

namespace sluice::server {

// `extra_metrics` (may be empty) returns more Prometheus text to append to /metrics.
void RegisterEngineApi(HttpServer& http, catalog::Catalog* catalog,
                       asl::ExecutionService* executions, const EngineCounters* counters,
                       std::function<std::string()> extra_metrics);

}  // namespace sluice::server
