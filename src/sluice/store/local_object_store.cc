#include "sluice/store/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "sluice/common/file_util.h"
#include "sluice/common/hash.h"
#include "sluice/common/ids.h"
#include "sluice/common/json.h"
#include "sluice/common/logging.h"

namespace sluice::store {

namespace {

namespace json = common::json;
using common::FileDescriptor;

// Reserved names. Encoded key components never start with '.', so every dot-name is free
// for internal use (see docs/formats/object-store.md).
constexpr std::string_view kInternalDir = ".sluice";  // <root>/<bucket>/.sluice
constexpr std::string_view kBucketMetaFile = ".sluice/bucket.json";
constexpr std::string_view kBucketTmpDir = ".sluice/tmp";
constexpr std::string_view kRootTmpDir = ".sluice-tmp";  // <root>/.sluice-tmp
constexpr std::string_view kDirNameFile = ".name";       // full segment of a hashed dir
constexpr char kObjectSuffix = '~';
constexpr char kHashMark = '#';
constexpr std::string_view kEmptySegment = "%";
constexpr size_t kMaxPlainComponent = 200;
constexpr size_t kHashedPrefixBytes = 120;
constexpr size_t kHashHexChars = 32;
constexpr char kMagic[8] = {'S', 'L', 'U', 'I', 'C', 'E', 'O', '1'};
constexpr size_t kFooterBytes = 12;
constexpr uint32_t kMaxTrailerBytes = 1u << 20;
constexpr size_t kStreamBufferBytes = 1u << 20;
constexpr size_t kMaxUserMetadataBytes = 2048;
constexpr int64_t kStaleTemporaryMicros = int64_t{24} * 3600 * 1000000;
constexpr int kCommitAttempts = 64;

std::string ObjectUri(std::string_view bucket, std::string_view key) {
  return "s3://" + std::string(bucket) + "/" + std::string(key);
}

// ---------------------------------------------------------------------------------------
// Key encoding.

bool IsRawByte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ' ' || c == '+' || c == '=' || c == ',' || c == '!' ||
         c == '@' || c == '(' || c == ')' || c >= 0x80;
}

constexpr char kHexDigits[] = "0123456789ABCDEF";

// The escaped form of one segment, before any hashing of long names.
std::string EncodePlain(std::string_view segment) {
  if (segment.empty()) return std::string(kEmptySegment);
  std::string out;
  out.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    auto c = static_cast<unsigned char>(segment[i]);
    if (IsRawByte(c) && !(i == 0 && c == '.')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 15]);
    }
  }
  return out;
}

// The path component of one key segment (directory name; object files add kObjectSuffix).
std::string EncodeComponent(std::string_view segment) {
  std::string plain = EncodePlain(segment);
  if (plain.size() <= kMaxPlainComponent) return plain;
  // Cut the readable prefix neither inside a %XX escape nor inside a UTF-8 sequence.
  size_t cut = kHashedPrefixBytes;
  auto bad_cut = [&](size_t c) {
    if (c >= 1 && plain[c - 1] == '%') return true;
    if (c >= 2 && plain[c - 2] == '%') return true;
    auto b = static_cast<unsigned char>(plain[c]);
    return b >= 0x80 && b <= 0xBF;
  };
  while (cut > 0 && bad_cut(cut)) --cut;
  return plain.substr(0, cut) + kHashMark + common::Sha256Hex(segment).substr(0, kHashHexChars);
}

