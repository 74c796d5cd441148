#include "sluice/common/io.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "sluice/common/test_temp_dir.h"

namespace sluice::common {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  size_t Entries() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_),
                                             std::filesystem::directory_iterator()));
  }
  TestTempDir tmp_;
  std::string dir_ = tmp_.path();
};

TEST_F(AtomicFileTest, ContentAppearsUnderItsNameOnlyAtClose) {
  std::string path = dir_ + "/out.csv";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  auto out = AtomicFileOutputStream::Open(path, /*durable=*/true);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE((*out)->Write("new content").ok());
  EXPECT_EQ(*ReadFileToString(path), "old");
  ASSERT_TRUE((*out)->Close().ok());
  EXPECT_EQ(*ReadFileToString(path), "new content");
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(AtomicFileTest, AbandonedWritesLeaveNoTemporaryFile) {
  std::string path = dir_ + "/out.csv";
  {
    auto out = AtomicFileOutputStream::Open(path, /*durable=*/false);
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->Write("partial").ok());
  }
  EXPECT_FALSE(PathExists(path));
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(AtomicFileTest, StartingWritebackChangesNothingVisible) {
  std::string path = dir_ + "/part.parquet";
  auto out = AtomicFileOutputStream::Open(path, /*durable=*/false);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE((*out)->Write("first ").ok());
  (*out)->StartWriteback();
  EXPECT_FALSE(std::filesystem::exists(path));
  ASSERT_TRUE((*out)->Write("second").ok());
  (*out)->StartWriteback();
  ASSERT_TRUE((*out)->Close().ok());
  (*out)->StartWriteback();  // after Close: nothing to do
  EXPECT_EQ(*ReadFileToString(path), "first second");
  EXPECT_EQ(Entries(), 1u);
}

TEST(CopyStream, CopiesEveryByteThroughABoundedBuffer) {
  std::string data(3 * (1 << 20) + 17, 'x');
  data[12345] = 'y';
  StringInputStream in(data);
  std::string copy;
  StringOutputStream out(&copy);
  auto n = CopyStream(in, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, data.size());
  EXPECT_EQ(copy, data);
}

TEST(FileInputStream, OpeningAMissingFileIsNotFoundNamingThePath) {
  auto in = FileInputStream::Open("/nonexistent/dir/file.csv");
  ASSERT_FALSE(in.ok());
  EXPECT_TRUE(in.status().IsNotFound());
  EXPECT_EQ(in.status().message(), "open /nonexistent/dir/file.csv: No such file or directory");
}

}  // namespace
}  // namespace sluice::common
