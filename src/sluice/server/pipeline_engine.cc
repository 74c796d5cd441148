#include "sluice/server/pipeline_engine.h"

#include <chrono>
#include <filesystem>
#include <map>

#include "sluice/asl/payload_template.h"
#include "sluice/common/hash.h"
#include "sluice/common/io.h"
#include "sluice/common/logging.h"
#include "sluice/common/time.h"
#include "sluice/server/runtime_metrics.h"

namespace sluice::server {

namespace fs = std::filesystem;
namespace json = boost::json;

// Starts the trigger's state machine for each matching event, inside the dispatcher's
// delivery transaction: the execution row and the delivered mark commit together.
class PipelineEngine::TriggerConsumer final : public events::Consumer {
 public:
  TriggerConsumer(PipelineEngine* engine, Trigger trigger,
                  std::optional<asl::PayloadTemplate> input)
      : engine_(engine), trigger_(std::move(trigger)), input_(std::move(input)) {}

  const Trigger& trigger() const { return trigger_; }

  Status Deliver(catalog::Transaction& tx, const events::NotificationRule&,
                 const events::LoggedEvent& event, const json::object& record) override {
    json::value input;
    if (trigger_.input.is_null()) {
      input = json::object{{"Records", json::array{record}}};
    } else {
      json::value doc = record;
      asl::PathContext ctx{&doc, &doc, nullptr};
      auto built = input_->Evaluate(ctx);
      if (!built.ok()) {
        return Status(built.status().code(), "trigger " + trigger_.name + ": " +
                                                 built.status().message());
      }
      input = std::move(*built);
    }
    SLUICE_ASSIGN_OR_RETURN(
        asl::ExecutionRecord started,
        engine_->executions_->StartExecutionIn(tx, trigger_.state_machine, ExecutionName(event),
                                               common::SerializeJson(input)));
    if (const ops::StandardMetrics* m = engine_->options_.metrics; m && m->event_to_start_seconds) {
      int64_t lag = common::SystemClock::Default()->Now().micros - event.record.event_time.micros;
      m->event_to_start_seconds->Get()->Observe(static_cast<double>(std::max<int64_t>(lag, 0)) / 1e6);
    }
    engine_->counters_->executions_started.fetch_add(1);
    engine_->counters_->events_dispatched.fetch_add(1);
    (void)started;
    return Status::OK();
  }

 private:
  // Unique per (trigger, object version): an event delivered again after a crash maps to
  // the same execution, which StartExecution treats as already started.
  std::string ExecutionName(const events::LoggedEvent& event) const {
    const events::EventRecord& r = event.record;
    std::string digest =
        common::Sha256Hex(trigger_.name + "\n" + r.bucket + "\n" + r.key + "\n" + r.etag + "\n" +
                          r.sequencer)
            .substr(0, 16);
    // Execution names: 1–80 of letters, digits, '-' and '_'; a readable tail of the key.
    std::string tail;
    for (char c : r.key) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      tail.push_back(ok ? c : '-');
    }
    if (tail.size() > 40) tail = tail.substr(tail.size() - 40);
    std::string name = trigger_.name.substr(0, 20) + "-" + digest + "-" + tail;
    for (char& c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) c = '-';
    }
    return name.substr(0, 80);
  }

  PipelineEngine* engine_;
  Trigger trigger_;
  std::optional<asl::PayloadTemplate> input_;  // set unless the trigger's input is null
};

PipelineEngine::PipelineEngine(catalog::Catalog* catalog, store::ObjectStore* store,
                               events::EventLog* log, asl::ExecutionService* executions,
                               EngineOptions options)
    : catalog_(catalog),
      store_(store),
      log_(log),
      executions_(executions),
      options_(std::move(options)),
      dispatcher_(catalog, log),
      counters_(options_.counters ? options_.counters : &own_counters_) {}

PipelineEngine::~PipelineEngine() { Stop(); }

