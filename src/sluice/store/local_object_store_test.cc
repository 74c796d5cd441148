#include "sluice/store/local_object_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sluice/common/hash.h"
#include "sluice/common/json.h"

namespace sluice::store {
namespace {

namespace fs = std::filesystem;

using Strings = std::vector<std::string>;

constexpr int64_t kStart = 1'790'000'000'000'000;  // 2026-09-21

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sluice_store_test.XXXXXX").string();
    SLUICE_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadAll(ObjectReader& reader) {
  std::string out;
  char buf[7];  // odd and small: exercises partial reads
  for (;;) {
    Result<size_t> n = reader.Read(buf, sizeof buf);
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok() || *n == 0) return out;
    out.append(buf, *n);
  }
}

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(LocalObjectStore::Options{}); }

  void Reopen(LocalObjectStore::Options options) {
    store_.reset();
    Result<std::unique_ptr<LocalObjectStore>> store =
        LocalObjectStore::Open(root(), &clock_, options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::string root() const { return dir_.path() + "/buckets"; }

  std::string Get(std::string_view bucket, std::string_view key,
                  std::optional<ByteRange> range = std::nullopt) {
    Result<std::unique_ptr<ObjectReader>> reader = store_->Get(bucket, key, range);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return "<error>";
    return ReadAll(**reader);
  }

  void Put(std::string_view bucket, std::string_view key, std::string_view content) {
    Result<ObjectInfo> info = store_->PutString(bucket, key, content);
    ASSERT_TRUE(info.ok()) << info.status();
  }

  // Lists every page. After `odd_pages` pages, continues with pages of 1000 (each page of
  // a directory rereads it, so tiny pages over 10,000 keys would be slow).
  std::vector<std::string> ListAll(ListRequest request, std::vector<std::string>* prefixes,
                                   int odd_pages = 1 << 30) {
    std::vector<std::string> keys;
    for (int page = 0; page < 100000; ++page) {
      if (page == odd_pages) request.max_keys = 1000;
      Result<ListResult> r = store_->List(request);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      EXPECT_LE(r->key_count(), std::min(request.max_keys, 1000));
      for (const ObjectInfo& o : r->contents) keys.push_back(o.key);
      if (prefixes) {
        for (const std::string& p : r->common_prefixes) prefixes->push_back(p);
      }
      if (!r->is_truncated) {
        EXPECT_EQ(r->next_continuation_token, "");
        break;
      }
      EXPECT_NE(r->next_continuation_token, "");
      request.continuation_token = r->next_continuation_token;
    }
    return keys;
  }

  // Every file and directory in the root lives under <root>/<bucket>/ or the root's own
  // internal folder.
  void ExpectEverythingInside(const std::string& bucket) {
    std::string inside = root() + "/" + bucket + "/";
    std::string internal = root() + "/.sluice-tmp";
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
      std::string p = entry.path().string();
      if (p == root() || p == root() + "/" + bucket || p.starts_with(internal)) continue;
      EXPECT_TRUE(p.starts_with(inside)) << p;
    }
  }

  TempDir dir_;
  common::ManualClock clock_{common::Timestamp::FromMicros(kStart)};
  std::unique_ptr<LocalObjectStore> store_;
};

// ---------------------------------------------------------------------------------------
// Buckets

TEST_F(LocalObjectStoreTest, CreatedBucketsAreListedSortedWithTheirCreationDate) {
  ASSERT_TRUE(store_->CreateBucket("zeta").ok());
  clock_.AdvanceMicros(5);
  ASSERT_TRUE(store_->CreateBucket("alpha").ok());
  Result<std::vector<BucketInfo>> buckets = store_->ListBuckets();
  ASSERT_TRUE(buckets.ok()) << buckets.status();
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].name, "alpha");
  EXPECT_EQ((*buckets)[0].creation_date.micros, kStart + 5);
  EXPECT_EQ((*buckets)[1].name, "zeta");
  EXPECT_EQ((*buckets)[1].creation_date.micros, kStart);
  Result<BucketInfo> head = store_->HeadBucket("zeta");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->creation_date.micros, kStart);
}

TEST_F(LocalObjectStoreTest, CreatingAnExistingBucketIsBucketAlreadyOwnedByYou) {
  ASSERT_TRUE(store_->CreateBucket("photos").ok());
  Status st = store_->CreateBucket("photos");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(st.name(), "BucketAlreadyOwnedByYou");
  EXPECT_EQ(st.message(),
            "Your previous request to create the named bucket succeeded and you already own "
            "it: s3://photos");
}

