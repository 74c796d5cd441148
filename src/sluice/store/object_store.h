#pragma once

// ObjectStore: buckets of objects with S3's semantics, the seam every module writes data
// through. Implementations: LocalObjectStore (a folder, local_object_store.h); an S3 backend
// over HTTP comes later. The events module wraps a store to append an S3 event record for
// every create and delete (events/logged_store.h), so code above the store sees one
// interface whether or not events are logged.
//
// Errors carry S3's error names (Status::name()): NoSuchBucket, NoSuchKey,
// InvalidBucketName, BucketNotEmpty, BucketAlreadyOwnedByYou, InvalidRange,
// KeyTooLongError, InvalidArgument, and the messages name bucket and key.
//
// Objects stream in and out through common::InputStream: no call holds a whole object in
// memory. Writes are two-phase (Stage, then Commit) so a caller can order the moment an
// object becomes visible with its own bookkeeping (the event log commits in the same
// critical section). Implementations are thread-safe and safe across processes sharing
// the same storage.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/common/time.h"

namespace sluice::store {

// S3's default Content-Type for objects stored without one.
inline constexpr std::string_view kDefaultContentType = "binary/octet-stream";
inline constexpr size_t kMaxKeyBytes = 1024;

struct BucketInfo {
  std::string name;
  common::Timestamp creation_date;
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  // Quoted lowercase MD5 hex of the content, as S3 returns it: "\"9e107d9d…\"".
  std::string etag;
  common::Timestamp last_modified;
  std::string content_type{kDefaultContentType};
  // User metadata without the `x-amz-meta-` prefix, names lowercased (as S3 stores them).
  std::map<std::string, std::string> user_metadata;
  // Store-internal id, unique per committed put (not S3's versionId): lets the event log
  // tell two puts of identical content apart.
  std::string version;

  // The ETag without quotes, as S3 event records carry it.
  std::string etag_hex() const;
};

struct PutOptions {
  std::string content_type{};                          // empty: kDefaultContentType
  std::map<std::string, std::string> user_metadata{};  // names as given; stored lowercased
};

// An HTTP byte range (RFC 9110 `bytes=first-last`, `bytes=first-`, `bytes=-suffix`).
struct ByteRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;    // inclusive
  std::optional<uint64_t> suffix;  // the last `suffix` bytes
  // Parses `bytes=…`; InvalidArgument on anything else.
  static Result<ByteRange> Parse(std::string_view header);
  // Resolves against an object size to [offset, offset+length). InvalidRange (S3's name)
  // when the range starts at or beyond the end of a non-empty object.
  Status Resolve(uint64_t size, uint64_t* offset, uint64_t* length) const;
};

// A readable object: its metadata and a stream over its bytes (or the requested range),
// read from one consistent version even if the key is overwritten or deleted meanwhile.
class ObjectReader : public common::InputStream {
 public:
  const ObjectInfo& info() const { return info_; }
  // Where the served bytes start within the object, and how many there are.
  uint64_t range_offset() const { return range_offset_; }
  uint64_t range_length() const { return range_length_; }

 protected:
  ObjectInfo info_;
  uint64_t range_offset_ = 0;
  uint64_t range_length_ = 0;
};

// An object whose bytes are written and durable but not yet visible under its key.
// Destroying it without Commit() discards it.
class StagedObject {
 public:
  virtual ~StagedObject() = default;
  // Final once staged: size, ETag, version, metadata and last_modified (when the upload
  // completed, as S3 stamps Last-Modified).
  virtual const ObjectInfo& info() const = 0;
  // Makes the object visible under its key, atomically replacing any previous object, and
  // durably (the rename survives a crash once this returns). At most once.
  virtual Result<ObjectInfo> Commit() = 0;
};

struct ListRequest {
  // Default member initializers let callers use designated initializers under
  // -Wmissing-field-initializers: List({.bucket = "b", .prefix = "p/"}).
  std::string bucket{};
  std::string prefix{};
  std::string delimiter{};  // empty: no grouping
  std::string start_after{};
  std::string continuation_token{};  // from a previous ListResult; wins over start_after
  int max_keys = 1000;               // 0..1000; larger values are capped at 1000 as S3 does
};

struct ListResult {
  std::vector<ObjectInfo> contents;          // keys in UTF-8 binary order
  std::vector<std::string> common_prefixes;  // in the same order, interleaved by key
  bool is_truncated = false;
  std::string next_continuation_token;  // set when is_truncated
  // contents.size() + common_prefixes.size()
  int key_count() const { return static_cast<int>(contents.size() + common_prefixes.size()); }
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // BucketAlreadyOwnedByYou when it exists; InvalidBucketName per S3's naming rules.
  virtual Status CreateBucket(std::string_view bucket) = 0;
  // BucketNotEmpty unless empty; NoSuchBucket.
  virtual Status DeleteBucket(std::string_view bucket) = 0;
  virtual Result<BucketInfo> HeadBucket(std::string_view bucket) = 0;
  // Sorted by name.
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;

  // Streams `content` to durable temporary storage, computing size and ETag.
  virtual Result<std::unique_ptr<StagedObject>> Stage(std::string_view bucket, std::string_view key,
                                                      common::InputStream& content,
                                                      const PutOptions& options) = 0;
  // Stages a copy of an existing object. With `replace` unset the source's Content-Type
  // and user metadata are kept (S3's MetadataDirective COPY), otherwise replaced.
  virtual Result<std::unique_ptr<StagedObject>> StageCopy(
      std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
      std::string_view dst_key, const std::optional<PutOptions>& replace) = 0;

  virtual Result<ObjectInfo> Head(std::string_view bucket, std::string_view key) = 0;
  virtual Result<std::unique_ptr<ObjectReader>> Get(std::string_view bucket, std::string_view key,
                                                    const std::optional<ByteRange>& range) = 0;
  // Removes the object. Returns the removed object's info, or nullopt when there was none
  // (S3 reports success either way). NoSuchBucket.
  virtual Result<std::optional<ObjectInfo>> Delete(std::string_view bucket,
                                                   std::string_view key) = 0;
  // ListObjectsV2.
  virtual Result<ListResult> List(const ListRequest& request) = 0;

  // Stage + Commit.
  Result<ObjectInfo> Put(std::string_view bucket, std::string_view key,
                         common::InputStream& content, const PutOptions& options);
  Result<ObjectInfo> PutString(std::string_view bucket, std::string_view key,
                               std::string_view content, const PutOptions& options = {});
  // StageCopy + Commit.
  Result<ObjectInfo> Copy(std::string_view src_bucket, std::string_view src_key,
                          std::string_view dst_bucket, std::string_view dst_key,
                          const std::optional<PutOptions>& replace = std::nullopt);
};

// S3's bucket naming rules (3–63 characters; lowercase letters, digits, '.', '-'; begins
// and ends with a letter or digit; no '..'; not an IP address; not prefixed `xn--`,
// `sthree-`, `amzn-s3-demo-`; not suffixed `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`,
// `--table-s3`). InvalidBucketName with the rule broken.
Status ValidateBucketName(std::string_view bucket);
// 1–1024 bytes of valid UTF-8: KeyTooLongError, or InvalidArgument naming the problem.
Status ValidateKey(std::string_view key);

// S3 error constructors: Status with S3's error name and a message naming bucket/key.
Status NoSuchBucket(std::string_view bucket);
Status NoSuchKey(std::string_view bucket, std::string_view key);

}  // namespace sluice::store
