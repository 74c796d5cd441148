#include "sluice/tasks/dynamodb_expressions.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "sluice/tasks/dynamodb_values.h"

namespace sluice::tasks::dynamodb {
namespace {

struct Token {
  enum class Kind { kName, kAttributeName, kValue, kNumber, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t begin = 0, end = 0;  // byte offsets in the expression
};

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool EqualsKeyword(const Token& t, std::string_view keyword) {
  if (t.kind != Token::Kind::kName || t.text.size() != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != keyword[i]) return false;
  }
  return true;
}

// DynamoDB's names for types in "operand type" messages.
std::string_view OperandTypeName(std::string_view t) {
  if (t == "S") return "STRING";
  if (t == "N") return "NUMBER";
  if (t == "B") return "BINARY";
  if (t == "BOOL") return "BOOLEAN";
  if (t == "M") return "MAP";
  if (t == "L") return "LIST";
  if (t == "SS") return "STRING_SET";
  if (t == "NS") return "NUMBER_SET";
  if (t == "BS") return "BINARY_SET";
  return "NULL";
}

class Parser {
 public:
  Parser(std::string_view text, std::string parameter, ExpressionAttributes& attributes)
      : text_(text), parameter_(std::move(parameter)), attributes_(attributes) {}

  Status Tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.begin = i;
      if (IsNameStart(c)) {
        t.kind = Token::Kind::kName;
        while (i < text_.size() && IsNameChar(text_[i])) ++i;
      } else if ((c == '#' || c == ':') && i + 1 < text_.size() && IsNameChar(text_[i + 1])) {
        t.kind = c == '#' ? Token::Kind::kAttributeName : Token::Kind::kValue;
        ++i;
        while (i < text_.size() && IsNameChar(text_[i])) ++i;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        t.kind = Token::Kind::kNumber;
        while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
      } else if ((c == '<' || c == '>') && i + 1 < text_.size() &&
                 (text_[i + 1] == '=' || (c == '<' && text_[i + 1] == '>'))) {
        t.kind = Token::Kind::kPunct;
        i += 2;
      } else if (std::string_view("()[],.=<>+-").find(c) != std::string_view::npos) {
        t.kind = Token::Kind::kPunct;
        ++i;
      } else {
        return Status::InvalidArgument(Prefix() + "Invalid character encountered; character: " +
                                       std::string(1, c) + ", position: " + std::to_string(i + 1));
      }
      t.end = i;
      t.text = std::string(text_.substr(t.begin, t.end - t.begin));
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.begin = end.end = text_.size();
    tokens_.push_back(end);
    if (tokens_.size() == 1) {
      return Status::InvalidArgument("Invalid " + parameter_ +
                                     ": The expression can not be empty;");
    }
    return Status::OK();
  }

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool AtEnd() const { return Peek().kind == Token::Kind::kEnd; }
  bool IsPunct(std::string_view p, size_t ahead = 0) const {
    return Peek(ahead).kind == Token::Kind::kPunct && Peek(ahead).text == p;
  }
  bool Accept(std::string_view p) {
    if (!IsPunct(p)) return false;
    ++pos_;
    return true;
  }
  bool AcceptKeyword(std::string_view k) {
    if (!EqualsKeyword(Peek(), k)) return false;
    ++pos_;
    return true;
  }

  std::string Prefix() const { return "Invalid " + parameter_ + ": "; }

  // DynamoDB's syntax error: the offending token and the text around it.
  Status SyntaxError() const {
    const Token& t = Peek();
    size_t from = pos_ > 0 ? tokens_[pos_ - 1].begin : t.begin;
    size_t to = pos_ + 1 < tokens_.size() ? tokens_[pos_ + 1].end : t.end;
    if (t.kind == Token::Kind::kEnd) to = text_.size();
    std::string token = t.kind == Token::Kind::kEnd ? "<EOF>" : t.text;
    return Status::InvalidArgument(Prefix() + "Syntax error; token: \"" + token + "\", near: \"" +
                                   std::string(text_.substr(from, to - from)) + "\"");
  }
  Status Expect(std::string_view p) {
    if (!Accept(p)) return SyntaxError();
    return Status::OK();
  }

  Result<std::string> AttributeName(const Token& t) {
    if (t.kind == Token::Kind::kAttributeName) {
      const json::value* v = attributes_.names ? attributes_.names->if_contains(t.text) : nullptr;
      if (!v || !v->is_string()) {
        return Status::InvalidArgument(
            Prefix() +
            "An expression attribute name used in the document path is not defined; attribute "
            "name: " + t.text);
      }
      attributes_.used_names.insert(t.text);
      return std::string(v->get_string());
    }
    if (IsReservedWord(t.text)) {
      return Status::InvalidArgument(Prefix() +
                                     "Attribute name is a reserved keyword; reserved keyword: " +
                                     t.text);
    }
    return t.text;
  }

