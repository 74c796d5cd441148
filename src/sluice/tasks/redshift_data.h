#pragma once

// The Redshift Data API over the warehouse, as Step Functions' AWS SDK integrations call it:
//   arn:aws:states:::aws-sdk:redshiftdata:executeStatement       Sql, Parameters
//   arn:aws:states:::aws-sdk:redshiftdata:batchExecuteStatement  Sqls
//   arn:aws:states:::aws-sdk:redshiftdata:describeStatement      Id
//   arn:aws:states:::aws-sdk:redshiftdata:getStatementResult     Id
//
// Statements run synchronously in the warehouse (warehouse/warehouse.h) when executed; a
// batch runs in one transaction. `Parameters` are `[{"name": "n", "value": "text"}]` bound to
// `:n` in the SQL. Database, WorkgroupName, ClusterIdentifier, DbUser, SecretArn and
// StatementName are accepted and echoed, never used to pick a database. Each statement's
// description and result are kept in the catalog table `redshift_statements`, so
// describeStatement (Status FINISHED / FAILED, HasResultSet, ResultRows, Duration, Error,
// SubStatements) and getStatementResult (ColumnMetadata, Records as Field values —
// longValue, doubleValue, stringValue, booleanValue, isNull —, TotalNumRows) work afterwards.
//
// Errors, named as the AWS SDK integration reports them: RedshiftData.ValidationException
// (bad parameters, no result set), RedshiftData.ResourceNotFoundException (unknown Id), and —
// unlike AWS, whose ExecuteStatement returns before the SQL runs — a statement the warehouse
// rejects fails the Task with RedshiftData.ExecuteStatementException (batch:
// RedshiftData.BatchExecuteStatementException) naming the SQL error; the statement is still
// recorded FAILED for describeStatement. Thread-safe: one warehouse session per call.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/asl/task_handler.h"
#include "sluice/tasks/task_environment.h"

namespace sluice::tasks {

class RedshiftData final : public asl::TaskHandler {
 public:
  // `env` must outlive the handler.
  explicit RedshiftData(const TaskEnvironment* env) : env_(env) {}

  void RegisterWith(asl::TaskRegistry& registry);

  Result<boost::json::value> Invoke(const asl::TaskInvocation& invocation) override;

  // The API calls: a request as the SDK takes it, the response as the integration returns it.
  Result<boost::json::value> ExecuteStatement(const boost::json::object& request);
  Result<boost::json::value> BatchExecuteStatement(const boost::json::object& request);
  Result<boost::json::value> DescribeStatement(const boost::json::object& request);
  Result<boost::json::value> GetStatementResult(const boost::json::object& request);

 private:
  const TaskEnvironment* env_;
};

// `sql` with Redshift Data's named parameters (`:name`, outside quotes, comments and `::`
// casts) replaced by `$1, $2, …`; `order` receives the names in placeholder order.
// InvalidArgument naming a parameter that has no value in `values`.
Result<std::string> BindNamedParameters(std::string_view sql,
                                        const std::vector<std::string>& names,
                                        std::vector<std::string>* order);

}  // namespace sluice::tasks
