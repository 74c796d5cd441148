#include "sluice/common/status.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::InvalidArgument("odd number " + std::to_string(n));
  return n / 2;
}

Result<int> Quarter(int n) {
  SLUICE_ASSIGN_OR_RETURN(int half, Half(n));
  SLUICE_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int n) {
  SLUICE_RETURN_IF_ERROR(Half(n));
  return Status::OK();
}

TEST(Status, OkHasNoNameAndPrintsOk) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.name(), "");
  EXPECT_EQ(st.ToString(), "OK");
}

TEST(Status, NameDefaultsToTheCodeAndCanBeAnAwsErrorName) {
  EXPECT_EQ(Status::NotFound("x").ToString(), "NotFound: x");
  Status st(StatusCode::kNotFound, "NoSuchKey", "The specified key does not exist: s3://b/k");
  EXPECT_EQ(st.name(), "NoSuchKey");
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_EQ(st.ToString(), "NoSuchKey: The specified key does not exist: s3://b/k");
}

TEST(Status, WithContextPrefixesTheMessageAndKeepsTheName) {
  Status st = Status(StatusCode::kIOError, "DiskFull", "no space").WithContext("put s3://b/k");
  EXPECT_EQ(st.ToString(), "DiskFull: put s3://b/k: no space");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(Status, FromErrnoNamesTheCallAndTheReason) {
  EXPECT_EQ(Status::FromErrno(ENOENT, "open /x").ToString(),
            "IOError: open /x: No such file or directory");
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "InvalidArgument: odd number 3");
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(3).message(), "odd number 3");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace sluice
