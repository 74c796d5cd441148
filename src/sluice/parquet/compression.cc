#include "sluice/parquet/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <climits>
#include <cstring>

namespace sluice::parquet {
namespace {

Status CheckClaimedSize(std::string_view codec, size_t uncompressed_size) {
  if (uncompressed_size > kMaxUncompressedPageSize) {
    return Status::Corruption(std::string(codec) + " page claims " +
                              std::to_string(uncompressed_size) +
                              " uncompressed bytes, over the 2^31 - 1 page limit");
  }
  return Status::OK();
}

Status SizeMismatch(std::string_view codec, size_t actual, size_t expected) {
  return Status::Corruption(std::string(codec) + " page decompresses to " + std::to_string(actual) +
                            " bytes, expected " + std::to_string(expected));
}

class UncompressedCodec final : public Codec {
 public:
  CompressionCodec codec() const override { return CompressionCodec::kUncompressed; }

  Status Compress(std::string_view in, std::string* out) override {
    out->assign(in);
    return Status::OK();
  }

  Status Decompress(std::string_view in, size_t uncompressed_size, std::string* out) override {
    if (in.size() != uncompressed_size)
      return SizeMismatch("UNCOMPRESSED", in.size(), uncompressed_size);
    out->assign(in);
    return Status::OK();
  }
};

class SnappyCodec final : public Codec {
 public:
  CompressionCodec codec() const override { return CompressionCodec::kSnappy; }

  Status Compress(std::string_view in, std::string* out) override {
    if (in.size() > UINT32_MAX) {
      return Status::InvalidArgument("SNAPPY cannot compress " + std::to_string(in.size()) +
                                     " bytes (limit 4 GiB)");
    }
    out->resize(snappy::MaxCompressedLength(in.size()));
    size_t written = 0;
    snappy::RawCompress(in.data(), in.size(), out->data(), &written);
    out->resize(written);
    return Status::OK();
  }

  Status Decompress(std::string_view in, size_t uncompressed_size, std::string* out) override {
    SLUICE_RETURN_IF_ERROR(CheckClaimedSize("SNAPPY", uncompressed_size));
    size_t stored = 0;
    if (!snappy::GetUncompressedLength(in.data(), in.size(), &stored)) {
      return Status::Corruption("SNAPPY page has no valid length header");
    }
    // The block states its own length; checking it first means the buffer given to snappy
    // is exactly as large as what it will write.
    if (stored != uncompressed_size) return SizeMismatch("SNAPPY", stored, uncompressed_size);
    out->resize(uncompressed_size);
    if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
      out->clear();
      return Status::Corruption("SNAPPY page is not valid snappy data");
    }
    return Status::OK();
  }
};

class ZstdCodec final : public Codec {
 public:
  explicit ZstdCodec(int level) : level_(level) {}
  ~ZstdCodec() override {
    ZSTD_freeCCtx(cctx_);
    ZSTD_freeDCtx(dctx_);
  }
  ZstdCodec(const ZstdCodec&) = delete;
  ZstdCodec& operator=(const ZstdCodec&) = delete;

  CompressionCodec codec() const override { return CompressionCodec::kZstd; }

  Status Compress(std::string_view in, std::string* out) override {
    if (cctx_ == nullptr && (cctx_ = ZSTD_createCCtx()) == nullptr) {
      return Status::Internal("ZSTD_createCCtx failed");
    }
    // Compressed into scratch kept between calls, then copied out: resizing `out` to the
    // bound zero-filled it every call (a 4 MiB memset per bronze frame), and the
    // compressed bytes are usually a fraction of the bound.
    const size_t bound = ZSTD_compressBound(in.size());
    if (scratch_size_ < bound) {
      scratch_.reset(new char[bound]);
      scratch_size_ = bound;
    }
    const size_t n = ZSTD_compressCCtx(cctx_, scratch_.get(), bound, in.data(), in.size(), level_);
    if (ZSTD_isError(n)) {
      out->clear();
      return Status::Internal(std::string("ZSTD compression failed: ") + ZSTD_getErrorName(n));
    }
    out->assign(scratch_.get(), n);
    return Status::OK();
  }

