#include "sluice/asl/json_path.h"

#include <gtest/gtest.h>

#include "sluice/asl/errors.h"

namespace sluice::asl {
namespace {

json::value J(std::string_view text) { return common::ParseJson(text, "test").value(); }

JsonPath P(std::string_view text) {
  auto p = JsonPath::Parse(text);
  EXPECT_TRUE(p.ok()) << p.status();
  return std::move(p).value();
}

// Evaluates `path` on `doc` and returns the compact JSON, or the error as "name: cause".
std::string Eval(std::string_view path, std::string_view doc) {
  auto r = P(path).Evaluate(J(doc), "Parameters");
  if (!r.ok()) return r.status().ToString();
  return common::SerializeJson(*r);
}

const char* kStore = R"({
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick",
       "isbn": "0-553", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "LOTR",
       "isbn": "0-395", "price": 22}
    ],
    "bicycle": {"color": "red", "price": 19}
  }
})";

TEST(JsonPathParse, RejectsMalformedPathsNamingThePosition) {
  EXPECT_EQ(JsonPath::Parse("$.a[").status().message(),
            "invalid JSONPath '$.a[': unterminated '[' at offset 3");
  EXPECT_EQ(JsonPath::Parse("a.b").status().message(),
            "invalid JSONPath 'a.b': a path must start with '$' at offset 0");
  EXPECT_EQ(JsonPath::Parse("").status().message(),
            "invalid JSONPath '': a path must start with '$' at offset 0");
  EXPECT_EQ(JsonPath::Parse("$.").status().message(),
            "invalid JSONPath '$.': expected a name after '.' at offset 2");
  EXPECT_EQ(JsonPath::Parse("$[1:2:0]").status().message(),
            "invalid JSONPath '$[1:2:0]': slice step must not be 0 at offset 6");
  EXPECT_EQ(JsonPath::Parse("$['a").status().message(),
            "invalid JSONPath '$['a': unterminated string at offset 2");
  EXPECT_EQ(JsonPath::Parse("$[?(@.a > )]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JsonPath::Parse("$[?(@.a > 1]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JsonPath::Parse("$-x").status().message(),
            "invalid JSONPath '$-x': unexpected '-' after the root at offset 1");
  EXPECT_EQ(JsonPath::Parse("$[abc]").status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonPathParse, RecognisesTheThreeRoots) {
  EXPECT_EQ(P("$.a").root(), JsonPath::Root::kInput);
  EXPECT_EQ(P("$$.Execution.Id").root(), JsonPath::Root::kContext);
  JsonPath var = P("$order_1.id");
  EXPECT_EQ(var.root(), JsonPath::Root::kVariable);
  EXPECT_EQ(var.variable(), "order_1");
  EXPECT_EQ(var.text(), "$order_1.id");
  EXPECT_TRUE(P("$").is_root_only());
  EXPECT_TRUE(P("$$").is_root_only());
  EXPECT_TRUE(P("$x").is_root_only());
  EXPECT_FALSE(P("$.a").is_root_only());
}

TEST(JsonPathParse, ReferencePathsHaveOnlyNamesAndNonNegativeIndexes) {
  EXPECT_TRUE(P("$").is_reference());
  EXPECT_TRUE(P("$.a.b[0]['c d']").is_reference());
  EXPECT_FALSE(P("$.a[-1]").is_reference());
  EXPECT_FALSE(P("$.a[*]").is_reference());
  EXPECT_FALSE(P("$.a.*").is_reference());
  EXPECT_FALSE(P("$..a").is_reference());
  EXPECT_FALSE(P("$.a[0:2]").is_reference());
  EXPECT_FALSE(P("$.a[0,1]").is_reference());
  EXPECT_FALSE(P("$.a[?(@.b)]").is_reference());
}

TEST(JsonPath, DefinitePathsReturnTheNodeItself) {
  EXPECT_EQ(Eval("$", R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(Eval("$.store.bicycle.color", kStore), R"("red")");
  EXPECT_EQ(Eval("$.store.book[1].author", kStore), R"("Evelyn Waugh")");
  EXPECT_EQ(Eval("$.store.book[-1].title", kStore), R"("LOTR")");
  EXPECT_EQ(Eval("$['store']['bicycle'][\"price\"]", kStore), "19");
  EXPECT_EQ(Eval("$['a b']", R"({"a b":true})"), "true");
  EXPECT_EQ(Eval("$['it\\'s']", R"({"it's":1})"), "1");
  EXPECT_EQ(Eval("$.a-b.c:d", R"({"a-b":{"c:d":2}})"), "2");
  EXPECT_EQ(Eval("$[1]", R"([10,20])"), "20");
}

TEST(JsonPath, MissingDefinitePathIsStatesRuntimeWithAwsCause) {
  EXPECT_EQ(Eval("$.x", R"({"other": 1})"),
            "States.Runtime: The JSONPath '$.x' specified for the field 'Parameters' could not "
            "be found in the input '{\"other\":1}'");
  EXPECT_EQ(Eval("$.a[5]", R"({"a":[1]})"),
            "States.Runtime: The JSONPath '$.a[5]' specified for the field 'Parameters' could "
            "not be found in the input '{\"a\":[1]}'");
  auto r = P("$.a.b").Evaluate(J(R"({"a":"s"})"), "InputPath");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().name(), kStatesRuntime);
  EXPECT_TRUE(IsStatesError(r.status()));
}

TEST(JsonPath, FindReturnsNullWithoutError) {
  json::value doc = J(R"({"a":{"b":[1,2]}})");
  ASSERT_NE(P("$.a.b[1]").Find(doc), nullptr);
  EXPECT_EQ(*P("$.a.b[1]").Find(doc), json::value(2));
  EXPECT_EQ(P("$.a.c").Find(doc), nullptr);
  // Find points into the document: no copy.
  EXPECT_EQ(P("$.a").Find(doc), doc.get_object().if_contains("a"));
}

TEST(JsonPath, IndefinitePathsReturnArraysInDocumentOrder) {
  EXPECT_EQ(Eval("$.store.book[*].author", kStore),
            R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
  EXPECT_EQ(Eval("$.store.bicycle.*", kStore), R"(["red",19])");
  EXPECT_EQ(Eval("$.store.book[0,2].title", kStore), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.bicycle['color','price']", kStore), R"(["red",19])");
  EXPECT_EQ(Eval("$.missing[*]", kStore), "[]");
  EXPECT_EQ(Eval("$.store.book[*].isbn", kStore), R"(["0-553","0-395"])");
}

TEST(JsonPath, SlicesFollowPythonSemantics) {
  const char* a = "[0,1,2,3,4,5]";
  EXPECT_EQ(Eval("$[1:3]", a), "[1,2]");
  EXPECT_EQ(Eval("$[:2]", a), "[0,1]");
  EXPECT_EQ(Eval("$[-2:]", a), "[4,5]");
  EXPECT_EQ(Eval("$[::2]", a), "[0,2,4]");
  EXPECT_EQ(Eval("$[1::2]", a), "[1,3,5]");
  EXPECT_EQ(Eval("$[::-1]", a), "[5,4,3,2,1,0]");
  EXPECT_EQ(Eval("$[4:1:-2]", a), "[4,2]");
  EXPECT_EQ(Eval("$[3:100]", a), "[3,4,5]");
  EXPECT_EQ(Eval("$[5:1]", a), "[]");
  EXPECT_EQ(Eval("$.vals[3:]", R"({"vals":[0,10,20,30,40,50]})"), "[30,40,50]");
}

TEST(JsonPath, RecursiveDescentVisitsParentsBeforeChildren) {
  EXPECT_EQ(Eval("$..author", kStore),
            R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])");
  EXPECT_EQ(Eval("$..price", kStore), R"([8.95,12,8.99,22,19])");
  EXPECT_EQ(Eval("$..*", R"({"a":{"b":1},"c":2})"), R"([{"b":1},2,1])");
  EXPECT_EQ(Eval("$..[0]", R"({"a":[1,[2,3]]})"), R"([1,2])");
  EXPECT_EQ(Eval("$..a", R"({"a":{"a":1}})"), R"([{"a":1},1])");
}

TEST(JsonPath, FiltersSelectArrayElements) {
  EXPECT_EQ(Eval("$.store.book[?(@.price < 10)].title", kStore), R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$.store.book[?(@.isbn)].title", kStore), R"(["Moby Dick","LOTR"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category == 'fiction' && @.price > 20)].title", kStore),
            R"(["LOTR"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price == 12 || @.author == \"Nigel Rees\")].title", kStore),
            R"(["Sayings","Sword"])");
  EXPECT_EQ(Eval("$.store.book[?(@.category != 'fiction')].title", kStore), R"(["Sayings"])");
  EXPECT_EQ(Eval("$.store.book[?(@.price >= 12 && @.price <= 19)].price", kStore), "[12]");
  EXPECT_EQ(Eval("$.store.book[?(!(@.price > 10))].title", kStore),
            R"(["Sayings","Moby Dick"])");
  EXPECT_EQ(Eval("$[?(@ > 1)]", "[1,2,3]"), "[2,3]");
  EXPECT_EQ(Eval("$[?(@.a.b == true)].id", R"([{"id":1,"a":{"b":true}},{"id":2,"a":{"b":1}}])"),
            "[1]");
  EXPECT_EQ(Eval("$[?(@.v == null)].id", R"([{"id":1,"v":null},{"id":2,"v":0},{"id":3}])"),
            "[1]");
  EXPECT_EQ(Eval("$[?(@.n > $.min)]", R"([{"n":1},{"n":5}])"), "[]");
  EXPECT_EQ(Eval("$.items[?(@.n > $.min)].n", R"({"min":2,"items":[{"n":1},{"n":5}]})"), "[5]");
  EXPECT_EQ(Eval("$[?(@.x > 100)]", R"([{"x":1}])"), "[]");
}

TEST(JsonPath, NumbersCompareByValueAcrossIntegerAndDouble) {
  EXPECT_EQ(Eval("$[?(@ == 1)]", "[1, 1.0, 1.5, true, \"1\"]"), "[1,1.0]");
  EXPECT_EQ(Eval("$[?(@ > 1.2)]", "[1, 2, 1.5]"), "[2,1.5]");
  EXPECT_EQ(Eval("$[?(@ < 'b')]", R"(["a","c",1])"), R"(["a"])");
}

TEST(JsonPath, VariableAndContextPathsEvaluateAgainstTheGivenDocument) {
  json::value ctx = J(R"({"Execution":{"Id":"arn:x"}})");
  auto r = P("$$.Execution.Id").Evaluate(ctx, "f");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, json::value("arn:x"));
  auto v = P("$order.items[0]").Evaluate(J(R"({"items":["a"]})"), "f");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, json::value("a"));
}

TEST(JsonPathAssign, RootReplacesTheDocument) {
  json::value doc = J(R"({"a":1})");
  ASSERT_TRUE(P("$").Assign(doc, json::value(7)).ok());
  EXPECT_EQ(doc, json::value(7));
}

TEST(JsonPathAssign, OverwritesAndCreatesNestedObjects) {
  json::value doc = J(R"({"master":{"detail":[1,2,3]}})");
  ASSERT_TRUE(P("$.master.result.sum").Assign(doc, json::value(6)).ok());
  EXPECT_EQ(common::SerializeJson(doc), R"({"master":{"detail":[1,2,3],"result":{"sum":6}}})");
  ASSERT_TRUE(P("$.master.detail").Assign(doc, json::value(6)).ok());
  EXPECT_EQ(common::SerializeJson(doc), R"({"master":{"detail":6,"result":{"sum":6}}})");
  json::value doc2 = J(R"({"a":1})");
  ASSERT_TRUE(P("$.b.greeting").Assign(doc2, json::value("Hi!")).ok());
  EXPECT_EQ(common::SerializeJson(doc2), R"({"a":1,"b":{"greeting":"Hi!"}})");
}

TEST(JsonPathAssign, WritesIntoExistingArrayElements) {
  json::value doc = J(R"({"a":[{"x":1},{"x":2}]})");
  ASSERT_TRUE(P("$.a[1].y").Assign(doc, json::value(true)).ok());
  EXPECT_EQ(common::SerializeJson(doc), R"({"a":[{"x":1},{"x":2,"y":true}]})");
}

TEST(JsonPathAssign, FailsOnNonObjectsWithResultPathMatchFailure) {
  json::value doc = json::value("foo");
  Status st = P("$.x").Assign(doc, json::value(1));
  EXPECT_EQ(st.name(), kStatesResultPathMatchFailure);
  EXPECT_EQ(st.message(), R"(Unable to apply ResultPath "$.x" to input ""foo"")");

  json::value doc2 = J(R"({"a":"s"})");
  st = P("$.a.b.c").Assign(doc2, json::value(1));
  EXPECT_EQ(st.message(), R"(Unable to apply ResultPath "$.a.b.c" to input "{"a":"s"}")");
  EXPECT_EQ(common::SerializeJson(doc2), R"({"a":"s"})");

  json::value doc3 = J(R"({"a":[1]})");
  st = P("$.a[3]").Assign(doc3, json::value(1));
  EXPECT_EQ(st.message(), R"(Unable to apply ResultPath "$.a[3]" to input "{"a":[1]}")");
  st = P("$.a.b").Assign(doc3, json::value(1));
  EXPECT_EQ(st.name(), kStatesResultPathMatchFailure);
  // A missing object cannot be indexed into; nothing is created on failure.
  st = P("$.n.m[0]").Assign(doc3, json::value(1));
  EXPECT_EQ(st.name(), kStatesResultPathMatchFailure);
  EXPECT_EQ(common::SerializeJson(doc3), R"({"a":[1]})");
}

}  // namespace
}  // namespace sluice::asl
