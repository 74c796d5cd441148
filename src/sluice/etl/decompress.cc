#include "sluice/etl/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sluice::etl {
namespace {

constexpr size_t kInChunk = 64 << 10;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// gzip (and zlib, detected from the header) through inflate.
class GzipInputStream final : public common::InputStream {
 public:
  GzipInputStream(std::unique_ptr<common::InputStream> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(kInChunk) {}
  ~GzipInputStream() override {
    if (initialized_) inflateEnd(&z_);
  }

  Status Init() {
    z_ = {};
    if (inflateInit2(&z_, 15 + 32) != Z_OK) {
      return Status::Internal(name_ + ": cannot initialise zlib");
    }
    initialized_ = true;
    return Status::OK();
  }

  Result<size_t> Read(void* out, size_t size) override {
    if (size == 0 || done_) return size_t{0};
    const uInt want = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    z_.next_out = static_cast<Bytef*>(out);
    z_.avail_out = want;
    while (z_.avail_out == want) {
      if (z_.avail_in == 0 && !raw_eof_) {
        SLUICE_ASSIGN_OR_RETURN(size_t n, raw_->Read(in_.data(), in_.size()));
        if (n == 0) {
          raw_eof_ = true;
        } else {
          z_.next_in = in_.data();
          z_.avail_in = static_cast<uInt>(n);
        }
      }
      if (z_.avail_in == 0 && raw_eof_ && !in_member_) {
        done_ = true;
        break;
      }
      if (!in_member_) {
        // Bytes after a complete member start the next member of a concatenated file.
        if (inflateReset(&z_) != Z_OK) return Status::Internal(name_ + ": inflateReset failed");
        in_member_ = true;
      }
      uInt in_before = z_.avail_in, out_before = z_.avail_out;
      int rc = inflate(&z_, Z_NO_FLUSH);
      consumed_ += in_before - z_.avail_in;
      if (rc == Z_STREAM_END) {
        in_member_ = false;
      } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
        if (raw_eof_ && z_.avail_in == 0 && z_.avail_out == out_before) {
          return Status::Corruption(name_ + ": truncated gzip data at compressed byte " +
                                    std::to_string(consumed_));
        }
      } else {
        return Status::Corruption(
            name_ + ": corrupt gzip data at compressed byte " + std::to_string(consumed_) + ": " +
            (z_.msg ? std::string(z_.msg) : "inflate error " + std::to_string(rc)));
      }
    }
    return static_cast<size_t>(want - z_.avail_out);
  }

 private:
  std::unique_ptr<common::InputStream> raw_;
  std::string name_;
  std::vector<Bytef> in_;
  z_stream z_{};
  bool initialized_ = false;
  bool raw_eof_ = false;
  bool in_member_ = false;
  bool done_ = false;
  uint64_t consumed_ = 0;
};

class ZstdInputStream final : public common::InputStream {
 public:
  ZstdInputStream(std::unique_ptr<common::InputStream> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(ZSTD_DStreamInSize()) {}
  ~ZstdInputStream() override { ZSTD_freeDStream(ds_); }

  Status Init() {
    ds_ = ZSTD_createDStream();
    if (ds_ == nullptr) return Status::Internal(name_ + ": cannot create a zstd stream");
    ZSTD_initDStream(ds_);
    return Status::OK();
  }

  Result<size_t> Read(void* out, size_t size) override {
    if (size == 0 || done_) return size_t{0};
    ZSTD_outBuffer ob{out, size, 0};
    while (ob.pos == 0) {
      if (ib_.pos == ib_.size && !raw_eof_) {
        SLUICE_ASSIGN_OR_RETURN(size_t n, raw_->Read(in_.data(), in_.size()));
        if (n == 0) {
          raw_eof_ = true;
        } else {
          ib_ = ZSTD_inBuffer{in_.data(), n, 0};
        }
      }
      if (ib_.pos == ib_.size && raw_eof_ && frame_ended_) {
        done_ = true;
        break;
      }
      size_t before = ib_.pos;
      size_t rc = ZSTD_decompressStream(ds_, &ob, &ib_);
      consumed_ += ib_.pos - before;
      if (ZSTD_isError(rc)) {
        return Status::Corruption(name_ + ": corrupt zstd data at compressed byte " +
                                  std::to_string(consumed_) + ": " + ZSTD_getErrorName(rc));
      }
      frame_ended_ = rc == 0;  // 0: a frame is complete (more frames may follow)
      if (!frame_ended_ && raw_eof_ && ib_.pos == ib_.size && ob.pos == 0) {
        return Status::Corruption(name_ + ": truncated zstd data at compressed byte " +
                                  std::to_string(consumed_));
      }
    }
    return ob.pos;
  }

 private:
  std::unique_ptr<common::InputStream> raw_;
  std::string name_;
  std::vector<char> in_;
  ZSTD_inBuffer ib_{nullptr, 0, 0};
  ZSTD_DStream* ds_ = nullptr;
  bool raw_eof_ = false;
  bool frame_ended_ = true;  // an empty input is an empty stream
  bool done_ = false;
  uint64_t consumed_ = 0;
};

}  // namespace

Compression CompressionFromName(std::string_view name) {
  if (EndsWith(name, ".gz")) return Compression::kGzip;
  if (EndsWith(name, ".zst") || EndsWith(name, ".zstd")) return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<common::InputStream>> OpenMaybeCompressed(
    std::unique_ptr<common::InputStream> raw, std::string_view name) {
  return OpenDecompressed(std::move(raw), CompressionFromName(name), name);
}

Result<std::unique_ptr<common::InputStream>> OpenDecompressed(
    std::unique_ptr<common::InputStream> raw, Compression compression, std::string_view name) {
  switch (compression) {
    case Compression::kNone:
      return raw;
    case Compression::kGzip: {
      auto s = std::make_unique<GzipInputStream>(std::move(raw), std::string(name));
      SLUICE_RETURN_IF_ERROR(s->Init());
      return std::unique_ptr<common::InputStream>(std::move(s));
    }
    case Compression::kZstd: {
      auto s = std::make_unique<ZstdInputStream>(std::move(raw), std::string(name));
      SLUICE_RETURN_IF_ERROR(s->Init());
      return std::unique_ptr<common::InputStream>(std::move(s));
    }
  }
  return Status::Internal("unknown compression");
}

}  // namespace sluice::etl
