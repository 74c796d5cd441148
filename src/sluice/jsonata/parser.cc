#include <charconv>
#include <cmath>
#include <cstring>
#include <map>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/function.h"
#include "sluice/jsonata/parser_internal.h"
#include "sluice/jsonata/regex_internal.h"
#include "sluice/jsonata/signature_internal.h"
#include "sluice/jsonata/text_internal.h"

namespace sluice::jsonata {
namespace {

// Binding powers of the operators (the reference implementation's table).
int OperatorPower(std::string_view op) {
  static const std::map<std::string_view, int> kPowers = {
      {".", 75},  {"[", 80},  {"]", 0},    {"{", 70},  {"}", 0},   {"(", 80},  {")", 0},
      {",", 0},   {"@", 80},  {"#", 80},   {";", 80},  {":", 80},  {"?", 20},  {"+", 50},
      {"-", 50},  {"*", 60},  {"/", 60},   {"%", 60},  {"|", 20},  {"=", 40},  {"<", 40},
      {">", 40},  {"^", 40},  {"**", 60},  {"..", 20}, {":=", 10}, {"!=", 40}, {"<=", 40},
      {">=", 40}, {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50},  {"!", 0},
      {"~", 0},   {"??", 40}, {"?:", 40}};
  auto it = kPowers.find(op);
  return it == kPowers.end() ? -1 : it->second;
}

bool IsOperatorChar(char c) { return c != 0 && std::strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

struct Token {
  enum class Kind { kName, kVariable, kOperator, kString, kNumber, kValue, kRegex } kind;
  std::string value;
  Value literal;
  std::shared_ptr<const Regex> regex;
  int position = 0;
};

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view src) : s_(src) {}

  // The next token, or nullopt at the end. `infix` is true where a '/' is division.
  std::optional<Token> Next(bool infix) {
    for (;;) {
      while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
      if (pos_ + 1 < s_.size() && s_[pos_] == '/' && s_[pos_ + 1] == '*') {
        size_t start = pos_;
        size_t end = s_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) Throw("S0106", static_cast<int>(start));
        pos_ = end + 2;
        continue;
      }
      break;
    }
    if (pos_ >= s_.size()) return std::nullopt;
    char c = s_[pos_];
    if (!infix && c == '/') {
      ++pos_;
      return ScanRegex();
    }
    // "??" and "?:" are JSONata 2.1.0 operators (AWS's 2.0.6 rejects them; see
    // Expression::uses_operators_after_2_0_6).
    static const char* kDouble[] = {"..", ":=", "!=", ">=", "<=", "**", "~>", "??", "?:"};
    for (const char* op : kDouble) {
      if (s_.substr(pos_, 2) == op) {
        pos_ += 2;
        return Make(Token::Kind::kOperator, op);
      }
    }
    if (IsOperatorChar(c)) {
      ++pos_;
      return Make(Token::Kind::kOperator, std::string(1, c));
    }
    if (c == '"' || c == '\'') return ScanString(c);
    if (c >= '0' && c <= '9') return ScanNumber();
    if (c == '`') {
      ++pos_;
      size_t end = s_.find('`', pos_);
      if (end == std::string_view::npos) {
        pos_ = s_.size();
        Throw("S0105", static_cast<int>(pos_));
      }
      std::string name(s_.substr(pos_, end - pos_));
      pos_ = end + 1;
      return Make(Token::Kind::kName, name);
    }
    size_t i = pos_;
    while (i < s_.size() && !IsSpace(s_[i]) && !IsOperatorChar(s_[i])) ++i;
    std::string name(s_.substr(pos_, i - pos_));
    pos_ = i;
    if (!name.empty() && name[0] == '$') return Make(Token::Kind::kVariable, name.substr(1));
    if (name == "or" || name == "in" || name == "and") return Make(Token::Kind::kOperator, name);
    if (name == "true" || name == "false") {
      Token t = Make(Token::Kind::kValue, name);
      t.literal = Value::Boolean(name == "true");
      return t;
    }
    if (name == "null") {
      Token t = Make(Token::Kind::kValue, name);
      t.literal = Value::Null();
      return t;
    }
    return Make(Token::Kind::kName, name);
  }

 private:
  Token Make(Token::Kind kind, std::string value) {
    Token t;
    t.kind = kind;
    t.value = std::move(value);
    t.position = static_cast<int>(pos_);
    return t;
  }