  Result<DocumentPath> ParsePath() {
    const Token& first = Peek();
    if (first.kind != Token::Kind::kName && first.kind != Token::Kind::kAttributeName) {
      return SyntaxError();
    }
    DocumentPath path;
    ++pos_;
    SLUICE_ASSIGN_OR_RETURN(std::string name, AttributeName(first));
    path.push_back({std::move(name), -1});
    while (true) {
      if (Accept(".")) {
        const Token& t = Peek();
        if (t.kind != Token::Kind::kName && t.kind != Token::Kind::kAttributeName) {
          return SyntaxError();
        }
        ++pos_;
        SLUICE_ASSIGN_OR_RETURN(std::string n, AttributeName(t));
        path.push_back({std::move(n), -1});
      } else if (Accept("[")) {
        const Token& t = Peek();
        if (t.kind != Token::Kind::kNumber || t.text.size() > 9) return SyntaxError();
        ++pos_;
        path.push_back({"", std::stoll(t.text)});
        SLUICE_RETURN_IF_ERROR(Expect("]"));
      } else {
        return path;
      }
    }
  }

  Result<json::value> ParseValue() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kValue) return SyntaxError();
    ++pos_;
    const json::value* v = attributes_.values ? attributes_.values->if_contains(t.text) : nullptr;
    if (!v) {
      return Status::InvalidArgument(
          Prefix() + "An expression attribute value used in expression is not defined; attribute "
                     "value: " + t.text);
    }
    attributes_.used_values.insert(t.text);
    return *v;
  }

  bool IsFunctionCall() const {
    return Peek().kind == Token::Kind::kName && IsPunct("(", 1);
  }

  // An operand of a condition: a path, a :value or size(path).
  Result<Operand> ParseConditionOperand() {
    Operand o;
    if (Peek().kind == Token::Kind::kValue) {
      o.kind = Operand::Kind::kValue;
      SLUICE_ASSIGN_OR_RETURN(o.value, ParseValue());
      return o;
    }
    if (IsFunctionCall()) {
      std::string name = Peek().text;
      if (name != "size") {
        if (IsConditionFunction(name)) {
          return Status::InvalidArgument(
              Prefix() + "The function is not allowed to be used this way in an expression; "
                         "function: " + name);
        }
        return Status::InvalidArgument(Prefix() + "Invalid function name; function: " + name);
      }
      pos_ += 2;
      if (Peek().kind == Token::Kind::kValue) {
        SLUICE_ASSIGN_OR_RETURN(json::value v, ParseValue());
        return Status::InvalidArgument(
            Prefix() + "Incorrect operand type for operator or function; operator or function: "
                       "size, operand type: " + std::string(OperandTypeName(TypeOf(v))));
      }
      o.kind = Operand::Kind::kSize;
      SLUICE_ASSIGN_OR_RETURN(o.path, ParsePath());
      SLUICE_RETURN_IF_ERROR(Expect(")"));
      return o;
    }
    o.kind = Operand::Kind::kPath;
    SLUICE_ASSIGN_OR_RETURN(o.path, ParsePath());
    return o;
  }

  static bool IsConditionFunction(std::string_view name) {
    return name == "attribute_exists" || name == "attribute_not_exists" ||
           name == "attribute_type" || name == "begins_with" || name == "contains";
  }

  Status CheckOrderable(std::string_view op, const Operand& o) {
    if (o.kind != Operand::Kind::kValue) return Status::OK();
    std::string_view t = TypeOf(o.value);
    if (t == "N" || t == "S" || t == "B") return Status::OK();
    return Status::InvalidArgument(
        Prefix() + "Incorrect operand type for operator or function; operator or function: " +
        std::string(op) + ", operand type: " + std::string(OperandTypeName(t)));
  }

  // Left-associative `left KEYWORD right …`, each side parsed by `next`.
  Result<Condition> ParseChain(std::string_view keyword, Condition::Kind kind,
                               Result<Condition> (Parser::*next)()) {
    SLUICE_ASSIGN_OR_RETURN(Condition left, (this->*next)());
    while (AcceptKeyword(keyword)) {
      SLUICE_ASSIGN_OR_RETURN(Condition right, (this->*next)());
      Condition c;
      c.kind = kind;
      c.children = {std::move(left), std::move(right)};
      left = std::move(c);
    }
    return left;
  }
  Result<Condition> ParseOr() { return ParseChain("OR", Condition::Kind::kOr, &Parser::ParseAnd); }
  Result<Condition> ParseAnd() { return ParseChain("AND", Condition::Kind::kAnd, &Parser::ParseNot); }

  Result<Condition> ParseNot() {
    if (AcceptKeyword("NOT")) {
      SLUICE_ASSIGN_OR_RETURN(Condition child, ParseNot());
      Condition c;
      c.kind = Condition::Kind::kNot;
      c.children = {std::move(child)};
      return c;
    }
    return ParsePrimary();
  }

  Result<Condition> ParseFunction() {
    std::string name = Peek().text;
    pos_ += 2;  // name (
    Condition c;
    auto path_arg = [&]() -> Result<Operand> {
      if (Peek().kind == Token::Kind::kValue || IsFunctionCall()) {
        return Status::InvalidArgument(
            Prefix() + "Operator or function requires a document path; operator or function: " +
            name);
      }
      Operand o;
      SLUICE_ASSIGN_OR_RETURN(o.path, ParsePath());
      return o;
    };
    if (name == "attribute_exists" || name == "attribute_not_exists") {
      c.kind = name == "attribute_exists" ? Condition::Kind::kAttributeExists
                                          : Condition::Kind::kAttributeNotExists;
      SLUICE_ASSIGN_OR_RETURN(Operand p, path_arg());
      c.operands.push_back(std::move(p));
    } else if (name == "attribute_type") {
      c.kind = Condition::Kind::kAttributeType;
      SLUICE_ASSIGN_OR_RETURN(Operand p, path_arg());
      c.operands.push_back(std::move(p));
      SLUICE_RETURN_IF_ERROR(Expect(","));
      SLUICE_ASSIGN_OR_RETURN(Operand t, ParseConditionOperand());
      if (t.kind != Operand::Kind::kValue || TypeOf(t.value) != "S" ||
          TypeOf(json::value{{std::string(t.value.at("S").get_string()), true}}).empty()) {
        std::string shown = t.kind == Operand::Kind::kValue ? DescribeValue(t.value) : "";
        if (t.kind == Operand::Kind::kValue && TypeOf(t.value) == "S") {
          shown = std::string(t.value.at("S").get_string());
        }
        return Status::InvalidArgument(Prefix() + "Invalid attribute type name found; type: " +
                                       shown + ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
      }
      c.operands.push_back(std::move(t));
    } else if (name == "begins_with" || name == "contains") {
      c.kind = name == "begins_with" ? Condition::Kind::kBeginsWith : Condition::Kind::kContains;
      SLUICE_ASSIGN_OR_RETURN(Operand a, ParseConditionOperand());
      SLUICE_RETURN_IF_ERROR(Expect(","));
      SLUICE_ASSIGN_OR_RETURN(Operand b, ParseConditionOperand());
      if (name == "begins_with") {
        for (const Operand* o : {&a, &b}) {
          if (o->kind == Operand::Kind::kValue && TypeOf(o->value) != "S" &&
              TypeOf(o->value) != "B") {
            return Status::InvalidArgument(
                Prefix() +
                "Incorrect operand type for operator or function; operator or function: "
                "begins_with, operand type: " + std::string(OperandTypeName(TypeOf(o->value))));
          }
        }
      }
      c.operands = {std::move(a), std::move(b)};
    } else if (name == "size") {
      return Status::InvalidArgument(
          Prefix() + "The function is not allowed to be used this way in an expression; function: "
                     "size");
    } else {
      return Status::InvalidArgument(Prefix() + "Invalid function name; function: " + name);
    }
    SLUICE_RETURN_IF_ERROR(Expect(")"));
    return c;
  }

  Result<Condition> ParsePrimary() {
    if (Accept("(")) {
      SLUICE_ASSIGN_OR_RETURN(Condition c, ParseOr());
      SLUICE_RETURN_IF_ERROR(Expect(")"));
      return c;
    }
    if (IsFunctionCall() && Peek().text != "size") return ParseFunction();
    SLUICE_ASSIGN_OR_RETURN(Operand left, ParseConditionOperand());
    Condition c;
    const Token& t = Peek();
    if (t.kind == Token::Kind::kPunct &&
        (t.text == "=" || t.text == "<>" || t.text == "<" || t.text == "<=" || t.text == ">" ||
         t.text == ">=")) {
      c.kind = Condition::Kind::kCompare;
      c.op = t.text;
      ++pos_;
      SLUICE_ASSIGN_OR_RETURN(Operand right, ParseConditionOperand());
      if (c.op != "=" && c.op != "<>") {
        SLUICE_RETURN_IF_ERROR(CheckOrderable(c.op, left));
        SLUICE_RETURN_IF_ERROR(CheckOrderable(c.op, right));
      }
      c.operands = {std::move(left), std::move(right)};
      return c;
    }
    if (AcceptKeyword("BETWEEN")) {
      c.kind = Condition::Kind::kBetween;
      SLUICE_ASSIGN_OR_RETURN(Operand lo, ParseConditionOperand());
      if (!AcceptKeyword("AND")) return SyntaxError();
      SLUICE_ASSIGN_OR_RETURN(Operand hi, ParseConditionOperand());
      for (const Operand* o : {&left, &lo, &hi}) SLUICE_RETURN_IF_ERROR(CheckOrderable("BETWEEN", *o));
      if (lo.kind == Operand::Kind::kValue && hi.kind == Operand::Kind::kValue) {
        std::optional<int> order = CompareValues(lo.value, hi.value);
        if (order && *order > 0) {
          return Status::InvalidArgument(
              Prefix() + "The BETWEEN operator requires upper bound to be greater than or equal "
                         "to lower bound; lower bound operand: AttributeValue: " +
              DescribeValue(lo.value) + ", upper bound operand: AttributeValue: " +
              DescribeValue(hi.value));
        }
      }
      c.operands = {std::move(left), std::move(lo), std::move(hi)};
      return c;
    }
    if (AcceptKeyword("IN")) {
      c.kind = Condition::Kind::kIn;
      SLUICE_RETURN_IF_ERROR(Expect("("));
      c.operands.push_back(std::move(left));
      do {
        SLUICE_ASSIGN_OR_RETURN(Operand o, ParseConditionOperand());
        c.operands.push_back(std::move(o));
      } while (Accept(","));
      SLUICE_RETURN_IF_ERROR(Expect(")"));
      return c;
    }
    return SyntaxError();
  }

  Result<Condition> ParseWholeCondition() {
    SLUICE_RETURN_IF_ERROR(Tokenize());
    SLUICE_ASSIGN_OR_RETURN(Condition c, ParseOr());
    if (!AtEnd()) return SyntaxError();
    return c;
  }

  // An operand on the right of SET: path, :value, if_not_exists(path, v), list_append(a, b).
  Result<Operand> ParseSetOperand() {
    Operand o;
    if (Peek().kind == Token::Kind::kValue) {
      o.kind = Operand::Kind::kValue;
      SLUICE_ASSIGN_OR_RETURN(o.value, ParseValue());
      return o;
    }
    if (IsFunctionCall()) {
      std::string name = Peek().text;
      pos_ += 2;
      if (name == "if_not_exists") {
        o.kind = Operand::Kind::kIfNotExists;
        if (Peek().kind == Token::Kind::kValue || IsFunctionCall()) {
          return Status::InvalidArgument(
              Prefix() + "Operator or function requires a document path; operator or function: "
                         "if_not_exists");
        }
        SLUICE_ASSIGN_OR_RETURN(o.path, ParsePath());
        SLUICE_RETURN_IF_ERROR(Expect(","));
        SLUICE_ASSIGN_OR_RETURN(Operand fallback, ParseSetOperand());
        o.args.push_back(std::move(fallback));
      } else if (name == "list_append") {
        o.kind = Operand::Kind::kListAppend;
        SLUICE_ASSIGN_OR_RETURN(Operand a, ParseSetOperand());
        SLUICE_RETURN_IF_ERROR(Expect(","));
        SLUICE_ASSIGN_OR_RETURN(Operand b, ParseSetOperand());
        for (const Operand* x : {&a, &b}) {
          if (x->kind == Operand::Kind::kValue && TypeOf(x->value) != "L") {
            return Status::InvalidArgument(
                Prefix() +
                "Incorrect operand type for operator or function; operator or function: "
                "list_append, operand type: " + std::string(OperandTypeName(TypeOf(x->value))));
          }
        }
        o.args = {std::move(a), std::move(b)};
      } else if (IsConditionFunction(name) || name == "size") {
        return Status::InvalidArgument(
            Prefix() + "The function is not allowed in an update expression; function: " + name);
      } else {
        return Status::InvalidArgument(Prefix() + "Invalid function name; function: " + name);
      }
      SLUICE_RETURN_IF_ERROR(Expect(")"));
      return o;
    }
    o.kind = Operand::Kind::kPath;
    SLUICE_ASSIGN_OR_RETURN(o.path, ParsePath());
    return o;
  }

  Result<Operand> ParseSetValue() {
    SLUICE_ASSIGN_OR_RETURN(Operand left, ParseSetOperand());
    bool plus = IsPunct("+");
    if (!plus && !IsPunct("-")) return left;
    ++pos_;
    SLUICE_ASSIGN_OR_RETURN(Operand right, ParseSetOperand());
    for (const Operand* x : {&left, &right}) {
      if (x->kind == Operand::Kind::kValue && TypeOf(x->value) != "N") {
        return Status::InvalidArgument(
            Prefix() + "Incorrect operand type for operator or function; operator or function: " +
            (plus ? "+" : "-") + ", operand type: " + std::string(OperandTypeName(TypeOf(x->value))));
      }
    }
    Operand o;
    o.kind = plus ? Operand::Kind::kPlus : Operand::Kind::kMinus;
    o.args = {std::move(left), std::move(right)};
    return o;
  }

  Result<UpdateExpression> ParseWholeUpdate() {
    SLUICE_RETURN_IF_ERROR(Tokenize());
    UpdateExpression update;
    std::set<std::string> seen;
    while (!AtEnd()) {
      UpdateAction::Kind kind;
      std::string clause;
      for (std::string_view k : {"SET", "REMOVE", "ADD", "DELETE"}) {
        if (EqualsKeyword(Peek(), k)) clause = std::string(k);
      }
      if (clause.empty()) return SyntaxError();
      ++pos_;
      if (!seen.insert(clause).second) {
        return Status::InvalidArgument(Prefix() + "The \"" + clause +
                                       "\" section can only be used once in an update expression;");
      }
      kind = clause == "SET"      ? UpdateAction::Kind::kSet
             : clause == "REMOVE" ? UpdateAction::Kind::kRemove
             : clause == "ADD"    ? UpdateAction::Kind::kAdd
                                  : UpdateAction::Kind::kDelete;
      do {
        UpdateAction action;
        action.kind = kind;
        SLUICE_ASSIGN_OR_RETURN(action.path, ParsePath());
        if (kind == UpdateAction::Kind::kSet) {
          SLUICE_RETURN_IF_ERROR(Expect("="));
          SLUICE_ASSIGN_OR_RETURN(action.value, ParseSetValue());
        } else if (kind != UpdateAction::Kind::kRemove) {
          action.value.kind = Operand::Kind::kValue;
          SLUICE_ASSIGN_OR_RETURN(action.value.value, ParseValue());
          std::string_view t = TypeOf(action.value.value);
          bool ok = kind == UpdateAction::Kind::kAdd
                        ? (t == "N" || t == "SS" || t == "NS" || t == "BS")
                        : (t == "SS" || t == "NS" || t == "BS");
          if (!ok) {
            return Status::InvalidArgument(
                Prefix() + "Incorrect operand type for operator or function; operator: " + clause +
                ", operand type: " + std::string(OperandTypeName(t)));
          }
        }
        update.actions.push_back(std::move(action));
      } while (Accept(","));
    }
    // Two actions on one path, or on a path and a path inside it, are ambiguous.
    for (size_t i = 0; i < update.actions.size(); ++i) {
      for (size_t j = i + 1; j < update.actions.size(); ++j) {
        const DocumentPath& a = update.actions[i].path;
        const DocumentPath& b = update.actions[j].path;
        size_t n = std::min(a.size(), b.size());
        if (std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin())) {
          auto list = [](const DocumentPath& p) {
            std::string s = "[";
            for (size_t k = 0; k < p.size(); ++k) {
              s += (k ? ", " : "") + (p[k].is_index() ? "[" + std::to_string(p[k].index) + "]" : p[k].name);
            }
            return s + "]";
          };
          return Status::InvalidArgument(
              Prefix() + "Two document paths overlap with each other; must remove or rewrite one "
                         "of these paths; path one: " + list(a) + ", path two: " + list(b));
        }
      }
    }
    return update;
  }

  Result<std::vector<DocumentPath>> ParseWholeProjection() {
    SLUICE_RETURN_IF_ERROR(Tokenize());
    std::vector<DocumentPath> paths;
    do {
      SLUICE_ASSIGN_OR_RETURN(DocumentPath p, ParsePath());
      paths.push_back(std::move(p));
    } while (Accept(","));
    if (!AtEnd()) return SyntaxError();
    return paths;
  }

 private:
  std::string_view text_;
  std::string parameter_;
  ExpressionAttributes& attributes_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

