#include "sluice/tasks/dynamodb_expressions.h"

#include <gtest/gtest.h>

#include "sluice/tasks/dynamodb_values.h"

namespace sluice::tasks::dynamodb {
namespace {

json::object Parse(std::string_view text) {
  auto v = common::ParseJson(text, "test");
  EXPECT_TRUE(v.ok()) << v.status();
  return v->as_object();
}

// Evaluates `condition` over `item` with the given names and values.
Result<bool> Eval(std::string_view condition, std::string_view item, std::string_view values = "{}",
                  std::string_view names = "{}") {
  json::object n = Parse(names), v = Parse(values), i = Parse(item);
  ExpressionAttributes attrs;
  attrs.names = &n;
  attrs.values = &v;
  SLUICE_ASSIGN_OR_RETURN(Condition c, ParseCondition(condition, "ConditionExpression", attrs));
  SLUICE_RETURN_IF_ERROR(attrs.CheckAllUsed());
  return EvaluateCondition(c, i);
}

std::string Update(std::string_view update, std::string_view item, std::string_view values = "{}",
                   std::string_view names = "{}") {
  json::object n = Parse(names), v = Parse(values), i = Parse(item);
  ExpressionAttributes attrs;
  attrs.names = &n;
  attrs.values = &v;
  auto u = ParseUpdate(update, attrs);
  if (!u.ok()) return "error: " + u.status().message();
  auto out = ApplyUpdate(*u, i);
  if (!out.ok()) return "error: " + out.status().message();
  return common::SerializeJson(*out);
}

std::string ErrorOf(const Result<bool>& r) { return r.ok() ? "ok" : r.status().message(); }

constexpr std::string_view kOrder = R"({"id":{"S":"o-1"},"qty":{"N":"3"},"price":{"N":"12.5"},
  "country":{"S":"DE"},"tags":{"SS":["new","vip"]},"parts":{"L":[{"S":"a"},{"N":"2"}]},
  "addr":{"M":{"city":{"S":"Berlin"},"zip":{"S":"10115"}}},"paid":{"BOOL":true},"note":{"NULL":true}})";

TEST(DynamoDbCondition, ComparisonsFollowTypesAndMissingAttributesAreFalse) {
  EXPECT_TRUE(*Eval("qty = :three", kOrder, R"({":three":{"N":"3.0"}})"));
  EXPECT_FALSE(*Eval("qty = :three", kOrder, R"({":three":{"S":"3"}})"));
  EXPECT_TRUE(*Eval("qty <> :three", kOrder, R"({":three":{"S":"3"}})"));
  EXPECT_TRUE(*Eval("price > :p", kOrder, R"({":p":{"N":"12.49"}})"));
  EXPECT_TRUE(*Eval("price <= :p", kOrder, R"({":p":{"N":"12.5"}})"));
  EXPECT_FALSE(*Eval("price < :p", kOrder, R"({":p":{"S":"z"}})"));
  EXPECT_TRUE(*Eval("country < :c", kOrder, R"({":c":{"S":"FR"}})"));
  EXPECT_FALSE(*Eval("absent = :c", kOrder, R"({":c":{"S":"FR"}})"));
  EXPECT_TRUE(*Eval("absent <> :c", kOrder, R"({":c":{"S":"FR"}})"));
  EXPECT_FALSE(*Eval("absent < :c", kOrder, R"({":c":{"S":"FR"}})"));
  EXPECT_TRUE(*Eval("addr.city = :c", kOrder, R"({":c":{"S":"Berlin"}})"));
  EXPECT_TRUE(*Eval("parts[1] = :two", kOrder, R"({":two":{"N":"2"}})"));
  EXPECT_TRUE(*Eval("tags = :t", kOrder, R"({":t":{"SS":["vip","new"]}})"));
}

