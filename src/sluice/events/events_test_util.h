#pragma once

// Test helpers for the events module: a temporary directory with a real SQLite catalog, and
// an in-memory ObjectStore whose clock and versions the test controls.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/hash.h"
#include "sluice/common/io.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/common/time.h"
#include "sluice/store/object_store.h"

namespace sluice::events::testing {

inline constexpr int64_t kT0Micros = 1795780800123000;  // 2026-11-27T12:00:00.123Z

using TempDir = common::TestTempDir;

inline std::unique_ptr<catalog::Catalog> OpenTestCatalog(const TempDir& dir) {
  auto catalog = catalog::OpenSqliteCatalog(dir.path() + "/catalog.db");
  SLUICE_CHECK(catalog.ok());
  return std::move(*catalog);
}

// An ObjectStore in memory. Versions are "v1", "v2", … in staging order; last_modified is
// the clock's time at commit.
class MemoryObjectStore final : public store::ObjectStore {
 public:
  explicit MemoryObjectStore(const common::Clock* clock) : clock_(clock) {}

  Status CreateBucket(std::string_view bucket) override {
    std::lock_guard lock(mu_);
    buckets_[std::string(bucket)];
    return Status::OK();
  }
  Status DeleteBucket(std::string_view bucket) override {
    std::lock_guard lock(mu_);
    buckets_.erase(std::string(bucket));
    return Status::OK();
  }
  Result<store::BucketInfo> HeadBucket(std::string_view bucket) override {
    std::lock_guard lock(mu_);
    if (!buckets_.count(std::string(bucket))) return store::NoSuchBucket(bucket);
    return store::BucketInfo{std::string(bucket), common::Timestamp{kT0Micros}};
  }
  Result<std::vector<store::BucketInfo>> ListBuckets() override {
    std::lock_guard lock(mu_);
    std::vector<store::BucketInfo> out;
    for (const auto& [name, objects] : buckets_) {
      out.push_back(store::BucketInfo{name, common::Timestamp{kT0Micros}});
    }
    return out;
  }

  Result<std::unique_ptr<store::StagedObject>> Stage(std::string_view bucket,
                                                     std::string_view key,
                                                     common::InputStream& content,
                                                     const store::PutOptions&) override {
    std::string data;
    char buf[4096];
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(size_t n, content.Read(buf, sizeof buf));
      if (n == 0) break;
      data.append(buf, n);
    }
    return MakeStaged(bucket, key, std::move(data));
  }
  Result<std::unique_ptr<store::StagedObject>> StageCopy(
      std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
      std::string_view dst_key, const std::optional<store::PutOptions>&) override {
    std::string data;
    {
      std::lock_guard lock(mu_);
      SLUICE_ASSIGN_OR_RETURN(const Object* src, Find(src_bucket, src_key));
      data = src->data;
    }
    return MakeStaged(dst_bucket, dst_key, std::move(data));
  }

  Result<store::ObjectInfo> Head(std::string_view bucket, std::string_view key) override {
    std::lock_guard lock(mu_);
    SLUICE_ASSIGN_OR_RETURN(const Object* o, Find(bucket, key));
    return o->info;
  }
  // Serves a copy of the object's bytes (of `range` when given).
  Result<std::unique_ptr<store::ObjectReader>> Get(std::string_view bucket, std::string_view key,
                                                   const std::optional<store::ByteRange>& range) override {
    std::lock_guard lock(mu_);
    SLUICE_ASSIGN_OR_RETURN(const Object* o, Find(bucket, key));
    uint64_t offset = 0, length = o->data.size();
    if (range) SLUICE_RETURN_IF_ERROR(range->Resolve(o->data.size(), &offset, &length));
    return std::unique_ptr<store::ObjectReader>(new MemoryReader(o->info, o->data.substr(offset, length), offset));
  }
  Result<std::optional<store::ObjectInfo>> Delete(std::string_view bucket,
                                                  std::string_view key) override {
    std::lock_guard lock(mu_);
    auto b = buckets_.find(std::string(bucket));
    if (b == buckets_.end()) return store::NoSuchBucket(bucket);
    auto it = b->second.find(std::string(key));
    if (it == b->second.end()) return std::optional<store::ObjectInfo>();
    store::ObjectInfo info = it->second.info;
    b->second.erase(it);
    return std::optional<store::ObjectInfo>(info);
  }
  // Prefix, start_after / continuation token (the last key returned) and max_keys.
  Result<store::ListResult> List(const store::ListRequest& request) override {
    std::lock_guard lock(mu_);
    auto b = buckets_.find(request.bucket);
    if (b == buckets_.end()) return store::NoSuchBucket(request.bucket);
    std::string after = request.continuation_token.empty() ? request.start_after
                                                           : request.continuation_token;
    store::ListResult result;
    for (auto it = b->second.upper_bound(after); it != b->second.end(); ++it) {
      if (!it->first.starts_with(request.prefix)) continue;
      if (static_cast<int>(result.contents.size()) == request.max_keys) {
        result.is_truncated = true;
        result.next_continuation_token = result.contents.back().key;
        break;
      }
      result.contents.push_back(it->second.info);
    }
    return result;
  }

