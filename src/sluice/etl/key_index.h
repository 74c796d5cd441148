#pragma once

// Dedupe state: KeyTable, a flat hash table from a key (the AppendOrderedKey encoding of the
// dedupe columns) to its newest ordering value and a location, and its on-disk form, the key
// index of a silver dataset (one immutable file per published version, docs/formats/lake.md).
//
// Within a run the table maps keys to the winning row (chunk, row); in the index it maps
// every key silver holds to the id of the file (catalog table dataset_files) holding its
// row. The catalog's dataset_key_indexes row says which file is current, so a run swaps the
// index in the transaction that publishes its files. Memory: the key and ordering bytes plus
// about 64 bytes per key. Not thread-safe; a loaded table may be read by several threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/huge_page_allocator.h"
#include "sluice/common/status.h"

namespace sluice::etl {

class KeyTable {
 public:
  struct Entry {
    uint64_t hash = 0;
    uint64_t key_offset = 0;
    uint64_t order_offset = 0;
    uint32_t key_size = 0;
    uint32_t order_size = 0;
    int64_t a = 0;  // the run: chunk index (-1: lost); the index: file id
    int64_t b = 0;  // the run: row in the chunk
  };

  KeyTable() = default;

  // The entry for `key`, or nullptr.
  const Entry* Find(std::string_view key) const;
  // The entry for `key`, inserting an empty one (order "", a = b = 0) when absent.
  // Returns the entry and whether it was inserted. Pointers stay valid until the next insert.
  std::pair<Entry*, bool> FindOrInsert(std::string_view key) { return FindOrInsert(key, HashOf(key)); }
  // The same with the key's hash (HashOf) computed already, e.g. to Prefetch() its slot:
  // the table is large and accessed at random, so inserting a batch of keys is faster when
  // their slots are prefetched first.
  std::pair<Entry*, bool> FindOrInsert(std::string_view key, uint64_t hash);
  static uint64_t HashOf(std::string_view key);
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  // Replaces the entry's ordering value.
  void SetOrder(Entry* entry, std::string_view order);

  std::string_view key(const Entry& e) const {
    return std::string_view(arena_).substr(e.key_offset, e.key_size);
  }
  std::string_view order(const Entry& e) const {
    return std::string_view(arena_).substr(e.order_offset, e.order_size);
  }
  using Entries = std::vector<Entry, common::HugePageAllocator<Entry>>;
  const Entries& entries() const { return entries_; }
  Entries& mutable_entries() { return entries_; }
  size_t size() const { return entries_.size(); }
  void Reserve(size_t n);

  // Writes the table (the key, ordering value and `a` of every entry) to `path`, durably
  // and atomically.
  Status Write(const std::string& path) const;
  // Reads a file written by Write(); Corruption naming the file when it is truncated or
  // malformed.
  static Result<KeyTable> Load(const std::string& path);

 private:
  void Rehash(size_t slots);
  size_t Probe(uint64_t hash, std::string_view key) const;  // slot holding key, or an empty one

  std::string arena_;  // key and ordering bytes
  std::vector<Entry, common::HugePageAllocator<Entry>> entries_;
  std::vector<uint64_t, common::HugePageAllocator<uint64_t>> slots_;  // hash tag | entry index + 1; 0 = empty; at most half full
};

}  // namespace sluice::etl
