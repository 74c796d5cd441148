#include "sluice/ops/lifecycle.h"

#include <zstd.h>

#include <set>

#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/events/event_record.h"

namespace sluice::ops {
namespace {

namespace json = boost::json;

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

Status Malformed(const std::string& path, const std::string& why) {
  return Status(StatusCode::kInvalidArgument, "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our "
                "published schema: " + path + ": " + why);
}

Status BadValue(const std::string& path, const std::string& why) {
  return Status(StatusCode::kInvalidArgument, "InvalidArgument", path + ": " + why);
}

Result<uint64_t> Size(const json::value& v, const std::string& path) {
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<uint64_t>(v.get_int64());
  if (v.is_uint64()) return v.get_uint64();
  return BadValue(path, "expected a non-negative number of bytes");
}

Result<std::pair<std::string, std::string>> Tag(const json::value& v, const std::string& path) {
  const json::object* o = v.if_object();
  if (!o) return Malformed(path, "expected {\"Key\": …, \"Value\": …}");
  SLUICE_ASSIGN_OR_RETURN(std::string key, common::RequiredString(*o, "Key", path));
  SLUICE_ASSIGN_OR_RETURN(auto value, common::OptionalString(*o, "Value", path));
  return std::make_pair(key, value.value_or(""));
}

Status ParseFilterMembers(const json::object& o, const std::string& path, bool in_and,
                          LifecycleFilter* f) {
  int members = 0;
  for (const auto& [key, v] : o) {
    std::string p = path + "." + std::string(key);
    ++members;
    if (key == "Prefix") {
      if (!v.is_string()) return Malformed(p, "expected a string");
      f->prefix = std::string(v.get_string());
    } else if (key == "Tag" && !in_and) {
      SLUICE_ASSIGN_OR_RETURN(auto tag, Tag(v, p));
      f->tags.push_back(std::move(tag));
    } else if (key == "Tags" && in_and) {
      if (!v.is_array()) return Malformed(p, "expected an array of tags");
      for (size_t i = 0; i < v.get_array().size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(auto tag, Tag(v.get_array()[i], p + "[" + std::to_string(i) + "]"));
        f->tags.push_back(std::move(tag));
      }
    } else if (key == "ObjectSizeGreaterThan") {
      SLUICE_ASSIGN_OR_RETURN(f->size_greater_than, Size(v, p));
    } else if (key == "ObjectSizeLessThan") {
      SLUICE_ASSIGN_OR_RETURN(f->size_less_than, Size(v, p));
    } else if (key == "And" && !in_and) {
      const json::object* a = v.if_object();
      if (!a) return Malformed(p, "expected an object");
      SLUICE_RETURN_IF_ERROR(ParseFilterMembers(*a, p, true, f));
    } else {
      return Malformed(p, "unknown Filter member");
    }
  }
  if (!in_and && members > 1) {
    return Malformed(path, "a Filter holds one of Prefix, Tag, ObjectSizeGreaterThan, "
                           "ObjectSizeLessThan or And; combine conditions with And");
  }
  if (f->size_greater_than && f->size_less_than && *f->size_greater_than >= *f->size_less_than) {
    return BadValue(path, "ObjectSizeGreaterThan must be less than ObjectSizeLessThan");
  }
  return Status::OK();
}

Result<common::Timestamp> ParseDate(const json::value& v, const std::string& path) {
  if (!v.is_string()) return BadValue(path, "expected an ISO 8601 date");
  std::string text(v.get_string());
  if (text.size() == 10) text += "T00:00:00Z";
  auto t = common::ParseRfc3339(text);
  if (!t.ok()) return BadValue(path, "'" + std::string(v.get_string()) + "' is not an ISO 8601 date");
  if (t->micros % kMicrosPerDay != 0) return BadValue(path, "'Date' must be at midnight GMT");
  return *t;
}

// Days | Date (| StorageClass for transitions).
Result<LifecycleAction> ParseAction(const json::object& o, const std::string& path, bool transition) {
  LifecycleAction a;
  int timings = 0;
  for (const auto& [key, v] : o) {
    std::string p = path + "." + std::string(key);
    if (key == "Days") {
      if (!v.is_int64() || v.get_int64() <= 0) {
        return BadValue(p, std::string("'Days' for ") + (transition ? "Transition" : "Expiration") +
                               " action must be a positive integer");
      }
      a.days = v.get_int64();
      ++timings;
    } else if (key == "Date") {
      SLUICE_ASSIGN_OR_RETURN(a.date, ParseDate(v, p));
      ++timings;
    } else if (key == "StorageClass" && transition) {
      if (!v.is_string()) return Malformed(p, "expected a storage class name");
      a.storage_class = std::string(v.get_string());
    } else if (key == "ExpiredObjectDeleteMarker" && !transition) {
      if (!v.is_bool()) return Malformed(p, "expected true or false");
      ++timings;  // a versioning action: stored, not applied
    } else {
      return Malformed(p, "unknown member");
    }
  }
  if (timings != 1) {
    return Malformed(path, transition ? "a Transition needs exactly one of Days or Date"
                                      : "an Expiration needs exactly one of Days, Date or "
                                        "ExpiredObjectDeleteMarker");
  }
  if (transition && a.storage_class.empty()) return Malformed(path, "StorageClass is required");
  return a;
}

bool AlreadyCompressed(std::string_view key) {
  for (std::string_view s : {".zst", ".zstd", ".gz", ".parquet"}) {
    if (key.ends_with(s)) return true;
  }
  return false;
}

// Reads `source` and yields its zstd compression (one frame, level 3).
class ZstdCompressingStream final : public common::InputStream {
 public:
  explicit ZstdCompressingStream(common::InputStream* source)
      : source_(source), cctx_(ZSTD_createCCtx()), in_(ZSTD_CStreamInSize()), out_(ZSTD_CStreamOutSize()) {
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3);
  }
  ~ZstdCompressingStream() override { ZSTD_freeCCtx(cctx_); }

