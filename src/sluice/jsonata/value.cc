#include "sluice/jsonata/value.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>

#include "sluice/common/json.h"
#include "sluice/jsonata/function.h"
#include "sluice/jsonata/text_internal.h"

namespace sluice::jsonata {

Value Value::NumberWithText(double d, std::string text) {
  Value v = Number(d);
  v.p_ = std::make_shared<std::string>(std::move(text));
  return v;
}

Value Value::String(std::string s) {
  Value v(ValueType::kString);
  v.p_ = std::make_shared<std::string>(std::move(s));
  return v;
}

Value Value::Array(std::shared_ptr<ArrayData> a) {
  Value v(ValueType::kArray);
  v.p_ = std::move(a);
  return v;
}

Value Value::Object(std::shared_ptr<ObjectData> o) {
  Value v(ValueType::kObject);
  v.p_ = std::move(o);
  return v;
}

Value Value::Function(std::shared_ptr<FunctionData> f) {
  Value v(ValueType::kFunction);
  v.p_ = std::move(f);
  return v;
}

Value Value::NewArray() { return Array(std::make_shared<ArrayData>()); }

Value Value::NewSequence() {
  auto a = std::make_shared<ArrayData>();
  a->sequence = true;
  return Array(std::move(a));
}

Value Value::NewObject() { return Object(std::make_shared<ObjectData>()); }

const Value* ObjectData::Find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* ObjectData::Find(std::string_view key) {
  for (auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

void ObjectData::Set(std::string_view key, Value value) {
  if (Value* slot = Find(key)) {
    *slot = std::move(value);
    return;
  }
  entries.emplace_back(std::string(key), std::move(value));
}

bool ObjectData::Erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      return true;
    }
  }
  return false;
}

