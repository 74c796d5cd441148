#pragma once

// Dedupe state: KeyTable, a flat hash table from a key (the AppendOrderedKey encoding of the
// dedupe columns) to its newest ordering value and a location, and its on-disk form, the key
// index of a silver dataset (one immutable file per published version, docs/formats/lake.md).
//
// Within a run the table maps keys to the winning row (chunk, row); in the index it maps
// every key silver holds to the id of the file (catalog table dataset_files) holding its
// row. The catalog's dataset_key_indexes row says which file is current, so a run swaps the
// index in the transaction that publishes its files. Memory: the key and ordering bytes plus
// about 64 bytes per key.
//
// When the keys do not fit in memory, a run works one hash bucket at a time ("grace hash"):
// the bucket of a key is the top `bits` bits of KeyHash(key). KeyBucketFiles spreads records
// over one temporary file per bucket; KeyIndexReader reads one bucket of an index file
// without loading the rest (the index's entries are grouped by bucket, with a directory);
// KeyIndexWriter streams a new index file bucket by bucket.
//
// Not thread-safe; a loaded table may be read by several threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/file_util.h"
#include "sluice/common/huge_page_allocator.h"
#include "sluice/common/io.h"
#include "sluice/common/status.h"

namespace sluice::etl {

// The hash of a key, stable across builds and machines (it orders the key index on disk):
// MurmurHash64A (seed 0xc70f6907, 8-byte words read little-endian) followed by the
// finaliser h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33.
uint64_t KeyHash(std::string_view key);
// The bucket of `hash` when there are 2^bits buckets (bits in 0..63).
inline uint64_t KeyBucket(uint64_t hash, int bits) { return bits == 0 ? 0 : hash >> (64 - bits); }
// Tests only: KeyHash() returns its hash AND `mask`, so that distinct keys collide (~0: off).
void SetKeyHashMaskForTesting(uint64_t mask);

class KeyTable {
 public:
  struct Entry {
    uint64_t hash = 0;
    uint64_t key_offset = 0;
    uint64_t order_offset = 0;
    uint32_t key_size = 0;
    uint32_t order_size = 0;
    int64_t a = 0;  // the run: chunk index (-1: lost; ≤ -2: spilled); the index: file id
    int64_t b = 0;  // the run: row in the chunk (spilled: ordinal in the partition)
  };

  KeyTable() = default;

  // The entry for `key`, or nullptr.
  const Entry* Find(std::string_view key) const { return Find(key, HashOf(key)); }
  const Entry* Find(std::string_view key, uint64_t hash) const;
  // The entry for `key`, inserting an empty one (order "", a = b = 0) when absent.
  // Returns the entry and whether it was inserted. Pointers stay valid until the next insert.
  std::pair<Entry*, bool> FindOrInsert(std::string_view key) { return FindOrInsert(key, HashOf(key)); }
  // The same with the key's hash (HashOf) computed already, e.g. to Prefetch() its slot:
  // the table is large and accessed at random, so inserting a batch of keys is faster when
  // their slots are prefetched first.
  std::pair<Entry*, bool> FindOrInsert(std::string_view key, uint64_t hash);
  static uint64_t HashOf(std::string_view key) { return KeyHash(key); }
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
  // Entries are appended in order, so ordinary pages serve them: on transparent huge pages
  // each first touch of 2 MiB stalled on compaction (the 1M-row bench ran ~8% slower).
  using Entries = std::vector<Entry>;
  const Entries& entries() const { return entries_; }
  Entries& mutable_entries() { return entries_; }
  size_t size() const { return entries_.size(); }
  void Reserve(size_t n);
  // The bytes the table holds (entries, slots and key/ordering bytes, reserved included).
  size_t MemoryBytes() const {
    return entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(uint64_t) +
           arena_.capacity();
  }

  // Writes the table (the key, ordering value and `a` of every entry) to `path` as a key
  // index file (SLKEYS04), durably and atomically.
  Status Write(const std::string& path) const;
  // Reads a key index file (any format); Corruption naming the file when it is truncated,
  // malformed or fails its checksums.
  static Result<KeyTable> Load(const std::string& path);

 private:
  void Rehash(size_t slots);
  size_t Probe(uint64_t hash, std::string_view key) const;  // slot holding key, or an empty one

