#include "sluice/tasks/dynamodb_items.h"

#include <cctype>

#include "sluice/common/time.h"
#include "sluice/tasks/dynamodb_expressions.h"
#include "sluice/tasks/dynamodb_values.h"
#include "sluice/tasks/service_errors_internal.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;
using dynamodb::ExpressionAttributes;
using dynamodb::TypeOf;

constexpr std::string_view kPrefix = "arn:aws:states:::dynamodb:";
constexpr size_t kMaxItemBytes = 400 * 1024;

std::string Now() { return common::FormatIso8601Millis(common::SystemClock::Default()->Now()); }

Status Error(std::string_view exception, const std::string& message) {
  return ServiceError("DynamoDB", "AmazonDynamoDBv2", exception, message);
}
Status Validation(const std::string& message) { return Error("ValidationException", message); }

// Module-internal failures (InvalidArgument) become ValidationExceptions.
Status AsValidation(const Status& st) {
  if (st.code() == StatusCode::kInvalidArgument) return Validation(st.message());
  return st;
}

Status CheckTableName(std::string_view name) {
  bool ok = name.size() >= 3 && name.size() <= 255;
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  }
  if (ok) return Status::OK();
  return Status::InvalidArgument(
      "1 validation error detected: Value '" + std::string(name) +
      "' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression "
      "pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255");
}

Result<KeySchema> KeySchemaFromJson(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(json::value v, common::ParseJson(text, "dynamodb_tables.key_schema"));
  KeySchema schema;
  for (const auto& e : v.as_array()) {
    KeyAttribute a{std::string(e.at("AttributeName").as_string()),
                   std::string(e.at("AttributeType").as_string())};
    if (e.at("KeyType").as_string() == "HASH") {
      schema.partition = std::move(a);
    } else {
      schema.sort = std::move(a);
    }
  }
  return schema;
}

// The table's key schema inside `tx`; ResourceNotFoundException when there is none.
Result<KeySchema> TableSchema(catalog::Transaction& tx, std::string_view table) {
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT key_schema FROM dynamodb_tables WHERE "
                                                "table_name = $1",
                                                {std::string(table)}));
  if (!row) return Error("ResourceNotFoundException", "Requested resource not found");
  return KeySchemaFromJson(row->Text(0));
}

// The request's TableName.
Result<std::string> TableNameOf(const json::object& request) {
  const json::value* v = request.if_contains("TableName");
  if (!v || !v->is_string()) {
    return Validation(
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null");
  }
  std::string name(v->get_string());
  if (Status st = CheckTableName(name); !st.ok()) return Validation(st.message());
  return name;
}

std::vector<const KeyAttribute*> KeyAttributes(const KeySchema& schema) {
  std::vector<const KeyAttribute*> keys{&schema.partition};
  if (schema.sort) keys.push_back(&*schema.sort);
  return keys;
}

// The canonical key text of `key` (exactly the key attributes, as the schema orders them).
Result<std::string> KeyText(const KeySchema& schema, const json::value* key) {
  if (!key || !key->is_object()) {
    return Validation(
        "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member "
        "must not be null");
  }
  std::vector<const KeyAttribute*> attrs = KeyAttributes(schema);
  if (key->get_object().size() != attrs.size()) {
    return Validation("The provided key element does not match the schema");
  }
  json::object canonical;
  for (const KeyAttribute* a : attrs) {
    const json::value* v = key->get_object().if_contains(a->name);
    if (!v || TypeOf(*v) != a->type) {
      return Validation("The provided key element does not match the schema");
    }
    auto normalized = dynamodb::NormalizeValue(*v, a->name, /*is_key=*/true);
    if (!normalized.ok()) return AsValidation(normalized.status());
    canonical[a->name] = std::move(*normalized);
  }
  return common::SerializeJson(canonical);
}

// The key of a whole item (PutItem), with PutItem's messages.
Result<std::string> KeyOfItem(const KeySchema& schema, const json::object& item) {
  json::object key;
  for (const KeyAttribute* a : KeyAttributes(schema)) {
    const json::value* v = item.if_contains(a->name);
    if (!v) {
      return Validation("One or more parameter values were invalid: Missing the key " + a->name +
                        " in the item");
    }
    if (TypeOf(*v) != a->type) {
      return Validation("One or more parameter values were invalid: Type mismatch for key " +
                        a->name + " expected: " + a->type + " actual: " + std::string(TypeOf(*v)));
    }
    key[a->name] = *v;
  }
  json::value key_value(std::move(key));
  return KeyText(schema, &key_value);
}

Result<std::optional<json::object>> ReadItem(catalog::Transaction& tx, std::string_view table,
                                             const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT item FROM dynamodb_items WHERE table_name "
                                                "= $1 AND item_key = $2",
                                                {std::string(table), key}));
  if (!row) return std::optional<json::object>();
  SLUICE_ASSIGN_OR_RETURN(json::value item, common::ParseJson(row->Text(0), "dynamodb_items.item"));
  return std::optional<json::object>(std::move(item.as_object()));
}

