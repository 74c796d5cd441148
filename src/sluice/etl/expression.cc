#include "sluice/etl/expression.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "sluice/common/time.h"
#include "sluice/etl/batch_ops.h"
#include "sluice/parquet/value_text.h"
#include "sluice/etl/cast.h"
#include "sluice/parquet/column_type.h"

namespace sluice::etl {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::RecordBatch;
using parquet::Schema;
using parquet::TimeUnit;
using parquet::TypeKind;

// The parsed form: what the text says, before names and types are resolved.
struct ColumnExpression::Node {
  enum class Kind {
    kColumn,
    kInt,
    kDouble,
    kString,
    kBool,
    kNull,
    kNeg,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kCall,
    kCast
  };
  Kind kind = Kind::kNull;
  size_t pos = 0;    // 0-based byte offset in the text
  std::string name;  // column name, function name (lower case), string literal
  int64_t int_value = 0;
  double double_value = 0;
  bool bool_value = false;
  DataType cast_type;  // kCast
  std::vector<std::shared_ptr<const Node>> args;
};

namespace {

using Node = ColumnExpression::Node;
using NodePtr = std::shared_ptr<const Node>;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

constexpr std::string_view kFunctions[] = {
    "cast", "coalesce", "concat", "date", "date_trunc", "lower", "regexp_extract", "trim", "upper"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ---- Lexer and parser -------------------------------------------------------------------

enum class Tok {
  kEnd,
  kIdent,
  kQuotedIdent,
  kInt,
  kNumber,
  kString,
  kLParen,
  kRParen,
  kComma,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kConcat
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t pos = 0;
  size_t end = 0;
  std::string text;  // identifiers and numbers as written; strings and quoted names unescaped
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<NodePtr> ParseAll() {
    SLUICE_RETURN_IF_ERROR(Next());
    SLUICE_ASSIGN_OR_RETURN(NodePtr root, ParseConcat());
    if (tok_.kind != Tok::kEnd) return Error(tok_.pos, "unexpected " + Describe(tok_));
    return root;
  }

 private:
  Status Error(size_t pos, std::string_view what) const {
    return Status::InvalidArgument("expression \"" + std::string(text_) + "\": " +
                                   std::string(what) + " at column " + std::to_string(pos + 1));
  }

  std::string Describe(const Token& t) const {
    if (t.kind == Tok::kEnd) return "the end";
    return "'" + std::string(text_.substr(t.pos, t.end - t.pos)) + "'";
  }

  // A quoted run ('...' or "..."), the quote doubled inside.
  Status Quoted(char quote, Tok kind) {
    size_t start = pos_++;
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) {
        return Error(start, kind == Tok::kString ? "unterminated string"
                                                 : "unterminated quoted column name");
      }
      char c = text_[pos_++];
      if (c == quote) {
        if (pos_ < text_.size() && text_[pos_] == quote) {
          value.push_back(quote);
          ++pos_;
          continue;
        }
        break;
      }
      value.push_back(c);
    }
    tok_ = Token{kind, start, pos_, std::move(value)};
    return Status::OK();
  }

