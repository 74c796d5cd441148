#include "sluice/warehouse/sql_refs_internal.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice::warehouse {
namespace {

struct Token {
  enum class Kind { kWord, kQuoted, kPunct, kLiteral };
  Kind kind;
  std::string text;  // words folded to lower case; quoted identifiers unquoted; punctuation
  size_t begin;
  size_t end;
  int line;
};

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsWordChar(char c) {
  return IsWordStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view sql) : sql_(sql) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (pos_ < sql_.size()) {
      char c = sql_[pos_];
      size_t begin = pos_;
      int line = line_;
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '-' && Peek(1) == '-') {
        while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
      } else if (c == '/' && Peek(1) == '*') {
        SLUICE_RETURN_IF_ERROR(SkipBlockComment());
      } else if (c == '\'') {
        SLUICE_RETURN_IF_ERROR(SkipQuoted('\'', false, "string literal"));
        tokens.push_back({Token::Kind::kLiteral, "", begin, pos_, line});
      } else if ((c == 'e' || c == 'E') && Peek(1) == '\'') {
        ++pos_;
        SLUICE_RETURN_IF_ERROR(SkipQuoted('\'', true, "string literal"));
        tokens.push_back({Token::Kind::kLiteral, "", begin, pos_, line});
      } else if (c == '"' || c == '`' || c == '[') {
        char close = c == '[' ? ']' : c;
        SLUICE_RETURN_IF_ERROR(SkipQuoted(close, false, "quoted identifier"));
        std::string name;
        for (size_t i = begin + 1; i + 1 < pos_; ++i) {
          name += sql_[i];
          if (sql_[i] == close && close != ']') ++i;  // a doubled quote stands for one
        }
        tokens.push_back({Token::Kind::kQuoted, name, begin, pos_, line});
      } else if (c == '$' && DollarTag()) {
        SLUICE_RETURN_IF_ERROR(SkipDollarQuoted());
        tokens.push_back({Token::Kind::kLiteral, "", begin, pos_, line});
      } else if (IsWordStart(c)) {
        while (pos_ < sql_.size() && IsWordChar(sql_[pos_])) ++pos_;
        tokens.push_back(
            {Token::Kind::kWord, Lower(sql_.substr(begin, pos_ - begin)), begin, pos_, line});
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '$' || c == '?' || c == ':' ||
                 c == '@') {
        // Numbers and parameters ($1, ?1, :name): one literal token.
        ++pos_;
        while (pos_ < sql_.size() && (IsWordChar(sql_[pos_]) || sql_[pos_] == '.')) ++pos_;
        tokens.push_back({Token::Kind::kLiteral, "", begin, pos_, line});
      } else {
        ++pos_;
        tokens.push_back({Token::Kind::kPunct, std::string(1, c), begin, pos_, line});
      }
    }
    return tokens;
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < sql_.size() ? sql_[pos_ + ahead] : '\0'; }

  Status Unterminated(int line, std::string_view what) const {
    return Status::InvalidArgument("line " + std::to_string(line) + ": unterminated " +
                                   std::string(what));
  }

  // At an opening quote: moves past the closing one. A doubled closing quote is part of
  // the text; with `backslash`, so is any character after a backslash (E'…').
  Status SkipQuoted(char close, bool backslash, std::string_view what) {
    int line = line_;
    ++pos_;
    while (pos_ < sql_.size()) {
      char c = sql_[pos_];
      if (c == '\n') ++line_;
      if (backslash && c == '\\') {
        pos_ += 2;
        continue;
      }
      ++pos_;
      if (c == close) {
        if (close != ']' && Peek(0) == close) {
          ++pos_;
          continue;
        }
        return Status::OK();
      }
    }
    return Unterminated(line, what);
  }

  Status SkipBlockComment() {
    int line = line_;
    int depth = 0;
    while (pos_ < sql_.size()) {
      if (sql_[pos_] == '/' && Peek(1) == '*') {
        ++depth;
        pos_ += 2;
      } else if (sql_[pos_] == '*' && Peek(1) == '/') {
        pos_ += 2;
        if (--depth == 0) return Status::OK();
      } else {
        if (sql_[pos_] == '\n') ++line_;
        ++pos_;
      }
    }
    return Unterminated(line, "/* comment");
  }

  // At '$': true when a PostgreSQL dollar-quote tag ($$ or $tag$) starts here.
  bool DollarTag() {
    size_t i = pos_ + 1;
    while (i < sql_.size() && sql_[i] != '$') {
      if (!IsWordStart(sql_[i]) &&
          !(i > pos_ + 1 && std::isdigit(static_cast<unsigned char>(sql_[i])))) {
        return false;
      }
      ++i;
    }
    if (i >= sql_.size()) return false;
    tag_ = std::string(sql_.substr(pos_, i + 1 - pos_));
    return true;
  }

  Status SkipDollarQuoted() {
    int line = line_;
    size_t close = sql_.find(tag_, pos_ + tag_.size());
    if (close == std::string_view::npos) return Unterminated(line, "dollar-quoted string");
    line_ += static_cast<int>(std::count(sql_.begin() + static_cast<long>(pos_),
                                         sql_.begin() + static_cast<long>(close), '\n'));
    pos_ = close + tag_.size();
    return Status::OK();
  }

  std::string_view sql_;
  size_t pos_ = 0;
  int line_ = 1;
  std::string tag_;
};