Status WriteItem(catalog::Transaction& tx, std::string_view table, const std::string& key,
                 const json::object& item) {
  std::string text = common::SerializeJson(item);
  if (text.size() > kMaxItemBytes) {
    return Validation("Item size has exceeded the maximum allowed size");
  }
  return tx.Execute("INSERT INTO dynamodb_items (table_name, item_key, item, updated_at) VALUES "
                    "($1, $2, $3, $4) ON CONFLICT (table_name, item_key) DO UPDATE SET item = "
                    "excluded.item, updated_at = excluded.updated_at",
                    {std::string(table), key, text, Now()})
      .status();
}

// ExpressionAttributeNames / ExpressionAttributeValues of a request, validated.
struct RequestExpressions {
  json::object names, values;
  bool has_names = false, has_values = false;
  ExpressionAttributes attributes;
};

Status ReadExpressionAttributes(const json::object& request, RequestExpressions& out) {
  if (const json::value* n = request.if_contains("ExpressionAttributeNames")) {
    if (!n->is_object() || n->get_object().empty()) {
      return Validation("ExpressionAttributeNames must not be empty");
    }
    for (const auto& m : n->get_object()) {
      if (!m.value().is_string()) {
        return Validation("ExpressionAttributeNames contains invalid value for key " +
                          std::string(m.key()));
      }
    }
    out.names = n->get_object();
    out.has_names = true;
    out.attributes.names = &out.names;
  }
  if (const json::value* v = request.if_contains("ExpressionAttributeValues")) {
    if (!v->is_object() || v->get_object().empty()) {
      return Validation("ExpressionAttributeValues must not be empty");
    }
    for (const auto& m : v->get_object()) {
      auto normalized = dynamodb::NormalizeValue(m.value(), m.key());
      if (!normalized.ok()) {
        return Validation("ExpressionAttributeValues contains invalid value: " +
                          normalized.status().message() + " for key " + std::string(m.key()));
      }
      out.values[m.key()] = std::move(*normalized);
    }
    out.has_values = true;
    out.attributes.values = &out.values;
  }
  return Status::OK();
}

Result<std::optional<dynamodb::Condition>> ReadCondition(const json::object& request,
                                                         RequestExpressions& ex) {
  const json::value* c = request.if_contains("ConditionExpression");
  if (!c) return std::optional<dynamodb::Condition>();
  if (!c->is_string()) return Validation("ConditionExpression must be a string");
  auto parsed = dynamodb::ParseCondition(c->get_string(), "ConditionExpression", ex.attributes);
  if (!parsed.ok()) return AsValidation(parsed.status());
  return std::optional<dynamodb::Condition>(std::move(*parsed));
}

