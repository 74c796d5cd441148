// $formatNumber: XPath F&O 3.1 fn:format-number (§4.7), as the reference implements it:
// picture split into sub-pictures, validated (D3080–D3093), analysed, then the number is
// scaled, rounded half-to-even and laid out with digits of the chosen zero-digit family.
// Pictures are handled as code points so that any decimal digit family works.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/functions_internal.h"

namespace sluice::jsonata {
namespace {

using U32 = std::u32string;

U32 ToU32(std::string_view s) {
  std::vector<uint32_t> cps = DecodeUtf8(s);
  return U32(cps.begin(), cps.end());
}

struct Properties {
  char32_t decimal = '.', grouping = ',', exponent = 'e', percent = '%', per_mille = 0x2030;
  char32_t zero = '0', digit = '#', pattern = ';';
  U32 minus = U"-";
  bool IsDigit(char32_t c) const { return c >= zero && c < zero + 10; }
  bool IsActive(char32_t c) const {
    return IsDigit(c) || c == decimal || c == exponent || c == grouping || c == digit ||
           c == pattern;
  }
};

struct Parts {
  U32 prefix, suffix, active, mantissa, integer, fractional, subpicture;
  bool has_exponent = false;
  U32 exponent;
};

Parts SplitParts(const U32& sub, const Properties& p) {
  Parts parts;
  parts.subpicture = sub;
  size_t first = U32::npos, last = U32::npos;
  for (size_t i = 0; i < sub.size(); ++i) {
    if (p.IsActive(sub[i]) && sub[i] != p.exponent) {
      first = i;
      break;
    }
  }
  for (size_t i = sub.size(); i-- > 0;) {
    if (p.IsActive(sub[i]) && sub[i] != p.exponent) {
      last = i;
      break;
    }
  }
  parts.prefix = first == U32::npos ? U32() : sub.substr(0, first);
  parts.suffix = last == U32::npos ? U32() : sub.substr(last + 1);
  parts.active =
      sub.substr(parts.prefix.size(), sub.size() - parts.prefix.size() - parts.suffix.size());
  size_t exp_pos = sub.find(p.exponent, parts.prefix.size());
  if (exp_pos == U32::npos || exp_pos > sub.size() - parts.suffix.size()) {
    parts.mantissa = parts.active;
  } else {
    parts.mantissa = parts.active.substr(0, exp_pos);
    parts.has_exponent = true;
    parts.exponent = exp_pos + 1 <= parts.active.size() ? parts.active.substr(exp_pos + 1) : U32();
  }
  size_t dec = parts.mantissa.find(p.decimal);
  if (dec == U32::npos) {
    parts.integer = parts.mantissa;
    parts.fractional = parts.suffix;
  } else {
    parts.integer = parts.mantissa.substr(0, dec);
    parts.fractional = parts.mantissa.substr(dec + 1);
  }
  return parts;
}

size_t CountIf(const U32& s, const std::function<bool(char32_t)>& f) {
  size_t n = 0;
  for (char32_t c : s) n += f(c) ? 1 : 0;
  return n;
}

void Validate(const Parts& parts, const Properties& p) {
  const char* error = nullptr;
  const U32& sub = parts.subpicture;
  size_t dec = sub.find(p.decimal);
  if (dec != sub.rfind(p.decimal)) error = "D3081";
  if (sub.find(p.percent) != sub.rfind(p.percent)) error = "D3082";
  if (sub.find(p.per_mille) != sub.rfind(p.per_mille)) error = "D3083";
  if (sub.find(p.percent) != U32::npos && sub.find(p.per_mille) != U32::npos) error = "D3084";
  bool valid = false;
  for (char32_t c : parts.mantissa) {
    if (p.IsDigit(c) || c == p.digit) {
      valid = true;
      break;
    }
  }
  if (!valid) error = "D3085";
  for (char32_t c : parts.active) {
    if (!p.IsActive(c)) error = "D3086";
  }
  if (dec != U32::npos) {
    if ((dec > 0 && sub[dec - 1] == p.grouping) ||
        (dec + 1 < sub.size() && sub[dec + 1] == p.grouping)) {
      error = "D3087";
    }
  } else if (!parts.integer.empty() && parts.integer.back() == p.grouping) {
    error = "D3088";
  }
  if (sub.find(U32{p.grouping, p.grouping}) != U32::npos) error = "D3089";
  size_t opt = parts.integer.find(p.digit);
  if (opt != U32::npos &&
      CountIf(parts.integer.substr(0, opt), [&](char32_t c) { return p.IsDigit(c); }) > 0) {
    error = "D3090";
  }
  opt = parts.fractional.rfind(p.digit);
  if (opt != U32::npos &&
      CountIf(parts.fractional.substr(opt), [&](char32_t c) { return p.IsDigit(c); }) > 0) {
    error = "D3091";
  }
  if (parts.has_exponent && !parts.exponent.empty() &&
      (sub.find(p.percent) != U32::npos || sub.find(p.per_mille) != U32::npos)) {
    error = "D3092";
  }
  if (parts.has_exponent && (parts.exponent.empty() || CountIf(parts.exponent, [&](char32_t c) {
                                                         return !p.IsDigit(c);
                                                       }) > 0)) {
    error = "D3093";
  }
  if (error) Throw(error);
}

struct Analysis {
  std::vector<size_t> integer_groups;
  size_t regular = 0;
  size_t min_integer = 0, scaling = 0;
  std::vector<size_t> fraction_groups;
  size_t min_fraction = 0, max_fraction = 0, min_exponent = 0;
  U32 prefix, suffix, picture;
  bool has_exponent = false;
};

Analysis Analyse(const Parts& parts, const Properties& p) {
  Analysis a;
  auto is_digitish = [&](char32_t c) { return p.IsDigit(c) || c == p.digit; };
  auto groups = [&](const U32& part, bool to_left) {
    std::vector<size_t> positions;
    size_t g = part.find(p.grouping);
    while (g != U32::npos) {
      U32 side = to_left ? part.substr(0, g) : part.substr(g);
      positions.push_back(CountIf(side, is_digitish));
      g = parts.integer.find(p.grouping, g + 1);
    }
    return positions;
  };
  a.integer_groups = groups(parts.integer, false);
  if (!a.integer_groups.empty()) {
    size_t factor = 0;
    for (size_t x : a.integer_groups) factor = std::gcd(factor, x);
    bool regular = factor > 0;
    for (size_t i = 1; i <= a.integer_groups.size() && regular; ++i) {
      if (std::find(a.integer_groups.begin(), a.integer_groups.end(), i * factor) ==
          a.integer_groups.end()) {
        regular = false;
      }
    }
    a.regular = regular ? factor : 0;
  }
  a.fraction_groups = groups(parts.fractional, true);
  a.min_integer = CountIf(parts.integer, [&](char32_t c) { return p.IsDigit(c); });
  a.scaling = a.min_integer;
  a.min_fraction = CountIf(parts.fractional, [&](char32_t c) { return p.IsDigit(c); });
  a.max_fraction = CountIf(parts.fractional, is_digitish);
  a.has_exponent = parts.has_exponent;
  if (a.min_integer == 0 && a.max_fraction == 0) {
    if (a.has_exponent) {
      a.min_fraction = 1;
      a.max_fraction = 1;
    } else {
      a.min_integer = 1;
    }
  }
  if (a.has_exponent && a.min_integer == 0 && parts.integer.find(p.digit) != U32::npos) {
    a.min_integer = 1;
  }
  if (a.min_integer == 0 && a.min_fraction == 0) a.min_fraction = 1;
  if (a.has_exponent)
    a.min_exponent = CountIf(parts.exponent, [&](char32_t c) { return p.IsDigit(c); });
  a.prefix = parts.prefix;
  a.suffix = parts.suffix;
  a.picture = parts.subpicture;
  return a;
}

U32 MakeDigits(double value, size_t dp, const Properties& p) {
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf - 1, std::fabs(value), std::chars_format::fixed,
                           static_cast<int>(dp));
  *res.ptr = 0;
  U32 out;
  for (char* c = buf; *c; ++c) {
    out.push_back(*c >= '0' && *c <= '9' ? p.zero + (*c - '0') : static_cast<char32_t>(*c));
  }
  return out;
}

char32_t FirstCp(const Value& v, char32_t fallback) {
  if (!v.is_string() || v.str().empty()) return fallback;
  return DecodeUtf8(v.str())[0];
}

// The analysed picture: what depends on the picture and options, not on the number.
struct Picture {
  Properties p;
  std::vector<Analysis> vars;  // positive, negative
};

Picture AnalysePicture(const std::string& picture_text, const Value& options) {
  Picture result;
  Properties& p = result.p;
  if (options.is_object()) {
    for (const auto& [k, v] : options.object().entries) {
      if (k == "decimal-separator") p.decimal = FirstCp(v, p.decimal);
      if (k == "grouping-separator") p.grouping = FirstCp(v, p.grouping);
      if (k == "exponent-separator") p.exponent = FirstCp(v, p.exponent);
      if (k == "percent") p.percent = FirstCp(v, p.percent);
      if (k == "per-mille") p.per_mille = FirstCp(v, p.per_mille);
      if (k == "zero-digit") p.zero = FirstCp(v, p.zero);
      if (k == "digit") p.digit = FirstCp(v, p.digit);
      if (k == "pattern-separator") p.pattern = FirstCp(v, p.pattern);
      if (k == "minus-sign" && v.is_string()) p.minus = ToU32(v.str());
    }
  }
  U32 picture = ToU32(picture_text);
  // Multi-character percent/per-mille strings ("pm") act as one character: map them.
  if (options.is_object()) {
    for (const char* key : {"percent", "per-mille"}) {
      const Value* v = options.object().Find(key);
      if (v && v->is_string() && CodePointCount(v->str()) > 1) {
        U32 text = ToU32(v->str());
        char32_t marker = std::string(key) == "percent" ? 0xE000 : 0xE001;
        for (size_t pos = picture.find(text); pos != U32::npos; pos = picture.find(text, pos + 1)) {
          picture.replace(pos, text.size(), 1, marker);
        }
        if (std::string(key) == "percent")
          p.percent = marker;
        else
          p.per_mille = marker;
      }
    }
  }
  std::vector<U32> subs;
  size_t start = 0;
  for (size_t i = 0; i <= picture.size(); ++i) {
    if (i == picture.size() || picture[i] == p.pattern) {
      subs.push_back(picture.substr(start, i - start));
      start = i + 1;
    }
  }
  if (subs.size() > 2) Throw("D3080");
  std::vector<Parts> parts;
  for (const U32& s : subs) parts.push_back(SplitParts(s, p));
  for (const Parts& part : parts) Validate(part, p);
  std::vector<Analysis>& vars = result.vars;
  for (const Parts& part : parts) vars.push_back(Analyse(part, p));
  if (vars.size() == 1) {
    vars.push_back(vars[0]);
    vars[1].prefix = p.minus + vars[1].prefix;
  }
  return result;
}

}  // namespace

