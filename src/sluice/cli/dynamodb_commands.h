#pragma once

// `sluice dynamodb create-table|list-tables|scan`: the item tables that the Task resources
// `arn:aws:states:::dynamodb:*` read and write (tasks/dynamodb_items.h). Output is JSON in
// the shape of the DynamoDB API responses. Each returns the exit code: 0 ok, 1 failed, 2 usage.

#include <ostream>
#include <string>

#include "sluice/cli/home.h"

namespace sluice::cli {

// `key` and `sort` are NAME[:S|N|B]; `sort` may be empty.
int CreateDynamoDbTable(Home& home, const std::string& table, const std::string& key,
                        const std::string& sort, std::ostream& out, std::ostream& err);
int ListDynamoDbTables(Home& home, std::ostream& out, std::ostream& err);
int ScanDynamoDbTable(Home& home, const std::string& table, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
