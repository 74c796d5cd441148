#include "sluice/cli/s3_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <vector>

#include "sluice/common/file_util.h"
#include "sluice/common/ids.h"
#include "sluice/common/io.h"
#include "sluice/common/time.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;
using store::ObjectStore;

// Writes to a file descriptor (stdout) without owning it.
class FdOutputStream final : public common::OutputStream {
 public:
  FdOutputStream(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status Write(const void* data, size_t size) override {
    return common::WriteAll(fd_, data, size, name_);
  }
  Status Close() override { return Status::OK(); }

 private:
  int fd_;
  std::string name_;
};

std::string BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A prefix for recursive operations: `dir` means `dir/`, as aws-cli treats it.
std::string RecursivePrefix(const std::string& key) {
  if (key.empty() || key.back() == '/') return key;
  return key + "/";
}

// Lists every object under `prefix`, page by page, calling `fn` for each.
template <typename Fn>
Status ForEachObject(ObjectStore& store, const std::string& bucket, const std::string& prefix,
                     Fn&& fn) {
  store::ListRequest req;
  req.bucket = bucket;
  req.prefix = prefix;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(store::ListResult page, store.List(req));
    for (const store::ObjectInfo& info : page.contents) fn(info);
    if (!page.is_truncated) return Status::OK();
    req.continuation_token = page.next_continuation_token;
  }
}

store::PutOptions PutOptionsFor(const CopyOptions& options, std::string_view file_name) {
  store::PutOptions put;
  put.content_type = options.content_type.empty() ? GuessContentType(file_name) : options.content_type;
  put.user_metadata = options.metadata;
  return put;
}

Status Upload(ObjectStore& store, const std::string& path, const S3Url& dst,
              const CopyOptions& options, std::ostream& out) {
  std::unique_ptr<common::InputStream> in;
  if (path == "-") {
    in = common::FileInputStream::FromFd(0, "stdin");
  } else {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      return Status::InvalidArgument(path + " is a directory (use --recursive to upload it)");
    }
    SLUICE_ASSIGN_OR_RETURN(in, common::FileInputStream::Open(path));
  }
  SLUICE_RETURN_IF_ERROR(store.Put(dst.bucket, dst.key, *in, PutOptionsFor(options, path)));
  if (!options.quiet) out << "upload: " << path << " to " << FormatS3Url(dst.bucket, dst.key) << "\n";
  return Status::OK();
}

// Streams an object into `path` through a temporary file renamed into place, so a failed
// download never leaves a partial file under the destination name.
Status Download(ObjectStore& store, const S3Url& src, const std::string& path,
                const CopyOptions& options, std::ostream& out) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.Get(src.bucket, src.key, std::nullopt));
  if (path == "-") {
    FdOutputStream stdout_stream(1, "stdout");
    SLUICE_RETURN_IF_ERROR(common::CopyStream(*reader, stdout_stream));
    return Status::OK();
  }
  fs::path target(path);
  if (target.has_parent_path()) {
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(target.parent_path().string()));
  }
  SLUICE_ASSIGN_OR_RETURN(auto file, common::AtomicFileOutputStream::Open(path, /*durable=*/false));
  SLUICE_RETURN_IF_ERROR(common::CopyStream(*reader, *file));
  SLUICE_RETURN_IF_ERROR(file->Close());
  if (!options.quiet) out << "download: " << FormatS3Url(src.bucket, src.key) << " to " << path << "\n";
  return Status::OK();
}

Status CopyOne(ObjectStore& store, const S3Url& src, const S3Url& dst, const CopyOptions& options,
               std::ostream& out) {
  std::optional<store::PutOptions> replace;
  if (!options.metadata.empty() || !options.content_type.empty()) {
    replace = PutOptionsFor(options, dst.key);
  }
  SLUICE_RETURN_IF_ERROR(store.Copy(src.bucket, src.key, dst.bucket, dst.key, replace));
  if (!options.quiet) {
    out << "copy: " << FormatS3Url(src.bucket, src.key) << " to " << FormatS3Url(dst.bucket, dst.key)
        << "\n";
  }
  return Status::OK();
}

// The local path for `relative` (a key below a recursive prefix) inside `dir`, or an error
// when the key cannot be a path there (`..`, `.`, empty segments, a trailing '/').
Result<std::string> LocalPathFor(const std::string& dir, const std::string& relative) {
  std::string_view rest = relative;
  if (rest.empty() || rest.back() == '/') {
    return Status::InvalidArgument("key ends in '/' (a folder marker)");
  }
  size_t start = 0;
  while (start <= rest.size()) {
    size_t slash = rest.find('/', start);
    std::string_view seg = rest.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                          : slash - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return Status::InvalidArgument("key has a '" + std::string(seg) +
                                     "' path segment that cannot be written below " + dir);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string base = dir;
  if (!base.empty() && base.back() != '/') base += '/';
  return base + relative;
}

void Report(std::ostream& err, Status& first, const Status& st, std::string_view what) {
  if (st.ok()) return;
  err << what << ": " << st.ToString() << "\n";
  if (first.ok()) first = st;
}

}  // namespace