bool IsHashedComponent(std::string_view component) {
  return component.find(kHashMark) != std::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes a non-hashed component; nullopt when `component` is not exactly what
// EncodeComponent produces for some segment (a stray file, not ours): every raw byte must
// be one that stays raw, every escape uppercase and of a byte that needs escaping.
std::optional<std::string> DecodePlain(std::string_view component) {
  if (component == kEmptySegment) return std::string();
  if (component.empty() || component.size() > kMaxPlainComponent) return std::nullopt;
  std::string out;
  out.reserve(component.size());
  for (size_t i = 0; i < component.size(); ++i) {
    auto c = static_cast<unsigned char>(component[i]);
    bool first = out.empty();
    if (c == '%') {
      if (i + 2 >= component.size()) return std::nullopt;
      int hi = HexValue(component[i + 1]);
      int lo = HexValue(component[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      auto b = static_cast<unsigned char>(hi * 16 + lo);
      if (IsRawByte(b) && !(first && b == '.')) return std::nullopt;
      out.push_back(static_cast<char>(b));
      i += 2;
    } else {
      if (!IsRawByte(c) || (first && c == '.')) return std::nullopt;
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::vector<std::string_view> SplitKey(std::string_view key) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (true) {
    size_t slash = key.find('/', pos);
    if (slash == std::string_view::npos) {
      segments.push_back(key.substr(pos));
      return segments;
    }
    segments.push_back(key.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

// Where a key lives below its bucket directory.
struct KeyLayout {
  std::vector<std::string> dir_segments;  // raw
  std::vector<std::string> dirs;          // encoded components
  std::string file;                       // encoded component + kObjectSuffix
};

KeyLayout LayoutOf(std::string_view key) {
  KeyLayout layout;
  std::vector<std::string_view> segments = SplitKey(key);
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    layout.dir_segments.emplace_back(segments[i]);
    layout.dirs.push_back(EncodeComponent(segments[i]));
  }
  layout.file = EncodeComponent(segments.back()) + kObjectSuffix;
  return layout;
}

std::string JoinDirs(const std::string& base, const std::vector<std::string>& dirs, size_t count) {
  std::string out = base;
  for (size_t i = 0; i < count; ++i) out += "/" + dirs[i];
  return out;
}

bool IsValidUtf8(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() <= kMaxKeyBytes) return ValidateKey(s).ok();
  for (size_t i = 0; i < s.size();) {
    // Split at a character boundary no later than kMaxKeyBytes.
    size_t n = std::min(kMaxKeyBytes, s.size() - i);
    while (i + n < s.size() && n > 0 && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) {
      --n;
    }
    if (n == 0 || !ValidateKey(s.substr(i, n)).ok()) return false;
    i += n;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Object file trailer.

std::string EncodeTrailer(const ObjectInfo& info) {
  json::object o;
  o["key"] = info.key;
  o["size"] = info.size;
  o["etag"] = info.etag;
  o["content_type"] = info.content_type;
  json::object md;
  for (const auto& [k, v] : info.user_metadata) md[k] = v;
  o["user_metadata"] = std::move(md);
  o["version"] = info.version;
  o["last_modified"] = info.last_modified.micros;
  std::string out = common::SerializeJson(o);
  auto len = static_cast<uint32_t>(out.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  out.append(kMagic, sizeof kMagic);
  return out;
}

Status TrailerCorruption(const std::string& path, std::string_view what) {
  return Status::Corruption(path + ": " + std::string(what));
}

// Reads the metadata trailer of the object file open as `fd`.
Result<ObjectInfo> ReadTrailer(int fd, const std::string& path, std::string_view bucket) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "fstat " + path);
  auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < kFooterBytes) {
    return TrailerCorruption(
        path, "object file is " + std::to_string(file_size) + " bytes, too short for its trailer");
  }
  unsigned char footer[kFooterBytes];
  SLUICE_RETURN_IF_ERROR(
      common::PReadExact(fd, footer, kFooterBytes, file_size - kFooterBytes, path));
  if (std::memcmp(footer + 4, kMagic, sizeof kMagic) != 0) {
    return TrailerCorruption(path, "object file does not end with the SLUICEO1 trailer magic");
  }
  uint32_t len = uint32_t{footer[0]} | uint32_t{footer[1]} << 8 | uint32_t{footer[2]} << 16 |
                 uint32_t{footer[3]} << 24;
  if (len > kMaxTrailerBytes || len > file_size - kFooterBytes) {
    return TrailerCorruption(path, "trailer length " + std::to_string(len) +
                                       " does not fit the object file of " +
                                       std::to_string(file_size) + " bytes");
  }
  std::string text(len, '\0');
  SLUICE_RETURN_IF_ERROR(
      common::PReadExact(fd, text.data(), len, file_size - kFooterBytes - len, path));
  Result<json::value> parsed = common::ParseJson(text, path);
  if (!parsed.ok()) return Status::Corruption(parsed.status().message());
  const json::object* o = parsed->if_object();
  if (o == nullptr) return TrailerCorruption(path, "trailer is not a JSON object");
  auto str = [&](std::string_view name, std::string* out) -> Status {
    const json::value* v = o->if_contains(name);
    if (v == nullptr || !v->is_string()) {
      return TrailerCorruption(
          path, "trailer field \"" + std::string(name) + "\" is missing or not a string");
    }
    *out = std::string(v->get_string());
    return Status::OK();
  };
  auto num = [&](std::string_view name, int64_t* out) -> Status {
    const json::value* v = o->if_contains(name);
    if (v != nullptr && v->is_int64()) {
      *out = v->get_int64();
      return Status::OK();
    }
    if (v != nullptr && v->is_uint64() && v->get_uint64() <= INT64_MAX) {
      *out = static_cast<int64_t>(v->get_uint64());
      return Status::OK();
    }
    return TrailerCorruption(
        path, "trailer field \"" + std::string(name) + "\" is missing or not an integer");
  };
  ObjectInfo info;
  info.bucket = std::string(bucket);
  int64_t size = 0;
  SLUICE_RETURN_IF_ERROR(str("key", &info.key));
  SLUICE_RETURN_IF_ERROR(num("size", &size));
  SLUICE_RETURN_IF_ERROR(str("etag", &info.etag));
  SLUICE_RETURN_IF_ERROR(str("content_type", &info.content_type));
  SLUICE_RETURN_IF_ERROR(str("version", &info.version));
  SLUICE_RETURN_IF_ERROR(num("last_modified", &info.last_modified.micros));
  const json::value* md = o->if_contains("user_metadata");
  if (md == nullptr || !md->is_object()) {
    return TrailerCorruption(path, "trailer field \"user_metadata\" is missing or not an object");
  }
  for (const auto& kv : md->get_object()) {
    if (!kv.value().is_string()) {
      return TrailerCorruption(
          path, "user metadata value \"" + std::string(kv.key()) + "\" is not a string");
    }
    info.user_metadata[std::string(kv.key())] = std::string(kv.value().get_string());
  }
  if (size < 0 || static_cast<uint64_t>(size) != file_size - kFooterBytes - len) {
    return TrailerCorruption(path, "trailer says " + std::to_string(size) +
                                       " content bytes but the file holds " +
                                       std::to_string(file_size - kFooterBytes - len));
  }
  info.size = static_cast<uint64_t>(size);
  return info;
}

// Opens an object file and reads its trailer. NotFound (plain, no S3 name) when absent.
Result<std::pair<FileDescriptor, ObjectInfo>> OpenObjectFile(const std::string& path,
                                                             std::string_view bucket) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) return Status::NotFound(path);
    return Status::FromErrno(e, "open " + path);
  }
  FileDescriptor owned(fd);
  SLUICE_ASSIGN_OR_RETURN(ObjectInfo info, ReadTrailer(fd, path, bucket));
  return std::make_pair(std::move(owned), std::move(info));
}

// ---------------------------------------------------------------------------------------
// Temporary names and their cleanup.

std::string NewTemporaryName() {
  return std::to_string(::getpid()) + "-" + common::RandomHexId(8) + ".tmp";
}

// A temporary entry is stale when the process named in it no longer runs (processes sharing
// a root must share a PID namespace), or when it is older than a day (a reused pid).
bool IsStaleTemporary(const std::string& name, const struct stat& st, int64_t now_micros) {
  int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1000000 + st.st_mtim.tv_nsec / 1000;
  if (now_micros - mtime > kStaleTemporaryMicros) return true;
  size_t dash = name.find('-');
  if (dash == std::string::npos || dash == 0) return false;
  pid_t pid = 0;
  for (size_t i = 0; i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    pid = pid * 10 + (name[i] - '0');
    if (pid > 1 << 30) return false;
  }
  if (pid == ::getpid()) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

void RemoveStaleIn(const std::string& dir, int64_t now_micros) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (IsStaleTemporary(name, st, now_micros)) stale.push_back(name);
  }
  ::closedir(d);
  for (const std::string& name : stale) {
    std::error_code ec;
    std::filesystem::remove_all(dir + "/" + name, ec);
    if (ec)
      common::LogWarn("cannot remove stale temporary " + dir + "/" + name + ": " + ec.message());
  }
}

Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::OK();
  }
  int e = errno;
  if (e == EINVAL || e == ENOSYS) {
    // The filesystem lacks RENAME_NOREPLACE: check, then rename (a narrow race remains).
    if (common::PathExists(to)) return Status::AlreadyExists(to);
    if (::rename(from.c_str(), to.c_str()) == 0) return Status::OK();
    e = errno;
  }
  if (e == EEXIST || e == ENOTEMPTY) return Status::AlreadyExists(to);
  return Status::FromErrno(e, "rename " + from + " to " + to);
}

