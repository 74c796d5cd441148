#pragma once

// `s3://bucket/key` URLs as `aws s3` takes them, and the local-or-S3 path arguments of
// `sluice s3 cp`. Plain data; thread-compatible.

#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::cli {

struct S3Url {
  std::string bucket;
  std::string key;  // may be empty (the bucket itself) or end in '/' (a prefix)
};

bool IsS3Url(std::string_view text);
// Parses `s3://bucket[/key]`. InvalidArgument (exit code 2 at the CLI) when it is not one.
Result<S3Url> ParseS3Url(std::string_view text);
std::string FormatS3Url(std::string_view bucket, std::string_view key);

}  // namespace sluice::cli
