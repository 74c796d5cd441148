#include "sluice/etl/bronze_internal.h"

#include <algorithm>
#include <filesystem>

#include "sluice/common/file_util.h"
#include "sluice/etl/decompress.h"

namespace sluice::etl {

namespace fs = std::filesystem;

Result<std::unique_ptr<BronzeWriter>> BronzeWriter::Open(const Lake& lake,
                                                         const std::string& run_id,
                                                         const SourceObject& source,
                                                         int level, bool background) {
  std::unique_ptr<BronzeWriter> w(new BronzeWriter);
  std::string name = fs::path(source.key).filename().string();
  if (name.empty()) name = "object";
  bool compressed = CompressionFromName(name) != Compression::kNone ||
                    (name.size() >= 8 && name.substr(name.size() - 8) == ".parquet");
  w->rel_ = "bronze/" + lake.dataset + "/" + run_id + "/" + name + (compressed ? "" : ".zst");
  w->uri_ = source.uri;
  SLUICE_RETURN_IF_ERROR(
      common::CreateDirectories(fs::path(lake.Abs(w->rel_)).parent_path().string()));
  SLUICE_ASSIGN_OR_RETURN(w->out_, common::AtomicFileOutputStream::Open(lake.Abs(w->rel_), true));
  if (!compressed) {
    SLUICE_ASSIGN_OR_RETURN(w->codec_,
                            parquet::MakeCodec(parquet::CompressionCodec::kZstd, level));
  }
  std::string etag = source.etag;
  if (etag.size() >= 2 && etag.front() == '"') etag = etag.substr(1, etag.size() - 2);
  if (source.verify_etag && etag.size() == 32) {
    w->etag_ = etag;
    w->md5_ = std::make_unique<common::Hasher>(common::HashAlgorithm::kMd5);
  }
  if (background) w->thread_ = std::thread([p = w.get()] { p->Work(); });
  return w;
}

BronzeWriter::~BronzeWriter() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
}

Status BronzeWriter::Add(const char* data, size_t n) {
  if (!thread_.joinable() && pending_.empty() && n >= kDirectFrame) {
    return Write(std::string_view(data, n));
  }
  while (n > 0) {
    size_t take = std::min(n, kFrame - pending_.size());
    pending_.append(data, take);
    data += take;
    n -= take;
    if (pending_.size() == kFrame) SLUICE_RETURN_IF_ERROR(Submit());
  }
  return Status::OK();
}

Status BronzeWriter::Finish() {
  if (!pending_.empty()) SLUICE_RETURN_IF_ERROR(Submit());
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  SLUICE_RETURN_IF_ERROR(error_);
  if (md5_) {
    std::string actual = md5_->FinishHex();
    if (actual != etag_) {
      return Status::Aborted(uri_ + " changed while it was read (ETag " + etag_ + ", read " +
                             actual + ")");
    }
  }
  return out_->Close();
}

Status BronzeWriter::Submit() {
  if (!thread_.joinable()) {
    Status st = Write(pending_);
    pending_.clear();
    return st;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < 2 || !error_.ok(); });
  SLUICE_RETURN_IF_ERROR(error_);
  queue_.push_back(std::move(pending_));
  pending_ = std::string();
  if (!spare_.empty()) {
    pending_ = std::move(spare_.back());
    spare_.pop_back();
  }
  pending_.reserve(kFrame);
  cv_.notify_all();
  return Status::OK();
}

void BronzeWriter::Work() {
  while (true) {
    std::string buf;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      buf = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    Status st = Write(buf);
    std::lock_guard<std::mutex> lock(mu_);
    if (!st.ok()) {
      if (error_.ok()) error_ = st;
      cv_.notify_all();
    }
    buf.clear();
    spare_.push_back(std::move(buf));
  }
}

Status BronzeWriter::Write(std::string_view buf) {
  if (md5_) md5_->Update(buf.data(), buf.size());
  if (!codec_) {
    bytes_ += static_cast<int64_t>(buf.size());
    return out_->Write(buf.data(), buf.size());
  }
  frame_.clear();
  SLUICE_RETURN_IF_ERROR(codec_->Compress(buf, &frame_));
  bytes_ += static_cast<int64_t>(frame_.size());
  return out_->Write(frame_.data(), frame_.size());
}

Result<size_t> TeeInputStream::Read(void* out, size_t size) {
  SLUICE_ASSIGN_OR_RETURN(size_t n, in_->Read(out, size));
  if (n > 0) SLUICE_RETURN_IF_ERROR(bronze_->Add(static_cast<const char*>(out), n));
  return n;
}

Status TeeInputStream::Drain() {
  std::string buf(1 << 20, '\0');
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, Read(buf.data(), buf.size()));
    if (n == 0) return Status::OK();
  }
}

Status CopyToBronze(const SourceObject& source, BronzeWriter* bronze) {
  SLUICE_ASSIGN_OR_RETURN(auto in, source.open());
  std::string buf(1 << 20, '\0');
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    SLUICE_RETURN_IF_ERROR(bronze->Add(buf.data(), n));
  }
  return bronze->Finish();
}

}  // namespace sluice::etl
