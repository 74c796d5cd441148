#include "sluice/warehouse/model_state_internal.h"

#include <charconv>

#include "sluice/common/json.h"
#include "sluice/common/time.h"
#include "sluice/warehouse/load_log.h"

namespace sluice::warehouse {
namespace {

constexpr std::string_view kStateTable = "\"gold\"._sluice_models";

}  // namespace

int64_t CountValue(const Value& value) {
  if (value.kind == Value::Kind::kInteger) return value.integer;
  std::string text = value.ToString();
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() ? out : 0;
}

Status EnsureModelStateTable(Session& session) {
  return session.Execute("CREATE TABLE IF NOT EXISTS " + std::string(kStateTable) +
                         " (model TEXT NOT NULL PRIMARY KEY, materialized TEXT NOT NULL, "
                         "sql_hash TEXT NOT NULL, built_at TEXT NOT NULL, upstream TEXT NOT NULL, "
                         "\"rows\" BIGINT NOT NULL, definition TEXT NOT NULL)");
}

Result<std::optional<ModelState>> ReadModelState(Session& session, const std::string& model) {
  SLUICE_RETURN_IF_ERROR(EnsureModelStateTable(session));
  SLUICE_ASSIGN_OR_RETURN(
      QueryResult rows,
      session.Query(
          "SELECT materialized, sql_hash, built_at, upstream, \"rows\", definition FROM " +
              std::string(kStateTable) + " WHERE model = $1",
          {Value::Text(model)}));
  if (rows.rows.empty()) return std::optional<ModelState>();
  const auto& row = rows.rows[0];
  ModelState state;
  state.model = model;
  state.materialized = row[0].text;
  state.sql_hash = row[1].text;
  state.built_at = row[2].text;
  SLUICE_ASSIGN_OR_RETURN(common::json::value upstream,
                          common::ParseJson(row[3].text, "gold._sluice_models.upstream"));
  if (upstream.is_object()) {
    for (const auto& [table, seq] : upstream.as_object()) {
      if (seq.is_int64()) state.upstream[std::string(table)] = seq.as_int64();
    }
  }
  state.rows = CountValue(row[4]);
  state.definition = row[5].text;
  return std::optional<ModelState>(std::move(state));
}

Status WriteModelState(Session& session, ModelState state) {
  SLUICE_RETURN_IF_ERROR(EnsureModelStateTable(session));
  state.built_at = common::FormatIso8601Millis(common::SystemClock::Default()->Now());
  common::json::object upstream;
  for (const auto& [table, seq] : state.upstream) upstream[table] = seq;
  SLUICE_RETURN_IF_ERROR(
      session
          .ExecuteCount("DELETE FROM " + std::string(kStateTable) + " WHERE model = $1",
                        {Value::Text(state.model)})
          .status());
  return session
      .ExecuteCount(
          "INSERT INTO " + std::string(kStateTable) +
              " (model, materialized, sql_hash, built_at, upstream, \"rows\", definition) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {Value::Text(state.model), Value::Text(state.materialized), Value::Text(state.sql_hash),
           Value::Text(state.built_at), Value::Text(common::SerializeJson(upstream)),
           Value::Integer(state.rows), Value::Text(state.definition)})
      .status();
}

Result<int64_t> LastLoadSeq(Session& session, const TableName& table) {
  SLUICE_RETURN_IF_ERROR(EnsureLoadLog(session, table.schema));
  SLUICE_ASSIGN_OR_RETURN(
      QueryResult rows, session.Query("SELECT max(load_seq) FROM " + QuoteIdentifier(table.schema) +
                                          "._sluice_loads WHERE table_name = $1",
                                      {Value::Text(table.name)}));
  const Value& max = rows.rows.at(0).at(0);
  return max.is_null() ? int64_t{0} : CountValue(max);
}

}  // namespace sluice::warehouse
