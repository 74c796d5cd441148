#include "sluice/common/file_util.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sluice/common/test_temp_dir.h"

namespace sluice::common {
namespace {

TEST(FsyncAll, SyncsFilesAndDirectoriesAndNothingAtAll) {
  TestTempDir tmp;
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) {  // more paths than threads
    std::string dir = tmp.path() + "/d" + std::to_string(i);
    ASSERT_TRUE(CreateDirectories(dir).ok());
    ASSERT_TRUE(WriteFileAtomically(dir + "/f", "x").ok());
    paths.push_back(dir + "/f");
    paths.push_back(dir);
  }
  EXPECT_TRUE(FsyncAll(paths).ok());
  EXPECT_TRUE(FsyncAll({}).ok());
}

TEST(FsyncAll, AMissingPathIsAnErrorNamingIt) {
  TestTempDir tmp;
  ASSERT_TRUE(WriteFileAtomically(tmp.path() + "/a", "x").ok());
  Status st = FsyncAll({tmp.path() + "/a", tmp.path() + "/gone", tmp.path()});
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
  EXPECT_NE(st.message().find(tmp.path() + "/gone"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace sluice::common
