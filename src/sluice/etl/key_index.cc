#include "sluice/etl/key_index.h"

#include <algorithm>
#include <cstring>

#include "sluice/common/file_util.h"

namespace sluice::etl {
namespace {

constexpr std::string_view kMagic = "SLKEYS01";

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

void PutI64(std::string* out, int64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}

}  // namespace

Status KeyIndex::Write(const std::string& path, const std::vector<KeyEntry>& entries) {
  std::string out(kMagic);
  PutI64(&out, static_cast<int64_t>(entries.size()));
  for (const KeyEntry& e : entries) {
    PutU32(&out, static_cast<uint32_t>(e.key.size()));
    out.append(e.key);
    PutU32(&out, static_cast<uint32_t>(e.order.size()));
    out.append(e.order);
    PutI64(&out, e.file_id);
  }
  out.append(kMagic);
  return common::WriteFileAtomically(path, out);
}

Result<KeyIndex> KeyIndex::Load(const std::string& path) {
  KeyIndex index;
  SLUICE_ASSIGN_OR_RETURN(index.data_, common::ReadFileToString(path));
  const std::string& d = index.data_;
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("key index " + path + ": " + what);
  };
  if (d.size() < 2 * kMagic.size() + 8 || d.compare(0, kMagic.size(), kMagic) != 0 ||
      d.compare(d.size() - kMagic.size(), kMagic.size(), kMagic) != 0) {
    return corrupt("missing magic (truncated or not a key index)");
  }
  size_t p = kMagic.size();
  size_t end = d.size() - kMagic.size();
  int64_t count;
  std::memcpy(&count, d.data() + p, 8);
  p += 8;
  if (count < 0 || static_cast<uint64_t>(count) > (end - p) / 16) return corrupt("bad entry count");
  index.entries_.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    KeyEntry e;
    for (std::string_view* field : {&e.key, &e.order}) {
      if (end - p < 4) return corrupt("entry " + std::to_string(i) + " is truncated");
      uint32_t n;
      std::memcpy(&n, d.data() + p, 4);
      p += 4;
      if (end - p < n) return corrupt("entry " + std::to_string(i) + " is truncated");
      *field = std::string_view(d.data() + p, n);
      p += n;
    }
    if (end - p < 8) return corrupt("entry " + std::to_string(i) + " is truncated");
    std::memcpy(&e.file_id, d.data() + p, 8);
    p += 8;
    if (!index.entries_.empty() && !(index.entries_.back().key < e.key)) {
      return corrupt("keys out of order at entry " + std::to_string(i));
    }
    index.entries_.push_back(e);
  }
  if (p != end) return corrupt("trailing bytes after the last entry");
  return index;
}

const KeyEntry* KeyIndex::Find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const KeyEntry& e, std::string_view k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) return nullptr;
  return &*it;
}

}  // namespace sluice::etl
