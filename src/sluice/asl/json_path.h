#pragma once

// JSONPath as Amazon States Language accepts it, compiled once per definition and evaluated
// many times. Three roots: `$` (the state's input, or whatever document the caller passes),
// `$$` (the context object) and `$name` (a workflow variable, JSONPath mode's Variables).
// Syntax: dot names (`$.a.b`), bracket names (`$['a b']`, `$["x"]`), indexes (`[0]`,
// negative indexes `[-1]`), wildcards (`.*`, `[*]`), recursive descent (`..name`,
// `..*`), slices (`[1:3]`, `[::2]`, `[-2:]`), unions (`[0,2]`, `['a','b']`) and filters
// (`[?(@.price < 10)]`, `[?(@.tag)]`, `==, !=, <, <=, >, >=`, `&&`, `||`, string/number/
// boolean/null literals).
//
// A *reference path* (ResultPath, the `.$` targets AWS requires to be definite) names a
// single node: only names and non-negative indexes, no wildcards, descent, slices,
// unions or filters. A definite path evaluates to the node itself; an indefinite path
// evaluates to an array of the matches (possibly empty), as AWS does.
//
// JsonPath values are immutable after Parse and safe to share across threads.

#include <memory>
#include <string>
#include <string_view>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::asl {

namespace json = boost::json;

class JsonPath {
 public:
  enum class Root { kInput, kContext, kVariable };

  // Parses `text`. InvalidArgument with a message naming the text and the position of the
  // problem ("invalid JSONPath '$.a[': unterminated '[' at offset 3").
  static Result<JsonPath> Parse(std::string_view text);

  const std::string& text() const;
  Root root() const;
  // For Root::kVariable: the variable's name (`$order.id` → "order").
  const std::string& variable() const;
  // True when the path names one node (a reference path).
  bool is_reference() const;
  // True for exactly `$` (or `$$`, or `$name`): the whole document.
  bool is_root_only() const;

  // Evaluates against `document` (the input, the context object or the variable's value,
  // chosen by the caller from root()). A definite path that matches nothing is
  // States.Runtime with AWS's cause: "Invalid path '<text>': The choice state's condition
  // path references an invalid value." is Choice's; for other fields use
  // "The JSONPath '<text>' specified for the field '<field>' could not be found in the input
  // '<compact input JSON>'" — callers add the field through `field` ("InputPath",
  // "Parameters.x.$", "ItemsPath", …). An indefinite path never fails: it returns an array.
  Result<json::value> Evaluate(const json::value& document, std::string_view field) const;
  // Like Evaluate but returns nullptr (no error) when a definite path matches nothing.
  const json::value* Find(const json::value& document) const;

  // For ResultPath: stores `value` at this reference path inside `document`, creating
  // missing objects along the way. `$` replaces the whole document. When the path runs into
  // a non-object (a string, an array where a name is needed, an index out of range), fails
  // with States.ResultPathMatchFailure and AWS's cause: "Unable to apply ResultPath
  // \"<text>\" to input \"<compact input JSON>\"". Requires is_reference().
  Status Assign(json::value& document, json::value value) const;

  struct Impl;

 private:
  explicit JsonPath(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sluice::asl