  Token ScanString(char quote) {
    ++pos_;
    std::string out;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\') {
        ++pos_;
        char e = pos_ < s_.size() ? s_[pos_] : 0;
        if (char plain = JsonEscapeChar(e)) {
          out.push_back(plain);
          ++pos_;
          continue;
        }
        switch (e) {
          case 'u': {
            uint32_t cp = 0;
            if (!ParseHex4(s_, pos_ + 1, cp)) Throw("S0104", static_cast<int>(pos_));
            pos_ += 4;
            // A surrogate pair written as two escapes is one code point.
            if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_ + 1, 2) == "\\u") {
              uint32_t lo = 0;
              if (ParseHex4(s_, pos_ + 3, lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                pos_ += 6;
              }
            }
            AppendUtf8(cp, out);
            break;
          }
          default: {
            JsonataException ex;
            ex.code = "S0103";
            ex.position = static_cast<int>(pos_);
            ex.Token(std::string(1, e));
            throw ex;
          }
        }
      } else if (c == quote) {
        ++pos_;
        Token t = Make(Token::Kind::kString, out);
        t.literal = Value::String(out);
        return t;
      } else {
        out.push_back(c);
      }
      ++pos_;
    }
    Throw("S0101", static_cast<int>(pos_));
  }

  Token ScanNumber() {
    size_t start = pos_;
    size_t i = pos_;
    auto digits = [&] {
      size_t b = i;
      while (i < s_.size() && s_[i] >= '0' && s_[i] <= '9') ++i;
      return i > b;
    };
    if (s_[i] == '0') {
      ++i;
    } else {
      digits();
    }
    if (i + 1 < s_.size() && s_[i] == '.' && s_[i + 1] >= '0' && s_[i + 1] <= '9') {
      ++i;
      digits();
    }
    if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
      size_t save = i;
      ++i;
      if (i < s_.size() && (s_[i] == '+' || s_[i] == '-')) ++i;
      if (!digits()) i = save;
    }
    std::string_view text = s_.substr(start, i - start);
    double d = 0;
    auto parsed = std::from_chars(text.data(), text.data() + text.size(), d);
    if (parsed.ec != std::errc() || !std::isfinite(d)) {
      JsonataException ex;
      ex.code = "S0102";
      ex.position = static_cast<int>(pos_);
      ex.Token(std::string(text));
      throw ex;
    }
    pos_ = i;
    Token t = Make(Token::Kind::kNumber, std::string(text));
    t.literal = Value::Number(d);
    return t;
  }

  Token ScanRegex() {
    size_t start = pos_;
    int depth = 0;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '/' && depth == 0) {
        size_t backslashes = 0;
        while (pos_ >= backslashes + 1 && s_[pos_ - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) {
          std::string pattern(s_.substr(start, pos_ - start));
          if (pattern.empty()) Throw("S0301", static_cast<int>(pos_));
          ++pos_;
          size_t fstart = pos_;
          while (pos_ < s_.size() && (s_[pos_] == 'i' || s_[pos_] == 'm')) ++pos_;
          std::string flags(s_.substr(fstart, pos_ - fstart));
          Token t = Make(Token::Kind::kRegex, pattern);
          t.regex = CompileJsRegex(pattern, flags, static_cast<int>(pos_));
          return t;
        }
      }
      bool escaped = pos_ > 0 && s_[pos_ - 1] == '\\';
      if ((c == '(' || c == '[' || c == '{') && !escaped) ++depth;
      if ((c == ')' || c == ']' || c == '}') && !escaped) --depth;
      ++pos_;
    }
    Throw("S0302", static_cast<int>(pos_));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

class Parser {
 public:
  Parser(std::string_view source, Ast& ast) : source_(source), ast_(ast), lexer_(source) {}

  Node* Parse() {
    Advance("", false);
    Node* expr = Expression(0);
    if (node_->id != "(end)") {
      JsonataException e;
      e.code = "S0201";
      e.position = node_->position;
      e.Token(node_->value);
      throw e;
    }
    expr = ProcessAst(expr);
    MarkSimpleNames();
    if (expr->type == NodeType::kParent || expr->has_seeking_parent) {
      JsonataException e;
      e.code = "S0217";
      e.position = expr->position;
      e.Token(expr->type == NodeType::kParent ? "parent" : "path");
      throw e;
    }
    return expr;
  }