TEST_F(LocalObjectStoreTest, CreatingAnInvalidBucketIsInvalidBucketName) {
  EXPECT_EQ(store_->CreateBucket("Bad_Name").name(), "InvalidBucketName");
  EXPECT_EQ(store_->CreateBucket("..").name(), "InvalidBucketName");
  EXPECT_FALSE(fs::exists(root() + "/Bad_Name"));
}

TEST_F(LocalObjectStoreTest, OperationsOnAMissingBucketAreNoSuchBucket) {
  Status expected(StatusCode::kNotFound, "NoSuchBucket",
                  "The specified bucket does not exist: s3://nope");
  EXPECT_EQ(store_->HeadBucket("nope").status(), expected);
  EXPECT_EQ(store_->DeleteBucket("nope"), expected);
  EXPECT_EQ(store_->PutString("nope", "k", "x").status(), expected);
  EXPECT_EQ(store_->Head("nope", "k").status(), expected);
  EXPECT_EQ(store_->Get("nope", "k", std::nullopt).status(), expected);
  EXPECT_EQ(store_->Delete("nope", "k").status(), expected);
  EXPECT_EQ(store_->List({.bucket = "nope"}).status(), expected);
}

TEST_F(LocalObjectStoreTest, DeletingANonEmptyBucketIsBucketNotEmpty) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Put("data", "a/b/c.csv", "1,2");
  Status st = store_->DeleteBucket("data");
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.name(), "BucketNotEmpty");
  EXPECT_EQ(st.message(), "The bucket you tried to delete is not empty: s3://data");
  EXPECT_TRUE(store_->HeadBucket("data").ok());
}

TEST_F(LocalObjectStoreTest, DeletingTheLastObjectRemovesEmptyParentsAndFreesTheBucket) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Put("data", "a/b/c.csv", "1,2");
  Put("data", "a/keep", "k");
  Result<std::optional<ObjectInfo>> del = store_->Delete("data", "a/b/c.csv");
  ASSERT_TRUE(del.ok()) << del.status();
  ASSERT_TRUE(del->has_value());
  EXPECT_EQ((*del)->key, "a/b/c.csv");
  EXPECT_EQ((*del)->size, 3u);
  EXPECT_EQ((*del)->etag, "\"" + common::Md5Hex("1,2") + "\"");
  EXPECT_FALSE(fs::exists(root() + "/data/a/b"));
  EXPECT_TRUE(fs::exists(root() + "/data/a"));
  ASSERT_TRUE(store_->Delete("data", "a/keep").ok());
  EXPECT_FALSE(fs::exists(root() + "/data/a"));
  ASSERT_TRUE(store_->DeleteBucket("data").ok());
  EXPECT_FALSE(fs::exists(root() + "/data"));
  EXPECT_EQ(store_->HeadBucket("data").status().name(), "NoSuchBucket");
}

TEST_F(LocalObjectStoreTest, DeletingAMissingKeyReturnsNothing) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Result<std::optional<ObjectInfo>> del = store_->Delete("data", "never/was");
  ASSERT_TRUE(del.ok()) << del.status();
  EXPECT_FALSE(del->has_value());
}

// ---------------------------------------------------------------------------------------
// Objects

TEST_F(LocalObjectStoreTest, PutRecordsEtagSizeTimeAndDefaultContentType) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  clock_.Set(common::Timestamp::FromMicros(kStart + 42));
  Result<ObjectInfo> put = store_->PutString("data", "hello.txt", "hello world");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->etag, "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  EXPECT_EQ(put->etag_hex(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_EQ(put->size, 11u);
  EXPECT_EQ(put->content_type, "binary/octet-stream");
  EXPECT_EQ(put->last_modified.micros, kStart + 42);
  EXPECT_EQ(put->version.size(), 24u);
  Result<ObjectInfo> head = store_->Head("data", "hello.txt");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->bucket, "data");
  EXPECT_EQ(head->key, "hello.txt");
  EXPECT_EQ(head->etag, put->etag);
  EXPECT_EQ(head->size, 11u);
  EXPECT_EQ(head->content_type, "binary/octet-stream");
  EXPECT_EQ(head->last_modified.micros, kStart + 42);
  EXPECT_EQ(head->version, put->version);
  EXPECT_EQ(Get("data", "hello.txt"), "hello world");
}

TEST_F(LocalObjectStoreTest, UserMetadataNamesAreLowercased) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  PutOptions options;
  options.content_type = "text/csv";
  options.user_metadata = {{"Source-System", "ERP"}, {"owner", "Ana"}};
  ASSERT_TRUE(store_->PutString("data", "x.csv", "a,b", options).ok());
  Result<ObjectInfo> head = store_->Head("data", "x.csv");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->content_type, "text/csv");
  std::map<std::string, std::string> expected{{"source-system", "ERP"}, {"owner", "Ana"}};
  EXPECT_EQ(head->user_metadata, expected);
}