  Result<size_t> Read(void* out, size_t size) override {
    while (out_pos_ == out_size_) {
      if (done_) return size_t{0};
      if (in_pos_ == in_size_ && !source_eof_) {
        SLUICE_ASSIGN_OR_RETURN(size_t n, source_->Read(in_.data(), in_.size()));
        source_eof_ = n == 0;
        in_pos_ = 0;
        in_size_ = n;
      }
      ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
      ZSTD_outBuffer o{out_.data(), out_.size(), 0};
      size_t remaining = ZSTD_compressStream2(cctx_, &o, &in, source_eof_ ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(remaining)) {
        return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(remaining));
      }
      in_pos_ = in.pos;
      out_pos_ = 0;
      out_size_ = o.pos;
      if (source_eof_ && remaining == 0) done_ = true;
    }
    size_t n = std::min(size, out_size_ - out_pos_);
    std::memcpy(out, out_.data() + out_pos_, n);
    out_pos_ += n;
    return n;
  }

 private:
  common::InputStream* source_;
  ZSTD_CCtx* cctx_;
  std::vector<char> in_, out_;
  size_t in_pos_ = 0, in_size_ = 0, out_pos_ = 0, out_size_ = 0;
  bool source_eof_ = false, done_ = false;
};

struct PlannedAction {
  store::ObjectInfo object;
  std::string rule_id;
  bool expire = false;
};

// Returns false when the object changed or vanished since it was listed (nothing done).
Result<bool> Expire(events::LoggedStore& store, const PlannedAction& a, common::Timestamp now) {
  store::ObjectStore& inner = store.inner();
  SLUICE_ASSIGN_OR_RETURN(auto tx, store.log().catalog().Begin(catalog::TxMode::kWrite));
  auto head = inner.Head(a.object.bucket, a.object.key);
  if (!head.ok()) {
    if (head.status().code() == StatusCode::kNotFound) return false;
    return head.status();
  }
  if (head->version != a.object.version) return false;  // replaced since listed
  SLUICE_ASSIGN_OR_RETURN(auto removed, inner.Delete(a.object.bucket, a.object.key));
  if (!removed) return false;
  events::EventRecord record = events::RemovedRecord("LifecycleExpiration:Delete", *removed, now);
  SLUICE_RETURN_IF_ERROR(store.log().Append(*tx, record).status());
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return true;
}

