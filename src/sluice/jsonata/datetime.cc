// Picture strings for integers and timestamps (XPath F&O 3.1 §4.6.1 fn:format-integer,
// §9.8 fn:format-dateTime), as the reference implementation reads them: $formatInteger,
// $parseInteger, $fromMillis and $toMillis. Dates are proleptic Gregorian in UTC shifted by
// the requested offset; names are English.

#include <re2/re2.h>

#include <cmath>
#include <map>
#include <numeric>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/functions_internal.h"

namespace sluice::jsonata {
namespace {

const char* const kFew[] = {"Zero",    "One",     "Two",       "Three",    "Four",
                            "Five",    "Six",     "Seven",     "Eight",    "Nine",
                            "Ten",     "Eleven",  "Twelve",    "Thirteen", "Fourteen",
                            "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
const char* const kOrdinals[] = {
    "Zeroth",     "First",     "Second",    "Third",       "Fourth",     "Fifth",     "Sixth",
    "Seventh",    "Eighth",    "Ninth",     "Tenth",       "Eleventh",   "Twelfth",   "Thirteenth",
    "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"};
const char* const kDecades[] = {"Twenty",  "Thirty", "Forty",  "Fifty",  "Sixty",
                                "Seventy", "Eighty", "Ninety", "Hundred"};
const char* const kMagnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};
const char* const kDays[] = {"",         "Monday", "Tuesday",  "Wednesday",
                             "Thursday", "Friday", "Saturday", "Sunday"};
const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string NumberToWords(double num, bool prev, bool ord) {
  std::string words;
  if (num <= 19) {
    words = std::string(prev ? " and " : "") + (ord ? kOrdinals[int(num)] : kFew[int(num)]);
  } else if (num < 100) {
    int tens = static_cast<int>(num / 10);
    int rem = static_cast<int>(std::fmod(num, 10));
    words = std::string(prev ? " and " : "") + kDecades[tens - 2];
    if (rem > 0) {
      words += "-" + NumberToWords(rem, false, ord);
    } else if (ord) {
      words = words.substr(0, words.size() - 1) + "ieth";
    }
  } else if (num < 1000) {
    int hundreds = static_cast<int>(num / 100);
    double rem = std::fmod(num, 100);
    words = std::string(prev ? ", " : "") + kFew[hundreds] + " Hundred";
    if (rem > 0) {
      words += NumberToWords(rem, true, ord);
    } else if (ord) {
      words += "th";
    }
  } else {
    int mag = static_cast<int>(std::floor(std::log10(num) / 3));
    if (mag > 4) mag = 4;
    double factor = std::pow(10, mag * 3);
    double mant = std::floor(num / factor);
    double rem = num - mant * factor;
    words = std::string(prev ? ", " : "") + NumberToWords(mant, false, false) + " " +
            kMagnitudes[mag - 1];
    if (rem > 0) {
      words += NumberToWords(rem, true, ord);
    } else if (ord) {
      words += "th";
    }
  }
  return words;
}

const std::map<std::string, double>& WordValues() {
  static const auto* kValues = [] {
    auto* m = new std::map<std::string, double>();
    for (int i = 0; i < 20; ++i) {
      (*m)[Lower(kFew[i])] = i;
      (*m)[Lower(kOrdinals[i])] = i;
    }
    for (int i = 0; i < 9; ++i) {
      std::string w = Lower(kDecades[i]);
      (*m)[w] = (i + 2) * 10;
      (*m)[w.substr(0, w.size() - 1) + "ieth"] = (i + 2) * 10;
    }
    (*m)["hundredth"] = 100;
    for (int i = 0; i < 4; ++i) {
      std::string w = Lower(kMagnitudes[i]);
      double v = std::pow(10, (i + 1) * 3);
      (*m)[w] = v;
      (*m)[w + "th"] = v;
    }
    return m;
  }();
  return *kValues;
}

double WordsToNumber(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '-' || c == ',') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  std::vector<double> segs{0};
  for (const std::string& part : parts) {
    if (part == "and") continue;
    auto it = WordValues().find(part);
    double value = it == WordValues().end() ? NAN : it->second;
    if (value < 100) {
      double top = segs.back();
      segs.pop_back();
      if (top >= 1000) {
        segs.push_back(top);
        top = 0;
      }
      segs.push_back(top + value);
    } else {
      double top = segs.back();
      segs.pop_back();
      segs.push_back(top * value);
    }
  }
  return std::accumulate(segs.begin(), segs.end(), 0.0);
}

std::string DecimalToRoman(double value) {
  // The reference overflows its stack long before this; refuse instead of looping.
  if (value > 1e7) ThrowValue("D1001", Value::Number(value));
  static const std::pair<int, const char*> kRoman[] = {
      {1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"},
      {40, "xl"},  {10, "x"},   {9, "ix"},  {5, "v"},    {4, "iv"},  {1, "i"}};
  std::string out;
  for (const auto& [v, s] : kRoman) {
    while (value >= v) {
      out += s;
      value -= v;
    }
  }
  return out;
}

double RomanToDecimal(const std::string& roman) {
  auto val = [](char c) {
    switch (c) {
      case 'M':
        return 1000;
      case 'D':
        return 500;
      case 'C':
        return 100;
      case 'L':
        return 50;
      case 'X':
        return 10;
      case 'I':
        return 1;
      case 'V':
        return 5;
      default:
        return 0;
    }
  };
  double decimal = 0;
  int max = 1;
  for (size_t i = roman.size(); i-- > 0;) {
    int v = val(roman[i]);
    if (v < max) {
      decimal -= v;
    } else {
      max = v;
      decimal += v;
    }
  }
  return decimal;
}

std::string DecimalToLetters(double value, char a) {
  std::string letters;
  while (value > 0) {
    letters.insert(letters.begin(), static_cast<char>(std::fmod(value - 1, 26) + a));
    value = std::floor((value - 1) / 26);
  }
  return letters;
}

double LettersToDecimal(const std::string& letters, char a) {
  double decimal = 0;
  for (size_t i = 0; i < letters.size(); ++i) {
    decimal += (letters[letters.size() - i - 1] - a + 1) * std::pow(26, i);
  }
  return decimal;
}

enum class Primary { kDecimal, kLetters, kRoman, kWords, kSequence };
enum class Case { kLower, kUpper, kTitle };

struct Separator {
  size_t position;
  std::string character;
};

struct IntegerFormat {
  Primary primary = Primary::kDecimal;
  Case letter_case = Case::kLower;
  bool ordinal = false;
  uint32_t zero_code = '0';
  size_t mandatory = 0;
  size_t optional = 0;
  bool regular = false;
  Separator regular_separator{0, ""};
  std::vector<Separator> separators;
  std::string token;
  int parse_width = 0;
};

const uint32_t kDecimalGroups[] = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966,  0x09E6,  0x0A66,  0x0AE6,  0x0B66, 0x0BE6, 0x0C66,
    0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0,  0x0F20,  0x1040,  0x1090,  0x17E0, 0x1810, 0x1946,
    0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0, 0xA900, 0xA9D0,
    0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6};

IntegerFormat AnalyseIntegerPicture(const std::string& picture) {
  IntegerFormat f;
  std::string primary = picture;
  size_t semicolon = picture.rfind(';');
  if (semicolon != std::string::npos) {
    primary = picture.substr(0, semicolon);
    std::string modifier = picture.substr(semicolon + 1);
    if (!modifier.empty() && modifier[0] == 'o') f.ordinal = true;
  }
  if (primary == "A" || primary == "a") {
    f.letter_case = primary == "A" ? Case::kUpper : Case::kLower;
    f.primary = Primary::kLetters;
    return f;
  }
  if (primary == "I" || primary == "i") {
    f.letter_case = primary == "I" ? Case::kUpper : Case::kLower;
    f.primary = Primary::kRoman;
    return f;
  }
  if (primary == "W" || primary == "Ww" || primary == "w") {
    f.letter_case = primary == "W" ? Case::kUpper : primary == "Ww" ? Case::kTitle : Case::kLower;
    f.primary = Primary::kWords;
    return f;
  }
  std::vector<uint32_t> cps = DecodeUtf8(primary);
  std::reverse(cps.begin(), cps.end());
  bool have_zero = false;
  size_t separator_position = 0;
  for (uint32_t cp : cps) {
    bool digit = false;
    for (uint32_t group : kDecimalGroups) {
      if (cp >= group && cp <= group + 9) {
        digit = true;
        ++f.mandatory;
        ++separator_position;
        if (!have_zero) {
          f.zero_code = group;
          have_zero = true;
        } else if (group != f.zero_code) {
          Throw("D3131");
        }
        break;
      }
    }
    if (!digit) {
      if (cp == '#') {
        ++separator_position;
        ++f.optional;
      } else {
        std::string c;
        AppendUtf8(cp, c);
        f.separators.push_back({separator_position, c});
      }
    }
  }
  if (f.mandatory > 0) {
    f.primary = Primary::kDecimal;
    if (!f.separators.empty()) {
      bool same = true;
      for (const auto& s : f.separators) same = same && s.character == f.separators[0].character;
      size_t factor = 0;
      for (const auto& s : f.separators) factor = std::gcd(factor, s.position);
      bool regular = same && factor > 0;
      for (size_t i = 1; regular && i <= f.separators.size(); ++i) {
        bool found = false;
        for (const auto& s : f.separators) found = found || s.position == i * factor;
        regular = found;
      }
      if (regular) {
        f.regular = true;
        f.regular_separator = {factor, f.separators[0].character};
      }
    }
  } else {
    f.primary = Primary::kSequence;
    f.token = primary;
  }
  return f;
}

std::string FormatIntegerWith(double value, const IntegerFormat& f) {
  std::string out;
  bool negative = value < 0;
  value = std::fabs(value);
  switch (f.primary) {
    case Primary::kLetters:
      out = DecimalToLetters(value, f.letter_case == Case::kUpper ? 'A' : 'a');
      break;
    case Primary::kRoman:
      out = DecimalToRoman(value);
      if (f.letter_case == Case::kUpper) out = Upper(out);
      break;
    case Primary::kWords:
      out = NumberToWords(value, false, f.ordinal);
      if (f.letter_case == Case::kUpper) {
        out = Upper(out);
      } else if (f.letter_case == Case::kLower) {
        out = Lower(out);
      }
      break;
    case Primary::kDecimal: {
      char buf[64];
      snprintf(buf, sizeof buf, "%.0f", value);
      std::string digits = buf;
      if (digits.size() < f.mandatory)
        digits = std::string(f.mandatory - digits.size(), '0') + digits;
      std::vector<std::string> chars;
      for (char c : digits) {
        std::string s;
        AppendUtf8(static_cast<uint32_t>(c - '0') + f.zero_code, s);
        chars.push_back(s);
      }
      if (f.regular) {
        size_t n = (chars.size() - 1) / f.regular_separator.position;
        for (size_t ii = n; ii > 0; --ii) {
          size_t pos = chars.size() - ii * f.regular_separator.position;
          chars.insert(chars.begin() + pos, f.regular_separator.character);
        }
      } else {
        std::vector<Separator> seps(f.separators.rbegin(), f.separators.rend());
        for (const auto& sep : seps) {
          if (sep.position > chars.size()) continue;
          size_t pos = chars.size() - sep.position;
          chars.insert(chars.begin() + pos, sep.character);
        }
      }
      for (const auto& c : chars) out += c;
      if (f.ordinal) {
        char last = digits.back();
        const char* suffix = last == '1' ? "st" : last == '2' ? "nd" : last == '3' ? "rd" : "th";
        if (digits.size() > 1 && digits[digits.size() - 2] == '1') suffix = "th";
        out += suffix;
      }
      break;
    }
    case Primary::kSequence:
      ThrowValue("D3130", Value::String(f.token));
  }
  if (negative) out = "-" + out;
  return out;
}

// ---- calendar ----

constexpr double kMillisInDay = 86400000.0;

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

// Date.UTC(year, month0, day, …) with JavaScript's overflow of month and day.
double DateUtc(double year, double month0, double day = 1, double h = 0, double mi = 0,
               double s = 0, double ms = 0) {
  // Outside JavaScript's Date range (±275,760 years) the result is NaN, as Date.UTC's is.
  for (double part : {year, month0, day, h, mi, s, ms}) {
    if (!std::isfinite(part) || std::fabs(part) > 1e9) return NAN;
  }
  if (std::fabs(year) > 275760) return NAN;
  double y = year + std::floor(month0 / 12);
  double m = std::fmod(month0, 12);
  if (m < 0) m += 12;
  double days =
      static_cast<double>(DaysFromCivil(static_cast<int64_t>(y), static_cast<unsigned>(m) + 1, 1)) +
      day - 1;
  return days * kMillisInDay + h * 3600000.0 + mi * 60000.0 + s * 1000.0 + ms;
}

struct Civil {
  int64_t year;
  int month0, day, hour, minute, second, millis, weekday;  // weekday 0 = Sunday
  double time;
};

Civil ToCivil(double millis) {
  Civil c;
  double days = std::floor(millis / kMillisInDay);
  double rem = millis - days * kMillisInDay;
  unsigned m, d;
  CivilFromDays(static_cast<int64_t>(days), c.year, m, d);
  c.month0 = static_cast<int>(m) - 1;
  c.day = static_cast<int>(d);
  int64_t r = static_cast<int64_t>(rem);
  c.hour = static_cast<int>(r / 3600000);
  c.minute = static_cast<int>((r / 60000) % 60);
  c.second = static_cast<int>((r / 1000) % 60);
  c.millis = static_cast<int>(r % 1000);
  int64_t wd = (static_cast<int64_t>(days) + 4) % 7;
  c.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  c.time = millis;
  return c;
}

double StartOfFirstWeek(int64_t year, int month0) {
  double first = DateUtc(static_cast<double>(year), month0);
  int dow = ToCivil(first).weekday;
  if (dow == 0) dow = 7;
  return dow > 4 ? first + (8 - dow) * kMillisInDay : first - (dow - 1) * kMillisInDay;
}

double DeltaWeeks(double start, double end) { return (end - start) / (kMillisInDay * 7) + 1; }

// A component's value: a number, or a string for P/C/E; undefined for Z/z.
Value Fragment(const Civil& c, char component) {
  auto num = [](double v) { return Value::Number(v); };
  switch (component) {
    case 'Y':
      return num(static_cast<double>(c.year));
    case 'M':
      return num(c.month0 + 1);
    case 'D':
      return num(c.day);
    case 'd': {
      double today = DateUtc(static_cast<double>(c.year), c.month0, c.day);
      double jan1 = DateUtc(static_cast<double>(c.year), 0);
      return num((today - jan1) / kMillisInDay + 1);
    }
    case 'F':
      return num(c.weekday == 0 ? 7 : c.weekday);
    case 'W': {
      double start = StartOfFirstWeek(c.year, 0);
      double today = DateUtc(static_cast<double>(c.year), c.month0, c.day);
      double week = DeltaWeeks(start, today);
      if (week > 52) {
        if (today >= StartOfFirstWeek(c.year + 1, 0)) week = 1;
      } else if (week < 1) {
        week = DeltaWeeks(StartOfFirstWeek(c.year - 1, 0), today);
      }
      return num(std::floor(week));
    }
    case 'w': {
      double start = StartOfFirstWeek(c.year, c.month0);
      double today = DateUtc(static_cast<double>(c.year), c.month0, c.day);
      double week = DeltaWeeks(start, today);
      int64_t ny = c.month0 == 11 ? c.year + 1 : c.year;
      int nm = c.month0 == 11 ? 0 : c.month0 + 1;
      int64_t py = c.month0 == 0 ? c.year - 1 : c.year;
      int pm = c.month0 == 0 ? 11 : c.month0 - 1;
      if (week > 4) {
        if (today >= StartOfFirstWeek(ny, nm)) week = 1;
      } else if (week < 1) {
        week = DeltaWeeks(StartOfFirstWeek(py, pm), today);
      }
      return num(std::floor(week));
    }
    case 'X': {
      double start = StartOfFirstWeek(c.year, 0);
      double end = StartOfFirstWeek(c.year + 1, 0);
      if (c.time < start) return num(static_cast<double>(c.year - 1));
      if (c.time >= end) return num(static_cast<double>(c.year + 1));
      return num(static_cast<double>(c.year));
    }
    case 'x': {
      double start = StartOfFirstWeek(c.year, c.month0);
      int64_t ny = c.month0 == 11 ? c.year + 1 : c.year;
      int nm = c.month0 == 11 ? 0 : c.month0 + 1;
      double end = StartOfFirstWeek(ny, nm);
      if (c.time < start) return num(c.month0 == 0 ? 12 : c.month0);
      if (c.time >= end) return num(nm + 1);
      return num(c.month0 + 1);
    }
    case 'H':
      return num(c.hour);
    case 'h': {
      int h = c.hour % 12;
      return num(h == 0 ? 12 : h);
    }
    case 'P':
      return Value::String(c.hour >= 12 ? "pm" : "am");
    case 'm':
      return num(c.minute);
    case 's':
      return num(c.second);
    case 'f':
      return num(c.millis);
    case 'C':
    case 'E':
      return Value::String("ISO");
    default:
      return Value();
  }
}

struct Marker {
  bool literal = false;
  std::string value;  // literal text
  char component = 0;
  std::string presentation1, presentation2;
  bool has_width = false;
  int width_min = -1, width_max = -1;
  Case names = Case::kLower;
  bool has_names = false;
  bool has_integer_format = false;
  IntegerFormat integer_format;
  int n = -1;
};

std::map<char, std::string> DefaultPresentation() {
  return {{'Y', "1"},     {'M', "1"},     {'D', "1"},  {'d', "1"},  {'F', "n"},
          {'W', "1"},     {'w', "1"},     {'X', "1"},  {'x', "1"},  {'H', "1"},
          {'h', "1"},     {'P', "n"},     {'m', "01"}, {'s', "01"}, {'f', "1"},
          {'Z', "01:01"}, {'z', "01:01"}, {'C', "n"},  {'E', "n"}};
}

std::vector<Marker> AnalyseDateTimePicture(const std::string& picture) {
  std::vector<Marker> spec;
  auto add_literal = [&](size_t start, size_t end) {
    if (end > start) {
      std::string lit = picture.substr(start, end - start);
      for (size_t p = lit.find("]]"); p != std::string::npos; p = lit.find("]]", p + 1)) {
        lit.replace(p, 2, "]");
      }
      Marker m;
      m.literal = true;
      m.value = lit;
      spec.push_back(m);
    }
  };
  static const auto kDefaults = DefaultPresentation();
  size_t start = 0, pos = 0;
  while (pos < picture.size()) {
    if (picture[pos] == '[') {
      if (pos + 1 < picture.size() && picture[pos + 1] == '[') {
        add_literal(start, pos);
        Marker m;
        m.literal = true;
        m.value = "[";
        spec.push_back(m);
        pos += 2;
        start = pos;
        continue;
      }
      add_literal(start, pos);
      start = pos;
      pos = picture.find(']', start);
      if (pos == std::string::npos) Throw("D3135");
      std::string marker;
      for (char c : picture.substr(start + 1, pos - start - 1)) {
        if (!isspace(static_cast<unsigned char>(c))) marker.push_back(c);
      }
      Marker def;
      def.component = marker.empty() ? 0 : marker[0];
      size_t comma = marker.rfind(',');
      std::string pres;
      if (comma != std::string::npos) {
        std::string width = marker.substr(comma + 1);
        size_t dash = width.find('-');
        std::string min = dash == std::string::npos ? width : width.substr(0, dash);
        std::string max = dash == std::string::npos ? "" : width.substr(dash + 1);
        auto parse_width = [](const std::string& w) {
          return w.empty() || w == "*" ? -1 : std::atoi(w.c_str());
        };
        def.has_width = true;
        def.width_min = parse_width(min);
        def.width_max = dash == std::string::npos ? -1 : parse_width(max);
        pres = marker.substr(1, comma - 1);
      } else {
        pres = marker.size() > 1 ? marker.substr(1) : "";
      }
      if (pres.size() == 1) {
        def.presentation1 = pres;
      } else if (pres.size() > 1) {
        char last = pres.back();
        if (std::string("atco").find(last) != std::string::npos) {
          def.presentation2 = std::string(1, last);
          def.presentation1 = pres.substr(0, pres.size() - 1);
        } else {
          def.presentation1 = pres;
        }
      } else {
        auto it = kDefaults.find(def.component);
        if (it == kDefaults.end())
          ThrowValue("D3132", Value::String(std::string(1, def.component)));
        def.presentation1 = it->second;
      }
      if (def.presentation1[0] == 'n') {
        def.has_names = true;
        def.names = Case::kLower;
      } else if (def.presentation1[0] == 'N') {
        def.has_names = true;
        def.names = def.presentation1.size() > 1 && def.presentation1[1] == 'n' ? Case::kTitle
                                                                                : Case::kUpper;
      } else if (std::string("YMDdFWwXxHhmsf").find(def.component) != std::string::npos) {
        std::string pattern = def.presentation1;
        if (!def.presentation2.empty()) pattern += ";" + def.presentation2;
        def.integer_format = AnalyseIntegerPicture(pattern);
        def.has_integer_format = true;
        if (def.has_width && def.width_min > 0 &&
            def.integer_format.mandatory < static_cast<size_t>(def.width_min)) {
          def.integer_format.mandatory = def.width_min;
        }
        if (def.component == 'Y') {
          def.n = -1;
          if (def.has_width && def.width_max > 0) {
            def.n = def.width_max;
            def.integer_format.mandatory = def.n;
          } else {
            size_t w = def.integer_format.mandatory + def.integer_format.optional;
            if (w >= 2) def.n = static_cast<int>(w);
          }
        }
        if (!spec.empty() && !spec.back().literal && spec.back().has_integer_format) {
          spec.back().integer_format.parse_width =
              static_cast<int>(spec.back().integer_format.mandatory);
        }
      } else if (std::string("YMDdFWwXxHhmsfZzPCE").find(def.component) == std::string::npos) {
        ThrowValue("D3132", Value::String(std::string(1, def.component)));
      }
      if (def.component == 'Z' || def.component == 'z') {
        def.integer_format = AnalyseIntegerPicture(def.presentation1);
        def.has_integer_format = true;
      }
      spec.push_back(def);
      start = pos + 1;
    }
    ++pos;
  }
  add_literal(start, pos);
  return spec;
}

std::string FormatComponent(const Civil& c, const Marker& m, int offset_hours, int offset_minutes) {
  Value v = Fragment(c, m.component);
  if (std::string("YMDdFWwXxHhms").find(m.component) != std::string::npos) {
    double num = v.number();
    if (m.component == 'Y' && m.n != -1) num = std::fmod(num, std::pow(10, m.n));
    if (m.has_names) {
      std::string name;
      if (m.component == 'M' || m.component == 'x') {
        name = kMonths[static_cast<int>(num) - 1];
      } else if (m.component == 'F') {
        name = kDays[static_cast<int>(num)];
      } else {
        ThrowValue("D3133", Value::String(std::string(1, m.component)));
      }
      if (m.names == Case::kUpper) {
        name = Upper(name);
      } else if (m.names == Case::kLower) {
        name = Lower(name);
      }
      if (m.has_width && m.width_max > 0 && name.size() > static_cast<size_t>(m.width_max)) {
        name = name.substr(0, m.width_max);
      }
      return name;
    }
    return FormatIntegerWith(num, m.integer_format);
  }
  if (m.component == 'f') return FormatIntegerWith(v.number(), m.integer_format);
  if (m.component == 'Z' || m.component == 'z') {
    int offset = offset_hours * 100 + offset_minutes;
    std::string out;
    if (m.integer_format.regular) {
      out = FormatIntegerWith(offset, m.integer_format);
    } else {
      size_t digits = m.integer_format.mandatory;
      if (digits == 1 || digits == 2) {
        out = FormatIntegerWith(offset_hours, m.integer_format);
        if (offset_minutes != 0) {
          out += ":" + FormatIntegerWith(offset_minutes, AnalyseIntegerPicture("00"));
        }
      } else if (digits == 3 || digits == 4) {
        out = FormatIntegerWith(offset, m.integer_format);
      } else {
        ThrowValue("D3134", Value::Number(static_cast<double>(digits)));
      }
    }
    if (offset >= 0) out = "+" + out;
    if (m.component == 'z') out = "GMT" + out;
    if (offset == 0 && m.presentation2 == "t") out = "Z";
    return out;
  }
  if (m.component == 'P') {
    std::string s = v.str();
    if (m.has_names && m.names == Case::kUpper) s = Upper(s);
    return s;
  }
  return v.is_string() ? v.str() : "";
}

std::string EscapeRegex(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string(".*+?^${}()|[]\\").find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// A parser for one picture part: its regex and how to turn the matched text into a value.
struct PartMatcher {
  std::string regex;
  char component = 0;
  std::function<double(const std::string&)> parse;  // null: literal
};

PartMatcher IntegerMatcher(const IntegerFormat& f) {
  PartMatcher pm;
  bool upper = f.letter_case == Case::kUpper;
  switch (f.primary) {
    case Primary::kLetters:
      pm.regex = upper ? "[A-Z]+" : "[a-z]+";
      pm.parse = [upper](const std::string& v) { return LettersToDecimal(v, upper ? 'A' : 'a'); };
      break;
    case Primary::kRoman:
      pm.regex = upper ? "[MDCLXVI]+" : "[mdclxvi]+";
      pm.parse = [](const std::string& v) { return RomanToDecimal(Upper(v)); };
      break;
    case Primary::kWords: {
      std::string alt;
      for (const auto& [w, v] : WordValues()) alt += w + "|";
      pm.regex = "(?:" + alt + "and|[\\-, ])+";
      pm.parse = [](const std::string& v) { return WordsToNumber(Lower(v)); };
      break;
    }
    case Primary::kDecimal: {
      pm.regex = f.parse_width > 0 ? "[0-9]{" + std::to_string(f.parse_width) + "}" : "[0-9]+";
      if (f.ordinal) pm.regex += "(?:th|st|nd|rd)";
      IntegerFormat copy = f;
      pm.parse = [copy](const std::string& value) {
        std::string digits = value;
        if (copy.ordinal && digits.size() >= 2) digits = digits.substr(0, digits.size() - 2);
        std::string clean;
        for (uint32_t cp : DecodeUtf8(digits)) {
          if (cp >= copy.zero_code && cp <= copy.zero_code + 9)
            clean.push_back(static_cast<char>('0' + cp - copy.zero_code));
          else if (cp >= '0' && cp <= '9')
            clean.push_back(static_cast<char>(cp));
        }
        return clean.empty() ? NAN : std::strtod(clean.c_str(), nullptr);
      };
      break;
    }
    case Primary::kSequence:
      ThrowValue("D3130", Value::String(f.token));
  }
  return pm;
}

}  // namespace

std::string FormatIntegerPicture(double value, const std::string& picture) {
  return FormatIntegerWith(std::floor(value), AnalyseIntegerPicture(picture));
}

Value ParseIntegerPicture(const std::string& text, const std::string& picture) {
  PartMatcher pm = IntegerMatcher(AnalyseIntegerPicture(picture));
  return Value::Number(pm.parse(text));
}

std::string FormatDateTime(double millis, const std::optional<std::string>& picture,
                           const std::optional<std::string>& timezone) {
  int offset_hours = 0, offset_minutes = 0;
  if (timezone) {
    long parsed = std::strtol(timezone->c_str(), nullptr, 10);
    if (parsed > 9999 || parsed < -9999) return "";  // not a ±hhmm offset
    int offset = static_cast<int>(parsed);
    offset_hours = static_cast<int>(std::floor(offset / 100.0));
    offset_minutes = offset % 100;
  }
  static const std::vector<Marker> kIso =
      AnalyseDateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]");
  std::vector<Marker> spec = picture ? AnalyseDateTimePicture(*picture) : kIso;
  double offset_millis = (60.0 * offset_hours + offset_minutes) * 60000.0;
  if (!IsValidMillis(millis) || !IsValidMillis(millis + offset_millis)) return "";
  Civil c = ToCivil(millis + offset_millis);
  std::string out;
  for (const Marker& m : spec) {
    out += m.literal ? m.value : FormatComponent(c, m, offset_hours, offset_minutes);
  }
  return out;
}

