#pragma once

// S3 lifecycle rules (PutBucketLifecycleConfiguration, AWS_FORMATS.md 4.3) kept per bucket
// in the catalog (`bucket_lifecycle_configurations`) and applied to the local store.
//
// The configuration is S3's JSON form, as `aws s3api put-bucket-lifecycle-configuration
// --lifecycle-configuration` takes it: {"Rules": [{"ID", "Status": "Enabled"|"Disabled",
// "Filter": {"Prefix"} | {"Tag": {"Key","Value"}} | {"ObjectSizeGreaterThan"} |
// {"ObjectSizeLessThan"} | {"And": {"Prefix", "Tags": [...], "ObjectSize…"}}, or the legacy
// rule-level "Prefix", "Expiration": {"Days"} | {"Date"}, "Transitions": [{"Days"|"Date",
// "StorageClass"}]}]}.
//
// What sluice does with it (docs/ops.md):
//   - Expiration deletes the object and appends `LifecycleExpiration:Delete` to the event
//     log. Due: creation + Days rounded up to the next midnight UTC, or Date (midnight UTC).
//   - A Transition to StorageClass "SLUICE_COMPRESSED" (sluice's own class) replaces KEY by
//     KEY.zst, its zstd compression, keeping Content-Type and user metadata and adding
//     `sluice-original-etag`, `sluice-original-size`, `sluice-created` (the original
//     creation time, which later rules count from); it appends `LifecycleTransition` for
//     KEY, `ObjectCreated:Copy` for KEY.zst and `ObjectRemoved:Delete` for KEY. Keys already
//     ending in .zst, .zstd, .gz or .parquet are left alone. S3's own storage classes are
//     accepted (so AWS configurations load) and do nothing.
//   - Tag filters are accepted but the store has no object tags, so a rule with a Tag
//     condition matches no object. Versioning-related elements (Noncurrent…,
//     ExpiredObjectDeleteMarker) and AbortIncompleteMultipartUpload are stored and ignored.
//
// Thread-safety: functions are thread-safe; the store, log and catalog must outlive calls.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/catalog/catalog.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/events/logged_store.h"
#include "sluice/ops/metrics.h"
#include "sluice/store/object_store.h"

namespace sluice::ops {

inline constexpr std::string_view kCompressedStorageClass = "SLUICE_COMPRESSED";

struct LifecycleFilter {
  std::string prefix;
  std::vector<std::pair<std::string, std::string>> tags;
  std::optional<uint64_t> size_greater_than;
  std::optional<uint64_t> size_less_than;
};

struct LifecycleAction {
  std::optional<int64_t> days{};
  std::optional<common::Timestamp> date{};  // midnight UTC
  std::string storage_class{};              // transitions only
};

struct LifecycleRule {
  std::string id;
  bool enabled = true;
  LifecycleFilter filter;
  std::optional<LifecycleAction> expiration;
  std::vector<LifecycleAction> transitions;

  // Whether the rule's filter selects this object (prefix, sizes; any Tag condition fails).
  bool Matches(const store::ObjectInfo& object) const;
};

struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules;
  boost::json::value original;  // the configuration as given, returned by Get

  // Validates as S3 does. Errors carry S3's names: MalformedXML for shape problems (missing
  // Status, both Filter and Prefix, unknown Filter members), InvalidArgument for bad values
  // (Days not positive, Date not at midnight UTC, ID over 255 characters or repeated, more
  // than 1000 rules, ObjectSizeGreaterThan >= ObjectSizeLessThan, a rule with no action);
  // messages name the JSON path.
  static Result<LifecycleConfiguration> FromJson(const boost::json::value& value);
};

// When `due` falls for an object created at `created`: creation + days rounded up to the
// next midnight UTC, or the date.
common::Timestamp DueTime(const LifecycleAction& action, common::Timestamp created);

// The creation time lifecycle counts from: the `sluice-created` metadata of a compressed
// object, else last_modified.
common::Timestamp CreationTime(const store::ObjectInfo& object);

// S3's x-amz-expiration for an object: the earliest expiration among enabled matching
// rules, or nullopt.
struct ExpirationInfo {
  common::Timestamp expiry_date;
  std::string rule_id;
  // `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"`
  std::string Header() const;
};
std::optional<ExpirationInfo> ExpirationFor(const LifecycleConfiguration& config,
                                            const store::ObjectInfo& object);

// Per-bucket configurations in the catalog.
class LifecycleConfigurationStore {
 public:
  explicit LifecycleConfigurationStore(catalog::Catalog* catalog) : catalog_(catalog) {}
  // Validates and stores (replacing any previous one).
  Result<LifecycleConfiguration> Put(std::string_view bucket, const boost::json::value& config,
                                     common::Timestamp now);
  // NoSuchLifecycleConfiguration (S3's error) when the bucket has none.
  Result<LifecycleConfiguration> Get(std::string_view bucket);
  Status Delete(std::string_view bucket);
  // Buckets that have a configuration, sorted.
  Result<std::vector<std::string>> Buckets();

 private:
  catalog::Catalog* catalog_;
};

struct LifecycleReport {
  int64_t objects_scanned = 0;
  int64_t expired = 0;
  int64_t transitioned = 0;
  int64_t errors = 0;  // each logged; the run carries on
  std::vector<std::string> actions;  // "expire s3://b/k (rule r)", in order
};

// Applies every bucket's configuration once at `now`: expirations first (an object due for
// both is expired), then compress transitions. Each action re-reads the object inside the
// catalog's write lock and skips it when it changed since the listing, so a fresh put is
// never expired by mistake. Errors on single objects are logged and counted; listing and
// catalog errors stop the run.
struct LifecycleApplyOptions {
  // Plan only: the report lists what is due, nothing is changed or logged.
  bool dry_run = false;
  // Optional counter{action}, incremented with "expiration" / "transition"
  // (StandardMetrics::lifecycle_actions_total).
  MetricFamily* actions_total = nullptr;
};
Result<LifecycleReport> ApplyLifecycle(events::LoggedStore& store, common::Timestamp now,
                                       const LifecycleApplyOptions& options = {});

}  // namespace sluice::ops
