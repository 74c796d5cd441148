#pragma once

// Function signatures (`<s-n?:s>`): JSONata's argument type checking. A signature compiles
// to a pattern over one letter per argument (s string, n number, b boolean, l null,
// a array, o object, f function, m missing) matched with RE2, as the reference
// implementation does with a JavaScript regex. Validate() checks and fixes up arguments
// (the context value for `-`, a singleton wrapped for `a`) or throws T0410/T0411/T0412.
// Immutable after parsing; thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/jsonata/value.h"

namespace re2 {
class RE2;
}

namespace sluice::jsonata {

struct SignatureParam {
  std::string type;   // "s", "a", "(sn)" …
  std::string regex;  // this parameter's pattern ("[sm]", "[asnblfom]?" …)
  bool context = false;
  std::string context_regex;
  std::string subtype;  // a<n>, f<n:n>
  std::string accepts;  // the type letters `regex` admits
};

struct Signature {
  std::string definition;
  std::vector<SignatureParam> params;
  std::shared_ptr<re2::RE2> regex;
  std::vector<std::shared_ptr<re2::RE2>> context_regexes;  // per param, when context
  bool variadic = false;  // a parameter takes one or more arguments (`+`)

  // Validated arguments; throws T0410/T0411/T0412 (index 1-based, no token/position).
  std::vector<Value> Validate(const std::vector<Value>& args, const Value& context) const;

 private:
  // One argument matched as type letter `single`: arrays' item types checked, a single value
  // wrapped for an `a` parameter.
  Value CheckArgument(const SignatureParam& param, char single, std::string_view match, Value arg,
                      size_t arg_index) const;
};

// The letter of a value's type in signatures ("m" for undefined).
char TypeSymbol(const Value& value);

// Parses `<…>`; throws S0401/S0402 with position `position` + offset in the signature.
std::shared_ptr<const Signature> ParseSignature(std::string_view text, int position);

}  // namespace sluice::jsonata