TEST_F(LocalObjectStoreTest, OverwriteReplacesTheObjectWithANewVersion) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Result<ObjectInfo> first = store_->PutString("data", "k", "one");
  Result<ObjectInfo> second = store_->PutString("data", "k", "one");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->etag, second->etag);
  EXPECT_NE(first->version, second->version);
  Put("data", "k", "three");
  EXPECT_EQ(Get("data", "k"), "three");
}

TEST_F(LocalObjectStoreTest, MissingKeyIsNoSuchKeyNamingBucketAndKey) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Put("data", "a/b", "x");
  Status expected(StatusCode::kNotFound, "NoSuchKey",
                  "The specified key does not exist: s3://data/a/c");
  EXPECT_EQ(store_->Head("data", "a/c").status(), expected);
  EXPECT_EQ(store_->Get("data", "a/c", std::nullopt).status(), expected);
  // A key naming a directory of other keys is not an object.
  EXPECT_EQ(store_->Head("data", "a").status().name(), "NoSuchKey");
  EXPECT_EQ(store_->Head("data", "a/b/c").status().name(), "NoSuchKey");
}

TEST_F(LocalObjectStoreTest, InvalidKeysAreRejectedByEveryOperation) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  std::string long_key(1025, 'k');
  EXPECT_EQ(store_->PutString("data", long_key, "x").status().name(), "KeyTooLongError");
  EXPECT_EQ(store_->Head("data", long_key).status().name(), "KeyTooLongError");
  EXPECT_EQ(store_->PutString("data", "bad\xFF", "x").status().name(), "InvalidArgument");
  EXPECT_EQ(store_->PutString("data", "", "x").status().name(), "InvalidArgument");
}

TEST_F(LocalObjectStoreTest, RangeGetsServeTheRequestedBytes) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Put("data", "digits", "0123456789");
  EXPECT_EQ(Get("data", "digits", *ByteRange::Parse("bytes=0-4")), "01234");
  EXPECT_EQ(Get("data", "digits", *ByteRange::Parse("bytes=5-")), "56789");
  EXPECT_EQ(Get("data", "digits", *ByteRange::Parse("bytes=-3")), "789");
  EXPECT_EQ(Get("data", "digits", *ByteRange::Parse("bytes=8-20")), "89");
  Result<std::unique_ptr<ObjectReader>> r =
      store_->Get("data", "digits", *ByteRange::Parse("bytes=2-3"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->range_offset(), 2u);
  EXPECT_EQ((*r)->range_length(), 2u);
  EXPECT_EQ((*r)->info().size, 10u);
  Status out = store_->Get("data", "digits", *ByteRange::Parse("bytes=10-")).status();
  EXPECT_EQ(out.name(), "InvalidRange");
  EXPECT_EQ(out.message(),
            "s3://data/digits: The requested range is not satisfiable: bytes=10- for an object "
            "of 10 bytes");
}

TEST_F(LocalObjectStoreTest, CopyKeepsOrReplacesMetadata) {
  ASSERT_TRUE(store_->CreateBucket("src").ok());
  ASSERT_TRUE(store_->CreateBucket("dst").ok());
  PutOptions options;
  options.content_type = "text/plain";
  options.user_metadata = {{"color", "blue"}};
  ASSERT_TRUE(store_->PutString("src", "a/file", "payload", options).ok());

  Result<ObjectInfo> kept = store_->Copy("src", "a/file", "dst", "b/copy");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->content_type, "text/plain");
  EXPECT_EQ(kept->user_metadata, (std::map<std::string, std::string>{{"color", "blue"}}));
  EXPECT_EQ(kept->etag, "\"" + common::Md5Hex("payload") + "\"");
  EXPECT_EQ(Get("dst", "b/copy"), "payload");

  PutOptions replacement;
  replacement.user_metadata = {{"Shape", "round"}};
  Result<ObjectInfo> replaced = store_->Copy("src", "a/file", "dst", "c", replacement);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->content_type, "binary/octet-stream");
  EXPECT_EQ(replaced->user_metadata, (std::map<std::string, std::string>{{"shape", "round"}}));
  Result<ObjectInfo> head = store_->Head("dst", "c");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->user_metadata, (std::map<std::string, std::string>{{"shape", "round"}}));

  EXPECT_EQ(store_->Copy("src", "missing", "dst", "x").status().message(),
            "The specified key does not exist: s3://src/missing");
}

