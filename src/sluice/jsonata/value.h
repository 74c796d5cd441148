#pragma once

// The value model JSONata expressions compute with: JSON's types plus `undefined` (no
// value) and functions, with JavaScript's reference semantics for arrays and objects (a
// transform mutates the copy it made, in place, through the references a path returns).
//
// A Value is 32 bytes: a type tag, a double or boolean, and a shared pointer to the
// immutable-by-convention heap part (string, array, object, function). Copying a Value
// copies the pointer, never the contents. Numbers are JavaScript doubles; a number read
// from JSON text (or a boost::json integer) that a double cannot hold exactly keeps its
// text, so a big integer that is only passed through comes out unchanged.
//
// Arrays carry JSONata's sequence flags (sequence, cons, keep_singleton, outer_wrapper,
// tuple_stream), as the reference implementation carries them on JavaScript arrays.
//
// Thread-safety: a Value and what it points to are thread-compatible; values shared
// between threads (compiled literals) are never mutated.

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::jsonata {

struct ArrayData;
struct ObjectData;
struct FunctionData;

enum class ValueType : uint8_t {
  kUndefined,
  kNull,
  kBoolean,
  kNumber,
  kString,
  kArray,
  kObject,
  kFunction,
};

class Value {
 public:
  Value() = default;  // undefined

  static Value Null() { return Value(ValueType::kNull); }
  static Value Boolean(bool b) {
    Value v(ValueType::kBoolean);
    v.b_ = b;
    return v;
  }
  static Value Number(double d) {
    Value v(ValueType::kNumber);
    v.d_ = d;
    return v;
  }
  // A number with the JSON text it was read from (for exact pass-through).
  static Value NumberWithText(double d, std::string text);
  static Value String(std::string s);
  static Value String(std::string_view s) { return String(std::string(s)); }
  static Value String(const char* s) { return String(std::string(s)); }
  static Value Array(std::shared_ptr<ArrayData> a);
  static Value Object(std::shared_ptr<ObjectData> o);
  static Value Function(std::shared_ptr<FunctionData> f);
  // A new, empty array / object.
  static Value NewArray();
  static Value NewSequence();
  static Value NewObject();

  ValueType type() const { return type_; }
  bool is_undefined() const { return type_ == ValueType::kUndefined; }
  bool is_defined() const { return type_ != ValueType::kUndefined; }
  bool is_null() const { return type_ == ValueType::kNull; }
  bool is_boolean() const { return type_ == ValueType::kBoolean; }
  bool is_number() const { return type_ == ValueType::kNumber; }
  bool is_string() const { return type_ == ValueType::kString; }
  bool is_array() const { return type_ == ValueType::kArray; }
  bool is_object() const { return type_ == ValueType::kObject; }
  bool is_function() const { return type_ == ValueType::kFunction; }

  bool boolean() const { return b_; }
  double number() const { return d_; }
  // The JSON text of a number read from input, or nullptr.
  const std::string* number_text() const {
    return type_ == ValueType::kNumber ? static_cast<const std::string*>(p_.get()) : nullptr;
  }
  const std::string& str() const { return *static_cast<const std::string*>(p_.get()); }
  ArrayData& array() const { return *static_cast<ArrayData*>(p_.get()); }
  ObjectData& object() const { return *static_cast<ObjectData*>(p_.get()); }
  FunctionData& function() const { return *static_cast<FunctionData*>(p_.get()); }
  // Identity of the heap part (JavaScript's === on arrays/objects).
  const void* identity() const { return p_.get(); }

  // Boost.JSON conversion. Undefined becomes nullopt; functions become "" (as JSONata's
  // $string does); a number with kept text goes back as int64/uint64 when it fits.
  std::optional<boost::json::value> ToJson() const;
  static Value FromJson(const boost::json::value& json);

 private:
  explicit Value(ValueType t) : type_(t) {}

  ValueType type_ = ValueType::kUndefined;
  bool b_ = false;
  double d_ = 0;
  std::shared_ptr<void> p_;
};

struct ArrayData {
  std::vector<Value> items;
  bool sequence = false;        // a result sequence (collapses to its single item)
  bool cons = false;            // built by an array constructor: never flattened
  bool keep_singleton = false;  // `[]` on a path step: a singleton stays an array
  bool outer_wrapper = false;   // the wrapper around an array input
  bool tuple_stream = false;    // items are tuple objects ({"@": focus, bindings...})
};

// Insertion-ordered keys, as JavaScript objects keep string keys.
struct ObjectData {
  std::vector<std::pair<std::string, Value>> entries;

  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Find, trying position `hint` first and leaving the position found in it: objects of one
  // shape (an array of records) keep a key at the same position, so a path step that
  // remembers it compares one key instead of scanning.
  const Value* Find(std::string_view key, uint32_t& hint) const {
    if (hint < entries.size() && entries[hint].first == key) return &entries[hint].second;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].first == key) {
        hint = static_cast<uint32_t>(i);
        return &entries[i].second;
      }
    }
    return nullptr;
  }
  void Set(std::string_view key, Value value);
  bool Erase(std::string_view key);
  size_t size() const { return entries.size(); }
};

// JavaScript's Number.prototype.toString for finite doubles: shortest round-trip digits,
// exponent form outside [1e-7, 1e21) ("1e+21", "1.5e-7").
std::string FormatNumberJs(double d);

// Reads one JSON text into a Value. Numbers that a double cannot represent exactly keep
// their text. Errors name the byte offset.
Result<Value> ParseJsonText(std::string_view text);

// JSON text as JavaScript's JSON.stringify writes it (indent 0: compact; else that many
// spaces per level), with JSONata's conventions: undefined members are left out, functions
// are "", numbers print with JavaScript's digits (or their kept input text).
void AppendJsonText(const Value& value, int indent, std::string& out);
std::string ToJsonText(const Value& value, int indent = 0);

}  // namespace sluice::jsonata