Result<bool> Compress(events::LoggedStore& store, const PlannedAction& a, common::Timestamp now) {
  store::ObjectStore& inner = store.inner();
  const store::ObjectInfo& o = a.object;
  SLUICE_ASSIGN_OR_RETURN(auto reader, inner.Get(o.bucket, o.key, std::nullopt));
  if (reader->info().version != o.version) return false;
  store::PutOptions options;
  options.content_type = o.content_type;
  options.user_metadata = o.user_metadata;
  options.user_metadata["sluice-original-etag"] = o.etag_hex();
  options.user_metadata["sluice-original-size"] = std::to_string(o.size);
  options.user_metadata["sluice-created"] = common::FormatIso8601Millis(CreationTime(o));
  options.user_metadata["sluice-lifecycle-rule"] = a.rule_id;
  ZstdCompressingStream compressed(reader.get());
  SLUICE_ASSIGN_OR_RETURN(auto staged, inner.Stage(o.bucket, o.key + ".zst", compressed, options));

  SLUICE_ASSIGN_OR_RETURN(auto tx, store.log().catalog().Begin(catalog::TxMode::kWrite));
  auto head = inner.Head(o.bucket, o.key);
  if (!head.ok() || head->version != o.version) return false;  // changed: staged copy discarded
  SLUICE_ASSIGN_OR_RETURN(store::ObjectInfo created, staged->Commit());
  SLUICE_ASSIGN_OR_RETURN(auto removed, inner.Delete(o.bucket, o.key));
  events::EventRecord transition = events::CreatedRecord("LifecycleTransition", o);
  transition.event_time = now;
  events::EventRecord copy = events::CreatedRecord(events::kObjectCreatedCopy, created);
  SLUICE_RETURN_IF_ERROR(store.log().Append(*tx, transition).status());
  SLUICE_RETURN_IF_ERROR(store.log().Append(*tx, copy).status());
  if (removed) {
    events::EventRecord deleted = events::RemovedRecord(events::kObjectRemovedDelete, *removed, now);
    SLUICE_RETURN_IF_ERROR(store.log().Append(*tx, deleted).status());
  }
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return true;
}

}  // namespace

bool LifecycleRule::Matches(const store::ObjectInfo& object) const {
  if (!filter.tags.empty()) return false;  // the store keeps no object tags
  if (!object.key.starts_with(filter.prefix)) return false;
  if (filter.size_greater_than && !(object.size > *filter.size_greater_than)) return false;
  if (filter.size_less_than && !(object.size < *filter.size_less_than)) return false;
  return true;
}

