#include "sluice/store/object_store.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::store {
namespace {

void ExpectBadBucket(std::string_view bucket, std::string_view rule) {
  Status st = ValidateBucketName(bucket);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bucket;
  EXPECT_EQ(st.name(), "InvalidBucketName") << bucket;
  EXPECT_EQ(st.message(), "The specified bucket is not valid: \"" + std::string(bucket) +
                              "\": " + std::string(rule));
}

TEST(ValidateBucketName, AcceptsNamesFollowingS3Rules) {
  for (std::string_view name :
       {"abc", "my-bucket", "my.bucket.name", "a1b", "123", "docexamplebucket1", "amzn-s3-demo",
        "xn-a", "s3alias-bucket", "192.168.5", "1.2.3.4.5",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_TRUE(ValidateBucketName(name).ok()) << name << ": " << ValidateBucketName(name);
  }
}

TEST(ValidateBucketName, RejectsEachBrokenRuleWithItsMessage) {
  const std::string length = "bucket names must be between 3 and 63 characters long";
  ExpectBadBucket("ab", length);
  ExpectBadBucket("", length);
  ExpectBadBucket(std::string(64, 'a'), length);
  const std::string chars =
      "bucket names can consist only of lowercase letters, numbers, periods (.) and hyphens (-)";
  ExpectBadBucket("MyBucket", chars);
  ExpectBadBucket("my_bucket", chars);
  ExpectBadBucket("my/bucket", chars);
  ExpectBadBucket("my bucket", chars);
  const std::string ends = "bucket names must begin and end with a letter or number";
  ExpectBadBucket("-bucket", ends);
  ExpectBadBucket("bucket-", ends);
  ExpectBadBucket(".bucket", ends);
  ExpectBadBucket("bucket.", ends);
  ExpectBadBucket("my..bucket", "bucket names must not contain two adjacent periods");
  ExpectBadBucket("192.168.5.4",
                  "bucket names must not be formatted as an IP address (for example, "
                  "192.168.5.4)");
  ExpectBadBucket("xn--bucket", "bucket names must not start with the prefix xn--");
  ExpectBadBucket("sthree-bucket", "bucket names must not start with the prefix sthree-");
  ExpectBadBucket("amzn-s3-demo-bucket",
                  "bucket names must not start with the prefix amzn-s3-demo-");
  ExpectBadBucket("bucket-s3alias", "bucket names must not end with the suffix -s3alias");
  ExpectBadBucket("bucket--ol-s3", "bucket names must not end with the suffix --ol-s3");
  ExpectBadBucket("bucket.mrap", "bucket names must not end with the suffix .mrap");
  ExpectBadBucket("bucket--x-s3", "bucket names must not end with the suffix --x-s3");
  ExpectBadBucket("bucket--table-s3", "bucket names must not end with the suffix --table-s3");
}

TEST(ValidateKey, AcceptsValidUtf8UpTo1024Bytes) {
  EXPECT_TRUE(ValidateKey("a").ok());
  EXPECT_TRUE(ValidateKey(std::string(1024, 'k')).ok());
  EXPECT_TRUE(ValidateKey("caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC/\xF0\x9F\x98\x80").ok());
  EXPECT_TRUE(ValidateKey("\xF4\x8F\xBF\xBF").ok());  // U+10FFFF
  EXPECT_TRUE(ValidateKey(std::string("a\0b", 3)).ok());
}

TEST(ValidateKey, RejectsEmptyAndTooLongKeys) {
  Status empty = ValidateKey("");
  EXPECT_EQ(empty.name(), "InvalidArgument");
  EXPECT_EQ(empty.message(), "Object key must not be empty");
  Status long_key = ValidateKey(std::string(1025, 'k'));
  EXPECT_EQ(long_key.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(long_key.name(), "KeyTooLongError");
  EXPECT_EQ(long_key.message(), "Your key is too long: 1025 bytes (the maximum is 1024)");
}

TEST(ValidateKey, RejectsInvalidUtf8NamingTheOffset) {
  struct Case {
    std::string key;
    size_t offset;
  };
  for (const Case& c : std::vector<Case>{
           {"ab\x80", 2},            // lone continuation byte
           {"\xC0\xAF", 0},          // overlong '/'
           {"x\xC1\xBF", 1},         // overlong
           {"\xE0\x80\xAF", 0},      // overlong 3-byte
           {"\xF0\x80\x80\xAF", 0},  // overlong 4-byte
           {"a\xED\xA0\x80", 1},     // UTF-16 surrogate U+D800
           {"\xF4\x90\x80\x80", 0},  // beyond U+10FFFF
           {"\xF5\x80\x80\x80", 0},  // invalid lead byte
           {"abc\xE6\x97", 3},       // truncated sequence
           {"\xC3(", 0},             // bad continuation
       }) {
    Status st = ValidateKey(c.key);
    EXPECT_EQ(st.name(), "InvalidArgument");
    EXPECT_EQ(st.message(), "Object key is not valid UTF-8: invalid byte sequence at offset " +
                                std::to_string(c.offset));
  }
}

TEST(S3Errors, NameTheBucketAndKey) {
  Status b = NoSuchBucket("photos");
  EXPECT_EQ(b.code(), StatusCode::kNotFound);
  EXPECT_EQ(b.name(), "NoSuchBucket");
  EXPECT_EQ(b.message(), "The specified bucket does not exist: s3://photos");
  Status k = NoSuchKey("photos", "2006/a.jpg");
  EXPECT_EQ(k.code(), StatusCode::kNotFound);
  EXPECT_EQ(k.name(), "NoSuchKey");
  EXPECT_EQ(k.message(), "The specified key does not exist: s3://photos/2006/a.jpg");
}

TEST(ObjectInfo, EtagHexDropsTheQuotes) {
  ObjectInfo info;
  info.etag = "\"9e107d9d372bb6826bd81d3542a419d6\"";
  EXPECT_EQ(info.etag_hex(), "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(ByteRange, ParsesTheThreeForms) {
  Result<ByteRange> a = ByteRange::Parse("bytes=0-4");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, 0u);
  EXPECT_EQ(a->last, 4u);
  EXPECT_FALSE(a->suffix.has_value());
  Result<ByteRange> b = ByteRange::Parse("bytes=5-");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, 5u);
  EXPECT_FALSE(b->last.has_value());
  Result<ByteRange> c = ByteRange::Parse("bytes=-3");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->first.has_value());
  EXPECT_EQ(c->suffix, 3u);
}

TEST(ByteRange, RejectsMalformedHeaders) {
  for (std::string_view h : {"", "bytes=", "bytes=-", "items=0-4", "bytes=a-b", "bytes=4-2",
                             "bytes=0-1,3-4", "bytes=1", "bytes= 1-2"}) {
    Result<ByteRange> r = ByteRange::Parse(h);
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << h;
  }
}

TEST(ByteRange, ResolvesAgainstTheObjectSize) {
  uint64_t offset = 99, length = 99;
  ASSERT_TRUE(ByteRange::Parse("bytes=0-4")->Resolve(10, &offset, &length).ok());
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(length, 5u);
  ASSERT_TRUE(ByteRange::Parse("bytes=5-")->Resolve(10, &offset, &length).ok());
  EXPECT_EQ(offset, 5u);
  EXPECT_EQ(length, 5u);
  ASSERT_TRUE(ByteRange::Parse("bytes=-3")->Resolve(10, &offset, &length).ok());
  EXPECT_EQ(offset, 7u);
  EXPECT_EQ(length, 3u);
  ASSERT_TRUE(ByteRange::Parse("bytes=-30")->Resolve(10, &offset, &length).ok());
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(length, 10u);
  ASSERT_TRUE(ByteRange::Parse("bytes=8-100")->Resolve(10, &offset, &length).ok());
  EXPECT_EQ(offset, 8u);
  EXPECT_EQ(length, 2u);
}

TEST(ByteRange, StartingBeyondTheEndIsInvalidRange) {
  uint64_t offset = 0, length = 0;
  Status st = ByteRange::Parse("bytes=10-")->Resolve(10, &offset, &length);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st.name(), "InvalidRange");
  EXPECT_EQ(st.message(),
            "The requested range is not satisfiable: bytes=10- for an object of 10 bytes");
  EXPECT_EQ(ByteRange::Parse("bytes=-0")->Resolve(10, &offset, &length).name(), "InvalidRange");
}

}  // namespace
}  // namespace sluice::store
