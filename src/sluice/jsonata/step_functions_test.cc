// The Step Functions dialect: $hash test vectors, seeded $random determinism (the
// java.util.Random sequence), $uuid's format, $partition, $range, $parse, and no $eval.

#include "sluice/jsonata/step_functions.h"

#include <gtest/gtest.h>

#include <regex>

#include "sluice/jsonata/jsonata.h"

namespace sluice::jsonata {
namespace {

Result<Value> Evaluate(std::string_view expr, const Bindings& bindings = {}) {
  SLUICE_ASSIGN_OR_RETURN(Expression e, Expression::Compile(expr, StepFunctionsRegistry()));
  return e.Evaluate(Value(), bindings);
}

std::string Text(std::string_view expr) {
  Result<Value> r = Evaluate(expr);
  if (!r.ok()) return "error " + std::string(r.status().name());
  return r->is_undefined() ? "undefined" : ToJsonText(*r);
}

TEST(StepFunctionsJsonata, HashMatchesTheStandardTestVectors) {
  EXPECT_EQ(Text("$hash('abc', 'MD5')"), "\"900150983cd24fb0d6963f7d28e17f72\"");
  EXPECT_EQ(Text("$hash('abc', 'SHA-1')"), "\"a9993e364706816aba3e25717850c26c9cd0d89d\"");
  EXPECT_EQ(Text("$hash('abc', 'SHA-256')"),
            "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"");
  EXPECT_EQ(Text("$hash('abc', 'SHA-384')"),
            "\"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358b"
            "aeca134c825a7\"");
  EXPECT_EQ(Text("$hash('abc', 'SHA-512')"),
            "\"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836b"
            "a3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f\"");
  EXPECT_EQ(Text("$hash('', 'SHA-256')"),
            "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"");
}

TEST(StepFunctionsJsonata, HashRejectsAnUnknownAlgorithm) {
  Result<Value> r = Evaluate("$hash('abc', 'SHA-3')");
  ASSERT_FALSE(r.ok());
  ErrorInfo info = ErrorInfoFromStatus(r.status());
  EXPECT_EQ(info.code, "D3160");
  EXPECT_EQ(info.message,
            "$hash: unsupported algorithm 'SHA-3' (MD5, SHA-1, SHA-256, SHA-384 or SHA-512)");
  EXPECT_EQ(info.position, 6);  // just after the call's "("
}

TEST(StepFunctionsJsonata, SeededRandomIsJavaUtilRandomNextDouble) {
  // new java.util.Random(42).nextDouble() and new Random(0).nextDouble().
  EXPECT_EQ(Text("$random(42)"), "0.7275636800328681");
  EXPECT_EQ(Text("$random(0)"), "0.730967787376657");
  EXPECT_EQ(Text("$random(7) = $random(7)"), "true");
  Result<Value> unseeded = Evaluate("$random()");
  ASSERT_TRUE(unseeded.ok());
  EXPECT_GE(unseeded->number(), 0.0);
  EXPECT_LT(unseeded->number(), 1.0);
}

TEST(StepFunctionsJsonata, UuidIsAVersion4Uuid) {
  Result<Value> r = Evaluate("$uuid()");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::regex_match(
      r->str(), std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << r->str();
  EXPECT_EQ(Text("$uuid() = $uuid()"), "false");
}

TEST(StepFunctionsJsonata, PartitionSplitsIntoChunks) {
  EXPECT_EQ(Text("$partition([1,2,3,4,5,6,7,8,9], 3)"), "[[1,2,3],[4,5,6],[7,8,9]]");
  EXPECT_EQ(Text("$partition([1,2,3,4,5], 2)"), "[[1,2],[3,4],[5]]");
  EXPECT_EQ(Text("$partition([], 2)"), "[]");
  EXPECT_EQ(Text("$partition([1], 0)"), "error D3161");
}

TEST(StepFunctionsJsonata, RangeIncludesTheEndWhenAStepLandsOnIt) {
  EXPECT_EQ(Text("$range(0, 10, 2)"), "[0,2,4,6,8,10]");
  EXPECT_EQ(Text("$range(0, 9, 2)"), "[0,2,4,6,8]");
  EXPECT_EQ(Text("$range(5, 1, -2)"), "[5,3,1]");
  EXPECT_EQ(Text("$range(1, 3)"), "[1,2,3]");
  EXPECT_EQ(Text("$range(1, 3, 0)"), "error D3162");
}

TEST(StepFunctionsJsonata, ParseReadsJsonText) {
  EXPECT_EQ(Text("$parse('{\"a\":[1,true,null]}').a"), "[1,true,null]");
  EXPECT_EQ(Text("$parse('12345678901234567890123')"), "12345678901234567890123");
  EXPECT_EQ(Text("$parse('{oops')"), "error D3163");
}

TEST(StepFunctionsJsonata, EvalIsNotAvailable) {
  EXPECT_EQ(Text("$eval('1 + 1')"), "error T1006");
  auto standard = Expression::Compile("$eval('1 + 1')");
  ASSERT_TRUE(standard.ok());
  EXPECT_EQ(ToJsonText(*standard->Evaluate(Value())), "2");
}

TEST(StepFunctionsJsonata, TheStandardLibraryIsStillThere) {
  EXPECT_EQ(Text("$uppercase('abc') & $string($sum([1,2]))"), "\"ABC3\"");
}

}  // namespace
}  // namespace sluice::jsonata
