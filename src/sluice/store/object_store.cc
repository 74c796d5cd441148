#include "sluice/store/object_store.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace sluice::store {

namespace {

Status BadBucketName(std::string_view bucket, std::string_view rule) {
  return Status(
      StatusCode::kInvalidArgument, "InvalidBucketName",
      "The specified bucket is not valid: \"" + std::string(bucket) + "\": " + std::string(rule));
}

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// True for four dot-separated decimal numbers 0..255 ("192.168.5.4").
bool LooksLikeIpv4(std::string_view s) {
  int parts = 0;
  size_t pos = 0;
  while (true) {
    size_t dot = s.find('.', pos);
    std::string_view part = s.substr(pos, dot == std::string_view::npos ? s.npos : dot - pos);
    if (part.empty() || part.size() > 3) return false;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return parts == 4;
}

Result<uint64_t> ParseRangeNumber(std::string_view text, std::string_view header) {
  uint64_t v = 0;
  if (text.empty()) {
    return Status::InvalidArgument("invalid Range header \"" + std::string(header) +
                                   "\": expected bytes=first-last, bytes=first- or bytes=-suffix");
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("invalid Range header \"" + std::string(header) + "\": \"" +
                                   std::string(text) + "\" is not a byte position");
  }
  return v;
}

std::string RangeText(const ByteRange& r) {
  std::string out = "bytes=";
  if (r.suffix) return out + "-" + std::to_string(*r.suffix);
  out += std::to_string(r.first.value_or(0)) + "-";
  if (r.last) out += std::to_string(*r.last);
  return out;
}

}  // namespace

std::string ObjectInfo::etag_hex() const {
  std::string_view e = etag;
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  return std::string(e);
}

Result<ByteRange> ByteRange::Parse(std::string_view header) {
  constexpr std::string_view kUnit = "bytes=";
  if (header.substr(0, kUnit.size()) != kUnit) {
    return Status::InvalidArgument("invalid Range header \"" + std::string(header) +
                                   "\": expected it to start with bytes=");
  }
  std::string_view spec = header.substr(kUnit.size());
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) {
    return Status::InvalidArgument("invalid Range header \"" + std::string(header) +
                                   "\": expected one range bytes=first-last, bytes=first- or "
                                   "bytes=-suffix");
  }
  std::string_view a = spec.substr(0, dash);
  std::string_view b = spec.substr(dash + 1);
  ByteRange r;
  if (a.empty()) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t suffix, ParseRangeNumber(b, header));
    r.suffix = suffix;
    return r;
  }
  SLUICE_ASSIGN_OR_RETURN(uint64_t first, ParseRangeNumber(a, header));
  r.first = first;
  if (!b.empty()) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t last, ParseRangeNumber(b, header));
    if (last < first) {
      return Status::InvalidArgument("invalid Range header \"" + std::string(header) +
                                     "\": last byte position is before the first");
    }
    r.last = last;
  }
  return r;
}

Status ByteRange::Resolve(uint64_t size, uint64_t* offset, uint64_t* length) const {
  auto unsatisfiable = [&] {
    return Status(StatusCode::kOutOfRange, "InvalidRange",
                  "The requested range is not satisfiable: " + RangeText(*this) +
                      " for an object of " + std::to_string(size) + " bytes");
  };
  if (size == 0) {
    *offset = 0;
    *length = 0;
    return Status::OK();
  }
  if (suffix) {
    if (*suffix == 0) return unsatisfiable();
    *length = std::min(*suffix, size);
    *offset = size - *length;
    return Status::OK();
  }
  uint64_t f = first.value_or(0);
  if (f >= size) return unsatisfiable();
  uint64_t l = last ? std::min(*last, size - 1) : size - 1;
  *offset = f;
  *length = l - f + 1;
  return Status::OK();
}

Result<ObjectInfo> ObjectStore::Put(std::string_view bucket, std::string_view key,
                                    common::InputStream& content, const PutOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<StagedObject> staged,
                          Stage(bucket, key, content, options));
  return staged->Commit();
}

Result<ObjectInfo> ObjectStore::PutString(std::string_view bucket, std::string_view key,
                                          std::string_view content, const PutOptions& options) {
  common::StringInputStream in{std::string(content)};
  return Put(bucket, key, in, options);
}

Result<ObjectInfo> ObjectStore::Copy(std::string_view src_bucket, std::string_view src_key,
                                     std::string_view dst_bucket, std::string_view dst_key,
                                     const std::optional<PutOptions>& replace) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<StagedObject> staged,
                          StageCopy(src_bucket, src_key, dst_bucket, dst_key, replace));
  return staged->Commit();
}

Status ValidateBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) {
    return BadBucketName(bucket, "bucket names must be between 3 and 63 characters long");
  }
  for (char c : bucket) {
    if (!IsLowerOrDigit(c) && c != '.' && c != '-') {
      return BadBucketName(bucket,
                           "bucket names can consist only of lowercase letters, numbers, "
                           "periods (.) and hyphens (-)");
    }
  }
  if (!IsLowerOrDigit(bucket.front()) || !IsLowerOrDigit(bucket.back())) {
    return BadBucketName(bucket, "bucket names must begin and end with a letter or number");
  }
  if (bucket.find("..") != std::string_view::npos) {
    return BadBucketName(bucket, "bucket names must not contain two adjacent periods");
  }
  if (LooksLikeIpv4(bucket)) {
    return BadBucketName(bucket,
                         "bucket names must not be formatted as an IP address (for example, "
                         "192.168.5.4)");
  }
  for (std::string_view p : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (bucket.starts_with(p)) {
      return BadBucketName(bucket, "bucket names must not start with the prefix " + std::string(p));
    }
  }
  for (std::string_view s : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (bucket.ends_with(s)) {
      return BadBucketName(bucket, "bucket names must not end with the suffix " + std::string(s));
    }
  }
  return Status::OK();
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) {
    return Status(StatusCode::kInvalidArgument, "InvalidArgument", "Object key must not be empty");
  }
  if (key.size() > kMaxKeyBytes) {
    return Status(StatusCode::kInvalidArgument, "KeyTooLongError",
                  "Your key is too long: " + std::to_string(key.size()) +
                      " bytes (the maximum is " + std::to_string(kMaxKeyBytes) + ")");
  }
  const auto* s = reinterpret_cast<const unsigned char*>(key.data());
  size_t n = key.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // beyond U+10FFFF
    }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = s[i + k];
      if (k == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF)) ok = false;
    }
    if (!ok) {
      return Status(
          StatusCode::kInvalidArgument, "InvalidArgument",
          "Object key is not valid UTF-8: invalid byte sequence at offset " + std::to_string(i));
    }
    i += len;
  }
  return Status::OK();
}

Status NoSuchBucket(std::string_view bucket) {
  return Status(StatusCode::kNotFound, "NoSuchBucket",
                "The specified bucket does not exist: s3://" + std::string(bucket));
}

Status NoSuchKey(std::string_view bucket, std::string_view key) {
  return Status(
      StatusCode::kNotFound, "NoSuchKey",
      "The specified key does not exist: s3://" + std::string(bucket) + "/" + std::string(key));
}

}  // namespace sluice::store
