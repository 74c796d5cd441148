#pragma once

// The 18 intrinsic functions of JSONPath-mode ASL, parsed once into a call tree:
// States.Format, StringToJson, JsonToString, Array, ArrayPartition, ArrayContains,
// ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique, Base64Encode, Base64Decode, Hash,
// JsonMerge, MathRandom, MathAdd, StringSplit, UUID.
//
// Arguments are string literals in single quotes (escapes `\'`, `\{`, `\}`, `\\`), numbers,
// `true`/`false`/`null`, JSONPaths (`$.x`, `$$.Execution.Id`, `$var`) and nested calls.
// Semantics follow AWS: JSON equality (true ≠ 1) in ArrayContains/ArrayUnique, UTF-8 for
// Base64, Hash algorithms MD5/SHA-1/SHA-256/SHA-384/SHA-512 (hex lowercase), shallow
// JsonMerge (the second argument `false`; `true` is rejected as AWS does), States.Format
// renders objects and arrays Java-style as AWS does. Failures are States.IntrinsicFailure
// (or States.Runtime where AWS reports that) with AWS's wording where it is documented.
// Immutable after Parse; safe to share across threads.

#include <memory>
#include <string>
#include <string_view>

#include "sluice/asl/json_path.h"
#include "sluice/asl/variables.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::asl {

// The documents paths read from when an expression or template is evaluated.
struct PathContext {
  const json::value* input = nullptr;      // `$`
  const json::value* context = nullptr;    // `$$`
  const VariableScope* variables = nullptr;  // `$name`; may be null (no variables)
};

// Evaluates `path` against the document its root names. States.Runtime when a variable is
// not defined. `field` is for error messages (see JsonPath::Evaluate).
Result<json::value> EvaluatePath(const JsonPath& path, const PathContext& ctx,
                                 std::string_view field);

// Random numbers for MathRandom and UUID. Tests pass a seeded one.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in [lo, hi).
  virtual int64_t NextInt(int64_t lo, int64_t hi) = 0;
  virtual std::string NextUuid() = 0;
};
// The process-wide default (OS entropy).
RandomSource* DefaultRandomSource();

class IntrinsicCall {
 public:
  // True when `text` looks like an intrinsic call (`States.Name(`…).
  static bool Looks(std::string_view text);
  // Parses `text`. InvalidArgument naming the position and what was expected, unknown
  // function names, wrong argument counts for fixed-arity functions.
  static Result<IntrinsicCall> Parse(std::string_view text);

  const std::string& text() const;
  // `field` names the template field for messages ("Parameters.greeting.$").
  Result<json::value> Evaluate(const PathContext& ctx, std::string_view field,
                               RandomSource* random = DefaultRandomSource()) const;

  struct Impl;

 private:
  explicit IntrinsicCall(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sluice::asl