Result<LifecycleConfiguration> LifecycleConfiguration::FromJson(const json::value& value) {
  const json::object* root = value.if_object();
  if (!root) return Malformed("$", "expected a LifecycleConfiguration object");
  const json::value* rules = root->if_contains("Rules");
  if (!rules || !rules->is_array()) return Malformed("$.Rules", "required, an array of rules");
  if (rules->get_array().empty()) return Malformed("$.Rules", "at least one rule is required");
  if (rules->get_array().size() > 1000) {
    return BadValue("$.Rules", "a lifecycle configuration holds at most 1000 rules");
  }
  LifecycleConfiguration config;
  config.original = value;
  std::set<std::string> ids;
  for (size_t i = 0; i < rules->get_array().size(); ++i) {
    std::string path = "$.Rules[" + std::to_string(i) + "]";
    json::value& stored_rule = config.original.get_object()["Rules"].get_array()[i];
    const json::object* r = rules->get_array()[i].if_object();
    if (!r) return Malformed(path, "expected a rule object");
    LifecycleRule rule;
    SLUICE_ASSIGN_OR_RETURN(auto id, common::OptionalString(*r, "ID", path));
    if (id) {
      rule.id = *id;
    } else {
      rule.id = common::RandomHexId(16);  // S3 assigns an ID to a rule without one
      stored_rule.get_object()["ID"] = rule.id;
    }
    if (rule.id.size() > 255) return BadValue(path + ".ID", "the ID is longer than 255 characters");
    if (!ids.insert(rule.id).second) return BadValue(path + ".ID", "Rule ID must be unique. Found same ID for more than one rule");
    const json::value* status = r->if_contains("Status");
    if (!status || !status->is_string() ||
        (status->get_string() != "Enabled" && status->get_string() != "Disabled")) {
      return Malformed(path + ".Status", "required, Enabled or Disabled");
    }
    rule.enabled = status->get_string() == "Enabled";
    const json::value* filter = r->if_contains("Filter");
    const json::value* prefix = r->if_contains("Prefix");
    if (filter && prefix) return Malformed(path, "a rule has Filter or Prefix, not both");
    if (prefix) {
      if (!prefix->is_string()) return Malformed(path + ".Prefix", "expected a string");
      rule.filter.prefix = std::string(prefix->get_string());
    } else if (filter) {
      if (!filter->is_object()) return Malformed(path + ".Filter", "expected an object");
      SLUICE_RETURN_IF_ERROR(ParseFilterMembers(filter->get_object(), path + ".Filter", false, &rule.filter));
    }
    bool has_action = false;
    for (const auto& [key, v] : *r) {
      std::string p = path + "." + std::string(key);
      if (key == "Expiration") {
        if (!v.is_object()) return Malformed(p, "expected an object");
        SLUICE_ASSIGN_OR_RETURN(LifecycleAction a, ParseAction(v.get_object(), p, false));
        if (a.days || a.date) rule.expiration = a;
        has_action = true;
      } else if (key == "Transitions") {
        if (!v.is_array()) return Malformed(p, "expected an array");
        for (size_t t = 0; t < v.get_array().size(); ++t) {
          std::string tp = p + "[" + std::to_string(t) + "]";
          if (!v.get_array()[t].is_object()) return Malformed(tp, "expected an object");
          SLUICE_ASSIGN_OR_RETURN(LifecycleAction a, ParseAction(v.get_array()[t].get_object(), tp, true));
          rule.transitions.push_back(a);
        }
        has_action = has_action || !v.get_array().empty();
      } else if (key == "NoncurrentVersionExpiration" || key == "NoncurrentVersionTransitions" ||
                 key == "AbortIncompleteMultipartUpload") {
        has_action = true;  // stored, not applied: the store keeps no versions or uploads
      } else if (key != "ID" && key != "Status" && key != "Filter" && key != "Prefix") {
        return Malformed(p, "unknown rule member");
      }
    }
    if (!has_action) {
      return Status(StatusCode::kInvalidArgument, "InvalidRequest",
                    path + ": At least one action needs to be specified in a rule");
    }
    config.rules.push_back(std::move(rule));
  }
  return config;
}

common::Timestamp DueTime(const LifecycleAction& action, common::Timestamp created) {
  if (action.date) return *action.date;
  int64_t t = created.micros + *action.days * kMicrosPerDay;
  int64_t day = t / kMicrosPerDay;
  if (t % kMicrosPerDay != 0) ++day;
  return common::Timestamp::FromMicros(day * kMicrosPerDay);
}

common::Timestamp CreationTime(const store::ObjectInfo& object) {
  auto it = object.user_metadata.find("sluice-created");
  if (it != object.user_metadata.end()) {
    if (auto t = common::ParseRfc3339(it->second); t.ok()) return *t;
  }
  return object.last_modified;
}

std::string ExpirationInfo::Header() const {
  return "expiry-date=\"" + common::FormatHttpDate(expiry_date) + "\", rule-id=\"" + rule_id + "\"";
}

std::optional<ExpirationInfo> ExpirationFor(const LifecycleConfiguration& config,
                                            const store::ObjectInfo& object) {
  std::optional<ExpirationInfo> best;
  common::Timestamp created = CreationTime(object);
  for (const LifecycleRule& r : config.rules) {
    if (!r.enabled || !r.expiration || !r.Matches(object)) continue;
    common::Timestamp due = DueTime(*r.expiration, created);
    if (!best || due < best->expiry_date) best = ExpirationInfo{due, r.id};
  }
  return best;
}

Result<LifecycleConfiguration> LifecycleConfigurationStore::Put(std::string_view bucket,
                                                                const json::value& config,
                                                                common::Timestamp now) {
  SLUICE_ASSIGN_OR_RETURN(LifecycleConfiguration parsed, LifecycleConfiguration::FromJson(config));
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  SLUICE_RETURN_IF_ERROR(tx->Execute(
      "INSERT INTO bucket_lifecycle_configurations (bucket, configuration, updated_at) "
      "VALUES ($1, $2, $3) ON CONFLICT (bucket) DO UPDATE SET configuration = excluded.configuration, "
      "updated_at = excluded.updated_at",
      {std::string(bucket), common::SerializeJson(parsed.original), common::FormatIso8601Millis(now)}));
  SLUICE_RETURN_IF_ERROR(tx->Commit());
  return parsed;
}

