#include "sluice/events/logged_store.h"

#include <string>

namespace sluice::events {

namespace {

std::string EtagHex(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

// Commits the inner staged object and its event under the catalog's write lock.
class LoggedStagedObject final : public store::StagedObject {
 public:
  LoggedStagedObject(std::unique_ptr<store::StagedObject> inner, EventLog* log,
                     std::string_view event_name)
      : inner_(std::move(inner)), log_(log), event_name_(event_name) {}

  const store::ObjectInfo& info() const override { return inner_->info(); }

  Result<store::ObjectInfo> Commit() override {
    SLUICE_ASSIGN_OR_RETURN(auto tx, log_->catalog().Begin(catalog::TxMode::kWrite));
    SLUICE_ASSIGN_OR_RETURN(store::ObjectInfo info, inner_->Commit());
    EventRecord record = CreatedRecord(event_name_, info);
    Status st = log_->Append(*tx, record).status();
    if (st.ok()) st = tx->Commit();
    if (!st.ok()) {
      return st.WithContext("s3://" + info.bucket + "/" + info.key +
                            " was written but its event was not logged (reconciliation "
                            "adds it)");
    }
    return info;
  }

 private:
  std::unique_ptr<store::StagedObject> inner_;
  EventLog* log_;
  std::string_view event_name_;  // one of the kObjectCreated* constants
};

}  // namespace

EventRecord CreatedRecord(std::string_view event_name, const store::ObjectInfo& info) {
  EventRecord r;
  r.event_name = std::string(event_name);
  r.event_time = info.last_modified;
  r.bucket = info.bucket;
  r.key = info.key;
  r.size = info.size;
  r.etag = EtagHex(info.etag);
  r.version = info.version;
  return r;
}

EventRecord RemovedRecord(std::string_view event_name, const store::ObjectInfo& info,
                          common::Timestamp when) {
  EventRecord r;
  r.event_name = std::string(event_name);
  r.event_time = when;
  r.bucket = info.bucket;
  r.key = info.key;
  r.version = info.version;
  return r;
}

Status LoggedStore::CreateBucket(std::string_view bucket) { return inner_->CreateBucket(bucket); }
Status LoggedStore::DeleteBucket(std::string_view bucket) { return inner_->DeleteBucket(bucket); }
Result<store::BucketInfo> LoggedStore::HeadBucket(std::string_view bucket) {
  return inner_->HeadBucket(bucket);
}
Result<std::vector<store::BucketInfo>> LoggedStore::ListBuckets() { return inner_->ListBuckets(); }

Result<std::unique_ptr<store::StagedObject>> LoggedStore::Stage(std::string_view bucket,
                                                                std::string_view key,
                                                                common::InputStream& content,
                                                                const store::PutOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto staged, inner_->Stage(bucket, key, content, options));
  return std::unique_ptr<store::StagedObject>(
      new LoggedStagedObject(std::move(staged), log_, kObjectCreatedPut));
}

Result<std::unique_ptr<store::StagedObject>> LoggedStore::StageCopy(
    std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
    std::string_view dst_key, const std::optional<store::PutOptions>& replace) {
  SLUICE_ASSIGN_OR_RETURN(auto staged,
                          inner_->StageCopy(src_bucket, src_key, dst_bucket, dst_key, replace));
  return std::unique_ptr<store::StagedObject>(
      new LoggedStagedObject(std::move(staged), log_, kObjectCreatedCopy));
}

Result<store::ObjectInfo> LoggedStore::Head(std::string_view bucket, std::string_view key) {
  return inner_->Head(bucket, key);
}

Result<std::unique_ptr<store::ObjectReader>> LoggedStore::Get(
    std::string_view bucket, std::string_view key, const std::optional<store::ByteRange>& range) {
  return inner_->Get(bucket, key, range);
}

Result<std::optional<store::ObjectInfo>> LoggedStore::Delete(std::string_view bucket,
                                                             std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, log_->catalog().Begin(catalog::TxMode::kWrite));
  SLUICE_ASSIGN_OR_RETURN(std::optional<store::ObjectInfo> removed, inner_->Delete(bucket, key));
  if (!removed) return removed;  // S3 sends no event when there was nothing to delete
  // The removal time is not known to the store; the time of the delete is now.
  EventRecord record = RemovedRecord(kObjectRemovedDelete, *removed, clock_->Now());
  Status st = log_->Append(*tx, record).status();
  if (st.ok()) st = tx->Commit();
  if (!st.ok()) {
    return st.WithContext("s3://" + removed->bucket + "/" + removed->key +
                          " was deleted but its event was not logged (reconciliation adds "
                          "it)");
  }
  return removed;
}

Result<store::ListResult> LoggedStore::List(const store::ListRequest& request) {
  return inner_->List(request);
}

}  // namespace sluice::events