Value ParseDateTime(const std::string& text, const std::optional<std::string>& picture,
                    int64_t now_millis) {
  if (!picture) {
    static const re2::RE2 kIso(
        "^(\\d{4})(-[01]\\d)*(-[0-3]\\d)*(T[0-2]\\d:[0-5]\\d:[0-5]\\d)*(\\.\\d+)?([+-][0-2]\\d:?[0-"
        "5]\\d|Z)?$");
    if (!re2::RE2::FullMatch(text, kIso)) ThrowValue("D3110", Value::String(text));
    // Date.parse of the ISO forms the pattern admits (times without an offset read as UTC).
    int y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0;
    double frac = 0;
    std::string rest;
    static const re2::RE2 kParts(
        "(\\d{4})(?:-(\\d\\d))?(?:-(\\d\\d))?(?:T(\\d\\d):(\\d\\d):(\\d\\d))?(\\.\\d+)?(.*)");
    std::string smo, sd, sh, smi, ss, sfrac;
    re2::RE2::FullMatch(text, kParts, &y, &smo, &sd, &sh, &smi, &ss, &sfrac, &rest);
    if (!smo.empty()) mo = std::atoi(smo.c_str());
    if (!sd.empty()) d = std::atoi(sd.c_str());
    if (!sh.empty()) {
      h = std::atoi(sh.c_str());
      mi = std::atoi(smi.c_str());
      s = std::atoi(ss.c_str());
    }
    if (!sfrac.empty()) frac = std::strtod(("0" + sfrac).c_str(), nullptr);
    double ms = DateUtc(y, mo - 1, d, h, mi, s, std::floor(frac * 1000 + 0.5));
    if (!rest.empty() && rest != "Z") {
      int sign = rest[0] == '-' ? -1 : 1;
      std::string digits;
      for (char ch : rest.substr(1)) {
        if (isdigit(static_cast<unsigned char>(ch))) digits.push_back(ch);
      }
      int oh = std::atoi(digits.substr(0, 2).c_str());
      int om = digits.size() > 2 ? std::atoi(digits.substr(2).c_str()) : 0;
      ms -= sign * (oh * 60 + om) * 60000.0;
    }
    return Value::Number(ms);
  }
  std::vector<Marker> spec = AnalyseDateTimePicture(*picture);
  std::vector<PartMatcher> parts;
  for (const Marker& m : spec) {
    PartMatcher pm;
    if (m.literal) {
      pm.regex = EscapeRegex(m.value);
    } else if (m.component == 'Z' || m.component == 'z') {
      std::string sep =
          m.integer_format.regular ? m.integer_format.regular_separator.character : "";
      pm.regex = std::string(m.component == 'z' ? "GMT" : "") + "[-+][0-9]+" +
                 (sep.empty() ? "" : EscapeRegex(sep) + "[0-9]+");
      bool z = m.component == 'z';
      pm.parse = [sep, z](const std::string& text_in) {
        std::string v = z ? text_in.substr(3) : text_in;
        double oh = 0, om = 0;
        if (!sep.empty()) {
          size_t p = v.find(sep);
          oh = std::atoi(v.substr(0, p).c_str());
          om = std::atoi(v.substr(p + sep.size()).c_str());
        } else if (v.size() - 1 <= 2) {
          oh = std::atoi(v.c_str());
        } else {
          oh = std::atoi(v.substr(0, 3).c_str());
          om = std::atoi(v.substr(3).c_str());
        }
        return oh * 60 + om;
      };
    } else if (m.component == 'f') {
      // Fractional seconds: the digits are a fraction, truncated to milliseconds.
      pm.regex = "[0-9]+";
      pm.parse = [](const std::string& v) {
        std::string ms = (v + "000").substr(0, 3);
        return std::strtod(ms.c_str(), nullptr);
      };
    } else if (m.has_integer_format) {
      pm = IntegerMatcher(m.integer_format);
    } else {
      pm.regex = "[a-zA-Z]+";
      std::map<std::string, double> lookup;
      if (m.component == 'M' || m.component == 'x') {
        for (int i = 0; i < 12; ++i) {
          std::string name = kMonths[i];
          if (m.has_width && m.width_max > 0) name = name.substr(0, m.width_max);
          lookup[Lower(name)] = i + 1;
        }
      } else if (m.component == 'F') {
        for (int i = 1; i < 8; ++i) {
          std::string name = kDays[i];
          if (m.has_width && m.width_max > 0) name = name.substr(0, m.width_max);
          lookup[Lower(name)] = i;
        }
      } else if (m.component == 'P') {
        lookup = {{"am", 0}, {"pm", 1}};
      } else {
        ThrowValue("D3133", Value::String(std::string(1, m.component)));
      }
      pm.parse = [lookup](const std::string& v) {
        auto it = lookup.find(Lower(v));
        return it == lookup.end() ? NAN : it->second;
      };
    }
    pm.component = m.component;
    parts.push_back(pm);
  }
  std::string full = "^";
  for (const PartMatcher& p : parts) full += "(" + p.regex + ")";
  full += "$";
  re2::RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  re2::RE2 re(full, options);
  int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(n);
  std::vector<re2::RE2::Arg> args(n);
  std::vector<const re2::RE2::Arg*> argp(n);
  for (int i = 0; i < n; ++i) {
    args[i] = &groups[i];
    argp[i] = &args[i];
  }
  if (!re.ok() || !re2::RE2::FullMatchN(text, re, argp.data(), n)) return Value();
  std::map<char, double> comp;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].parse) comp[parts[i].component] = parts[i].parse(std::string(groups[i]));
  }
  if (comp.empty()) return Value();
  auto has = [&](char c) { return comp.count(c) > 0; };
  int mask = 0;
  for (char c : std::string("YXMxWwdD")) mask = (mask << 1) + (has(c) ? 1 : 0);
  auto is_type = [&](int type) { return !(~type & mask) && (type & mask); };
  bool date_a = is_type(161);
  bool date_b = !date_a && is_type(130);
  bool date_c = is_type(84);
  bool date_d = !date_c && is_type(72);
  mask = 0;
  for (char c : std::string("PHhmsf")) mask = (mask << 1) + (has(c) ? 1 : 0);
  bool time_a = is_type(23);
  bool time_b = !time_a && is_type(47);
  std::string comps = std::string(date_b   ? "YD"
                                  : date_c ? "XxwF"
                                  : date_d ? "XWF"
                                           : "YMD") +
                      (time_b ? "Phmsf" : "Hmsf");
  // The most significant missing parts default to the evaluation's "now".
  Civil now = ToCivil(static_cast<double>(now_millis));
  bool start_specified = false, end_specified = false;
  for (char part : comps) {
    if (!has(part)) {
      if (start_specified) {
        comp[part] = std::string("MDd").find(part) != std::string::npos ? 1 : 0;
        end_specified = true;
      } else {
        Value f = Fragment(now, part);
        comp[part] = f.is_number() ? f.number() : 0;
      }
    } else {
      start_specified = true;
      if (end_specified) Throw("D3136");
    }
  }
  comp['M'] = comp['M'] > 0 ? comp['M'] - 1 : 0;
  if (date_b) {
    double jan1 = DateUtc(comp['Y'], 0);
    Civil derived = ToCivil(jan1 + (comp['d'] - 1) * kMillisInDay);
    comp['M'] = derived.month0;
    comp['D'] = derived.day;
  }
  if (date_c || date_d) Throw("D3136");
  if (time_b) {
    comp['H'] = comp['h'] == 12 ? 0 : comp['h'];
    if (comp['P'] == 1) comp['H'] += 12;
  }
  double millis =
      DateUtc(comp['Y'], comp['M'], comp['D'], comp['H'], comp['m'], comp['s'], comp['f']);
  double tz = has('Z') ? comp['Z'] : has('z') ? comp['z'] : 0;
  millis -= tz * 60000.0;
  if (!IsValidMillis(millis)) return Value();
  return Value::Number(millis);
}

bool IsValidMillis(double millis) { return std::isfinite(millis) && std::fabs(millis) <= 8.64e15; }

}  // namespace sluice::jsonata
