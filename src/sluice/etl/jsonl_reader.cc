#include "sluice/etl/jsonl_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "sluice/etl/read_buffer_internal.h"
#include "sluice/etl/utf8.h"

namespace sluice::etl {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kInitialBuffer = kReadBufferInitial;
constexpr size_t kRawPrefix = 4096;
constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr size_t kMaxDepth = 1024;  // nested objects and arrays, the line's object included
constexpr uint32_t kMaxIndex = 2147483647;
constexpr uint32_t kNone = UINT32_MAX;
// Above this many names a trie node looks keys up in a hash table, not by a linear scan.
constexpr size_t kLinearKeys = 8;

std::string Printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}

// A token for an error message: printable, at most 16 bytes of it.
std::string Excerpt(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 16; ++i) out += Printable(s[i]);
  if (s.size() > 16) out += "...";
  return out;
}


bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// True when `c` is one of the (NUL-free) characters of `set`.
bool IsOneOf(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i == n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    size_t d = ++i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == d) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t d = i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == d) return false;
  }
  return i == n;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at `p` (before `limit`) as a number, or -1.
int32_t Hex4(const char* p, const char* limit) {
  if (limit - p < 4) return -1;
  int32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    int d = HexDigit(p[k]);
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Where and why a string is malformed.
struct StringError {
  const char* at = nullptr;
  std::string what;
};

// Reads a JSON string from `p`, just after its opening quote at `open`, to its closing quote
// (not looking at or past `limit`), decoding escapes into `out` when not null. Returns the
// position of the closing quote, or nullptr with `error` set.
const char* ScanString(const char* open, const char* p, const char* limit, std::string* out,
                       StringError* error) {
  for (;;) {
    const char* run = p;
    while (p < limit) {
      auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20) break;
      ++p;
    }
    if (out) out->append(run, static_cast<size_t>(p - run));
    if (p == limit) {
      *error = {open, "unterminated string"};
      return nullptr;
    }
    char c = *p;
    if (c == '"') return p;
    if (c != '\\') {
      *error = {p, "unescaped control character " + Printable(c) + " in a string"};
      return nullptr;
    }
    if (p + 1 == limit) {
      *error = {open, "unterminated string"};
      return nullptr;
    }
    char e = p[1];
    char decoded;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        decoded = e;
        break;
      case 'b':
        decoded = '\b';
        break;
      case 'f':
        decoded = '\f';
        break;
      case 'n':
        decoded = '\n';
        break;
      case 'r':
        decoded = '\r';
        break;
      case 't':
        decoded = '\t';
        break;
      case 'u': {
        int32_t cp = Hex4(p + 2, limit);
        if (cp < 0) {
          *error = {p, "invalid \\u escape '" + Excerpt({p, std::min<size_t>(6, limit - p)}) +
                           "' in a string"};
          return nullptr;
        }
        const char* escape = p;
        p += 6;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          int32_t low = limit - p >= 2 && p[0] == '\\' && p[1] == 'u' ? Hex4(p + 2, limit) : -1;
          if (low < 0xdc00 || low > 0xdfff) {
            *error = {escape, "unpaired surrogate '" + std::string(escape, 6) + "' in a string"};
            return nullptr;
          }
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
          *error = {escape, "unpaired surrogate '" + std::string(escape, 6) + "' in a string"};
          return nullptr;
        }
        if (out) AppendUtf8(static_cast<uint32_t>(cp), out);
        continue;
      }
      default:
        *error = {p, "invalid escape '\\" + Printable(e) + "' in a string"};
        return nullptr;
    }
    if (out) out->push_back(decoded);
    p += 2;
  }
}

// Appends the container starting at `p` ('{' or '[', already validated) to `out` without the
// whitespace outside its strings.
void AppendMinified(const char* p, const char* limit, std::string* out) {
  size_t depth = 0;
  while (p < limit) {
    const char* run = p;
    while (p < limit && !IsSpace(*p) && *p != '"' && *p != '{' && *p != '[' && *p != '}' &&
           *p != ']') {
      ++p;
    }
    out->append(run, static_cast<size_t>(p - run));
    if (p == limit) return;
    char c = *p;
    if (IsSpace(c)) {
      ++p;
    } else if (c == '"') {
      const char* s = p++;
      while (p < limit && *p != '"') p += *p == '\\' ? 2 : 1;
      p = std::min(p + 1, limit);
      out->append(s, static_cast<size_t>(p - s));
    } else {
      out->push_back(c);
      ++p;
      if (c == '{' || c == '[') {
        ++depth;
      } else if (--depth == 0) {
        return;
      }
    }
  }
}

// Checks a whole line as one JSON text (of any kind) with a plain scalar parser, to say
// precisely what is wrong with a line the fast path rejected. Returns "" when the text is
// valid JSON.
class JsonExplainer {
 public:
  explicit JsonExplainer(std::string_view s) : s_(s.data()), n_(s.size()) {}