 private:
  int Lbp(const Node* n) const {
    if (n->id == "(end)" || n->id == "(name)" || n->id == "(literal)" || n->id == "(regex)") {
      return 0;
    }
    // Symbols declared without an infix role bind with power 0.
    static const char* kNoLed[] = {":", ";", ",", ")", "]", "}", "..", "|", "!", "~"};
    for (const char* s : kNoLed) {
      if (n->id == s) return 0;
    }
    return OperatorPower(n->id);
  }

  [[noreturn]] void ErrorAt(const char* code, const Node* n, std::string value = "") {
    JsonataException e;
    e.code = code;
    e.position = n->position;
    e.Token(n->value);
    if (!value.empty()) e.value = Value::String(value);
    throw e;
  }

  Node* Advance(std::string_view id = "", bool infix = false) {
    if (!id.empty() && node_->id != id) {
      ErrorAt(node_->id == "(end)" ? "S0203" : "S0202", node_, std::string(id));
    }
    std::optional<Token> t = lexer_.Next(infix);
    Node* n = ast_.New();
    if (!t) {
      n->id = "(end)";
      n->type = NodeType::kEnd;
      n->value = "(end)";
      n->position = static_cast<int>(source_.size());
      node_ = n;
      return n;
    }
    n->value = t->value;
    n->position = t->position;
    switch (t->kind) {
      case Token::Kind::kName:
        n->id = "(name)";
        n->type = NodeType::kName;
        break;
      case Token::Kind::kVariable:
        n->id = "(name)";
        n->type = NodeType::kVariable;
        break;
      case Token::Kind::kOperator:
        if (OperatorPower(t->value) < 0 || t->value == "!" || t->value == "~") {
          JsonataException e;
          e.code = "S0204";
          e.position = t->position;
          e.Token(t->value);
          throw e;
        }
        n->id = t->value;
        n->type = NodeType::kOperator;
        break;
      case Token::Kind::kString:
        n->id = "(literal)";
        n->type = NodeType::kString;
        n->literal = t->literal;
        break;
      case Token::Kind::kNumber:
        n->id = "(literal)";
        n->type = NodeType::kNumber;
        n->literal = t->literal;
        break;
      case Token::Kind::kValue:
        n->id = "(literal)";
        n->type = NodeType::kValue;
        n->literal = t->literal;
        break;
      case Token::Kind::kRegex:
        n->id = "(regex)";
        n->type = NodeType::kRegex;
        n->regex = t->regex;
        break;
    }
    node_ = n;
    return n;
  }

  Node* Expression(int rbp) {
    Node* t = node_;
    Advance("", true);
    Node* left = Nud(t);
    while (rbp < Lbp(node_)) {
      t = node_;
      Advance();
      left = Led(t, left);
    }
    return left;
  }

  Node* Nud(Node* t) {
    const std::string& id = t->id;
    if (id == "(name)" || id == "(literal)" || id == "(regex)" || id == "(end)") return t;
    if (id == "and" || id == "or" || id == "in") return t;  // keywords as field names
    if (id == "-") {
      t->expression = Expression(70);
      t->type = NodeType::kUnary;
      return t;
    }
    if (id == "*") {
      t->type = NodeType::kWildcard;
      return t;
    }
    if (id == "**") {
      t->type = NodeType::kDescendant;
      return t;
    }
    if (id == "%") {
      t->type = NodeType::kParent;
      return t;
    }
    if (id == "(") {
      std::vector<Node*> expressions;
      while (node_->id != ")") {
        expressions.push_back(Expression(0));
        if (node_->id != ";") break;
        Advance(";");
      }
      Advance(")", true);
      t->type = NodeType::kBlock;
      t->expressions = std::move(expressions);
      return t;
    }
    if (id == "[") {
      std::vector<Node*> items;
      if (node_->id != "]") {
        for (;;) {
          Node* item = Expression(0);
          if (node_->id == "..") {
            Node* range = ast_.New();
            range->type = NodeType::kBinary;
            range->value = "..";
            range->id = "..";
            range->position = node_->position;
            range->lhs = item;
            Advance("..");
            range->rhs = Expression(0);
            item = range;
          }
          items.push_back(item);
          if (node_->id != ",") break;
          Advance(",");
        }
      }
      Advance("]", true);
      t->expressions = std::move(items);
      t->type = NodeType::kUnary;
      return t;
    }
    if (id == "{") return ParseObject(t, nullptr);
    if (id == "|") {
      t->type = NodeType::kTransform;
      t->pattern = Expression(0);
      Advance("|");
      t->update = Expression(0);
      if (node_->id == ",") {
        Advance(",");
        t->deletion = Expression(0);
      }
      Advance("|");
      return t;
    }
    ErrorAt("S0211", t);
  }

