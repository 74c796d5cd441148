#pragma once

// `sluice warehouse load|tables` and `sluice query`: the warehouse from the command line
// (docs/warehouse.md). Each returns the process exit code: 0, 1 when the operation failed,
// 2 for bad usage; output goes to `out`, problems to `err`.

#include <ostream>
#include <string>

#include "sluice/cli/home.h"

namespace sluice::cli {

// `--warehouse` when set, else the deployed project's `warehouse`, else
// sqlite://<home>/warehouse.
std::string WarehouseUrl(Home& home, const std::string& flag);

struct WarehouseLoadCommand {
  std::string warehouse;  // URL flag ("" : the home's)
  std::string run;        // --run RUN
  std::string dataset;    // --dataset D --source S
  std::string source;
  std::string job_path;   // --job JOB.yaml: its warehouse target, dedupe key and order
  std::string table;      // --table overrides
  std::string mode;       // --mode overrides
};
int WarehouseLoad(Home& home, const WarehouseLoadCommand& command, std::ostream& out,
                  std::ostream& err);

// Lists the catalog's record of loads (all, or one warehouse's or table's), newest first,
// as JSON.
int ListWarehouseLoads(Home& home, const std::string& warehouse, const std::string& table,
                       int limit, std::ostream& out, std::ostream& err);

// Lists the layer tables and views with their columns.
int WarehouseTables(Home& home, const std::string& warehouse, std::ostream& out, std::ostream& err);

// Runs one SQL statement and prints its rows as `table` (aligned text), `json` (an array of
// objects) or `csv` (RFC 4180 with a header).
int RunQuery(Home& home, const std::string& warehouse, const std::string& sql,
             const std::string& format, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
