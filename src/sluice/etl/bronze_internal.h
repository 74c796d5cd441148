#pragma once

// The bronze layer of a run: the object exactly as received, zstd-compressed (independent
// frames of up to 4 MiB) unless already compressed (gzip/zstd by suffix, and Parquet), under
// bronze/<dataset>/<run_id>/ (docs/formats/lake.md). Bytes arrive through Add() — normally
// as the run reads them (TeeInputStream), so the object is read once — and may be compressed
// on a background thread. When the source has a plain MD5 ETag to verify, the bytes must
// match it: the object changed while it was read otherwise. Internal to the etl module.
//
// A BronzeWriter is used by one thread (plus its own background thread); the copy appears
// at its path only when Finish() succeeds.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sluice/common/hash.h"
#include "sluice/common/io.h"
#include "sluice/common/status.h"
#include "sluice/etl/job_runner.h"
#include "sluice/etl/lake_internal.h"
#include "sluice/parquet/compression.h"

namespace sluice::etl {

class BronzeWriter {
 public:
  // Starts the copy of `source` for run `run_id`, zstd at `level` unless the object is
  // compressed already; `background`: compress on a thread.
  static Result<std::unique_ptr<BronzeWriter>> Open(const Lake& lake, const std::string& run_id,
                                                    const SourceObject& source, int level,
                                                    bool background);
  ~BronzeWriter();

  Status Add(const char* data, size_t n);
  // Writes what is left, checks the ETag and makes the copy durable.
  Status Finish();

  const std::string& rel() const { return rel_; }  // relative to the lake root
  int64_t bytes() const { return bytes_; }         // as stored

 private:
  static constexpr size_t kFrame = 4 << 20;
  // Without a background thread, a read at least this large is compressed where it lies, as
  // a frame of its own (copying it into pending_ first was a pass over the whole object).
  static constexpr size_t kDirectFrame = 512 << 10;
  BronzeWriter() = default;
  Status Submit();  // hands pending_ (a whole frame, or the last one) on
  void Work();      // the background thread
  Status Write(std::string_view buf);

  std::string rel_;
  std::string uri_;
  std::unique_ptr<common::AtomicFileOutputStream> out_;
  std::unique_ptr<parquet::Codec> codec_;
  std::unique_ptr<common::Hasher> md5_;
  std::string etag_;
  std::string pending_;
  std::string frame_;
  int64_t bytes_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  // Frames the thread has written, kept for the next ones (fresh 4 MiB buffers cost their
  // pages' first touch on every frame).
  std::vector<std::string> spare_;
  bool closing_ = false;
  Status error_;
};

// Passes a stream's bytes through, giving each to the bronze writer too. `bronze` must
// outlive the stream.
class TeeInputStream final : public common::InputStream {
 public:
  TeeInputStream(std::unique_ptr<common::InputStream> in, BronzeWriter* bronze)
      : in_(std::move(in)), bronze_(bronze) {}
  Result<size_t> Read(void* out, size_t size) override;
  // Reads the rest of the stream into bronze.
  Status Drain();

 private:
  std::unique_ptr<common::InputStream> in_;
  BronzeWriter* bronze_;
};

// Copies the whole object into bronze and finishes it (Parquet sources, which are read from
// the copy, and objects refused before they are read).
Status CopyToBronze(const SourceObject& source, BronzeWriter* bronze);

}  // namespace sluice::etl
