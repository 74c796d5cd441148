#pragma once

// UTF-8 checks shared by the ETL readers and the quarantine writer. Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::etl {

// The offset of the first byte of `s` that is not part of valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or npos.
size_t FindInvalidUtf8(std::string_view s);

// `s` with every invalid byte replaced by U+FFFD, for showing text that may be broken.
std::string ToUtf8Lossy(std::string_view s);

}  // namespace sluice::etl
