#include "sluice/etl/key_index.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <zlib.h>

#include "sluice/common/file_util.h"

namespace sluice::etl {
namespace {

constexpr std::string_view kMagic = "SLKEYS02";    // entries in no order (before buckets)
constexpr std::string_view kMagic3 = "SLKEYS03";   // entries grouped by bucket, a directory
constexpr std::string_view kMagic4 = "SLKEYS04";   // the same, varint entries, group checksums
constexpr size_t kTrailerBytes = 8 + 4 + 4 + 8 + 8;  // count, bits, 0, directory offset, magic
constexpr size_t kEntryHeader = 8 + 4 + 4 + 8;      // SLKEYS03: hash, key size, order size, file id
constexpr size_t kMinEntry4 = 3;                     // SLKEYS04: three one-byte varints
constexpr size_t kRecordHeader = 8 + 4 + 4 + 8 + 8;  // the same plus b (bucket files)
constexpr int kMaxDirectoryBits = 24;

uint64_t g_hash_mask = ~uint64_t{0};

uint64_t Murmur64A(const char* data, size_t len) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = 0xc70f6907ULL ^ (len * m);
  const char* end = data + (len / 8) * 8;
  for (; data != end; data += 8) {
    uint64_t k;
    std::memcpy(&k, data, 8);  // little-endian hosts only (x86-64, aarch64)
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const auto* tail = reinterpret_cast<const unsigned char*>(data);
  switch (len & 7) {
    case 7: h ^= uint64_t{tail[6]} << 48; [[fallthrough]];
    case 6: h ^= uint64_t{tail[5]} << 40; [[fallthrough]];
    case 5: h ^= uint64_t{tail[4]} << 32; [[fallthrough]];
    case 4: h ^= uint64_t{tail[3]} << 24; [[fallthrough]];
    case 3: h ^= uint64_t{tail[2]} << 16; [[fallthrough]];
    case 2: h ^= uint64_t{tail[1]} << 8; [[fallthrough]];
    case 1:
      h ^= uint64_t{tail[0]};
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

// SLKEYS04 entries: { varint key size, varint order size, varint zigzag(file id), key, order }.
size_t VarintSize(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  for (; v >= 0x80; v >>= 7) *p++ = static_cast<char>(v | 0x80);
  *p++ = static_cast<char>(v);
  return p;
}

// Reads a varint at *p (advancing it) not past `end`; false when truncated or over 64 bits.
bool GetVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64 && *p != end; shift += 7) {
    const auto b = static_cast<uint8_t>(*(*p)++);
    r |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

size_t EntrySize4(size_t key_size, size_t order_size, int64_t file_id) {
  return VarintSize(key_size) + VarintSize(order_size) + VarintSize(ZigZag(file_id)) + key_size +
         order_size;
}

char* PutEntry4(char* p, std::string_view key, std::string_view order, int64_t file_id) {
  p = PutVarint(p, key.size());
  p = PutVarint(p, order.size());
  p = PutVarint(p, ZigZag(file_id));
  std::memcpy(p, key.data(), key.size());
  std::memcpy(p + key.size(), order.data(), order.size());
  return p + key.size() + order.size();
}

// A group's checksum in SLKEYS04: CRC-32 (zlib's) of its entries' bytes.
uint32_t GroupChecksum(uint32_t crc, const char* data, size_t n) {
  return static_cast<uint32_t>(crc32_z(crc, reinterpret_cast<const Bytef*>(data), n));
}

template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

}  // namespace

uint64_t KeyHash(std::string_view key) {
  uint64_t h = Murmur64A(key.data(), key.size());
  // Mix so that the low bits (the slot) and the high bits (the bucket) depend on every bit.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h & g_hash_mask;
}

void SetKeyHashMaskForTesting(uint64_t mask) { g_hash_mask = mask; }

int KeyIndexDirectoryBits(uint64_t count) {
  int bits = 0;
  while (bits < 20 && (count >> bits) > 4096) ++bits;
  return bits;
}

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

const KeyTable::Entry* KeyTable::Find(std::string_view k, uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  size_t s = Probe(hash, k);
  return slots_[s] == 0 ? nullptr : &entries_[(slots_[s] & 0xffffffff) - 1];
}

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

namespace {

// Parses the SLKEYS03 or SLKEYS04 entries in `data` (whole entries only), checking that each
// is in a group in [first_group, end_group) of 2^bits and (SLKEYS03) that its hash is
// KeyHash(key); SLKEYS04 entries get their hash computed.
Status ParseEntries(std::string_view data, bool varint, int bits, uint64_t first_group,
                    uint64_t end_group, const std::function<Status(const std::string&)>& corrupt,
                    const KeyRecordFn& fn) {
  KeyRecord r;
  if (varint) {
    const char* p = data.data();
    const char* const end = p + data.size();
    while (p != end) {
      uint64_t key_size, order_size, file_id;
      if (!GetVarint(&p, end, &key_size) || !GetVarint(&p, end, &order_size) ||
          !GetVarint(&p, end, &file_id) || static_cast<uint64_t>(end - p) < key_size ||
          static_cast<uint64_t>(end - p) - key_size < order_size) {
        return corrupt("an entry is truncated");
      }
      r.a = UnZigZag(file_id);
      r.key = std::string_view(p, key_size);
      r.order = std::string_view(p + key_size, order_size);
      p += key_size + order_size;
      r.hash = KeyHash(r.key);
      uint64_t g = KeyBucket(r.hash, bits);
      if (g < first_group || g >= end_group) return corrupt("an entry is outside its bucket");
      SLUICE_RETURN_IF_ERROR(fn(r));
    }
    return Status::OK();
  }
  size_t p = 0;
  while (p < data.size()) {
    if (data.size() - p < kEntryHeader) return corrupt("an entry is truncated");
    r.hash = Get<uint64_t>(data.data() + p);
    uint32_t key_size = Get<uint32_t>(data.data() + p + 8);
    uint32_t order_size = Get<uint32_t>(data.data() + p + 12);
    r.a = Get<int64_t>(data.data() + p + 16);
    p += kEntryHeader;
    if (data.size() - p < uint64_t{key_size} + order_size) return corrupt("an entry is truncated");
    r.key = data.substr(p, key_size);
    r.order = data.substr(p + key_size, order_size);
    p += key_size + order_size;
    uint64_t g = KeyBucket(r.hash, bits);
    if (g < first_group || g >= end_group) return corrupt("an entry is outside its bucket");
    if (KeyHash(r.key) != r.hash) return corrupt("an entry's hash does not match its key");
    SLUICE_RETURN_IF_ERROR(fn(r));
  }
  return Status::OK();
}

// The layout of a bucketed index (SLKEYS03/04) from its trailer; `size` is the file's.
struct Layout {
  bool varint = false;  // SLKEYS04
  uint64_t count = 0;
  int bits = 0;
  uint64_t entries_end = 0;  // the directory's offset
  uint64_t groups() const { return uint64_t{1} << bits; }
  uint64_t checksums_offset() const { return entries_end + (groups() + 1) * 8; }
};

// `trailer` is the last kTrailerBytes of a file of `size` bytes starting with `magic`.
Result<Layout> ParseTrailer(std::string_view magic, const char* trailer, uint64_t size,
                            const std::function<Status(const std::string&)>& corrupt) {
  Layout l;
  l.varint = magic == kMagic4;
  if (std::string_view(trailer + kTrailerBytes - 8, 8) != magic)
    return corrupt("missing magic (truncated or not a key index)");
  l.count = Get<uint64_t>(trailer);
  const uint32_t bits = Get<uint32_t>(trailer + 8);
  l.entries_end = Get<uint64_t>(trailer + 16);
  if (bits > kMaxDirectoryBits || l.entries_end < magic.size() || l.entries_end > size)
    return corrupt("bad directory");
  l.bits = static_cast<int>(bits);
  const uint64_t tail = (l.groups() + 1) * 8 + (l.varint ? l.groups() * 4 : 0) + kTrailerBytes;
  if (l.entries_end + tail != size) return corrupt("bad directory");
  if (l.count > (l.entries_end - magic.size()) / (l.varint ? kMinEntry4 : kEntryHeader))
    return corrupt("bad entry count");
  return l;
}

// Checks that `directory` (2^bits + 1 offsets) spans the entries of `l` in order.
Status CheckDirectory(const Layout& l, const std::vector<uint64_t>& directory, size_t magic_size,
                      const std::function<Status(const std::string&)>& corrupt) {
  if (directory.size() != l.groups() + 1 || directory.front() != magic_size ||
      directory.back() != l.entries_end || !std::is_sorted(directory.begin(), directory.end())) {
    return corrupt("bad directory");
  }
  return Status::OK();
}

// Checks SLKEYS04 groups [first, end) against their CRC-32s (`checksums`: 4 bytes per group,
// from group 0); `data` holds the file's bytes from offset `data_offset` on.
Status CheckGroups(const char* data, uint64_t data_offset, const std::vector<uint64_t>& directory,
                   const char* checksums, uint64_t first, uint64_t end,
                   const std::function<Status(const std::string&)>& corrupt) {
  for (uint64_t g = first; g < end; ++g) {
    const uint64_t bytes = directory[g + 1] - directory[g];
    if (GroupChecksum(0, data + (directory[g] - data_offset), bytes) !=
        Get<uint32_t>(checksums + g * 4)) {
      return corrupt("group " + std::to_string(g) + " does not match its checksum");
    }
  }
  return Status::OK();
}

}  // namespace

Status KeyTable::Write(const std::string& path) const {
  // Entries go straight to their group's place in one buffer (a counting sort by bucket:
  // the entries are read in order, which is what makes writing 1M keys cheap).
  const int bits = KeyIndexDirectoryBits(entries_.size());
  const uint64_t groups = uint64_t{1} << bits;
  std::vector<uint64_t> dir(groups + 1, 0);
  for (const Entry& e : entries_)
    dir[KeyBucket(e.hash, bits) + 1] += EntrySize4(e.key_size, e.order_size, e.a);
  dir[0] = kMagic4.size();
  for (uint64_t g = 0; g < groups; ++g) dir[g + 1] += dir[g];
  const uint64_t entries_end = dir[groups];
  // Every byte is written below: no zero-fill first (~23 MB for 1M keys).
  const size_t out_size = entries_end + (groups + 1) * 8 + groups * 4 + kTrailerBytes;
  std::unique_ptr<char[]> buffer(new char[out_size]);
  char* const out = buffer.get();
  std::memcpy(out, kMagic4.data(), kMagic4.size());
  std::vector<uint64_t> cursor(dir.begin(), dir.end() - 1);
  for (const Entry& e : entries_) {
    uint64_t& at = cursor[KeyBucket(e.hash, bits)];
    at = static_cast<uint64_t>(PutEntry4(out + at, key(e), order(e), e.a) - out);
  }
  char* p = out + entries_end;
  std::memcpy(p, dir.data(), dir.size() * 8);
  p += dir.size() * 8;
  for (uint64_t g = 0; g < groups; ++g) {
    const uint32_t crc = GroupChecksum(0, out + dir[g], dir[g + 1] - dir[g]);
    std::memcpy(p, &crc, 4);
    p += 4;
  }
  const uint64_t count = entries_.size();
  const uint32_t bits32 = static_cast<uint32_t>(bits), zero = 0;
  std::memcpy(p, &count, 8);
  std::memcpy(p + 8, &bits32, 4);
  std::memcpy(p + 12, &zero, 4);
  std::memcpy(p + 16, &entries_end, 8);
  std::memcpy(p + 24, kMagic4.data(), kMagic4.size());
  return common::WriteFileAtomically(path, std::string_view(out, out_size));
}

Result<KeyTable> KeyTable::Load(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string d, common::ReadFileToString(path));
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("key index " + path + ": " + what);
  };
  const std::string_view head = std::string_view(d).substr(0, 8);
  if ((head == kMagic3 || head == kMagic4) && d.size() >= head.size() + kTrailerBytes) {
    SLUICE_ASSIGN_OR_RETURN(
        Layout l, ParseTrailer(head, d.data() + d.size() - kTrailerBytes, d.size(), corrupt));
    std::vector<uint64_t> directory(l.groups() + 1);
    std::memcpy(directory.data(), d.data() + l.entries_end, directory.size() * 8);
    SLUICE_RETURN_IF_ERROR(CheckDirectory(l, directory, head.size(), corrupt));
    if (l.varint) {
      SLUICE_RETURN_IF_ERROR(CheckGroups(d.data(), 0, directory,
                                         d.data() + l.checksums_offset(), 0, l.groups(), corrupt));
    }
    KeyTable table;
    table.Reserve(l.count);
    // The arena holds keys and orders: the entries without their headers (SLKEYS04's varint
    // headers take at least 3 bytes, SLKEYS03's are fixed).
    table.arena_.reserve(l.entries_end - head.size() -
                         l.count * (l.varint ? kMinEntry4 : kEntryHeader));
    uint64_t seen = 0;
    SLUICE_RETURN_IF_ERROR(ParseEntries(
        std::string_view(d).substr(head.size(), l.entries_end - head.size()), l.varint, l.bits, 0,
        l.groups(), corrupt, [&](const KeyRecord& r) -> Status {
          auto [e, inserted] = table.FindOrInsert(r.key, r.hash);
          if (!inserted) return corrupt("key of entry " + std::to_string(seen) + " appears twice");
          table.SetOrder(e, r.order);
          e->a = r.a;
          ++seen;
          return Status::OK();
        }));
    if (seen != l.count) return corrupt("entry count does not match the entries");
    return table;
  }
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

// ---------------------------------------------------------------------------------------
// KeyIndexWriter

Result<std::unique_ptr<KeyIndexWriter>> KeyIndexWriter::Open(const std::string& path,
                                                             int directory_bits) {
  if (directory_bits < 0 || directory_bits > kMaxDirectoryBits)
    return Status::InvalidArgument("key index " + path + ": directory bits out of range");
  std::unique_ptr<KeyIndexWriter> w(new KeyIndexWriter());
  w->path_ = path;
  SLUICE_ASSIGN_OR_RETURN(w->out_, common::AtomicFileOutputStream::Open(path, /*durable=*/true));
  w->bits_ = directory_bits;
  w->directory_.assign((uint64_t{1} << directory_bits) + 1, 0);
  w->checksums_.assign(uint64_t{1} << directory_bits, 0);
  w->buffer_ = kMagic4;
  w->offset_ = kMagic4.size();
  return w;
}

Status KeyIndexWriter::Add(uint64_t hash, std::string_view key, std::string_view order,
                           int64_t file_id) {
  const uint64_t g = KeyBucket(hash, bits_);
  if (g + 1 < next_group_)
    return Status::Internal("key index " + path_ + ": entries out of bucket order");
  for (; next_group_ <= g; ++next_group_) directory_[next_group_] = offset_;
  const size_t n = EntrySize4(key.size(), order.size(), file_id);
  const size_t at = buffer_.size();
  buffer_.resize(at + n);
  PutEntry4(buffer_.data() + at, key, order, file_id);
  checksums_[g] = GroupChecksum(checksums_[g], buffer_.data() + at, n);
  offset_ += n;
  ++count_;
  if (buffer_.size() >= (size_t{1} << 20)) return FlushBuffer();
  return Status::OK();
}

Status KeyIndexWriter::FlushBuffer() {
  SLUICE_RETURN_IF_ERROR(out_->Write(buffer_));
  buffer_.clear();
  return Status::OK();
}

Status KeyIndexWriter::Finish() {
  const uint64_t entries_end = offset_;
  for (; next_group_ < directory_.size(); ++next_group_) directory_[next_group_] = offset_;
  for (uint64_t off : directory_) Put<uint64_t>(&buffer_, off);
  for (uint32_t crc : checksums_) Put<uint32_t>(&buffer_, crc);
  Put<uint64_t>(&buffer_, count_);
  Put<uint32_t>(&buffer_, static_cast<uint32_t>(bits_));
  Put<uint32_t>(&buffer_, 0);
  Put<uint64_t>(&buffer_, entries_end);
  buffer_.append(kMagic4);
  SLUICE_RETURN_IF_ERROR(FlushBuffer());
  return out_->Close();
}

// ---------------------------------------------------------------------------------------
// KeyIndexReader

Status KeyIndexReader::Corrupt(const std::string& what) const {
  return Status::Corruption("key index " + path_ + ": " + what);
}

Result<std::unique_ptr<KeyIndexReader>> KeyIndexReader::Open(const std::string& path) {
  std::unique_ptr<KeyIndexReader> r(new KeyIndexReader());
  r->path_ = path;
  SLUICE_ASSIGN_OR_RETURN(r->fd_, common::OpenFile(path, O_RDONLY));
  struct stat st;
  if (::fstat(r->fd_.get(), &st) != 0) return Status::IOError("cannot stat " + path);
  r->file_bytes_ = static_cast<uint64_t>(st.st_size);
  const uint64_t size = r->file_bytes_;
  char magic[8];
  char tail[8];
  if (size < 2 * kMagic.size() + 8) return r->Corrupt("missing magic (truncated or not a key index)");
  SLUICE_RETURN_IF_ERROR(common::PReadExact(r->fd_.get(), magic, 8, 0, path));
  SLUICE_RETURN_IF_ERROR(common::PReadExact(r->fd_.get(), tail, 8, size - 8, path));
  const std::string_view head(magic, 8);
  if ((head == kMagic3 || head == kMagic4) && size >= head.size() + kTrailerBytes) {
    auto corrupt = [&](const std::string& what) { return r->Corrupt(what); };
    char t[kTrailerBytes];
    SLUICE_RETURN_IF_ERROR(
        common::PReadExact(r->fd_.get(), t, kTrailerBytes, size - kTrailerBytes, path));
    SLUICE_ASSIGN_OR_RETURN(Layout l, ParseTrailer(head, t, size, corrupt));
    r->bucketed_ = true;
    r->varint_ = l.varint;
    r->count_ = l.count;
    r->bits_ = l.bits;
    r->directory_.resize(l.groups() + 1);
    SLUICE_RETURN_IF_ERROR(common::PReadExact(r->fd_.get(), r->directory_.data(),
                                              r->directory_.size() * 8, l.entries_end, path));
    SLUICE_RETURN_IF_ERROR(CheckDirectory(l, r->directory_, head.size(), corrupt));
    if (l.varint) {
      r->checksums_.resize(l.groups());
      SLUICE_RETURN_IF_ERROR(common::PReadExact(r->fd_.get(), r->checksums_.data(),
                                                r->checksums_.size() * 4, l.checksums_offset(),
                                                path));
    }
    return r;
  }
  if (head != kMagic || std::string_view(tail, 8) != kMagic)
    return r->Corrupt("missing magic (truncated or not a key index)");
  SLUICE_RETURN_IF_ERROR(common::PReadExact(r->fd_.get(), &r->count_, 8, kMagic.size(), path));
  return r;
}

Status KeyIndexReader::ReadGroups(uint64_t first, uint64_t end, int filter_bits,
                                  uint64_t filter_bucket, const KeyRecordFn& fn) const {
  auto corrupt = [&](const std::string& what) { return Corrupt(what); };
  std::string buf;
  constexpr uint64_t kWindow = uint64_t{4} << 20;
  for (uint64_t g = first; g < end;) {
    uint64_t g2 = g + 1;  // read groups [g, g2): a few MiB at once, a bigger group whole
    while (g2 < end && directory_[g2 + 1] - directory_[g] <= kWindow) ++g2;
    const uint64_t begin = directory_[g], bytes = directory_[g2] - begin;
    buf.resize(bytes);
    SLUICE_RETURN_IF_ERROR(common::PReadExact(fd_.get(), buf.data(), bytes, begin, path_));
    if (varint_) {
      SLUICE_RETURN_IF_ERROR(CheckGroups(buf.data(), begin, directory_,
                                         reinterpret_cast<const char*>(checksums_.data()), g, g2,
                                         corrupt));
    }
    SLUICE_RETURN_IF_ERROR(
        ParseEntries(buf, varint_, bits_, g, g2, corrupt, [&](const KeyRecord& r) {
          if (filter_bits > 0 && KeyBucket(r.hash, filter_bits) != filter_bucket)
            return Status::OK();
          return fn(r);
        }));
    g = g2;
  }
  return Status::OK();
}

Status KeyIndexReader::ReadBucket(int bits, uint64_t bucket, const KeyRecordFn& fn) const {
  if (!bucketed_) return Status::Internal("key index " + path_ + " has no buckets (SLKEYS02)");
  if (bits <= bits_) {
    const int shift = bits_ - bits;
    return ReadGroups(bucket << shift, (bucket + 1) << shift, bits, bucket, fn);
  }
  const uint64_t group = bucket >> (bits - bits_);
  return ReadGroups(group, group + 1, bits, bucket, fn);
}

Status KeyIndexReader::ForEach(const KeyRecordFn& fn) const {
  if (bucketed_) return ReadGroups(0, directory_.size() - 1, 0, 0, fn);
  // SLKEYS02: entries in no order, without hashes, read through a window.
  const uint64_t end = file_bytes_ - kMagic.size();
  uint64_t off = kMagic.size() + 8;
  std::string buf;
  size_t pos = 0;
  auto need = [&](size_t n) -> Status {
    if (buf.size() - pos >= n) return Status::OK();
    buf.erase(0, pos);
    pos = 0;
    uint64_t want = std::min<uint64_t>(std::max<uint64_t>(n - buf.size(), uint64_t{4} << 20),
                                       end - off);
    if (buf.size() + want < n) return Corrupt("an entry is truncated");
    size_t old = buf.size();
    buf.resize(old + want);
    SLUICE_RETURN_IF_ERROR(common::PReadExact(fd_.get(), buf.data() + old, want, off, path_));
    off += want;
    return Status::OK();
  };
  KeyRecord r;
  for (uint64_t i = 0; i < count_; ++i) {
    SLUICE_RETURN_IF_ERROR(need(16));
    uint32_t key_size = Get<uint32_t>(buf.data() + pos);
    uint32_t order_size = Get<uint32_t>(buf.data() + pos + 4);
    r.a = Get<int64_t>(buf.data() + pos + 8);
    SLUICE_RETURN_IF_ERROR(need(16 + size_t{key_size} + order_size));
    r.key = std::string_view(buf).substr(pos + 16, key_size);
    r.order = std::string_view(buf).substr(pos + 16 + key_size, order_size);
    r.hash = KeyHash(r.key);
    SLUICE_RETURN_IF_ERROR(fn(r));
    pos += 16 + key_size + order_size;
  }
  if (off != end || pos != buf.size()) return Corrupt("trailing bytes after the last entry");
  return Status::OK();
}

// ---------------------------------------------------------------------------------------
// KeyBucketFiles

Result<std::unique_ptr<KeyBucketFiles>> KeyBucketFiles::Open(std::string dir, int bits,
                                                             size_t buffer_bytes) {
  if (bits < 0 || bits > 16) return Status::InvalidArgument("key buckets: bits out of range");
  std::unique_ptr<KeyBucketFiles> f(new KeyBucketFiles());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  SLUICE_RETURN_IF_ERROR(common::CreateDirectories(dir));
  f->dir_ = std::move(dir);
  f->bits_ = bits;
  f->buffer_limit_ = std::max<size_t>(4096, buffer_bytes >> bits);
  f->buffers_.resize(size_t{1} << bits);
  return f;
}

KeyBucketFiles::~KeyBucketFiles() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status KeyBucketFiles::Add(const KeyRecord& r) {
  const uint64_t b = KeyBucket(r.hash, bits_);
  std::string& buf = buffers_[b];
  Put<uint64_t>(&buf, r.hash);
  Put<uint32_t>(&buf, static_cast<uint32_t>(r.key.size()));
  Put<uint32_t>(&buf, static_cast<uint32_t>(r.order.size()));
  Put<int64_t>(&buf, r.a);
  Put<int64_t>(&buf, r.b);
  buf.append(r.key);
  buf.append(r.order);
  ++records_;
  if (buf.size() >= buffer_limit_) return FlushBucket(b);
  return Status::OK();
}

Status KeyBucketFiles::FlushBucket(uint64_t bucket) {
  std::string& buf = buffers_[bucket];
  if (buf.empty()) return Status::OK();
  std::string path = Path(bucket);
  SLUICE_ASSIGN_OR_RETURN(common::FileDescriptor fd,
                          common::OpenFile(path, O_WRONLY | O_CREAT | O_APPEND));
  SLUICE_RETURN_IF_ERROR(common::WriteAll(fd.get(), buf.data(), buf.size(), path));
  SLUICE_RETURN_IF_ERROR(fd.Close());
  buf.clear();
  return Status::OK();
}

Status KeyBucketFiles::Flush() {
  for (uint64_t b = 0; b < buffers_.size(); ++b) SLUICE_RETURN_IF_ERROR(FlushBucket(b));
  return Status::OK();
}

Status KeyBucketFiles::Consume(uint64_t bucket, const KeyRecordFn& fn) {
  SLUICE_RETURN_IF_ERROR(FlushBucket(bucket));
  std::string().swap(buffers_[bucket]);
  const std::string path = Path(bucket);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::OK();
  SLUICE_ASSIGN_OR_RETURN(std::string d, common::ReadFileToString(path));
  KeyRecord r;
  for (size_t p = 0; p < d.size();) {
    if (d.size() - p < kRecordHeader) return Status::Corruption(path + ": a record is truncated");
    r.hash = Get<uint64_t>(d.data() + p);
    uint32_t key_size = Get<uint32_t>(d.data() + p + 8);
    uint32_t order_size = Get<uint32_t>(d.data() + p + 12);
    r.a = Get<int64_t>(d.data() + p + 16);
    r.b = Get<int64_t>(d.data() + p + 24);
    p += kRecordHeader;
    if (d.size() - p < uint64_t{key_size} + order_size)
      return Status::Corruption(path + ": a record is truncated");
    r.key = std::string_view(d).substr(p, key_size);
    r.order = std::string_view(d).substr(p + key_size, order_size);
    p += key_size + order_size;
    SLUICE_RETURN_IF_ERROR(fn(r));
  }
  std::filesystem::remove(path, ec);
  if (ec) return Status::IOError("cannot remove " + path + ": " + ec.message());
  return Status::OK();
}

}  // namespace sluice::etl