Status WriteSmallFile(const std::string& path, std::string_view data, bool fsync) {
  if (fsync) return common::WriteFileAtomically(path, data);
  std::string tmp = path + ".tmp-" + common::RandomHexId(8);
  {
    SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd,
                            common::OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
    SLUICE_RETURN_IF_ERROR(common::WriteAll(fd.get(), data.data(), data.size(), tmp));
    SLUICE_RETURN_IF_ERROR(fd.Close());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::FromErrno(errno, "rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------
// Directory entries in key order.

struct Entry {
  std::string sort_key;  // decoded segment; directories add '/'
  std::string name;      // on-disk name
  bool is_dir = false;
};

// Finds the segment at `depth` of any object stored below `dir` (recovers the name of a
// hashed directory whose name file is missing).
std::optional<std::string> SegmentFromDescendant(const std::string& dir, size_t depth) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  std::vector<std::pair<std::string, bool>> children;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
      children.emplace_back(name, S_ISDIR(st.st_mode));
  }
  ::closedir(d);
  for (const auto& [name, is_dir] : children) {
    std::string path = dir + "/" + name;
    if (is_dir) {
      if (auto seg = SegmentFromDescendant(path, depth)) return seg;
    } else if (name.back() == kObjectSuffix) {
      auto opened = OpenObjectFile(path, "");
      if (!opened.ok()) continue;
      std::vector<std::string_view> segs = SplitKey(opened->second.key);
      if (segs.size() > depth + 1) return std::string(segs[depth]);
    }
  }
  return std::nullopt;
}

// The entries of the directory at `dir`, which holds segment number `depth` of its keys,
// in no particular order. A missing directory has no entries (a concurrent delete removed it).
Result<std::vector<Entry>> ReadEntries(const std::string& dir, size_t depth) {
  std::vector<Entry> entries;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return entries;
    return Status::FromErrno(errno, "opendir " + dir);
  }
  std::vector<std::pair<std::string, unsigned char>> raw;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;  // ".", "..", and internal names
    raw.emplace_back(e->d_name, e->d_type);
  }
  ::closedir(d);
  for (auto& [name, type] : raw) {
    std::string path = dir + "/" + name;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    Entry entry;
    entry.name = name;
    if (type == DT_REG) {
      if (name.back() != kObjectSuffix) continue;
      std::string_view component(name.data(), name.size() - 1);
      if (IsHashedComponent(component)) {
        auto opened = OpenObjectFile(path, "");
        if (!opened.ok()) {
          if (!opened.status().IsNotFound()) {
            common::LogWarn("skipping unreadable object file: " + opened.status().ToString());
          }
          continue;
        }
        std::vector<std::string_view> segs = SplitKey(opened->second.key);
        if (segs.size() != depth + 1 || EncodeComponent(segs.back()) != component) {
          common::LogWarn("skipping object file whose trailer key does not match: " + path);
          continue;
        }
        entry.sort_key = std::string(segs.back());
      } else {
        std::optional<std::string> seg = DecodePlain(component);
        if (!seg) continue;
        entry.sort_key = std::move(*seg);
      }
    } else if (type == DT_DIR) {
      std::optional<std::string> seg;
      if (IsHashedComponent(name)) {
        Result<std::string> stored =
            common::ReadFileToString(path + "/" + std::string(kDirNameFile));
        if (stored.ok()) {
          seg = std::move(*stored);
        } else {
          seg = SegmentFromDescendant(path, depth);
        }
        if (!seg || EncodeComponent(*seg) != name) continue;
      } else {
        seg = DecodePlain(name);
        if (!seg) continue;
      }
      entry.sort_key = std::move(*seg) + "/";
      entry.is_dir = true;
    } else {
      continue;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// True when `dir` holds an object file anywhere below it (internal dot-entries aside),
// whether or not its trailer is readable.
bool HoldsAnyObjectFile(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  std::vector<std::string> subdirs;
  bool found = false;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(name);
    } else if (S_ISREG(st.st_mode) && name.back() == kObjectSuffix) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  if (found) return true;
  for (const std::string& s : subdirs) {
    if (HoldsAnyObjectFile(dir + "/" + s)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Continuation tokens: base64 of 'K' + last key or 'P' + last common prefix.

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<unsigned char>(in[i])} << 16 |
                 uint32_t{static_cast<unsigned char>(in[i + 1])} << 8 |
                 uint32_t{static_cast<unsigned char>(in[i + 2])};
    for (int s = 18; s >= 0; s -= 6) out.push_back(kBase64[(v >> s) & 63]);
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = in[i + k];
      int d;
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        d = 0;
        ++pad;
      } else {
        if (pad > 0) return std::nullopt;
        const char* p = std::strchr(kBase64, c);
        if (c == '\0' || p == nullptr) return std::nullopt;
        d = static_cast<int>(p - kBase64);
      }
      v = v << 6 | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// ListObjectsV2 as an ordered, pruned depth-first walk.

class ListWalk {
 public:
  ListWalk(const ListRequest& request, int max_keys)
      : bucket_(request.bucket),
        prefix_(request.prefix),
        delimiter_(request.delimiter),
        max_keys_(max_keys) {}

  // Everything listed must sort after `bound`; with `is_prefix`, after every key that
  // starts with `bound` too.
  void SetLowerBound(std::string bound, bool is_prefix) {
    has_bound_ = true;
    bound_ = std::move(bound);
    bound_is_prefix_ = is_prefix;
  }

  // Visits the directory `dir` whose keys all start with `key_prefix` (which ends in '/'
  // or is empty), holding segment number `depth`.
  Status Visit(const std::string& dir, const std::string& key_prefix, size_t depth) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<Entry> entries, ReadEntries(dir, depth));
    // Drop what cannot be listed before ordering the rest, and order lazily (a heap): a
    // page usually consumes a few entries of a large directory.
    std::erase_if(entries,
                  [&](const Entry& e) { return !MayList(key_prefix + e.sort_key, e.is_dir); });
    auto after = [](const Entry& a, const Entry& b) { return a.sort_key > b.sort_key; };
    std::make_heap(entries.begin(), entries.end(), after);
    while (!entries.empty()) {
      std::pop_heap(entries.begin(), entries.end(), after);
      Entry entry = std::move(entries.back());
      entries.pop_back();
      if (done_) return Status::OK();
      // After a common prefix, skip the rest of any directory inside it.
      if (has_bound_ && bound_is_prefix_ && key_prefix.starts_with(bound_)) return Status::OK();
      std::string full = key_prefix + entry.sort_key;
      std::string path = dir + "/" + entry.name;
      if (!MayList(full, entry.is_dir)) continue;  // the bound moved
      if (entry.is_dir) {
        SLUICE_RETURN_IF_ERROR(Visit(path, full, depth + 1));
        continue;
      }
      if (!delimiter_.empty()) {
        size_t pos = full.find(delimiter_, prefix_.size());
        if (pos != std::string::npos) {
          EmitCommonPrefix(full.substr(0, pos + delimiter_.size()));
          continue;
        }
      }
      SLUICE_RETURN_IF_ERROR(EmitObject(full, path));
    }
    return Status::OK();
  }

  ListResult TakeResult() {
    if (result_.is_truncated) {
      result_.next_continuation_token = Base64Encode((last_is_prefix_ ? "P" : "K") + last_);
    }
    return std::move(result_);
  }

 private:
  // Whether the file `full` (a key), or a directory whose keys all start with `full`, may
  // hold something to list.
  bool MayList(const std::string& full, bool is_dir) const {
    if (is_dir) {
      return (prefix_.starts_with(full) || full.starts_with(prefix_)) &&
             MayHoldKeysAfterBound(full);
    }
    return full.starts_with(prefix_) && AfterBound(full);
  }

  bool AfterBound(const std::string& key) const {
    if (!has_bound_) return true;
    if (bound_is_prefix_ && key.starts_with(bound_)) return false;
    return key > bound_;
  }

  // Whether a directory whose keys all start with `dir_prefix` may hold keys after the bound.
  bool MayHoldKeysAfterBound(const std::string& dir_prefix) const {
    if (!has_bound_) return true;
    if (bound_is_prefix_ && dir_prefix.starts_with(bound_)) return false;
    return bound_.starts_with(dir_prefix) || dir_prefix > bound_;
  }

  bool Full() {
    if (count_ < max_keys_) return false;
    result_.is_truncated = true;
    done_ = true;
    return true;
  }

  void EmitCommonPrefix(std::string common_prefix) {
    if (Full()) return;
    result_.common_prefixes.push_back(common_prefix);
    ++count_;
    last_ = common_prefix;
    last_is_prefix_ = true;
    SetLowerBound(std::move(common_prefix), true);
  }

  Status EmitObject(const std::string& key, const std::string& path) {
    Result<std::pair<FileDescriptor, ObjectInfo>> opened = OpenObjectFile(path, bucket_);
    if (!opened.ok()) {
      // Deleted since the directory was read: not part of this listing.
      if (opened.status().IsNotFound()) return Status::OK();
      common::LogWarn("listing s3://" + bucket_ +
                      " skips an unreadable object: " + opened.status().ToString());
      return Status::OK();
    }
    ObjectInfo& info = opened->second;
    if (info.key != key) {
      common::LogWarn("listing s3://" + bucket_ + " skips " + path + ": its trailer names key \"" +
                      info.key + "\"");
      return Status::OK();
    }
    if (Full()) return Status::OK();
    result_.contents.push_back(std::move(info));
    ++count_;
    last_ = key;
    last_is_prefix_ = false;
    SetLowerBound(key, false);
    return Status::OK();
  }

  std::string bucket_;
  std::string prefix_;
  std::string delimiter_;
  int max_keys_;
  int count_ = 0;
  bool done_ = false;
  bool has_bound_ = false;
  std::string bound_;
  bool bound_is_prefix_ = false;
  std::string last_;
  bool last_is_prefix_ = false;
  ListResult result_;
};