Result<LifecycleConfiguration> LifecycleConfigurationStore::Get(std::string_view bucket) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT configuration FROM bucket_lifecycle_configurations "
                                                 "WHERE bucket = $1",
                                                 {std::string(bucket)}));
  if (!row) {
    return Status(StatusCode::kNotFound, "NoSuchLifecycleConfiguration",
                  "The lifecycle configuration does not exist (bucket " + std::string(bucket) + ")");
  }
  SLUICE_ASSIGN_OR_RETURN(json::value v, common::ParseJson(row->Text(0), "lifecycle configuration of " + std::string(bucket)));
  auto parsed = LifecycleConfiguration::FromJson(v);
  if (!parsed.ok()) return Status::Corruption("stored lifecycle configuration of " + std::string(bucket) + ": " + parsed.status().message());
  return parsed;
}

Status LifecycleConfigurationStore::Delete(std::string_view bucket) {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
  SLUICE_RETURN_IF_ERROR(tx->Execute("DELETE FROM bucket_lifecycle_configurations WHERE bucket = $1",
                                     {std::string(bucket)}));
  return tx->Commit();
}

Result<std::vector<std::string>> LifecycleConfigurationStore::Buckets() {
  SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT bucket FROM bucket_lifecycle_configurations ORDER BY bucket"));
  std::vector<std::string> out;
  for (const catalog::Row& r : rows) out.push_back(r.Text(0));
  return out;
}

Result<LifecycleReport> ApplyLifecycle(events::LoggedStore& store, common::Timestamp now,
                                       const LifecycleApplyOptions& options) {
  LifecycleConfigurationStore configs(&store.log().catalog());
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> buckets, configs.Buckets());
  LifecycleReport report;
  for (const std::string& bucket : buckets) {
    SLUICE_ASSIGN_OR_RETURN(LifecycleConfiguration config, configs.Get(bucket));
    if (auto b = store.inner().HeadBucket(bucket); !b.ok()) continue;  // bucket removed since
    std::vector<PlannedAction> planned;
    store::ListRequest req;
    req.bucket = bucket;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(store::ListResult page, store.inner().List(req));
      for (const store::ObjectInfo& o : page.contents) {
        ++report.objects_scanned;
        common::Timestamp created = CreationTime(o);
        std::optional<ExpirationInfo> exp = ExpirationFor(config, o);
        if (exp && exp->expiry_date <= now) {
          planned.push_back(PlannedAction{o, exp->rule_id, true});
          continue;
        }
        if (AlreadyCompressed(o.key)) continue;
        for (const LifecycleRule& r : config.rules) {
          if (!r.enabled || !r.Matches(o)) continue;
          bool due = false;
          for (const LifecycleAction& t : r.transitions) {
            due = due || (t.storage_class == kCompressedStorageClass && DueTime(t, created) <= now);
          }
          if (due) {
            planned.push_back(PlannedAction{o, r.id, false});
            break;
          }
        }
      }
      if (!page.is_truncated) break;
      req.continuation_token = page.next_continuation_token;
    }
    for (const PlannedAction& a : planned) {
      std::string url = "s3://" + a.object.bucket + "/" + a.object.key;
      Result<bool> done = options.dry_run ? Result<bool>(true)
                          : a.expire      ? Expire(store, a, now)
                                          : Compress(store, a, now);
      if (done.ok() && !*done) continue;
      if (!done.ok()) {
        Status st = done.status();
        ++report.errors;
        common::LogError("lifecycle: " + std::string(a.expire ? "expiring " : "compressing ") + url +
                         " (rule " + a.rule_id + ") failed: " + st.ToString());
        continue;
      }
      (a.expire ? report.expired : report.transitioned)++;
      if (options.actions_total && !options.dry_run) {
        options.actions_total->WithLabels({a.expire ? "expiration" : "transition"})->Increment();
      }
      report.actions.push_back(std::string(a.expire ? "expire " : "compress ") + url + " (rule " +
                               a.rule_id + ")");
    }
  }
  return report;
}

}  // namespace sluice::ops
