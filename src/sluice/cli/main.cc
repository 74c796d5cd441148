// The `sluice` command: parses arguments, opens the engine home and runs one command.
// Exit codes: 0 success, 1 the operation failed, 2 usage error. Errors go to stderr as
// "sluice <command>: <ErrorName>: <message>".

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "sluice/cli/dynamodb_commands.h"
#include "sluice/cli/home.h"
#include "sluice/cli/jobs_commands.h"
#include "sluice/cli/models_commands.h"
#include "sluice/cli/ops_commands.h"
#include "sluice/cli/warehouse_commands.h"
#include "sluice/cli/jsonata_commands.h"
#include "sluice/cli/parquet_commands.h"
#include "sluice/cli/project_commands.h"
#include "sluice/cli/s3_commands.h"
#include "sluice/cli/serve_commands.h"
#include "sluice/cli/s3_url.h"
#include "sluice/cli/states_commands.h"
#include "sluice/common/file_util.h"
#include "sluice/common/json.h"
#include "sluice/common/logging.h"
#include "sluice/events/notification_configuration.h"

namespace sluice::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> g_stop{false};

struct GlobalOptions {
  std::string home;
  std::string log_format = "text";
  std::string log_level = "info";
};

// Turns a command's outcome into an exit code, printing the error.
int Finish(std::string_view command, const Status& st) {
  if (st.ok()) return kExitOk;
  std::cerr << "sluice " << command << ": " << st.ToString() << std::endl;
  return kExitFailed;
}

int UsageError(std::string_view command, const Status& st) {
  std::cerr << "sluice " << command << ": " << st.message() << "\n"
            << "Run 'sluice " << command << " --help' for usage." << std::endl;
  return kExitUsage;
}