// ---------------------------------------------------------------------------------------
// Readers and staged objects.

class LocalObjectReader final : public ObjectReader {
 public:
  LocalObjectReader(FileDescriptor fd, std::string path, ObjectInfo info, uint64_t offset,
                    uint64_t length)
      : fd_(std::move(fd)), path_(std::move(path)), pos_(offset), end_(offset + length) {
    info_ = std::move(info);
    range_offset_ = offset;
    range_length_ = length;
  }

  Result<size_t> Read(void* out, size_t size) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size, end_ - pos_));
    if (n == 0) return size_t{0};
    for (;;) {
      ssize_t r = ::pread(fd_.get(), out, n, static_cast<off_t>(pos_));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::FromErrno(errno, "pread " + path_);
      if (r == 0) {
        return Status::Corruption(path_ + ": object file ended at byte " + std::to_string(pos_) +
                                  ", before its content's end");
      }
      pos_ += static_cast<uint64_t>(r);
      return static_cast<size_t>(r);
    }
  }

 private:
  FileDescriptor fd_;
  std::string path_;
  uint64_t pos_;
  uint64_t end_;
};

// Makes sure the directories of `layout` exist below `bucket_dir`, creating the missing
// ones (and the name file of hashed ones) durably. Returns the object's parent directory.
Result<std::string> MakeParentDirectories(const std::string& bucket_dir, std::string_view bucket,
                                          const KeyLayout& layout, bool fsync) {
  for (int attempt = 0; attempt < kCommitAttempts; ++attempt) {
    std::string path = bucket_dir;
    bool restart = false;
    for (size_t i = 0; i < layout.dirs.size(); ++i) {
      std::string child = path + "/" + layout.dirs[i];
      bool hashed = IsHashedComponent(layout.dirs[i]);
      if (::mkdir(child.c_str(), 0755) == 0) {
        if (hashed) {
          SLUICE_RETURN_IF_ERROR(WriteSmallFile(child + "/" + std::string(kDirNameFile),
                                                layout.dir_segments[i], fsync));
        }
        if (fsync) SLUICE_RETURN_IF_ERROR(common::FsyncDirectory(path));
      } else if (errno == EEXIST) {
        if (hashed && !common::PathExists(child + "/" + std::string(kDirNameFile))) {
          Status st = WriteSmallFile(child + "/" + std::string(kDirNameFile),
                                     layout.dir_segments[i], fsync);
          if (!st.ok() && !common::PathExists(child)) {
            restart = true;
            break;
          }
          SLUICE_RETURN_IF_ERROR(st);
        }
      } else if (errno == ENOENT) {
        // A concurrent delete removed an empty parent, or the bucket is gone.
        if (!common::PathExists(bucket_dir)) return NoSuchBucket(bucket);
        restart = true;
        break;
      } else {
        return Status::FromErrno(errno, "mkdir " + child);
      }
      path = std::move(child);
    }
    if (!restart) return path;
  }
  return Status::Unavailable("cannot create the parent directories of " + layout.file + " in " +
                             bucket_dir + ": concurrent deletes keep removing them");
}