 private:
  struct Object {
    store::ObjectInfo info;
    std::string data;
  };

  class Staged final : public store::StagedObject {
   public:
    Staged(MemoryObjectStore* store, store::ObjectInfo info, std::string data)
        : store_(store), info_(std::move(info)), data_(std::move(data)) {}
    const store::ObjectInfo& info() const override { return info_; }
    Result<store::ObjectInfo> Commit() override {
      info_.last_modified = store_->clock_->Now();
      std::lock_guard lock(store_->mu_);
      auto b = store_->buckets_.find(info_.bucket);
      if (b == store_->buckets_.end()) return store::NoSuchBucket(info_.bucket);
      b->second[info_.key] = Object{info_, data_};
      return info_;
    }

   private:
    MemoryObjectStore* store_;
    store::ObjectInfo info_;
    std::string data_;
  };

  class MemoryReader final : public store::ObjectReader {
   public:
    MemoryReader(store::ObjectInfo info, std::string bytes, uint64_t offset) : bytes_(bytes) {
      info_ = std::move(info);
      range_offset_ = offset;
      range_length_ = bytes.size();
    }
    Result<size_t> Read(void* out, size_t size) override { return bytes_.Read(out, size); }

   private:
    common::StringInputStream bytes_;
  };

  Result<const Object*> Find(std::string_view bucket, std::string_view key) {
    auto b = buckets_.find(std::string(bucket));
    if (b == buckets_.end()) return store::NoSuchBucket(bucket);
    auto it = b->second.find(std::string(key));
    if (it == b->second.end()) return store::NoSuchKey(bucket, key);
    return &it->second;
  }

  Result<std::unique_ptr<store::StagedObject>> MakeStaged(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string data) {
    store::ObjectInfo info;
    info.bucket = std::string(bucket);
    info.key = std::string(key);
    info.size = data.size();
    info.etag = "\"" + common::Md5Hex(data) + "\"";
    {
      std::lock_guard lock(mu_);
      if (!buckets_.count(info.bucket)) return store::NoSuchBucket(bucket);
      info.version = "v" + std::to_string(++next_version_);
    }
    return std::unique_ptr<store::StagedObject>(new Staged(this, std::move(info), std::move(data)));
  }

  const common::Clock* clock_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, Object>> buckets_;
  int next_version_ = 0;
};

// Stage + Commit of a string (ObjectStore::PutString without depending on it).
inline Result<store::ObjectInfo> PutText(store::ObjectStore& s, std::string_view bucket,
                                         std::string_view key, std::string_view text) {
  common::StringInputStream in{std::string(text)};
  SLUICE_ASSIGN_OR_RETURN(auto staged, s.Stage(bucket, key, in, store::PutOptions{}));
  return staged->Commit();
}

inline Result<store::ObjectInfo> CopyObject(store::ObjectStore& s, std::string_view src_bucket,
                                            std::string_view src_key, std::string_view dst_bucket,
                                            std::string_view dst_key) {
  SLUICE_ASSIGN_OR_RETURN(auto staged,
                          s.StageCopy(src_bucket, src_key, dst_bucket, dst_key, std::nullopt));
  return staged->Commit();
}

}  // namespace sluice::events::testing
