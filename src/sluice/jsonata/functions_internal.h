#pragma once

// Pieces of the function library shared between its files: $string's conversion (also
// used by `&`), UTF-8 code point helpers (JSONata counts characters, not bytes), and the
// picture-string formatters ($formatNumber in number_format.cc; $formatInteger,
// $parseInteger, $fromMillis, $toMillis in datetime.cc). Formatters throw
// JsonataException with JSONata's D30xx/D31xx codes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/jsonata/text_internal.h"
#include "sluice/jsonata/value.h"

namespace sluice::jsonata {

// $string(value, prettify): strings unchanged, functions "", numbers to 15 significant
// digits, everything else as JSON. Throws D3001 for a non-finite number.
std::string StringValue(const Value& value, bool prettify);

// $round(x, precision): half to even at `precision` decimal places, shifted as decimal text
// as the reference does (so 2.675 rounds as written); never -0.
double RoundHalfEven(double x, int precision);

// $formatNumber(value, picture, options): XPath fn:format-number.
std::string FormatNumberPicture(double value, const std::string& picture, const Value& options);

// $formatInteger / $parseInteger: XPath fn:format-integer pictures.
std::string FormatIntegerPicture(double value, const std::string& picture);
Value ParseIntegerPicture(const std::string& text, const std::string& picture);

// Whether `millis` is inside JavaScript's Date range (±8.64e15 ms).
bool IsValidMillis(double millis);

// $fromMillis / $toMillis. `picture`/`timezone` nullopt: ISO 8601 (UTC). Out of range: "".
std::string FormatDateTime(double millis, const std::optional<std::string>& picture,
                           const std::optional<std::string>& timezone);
// nullopt picture: ISO 8601 forms. Returns undefined when the text does not match. Parts
// the picture leaves out default to `now_millis` (most significant) or zero.
Value ParseDateTime(const std::string& text, const std::optional<std::string>& picture,
                    int64_t now_millis);

}  // namespace sluice::jsonata
