// The JSONata 2.0.6 function library. Each function follows the reference implementation's
// behaviour (argument handling, undefined in → undefined out, error codes).

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/evaluator_internal.h"
#include "sluice/jsonata/function.h"
#include "sluice/jsonata/functions_internal.h"
#include "sluice/jsonata/jsonata.h"
#include "sluice/jsonata/signature_internal.h"
#include "sluice/jsonata/text_internal.h"

namespace sluice::jsonata {

namespace {

// Numbers in $string go through toPrecision(15), as the reference does.
Value Precision15(const Value& v) {
  if (v.is_number()) {
    // Integers print exactly (jsonata 2.1 behaviour the suite expects for big ids).
    if (v.number_text() || std::trunc(v.number()) == v.number()) return v;
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", v.number());
    return Value::Number(std::strtod(buf, nullptr));
  }
  if (v.is_array()) {
    Value out = Value::NewArray();
    for (const Value& item : v.array().items) out.array().items.push_back(Precision15(item));
    return out;
  }
  if (v.is_object()) {
    Value out = Value::NewObject();
    for (const auto& [k, m] : v.object().entries)
      out.object().entries.emplace_back(k, Precision15(m));
    return out;
  }
  return v;
}

void CheckFinite(const Value& v) {
  if (v.is_number() && !std::isfinite(v.number())) ThrowValue("D1001", v);
  if (v.is_array()) {
    for (const Value& item : v.array().items) CheckFinite(item);
  } else if (v.is_object()) {
    for (const auto& [k, m] : v.object().entries) CheckFinite(m);
  }
}

}  // namespace

std::string StringValue(const Value& value, bool prettify) {
  if (value.is_string()) return value.str();
  if (value.is_function()) return "";
  if (value.is_number() && !std::isfinite(value.number())) ThrowValue("D3001", value);
  Value v = value;
  if (v.is_array() && v.array().outer_wrapper && !v.array().items.empty()) v = v.array().items[0];
  CheckFinite(v);
  return ToJsonText(Precision15(v), prettify ? 2 : 0);
}

namespace {

// x × 10^places computed on the shortest decimal text of x (as the reference shifts
// "1.005" to "1.005e2"), so the result is the decimal shift, not a binary product.
double ShiftDecimal(double x, int places) {
  char buf[64];
  auto res = std::to_chars(buf, buf + 40, x);
  std::string_view text(buf, res.ptr - buf);
  int exp = places;
  size_t e = text.find('e');
  if (e != std::string_view::npos) {
    int existing = 0;
    std::string_view digits = text.substr(e + 1);
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    std::from_chars(digits.data(), digits.data() + digits.size(), existing);
    exp += existing;
    text = text.substr(0, e);
  }
  char* end = buf + text.size();
  *end++ = 'e';
  end = std::to_chars(end, buf + sizeof buf, exp).ptr;
  double out = 0;
  std::from_chars(buf, end, out);
  return out;
}

}  // namespace

// $round: half to even, at `precision` decimal places (shifted as text, as the reference
// does, so that 2.675 rounds as written).
double RoundHalfEven(double x, int precision) {
  if (precision) x = ShiftDecimal(x, precision);
  double r = std::floor(x + 0.5);  // JavaScript Math.round
  double diff = r - x;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(r, 2)) == 1) r -= 1;
  if (precision) r = ShiftDecimal(r, -precision);
  if (r == 0) r = 0;  // no -0 in JSON
  return r;
}

namespace {

using Args = std::vector<Value>;

const Value& Arg(const Args& a, size_t i) {
  static const Value kUndefined;
  return i < a.size() ? a[i] : kUndefined;
}

Value Seq() { return Value::NewSequence(); }

// ---- aggregation ----

Value Sum(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  double total = 0;
  for (const Value& v : a[0].array().items) total += v.number();
  return Value::Number(total);
}

Value Count(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value::Number(0);
  return Value::Number(static_cast<double>(a[0].array().items.size()));
}

Value MaxMin(Args& a, bool max) {
  if (Arg(a, 0).is_undefined() || a[0].array().items.empty()) return Value();
  double r = max ? -INFINITY : INFINITY;
  for (const Value& v : a[0].array().items)
    r = max ? std::max(r, v.number()) : std::min(r, v.number());
  return Value::Number(r);
}
Value Max(CallContext&, Args& a) { return MaxMin(a, true); }
Value Min(CallContext&, Args& a) { return MaxMin(a, false); }

Value Average(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined() || a[0].array().items.empty()) return Value();
  double total = 0;
  for (const Value& v : a[0].array().items) total += v.number();
  return Value::Number(total / static_cast<double>(a[0].array().items.size()));
}

// ---- strings ----

Value String(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  bool pretty = Arg(a, 1).is_boolean() && a[1].boolean();
  return Value::String(StringValue(a[0], pretty));
}

