#pragma once

// Text helpers the jsonata module shares: UTF-8 encoding/decoding (JSONata counts
// characters — code points — where JavaScript counts UTF-16 units; both agree outside the
// astral planes), hex escapes, and the reference's stable merge sort. Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jsonata {

void AppendUtf8(uint32_t cp, std::string& out);
std::vector<uint32_t> DecodeUtf8(std::string_view s);
std::string EncodeUtf8(const std::vector<uint32_t>& cps, size_t from = 0,
                       size_t to = static_cast<size_t>(-1));
size_t CodePointCount(std::string_view s);
// The number of code points in s[0, byte_offset).
size_t CodePointIndex(std::string_view s, size_t byte_offset);
// Four hex digits at s[at]; false when they are not there.
bool ParseHex4(std::string_view s, size_t at, uint32_t& value);
// The character a JSON one-character escape `\e` stands for (" \ / b f n r t); 0 for any
// other letter (`\u` and invalid escapes are the caller's to handle).
char JsonEscapeChar(char e);

// The reference implementation's merge sort: stable, and it takes the right-hand item
// first only when `after(left, right)` is true, so an inconsistent comparator gives the
// same order as there.
template <typename T, typename After>
void MergeSort(std::vector<T>& v, After&& after) {
  std::vector<T> tmp(v.size());
  struct Rec {
    static void Sort(std::vector<T>& v, std::vector<T>& tmp, size_t lo, size_t hi, After& after) {
      if (hi - lo <= 1) return;
      size_t mid = lo + (hi - lo) / 2;
      Sort(v, tmp, lo, mid, after);
      Sort(v, tmp, mid, hi, after);
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (after(v[i], v[j])) {
          tmp[k++] = v[j++];
        } else {
          tmp[k++] = v[i++];
        }
      }
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
      for (size_t x = lo; x < hi; ++x) v[x] = tmp[x];
    }
  };
  Rec::Sort(v, tmp, 0, v.size(), after);
}

}  // namespace sluice::jsonata