Result<std::string> ReturnValuesOf(const json::object& request,
                                   std::initializer_list<std::string_view> allowed,
                                   std::string_view operation) {
  const json::value* v = request.if_contains("ReturnValues");
  if (!v) return std::string("NONE");
  std::string rv = v->is_string() ? std::string(v->get_string()) : "";
  for (std::string_view a : allowed) {
    if (a == rv) return rv;
  }
  if (rv == "NONE" || rv == "ALL_OLD" || rv == "UPDATED_OLD" || rv == "ALL_NEW" ||
      rv == "UPDATED_NEW") {
    if (operation == "UpdateItem") return rv;
    return Validation("ReturnValues can only be ALL_OLD or NONE");
  }
  return Validation(
      "1 validation error detected: Value '" + rv +
      "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: "
      "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
}

Status CheckUnsupported(const json::object& request) {
  for (std::string_view legacy : {"Expected", "AttributeUpdates", "AttributesToGet", "ConditionalOperator"}) {
    if (request.contains(legacy)) {
      return Validation("sluice does not support the legacy parameter " + std::string(legacy) +
                        "; use the expression parameters instead");
    }
  }
  return Status::OK();
}

Status ConditionFailed() { return Error("ConditionalCheckFailedException", "The conditional request failed"); }

json::value Response(json::object result) {
  AddSdkMetadata(result);
  return json::value(std::move(result));
}

}  // namespace

json::array KeySchema::ToJson() const {
  json::array out;
  out.push_back(json::object{{"AttributeName", partition.name}, {"KeyType", "HASH"}, {"AttributeType", partition.type}});
  if (sort) {
    out.push_back(json::object{{"AttributeName", sort->name}, {"KeyType", "RANGE"}, {"AttributeType", sort->type}});
  }
  return out;
}

Result<KeyAttribute> ParseKeyAttribute(std::string_view text) {
  size_t colon = text.find(':');
  KeyAttribute a{std::string(text.substr(0, colon)), colon == std::string_view::npos ? "S" : std::string(text.substr(colon + 1))};
  if (a.name.empty() || a.name.size() > 255) {
    return Status::InvalidArgument("key attribute \"" + std::string(text) + "\": expected NAME[:S|N|B]");
  }
  if (a.type != "S" && a.type != "N" && a.type != "B") {
    return Status::InvalidArgument("key attribute \"" + std::string(text) + "\": type must be S, N or B, got " + a.type);
  }
  return a;
}

Status CreateTable(catalog::Catalog& catalog, std::string_view name, const KeySchema& schema) {
  SLUICE_RETURN_IF_ERROR(CheckTableName(name));
  if (schema.sort && schema.sort->name == schema.partition.name) {
    return Status::InvalidArgument("the partition key and the sort key must be different attributes");
  }
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT 1 FROM dynamodb_tables WHERE table_name = $1",
                                                 {std::string(name)}));
  if (row) return Status::AlreadyExists("Table already exists: " + std::string(name));
  SLUICE_RETURN_IF_ERROR(
      tx->Execute("INSERT INTO dynamodb_tables (table_name, key_schema, created_at) VALUES ($1, $2, $3)",
                  {std::string(name), common::SerializeJson(schema.ToJson()), Now()})
          .status());
  return tx->Commit();
}

Result<KeySchema> DescribeTable(catalog::Catalog& catalog, std::string_view name) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT key_schema FROM dynamodb_tables WHERE table_name = $1",
                                                 {std::string(name)}));
  if (!row) return Status::NotFound("no DynamoDB table \"" + std::string(name) + "\"");
  return KeySchemaFromJson(row->Text(0));
}

Result<json::array> ListTables(catalog::Catalog& catalog) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT t.table_name, t.key_schema, t.created_at, (SELECT count(*) FROM "
                           "dynamodb_items i WHERE i.table_name = t.table_name) FROM dynamodb_tables t "
                           "ORDER BY t.table_name"));
  json::array out;
  for (const auto& r : rows) {
    SLUICE_ASSIGN_OR_RETURN(json::value schema, common::ParseJson(r.Text(1), "key_schema"));
    out.push_back(json::object{{"TableName", r.Text(0)},
                               {"KeySchema", std::move(schema)},
                               {"ItemCount", r.Int(3)},
                               {"CreationDateTime", r.Text(2)}});
  }
  return out;
}

Result<json::array> ScanTable(catalog::Catalog& catalog, std::string_view name) {
  SLUICE_RETURN_IF_ERROR(DescribeTable(catalog, name).status());
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog.Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT item FROM dynamodb_items WHERE table_name = $1 "
                                               "ORDER BY item_key",
                                               {std::string(name)}));
  json::array out;
  for (const auto& r : rows) {
    SLUICE_ASSIGN_OR_RETURN(json::value item, common::ParseJson(r.Text(0), "dynamodb_items.item"));
    out.push_back(std::move(item));
  }
  return out;
}