Value Substring(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::vector<uint32_t> cps = DecodeUtf8(a[0].str());
  double len = static_cast<double>(cps.size());
  double start = std::trunc(a[1].number());
  if (len + start < 0) start = 0;
  auto clamp = [&](double x) {
    if (x < 0) x = std::max(0.0, len + x);
    return static_cast<size_t>(std::min(x, len));
  };
  if (Arg(a, 2).is_defined()) {
    double length = a[2].number();
    if (length <= 0) return Value::String("");
    double end = start >= 0 ? start + length : len + start + length;
    size_t s = clamp(start), e = clamp(std::trunc(end));
    if (e <= s) return Value::String("");
    return Value::String(EncodeUtf8(cps, s, e));
  }
  return Value::String(EncodeUtf8(cps, clamp(start)));
}

Value SubstringBefore(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  if (!Arg(a, 1).is_string()) return a[0];
  size_t pos = a[0].str().find(a[1].str());
  if (pos == std::string::npos) return a[0];
  return Value::String(a[0].str().substr(0, pos));
}

Value SubstringAfter(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  if (!Arg(a, 1).is_string()) return a[0];
  size_t pos = a[0].str().find(a[1].str());
  if (pos == std::string::npos) return a[0];
  return Value::String(a[0].str().substr(pos + a[1].str().size()));
}

uint32_t ToLowerCp(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2)) {
    return c + 32;
  }
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x100 && c <= 0x17F && c % 2 == 0) return c + 1;
  return c;
}
uint32_t ToUpperCp(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2)) {
    return c - 32;
  }
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if (c >= 0x101 && c <= 0x17F && c % 2 == 1) return c - 1;
  return c;
}

Value CaseMap(Args& a, bool upper) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::vector<uint32_t> cps = DecodeUtf8(a[0].str());
  for (uint32_t& c : cps) c = upper ? ToUpperCp(c) : ToLowerCp(c);
  return Value::String(EncodeUtf8(cps));
}
Value Lowercase(CallContext&, Args& a) { return CaseMap(a, false); }
Value Uppercase(CallContext&, Args& a) { return CaseMap(a, true); }

Value Length(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  return Value::Number(static_cast<double>(CodePointCount(a[0].str())));
}

Value Trim(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::string out;
  bool in_space = false;
  for (char c : a[0].str()) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!in_space) out.push_back(' ');
      in_space = true;
    } else {
      out.push_back(c);
      in_space = false;
    }
  }
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return Value::String(out);
}

Value Pad(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::string ch = Arg(a, 2).is_string() && !a[2].str().empty() ? a[2].str() : " ";
  double width = std::trunc(a[1].number());
  double pad_len = std::abs(width) - static_cast<double>(CodePointCount(a[0].str()));
  if (pad_len <= 0) return a[0];
  if (pad_len > 1e8) ThrowValue("D1001", a[1]);  // JavaScript fails such strings too
  std::vector<uint32_t> chars = DecodeUtf8(ch);
  std::vector<uint32_t> padding;
  for (size_t i = 0; i < static_cast<size_t>(pad_len); ++i)
    padding.push_back(chars[i % chars.size()]);
  std::string p = EncodeUtf8(padding);
  return Value::String(width > 0 ? a[0].str() + p : p + a[0].str());
}

Value Contains(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined() || Arg(a, 1).is_undefined()) return Value();
  if (a[1].is_string()) return Value::Boolean(a[0].str().find(a[1].str()) != std::string::npos);
  bool found = false;
  ctx.evaluator().ForEachMatch(a[1], a[0].str(), [&](const Regex::Match&) {
    found = true;
    return false;
  });
  return Value::Boolean(found);
}

Value MatchObject(const std::string& subject, const Regex::Match& m) {
  Value obj = Value::NewObject();
  obj.object().Set("match", Value::String(subject.substr(m.start, m.end - m.start)));
  obj.object().Set("index", Value::Number(static_cast<double>(CodePointIndex(subject, m.start))));
  Value groups = Value::NewArray();
  for (const auto& g : m.groups) groups.array().items.push_back(Value::String(g ? *g : ""));
  obj.object().Set("groups", groups);
  return obj;
}

Value Match(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  const Value& limit = Arg(a, 2);
  if (limit.is_defined() && limit.number() < 0) ThrowValue("D3040", limit);
  Value result = Seq();
  if (limit.is_defined() && limit.number() <= 0) return result;
  const std::string& s = a[0].str();
  double count = 0;
  ctx.evaluator().ForEachMatch(a[1], s, [&](const Regex::Match& m) {
    if (limit.is_defined() && count >= limit.number()) return false;
    result.array().items.push_back(MatchObject(s, m));
    ++count;
    return true;
  });
  return result;
}