  std::string Check() {
    size_t bad = FindInvalidUtf8({s_, n_});
    if (bad != std::string_view::npos) return "invalid UTF-8 at byte " + std::to_string(bad);
    enum State { kValue, kFirstKey, kKey, kAfterValue } state = kValue;
    std::vector<char> stack;
    char root = 0;
    for (;;) {
      SkipSpace();
      switch (state) {
        case kFirstKey:
          if (i_ < n_ && s_[i_] == '}') {
            ++i_;
            stack.pop_back();
            state = kAfterValue;
            break;
          }
          [[fallthrough]];
        case kKey: {
          if (i_ == n_ || s_[i_] != '"') {
            return Expected(state == kFirstKey ? "a key in quotes or '}'" : "a key in quotes");
          }
          if (!String()) return error_;
          SkipSpace();
          if (i_ == n_ || s_[i_] != ':') return Expected("':' after the key");
          ++i_;
          state = kValue;
          break;
        }
        case kValue: {
          if (i_ == n_) return Expected("a value");
          char c = s_[i_];
          if (root == 0) root = c;
          if (c == '{' || c == '[') {
            if (stack.size() >= kMaxDepth) {
              return Fail(i_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
            }
            stack.push_back(c);
            ++i_;
            state = kFirstKey;
            if (c == '[') {
              SkipSpace();
              state = kValue;
              if (i_ < n_ && s_[i_] == ']') {
                ++i_;
                stack.pop_back();
                state = kAfterValue;
              }
            }
            break;
          }
          if (c == '"') {
            if (!String()) return error_;
            state = kAfterValue;
            break;
          }
          size_t start = i_;
          while (i_ < n_ && !IsSpace(s_[i_]) && !IsOneOf(s_[i_], ",:[]{}\"")) ++i_;
          std::string_view token(s_ + start, i_ - start);
          if (c == '-' || IsDigit(c)) {
            if (!IsJsonNumber(token)) return Fail(start, "invalid number '" + Excerpt(token) + "'");
          } else if (token != "true" && token != "false" && token != "null") {
            if (c == 't' || c == 'f' || c == 'n') {
              return Fail(start, "invalid literal '" + Excerpt(token) + "'");
            }
            i_ = start;
            return Expected("a value");
          }
          state = kAfterValue;
          break;
        }
        case kAfterValue:
          if (stack.empty()) {
            if (i_ == n_) return "";
            return Fail(i_, "unexpected '" + Printable(s_[i_]) + "' after the " +
                                (root == '{'   ? "object"
                                 : root == '[' ? "array"
                                               : "value"));
          }
          if (stack.back() == '{') {
            if (i_ < n_ && s_[i_] == ',') {
              state = kKey;
            } else if (i_ < n_ && s_[i_] == '}') {
              stack.pop_back();
            } else {
              return Expected("',' or '}'");
            }
          } else {
            if (i_ < n_ && s_[i_] == ',') {
              state = kValue;
            } else if (i_ < n_ && s_[i_] == ']') {
              stack.pop_back();
            } else {
              return Expected("',' or ']'");
            }
          }
          ++i_;
          break;
      }
    }
  }

 private:
  void SkipSpace() {
    while (i_ < n_ && IsSpace(s_[i_])) ++i_;
  }
  std::string Fail(size_t at, const std::string& what) {
    return "invalid JSON at byte " + std::to_string(at) + ": " + what;
  }
  std::string Expected(const std::string& what) {
    return Fail(i_, "expected " + what + ", got " +
                        (i_ < n_ ? "'" + Printable(s_[i_]) + "'" : "the end of the line"));
  }
  bool String() {
    StringError error;
    const char* close = ScanString(s_ + i_, s_ + i_ + 1, s_ + n_, nullptr, &error);
    if (close == nullptr) {
      error_ = Fail(static_cast<size_t>(error.at - s_), error.what);
      return false;
    }
    i_ = static_cast<size_t>(close - s_) + 1;
    return true;
  }

  const char* s_;
  size_t n_;
  size_t i_ = 0;
  std::string error_;
};

// Why a line whose first character is `first` (not '{') is not a record.
std::string NotAnObject(std::string_view line, char first) {
  std::string invalid = JsonExplainer(line).Check();
  if (!invalid.empty()) return invalid;
  const char* kind = first == '['                     ? "an array"
                     : first == '"'                   ? "a string"
                     : first == 'n'                   ? "null"
                     : (first == 't' || first == 'f') ? "a boolean"
                                                      : "a number";
  return std::string("expected an object, got ") + kind;
}

// One step of a path: a name (object key) or an index (array element).
struct PathStep {
  bool is_index = false;
  std::string name;
  uint32_t index = 0;
};

Status ParsePath(std::string_view path, std::vector<PathStep>* steps) {
  size_t i = 0, n = path.size();
  auto fail = [&](size_t at, const std::string& what) {
    return Status::InvalidArgument("jsonl path \"" + std::string(path) + "\" at offset " +
                                   std::to_string(at) + ": " + what);
  };
  auto name = [&]() -> Status {
    size_t start = i;
    while (i < n && !IsOneOf(path[i], ".[]\"\\")) ++i;
    if (i < n && (path[i] == '"' || path[i] == '\\')) {
      return fail(i, "unexpected '" + Printable(path[i]) +
                         "' in a name (write such names quoted: [\"...\"])");
    }
    if (i == start) return fail(i, "expected a name");
    steps->push_back({false, std::string(path.substr(start, i - start)), 0});
    return Status::OK();
  };
  auto bracket = [&]() -> Status {
    size_t open = i++;
    PathStep step;
    if (i < n && IsDigit(path[i])) {
      size_t start = i;
      if (path[i] == '0' && i + 1 < n && IsDigit(path[i + 1])) {
        return fail(start, "index with a leading zero");
      }
      uint64_t v = 0;
      while (i < n && IsDigit(path[i])) {
        v = v * 10 + static_cast<uint64_t>(path[i++] - '0');
        if (v > kMaxIndex) return fail(start, "index larger than " + std::to_string(kMaxIndex));
      }
      step.is_index = true;
      step.index = static_cast<uint32_t>(v);
    } else if (i < n && path[i] == '"') {
      ++i;
      for (;;) {
        if (i == n) return fail(open, "unterminated quoted name");
        char c = path[i];
        if (c == '"') break;
        if (c == '\\') {
          if (i + 1 == n || (path[i + 1] != '"' && path[i + 1] != '\\')) {
            return fail(i, "invalid escape in a quoted name (only \\\" and \\\\)");
          }
          c = path[++i];
        }
        step.name.push_back(c);
        ++i;
      }
      ++i;
    } else {
      return fail(i, "expected an index or a quoted name after '['");
    }
    if (i == n || path[i] != ']') return fail(i, "expected ']'");
    ++i;
    steps->push_back(std::move(step));
    return Status::OK();
  };

  if (n > 0 && path[0] == '[') {
    if (n > 1 && IsDigit(path[1])) return fail(0, "a path starts with a name, not an index");
    SLUICE_RETURN_IF_ERROR(bracket());
  } else {
    SLUICE_RETURN_IF_ERROR(name());
  }
  while (i < n) {
    if (path[i] == '.') {
      ++i;
      SLUICE_RETURN_IF_ERROR(name());
    } else if (path[i] == '[') {
      SLUICE_RETURN_IF_ERROR(bracket());
    } else {
      return fail(i, "expected '.' or '[', got '" + Printable(path[i]) + "'");
    }
  }
  return Status::OK();
}

// The steps of a path in a form where two spellings of the same path are equal.
std::string CanonicalPath(const std::vector<PathStep>& steps) {
  std::string out;
  for (const PathStep& s : steps) {
    if (s.is_index) {
      out += "[" + std::to_string(s.index) + "]";
    } else {
      out += "." + std::to_string(s.name.size()) + ":" + s.name;
    }
  }
  return out;
}

}  // namespace

