#include "sluice/cli/s3_url.h"

namespace sluice::cli {

bool IsS3Url(std::string_view text) { return text.rfind("s3://", 0) == 0; }

Result<S3Url> ParseS3Url(std::string_view text) {
  if (!IsS3Url(text)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not an S3 URL (expected s3://bucket/key)");
  }
  std::string_view rest = text.substr(5);
  size_t slash = rest.find('/');
  S3Url url;
  url.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) url.key = std::string(rest.substr(slash + 1));
  if (url.bucket.empty()) {
    return Status::InvalidArgument("'" + std::string(text) + "': missing bucket name (expected s3://bucket/key)");
  }
  return url;
}

std::string FormatS3Url(std::string_view bucket, std::string_view key) {
  return "s3://" + std::string(bucket) + "/" + std::string(key);
}

}  // namespace sluice::cli