std::string ExpandReplacement(const std::string& replacement, const std::string& matched,
                              const std::vector<std::optional<std::string>>& groups) {
  std::string out;
  size_t position = 0;
  size_t index = replacement.find('$', position);
  while (index != std::string::npos && position < replacement.size()) {
    out += replacement.substr(position, index - position);
    position = index + 1;
    char dollar = position < replacement.size() ? replacement[position] : 0;
    if (dollar == '$') {
      out += '$';
      ++position;
    } else if (dollar == '0') {
      out += matched;
      ++position;
    } else {
      size_t max_digits =
          groups.empty() ? 1 : static_cast<size_t>(std::floor(std::log10(groups.size()))) + 1;
      auto parse = [&](size_t n) -> long {
        std::string digits;
        for (size_t i = position; i < replacement.size() && i < position + n; ++i) {
          if (replacement[i] < '0' || replacement[i] > '9') break;
          digits.push_back(replacement[i]);
        }
        return digits.empty() ? -1 : std::stol(digits);
      };
      long idx = parse(max_digits);
      if (max_digits > 1 && idx > static_cast<long>(groups.size())) idx = parse(max_digits - 1);
      if (idx >= 0) {
        if (!groups.empty() && idx >= 1 && static_cast<size_t>(idx) <= groups.size()) {
          const auto& g = groups[idx - 1];
          if (g) out += *g;
        }
        position += std::to_string(idx).size();
      } else {
        out += '$';
      }
    }
    index = replacement.find('$', position);
  }
  if (position < replacement.size()) out += replacement.substr(position);
  return out;
}

Value Replace(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  const std::string& s = a[0].str();
  if (a[1].is_string() && a[1].str().empty()) {
    JsonataException e;
    e.code = "D3010";
    e.value = a[1];
    e.index = 2;
    throw e;
  }
  const Value& limit = Arg(a, 3);
  if (limit.is_defined() && limit.number() < 0) {
    JsonataException e;
    e.code = "D3011";
    e.value = limit;
    e.index = 4;
    throw e;
  }
  if (limit.is_defined() && limit.number() <= 0) return a[0];
  std::string result;
  size_t position = 0;
  double count = 0;
  if (a[1].is_string()) {
    const std::string& pattern = a[1].str();
    std::string replacement = a[2].is_string() ? a[2].str() : "";
    size_t index = s.find(pattern, position);
    while (index != std::string::npos && (limit.is_undefined() || count < limit.number())) {
      result += s.substr(position, index - position);
      result += replacement;
      position = index + pattern.size();
      ++count;
      index = s.find(pattern, position);
    }
    result += s.substr(position);
    return Value::String(result);
  }
  bool any = false;
  ctx.evaluator().ForEachMatch(a[1], s, [&](const Regex::Match& m) {
    if (limit.is_defined() && count >= limit.number()) return false;
    any = true;
    result += s.substr(position, m.start - position);
    std::string matched = s.substr(m.start, m.end - m.start);
    if (a[2].is_string()) {
      result += ExpandReplacement(a[2].str(), matched, m.groups);
    } else {
      Value with = ctx.Apply(a[2], {MatchObject(s, m)});
      if (!with.is_string()) ThrowValue("D3012", with);
      result += with.str();
    }
    position = m.end;
    ++count;
    return true;
  });
  if (!any) return a[0];
  result += s.substr(position);
  return Value::String(result);
}

Value Split(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  const Value& limit = Arg(a, 2);
  if (limit.is_defined() && limit.number() < 0) ThrowValue("D3020", limit);
  Value result = Value::NewArray();
  auto& out = result.array().items;
  if (limit.is_defined() && limit.number() <= 0) return result;
  double max = limit.is_defined() ? std::floor(limit.number()) : 1e300;
  const std::string& s = a[0].str();
  if (a[1].is_string()) {
    const std::string& sep = a[1].str();
    if (sep.empty()) {
      for (uint32_t cp : DecodeUtf8(s)) {
        if (static_cast<double>(out.size()) >= max) break;
        std::string c;
        AppendUtf8(cp, c);
        out.push_back(Value::String(c));
      }
      return result;
    }
    size_t start = 0;
    while (static_cast<double>(out.size()) < max) {
      size_t pos = s.find(sep, start);
      if (pos == std::string::npos) {
        out.push_back(Value::String(s.substr(start)));
        break;
      }
      out.push_back(Value::String(s.substr(start, pos - start)));
      start = pos + sep.size();
    }
    return result;
  }
  size_t start = 0;
  double count = 0;
  bool any = false;
  ctx.evaluator().ForEachMatch(a[1], s, [&](const Regex::Match& m) {
    if (count >= max) return false;
    any = true;
    out.push_back(Value::String(s.substr(start, m.start - start)));
    start = m.end;
    ++count;
    return true;
  });
  if (!any) {
    out.push_back(a[0]);
  } else if (count < max) {
    out.push_back(Value::String(s.substr(start)));
  }
  return result;
}

Value Join(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::string sep = Arg(a, 1).is_string() ? a[1].str() : "";
  std::string out;
  const auto& items = a[0].array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i].str();
  }
  return Value::String(out);
}

// ---- numbers ----

bool MatchesJsonNumber(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t b = i;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == b) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t f = i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == f) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e = i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == e) return false;
  }
  return i == s.size();
}

