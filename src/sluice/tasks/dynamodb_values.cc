#include "sluice/tasks/dynamodb_values.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace sluice::tasks::dynamodb {
namespace {

constexpr size_t kMaxDigits = 38;

// A decimal number: (-1)^negative * digits * 10^exponent. `digits` has no leading or
// trailing zeros; "" is zero.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
};

void Trim(Decimal& d) {
  size_t lead = d.digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    d = Decimal{};
    return;
  }
  d.digits.erase(0, lead);
  while (d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exponent;
  }
}

Status CheckRange(const Decimal& d) {
  if (d.digits.empty()) return Status::OK();
  if (d.digits.size() > kMaxDigits) {
    return Status::InvalidArgument("Attempting to store more than 38 significant digits in a Number");
  }
  int64_t adjusted = d.exponent + static_cast<int64_t>(d.digits.size()) - 1;
  if (adjusted > 125) {
    return Status::InvalidArgument(
        "Number overflow. Attempting to store a number with magnitude larger than supported range");
  }
  if (adjusted < -130) {
    return Status::InvalidArgument(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range");
  }
  return Status::OK();
}

Result<Decimal> ParseDecimal(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("The parameter cannot be converted to a numeric value: " +
                                   std::string(text));
  };
  size_t i = 0;
  Decimal d;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) d.negative = text[i++] == '-';
  std::string digits;
  size_t fraction = 0;
  bool any = false, point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      any = true;
      if (point) ++fraction;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return bad();
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exp = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative_exp = text[i++] == '-';
    if (i == text.size()) return bad();
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || exponent > 100000) return bad();
      exponent = exponent * 10 + (text[i] - '0');
    }
    if (negative_exp) exponent = -exponent;
  }
  if (i != text.size()) return bad();
  d.digits = std::move(digits);
  d.exponent = exponent - static_cast<int64_t>(fraction);
  bool negative = d.negative;
  Trim(d);
  if (!d.digits.empty()) d.negative = negative;
  SLUICE_RETURN_IF_ERROR(CheckRange(d));
  return d;
}

std::string Format(const Decimal& d) {
  if (d.digits.empty()) return "0";
  std::string out = d.negative ? "-" : "";
  if (d.exponent >= 0) {
    out += d.digits;
    out.append(static_cast<size_t>(d.exponent), '0');
    return out;
  }
  int64_t point = static_cast<int64_t>(d.digits.size()) + d.exponent;
  if (point > 0) {
    out += d.digits.substr(0, static_cast<size_t>(point));
    out += '.';
    out += d.digits.substr(static_cast<size_t>(point));
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += d.digits;
  }
  return out;
}

