#include "sluice/etl/dqdl.h"

#include <re2/re2.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <utility>

namespace sluice::etl {
namespace {

enum class TokenKind { kIdent, kString, kNumber, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // kString: decoded value; others: source text
  int line = 1;
  int column = 1;
};

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kString:
      return "`" + Quote(t.text) + "`";
    default:
      return "`" + t.text + "`";
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<Ruleset> Parse() {
    SLUICE_RETURN_IF_ERROR(Tokenize());
    Ruleset ruleset;
    SLUICE_RETURN_IF_ERROR(ExpectIdent("Rules", "`Rules`"));
    SLUICE_RETURN_IF_ERROR(ExpectPunct("="));
    SLUICE_RETURN_IF_ERROR(ExpectPunct("["));
    bool more = !IsPunct("]");  // `Rules = [ ]` is a valid, empty ruleset
    while (more) {
      SLUICE_ASSIGN_OR_RETURN(Rule rule, ParseTopRule());
      ruleset.rules.push_back(std::move(rule));
      more = IsPunct(",");
      if (!more && !IsPunct("]")) return Error("`,` or `]`");
      if (more) ++pos_;
    }
    ++pos_;  // the `]`
    if (Peek().kind != TokenKind::kEnd) return Error("end of input");
    return ruleset;
  }

