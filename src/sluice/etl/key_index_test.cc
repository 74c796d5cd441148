#include "sluice/etl/key_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "sluice/common/file_util.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::etl {
namespace {

namespace fs = std::filesystem;

// key → (order, file id)
using Entries = std::map<std::string, std::pair<std::string, int64_t>>;

Entries MakeEntries(int n) {
  Entries out;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i);
    if (i % 7 == 0) key.push_back('\0');  // keys are bytes
    out[key] = {"o" + std::to_string(i % 13), 1 + i % 29};
  }
  return out;
}

KeyTable TableOf(const Entries& entries) {
  KeyTable t;
  for (const auto& [key, v] : entries) {
    auto [e, inserted] = t.FindOrInsert(key);
    t.SetOrder(e, v.first);
    e->a = v.second;
  }
  return t;
}

Entries Collect(const KeyIndexReader& reader, int bits, uint64_t bucket) {
  Entries out;
  Status st = reader.ReadBucket(bits, bucket, [&](const KeyRecord& r) {
    EXPECT_EQ(KeyBucket(r.hash, bits), bucket);
    EXPECT_EQ(r.hash, KeyHash(r.key));
    EXPECT_TRUE(out.emplace(std::string(r.key), std::make_pair(std::string(r.order), r.a)).second);
    return Status::OK();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

// The index at `path` loads whole as exactly `entries`.
void ExpectLoadsAs(const std::string& path, const Entries& entries) {
  auto loaded = KeyTable::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), entries.size());
  for (const auto& [key, v] : entries) {
    const KeyTable::Entry* e = loaded->Find(key);
    ASSERT_NE(e, nullptr) << key;
    EXPECT_EQ(loaded->order(*e), v.first);
    EXPECT_EQ(e->a, v.second);
  }
}

TEST(KeyHash, IsStableAcrossBuilds) {
  // The index on disk is ordered by this hash: it must never change silently.
  EXPECT_EQ(KeyHash(""), 0xdad4ff3995dbec72ULL) << std::hex << KeyHash("");
  EXPECT_EQ(KeyHash("order-1"), 0x2486e580ca36ad8cULL) << std::hex << KeyHash("order-1");
}

TEST(KeyIndex, WrittenTableLoadsBackAndReadsBucketByBucketAtAnyGranularity) {
  common::TestTempDir dir;
  Entries entries = MakeEntries(20000);  // 20,000 keys: a directory of 3 bits
  std::string path = dir.path() + "/keys.idx";
  ASSERT_TRUE(TableOf(entries).Write(path).ok());

  ExpectLoadsAs(path, entries);

  auto reader = KeyIndexReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE((*reader)->bucketed());
  EXPECT_EQ((*reader)->count(), entries.size());
  EXPECT_EQ((*reader)->directory_bits(), KeyIndexDirectoryBits(entries.size()));
  // Coarser than the directory, as fine, and finer: each time every entry exactly once.
  for (int bits : {0, 3, (*reader)->directory_bits(), (*reader)->directory_bits() + 3}) {
    SCOPED_TRACE(bits);
    Entries all;
    for (uint64_t b = 0; b < (uint64_t{1} << bits); ++b) {
      for (auto& kv : Collect(**reader, bits, b)) EXPECT_TRUE(all.insert(kv).second);
    }
    EXPECT_EQ(all, entries);
  }
  Entries streamed;
  ASSERT_TRUE((*reader)
                  ->ForEach([&](const KeyRecord& r) {
                    streamed[std::string(r.key)] = {std::string(r.order), r.a};
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(streamed, entries);
}

TEST(KeyIndex, WriterStreamsBucketsInOrderAndRefusesThemOutOfOrder) {
  common::TestTempDir dir;
  Entries entries = MakeEntries(5000);
  std::vector<std::pair<uint64_t, std::string>> by_hash;
  for (const auto& [key, v] : entries) by_hash.emplace_back(KeyHash(key), key);
  std::sort(by_hash.begin(), by_hash.end());
  std::string path = dir.path() + "/streamed.idx";
  {
    auto w = KeyIndexWriter::Open(path, 6);
    ASSERT_TRUE(w.ok());
    for (const auto& [hash, key] : by_hash)
      ASSERT_TRUE((*w)->Add(hash, key, entries[key].first, entries[key].second).ok());
    ASSERT_TRUE((*w)->Finish().ok());
  }
  auto loaded = KeyTable::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->size(), entries.size());

  std::string bad = dir.path() + "/bad.idx";
  auto w = KeyIndexWriter::Open(bad, 6);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Add(by_hash.back().first, "z", "", 1).ok());
  Status st = (*w)->Add(by_hash.front().first, "a", "", 1);
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  w->reset();
  EXPECT_FALSE(fs::exists(bad));  // never finished: no file
}

TEST(KeyIndex, TheFormatBeforeBucketsStillLoadsAndStreams) {
  common::TestTempDir dir;
  Entries entries = MakeEntries(3000);
  // SLKEYS02: magic, count, { u32 key size, u32 order size, i64 file id, key, order }, magic.
  std::string old = "SLKEYS02";
  uint64_t count = entries.size();
  old.append(reinterpret_cast<const char*>(&count), 8);
  for (const auto& [key, v] : entries) {
    uint32_t ks = static_cast<uint32_t>(key.size()), os = static_cast<uint32_t>(v.first.size());
    old.append(reinterpret_cast<const char*>(&ks), 4);
    old.append(reinterpret_cast<const char*>(&os), 4);
    old.append(reinterpret_cast<const char*>(&v.second), 8);
    old += key + v.first;
  }
  old += "SLKEYS02";
  std::string path = dir.path() + "/old.idx";
  ASSERT_TRUE(common::WriteFileAtomically(path, old).ok());
  auto loaded = KeyTable::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->size(), entries.size());
  auto reader = KeyIndexReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_FALSE((*reader)->bucketed());
  Entries streamed;
  ASSERT_TRUE((*reader)
                  ->ForEach([&](const KeyRecord& r) {
                    EXPECT_EQ(r.hash, KeyHash(r.key));
                    streamed[std::string(r.key)] = {std::string(r.order), r.a};
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(streamed, entries);
}

// SLKEYS03, written before the varint entries: { u64 hash, u32 key size, u32 order size,
// i64 file id, key, order } grouped by the hash's top `bits` bits, the directory, the trailer.
std::string Slkeys03Of(const Entries& entries, int bits) {
  std::vector<std::string> groups(size_t{1} << bits);
  for (const auto& [key, v] : entries) {
    uint64_t hash = KeyHash(key);
    uint32_t ks = static_cast<uint32_t>(key.size()), os = static_cast<uint32_t>(v.first.size());
    std::string& g = groups[KeyBucket(hash, bits)];
    g.append(reinterpret_cast<const char*>(&hash), 8);
    g.append(reinterpret_cast<const char*>(&ks), 4);
    g.append(reinterpret_cast<const char*>(&os), 4);
    g.append(reinterpret_cast<const char*>(&v.second), 8);
    g += key + v.first;
  }
  std::string out = "SLKEYS03";
  std::vector<uint64_t> directory;
  for (const std::string& g : groups) {
    directory.push_back(out.size());
    out += g;
  }
  uint64_t entries_end = out.size();
  directory.push_back(entries_end);
  out.append(reinterpret_cast<const char*>(directory.data()), directory.size() * 8);
  uint64_t count = entries.size();
  uint32_t bits32 = static_cast<uint32_t>(bits), zero = 0;
  out.append(reinterpret_cast<const char*>(&count), 8);
  out.append(reinterpret_cast<const char*>(&bits32), 4);
  out.append(reinterpret_cast<const char*>(&zero), 4);
  out.append(reinterpret_cast<const char*>(&entries_end), 8);
  return out + "SLKEYS03";
}

TEST(KeyIndex, TheFormatBeforeVarintEntriesStillLoadsAndReadsByBucket) {
  common::TestTempDir dir;
  Entries entries = MakeEntries(6000);
  std::string path = dir.path() + "/v3.idx";
  ASSERT_TRUE(common::WriteFileAtomically(path, Slkeys03Of(entries, 2)).ok());
  ExpectLoadsAs(path, entries);
  auto reader = KeyIndexReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE((*reader)->bucketed());
  EXPECT_EQ((*reader)->directory_bits(), 2);
  for (int bits : {0, 2, 4}) {
    SCOPED_TRACE(bits);
    Entries all;
    for (uint64_t b = 0; b < (uint64_t{1} << bits); ++b) {
      for (auto& kv : Collect(**reader, bits, b)) EXPECT_TRUE(all.insert(kv).second);
    }
    EXPECT_EQ(all, entries);
  }
  // Its per-entry hashes are still checked.
  std::string v3 = Slkeys03Of(entries, 0);
  v3[8 + 24] ^= 1;  // the first entry's first key byte
  ASSERT_TRUE(common::WriteFileAtomically(path, v3).ok());
  auto bad = KeyTable::Load(path);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("hash does not match"), std::string::npos)
      << bad.status().ToString();
}

TEST(KeyIndex, EntriesAreVarintsWithoutHashesAndNegativeOrHugeFileIdsRoundTrip) {
  common::TestTempDir dir;
  Entries entries;
  entries["a"] = {"", 1};
  entries["b"] = {"o", -7};
  entries["c"] = {std::string(300, 'x'), int64_t{1} << 62};
  entries[std::string(200, 'k')] = {"z", 0};
  std::string path = dir.path() + "/keys.idx";
  ASSERT_TRUE(TableOf(entries).Write(path).ok());
  auto whole = common::ReadFileToString(path);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->substr(0, 8), "SLKEYS04");
  // "a": key size 1, order size 0, zigzag(1) = 2, then the key: four bytes for the entry;
  // one group (bits 0): 2 directory offsets and 1 checksum, then the 32-byte trailer.
  size_t entries_bytes = 4 + (3 + 1 + 1) + (1 + 2 + 10 + 1 + 300) + (2 + 1 + 1 + 200 + 1);
  EXPECT_EQ(whole->size(), 8 + entries_bytes + 2 * 8 + 4 + 32);
  auto loaded = KeyTable::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  for (const auto& [key, v] : entries) {
    const KeyTable::Entry* e = loaded->Find(key);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(loaded->order(*e), v.first);
    EXPECT_EQ(e->a, v.second);
  }
}

TEST(KeyIndex, AGroupFailingItsChecksumIsCorruptionWhenLoadedOrReadByBucket) {
  common::TestTempDir dir;
  std::string path = dir.path() + "/keys.idx";
  ASSERT_TRUE(TableOf(MakeEntries(20000)).Write(path).ok());  // several groups
  auto whole = common::ReadFileToString(path);
  ASSERT_TRUE(whole.ok());
  // An order byte of the first entry ("o…"): the entry still parses, only the CRC catches it.
  std::string flipped = *whole;
  size_t first_order = 8 + 3 + static_cast<uint8_t>((*whole)[8]);
  ASSERT_EQ(flipped[first_order], 'o');
  flipped[first_order] = 'p';
  ASSERT_TRUE(common::WriteFileAtomically(path, flipped).ok());
  auto loaded = KeyTable::Load(path);
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find(path + ": group 0 does not match its checksum"),
            std::string::npos)
      << loaded.status().ToString();
  auto reader = KeyIndexReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const int bits = (*reader)->directory_bits();
  ASSERT_GT(bits, 0);
  Status st = (*reader)->ReadBucket(bits, 0, [](const KeyRecord&) { return Status::OK(); });
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  // Other groups read fine.
  Status other = (*reader)->ReadBucket(bits, 1, [](const KeyRecord&) { return Status::OK(); });
  EXPECT_TRUE(other.ok()) << other.ToString();
}

TEST(KeyIndex, TruncatedOrForeignFilesAreCorruptionNamingTheFile) {
  common::TestTempDir dir;
  std::string path = dir.path() + "/keys.idx";
  ASSERT_TRUE(TableOf(MakeEntries(100)).Write(path).ok());
  auto whole = common::ReadFileToString(path);
  ASSERT_TRUE(whole.ok());
  for (size_t cut : {size_t{3}, whole->size() / 2, whole->size() - 1}) {
    ASSERT_TRUE(common::WriteFileAtomically(path, whole->substr(0, cut)).ok());
    auto loaded = KeyTable::Load(path);
    EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption) << cut;
    EXPECT_NE(loaded.status().message().find(path), std::string::npos);
    auto reader = KeyIndexReader::Open(path);
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption) << cut;
  }
  // A flipped key byte no longer matches its hash.
  std::string flipped = *whole;
  flipped[8 + 24] ^= 1;
  ASSERT_TRUE(common::WriteFileAtomically(path, flipped).ok());
  EXPECT_EQ(KeyTable::Load(path).status().code(), StatusCode::kCorruption);
}

