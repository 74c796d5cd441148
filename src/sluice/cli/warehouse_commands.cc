#include "sluice/cli/warehouse_commands.h"

#include <algorithm>
#include <filesystem>

#include "sluice/cli/jobs_commands.h"
#include "sluice/common/json.h"
#include "sluice/etl/job_spec.h"
#include "sluice/project/config_store.h"
#include "sluice/tasks/warehouse_loads.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::cli {
namespace {

namespace json = common::json;
using warehouse::QueryResult;
using warehouse::Value;

int Fail(std::ostream& err, std::string_view command, const Status& st) {
  err << "sluice " << command << ": " << st.message() << "\n";
  return 1;
}

// Whether `text` is a JSON number as written (numeric text from the engine usually is).
bool IsJsonNumber(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  size_t digits = i;
  while (i < text.size() && isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits || (text[digits] == '0' && i - digits > 1)) return false;
  if (i < text.size() && text[i] == '.') {
    size_t f = ++i;
    while (i < text.size() && isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == f) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t e = i;
    while (i < text.size() && isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == e) return false;
  }
  return i == text.size();
}

std::string JsonValue(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return v.boolean ? "true" : "false";
    case Value::Kind::kInteger:
    case Value::Kind::kReal:
    case Value::Kind::kNumeric: {
      std::string text = v.ToString();
      return IsJsonNumber(text) ? text : common::JsonQuote(text);
    }
    case Value::Kind::kText:
      return common::JsonQuote(v.text);
  }
  return "null";
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The display width of UTF-8 text (code points; good enough for aligned output).
size_t Width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void PrintTable(const QueryResult& r, std::ostream& out) {
  std::vector<size_t> widths;
  for (const auto& c : r.columns) widths.push_back(Width(c));
  auto text = [](const Value& v) { return v.is_null() ? std::string("NULL") : v.ToString(); };
  for (const auto& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(text(row[i])));
  }
  auto cell = [&](const std::string& s, size_t i, bool right) {
    std::string pad(widths[i] - Width(s), ' ');
    return right ? pad + s : s + pad;
  };
  std::string line;
  for (size_t i = 0; i < r.columns.size(); ++i) {
    line += (i ? " | " : "") + cell(r.columns[i], i, false);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out << line << "\n";
  line.clear();
  for (size_t i = 0; i < r.columns.size(); ++i) line += (i ? "-+-" : "") + std::string(widths[i], '-');
  out << line << "\n";
  for (const auto& row : r.rows) {
    line.clear();
    for (size_t i = 0; i < row.size(); ++i) {
      bool number = row[i].kind == Value::Kind::kInteger || row[i].kind == Value::Kind::kReal ||
                    row[i].kind == Value::Kind::kNumeric;
      line += (i ? " | " : "") + cell(text(row[i]), i, number);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  out << "(" << r.rows.size() << (r.rows.size() == 1 ? " row)" : " rows)") << "\n";
}

}  // namespace

std::string WarehouseUrl(Home& home, const std::string& flag) {
  if (!flag.empty()) return flag;
  auto deployed = project::LatestConfig(home.catalog());
  if (deployed.ok() && *deployed && !(*deployed)->project.warehouse.empty()) {
    return (*deployed)->project.warehouse;
  }
  return "sqlite://" + std::filesystem::absolute(home.dir()).lexically_normal().string() +
         "/warehouse";
}

int WarehouseLoad(Home& home, const WarehouseLoadCommand& command, std::ostream& out,
                  std::ostream& err) {
  constexpr std::string_view kName = "warehouse load";
  if (command.run.empty() == (command.dataset.empty() || command.source.empty())) {
    err << "sluice warehouse load: give either --run RUN, or --dataset DATASET and --source "
           "SOURCE\n";
    return 2;
  }
  tasks::SilverLoadTarget target;
  if (!command.job_path.empty()) {
    auto spec = etl::LoadJobSpec(command.job_path);
    if (!spec.ok()) return Fail(err, kName, spec.status());
    auto from_job = tasks::LoadTargetOfJob(*spec);
    if (!from_job.ok()) return Fail(err, kName, from_job.status());
    target = *from_job;
  }
  if (!command.table.empty()) target.table = command.table;
  if (!command.mode.empty()) {
    auto mode = warehouse::ParseLoadMode(command.mode);
    if (!mode.ok()) {
      err << "sluice warehouse load: --mode: " << mode.status().message() << "\n";
      return 2;
    }
    target.mode = *mode;
  }
  auto wh = warehouse::OpenWarehouse(WarehouseUrl(home, command.warehouse));
  if (!wh.ok()) return Fail(err, kName, wh.status());
  auto reports =
      command.run.empty()
          ? tasks::LoadSourceIntoWarehouse(home.catalog(), LakeDir(home), **wh, command.dataset,
                                           command.source, target)
          : tasks::LoadRunIntoWarehouse(home.catalog(), LakeDir(home), **wh, command.run, target);
  if (!reports.ok()) return Fail(err, kName, reports.status());
  out << common::SerializeJsonPretty(*reports) << "\n";
  return 0;
}

int ListWarehouseLoads(Home& home, const std::string& warehouse, const std::string& table,
                       int limit, std::ostream& out, std::ostream& err) {
  auto tx = home.catalog().Begin(catalog::TxMode::kRead);
  if (!tx.ok()) return Fail(err, "warehouse loads", tx.status());
  auto rows = (*tx)->Query(
      "SELECT load_id, warehouse, table_name, source, run_id, mode, status, load_seq, "
      "rows_inserted, rows_updated, rows_deleted, error, started_at, finished_at FROM "
      "warehouse_loads WHERE ($1 = '' OR table_name = $1) AND ($3 = '' OR warehouse = $3) "
      "ORDER BY started_at DESC, load_id DESC LIMIT $2",
      {table, int64_t{limit}, warehouse});
  if (!rows.ok()) return Fail(err, "warehouse loads", rows.status());
  static const char* kNames[] = {"load_id",       "warehouse",     "table",        "source",
                                 "run_id",        "mode",          "status",       "load_seq",
                                 "rows_inserted", "rows_updated",  "rows_deleted", "error",
                                 "started_at",    "finished_at"};
  json::array list;
  for (const auto& row : *rows) {
    json::object entry;
    for (size_t i = 0; i < row.size(); ++i) {
      const catalog::SqlValue& v = row.Value(i);
      if (std::holds_alternative<int64_t>(v)) {
        entry[kNames[i]] = std::get<int64_t>(v);
      } else if (std::holds_alternative<std::string>(v)) {
        entry[kNames[i]] = std::get<std::string>(v);
      } else {
        entry[kNames[i]] = nullptr;
      }
    }
    list.emplace_back(std::move(entry));
  }
  out << common::SerializeJsonPretty(list) << "\n";
  return 0;
}

int WarehouseTables(Home& home, const std::string& url, std::ostream& out, std::ostream& err) {
  auto wh = warehouse::OpenWarehouse(WarehouseUrl(home, url));
  if (!wh.ok()) return Fail(err, "warehouse tables", wh.status());
  auto session = (*wh)->Connect();
  if (!session.ok()) return Fail(err, "warehouse tables", session.status());
  auto tables = (*session)->ListTables();
  if (!tables.ok()) return Fail(err, "warehouse tables", tables.status());
  json::array list;
  for (const auto& t : *tables) {
    json::array columns;
    for (const auto& c : t.columns) {
      columns.emplace_back(json::string(c.name + " " + c.sql_type));
    }
    json::object entry{{"table", t.name.ToString()},
                       {"kind", t.is_view ? "view" : "table"},
                       {"columns", std::move(columns)}};
    if (!t.is_view) {
      auto count = (*session)->Query("SELECT count(*) FROM " + t.name.Sql());
      if (count.ok() && !count->rows.empty()) entry["rows"] = count->rows[0][0].integer;
    }
    list.emplace_back(std::move(entry));
  }
  out << common::SerializeJsonPretty(list) << "\n";
  return 0;
}

int RunQuery(Home& home, const std::string& url, const std::string& sql, const std::string& format,
             std::ostream& out, std::ostream& err) {
  if (format != "table" && format != "json" && format != "csv") {
    err << "sluice query: --format: expected table, json or csv\n";
    return 2;
  }
  auto wh = warehouse::OpenWarehouse(WarehouseUrl(home, url));
  if (!wh.ok()) return Fail(err, "query", wh.status());
  auto session = (*wh)->Connect();
  if (!session.ok()) return Fail(err, "query", session.status());
  auto result = (*session)->Query(sql);
  if (!result.ok()) return Fail(err, "query", result.status());
  if (format == "table") {
    if (result->columns.empty()) {
      out << "OK\n";
    } else {
      PrintTable(*result, out);
    }
  } else if (format == "json") {
    out << "[";
    for (size_t r = 0; r < result->rows.size(); ++r) {
      out << (r ? ",\n " : "\n ") << "{";
      for (size_t i = 0; i < result->columns.size(); ++i) {
        out << (i ? ", " : "") << common::JsonQuote(result->columns[i]) << ": "
            << JsonValue(result->rows[r][i]);
      }
      out << "}";
    }
    out << (result->rows.empty() ? "]\n" : "\n]\n");
  } else {
    for (size_t i = 0; i < result->columns.size(); ++i) {
      out << (i ? "," : "") << CsvField(result->columns[i]);
    }
    out << "\r\n";
    for (const auto& row : result->rows) {
      for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << CsvField(row[i].ToString());
      out << "\r\n";
    }
  }
  return 0;
}

}  // namespace sluice::cli
