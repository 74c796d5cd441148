#pragma once

// `sluice jsonata EXPR [--input FILE] [--bindings FILE]`: evaluates one JSONata expression
// the way a Step Functions state machine would (the Step Functions dialect by default:
// $partition, $range, $hash, $random(seed), $uuid, $parse; no $eval), so users can try
// the expressions of their definitions on their own. Prints the result as JSON on `out`
// (nothing for an undefined result) and returns 0; on a JSONata error prints
// "CODE: message (position N)" on `err` and returns 1; unreadable files also return 1.

#include <ostream>
#include <string>

namespace sluice::cli {

struct JsonataCommand {
  std::string expression;
  std::string input_path;     // empty: the input is undefined
  std::string bindings_path;  // a JSON object: name (without $) → value
  bool standard = false;      // plain JSONata 2.0.6 (with $eval) instead of Step Functions'
  bool pretty = false;        // indent the result two spaces per level
};

int RunJsonata(const JsonataCommand& command, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