TEST_F(LocalObjectStoreTest, AReaderOpenedBeforeAnOverwriteOrDeleteReadsTheOldContent) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  std::string old_content(3 * 1024 * 1024 + 17, 'o');
  Put("data", "k", old_content);
  Result<std::unique_ptr<ObjectReader>> before_overwrite = store_->Get("data", "k", std::nullopt);
  ASSERT_TRUE(before_overwrite.ok());
  Put("data", "k", "new");
  Result<std::unique_ptr<ObjectReader>> before_delete = store_->Get("data", "k", std::nullopt);
  ASSERT_TRUE(before_delete.ok());
  ASSERT_TRUE(store_->Delete("data", "k").ok());
  EXPECT_EQ(ReadAll(**before_overwrite), old_content);
  EXPECT_EQ((*before_overwrite)->info().size, old_content.size());
  EXPECT_EQ(ReadAll(**before_delete), "new");
  EXPECT_EQ(store_->Head("data", "k").status().name(), "NoSuchKey");
}

TEST_F(LocalObjectStoreTest, AStagedObjectIsInvisibleUntilCommitAndDiscardedWithoutIt) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  std::string tmp_dir = root() + "/data/.sluice/tmp";
  {
    common::StringInputStream in("staged bytes");
    Result<std::unique_ptr<StagedObject>> staged = store_->Stage("data", "s", in, {});
    ASSERT_TRUE(staged.ok()) << staged.status();
    EXPECT_EQ((*staged)->info().etag, "\"" + common::Md5Hex("staged bytes") + "\"");
    EXPECT_EQ(std::distance(fs::directory_iterator(tmp_dir), fs::directory_iterator()), 1);
    EXPECT_EQ(store_->Head("data", "s").status().name(), "NoSuchKey");
    EXPECT_EQ(store_->List({.bucket = "data"})->key_count(), 0);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp_dir), fs::directory_iterator()), 0);
  EXPECT_EQ(store_->Head("data", "s").status().name(), "NoSuchKey");

  // Last-Modified is when the upload completed (Stage), not when it became visible.
  clock_.Set(common::Timestamp::FromMicros(kStart + 99));
  common::StringInputStream in("staged bytes");
  Result<std::unique_ptr<StagedObject>> staged = store_->Stage("data", "s", in, {});
  ASSERT_TRUE(staged.ok());
  EXPECT_EQ((*staged)->info().last_modified.micros, kStart + 99);
  clock_.Set(common::Timestamp::FromMicros(kStart + 500));
  Result<ObjectInfo> committed = (*staged)->Commit();
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->last_modified.micros, kStart + 99);
  EXPECT_EQ(Get("data", "s"), "staged bytes");
  EXPECT_EQ((*staged)->Commit().status().code(), StatusCode::kFailedPrecondition);
  staged->reset();
  EXPECT_EQ(Get("data", "s"), "staged bytes");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp_dir), fs::directory_iterator()), 0);
}

TEST_F(LocalObjectStoreTest, StaleTemporariesOfDeadProcessesAreRemovedAtOpen) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  std::string tmp_dir = root() + "/data/.sluice/tmp";
  // pid 0x3FFFFFFF is above any pid_max, so no process has it.
  std::ofstream(tmp_dir + "/1073741823-DEAD.tmp") << "partial";
  std::ofstream(tmp_dir + "/" + std::to_string(::getpid()) + "-LIVE.tmp") << "partial";
  Reopen(LocalObjectStore::Options{});
  EXPECT_FALSE(fs::exists(tmp_dir + "/1073741823-DEAD.tmp"));
  EXPECT_TRUE(fs::exists(tmp_dir + "/" + std::to_string(::getpid()) + "-LIVE.tmp"));
}

TEST_F(LocalObjectStoreTest, ATruncatedObjectFileIsCorruptionNamingThePath) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  Put("data", "broken", "some content here");
  std::string path = root() + "/data/broken~";
  ASSERT_TRUE(fs::exists(path));
  fs::resize_file(path, fs::file_size(path) - 5);
  Status st = store_->Head("data", "broken").status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_EQ(st.message(), "s3://data/broken: " + path +
                              ": object file does not end with the SLUICEO1 trailer magic");
  EXPECT_EQ(store_->Get("data", "broken", std::nullopt).status().code(), StatusCode::kCorruption);
  fs::resize_file(path, 3);
  EXPECT_EQ(store_->Head("data", "broken").status().message(),
            "s3://data/broken: " + path + ": object file is 3 bytes, too short for its trailer");
  // Listing skips it; deleting it still works, and the bucket is not empty until then.
  EXPECT_EQ(store_->List({.bucket = "data"})->key_count(), 0);
  EXPECT_EQ(store_->DeleteBucket("data").name(), "BucketNotEmpty");
  Result<std::optional<ObjectInfo>> del = store_->Delete("data", "broken");
  ASSERT_TRUE(del.ok()) << del.status();
  EXPECT_EQ((*del)->key, "broken");
  EXPECT_TRUE(store_->DeleteBucket("data").ok());
}