 private:
  Status Tokenize() {
    size_t i = 0;
    int line = 1;
    size_t line_start = 0;
    while (true) {
      while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) {
        if (text_[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
        ++i;
      }
      if (i < text_.size() && text_[i] == '#') {  // comment to end of line
        while (i < text_.size() && text_[i] != '\n') ++i;
        continue;
      }
      Token t;
      t.line = line;
      t.column = static_cast<int>(i - line_start) + 1;
      if (i >= text_.size()) {
        tokens_.push_back(t);
        return Status::OK();
      }
      char c = text_[i];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_')) {
          ++j;
        }
        t.kind = TokenKind::kIdent;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '.') && i + 1 < text_.size() &&
                  (std::isdigit(static_cast<unsigned char>(text_[i + 1])) ||
                   text_[i + 1] == '.'))) {
        size_t j = i + 1;
        while (j < text_.size() &&
               (std::isdigit(static_cast<unsigned char>(text_[j])) || text_[j] == '.')) {
          ++j;
        }
        t.kind = TokenKind::kNumber;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (c == '"') {
        size_t j = i + 1;
        std::string value;
        bool closed = false;
        while (j < text_.size()) {
          if (text_[j] == '\\' && j + 1 < text_.size()) {
            value += text_[j + 1];
            j += 2;
          } else if (text_[j] == '"') {
            closed = true;
            ++j;
            break;
          } else if (text_[j] == '\n') {
            break;
          } else {
            value += text_[j++];
          }
        }
        if (!closed) {
          return Status::InvalidArgument(Where(t) + "expected closing `\"`, found " +
                                         (j >= text_.size() ? "end of input" : "end of line"));
        }
        t.kind = TokenKind::kString;
        t.text = std::move(value);
        i = j;
      } else {
        static constexpr std::string_view kTwo[] = {"!=", ">=", "<="};
        t.kind = TokenKind::kPunct;
        t.text = std::string(1, c);
        for (std::string_view two : kTwo) {
          if (text_.substr(i, 2) == two) t.text = std::string(two);
        }
        static constexpr std::string_view kOne = "=<>[](),{}:";
        if (t.text.size() == 1 && kOne.find(c) == std::string_view::npos) {
          return Status::InvalidArgument(Where(t) + "expected a rule, found `" + t.text + "`");
        }
        i += t.text.size();
      }
      tokens_.push_back(std::move(t));
    }
  }

  std::string Where(const Token& t) const {
    return std::string(source_) + ":" + std::to_string(t.line) + ":" + std::to_string(t.column) +
           ": ";
  }
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool IsPunct(std::string_view p, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kPunct && Peek(ahead).text == p;
  }
  bool IsIdent(std::string_view id) const {
    return Peek().kind == TokenKind::kIdent && Peek().text == id;
  }
  // DQDL's lexer accepts both spellings of the logical operators.
  bool IsAnd() const { return IsIdent("and") || IsIdent("AND"); }
  bool IsOr() const { return IsIdent("or") || IsIdent("OR"); }
  Status Error(std::string_view expected) const {
    return Status::InvalidArgument(Where(Peek()) + "expected " + std::string(expected) +
                                   ", found " + Describe(Peek()));
  }
  Status ExpectPunct(std::string_view p) {
    if (!IsPunct(p)) return Error("`" + std::string(p) + "`");
    ++pos_;
    return Status::OK();
  }
  Status ExpectIdent(std::string_view id, std::string_view what) {
    if (!IsIdent(id)) return Error(what);
    ++pos_;
    return Status::OK();
  }
  Result<std::string> ExpectString(std::string_view what) {
    if (Peek().kind != TokenKind::kString) return Error(what);
    return tokens_[pos_++].text;
  }

  Result<Rule> ParseTopRule() {
    SLUICE_ASSIGN_OR_RETURN(Rule rule, ParseRule());
    if (IsIdent("labels")) {
      ++pos_;
      SLUICE_RETURN_IF_ERROR(ExpectPunct("="));
      if (!IsPunct("[") && !IsPunct("{")) return Error("`[` or `{`");
      const std::string close = Peek().text == "[" ? "]" : "}";
      ++pos_;
      while (true) {
        const Token key_token = Peek();
        SLUICE_ASSIGN_OR_RETURN(std::string key, ExpectString("a label name string"));
        SLUICE_RETURN_IF_ERROR(ExpectPunct(":"));
        const Token value_token = Peek();
        SLUICE_ASSIGN_OR_RETURN(std::string value, ExpectString("a label value string"));
        // Glue's limits: non-empty keys of at most 128 characters, values of at most 256,
        // at most 10 labels per rule.
        if (key.empty() || key.size() > 128) {
          return Status::InvalidArgument(Where(key_token) +
                                         "expected a label name of 1 to 128 characters, found " +
                                         Describe(key_token));
        }
        if (value.empty() || value.size() > 256) {
          return Status::InvalidArgument(Where(value_token) +
                                         "expected a label value of 1 to 256 characters, found " +
                                         Describe(value_token));
        }
        if (key == "severity") {
          if (value == "warn") {
            rule.severity = Severity::kWarn;
          } else if (value != "error") {
            return Status::InvalidArgument(Where(value_token) +
                                           "expected severity \"warn\" or \"error\", found " +
                                           Describe(value_token));
          }
        }
        if (!rule.labels.emplace(key, value).second) {
          return Status::InvalidArgument(Where(key_token) + "expected a new label name, found " +
                                         Describe(key_token) + " again");
        }
        if (rule.labels.size() > 10) {
          return Status::InvalidArgument(Where(key_token) +
                                         "expected at most 10 labels, found an 11th");
        }
        if (IsPunct(",")) {
          ++pos_;
          continue;
        }
        SLUICE_RETURN_IF_ERROR(ExpectPunct(close));
        break;
      }
    }
    return rule;
  }

  // <simple> | "(" rule ")" [(and|or) "(" rule ")"]*
  Result<Rule> ParseRule() {
    if (!IsPunct("(")) return ParseSimple();
    const Token start = Peek();
    SLUICE_ASSIGN_OR_RETURN(Rule first, ParseParenthesized());
    if (!IsAnd() && !IsOr()) {
      // A parenthesized lone rule is the rule itself.
      return first;
    }
    Rule composite;
    const bool is_and = IsAnd();
    composite.type = is_and ? RuleType::kAnd : RuleType::kOr;
    composite.line = start.line;
    composite.column_number = start.column;
    const std::string op = Peek().text;
    composite.children.push_back(std::move(first));
    while (is_and ? IsAnd() : IsOr()) {
      ++pos_;
      if (!IsPunct("(")) return Error("`(` (each rule joined by `" + op + "` is parenthesized)");
      SLUICE_ASSIGN_OR_RETURN(Rule next, ParseParenthesized());
      composite.children.push_back(std::move(next));
    }
    if (IsAnd() || IsOr()) {
      return Error("`" + op + "` (parenthesize to mix `and` and `or`)");
    }
    return composite;
  }

  Result<Rule> ParseParenthesized() {
    SLUICE_RETURN_IF_ERROR(ExpectPunct("("));
    SLUICE_ASSIGN_OR_RETURN(Rule inner, ParseRule());
    SLUICE_RETURN_IF_ERROR(ExpectPunct(")"));
    return inner;
  }

  Result<Rule> ParseSimple() {
    struct Spec {
      std::string_view name;
      RuleType type;
      bool column;
      bool expression;
      bool threshold;
    };
    static constexpr Spec kSpecs[] = {
        {"IsComplete", RuleType::kIsComplete, true, false, false},
        {"Completeness", RuleType::kCompleteness, true, true, false},
        {"IsUnique", RuleType::kIsUnique, true, false, false},
        {"Uniqueness", RuleType::kUniqueness, true, true, false},
        {"IsPrimaryKey", RuleType::kIsPrimaryKey, true, false, false},
        {"ColumnValues", RuleType::kColumnValues, true, true, true},
        {"ColumnLength", RuleType::kColumnLength, true, true, true},
        {"ColumnExists", RuleType::kColumnExists, true, false, false},
        {"ColumnDataType", RuleType::kColumnDataType, true, true, false},
        {"ColumnCount", RuleType::kColumnCount, false, true, false},
        {"RowCount", RuleType::kRowCount, false, true, false},
        {"DataFreshness", RuleType::kDataFreshness, true, true, false},
    };
    const Token start = Peek();
    const Spec* spec = nullptr;
    if (start.kind == TokenKind::kIdent) {
      for (const Spec& s : kSpecs) {
        if (s.name == start.text) spec = &s;
      }
    }
    if (spec == nullptr) return Error("a rule type (IsComplete, ColumnValues, RowCount, ...)");
    ++pos_;
    Rule rule;
    rule.type = spec->type;
    rule.line = start.line;
    rule.column_number = start.column;
    if (spec->column) {
      SLUICE_ASSIGN_OR_RETURN(rule.column, ExpectString("a column name string"));
    }
    if (spec->expression) {
      rule.has_expression = true;
      SLUICE_ASSIGN_OR_RETURN(rule.expression, ParseExpression(rule.type, false));
    }
    if (IsIdent("with")) {
      if (!spec->threshold)
        return Error("`,` or `]` (" + std::string(spec->name) + " takes no `with threshold`)");
      ++pos_;
      SLUICE_RETURN_IF_ERROR(ExpectIdent("threshold", "`threshold`"));
      rule.has_threshold = true;
      SLUICE_ASSIGN_OR_RETURN(rule.threshold, ParseExpression(RuleType::kCompleteness, true));
    }
    if (IsIdent("where")) return Error("`,` or `]` (`where` clauses are not supported)");
    return rule;
  }

  // A literal in an expression of `type`. Numeric-only contexts reject strings/keywords.
  Result<Literal> ParseLiteral(RuleType type, bool numeric_only) {
    const Token t = Peek();
    Literal lit;
    if (t.kind == TokenKind::kNumber) {
      const char* begin = t.text.data();
      const char* end = begin + t.text.size();
      auto [ptr, ec] = std::from_chars(begin, end, lit.number);
      if (ec != std::errc() || ptr != end) return Error("a number");
      lit.kind = Literal::Kind::kNumber;
      lit.text = t.text;
      ++pos_;
      if (type == RuleType::kDataFreshness) {
        const Token unit = Peek();
        double micros_per_unit = 0;
        if (unit.kind == TokenKind::kIdent && (unit.text == "hours" || unit.text == "hour")) {
          micros_per_unit = 3600e6;
        } else if (unit.kind == TokenKind::kIdent && (unit.text == "days" || unit.text == "day")) {
          micros_per_unit = 86400e6;
        } else if (unit.kind == TokenKind::kIdent &&
                   (unit.text == "minutes" || unit.text == "minute")) {
          micros_per_unit = 60e6;
        } else {
          return Error("a time unit (`hours`, `days` or `minutes`)");
        }
        ++pos_;
        lit.number *= micros_per_unit;
        lit.text += " " + unit.text;
      }
      return lit;
    }
    if (numeric_only || type == RuleType::kDataFreshness) {
      return Error(type == RuleType::kDataFreshness ? "a number with a time unit" : "a number");
    }
    if (t.kind == TokenKind::kString) {
      lit.kind = Literal::Kind::kString;
      lit.text = t.text;
      ++pos_;
      return lit;
    }
    if (t.kind == TokenKind::kIdent) {
      // DQDL's lexer accepts the keywords in upper or lower case.
      if (t.text == "NULL" || t.text == "null")
        lit.kind = Literal::Kind::kNull;
      else if (t.text == "EMPTY" || t.text == "empty")
        lit.kind = Literal::Kind::kEmpty;
      else if (t.text == "WHITESPACES_ONLY" || t.text == "whitespaces_only")
        lit.kind = Literal::Kind::kWhitespacesOnly;
      else
        return Error("a literal (number, string, NULL, EMPTY or WHITESPACES_ONLY)");
      lit.text = t.text;
      for (char& ch : lit.text)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      ++pos_;
      return lit;
    }
    return Error("a literal (number, string, NULL, EMPTY or WHITESPACES_ONLY)");
  }

  Result<Expression> ParseExpression(RuleType type, bool threshold) {
    // Metric rules compare numbers; ColumnValues/ColumnDataType take any literal.
    const bool numeric_only =
        threshold || (type != RuleType::kColumnValues && type != RuleType::kColumnDataType &&
                      type != RuleType::kDataFreshness);
    Expression e;
    const Token t = Peek();
    static constexpr std::pair<std::string_view, ExprOp> kOps[] = {
        {"=", ExprOp::kEq},  {"!=", ExprOp::kNe}, {">", ExprOp::kGt},
        {">=", ExprOp::kGe}, {"<", ExprOp::kLt},  {"<=", ExprOp::kLe}};
    if (t.kind == TokenKind::kPunct) {
      for (const auto& [text, op] : kOps) {
        if (t.text == text) {
          if (type == RuleType::kColumnDataType && op != ExprOp::kEq) {
            return Error("`=` or `in`");
          }
          ++pos_;
          e.op = op;
          SLUICE_ASSIGN_OR_RETURN(Literal lit, ParseLiteral(type, numeric_only));
          e.operands.push_back(std::move(lit));
          return e;
        }
      }
    }
    if (type != RuleType::kColumnDataType && t.kind == TokenKind::kIdent && t.text == "between") {
      ++pos_;
      e.op = ExprOp::kBetween;
      SLUICE_ASSIGN_OR_RETURN(Literal low, ParseLiteral(type, numeric_only));
      if (!IsAnd()) return Error("`and`");
      ++pos_;
      SLUICE_ASSIGN_OR_RETURN(Literal high, ParseLiteral(type, numeric_only));
      e.operands = {std::move(low), std::move(high)};
      return e;
    }
    if (t.kind == TokenKind::kIdent && (t.text == "in" || t.text == "not")) {
      ++pos_;
      e.op = ExprOp::kIn;
      if (t.text == "not") {
        SLUICE_RETURN_IF_ERROR(ExpectIdent("in", "`in`"));
        e.op = ExprOp::kNotIn;
      }
      SLUICE_RETURN_IF_ERROR(ExpectPunct("["));
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(Literal lit, ParseLiteral(type, numeric_only));
        e.operands.push_back(std::move(lit));
        if (IsPunct(",")) {
          ++pos_;
          continue;
        }
        SLUICE_RETURN_IF_ERROR(ExpectPunct("]"));
        return e;
      }
    }
    if (type == RuleType::kColumnValues && !threshold && t.kind == TokenKind::kIdent &&
        t.text == "matches") {
      ++pos_;
      const Token pattern_token = Peek();
      SLUICE_ASSIGN_OR_RETURN(std::string pattern, ExpectString("a regular expression string"));
      RE2 re(pattern, RE2::Quiet);
      if (!re.ok()) {
        return Status::InvalidArgument(Where(pattern_token) +
                                       "expected a valid RE2 regular expression, found " +
                                       Describe(pattern_token) + " (" + re.error() + ")");
      }
      e.op = ExprOp::kMatches;
      e.operands.push_back(Literal{Literal::Kind::kString, 0, std::move(pattern)});
      return e;
    }
    if (type == RuleType::kColumnDataType) return Error("`=` or `in`");
    if (type == RuleType::kColumnValues && !threshold) {
      return Error("an expression (`=`, `!=`, `>`, `>=`, `<`, `<=`, `between`, `in`, `matches`)");
    }
    return Error("an expression (`=`, `!=`, `>`, `>=`, `<`, `<=`, `between`, `in`)");
  }

  std::string_view text_;
  std::string_view source_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

