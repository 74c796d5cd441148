#pragma once

// Durable file primitives over POSIX: an owning file descriptor, full reads and writes
// that retry on EINTR and short counts, fsync of files and directories, and whole-file
// atomic replacement (temporary file, fsync, rename, fsync of the directory). Errors name
// the path and the system call. Thread-safe (no shared state).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::common {

// Owns a file descriptor; closes it on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes now and reports a failing close (which can signal a lost write).
  Status Close();

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC; `path` appears in the error.
Result<FileDescriptor> OpenFile(const std::string& path, int flags, int mode = 0644);
// Writes all of `data` at the current offset.
Status WriteAll(int fd, const void* data, size_t size, std::string_view path);
// Writes all of `data` at `offset`.
Status PWriteAll(int fd, const void* data, size_t size, uint64_t offset, std::string_view path);
// Reads up to `size` bytes at the current offset; returns the count (0 at end of file).
Result<size_t> ReadSome(int fd, void* data, size_t size, std::string_view path);
// Reads exactly `size` bytes at `offset`; Corruption when the file ends first.
Status PReadExact(int fd, void* data, size_t size, uint64_t offset, std::string_view path);
Status Fsync(int fd, std::string_view path);
// Opens the directory and fsyncs it, so a rename or create inside it is durable.
Status FsyncDirectory(const std::string& dir);
// Fsyncs every path (files and directories) with the waits overlapping: each fsync runs on a
// thread of its own (at most 16 at a time), so a batch costs about one device flush rather
// than one per path; the threads only wait on the device. The first error, naming its path.
Status FsyncAll(const std::vector<std::string>& paths);
// mkdir -p. Existing directories are fine.
Status CreateDirectories(const std::string& dir);
// Reads a whole (small) file.
Result<std::string> ReadFileToString(const std::string& path);
// Replaces `path` with `data` atomically and durably: a reader sees the old or the new
// content, never a mix, and after return the new content survives a crash.
Status WriteFileAtomically(const std::string& path, std::string_view data);
bool PathExists(const std::string& path);

}  // namespace sluice::common