TEST(DynamoDbCondition, FunctionsBetweenInAndBooleanLogic) {
  EXPECT_TRUE(*Eval("attribute_exists(id) AND attribute_not_exists(shipped)", kOrder));
  EXPECT_TRUE(*Eval("attribute_exists(addr.zip)", kOrder));
  EXPECT_FALSE(*Eval("attribute_exists(parts[5])", kOrder));
  EXPECT_TRUE(*Eval("attribute_type(tags, :ss)", kOrder, R"({":ss":{"S":"SS"}})"));
  EXPECT_TRUE(*Eval("attribute_type(#n, :null)", kOrder, R"({":null":{"S":"NULL"}})", R"({"#n":"note"})"));
  EXPECT_TRUE(*Eval("begins_with(addr.zip, :p)", kOrder, R"({":p":{"S":"101"}})"));
  EXPECT_TRUE(*Eval("contains(tags, :v)", kOrder, R"({":v":{"S":"vip"}})"));
  EXPECT_TRUE(*Eval("contains(country, :v)", kOrder, R"({":v":{"S":"E"}})"));
  EXPECT_TRUE(*Eval("contains(parts, :v)", kOrder, R"({":v":{"N":"2"}})"));
  EXPECT_TRUE(*Eval("size(parts) = :two AND size(country) = :two", kOrder, R"({":two":{"N":"2"}})"));
  EXPECT_TRUE(*Eval("size(addr) BETWEEN :one AND :two", kOrder, R"({":one":{"N":"1"},":two":{"N":"2"}})"));
  EXPECT_TRUE(*Eval("qty BETWEEN :lo AND :hi", kOrder, R"({":lo":{"N":"3"},":hi":{"N":"10"}})"));
  EXPECT_TRUE(*Eval("country IN (:a, :b)", kOrder, R"({":a":{"S":"FR"},":b":{"S":"DE"}})"));
  EXPECT_FALSE(*Eval("NOT country IN (:a, :b)", kOrder, R"({":a":{"S":"FR"},":b":{"S":"DE"}})"));
  // AND binds tighter than OR; parentheses regroup; keywords are case-insensitive.
  EXPECT_TRUE(*Eval("attribute_exists(x) and attribute_exists(y) or attribute_exists(id)", kOrder));
  EXPECT_FALSE(*Eval("attribute_exists(x) AND (attribute_exists(y) OR attribute_exists(id))", kOrder));
  EXPECT_TRUE(*Eval("NOT (attribute_exists(x) OR attribute_exists(y))", kOrder));
}

TEST(DynamoDbCondition, ErrorsUseDynamoDbMessages) {
  EXPECT_EQ(ErrorOf(Eval("status = :s", kOrder, R"({":s":{"S":"x"}})")),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(ErrorOf(Eval("#s = :s", kOrder, R"({":s":{"S":"x"}})")),
            "Invalid ConditionExpression: An expression attribute name used in the document path is not "
            "defined; attribute name: #s");
  EXPECT_EQ(ErrorOf(Eval("qty = :nope", kOrder)),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :nope");
  EXPECT_EQ(ErrorOf(Eval("qty = = :v", kOrder, R"({":v":{"N":"1"}})")),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\"");
  EXPECT_EQ(ErrorOf(Eval("attribute_exists(qty", kOrder)),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"qty\"");
  EXPECT_EQ(ErrorOf(Eval("attribute_exists(qty)", kOrder, R"({":unused":{"N":"1"}})")),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}");
  EXPECT_EQ(ErrorOf(Eval("attribute_exists(qty)", kOrder, "{}", R"({"#x":"x"})")),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}");
  EXPECT_EQ(ErrorOf(Eval("exists(qty)", kOrder)), "Invalid ConditionExpression: Invalid function name; function: exists");
  EXPECT_EQ(ErrorOf(Eval("attribute_exists(:v)", kOrder, R"({":v":{"N":"1"}})")),
            "Invalid ConditionExpression: Operator or function requires a document path; operator or "
            "function: attribute_exists");
  EXPECT_EQ(ErrorOf(Eval("qty < :b", kOrder, R"({":b":{"BOOL":true}})")),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
            "function: <, operand type: BOOLEAN");
  EXPECT_EQ(ErrorOf(Eval("attribute_type(qty, :t)", kOrder, R"({":t":{"S":"NUMBER"}})")),
            "Invalid ConditionExpression: Invalid attribute type name found; type: NUMBER, valid types: "
            "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(ErrorOf(Eval("qty BETWEEN :hi AND :lo", kOrder, R"({":lo":{"N":"1"},":hi":{"N":"5"}})")),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
            "equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: "
            "AttributeValue: {N:1}");
  EXPECT_EQ(ErrorOf(Eval("", kOrder)), "Invalid ConditionExpression: The expression can not be empty;");
}

TEST(DynamoDbUpdate, SetWithArithmeticIfNotExistsAndListAppend) {
  EXPECT_EQ(Update("SET qty = qty + :one, price = :p - price", R"({"qty":{"N":"3"},"price":{"N":"2.5"}})",
                   R"({":one":{"N":"1"},":p":{"N":"10"}})"),
            R"({"qty":{"N":"4"},"price":{"N":"7.5"}})");
  EXPECT_EQ(Update("SET visits = if_not_exists(visits, :zero) + :one", R"({})",
                   R"({":zero":{"N":"0"},":one":{"N":"1"}})"),
            R"({"visits":{"N":"1"}})");
  EXPECT_EQ(Update("SET l = list_append(l, :more), #m.k = :v", R"({"l":{"L":[{"N":"1"}]},"m":{"M":{}}})",
                   R"({":more":{"L":[{"N":"2"}]},":v":{"S":"x"}})", R"({"#m":"m"})"),
            R"({"l":{"L":[{"N":"1"},{"N":"2"}]},"m":{"M":{"k":{"S":"x"}}}})");
  // Every right-hand side reads the item as it was.
  EXPECT_EQ(Update("SET a = b, b = a", R"({"a":{"N":"1"},"b":{"N":"2"}})"),
            R"({"a":{"N":"2"},"b":{"N":"1"}})");
  // An index past the end appends.
  EXPECT_EQ(Update("SET l[9] = :v", R"({"l":{"L":[{"N":"1"}]}})", R"({":v":{"N":"2"}})"),
            R"({"l":{"L":[{"N":"1"},{"N":"2"}]}})");
  EXPECT_EQ(Update("SET n = n + :one", R"({"n":{"N":"99999999999999999999999999999999999999"}})",
                   R"({":one":{"N":"1"}})"),
            R"({"n":{"N":"100000000000000000000000000000000000000"}})");
  EXPECT_EQ(Update("SET n = n + :tenth", R"({"n":{"N":"12345678901234567890123456789012345678"}})",
                   R"({":tenth":{"N":"0.1"}})"),
            "error: Attempting to store more than 38 significant digits in a Number");
}

TEST(DynamoDbUpdate, RemoveAddAndDelete) {
  EXPECT_EQ(Update("REMOVE a, l[0], l[2]", R"({"a":{"N":"1"},"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"}]}})"),
            R"({"l":{"L":[{"N":"1"}]}})");
  EXPECT_EQ(Update("ADD n :five, s :more", R"({"n":{"N":"1.5"},"s":{"SS":["a"]}})",
                   R"({":five":{"N":"5"},":more":{"SS":["a","b"]}})"),
            R"({"n":{"N":"6.5"},"s":{"SS":["a","b"]}})");
  EXPECT_EQ(Update("ADD fresh :five", R"({})", R"({":five":{"N":"5"}})"), R"({"fresh":{"N":"5"}})");
  EXPECT_EQ(Update("DELETE s :gone", R"({"s":{"NS":["1","2"]}})", R"({":gone":{"NS":["2.0"]}})"),
            R"({"s":{"NS":["1"]}})");
  EXPECT_EQ(Update("DELETE s :all", R"({"s":{"SS":["a"]}})", R"({":all":{"SS":["a"]}})"), R"({})");
  EXPECT_EQ(Update("SET a = :v REMOVE b ADD c :n", R"({"b":{"N":"1"}})", R"({":v":{"S":"x"},":n":{"N":"1"}})"),
            R"({"a":{"S":"x"},"c":{"N":"1"}})");
}

TEST(DynamoDbUpdate, ErrorsUseDynamoDbMessages) {
  EXPECT_EQ(Update("SET a = b + :one", R"({"b":{"S":"x"}})", R"({":one":{"N":"1"}})"),
            "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Update("SET a = absent", R"({})"),
            "error: The provided expression refers to an attribute that does not exist in the item");
  EXPECT_EQ(Update("SET m.x.y = :v", R"({"m":{"M":{}}})", R"({":v":{"N":"1"}})"),
            "error: The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Update("ADD s :v", R"({})", R"({":v":{"S":"x"}})"),
            "error: Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
            "ADD, operand type: STRING");
  EXPECT_EQ(Update("SET a = :v, a.b = :v", R"({})", R"({":v":{"N":"1"}})"),
            "error: Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(Update("SET a = :v SET b = :v", R"({})", R"({":v":{"N":"1"}})"),
            "error: Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Update("SET a = size(b)", R"({})"),
            "error: Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: size");
}

TEST(DynamoDbProjection, KeepsNestingAndCompactsListElements) {
  json::object item = Parse(kOrder);
  ExpressionAttributes attrs;
  auto paths = ParseProjection("id, addr.city, parts[1], nope", attrs);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_EQ(common::SerializeJson(Project(item, *paths)),
            R"({"addr":{"M":{"city":{"S":"Berlin"}}},"id":{"S":"o-1"},"parts":{"L":[{"N":"2"}]}})");
}

TEST(DynamoDbValues, NumbersAreCanonicalAndExact) {
  EXPECT_EQ(*NormalizeNumber("1.50"), "1.5");
  EXPECT_EQ(*NormalizeNumber("-0.0"), "0");
  EXPECT_EQ(*NormalizeNumber("1E+2"), "100");
  EXPECT_EQ(*NormalizeNumber("0012.340e-3"), "0.01234");
  EXPECT_EQ(NormalizeNumber("abc").status().message(), "The parameter cannot be converted to a numeric value: abc");
  EXPECT_EQ(*AddNumbers("0.1", "0.2"), "0.3");
  EXPECT_EQ(*SubtractNumbers("1", "1.25"), "-0.25");
  EXPECT_LT(CompareNumbers("-10", "2"), 0);
  EXPECT_EQ(CompareNumbers("2.0", "2"), 0);
  EXPECT_GT(CompareNumbers("10", "9.99"), 0);
}

TEST(DynamoDbValues, SetsAndKeysAreValidatedWithDynamoDbMessages) {
  auto dup = NormalizeValue(json::value{{"SS", json::array{"a", "a"}}}, "tags");
  EXPECT_EQ(dup.status().message(), "One or more parameter values were invalid: Input collection [a, a] contains duplicates.");
  auto empty = NormalizeValue(json::value{{"NS", json::array{}}}, "ns");
  EXPECT_EQ(empty.status().message(), "One or more parameter values were invalid: An number set  may not be empty");
  auto key = NormalizeValue(json::value{{"S", ""}}, "pk", true);
  EXPECT_EQ(key.status().message(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
            "contain an empty string value. Key: pk");
  auto ns = NormalizeValue(json::value{{"NS", json::array{"1.0", "2"}}}, "ns");
  EXPECT_EQ(common::SerializeJson(*ns), R"({"NS":["1","2"]})");
}

}  // namespace
}  // namespace sluice::tasks::dynamodb
