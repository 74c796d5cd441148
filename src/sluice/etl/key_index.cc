#include "sluice/etl/key_index.h"

#include <cstring>
#include <functional>

#include "sluice/common/file_util.h"

namespace sluice::etl {
namespace {

constexpr std::string_view kMagic = "SLKEYS02";

uint64_t HashKey(std::string_view key) {
  uint64_t h = std::hash<std::string_view>{}(key);
  // Mix so that the low bits (the slot) depend on every bit.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

}  // namespace

void KeyTable::Reserve(size_t n) {
  entries_.reserve(n);
  size_t slots = 1024;
  while (slots < n * 2 + 2) slots *= 2;
  if (slots > slots_.size()) Rehash(slots);
}

// A slot holds the entry's index + 1 in its low 32 bits and the high 32 bits of the key's
// hash in its high bits, so probing rarely touches an entry that does not match.
void KeyTable::Rehash(size_t slots) {
  slots_.assign(slots, 0);
  size_t mask = slots - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    size_t s = entries_[i].hash & mask;
    while (slots_[s] != 0) s = (s + 1) & mask;
    slots_[s] = (entries_[i].hash & 0xffffffff00000000ULL) | (i + 1);
  }
}

size_t KeyTable::Probe(uint64_t hash, std::string_view k) const {
  size_t mask = slots_.size() - 1;
  const uint64_t tag = hash & 0xffffffff00000000ULL;
  for (size_t s = hash & mask;; s = (s + 1) & mask) {
    uint64_t slot = slots_[s];
    if (slot == 0) return s;
    if ((slot & 0xffffffff00000000ULL) != tag) continue;
    const Entry& e = entries_[(slot & 0xffffffff) - 1];
    if (e.hash == hash && key(e) == k) return s;
  }
}

const KeyTable::Entry* KeyTable::Find(std::string_view k) const {
  if (slots_.empty()) return nullptr;
  size_t s = Probe(HashKey(k), k);
  return slots_[s] == 0 ? nullptr : &entries_[(slots_[s] & 0xffffffff) - 1];
}

uint64_t KeyTable::HashOf(std::string_view key) { return HashKey(key); }

std::pair<KeyTable::Entry*, bool> KeyTable::FindOrInsert(std::string_view k, uint64_t hash) {
  if ((entries_.size() + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 1024 : slots_.size() * 2);
  size_t s = Probe(hash, k);
  if (slots_[s] != 0) return {&entries_[(slots_[s] & 0xffffffff) - 1], false};
  Entry e;
  e.hash = hash;
  e.key_offset = arena_.size();
  e.key_size = static_cast<uint32_t>(k.size());
  arena_.append(k);
  e.order_offset = arena_.size();
  entries_.push_back(e);
  slots_[s] = (hash & 0xffffffff00000000ULL) | entries_.size();
  return {&entries_.back(), true};
}

void KeyTable::SetOrder(Entry* entry, std::string_view order) {
  if (order.size() == entry->order_size && order == this->order(*entry)) return;
  entry->order_offset = arena_.size();
  entry->order_size = static_cast<uint32_t>(order.size());
  arena_.append(order);
}

Status KeyTable::Write(const std::string& path) const {
  // magic, count, then per entry: key size, order size, a, key bytes, order bytes; magic.
  std::string out(kMagic);
  Put<uint64_t>(&out, entries_.size());
  for (const Entry& e : entries_) {
    Put<uint32_t>(&out, e.key_size);
    Put<uint32_t>(&out, e.order_size);
    Put<int64_t>(&out, e.a);
    out.append(key(e));
    out.append(order(e));
  }
  out.append(kMagic);
  return common::WriteFileAtomically(path, out);
}

Result<KeyTable> KeyTable::Load(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string d, common::ReadFileToString(path));
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("key index " + path + ": " + what);
  };
  if (d.size() < 2 * kMagic.size() + 8 || d.compare(0, kMagic.size(), kMagic) != 0 ||
      d.compare(d.size() - kMagic.size(), kMagic.size(), kMagic) != 0) {
    return corrupt("missing magic (truncated or not a key index)");
  }
  size_t p = kMagic.size();
  size_t end = d.size() - kMagic.size();
  uint64_t count;
  std::memcpy(&count, d.data() + p, 8);
  p += 8;
  if (count > (end - p) / 16) return corrupt("bad entry count");
  KeyTable table;
  table.Reserve(count);
  table.arena_.reserve(end - p - count * 16);
  for (uint64_t i = 0; i < count; ++i) {
    if (end - p < 16) return corrupt("entry " + std::to_string(i) + " is truncated");
    uint32_t key_size, order_size;
    int64_t a;
    std::memcpy(&key_size, d.data() + p, 4);
    std::memcpy(&order_size, d.data() + p + 4, 4);
    std::memcpy(&a, d.data() + p + 8, 8);
    p += 16;
    if (end - p < uint64_t{key_size} + order_size)
      return corrupt("entry " + std::to_string(i) + " is truncated");
    auto [e, inserted] = table.FindOrInsert(std::string_view(d.data() + p, key_size));
    if (!inserted) return corrupt("key of entry " + std::to_string(i) + " appears twice");
    table.SetOrder(e, std::string_view(d.data() + p + key_size, order_size));
    e->a = a;
    p += key_size + order_size;
  }
  if (p != end) return corrupt("trailing bytes after the last entry");
  return table;
}

}  // namespace sluice::etl