Value NumberFn(CallContext&, Args& a) {
  const Value& v = Arg(a, 0);
  if (v.is_undefined()) return Value();
  if (v.is_number()) return v;
  if (v.is_boolean()) return Value::Number(v.boolean() ? 1 : 0);
  if (v.is_string()) {
    const std::string& s = v.str();
    if (MatchesJsonNumber(s)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (std::isfinite(d)) return Value::Number(d);
    }
    if (s.size() > 2 && s[0] == '0') {
      int base = (s[1] == 'x' || s[1] == 'X')   ? 16
                 : (s[1] == 'o' || s[1] == 'O') ? 8
                 : (s[1] == 'b' || s[1] == 'B') ? 2
                                                : 0;
      if (base) {
        bool ok = true;
        double r = 0;
        for (size_t i = 2; i < s.size(); ++i) {
          int d = isdigit(static_cast<unsigned char>(s[i]))   ? s[i] - '0'
                  : isalpha(static_cast<unsigned char>(s[i])) ? (tolower(s[i]) - 'a' + 10)
                                                              : 99;
          if (d >= base) ok = false;
          r = r * base + d;
        }
        if (ok) return Value::Number(r);
      }
    }
  }
  JsonataException e;
  e.code = "D3030";
  e.value = v;
  e.index = 1;
  throw e;
}

Value Floor(CallContext&, Args& a) {
  return Arg(a, 0).is_undefined() ? Value() : Value::Number(std::floor(a[0].number()));
}
Value Ceil(CallContext&, Args& a) {
  return Arg(a, 0).is_undefined() ? Value() : Value::Number(std::ceil(a[0].number()));
}
Value Abs(CallContext&, Args& a) {
  return Arg(a, 0).is_undefined() ? Value() : Value::Number(std::fabs(a[0].number()));
}

Value Round(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  int precision = Arg(a, 1).is_number() ? static_cast<int>(a[1].number()) : 0;
  return Value::Number(RoundHalfEven(a[0].number(), precision));
}

Value Sqrt(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  if (a[0].number() < 0) {
    JsonataException e;
    e.code = "D3060";
    e.value = a[0];
    e.index = 1;
    throw e;
  }
  return Value::Number(std::sqrt(a[0].number()));
}

Value Power(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  double r = std::pow(a[0].number(), a[1].number());
  if (!std::isfinite(r)) {
    JsonataException e;
    e.code = "D3061";
    e.value = a[0];
    e.value2 = a[1];
    e.index = 1;
    throw e;
  }
  return Value::Number(r);
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

Value Random(CallContext&, Args&) {
  return Value::Number(std::uniform_real_distribution<double>(0.0, 1.0)(Rng()));
}

Value FormatNumber(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined() || !Arg(a, 1).is_string()) return Value();
  return Value::String(FormatNumberPicture(a[0].number(), a[1].str(), Arg(a, 2)));
}

Value FormatBase(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  double value = RoundHalfEven(a[0].number(), 0);
  double radix = Arg(a, 1).is_defined() ? RoundHalfEven(a[1].number(), 0) : 10;
  if (radix < 2 || radix > 36) ThrowValue("D3100", Value::Number(radix));
  bool negative = value < 0;
  double v = std::fabs(value);
  std::string digits;
  int base = static_cast<int>(radix);
  if (v == 0) digits = "0";
  while (v >= 1) {
    int d = static_cast<int>(std::fmod(v, base));
    digits.push_back(static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10));
    v = std::floor(v / base);
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return Value::String(digits);
}

Value FormatInteger(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined() || !Arg(a, 1).is_string()) return Value();
  return Value::String(FormatIntegerPicture(a[0].number(), a[1].str()));
}

Value ParseInteger(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined() || !Arg(a, 1).is_string()) return Value();
  return ParseIntegerPicture(a[0].str(), a[1].str());
}

// ---- booleans ----

Value BooleanFn(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  return Value::Boolean(Evaluator::Truthy(a[0]));
}
Value Not(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  return Value::Boolean(!Evaluator::Truthy(a[0]));
}
Value Exists(CallContext&, Args& a) { return Value::Boolean(Arg(a, 0).is_defined()); }

// ---- higher-order ----

std::vector<Value> HofArgs(CallContext& ctx, const Value& f, const Value& a1, const Value& a2,
                           const Value& a3) {
  std::vector<Value> args{a1};
  int n = ctx.Arity(f);
  if (n >= 2) args.push_back(a2);
  if (n >= 3) args.push_back(a3);
  return args;
}

Value Map(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  Value result = Seq();
  const auto items = a[0].array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    Value r = ctx.Apply(a[1], HofArgs(ctx, a[1], items[i], Value::Number(double(i)), a[0]));
    if (r.is_defined()) result.array().items.push_back(r);
  }
  return result;
}

Value Filter(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  Value result = Seq();
  const auto items = a[0].array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    Value r = ctx.Apply(a[1], HofArgs(ctx, a[1], items[i], Value::Number(double(i)), a[0]));
    if (Evaluator::Truthy(r)) result.array().items.push_back(items[i]);
  }
  return result;
}