// ---- evaluation ----

const json::value* Lookup(const json::object& item, const DocumentPath& path) {
  const json::value* v = item.if_contains(path.at(0).name);
  for (size_t i = 1; v && i < path.size(); ++i) {
    std::string_view t = TypeOf(*v);
    const json::value& inner = v->get_object().begin()->value();
    if (path[i].is_index()) {
      if (t != "L" || static_cast<size_t>(path[i].index) >= inner.get_array().size()) return nullptr;
      v = &inner.get_array()[static_cast<size_t>(path[i].index)];
    } else {
      if (t != "M") return nullptr;
      v = inner.get_object().if_contains(path[i].name);
    }
  }
  return v;
}

int64_t Utf8Length(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::optional<json::value> ConditionOperand(const Operand& o, const json::object& item) {
  switch (o.kind) {
    case Operand::Kind::kValue:
      return o.value;
    case Operand::Kind::kPath: {
      const json::value* v = Lookup(item, o.path);
      if (!v) return std::nullopt;
      return *v;
    }
    case Operand::Kind::kSize: {
      const json::value* v = Lookup(item, o.path);
      if (!v) return std::nullopt;
      std::string_view t = TypeOf(*v);
      const json::value& inner = v->get_object().begin()->value();
      int64_t size;
      if (t == "S") {
        size = Utf8Length(inner.get_string());
      } else if (t == "B") {
        auto bytes = DecodeBase64(inner.get_string());
        if (!bytes.ok()) return std::nullopt;
        size = static_cast<int64_t>(bytes->size());
      } else if (t == "M") {
        size = static_cast<int64_t>(inner.get_object().size());
      } else if (t == "L" || t == "SS" || t == "NS" || t == "BS") {
        size = static_cast<int64_t>(inner.get_array().size());
      } else {
        return std::nullopt;
      }
      return json::value{{"N", std::to_string(size)}};
    }
    default:
      return std::nullopt;
  }
}

bool Contains(const json::value& haystack, const json::value& needle) {
  std::string_view t = TypeOf(haystack), nt = TypeOf(needle);
  const json::value& h = haystack.get_object().begin()->value();
  if (t == "S" && nt == "S") {
    return std::string_view(h.get_string()).find(std::string_view(needle.at("S").get_string())) !=
           std::string_view::npos;
  }
  if (t == "B" && nt == "B") {
    auto a = DecodeBase64(h.get_string());
    auto b = DecodeBase64(needle.at("B").get_string());
    return a.ok() && b.ok() && a->find(*b) != std::string::npos;
  }
  if ((t == "SS" && nt == "S") || (t == "NS" && nt == "N") || (t == "BS" && nt == "B")) {
    for (const auto& m : h.get_array()) {
      if (ValuesEqual(json::value{{nt, m}}, needle)) return true;
    }
    return false;
  }
  if (t == "L") {
    for (const auto& e : h.get_array()) {
      if (ValuesEqual(e, needle)) return true;
    }
  }
  return false;
}

bool BeginsWith(const json::value& a, const json::value& b) {
  std::string_view t = TypeOf(a);
  if (t != TypeOf(b) || (t != "S" && t != "B")) return false;
  std::string x(a.at(t).get_string()), y(b.at(t).get_string());
  if (t == "B") {
    auto dx = DecodeBase64(x);
    auto dy = DecodeBase64(y);
    if (!dx.ok() || !dy.ok()) return false;
    x = *dx;
    y = *dy;
  }
  return x.compare(0, y.size(), y) == 0;
}

// ---- updates ----

Status DataTypeError() {
  return Status::InvalidArgument("An operand in the update expression has an incorrect data type");
}

Result<json::value> UpdateOperand(const Operand& o, const json::object& item) {
  switch (o.kind) {
    case Operand::Kind::kValue:
      return o.value;
    case Operand::Kind::kPath: {
      const json::value* v = Lookup(item, o.path);
      if (!v) {
        return Status::InvalidArgument(
            "The provided expression refers to an attribute that does not exist in the item");
      }
      return *v;
    }
    case Operand::Kind::kIfNotExists: {
      const json::value* v = Lookup(item, o.path);
      if (v) return *v;
      return UpdateOperand(o.args.at(0), item);
    }
    case Operand::Kind::kListAppend: {
      SLUICE_ASSIGN_OR_RETURN(json::value a, UpdateOperand(o.args.at(0), item));
      SLUICE_ASSIGN_OR_RETURN(json::value b, UpdateOperand(o.args.at(1), item));
      if (TypeOf(a) != "L" || TypeOf(b) != "L") return DataTypeError();
      json::array list = a.at("L").get_array();
      for (const auto& e : b.at("L").get_array()) list.push_back(e);
      return json::value{{"L", std::move(list)}};
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      SLUICE_ASSIGN_OR_RETURN(json::value a, UpdateOperand(o.args.at(0), item));
      SLUICE_ASSIGN_OR_RETURN(json::value b, UpdateOperand(o.args.at(1), item));
      if (TypeOf(a) != "N" || TypeOf(b) != "N") return DataTypeError();
      std::string_view x = a.at("N").get_string(), y = b.at("N").get_string();
      SLUICE_ASSIGN_OR_RETURN(std::string n, o.kind == Operand::Kind::kPlus ? AddNumbers(x, y)
                                                                            : SubtractNumbers(x, y));
      return json::value{{"N", n}};
    }
    case Operand::Kind::kSize:
      break;
  }
  return Status::Internal("size() in an update expression");
}

Status InvalidPathForUpdate() {
  return Status::InvalidArgument(
      "The document path provided in the update expression is invalid for update");
}

// The container holding the path's last step, or null when a parent is missing.
Result<json::value*> Parent(json::object& item, const DocumentPath& path) {
  if (path.size() == 1) return nullptr;  // the item itself (handled by callers)
  json::value* v = item.if_contains(path[0].name);
  if (!v) return InvalidPathForUpdate();
  for (size_t i = 1; i + 1 < path.size(); ++i) {
    std::string_view t = TypeOf(*v);
    json::value& inner = v->get_object().begin()->value();
    if (path[i].is_index()) {
      if (t != "L" || static_cast<size_t>(path[i].index) >= inner.get_array().size()) {
        return InvalidPathForUpdate();
      }
      v = &inner.get_array()[static_cast<size_t>(path[i].index)];
    } else {
      if (t != "M") return InvalidPathForUpdate();
      v = inner.get_object().if_contains(path[i].name);
      if (!v) return InvalidPathForUpdate();
    }
  }
  return v;
}

Status SetAt(json::object& item, const DocumentPath& path, json::value value) {
  if (path.size() == 1) {
    item[path[0].name] = std::move(value);
    return Status::OK();
  }
  SLUICE_ASSIGN_OR_RETURN(json::value * parent, Parent(item, path));
  const PathStep& last = path.back();
  std::string_view t = TypeOf(*parent);
  json::value& inner = parent->get_object().begin()->value();
  if (last.is_index()) {
    if (t != "L") return InvalidPathForUpdate();
    json::array& list = inner.get_array();
    if (static_cast<size_t>(last.index) >= list.size()) {
      list.push_back(std::move(value));  // past the end appends, as DynamoDB does
    } else {
      list[static_cast<size_t>(last.index)] = std::move(value);
    }
  } else {
    if (t != "M") return InvalidPathForUpdate();
    inner.get_object()[last.name] = std::move(value);
  }
  return Status::OK();
}

Status RemoveAt(json::object& item, const DocumentPath& path) {
  if (path.size() == 1) {
    item.stable_erase(path[0].name);
    return Status::OK();
  }
  SLUICE_ASSIGN_OR_RETURN(json::value * parent, Parent(item, path));
  const PathStep& last = path.back();
  std::string_view t = TypeOf(*parent);
  json::value& inner = parent->get_object().begin()->value();
  if (last.is_index()) {
    if (t != "L") return InvalidPathForUpdate();
    json::array& list = inner.get_array();
    if (static_cast<size_t>(last.index) < list.size()) {
      list.erase(list.begin() + last.index);
    }
  } else {
    if (t != "M") return InvalidPathForUpdate();
    inner.get_object().stable_erase(last.name);
  }
  return Status::OK();
}

bool PathLess(const DocumentPath& a, const DocumentPath& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].is_index() && b[i].is_index()) {
      if (a[i].index != b[i].index) return a[i].index < b[i].index;
    } else if (a[i].name != b[i].name || a[i].is_index() != b[i].is_index()) {
      return std::make_pair(a[i].is_index(), a[i].name) < std::make_pair(b[i].is_index(), b[i].name);
    }
  }
  return a.size() < b.size();
}