// Magnitudes as digit strings of equal scale.
int CompareMagnitude(const std::string& a, const std::string& b) {
  size_t la = a.find_first_not_of('0'), lb = b.find_first_not_of('0');
  std::string_view x = la == std::string::npos ? "" : std::string_view(a).substr(la);
  std::string_view y = lb == std::string::npos ? "" : std::string_view(b).substr(lb);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  int c = x.compare(y);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddMagnitude(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int s = carry;
    if (i < a.size()) s += a[a.size() - 1 - i] - '0';
    if (i < b.size()) s += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// a - b with a >= b.
std::string SubtractMagnitude(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int s = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = s < 0;
    out.push_back(static_cast<char>('0' + (s + 10) % 10));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Decimal Align(const Decimal& d, int64_t exponent) {
  Decimal r = d;
  r.digits.append(static_cast<size_t>(d.exponent - exponent), '0');
  r.exponent = exponent;
  return r;
}

Result<std::string> Sum(const Decimal& a, Decimal b) {
  if (a.digits.empty()) return Format(b);
  if (b.digits.empty()) return Format(a);
  int64_t e = std::min(a.exponent, b.exponent);
  Decimal x = Align(a, e), y = Align(b, e);
  Decimal r;
  r.exponent = e;
  if (x.negative == y.negative) {
    r.digits = AddMagnitude(x.digits, y.digits);
    r.negative = x.negative;
  } else if (CompareMagnitude(x.digits, y.digits) >= 0) {
    r.digits = SubtractMagnitude(x.digits, y.digits);
    r.negative = x.negative;
  } else {
    r.digits = SubtractMagnitude(y.digits, x.digits);
    r.negative = y.negative;
  }
  bool negative = r.negative;
  Trim(r);
  if (!r.digits.empty()) r.negative = negative;
  SLUICE_RETURN_IF_ERROR(CheckRange(r));
  return Format(r);
}


// Equality of two scalar members of the same type (S, N or B).
bool ScalarEqual(std::string_view type, const json::value& a, const json::value& b) {
  if (!a.is_string() || !b.is_string()) return false;
  if (type == "N" || type == "NS") return CompareNumbers(a.get_string(), b.get_string()) == 0;
  return a.get_string() == b.get_string();
}

std::string SetName(std::string_view type) {
  return type == "SS" ? "string" : (type == "NS" ? "number" : "binary");
}

}  // namespace

std::string_view TypeOf(const json::value& value) {
  static constexpr std::array<std::string_view, 10> kTypes = {"S",  "N",  "B",  "BOOL", "NULL",
                                                              "M",  "L",  "SS", "NS",   "BS"};
  if (!value.is_object() || value.get_object().size() != 1) return "";
  std::string_view key = value.get_object().begin()->key();
  for (std::string_view t : kTypes) {
    if (t == key) return t;
  }
  return "";
}

Result<std::string> NormalizeNumber(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(Decimal d, ParseDecimal(text));
  return Format(d);
}

Result<std::string> AddNumbers(std::string_view a, std::string_view b) {
  SLUICE_ASSIGN_OR_RETURN(Decimal x, ParseDecimal(a));
  SLUICE_ASSIGN_OR_RETURN(Decimal y, ParseDecimal(b));
  return Sum(x, y);
}

Result<std::string> SubtractNumbers(std::string_view a, std::string_view b) {
  SLUICE_ASSIGN_OR_RETURN(Decimal x, ParseDecimal(a));
  SLUICE_ASSIGN_OR_RETURN(Decimal y, ParseDecimal(b));
  if (!y.digits.empty()) y.negative = !y.negative;
  return Sum(x, y);
}

int CompareNumbers(std::string_view a, std::string_view b) {
  auto x = ParseDecimal(a);
  auto y = ParseDecimal(b);
  if (!x.ok() || !y.ok()) return a < b ? -1 : (a > b ? 1 : 0);
  auto sign = [](const Decimal& d) { return d.digits.empty() ? 0 : (d.negative ? -1 : 1); };
  int sx = sign(*x), sy = sign(*y);
  if (sx != sy) return sx < sy ? -1 : 1;
  if (sx == 0) return 0;
  int64_t e = std::min(x->exponent, y->exponent);
  int c = CompareMagnitude(Align(*x, e).digits, Align(*y, e).digits);
  return sx < 0 ? -c : c;
}

Result<std::string> DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return Status::InvalidArgument("Invalid Base64 value: " + std::string(text));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return Status::InvalidArgument("Invalid Base64 value: " + std::string(text));
  return out;
}

Result<json::value> NormalizeValue(const json::value& value, std::string_view name, bool is_key) {
  std::string_view type = TypeOf(value);
  if (type.empty()) {
    if (value.is_object() && value.get_object().empty()) {
      return Status::InvalidArgument(
          "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    }
    return Status::InvalidArgument("Supplied AttributeValue has more than one datatypes set, must "
                                   "contain exactly one of the supported datatypes (attribute " +
                                   std::string(name) + ": " + common::SerializeJson(value) + ")");
  }
  const json::value& v = value.get_object().begin()->value();
  auto wrong = [&](std::string_view expected) {
    return Status::InvalidArgument("One or more parameter values were invalid: the " +
                                   std::string(type) + " value of attribute " + std::string(name) +
                                   " must be " + std::string(expected) + ", got " +
                                   common::SerializeJson(v));
  };
  json::object out;
  if (type == "S") {
    if (!v.is_string()) return wrong("a string");
    if (is_key && v.get_string().empty()) {
      return Status::InvalidArgument(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an empty string value. Key: " + std::string(name));
    }
    out["S"] = v;
  } else if (type == "N") {
    if (!v.is_string()) return wrong("a string holding a number");
    SLUICE_ASSIGN_OR_RETURN(std::string n, NormalizeNumber(v.get_string()));
    out["N"] = n;
  } else if (type == "B") {
    if (!v.is_string()) return wrong("a base64 string");
    SLUICE_RETURN_IF_ERROR(DecodeBase64(v.get_string()).status());
    if (is_key && v.get_string().empty()) {
      return Status::InvalidArgument(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an empty binary value. Key: " + std::string(name));
    }
    out["B"] = v;
  } else if (type == "BOOL") {
    if (!v.is_bool()) return wrong("true or false");
    out["BOOL"] = v;
  } else if (type == "NULL") {
    if (!v.is_bool() || !v.get_bool()) {
      return Status::InvalidArgument(
          "One or more parameter values were invalid: Null attribute value types must have the "
          "value of true");
    }
    out["NULL"] = true;
  } else if (type == "M") {
    if (!v.is_object()) return wrong("an object");
    json::object m;
    for (const auto& member : v.get_object()) {
      SLUICE_ASSIGN_OR_RETURN(m[member.key()], NormalizeValue(member.value(), member.key()));
    }
    out["M"] = std::move(m);
  } else if (type == "L") {
    if (!v.is_array()) return wrong("an array");
    json::array l;
    for (const auto& element : v.get_array()) {
      SLUICE_ASSIGN_OR_RETURN(json::value e, NormalizeValue(element, name));
      l.push_back(std::move(e));
    }
    out["L"] = std::move(l);
  } else {  // SS, NS, BS
    if (!v.is_array()) return wrong("an array of strings");
    if (v.get_array().empty()) {
      return Status::InvalidArgument("One or more parameter values were invalid: An " +
                                     SetName(type) + " set  may not be empty");
    }
    json::array members;
    std::string listed;
    bool duplicates = false;
    for (const auto& m : v.get_array()) {
      if (!m.is_string()) return wrong("an array of strings");
      json::value member = m;
      if (type == "NS") {
        SLUICE_ASSIGN_OR_RETURN(std::string n, NormalizeNumber(m.get_string()));
        member = json::string(n);
      } else if (type == "BS") {
        SLUICE_RETURN_IF_ERROR(DecodeBase64(m.get_string()).status());
      }
      for (const auto& seen : members) {
        if (ScalarEqual(type, seen, member)) duplicates = true;
      }
      listed += (listed.empty() ? "" : ", ") + std::string(m.get_string());
      members.push_back(std::move(member));
    }
    if (duplicates) {
      return Status::InvalidArgument("One or more parameter values were invalid: Input collection [" +
                                     listed + "] contains duplicates.");
    }
    out[type] = std::move(members);
  }
  return json::value(std::move(out));
}

Result<json::object> NormalizeItem(const json::value& item, std::string_view what) {
  if (!item.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a map of attribute values, got " +
                                   std::string(common::JsonTypeName(item)));
  }
  json::object out;
  for (const auto& member : item.get_object()) {
    SLUICE_ASSIGN_OR_RETURN(out[member.key()], NormalizeValue(member.value(), member.key()));
  }
  return out;
}

bool ValuesEqual(const json::value& a, const json::value& b) {
  std::string_view ta = TypeOf(a), tb = TypeOf(b);
  if (ta.empty() || ta != tb) return false;
  const json::value& x = a.get_object().begin()->value();
  const json::value& y = b.get_object().begin()->value();
  if (ta == "S" || ta == "B" || ta == "N") return ScalarEqual(ta, x, y);
  if (ta == "BOOL" || ta == "NULL") return x == y;
  if (ta == "M") {
    if (!x.is_object() || !y.is_object() || x.get_object().size() != y.get_object().size()) return false;
    for (const auto& m : x.get_object()) {
      const json::value* other = y.get_object().if_contains(m.key());
      if (!other || !ValuesEqual(m.value(), *other)) return false;
    }
    return true;
  }
  if (!x.is_array() || !y.is_array() || x.get_array().size() != y.get_array().size()) return false;
  if (ta == "L") {
    for (size_t i = 0; i < x.get_array().size(); ++i) {
      if (!ValuesEqual(x.get_array()[i], y.get_array()[i])) return false;
    }
    return true;
  }
  for (const auto& m : x.get_array()) {
    bool found = false;
    for (const auto& n : y.get_array()) found = found || ScalarEqual(ta, m, n);
    if (!found) return false;
  }
  return true;
}

std::optional<int> CompareValues(const json::value& a, const json::value& b) {
  std::string_view ta = TypeOf(a);
  if (ta.empty() || ta != TypeOf(b)) return std::nullopt;
  const json::value& x = a.get_object().begin()->value();
  const json::value& y = b.get_object().begin()->value();
  if (!x.is_string() || !y.is_string()) return std::nullopt;
  if (ta == "N") return CompareNumbers(x.get_string(), y.get_string());
  if (ta == "S") {
    int c = std::string_view(x.get_string()).compare(std::string_view(y.get_string()));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (ta == "B") {
    auto bx = DecodeBase64(x.get_string());
    auto by = DecodeBase64(y.get_string());
    if (!bx.ok() || !by.ok()) return std::nullopt;
    // Bytes compare unsigned.
    auto ux = std::basic_string_view<unsigned char>(reinterpret_cast<const unsigned char*>(bx->data()), bx->size());
    auto uy = std::basic_string_view<unsigned char>(reinterpret_cast<const unsigned char*>(by->data()), by->size());
    int c = ux.compare(uy);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

std::string DescribeValue(const json::value& value) {
  std::string_view t = TypeOf(value);
  if (t.empty()) return common::SerializeJson(value);
  const json::value& v = value.get_object().begin()->value();
  if (v.is_string()) return "{" + std::string(t) + ":" + std::string(v.get_string()) + "}";
  return "{" + std::string(t) + ":" + common::SerializeJson(v) + "}";
}

}  // namespace sluice::tasks::dynamodb
