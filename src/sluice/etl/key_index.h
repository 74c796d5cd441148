#pragma once

// The dedupe key index of a silver dataset: for every key silver holds, the newest ordering
// value and the id of the file (catalog table dataset_files) holding that row. One immutable
// file per published version (docs/formats/lake.md); the catalog's dataset_key_indexes row
// says which file is current, so a run swaps the index in the same transaction that
// publishes its files. Loaded whole into memory (about key + ordering + 16 bytes per key).
// A loaded KeyIndex is read-only and may be shared by threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::etl {

struct KeyEntry {
  std::string_view key;    // AppendOrderedKey encodings of the key columns
  std::string_view order;  // AppendOrderedKey encoding of the ordering column ("" without one)
  int64_t file_id = 0;
};

class KeyIndex {
 public:
  KeyIndex() = default;
  KeyIndex(KeyIndex&&) = default;
  KeyIndex& operator=(KeyIndex&&) = default;

  // Reads an index file; Corruption naming the file when it is truncated or malformed.
  static Result<KeyIndex> Load(const std::string& path);

  // Writes `entries` (sorted by key, keys unique) to `path` durably and atomically.
  static Status Write(const std::string& path, const std::vector<KeyEntry>& entries);

  // The entry for `key`, or nullptr.
  const KeyEntry* Find(std::string_view key) const;
  // Sorted by key.
  const std::vector<KeyEntry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::string data_;  // the file's bytes; entries_ point into it
  std::vector<KeyEntry> entries_;
};

}  // namespace sluice::etl