  Status Next() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    size_t start = pos_;
    if (pos_ >= text_.size()) {
      tok_ = Token{Tok::kEnd, text_.size(), text_.size(), ""};
      return Status::OK();
    }
    char c = text_[pos_];
    if (IsIdentStart(c)) {
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
      tok_ = Token{Tok::kIdent, start, pos_, std::string(text_.substr(start, pos_ - start))};
      return Status::OK();
    }
    if (IsDigit(c) || (c == '.' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1]))) {
      bool floating = false;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '.') {
        floating = true;
        ++pos_;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      }
      if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        floating = true;
        ++pos_;
        if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
        if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Error(start, "malformed number");
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      }
      if (pos_ < text_.size() && IsIdentChar(text_[pos_])) return Error(start, "malformed number");
      tok_ = Token{floating ? Tok::kNumber : Tok::kInt, start, pos_,
                   std::string(text_.substr(start, pos_ - start))};
      return Status::OK();
    }
    if (c == '\'') return Quoted('\'', Tok::kString);
    if (c == '"') return Quoted('"', Tok::kQuotedIdent);
    Tok kind;
    switch (c) {
      case '(':
        kind = Tok::kLParen;
        break;
      case ')':
        kind = Tok::kRParen;
        break;
      case ',':
        kind = Tok::kComma;
        break;
      case '+':
        kind = Tok::kPlus;
        break;
      case '-':
        kind = Tok::kMinus;
        break;
      case '*':
        kind = Tok::kStar;
        break;
      case '/':
        kind = Tok::kSlash;
        break;
      case '|':
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '|') {
          pos_ += 2;
          tok_ = Token{Tok::kConcat, start, pos_, "||"};
          return Status::OK();
        }
        [[fallthrough]];
      default:
        return Error(start, "unexpected character '" + std::string(1, c) + "'");
    }
    ++pos_;
    tok_ = Token{kind, start, pos_, std::string(1, c)};
    return Status::OK();
  }

  Status Expect(Tok kind, std::string_view what) {
    if (tok_.kind != kind) return Error(tok_.pos, "expected " + std::string(what));
    return Next();
  }

  static NodePtr Make(Node node) { return std::make_shared<const Node>(std::move(node)); }

  Result<NodePtr> ParseConcat() {
    SLUICE_ASSIGN_OR_RETURN(NodePtr left, ParseAdditive());
    while (tok_.kind == Tok::kConcat) {
      Node n;
      n.kind = Node::Kind::kCall;
      n.name = "concat";
      n.pos = tok_.pos;
      SLUICE_RETURN_IF_ERROR(Next());
      SLUICE_ASSIGN_OR_RETURN(NodePtr right, ParseAdditive());
      n.args = {left, right};
      left = Make(std::move(n));
    }
    return left;
  }

  Result<NodePtr> ParseAdditive() {
    SLUICE_ASSIGN_OR_RETURN(NodePtr left, ParseTerm());
    while (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus) {
      Node n;
      n.kind = tok_.kind == Tok::kPlus ? Node::Kind::kAdd : Node::Kind::kSub;
      n.pos = tok_.pos;
      SLUICE_RETURN_IF_ERROR(Next());
      SLUICE_ASSIGN_OR_RETURN(NodePtr right, ParseTerm());
      n.args = {left, right};
      left = Make(std::move(n));
    }
    return left;
  }

  Result<NodePtr> ParseTerm() {
    SLUICE_ASSIGN_OR_RETURN(NodePtr left, ParseUnary());
    while (tok_.kind == Tok::kStar || tok_.kind == Tok::kSlash) {
      Node n;
      n.kind = tok_.kind == Tok::kStar ? Node::Kind::kMul : Node::Kind::kDiv;
      n.pos = tok_.pos;
      SLUICE_RETURN_IF_ERROR(Next());
      SLUICE_ASSIGN_OR_RETURN(NodePtr right, ParseUnary());
      n.args = {left, right};
      left = Make(std::move(n));
    }
    return left;
  }

  Result<NodePtr> ParseUnary() {
    if (tok_.kind != Tok::kMinus) return ParsePrimary();
    size_t pos = tok_.pos;
    SLUICE_RETURN_IF_ERROR(Next());
    // A negative number literal, so that -9223372036854775808 is an int64.
    if (tok_.kind == Tok::kInt || tok_.kind == Tok::kNumber) {
      Token number = tok_;
      number.text.insert(0, "-");
      number.pos = pos;
      SLUICE_RETURN_IF_ERROR(Next());
      return NumberLiteral(number);
    }
    Node n;
    n.kind = Node::Kind::kNeg;
    n.pos = pos;
    SLUICE_ASSIGN_OR_RETURN(NodePtr operand, ParseUnary());
    n.args = {operand};
    return Make(std::move(n));
  }

  Result<NodePtr> NumberLiteral(const Token& t) {
    Node n;
    n.pos = t.pos;
    const char* begin = t.text.data();
    const char* end = begin + t.text.size();
    if (t.kind == Tok::kInt) {
      n.kind = Node::Kind::kInt;
      auto [ptr, ec] = std::from_chars(begin, end, n.int_value);
      if (ec != std::errc() || ptr != end)
        return Error(t.pos, "integer " + t.text + " is out of range for int64");
    } else {
      n.kind = Node::Kind::kDouble;
      auto [ptr, ec] = std::from_chars(begin, end, n.double_value);
      if (ec != std::errc() || ptr != end)
        return Error(t.pos, "number " + t.text + " is out of range for double");
    }
    return Make(std::move(n));
  }

  Result<NodePtr> ParsePrimary() {
    Node n;
    n.pos = tok_.pos;
    switch (tok_.kind) {
      case Tok::kInt:
      case Tok::kNumber: {
        Token number = tok_;
        SLUICE_RETURN_IF_ERROR(Next());
        return NumberLiteral(number);
      }
      case Tok::kString:
        n.kind = Node::Kind::kString;
        n.name = tok_.text;
        SLUICE_RETURN_IF_ERROR(Next());
        return Make(std::move(n));
      case Tok::kQuotedIdent:
        n.kind = Node::Kind::kColumn;
        n.name = tok_.text;
        SLUICE_RETURN_IF_ERROR(Next());
        return Make(std::move(n));
      case Tok::kLParen: {
        SLUICE_RETURN_IF_ERROR(Next());
        SLUICE_ASSIGN_OR_RETURN(NodePtr inner, ParseConcat());
        SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
        return inner;
      }
      case Tok::kIdent: {
        std::string word = tok_.text;
        SLUICE_RETURN_IF_ERROR(Next());
        if (tok_.kind == Tok::kLParen) return ParseCall(LowerAscii(word), n.pos);
        std::string lower = LowerAscii(word);
        if (lower == "true" || lower == "false") {
          n.kind = Node::Kind::kBool;
          n.bool_value = lower == "true";
        } else if (lower == "null") {
          n.kind = Node::Kind::kNull;
        } else {
          n.kind = Node::Kind::kColumn;
          n.name = std::move(word);
        }
        return Make(std::move(n));
      }
      default:
        if (tok_.kind == Tok::kEnd) return Error(tok_.pos, "expected an expression");
        return Error(tok_.pos, "expected an expression, found " + Describe(tok_));
    }
  }

  // At the "(" after a function name.
  Result<NodePtr> ParseCall(std::string name, size_t pos) {
    if (std::find(std::begin(kFunctions), std::end(kFunctions), name) == std::end(kFunctions)) {
      return Error(pos, "unknown function \"" + name +
                            "\"; functions are cast, coalesce, concat, date, date_trunc, lower, "
                            "regexp_extract, trim, upper");
    }
    SLUICE_RETURN_IF_ERROR(Next());
    Node n;
    n.pos = pos;
    n.name = name;
    if (name == "cast") {
      n.kind = Node::Kind::kCast;
      SLUICE_ASSIGN_OR_RETURN(NodePtr operand, ParseConcat());
      n.args = {operand};
      if (tok_.kind != Tok::kIdent || LowerAscii(tok_.text) != "as")
        return Error(tok_.pos, "expected AS");
      SLUICE_RETURN_IF_ERROR(Next());
      if (tok_.kind != Tok::kIdent) return Error(tok_.pos, "expected a type name");
      size_t type_begin = tok_.pos;
      size_t type_end = tok_.end;
      SLUICE_RETURN_IF_ERROR(Next());
      if (tok_.kind == Tok::kLParen) {  // decimal(p, s)
        while (tok_.kind != Tok::kRParen) {
          if (tok_.kind == Tok::kEnd) return Error(tok_.pos, "expected ')'");
          SLUICE_RETURN_IF_ERROR(Next());
        }
        type_end = tok_.end;
        SLUICE_RETURN_IF_ERROR(Next());
      }
      auto type = parquet::ParseColumnType(text_.substr(type_begin, type_end - type_begin));
      if (!type.ok()) return Error(type_begin, type.status().message());
      n.cast_type = std::move(type).value();
      SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
      return Make(std::move(n));
    }
    n.kind = Node::Kind::kCall;
    if (tok_.kind != Tok::kRParen) {
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(NodePtr arg, ParseConcat());
        n.args.push_back(std::move(arg));
        if (tok_.kind != Tok::kComma) break;
        SLUICE_RETURN_IF_ERROR(Next());
      }
    }
    SLUICE_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
    return Make(std::move(n));
  }

  std::string_view text_;
  size_t pos_ = 0;
  Token tok_;
};

// ---- Values ---------------------------------------------------------------------------

bool IsIntegerKind(TypeKind k) {
  switch (k) {
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kInt64:
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32:
      return true;
    default:
      return false;
  }
}

bool IsNumericKind(TypeKind k) {
  return IsIntegerKind(k) || k == TypeKind::kFloat || k == TypeKind::kDouble ||
         k == TypeKind::kDecimal;
}