Status PipelineEngine::SetTriggers(const std::vector<Trigger>& triggers) {
  SLUICE_ASSIGN_OR_RETURN(int64_t head, log_->LatestSeq());
  for (const Trigger& t : triggers) {
    std::vector<asl::Diagnostic> problems;
    std::optional<asl::PayloadTemplate> input;
    if (!t.input.is_null()) {
      input = asl::PayloadTemplate::Compile(t.input, "/input", &problems);
    }
    if (!problems.empty()) {
      return Status::InvalidArgument("trigger " + t.name + ": " + problems[0].location.substr(1) + ": " +
                                     problems[0].message);
    }
    events::NotificationRule rule;
    rule.id = t.name;
    rule.destination_arn = "arn:aws:states:::stateMachine:" + t.state_machine;
    rule.events = t.events.empty() ? std::vector<std::string>{"s3:ObjectCreated:*"} : t.events;
    rule.prefix = t.prefix;
    rule.suffix = t.suffix;
    // A new trigger's cursor is stored now, at the log's head: it sees later events only,
    // including those logged while the engine is down.
    std::string key = events::Dispatcher::ConsumerKey(t.bucket, t.name);
    {
      SLUICE_ASSIGN_OR_RETURN(auto tx, catalog_->Begin(catalog::TxMode::kWrite));
      SLUICE_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT seq FROM dispatch_cursors WHERE "
                                                     "consumer = $1",
                                                     {key}));
      if (!row) {
        SLUICE_RETURN_IF_ERROR(
            tx->Execute("INSERT INTO dispatch_cursors (consumer, seq, updated_at) VALUES ($1, $2, $3)",
                        {key, head,
                         common::FormatIso8601Millis(common::SystemClock::Default()->Now())})
                .status());
      }
      SLUICE_RETURN_IF_ERROR(tx->Commit());
    }
    consumers_.push_back(std::make_unique<TriggerConsumer>(this, t, std::move(input)));
    dispatcher_.Subscribe(t.bucket, rule, consumers_.back().get(), head);
  }
  return Status::OK();
}

Status PipelineEngine::Start() {
  stopping_ = false;
  executions_->SetSuspended(false);
  if (!options_.inbox_dir.empty()) {
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(options_.inbox_dir));
    threads_.emplace_back([this] { InboxLoop(); });
  }
  threads_.emplace_back([this] { DispatchLoop(); });
  for (int i = 0; i < std::max(1, options_.executors); ++i) {
    threads_.emplace_back([this] { ExecutorLoop(); });
  }
  return Status::OK();
}

void PipelineEngine::Stop() {
  if (threads_.empty()) return;
  stopping_ = true;
  // Executions pause at their next state, Wait or callback wait and stay RUNNING; a Task in
  // flight (an ETL run, a load) finishes first.
  executions_->SetSuspended(true);
  Wake();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

Status PipelineEngine::RecordQueueDepths() {
  const ops::StandardMetrics* m = options_.metrics;
  if (m == nullptr) return Status::OK();
  SLUICE_ASSIGN_OR_RETURN(int64_t head, log_->LatestSeq());
  if (m->queue_depth) {
    int64_t slowest = head;
    for (const auto& c : consumers_) {
      SLUICE_ASSIGN_OR_RETURN(int64_t cursor, dispatcher_.Cursor(events::Dispatcher::ConsumerKey(
                                                  c->trigger().bucket, c->trigger().name)));
      slowest = std::min(slowest, cursor);
    }
    m->queue_depth->WithLabels({"events"})->Set(static_cast<double>(head - slowest));
  }
  return RecordExecutionQueue(*catalog_, m);
}

void PipelineEngine::Wake() {
  std::lock_guard lock(mu_);
  ++wakeups_;
  work_.notify_all();
}

void PipelineEngine::DispatchLoop() {
  while (!stopping_) {
    auto report = dispatcher_.RunOnce(256);
    int64_t delivered = 0;
    if (!report.ok()) {
      counters_->dispatch_failures.fetch_add(1);
      common::LogWarn("serve: dispatcher: " + report.status().ToString());
    } else {
      delivered = report->delivered;
      for (const auto& f : report->failures) {
        counters_->dispatch_failures.fetch_add(1);
        common::LogWarn("serve: trigger " + f.consumer_key + ": event " + std::to_string(f.seq) +
                        " not delivered: " + f.status.ToString());
      }
    }
    if (delivered > 0) {
      Wake();
      continue;  // more may be waiting
    }
    std::unique_lock lock(mu_);
    work_.wait_for(lock, std::chrono::milliseconds(options_.dispatch_poll_ms),
                   [&] { return stopping_.load(); });
  }
}

void PipelineEngine::ExecutorLoop() {
  while (!stopping_) {
    int64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = wakeups_;
    }
    auto ran = executions_->RunPending();
    if (!ran.ok()) {
      common::LogWarn("serve: executor: " + ran.status().ToString());
    } else if (*ran > 0) {
      counters_->executions_finished.fetch_add(*ran);
      continue;
    }
    std::unique_lock lock(mu_);
    // Sleep until the dispatcher starts something, or poll now and then for executions
    // started elsewhere (sluice states start, a redrive) and expired leases.
    work_.wait_for(lock, std::chrono::milliseconds(250),
                   [&] { return stopping_.load() || wakeups_ != seen; });
  }
}

