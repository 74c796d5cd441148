#pragma once

// An OutputStream that becomes an object: bytes written go to a temporary file (so memory
// stays bounded whatever the object's size), and Close() puts that file into the store
// under its key — through whatever ObjectStore it is given, so an event-logging store logs
// the put. Writers that produce files (the Parquet writer) can thus write straight into a
// bucket. Destroying the stream without Close() discards everything. Single-threaded; the
// store must outlive the stream.

#include <memory>
#include <string>

#include "sluice/common/io.h"
#include "sluice/store/object_store.h"

namespace sluice::store {

class ObjectOutputStream final : public common::OutputStream {
 public:
  // `scratch_dir`: where the temporary file lives (empty: $TMPDIR or /tmp). IOError naming
  // the directory when the file cannot be created.
  static Result<std::unique_ptr<ObjectOutputStream>> Open(ObjectStore* store, std::string bucket,
                                                          std::string key, PutOptions options,
                                                          std::string scratch_dir = "");
  ~ObjectOutputStream() override;

  using OutputStream::Write;
  Status Write(const void* data, size_t size) override;
  // Puts the object. Its info (ETag, size, …) is available afterwards.
  Status Close() override;
  const ObjectInfo& info() const { return info_; }

 private:
  ObjectOutputStream(ObjectStore* store, std::string bucket, std::string key, PutOptions options,
                     std::string path, common::FileDescriptor fd)
      : store_(store), bucket_(std::move(bucket)), key_(std::move(key)), options_(std::move(options)),
        path_(std::move(path)), fd_(std::move(fd)) {}

  ObjectStore* store_;
  std::string bucket_, key_;
  PutOptions options_;
  std::string path_;
  common::FileDescriptor fd_;
  bool closed_ = false;
  ObjectInfo info_;
};

}  // namespace sluice::store