bool IsTextKind(TypeKind k) { return k == TypeKind::kString || k == TypeKind::kJson; }

// The kinds an expression can read, format and copy.
bool IsScalarKind(TypeKind k) {
  return IsNumericKind(k) || IsTextKind(k) || k == TypeKind::kBoolean || k == TypeKind::kDate ||
         k == TypeKind::kTimestamp;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t IntAt(const ColumnVector& c, int64_t i) {
  auto k = static_cast<size_t>(i);
  switch (c.type.kind) {
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32:
      return static_cast<uint32_t>(c.ints32[k]);
    case TypeKind::kInt64:
      return c.ints64[k];
    default:
      return c.ints32[k];
  }
}

__int128 Pow10(int n) {
  __int128 v = 1;
  for (int k = 0; k < n; ++k) v *= 10;
  return v;
}

double DoubleAt(const ColumnVector& c, int64_t i) {
  auto k = static_cast<size_t>(i);
  switch (c.type.kind) {
    case TypeKind::kFloat:
      return c.floats[k];
    case TypeKind::kDouble:
      return c.doubles[k];
    case TypeKind::kDecimal:
      return static_cast<double>(static_cast<long double>(parquet::DecimalAt(c, i)) /
                                 static_cast<long double>(Pow10(c.type.scale)));
    default:
      return static_cast<double>(IntAt(c, i));
  }
}

int64_t MicrosAt(const ColumnVector& c, int64_t i) {
  int64_t v = c.ints64[static_cast<size_t>(i)];
  switch (c.type.unit) {
    case TimeUnit::kMillis: {
      int64_t micros = 0;
      if (__builtin_mul_overflow(v, 1000, &micros)) {
        return v < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
      }
      return micros;
    }
    case TimeUnit::kNanos:
      return FloorDiv(v, 1000);
    case TimeUnit::kMicros:
      return v;
  }
  return v;
}

void AppendInteger(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendPadded(int64_t v, int width, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  for (auto n = r.ptr - buf; n < width; ++n) out->push_back('0');
  out->append(buf, r.ptr);
}

void AppendTimestampText(int64_t micros, std::string* out) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  parquet::AppendDateText(days, out);
  out->push_back('T');
  int64_t seconds = rest / kMicrosPerSecond;
  AppendPadded(seconds / 3600, 2, out);
  out->push_back(':');
  AppendPadded(seconds / 60 % 60, 2, out);
  out->push_back(':');
  AppendPadded(seconds % 60, 2, out);
  if (int64_t fraction = rest % kMicrosPerSecond; fraction != 0) {
    out->push_back('.');
    AppendPadded(fraction, 6, out);
  }
  out->push_back('Z');
}

// The value as text (cast to string). The value must not be NULL.
void AppendValueText(const ColumnVector& c, int64_t i, std::string* out) {
  auto k = static_cast<size_t>(i);
  switch (c.type.kind) {
    case TypeKind::kBoolean:
      out->append(c.bools[k] ? "true" : "false");
      break;
    case TypeKind::kFloat:
      parquet::AppendFloatText(c.floats[k], out);
      break;
    case TypeKind::kDouble:
      parquet::AppendFloatText(c.doubles[k], out);
      break;
    case TypeKind::kDecimal:
      parquet::AppendDecimalText(parquet::DecimalAt(c, i), c.type.scale, out);
      break;
    case TypeKind::kString:
    case TypeKind::kJson:
      out->append(c.BytesAt(i));
      break;
    case TypeKind::kDate:
      parquet::AppendDateText(c.ints32[k], out);
      break;
    case TypeKind::kTimestamp:
      AppendTimestampText(MicrosAt(c, i), out);
      break;
    default:
      AppendInteger(IntAt(c, i), out);
      break;
  }
}

std::string ValueText(const ColumnVector& c, int64_t i) {
  std::string out;
  AppendValueText(c, i, &out);
  return out;
}

// Appends src[i] to dst, both of the same (scalar) type.
void AppendValueFrom(const ColumnVector& src, int64_t i, ColumnVector* dst) {
  if (src.IsNull(i)) {
    dst->AppendNull();
    return;
  }
  auto k = static_cast<size_t>(i);
  switch (src.type.kind) {
    case TypeKind::kBoolean:
      dst->AppendBool(src.bools[k] != 0);
      break;
    case TypeKind::kInt64:
    case TypeKind::kTimestamp:
      dst->AppendInt64(src.ints64[k]);
      break;
    case TypeKind::kFloat:
      dst->AppendFloat(src.floats[k]);
      break;
    case TypeKind::kDouble:
      dst->AppendDouble(src.doubles[k]);
      break;
    case TypeKind::kDecimal:
      if (src.type.precision <= 18) {
        dst->AppendInt64(src.ints64[k]);
      } else {
        dst->AppendBytes(src.BytesAt(i));
      }
      break;
    case TypeKind::kString:
    case TypeKind::kJson:
      dst->AppendBytes(src.BytesAt(i));
      break;
    default:
      dst->AppendInt32(src.ints32[k]);
      break;  // int8/16/32, uint8/16/32, date
  }
}

enum class TruncUnit { kYear, kQuarter, kMonth, kWeek, kDay, kHour, kMinute };

int64_t TruncDays(int64_t days, TruncUnit unit) {
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  switch (unit) {
    case TruncUnit::kYear:
      common::CivilFromDays(days, &y, &m, &d);
      return common::DaysFromCivil(y, 1, 1);
    case TruncUnit::kQuarter:
      common::CivilFromDays(days, &y, &m, &d);
      return common::DaysFromCivil(y, (m - 1) / 3 * 3 + 1, 1);
    case TruncUnit::kMonth:
      common::CivilFromDays(days, &y, &m, &d);
      return common::DaysFromCivil(y, m, 1);
    case TruncUnit::kWeek:
      // 1970-01-01 was a Thursday: 3 days after a Monday.
      return days - (days + 3 - FloorDiv(days + 3, 7) * 7);
    default:
      return days;
  }
}

int64_t TruncMicros(int64_t micros, TruncUnit unit) {
  switch (unit) {
    case TruncUnit::kHour:
      return FloorDiv(micros, 3600 * kMicrosPerSecond) * 3600 * kMicrosPerSecond;
    case TruncUnit::kMinute:
      return FloorDiv(micros, 60 * kMicrosPerSecond) * 60 * kMicrosPerSecond;
    default:
      return TruncDays(FloorDiv(micros, kMicrosPerDay), unit) * kMicrosPerDay;
  }
}

}  // namespace