Status JsonlOptions::Validate() const {
  if (max_record_bytes == 0) {
    return Status::InvalidArgument("jsonl max_record_bytes must be positive");
  }
  std::unordered_map<std::string, size_t> seen;
  for (size_t c = 0; c < paths.size(); ++c) {
    std::vector<PathStep> steps;
    SLUICE_RETURN_IF_ERROR(ParsePath(paths[c], &steps));
    auto [it, inserted] = seen.emplace(CanonicalPath(steps), c);
    if (!inserted) {
      return Status::InvalidArgument("jsonl path \"" + paths[c] + "\" names the same value as \"" +
                                     paths[it->second] + "\"");
    }
  }
  return Status::OK();
}

// The reader proper, behind a pimpl so that simdjson.h stays out of the public header.
//
// Paths are compiled into a trie of Nodes (node 0 is the line's object). Each line is parsed
// once with simdjson On Demand and walked whole: every value is visited (so the whole line
// is validated, not only the extracted parts), each object's fields are matched against the
// names of the trie node it stands for, each array's elements against its indexes, and the
// value of a node that names a column is recorded.
class JsonlReader::Impl {
 public:
  Impl(std::unique_ptr<common::InputStream> in, JsonlOptions options, std::string source_name)
      : source_name_(std::move(source_name)), in_(std::move(in)), options_(std::move(options)) {
    nodes_.emplace_back();
  }

  // A block reader hands its buffer back to the reader that cut the block.
  ~Impl() {
    if (!block_reader_ || !block_pool_) return;
    std::lock_guard<std::mutex> lock(block_pool_->mu);
    if (block_pool_->buffers.size() < BlockBufferPool::kKeep) {
      block_pool_->buffers.push_back(std::move(buf_));
    }
  }

  Status Start();
  Result<bool> Next(JsonlRecord* record);
  Result<bool> NextBlock(size_t target_bytes, RecordBlock* block);
  Result<std::unique_ptr<Impl>> OpenBlock(RecordBlock block) const;