  Node* ParseObject(Node* t, Node* left) {
    std::vector<std::pair<Node*, Node*>> pairs;
    if (node_->id != "}") {
      for (;;) {
        Node* n = Expression(0);
        Advance(":");
        Node* v = Expression(0);
        pairs.emplace_back(n, v);
        if (node_->id != ",") break;
        Advance(",");
      }
    }
    Advance("}", true);
    t->pairs = std::move(pairs);
    if (left == nullptr) {
      t->type = NodeType::kUnary;
    } else {
      t->lhs = left;
      t->type = NodeType::kBinary;
    }
    return t;
  }

  Node* Led(Node* t, Node* left) {
    const std::string& id = t->id;
    int bp = OperatorPower(id);
    if (id == "(") {
      t->procedure = left;
      t->type = NodeType::kFunction;
      if (node_->id != ")") {
        for (;;) {
          if (node_->type == NodeType::kOperator && node_->id == "?") {
            t->type = NodeType::kPartial;
            node_->type = NodeType::kPlaceholder;
            t->arguments.push_back(node_);
            Advance("?");
          } else {
            t->arguments.push_back(Expression(0));
          }
          if (node_->id != ",") break;
          Advance(",");
        }
      }
      Advance(")", true);
      if (left->type == NodeType::kName && (left->value == "function" || left->value == "\u03BB")) {
        for (size_t i = 0; i < t->arguments.size(); ++i) {
          Node* arg = t->arguments[i];
          if (arg->type != NodeType::kVariable) {
            JsonataException e;
            e.code = "S0208";
            e.position = arg->position;
            e.Token(arg->value);
            e.value = Value::Number(static_cast<double>(i + 1));
            throw e;
          }
        }
        t->type = NodeType::kLambda;
        if (node_->id == "<") {
          int sig_pos = node_->position;
          int depth = 1;
          std::string sig = "<";
          while (depth > 0 && node_->id != "{" && node_->id != "(end)") {
            Node* tok = Advance();
            if (tok->id == ">") {
              --depth;
            } else if (tok->id == "<") {
              ++depth;
            }
            sig += tok->type == NodeType::kVariable ? "$" + tok->value : tok->value;
          }
          Advance(">");
          t->signature = ParseSignature(sig, sig_pos);
        }
        Advance("{");
        t->body = Expression(0);
        Advance("}");
      }
      return t;
    }
    if (id == "[") {
      if (node_->id == "]") {
        Node* step = left;
        while (step != nullptr && step->type == NodeType::kBinary && step->value == "[") {
          step = step->lhs;
        }
        step->keep_array = true;
        Advance("]");
        return left;
      }
      t->lhs = left;
      t->rhs = Expression(OperatorPower("]"));
      t->type = NodeType::kBinary;
      Advance("]", true);
      return t;
    }
    if (id == "^") {
      Advance("(");
      for (;;) {
        SortTerm term;
        if (node_->id == "<") {
          Advance("<");
        } else if (node_->id == ">") {
          term.descending = true;
          Advance(">");
        }
        term.expression = Expression(0);
        t->terms.push_back(term);
        if (node_->id != ",") break;
        Advance(",");
      }
      Advance(")");
      t->lhs = left;
      t->type = NodeType::kBinary;
      return t;
    }
    if (id == "{") return ParseObject(t, left);
    if (id == ":=") {
      if (left->type != NodeType::kVariable) ErrorAt("S0212", left);
      t->lhs = left;
      t->rhs = Expression(bp - 1);
      t->type = NodeType::kBinary;
      return t;
    }
    if (id == "@" || id == "#") {
      t->lhs = left;
      t->rhs = Expression(bp);
      if (t->rhs->type != NodeType::kVariable) {
        JsonataException e;
        e.code = "S0214";
        e.position = t->rhs->position;
        e.Token(id);
        throw e;
      }
      t->type = NodeType::kBinary;
      return t;
    }
    if (id == "?") {
      t->type = NodeType::kCondition;
      t->condition = left;
      t->then = Expression(0);
      if (node_->id == ":") {
        Advance(":");
        t->otherwise = Expression(0);
      }
      return t;
    }
    if (id == "??" || id == "?:") ast_.uses_2_1_operators = true;
    // Plain left-associative infix operators.
    t->lhs = left;
    t->rhs = Expression(bp);
    t->type = NodeType::kBinary;
    return t;
  }