TEST(KeyBucketFiles, HandsBackEachBucketsRecordsInTheOrderAddedAndCleansUp) {
  common::TestTempDir dir;
  std::string scratch = dir.path() + "/scratch";
  std::map<uint64_t, std::vector<std::string>> expected;
  {
    auto files = KeyBucketFiles::Open(scratch, 4, /*buffer_bytes=*/1);  // flush every record
    ASSERT_TRUE(files.ok());
    for (int i = 0; i < 3000; ++i) {
      std::string key = "k" + std::to_string(i % 1000);  // each key three times
      std::string order = std::to_string(i);
      uint64_t hash = KeyHash(key);
      ASSERT_TRUE((*files)->Add(KeyRecord{hash, key, order, -2 - i % 3, i}).ok());
      expected[KeyBucket(hash, 4)].push_back(key + "/" + order);
    }
    ASSERT_TRUE((*files)->Flush().ok());
    EXPECT_EQ((*files)->records(), 3000u);
    for (uint64_t b = 0; b < 16; ++b) {
      std::vector<std::string> got;
      ASSERT_TRUE((*files)
                      ->Consume(b,
                                [&](const KeyRecord& r) {
                                  EXPECT_EQ(r.a, -2 - r.b % 3);
                                  got.push_back(std::string(r.key) + "/" + std::string(r.order));
                                  return Status::OK();
                                })
                      .ok());
      EXPECT_EQ(got, expected[b]) << b;
    }
    EXPECT_TRUE(fs::is_empty(scratch));  // consumed buckets are deleted
  }
  EXPECT_FALSE(fs::exists(scratch));
}

}  // namespace
}  // namespace sluice::etl