TEST_F(LocalObjectStoreTest, ObjectFileIsContentThenJsonTrailerThenFooter) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  clock_.Set(common::Timestamp::FromMicros(1234567));
  PutOptions options;
  options.user_metadata = {{"A", "b"}};
  ASSERT_TRUE(store_->PutString("data", "dir/x y.txt", "abc", options).ok());
  std::ifstream f(root() + "/data/dir/x y.txt~", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 15u);
  EXPECT_EQ(bytes.substr(0, 3), "abc");
  EXPECT_EQ(bytes.substr(bytes.size() - 8), "SLUICEO1");
  uint32_t len = 0;
  std::memcpy(&len, bytes.data() + bytes.size() - 12, 4);  // little-endian host
  ASSERT_EQ(len, bytes.size() - 15);
  Result<common::json::value> trailer = common::ParseJson(bytes.substr(3, len), "trailer");
  ASSERT_TRUE(trailer.ok()) << trailer.status();
  const common::json::object& o = trailer->as_object();
  EXPECT_EQ(o.at("key").as_string(), "dir/x y.txt");
  EXPECT_EQ(o.at("size").to_number<int64_t>(), 3);
  EXPECT_EQ(o.at("etag").as_string(), "\"900150983cd24fb0d6963f7d28e17f72\"");
  EXPECT_EQ(o.at("content_type").as_string(), "binary/octet-stream");
  EXPECT_EQ(o.at("last_modified").to_number<int64_t>(), 1234567);
  EXPECT_EQ(o.at("user_metadata").as_object().at("a").as_string(), "b");
  EXPECT_EQ(o.at("version").as_string().size(), 24u);
}

TEST_F(LocalObjectStoreTest, KeysMapToEscapedPathsAsDocumented) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  for (std::string_view key : {"a", "a/b", "a/", "../x", ".sluice/tmp/x", "50%/~#", "/"})
    Put("data", key, "v");
  std::string b = root() + "/data";
  EXPECT_TRUE(fs::is_regular_file(b + "/a~"));
  EXPECT_TRUE(fs::is_regular_file(b + "/a/b~"));
  EXPECT_TRUE(fs::is_regular_file(b + "/a/%~"));
  EXPECT_TRUE(fs::is_regular_file(b + "/%2E./x~"));
  EXPECT_TRUE(fs::is_regular_file(b + "/%2Esluice/tmp/x~"));
  EXPECT_TRUE(fs::is_regular_file(b + "/50%25/%7E%23~"));
  EXPECT_TRUE(fs::is_regular_file(b + "/%/%~"));
}

// ---------------------------------------------------------------------------------------
// Tricky keys

std::vector<std::string> TrickyKeys() {
  std::vector<std::string> keys = {
      "a/../b",
      "../../etc/passwd",
      "./x",
      "//",
      "a//b",
      "/leading",
      "trailing/",
      ".",
      "..",
      ".sluice/tmp/x",
      ".sluice",
      ".name",
      "with spaces/and more",
      "100%",
      "%2F",
      "a%2Fb",
      "a+b=c",
      "~",
      "a~",
      "a~/b~",
      "#",
      "x#y",
      "caf\xC3\xA9",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E/\xF0\x9F\x98\x80",
      "ctl\x01\x1F\x7F/tab\there",
      std::string("nul\0byte", 8),
      "a",
      "a/",
      "a/b",
      "A",
      "a.",
      "-",
      "_",
      "CON",
      "nul",
      "aux.txt",
      "\\back\\slash",
      "star*?<>|\":",
      "'quote'",
      "!@()[]{}^&$,;",
      std::string(1024, 'x'),
      std::string(1023, 'y') + "/",
      std::string(1000, '~') + "/z",
  };
  std::string emoji_key;
  while (emoji_key.size() + 4 <= kMaxKeyBytes) emoji_key += "\xF0\x9F\x98\x80";
  keys.push_back(emoji_key);
  std::string tiny;
  while (tiny.size() + 2 <= kMaxKeyBytes) tiny += "s/";
  keys.push_back(tiny);
  keys.push_back(std::string(kMaxKeyBytes, '/'));
  // Two long segments that share their first 200 bytes: distinct hashed names.
  keys.push_back(std::string(300, 'p') + "1/" + std::string(300, 'q') + "1");
  keys.push_back(std::string(300, 'p') + "2/" + std::string(300, 'q') + "2");
  keys.push_back(std::string(300, 'p') + "1/" + std::string(300, 'q') + "2");
  return keys;
}

