#pragma once

// DynamoDB attribute values in DynamoDB JSON (`{"S":"x"}`, `{"N":"1.5"}`, `{"B":"<base64>"}`,
// `{"BOOL":true}`, `{"NULL":true}`, `{"M":{…}}`, `{"L":[…]}`, `{"SS":[…]}`, `{"NS":[…]}`,
// `{"BS":[…]}`): validation with DynamoDB's messages, numbers in DynamoDB's canonical text
// (up to 38 significant digits, no exponent, no trailing zeros: "1.50" is stored as "1.5",
// "1E+2" as "100"), exact decimal arithmetic for `+`, `-` and ADD, and the comparisons
// condition expressions use. Values are plain boost::json values; functions are pure and
// thread-safe.
//
// Failures are InvalidArgument whose message is the text DynamoDB puts in its
// ValidationException ("One or more parameter values were invalid: …").

#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::tasks::dynamodb {

namespace json = boost::json;

// The value's type descriptor ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"), or
// "" when `value` is not a one-member object with a known descriptor.
std::string_view TypeOf(const json::value& value);

// Checks one attribute value (recursively) and returns it normalized: numbers canonical, set
// members checked for duplicates and emptiness. `is_key` applies the key-attribute rules
// (non-empty S and B); `name` names the attribute in messages.
Result<json::value> NormalizeValue(const json::value& value, std::string_view name,
                                   bool is_key = false);

// Every attribute of an item (a JSON object of attribute values), normalized.
Result<json::object> NormalizeItem(const json::value& item, std::string_view what);

// A number's canonical text. InvalidArgument "The parameter cannot be converted to a numeric
// value: X" or "Attempting to store more than 38 significant digits in a Number".
Result<std::string> NormalizeNumber(std::string_view text);
// Exact sums and differences of canonical numbers.
Result<std::string> AddNumbers(std::string_view a, std::string_view b);
Result<std::string> SubtractNumbers(std::string_view a, std::string_view b);
// <0, 0, >0 for canonical numbers.
int CompareNumbers(std::string_view a, std::string_view b);

// Equality as DynamoDB compares values: same type and value; sets regardless of order.
bool ValuesEqual(const json::value& a, const json::value& b);
// Ordering for `<`, `<=`, `>`, `>=`, BETWEEN: only N, S (by UTF-8 bytes) and B (by bytes) of the
// same type compare; nullopt otherwise (the comparison is then false).
std::optional<int> CompareValues(const json::value& a, const json::value& b);

// Decodes standard base64 (with or without padding). InvalidArgument when malformed.
Result<std::string> DecodeBase64(std::string_view text);

// The value as DynamoDB prints operands in messages: `{N:5}`, `{S:abc}`.
std::string DescribeValue(const json::value& value);

}  // namespace sluice::tasks::dynamodb