// Words that can follow a FROM item and are not its alias.
bool EndsFromItem(const Token& t) {
  static constexpr std::array<std::string_view, 38> kWords = {
      "where",   "join",        "inner",  "left",  "right",  "full",      "cross",  "natural",
      "on",      "using",       "group",  "order", "having", "limit",     "offset", "union",
      "except",  "intersect",   "window", "fetch", "for",    "returning", "set",    "values",
      "lateral", "and",         "or",     "not",   "outer",  "select",    "from",   "as",
      "qualify", "tablesample", "with",   "when",  "then",   "end"};
  return std::find(kWords.begin(), kWords.end(), t.text) != kWords.end();
}

bool IsName(const Token& t) {
  return t.kind == Token::Kind::kWord || t.kind == Token::Kind::kQuoted;
}
bool IsPunct(const Token& t, char c) { return t.kind == Token::Kind::kPunct && t.text[0] == c; }

}  // namespace

Result<std::vector<SqlTableRef>> FindTableRefs(std::string_view sql) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenizer(sql).Run());
  std::vector<SqlTableRef> refs;
  for (size_t i = 0; i + 2 < tokens.size(); ++i) {
    const Token& layer = tokens[i];
    if (!IsName(layer) || !IsPunct(tokens[i + 1], '.') || !IsName(tokens[i + 2])) continue;
    if (std::find(kLayers.begin(), kLayers.end(), layer.text) == kLayers.end()) continue;
    if (i > 0 && IsPunct(tokens[i - 1], '.')) continue;  // db.silver.x: not ours
    const Token& name = tokens[i + 2];
    auto table = ParseTableName(layer.text + "." + name.text);
    if (!table.ok()) continue;  // not a name a warehouse table can have
    size_t next = i + 3;
    if (next < tokens.size() && IsPunct(tokens[next], '(')) continue;  // a function call
    SqlTableRef ref;
    ref.table = std::move(*table);
    ref.begin = layer.begin;
    ref.end = name.end;
    ref.alias_end = name.end;
    ref.line = layer.line;
    if (next < tokens.size() && IsPunct(tokens[next], '.')) {
      ref.qualifies_column = true;
    } else if (next < tokens.size()) {
      size_t alias = next;
      bool has_as = tokens[next].kind == Token::Kind::kWord && tokens[next].text == "as";
      if (has_as) ++alias;
      if (alias < tokens.size() && IsName(tokens[alias]) &&
          (has_as || tokens[alias].kind == Token::Kind::kQuoted || !EndsFromItem(tokens[alias]))) {
        ref.alias =
            std::string(sql.substr(tokens[alias].begin, tokens[alias].end - tokens[alias].begin));
        ref.alias_end = tokens[alias].end;
      }
    }
    refs.push_back(std::move(ref));
    i += 2;
  }
  return refs;
}

Result<std::string> SingleStatement(std::string_view sql) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenizer(sql).Run());
  size_t last = tokens.size();
  while (last > 0 && IsPunct(tokens[last - 1], ';')) --last;
  if (last == 0) return Status::InvalidArgument("line 1: expected a SELECT statement, found none");
  for (size_t i = 0; i < last; ++i) {
    if (IsPunct(tokens[i], ';')) {
      return Status::InvalidArgument("line " + std::to_string(tokens[i].line) +
                                     ": expected one SELECT statement, found a second after ';'");
    }
  }
  const Token& first = tokens[0];
  bool select = first.kind == Token::Kind::kWord &&
                (first.text == "select" || first.text == "with" || first.text == "values");
  if (!select && !IsPunct(first, '(')) {
    return Status::InvalidArgument(
        "line " + std::to_string(first.line) +
        ": expected a SELECT statement (SELECT, WITH or VALUES), found \"" +
        std::string(sql.substr(first.begin, first.end - first.begin)) + "\"");
  }
  // Keep comments after the last token out: a trailing `-- …` would swallow what a caller
  // appends (`) AS x`).
  return std::string(sql.substr(0, tokens[last - 1].end));
}

Result<std::string> SqlTokensText(std::string_view sql) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenizer(sql).Run());
  std::string out;
  for (const Token& t : tokens) {
    if (!out.empty()) out += ' ';
    out.append(sql.substr(t.begin, t.end - t.begin));
  }
  return out;
}

std::string RewriteTableRefs(
    std::string_view sql, const std::vector<SqlTableRef>& refs,
    const std::function<std::optional<std::string>(const SqlTableRef&)>& replacement) {
  std::string out;
  size_t copied = 0;
  for (const SqlTableRef& ref : refs) {
    std::optional<std::string> text = replacement(ref);
    if (!text) continue;
    out.append(sql.substr(copied, ref.begin - copied));
    if (ref.qualifies_column) {
      // silver.orders.amount: the FROM item is now aliased by the table's name.
      out += QuoteIdentifier(ref.table.name);
      copied = ref.end;
      continue;
    }
    out += *text;
    out += " AS ";
    out += ref.alias.empty() ? QuoteIdentifier(ref.table.name) : ref.alias;
    copied = ref.alias_end;
  }
  out.append(sql.substr(copied));
  return out;
}

}  // namespace sluice::warehouse
