// `sluice jsonata` as users meet it: the result as JSON on stdout and exit 0, nothing for an
// undefined result, "CODE: message (position N)" on stderr and exit 1 for JSONata errors.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "process_util.h"

namespace {

namespace fs = std::filesystem;
using sluice::testing::RunResult;

class JsonataCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/sluice-jsonata-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), "jsonata");
    return sluice::testing::Sluice(dir_ + "/home", std::move(args));
  }

  std::string dir_;
};

TEST_F(JsonataCliTest, PrintsTheResultOfAnExpressionOverTheInputFile) {
  std::string input =
      WriteFile("in.json", R"({"orders":[{"id":1,"total":10.5},{"id":2,"total":4}]})");
  RunResult r = Run({"$sum(orders.total)", "--input", input});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "14.5\n");
  r = Run({"orders[total > 5].{'order': id}", "--input", input});
  EXPECT_EQ(r.out, "{\"order\":1}\n");
}

TEST_F(JsonataCliTest, PassesBigIntegersThroughWithTheirDigits) {
  std::string input = WriteFile("in.json", R"({"id": 123456789012345678901234567890})");
  RunResult r = Run({"{'copy': id}", "--input", input});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"copy\":123456789012345678901234567890}\n");
}

TEST_F(JsonataCliTest, BindsVariablesFromTheBindingsFile) {
  std::string bindings = WriteFile("b.json", R"({"rate": 0.2, "name": "x"})");
  RunResult r = Run({"$name & ': ' & $string(100 * $rate)", "--bindings", bindings});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\"x: 20\"\n");
}

TEST_F(JsonataCliTest, PrintsNothingForAnUndefinedResult) {
  RunResult r = Run({"missing.field"});  // no --input: the input is undefined
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_F(JsonataCliTest, ReportsTheErrorCodeMessageAndPositionAndExitsOne) {
  RunResult r = Run({"1 + 'a'"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "T2002: The right side of the + operator must evaluate to a number (position 3)\n");
  r = Run({"(1 + "});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "S0203: Expected ) before end of expression (position 5)\n");
}

TEST_F(JsonataCliTest, OffersStepFunctionsFunctionsAndNotEval) {
  RunResult r = Run({"$hash('abc', 'MD5')"});
  EXPECT_EQ(r.out, "\"900150983cd24fb0d6963f7d28e17f72\"\n");
  r = Run({"$partition([1,2,3], 2)"});
  EXPECT_EQ(r.out, "[[1,2],[3]]\n");
  r = Run({"$eval('1')"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.substr(0, 6), "T1006:");
  r = Run({"--standard", "$eval('1 + 1')"});
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(JsonataCliTest, AnInputFileThatIsNotJsonFailsNamingTheFile) {
  std::string input = WriteFile("bad.json", "{oops");
  RunResult r = Run({"$", "--input", input});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(input), std::string::npos) << r.err;
}

}  // namespace