// ---- Bound form -----------------------------------------------------------------------

enum class BoundOp {
  kColumn,
  kLiteral,
  kNeg,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kCast,
  kDateTrunc,
  kLower,
  kUpper,
  kTrim,
  kConcat,
  kCoalesce,
  kRegexpExtract,
};

// The resolved form: column indexes, result types, compiled patterns. Immutable.
struct ColumnExpression::BoundNode {
  BoundOp op = BoundOp::kLiteral;
  DataType type;
  bool null_literal = false;  // `null`: fits any type, every row NULL
  int column = -1;            // kColumn
  ColumnVector literal;       // kLiteral: one value
  std::vector<std::shared_ptr<const BoundNode>> args;
  std::optional<TextCaster> caster;  // kCast to anything but string
  TruncUnit unit = TruncUnit::kDay;  // kDateTrunc
  std::shared_ptr<const RE2> re;     // kRegexpExtract
  int group = 1;                     // kRegexpExtract
};

namespace {

using BoundNode = ColumnExpression::BoundNode;
using BoundPtr = std::shared_ptr<const BoundNode>;

std::string TypeNameOf(const BoundNode& n) {
  return n.null_literal ? "null" : ColumnTypeName(n.type);
}

bool CanCast(TypeKind from, TypeKind to) {
  bool text = IsTextKind(from);
  bool number = IsNumericKind(from);
  bool temporal = from == TypeKind::kDate || from == TypeKind::kTimestamp;
  switch (to) {
    case TypeKind::kString:
      return text || number || temporal || from == TypeKind::kBoolean;
    case TypeKind::kJson:
      return text || number || from == TypeKind::kBoolean;
    case TypeKind::kBoolean:
      return text || IsIntegerKind(from) || from == TypeKind::kBoolean;
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kInt64:
      return text || number || from == TypeKind::kBoolean;
    case TypeKind::kFloat:
    case TypeKind::kDouble:
    case TypeKind::kDecimal:
      return text || number;
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
      return text || temporal;
    default:
      return false;
  }
}

class Binder {
 public:
  Binder(std::string_view text, const Schema& schema) : text_(text), schema_(schema) {}

  Result<BoundPtr> Bind(const Node& n) {
    BoundNode b;
    switch (n.kind) {
      case Node::Kind::kColumn: {
        int index = schema_.IndexOf(n.name);
        if (index < 0) {
          std::string names;
          for (const auto& f : schema_.fields) names += (names.empty() ? "" : ", ") + f.name;
          return Status::InvalidArgument(
              "expression \"" + std::string(text_) + "\": unknown column \"" + n.name + "\"; " +
              (names.empty() ? "the input has no columns" : "columns are " + names));
        }
        const DataType& type = schema_.fields[static_cast<size_t>(index)].type;
        if (!IsScalarKind(type.kind) || type.kind == TypeKind::kUInt64) {
          return Error(n, "column \"" + n.name + "\" is " + type.ToString() +
                              ", which expressions do not take");
        }
        b.op = BoundOp::kColumn;
        b.column = index;
        b.type = type;
        return Done(std::move(b));
      }
      case Node::Kind::kInt:
        return Literal(DataType::Of(TypeKind::kInt64),
                       [&](ColumnVector* c) { c->AppendInt64(n.int_value); });
      case Node::Kind::kDouble:
        return Literal(DataType::Of(TypeKind::kDouble),
                       [&](ColumnVector* c) { c->AppendDouble(n.double_value); });
      case Node::Kind::kString:
        return Literal(DataType::Of(TypeKind::kString),
                       [&](ColumnVector* c) { c->AppendBytes(n.name); });
      case Node::Kind::kBool:
        return Literal(DataType::Of(TypeKind::kBoolean),
                       [&](ColumnVector* c) { c->AppendBool(n.bool_value); });
      case Node::Kind::kNull: {
        SLUICE_ASSIGN_OR_RETURN(BoundPtr p, Literal(DataType::Of(TypeKind::kString),
                                                    [](ColumnVector* c) { c->AppendNull(); }));
        auto copy = std::make_shared<BoundNode>(*p);
        copy->null_literal = true;
        return BoundPtr(std::move(copy));
      }
      case Node::Kind::kNeg:
      case Node::Kind::kAdd:
      case Node::Kind::kSub:
      case Node::Kind::kMul:
      case Node::Kind::kDiv:
        return Arithmetic(n);
      case Node::Kind::kCast: {
        SLUICE_ASSIGN_OR_RETURN(BoundPtr arg, Bind(*n.args[0]));
        return Cast(n, std::move(arg), n.cast_type);
      }
      case Node::Kind::kCall:
        return Call(n);
    }
    return Status::Internal("unknown expression node");
  }

 private:
  Status Error(const Node& n, std::string_view what) const {
    return Status::InvalidArgument("expression \"" + std::string(text_) + "\": " +
                                   std::string(what) + " at column " + std::to_string(n.pos + 1));
  }

  static Result<BoundPtr> Done(BoundNode b) {
    return BoundPtr(std::make_shared<const BoundNode>(std::move(b)));
  }

  template <typename Fill>
  static Result<BoundPtr> Literal(DataType type, Fill fill) {
    BoundNode b;
    b.op = BoundOp::kLiteral;
    b.type = type;
    b.literal = ColumnVector::Make(type);
    fill(&b.literal);
    return Done(std::move(b));
  }

  Result<std::vector<BoundPtr>> BindArgs(const Node& n) {
    std::vector<BoundPtr> args;
    for (const NodePtr& a : n.args) {
      SLUICE_ASSIGN_OR_RETURN(BoundPtr b, Bind(*a));
      args.push_back(std::move(b));
    }
    return args;
  }

