#pragma once

// JSON over Boost.JSON: the JSON value type every module shares (boost::json::value), and
// the few helpers that turn its exceptions and error codes into Status with a place
// (line:column) in the text. Functions are thread-safe; values are thread-compatible.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/status.h"

namespace sluice::common {

namespace json = boost::json;

// Parses one JSON text. On failure returns InvalidArgument:
// "<source>:<line>:<column>: invalid JSON: <reason>". `source` names where the text came
// from (a file name, "request body").
Result<json::value> ParseJson(std::string_view text, std::string_view source);

// Compact serialization (no spaces), as AWS prints JSON payloads.
std::string SerializeJson(const json::value& value);
// Indented serialization (two spaces) for humans.
std::string SerializeJsonPretty(const json::value& value);

// The length in bytes of SerializeJson(value), computed without building the text.
size_t SerializedSize(const json::value& value);

// Quotes and escapes `text` as a JSON string literal.
std::string JsonQuote(std::string_view text);

// Typed field access that names what was expected. `path` is the JSON path of `object`
// for the error message ("$.Records[0]"). Missing fields give NotFound only for the
// Required* forms; Optional* forms return nullopt when absent and InvalidArgument when the
// type is wrong.
Result<std::string> RequiredString(const json::object& object, std::string_view key,
                                   std::string_view path);
Result<std::optional<std::string>> OptionalString(const json::object& object,
                                                  std::string_view key, std::string_view path);
Result<std::optional<int64_t>> OptionalInt(const json::object& object, std::string_view key,
                                           std::string_view path);

// JSON equality as Step Functions applies it: numbers compare by value across integer and
// floating representations (1 == 1.0), but types never mix (true != 1, "1" != 1); objects
// compare key by key regardless of order, arrays element by element.
bool JsonNumberEquals(const json::value& a, const json::value& b);
bool JsonEquals(const json::value& a, const json::value& b);

// The JSON type name AWS uses in messages: "object", "array", "string", "number",
// "boolean", "null".
std::string_view JsonTypeName(const json::value& value);

}  // namespace sluice::common
