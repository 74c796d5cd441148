#pragma once

// Mocked Task responses in AWS Step Functions Local's mock-config format:
//
//   {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<State>": "<MockName>"}}}},
//    "MockedResponses": {"<MockName>": {"0": {"Return": {…}}, "1-2": {"Throw": {"Error": "E",
//                                                                         "Cause": "C"}}}}}
//
// Keys of a mocked response are attempt numbers or inclusive ranges (0 is the first try);
// attempts beyond the last key reuse the last response, as Step Functions Local does.
// Immutable after Parse; safe to share.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::asl {

struct MockResponse {
  int first_attempt = 0;
  int last_attempt = 0;
  std::optional<boost::json::value> returned;  // Return
  std::string error;                           // Throw.Error
  std::string cause;                           // Throw.Cause
};

// The responses of one test case, by state name.
class MockTestCase {
 public:
  // The response for `state` at `attempt`, or nullptr when the state is not mocked.
  const MockResponse* Find(std::string_view state, int attempt) const;
  bool empty() const { return responses_.empty(); }

 private:
  friend class MockConfig;
  std::map<std::string, std::vector<MockResponse>, std::less<>> responses_;
};

class MockConfig {
 public:
  // Parses a mock config; InvalidArgument naming the JSON path of the problem.
  static Result<MockConfig> Parse(std::string_view text, std::string_view source);
  // The test case `test_case` of state machine `state_machine`; NotFound naming both.
  Result<MockTestCase> TestCase(std::string_view state_machine, std::string_view test_case) const;

 private:
  boost::json::value config_;
  std::map<std::string, std::vector<MockResponse>, std::less<>> responses_;
};

}  // namespace sluice::asl