  Result<BoundPtr> Arithmetic(const Node& n) {
    SLUICE_ASSIGN_OR_RETURN(auto args, BindArgs(n));
    auto is_int = [](const BoundNode& x) { return x.null_literal || IsIntegerKind(x.type.kind); };
    auto is_number = [](const BoundNode& x) {
      return x.null_literal || IsNumericKind(x.type.kind);
    };
    BoundNode b;
    if (n.kind == Node::Kind::kNeg) {
      if (!is_number(*args[0]))
        return Error(n, "unary - needs a number; got " + TypeNameOf(*args[0]));
      b.op = BoundOp::kNeg;
      b.type = DataType::Of(is_int(*args[0]) ? TypeKind::kInt64 : TypeKind::kDouble);
    } else {
      const char* symbol = n.kind == Node::Kind::kAdd   ? "+"
                           : n.kind == Node::Kind::kSub ? "-"
                           : n.kind == Node::Kind::kMul ? "*"
                                                        : "/";
      if (!is_number(*args[0]) || !is_number(*args[1])) {
        return Error(n, std::string("operator ") + symbol + " needs numbers; got " +
                            TypeNameOf(*args[0]) + " and " + TypeNameOf(*args[1]));
      }
      b.op = n.kind == Node::Kind::kAdd   ? BoundOp::kAdd
             : n.kind == Node::Kind::kSub ? BoundOp::kSub
             : n.kind == Node::Kind::kMul ? BoundOp::kMul
                                          : BoundOp::kDiv;
      bool integer = b.op != BoundOp::kDiv && is_int(*args[0]) && is_int(*args[1]);
      b.type = DataType::Of(integer ? TypeKind::kInt64 : TypeKind::kDouble);
    }
    b.args = std::move(args);
    return Done(std::move(b));
  }

  Result<BoundPtr> Cast(const Node& n, BoundPtr arg, const DataType& to) {
    if (!arg->null_literal && !CanCast(arg->type.kind, to.kind)) {
      return Error(n, "cannot cast " + TypeNameOf(*arg) + " to " + ColumnTypeName(to));
    }
    BoundNode b;
    b.op = BoundOp::kCast;
    b.type = to;
    if (to.kind != TypeKind::kString) {
      SLUICE_ASSIGN_OR_RETURN(TextCaster caster, TextCaster::Make(to));
      b.caster = std::move(caster);
    }
    b.args = {std::move(arg)};
    return Done(std::move(b));
  }

  Status Arity(const Node& n, size_t min, size_t max) const {
    size_t got = n.args.size();
    if (got >= min && got <= max) return Status::OK();
    std::string want =
        min == max ? std::to_string(min) + (min == 1 ? " argument" : " arguments")
        : max == SIZE_MAX
            ? "at least " + std::to_string(min) + (min == 1 ? " argument" : " arguments")
            : std::to_string(min) + " or " + std::to_string(max) + " arguments";
    return Error(n, n.name + "() takes " + want + "; got " + std::to_string(got));
  }

  Result<BoundPtr> Call(const Node& n) {
    const std::string& f = n.name;
    BoundNode b;
    if (f == "lower" || f == "upper" || f == "trim") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, 1));
      SLUICE_ASSIGN_OR_RETURN(b.args, BindArgs(n));
      if (!b.args[0]->null_literal && b.args[0]->type.kind != TypeKind::kString) {
        return Error(*n.args[0], f + "() needs a string; got " + TypeNameOf(*b.args[0]));
      }
      b.op = f == "lower" ? BoundOp::kLower : f == "upper" ? BoundOp::kUpper : BoundOp::kTrim;
      b.type = DataType::Of(TypeKind::kString);
      return Done(std::move(b));
    }
    if (f == "date") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, 1));
      SLUICE_ASSIGN_OR_RETURN(BoundPtr arg, Bind(*n.args[0]));
      TypeKind k = arg->type.kind;
      if (!arg->null_literal && k != TypeKind::kDate && k != TypeKind::kTimestamp &&
          k != TypeKind::kString) {
        return Error(*n.args[0],
                     "date() needs a date, timestamp or string; got " + TypeNameOf(*arg));
      }
      return Cast(n, std::move(arg), DataType::Of(TypeKind::kDate));
    }
    if (f == "date_trunc") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 2, 2));
      const Node& unit = *n.args[0];
      if (unit.kind != Node::Kind::kString) {
        return Error(unit,
                     "date_trunc() needs a literal unit such as 'month' as its first argument");
      }
      static constexpr std::pair<std::string_view, TruncUnit> kUnits[] = {
          {"year", TruncUnit::kYear},    {"quarter", TruncUnit::kQuarter},
          {"month", TruncUnit::kMonth},  {"week", TruncUnit::kWeek},
          {"day", TruncUnit::kDay},      {"hour", TruncUnit::kHour},
          {"minute", TruncUnit::kMinute}};
      std::string name = LowerAscii(unit.name);
      auto it = std::find_if(std::begin(kUnits), std::end(kUnits),
                             [&](const auto& u) { return u.first == name; });
      if (it == std::end(kUnits)) {
        return Error(unit, "date_trunc() unit '" + unit.name +
                               "' is not one of year, quarter, month, week, day, hour, minute");
      }
      b.unit = it->second;
      SLUICE_ASSIGN_OR_RETURN(BoundPtr arg, Bind(*n.args[1]));
      TypeKind k = arg->type.kind;
      if (arg->null_literal) {
        b.type = DataType::Timestamp(TimeUnit::kMicros);
      } else if (k == TypeKind::kTimestamp) {
        b.type = DataType::Timestamp(TimeUnit::kMicros);
      } else if (k == TypeKind::kDate) {
        if (b.unit == TruncUnit::kHour || b.unit == TruncUnit::kMinute) {
          return Error(*n.args[1], "date_trunc('" + name + "', ...) needs a timestamp; got date");
        }
        b.type = DataType::Of(TypeKind::kDate);
      } else {
        return Error(*n.args[1], "date_trunc() needs a date or timestamp; got " + TypeNameOf(*arg));
      }
      b.op = BoundOp::kDateTrunc;
      b.args = {std::move(arg)};
      return Done(std::move(b));
    }
    if (f == "concat") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, SIZE_MAX));
      SLUICE_ASSIGN_OR_RETURN(b.args, BindArgs(n));
      b.op = BoundOp::kConcat;
      b.type = DataType::Of(TypeKind::kString);
      return Done(std::move(b));
    }
    if (f == "coalesce") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 1, SIZE_MAX));
      SLUICE_ASSIGN_OR_RETURN(b.args, BindArgs(n));
      const BoundNode* first = nullptr;
      const BoundNode* other = nullptr;
      bool all_integer = true;
      bool all_number = true;
      for (const BoundPtr& a : b.args) {
        if (a->null_literal) continue;
        TypeKind k = a->type.kind;
        all_integer = all_integer && IsIntegerKind(k);
        all_number =
            all_number && (IsIntegerKind(k) || k == TypeKind::kFloat || k == TypeKind::kDouble);
        if (first == nullptr) {
          first = a.get();
        } else if (other == nullptr && !(a->type == first->type)) {
          other = a.get();
        }
      }
      if (first == nullptr) {
        b.type = DataType::Of(TypeKind::kString);
      } else if (other == nullptr) {
        b.type = first->type;
      } else if (all_integer) {
        b.type = DataType::Of(TypeKind::kInt64);
      } else if (all_number) {
        b.type = DataType::Of(TypeKind::kDouble);
      } else {
        return Error(n, "coalesce() arguments need one type; got " + TypeNameOf(*first) + " and " +
                            TypeNameOf(*other));
      }
      b.op = BoundOp::kCoalesce;
      return Done(std::move(b));
    }
    if (f == "regexp_extract") {
      SLUICE_RETURN_IF_ERROR(Arity(n, 2, 3));
      SLUICE_ASSIGN_OR_RETURN(BoundPtr arg, Bind(*n.args[0]));
      if (!arg->null_literal && arg->type.kind != TypeKind::kString) {
        return Error(*n.args[0], "regexp_extract() needs a string; got " + TypeNameOf(*arg));
      }
      const Node& pattern = *n.args[1];
      if (pattern.kind != Node::Kind::kString) {
        return Error(pattern, "regexp_extract() needs a literal pattern as its second argument");
      }
      auto re = std::make_shared<const RE2>(pattern.name, RE2::Quiet);
      if (!re->ok()) {
        return Error(pattern,
                     "regexp_extract() pattern '" + pattern.name + "' is invalid: " + re->error());
      }
      if (n.args.size() == 3) {
        const Node& group = *n.args[2];
        if (group.kind != Node::Kind::kInt) {
          return Error(group,
                       "regexp_extract() needs a literal group number as its third argument");
        }
        if (group.int_value < 0 || group.int_value > re->NumberOfCapturingGroups()) {
          return Error(group, "regexp_extract() group " + std::to_string(group.int_value) +
                                  " is out of range: the pattern has " +
                                  std::to_string(re->NumberOfCapturingGroups()) + " group(s)");
        }
        b.group = static_cast<int>(group.int_value);
      } else if (re->NumberOfCapturingGroups() < 1) {
        return Error(pattern, "regexp_extract() pattern '" + pattern.name +
                                  "' has no group; add one or pass group 0 for the whole match");
      }
      b.op = BoundOp::kRegexpExtract;
      b.type = DataType::Of(TypeKind::kString);
      b.re = std::move(re);
      b.args = {std::move(arg)};
      return Done(std::move(b));
    }
    return Error(n, "unknown function \"" + f + "\"");
  }

  std::string_view text_;
  const Schema& schema_;
};

