#include "sluice/common/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

#include <charconv>
#include <cmath>

namespace sluice::common {

Result<json::value> ParseJson(std::string_view text, std::string_view source) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) {
    ec = json::make_error_code(json::error::extra_data);
  }
  if (!ec) parser.finish(ec);
  if (ec) {
    // Position of the failure: where the parser stopped consuming.
    size_t line = 1, column = 1;
    for (size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Status::InvalidArgument(std::string(source) + ":" + std::to_string(line) + ":" +
                                   std::to_string(column) + ": invalid JSON: " + ec.message());
  }
  return parser.release();
}

namespace {

// Doubles as Java and JavaScript print them (the shortest text that reads back exactly:
// 1.5, 0.1, 1.0E21), not Boost's 1.5E0. Integral values keep a ".0" so they stay doubles.
void AppendDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";  // JSON has no NaN or infinity
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  size_t e = text.find('e');
  if (e == std::string_view::npos) {
    out += text;
    if (text.find('.') == std::string_view::npos) out += ".0";
    return;
  }
  std::string_view mantissa = text.substr(0, e), exponent = text.substr(e + 1);
  out += mantissa;
  if (mantissa.find('.') == std::string_view::npos) out += ".0";
  out += 'E';
  if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
    if (exponent[0] == '-') out += '-';
    exponent.remove_prefix(1);
  }
  while (exponent.size() > 1 && exponent[0] == '0') exponent.remove_prefix(1);
  out += exponent;
}

void AppendQuoted(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void Append(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; return;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case json::kind::int64: {
      char buf[24];
      out.append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v.get_int64()).ptr - buf));
      return;
    }
    case json::kind::uint64: {
      char buf[24];
      out.append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v.get_uint64()).ptr - buf));
      return;
    }
    case json::kind::double_: AppendDouble(v.get_double(), out); return;
    case json::kind::string: AppendQuoted(v.get_string(), out); return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Append(e, out);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendQuoted(kv.key(), out);
        out += ':';
        Append(kv.value(), out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string SerializeJson(const json::value& value) {
  std::string out;
  Append(value, out);
  return out;
}

namespace {
void Pretty(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ",\n";
        first = false;
        pad(indent + 1);
        AppendQuoted(kv.key(), out);
        out += ": ";
        Pretty(kv.value(), out, indent + 1);
      }
      out += "\n";
      pad(indent);
      out += "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ",\n";
        pad(indent + 1);
        Pretty(a[i], out, indent + 1);
      }
      out += "\n";
      pad(indent);
      out += "]";
      return;
    }
    default:
      Append(v, out);
  }
}
}  // namespace

std::string SerializeJsonPretty(const json::value& value) {
  std::string out;
  Pretty(value, out, 0);
  return out;
}

namespace {
size_t QuotedSize(std::string_view s) {
  size_t n = 2;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      n += 2;
    } else if (c < 0x20) {
      n += 6;  // \u00XX
    } else {
      n += 1;
    }
  }
  return n;
}
}  // namespace

size_t SerializedSize(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return 4;
    case json::kind::bool_: return v.get_bool() ? 4 : 5;
    case json::kind::int64: {
      char buf[24];
      return static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v.get_int64()).ptr - buf);
    }
    case json::kind::uint64: {
      char buf[24];
      return static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v.get_uint64()).ptr - buf);
    }
    case json::kind::double_: {
      std::string text;
      AppendDouble(v.get_double(), text);
      return text.size();
    }
    case json::kind::string: return QuotedSize(v.get_string());
    case json::kind::array: {
      const auto& a = v.get_array();
      size_t n = 2 + (a.empty() ? 0 : a.size() - 1);
      for (const auto& e : a) n += SerializedSize(e);
      return n;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      size_t n = 2 + (o.empty() ? 0 : o.size() - 1);
      for (const auto& kv : o) n += QuotedSize(kv.key()) + 1 + SerializedSize(kv.value());
      return n;
    }
  }
  return 0;
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  AppendQuoted(text, out);
  return out;
}

bool JsonNumberEquals(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  const json::value& s = a.is_int64() ? a : b;
  const json::value& u = a.is_int64() ? b : a;
  return s.get_int64() >= 0 && static_cast<uint64_t>(s.get_int64()) == u.get_uint64();
}

bool JsonEquals(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return JsonNumberEquals(a, b);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::object: {
      const auto& oa = a.get_object();
      const auto& ob = b.get_object();
      if (oa.size() != ob.size()) return false;
      for (const auto& kv : oa) {
        const json::value* other = ob.if_contains(kv.key());
        if (other == nullptr || !JsonEquals(kv.value(), *other)) return false;
      }
      return true;
    }
    case json::kind::array: {
      const auto& aa = a.get_array();
      const auto& ab = b.get_array();
      if (aa.size() != ab.size()) return false;
      for (size_t i = 0; i < aa.size(); ++i) {
        if (!JsonEquals(aa[i], ab[i])) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

std::string_view JsonTypeName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    case json::kind::bool_: return "boolean";
    case json::kind::null: return "null";
    default: return "number";
  }
}

Result<std::optional<std::string>> OptionalString(const json::object& object,
                                                  std::string_view key, std::string_view path) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return Status::InvalidArgument(std::string(path) + "." + std::string(key) +
                                   ": expected a string, got " +
                                   std::string(JsonTypeName(it->value())));
  }
  return std::optional<std::string>(std::string(it->value().get_string()));
}

Result<std::string> RequiredString(const json::object& object, std::string_view key,
                                   std::string_view path) {
  SLUICE_ASSIGN_OR_RETURN(auto v, OptionalString(object, key, path));
  if (!v) {
    return Status::NotFound(std::string(path) + ": missing required field '" +
                            std::string(key) + "'");
  }
  return std::move(*v);
}

Result<std::optional<int64_t>> OptionalInt(const json::object& object, std::string_view key,
                                           std::string_view path) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<int64_t>();
  const json::value& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.get_int64());
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v.get_uint64()));
  }
  return Status::InvalidArgument(std::string(path) + "." + std::string(key) +
                                 ": expected an integer, got " +
                                 std::string(JsonTypeName(v)));
}

}  // namespace sluice::common
