#pragma once

// Payload templates: the JSON values of Parameters, ResultSelector, ItemSelector (and the
// legacy Map Parameters) and Assign in JSONPath mode. A field whose name ends in `.$` takes
// its value from a path (`"id.$": "$.order.id"`, `"$$.Execution.Id"`, `"$var"`) or an
// intrinsic call (`"msg.$": "States.Format('hi {}', $.name)"`) and is emitted without the
// suffix; everything else is copied as is, recursively through objects and arrays.
// Compiled once per definition (paths and calls parsed), evaluated per state entry.
// Immutable after Compile; safe to share across threads.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/asl/intrinsics.h"
#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::asl {

// A problem found while compiling a definition: where (a JSON Pointer-like location,
// "/States/Load/Parameters/id.$") and what.
struct Diagnostic {
  std::string location;
  std::string message;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

class PayloadTemplate {
 public:
  // Compiles `tmpl`. Every bad path or intrinsic is reported in `diagnostics` with its
  // location under `location` (e.g. "/States/Load/Parameters"); returns nullopt-equivalent
  // (an empty template) when any was found.
  static PayloadTemplate Compile(const json::value& tmpl, std::string_view location,
                                 std::vector<Diagnostic>* diagnostics);

  // Builds the payload. Path failures are States.Runtime naming the field, as AWS does.
  Result<json::value> Evaluate(const PathContext& ctx,
                               RandomSource* random = DefaultRandomSource()) const;

  struct Node;

 private:
  explicit PayloadTemplate(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

}  // namespace sluice::asl