Value Single(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  bool found = false;
  Value result;
  const auto items = a[0].array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    bool positive = true;
    if (Arg(a, 1).is_defined()) {
      Value r = ctx.Apply(a[1], HofArgs(ctx, a[1], items[i], Value::Number(double(i)), a[0]));
      positive = Evaluator::Truthy(r);
    }
    if (positive) {
      if (found) Throw("D3138");
      result = items[i];
      found = true;
    }
  }
  if (!found) Throw("D3139");
  return result;
}

Value Reduce(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  int arity = ctx.Arity(a[1]);
  if (arity < 2) {
    JsonataException e;
    e.code = "D3050";
    e.index = 1;
    throw e;
  }
  const auto items = a[0].array().items;
  Value result;
  size_t index;
  if (Arg(a, 2).is_undefined() && !items.empty()) {
    result = items[0];
    index = 1;
  } else {
    result = Arg(a, 2);
    index = 0;
  }
  for (; index < items.size(); ++index) {
    std::vector<Value> args{result, items[index]};
    if (arity >= 3) args.push_back(Value::Number(double(index)));
    if (arity >= 4) args.push_back(a[0]);
    result = ctx.Apply(a[1], std::move(args));
  }
  return result;
}

Value Zip(CallContext&, Args& a) {
  Value result = Value::NewArray();
  size_t n = a.empty() ? 0 : static_cast<size_t>(-1);
  for (const Value& arg : a) n = std::min(n, arg.is_array() ? arg.array().items.size() : 0);
  for (size_t i = 0; i < n; ++i) {
    Value tuple = Value::NewArray();
    for (const Value& arg : a) tuple.array().items.push_back(arg.array().items[i]);
    result.array().items.push_back(tuple);
  }
  return result;
}

Value Sift(CallContext& ctx, Args& a) {
  if (!Arg(a, 0).is_object()) return Value();
  Value result = Value::NewObject();
  const auto entries = a[0].object().entries;
  for (const auto& [k, v] : entries) {
    Value r = ctx.Apply(a[1], HofArgs(ctx, a[1], v, Value::String(k), a[0]));
    if (Evaluator::Truthy(r)) result.object().entries.emplace_back(k, v);
  }
  if (result.object().size() == 0) return Value();
  return result;
}

Value Each(CallContext& ctx, Args& a) {
  if (!Arg(a, 0).is_object()) return Value();
  Value result = Seq();
  const auto entries = a[0].object().entries;
  for (const auto& [k, v] : entries) {
    Value r = ctx.Apply(a[1], HofArgs(ctx, a[1], v, Value::String(k), a[0]));
    if (r.is_defined()) result.array().items.push_back(r);
  }
  return result;
}

// ---- objects and arrays ----

void CollectKeys(const Value& v, std::vector<std::string>& keys) {
  if (v.is_array()) {
    for (const Value& item : v.array().items) CollectKeys(item, keys);
  } else if (v.is_object()) {
    for (const auto& [k, m] : v.object().entries) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  }
}

Value Keys(CallContext&, Args& a) {
  std::vector<std::string> keys;
  CollectKeys(Arg(a, 0), keys);
  Value result = Seq();
  for (auto& k : keys) result.array().items.push_back(Value::String(k));
  return result;
}

Value LookupFn(CallContext&, Args& a) {
  if (!Arg(a, 1).is_string()) return Value();
  return Evaluator::Lookup(Arg(a, 0), a[1].str());
}

Value AppendFn(CallContext&, Args& a) { return Evaluator::Append(Arg(a, 0), Arg(a, 1)); }

Value SpreadValue(const Value& v) {
  if (v.is_array()) {
    Value result = Seq();
    for (const Value& item : v.array().items) result = Evaluator::Append(result, SpreadValue(item));
    return result;
  }
  if (v.is_object()) {
    Value result = Seq();
    for (const auto& [k, m] : v.object().entries) {
      Value o = Value::NewObject();
      o.object().entries.emplace_back(k, m);
      result.array().items.push_back(o);
    }
    return result;
  }
  return v;
}
Value Spread(CallContext&, Args& a) { return SpreadValue(Arg(a, 0)); }

Value Merge(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  Value result = Value::NewObject();
  for (const Value& o : a[0].array().items) {
    if (!o.is_object()) continue;
    for (const auto& [k, v] : o.object().entries) result.object().Set(k, v);
  }
  return result;
}

Value Reverse(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  if (a[0].array().items.size() <= 1) return a[0];
  Value result = Value::NewArray();
  result.array().items.assign(a[0].array().items.rbegin(), a[0].array().items.rend());
  return result;
}

