#include "sluice/store/object_output_stream.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "sluice/common/hash.h"
#include "sluice/store/local_object_store.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::store {
namespace {

class ObjectOutputStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    std::filesystem::create_directories(dir_ + "/scratch");
    store_ = *LocalObjectStore::Open(dir_ + "/buckets");
    ASSERT_TRUE(store_->CreateBucket("silver").ok());
  }
  size_t ScratchFiles() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_ + "/scratch"),
                                             std::filesystem::directory_iterator()));
  }
  common::TestTempDir tmp_;
  std::string dir_;
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(ObjectOutputStreamTest, WrittenBytesBecomeTheObjectAtClose) {
  PutOptions options;
  options.content_type = "application/vnd.apache.parquet";
  auto out = ObjectOutputStream::Open(store_.get(), "silver", "orders/part-0.parquet", options, dir_ + "/scratch");
  ASSERT_TRUE(out.ok()) << out.status();
  std::string chunk(1 << 20, 'p');
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*out)->Write(chunk).ok());
  EXPECT_EQ(store_->Head("silver", "orders/part-0.parquet").status().name(), "NoSuchKey") << "not visible before Close";
  ASSERT_TRUE((*out)->Close().ok());
  EXPECT_EQ((*out)->info().size, 3u << 20);
  EXPECT_EQ((*out)->info().etag, "\"" + common::Md5Hex(chunk + chunk + chunk) + "\"");
  auto head = store_->Head("silver", "orders/part-0.parquet");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->content_type, "application/vnd.apache.parquet");
  out->reset();
  EXPECT_EQ(ScratchFiles(), 0u);
}

TEST_F(ObjectOutputStreamTest, AnAbandonedStreamLeavesNoObjectAndNoScratchFile) {
  {
    auto out = ObjectOutputStream::Open(store_.get(), "silver", "x.bin", {}, dir_ + "/scratch");
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->Write("partial").ok());
    EXPECT_EQ(ScratchFiles(), 1u);
  }
  EXPECT_EQ(store_->Head("silver", "x.bin").status().name(), "NoSuchKey");
  EXPECT_EQ(ScratchFiles(), 0u);
}

TEST_F(ObjectOutputStreamTest, AMissingBucketFailsAtCloseWithNoSuchBucket) {
  auto out = ObjectOutputStream::Open(store_.get(), "nope", "x.bin", {}, dir_ + "/scratch");
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->Write("data").ok());
  EXPECT_EQ((*out)->Close().name(), "NoSuchBucket");
}

}  // namespace
}  // namespace sluice::store
