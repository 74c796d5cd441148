#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/functions_internal.h"

namespace sluice::jsonata {
std::string FormatNumberPicture(double, const std::string&, const Value&) { return ""; }
}  // namespace sluice::jsonata
