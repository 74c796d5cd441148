#pragma once

// The Parquet file framing: "PAR1", column chunk data, the serialized FileMetaData, its
// length as 4 little-endian bytes, "PAR1". ReadFooter reads and checks that frame and the
// metadata's structural sanity (schema tree, column counts, byte ranges inside the file)
// from a RandomAccessSource, so everything after it can trust those invariants.
//
// RandomAccessSource is the seam through which Parquet readers get bytes: FileSource reads
// a file, StringSource a string (tests, fuzzers, objects already in memory). Sources are
// single-threaded unless an implementation says otherwise.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/common/file_util.h"
#include "sluice/common/status.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/thrift_compact.h"

namespace sluice::parquet {

inline constexpr std::string_view kParquetMagic = "PAR1";
// The magic of files whose footer is encrypted (not supported).
inline constexpr std::string_view kParquetEncryptedMagic = "PARE";

class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  // Total size in bytes.
  virtual Result<uint64_t> Size() = 0;
  // Replaces `*out` with the `length` bytes at `offset`. OutOfRange or Corruption when the
  // range extends past the end; IOError when the read fails.
  virtual Status ReadAt(uint64_t offset, size_t length, std::string* out) = 0;
};

// Reads a file through pread(2).
class FileSource final : public RandomAccessSource {
 public:
  // NotFound/IOError naming `path` when it cannot be opened.
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  Result<uint64_t> Size() override;
  Status ReadAt(uint64_t offset, size_t length, std::string* out) override;

 private:
  FileSource(std::string path, common::FileDescriptor fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  common::FileDescriptor fd_;
};

// Reads from a string held by the source.
class StringSource final : public RandomAccessSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  Result<uint64_t> Size() override { return static_cast<uint64_t>(data_.size()); }
  Status ReadAt(uint64_t offset, size_t length, std::string* out) override;

 private:
  std::string data_;
};

// Reads the footer of the Parquet file in `source` and checks it: the size (at least 12
// bytes), both magic numbers, the footer length against the file size and
// limits.max_footer_bytes, the metadata's encoding, the schema tree (a root, num_children
// consistent with the element count, leaves with a type), each row group's column count
// against the schema's leaves, and every column chunk's byte range (and page index range)
// inside the data region. Every error is Corruption (or the source's IOError) whose message
// starts with `file_name` and says what is wrong, e.g.
// "orders.parquet: footer length 4294967295 exceeds the file size 1024".
Result<FileMetaData> ReadFooter(RandomAccessSource& source, std::string_view file_name,
                                const ReaderLimits& limits = {});

// The checks ReadFooter applies after decoding, for metadata that arrives another way.
// `metadata_offset` is where the serialized metadata starts (the data region is
// [4, metadata_offset)).
Status ValidateFileMetaData(const FileMetaData& metadata, uint64_t metadata_offset,
                            std::string_view file_name);

// The bytes that end a Parquet file whose data ends where this is appended: serialized
// `metadata`, its length, and the trailing magic.
std::string SerializeFooter(const FileMetaData& metadata);

}  // namespace sluice::parquet