void DynamoDbItems::RegisterWith(asl::TaskRegistry& registry) {
  for (std::string_view op : {"getItem", "putItem", "updateItem", "deleteItem"}) {
    registry.Register(std::string(kPrefix) + std::string(op), this);
  }
}

Result<json::value> DynamoDbItems::Invoke(const asl::TaskInvocation& inv) {
  SLUICE_ASSIGN_OR_RETURN(const json::object* params,
                          ParametersObject(inv.parameters, inv.resource, inv.state_name));
  std::string_view op = inv.resource.substr(kPrefix.size());
  Result<json::value> result = Status::Internal("unreachable");
  if (op == "getItem") {
    result = GetItem(*params);
  } else if (op == "putItem") {
    result = PutItem(*params);
  } else if (op == "updateItem") {
    result = UpdateItem(*params);
  } else if (op == "deleteItem") {
    result = DeleteItem(*params);
  } else {
    return asl::StatesError(asl::kStatesRuntime, "unknown DynamoDB resource " + std::string(inv.resource));
  }
  return result;
}

Result<json::value> DynamoDbItems::GetItem(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string table, TableNameOf(request));
  SLUICE_RETURN_IF_ERROR(CheckUnsupported(request));
  RequestExpressions ex;
  SLUICE_RETURN_IF_ERROR(ReadExpressionAttributes(request, ex));
  if (ex.has_values) {
    return Validation("ExpressionAttributeValues can only be specified when using expressions: "
                      "ProjectionExpression does not use values");
  }
  std::optional<std::vector<dynamodb::DocumentPath>> projection;
  if (const json::value* p = request.if_contains("ProjectionExpression")) {
    if (!p->is_string()) return Validation("ProjectionExpression must be a string");
    auto parsed = dynamodb::ParseProjection(p->get_string(), ex.attributes);
    if (!parsed.ok()) return AsValidation(parsed.status());
    projection = std::move(*parsed);
  }
  if (Status st = ex.attributes.CheckAllUsed(); !st.ok()) return AsValidation(st);
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(KeySchema schema, TableSchema(*tx, table));
  SLUICE_ASSIGN_OR_RETURN(std::string key, KeyText(schema, request.if_contains("Key")));
  SLUICE_ASSIGN_OR_RETURN(auto item, ReadItem(*tx, table, key));
  json::object result;
  if (item) result["Item"] = projection ? dynamodb::Project(*item, *projection) : std::move(*item);
  return Response(std::move(result));
}

Result<json::value> DynamoDbItems::PutItem(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string table, TableNameOf(request));
  SLUICE_RETURN_IF_ERROR(CheckUnsupported(request));
  const json::value* raw = request.if_contains("Item");
  if (!raw) {
    return Validation("1 validation error detected: Value null at 'item' failed to satisfy "
                      "constraint: Member must not be null");
  }
  auto item = dynamodb::NormalizeItem(*raw, "Item");
  if (!item.ok()) return AsValidation(item.status());
  SLUICE_ASSIGN_OR_RETURN(std::string rv, ReturnValuesOf(request, {"NONE", "ALL_OLD"}, "PutItem"));
  RequestExpressions ex;
  SLUICE_RETURN_IF_ERROR(ReadExpressionAttributes(request, ex));
  SLUICE_ASSIGN_OR_RETURN(auto condition, ReadCondition(request, ex));
  if (Status st = ex.attributes.CheckAllUsed(); !st.ok()) return AsValidation(st);

  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(KeySchema schema, TableSchema(*tx, table));
  SLUICE_ASSIGN_OR_RETURN(std::string key, KeyOfItem(schema, *item));
  SLUICE_ASSIGN_OR_RETURN(auto old, ReadItem(*tx, table, key));
  if (condition && !dynamodb::EvaluateCondition(*condition, old ? *old : json::object())) {
    return ConditionFailed();
  }
  SLUICE_RETURN_IF_ERROR(WriteItem(*tx, table, key, *item));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  json::object result;
  if (rv == "ALL_OLD" && old) result["Attributes"] = std::move(*old);
  return Response(std::move(result));
}