// ---- projection ----

std::optional<json::value> Filter(const json::value& v, const std::vector<const DocumentPath*>& paths,
                                  size_t depth) {
  for (const DocumentPath* p : paths) {
    if (p->size() == depth) return v;
  }
  std::string_view t = TypeOf(v);
  const json::value& inner = v.get_object().begin()->value();
  if (t == "M") {
    std::map<std::string, std::vector<const DocumentPath*>> groups;
    for (const DocumentPath* p : paths) {
      if (!(*p)[depth].is_index()) groups[(*p)[depth].name].push_back(p);
    }
    json::object out;
    for (const auto& [name, group] : groups) {
      const json::value* child = inner.get_object().if_contains(name);
      if (!child) continue;
      if (auto f = Filter(*child, group, depth + 1)) out[name] = std::move(*f);
    }
    if (out.empty()) return std::nullopt;
    return json::value{{"M", std::move(out)}};
  }
  if (t == "L") {
    std::map<int64_t, std::vector<const DocumentPath*>> groups;
    for (const DocumentPath* p : paths) {
      if ((*p)[depth].is_index()) groups[(*p)[depth].index].push_back(p);
    }
    json::array out;
    for (const auto& [index, group] : groups) {
      if (static_cast<size_t>(index) >= inner.get_array().size()) continue;
      if (auto f = Filter(inner.get_array()[static_cast<size_t>(index)], group, depth + 1)) {
        out.push_back(std::move(*f));
      }
    }
    if (out.empty()) return std::nullopt;
    return json::value{{"L", std::move(out)}};
  }
  return std::nullopt;
}

}  // namespace

