#include "sluice/asl/intrinsics.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sluice/asl/errors.h"
#include "sluice/common/hash.h"
#include "sluice/common/ids.h"

namespace sluice::asl {

namespace {

// AWS documents "up to 10" nested intrinsic functions within a field.
constexpr int kMaxNesting = 10;
// Base64Encode/Base64Decode/Hash input limit in characters, as AWS documents.
constexpr size_t kMaxInputChars = 10000;
// ArrayRange's documented maximum result size.
constexpr int64_t kMaxRangeItems = 1000;

enum class Function {
  kFormat, kStringToJson, kJsonToString, kArray, kArrayPartition, kArrayContains,
  kArrayRange, kArrayGetItem, kArrayLength, kArrayUnique, kBase64Encode, kBase64Decode,
  kHash, kJsonMerge, kMathRandom, kMathAdd, kStringSplit, kUuid,
};

struct FunctionSpec {
  std::string_view name;  // without "States."
  Function fn;
  int min_args;
  int max_args;  // -1: any number
};

constexpr FunctionSpec kFunctions[] = {
    {"Format", Function::kFormat, 1, -1},
    {"StringToJson", Function::kStringToJson, 1, 1},
    {"JsonToString", Function::kJsonToString, 1, 1},
    {"Array", Function::kArray, 0, -1},
    {"ArrayPartition", Function::kArrayPartition, 2, 2},
    {"ArrayContains", Function::kArrayContains, 2, 2},
    {"ArrayRange", Function::kArrayRange, 3, 3},
    {"ArrayGetItem", Function::kArrayGetItem, 2, 2},
    {"ArrayLength", Function::kArrayLength, 1, 1},
    {"ArrayUnique", Function::kArrayUnique, 1, 1},
    {"Base64Encode", Function::kBase64Encode, 1, 1},
    {"Base64Decode", Function::kBase64Decode, 1, 1},
    {"Hash", Function::kHash, 2, 2},
    {"JsonMerge", Function::kJsonMerge, 3, 3},
    {"MathRandom", Function::kMathRandom, 2, 3},
    {"MathAdd", Function::kMathAdd, 2, 2},
    {"StringSplit", Function::kStringSplit, 2, 2},
    {"UUID", Function::kUuid, 0, 0},
};

}  // namespace

struct IntrinsicCall::Impl {
  struct Arg {
    enum class Kind { kLiteral, kPath, kCall };
    Kind kind = Kind::kLiteral;
    json::value literal;
    // For string literals: offsets in the decoded string where an unescaped `{}` starts
    // (States.Format placeholders; `\{` and `\}` never form one).
    std::vector<size_t> placeholders;
    std::optional<JsonPath> path;
    std::shared_ptr<const Impl> call;
  };
  std::string text;
  const FunctionSpec* spec = nullptr;
  std::vector<Arg> args;
};

namespace {

using Arg = IntrinsicCall::Impl::Arg;

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------------------------------
// JSON equality (1 == 1.0, true != 1) and a hash consistent with it.

using common::JsonEquals;


size_t JsonHash(const json::value& v) {
  auto mix = [](size_t h, size_t x) { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); };
  switch (v.kind()) {
    case json::kind::null: return 0x1;
    case json::kind::bool_: return v.get_bool() ? 0x2 : 0x3;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      double d = v.to_number<double>();
      if (d == 0) d = 0;  // -0.0 == 0.0
      return std::hash<double>()(d);
    }
    case json::kind::string: return std::hash<std::string_view>()(v.get_string());
    case json::kind::array: {
      size_t h = 0x4;
      for (const auto& e : v.get_array()) h = mix(h, JsonHash(e));
      return h;
    }
    case json::kind::object: {
      size_t h = 0x5;  // order-independent: objects equal regardless of key order
      for (const auto& kv : v.get_object()) {
        h += mix(std::hash<std::string_view>()(kv.key()), JsonHash(kv.value()));
      }
      return h;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// Parsing

class CallParser {
 public:
  explicit CallParser(std::string_view text) : text_(text) {}

  Result<std::shared_ptr<const IntrinsicCall::Impl>> ParseTop() {
    SkipSpaces();
    SLUICE_ASSIGN_OR_RETURN(auto call, ParseCall(1));
    SkipSpaces();
    if (pos_ != text_.size()) return Error("unexpected text after the closing ')'");
    return call;
  }

 private:
  Status Error(std::string_view what) const { return ErrorAt(what, pos_); }
  Status ErrorAt(std::string_view what, size_t at) const {
    return Status::InvalidArgument("invalid intrinsic function call '" + std::string(text_) +
                                   "': " + std::string(what) + " at offset " +
                                   std::to_string(at));
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpaces() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  Result<std::shared_ptr<const IntrinsicCall::Impl>> ParseCall(int depth) {
    size_t start = pos_;
    if (depth > kMaxNesting) {
      return ErrorAt("more than " + std::to_string(kMaxNesting) + " nested intrinsic functions",
                     start);
    }
    if (text_.substr(pos_, 7) != "States.") return Error("expected 'States.'");
    pos_ += 7;
    size_t name_at = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    std::string_view name = text_.substr(name_at, pos_ - name_at);
    const FunctionSpec* spec = nullptr;
    for (const auto& f : kFunctions) {
      if (f.name == name) spec = &f;
    }
    if (spec == nullptr) {
      return ErrorAt("unknown intrinsic function 'States." + std::string(name) + "'", start);
    }
    SkipSpaces();
    if (Peek() != '(') return Error("expected '(' after 'States." + std::string(name) + "'");
    ++pos_;
    auto impl = std::make_shared<IntrinsicCall::Impl>();
    impl->spec = spec;
    SkipSpaces();
    if (Peek() != ')') {
      while (true) {
        SkipSpaces();
        Arg arg;
        SLUICE_RETURN_IF_ERROR(ParseArg(depth, &arg));
        impl->args.push_back(std::move(arg));
        SkipSpaces();
        if (Peek() == ',') {
          ++pos_;
          continue;
        }
        if (Peek() == ')') break;
        if (pos_ >= text_.size()) return ErrorAt("unterminated argument list", start);
        return Error(std::string("expected ',' or ')' but found '") + Peek() + "'");
      }
    }
    ++pos_;  // ')'
    impl->text = std::string(text_.substr(start, pos_ - start));
    int n = static_cast<int>(impl->args.size());
    if (n < spec->min_args || (spec->max_args >= 0 && n > spec->max_args)) {
      std::string expected =
          spec->max_args < 0 ? "at least " + std::to_string(spec->min_args)
          : spec->min_args == spec->max_args
              ? std::to_string(spec->min_args)
              : std::to_string(spec->min_args) + " to " + std::to_string(spec->max_args);
      return ErrorAt("States." + std::string(spec->name) + " takes " + expected +
                         " argument(s) but was given " + std::to_string(n),
                     start);
    }
    return std::shared_ptr<const IntrinsicCall::Impl>(std::move(impl));
  }

  Status ParseArg(int depth, Arg* arg) {
    char c = Peek();
    if (c == '\'') return ParseString(arg);
    if (c == '$') return ParsePath(arg);
    if (c == '-' || IsDigit(c)) return ParseNumber(arg);
    if (text_.substr(pos_, 7) == "States.") {
      arg->kind = Arg::Kind::kCall;
      SLUICE_ASSIGN_OR_RETURN(arg->call, ParseCall(depth + 1));
      return Status::OK();
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word &&
          (pos_ + word.size() >= text_.size() || !IsIdentChar(text_[pos_ + word.size()]))) {
        pos_ += word.size();
        arg->kind = Arg::Kind::kLiteral;
        if (word == "true") arg->literal = true;
        else if (word == "false") arg->literal = false;
        else arg->literal = nullptr;
        return Status::OK();
      }
    }
    if (pos_ >= text_.size()) return Error("expected an argument");
    return Error(std::string("unexpected '") + c + "' where an argument was expected");
  }

  Status ParseString(Arg* arg) {
    size_t start = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return ErrorAt("unterminated string literal", start);
      char c = text_[pos_++];
      if (c == '\'') break;
      if (c == '\\') {
        char e = Peek();
        if (e == '\'' || e == '{' || e == '}' || e == '\\') {
          out.push_back(e);
          ++pos_;
          continue;
        }
        // AWS: "If an open escape backslash \ is found in the intrinsic invocation string,
        // the interpreter will throw a runtime error"; we reject it up front.
        return ErrorAt("open escape backslash: '\\' must be followed by one of ' { } \\",
                       pos_ - 1);
      }
      if (c == '{' && Peek() == '}') {
        arg->placeholders.push_back(out.size());
        out += "{}";
        ++pos_;
        continue;
      }
      out.push_back(c);
    }
    arg->kind = Arg::Kind::kLiteral;
    arg->literal = json::string(out);
    return Status::OK();
  }

  Status ParseNumber(Arg* arg) {
    size_t start = pos_;
    if (Peek() == '-') ++pos_;
    bool is_double = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (IsDigit(c)) {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E') {
        is_double = true;
        ++pos_;
      } else if ((c == '+' || c == '-') && (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')) {
        ++pos_;
      } else {
        break;
      }
    }
    std::string_view num = text_.substr(start, pos_ - start);
    arg->kind = Arg::Kind::kLiteral;
    if (!is_double) {
      int64_t v = 0;
      auto r = std::from_chars(num.data(), num.data() + num.size(), v);
      if (r.ec == std::errc() && r.ptr == num.data() + num.size()) {
        arg->literal = v;
        return Status::OK();
      }
    }
    double d = 0;
    auto r = std::from_chars(num.data(), num.data() + num.size(), d);
    if (r.ec != std::errc() || r.ptr != num.data() + num.size()) {
      return ErrorAt("invalid number '" + std::string(num) + "'", start);
    }
    arg->literal = d;
    return Status::OK();
  }

  // A path runs to the next ',' or ')' outside brackets and quotes.
  Status ParsePath(Arg* arg) {
    size_t start = pos_;
    int brackets = 0;
    int parens = 0;
    char quote = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (quote) {
        if (c == '\\') ++pos_;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        if (brackets > 0) quote = c;
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']') {
        --brackets;
      } else if (c == '(' && brackets > 0) {
        ++parens;
      } else if (c == ')') {
        if (brackets == 0 && parens == 0) break;
        --parens;
      } else if (c == ',' && brackets == 0) {
        break;
      }
      ++pos_;
    }
    std::string_view text = text_.substr(start, pos_ - start);
    while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
    auto path = JsonPath::Parse(text);
    if (!path.ok()) {
      return ErrorAt("invalid path argument: " + path.status().message(), start);
    }
    arg->kind = Arg::Kind::kPath;
    arg->path = std::move(path).value();
    return Status::OK();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// Evaluation helpers

Status Failure(const FunctionSpec& spec, std::string_view problem) {
  return StatesError(kStatesIntrinsicFailure, "Invalid arguments in States." +
                                                  std::string(spec.name) + ": " +
                                                  std::string(problem));
}

std::string Ordinal(size_t i) {
  static const char* kNames[] = {"first", "second", "third"};
  return i < 3 ? kNames[i] : "argument " + std::to_string(i + 1);
}

// A number as Java prints it (integers without a fraction; doubles shortest, with ".0").
void AppendNumber(const json::value& v, std::string* out) {
  char buf[64];
  if (v.is_int64()) {
    auto r = std::to_chars(buf, buf + sizeof buf, v.get_int64());
    out->append(buf, r.ptr);
  } else if (v.is_uint64()) {
    auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
    out->append(buf, r.ptr);
  } else {
    auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
    std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
    out->append(s);
    if (s.find_first_of(".eEn") == std::string_view::npos) out->append(".0");
  }
}

// States.Format's rendering of a value: strings raw, scalars as JSON, objects and arrays
// Java-style (`{a=1, b=x}`, `[1, 2]`), as AWS prints them.
void AppendFormatted(const json::value& v, std::string* out) {
  switch (v.kind()) {
    case json::kind::string: out->append(v.get_string()); return;
    case json::kind::null: out->append("null"); return;
    case json::kind::bool_: out->append(v.get_bool() ? "true" : "false"); return;
    case json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out->append(", ");
        first = false;
        AppendFormatted(e, out);
      }
      out->push_back(']');
      return;
    }
    case json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out->append(", ");
        first = false;
        out->append(kv.key());
        out->push_back('=');
        AppendFormatted(kv.value(), out);
      }
      out->push_back('}');
      return;
    }
    default: AppendNumber(v, out); return;
  }
}