std::string LiteralToString(const Literal& lit) {
  return lit.kind == Literal::Kind::kString ? Quote(lit.text) : lit.text;
}

}  // namespace

std::string_view RuleTypeName(RuleType type) {
  switch (type) {
    case RuleType::kIsComplete:
      return "IsComplete";
    case RuleType::kCompleteness:
      return "Completeness";
    case RuleType::kIsUnique:
      return "IsUnique";
    case RuleType::kUniqueness:
      return "Uniqueness";
    case RuleType::kIsPrimaryKey:
      return "IsPrimaryKey";
    case RuleType::kColumnValues:
      return "ColumnValues";
    case RuleType::kColumnLength:
      return "ColumnLength";
    case RuleType::kColumnExists:
      return "ColumnExists";
    case RuleType::kColumnDataType:
      return "ColumnDataType";
    case RuleType::kColumnCount:
      return "ColumnCount";
    case RuleType::kRowCount:
      return "RowCount";
    case RuleType::kDataFreshness:
      return "DataFreshness";
    case RuleType::kAnd:
      return "and";
    case RuleType::kOr:
      return "or";
  }
  return "";
}

std::string Expression::ToString() const {
  switch (op) {
    case ExprOp::kEq:
      return "= " + LiteralToString(operands[0]);
    case ExprOp::kNe:
      return "!= " + LiteralToString(operands[0]);
    case ExprOp::kGt:
      return "> " + LiteralToString(operands[0]);
    case ExprOp::kGe:
      return ">= " + LiteralToString(operands[0]);
    case ExprOp::kLt:
      return "< " + LiteralToString(operands[0]);
    case ExprOp::kLe:
      return "<= " + LiteralToString(operands[0]);
    case ExprOp::kBetween:
      return "between " + LiteralToString(operands[0]) + " and " + LiteralToString(operands[1]);
    case ExprOp::kMatches:
      return "matches " + Quote(operands[0].text);
    case ExprOp::kIn:
    case ExprOp::kNotIn: {
      std::string out = op == ExprOp::kIn ? "in [" : "not in [";
      for (size_t i = 0; i < operands.size(); ++i) {
        if (i > 0) out += ", ";
        out += LiteralToString(operands[i]);
      }
      return out + "]";
    }
  }
  return "";
}

std::string Rule::ToString() const {
  if (type == RuleType::kAnd || type == RuleType::kOr) {
    std::string out;
    for (size_t i = 0; i < children.size(); ++i) {
      if (i > 0) out += " " + std::string(RuleTypeName(type)) + " ";
      out += "(" + children[i].ToString() + ")";
    }
    return out;
  }
  std::string out(RuleTypeName(type));
  if (!column.empty() || (type != RuleType::kRowCount && type != RuleType::kColumnCount)) {
    out += " " + Quote(column);
  }
  if (has_expression) out += " " + expression.ToString();
  if (has_threshold) out += " with threshold " + threshold.ToString();
  return out;
}

bool Rule::IsRowLevel() const {
  return type == RuleType::kColumnValues || type == RuleType::kColumnLength ||
         type == RuleType::kIsComplete;
}

Result<Ruleset> ParseRuleset(std::string_view text, std::string_view source) {
  return Parser(text, source).Parse();
}

}  // namespace sluice::etl
