#pragma once

// For tests: a fresh directory under $TMPDIR (default /tmp), removed with everything in it
// when the object is destroyed.

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "sluice/common/check.h"

namespace sluice::common {

class TestTempDir {
 public:
  TestTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
    SLUICE_CHECK(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TestTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TestTempDir(const TestTempDir&) = delete;
  TestTempDir& operator=(const TestTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sluice::common