Result<json::value> DynamoDbItems::UpdateItem(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string table, TableNameOf(request));
  SLUICE_RETURN_IF_ERROR(CheckUnsupported(request));
  SLUICE_ASSIGN_OR_RETURN(std::string rv,
                          ReturnValuesOf(request, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"},
                                         "UpdateItem"));
  RequestExpressions ex;
  SLUICE_RETURN_IF_ERROR(ReadExpressionAttributes(request, ex));
  std::optional<dynamodb::UpdateExpression> update;
  if (const json::value* u = request.if_contains("UpdateExpression")) {
    if (!u->is_string()) return Validation("UpdateExpression must be a string");
    auto parsed = dynamodb::ParseUpdate(u->get_string(), ex.attributes);
    if (!parsed.ok()) return AsValidation(parsed.status());
    update = std::move(*parsed);
  }
  SLUICE_ASSIGN_OR_RETURN(auto condition, ReadCondition(request, ex));
  if (Status st = ex.attributes.CheckAllUsed(); !st.ok()) return AsValidation(st);

  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(KeySchema schema, TableSchema(*tx, table));
  SLUICE_ASSIGN_OR_RETURN(std::string key, KeyText(schema, request.if_contains("Key")));
  if (update) {
    for (const auto& action : update->actions) {
      for (const KeyAttribute* a : KeyAttributes(schema)) {
        if (action.path[0].name == a->name) {
          return Validation("One or more parameter values were invalid: Cannot update attribute " +
                            a->name + ". This attribute is part of the key");
        }
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto old, ReadItem(*tx, table, key));
  json::object before = old ? *old : json::object();
  if (condition && !dynamodb::EvaluateCondition(*condition, before)) return ConditionFailed();
  json::object after = before;
  if (!old) {
    // An update of a missing item creates it from its key.
    SLUICE_ASSIGN_OR_RETURN(json::value k, common::ParseJson(key, "key"));
    after = k.as_object();
  }
  if (update) {
    auto applied = dynamodb::ApplyUpdate(*update, after);
    if (!applied.ok()) return AsValidation(applied.status());
    after = std::move(*applied);
  }
  SLUICE_RETURN_IF_ERROR(WriteItem(*tx, table, key, after));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  json::object result;
  if (rv == "ALL_OLD" && old) result["Attributes"] = std::move(*old);
  if (rv == "ALL_NEW") result["Attributes"] = after;
  if ((rv == "UPDATED_OLD" || rv == "UPDATED_NEW") && update) {
    json::object projected = dynamodb::Project(rv == "UPDATED_OLD" ? before : after,
                                               dynamodb::UpdatedPaths(*update));
    if (!projected.empty()) result["Attributes"] = std::move(projected);
  }
  return Response(std::move(result));
}

Result<json::value> DynamoDbItems::DeleteItem(const json::object& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string table, TableNameOf(request));
  SLUICE_RETURN_IF_ERROR(CheckUnsupported(request));
  SLUICE_ASSIGN_OR_RETURN(std::string rv, ReturnValuesOf(request, {"NONE", "ALL_OLD"}, "DeleteItem"));
  RequestExpressions ex;
  SLUICE_RETURN_IF_ERROR(ReadExpressionAttributes(request, ex));
  SLUICE_ASSIGN_OR_RETURN(auto condition, ReadCondition(request, ex));
  if (Status st = ex.attributes.CheckAllUsed(); !st.ok()) return AsValidation(st);

  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(KeySchema schema, TableSchema(*tx, table));
  SLUICE_ASSIGN_OR_RETURN(std::string key, KeyText(schema, request.if_contains("Key")));
  SLUICE_ASSIGN_OR_RETURN(auto old, ReadItem(*tx, table, key));
  if (condition && !dynamodb::EvaluateCondition(*condition, old ? *old : json::object())) {
    return ConditionFailed();
  }
  if (old) {
    SLUICE_RETURN_IF_ERROR(tx->Execute("DELETE FROM dynamodb_items WHERE table_name = $1 AND item_key = $2",
                                       {table, key})
                               .status());
  }
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  json::object result;
  if (rv == "ALL_OLD" && old) result["Attributes"] = std::move(*old);
  return Response(std::move(result));
}

}  // namespace sluice::tasks