  std::string arena_;  // key and ordering bytes
  Entries entries_;
  std::vector<uint64_t, common::HugePageAllocator<uint64_t>> slots_;  // hash tag | entry index + 1; 0 = empty; at most half full
};

// One key with its ordering value and location, as bucket files and index readers hand them
// out. The views are valid during the callback only.
struct KeyRecord {
  uint64_t hash = 0;
  std::string_view key;
  std::string_view order;
  int64_t a = 0;  // as KeyTable::Entry::a (index files: the file id)
  int64_t b = 0;  // as KeyTable::Entry::b (index files: 0)
};
using KeyRecordFn = std::function<Status(const KeyRecord&)>;

// The directory size an index of `count` keys gets: a few thousand keys per group.
int KeyIndexDirectoryBits(uint64_t count);

// Streams a key index file (format SLKEYS04). Entries must come in nondecreasing order of
// KeyBucket(hash, directory_bits); the file appears at `path` on Finish() (atomically and
// durably), never before. Destroying the writer unfinished leaves no file.
class KeyIndexWriter {
 public:
  static Result<std::unique_ptr<KeyIndexWriter>> Open(const std::string& path, int directory_bits);
  Status Add(uint64_t hash, std::string_view key, std::string_view order, int64_t file_id);
  Status Finish();
  uint64_t count() const { return count_; }

 private:
  KeyIndexWriter() = default;
  Status FlushBuffer();

  std::string path_;
  std::unique_ptr<common::AtomicFileOutputStream> out_;
  int bits_ = 0;
  std::vector<uint64_t> directory_;
  std::vector<uint32_t> checksums_;  // per group, CRC-32 of its entries so far
  uint64_t next_group_ = 0;  // the first group whose start is not recorded yet
  uint64_t offset_ = 0;      // bytes written (buffer included)
  uint64_t count_ = 0;
  std::string buffer_;
};

// Reads a key index file without loading it: one bucket at a time (SLKEYS03/04), or entry by
// entry (both formats). Holds the file open; each call reads only what it hands out.
class KeyIndexReader {
 public:
  static Result<std::unique_ptr<KeyIndexReader>> Open(const std::string& path);
  // SLKEYS03/04 have a bucket directory; SLKEYS02 (before them) has entries in no order.
  bool bucketed() const { return bucketed_; }
  int directory_bits() const { return bits_; }
  uint64_t count() const { return count_; }
  uint64_t file_bytes() const { return file_bytes_; }
  // The entries of bucket `bucket` of 2^bits (not SLKEYS02). Reads the bucket's bytes and
  // checks them (Corruption naming the file).
  Status ReadBucket(int bits, uint64_t bucket, const KeyRecordFn& fn) const;
  // Every entry, in file order (SLKEYS03/04: by bucket), reading a few MiB at a time.
  Status ForEach(const KeyRecordFn& fn) const;

 private:
  KeyIndexReader() = default;
  Status ReadGroups(uint64_t first, uint64_t end, int filter_bits, uint64_t filter_bucket,
                    const KeyRecordFn& fn) const;
  Status Corrupt(const std::string& what) const;

  std::string path_;
  common::FileDescriptor fd_;
  bool bucketed_ = false;
  bool varint_ = false;  // SLKEYS04
  int bits_ = 0;
  uint64_t count_ = 0;
  uint64_t file_bytes_ = 0;
  std::vector<uint64_t> directory_;  // SLKEYS03/04: 2^bits + 1 offsets
  std::vector<uint32_t> checksums_;  // SLKEYS04: each group's CRC-32, checked when read
};

// Temporary files of key records spread over 2^bits buckets by KeyBucket(hash, bits), in the
// directory `dir` (created; removed with its files when the object is destroyed). Records
// of a bucket are read back in the order they were added. Memory: a write buffer per bucket
// of `buffer_bytes` / 2^bits (at least 4 KiB).
class KeyBucketFiles {
 public:
  static Result<std::unique_ptr<KeyBucketFiles>> Open(std::string dir, int bits,
                                                      size_t buffer_bytes = size_t{32} << 20);
  ~KeyBucketFiles();
  int bits() const { return bits_; }
  uint64_t buckets() const { return uint64_t{1} << bits_; }
  uint64_t records() const { return records_; }
  Status Add(const KeyRecord& r);
  // Writes out every buffer (before reading).
  Status Flush();
  // Hands out bucket `bucket`'s records in the order added (reads the bucket whole), then
  // deletes its file.
  Status Consume(uint64_t bucket, const KeyRecordFn& fn);

 private:
  KeyBucketFiles() = default;
  std::string Path(uint64_t bucket) const { return dir_ + "/b" + std::to_string(bucket); }
  Status FlushBucket(uint64_t bucket);

  std::string dir_;
  int bits_ = 0;
  size_t buffer_limit_ = 0;
  uint64_t records_ = 0;
  std::vector<std::string> buffers_;
};

}  // namespace sluice::etl