Value Sort(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  const auto& items = a[0].array().items;
  if (items.size() <= 1) return a[0];
  bool custom = Arg(a, 1).is_defined();
  if (!custom) {
    bool nums = true, strs = true;
    for (const Value& v : items) {
      nums = nums && v.is_number();
      strs = strs && v.is_string();
    }
    if (!nums && !strs) {
      JsonataException e;
      e.code = "D3070";
      e.index = 1;
      throw e;
    }
  }
  // `after(x, y)`: x must come after y (the reference's merge sort contract).
  auto after = [&](const Value& x, const Value& y) {
    if (custom) return Evaluator::Truthy(ctx.Apply(a[1], {x, y}));
    if (x.is_number()) return x.number() > y.number();
    return x.str() > y.str();
  };
  std::vector<Value> v = items;
  MergeSort(v, after);
  Value result = Value::NewArray();
  result.array().items = std::move(v);
  return result;
}

Value Shuffle(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  if (a[0].array().items.size() <= 1) return a[0];
  Value result = Value::NewArray();
  result.array().items = a[0].array().items;
  std::shuffle(result.array().items.begin(), result.array().items.end(), Rng());
  return result;
}

Value Distinct(CallContext&, Args& a) {
  const Value& arr = Arg(a, 0);
  if (arr.is_undefined()) return Value();
  if (!arr.is_array() || arr.array().items.size() <= 1) return arr;
  Value result = arr.array().sequence ? Seq() : Value::NewArray();
  auto& out = result.array().items;
  for (const Value& v : arr.array().items) {
    bool seen = false;
    for (const Value& r : out) {
      if (Evaluator::DeepEqual(v, r)) {
        seen = true;
        break;
      }
    }
    if (!seen) out.push_back(v);
  }
  return result;
}

Value Type(CallContext&, Args& a) {
  const Value& v = Arg(a, 0);
  switch (v.type()) {
    case ValueType::kUndefined:
      return Value();
    case ValueType::kNull:
      return Value::String("null");
    case ValueType::kNumber:
      return Value::String("number");
    case ValueType::kString:
      return Value::String("string");
    case ValueType::kBoolean:
      return Value::String("boolean");
    case ValueType::kArray:
      return Value::String("array");
    case ValueType::kFunction:
      return Value::String("function");
    case ValueType::kObject:
      return Value::String("object");
  }
  return Value();
}

Value Clone(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  return ctx.evaluator().DeepClone(a[0]);
}

// ---- errors ----

Value Error(CallContext&, Args& a) {
  JsonataException e;
  e.code = "D3137";
  e.detail = Arg(a, 0).is_string() ? a[0].str() : "$error() function evaluated";
  throw e;
}

Value Assert(CallContext&, Args& a) {
  if (!a[0].boolean()) {
    JsonataException e;
    e.code = "D3141";
    e.detail = Arg(a, 1).is_string() ? a[1].str() : "$assert() statement failed";
    throw e;
  }
  return Value();
}

// ---- encodings ----

const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Value Base64Encode(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  const std::string& s = a[0].str();
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kBase64[(n >> (6 * k)) & 63]);
  }
  if (i + 1 == s.size()) {
    uint32_t n = uint8_t(s[i]) << 16;
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out += "==";
  } else if (i + 2 == s.size()) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8);
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(kBase64[(n >> 6) & 63]);
    out.push_back('=');
  }
  return Value::String(out);
}

Value Base64Decode(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : a[0].str()) {
    const char* p = std::strchr(kBase64, c);
    if (c == '=' || c == 0 || p == nullptr) continue;
    buf = (buf << 6) | static_cast<uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  return Value::String(out);
}

[[noreturn]] void MalformedUrl(const char* fn, const Value& v) {
  JsonataException e;
  e.code = "D3140";
  e.value = v;
  e.detail = fn;
  throw e;
}

Value Encode(Args& a, const char* keep, const char* fn) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::string out;
  const std::string& s = a[0].str();
  // Lone surrogates cannot be encoded (they cannot occur in valid UTF-8 either).
  for (uint32_t cp : DecodeUtf8(s)) {
    if (cp >= 0xD800 && cp < 0xE000) MalformedUrl(fn, a[0]);
  }
  for (unsigned char c : s) {
    if (isalnum(c) || std::strchr(keep, c) != nullptr) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return Value::String(out);
}
Value EncodeUrlComponent(CallContext&, Args& a) {
  return Encode(a, "-_.!~*'()", "encodeUrlComponent");
}
Value EncodeUrl(CallContext&, Args& a) { return Encode(a, "-_.!~*'();/?:@&=+$,#", "encodeUrl"); }

