#include "sluice/store/object_output_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "sluice/common/ids.h"

namespace sluice::store {

Result<std::unique_ptr<ObjectOutputStream>> ObjectOutputStream::Open(ObjectStore* store, std::string bucket,
                                                                     std::string key, PutOptions options,
                                                                     std::string scratch_dir) {
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  if (scratch_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    scratch_dir = tmp && *tmp ? tmp : "/tmp";
  }
  std::string path = scratch_dir + "/sluice-object-" + common::RandomHexId(8) + ".tmp";
  SLUICE_ASSIGN_OR_RETURN(common::FileDescriptor fd, common::OpenFile(path, O_RDWR | O_CREAT | O_EXCL, 0600));
  return std::unique_ptr<ObjectOutputStream>(new ObjectOutputStream(
      store, std::move(bucket), std::move(key), std::move(options), std::move(path), std::move(fd)));
}

ObjectOutputStream::~ObjectOutputStream() { ::unlink(path_.c_str()); }

Status ObjectOutputStream::Write(const void* data, size_t size) {
  if (closed_) return Status::FailedPrecondition("s3://" + bucket_ + "/" + key_ + ": write after close");
  return common::WriteAll(fd_.get(), data, size, path_);
}

Status ObjectOutputStream::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  if (::lseek(fd_.get(), 0, SEEK_SET) != 0) return Status::FromErrno(errno, "lseek " + path_);
  auto in = common::FileInputStream::FromFd(fd_.get(), path_);
  SLUICE_ASSIGN_OR_RETURN(info_, store_->Put(bucket_, key_, *in, options_));
  return Status::OK();
}

}  // namespace sluice::store