TEST_F(LocalObjectStoreTest, TrickyKeysRoundTripByteExactInsideTheBucket) {
  ASSERT_TRUE(store_->CreateBucket("tricky").ok());
  std::vector<std::string> keys = TrickyKeys();
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    ASSERT_TRUE(ValidateKey(key).ok()) << i;
    PutOptions options;
    options.user_metadata = {{"i", std::to_string(i)}};
    Result<ObjectInfo> put =
        store_->PutString("tricky", key, "content #" + std::to_string(i), options);
    ASSERT_TRUE(put.ok()) << i << ": " << put.status();
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    EXPECT_EQ(Get("tricky", key), "content #" + std::to_string(i)) << i;
    Result<ObjectInfo> head = store_->Head("tricky", key);
    ASSERT_TRUE(head.ok()) << i << ": " << head.status();
    EXPECT_EQ(head->key, key);
    EXPECT_EQ(head->user_metadata.at("i"), std::to_string(i));
    // Listing with the key as prefix finds exactly the key first.
    Result<ListResult> listed = store_->List({.bucket = "tricky", .prefix = key, .max_keys = 1});
    ASSERT_TRUE(listed.ok()) << listed.status();
    ASSERT_EQ(listed->contents.size(), 1u) << i;
    EXPECT_EQ(listed->contents[0].key, key) << i;
    EXPECT_EQ(listed->contents[0].etag,
              "\"" + common::Md5Hex("content #" + std::to_string(i)) + "\"");
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ListAll({.bucket = "tricky", .max_keys = 5}, nullptr), sorted);
  ExpectEverythingInside("tricky");

  // Deleting every key leaves the bucket deletable: no stray files or directories.
  for (const std::string& key : keys) {
    Result<std::optional<ObjectInfo>> del = store_->Delete("tricky", key);
    ASSERT_TRUE(del.ok()) << del.status();
    ASSERT_TRUE(del->has_value()) << key;
    EXPECT_EQ((*del)->key, key);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(root() + "/tricky"), fs::directory_iterator()),
            1);  // only .sluice
  EXPECT_TRUE(store_->DeleteBucket("tricky").ok());
}

TEST_F(LocalObjectStoreTest, HashedDirectoryNamesAreRecoveredWithoutTheirNameFile) {
  ASSERT_TRUE(store_->CreateBucket("data").ok());
  std::string key = std::string(250, 'd') + "/obj";
  Put("data", key, "v");
  int removed = 0;
  for (const auto& e : fs::recursive_directory_iterator(root() + "/data")) {
    if (e.path().filename() == ".name") {
      fs::remove(e.path());
      ++removed;
      break;
    }
  }
  EXPECT_EQ(removed, 1);
  Result<ListResult> listed = store_->List({.bucket = "data"});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->contents.size(), 1u);
  EXPECT_EQ(listed->contents[0].key, key);
}

// ---------------------------------------------------------------------------------------
// Listing

class ListingTest : public LocalObjectStoreTest {
 protected:
  void SetUp() override {
    LocalObjectStoreTest::SetUp();
    ASSERT_TRUE(store_->CreateBucket("examplebucket").ok());
    for (std::string_view key :
         {"sample.jpg", "photos/2006/January/sample.jpg", "photos/2006/February/sample2.jpg",
          "photos/2006/February/sample3.jpg", "photos/2006/February/sample4.jpg"}) {
      Put("examplebucket", key, "jpg");
    }
  }

  static std::vector<std::string> Keys(const ListResult& r) {
    std::vector<std::string> out;
    for (const ObjectInfo& o : r.contents) out.push_back(o.key);
    return out;
  }
};