  std::vector<std::string> columns_;
  std::string source_name_;
  int64_t bytes_read_ = 0;
  int64_t extra_key_records_ = 0;

 private:
  struct Node {
    int32_t column = -1;                                 // the output column this node names, or -1
    std::vector<std::pair<std::string, uint32_t>> keys;  // child nodes by object key
    std::unordered_map<std::string_view, uint32_t> key_positions;  // name → position in keys
    std::vector<std::pair<uint32_t, uint32_t>> indexes;  // child nodes by array index, sorted
    uint32_t hint = 0;  // the position in keys expected to match next (records repeat orders)
    uint64_t seen = 0;  // the record in which this node last matched (the first key wins)
  };
  // Where a column's value is: nowhere (null), in the line buffer, or in arena_.
  struct Slot {
    enum Where : uint8_t { kNull, kLine, kArena } where = kNull;
    const char* data = nullptr;  // kLine
    size_t offset = 0;           // kArena
    size_t length = 0;
  };

  uint32_t AddPath(const std::vector<PathStep>& steps);
  void Finish();
  uint32_t FindKey(uint32_t node, std::string_view key);
  uint32_t FindIndex(uint32_t node, size_t index) const;

  Result<bool> Fill();
  // Finds the next non-blank line; false at the end.
  Result<bool> ReadLine();
  Status SkipOversized();
  void Parse();
  bool WalkValue(od::value& value, uint32_t node, size_t depth);
  bool WalkObject(od::object& object, uint32_t node, size_t depth);
  bool WalkArray(od::array& array, uint32_t node, size_t depth);
  void SetLine(uint32_t node, const char* data, size_t length);
  void SetArena(uint32_t node, size_t offset);
  void Emit(JsonlRecord* record);

  std::unique_ptr<common::InputStream> in_;
  JsonlOptions options_;
  std::vector<Node> nodes_;
  bool discover_ = false;
  od::parser parser_;

  // Input buffer of cap_ + kPadding bytes (the padding is for simdjson): bytes [p_, end_) are
  // unread; no line break in [p_, scan_). A block reader's buffer is the block's bytes.
  std::string buf_;
  size_t cap_ = 0;
  size_t p_ = 0;
  size_t end_ = 0;
  size_t scan_ = 0;
  bool eof_ = false;
  int64_t line_ = 1;

  // The current record.
  int64_t rec_line_ = 0;
  const char* rec_ = nullptr;  // the line in buf_
  size_t rec_len_ = 0;
  const char* limit_ = nullptr;  // rec_ + rec_len_
  bool oversized_ = false;
  std::string raw_prefix_;  // the start of an oversized line
  std::string error_;
  std::vector<Slot> slots_;
  std::string arena_;    // unescaped strings and minified containers, back to back
  std::string key_buf_;  // an unescaped key
  uint64_t generation_ = 0;
  bool extra_key_ = false;
  simdjson::error_code parse_error_ = simdjson::SUCCESS;
  std::vector<std::string>* discovered_ = nullptr;  // collects the top-level keys
  std::unordered_set<std::string> discovered_set_;
  bool pending_ = false;  // a record parsed by Start() not yet returned

  // Buffers of blocks their readers are done with, for the blocks cut next (a fresh 2.5 MiB
  // block buffer costs its pages' first touch). Shared by a cutting reader and its block
  // readers, which run on other threads.
  struct BlockBufferPool {
    static constexpr size_t kKeep = 8;
    std::mutex mu;
    std::vector<std::string> buffers;
  };
  std::shared_ptr<BlockBufferPool> block_pool_;
  bool block_reader_ = false;
  // A buffer from block_pool_ for the next block, or none.
  std::string SpareBlockBuffer();

  // Cutting (NextBlock): lines are scanned for their ends, not parsed.
  bool cutting_ = false;
  bool cut_done_ = false;
  BlockBytes block_;
  size_t line_start_ = 0;  // the buffer index where the line last read starts
  // A block reader: the oversized line that follows the block's bytes (has_oversized).
  RecordBlock tail_;
};

uint32_t JsonlReader::Impl::AddPath(const std::vector<PathStep>& steps) {
  uint32_t cur = 0;
  for (const PathStep& step : steps) {
    uint32_t next = kNone;
    if (step.is_index) {
      for (auto& [index, child] : nodes_[cur].indexes) {
        if (index == step.index) next = child;
      }
      if (next == kNone) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_[cur].indexes.emplace_back(step.index, next);
        nodes_.emplace_back();
      }
    } else {
      for (auto& [name, child] : nodes_[cur].keys) {
        if (name == step.name) next = child;
      }
      if (next == kNone) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_[cur].keys.emplace_back(step.name, next);
        nodes_.emplace_back();
      }
    }
    cur = next;
  }
  return cur;
}