std::string PathToString(const DocumentPath& path) {
  std::string s;
  for (const PathStep& step : path) {
    if (step.is_index()) {
      s += "[" + std::to_string(step.index) + "]";
    } else {
      s += (s.empty() ? "" : ".") + step.name;
    }
  }
  return s;
}

Status ExpressionAttributes::CheckAllUsed() const {
  auto unused = [](const json::object* map, const std::set<std::string, std::less<>>& used) {
    std::string keys;
    if (!map) return keys;
    for (const auto& m : *map) {
      if (!used.contains(std::string_view(m.key()))) {
        keys += (keys.empty() ? "" : ", ") + std::string(m.key());
      }
    }
    return keys;
  };
  if (std::string k = unused(names, used_names); !k.empty()) {
    return Status::InvalidArgument(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + k + "}");
  }
  if (std::string k = unused(values, used_values); !k.empty()) {
    return Status::InvalidArgument(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + k + "}");
  }
  return Status::OK();
}

Result<Condition> ParseCondition(std::string_view text, std::string_view parameter,
                                 ExpressionAttributes& attributes) {
  Parser parser(text, std::string(parameter), attributes);
  return parser.ParseWholeCondition();
}

Result<UpdateExpression> ParseUpdate(std::string_view text, ExpressionAttributes& attributes) {
  Parser parser(text, "UpdateExpression", attributes);
  return parser.ParseWholeUpdate();
}

