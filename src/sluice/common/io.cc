#include "sluice/common/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <vector>

#include "sluice/common/ids.h"

namespace sluice::common {

Result<size_t> StringInputStream::Read(void* out, size_t size) {
  size_t n = std::min(size, data_.size() - pos_);
  std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<std::unique_ptr<FileInputStream>> FileInputStream::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, OpenFile(path, O_RDONLY));
  int raw = fd.get();
  return std::unique_ptr<FileInputStream>(new FileInputStream(std::move(fd), raw, path));
}

std::unique_ptr<FileInputStream> FileInputStream::FromFd(int fd, std::string name) {
  return std::unique_ptr<FileInputStream>(new FileInputStream(FileDescriptor(), fd, std::move(name)));
}

Result<size_t> FileInputStream::Read(void* out, size_t size) {
  return ReadSome(fd_, out, size, name_);
}

Result<std::unique_ptr<AtomicFileOutputStream>> AtomicFileOutputStream::Open(std::string path,
                                                                           bool durable) {
  std::string tmp = path + ".tmp-" + RandomHexId(8);
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
  return std::unique_ptr<AtomicFileOutputStream>(
      new AtomicFileOutputStream(std::move(path), std::move(tmp), std::move(fd), durable));
}

AtomicFileOutputStream::~AtomicFileOutputStream() {
  if (!closed_) ::unlink(tmp_path_.c_str());
}

Status AtomicFileOutputStream::Write(const void* data, size_t size) {
  return WriteAll(fd_.get(), data, size, tmp_path_);
}

Status AtomicFileOutputStream::Close() {
  if (closed_) return Status::OK();
  if (durable_) SLUICE_RETURN_IF_ERROR(Fsync(fd_.get(), tmp_path_));
  SLUICE_RETURN_IF_ERROR(fd_.Close());
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + tmp_path_ + " to " + path_);
  }
  closed_ = true;
  if (durable_) {
    size_t slash = path_.find_last_of('/');
    return FsyncDirectory(slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash));
  }
  return Status::OK();
}

void AtomicFileOutputStream::StartWriteback() {
  if (!closed_) ::sync_file_range(fd_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
}

Result<uint64_t> CopyStream(InputStream& in, OutputStream& out) {
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, in.Read(buf.data(), buf.size()));
    if (n == 0) return total;
    SLUICE_RETURN_IF_ERROR(out.Write(buf.data(), n));
    total += n;
  }
}

}  // namespace sluice::common
