#include "sluice/asl/json_path.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "sluice/asl/errors.h"

namespace sluice::asl {

namespace {

struct FilterExpr;

// One selector of a compiled path. `descend` marks `..`: the selector applies to the node
// and every node below it (pre-order, as Jayway, the JSONPath library AWS uses, does).
struct Step {
  enum class Kind { kName, kIndex, kWildcard, kSlice, kNames, kIndexes, kFilter };
  Kind kind = Kind::kName;
  bool descend = false;
  std::string name;                 // kName
  int64_t index = 0;                // kIndex
  std::optional<int64_t> start, end;  // kSlice
  int64_t step = 1;                 // kSlice
  std::vector<std::string> names;   // kNames
  std::vector<int64_t> indexes;     // kIndexes
  std::shared_ptr<const FilterExpr> filter;  // kFilter
};

// An operand of a filter comparison: `@…` (relative to the candidate), `$…` (the
// document) or a literal.
struct FilterOperand {
  enum class Kind { kCurrent, kRoot, kLiteral };
  Kind kind = Kind::kLiteral;
  std::vector<Step> steps;  // definite steps only (names and indexes)
  json::value literal;
};

struct FilterExpr {
  enum class Kind { kOr, kAnd, kNot, kExists, kCompare };
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };
  Kind kind = Kind::kCompare;
  std::vector<FilterExpr> children;  // kOr / kAnd / kNot
  FilterOperand lhs, rhs;            // kExists uses lhs only
  Op op = Op::kEq;
};

using common::JsonEquals;

// -1, 0, 1. Both must be numbers.
int NumberCompare(const json::value& a, const json::value& b) {
  if (common::JsonNumberEquals(a, b)) return 0;
  if (!a.is_double() && !b.is_double()) {
    // Exact integer comparison.
    if (a.is_int64() && b.is_int64()) return a.get_int64() < b.get_int64() ? -1 : 1;
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() < b.get_uint64() ? -1 : 1;
    if (a.is_int64()) return a.get_int64() < 0 ? -1 : (static_cast<uint64_t>(a.get_int64()) < b.get_uint64() ? -1 : 1);
    return b.get_int64() < 0 ? 1 : (a.get_uint64() < static_cast<uint64_t>(b.get_int64()) ? -1 : 1);
  }
  return a.to_number<double>() < b.to_number<double>() ? -1 : 1;
}


// ---------------------------------------------------------------------------------------
// Parsing

bool IsVariableStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsVariableChar(char c) { return IsVariableStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class PathParser {
 public:
  explicit PathParser(std::string_view text, size_t start = 0) : text_(text), pos_(start) {}

  Status Error(std::string_view what) const { return ErrorAt(what, pos_); }
  Status ErrorAt(std::string_view what, size_t at) const {
    return Status::InvalidArgument("invalid JSONPath '" + std::string(text_) + "': " +
                                   std::string(what) + " at offset " + std::to_string(at));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }
  size_t pos() const { return pos_; }

  // Steps until the end of text (top level) or, inside a filter, until a character that
  // cannot continue a path.
  Status ParseSteps(bool in_filter, bool definite_only, std::vector<Step>* steps) {
    while (!AtEnd()) {
      char c = Peek();
      if (c == '.') {
        bool descend = Peek(1) == '.';
        size_t step_at = pos_;
        pos_ += descend ? 2 : 1;
        if (descend && definite_only) return ErrorAt("recursive descent is not allowed here", step_at);
        if (Peek() == '[' && descend) {
          SLUICE_RETURN_IF_ERROR(ParseBracket(definite_only, steps));
          steps->back().descend = true;
          continue;
        }
        Step step;
        step.descend = descend;
        if (Peek() == '*') {
          if (definite_only) return Error("a wildcard is not allowed here");
          ++pos_;
          step.kind = Step::Kind::kWildcard;
        } else {
          size_t start = pos_;
          while (!AtEnd() && Peek() != '.' && Peek() != '[' &&
                 !(in_filter && IsFilterNameEnd(Peek()))) {
            ++pos_;
          }
          if (pos_ == start) return Error("expected a name after '.'");
          step.kind = Step::Kind::kName;
          step.name = std::string(text_.substr(start, pos_ - start));
        }
        steps->push_back(std::move(step));
      } else if (c == '[') {
        SLUICE_RETURN_IF_ERROR(ParseBracket(definite_only, steps));
      } else if (in_filter) {
        return Status::OK();
      } else {
        return Error(std::string("unexpected '") + c + "'");
      }
    }
    return Status::OK();
  }

  // Parses a filter expression up to (not including) its closing ')'.
  Status ParseOr(FilterExpr* out) {
    FilterExpr first;
    SLUICE_RETURN_IF_ERROR(ParseAnd(&first));
    SkipSpaces();
    if (!(Peek() == '|' && Peek(1) == '|')) {
      *out = std::move(first);
      return Status::OK();
    }
    out->kind = FilterExpr::Kind::kOr;
    out->children.push_back(std::move(first));
    while (Peek() == '|' && Peek(1) == '|') {
      pos_ += 2;
      FilterExpr next;
      SLUICE_RETURN_IF_ERROR(ParseAnd(&next));
      out->children.push_back(std::move(next));
      SkipSpaces();
    }
    return Status::OK();
  }

 private:
  static bool IsFilterNameEnd(char c) {
    return IsSpace(c) || c == '<' || c == '>' || c == '=' || c == '!' || c == '&' || c == '|' ||
           c == ')' || c == ']' || c == ',';
  }

  Status ParseAnd(FilterExpr* out) {
    FilterExpr first;
    SLUICE_RETURN_IF_ERROR(ParseUnary(&first));
    SkipSpaces();
    if (!(Peek() == '&' && Peek(1) == '&')) {
      *out = std::move(first);
      return Status::OK();
    }
    out->kind = FilterExpr::Kind::kAnd;
    out->children.push_back(std::move(first));
    while (Peek() == '&' && Peek(1) == '&') {
      pos_ += 2;
      FilterExpr next;
      SLUICE_RETURN_IF_ERROR(ParseUnary(&next));
      out->children.push_back(std::move(next));
      SkipSpaces();
    }
    return Status::OK();
  }

  Status ParseUnary(FilterExpr* out) {
    SkipSpaces();
    if (Peek() == '!' && Peek(1) != '=') {
      ++pos_;
      out->kind = FilterExpr::Kind::kNot;
      out->children.emplace_back();
      return ParseUnary(&out->children.back());
    }
    if (Peek() == '(') {
      ++pos_;
      SLUICE_RETURN_IF_ERROR(ParseOr(out));
      SkipSpaces();
      if (Peek() != ')') return Error("expected ')'");
      ++pos_;
      return Status::OK();
    }
    size_t lhs_at = pos_;
    SLUICE_RETURN_IF_ERROR(ParseOperand(&out->lhs));
    SkipSpaces();
    std::optional<FilterExpr::Op> op;
    char c0 = Peek(), c1 = Peek(1);
    if (c0 == '=' && c1 == '=') op = FilterExpr::Op::kEq, pos_ += 2;
    else if (c0 == '!' && c1 == '=') op = FilterExpr::Op::kNe, pos_ += 2;
    else if (c0 == '<' && c1 == '=') op = FilterExpr::Op::kLe, pos_ += 2;
    else if (c0 == '>' && c1 == '=') op = FilterExpr::Op::kGe, pos_ += 2;
    else if (c0 == '<') op = FilterExpr::Op::kLt, pos_ += 1;
    else if (c0 == '>') op = FilterExpr::Op::kGt, pos_ += 1;
    if (!op) {
      if (out->lhs.kind == FilterOperand::Kind::kLiteral) {
        return ErrorAt("expected a comparison after a literal", lhs_at);
      }
      out->kind = FilterExpr::Kind::kExists;
      return Status::OK();
    }
    out->kind = FilterExpr::Kind::kCompare;
    out->op = *op;
    SkipSpaces();
    return ParseOperand(&out->rhs);
  }

  Status ParseOperand(FilterOperand* out) {
    SkipSpaces();
    char c = Peek();
    if (c == '@' || c == '$') {
      ++pos_;
      out->kind = c == '@' ? FilterOperand::Kind::kCurrent : FilterOperand::Kind::kRoot;
      return ParseSteps(/*in_filter=*/true, /*definite_only=*/true, &out->steps);
    }
    out->kind = FilterOperand::Kind::kLiteral;
    if (c == '\'' || c == '"') {
      std::string s;
      SLUICE_RETURN_IF_ERROR(ParseQuoted(&s));
      out->literal = json::string(s);
      return Status::OK();
    }
    if (c == '-' || IsDigit(c)) {
      size_t start = pos_;
      if (c == '-') ++pos_;
      bool is_double = false;
      while (!AtEnd() && (IsDigit(Peek()) || Peek() == '.' || Peek() == 'e' || Peek() == 'E' ||
                          ((Peek() == '+' || Peek() == '-') &&
                           (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
        if (!IsDigit(Peek())) is_double = true;
        ++pos_;
      }
      std::string num(text_.substr(start, pos_ - start));
      try {
        size_t used = 0;
        if (is_double) {
          out->literal = std::stod(num, &used);
        } else {
          out->literal = static_cast<int64_t>(std::stoll(num, &used));
        }
        if (used != num.size()) return ErrorAt("invalid number", start);
      } catch (...) {
        return ErrorAt("invalid number", start);
      }
      return Status::OK();
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        if (word == "true") out->literal = true;
        else if (word == "false") out->literal = false;
        else out->literal = nullptr;
        return Status::OK();
      }
    }
    return Error("expected '@', '$' or a literal in filter");
  }

  // A quoted name: '…' or "…", backslash escapes the next character (\n, \t, \uXXXX are
  // decoded as in JSON).
  Status ParseQuoted(std::string* out) {
    char quote = Peek();
    size_t start = pos_;
    ++pos_;
    while (true) {
      if (AtEnd()) return ErrorAt("unterminated string", start);
      char c = text_[pos_++];
      if (c == quote) return Status::OK();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (AtEnd()) return ErrorAt("unterminated string", start);
      char e = text_[pos_++];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return ErrorAt("invalid \\u escape", pos_ - 2);
          unsigned cp = 0;
          for (int i = 0; i < 4; ++i) {
            char h = text_[pos_++];
            cp <<= 4;
            if (IsDigit(h)) cp |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
            else return ErrorAt("invalid \\u escape", pos_ - 1);
          }
          if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          break;
        }
        default: out->push_back(e); break;  // \' \" \\ \/ and anything else: literal
      }
    }
  }

  // An optionally signed integer; nullopt when there is none at the cursor.
  Result<std::optional<int64_t>> ParseInt() {
    SkipSpaces();
    size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (!IsDigit(Peek())) {
      pos_ = start;
      return std::optional<int64_t>();
    }
    while (IsDigit(Peek())) ++pos_;
    try {
      int64_t v = std::stoll(std::string(text_.substr(start, pos_ - start)));
      SkipSpaces();
      return std::optional<int64_t>(v);
    } catch (...) {
      return ErrorAt("integer out of range", start);
    }
  }

  Status ParseBracket(bool definite_only, std::vector<Step>* steps) {
    size_t open = pos_;
    ++pos_;  // '['
    SkipSpaces();
    if (AtEnd()) return ErrorAt("unterminated '['", open);
    Step step;
    char c = Peek();
    if (c == '*') {
      if (definite_only) return Error("a wildcard is not allowed here");
      ++pos_;
      step.kind = Step::Kind::kWildcard;
    } else if (c == '?') {
      if (definite_only) return Error("a filter is not allowed here");
      ++pos_;
      SkipSpaces();
      if (Peek() != '(') return Error("expected '(' after '?'");
      ++pos_;
      auto filter = std::make_shared<FilterExpr>();
      SLUICE_RETURN_IF_ERROR(ParseOr(filter.get()));
      SkipSpaces();
      if (Peek() != ')') {
        if (AtEnd()) return ErrorAt("unterminated '['", open);
        return Error("expected ')' closing the filter");
      }
      ++pos_;
      step.kind = Step::Kind::kFilter;
      step.filter = std::move(filter);
    } else if (c == '\'' || c == '"') {
      std::vector<std::string> names;
      while (true) {
        SkipSpaces();
        if (Peek() != '\'' && Peek() != '"') return Error("expected a quoted name");
        std::string name;
        SLUICE_RETURN_IF_ERROR(ParseQuoted(&name));
        names.push_back(std::move(name));
        SkipSpaces();
        if (Peek() != ',') break;
        ++pos_;
      }
      if (names.size() == 1) {
        step.kind = Step::Kind::kName;
        step.name = std::move(names[0]);
      } else {
        if (definite_only) return ErrorAt("a union is not allowed here", open);
        step.kind = Step::Kind::kNames;
        step.names = std::move(names);
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> first, ParseInt());
      if (Peek() == ':') {
        if (definite_only) return ErrorAt("a slice is not allowed here", open);
        step.kind = Step::Kind::kSlice;
        step.start = first;
        ++pos_;
        SLUICE_ASSIGN_OR_RETURN(step.end, ParseInt());
        if (Peek() == ':') {
          ++pos_;
          SkipSpaces();
          size_t by_at = pos_;
          SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> by, ParseInt());
          if (by) {
            if (*by == 0) return ErrorAt("slice step must not be 0", by_at);
            step.step = *by;
          }
        }
      } else if (!first) {
        if (AtEnd()) return ErrorAt("unterminated '['", open);
        return Error(std::string("unexpected '") + Peek() + "' in brackets");
      } else if (Peek() == ',') {
        if (definite_only) return ErrorAt("a union is not allowed here", open);
        step.kind = Step::Kind::kIndexes;
        step.indexes.push_back(*first);
        while (Peek() == ',') {
          ++pos_;
          SLUICE_ASSIGN_OR_RETURN(std::optional<int64_t> next, ParseInt());
          if (!next) return Error("expected an index");
          step.indexes.push_back(*next);
        }
      } else {
        step.kind = Step::Kind::kIndex;
        step.index = *first;
      }
    }
    SkipSpaces();
    if (AtEnd()) return ErrorAt("unterminated '['", open);
    if (Peek() != ']') return Error(std::string("expected ']' but found '") + Peek() + "'");
    ++pos_;
    steps->push_back(std::move(step));
    return Status::OK();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// Evaluation

const json::value* SelectDefinite(const Step& step, const json::value& node) {
  if (step.kind == Step::Kind::kName) {
    const json::object* o = node.if_object();
    return o == nullptr ? nullptr : o->if_contains(step.name);
  }
  // kIndex
  const json::array* a = node.if_array();
  if (a == nullptr) return nullptr;
  int64_t i = step.index < 0 ? step.index + static_cast<int64_t>(a->size()) : step.index;
  if (i < 0 || i >= static_cast<int64_t>(a->size())) return nullptr;
  return &(*a)[static_cast<size_t>(i)];
}

const json::value* WalkDefinite(const std::vector<Step>& steps, const json::value* node) {
  for (const Step& step : steps) {
    node = SelectDefinite(step, *node);
    if (node == nullptr) return nullptr;
  }
  return node;
}

bool EvalFilter(const FilterExpr& e, const json::value& current, const json::value& root);

const json::value* OperandValue(const FilterOperand& op, const json::value& current,
                                const json::value& root) {
  switch (op.kind) {
    case FilterOperand::Kind::kCurrent: return WalkDefinite(op.steps, &current);
    case FilterOperand::Kind::kRoot: return WalkDefinite(op.steps, &root);
    case FilterOperand::Kind::kLiteral: return &op.literal;
  }
  return nullptr;
}

bool EvalFilter(const FilterExpr& e, const json::value& current, const json::value& root) {
  switch (e.kind) {
    case FilterExpr::Kind::kOr:
      for (const auto& c : e.children) {
        if (EvalFilter(c, current, root)) return true;
      }
      return false;
    case FilterExpr::Kind::kAnd:
      for (const auto& c : e.children) {
        if (!EvalFilter(c, current, root)) return false;
      }
      return true;
    case FilterExpr::Kind::kNot:
      return !EvalFilter(e.children[0], current, root);
    case FilterExpr::Kind::kExists:
      return OperandValue(e.lhs, current, root) != nullptr;
    case FilterExpr::Kind::kCompare: {
      const json::value* a = OperandValue(e.lhs, current, root);
      const json::value* b = OperandValue(e.rhs, current, root);
      if (e.op == FilterExpr::Op::kEq) return a && b && JsonEquals(*a, *b);
      if (e.op == FilterExpr::Op::kNe) return !(a && b && JsonEquals(*a, *b));
      if (!a || !b) return false;
      int cmp;
      if (a->is_number() && b->is_number()) {
        cmp = NumberCompare(*a, *b);
      } else if (a->is_string() && b->is_string()) {
        int c = a->get_string().compare(b->get_string());
        cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
      } else {
        return false;
      }
      switch (e.op) {
        case FilterExpr::Op::kLt: return cmp < 0;
        case FilterExpr::Op::kLe: return cmp <= 0;
        case FilterExpr::Op::kGt: return cmp > 0;
        case FilterExpr::Op::kGe: return cmp >= 0;
        default: return false;
      }
    }
  }
  return false;
}

// Appends what `step`'s selector (ignoring `descend`) picks from `node`.
void Select(const Step& step, const json::value& node, const json::value& root,
            std::vector<const json::value*>* out) {
  switch (step.kind) {
    case Step::Kind::kName:
    case Step::Kind::kIndex:
      if (const json::value* v = SelectDefinite(step, node)) out->push_back(v);
      return;
    case Step::Kind::kWildcard:
      if (const json::object* o = node.if_object()) {
        for (const auto& kv : *o) out->push_back(&kv.value());
      } else if (const json::array* a = node.if_array()) {
        for (const auto& v : *a) out->push_back(&v);
      }
      return;
    case Step::Kind::kNames:
      if (const json::object* o = node.if_object()) {
        for (const auto& name : step.names) {
          if (const json::value* v = o->if_contains(name)) out->push_back(v);
        }
      }
      return;
    case Step::Kind::kIndexes:
      if (node.is_array()) {
        Step one;
        one.kind = Step::Kind::kIndex;
        for (int64_t i : step.indexes) {
          one.index = i;
          if (const json::value* v = SelectDefinite(one, node)) out->push_back(v);
        }
      }
      return;
    case Step::Kind::kSlice: {
      const json::array* a = node.if_array();
      if (a == nullptr) return;
      // Python slice semantics.
      const int64_t n = static_cast<int64_t>(a->size());
      const int64_t by = step.step;
      auto norm = [n](int64_t i, int64_t lo, int64_t hi) {
        if (i < 0) i += n;
        return std::clamp(i, lo, hi);
      };
      if (by > 0) {
        int64_t from = step.start ? norm(*step.start, 0, n) : 0;
        int64_t to = step.end ? norm(*step.end, 0, n) : n;
        for (int64_t i = from; i < to; i += by) out->push_back(&(*a)[static_cast<size_t>(i)]);
      } else {
        int64_t from = step.start ? norm(*step.start, -1, n - 1) : n - 1;
        int64_t to = step.end ? norm(*step.end, -1, n - 1) : -1;
        for (int64_t i = from; i > to; i += by) out->push_back(&(*a)[static_cast<size_t>(i)]);
      }
      return;
    }
    case Step::Kind::kFilter:
      // As Jayway: an array filters its elements, an object tests itself.
      if (const json::array* a = node.if_array()) {
        for (const auto& v : *a) {
          if (EvalFilter(*step.filter, v, root)) out->push_back(&v);
        }
      } else if (node.is_object()) {
        if (EvalFilter(*step.filter, node, root)) out->push_back(&node);
      }
      return;
  }
}

void SelectDescending(const Step& step, const json::value& node, const json::value& root,
                      std::vector<const json::value*>* out) {
  Select(step, node, root, out);
  if (const json::object* o = node.if_object()) {
    for (const auto& kv : *o) SelectDescending(step, kv.value(), root, out);
  } else if (const json::array* a = node.if_array()) {
    for (const auto& v : *a) SelectDescending(step, v, root, out);
  }
}

}  // namespace

struct JsonPath::Impl {
  std::string text;
  Root root = Root::kInput;
  std::string variable;
  std::vector<Step> steps;
  bool definite = true;   // names and single indexes only
  bool reference = true;  // definite and no negative index
};

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  auto impl = std::make_shared<Impl>();
  impl->text = std::string(text);
  PathParser parser(text);
  if (text.empty() || text[0] != '$') {
    return parser.ErrorAt("a path must start with '$'", 0);
  }
  size_t body = 1;
  if (text.size() > 1 && text[1] == '$') {
    impl->root = Root::kContext;
    body = 2;
  } else if (text.size() > 1 && IsVariableStart(text[1])) {
    impl->root = Root::kVariable;
    while (body < text.size() && IsVariableChar(text[body])) ++body;
    impl->variable = std::string(text.substr(1, body - 1));
  }
  if (body < text.size() && text[body] != '.' && text[body] != '[') {
    return parser.ErrorAt(std::string("unexpected '") + text[body] + "' after the root", body);
  }
  PathParser steps_parser(text, body);
  SLUICE_RETURN_IF_ERROR(
      steps_parser.ParseSteps(/*in_filter=*/false, /*definite_only=*/false, &impl->steps));
  for (const Step& s : impl->steps) {
    bool definite = !s.descend && (s.kind == Step::Kind::kName || s.kind == Step::Kind::kIndex);
    if (!definite) impl->definite = false;
    if (!definite || (s.kind == Step::Kind::kIndex && s.index < 0)) impl->reference = false;
  }
  return JsonPath(std::move(impl));
}

const std::string& JsonPath::text() const { return impl_->text; }
JsonPath::Root JsonPath::root() const { return impl_->root; }
const std::string& JsonPath::variable() const { return impl_->variable; }
bool JsonPath::is_reference() const { return impl_->reference; }
bool JsonPath::is_root_only() const { return impl_->steps.empty(); }

const json::value* JsonPath::Find(const json::value& document) const {
  if (!impl_->definite) return nullptr;
  return WalkDefinite(impl_->steps, &document);
}

Result<json::value> JsonPath::Evaluate(const json::value& document,
                                       std::string_view field) const {
  if (impl_->definite) {
    const json::value* found = WalkDefinite(impl_->steps, &document);
    if (found == nullptr) {
      return StatesError(kStatesRuntime, "The JSONPath '" + impl_->text +
                                             "' specified for the field '" + std::string(field) +
                                             "' could not be found in the input '" +
                                             common::SerializeJson(document) + "'");
    }
    return *found;
  }
  std::vector<const json::value*> current{&document};
  std::vector<const json::value*> next;
  for (const Step& step : impl_->steps) {
    next.clear();
    for (const json::value* node : current) {
      if (step.descend) {
        SelectDescending(step, *node, document, &next);
      } else {
        Select(step, *node, document, &next);
      }
    }
    current.swap(next);
    if (current.empty()) break;
  }
  json::array out;
  out.reserve(current.size());
  for (const json::value* v : current) out.push_back(*v);
  return json::value(std::move(out));
}

Status JsonPath::Assign(json::value& document, json::value value) const {
  SLUICE_DCHECK(impl_->reference);
  auto failure = [&] {
    return StatesError(kStatesResultPathMatchFailure,
                       "Unable to apply ResultPath \"" + impl_->text + "\" to input \"" +
                           common::SerializeJson(document) + "\"");
  };
  const auto& steps = impl_->steps;
  if (steps.empty()) {
    document = std::move(value);
    return Status::OK();
  }
  // Check first, so a failure leaves the document (and the message) untouched.
  const json::value* node = &document;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (node == nullptr) {
      // Below a name that will be created: only names can follow.
      if (s.kind != Step::Kind::kName) return failure();
      continue;
    }
    if (s.kind == Step::Kind::kName) {
      const json::object* o = node->if_object();
      if (o == nullptr) return failure();
      node = o->if_contains(s.name);
    } else {
      const json::array* a = node->if_array();
      if (a == nullptr || s.index < 0 || s.index >= static_cast<int64_t>(a->size())) {
        return failure();
      }
      node = &(*a)[static_cast<size_t>(s.index)];
    }
  }
  json::value* target = &document;
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::kName) {
      if (!target->is_object()) *target = json::object();
      target = &target->get_object()[s.name];
    } else {
      target = &target->get_array()[static_cast<size_t>(s.index)];
    }
  }
  *target = std::move(value);
  return Status::OK();
}

}  // namespace sluice::asl
