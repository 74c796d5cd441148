#pragma once

// LocalObjectStore: the ObjectStore over a folder, `<home>/buckets`. A bucket is a directory;
// an object is one file holding its content followed by a metadata trailer, at a path derived
// from its key by an injective, escape-proof encoding (docs/formats/object-store.md has the
// exact layout). Puts write a temporary file inside the bucket and rename(2) it into place,
// so readers see the old object or the new one, never a partial one; an acknowledged put is
// durable (file and directories fsynced).
//
// The store holds no state besides its root path and options: every operation goes to the
// filesystem, so one instance is safe to use from many threads and several processes may
// share one root (concurrent puts of one key: the last rename wins). The Clock passed to
// Open() must outlive the store.

#include <memory>
#include <string>

#include "sluice/common/status.h"
#include "sluice/common/time.h"
#include "sluice/store/object_store.h"

namespace sluice::store {

class LocalObjectStore final : public ObjectStore {
 public:
  struct Options {
    // Test-only: false skips every fsync (files and directories), so large test suites run
    // fast. Objects are then not durable across a crash. Never set it in production.
    bool fsync = true;
  };

  // Opens (creating it if needed) the store rooted at `root` (`<home>/buckets`) and removes
  // temporary files left behind by processes that no longer run. IOError when the root
  // cannot be created.
  static Result<std::unique_ptr<LocalObjectStore>> Open(
      std::string root, const common::Clock* clock = common::SystemClock::Default());
  static Result<std::unique_ptr<LocalObjectStore>> Open(std::string root,
                                                        const common::Clock* clock,
                                                        Options options);

  const std::string& root() const { return root_; }

  Status CreateBucket(std::string_view bucket) override;
  Status DeleteBucket(std::string_view bucket) override;
  Result<BucketInfo> HeadBucket(std::string_view bucket) override;
  Result<std::vector<BucketInfo>> ListBuckets() override;

  Result<std::unique_ptr<StagedObject>> Stage(std::string_view bucket, std::string_view key,
                                              common::InputStream& content,
                                              const PutOptions& options) override;
  Result<std::unique_ptr<StagedObject>> StageCopy(
      std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
      std::string_view dst_key, const std::optional<PutOptions>& replace) override;

  Result<ObjectInfo> Head(std::string_view bucket, std::string_view key) override;
  Result<std::unique_ptr<ObjectReader>> Get(std::string_view bucket, std::string_view key,
                                            const std::optional<ByteRange>& range) override;
  Result<std::optional<ObjectInfo>> Delete(std::string_view bucket, std::string_view key) override;
  Result<ListResult> List(const ListRequest& request) override;

 private:
  LocalObjectStore(std::string root, const common::Clock* clock, Options options)
      : root_(std::move(root)), clock_(clock), options_(options) {}

  std::string BucketDir(std::string_view bucket) const;
  // Validates the name and checks that the bucket exists; returns its directory.
  Result<std::string> ExistingBucketDir(std::string_view bucket) const;
  Status RemoveStaleTemporaries();

  std::string root_;
  const common::Clock* clock_;
  Options options_;
};

}  // namespace sluice::store