TEST_F(ListingTest, DelimiterGroupsKeysIntoCommonPrefixes) {
  Result<ListResult> r = store_->List({.bucket = "examplebucket", .delimiter = "/"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Keys(*r), Strings{"sample.jpg"});
  EXPECT_EQ(r->common_prefixes, Strings{"photos/"});
  EXPECT_FALSE(r->is_truncated);
  EXPECT_EQ(r->key_count(), 2);
  EXPECT_EQ(r->contents[0].size, 3u);
  EXPECT_EQ(r->contents[0].etag, "\"" + common::Md5Hex("jpg") + "\"");
  EXPECT_EQ(r->contents[0].last_modified.micros, kStart);
}

TEST_F(ListingTest, PrefixAndDelimiterListTheNextLevel) {
  Result<ListResult> r =
      store_->List({.bucket = "examplebucket", .prefix = "photos/2006/", .delimiter = "/"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Keys(*r), Strings{});
  EXPECT_EQ(r->common_prefixes, (Strings{"photos/2006/February/", "photos/2006/January/"}));
}

TEST_F(ListingTest, PrefixNotEndingInSlashMatchesPartialSegments) {
  Result<ListResult> r = store_->List({.bucket = "examplebucket", .prefix = "photos/2006/Feb"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Keys(*r),
            (Strings{"photos/2006/February/sample2.jpg", "photos/2006/February/sample3.jpg",
                     "photos/2006/February/sample4.jpg"}));
  Result<ListResult> s = store_->List({.bucket = "examplebucket", .prefix = "sam"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Keys(*s), Strings{"sample.jpg"});
  Result<ListResult> none = store_->List({.bucket = "examplebucket", .prefix = "zzz/"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->key_count(), 0);
}

TEST_F(ListingTest, StartAfterSkipsKeysUpToAndIncludingIt) {
  Result<ListResult> r =
      store_->List({.bucket = "examplebucket", .start_after = "photos/2006/February/sample3.jpg"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Keys(*r), (Strings{"photos/2006/February/sample4.jpg", "photos/2006/January/sample.jpg",
                               "sample.jpg"}));
}

TEST_F(ListingTest, MaxKeysPagesWithContinuationTokensAcrossCommonPrefixes) {
  ListRequest request{
      .bucket = "examplebucket", .prefix = "photos/2006/", .delimiter = "/", .max_keys = 1};
  Result<ListResult> first = store_->List(request);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->common_prefixes, Strings{"photos/2006/February/"});
  EXPECT_TRUE(first->is_truncated);
  request.continuation_token = first->next_continuation_token;
  Result<ListResult> second = store_->List(request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->common_prefixes, Strings{"photos/2006/January/"});
  EXPECT_FALSE(second->is_truncated);
  EXPECT_EQ(second->next_continuation_token, "");

  Strings prefixes;
  Strings keys = ListAll({.bucket = "examplebucket", .delimiter = "/", .max_keys = 1}, &prefixes);
  EXPECT_EQ(keys, Strings{"sample.jpg"});
  EXPECT_EQ(prefixes, Strings{"photos/"});

  Strings all = ListAll({.bucket = "examplebucket", .max_keys = 2}, nullptr);
  EXPECT_EQ(all, (Strings{"photos/2006/February/sample2.jpg", "photos/2006/February/sample3.jpg",
                          "photos/2006/February/sample4.jpg", "photos/2006/January/sample.jpg",
                          "sample.jpg"}));
}

TEST_F(ListingTest, ContinuationTokenWinsOverStartAfter) {
  Result<ListResult> first = store_->List({.bucket = "examplebucket", .max_keys = 4});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->is_truncated);
  Result<ListResult> second = store_->List({.bucket = "examplebucket",
                                            .start_after = "a",
                                            .continuation_token = first->next_continuation_token});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Keys(*second), Strings{"sample.jpg"});
}

TEST_F(ListingTest, MaxKeysZeroReturnsNothingAndIsNotTruncated) {
  Result<ListResult> r = store_->List({.bucket = "examplebucket", .max_keys = 0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->key_count(), 0);
  EXPECT_FALSE(r->is_truncated);
  Result<ListResult> capped = store_->List({.bucket = "examplebucket", .max_keys = 5000});
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->key_count(), 5);
  EXPECT_EQ(store_->List({.bucket = "examplebucket", .max_keys = -1}).status().name(),
            "InvalidArgument");
}

TEST_F(ListingTest, ABadContinuationTokenIsInvalidArgument) {
  Status st = store_->List({.bucket = "examplebucket", .continuation_token = "!!"}).status();
  EXPECT_EQ(st.name(), "InvalidArgument");
  EXPECT_EQ(st.message(),
            "The continuation token provided is incorrect: \"!!\" (listing s3://examplebucket)");
}

TEST_F(ListingTest, ANonSlashDelimiterGroupsOnItsOwnCharacters) {
  Result<ListResult> r = store_->List({.bucket = "examplebucket", .delimiter = "a"});
  ASSERT_TRUE(r.ok());
  // Up to and including the first 'a' of each key.
  EXPECT_EQ(r->common_prefixes, (Strings{"photos/2006/Februa", "photos/2006/Ja", "sa"}));
  EXPECT_EQ(Keys(*r), Strings{});
  Result<ListResult> p =
      store_->List({.bucket = "examplebucket", .prefix = "photos/2006/", .delimiter = "ua"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->common_prefixes, (Strings{"photos/2006/Februa", "photos/2006/Janua"}));
  Strings prefixes;
  Strings keys = ListAll({.bucket = "examplebucket", .delimiter = "2.", .max_keys = 1}, &prefixes);
  EXPECT_EQ(prefixes, Strings{"photos/2006/February/sample2."});
  EXPECT_EQ(keys, (Strings{"photos/2006/February/sample3.jpg", "photos/2006/February/sample4.jpg",
                           "photos/2006/January/sample.jpg", "sample.jpg"}));
}

TEST_F(LocalObjectStoreTest, TenThousandRandomKeysListInByteOrderAcrossPages) {
  Reopen(LocalObjectStore::Options{.fsync = false});  // test-only: no fsync
  ASSERT_TRUE(store_->CreateBucket("random").ok());
  const std::vector<std::string> alphabet = {
      "a",    "b",    "Z", "0", "/", "/", "/", ".",        "..",           "-",
      "_",    " ",    "%", "+", "~", "#", "=", "\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x98\x80",
      "\x01", "\x7F", "!", "*", ":"};
  std::mt19937 rng(20261127);
  std::set<std::string> keys;
  while (keys.size() < 10000) {
    std::string key;
    int len = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) key += alphabet[rng() % alphabet.size()];
    keys.insert(key);
  }
  for (const std::string& key : keys) {
    ASSERT_TRUE(store_->PutString("random", key, key).ok()) << key;
  }
  std::vector<std::string> expected(keys.begin(), keys.end());  // std::set: byte order
  EXPECT_EQ(ListAll({.bucket = "random", .max_keys = 1000}, nullptr), expected);
  EXPECT_EQ(ListAll({.bucket = "random", .max_keys = 7}, nullptr, /*odd_pages=*/150), expected);
  Strings prefixes;
  Strings top = ListAll({.bucket = "random", .delimiter = "/", .max_keys = 13}, &prefixes,
                        /*odd_pages=*/100);
  Strings expected_top;
  std::set<std::string> expected_prefixes;
  for (const std::string& key : keys) {
    size_t slash = key.find('/');
    if (slash == std::string::npos) {
      expected_top.push_back(key);
    } else {
      expected_prefixes.insert(key.substr(0, slash + 1));
    }
  }
  EXPECT_EQ(top, expected_top);
  EXPECT_EQ(prefixes, Strings(expected_prefixes.begin(), expected_prefixes.end()));
  for (const std::string& key : keys) {
    ASSERT_EQ(Get("random", key), key);
  }
  ExpectEverythingInside("random");
}

// An input stream of `size` pseudo-random bytes generated on the fly.
class GeneratedStream final : public common::InputStream {
 public:
  explicit GeneratedStream(uint64_t size) : remaining_(size) {}
  Result<size_t> Read(void* out, size_t size) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size, remaining_));
    auto* p = static_cast<unsigned char*>(out);
    for (size_t i = 0; i < n; ++i)
      p[i] = static_cast<unsigned char>((state_ = state_ * 1103515245 + 12345) >> 16);
    remaining_ -= n;
    return n;
  }

 private:
  uint64_t remaining_;
  uint32_t state_ = 1;
};