// An integer argument. Non-integral numbers are rounded like Java's Math.round when
// `round` (AWS documents rounding for MathAdd and MathRandom); otherwise rejected.
Result<int64_t> IntegerArg(const FunctionSpec& spec, const json::value& v, size_t i,
                           bool round) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Failure(spec, "the " + Ordinal(i) + " argument is out of range");
    }
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && std::abs(d) < 9.0e18) {
      if (d == std::floor(d)) return static_cast<int64_t>(d);
      if (round) return static_cast<int64_t>(std::floor(d + 0.5));
    }
    return Failure(spec, "the " + Ordinal(i) + " argument must be an integer, but was " +
                             common::SerializeJson(v));
  }
  return Failure(spec, "the " + Ordinal(i) + " argument must be an integer, but was " +
                           std::string(common::JsonTypeName(v)));
}

Result<const json::array*> ArrayArg(const FunctionSpec& spec, const json::value& v, size_t i) {
  if (!v.is_array()) {
    return Failure(spec, "the " + Ordinal(i) + " argument must be an array, but was " +
                             std::string(common::JsonTypeName(v)));
  }
  return &v.get_array();
}

Result<std::string_view> StringArg(const FunctionSpec& spec, const json::value& v, size_t i) {
  if (!v.is_string()) {
    return Failure(spec, "the " + Ordinal(i) + " argument must be a string, but was " +
                             std::string(common::JsonTypeName(v)));
  }
  return std::string_view(v.get_string());
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

constexpr char kBase64Chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out.push_back(kBase64Chars[(n >> 18) & 63]);
    out.push_back(kBase64Chars[(n >> 12) & 63]);
    out.push_back(kBase64Chars[(n >> 6) & 63]);
    out.push_back(kBase64Chars[n & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out.push_back(kBase64Chars[(n >> 18) & 63]);
    out.push_back(kBase64Chars[(n >> 12) & 63]);
    out.append("==");
  } else if (i + 2 == in.size()) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out.push_back(kBase64Chars[(n >> 18) & 63]);
    out.push_back(kBase64Chars[(n >> 12) & 63]);
    out.push_back(kBase64Chars[(n >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int pad = 0;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=') {
        // Padding only at the end, in the last two positions.
        if (i + 4 != in.size() || j < 2) return std::nullopt;
        ++pad;
        n <<= 6;
        continue;
      }
      if (pad > 0) return std::nullopt;
      int v = value(c);
      if (v < 0) return std::nullopt;
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out.push_back(static_cast<char>((n >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
  }
  return out;
}

// java.util.Random, so a seeded MathRandom is deterministic (and, like AWS's Java
// implementation, the same for the same seed).
class JavaRandom {
 public:
  explicit JavaRandom(int64_t seed)
      : seed_((static_cast<uint64_t>(seed) ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1)) {}
  int32_t Next(int bits) {
    seed_ = (seed_ * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
    return static_cast<int32_t>(static_cast<int64_t>(seed_) >> (48 - bits));
  }
  // Uniform in [0, bound), bound > 0: Java's nextInt(int) algorithm.
  int32_t NextInt(int32_t bound) {
    if ((bound & -bound) == bound) {
      return static_cast<int32_t>((static_cast<int64_t>(bound) * Next(31)) >> 31);
    }
    int32_t bits, val;
    do {
      bits = Next(31);
      val = bits % bound;
    } while (bits - val + (bound - 1) < 0);
    return val;
  }

 private:
  uint64_t seed_;
};

Result<json::value> Eval(const IntrinsicCall::Impl& call, const PathContext& ctx,
                         std::string_view field, RandomSource* random);

Result<json::value> EvalArg(const Arg& arg, const PathContext& ctx, std::string_view field,
                            RandomSource* random) {
  switch (arg.kind) {
    case Arg::Kind::kLiteral: return arg.literal;
    case Arg::Kind::kPath: return EvaluatePath(*arg.path, ctx, field);
    case Arg::Kind::kCall: return Eval(*arg.call, ctx, field, random);
  }
  return Status::Internal("unreachable");
}

Result<json::value> Eval(const IntrinsicCall::Impl& call, const PathContext& ctx,
                         std::string_view field, RandomSource* random) {
  const FunctionSpec& spec = *call.spec;
  std::vector<json::value> args;
  args.reserve(call.args.size());
  for (const Arg& a : call.args) {
    SLUICE_ASSIGN_OR_RETURN(json::value v, EvalArg(a, ctx, field, random));
    args.push_back(std::move(v));
  }

  switch (spec.fn) {
    case Function::kFormat: {
      SLUICE_ASSIGN_OR_RETURN(std::string_view tmpl, StringArg(spec, args[0], 0));
      std::vector<size_t> holes;
      if (call.args[0].kind == Arg::Kind::kLiteral) {
        holes = call.args[0].placeholders;
      } else {
        for (size_t p = tmpl.find("{}"); p != std::string_view::npos; p = tmpl.find("{}", p + 2)) {
          holes.push_back(p);
        }
      }
      if (holes.size() != args.size() - 1) {
        return Failure(spec, "the template has " + std::to_string(holes.size()) +
                                 " placeholder(s) '{}' but " + std::to_string(args.size() - 1) +
                                 " value argument(s) were given");
      }
      std::string out;
      out.reserve(tmpl.size() + 16 * holes.size());
      size_t at = 0;
      for (size_t i = 0; i < holes.size(); ++i) {
        out.append(tmpl.substr(at, holes[i] - at));
        AppendFormatted(args[i + 1], &out);
        at = holes[i] + 2;
      }
      out.append(tmpl.substr(at));
      return json::value(json::string(out));
    }
    case Function::kStringToJson: {
      SLUICE_ASSIGN_OR_RETURN(std::string_view s, StringArg(spec, args[0], 0));
      auto parsed = common::ParseJson(s, "States.StringToJson argument");
      if (!parsed.ok()) {
        return Failure(spec, "the argument is not valid JSON: " + parsed.status().message());
      }
      return std::move(parsed).value();
    }
    case Function::kJsonToString:
      return json::value(json::string(common::SerializeJson(args[0])));
    case Function::kArray: {
      json::array out;
      out.reserve(args.size());
      for (auto& v : args) out.push_back(std::move(v));
      return json::value(std::move(out));
    }
    case Function::kArrayPartition: {
      SLUICE_ASSIGN_OR_RETURN(const json::array* arr, ArrayArg(spec, args[0], 0));
      SLUICE_ASSIGN_OR_RETURN(int64_t size, IntegerArg(spec, args[1], 1, false));
      if (size <= 0) {
        return Failure(spec, "the chunk size must be a positive integer, but was " +
                                 std::to_string(size));
      }
      json::array out;
      out.reserve((arr->size() + static_cast<size_t>(size) - 1) / static_cast<size_t>(size));
      for (size_t i = 0; i < arr->size(); i += static_cast<size_t>(size)) {
        size_t end = std::min(arr->size(), i + static_cast<size_t>(size));
        json::array chunk(arr->begin() + static_cast<std::ptrdiff_t>(i),
                          arr->begin() + static_cast<std::ptrdiff_t>(end));
        out.push_back(std::move(chunk));
      }
      return json::value(std::move(out));
    }
    case Function::kArrayContains: {
      SLUICE_ASSIGN_OR_RETURN(const json::array* arr, ArrayArg(spec, args[0], 0));
      for (const auto& v : *arr) {
        if (JsonEquals(v, args[1])) return json::value(true);
      }
      return json::value(false);
    }
    case Function::kArrayRange: {
      SLUICE_ASSIGN_OR_RETURN(int64_t start, IntegerArg(spec, args[0], 0, false));
      SLUICE_ASSIGN_OR_RETURN(int64_t end, IntegerArg(spec, args[1], 1, false));
      SLUICE_ASSIGN_OR_RETURN(int64_t step, IntegerArg(spec, args[2], 2, false));
      if (step == 0) return Failure(spec, "the step (third argument) must not be 0");
      // Items: start, start+step, … up to and including end.
      __int128 span = static_cast<__int128>(end) - start;
      __int128 count = (span == 0 || (span > 0) == (step > 0)) ? span / step + 1 : 0;
      if (count > kMaxRangeItems) {
        return Failure(spec, "the range would have " + std::to_string(static_cast<int64_t>(
                                 std::min<__int128>(count, std::numeric_limits<int64_t>::max()))) +
                                 " items; at most " + std::to_string(kMaxRangeItems) +
                                 " are allowed");
      }
      json::array out;
      out.reserve(static_cast<size_t>(count));
      for (__int128 i = 0; i < count; ++i) out.push_back(static_cast<int64_t>(start + i * step));
      return json::value(std::move(out));
    }
    case Function::kArrayGetItem: {
      SLUICE_ASSIGN_OR_RETURN(const json::array* arr, ArrayArg(spec, args[0], 0));
      SLUICE_ASSIGN_OR_RETURN(int64_t index, IntegerArg(spec, args[1], 1, false));
      if (index < 0 || index >= static_cast<int64_t>(arr->size())) {
        return Failure(spec, "the index " + std::to_string(index) +
                                 " is out of bounds for an array of length " +
                                 std::to_string(arr->size()));
      }
      return (*arr)[static_cast<size_t>(index)];
    }
    case Function::kArrayLength: {
      SLUICE_ASSIGN_OR_RETURN(const json::array* arr, ArrayArg(spec, args[0], 0));
      return json::value(static_cast<int64_t>(arr->size()));
    }
    case Function::kArrayUnique: {
      SLUICE_ASSIGN_OR_RETURN(const json::array* arr, ArrayArg(spec, args[0], 0));
      json::array out;
      std::unordered_multimap<size_t, size_t> seen;  // hash -> index in `out`
      seen.reserve(arr->size());
      for (const auto& v : *arr) {
        size_t h = JsonHash(v);
        auto [lo, hi] = seen.equal_range(h);
        bool dup = false;
        for (auto it = lo; it != hi && !dup; ++it) dup = JsonEquals(out[it->second], v);
        if (dup) continue;
        seen.emplace(h, out.size());
        out.push_back(v);
      }
      return json::value(std::move(out));
    }
    case Function::kBase64Encode: {
      SLUICE_ASSIGN_OR_RETURN(std::string_view s, StringArg(spec, args[0], 0));
      if (CountCodePoints(s) > kMaxInputChars) {
        return Failure(spec, "the input must be at most 10000 characters");
      }
      return json::value(json::string(Base64Encode(s)));
    }
    case Function::kBase64Decode: {
      SLUICE_ASSIGN_OR_RETURN(std::string_view s, StringArg(spec, args[0], 0));
      if (s.size() > kMaxInputChars) {
        return Failure(spec, "the input must be at most 10000 characters");
      }
      auto decoded = Base64Decode(s);
      if (!decoded) return Failure(spec, "the input is not valid Base64");
      return json::value(json::string(*decoded));
    }
    case Function::kHash: {
      // AWS limits "the stringified version of the first argument".
      std::string data = args[0].is_string() ? std::string(args[0].get_string())
                                             : common::SerializeJson(args[0]);
      if (CountCodePoints(data) > kMaxInputChars) {
        return Failure(spec, "the data must be at most 10000 characters");
      }
      SLUICE_ASSIGN_OR_RETURN(std::string_view alg, StringArg(spec, args[1], 1));
      common::HashAlgorithm algorithm;
      if (alg == "MD5") algorithm = common::HashAlgorithm::kMd5;
      else if (alg == "SHA-1") algorithm = common::HashAlgorithm::kSha1;
      else if (alg == "SHA-256") algorithm = common::HashAlgorithm::kSha256;
      else if (alg == "SHA-384") algorithm = common::HashAlgorithm::kSha384;
      else if (alg == "SHA-512") algorithm = common::HashAlgorithm::kSha512;
      else {
        return Failure(spec, "unsupported hash algorithm '" + std::string(alg) +
                                 "'; expected one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
      }
      return json::value(json::string(common::HashHex(algorithm, data)));
    }
    case Function::kJsonMerge: {
      for (size_t i = 0; i < 2; ++i) {
        if (!args[i].is_object()) {
          return Failure(spec, "the " + Ordinal(i) + " argument must be a JSON object, but was " +
                                   std::string(common::JsonTypeName(args[i])));
        }
      }
      if (!args[2].is_bool()) {
        return Failure(spec, "the third argument (deep merge) must be a boolean, but was " +
                                 std::string(common::JsonTypeName(args[2])));
      }
      if (args[2].get_bool()) {
        return Failure(spec, "only shallow merging is supported; the third argument must be false");
      }
      json::object out = std::move(args[0].get_object());
      for (auto& kv : args[1].get_object()) out[kv.key()] = std::move(kv.value());
      return json::value(std::move(out));
    }
    case Function::kMathRandom: {
      SLUICE_ASSIGN_OR_RETURN(int64_t start, IntegerArg(spec, args[0], 0, true));
      SLUICE_ASSIGN_OR_RETURN(int64_t end, IntegerArg(spec, args[1], 1, true));
      if (end <= start) {
        return Failure(spec, "the end (" + std::to_string(end) +
                                 ") must be greater than the start (" + std::to_string(start) +
                                 ")");
      }
      if (args.size() == 3) {
        SLUICE_ASSIGN_OR_RETURN(int64_t seed, IntegerArg(spec, args[2], 2, true));
        if (end - start > std::numeric_limits<int32_t>::max()) {
          return Failure(spec, "the range is too large for a seeded random number");
        }
        JavaRandom rng(seed);
        return json::value(start + rng.NextInt(static_cast<int32_t>(end - start)));
      }
      return json::value(random->NextInt(start, end));
    }
    case Function::kMathAdd: {
      SLUICE_ASSIGN_OR_RETURN(int64_t a, IntegerArg(spec, args[0], 0, true));
      SLUICE_ASSIGN_OR_RETURN(int64_t b, IntegerArg(spec, args[1], 1, true));
      int64_t sum = 0;
      if (__builtin_add_overflow(a, b, &sum)) return Failure(spec, "the sum overflows");
      return json::value(sum);
    }
    case Function::kStringSplit: {
      SLUICE_ASSIGN_OR_RETURN(std::string_view s, StringArg(spec, args[0], 0));
      SLUICE_ASSIGN_OR_RETURN(std::string_view delims, StringArg(spec, args[1], 1));
      // Every character (code point) of `delims` splits; empty pieces are dropped.
      std::vector<std::string_view> delim_chars;
      for (size_t i = 0; i < delims.size();) {
        size_t len = 1;
        while (i + len < delims.size() &&
               (static_cast<unsigned char>(delims[i + len]) & 0xC0) == 0x80) {
          ++len;
        }
        delim_chars.push_back(delims.substr(i, len));
        i += len;
      }
      json::array out;
      size_t piece = 0;
      size_t i = 0;
      while (i < s.size()) {
        size_t matched = 0;
        for (std::string_view d : delim_chars) {
          if (s.substr(i, d.size()) == d) {
            matched = d.size();
            break;
          }
        }
        if (matched == 0) {
          ++i;
          continue;
        }
        if (i > piece) out.push_back(json::string(s.substr(piece, i - piece)));
        i += matched;
        piece = i;
      }
      if (s.size() > piece) out.push_back(json::string(s.substr(piece)));
      return json::value(std::move(out));
    }
    case Function::kUuid:
      return json::value(json::string(random->NextUuid()));
  }
  return Status::Internal("unreachable");
}

class OsRandomSource : public RandomSource {
 public:
  int64_t NextInt(int64_t lo, int64_t hi) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::uniform_int_distribution<int64_t> dist(lo, hi - 1);
    return dist(engine_);
  }
  std::string NextUuid() override { return common::NewUuid(); }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_{std::random_device{}()};
};

}  // namespace

Result<json::value> EvaluatePath(const JsonPath& path, const PathContext& ctx,
                                 std::string_view field) {
  static const json::value kNull;
  switch (path.root()) {
    case JsonPath::Root::kInput:
      return path.Evaluate(ctx.input ? *ctx.input : kNull, field);
    case JsonPath::Root::kContext:
      return path.Evaluate(ctx.context ? *ctx.context : kNull, field);
    case JsonPath::Root::kVariable: {
      const json::value* value =
          ctx.variables ? ctx.variables->Find(path.variable()) : nullptr;
      if (value == nullptr) {
        return StatesError(kStatesRuntime, "Invalid path '" + path.text() +
                                               "': The variable '" + path.variable() +
                                               "' is not defined");
      }
      return path.Evaluate(*value, field);
    }
  }
  return Status::Internal("unreachable");
}

RandomSource* DefaultRandomSource() {
  static OsRandomSource* source = new OsRandomSource();
  return source;
}

bool IntrinsicCall::Looks(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  if (text.substr(0, 7) != "States.") return false;
  size_t i = 7;
  if (i >= text.size() || !IsIdentStart(text[i])) return false;
  while (i < text.size() && IsIdentChar(text[i])) ++i;
  while (i < text.size() && IsSpace(text[i])) ++i;
  return i < text.size() && text[i] == '(';
}

Result<IntrinsicCall> IntrinsicCall::Parse(std::string_view text) {
  CallParser parser(text);
  SLUICE_ASSIGN_OR_RETURN(auto impl, parser.ParseTop());
  // The top-level text is the whole (trimmed) expression.
  auto top = std::make_shared<Impl>(*impl);
  top->text = std::string(text);
  return IntrinsicCall(std::move(top));
}

const std::string& IntrinsicCall::text() const { return impl_->text; }

Result<json::value> IntrinsicCall::Evaluate(const PathContext& ctx, std::string_view field,
                                            RandomSource* random) const {
  return Eval(*impl_, ctx, field, random != nullptr ? random : DefaultRandomSource());
}

}  // namespace sluice::asl
