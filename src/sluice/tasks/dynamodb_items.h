#pragma once

// DynamoDB item tables in the catalog, and the Task resources that use them — Step Functions'
// optimized integrations `arn:aws:states:::dynamodb:getItem`, `:putItem`, `:updateItem` and
// `:deleteItem`, with their request parameters (TableName, Key/Item, ConditionExpression,
// UpdateExpression, ProjectionExpression, ExpressionAttributeNames/Values, ReturnValues) and
// result shapes (`Item` / `Attributes` plus SdkHttpMetadata and SdkResponseMetadata).
//
// A table is created first (`sluice dynamodb create-table`, CreateTable below) with its key
// schema: a partition key and an optional sort key, each S, N or B. Items live in the catalog
// table `dynamodb_items`, keyed by (table name, the key attributes in canonical DynamoDB
// JSON). Every write — the read of the old item, the condition check and the new item — is
// one catalog write transaction, so conditional writes are atomic across threads and
// processes.
//
// Errors are States errors named as Step Functions reports DynamoDB's exceptions:
// DynamoDB.ConditionalCheckFailedException, DynamoDB.ResourceNotFoundException,
// DynamoDB.ValidationException, with AWS's message text in the cause. Thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/asl/task_handler.h"
#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"

namespace sluice::tasks {

struct KeyAttribute {
  std::string name;
  std::string type;  // "S", "N" or "B"
};

struct KeySchema {
  KeyAttribute partition;
  std::optional<KeyAttribute> sort;
  // [{"AttributeName","KeyType":"HASH"|"RANGE","AttributeType"}…], as DescribeTable shows it.
  boost::json::array ToJson() const;
};

// "pk" or "pk:S" / "pk:N" / "pk:B" (the type defaults to S). InvalidArgument otherwise.
Result<KeyAttribute> ParseKeyAttribute(std::string_view text);

// Creates table `name` (3–255 of [A-Za-z0-9_.-]). AlreadyExists when it exists.
Status CreateTable(catalog::Catalog& catalog, std::string_view name, const KeySchema& schema);
// The table's key schema; NotFound when there is no such table.
Result<KeySchema> DescribeTable(catalog::Catalog& catalog, std::string_view name);
// Every table: [{"TableName", "KeySchema", "ItemCount", "CreationDateTime"}].
Result<boost::json::array> ListTables(catalog::Catalog& catalog);
// Every item of a table, ordered by key.
Result<boost::json::array> ScanTable(catalog::Catalog& catalog, std::string_view name);

class DynamoDbItems final : public asl::TaskHandler {
 public:
  // `catalog` must outlive the handler.
  explicit DynamoDbItems(catalog::Catalog* catalog) : catalog_(catalog) {}

  // Registers the four dynamodb:* resources.
  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

  // The operations themselves: a request as the API takes it, the response as Step Functions
  // returns it.
  Result<boost::json::value> GetItem(const boost::json::object& request);
  Result<boost::json::value> PutItem(const boost::json::object& request);
  Result<boost::json::value> UpdateItem(const boost::json::object& request);
  Result<boost::json::value> DeleteItem(const boost::json::object& request);

 private:
  catalog::Catalog* catalog_;
};

}  // namespace sluice::tasks