// Parses "k=v,k2=v2" (aws-cli's --metadata shorthand).
Result<std::map<std::string, std::string>> ParseMetadata(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string pair = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--metadata: expected key=value[,key=value…], got '" + pair + "'");
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Reads an aws-cli style argument value: `file://path` reads the file, anything else is
// the text itself.
Result<std::string> ReadArgumentText(const std::string& value) {
  if (value.rfind("file://", 0) == 0) return common::ReadFileToString(value.substr(7));
  return value;
}

void RequestStop(int) { g_stop.store(true); }

int RunEvents(Home& home, int64_t since, bool follow, const std::string& bucket) {
  if (follow) {
    // Stop cleanly between batches so the writer session closes (no reconcile next time).
    std::signal(SIGINT, RequestStop);
    std::signal(SIGTERM, RequestStop);
  }
  for (;;) {
    auto batch = home.log().Read(since, 1000, bucket);
    if (!batch.ok()) return Finish("events", batch.status());
    for (const events::LoggedEvent& e : *batch) {
      boost::json::object line;
      line["seq"] = e.seq;
      line["record"] = e.record.ToJson();
      std::cout << common::SerializeJson(line) << "\n";
      since = e.seq;
    }
    std::cout.flush();
    if (batch->size() == 1000) continue;
    if (!follow || g_stop.load()) return kExitOk;
    for (int i = 0; i < 10 && !g_stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (g_stop.load()) return kExitOk;
  }
}

int Main(int argc, char** argv) {
  CLI::App app{
      "sluice: S3-style buckets, event-driven pipelines, Step Functions state machines, ETL into\n"
      "bronze/silver/gold Parquet and a SQL warehouse, in one engine.",
      "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sluice 0.1.0");
  GlobalOptions global;
  app.add_option("--home", global.home,
                 "engine state folder (default: $SLUICE_HOME, else ./.sluice)");
  app.add_option("--log-format", global.log_format, "log lines on stderr: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", global.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));

  // What the chosen command does once arguments parse; returns the exit code. Commands
  // that need no engine state (states validate/run) set `local_action` instead.
  std::function<int(Home&)> action;
  std::function<int()> local_action;
  std::string command_name;

  // --- s3 ---
  CLI::App* s3 = app.add_subcommand("s3", "object-store commands shaped like `aws s3`");
  s3->require_subcommand(1);

  std::string url_text, src, dst, range, content_type, metadata_text;
  bool force = false, recursive = false, summarize = false, human = false, quiet = false, long_format = false;

  auto url_action = [&](std::string name, std::function<Status(Home&, const S3Url&)> fn) {
    return [&, name, fn] {
      command_name = "s3 " + name;
      action = [&, name, fn](Home& home) -> int {
        auto url = ParseS3Url(url_text);
        if (!url.ok()) return UsageError(command_name, url.status());
        return Finish(command_name, fn(home, *url));
      };
    };
  };

  CLI::App* mb = s3->add_subcommand("mb", "make a bucket: sluice s3 mb s3://BUCKET");
  mb->add_option("url", url_text, "s3://BUCKET")->required();
  mb->callback(url_action("mb", [](Home& h, const S3Url& u) { return MakeBucket(h.store(), u, std::cout); }));

  CLI::App* rb = s3->add_subcommand("rb", "remove an empty bucket (--force: delete its objects first)");
  rb->add_option("url", url_text, "s3://BUCKET")->required();
  rb->add_flag("--force", force, "delete every object in the bucket first");
  rb->callback(url_action("rb", [&](Home& h, const S3Url& u) {
    return RemoveBucket(h.store(), u, force, std::cout);
  }));

  CLI::App* cp = s3->add_subcommand(
      "cp", "copy a local file (or - for stdin) to S3, S3 to a local file (or - for stdout), or S3 to S3");
  cp->add_option("source", src, "local path, - or s3://BUCKET/KEY")->required();
  cp->add_option("destination", dst, "local path, - or s3://BUCKET/KEY")->required();
  cp->add_flag("--recursive", recursive, "copy a folder or every object under a prefix");
  cp->add_option("--content-type", content_type, "Content-Type to store (default: from the extension)");
  cp->add_option("--metadata", metadata_text, "user metadata: key=value[,key=value…]");
  cp->add_flag("--quiet", quiet, "print no progress lines");
  cp->callback([&] {
    command_name = "s3 cp";
    action = [&](Home& home) -> int {
      if (!IsS3Url(src) && !IsS3Url(dst)) {
        return UsageError(command_name, Status::InvalidArgument(
                                            "at least one of source and destination must be s3://"));
      }
      for (const std::string* u : {&src, &dst}) {
        if (IsS3Url(*u)) {
          if (auto p = ParseS3Url(*u); !p.ok()) return UsageError(command_name, p.status());
        }
      }
      CopyOptions options;
      options.recursive = recursive;
      options.content_type = content_type;
      options.quiet = quiet;
      if (!metadata_text.empty()) {
        auto md = ParseMetadata(metadata_text);
        if (!md.ok()) return UsageError(command_name, md.status());
        options.metadata = std::move(*md);
      }
      return Finish(command_name, CopyObjects(home.store(), src, dst, options, std::cout, std::cerr));
    };
  });

  CLI::App* ls = s3->add_subcommand("ls", "list buckets, or the objects and prefixes under s3://BUCKET[/PREFIX]");
  ls->add_option("url", url_text, "s3://BUCKET[/PREFIX]");
  ls->add_flag("--recursive", recursive, "list every object under the prefix");
  ls->add_flag("--summarize", summarize, "print the object count and total size");
  ls->add_flag("--human-readable", human, "sizes in KiB, MiB, …");
  ls->add_flag("--long", long_format,
               "add each object's lifecycle expiration (x-amz-expiration: expiry-date, rule-id)");
  ls->callback([&] {
    command_name = "s3 ls";
    action = [&](Home& home) -> int {
      std::optional<S3Url> url;
      if (!url_text.empty()) {
        auto u = ParseS3Url(url_text);
        if (!u.ok()) return UsageError(command_name, u.status());
        url = *u;
      }
      ListOptions options{recursive, summarize, human};
      std::optional<ops::LifecycleConfiguration> lifecycle;
      if (long_format && url) {
        auto config = BucketLifecycle(home, url->bucket);
        if (!config.ok()) return Finish(command_name, config.status());
        lifecycle = std::move(*config);
        options.long_format = true;
        options.lifecycle = lifecycle ? &*lifecycle : nullptr;
      }
      return Finish(command_name, ListObjects(home.store(), url, options, std::cout));
    };
  });

  CLI::App* rm = s3->add_subcommand("rm", "delete an object, or every object under a prefix with --recursive");
  rm->add_option("url", url_text, "s3://BUCKET/KEY")->required();
  rm->add_flag("--recursive", recursive, "delete every object under the prefix");
  rm->callback(url_action("rm", [&](Home& h, const S3Url& u) {
    return RemoveObjects(h.store(), u, recursive, std::cout, std::cerr);
  }));

  CLI::App* cat = s3->add_subcommand("cat", "write an object's bytes to stdout");
  cat->add_option("url", url_text, "s3://BUCKET/KEY")->required();
  cat->add_option("--range", range, "HTTP byte range, e.g. bytes=0-99");
  cat->callback(url_action("cat", [&](Home& h, const S3Url& u) { return CatObject(h.store(), u, range); }));

  // --- s3api (notification configuration) ---
  CLI::App* s3api = app.add_subcommand("s3api", "bucket configuration calls shaped like `aws s3api`");
  s3api->require_subcommand(1);
  std::string bucket, config_text;
  CLI::App* put_nc = s3api->add_subcommand(
      "put-bucket-notification-configuration",
      "validate and store a bucket's S3 notification configuration (JSON, as aws s3api takes it)");
  put_nc->add_option("--bucket", bucket, "bucket name")->required();
  put_nc->add_option("--notification-configuration", config_text,
                     "the configuration JSON, or file://PATH")->required();
  put_nc->callback([&] {
    command_name = "s3api put-bucket-notification-configuration";
    action = [&](Home& home) -> int {
      auto text = ReadArgumentText(config_text);
      if (!text.ok()) return UsageError(command_name, text.status());
      auto json = common::ParseJson(*text, "--notification-configuration");
      if (!json.ok()) return UsageError(command_name, json.status());
      if (auto b = home.store().HeadBucket(bucket); !b.ok()) return Finish(command_name, b.status());
      events::NotificationConfigurationStore configs(&home.catalog());
      return Finish(command_name, configs.Put(bucket, *json).status());
    };
  });
  CLI::App* get_nc = s3api->add_subcommand("get-bucket-notification-configuration",
                                           "print a bucket's notification configuration as JSON");
  get_nc->add_option("--bucket", bucket, "bucket name")->required();
  get_nc->callback([&] {
    command_name = "s3api get-bucket-notification-configuration";
    action = [&](Home& home) -> int {
      if (auto b = home.store().HeadBucket(bucket); !b.ok()) return Finish(command_name, b.status());
      events::NotificationConfigurationStore configs(&home.catalog());
      auto config = configs.Get(bucket);
      if (!config.ok()) return Finish(command_name, config.status());
      std::cout << common::SerializeJsonPretty(config->ToJson()) << "\n";
      return kExitOk;
    };
  });

  CLI::App* put_lc = s3api->add_subcommand(
      "put-bucket-lifecycle-configuration",
      "validate and store a bucket's S3 lifecycle rules (JSON, as aws s3api takes it)");
  put_lc->add_option("--bucket", bucket, "bucket name")->required();
  put_lc->add_option("--lifecycle-configuration", config_text, "the configuration JSON, or file://PATH")
      ->required();
  put_lc->callback([&] {
    command_name = "s3api put-bucket-lifecycle-configuration";
    action = [&](Home& home) -> int {
      auto text = ReadArgumentText(config_text);
      if (!text.ok()) return UsageError(command_name, text.status());
      return Finish(command_name, PutBucketLifecycle(home, bucket, *text));
    };
  });
  CLI::App* get_lc = s3api->add_subcommand("get-bucket-lifecycle-configuration",
                                           "print a bucket's lifecycle rules as JSON");
  get_lc->add_option("--bucket", bucket, "bucket name")->required();
  get_lc->callback([&] {
    command_name = "s3api get-bucket-lifecycle-configuration";
    action = [&](Home& home) { return Finish(command_name, GetBucketLifecycle(home, bucket, std::cout)); };
  });
  CLI::App* delete_lc = s3api->add_subcommand("delete-bucket-lifecycle", "remove a bucket's lifecycle rules");
  delete_lc->add_option("--bucket", bucket, "bucket name")->required();
  delete_lc->callback([&] {
    command_name = "s3api delete-bucket-lifecycle";
    action = [&](Home& home) { return Finish(command_name, DeleteBucketLifecycle(home, bucket)); };
  });

  // --- lifecycle ---
  std::string lifecycle_now;
  bool lifecycle_dry_run = false;
  CLI::App* lifecycle_cmd = app.add_subcommand("lifecycle", "S3 lifecycle rules");
  lifecycle_cmd->require_subcommand(1);
  CLI::App* lifecycle_apply = lifecycle_cmd->add_subcommand(
      "apply", "expire and compress objects due under their buckets' lifecycle rules, once");
  lifecycle_apply->add_option("--now", lifecycle_now, "evaluate as of this RFC 3339 time (default: now)");
  lifecycle_apply->add_flag("--dry-run", lifecycle_dry_run, "only print what is due");
  lifecycle_apply->callback([&] {
    command_name = "lifecycle apply";
    action = [&](Home& home) { return ApplyLifecycleCommand(home, lifecycle_now, lifecycle_dry_run, std::cout, std::cerr); };
  });

  // --- events ---
  int64_t since = 0;
  bool follow = false;
  std::string events_bucket;
  CLI::App* events_cmd = app.add_subcommand(
      "events", "print the S3 event log as JSON lines: {\"seq\":N,\"record\":{…S3 event record…}}");
  events_cmd->add_option("--since", since, "only events after this sequence number");
  events_cmd->add_flag("--follow", follow, "keep printing new events until interrupted");
  events_cmd->add_option("--bucket", events_bucket, "only this bucket's events");
  events_cmd->callback([&] {
    command_name = "events";
    action = [&](Home& home) { return RunEvents(home, since, follow, events_bucket); };
  });

  // --- reconcile ---
  CLI::App* reconcile = app.add_subcommand(
      "reconcile", "give every stored object without an event its missing event (and the reverse)");
  reconcile->callback([&] {
    command_name = "reconcile";
    action = [&](Home& home) -> int {
      auto report = events::Reconcile(home.local_store(), home.catalog(), home.log());
      if (!report.ok()) return Finish(command_name, report.status());
      std::cout << "objects scanned: " << report->objects_scanned
                << "\nmissing created events appended: " << report->created_events
                << "\nmissing removed events appended: " << report->removed_events << "\n";
      return kExitOk;
    };
  });

  // --- states ---
  CLI::App* states = app.add_subcommand("states", "Amazon States Language state machines (Step Functions)");
  states->require_subcommand(1);
  std::string definition_path;
  CLI::App* validate = states->add_subcommand(
      "validate", "check a definition; exit 0, or exit 2 printing every problem with its location");
  validate->add_option("definition", definition_path, "state machine definition (.asl.json)")->required();
  validate->callback([&] {
    command_name = "states validate";
    local_action = [&] { return ValidateStateMachine(definition_path, std::cout, std::cerr); };
  });
  RunStateMachineOptions run_options;
  CLI::App* run = states->add_subcommand(
      "run", "run one express execution and print {\"status\",\"output\"|\"error\",\"cause\"} as JSON");
  run->add_option("definition", run_options.definition_path, "state machine definition (.asl.json)")->required();
  run->add_option("--input", run_options.input_path, "execution input JSON file, or - for stdin (default {})");
  run->add_option("--mocks", run_options.mocks_path, "Step Functions Local mock config (JSON)");
  run->add_option("--test-case", run_options.test_case, "the mock config's test case to use");
  run->add_option("--function", run_options.functions,
                  "NAME=COMMAND: a Lambda function run locally (JSON on stdin, JSON on stdout); repeatable");
  run->add_option("--topic", run_options.topics,
                  "NAME[=log|=http://127.0.0.1:PORT/PATH|=command:COMMAND]: a topic for sns:publish; repeatable");
  run->add_option("--state-machine-name", run_options.state_machine_name, "state machine name (default StateMachine)");
  run->add_option("--execution-name", run_options.execution_name, "execution name (default: a UUID)");
  run->add_option("--region", run_options.region, "region in ARNs (default us-east-1)");
  run->add_option("--account", run_options.account, "account in ARNs (default 123456789012)");
  run->add_option("--wait-time-scale", run_options.wait_time_scale,
                  "multiply Wait and retry delays by this (0 = instant; time still advances)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--history", run_options.history, "include the execution's history events");
  run->add_option("--max-payload-bytes", run_options.max_payload_bytes,
                  "payload quota: larger state inputs/outputs fail with States.DataLimitExceeded "
                  "(default 262144, AWS's; 0 = no limit)");
  run->add_option("--jobs", run_options.jobs_dir,
                  "job specs for glue:startJobRun (default: jobs/ beside the definition or its folder, else ./jobs)");
  run->add_option("--models", run_options.models_dir,
                  "gold models for arn:sluice:::models:build (default: models/, found like --jobs)");
  run->add_option("--warehouse", run_options.warehouse_url,
                  "warehouse URL for redshiftdata and sluice tasks (default: sqlite://HOME/warehouse)");
  run->callback([&] {
    command_name = "states run";
    local_action = [&] {
      run_options.home_dir = ResolveHomeDir(global.home);
      return RunStateMachine(run_options, std::cout, std::cerr);
    };
  });

  // --- dynamodb (item tables for the dynamodb:* Task resources) ---
  CLI::App* ddb = app.add_subcommand("dynamodb", "item tables the dynamodb:getItem|putItem|updateItem|deleteItem tasks use");
  ddb->require_subcommand(1);
  std::string ddb_table, ddb_key, ddb_sort;
  CLI::App* ddb_create = ddb->add_subcommand("create-table", "create an item table with its key schema");
  ddb_create->add_option("table", ddb_table, "table name")->required();
  ddb_create->add_option("--key", ddb_key, "partition key NAME[:S|N|B] (type default S)")->required();
  ddb_create->add_option("--sort", ddb_sort, "sort key NAME[:S|N|B]");
  ddb_create->callback([&] {
    command_name = "dynamodb create-table";
    action = [&](Home& home) { return CreateDynamoDbTable(home, ddb_table, ddb_key, ddb_sort, std::cout, std::cerr); };
  });
  ddb->add_subcommand("list-tables", "list item tables with their key schemas and item counts")->callback([&] {
    command_name = "dynamodb list-tables";
    action = [&](Home& home) { return ListDynamoDbTables(home, std::cout, std::cerr); };
  });
  CLI::App* ddb_scan = ddb->add_subcommand("scan", "print every item of a table (DynamoDB JSON)");
  ddb_scan->add_option("table", ddb_table, "table name")->required();
  ddb_scan->callback([&] {
    command_name = "dynamodb scan";
    action = [&](Home& home) { return ScanDynamoDbTable(home, ddb_table, std::cout, std::cerr); };
  });

  // --- parquet ---
  CLI::App* pq = app.add_subcommand("parquet", "look inside Parquet files, or make one from CSV / JSON lines");
  pq->require_subcommand(1);
  std::string parquet_path, parquet_columns;
  int64_t head_rows = 10;
  CLI::App* pq_schema = pq->add_subcommand("schema", "print a file's schema (sluice types)");
  pq_schema->add_option("file", parquet_path, "Parquet file")->required();
  pq_schema->callback([&] {
    command_name = "parquet schema";
    local_action = [&] { return ParquetSchema(parquet_path, std::cout, std::cerr); };
  });
  CLI::App* pq_meta = pq->add_subcommand("meta", "print a file's metadata as JSON (row groups, column chunks, encodings, statistics)");
  pq_meta->add_option("file", parquet_path, "Parquet file")->required();
  pq_meta->callback([&] {
    command_name = "parquet meta";
    local_action = [&] { return ParquetMeta(parquet_path, std::cout, std::cerr); };
  });
  auto split_columns = [&] {
    std::vector<std::string> cols;
    size_t start = 0;
    while (start < parquet_columns.size()) {
      size_t comma = parquet_columns.find(',', start);
      cols.push_back(parquet_columns.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return cols;
  };
  CLI::App* pq_head = pq->add_subcommand("head", "print the first rows as JSON lines");
  pq_head->add_option("file", parquet_path, "Parquet file")->required();
  pq_head->add_option("-n,--rows", head_rows, "how many rows (default 10)")->check(CLI::NonNegativeNumber);
  pq_head->add_option("--columns", parquet_columns, "only these columns: a,b,c");
  pq_head->callback([&] {
    command_name = "parquet head";
    local_action = [&] { return ParquetRows(parquet_path, head_rows, split_columns(), std::cout, std::cerr); };
  });
  CLI::App* pq_cat = pq->add_subcommand("cat", "print every row as JSON lines");
  pq_cat->add_option("file", parquet_path, "Parquet file")->required();
  pq_cat->add_option("--columns", parquet_columns, "only these columns: a,b,c");
  pq_cat->callback([&] {
    command_name = "parquet cat";
    local_action = [&] { return ParquetRows(parquet_path, -1, split_columns(), std::cout, std::cerr); };
  });
  ConvertOptions convert;
  CLI::App* pq_convert = pq->add_subcommand("convert", "write a CSV or JSON-lines file as Parquet");
  pq_convert->add_option("input", convert.input, "input .csv, .jsonl or .ndjson")->required();
  pq_convert->add_option("output", convert.output, "output .parquet")->required();
  pq_convert->add_option("--schema", convert.schema,
                         "column types, e.g. 'id:int64 not null,amount:decimal(12,2),at:timestamp' (default: inferred)");
  pq_convert->add_option("--codec", convert.codec, "zstd (default), snappy, gzip or none");
  pq_convert->add_option("--row-group-rows", convert.row_group_rows, "rows per row group (default 1048576)")
      ->check(CLI::PositiveNumber);
  pq_convert->callback([&] {
    command_name = "parquet convert";
    local_action = [&] { return ParquetConvert(convert, std::cout, std::cerr); };
  });

  // --- jsonata ---
  JsonataCommand jsonata_command;
  CLI::App* jsonata = app.add_subcommand(
      "jsonata", "evaluate a JSONata expression as Step Functions does (prints the result as JSON)");
  jsonata->add_option("expression", jsonata_command.expression, "the JSONata expression")->required();
  jsonata->add_option("--input", jsonata_command.input_path, "JSON file with the input (default: none)");
  jsonata->add_option("--bindings", jsonata_command.bindings_path,
                      "JSON file with an object of variables: {\"name\": value} binds $name");
  jsonata->add_flag("--standard", jsonata_command.standard,
                    "plain JSONata 2.0.6 ($eval, no Step Functions functions)");
  jsonata->add_flag("--pretty", jsonata_command.pretty, "indent the result");
  jsonata->callback([&] {
    command_name = "jsonata";
    local_action = [&] { return RunJsonata(jsonata_command, std::cout, std::cerr); };
  });

  // --- jobs, schemas (ETL: Glue's role) ---
  CLI::App* jobs = app.add_subcommand("jobs", "ETL jobs: raw objects to bronze, silver Parquet and quarantine");
  jobs->require_subcommand(1);
  std::string job_path, job_name;
  JobRunCommand job_run;
  int runs_limit = 50;
  CLI::App* jobs_validate = jobs->add_subcommand("validate", "check a job spec (YAML): fields, types, expressions, rules");
  jobs_validate->add_option("job", job_path, "job spec, e.g. jobs/orders.yaml")->required();
  jobs_validate->callback([&] {
    command_name = "jobs validate";
    local_action = [&] { return ValidateJob(job_path, std::cout, std::cerr); };
  });
  CLI::App* jobs_run = jobs->add_subcommand("run", "run a job on one object and print the run report (exit 1 when the run fails)");
  jobs_run->add_option("job", job_run.job_path, "job spec, e.g. jobs/orders.yaml")->required();
  jobs_run->add_option("--source", job_run.source, "s3://BUCKET/KEY or a local file")->required();
  jobs_run->add_option("--threads", job_run.threads, "worker threads (default: every core)")->check(CLI::NonNegativeNumber);
  jobs_run->add_flag("--force", job_run.force, "run even if the bookmark says the object was processed");
  jobs_run->add_option("--memory-budget", job_run.memory_budget_mib,
                       "MiB of rows held before partitions are written out early (default 512)")
      ->check(CLI::PositiveNumber);
  jobs_run->add_option("--warehouse", job_run.warehouse,
                       "load into this warehouse URL (default: sqlite://HOME/warehouse)");
  jobs_run->add_flag("--no-load", job_run.no_load, "do not load the job's warehouse target");
  jobs_run->callback([&] {
    command_name = "jobs run";
    action = [&](Home& home) { return RunJobCommand(home, job_run, std::cout, std::cerr); };
  });
  CLI::App* jobs_runs = jobs->add_subcommand("runs", "list runs, newest first, as JSON");
  jobs_runs->add_option("--job", job_name, "only this job's runs");
  jobs_runs->add_option("--limit", runs_limit, "at most this many (default 50)")->check(CLI::PositiveNumber);
  jobs_runs->callback([&] {
    command_name = "jobs runs";
    action = [&](Home& home) { return ListJobRuns(home, job_name, runs_limit, std::cout, std::cerr); };
  });
  CLI::App* jobs_reset = jobs->add_subcommand(
      "reset-bookmark", "forget which objects a job processed, and remove those runs' silver output");
  jobs_reset->add_option("job", job_name, "job name or job spec path")->required();
  jobs_reset->callback([&] {
    command_name = "jobs reset-bookmark";
    action = [&](Home& home) { return ResetJobBookmark(home, job_name, std::cout, std::cerr); };
  });

  // --- warehouse, query (Redshift's role) ---
  CLI::App* wh = app.add_subcommand("warehouse", "the warehouse: load silver into tables, list them");
  wh->require_subcommand(1);
  WarehouseLoadCommand wh_load;
  std::string warehouse_url;
  CLI::App* wh_load_cmd = wh->add_subcommand(
      "load", "load a run's silver output (or one source object's) into its warehouse table");
  wh_load_cmd->add_option("--run", wh_load.run, "an ETL run id (sluice jobs runs)");
  wh_load_cmd->add_option("--dataset", wh_load.dataset, "with --source: the dataset");
  wh_load_cmd->add_option("--source", wh_load.source, "with --dataset: the source object (s3://… or path)");
  wh_load_cmd->add_option("--job", wh_load.job_path, "job spec: its warehouse target, dedupe key and order");
  wh_load_cmd->add_option("--table", wh_load.table, "target table (default: the job's, else silver.DATASET)");
  wh_load_cmd->add_option("--mode", wh_load.mode, "replace_source (default) or merge");
  wh_load_cmd->add_option("--warehouse", wh_load.warehouse, "warehouse URL (default: sqlite://HOME/warehouse)");
  wh_load_cmd->callback([&] {
    command_name = "warehouse load";
    action = [&](Home& home) { return WarehouseLoad(home, wh_load, std::cout, std::cerr); };
  });
  CLI::App* wh_tables = wh->add_subcommand("tables", "list the tables and views of every layer, as JSON");
  wh_tables->add_option("--warehouse", warehouse_url, "warehouse URL (default: sqlite://HOME/warehouse)");
  wh_tables->callback([&] {
    command_name = "warehouse tables";
    action = [&](Home& home) { return WarehouseTables(home, warehouse_url, std::cout, std::cerr); };
  });
  std::string loads_table;
  int loads_limit = 50;
  CLI::App* wh_loads = wh->add_subcommand("loads", "list loads the catalog recorded, newest first, as JSON");
  wh_loads->add_option("--table", loads_table, "only this table's loads (e.g. silver.orders)");
  wh_loads->add_option("--limit", loads_limit, "at most this many (default 50)")->check(CLI::PositiveNumber);
  wh_loads->add_option("--warehouse", warehouse_url, "only loads into this warehouse URL");
  wh_loads->callback([&] {
    command_name = "warehouse loads";
    action = [&](Home& home) { return ListWarehouseLoads(home, warehouse_url, loads_table, loads_limit, std::cout, std::cerr); };
  });
  std::string query_sql, query_format = "table";
  CLI::App* query = app.add_subcommand("query", "run one SQL statement in the warehouse and print its rows");
  query->add_option("sql", query_sql, "e.g. \"SELECT count(*) FROM silver.orders\"")->required();
  query->add_option("--format", query_format, "table (default), json or csv");
  query->add_option("--warehouse", warehouse_url, "warehouse URL (default: sqlite://HOME/warehouse)");
  query->callback([&] {
    command_name = "query";
    action = [&](Home& home) { return RunQuery(home, warehouse_url, query_sql, query_format, std::cout, std::cerr); };
  });

  // --- serve (the pipeline runtime) ---
  ServeCommand serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "run the deployed project: inbox, triggers, executions, HTTP (until SIGTERM)");
  serve_cmd->add_option("--project", serve.project_dir, "deploy this project folder first");
  serve_cmd->add_option("--port", serve.port, "HTTP port on 127.0.0.1 (default 8765; 0: any free)")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--inbox", serve.inbox, "inbox folder (default HOME/inbox)");
  serve_cmd->add_option("--executors", serve.executors, "executions run at once (default 16; ETL runs have their own limit, one per core)")
      ->check(CLI::PositiveNumber);
  serve_cmd->add_option("--warehouse", serve.warehouse, "warehouse URL (default: the project's)");
  serve_cmd->add_option("--port-file", serve.port_file, "write the HTTP port here once listening");
  serve_cmd->callback([&] {
    command_name = "serve";
    action = [&](Home& home) { return Serve(home, serve, std::cout, std::cerr); };
  });

  CLI::App* schemas = app.add_subcommand("schemas", "the schema registry: dataset schemas and their versions");
  schemas->require_subcommand(1);
  std::string schema_dataset;
  int64_t schema_version = 0, schema_from = 0, schema_to = 0;
  CLI::App* schemas_list = schemas->add_subcommand("list", "list schema versions (of one dataset, or all)");
  schemas_list->add_option("dataset", schema_dataset, "dataset name");
  schemas_list->callback([&] {
    command_name = "schemas list";
    action = [&](Home& home) { return ListSchemas(home, schema_dataset, std::cout, std::cerr); };
  });
  CLI::App* schemas_show = schemas->add_subcommand("show", "print a dataset's schema (latest, or --version N) as JSON");
  schemas_show->add_option("dataset", schema_dataset, "dataset name")->required();
  schemas_show->add_option("--version", schema_version, "schema version (default: latest)")->check(CLI::PositiveNumber);
  schemas_show->callback([&] {
    command_name = "schemas show";
    action = [&](Home& home) { return ShowSchema(home, schema_dataset, schema_version, std::cout, std::cerr); };
  });
  CLI::App* schemas_diff = schemas->add_subcommand("diff", "compare two schema versions of a dataset");
  schemas_diff->add_option("dataset", schema_dataset, "dataset name")->required();
  schemas_diff->add_option("from", schema_from, "older version")->required();
  schemas_diff->add_option("to", schema_to, "newer version")->required();
  schemas_diff->callback([&] {
    command_name = "schemas diff";
    action = [&](Home& home) { return DiffSchemas(home, schema_dataset, schema_from, schema_to, std::cout, std::cerr); };
  });

  // --- models (gold models: SQL built inside the warehouse) ---
  CLI::App* models = app.add_subcommand("models", "gold models: models/*.sql built into gold.* in the warehouse");
  models->require_subcommand(1);
  ModelsCommand models_command;
  auto models_flags = [&](CLI::App* sub) {
    sub->add_option("--select", models_command.select,
                    "models to use: M, +M (with its upstream models), M+ (with its downstream); repeatable");
    sub->add_option("--models", models_command.models_dir, "the models folder (default: ./models)");
    sub->add_option("--warehouse", models_command.warehouse_url,
                    "warehouse URL: sqlite://PATH or postgres://… (default: sqlite://<home>/warehouse)");
  };
  CLI::App* models_build = models->add_subcommand(
      "build", "build models in dependency order, run their tests, print the report (exit 1 when one fails)");
  models_flags(models_build);
  models_build->add_flag("--full-refresh", models_command.full_refresh, "rebuild incremental models fully");
  models_build->add_option("--threads", models_command.threads, "models built at once (default 4)")
      ->check(CLI::PositiveNumber);
  models_build->callback([&] {
    command_name = "models build";
    action = [&](Home& home) { return BuildModelsCommand(home, models_command, std::cout, std::cerr); };
  });
  CLI::App* models_test = models->add_subcommand(
      "test", "run the models' column tests on their current tables (exit 1 when one fails)");
  models_flags(models_test);
  models_test->callback([&] {
    command_name = "models test";
    action = [&](Home& home) { return TestModelsCommand(home, models_command, std::cout, std::cerr); };
  });

  // Durable executions: state machines and executions kept in the engine home's catalog.
  DurableCommand durable;
  DurableOptions durable_options;
  auto durable_sub = [&](const std::string& verb, const std::string& help) {
    CLI::App* sub = states->add_subcommand(verb, help);
    sub->callback([&, verb] {
      command_name = "states " + verb;
      durable.verb = verb;
      action = [&](Home& home) { return RunDurableCommand(home, durable, durable_options, std::cout, std::cerr); };
    });
    return sub;
  };
  auto runner_flags = [&](CLI::App* sub) {
    sub->add_option("--function", durable_options.functions,
                    "NAME=COMMAND: a Lambda function run locally (JSON on stdin, JSON on stdout); repeatable");
    sub->add_option("--topic", durable_options.topics,
                    "NAME[=log|=http://127.0.0.1:PORT/PATH|=command:COMMAND]: a topic for sns:publish; repeatable");
    sub->add_option("--wait-time-scale", durable_options.wait_time_scale,
                    "multiply Wait and retry delays by this (0 = instant; time still advances)")
        ->check(CLI::NonNegativeNumber);
    sub->add_flag("--no-run", durable_options.no_run, "only record; run executions later (`sluice states resume`)");
    sub->add_option("--jobs", durable_options.jobs_dir, "job specs for glue:startJobRun (default ./jobs)");
    sub->add_option("--models", durable_options.models_dir, "gold models for arn:sluice:::models:build (default ./models)");
    sub->add_option("--warehouse", durable_options.warehouse_url, "warehouse URL (default: sqlite://HOME/warehouse)");
  };
  CLI::App* create = durable_sub("create", "create a state machine (idempotent for the same name and definition)");
  create->add_option("--name", durable.name, "state machine name")->required();
  create->add_option("--definition", durable.definition_path, "definition file (.asl.json)")->required();
  create->add_option("--role-arn", durable.role_arn, "role ARN recorded with it");
  create->add_flag("--publish", durable.publish, "publish version 1 as well");
  CLI::App* update = durable_sub("update", "replace a state machine's definition");
  update->add_option("--state-machine", durable.state_machine, "state machine name or ARN")->required();
  update->add_option("--definition", durable.definition_path, "definition file (.asl.json)")->required();
  update->add_flag("--publish", durable.publish, "publish the new definition as the next version");
  durable_sub("list", "list state machines");
  durable_sub("describe-state-machine", "describe a state machine or a version (name, ARN or version ARN)")
      ->add_option("state_machine", durable.state_machine, "name, ARN or version ARN")->required();
  CLI::App* start = durable_sub("start", "start a durable execution and run it here until it ends");
  start->add_option("--state-machine", durable.state_machine, "state machine name, ARN or version ARN")->required();
  start->add_option("--name", durable.name, "execution name (default: a UUID; same name and input is idempotent)");
  start->add_option("--input", durable.input_path, "input JSON file, or - for stdin (default {})");
  runner_flags(start);
  durable_sub("describe", "describe an execution")->add_option("execution_arn", durable.execution_arn)->required();
  CLI::App* list_exec = durable_sub("list-executions", "list a state machine's executions, newest first");
  list_exec->add_option("--state-machine", durable.state_machine, "state machine name or ARN")->required();
  list_exec->add_option("--status", durable.status, "RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED");
  CLI::App* history = durable_sub("history", "an execution's history events, as GetExecutionHistory returns them");
  history->add_option("execution_arn", durable.execution_arn)->required();
  history->add_flag("--reverse", durable.reverse, "newest first");
  CLI::App* stop = durable_sub("stop", "stop a running execution (ABORTED)");
  stop->add_option("execution_arn", durable.execution_arn)->required();
  stop->add_option("--error", durable.error, "error code recorded");
  stop->add_option("--cause", durable.cause, "cause recorded");
  CLI::App* redrive = durable_sub("redrive", "restart a failed execution from the states that did not finish");
  redrive->add_option("execution_arn", durable.execution_arn)->required();
  runner_flags(redrive);
  runner_flags(durable_sub("resume", "run every execution that no live process is running (after a crash)"));
  CLI::App* success = durable_sub("send-task-success", "report a task token's result");
  success->add_option("--task-token", durable.token)->required();
  success->add_option("--task-output", durable.output, "result JSON, or file://PATH")->required();
  runner_flags(success);
  CLI::App* failure = durable_sub("send-task-failure", "report a task token's failure");
  failure->add_option("--task-token", durable.token)->required();
  failure->add_option("--error", durable.error, "error name");
  failure->add_option("--cause", durable.cause, "cause");
  runner_flags(failure);
  CLI::App* heartbeat = durable_sub("send-task-heartbeat", "report that a task token's work is still going");
  heartbeat->add_option("--task-token", durable.token)->required();

  // --- init, deploy, config (pipeline projects and their config versions) ---
  std::string project_dir = ".", deploy_message, config_file;
  int64_t config_version = 0, config_to = 0;
  CLI::App* init = app.add_subcommand("init", "write a working pipeline project (the orders example) into DIR");
  init->add_option("dir", project_dir, "an empty or missing folder")->required();
  init->callback([&] {
    command_name = "init";
    local_action = [&] { return InitCommand(project_dir, std::cout, std::cerr); };
  });
  CLI::App* deploy = app.add_subcommand(
      "deploy", "validate a project as a whole and store it as a new config version (exit 2 listing every problem)");
  deploy->add_option("--project", project_dir, "the project folder (default: .)");
  deploy->add_option("-m,--message", deploy_message, "what this deploy changes");
  bool deploy_check = false;
  deploy->add_flag("--check", deploy_check, "only validate (for CI): store nothing, touch no engine home");
  deploy->callback([&] {
    command_name = "deploy";
    if (deploy_check) {
      local_action = [&] { return CheckProjectCommand(project_dir, std::cout, std::cerr); };
      return;
    }
    action = [&](Home& home) { return DeployCommand(home, project_dir, deploy_message, std::cout, std::cerr); };
  });
  CLI::App* config = app.add_subcommand("config", "deployed config versions in the catalog");
  config->require_subcommand(1);
  config->add_subcommand("versions", "list config versions, newest first, as JSON")->callback([&] {
    command_name = "config versions";
    action = [&](Home& home) { return ConfigVersionsCommand(home, std::cout, std::cerr); };
  });
  CLI::App* config_show = config->add_subcommand("show", "a config version's metadata and files as JSON (default: the latest)");
  config_show->add_option("version", config_version, "version number")->check(CLI::PositiveNumber);
  config_show->add_option("--file", config_file, "print this file's deployed content instead");
  config_show->callback([&] {
    command_name = "config show";
    action = [&](Home& home) { return ConfigShowCommand(home, config_version, config_file, std::cout, std::cerr); };
  });
  CLI::App* config_diff = config->add_subcommand("diff", "what changed between two config versions, file by file");
  config_diff->add_option("from", config_version, "older version")->required()->check(CLI::PositiveNumber);
  config_diff->add_option("to", config_to, "newer version")->required()->check(CLI::PositiveNumber);
  config_diff->callback([&] {
    command_name = "config diff";
    action = [&](Home& home) { return ConfigDiffCommand(home, config_version, config_to, std::cout, std::cerr); };
  });
  CLI::App* config_rollback = config->add_subcommand(
      "rollback", "make a new config version equal to VERSION (history is kept)");
  config_rollback->add_option("version", config_version, "version to restore")->required()->check(CLI::PositiveNumber);
  config_rollback->callback([&] {
    command_name = "config rollback";
    action = [&](Home& home) { return ConfigRollbackCommand(home, config_version, std::cout, std::cerr); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  auto format = common::ParseLogFormat(global.log_format);
  auto level = common::ParseLogLevel(global.log_level);
  common::InitLogging(*format, *level);
  if (local_action) return local_action();

  auto home = Home::Open(ResolveHomeDir(global.home));
  if (!home.ok()) return Finish(command_name, home.status().WithContext("opening the engine home"));
  return action(**home);
}

}  // namespace
}  // namespace sluice::cli

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return sluice::cli::Main(argc, argv);
}
