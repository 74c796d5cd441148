#include "sluice/project/unified_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sluice::project {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// One line of the edit script: ' ' kept, '-' removed, '+' added, with its line numbers
// (1-based) in each text.
struct Edit {
  char op;
  std::string_view line;
  size_t from_line;
  size_t to_line;
};

// The edit script of a longest common subsequence; a full replacement when the table would
// be too large.
std::vector<Edit> Script(const std::vector<std::string_view>& a,
                         const std::vector<std::string_view>& b) {
  size_t n = a.size(), m = b.size();
  std::vector<Edit> edits;
  if (static_cast<uint64_t>(n + 1) * (m + 1) > (uint64_t{1} << 22)) {
    for (size_t i = 0; i < n; ++i) edits.push_back({'-', a[i], i + 1, 0});
    for (size_t j = 0; j < m; ++j) edits.push_back({'+', b[j], n, j + 1});
    return edits;
  }
  // lcs[i][j]: the LCS length of a[i..] and b[j..].
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      edits.push_back({' ', a[i], i + 1, j + 1});
      ++i;
      ++j;
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      edits.push_back({'-', a[i], i + 1, j});  // removals first, as diff -u prints them
      ++i;
    } else {
      edits.push_back({'+', b[j], i, j + 1});
      ++j;
    }
  }
  return edits;
}

}  // namespace

std::string UnifiedDiff(std::string_view from, std::string_view to, std::string_view from_label,
                        std::string_view to_label, int context) {
  if (from == to) return "";
  std::vector<std::string_view> a = Lines(from), b = Lines(to);
  std::vector<Edit> edits = Script(a, b);
  std::string out = "--- " + std::string(from_label) + "\n+++ " + std::string(to_label) + "\n";
  size_t k = 0;
  size_t ctx = static_cast<size_t>(std::max(context, 0));
  while (k < edits.size()) {
    // Find the next change, then extend the hunk while changes are within 2*context lines.
    size_t first = k;
    while (first < edits.size() && edits[first].op == ' ') ++first;
    if (first == edits.size()) break;
    size_t begin = first >= ctx ? first - ctx : 0;
    size_t end = first;
    for (size_t e = first; e < edits.size(); ++e) {
      if (edits[e].op != ' ') {
        end = e + 1;
      } else if (e - end + 1 > 2 * ctx) {
        break;
      }
    }
    end = std::min(edits.size(), end + ctx);
    size_t from_start = 0, from_count = 0, to_start = 0, to_count = 0;
    for (size_t e = begin; e < end; ++e) {
      if (edits[e].op != '+') {
        if (from_count++ == 0) from_start = edits[e].from_line;
      }
      if (edits[e].op != '-') {
        if (to_count++ == 0) to_start = edits[e].to_line;
      }
    }
    // An empty side starts at the line before the hunk, as diff -u prints it.
    if (from_count == 0) from_start = edits[begin].from_line;
    if (to_count == 0) to_start = edits[begin].to_line;
    out += "@@ -" + std::to_string(from_start) + "," + std::to_string(from_count) + " +" +
           std::to_string(to_start) + "," + std::to_string(to_count) + " @@\n";
    for (size_t e = begin; e < end; ++e) {
      out += edits[e].op;
      out += edits[e].line;
      out += '\n';
    }
    k = end;
  }
  return out;
}

}  // namespace sluice::project