TEST_F(LocalObjectStoreTest, LargeObjectsStreamThroughBoundedMemory) {
  Reopen(LocalObjectStore::Options{.fsync = false});
  ASSERT_TRUE(store_->CreateBucket("big").ok());
  constexpr uint64_t kSize = 256ull * 1024 * 1024 + 3;
  struct rusage before;
  ::getrusage(RUSAGE_SELF, &before);
  GeneratedStream in(kSize);
  Result<ObjectInfo> put = store_->Put("big", "blob", in, {});
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->size, kSize);
  Result<std::unique_ptr<ObjectReader>> reader = store_->Get("big", "blob", std::nullopt);
  ASSERT_TRUE(reader.ok());
  std::vector<char> buf(1 << 20);
  common::Hasher md5(common::HashAlgorithm::kMd5);
  GeneratedStream expected(kSize);
  std::vector<char> expected_buf(1 << 20);
  uint64_t total = 0;
  bool same = true;
  for (;;) {
    Result<size_t> n = (*reader)->Read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    md5.Update(buf.data(), *n);
    ASSERT_TRUE(expected.Read(expected_buf.data(), *n).ok());
    same = same && std::memcmp(buf.data(), expected_buf.data(), *n) == 0;
    total += *n;
  }
  EXPECT_EQ(total, kSize);
  EXPECT_TRUE(same);
  EXPECT_EQ("\"" + md5.FinishHex() + "\"", put->etag);
  struct rusage after;
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024);  // KiB
}

}  // namespace
}  // namespace sluice::store