class LocalStagedObject final : public StagedObject {
 public:
  LocalStagedObject(std::string bucket_dir, std::string tmp_path, FileDescriptor fd,
                    const common::Clock* clock, bool fsync)
      : bucket_dir_(std::move(bucket_dir)),
        tmp_path_(std::move(tmp_path)),
        fd_(std::move(fd)),
        clock_(clock),
        fsync_(fsync) {}

  ~LocalStagedObject() override {
    if (!committed_) ::unlink(tmp_path_.c_str());
  }

  ObjectInfo& mutable_info() { return info_; }
  int fd() const { return fd_.get(); }

  // Appends the metadata trailer (last_modified = now: the moment the upload completed, as
  // S3 stamps it) after the content and syncs the file once, so Commit() has only the
  // rename and the directory sync left to do.
  Status FinishStaging() {
    std::string uri = ObjectUri(info_.bucket, info_.key);
    info_.last_modified = clock_->Now();
    std::string trailer = EncodeTrailer(info_);
    SLUICE_RETURN_IF_ERROR(
        common::PWriteAll(fd_.get(), trailer.data(), trailer.size(), info_.size, tmp_path_)
            .WithContext(uri));
    if (fsync_) SLUICE_RETURN_IF_ERROR(common::Fsync(fd_.get(), tmp_path_).WithContext(uri));
    return Status::OK();
  }
  const std::string& tmp_path() const { return tmp_path_; }

  const ObjectInfo& info() const override { return info_; }

  Result<ObjectInfo> Commit() override {
    std::string uri = ObjectUri(info_.bucket, info_.key);
    if (committed_ || attempted_) {
      return Status::FailedPrecondition("staged object " + uri + " was already committed");
    }
    attempted_ = true;
    // Content and trailer were written and synced at Stage (FinishStaging): what is left
    // inside the caller's critical section is directory work only.
    SLUICE_RETURN_IF_ERROR(fd_.Close().WithContext(uri));

    KeyLayout layout = LayoutOf(info_.key);
    for (int attempt = 0; attempt < kCommitAttempts; ++attempt) {
      SLUICE_ASSIGN_OR_RETURN(std::string parent,
                              MakeParentDirectories(bucket_dir_, info_.bucket, layout, fsync_));
      std::string target = parent + "/" + layout.file;
      // The visibility point: readers see the old file or this complete one.
      if (::rename(tmp_path_.c_str(), target.c_str()) == 0) {
        committed_ = true;
        if (fsync_) SLUICE_RETURN_IF_ERROR(common::FsyncDirectory(parent).WithContext(uri));
        return info_;
      }
      int e = errno;
      if (e != ENOENT) {
        return Status::FromErrno(e, "rename " + tmp_path_ + " to " + target).WithContext(uri);
      }
      if (!common::PathExists(tmp_path_)) {
        if (!common::PathExists(bucket_dir_)) return NoSuchBucket(info_.bucket);
        return Status::IOError(uri + ": temporary file " + tmp_path_ + " vanished before commit");
      }
      // A concurrent delete removed an empty parent between mkdir and rename: again.
    }
    return Status::Unavailable(uri +
                               ": concurrent deletes kept removing its parent "
                               "directories; commit abandoned");
  }

