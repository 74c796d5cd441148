#pragma once

// How the parser and evaluator raise JSONata errors inside this module: they throw a
// JsonataException (deep recursion makes value-returning propagation costly on the hot
// path); the public entry points (jsonata.cc) catch it and return it as a Status. No
// exception leaves the module.

#include <optional>
#include <string>

#include "sluice/jsonata/value.h"

namespace sluice::jsonata {

struct JsonataException {
  std::string code;
  int position = -1;
  std::string token;
  bool has_token = false;
  Value value;
  Value value2;
  int index = 0;
  std::string detail;  // D3137/D3141 messages, T0412 array types, D3140 function names

  JsonataException& Token(std::string t) {
    token = std::move(t);
    has_token = true;
    return *this;
  }
};

[[noreturn]] inline void Throw(std::string code, int position = -1) {
  JsonataException e;
  e.code = std::move(code);
  e.position = position;
  throw e;
}

[[noreturn]] inline void ThrowValue(std::string code, Value value, int position = -1) {
  JsonataException e;
  e.code = std::move(code);
  e.position = position;
  e.value = std::move(value);
  throw e;
}

// The message JSONata prints for `e` (its code's template filled in).
std::string ErrorMessage(const JsonataException& e);

}  // namespace sluice::jsonata
