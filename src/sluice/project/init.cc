#include "sluice/project/init.h"

#include <sys/stat.h>

#include <filesystem>

#include "sluice/common/file_util.h"

namespace sluice::project {

Status InitProject(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return Status::FailedPrecondition(dir + " exists and is not a folder");
    }
    if (!fs::is_empty(dir, ec)) {
      return Status::FailedPrecondition(dir +
                                        " is not empty; sluice init writes a new project "
                                        "into an empty or missing folder");
    }
  }
  for (const ExampleFile& file : ExampleFiles()) {
    std::string path = dir + "/" + std::string(file.path);
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(fs::path(path).parent_path().string()));
    SLUICE_RETURN_IF_ERROR(common::WriteFileAtomically(path, file.content));
    if (file.path.starts_with("functions/") && ::chmod(path.c_str(), 0755) != 0) {
      return Status::FromErrno(errno, "chmod " + path);
    }
  }
  return Status::OK();
}

}  // namespace sluice::project
