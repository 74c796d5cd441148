#pragma once

// Byte streams: the seams through which objects, files and Parquet pages flow without being
// held whole in memory. Implementations are single-threaded unless they say otherwise.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/common/file_util.h"
#include "sluice/common/status.h"

namespace sluice::common {

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to `size` bytes into `out`; returns how many, 0 only at the end of the stream.
  virtual Result<size_t> Read(void* out, size_t size) = 0;
};

class OutputStream {
 public:
  virtual ~OutputStream() = default;
  virtual Status Write(const void* data, size_t size) = 0;
  Status Write(std::string_view data) { return Write(data.data(), data.size()); }
  // Makes what was written durable or visible, as the implementation defines.
  virtual Status Close() = 0;
};

// Reads from a string held by the stream.
class StringInputStream final : public InputStream {
 public:
  explicit StringInputStream(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(void* out, size_t size) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Reads a file (or stdin when opened with FromFd(0)).
class FileInputStream final : public InputStream {
 public:
  static Result<std::unique_ptr<FileInputStream>> Open(const std::string& path);
  // Reads from `fd` without owning it.
  static std::unique_ptr<FileInputStream> FromFd(int fd, std::string name);
  Result<size_t> Read(void* out, size_t size) override;

 private:
  FileInputStream(FileDescriptor owned, int fd, std::string name)
      : owned_(std::move(owned)), fd_(fd), name_(std::move(name)) {}
  FileDescriptor owned_;
  int fd_;
  std::string name_;
};

// Appends to a string owned by the caller, which must outlive the stream.
class StringOutputStream final : public OutputStream {
 public:
  explicit StringOutputStream(std::string* out) : out_(out) {}
  using OutputStream::Write;
  Status Write(const void* data, size_t size) override {
    out_->append(static_cast<const char*>(data), size);
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }

 private:
  std::string* out_;
};

// Writes a file under a temporary name beside `path` and renames it into place on Close(),
// so `path` holds the old content or the complete new one, never a partial file. With
// `durable`, the file is fsynced before the rename and the directory after it. Destroying
// the stream without a successful Close() removes the temporary file.
class AtomicFileOutputStream final : public OutputStream {
 public:
  static Result<std::unique_ptr<AtomicFileOutputStream>> Open(std::string path, bool durable);
  ~AtomicFileOutputStream() override;
  using OutputStream::Write;
  Status Write(const void* data, size_t size) override;
  Status Close() override;
  // Asks the kernel to start writing the bytes written so far to the device, without waiting
  // (sync_file_range, SYNC_FILE_RANGE_WRITE). No durability promise: for a file that is not
  // `durable` but will be fsynced later (e.g. with others by FsyncAll), so that the fsync
  // finds less to wait for. Errors are ignored (a later fsync reports them).
  void StartWriteback();

 private:
  AtomicFileOutputStream(std::string path, std::string tmp_path, FileDescriptor fd, bool durable)
      : path_(std::move(path)), tmp_path_(std::move(tmp_path)), fd_(std::move(fd)), durable_(durable) {}
  std::string path_;
  std::string tmp_path_;
  FileDescriptor fd_;
  bool durable_;
  bool closed_ = false;
};

// Copies `in` to `out` through a fixed buffer until the end of `in`; returns bytes copied.
// Does not Close() `out`.
Result<uint64_t> CopyStream(InputStream& in, OutputStream& out);

}  // namespace sluice::common