void JsonlReader::Impl::Finish() {
  for (Node& node : nodes_) {
    std::sort(node.indexes.begin(), node.indexes.end());
    node.key_positions.clear();
    if (node.keys.size() > kLinearKeys) {
      for (size_t i = 0; i < node.keys.size(); ++i) {
        node.key_positions.emplace(node.keys[i].first, static_cast<uint32_t>(i));
      }
    }
  }
  slots_.assign(columns_.size(), Slot{});
}

uint32_t JsonlReader::Impl::FindKey(uint32_t node_id, std::string_view key) {
  Node& node = nodes_[node_id];
  size_t n = node.keys.size();
  if (n == 0) return kNone;
  size_t pos = node.hint;
  if (node.keys[pos].first != key) {
    pos = n;
    if (n <= kLinearKeys) {
      for (size_t i = 0; i < n; ++i) {
        if (node.keys[i].first == key) {
          pos = i;
          break;
        }
      }
    } else if (auto it = node.key_positions.find(key); it != node.key_positions.end()) {
      pos = it->second;
    }
    if (pos == n) return kNone;
  }
  node.hint = pos + 1 == n ? 0 : static_cast<uint32_t>(pos + 1);
  return node.keys[pos].second;
}

uint32_t JsonlReader::Impl::FindIndex(uint32_t node_id, size_t index) const {
  for (const auto& [i, child] : nodes_[node_id].indexes) {
    if (i == index) return child;
    if (i > index) break;
  }
  return kNone;
}

Status JsonlReader::Impl::Start() {
  cap_ = kInitialBuffer;
  buf_.assign(cap_ + kPadding, '\0');
  while (end_ - p_ < 3 && !eof_) {
    SLUICE_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) break;
  }
  if (end_ - p_ >= 3 && std::memcmp(buf_.data() + p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  scan_ = p_;
  if (parser_.allocate(kInitialBuffer, kMaxDepth + 1) != simdjson::SUCCESS) {
    return Status::Internal(source_name_ + ": cannot allocate the JSON parser");
  }

  if (!options_.paths.empty()) {
    for (size_t c = 0; c < options_.paths.size(); ++c) {
      std::vector<PathStep> steps;
      SLUICE_RETURN_IF_ERROR(ParsePath(options_.paths[c], &steps));
      nodes_[AddPath(steps)].column = static_cast<int32_t>(c);
    }
    columns_ = options_.paths;
    Finish();
    return Status::OK();
  }

  discover_ = true;
  SLUICE_ASSIGN_OR_RETURN(bool any, ReadLine());
  if (!any) return Status::OK();
  std::vector<std::string> keys;
  if (!oversized_) {
    discovered_ = &keys;
    Parse();
    discovered_ = nullptr;
    discovered_set_.clear();
  }
  if (!error_.empty()) {
    return Status::InvalidArgument(source_name_ + ": line " + std::to_string(rec_line_) +
                                   ": cannot name the columns after the first record: " + error_);
  }
  for (size_t c = 0; c < keys.size(); ++c) {
    nodes_[AddPath({PathStep{false, keys[c], 0}})].column = static_cast<int32_t>(c);
  }
  columns_ = std::move(keys);
  Finish();
  Parse();
  pending_ = true;
  return Status::OK();
}

Result<bool> JsonlReader::Impl::Fill() {
  if (eof_) return false;
  // The bytes about to go are whole lines: the block's.
  if (cutting_ && !oversized_) block_.Take(buf_.data(), p_);
  if (p_ > 0) {
    block_.Shift(p_);
    line_start_ = line_start_ >= p_ ? line_start_ - p_ : 0;
    size_t n = end_ - p_;
    std::memmove(buf_.data(), buf_.data() + p_, n);
    scan_ -= p_;
    p_ = 0;
    end_ = n;
  }
  SLUICE_ASSIGN_OR_RETURN(size_t got,
                          GrowAndRead(*in_, &buf_, &cap_, end_, kPadding, source_name_));
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  bytes_read_ += static_cast<int64_t>(got);
  return true;
}

Result<bool> JsonlReader::Impl::ReadLine() {
  oversized_ = false;
  error_.clear();
  for (;;) {
    size_t from = std::max(scan_, p_);
    const char* b = buf_.data();
    const void* nl = from < end_ ? std::memchr(b + from, '\n', end_ - from) : nullptr;
    size_t stop;
    if (nl != nullptr) {
      stop = static_cast<size_t>(static_cast<const char*>(nl) - b);
    } else if (eof_) {
      if (p_ == end_) return false;
      stop = end_;
      // simdjson reads up to kPadding bytes past the line: make them defined.
      std::memset(buf_.data() + end_, ' ', kPadding);
    } else {
      scan_ = end_;
      if (end_ - p_ > options_.max_record_bytes + 1) {  // +1: a CR before the LF is no part
        SLUICE_RETURN_IF_ERROR(SkipOversized());
        return true;
      }
      SLUICE_ASSIGN_OR_RETURN(bool more, Fill());
      (void)more;  // at the end, the next turn takes the last line
      continue;
    }
    size_t start = line_start_ = p_;
    p_ = stop < end_ ? stop + 1 : end_;
    scan_ = p_;
    rec_line_ = line_++;
    size_t len = stop - start;
    if (len > 0 && b[start + len - 1] == '\r') --len;
    if (len > options_.max_record_bytes) {
      raw_prefix_.assign(b + start, std::min(len, kRawPrefix));
      oversized_ = true;
      error_ = "line of " + std::to_string(len) + " bytes exceeds the " +
               std::to_string(options_.max_record_bytes) + "-byte limit";
      return true;
    }
    size_t k = 0;
    while (k < len && IsSpace(b[start + k])) ++k;
    if (k == len) continue;  // blank
    rec_ = b + start;
    rec_len_ = len;
    return true;
  }
}

Status JsonlReader::Impl::SkipOversized() {
  // Bytes [p_, end_) begin the line; keep its start for JsonlRecord::raw, drop the rest.
  if (cutting_) {
    // The line's bytes will not be kept: the block takes everything before it now.
    block_.Take(buf_.data(), p_);
    line_start_ = p_;
  }
  oversized_ = true;
  rec_line_ = line_;
  raw_prefix_.assign(buf_.data() + p_, std::min(end_ - p_, kRawPrefix));
  uint64_t len = end_ - p_;
  bool last_cr = buf_[end_ - 1] == '\r';
  p_ = scan_ = end_;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) break;
    const char* b = buf_.data();
    const void* nl = std::memchr(b + p_, '\n', end_ - p_);
    size_t stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b) : end_;
    if (raw_prefix_.size() < kRawPrefix) {
      raw_prefix_.append(b + p_, std::min(stop - p_, kRawPrefix - raw_prefix_.size()));
    }
    len += stop - p_;
    if (stop > p_) last_cr = b[stop - 1] == '\r';
    if (nl) {
      p_ = scan_ = stop + 1;
      ++line_;
      break;
    }
    p_ = scan_ = end_;
  }
  if (last_cr) --len;
  if (raw_prefix_.size() > len) raw_prefix_.resize(len);
  oversized_ = true;
  error_ = "line of " + std::to_string(len) + " bytes exceeds the " +
           std::to_string(options_.max_record_bytes) + "-byte limit";
  return Status::OK();
}