 private:
  std::string bucket_dir_;
  std::string tmp_path_;
  FileDescriptor fd_;
  const common::Clock* clock_;
  bool fsync_;
  bool attempted_ = false;
  bool committed_ = false;
  ObjectInfo info_;
};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<int64_t> ReadCreationDate(const std::string& bucket_dir) {
  std::string path = bucket_dir + "/" + std::string(kBucketMetaFile);
  Result<std::string> text = common::ReadFileToString(path);
  if (text.ok()) {
    Result<json::value> v = common::ParseJson(*text, path);
    if (v.ok() && v->is_object()) {
      const json::value* d = v->get_object().if_contains("creation_date");
      if (d != nullptr && d->is_int64()) return d->get_int64();
    }
  }
  // Created by a process that crashed before writing it, or damaged: the directory's time.
  struct stat st;
  if (::stat(bucket_dir.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + bucket_dir);
  return int64_t{st.st_mtim.tv_sec} * 1000000 + st.st_mtim.tv_nsec / 1000;
}

// Fails when names differing only in case or normalization would share a file: keys "A"
// and "a" must be different objects.
Status CheckCaseSensitive(const std::string& tmp_dir) {
  std::string base = tmp_dir + "/" + std::to_string(::getpid()) + "-" + common::RandomHexId(4);
  std::string upper = base + "-CASE";
  std::string lower = base + "-case";
  SLUICE_ASSIGN_OR_RETURN(FileDescriptor fd,
                          common::OpenFile(upper, O_WRONLY | O_CREAT | O_EXCL, 0644));
  bool shared = common::PathExists(lower);
  ::unlink(upper.c_str());
  if (shared) {
    return Status::FailedPrecondition(
        tmp_dir +
        ": the filesystem is case-insensitive; the local object store needs a "
        "case-sensitive filesystem so that keys differing in case stay distinct");
  }
  return Status::OK();
}

}  // namespace

// -----------------------------------------------------------------------------------------

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(std::string root,
                                                                 const common::Clock* clock) {
  return Open(std::move(root), clock, Options{});
}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(std::string root,
                                                                 const common::Clock* clock,
                                                                 Options options) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  SLUICE_RETURN_IF_ERROR(common::CreateDirectories(root + "/" + std::string(kRootTmpDir)));
  SLUICE_RETURN_IF_ERROR(CheckCaseSensitive(root + "/" + std::string(kRootTmpDir)));
  std::unique_ptr<LocalObjectStore> store(new LocalObjectStore(std::move(root), clock, options));
  SLUICE_RETURN_IF_ERROR(store->RemoveStaleTemporaries());
  return store;
}

Status LocalObjectStore::RemoveStaleTemporaries() {
  int64_t now = common::SystemClock::Default()->Now().micros;
  RemoveStaleIn(root_ + "/" + std::string(kRootTmpDir), now);
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return Status::FromErrno(errno, "opendir " + root_);
  std::vector<std::string> buckets;
  while (struct dirent* e = ::readdir(d)) {
    if (ValidateBucketName(e->d_name).ok()) buckets.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const std::string& b : buckets) {
    RemoveStaleIn(BucketDir(b) + "/" + std::string(kBucketTmpDir), now);
  }
  return Status::OK();
}

std::string LocalObjectStore::BucketDir(std::string_view bucket) const {
  return root_ + "/" + std::string(bucket);
}

Result<std::string> LocalObjectStore::ExistingBucketDir(std::string_view bucket) const {
  // A name S3 would reject names no bucket; never let it reach a path.
  if (!ValidateBucketName(bucket).ok()) return NoSuchBucket(bucket);
  std::string dir = BucketDir(bucket);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return NoSuchBucket(bucket);
  return dir;
}

Status LocalObjectStore::CreateBucket(std::string_view bucket) {
  SLUICE_RETURN_IF_ERROR(ValidateBucketName(bucket));
  std::string staging = root_ + "/" + std::string(kRootTmpDir) + "/" + NewTemporaryName();
  std::string internal = staging + "/" + std::string(kInternalDir);
  Status st = common::CreateDirectories(staging + "/" + std::string(kBucketTmpDir));
  if (st.ok()) {
    json::object meta;
    meta["name"] = std::string(bucket);
    meta["creation_date"] = clock_->Now().micros;
    st = WriteSmallFile(staging + "/" + std::string(kBucketMetaFile), common::SerializeJson(meta),
                        options_.fsync);
  }
  if (st.ok() && options_.fsync) st = common::FsyncDirectory(internal);
  if (st.ok() && options_.fsync) st = common::FsyncDirectory(staging);
  if (st.ok()) {
    // Appears whole or not at all; an existing bucket is never replaced.
    st = RenameNoReplace(staging, BucketDir(bucket));
    if (st.code() == StatusCode::kAlreadyExists) {
      st = Status(StatusCode::kAlreadyExists, "BucketAlreadyOwnedByYou",
                  "Your previous request to create the named bucket succeeded and you already "
                  "own it: s3://" +
                      std::string(bucket));
    }
  }
  if (!st.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(staging, ec);
    return st;
  }
  if (options_.fsync) SLUICE_RETURN_IF_ERROR(common::FsyncDirectory(root_));
  return Status::OK();
}