// ---- Evaluation -----------------------------------------------------------------------

// A column an evaluation step produced (owned) or read from the batch (borrowed).
struct Vec {
  const ColumnVector* col = nullptr;
  std::unique_ptr<ColumnVector> owned;

  const ColumnVector& operator*() const { return *col; }
  const ColumnVector* operator->() const { return col; }
};

Vec Own(ColumnVector c) {
  Vec v;
  v.owned = std::make_unique<ColumnVector>(std::move(c));
  v.col = v.owned.get();
  return v;
}

// The row errors of one evaluation; the first error of a row wins.
struct EvalContext {
  explicit EvalContext(int64_t rows) : rows(rows) {}

  void Fail(int64_t row, std::string reason) {
    if (error_of.empty()) error_of.assign(static_cast<size_t>(rows), -1);
    int32_t& slot = error_of[static_cast<size_t>(row)];
    if (slot >= 0) return;
    slot = static_cast<int32_t>(errors.size());
    errors.push_back(RowError{row, std::move(reason)});
  }
  const RowError* ErrorOf(int64_t row) const {
    if (error_of.empty()) return nullptr;
    int32_t slot = error_of[static_cast<size_t>(row)];
    return slot < 0 ? nullptr : &errors[static_cast<size_t>(slot)];
  }

  int64_t rows;
  std::vector<RowError> errors;
  std::vector<int32_t> error_of;  // per row: index in errors or -1; empty while no error
};

class Evaluator {
 public:
  explicit Evaluator(const RecordBatch& batch) : batch_(batch), rows_(batch.num_rows) {}

  Vec Eval(const BoundNode& n, EvalContext& ctx) {
    switch (n.op) {
      case BoundOp::kColumn: {
        Vec v;
        v.col = &batch_.columns[static_cast<size_t>(n.column)];
        return v;
      }
      case BoundOp::kLiteral: {
        ColumnVector out = ColumnVector::Make(n.type);
        for (int64_t i = 0; i < rows_; ++i) AppendValueFrom(n.literal, 0, &out);
        return Own(std::move(out));
      }
      case BoundOp::kNeg:
        return Negate(n, ctx);
      case BoundOp::kAdd:
      case BoundOp::kSub:
      case BoundOp::kMul:
      case BoundOp::kDiv:
        return Arithmetic(n, ctx);
      case BoundOp::kCast:
        return Cast(n, ctx);
      case BoundOp::kDateTrunc:
        return DateTrunc(n, ctx);
      case BoundOp::kLower:
      case BoundOp::kUpper:
      case BoundOp::kTrim:
        return StringFunction(n, ctx);
      case BoundOp::kConcat:
        return Concat(n, ctx);
      case BoundOp::kCoalesce:
        return Coalesce(n, ctx);
      case BoundOp::kRegexpExtract:
        return RegexpExtract(n, ctx);
    }
    return Own(ColumnVector::Make(n.type));
  }

 private:
  ColumnVector Start(const BoundNode& n) const {
    ColumnVector out = ColumnVector::Make(n.type);
    out.validity.reserve(static_cast<size_t>(rows_));
    return out;
  }

  Vec Negate(const BoundNode& n, EvalContext& ctx) {
    Vec a = Eval(*n.args[0], ctx);
    ColumnVector out = Start(n);
    const bool integer = n.type.kind == TypeKind::kInt64;
    for (int64_t i = 0; i < rows_; ++i) {
      if (a->IsNull(i)) {
        out.AppendNull();
      } else if (!integer) {
        out.AppendDouble(-DoubleAt(*a, i));
      } else if (int64_t v = IntAt(*a, i); v == std::numeric_limits<int64_t>::min()) {
        ctx.Fail(i, "integer overflow: -(" + std::to_string(v) + ")");
        out.AppendNull();
      } else {
        out.AppendInt64(-v);
      }
    }
    return Own(std::move(out));
  }