void JsonlReader::Impl::SetLine(uint32_t node, const char* data, size_t length) {
  int32_t column = nodes_[node].column;
  if (column >= 0) slots_[column] = {Slot::kLine, data, 0, length};
}

void JsonlReader::Impl::SetArena(uint32_t node, size_t offset) {
  int32_t column = nodes_[node].column;
  if (column >= 0) slots_[column] = {Slot::kArena, nullptr, offset, arena_.size() - offset};
}

void JsonlReader::Impl::Parse() {
  error_.clear();
  arena_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{});
  ++generation_;
  extra_key_ = false;
  limit_ = rec_ + rec_len_;
  std::string_view line(rec_, rec_len_);
  size_t first = 0;
  while (IsSpace(line[first])) ++first;  // the line is not blank
  if (line[first] != '{') {
    error_ = NotAnObject(line, line[first]);
    return;
  }
  // The line is followed by its terminator and at least kPadding - 1 readable bytes of buf_.
  if (parser_.capacity() > 4 * kInitialBuffer && rec_len_ <= kInitialBuffer) {
    // A long line has gone: give back simdjson's index of it (several bytes per input byte).
    parser_ = od::parser();
    if (parser_.allocate(kInitialBuffer, kMaxDepth + 1) != simdjson::SUCCESS) {
      parser_ = od::parser();  // iterate() allocates what it needs
    }
  }
  parse_error_ = simdjson::SUCCESS;
  od::document doc;
  od::object object;
  bool ok = false;
  if (auto e = parser_.iterate(rec_, rec_len_, rec_len_ + kPadding).get(doc)) {
    parse_error_ = e;
  } else if (auto e2 = doc.get_object().get(object)) {
    parse_error_ = e2;
  } else if (WalkObject(object, 0, 1)) {
    // Anything after the object is trailing garbage.
    ok = doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
  }
  if (ok) return;
  std::fill(slots_.begin(), slots_.end(), Slot{});
  error_ = JsonExplainer(line).Check();
  if (error_.empty()) {
    // The two parsers disagree: should not happen, but say what simdjson said.
    error_ = std::string("invalid JSON: ") + simdjson::error_message(parse_error_);
  }
}