Status LocalObjectStore::DeleteBucket(std::string_view bucket) {
  SLUICE_ASSIGN_OR_RETURN(std::string dir, ExistingBucketDir(bucket));
  if (HoldsAnyObjectFile(dir)) {
    return Status(StatusCode::kFailedPrecondition, "BucketNotEmpty",
                  "The bucket you tried to delete is not empty: s3://" + std::string(bucket));
  }
  // Move it out of sight in one step, then remove the tree at leisure.
  std::string graveyard = root_ + "/" + std::string(kRootTmpDir) + "/" + NewTemporaryName();
  if (::rename(dir.c_str(), graveyard.c_str()) != 0) {
    if (errno == ENOENT) return NoSuchBucket(bucket);
    return Status::FromErrno(errno, "rename " + dir + " to " + graveyard);
  }
  if (options_.fsync) SLUICE_RETURN_IF_ERROR(common::FsyncDirectory(root_));
  std::error_code ec;
  std::filesystem::remove_all(graveyard, ec);
  if (ec) common::LogWarn("cannot remove deleted bucket files " + graveyard + ": " + ec.message());
  return Status::OK();
}

Result<BucketInfo> LocalObjectStore::HeadBucket(std::string_view bucket) {
  SLUICE_ASSIGN_OR_RETURN(std::string dir, ExistingBucketDir(bucket));
  SLUICE_ASSIGN_OR_RETURN(int64_t created, ReadCreationDate(dir));
  return BucketInfo{std::string(bucket), common::Timestamp::FromMicros(created)};
}

Result<std::vector<BucketInfo>> LocalObjectStore::ListBuckets() {
  DIR* d = ::opendir(root_.c_str());
  if (d == nullptr) return Status::FromErrno(errno, "opendir " + root_);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    if (ValidateBucketName(e->d_name).ok()) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<BucketInfo> out;
  for (const std::string& name : names) {
    Result<BucketInfo> info = HeadBucket(name);
    if (info.ok()) {
      out.push_back(std::move(*info));
    } else if (!info.status().IsNotFound()) {
      return info.status();
    }
  }
  return out;
}

Result<std::unique_ptr<StagedObject>> LocalObjectStore::Stage(std::string_view bucket,
                                                              std::string_view key,
                                                              common::InputStream& content,
                                                              const PutOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(std::string bucket_dir, ExistingBucketDir(bucket));
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  std::string uri = ObjectUri(bucket, key);
  size_t metadata_bytes = 0;
  for (const auto& [name, value] : options.user_metadata) {
    metadata_bytes += name.size() + value.size();
    if (name.empty() || !IsValidUtf8(name) || !IsValidUtf8(value)) {
      return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                    uri + ": user metadata \"" + name +
                        "\" must have a non-empty name and UTF-8 name and value");
    }
  }
  if (metadata_bytes > kMaxUserMetadataBytes) {
    return Status(StatusCode::kInvalidArgument, "MetadataTooLarge",
                  uri + ": user metadata is " + std::to_string(metadata_bytes) +
                      " bytes, more than the maximum of 2048");
  }
  if (!IsValidUtf8(options.content_type)) {
    return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                  uri + ": Content-Type is not valid UTF-8");
  }

  std::string tmp_dir = bucket_dir + "/" + std::string(kBucketTmpDir);
  std::string tmp_path = tmp_dir + "/" + NewTemporaryName();
  Result<FileDescriptor> fd = common::OpenFile(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd.status().IsNotFound()) {
    // The bucket's internal folder is missing (created by hand, or damaged): recreate it.
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(tmp_dir).WithContext(uri));
    fd = common::OpenFile(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  }
  SLUICE_RETURN_IF_ERROR(fd.status().WithContext(uri));
  auto staged = std::make_unique<LocalStagedObject>(bucket_dir, tmp_path, std::move(*fd), clock_,
                                                    options_.fsync);

  std::vector<char> buffer(kStreamBufferBytes);
  common::Hasher md5(common::HashAlgorithm::kMd5);
  uint64_t size = 0;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, content.Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    md5.Update(buffer.data(), n);
    SLUICE_RETURN_IF_ERROR(
        common::WriteAll(staged->fd(), buffer.data(), n, tmp_path).WithContext(uri));
    size += n;
  }

  ObjectInfo& info = staged->mutable_info();
  info.bucket = std::string(bucket);
  info.key = std::string(key);
  info.size = size;
  info.etag = "\"" + md5.FinishHex() + "\"";
  info.content_type =
      options.content_type.empty() ? std::string(kDefaultContentType) : options.content_type;
  for (const auto& [name, value] : options.user_metadata) {
    info.user_metadata[AsciiLower(name)] = value;
  }
  info.version = common::NewSortableId();
  SLUICE_RETURN_IF_ERROR(staged->FinishStaging());
  return std::unique_ptr<StagedObject>(std::move(staged));
}

Result<std::unique_ptr<StagedObject>> LocalObjectStore::StageCopy(
    std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
    std::string_view dst_key, const std::optional<PutOptions>& replace) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> source,
                          Get(src_bucket, src_key, std::nullopt));
  PutOptions options;
  if (replace) {
    options = *replace;
  } else {
    options.content_type = source->info().content_type;
    options.user_metadata = source->info().user_metadata;
  }
  return Stage(dst_bucket, dst_key, *source, options);
}

namespace {

// Opens the object file of an existing key, checking that the trailer names that key.
Result<std::pair<FileDescriptor, ObjectInfo>> OpenKey(const std::string& bucket_dir,
                                                      std::string_view bucket, std::string_view key,
                                                      std::string* path_out) {
  KeyLayout layout = LayoutOf(key);
  std::string path = JoinDirs(bucket_dir, layout.dirs, layout.dirs.size()) + "/" + layout.file;
  *path_out = path;
  Result<std::pair<FileDescriptor, ObjectInfo>> opened = OpenObjectFile(path, bucket);
  if (!opened.ok()) {
    if (opened.status().IsNotFound()) return NoSuchKey(bucket, key);
    return opened.status().WithContext(ObjectUri(bucket, key));
  }
  if (opened->second.key != key) {
    return Status::Corruption(ObjectUri(bucket, key) + ": " + path +
                              ": trailer names another key: \"" + opened->second.key + "\"");
  }
  return opened;
}

}  // namespace