  // --- post-processing (the reference implementation's processAST) ---

  Node* NewPath(Node* first) {
    Node* p = ast_.New();
    p->type = NodeType::kPath;
    p->position = first->position;
    p->steps.push_back(first);
    return p;
  }

  void PushAncestry(Node* result, Node* value) {
    if (value->has_seeking_parent || value->type == NodeType::kParent) {
      std::vector<std::shared_ptr<AncestorSlot>> slots = value->seeking_parent;
      if (value->type == NodeType::kParent) slots.push_back(value->slot);
      if (!result->has_seeking_parent) {
        result->seeking_parent = slots;
        result->has_seeking_parent = true;
      } else {
        for (auto& s : slots) result->seeking_parent.push_back(s);
      }
    }
  }

  std::shared_ptr<AncestorSlot> SeekParent(Node* node, std::shared_ptr<AncestorSlot> slot) {
    switch (node->type) {
      case NodeType::kName:
      case NodeType::kWildcard:
        slot->level--;
        if (slot->level == 0) {
          if (node->ancestor == nullptr) {
            node->ancestor = slot;
          } else {
            ancestry_[slot->index]->label = node->ancestor->label;
            node->ancestor = slot;
          }
          node->tuple = true;
        }
        break;
      case NodeType::kParent:
        slot->level++;
        break;
      case NodeType::kBlock:
        if (!node->expressions.empty()) {
          node->tuple = true;
          slot = SeekParent(node->expressions.back(), slot);
        }
        break;
      case NodeType::kPath: {
        node->tuple = true;
        int index = static_cast<int>(node->steps.size()) - 1;
        slot = SeekParent(node->steps[index--], slot);
        while (slot->level > 0 && index >= 0) slot = SeekParent(node->steps[index--], slot);
        break;
      }
      default: {
        JsonataException e;
        e.code = "S0217";
        e.position = node->position;
        e.Token(NodeTypeName(node->type));
        throw e;
      }
    }
    return slot;
  }

  static std::string NodeTypeName(NodeType t) {
    switch (t) {
      case NodeType::kBinary:
        return "binary";
      case NodeType::kUnary:
        return "unary";
      case NodeType::kFunction:
        return "function";
      case NodeType::kString:
        return "string";
      case NodeType::kNumber:
        return "number";
      case NodeType::kValue:
        return "value";
      case NodeType::kVariable:
        return "variable";
      case NodeType::kLambda:
        return "lambda";
      case NodeType::kCondition:
        return "condition";
      case NodeType::kDescendant:
        return "descendant";
      default:
        return "expression";
    }
  }

  void ResolveAncestry(Node* path) {
    int index = static_cast<int>(path->steps.size()) - 1;
    Node* laststep = path->steps[index];
    std::vector<std::shared_ptr<AncestorSlot>> slots = laststep->seeking_parent;
    if (laststep->type == NodeType::kParent) slots.push_back(laststep->slot);
    for (auto slot : slots) {
      index = static_cast<int>(path->steps.size()) - 2;
      while (slot->level > 0) {
        if (index < 0) {
          path->seeking_parent.push_back(slot);
          path->has_seeking_parent = true;
          break;
        }
        Node* step = path->steps[index--];
        while (index >= 0 && !step->focus.empty() && !path->steps[index]->focus.empty()) {
          step = path->steps[index--];
        }
        slot = SeekParent(step, slot);
      }
    }
  }

