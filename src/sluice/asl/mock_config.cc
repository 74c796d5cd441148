#include "sluice/asl/mock_config.h"

#include <charconv>

namespace sluice::asl {
namespace json = boost::json;

namespace {

Result<std::pair<int, int>> ParseAttempts(std::string_view key, const std::string& where) {
  auto number = [&](std::string_view s, int* out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
  };
  size_t dash = key.find('-');
  int a = 0, b = 0;
  if (dash == std::string_view::npos) {
    if (number(key, &a)) return std::make_pair(a, a);
  } else if (number(key.substr(0, dash), &a) && number(key.substr(dash + 1), &b) && a <= b) {
    return std::make_pair(a, b);
  }
  return Status::InvalidArgument(where + ": attempt key '" + std::string(key) +
                                 "' must be a number (\"0\") or a range (\"1-2\")");
}

}  // namespace

const MockResponse* MockTestCase::Find(std::string_view state, int attempt) const {
  auto it = responses_.find(state);
  if (it == responses_.end() || it->second.empty()) return nullptr;
  for (const MockResponse& r : it->second) {
    if (attempt >= r.first_attempt && attempt <= r.last_attempt) return &r;
  }
  const MockResponse* last = &it->second.front();
  for (const MockResponse& r : it->second) {
    if (r.last_attempt > last->last_attempt) last = &r;
  }
  return attempt > last->last_attempt ? last : nullptr;
}

Result<MockConfig> MockConfig::Parse(std::string_view text, std::string_view source) {
  SLUICE_ASSIGN_OR_RETURN(json::value v, common::ParseJson(text, source));
  std::string src(source);
  if (!v.is_object()) return Status::InvalidArgument(src + ": $: expected an object");
  MockConfig config;
  const json::object& root = v.get_object();
  if (const json::value* mocked = root.if_contains("MockedResponses")) {
    if (!mocked->is_object()) {
      return Status::InvalidArgument(src + ": $.MockedResponses: expected an object");
    }
    for (const auto& [name, attempts] : mocked->get_object()) {
      std::string where = src + ": $.MockedResponses." + std::string(name);
      if (!attempts.is_object()) return Status::InvalidArgument(where + ": expected an object");
      std::vector<MockResponse> list;
      for (const auto& [key, response] : attempts.get_object()) {
        std::string at = where + "." + std::string(key);
        SLUICE_ASSIGN_OR_RETURN(auto range, ParseAttempts(key, where));
        MockResponse r;
        r.first_attempt = range.first;
        r.last_attempt = range.second;
        if (!response.is_object()) return Status::InvalidArgument(at + ": expected an object");
        const json::object& o = response.get_object();
        if (const json::value* ret = o.if_contains("Return")) {
          r.returned = *ret;
        } else if (const json::value* thr = o.if_contains("Throw")) {
          if (!thr->is_object()) return Status::InvalidArgument(at + ".Throw: expected an object");
          SLUICE_ASSIGN_OR_RETURN(auto error, common::OptionalString(thr->get_object(), "Error", at + ".Throw"));
          SLUICE_ASSIGN_OR_RETURN(auto cause, common::OptionalString(thr->get_object(), "Cause", at + ".Throw"));
          r.error = error.value_or("");
          r.cause = cause.value_or("");
        } else {
          return Status::InvalidArgument(at + ": expected \"Return\" or \"Throw\"");
        }
        list.push_back(std::move(r));
      }
      config.responses_[std::string(name)] = std::move(list);
    }
  }
  if (const json::value* machines = root.if_contains("StateMachines"); machines && !machines->is_object()) {
    return Status::InvalidArgument(src + ": $.StateMachines: expected an object");
  }
  config.config_ = std::move(v);
  return config;
}

Result<MockTestCase> MockConfig::TestCase(std::string_view state_machine,
                                          std::string_view test_case) const {
  const json::value* cases = nullptr;
  if (const json::value* machines = config_.get_object().if_contains("StateMachines")) {
    if (const json::value* machine = machines->get_object().if_contains(state_machine)) {
      if (machine->is_object()) cases = machine->get_object().if_contains("TestCases");
    }
  }
  const json::value* tc = cases && cases->is_object() ? cases->get_object().if_contains(test_case) : nullptr;
  if (!tc || !tc->is_object()) {
    return Status::NotFound("mock config has no test case '" + std::string(test_case) +
                            "' for state machine '" + std::string(state_machine) + "'");
  }
  MockTestCase out;
  for (const auto& [state, mock] : tc->get_object()) {
    if (!mock.is_string()) {
      return Status::InvalidArgument("$.StateMachines." + std::string(state_machine) + ".TestCases." +
                                     std::string(test_case) + "." + std::string(state) +
                                     ": expected the name of a mocked response");
    }
    auto it = responses_.find(std::string_view(mock.get_string()));
    if (it == responses_.end()) {
      return Status::InvalidArgument("test case '" + std::string(test_case) + "' maps state '" +
                                     std::string(state) + "' to unknown mocked response '" +
                                     std::string(mock.get_string()) + "'");
    }
    out.responses_[std::string(state)] = it->second;
  }
  return out;
}

}  // namespace sluice::asl