bool JsonlReader::Impl::WalkObject(od::object& object, uint32_t node, size_t depth) {
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) {
      parse_error_ = e;
      return false;
    }
    // The key, unescaped only when it has escapes (simdjson's first pass checked the rest:
    // closed, valid UTF-8, no control characters).
    const char* k = field.key().raw();
    const char* close = static_cast<const char*>(std::memchr(k, '"', limit_ - k));
    if (close == nullptr) return false;
    std::string_view key(k, static_cast<size_t>(close - k));
    if (std::memchr(k, '\\', key.size()) != nullptr) {
      key_buf_.clear();
      StringError error;
      if (ScanString(k - 1, k, limit_, &key_buf_, &error) == nullptr) return false;
      key = key_buf_;
    }
    uint32_t child = kNone;
    if (node != kNone) {
      child = FindKey(node, key);
      if (child != kNone) {
        if (nodes_[child].seen == generation_) {
          child = kNone;  // a repeated key: the first one wins
        } else {
          nodes_[child].seen = generation_;
        }
      } else if (depth == 1 && discover_) {
        extra_key_ = true;
      }
    }
    if (depth == 1 && discovered_ != nullptr && discovered_set_.emplace(key).second) {
      discovered_->emplace_back(key);
    }
    if (!WalkValue(field.value(), child, depth)) return false;
  }
  return true;
}

bool JsonlReader::Impl::WalkArray(od::array& array, uint32_t node, size_t depth) {
  if (node != kNone && nodes_[node].indexes.empty()) node = kNone;
  size_t index = 0;
  for (auto element_result : array) {
    od::value element;
    if (auto e = std::move(element_result).get(element)) {
      parse_error_ = e;
      return false;
    }
    if (!WalkValue(element, node == kNone ? kNone : FindIndex(node, index), depth)) return false;
    ++index;
  }
  return true;
}

bool JsonlReader::Impl::WalkValue(od::value& value, uint32_t node, size_t depth) {
  od::json_type type;
  if (auto e = value.type().get(type)) {
    parse_error_ = e;
    return false;
  }
  std::string_view token = value.raw_json_token();
  bool wanted = node != kNone && nodes_[node].column >= 0;
  switch (type) {
    case od::json_type::object: {
      if (depth >= kMaxDepth) return false;
      od::object object;
      if (auto e = value.get_object().get(object)) {
        parse_error_ = e;
        return false;
      }
      if (!WalkObject(object, node, depth + 1)) return false;
      break;
    }
    case od::json_type::array: {
      if (depth >= kMaxDepth) return false;
      od::array array;
      if (auto e = value.get_array().get(array)) {
        parse_error_ = e;
        return false;
      }
      if (!WalkArray(array, node, depth + 1)) return false;
      break;
    }
    case od::json_type::string: {
      // Consumed explicitly: skipped by simdjson, a string followed by ':' would be taken for
      // a key and the line's structure go unchecked.
      od::raw_json_string raw;
      if (auto e = value.get_raw_json_string().get(raw)) {
        parse_error_ = e;
        return false;
      }
      const char* content = raw.raw();
      // The token is the quoted string (and any whitespace up to the next structural
      // character): its end is the closing quote, found by simdjson's first pass already.
      const std::string_view quoted = TrimRight(token);
      if (quoted.size() < 2 || quoted.back() != '"' || quoted.data() + 1 != content) return false;
      size_t length = quoted.size() - 2;
      if (std::memchr(content, '\\', length) == nullptr) {
        if (wanted) SetLine(node, content, length);
        return true;
      }
      size_t offset = arena_.size();
      StringError error;
      if (ScanString(content - 1, content, limit_, wanted ? &arena_ : nullptr, &error) == nullptr) {
        return false;
      }
      if (wanted) SetArena(node, offset);
      return true;
    }
    case od::json_type::number:
      token = TrimRight(token);
      if (!IsJsonNumber(token)) return false;
      if (wanted) SetLine(node, token.data(), token.size());
      return true;
    case od::json_type::boolean:
      token = TrimRight(token);
      if (token != "true" && token != "false") return false;
      if (wanted) SetLine(node, token.data(), token.size());
      return true;
    case od::json_type::null:
      return TrimRight(token) == "null";
  }
  if (wanted) {  // an object or array: its text, validated above, without whitespace
    size_t offset = arena_.size();
    AppendMinified(token.data(), limit_, &arena_);
    SetArena(node, offset);
  }
  return true;
}

void JsonlReader::Impl::Emit(JsonlRecord* record) {
  size_t n = columns_.size();
  record->fields.assign(n, std::string_view());
  record->is_null.assign(n, 1);
  record->line = rec_line_;
  record->raw = oversized_ ? std::string_view(raw_prefix_) : std::string_view(rec_, rec_len_);
  record->error = error_;
  if (!error_.empty()) return;
  if (extra_key_) ++extra_key_records_;
  for (size_t i = 0; i < n; ++i) {
    const Slot& s = slots_[i];
    if (s.where == Slot::kNull) continue;
    record->is_null[i] = 0;
    record->fields[i] = s.where == Slot::kLine
                            ? std::string_view(s.data, s.length)
                            : std::string_view(arena_).substr(s.offset, s.length);
  }
}