std::string FormatNumberJs(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);
  std::string out;
  if (sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exp10 = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n);
    out.push_back('.');
    out += digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(-n, '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  Result<Value> ReadDocument() {
    SkipSpace();
    Value v;
    if (!ReadValue(v, 0)) return Error();
    SkipSpace();
    if (pos_ != s_.size()) {
      error_ = "unexpected text after the JSON value";
      return Error();
    }
    return v;
  }

 private:
  Status Error() const {
    return Status::InvalidArgument("invalid JSON at offset " + std::to_string(pos_) + ": " +
                                   error_);
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Fail(const char* what) {
    error_ = what;
    return false;
  }
  bool ReadValue(Value& out, int depth) {
    if (depth > 1000) return Fail("nesting too deep");
    if (pos_ >= s_.size()) return Fail("unexpected end of text");
    char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      auto obj = std::make_shared<ObjectData>();
      // Members are gathered first so each object's entries take one exact allocation,
      // laid out next to the object (scans over parsed input stay cache-friendly).
      std::vector<std::pair<std::string, Value>> members;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        out = Value::Object(std::move(obj));
        return true;
      }
      for (;;) {
        SkipSpace();
        std::string key;
        if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a string key");
        if (!ReadString(key)) return false;
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
        ++pos_;
        SkipSpace();
        Value member;
        if (!ReadValue(member, depth + 1)) return false;
        bool duplicate = false;
        for (auto& [k, v] : members) {
          if (k == key) {
            v = std::move(member);
            duplicate = true;
            break;
          }
        }
        if (!duplicate) members.emplace_back(std::move(key), std::move(member));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          break;
        }
        return Fail("expected ',' or '}'");
      }
      obj->entries.reserve(members.size());
      for (auto& m : members) obj->entries.push_back(std::move(m));
      out = Value::Object(std::move(obj));
      return true;
    }
    if (c == '[') {
      ++pos_;
      auto arr = std::make_shared<ArrayData>();
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        out = Value::Array(std::move(arr));
        return true;
      }
      for (;;) {
        SkipSpace();
        Value item;
        if (!ReadValue(item, depth + 1)) return false;
        arr->items.push_back(std::move(item));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          break;
        }
        return Fail("expected ',' or ']'");
      }
      out = Value::Array(std::move(arr));
      return true;
    }
    if (c == '"') {
      std::string str;
      if (!ReadString(str)) return false;
      out = Value::String(std::move(str));
      return true;
    }
    if (s_.substr(pos_, 4) == "true") {
      pos_ += 4;
      out = Value::Boolean(true);
      return true;
    }
    if (s_.substr(pos_, 5) == "false") {
      pos_ += 5;
      out = Value::Boolean(false);
      return true;
    }
    if (s_.substr(pos_, 4) == "null") {
      pos_ += 4;
      out = Value::Null();
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber(out);
    return Fail("unexpected character");
  }

  bool ReadNumber(Value& out) {
    size_t start = pos_;
    bool integral = true;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t b = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > b;
    };
    if (!digits()) return Fail("invalid number");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digits()) return Fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return Fail("invalid number");
    }
    std::string_view text = s_.substr(start, pos_ - start);
    double d = 0;
    std::from_chars(text.data(), text.data() + text.size(), d);
    // An integer with more digits than a double holds exactly keeps its text.
    size_t ndigits = text.size() - (text[0] == '-' ? 1 : 0);
    if (integral && ndigits > 15 && std::abs(d) > 9007199254740992.0) {
      out = Value::NumberWithText(d, std::string(text));
    } else {
      out = Value::Number(d);
    }
    return true;
  }

  bool ReadHex4(uint32_t& cp) {
    if (!ParseHex4(s_, pos_, cp)) return Fail("invalid \\u escape");
    pos_ += 4;
    return true;
  }

  bool ReadString(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated string");
      char e = s_[pos_++];
      if (char plain = JsonEscapeChar(e)) {
        out.push_back(plain);
        continue;
      }
      switch (e) {
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && pos_ + 6 <= s_.size() && s_[pos_] == '\\' &&
              s_[pos_ + 1] == 'u') {
            size_t save = pos_;
            pos_ += 2;
            uint32_t lo;
            if (!ReadHex4(lo)) return false;
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Fail("invalid escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

void AppendQuoted(std::string_view s, std::string& out) { out += common::JsonQuote(s); }

void Newline(int indent, int level, std::string& out) {
  if (indent <= 0) return;
  out.push_back('\n');
  out.append(static_cast<size_t>(indent) * level, ' ');
}

void AppendJson(const Value& v, int indent, int level, std::string& out) {
  switch (v.type()) {
    case ValueType::kUndefined:
    case ValueType::kNull:
      out += "null";
      return;
    case ValueType::kBoolean:
      out += v.boolean() ? "true" : "false";
      return;
    case ValueType::kNumber:
      if (const std::string* text = v.number_text()) {
        out += *text;
      } else if (!std::isfinite(v.number())) {
        out += "null";
      } else {
        out += FormatNumberJs(v.number());
      }
      return;
    case ValueType::kString:
      AppendQuoted(v.str(), out);
      return;
    case ValueType::kFunction:
      out += "\"\"";
      return;
    case ValueType::kArray: {
      const auto& items = v.array().items;
      if (items.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out.push_back(',');
        Newline(indent, level + 1, out);
        AppendJson(items[i], indent, level + 1, out);
      }
      Newline(indent, level, out);
      out.push_back(']');
      return;
    }
    case ValueType::kObject: {
      bool first = true;
      out.push_back('{');
      for (const auto& [k, member] : v.object().entries) {
        if (member.is_undefined()) continue;
        if (!first) out.push_back(',');
        first = false;
        Newline(indent, level + 1, out);
        AppendQuoted(k, out);
        out.push_back(':');
        if (indent > 0) out.push_back(' ');
        AppendJson(member, indent, level + 1, out);
      }
      if (!first) Newline(indent, level, out);
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

Result<Value> ParseJsonText(std::string_view text) { return JsonReader(text).ReadDocument(); }

void AppendJsonText(const Value& value, int indent, std::string& out) {
  AppendJson(value, indent, 0, out);
}

std::string ToJsonText(const Value& value, int indent) {
  std::string out;
  AppendJson(value, indent, 0, out);
  return out;
}

std::optional<boost::json::value> Value::ToJson() const {
  switch (type_) {
    case ValueType::kUndefined:
      return std::nullopt;
    case ValueType::kNull:
      return boost::json::value(nullptr);
    case ValueType::kBoolean:
      return boost::json::value(b_);
    case ValueType::kNumber: {
      if (const std::string* text = number_text()) {
        int64_t i;
        auto r = std::from_chars(text->data(), text->data() + text->size(), i);
        if (r.ec == std::errc() && r.ptr == text->data() + text->size()) {
          return boost::json::value(i);
        }
        uint64_t u;
        auto ru = std::from_chars(text->data(), text->data() + text->size(), u);
        if (ru.ec == std::errc() && ru.ptr == text->data() + text->size()) {
          return boost::json::value(u);
        }
      }
      if (!std::isfinite(d_)) return boost::json::value(nullptr);
      // Integral doubles in int64 range go out as integers, as JavaScript prints them.
      if (std::trunc(d_) == d_ && std::abs(d_) < 9.2e18) {
        return boost::json::value(static_cast<int64_t>(d_));
      }
      return boost::json::value(d_);
    }
    case ValueType::kString:
      return boost::json::value(str());
    case ValueType::kFunction:
      return boost::json::value("");
    case ValueType::kArray: {
      boost::json::array out;
      out.reserve(array().items.size());
      for (const Value& item : array().items) {
        auto j = item.ToJson();
        out.push_back(j ? std::move(*j) : boost::json::value(nullptr));
      }
      return boost::json::value(std::move(out));
    }
    case ValueType::kObject: {
      boost::json::object out;
      for (const auto& [k, member] : object().entries) {
        if (auto j = member.ToJson()) out[k] = std::move(*j);
      }
      return boost::json::value(std::move(out));
    }
  }
  return std::nullopt;
}

Value Value::FromJson(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null:
      return Null();
    case boost::json::kind::bool_:
      return Boolean(json.get_bool());
    case boost::json::kind::int64: {
      int64_t i = json.get_int64();
      if (i > 9007199254740992LL || i < -9007199254740992LL) {
        return NumberWithText(static_cast<double>(i), std::to_string(i));
      }
      return Number(static_cast<double>(i));
    }
    case boost::json::kind::uint64: {
      uint64_t u = json.get_uint64();
      if (u > 9007199254740992ULL) return NumberWithText(static_cast<double>(u), std::to_string(u));
      return Number(static_cast<double>(u));
    }
    case boost::json::kind::double_:
      return Number(json.get_double());
    case boost::json::kind::string:
      return String(std::string(json.get_string()));
    case boost::json::kind::array: {
      auto a = std::make_shared<ArrayData>();
      a->items.reserve(json.get_array().size());
      for (const auto& item : json.get_array()) a->items.push_back(FromJson(item));
      return Array(std::move(a));
    }
    case boost::json::kind::object: {
      auto o = std::make_shared<ObjectData>();
      o->entries.reserve(json.get_object().size());
      for (const auto& kv : json.get_object()) {
        o->entries.emplace_back(std::string(kv.key()), FromJson(kv.value()));
      }
      return Object(std::move(o));
    }
  }
  return Value();
}

}  // namespace sluice::jsonata
