#include <re2/re2.h>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/regex_internal.h"

namespace sluice::jsonata {
namespace {

[[noreturn]] void Unsupported(const std::string& pattern, const std::string& what, int position) {
  JsonataException e;
  e.code = "S0303";
  e.position = position;
  e.value = Value::String(pattern);
  e.detail = what;
  throw e;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// JavaScript regex syntax → RE2 syntax.
std::string Translate(const std::string& p, int position) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      if (n >= '1' && n <= '9' && !in_class) {
        Unsupported(p, "backreference \\" + std::string(1, n), position);
      }
      if (n == 'u' && i + 2 < p.size() && p[i + 2] == '{') {
        size_t close = p.find('}', i + 3);
        if (close != std::string::npos) {
          out += "\\x{" + p.substr(i + 3, close - i - 3) + "}";
          i = close;
          continue;
        }
      }
      if (n == 'u' && i + 5 < p.size() + 0 && IsHex(p[i + 2]) && IsHex(p[i + 3]) &&
          IsHex(p[i + 4]) && IsHex(p[i + 5])) {
        out += "\\x{" + p.substr(i + 2, 4) + "}";
        i += 5;
        continue;
      }
      if (n == '/') {
        out += "/";
        ++i;
        continue;
      }
      if (n == 'd' || n == 'D' || n == 'w' || n == 'W' || n == 's' || n == 'S' || n == 'b' ||
          n == 'B' || n == 'n' || n == 'r' || n == 't' || n == 'f' || n == 'v' || n == 'x' ||
          n == '0' || !std::isalnum(static_cast<unsigned char>(n))) {
        if (n == '0') {
          out += "\\x00";
        } else if (n == 'v') {
          out += "\\x0b";
        } else {
          out.push_back(c);
          out.push_back(n);
        }
        ++i;
        continue;
      }
      // An identity escape of a letter (\e, \q …) is the letter itself in JavaScript.
      out.push_back(n);
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') {
      if (p.compare(i, 3, "[^]") == 0) {
        out += "[\\s\\S]";
        i += 2;
        continue;
      }
      in_class = true;
      out.push_back(c);
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') {
        out += "\\]";
        ++i;
      }
      continue;
    }
    if (c == '(' && i + 2 < p.size() && p[i + 1] == '?') {
      char k = p[i + 2];
      if (k == '=' || k == '!') Unsupported(p, std::string("lookahead (?") + k, position);
      if (k == '<' && i + 3 < p.size() && (p[i + 3] == '=' || p[i + 3] == '!')) {
        Unsupported(p, std::string("lookbehind (?<") + p[i + 3], position);
      }
      if (k == '<') {
        out += "(?P<";
        i += 2;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

Regex::Regex(std::string source, std::unique_ptr<re2::RE2> re)
    : source_(std::move(source)), re_(std::move(re)) {}
Regex::~Regex() = default;

std::optional<Regex::Match> Regex::Find(std::string_view subject, size_t from) const {
  int ngroups = re_->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> subs(ngroups + 1);
  if (from > subject.size()) return std::nullopt;
  if (!re_->Match(re2::StringPiece(subject.data(), subject.size()), from, subject.size(),
                  re2::RE2::UNANCHORED, subs.data(), ngroups + 1)) {
    return std::nullopt;
  }
  Match m;
  m.start = subs[0].data() - subject.data();
  m.end = m.start + subs[0].size();
  for (int g = 1; g <= ngroups; ++g) {
    if (subs[g].data() == nullptr) {
      m.groups.emplace_back(std::nullopt);
    } else {
      m.groups.emplace_back(std::string(subs[g].data(), subs[g].size()));
    }
  }
  return m;
}

std::shared_ptr<const Regex> CompileJsRegex(const std::string& pattern, const std::string& flags,
                                            int position) {
  std::string translated = Translate(pattern, position);
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(flags.find('i') == std::string::npos);
  if (flags.find('m') != std::string::npos) translated = "(?m)" + translated;
  auto re = std::make_unique<re2::RE2>(translated, options);
  if (!re->ok()) Unsupported(pattern, re->error(), position);
  return std::make_shared<Regex>(pattern, std::move(re));
}

}  // namespace sluice::jsonata