Value Decode(Args& a, const char* reserved, const char* fn) {
  if (Arg(a, 0).is_undefined()) return Value();
  const std::string& s = a[0].str();
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      MalformedUrl(fn, a[0]);
    }
    char c = static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
    if (static_cast<unsigned char>(c) < 0x80 && std::strchr(reserved, c) != nullptr && c != 0) {
      out += s.substr(i, 3);
    } else {
      out.push_back(c);
    }
    i += 2;
  }
  // The decoded bytes must be valid UTF-8.
  for (size_t i = 0; i < out.size();) {
    unsigned char c = static_cast<unsigned char>(out[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > out.size()) MalformedUrl(fn, a[0]);
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(out[i + k]) & 0xC0) != 0x80) MalformedUrl(fn, a[0]);
    }
    i += len;
  }
  return Value::String(out);
}
Value DecodeUrlComponent(CallContext&, Args& a) { return Decode(a, "", "decodeUrlComponent"); }
Value DecodeUrl(CallContext&, Args& a) { return Decode(a, ";/?:@&=+$,#", "decodeUrl"); }

// ---- evaluation and time ----

Value Eval(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  Result<Expression> compiled = Expression::Compile(a[0].str(), *ctx.evaluator().registry());
  if (!compiled.ok()) {
    JsonataException e;
    e.code = "D3120";
    e.value = Value::String(compiled.status().message());
    throw e;
  }
  ctx.evaluator().Retain(compiled->tree());
  Value input = Arg(a, 1).is_defined() ? a[1] : ctx.input();
  try {
    Frame* frame = ctx.evaluator().NewFrame(ctx.environment());
    return ctx.evaluator().EvaluateRoot(compiled->root(), input, frame);
  } catch (JsonataException& inner) {
    JsonataException e;
    e.code = "D3121";
    e.value = Value::String(inner.code);
    throw e;
  }
}

Value Now(CallContext& ctx, Args& a) {
  std::optional<std::string> picture, tz;
  if (Arg(a, 0).is_string()) picture = a[0].str();
  if (Arg(a, 1).is_string()) tz = a[1].str();
  return Value::String(FormatDateTime(static_cast<double>(ctx.now_millis()), picture, tz));
}

Value Millis(CallContext& ctx, Args&) {
  return Value::Number(static_cast<double>(ctx.now_millis()));
}

Value FromMillis(CallContext&, Args& a) {
  if (Arg(a, 0).is_undefined() || !IsValidMillis(a[0].number())) return Value();
  std::optional<std::string> picture, tz;
  if (Arg(a, 1).is_string()) picture = a[1].str();
  if (Arg(a, 2).is_string()) tz = a[2].str();
  std::string text = FormatDateTime(a[0].number(), picture, tz);
  if (text.empty() && !(picture && picture->empty())) return Value();  // shifted out of range
  return Value::String(text);
}

Value ToMillis(CallContext& ctx, Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  std::optional<std::string> picture;
  if (Arg(a, 1).is_string()) picture = a[1].str();
  return ParseDateTime(a[0].str(), picture, ctx.now_millis());
}

}  // namespace

