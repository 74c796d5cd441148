#pragma once

// The JSONata dialect of AWS Step Functions: the JSONata 2.0.6 library without `$eval`,
// plus the functions Step Functions adds (registered by name, like any library function):
//
//   $partition(array, size)         chunks of `size` items (the last may be shorter)
//   $range(start, end[, step])      start, start+step, … up to end (inclusive when a step
//                                   lands on it); step 1 by default, may be negative
//   $hash(value, algorithm)         lowercase hex digest; MD5, SHA-1, SHA-256, SHA-384, SHA-512
//   $random([seed])                 [0, 1); with a seed, java.util.Random's nextDouble()
//                                   sequence, so one seed always gives the same number
//   $uuid()                         a random version-4 UUID
//   $parse(text)                    the JSON value of `text`
//
// Errors of these functions use codes outside JSONata's own: D3160 unknown $hash
// algorithm, D3161 bad $partition size, D3162 bad $range step, D3163 $parse of text that
// is not JSON (see docs/jsonata.md). Thread-safe; the registry lives for the program.

#include "sluice/common/status.h"
#include "sluice/jsonata/function.h"

namespace sluice::jsonata {

// Adds the Step Functions functions to `registry` and removes $eval.
Status RegisterStepFunctionsFunctions(FunctionRegistry& registry);

// The standard library with the Step Functions changes applied.
const FunctionRegistry& StepFunctionsRegistry();

}  // namespace sluice::jsonata
