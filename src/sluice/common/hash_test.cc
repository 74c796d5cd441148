#include "sluice/common/hash.h"

#include <gtest/gtest.h>

#include "sluice/common/ids.h"
#include "sluice/common/json.h"

namespace sluice::common {
namespace {

TEST(Hash, Md5AndSha256MatchKnownVectors) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashHex(HashAlgorithm::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Hash, IncrementalUpdatesEqualOneShot) {
  Hasher h(HashAlgorithm::kMd5);
  h.Update("The quick brown fox ");
  h.Update("jumps over the lazy dog");
  EXPECT_EQ(h.FinishHex(), "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(Ids, UuidsAreVersion4AndDistinct) {
  std::string a = NewUuid(), b = NewUuid();
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
  EXPECT_EQ(RandomHexId(8).size(), 16u);
  EXPECT_LT(NewSortableId().substr(0, 12), "ffffffffffff");
}

TEST(Json, ParseErrorsNameSourceLineAndColumn) {
  auto r = ParseJson("{\n  \"a\": 1,\n  \"b\": }", "config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("config.json:3:8: invalid JSON: ", 0), 0u)
      << r.status().message();
  EXPECT_FALSE(ParseJson("{} x", "t").ok());
}

TEST(Json, SerializedSizeEqualsTheLengthOfTheSerializedText) {
  for (const char* text : {R"({"a":[1,-2,true,false,null,"x\"y\n\u0001é"],"b":{"c":1.5},"d":18446744073709551615})",
                           "[]", "{}", R"("")", "0"}) {
    auto v = ParseJson(text, "t");
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(SerializedSize(*v), SerializeJson(*v).size()) << text;
  }
}

TEST(Json, DoublesPrintAsJavaAndJavaScriptDo) {
  EXPECT_EQ(SerializeJson(*ParseJson("[1.5, 0.1, 2.0, 1e21, 1.25e-7, -0.0, 3]", "t")),
            "[1.5,0.1,2.0,1.0E21,1.25E-7,-0.0,3]");
}

TEST(Json, TypedAccessNamesThePathAndExpectedType) {
  auto v = *ParseJson(R"({"name":"x","size":"big"})", "t");
  EXPECT_EQ(*RequiredString(v.as_object(), "name", "$"), "x");
  EXPECT_EQ(RequiredString(v.as_object(), "missing", "$").status().message(),
            "$: missing required field 'missing'");
  EXPECT_EQ(OptionalInt(v.as_object(), "size", "$").status().message(),
            "$.size: expected an integer, got string");
  EXPECT_EQ(SerializeJson(v), R"({"name":"x","size":"big"})");
  EXPECT_EQ(JsonQuote("a\"b\n"), R"("a\"b\n")");
}

}  // namespace
}  // namespace sluice::common
