#include "sluice/cli/dynamodb_commands.h"

#include "sluice/common/json.h"
#include "sluice/tasks/dynamodb_items.h"

namespace sluice::cli {
namespace {

namespace json = boost::json;

int Fail(std::ostream& err, std::string_view command, const Status& st) {
  err << "sluice dynamodb " << command << ": " << st.ToString() << "\n";
  return st.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int CreateDynamoDbTable(Home& home, const std::string& table, const std::string& key,
                        const std::string& sort, std::ostream& out, std::ostream& err) {
  tasks::KeySchema schema;
  auto partition = tasks::ParseKeyAttribute(key);
  if (!partition.ok()) return Fail(err, "create-table", partition.status());
  schema.partition = std::move(*partition);
  if (!sort.empty()) {
    auto s = tasks::ParseKeyAttribute(sort);
    if (!s.ok()) return Fail(err, "create-table", s.status());
    schema.sort = std::move(*s);
  }
  if (Status st = tasks::CreateTable(home.catalog(), table, schema); !st.ok()) {
    return Fail(err, "create-table", st);
  }
  out << common::SerializeJson(json::object{
             {"TableDescription", json::object{{"TableName", table},
                                               {"KeySchema", schema.ToJson()},
                                               {"TableStatus", "ACTIVE"}}}})
      << "\n";
  return 0;
}

int ListDynamoDbTables(Home& home, std::ostream& out, std::ostream& err) {
  auto tables = tasks::ListTables(home.catalog());
  if (!tables.ok()) return Fail(err, "list-tables", tables.status());
  json::array names;
  for (const auto& t : *tables) names.push_back(t.at("TableName"));
  out << common::SerializeJson(json::object{{"TableNames", std::move(names)}, {"Tables", std::move(*tables)}})
      << "\n";
  return 0;
}

int ScanDynamoDbTable(Home& home, const std::string& table, std::ostream& out, std::ostream& err) {
  auto items = tasks::ScanTable(home.catalog(), table);
  if (!items.ok()) return Fail(err, "scan", items.status());
  int64_t count = static_cast<int64_t>(items->size());
  out << common::SerializeJson(json::object{{"Items", std::move(*items)}, {"Count", count}, {"ScannedCount", count}})
      << "\n";
  return 0;
}

}  // namespace sluice::cli
