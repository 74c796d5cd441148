#pragma once

// JSONata regular expressions (`/pattern/flags`) run on RE2: linear time in the subject, so
// no user pattern can backtrack catastrophically. The JavaScript syntax is translated:
// flags i and m become (?i) and (?m); `\uXXXX` and `\u{X…}` become `\x{…}`; named groups
// `(?<n>…)` become `(?P<n>…)`; `[^]` (any character) becomes `[\s\S]`. What RE2 cannot
// express — lookahead `(?=`/`(?!`, lookbehind, backreferences `\1` — fails at compile time
// with S0303 naming the construct (docs/jsonata.md lists the differences). Offsets are
// UTF-8 byte offsets. A compiled Regex is immutable and thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace sluice::jsonata {

class Regex {
 public:
  struct Match {
    size_t start = 0;  // byte offsets into the subject
    size_t end = 0;
    std::vector<std::optional<std::string>> groups;  // capture groups 1..n
  };

  Regex(std::string source, std::unique_ptr<re2::RE2> re);
  ~Regex();

  // The first match starting at or after byte `from`, or nullopt.
  std::optional<Match> Find(std::string_view subject, size_t from) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::unique_ptr<re2::RE2> re_;
};

// Translates and compiles a JavaScript regex. Throws JsonataException S0303 when RE2 cannot
// express it (position: where the regex literal ends).
std::shared_ptr<const Regex> CompileJsRegex(const std::string& pattern, const std::string& flags,
                                            int position);

}  // namespace sluice::jsonata