std::string GuessContentType(std::string_view file_name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".csv", "text/csv"},           {".tsv", "text/tab-separated-values"},
      {".txt", "text/plain"},         {".json", "application/json"},
      {".jsonl", "application/jsonl"}, {".ndjson", "application/x-ndjson"},
      {".parquet", "application/vnd.apache.parquet"},
      {".gz", "application/gzip"},    {".zst", "application/zstd"},
      {".html", "text/html"},         {".xml", "application/xml"},
      {".yaml", "application/yaml"},  {".yml", "application/yaml"},
      {".png", "image/png"},          {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},        {".pdf", "application/pdf"},
      {".zip", "application/zip"},    {".sql", "application/sql"},
  };
  std::string name = BaseName(file_name);
  size_t dot = name.find_last_of('.');
  if (dot == std::string::npos) return "";
  std::string ext = name.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return std::string(type);
  }
  return "";
}

std::string HumanSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"Bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " Bytes";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 5) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

Status MakeBucket(ObjectStore& store, const S3Url& url, std::ostream& out) {
  SLUICE_RETURN_IF_ERROR(store.CreateBucket(url.bucket));
  out << "make_bucket: " << url.bucket << "\n";
  return Status::OK();
}

Status RemoveBucket(ObjectStore& store, const S3Url& url, bool force, std::ostream& out) {
  if (force) {
    std::ostringstream ignored;
    SLUICE_RETURN_IF_ERROR(RemoveObjects(store, S3Url{url.bucket, ""}, true, out, ignored));
  }
  SLUICE_RETURN_IF_ERROR(store.DeleteBucket(url.bucket));
  out << "remove_bucket: " << url.bucket << "\n";
  return Status::OK();
}

Status CopyObjects(ObjectStore& store, const std::string& src, const std::string& dst,
                   const CopyOptions& options, std::ostream& out, std::ostream& err) {
  bool src_s3 = IsS3Url(src), dst_s3 = IsS3Url(dst);
  if (!src_s3 && !dst_s3) {
    return Status::InvalidArgument("cp needs at least one s3:// URL (local to local is not an S3 copy)");
  }
  if (!options.recursive) {
    if (src_s3 && dst_s3) {
      SLUICE_ASSIGN_OR_RETURN(S3Url s, ParseS3Url(src));
      SLUICE_ASSIGN_OR_RETURN(S3Url d, ParseS3Url(dst));
      if (s.key.empty()) return Status::InvalidArgument(src + ": missing object key");
      if (d.key.empty() || d.key.back() == '/') d.key += BaseName(s.key);
      return CopyOne(store, s, d, options, out);
    }
    if (dst_s3) {
      SLUICE_ASSIGN_OR_RETURN(S3Url d, ParseS3Url(dst));
      if (d.key.empty() || d.key.back() == '/') {
        if (src == "-") return Status::InvalidArgument("uploading from stdin needs a full key: " + dst);
        d.key += BaseName(src);
      }
      return Upload(store, src, d, options, out);
    }
    SLUICE_ASSIGN_OR_RETURN(S3Url s, ParseS3Url(src));
    if (s.key.empty() || s.key.back() == '/') {
      return Status::InvalidArgument(src + ": not an object key (use --recursive for a prefix)");
    }
    std::string path = dst;
    std::error_code ec;
    if (dst != "-" && (dst.back() == '/' || fs::is_directory(dst, ec))) {
      path = (fs::path(dst) / BaseName(s.key)).string();
    }
    return Download(store, s, path, options, out);
  }

  Status first;
  if (src_s3) {
    SLUICE_ASSIGN_OR_RETURN(S3Url s, ParseS3Url(src));
    std::string prefix = RecursivePrefix(s.key);
    std::vector<store::ObjectInfo> objects;
    SLUICE_RETURN_IF_ERROR(ForEachObject(store, s.bucket, prefix,
                                         [&](const store::ObjectInfo& o) { objects.push_back(o); }));
    for (const store::ObjectInfo& o : objects) {
      std::string relative = o.key.substr(prefix.size());
      if (dst_s3) {
        SLUICE_ASSIGN_OR_RETURN(S3Url d, ParseS3Url(dst));
        d.key = RecursivePrefix(d.key) + relative;
        Report(err, first, CopyOne(store, S3Url{s.bucket, o.key}, d, options, out),
               "copy failed: " + FormatS3Url(s.bucket, o.key));
      } else {
        auto path = LocalPathFor(dst, relative);
        if (!path.ok()) {
          Report(err, first, path.status(), "skipping " + FormatS3Url(s.bucket, o.key));
          continue;
        }
        Report(err, first, Download(store, S3Url{s.bucket, o.key}, *path, options, out),
               "download failed: " + FormatS3Url(s.bucket, o.key));
      }
    }
    return first;
  }

  SLUICE_ASSIGN_OR_RETURN(S3Url d, ParseS3Url(dst));
  std::error_code ec;
  if (!fs::is_directory(src, ec)) {
    return Status(StatusCode::kNotFound, src + ": not a directory (--recursive uploads a folder)");
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), src, ec).generic_string());
  }
  if (ec) return Status::IOError("walking " + src + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::string prefix = RecursivePrefix(d.key);
  for (const std::string& rel : files) {
    std::string path = (fs::path(src) / rel).string();
    Report(err, first, Upload(store, path, S3Url{d.bucket, prefix + rel}, options, out),
           "upload failed: " + path);
  }
  return first;
}