Result<std::vector<DocumentPath>> ParseProjection(std::string_view text,
                                                  ExpressionAttributes& attributes) {
  Parser parser(text, "ProjectionExpression", attributes);
  return parser.ParseWholeProjection();
}

bool EvaluateCondition(const Condition& c, const json::object& item) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      return EvaluateCondition(c.children[0], item) && EvaluateCondition(c.children[1], item);
    case Condition::Kind::kOr:
      return EvaluateCondition(c.children[0], item) || EvaluateCondition(c.children[1], item);
    case Condition::Kind::kNot:
      return !EvaluateCondition(c.children[0], item);
    case Condition::Kind::kAttributeExists:
      return Lookup(item, c.operands[0].path) != nullptr;
    case Condition::Kind::kAttributeNotExists:
      return Lookup(item, c.operands[0].path) == nullptr;
    case Condition::Kind::kAttributeType: {
      const json::value* v = Lookup(item, c.operands[0].path);
      return v && TypeOf(*v) == std::string_view(c.operands[1].value.at("S").get_string());
    }
    case Condition::Kind::kBeginsWith:
    case Condition::Kind::kContains: {
      auto a = ConditionOperand(c.operands[0], item);
      auto b = ConditionOperand(c.operands[1], item);
      if (!a || !b) return false;
      return c.kind == Condition::Kind::kBeginsWith ? BeginsWith(*a, *b) : Contains(*a, *b);
    }
    case Condition::Kind::kCompare: {
      auto a = ConditionOperand(c.operands[0], item);
      auto b = ConditionOperand(c.operands[1], item);
      if (c.op == "=") return a && b && ValuesEqual(*a, *b);
      if (c.op == "<>") return !(a && b && ValuesEqual(*a, *b));
      if (!a || !b) return false;
      std::optional<int> order = CompareValues(*a, *b);
      if (!order) return false;
      if (c.op == "<") return *order < 0;
      if (c.op == "<=") return *order <= 0;
      if (c.op == ">") return *order > 0;
      return *order >= 0;
    }
    case Condition::Kind::kBetween: {
      auto a = ConditionOperand(c.operands[0], item);
      auto lo = ConditionOperand(c.operands[1], item);
      auto hi = ConditionOperand(c.operands[2], item);
      if (!a || !lo || !hi) return false;
      std::optional<int> x = CompareValues(*a, *lo), y = CompareValues(*a, *hi);
      return x && y && *x >= 0 && *y <= 0;
    }
    case Condition::Kind::kIn: {
      auto a = ConditionOperand(c.operands[0], item);
      if (!a) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        auto b = ConditionOperand(c.operands[i], item);
        if (b && ValuesEqual(*a, *b)) return true;
      }
      return false;
    }
  }
  return false;
}

