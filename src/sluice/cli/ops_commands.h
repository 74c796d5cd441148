#pragma once

// The ops commands: `sluice s3api put-|get-|delete-bucket-lifecycle-configuration` (S3's
// lifecycle rules, JSON as aws s3api takes it), `sluice lifecycle apply` (one pass of the
// lifecycle applier), and the `--topic` option of `sluice states run|start|…` that defines
// topics for the sns:publish Task resource.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sluice/cli/home.h"
#include "sluice/common/status.h"
#include "sluice/ops/lifecycle.h"
#include "sluice/ops/topics.h"

namespace sluice::cli {

// Defines a topic per spec: `NAME` (a log subscription), `NAME=log`,
// `NAME=http://127.0.0.1:PORT/PATH`, `NAME=command:SHELL COMMAND`; several specs of one
// name add subscriptions. InvalidArgument naming the spec.
Status DefineTopics(ops::Topics& topics, const std::vector<std::string>& specs);

// `config_json`: the configuration text. NoSuchBucket; S3's validation errors.
Status PutBucketLifecycle(Home& home, const std::string& bucket, const std::string& config_json);
// Prints the stored configuration as pretty JSON; NoSuchLifecycleConfiguration.
Status GetBucketLifecycle(Home& home, const std::string& bucket, std::ostream& out);
Status DeleteBucketLifecycle(Home& home, const std::string& bucket);
// The bucket's configuration, or nullopt when it has none.
Result<std::optional<ops::LifecycleConfiguration>> BucketLifecycle(Home& home, const std::string& bucket);

// Applies every bucket's lifecycle rules once at `now_text` (RFC 3339; empty: now),
// printing each action and a summary. Returns the exit code (1 when an action failed).
// With `dry_run`, only prints what is due.
int ApplyLifecycleCommand(Home& home, const std::string& now_text, bool dry_run, std::ostream& out,
                          std::ostream& err);

}  // namespace sluice::cli