std::string FormatNumberPicture(double value, const std::string& picture_text,
                                const Value& options) {
  // Pictures without options repeat (one per expression): analyse each once per thread.
  thread_local std::unordered_map<std::string, std::shared_ptr<const Picture>> cache;
  std::shared_ptr<const Picture> analysed;
  if (!options.is_object()) {
    auto it = cache.find(picture_text);
    if (it != cache.end()) {
      analysed = it->second;
    } else {
      analysed = std::make_shared<Picture>(AnalysePicture(picture_text, options));
      if (cache.size() >= 256) cache.clear();
      cache.emplace(picture_text, analysed);
    }
  } else {
    analysed = std::make_shared<Picture>(AnalysePicture(picture_text, options));
  }
  const Properties& p = analysed->p;
  const std::vector<Analysis>& vars = analysed->vars;
  const Analysis& pic = value >= 0 ? vars[0] : vars[1];
  double adjusted = value;
  if (pic.picture.find(p.percent) != U32::npos) {
    adjusted = value * 100;
  } else if (pic.picture.find(p.per_mille) != U32::npos) {
    adjusted = value * 1000;
  }
  double mantissa = adjusted;
  bool has_exp = pic.min_exponent != 0;
  int exponent = 0;
  if (has_exp && adjusted != 0) {
    double max_m = std::pow(10, pic.scaling);
    double min_m = std::pow(10, static_cast<double>(pic.scaling) - 1);
    while (std::fabs(mantissa) < min_m) {
      mantissa *= 10;
      exponent -= 1;
    }
    while (std::fabs(mantissa) > max_m) {
      mantissa /= 10;
      exponent += 1;
    }
  }
  double rounded = RoundHalfEven(mantissa, static_cast<int>(pic.max_fraction));
  U32 s = MakeDigits(rounded, pic.max_fraction, p);
  size_t dot = s.find(U'.');
  if (dot == U32::npos) {
    s.push_back(p.decimal);
  } else {
    s[dot] = p.decimal;
  }
  s.erase(0, std::min(s.size(), s.find_first_not_of(p.zero)));
  while (!s.empty() && s.back() == p.zero) s.pop_back();
  size_t dec = s.find(p.decimal);
  long pad_left = static_cast<long>(pic.min_integer) - static_cast<long>(dec);
  long pad_right = static_cast<long>(pic.min_fraction) - static_cast<long>(s.size() - dec - 1);
  if (pad_left > 0) s = U32(pad_left, p.zero) + s;
  if (pad_right > 0) s += U32(pad_right, p.zero);
  dec = s.find(p.decimal);
  if (pic.regular > 0) {
    size_t count = dec == 0 ? 0 : (dec - 1) / pic.regular;
    for (size_t g = 1; g <= count; ++g) s.insert(dec - g * pic.regular, 1, p.grouping);
  } else {
    for (size_t pos : pic.integer_groups) {
      if (pos <= dec) {
        s.insert(dec - pos, 1, p.grouping);
        ++dec;
      }
    }
  }
  dec = s.find(p.decimal);
  for (size_t pos : pic.fraction_groups) {
    if (pos + dec + 1 <= s.size()) s.insert(pos + dec + 1, 1, p.grouping);
  }
  dec = s.find(p.decimal);
  if (pic.min_fraction == 0 && dec == s.size() - 1) s.pop_back();
  if (has_exp) {
    U32 e = MakeDigits(exponent, 0, p);
    if (e.size() < pic.min_exponent) e = U32(pic.min_exponent - e.size(), p.zero) + e;
    s += p.exponent;
    if (exponent < 0) s += p.minus;
    s += e;
  }
  std::string result;
  result.reserve(pic.prefix.size() + s.size() + pic.suffix.size() + 8);
  for (const U32* part : {&pic.prefix, static_cast<const U32*>(&s), &pic.suffix}) {
    for (char32_t c : *part) {
      if (c == 0xE000 || c == 0xE001) {
        // Restore a multi-character percent/per-mille string.
        const Value* v = options.object().Find(c == 0xE000 ? "percent" : "per-mille");
        result += v->str();
      } else if (c < 0x80) {
        result.push_back(static_cast<char>(c));
      } else {
        AppendUtf8(c, result);
      }
    }
  }
  return result;
}

}  // namespace sluice::jsonata
