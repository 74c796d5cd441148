#pragma once

// Test helpers shared by the ETL module's tests.

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/etl/record_block.h"

namespace sluice::etl::testing {

// Hands out at most `chunk` bytes per Read, to put buffer boundaries everywhere.
class ChunkedInputStream final : public common::InputStream {
 public:
  ChunkedInputStream(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(void* out, size_t size) override {
    size_t n = std::min({size, chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, static_cast<char*>(out));
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Hands out `good` in one Read, then fails every Read with IOError "disk on fire".
class FailingInputStream final : public common::InputStream {
 public:
  explicit FailingInputStream(std::string good) : good_(std::move(good)) {}
  Result<size_t> Read(void* out, size_t size) override {
    if (done_) return Status::IOError("disk on fire");
    size_t n = std::min(size, good_.size());
    std::copy_n(good_.data(), n, static_cast<char*>(out));
    done_ = true;
    return n;
  }

 private:
  std::string good_;
  bool done_ = false;
};

// Reads the rest of `reader`'s input (a CsvReader or JsonlReader) cut into blocks of about
// `block_bytes` (NextBlock), each with a reader of its own (OpenBlock), calling
// `on_record(*record)` for each record in order. The first failing Status.
template <typename Reader, typename Record, typename OnRecord>
Status ForEachRecordInBlocks(Reader& reader, size_t block_bytes, Record* record,
                             OnRecord on_record) {
  RecordBlock block;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool more, reader.NextBlock(block_bytes, &block));
    if (!more) return Status::OK();
    Result<std::unique_ptr<Reader>> block_reader = reader.OpenBlock(std::move(block));
    if (!block_reader.ok()) return block_reader.status();
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool next, (*block_reader)->Next(record));
      if (!next) break;
      on_record(*record);
    }
  }
}

}  // namespace sluice::etl::testing