void RegisterStandardFunctions(FunctionRegistry& r) {
  r.RegisterBuiltin("sum", "<a<n>:n>", Sum);
  r.RegisterBuiltin("count", "<a:n>", Count);
  r.RegisterBuiltin("max", "<a<n>:n>", Max);
  r.RegisterBuiltin("min", "<a<n>:n>", Min);
  r.RegisterBuiltin("average", "<a<n>:n>", Average);
  r.RegisterBuiltin("string", "<x-b?:s>", String, /*arity=*/1);
  r.RegisterBuiltin("substring", "<s-nn?:s>", Substring);
  r.RegisterBuiltin("substringBefore", "<s-s:s>", SubstringBefore);
  r.RegisterBuiltin("substringAfter", "<s-s:s>", SubstringAfter);
  r.RegisterBuiltin("lowercase", "<s-:s>", Lowercase);
  r.RegisterBuiltin("uppercase", "<s-:s>", Uppercase);
  r.RegisterBuiltin("length", "<s-:n>", Length);
  r.RegisterBuiltin("trim", "<s-:s>", Trim);
  r.RegisterBuiltin("pad", "<s-ns?:s>", Pad);
  r.RegisterBuiltin("match", "<s-f<s:o>n?:a<o>>", Match);
  r.RegisterBuiltin("contains", "<s-(sf):b>", Contains);
  r.RegisterBuiltin("replace", "<s-(sf)(sf)n?:s>", Replace);
  r.RegisterBuiltin("split", "<s-(sf)n?:a<s>>", Split);
  r.RegisterBuiltin("join", "<a<s>s?:s>", Join);
  r.RegisterBuiltin("formatNumber", "<n-so?:s>", FormatNumber);
  r.RegisterBuiltin("formatBase", "<n-n?:s>", FormatBase);
  r.RegisterBuiltin("formatInteger", "<n-s:s>", FormatInteger);
  r.RegisterBuiltin("parseInteger", "<s-s:n>", ParseInteger);
  r.RegisterBuiltin("number", "<(nsb)-:n>", NumberFn);
  r.RegisterBuiltin("floor", "<n-:n>", Floor);
  r.RegisterBuiltin("ceil", "<n-:n>", Ceil);
  r.RegisterBuiltin("round", "<n-n?:n>", Round);
  r.RegisterBuiltin("abs", "<n-:n>", Abs);
  r.RegisterBuiltin("sqrt", "<n-:n>", Sqrt);
  r.RegisterBuiltin("power", "<n-n:n>", Power);
  r.RegisterBuiltin("random", "<:n>", Random);
  r.RegisterBuiltin("boolean", "<x-:b>", BooleanFn);
  r.RegisterBuiltin("not", "<x-:b>", Not);
  r.RegisterBuiltin("map", "<af>", Map);
  r.RegisterBuiltin("zip", "<a+>", Zip);
  r.RegisterBuiltin("filter", "<af>", Filter);
  r.RegisterBuiltin("single", "<af?>", Single);
  r.RegisterBuiltin("reduce", "<afj?:j>", Reduce);
  r.RegisterBuiltin("sift", "<o-f?:o>", Sift);
  r.RegisterBuiltin("keys", "<x-:a<s>>", Keys);
  r.RegisterBuiltin("lookup", "<x-s:x>", LookupFn);
  r.RegisterBuiltin("append", "<xx:a>", AppendFn);
  r.RegisterBuiltin("exists", "<x:b>", Exists);
  r.RegisterBuiltin("spread", "<x-:a<o>>", Spread);
  r.RegisterBuiltin("merge", "<a<o>:o>", Merge);
  r.RegisterBuiltin("reverse", "<a:a>", Reverse);
  r.RegisterBuiltin("each", "<o-f:a>", Each);
  r.RegisterBuiltin("error", "<s?:x>", Error);
  r.RegisterBuiltin("assert", "<bs?:x>", Assert);
  r.RegisterBuiltin("type", "<x:s>", Type);
  r.RegisterBuiltin("sort", "<af?:a>", Sort);
  r.RegisterBuiltin("shuffle", "<a:a>", Shuffle);
  r.RegisterBuiltin("distinct", "<x:x>", Distinct);
  r.RegisterBuiltin("base64encode", "<s-:s>", Base64Encode);
  r.RegisterBuiltin("base64decode", "<s-:s>", Base64Decode);
  r.RegisterBuiltin("encodeUrlComponent", "<s-:s>", EncodeUrlComponent);
  r.RegisterBuiltin("encodeUrl", "<s-:s>", EncodeUrl);
  r.RegisterBuiltin("decodeUrlComponent", "<s-:s>", DecodeUrlComponent);
  r.RegisterBuiltin("decodeUrl", "<s-:s>", DecodeUrl);
  r.RegisterBuiltin("eval", "<sx?:x>", Eval);
  r.RegisterBuiltin("toMillis", "<s-s?:n>", ToMillis);
  r.RegisterBuiltin("fromMillis", "<n-s?s?:s>", FromMillis);
  r.RegisterBuiltin("clone", "<(oa)-:o>", Clone);
  r.RegisterBuiltin("now", "<s?s?:s>", Now);
  r.RegisterBuiltin("millis", "<:n>", Millis);
}

// ---- registry ----

FunctionRegistry::FunctionRegistry() = default;

const FunctionRegistry& FunctionRegistry::Standard() {
  static const FunctionRegistry* standard = [] {
    auto* r = new FunctionRegistry();
    RegisterStandardFunctions(*r);
    return r;
  }();
  return *standard;
}

void FunctionRegistry::RegisterBuiltin(std::string_view name, std::string_view signature,
                                       BuiltinFunction function, int arity) {
  auto b = std::make_shared<Builtin>();
  b->name = std::string(name);
  if (!signature.empty()) b->signature = ParseSignature(signature, 0);
  b->function = function;
  b->arity = arity >= 0 ? arity : b->signature ? static_cast<int>(b->signature->params.size()) : 0;
  auto fn = std::make_shared<FunctionData>();
  fn->kind = FunctionData::Kind::kBuiltin;
  fn->builtin = b.get();
  functions_[std::string(name)] = Value::Function(std::move(fn));
  builtins_.push_back(std::move(b));
}

Status FunctionRegistry::Register(std::string_view name, std::string_view signature,
                                  NativeFunction function) {
  auto b = std::make_shared<Builtin>();
  b->name = std::string(name);
  if (!signature.empty()) {
    try {
      b->signature = ParseSignature(signature, 0);
    } catch (const JsonataException& e) {
      return Status::InvalidArgument("invalid signature " + std::string(signature) + " for $" +
                                     std::string(name) + ": " + ErrorMessage(e));
    }
  }
  b->native = std::move(function);
  b->arity = b->signature ? static_cast<int>(b->signature->params.size()) : 0;
  auto fn = std::make_shared<FunctionData>();
  fn->kind = FunctionData::Kind::kBuiltin;
  fn->builtin = b.get();
  functions_[std::string(name)] = Value::Function(std::move(fn));
  builtins_.push_back(std::move(b));
  return Status::OK();
}

void FunctionRegistry::Remove(std::string_view name) {
  auto it = functions_.find(name);
  if (it != functions_.end()) functions_.erase(it);
}

const Value* FunctionRegistry::Find(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

}  // namespace sluice::jsonata
