#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/functions_internal.h"

namespace sluice::jsonata {
std::string FormatIntegerPicture(double, const std::string&) { return ""; }
Value ParseIntegerPicture(const std::string&, const std::string&) { return Value(); }
std::string FormatDateTime(double, const std::optional<std::string>&, const std::optional<std::string>&) { return ""; }
Value ParseDateTime(const std::string&, const std::optional<std::string>&) { return Value(); }
}  // namespace sluice::jsonata
