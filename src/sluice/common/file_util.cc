#include "sluice/common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <thread>

#include "sluice/common/io.h"

namespace sluice::common {

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Status FileDescriptor::Close() {
  if (fd_ < 0) return Status::OK();
  int fd = release();
  if (::close(fd) != 0 && errno != EINTR) return Status::FromErrno(errno, "close");
  return Status::OK();
}

Result<FileDescriptor> OpenFile(const std::string& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    Status st = Status::FromErrno(e, "open " + path);
    if (e == ENOENT) return Status(StatusCode::kNotFound, st.message());
    return st;
  }
  return FileDescriptor(fd);
}

Status WriteAll(int fd, const void* data, size_t size, std::string_view path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write " + std::string(path));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status::OK();
}

Status PWriteAll(int fd, const void* data, size_t size, uint64_t offset, std::string_view path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "pwrite " + std::string(path));
    }
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Result<size_t> ReadSome(int fd, void* data, size_t size, std::string_view path) {
  for (;;) {
    ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Status::FromErrno(errno, "read " + std::string(path));
  }
}

Status PReadExact(int fd, void* data, size_t size, uint64_t offset, std::string_view path) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "pread " + std::string(path));
    }
    if (n == 0) return Status::Corruption(std::string(path) + ": unexpected end of file");
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Status Fsync(int fd, std::string_view path) {
  if (::fsync(fd) != 0) return Status::FromErrno(errno, "fsync " + std::string(path));
  return Status::OK();
}

Status FsyncDirectory(const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  return Fsync(fd.get(), dir);
}

Status FsyncAll(const std::vector<std::string>& paths) {
  constexpr size_t kMaxThreads = 16;
  std::mutex mu;
  size_t next = 0;
  Status first;
  auto work = [&] {
    while (true) {
      size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next == paths.size() || !first.ok()) return;
        i = next++;
      }
      Status st = [&]() -> Status {
        // O_RDONLY opens files and directories alike; fsync needs no write access.
        SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, OpenFile(paths[i], O_RDONLY));
        return Fsync(fd.get(), paths[i]);
      }();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = st;
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min(paths.size(), kMaxThreads);
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return first;
}

Status CreateDirectories(const std::string& dir) {
  if (dir.empty()) return Status::OK();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("mkdir " + dir + ": exists and is not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    SLUICE_RETURN_IF_ERROR(CreateDirectories(dir.substr(0, slash)));
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FromErrno(errno, "mkdir " + dir);
  }
  return Status::OK();
}

Result<std::string> ReadFileToString(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, OpenFile(path, O_RDONLY));
  std::string out;
  char buf[65536];
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, ReadSome(fd.get(), buf, sizeof buf, path));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  SLUICE_ASSIGN_OR_RETURN(auto out, AtomicFileOutputStream::Open(path, /*durable=*/true));
  SLUICE_RETURN_IF_ERROR(out->Write(data));
  return out->Close();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace sluice::common