  Status Decompress(std::string_view in, size_t uncompressed_size, std::string* out) override {
    SLUICE_RETURN_IF_ERROR(CheckClaimedSize("ZSTD", uncompressed_size));
    // Frames usually state their content size: a first frame larger than the page is caught
    // before allocating. (Smaller may be one of several concatenated frames.)
    const unsigned long long stated = ZSTD_getFrameContentSize(in.data(), in.size());
    if (stated == ZSTD_CONTENTSIZE_ERROR) {
      return Status::Corruption("ZSTD page does not start with a valid zstd frame (" +
                                std::to_string(in.size()) + " bytes)");
    }
    if (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated > uncompressed_size) {
      return SizeMismatch("ZSTD", static_cast<size_t>(stated), uncompressed_size);
    }
    if (dctx_ == nullptr && (dctx_ = ZSTD_createDCtx()) == nullptr) {
      return Status::Internal("ZSTD_createDCtx failed");
    }
    out->resize(uncompressed_size);
    const size_t n = ZSTD_decompressDCtx(dctx_, out->data(), out->size(), in.data(), in.size());
    if (ZSTD_isError(n)) {
      out->clear();
      if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
        return Status::Corruption("ZSTD page decompresses to more than the expected " +
                                  std::to_string(uncompressed_size) + " bytes");
      }
      return Status::Corruption(std::string("ZSTD page does not decompress: ") +
                                ZSTD_getErrorName(n));
    }
    if (n != uncompressed_size) {
      out->clear();
      return SizeMismatch("ZSTD", n, uncompressed_size);
    }
    return Status::OK();
  }

 private:
  int level_;
  ZSTD_CCtx* cctx_ = nullptr;  // created on first use, reused after
  ZSTD_DCtx* dctx_ = nullptr;
  std::unique_ptr<char[]> scratch_;  // Compress()'s output, uninitialised
  size_t scratch_size_ = 0;
};

class GzipCodec final : public Codec {
 public:
  explicit GzipCodec(int level) : level_(level) {}
  ~GzipCodec() override {
    if (deflate_ready_) deflateEnd(&deflate_);
    if (inflate_ready_) inflateEnd(&inflate_);
  }
  GzipCodec(const GzipCodec&) = delete;
  GzipCodec& operator=(const GzipCodec&) = delete;

  CompressionCodec codec() const override { return CompressionCodec::kGzip; }