Result<bool> JsonlReader::Impl::Next(JsonlRecord* record) {
  if (pending_) {
    pending_ = false;
    Emit(record);
    return true;
  }
  SLUICE_ASSIGN_OR_RETURN(bool any, ReadLine());
  if (!any) {
    if (!tail_.has_oversized) return false;
    tail_.has_oversized = false;
    record->fields.assign(columns_.size(), std::string_view());
    record->is_null.assign(columns_.size(), 1);
    record->line = tail_.oversized_line;
    record->raw = tail_.oversized_raw;
    record->error = std::move(tail_.oversized_error);
    return true;
  }
  if (!oversized_) Parse();
  Emit(record);
  return true;
}

std::string JsonlReader::Impl::SpareBlockBuffer() {
  std::lock_guard<std::mutex> lock(block_pool_->mu);
  if (block_pool_->buffers.empty()) return std::string();
  std::string buffer = std::move(block_pool_->buffers.back());
  block_pool_->buffers.pop_back();
  return buffer;
}

Result<bool> JsonlReader::Impl::NextBlock(size_t target_bytes, RecordBlock* block) {
  if (!cutting_) {
    cutting_ = true;
    block_pool_ = std::make_shared<BlockBufferPool>();
    block_.Start(p_, line_, false);
    if (pending_) {  // the first record, parsed by Start() to name the columns
      pending_ = false;
      block_.Start(static_cast<size_t>(rec_ - buf_.data()), rec_line_, false);
    }
  }
  if (cut_done_) return false;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool any, ReadLine());
    if (!any) {
      cut_done_ = true;
      block_.Cut(buf_.data(), p_, target_bytes, block);
      return !block->bytes.empty();
    }
    if (oversized_) {
      // Over max_record_bytes: the line follows the block as read here (SkipOversized gave
      // the block the bytes before it when it dropped the line's).
      block_.Cut(buf_.data(), line_start_, target_bytes, block, SpareBlockBuffer());
      SetOversized(rec_line_, raw_prefix_, error_, block);
      block_.Start(p_, line_, false);
      return true;
    }
    if (block_.SizeUpTo(p_) >= target_bytes) {
      block_.Cut(buf_.data(), p_, target_bytes, block, SpareBlockBuffer());
      block_.Start(p_, line_, false);
      return true;
    }
  }
}

Result<std::unique_ptr<JsonlReader::Impl>> JsonlReader::Impl::OpenBlock(RecordBlock block) const {
  // The block's bytes become the reader's buffer as they are (no copy): its input is empty.
  auto impl =
      std::make_unique<Impl>(std::make_unique<common::StringInputStream>(std::string()), options_,
                             source_name_);
  impl->buf_ = std::move(block.bytes);
  impl->block_reader_ = true;
  impl->block_pool_ = block_pool_;
  impl->end_ = impl->cap_ = impl->buf_.size();
  impl->buf_.resize(impl->cap_ + kPadding);
  impl->bytes_read_ = static_cast<int64_t>(impl->end_);
  impl->columns_ = columns_;
  impl->nodes_ = nodes_;
  for (Node& node : impl->nodes_) {
    node.hint = 0;
    node.seen = 0;  // the copy counts its own records
  }
  impl->discover_ = discover_;
  impl->Finish();  // key_positions view the copy's names
  impl->line_ = block.first_line;
  impl->tail_ = std::move(block);
  if (impl->parser_.allocate(kInitialBuffer, kMaxDepth + 1) != simdjson::SUCCESS) {
    return Status::Internal(source_name_ + ": cannot allocate the JSON parser");
  }
  return impl;
}

JsonlReader::JsonlReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonlReader::~JsonlReader() = default;

Result<std::unique_ptr<JsonlReader>> JsonlReader::Open(std::unique_ptr<common::InputStream> in,
                                                       JsonlOptions options,
                                                       std::string source_name) {
  Status valid = options.Validate();
  if (!valid.ok()) return valid.WithContext(source_name);
  auto impl = std::make_unique<Impl>(std::move(in), std::move(options), std::move(source_name));
  SLUICE_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<JsonlReader>(new JsonlReader(std::move(impl)));
}

Result<bool> JsonlReader::Next(JsonlRecord* record) { return impl_->Next(record); }
const std::vector<std::string>& JsonlReader::columns() const { return impl_->columns_; }
const std::string& JsonlReader::source_name() const { return impl_->source_name_; }
int64_t JsonlReader::bytes_read() const { return impl_->bytes_read_; }
int64_t JsonlReader::extra_key_records() const { return impl_->extra_key_records_; }

Result<bool> JsonlReader::NextBlock(size_t target_bytes, RecordBlock* block) {
  return impl_->NextBlock(target_bytes, block);
}

Result<std::unique_ptr<JsonlReader>> JsonlReader::OpenBlock(RecordBlock block) const {
  SLUICE_ASSIGN_OR_RETURN(auto impl, impl_->OpenBlock(std::move(block)));
  return std::unique_ptr<JsonlReader>(new JsonlReader(std::move(impl)));
}

}  // namespace sluice::etl
