#pragma once

// `sluice s3 …`: the object-store commands shaped like `aws s3` (mb, rb, cp, ls, rm) plus
// `cat`. Each works on any ObjectStore (the composition root passes the event-logging one,
// so every create and delete the CLI makes is in the event log). Progress lines go to `out`
// in aws-cli's wording ("upload: ./a.csv to s3://landing/a.csv"); errors are returned as
// Status naming the bucket/key, except in recursive operations, which report each failure
// to `err`, carry on, and return the first failure at the end (nothing is silently skipped).

#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "sluice/cli/s3_url.h"
#include "sluice/common/status.h"
#include "sluice/ops/lifecycle.h"
#include "sluice/store/object_store.h"

namespace sluice::cli {

struct CopyOptions {
  bool recursive = false;
  std::string content_type;                      // empty: guessed from the file name
  std::map<std::string, std::string> metadata;   // x-amz-meta-* (replaces on s3→s3 copy)
  bool quiet = false;                            // no progress lines
};

struct ListOptions {
  bool recursive = false;
  bool summarize = false;
  bool human_readable = false;
  // --long: after each key, the object's x-amz-expiration under `lifecycle` (when set and
  // a rule expires it): `  expiry-date="Mon, 30 Nov 2026 00:00:00 GMT", rule-id="tmp"`.
  bool long_format = false;
  const ops::LifecycleConfiguration* lifecycle = nullptr;
};

Status MakeBucket(store::ObjectStore& store, const S3Url& url, std::ostream& out);
// With `force`, deletes every object first (as `aws s3 rb --force`).
Status RemoveBucket(store::ObjectStore& store, const S3Url& url, bool force, std::ostream& out);
// `src`/`dst`: local paths, `-` (stdin/stdout), or s3:// URLs; at least one is an S3 URL.
Status CopyObjects(store::ObjectStore& store, const std::string& src, const std::string& dst,
                   const CopyOptions& options, std::ostream& out, std::ostream& err);
// `url` unset: lists buckets.
Status ListObjects(store::ObjectStore& store, const std::optional<S3Url>& url,
                   const ListOptions& options, std::ostream& out);
Status RemoveObjects(store::ObjectStore& store, const S3Url& url, bool recursive,
                     std::ostream& out, std::ostream& err);
// Streams the object (or `range`, e.g. "bytes=0-99") to standard output.
Status CatObject(store::ObjectStore& store, const S3Url& url, const std::string& range);

// Content-Type for a file name by its extension, as aws-cli guesses it; "" when unknown.
std::string GuessContentType(std::string_view file_name);
// "1.2 KiB" style sizes (aws s3 ls --human-readable).
std::string HumanSize(uint64_t bytes);

}  // namespace sluice::cli