  Vec Arithmetic(const BoundNode& n, EvalContext& ctx) {
    Vec a = Eval(*n.args[0], ctx);
    Vec b = Eval(*n.args[1], ctx);
    ColumnVector out = Start(n);
    const char* symbol = n.op == BoundOp::kAdd   ? " + "
                         : n.op == BoundOp::kSub ? " - "
                         : n.op == BoundOp::kMul ? " * "
                                                 : " / ";
    auto fail = [&](int64_t i, std::string_view what) {
      ctx.Fail(i, std::string(what) + ValueText(*a, i) + symbol + ValueText(*b, i));
      out.AppendNull();
    };
    if (n.type.kind == TypeKind::kInt64) {
      out.ints64.reserve(static_cast<size_t>(rows_));
      for (int64_t i = 0; i < rows_; ++i) {
        if (a->IsNull(i) || b->IsNull(i)) {
          out.AppendNull();
          continue;
        }
        int64_t x = IntAt(*a, i);
        int64_t y = IntAt(*b, i);
        int64_t r = 0;
        bool overflow = n.op == BoundOp::kAdd   ? __builtin_add_overflow(x, y, &r)
                        : n.op == BoundOp::kSub ? __builtin_sub_overflow(x, y, &r)
                                                : __builtin_mul_overflow(x, y, &r);
        if (overflow) {
          fail(i, "integer overflow: ");
        } else {
          out.AppendInt64(r);
        }
      }
    } else {
      out.doubles.reserve(static_cast<size_t>(rows_));
      for (int64_t i = 0; i < rows_; ++i) {
        if (a->IsNull(i) || b->IsNull(i)) {
          out.AppendNull();
          continue;
        }
        double x = DoubleAt(*a, i);
        double y = DoubleAt(*b, i);
        switch (n.op) {
          case BoundOp::kAdd:
            out.AppendDouble(x + y);
            break;
          case BoundOp::kSub:
            out.AppendDouble(x - y);
            break;
          case BoundOp::kMul:
            out.AppendDouble(x * y);
            break;
          default:
            if (y == 0) {
              fail(i, "division by zero: ");
            } else {
              out.AppendDouble(x / y);
            }
            break;
        }
      }
    }
    return Own(std::move(out));
  }

  // Converts a[i] (not NULL) to n.type; false with *reason when it cannot.
  bool CastValue(const BoundNode& n, const ColumnVector& a, int64_t i, ColumnVector* out,
                 std::string* reason) {
    const TypeKind from = a.type.kind;
    const TypeKind to = n.type.kind;
    auto k = static_cast<size_t>(i);
    if (to == TypeKind::kString) {
      scratch_.clear();
      AppendValueText(a, i, &scratch_);
      out->AppendBytes(scratch_);
      return true;
    }
    if (IsTextKind(from)) {
      if (from == TypeKind::kJson && to == TypeKind::kJson) {
        out->AppendBytes(a.BytesAt(i));
        return true;
      }
      return n.caster->Append(a.BytesAt(i), out, reason);
    }
    auto fail = [&](std::string_view what) {
      *reason = ValueText(a, i);
      reason->append(what);
      reason->append(ColumnTypeName(n.type));
      return false;
    };
    switch (to) {
      case TypeKind::kBoolean: {
        if (from == TypeKind::kBoolean) {
          out->AppendBool(a.bools[k] != 0);
          return true;
        }
        int64_t v = IntAt(a, i);
        if (v != 0 && v != 1) return fail(" is not a valid ");
        out->AppendBool(v == 1);
        return true;
      }
      case TypeKind::kInt8:
      case TypeKind::kInt16:
      case TypeKind::kInt32:
      case TypeKind::kInt64: {
        int64_t v = 0;
        if (from == TypeKind::kBoolean) {
          v = a.bools[k];
        } else if (IsIntegerKind(from)) {
          v = IntAt(a, i);
        } else if (from == TypeKind::kDecimal) {
          __int128 unscaled = parquet::DecimalAt(a, i);
          __int128 unit = Pow10(a.type.scale);
          if (unscaled % unit != 0) return fail(" is not a whole number for ");
          __int128 q = unscaled / unit;
          if (q < std::numeric_limits<int64_t>::min() || q > std::numeric_limits<int64_t>::max()) {
            return fail(" is out of range for ");
          }
          v = static_cast<int64_t>(q);
        } else {
          double d = DoubleAt(a, i);
          if (!std::isfinite(d) || d != std::trunc(d)) return fail(" is not a whole number for ");
          if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
            return fail(" is out of range for ");
          v = static_cast<int64_t>(d);
        }
        int64_t lo = std::numeric_limits<int64_t>::min();
        int64_t hi = std::numeric_limits<int64_t>::max();
        if (to == TypeKind::kInt8) lo = INT8_MIN, hi = INT8_MAX;
        if (to == TypeKind::kInt16) lo = INT16_MIN, hi = INT16_MAX;
        if (to == TypeKind::kInt32) lo = INT32_MIN, hi = INT32_MAX;
        if (v < lo || v > hi) return fail(" is out of range for ");
        if (to == TypeKind::kInt64) {
          out->AppendInt64(v);
        } else {
          out->AppendInt32(static_cast<int32_t>(v));
        }
        return true;
      }
      case TypeKind::kFloat: {
        double d = from == TypeKind::kFloat ? a.floats[k] : DoubleAt(a, i);
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
          return fail(" is out of range for ");
        }
        out->AppendFloat(static_cast<float>(d));
        return true;
      }
      case TypeKind::kDouble:
        out->AppendDouble(DoubleAt(a, i));
        return true;
      case TypeKind::kDecimal:
      case TypeKind::kJson:
        // Through the exact text of the value: the text rules decide what fits.
        scratch_.clear();
        AppendValueText(a, i, &scratch_);
        return n.caster->Append(scratch_, out, reason);
      case TypeKind::kDate:
        out->AppendInt32(from == TypeKind::kDate
                             ? a.ints32[k]
                             : static_cast<int32_t>(FloorDiv(MicrosAt(a, i), kMicrosPerDay)));
        return true;
      case TypeKind::kTimestamp:
        out->AppendInt64(from == TypeKind::kDate ? int64_t{a.ints32[k]} * kMicrosPerDay
                                                 : MicrosAt(a, i));
        return true;
      default:
        *reason = "cannot cast " + ColumnTypeName(a.type) + " to " + ColumnTypeName(n.type);
        return false;
    }
  }

  Vec Cast(const BoundNode& n, EvalContext& ctx) {
    Vec a = Eval(*n.args[0], ctx);
    ColumnVector out = Start(n);
    std::string reason;
    for (int64_t i = 0; i < rows_; ++i) {
      if (a->IsNull(i)) {
        out.AppendNull();
      } else if (!CastValue(n, *a, i, &out, &reason)) {
        ctx.Fail(i, reason);
        out.AppendNull();
      }
    }
    return Own(std::move(out));
  }

  Vec DateTrunc(const BoundNode& n, EvalContext& ctx) {
    Vec a = Eval(*n.args[0], ctx);
    ColumnVector out = Start(n);
    for (int64_t i = 0; i < rows_; ++i) {
      if (a->IsNull(i)) {
        out.AppendNull();
      } else if (a->type.kind == TypeKind::kDate) {
        out.AppendInt32(static_cast<int32_t>(TruncDays(a->ints32[static_cast<size_t>(i)], n.unit)));
      } else {
        out.AppendInt64(TruncMicros(MicrosAt(*a, i), n.unit));
      }
    }
    return Own(std::move(out));
  }

  Vec StringFunction(const BoundNode& n, EvalContext& ctx) {
    Vec a = Eval(*n.args[0], ctx);
    ColumnVector out = Start(n);
    for (int64_t i = 0; i < rows_; ++i) {
      if (a->IsNull(i)) {
        out.AppendNull();
        continue;
      }
      std::string_view s = a->BytesAt(i);
      if (n.op == BoundOp::kTrim) {
        while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
        while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
        out.AppendBytes(s);
        continue;
      }
      scratch_.assign(s);
      for (char& c : scratch_) {
        if (n.op == BoundOp::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (n.op == BoundOp::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      out.AppendBytes(scratch_);
    }
    return Own(std::move(out));
  }

  Vec Concat(const BoundNode& n, EvalContext& ctx) {
    std::vector<Vec> args;
    for (const BoundPtr& p : n.args) args.push_back(Eval(*p, ctx));
    ColumnVector out = Start(n);
    for (int64_t i = 0; i < rows_; ++i) {
      bool null = std::any_of(args.begin(), args.end(), [&](const Vec& v) { return v->IsNull(i); });
      if (null) {
        out.AppendNull();
        continue;
      }
      scratch_.clear();
      for (const Vec& v : args) AppendValueText(*v, i, &scratch_);
      out.AppendBytes(scratch_);
    }
    return Own(std::move(out));
  }

  Vec Coalesce(const BoundNode& n, EvalContext& ctx) {
    // Each argument collects its own row errors; a row takes an argument's error only when
    // it needed that argument (every argument before it was NULL there).
    std::vector<Vec> args;
    std::vector<EvalContext> contexts;
    contexts.reserve(n.args.size());
    for (const BoundPtr& p : n.args) {
      contexts.emplace_back(rows_);
      args.push_back(Eval(*p, contexts.back()));
    }
    ColumnVector out = Start(n);
    for (int64_t i = 0; i < rows_; ++i) {
      bool done = false;
      for (size_t k = 0; k < args.size() && !done; ++k) {
        if (const RowError* e = contexts[k].ErrorOf(i)) {
          ctx.Fail(i, e->reason);
          out.AppendNull();
          done = true;
        } else if (!args[k]->IsNull(i)) {
          const ColumnVector& v = *args[k];
          if (v.type == n.type) {
            AppendValueFrom(v, i, &out);
          } else if (n.type.kind == TypeKind::kInt64) {
            out.AppendInt64(IntAt(v, i));
          } else {
            out.AppendDouble(DoubleAt(v, i));
          }
          done = true;
        }
      }
      if (!done) out.AppendNull();
    }
    return Own(std::move(out));
  }

  Vec RegexpExtract(const BoundNode& n, EvalContext& ctx) {
    Vec a = Eval(*n.args[0], ctx);
    ColumnVector out = Start(n);
    std::vector<re2::StringPiece> groups(static_cast<size_t>(n.group) + 1);
    for (int64_t i = 0; i < rows_; ++i) {
      if (a->IsNull(i)) {
        out.AppendNull();
        continue;
      }
      std::string_view s = a->BytesAt(i);
      re2::StringPiece text(s.data(), s.size());
      if (n.re->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(),
                      static_cast<int>(groups.size())) &&
          groups.back().data() != nullptr) {
        out.AppendBytes(std::string_view(groups.back().data(), groups.back().size()));
      } else {
        out.AppendBytes("");
      }
    }
    return Own(std::move(out));
  }

  const RecordBatch& batch_;
  const int64_t rows_;
  std::string scratch_;
};

}  // namespace