  Status Compress(std::string_view in, std::string* out) override {
    if (!deflate_ready_) {
      std::memset(&deflate_, 0, sizeof(deflate_));
      // windowBits 15 + 16: deflate inside a gzip header and trailer, as Parquet requires.
      if (deflateInit2(&deflate_, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Status::Internal("deflateInit2 failed");
      }
      deflate_ready_ = true;
    } else if (deflateReset(&deflate_) != Z_OK) {
      return Status::Internal("deflateReset failed");
    }
    const uLong bound = deflateBound(&deflate_, static_cast<uLong>(in.size()));
    if (in.size() > UINT_MAX || bound > UINT_MAX) {
      return Status::InvalidArgument("GZIP cannot compress " + std::to_string(in.size()) +
                                     " bytes in one page (limit 4 GiB)");
    }
    out->resize(bound);
    deflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    deflate_.avail_in = static_cast<uInt>(in.size());
    deflate_.next_out = reinterpret_cast<Bytef*>(out->data());
    deflate_.avail_out = static_cast<uInt>(out->size());
    const int rc = deflate(&deflate_, Z_FINISH);
    if (rc != Z_STREAM_END) {
      out->clear();
      return Status::Internal("GZIP deflate did not finish (zlib code " + std::to_string(rc) + ")");
    }
    out->resize(out->size() - deflate_.avail_out);
    return Status::OK();
  }

  Status Decompress(std::string_view in, size_t uncompressed_size, std::string* out) override {
    SLUICE_RETURN_IF_ERROR(CheckClaimedSize("GZIP", uncompressed_size));
    if (in.size() > UINT_MAX) {
      return Status::Corruption("GZIP page of " + std::to_string(in.size()) +
                                " compressed bytes is over 4 GiB");
    }
    if (!inflate_ready_) {
      std::memset(&inflate_, 0, sizeof(inflate_));
      // windowBits 15 + 32: accept gzip framing and, from old writers, zlib framing.
      if (inflateInit2(&inflate_, 15 + 32) != Z_OK) return Status::Internal("inflateInit2 failed");
      inflate_ready_ = true;
    } else if (inflateReset(&inflate_) != Z_OK) {
      return Status::Internal("inflateReset failed");
    }
    out->resize(uncompressed_size);
    inflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    inflate_.avail_in = static_cast<uInt>(in.size());
    inflate_.next_out = reinterpret_cast<Bytef*>(out->data());
    inflate_.avail_out = static_cast<uInt>(uncompressed_size);
    Status st = InflateMembers(uncompressed_size);
    if (!st.ok()) {
      out->clear();
      return st;
    }
    const size_t produced = uncompressed_size - inflate_.avail_out;
    if (produced != uncompressed_size) {
      out->clear();
      return SizeMismatch("GZIP", produced, uncompressed_size);
    }
    return Status::OK();
  }

 private:
  // Inflates gzip members back to back (concatenated members form one valid gzip stream).
  Status InflateMembers(size_t uncompressed_size) {
    while (true) {
      const int rc = inflate(&inflate_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        if (inflate_.avail_in == 0) return Status::OK();
        if (inflateReset(&inflate_) != Z_OK) return Status::Internal("inflateReset failed");
        continue;
      }
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR) {
        if (inflate_.avail_out == 0) {
          return Status::Corruption("GZIP page decompresses to more than the expected " +
                                    std::to_string(uncompressed_size) + " bytes");
        }
        return Status::Corruption("GZIP page is truncated after " +
                                  std::to_string(uncompressed_size - inflate_.avail_out) +
                                  " decompressed bytes");
      }
      if (rc == Z_MEM_ERROR) return Status::Internal("GZIP inflate ran out of memory");
      return Status::Corruption(
          std::string("GZIP page is not valid gzip data: ") +
          (inflate_.msg != nullptr ? inflate_.msg : "zlib code " + std::to_string(rc)));
    }
  }

  int level_;
  bool deflate_ready_ = false;
  bool inflate_ready_ = false;
  z_stream deflate_;
  z_stream inflate_;
};

}  // namespace

std::string CompressionCodecName(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kUncompressed:
      return "UNCOMPRESSED";
    case CompressionCodec::kSnappy:
      return "SNAPPY";
    case CompressionCodec::kGzip:
      return "GZIP";
    case CompressionCodec::kLzo:
      return "LZO";
    case CompressionCodec::kBrotli:
      return "BROTLI";
    case CompressionCodec::kLz4:
      return "LZ4";
    case CompressionCodec::kZstd:
      return "ZSTD";
    case CompressionCodec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "UNKNOWN(" + std::to_string(static_cast<int>(codec)) + ")";
}

Result<std::unique_ptr<Codec>> MakeCodec(CompressionCodec codec, int level) {
  switch (codec) {
    case CompressionCodec::kUncompressed:
      return std::unique_ptr<Codec>(new UncompressedCodec());
    case CompressionCodec::kSnappy:
      return std::unique_ptr<Codec>(new SnappyCodec());
    case CompressionCodec::kZstd: {
      if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
      if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
        return Status::InvalidArgument("ZSTD level " + std::to_string(level) + " is outside " +
                                       std::to_string(ZSTD_minCLevel()) + ".." +
                                       std::to_string(ZSTD_maxCLevel()));
      }
      return std::unique_ptr<Codec>(new ZstdCodec(level));
    }
    case CompressionCodec::kGzip: {
      if (level == 0) level = 6;
      if (level < 1 || level > 9) {
        return Status::InvalidArgument("GZIP level " + std::to_string(level) + " is outside 1..9");
      }
      return std::unique_ptr<Codec>(new GzipCodec(level));
    }
    default:
      return Status::NotFound("compression codec " + CompressionCodecName(codec) +
                              " is not supported (sluice reads and writes UNCOMPRESSED, "
                              "SNAPPY, GZIP and ZSTD)");
  }
}

}  // namespace sluice::parquet