  Node* TailCallOptimize(Node* expr) {
    if (expr->type == NodeType::kFunction && expr->predicate.empty()) {
      Node* thunk = ast_.New();
      thunk->type = NodeType::kLambda;
      thunk->thunk = true;
      thunk->position = expr->position;
      thunk->body = expr;
      return thunk;
    }
    if (expr->type == NodeType::kCondition) {
      expr->then = TailCallOptimize(expr->then);
      if (expr->otherwise) expr->otherwise = TailCallOptimize(expr->otherwise);
      return expr;
    }
    if (expr->type == NodeType::kBlock) {
      if (!expr->expressions.empty()) {
        expr->expressions.back() = TailCallOptimize(expr->expressions.back());
      }
      return expr;
    }
    return expr;
  }

  [[noreturn]] void Fail(const char* code, int position) { Throw(code, position); }

  static BinaryOp ToBinaryOp(const std::string& op) {
    static const std::map<std::string_view, BinaryOp> kOps = {
        {"+", BinaryOp::kAdd},       {"-", BinaryOp::kSubtract},      {"*", BinaryOp::kMultiply},
        {"/", BinaryOp::kDivide},    {"%", BinaryOp::kModulo},        {"=", BinaryOp::kEqual},
        {"!=", BinaryOp::kNotEqual}, {"<", BinaryOp::kLess},          {"<=", BinaryOp::kLessEqual},
        {">", BinaryOp::kGreater},   {">=", BinaryOp::kGreaterEqual}, {"&", BinaryOp::kConcat},
        {"..", BinaryOp::kRange},    {"in", BinaryOp::kIn},           {"and", BinaryOp::kAnd},
        {"or", BinaryOp::kOr},       {"??", BinaryOp::kCoalesce},     {"?:", BinaryOp::kDefault}};
    auto it = kOps.find(op);
    return it == kOps.end() ? BinaryOp::kNone : it->second;
  }

  // Marks paths of plain field names (see Node::simple_name, Node::simple_names).
  void MarkSimpleNames() {
    for (auto& n : ast_.nodes) {
      Node* p = n.get();
      if (p->type != NodeType::kPath || p->steps.empty()) continue;
      if (p->keep_singleton_array || p->group || p->tuple || p->keep_array ||
          !p->predicate.empty()) {
        continue;
      }
      bool plain = true;
      for (const Node* step : p->steps) {
        plain = plain && step->type == NodeType::kName && step->stages.empty() &&
                step->predicate.empty() && !step->group && !step->tuple && step->focus.empty() &&
                step->index.empty() && !step->keep_array && !step->cons_array;
      }
      p->simple_names = plain;
      p->simple_name = plain && p->steps.size() == 1;
    }
  }