Status ListObjects(ObjectStore& store, const std::optional<S3Url>& url, const ListOptions& options,
                   std::ostream& out) {
  if (!url) {
    SLUICE_ASSIGN_OR_RETURN(auto buckets, store.ListBuckets());
    for (const store::BucketInfo& b : buckets) {
      out << common::FormatHumanSeconds(b.creation_date) << " " << b.name << "\n";
    }
    return Status::OK();
  }
  store::ListRequest req;
  req.bucket = url->bucket;
  req.prefix = url->key;
  if (!options.recursive) req.delimiter = "/";
  // Names print relative to the listed "folder", as aws s3 ls does.
  size_t strip = options.recursive ? 0 : (url->key.rfind('/') == std::string::npos ? 0 : url->key.rfind('/') + 1);
  uint64_t total_objects = 0, total_size = 0;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(store::ListResult page, store.List(req));
    for (const std::string& p : page.common_prefixes) {
      out << std::string(27, ' ') << "PRE " << p.substr(strip) << "\n";
    }
    for (const store::ObjectInfo& o : page.contents) {
      std::string size = options.human_readable ? HumanSize(o.size) : std::to_string(o.size);
      char col[32];
      std::snprintf(col, sizeof col, "%10s", size.c_str());
      out << common::FormatHumanSeconds(o.last_modified) << " " << col << " " << o.key.substr(strip);
      if (options.long_format && options.lifecycle) {
        if (auto e = ops::ExpirationFor(*options.lifecycle, o)) out << "  " << e->Header();
      }
      out << "\n";
      ++total_objects;
      total_size += o.size;
    }
    if (!page.is_truncated) break;
    req.continuation_token = page.next_continuation_token;
  }
  if (options.summarize) {
    out << "\nTotal Objects: " << total_objects << "\n   Total Size: "
        << (options.human_readable ? HumanSize(total_size) : std::to_string(total_size)) << "\n";
  }
  return Status::OK();
}

Status RemoveObjects(ObjectStore& store, const S3Url& url, bool recursive, std::ostream& out,
                     std::ostream& err) {
  if (!recursive) {
    if (url.key.empty()) return Status::InvalidArgument("rm needs an object key (or --recursive)");
    SLUICE_RETURN_IF_ERROR(store.Delete(url.bucket, url.key));
    out << "delete: " << FormatS3Url(url.bucket, url.key) << "\n";
    return Status::OK();
  }
  std::vector<std::string> keys;
  SLUICE_RETURN_IF_ERROR(ForEachObject(store, url.bucket, RecursivePrefix(url.key),
                                       [&](const store::ObjectInfo& o) { keys.push_back(o.key); }));
  Status first;
  for (const std::string& key : keys) {
    Status st = store.Delete(url.bucket, key).status();
    if (st.ok()) out << "delete: " << FormatS3Url(url.bucket, key) << "\n";
    Report(err, first, st, "delete failed: " + FormatS3Url(url.bucket, key));
  }
  return first;
}

Status CatObject(ObjectStore& store, const S3Url& url, const std::string& range) {
  if (url.key.empty()) return Status::InvalidArgument("cat needs an object key: s3://" + url.bucket + "/KEY");
  std::optional<store::ByteRange> r;
  if (!range.empty()) {
    SLUICE_ASSIGN_OR_RETURN(r, store::ByteRange::Parse(range));
  }
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.Get(url.bucket, url.key, r));
  FdOutputStream stdout_stream(1, "stdout");
  return common::CopyStream(*reader, stdout_stream).status();
}

}  // namespace sluice::cli