Result<json::object> ApplyUpdate(const UpdateExpression& update, const json::object& item) {
  // Every right-hand side reads the item as it was.
  std::vector<std::pair<const UpdateAction*, json::value>> writes;
  std::vector<const UpdateAction*> removes;
  for (const UpdateAction& a : update.actions) {
    switch (a.kind) {
      case UpdateAction::Kind::kSet: {
        SLUICE_ASSIGN_OR_RETURN(json::value v, UpdateOperand(a.value, item));
        writes.emplace_back(&a, std::move(v));
        break;
      }
      case UpdateAction::Kind::kRemove:
        removes.push_back(&a);
        break;
      case UpdateAction::Kind::kAdd: {
        const json::value* old = Lookup(item, a.path);
        std::string_view t = TypeOf(a.value.value);
        if (!old) {
          writes.emplace_back(&a, a.value.value);
        } else if (TypeOf(*old) != t) {
          return DataTypeError();
        } else if (t == "N") {
          SLUICE_ASSIGN_OR_RETURN(std::string n, AddNumbers(old->at("N").get_string(),
                                                            a.value.value.at("N").get_string()));
          writes.emplace_back(&a, json::value{{"N", n}});
        } else {
          json::array members = old->at(t).get_array();
          for (const auto& m : a.value.value.at(t).get_array()) {
            if (!Contains(*old, json::value{{t.substr(0, 1), m}})) members.push_back(m);
          }
          writes.emplace_back(&a, json::value{{t, std::move(members)}});
        }
        break;
      }
      case UpdateAction::Kind::kDelete: {
        const json::value* old = Lookup(item, a.path);
        std::string_view t = TypeOf(a.value.value);
        if (!old) break;
        if (TypeOf(*old) != t) return DataTypeError();
        json::array members;
        for (const auto& m : old->at(t).get_array()) {
          if (!Contains(a.value.value, json::value{{t.substr(0, 1), m}})) members.push_back(m);
        }
        if (members.empty()) {
          removes.push_back(&a);
        } else {
          writes.emplace_back(&a, json::value{{t, std::move(members)}});
        }
        break;
      }
    }
  }
  json::object out = item;
  for (auto& [action, value] : writes) SLUICE_RETURN_IF_ERROR(SetAt(out, action->path, std::move(value)));
  // List indexes name the elements as they were: remove from the highest down.
  std::sort(removes.begin(), removes.end(),
            [](const UpdateAction* a, const UpdateAction* b) { return PathLess(b->path, a->path); });
  for (const UpdateAction* a : removes) SLUICE_RETURN_IF_ERROR(RemoveAt(out, a->path));
  return out;
}

std::vector<DocumentPath> UpdatedPaths(const UpdateExpression& update) {
  std::vector<DocumentPath> paths;
  for (const UpdateAction& a : update.actions) paths.push_back(a.path);
  return paths;
}

json::object Project(const json::object& item, const std::vector<DocumentPath>& paths) {
  std::map<std::string, std::vector<const DocumentPath*>> groups;
  for (const DocumentPath& p : paths) groups[p.at(0).name].push_back(&p);
  json::object out;
  for (const auto& [name, group] : groups) {
    const json::value* v = item.if_contains(name);
    if (!v) continue;
    if (auto f = Filter(*v, group, 1)) out[name] = std::move(*f);
  }
  return out;
}

}  // namespace sluice::tasks::dynamodb
