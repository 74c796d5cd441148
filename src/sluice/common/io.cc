#include "sluice/common/io.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <vector>

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