void PipelineEngine::InboxLoop() {
  std::map<std::string, int64_t> sizes;
  while (!stopping_) {
    Status st = ScanInbox(&sizes);
    if (!st.ok()) {
      counters_->inbox_failures.fetch_add(1);
      common::LogWarn("serve: inbox: " + st.ToString());
    }
    std::unique_lock lock(mu_);
    work_.wait_for(lock, std::chrono::milliseconds(options_.inbox_poll_ms),
                   [&] { return stopping_.load(); });
  }
}

// inbox/<bucket>/<key…>: a file whose size is the same as at the previous scan is put into
// the bucket (which logs its event), then removed. A crash between the two puts it again at
// the next start: the same bytes under the same key, a second event the ETL's bookmark
// skips.
Status PipelineEngine::ScanInbox(std::map<std::string, int64_t>* sizes) {
  std::map<std::string, int64_t> now;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(options_.inbox_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string path = it->path().string();
    std::string name = it->path().filename().string();
    if (name.starts_with(".")) continue;  // editors' and copy tools' temporary files
    int64_t size = static_cast<int64_t>(it->file_size(ec));
    if (ec) continue;
    now[path] = size;
  }
  Status first_error;
  std::vector<std::string> taken;
  for (const auto& [path, size] : now) {
    auto before = sizes->find(path);
    if (before == sizes->end() || before->second != size) continue;  // still growing
    std::string rel = fs::path(path).lexically_relative(options_.inbox_dir).generic_string();
    size_t slash = rel.find('/');
    if (slash == std::string::npos) {
      if (first_error.ok()) {
        first_error = Status::InvalidArgument("inbox file " + path +
                                              " is not under inbox/<bucket>/<key>; left in place");
      }
      continue;
    }
    std::string bucket = rel.substr(0, slash);
    std::string key = rel.substr(slash + 1);
    auto in = common::FileInputStream::Open(path);
    Status put = in.ok() ? store_->Put(bucket, key, **in, {}).status() : in.status();
    if (!put.ok()) {
      if (first_error.ok()) {
        first_error = Status(put.code(), "inbox file " + path + ": " + put.message() +
                                             " (left in place)");
      }
      continue;
    }
    fs::remove(path, ec);
    counters_->files_ingested.fetch_add(1);
    taken.push_back(path);
    Wake();
  }
  for (const auto& path : taken) now.erase(path);
  if (options_.metrics && options_.metrics->queue_depth) {
    options_.metrics->queue_depth->WithLabels({"inbox"})->Set(static_cast<double>(now.size()));
  }
  *sizes = std::move(now);
  return first_error;
}

}  // namespace sluice::server