Result<ObjectInfo> LocalObjectStore::Head(std::string_view bucket, std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(std::string bucket_dir, ExistingBucketDir(bucket));
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  std::string path;
  SLUICE_ASSIGN_OR_RETURN(auto opened, OpenKey(bucket_dir, bucket, key, &path));
  return std::move(opened.second);
}

Result<std::unique_ptr<ObjectReader>> LocalObjectStore::Get(std::string_view bucket,
                                                            std::string_view key,
                                                            const std::optional<ByteRange>& range) {
  SLUICE_ASSIGN_OR_RETURN(std::string bucket_dir, ExistingBucketDir(bucket));
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  std::string path;
  SLUICE_ASSIGN_OR_RETURN(auto opened, OpenKey(bucket_dir, bucket, key, &path));
  uint64_t offset = 0;
  uint64_t length = opened.second.size;
  if (range) {
    SLUICE_RETURN_IF_ERROR(
        range->Resolve(opened.second.size, &offset, &length).WithContext(ObjectUri(bucket, key)));
  }
  return std::unique_ptr<ObjectReader>(new LocalObjectReader(
      std::move(opened.first), std::move(path), std::move(opened.second), offset, length));
}

Result<std::optional<ObjectInfo>> LocalObjectStore::Delete(std::string_view bucket,
                                                           std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(std::string bucket_dir, ExistingBucketDir(bucket));
  SLUICE_RETURN_IF_ERROR(ValidateKey(key));
  std::string path;
  std::optional<ObjectInfo> removed;
  {
    Result<std::pair<FileDescriptor, ObjectInfo>> opened = OpenKey(bucket_dir, bucket, key, &path);
    if (opened.ok()) {
      removed = std::move(opened->second);
    } else if (opened.status().name() == "NoSuchKey") {
      return std::optional<ObjectInfo>();
    } else if (opened.status().code() == StatusCode::kCorruption) {
      // An unreadable object can still be deleted; only its name is known.
      removed = ObjectInfo{};
      removed->bucket = std::string(bucket);
      removed->key = std::string(key);
    } else {
      return opened.status();
    }
  }
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return std::optional<ObjectInfo>();  // a concurrent delete won
    return Status::FromErrno(errno, "unlink " + path).WithContext(ObjectUri(bucket, key));
  }
  KeyLayout layout = LayoutOf(key);
  std::string parent = JoinDirs(bucket_dir, layout.dirs, layout.dirs.size());
  if (options_.fsync) {
    SLUICE_RETURN_IF_ERROR(common::FsyncDirectory(parent).WithContext(ObjectUri(bucket, key)));
  }
  // Remove parents left empty, bottom-up. A concurrent put may refill or recreate them at
  // any moment: ENOTEMPTY/ENOENT end the walk, and a commit retries when its parent vanishes.
  size_t depth = layout.dirs.size();
  for (; depth > 0; --depth) {
    std::string dir = JoinDirs(bucket_dir, layout.dirs, depth);
    bool hashed = IsHashedComponent(layout.dirs[depth - 1]);
    std::string name_file = dir + "/" + std::string(kDirNameFile);
    if (hashed) {
      if (HoldsAnyObjectFile(dir)) break;
      ::unlink(name_file.c_str());
    }
    if (::rmdir(dir.c_str()) != 0) {
      if (hashed && errno != ENOENT) {
        // Refilled meanwhile: restore its name file.
        (void)WriteSmallFile(name_file, layout.dir_segments[depth - 1], options_.fsync);
      }
      break;
    }
  }
  if (depth < layout.dirs.size() && options_.fsync) {
    (void)common::FsyncDirectory(JoinDirs(bucket_dir, layout.dirs, depth));
  }
  return removed;
}

Result<ListResult> LocalObjectStore::List(const ListRequest& request) {
  SLUICE_ASSIGN_OR_RETURN(std::string bucket_dir, ExistingBucketDir(request.bucket));
  if (request.max_keys < 0) {
    return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                  "max-keys must be between 0 and 1000, not " + std::to_string(request.max_keys));
  }
  int max_keys = std::min(request.max_keys, 1000);
  ListWalk walk(request, max_keys);
  if (!request.continuation_token.empty()) {
    std::optional<std::string> decoded = Base64Decode(request.continuation_token);
    if (!decoded || decoded->empty() || ((*decoded)[0] != 'K' && (*decoded)[0] != 'P')) {
      return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                    "The continuation token provided is incorrect: \"" +
                        request.continuation_token + "\" (listing s3://" + request.bucket + ")");
    }
    walk.SetLowerBound(decoded->substr(1), (*decoded)[0] == 'P');
  } else if (!request.start_after.empty()) {
    walk.SetLowerBound(request.start_after, false);
  }
  if (max_keys == 0) return ListResult{};
  // Every key under the prefix lives in the directory of the prefix's complete segments.
  size_t last_slash = request.prefix.rfind('/');
  std::string start_dir = bucket_dir;
  std::string key_prefix;
  size_t depth = 0;
  if (last_slash != std::string::npos) {
    key_prefix = request.prefix.substr(0, last_slash + 1);
    for (std::string_view seg : SplitKey(std::string_view(key_prefix).substr(0, last_slash))) {
      start_dir += "/" + EncodeComponent(seg);
      ++depth;
    }
  }
  SLUICE_RETURN_IF_ERROR(
      walk.Visit(start_dir, key_prefix, depth).WithContext("listing s3://" + request.bucket));
  return walk.TakeResult();
}

}  // namespace sluice::store