  Node* ProcessAst(Node* expr) {
    Node* result = nullptr;
    switch (expr->type) {
      case NodeType::kBinary: {
        const std::string& op = expr->id;
        if (op == ".") {
          Node* lstep = ProcessAst(expr->lhs);
          if (lstep->type == NodeType::kPath) {
            result = lstep;
          } else {
            result = NewPath(lstep);
          }
          if (lstep->type == NodeType::kParent) {
            result->seeking_parent = {lstep->slot};
            result->has_seeking_parent = true;
          }
          Node* rest = ProcessAst(expr->rhs);
          if (rest->type == NodeType::kPath) {
            for (Node* s : rest->steps) result->steps.push_back(s);
          } else {
            if (!rest->predicate.empty()) {
              rest->stages = std::move(rest->predicate);
              rest->predicate.clear();
            }
            result->steps.push_back(rest);
          }
          for (Node* step : result->steps) {
            if (step->type == NodeType::kNumber || step->type == NodeType::kValue) {
              JsonataException e;
              e.code = "S0213";
              e.position = step->position;
              e.value = step->literal;
              throw e;
            }
            if (step->type == NodeType::kString) {
              step->type = NodeType::kName;
              step->value = step->literal.str();
            }
          }
          for (Node* step : result->steps) {
            if (step->keep_array) result->keep_singleton_array = true;
          }
          Node* first = result->steps.front();
          if (first->type == NodeType::kUnary && first->id == "[") first->cons_array = true;
          Node* last = result->steps.back();
          if (last->type == NodeType::kUnary && last->id == "[") last->cons_array = true;
          ResolveAncestry(result);
        } else if (op == "[") {
          result = ProcessAst(expr->lhs);
          Node* step = result;
          bool stages = false;
          if (result->type == NodeType::kPath) {
            step = result->steps.back();
            stages = true;
          }
          if (step->group) Fail("S0209", expr->position);
          Node* predicate = ProcessAst(expr->rhs);
          if (predicate->has_seeking_parent) {
            for (auto& slot : predicate->seeking_parent) {
              if (slot->level == 1) {
                SeekParent(step, slot);
              } else {
                slot->level--;
              }
            }
            PushAncestry(step, predicate);
          }
          Stage s;
          s.kind = Stage::Kind::kFilter;
          s.expr = predicate;
          s.position = expr->position;
          (stages ? step->stages : step->predicate).push_back(s);
        } else if (op == "{") {
          result = ProcessAst(expr->lhs);
          if (result->group) Fail("S0210", expr->position);
          auto group = std::make_unique<GroupBy>();
          group->position = expr->position;
          for (auto& [k, v] : expr->pairs) group->pairs.emplace_back(ProcessAst(k), ProcessAst(v));
          result->group = std::move(group);
        } else if (op == "^") {
          result = ProcessAst(expr->lhs);
          if (result->type != NodeType::kPath) result = NewPath(result);
          Node* sort = ast_.New();
          sort->type = NodeType::kSort;
          sort->position = expr->position;
          for (SortTerm term : expr->terms) {
            term.expression = ProcessAst(term.expression);
            PushAncestry(sort, term.expression);
            sort->terms.push_back(term);
          }
          result->steps.push_back(sort);
          ResolveAncestry(result);
        } else if (op == ":=") {
          result = ast_.New();
          result->type = NodeType::kBind;
          result->value = op;
          result->position = expr->position;
          result->lhs = ProcessAst(expr->lhs);
          result->rhs = ProcessAst(expr->rhs);
          PushAncestry(result, result->rhs);
        } else if (op == "@") {
          result = ProcessAst(expr->lhs);
          Node* step = result;
          if (result->type == NodeType::kPath) step = result->steps.back();
          if (!step->stages.empty() || !step->predicate.empty()) Fail("S0215", expr->position);
          if (step->type == NodeType::kSort) Fail("S0216", expr->position);
          if (expr->keep_array) step->keep_array = true;
          step->focus = expr->rhs->value;
          step->tuple = true;
        } else if (op == "#") {
          result = ProcessAst(expr->lhs);
          Node* step = result;
          if (result->type == NodeType::kPath) {
            step = result->steps.back();
          } else {
            result = NewPath(result);
            if (!step->predicate.empty()) {
              step->stages = std::move(step->predicate);
              step->predicate.clear();
            }
          }
          if (step->stages.empty()) {
            step->index = expr->rhs->value;
          } else {
            Stage s;
            s.kind = Stage::Kind::kIndex;
            s.index = expr->rhs->value;
            s.position = expr->position;
            step->stages.push_back(s);
          }
          step->tuple = true;
        } else if (op == "~>") {
          result = ast_.New();
          result->type = NodeType::kApply;
          result->value = op;
          result->position = expr->position;
          result->lhs = ProcessAst(expr->lhs);
          result->rhs = ProcessAst(expr->rhs);
          result->keep_array = result->lhs->keep_array || result->rhs->keep_array;
        } else {
          result = ast_.New();
          result->type = NodeType::kBinary;
          result->id = op;
          result->value = op;
          result->op = ToBinaryOp(op);
          result->position = expr->position;
          result->lhs = ProcessAst(expr->lhs);
          result->rhs = ProcessAst(expr->rhs);
          PushAncestry(result, result->lhs);
          PushAncestry(result, result->rhs);
        }
        break;
      }
      case NodeType::kUnary: {
        result = ast_.New();
        result->type = NodeType::kUnary;
        result->id = expr->id;
        result->value = expr->id;
        result->position = expr->position;
        if (expr->id == "[") {
          for (Node* item : expr->expressions) {
            Node* v = ProcessAst(item);
            PushAncestry(result, v);
            result->expressions.push_back(v);
          }
        } else if (expr->id == "{") {
          for (auto& [k, v] : expr->pairs) {
            Node* key = ProcessAst(k);
            PushAncestry(result, key);
            Node* val = ProcessAst(v);
            PushAncestry(result, val);
            result->pairs.emplace_back(key, val);
          }
        } else {
          result->expression = ProcessAst(expr->expression);
          if (expr->id == "-" && result->expression->type == NodeType::kNumber) {
            result = result->expression;
            result->literal = Value::Number(-result->literal.number());
          } else {
            PushAncestry(result, result->expression);
          }
        }
        break;
      }
      case NodeType::kFunction:
      case NodeType::kPartial: {
        result = ast_.New();
        result->type = expr->type;
        result->value = expr->value;
        result->position = expr->position;
        for (Node* arg : expr->arguments) {
          Node* a = ProcessAst(arg);
          PushAncestry(result, a);
          result->arguments.push_back(a);
        }
        result->procedure = ProcessAst(expr->procedure);
        break;
      }
      case NodeType::kLambda: {
        result = ast_.New();
        result->type = NodeType::kLambda;
        result->arguments = expr->arguments;
        result->signature = expr->signature;
        result->position = expr->position;
        result->body = TailCallOptimize(ProcessAst(expr->body));
        break;
      }
      case NodeType::kCondition: {
        result = ast_.New();
        result->type = NodeType::kCondition;
        result->position = expr->position;
        result->condition = ProcessAst(expr->condition);
        PushAncestry(result, result->condition);
        result->then = ProcessAst(expr->then);
        PushAncestry(result, result->then);
        if (expr->otherwise) {
          result->otherwise = ProcessAst(expr->otherwise);
          PushAncestry(result, result->otherwise);
        }
        break;
      }
      case NodeType::kTransform: {
        result = ast_.New();
        result->type = NodeType::kTransform;
        result->position = expr->position;
        result->pattern = ProcessAst(expr->pattern);
        result->update = ProcessAst(expr->update);
        if (expr->deletion) result->deletion = ProcessAst(expr->deletion);
        break;
      }
      case NodeType::kBlock: {
        result = ast_.New();
        result->type = NodeType::kBlock;
        result->position = expr->position;
        for (Node* item : expr->expressions) {
          Node* part = ProcessAst(item);
          PushAncestry(result, part);
          if (part->cons_array ||
              (part->type == NodeType::kPath && part->steps.front()->cons_array)) {
            result->cons_array = true;
          }
          result->expressions.push_back(part);
        }
        break;
      }
      case NodeType::kName: {
        result = NewPath(expr);
        if (expr->keep_array) result->keep_singleton_array = true;
        break;
      }
      case NodeType::kParent: {
        result = ast_.New();
        result->type = NodeType::kParent;
        result->position = expr->position;
        result->slot = std::make_shared<AncestorSlot>();
        result->slot->label = "!" + std::to_string(ancestor_label_++);
        result->slot->level = 1;
        result->slot->index = static_cast<int>(ancestry_.size());
        ancestry_.push_back(result->slot);
        break;
      }
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kValue:
      case NodeType::kWildcard:
      case NodeType::kDescendant:
      case NodeType::kVariable:
      case NodeType::kRegex:
        result = expr;
        break;
      case NodeType::kOperator:
        if (expr->id == "and" || expr->id == "or" || expr->id == "in") {
          expr->type = NodeType::kName;
          return ProcessAst(expr);
        }
        {
          JsonataException e;
          e.code = "S0201";
          e.position = expr->position;
          e.Token(expr->value);
          throw e;
        }
      case NodeType::kPlaceholder:
        result = expr;
        break;
      case NodeType::kEnd: {
        JsonataException e;
        e.code = "S0207";
        e.position = expr->position;
        e.Token(expr->value);
        throw e;
      }
      default: {
        JsonataException e;
        e.code = "S0206";
        e.position = expr->position;
        e.Token(expr->value);
        throw e;
      }
    }
    if (expr->keep_array) result->keep_array = true;
    return result;
  }

  std::string_view source_;
  Ast& ast_;
  Tokenizer lexer_;
  Node* node_ = nullptr;
  int ancestor_label_ = 0;
  std::vector<std::shared_ptr<AncestorSlot>> ancestry_;
};

}  // namespace

void ParseExpression(std::string_view source, const FunctionRegistry& registry, Ast& ast) {
  Parser parser(source, ast);
  ast.root = parser.Parse();
  for (auto& n : ast.nodes) {
    if (n->type == NodeType::kVariable && !n->value.empty()) {
      n->library_function = registry.Find(n->value);
    }
  }
}

}  // namespace sluice::jsonata