Result<ColumnExpression> ColumnExpression::Parse(std::string_view text) {
  Parser parser(text);
  SLUICE_ASSIGN_OR_RETURN(NodePtr ast, parser.ParseAll());
  ColumnExpression e;
  e.text_ = std::string(text);
  e.ast_ = std::move(ast);
  return e;
}

Status ColumnExpression::Bind(const Schema& schema) {
  Binder binder(text_, schema);
  SLUICE_ASSIGN_OR_RETURN(BoundPtr bound, binder.Bind(*ast_));
  type_ = bound->type;
  bound_ = std::move(bound);
  schema_ = schema;
  return Status::OK();
}

Status ColumnExpression::Evaluate(const RecordBatch& batch, ColumnVector* out,
                            std::vector<RowError>* errors) const {
  if (bound_ == nullptr) {
    return Status::FailedPrecondition("expression \"" + text_ +
                                      "\" is evaluated before it is bound");
  }
  if (!(batch.schema == schema_)) {
    return Status::InvalidArgument("expression \"" + text_ +
                                   "\": the batch's schema differs from the bound one");
  }
  if (!(out->type == type_)) {
    return Status::InvalidArgument("expression \"" + text_ + "\": the output column is " +
                                   out->type.ToString() + ", expected " + type_.ToString());
  }
  EvalContext ctx(batch.num_rows);
  Evaluator evaluator(batch);
  Vec result = evaluator.Eval(*bound_, ctx);
  if (ctx.errors.empty() && out->length == 0) {
    if (result.owned != nullptr) {
      *out = std::move(*result.owned);
    } else {
      *out = *result.col;
    }
    return Status::OK();
  }
  for (int64_t i = 0; i < batch.num_rows; ++i) {
    if (ctx.ErrorOf(i) != nullptr) {
      out->AppendNull();
    } else {
      AppendValueFrom(*result, i, out);
    }
  }
  std::stable_sort(ctx.errors.begin(), ctx.errors.end(),
                   [](const RowError& x, const RowError& y) { return x.row < y.row; });
  for (RowError& e : ctx.errors) errors->push_back(std::move(e));
  return Status::OK();
}

}  // namespace sluice::etl
