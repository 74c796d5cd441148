// BuildModels: schedules models in dependency order over worker threads and materializes
// each one (table swap, view, incremental by partition).

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "sluice/common/ids.h"
#include "sluice/warehouse/load_log.h"
#include "sluice/warehouse/model_graph_internal.h"
#include "sluice/warehouse/model_state_internal.h"
#include "sluice/warehouse/model_tests_internal.h"
#include "sluice/warehouse/models.h"
#include "sluice/warehouse/sql_refs_internal.h"

namespace sluice::warehouse {
namespace {

using Outcome = ModelReport::Outcome;
using Partition = std::optional<std::string>;

constexpr std::string_view kTempSuffix = "__sluice_new";

bool IsBookkeeping(const TableName& table) { return table.name.starts_with("_sluice"); }

// `column IN ('a', 'b') OR column IS NULL`, for the partitions given.
std::string PartitionPredicate(std::string_view engine, const std::string& column,
                               const std::set<Partition>& partitions) {
  std::string quoted = QuoteIdentifier(column);
  std::string values =
      ComparableLiterals(engine, std::vector<Partition>(partitions.begin(), partitions.end()));
  bool with_null = partitions.count(std::nullopt) > 0;
  std::string in = values.empty() ? "" : quoted + " IN (" + values + ")";
  if (!with_null) return in;
  if (in.empty()) return quoted + " IS NULL";
  return "(" + in + " OR " + quoted + " IS NULL)";
}

// Runs `create` (a CREATE TABLE IF NOT EXISTS of `table`). On PostgreSQL that statement
// races with itself: of two sessions creating the same table, one fails on the catalog's
// unique index once the other commits. The table existing afterwards is success.
Status EnsureTable(Session& session, const TableName& table,
                   const std::function<Status()>& create) {
  Status status = create();
  if (status.ok()) return status;
  auto info = session.DescribeTable(table);
  return info.ok() && info->has_value() ? Status::OK() : status;
}

// Rolls back a transaction left open by an early return.
class TransactionGuard {
 public:
  explicit TransactionGuard(Session& session) : session_(session) {}
  ~TransactionGuard() {
    if (session_.in_transaction()) (void)session_.Rollback();
  }

 private:
  Session& session_;
};

// Materializes one model at a time on one session. Shared, read-only inputs.
class ModelMaterializer {
 public:
  ModelMaterializer(const std::vector<Model>& models, const ModelGraph& graph,
                    const BuildOptions& options, std::string run_id)
      : models_(models), graph_(graph), options_(options), run_id_(std::move(run_id)) {}

  void Build(Session& session, size_t m, ModelReport* report) const {
    const Model& model = models_[m];
    Status status;
    switch (model.materialized) {
      case Materialization::kTable:
        status = BuildTable(session, m, "", report);
        break;
      case Materialization::kView:
        status = BuildView(session, m, report);
        break;
      case Materialization::kIncremental:
        status = BuildIncremental(session, m, report);
        break;
    }
    if (session.in_transaction()) (void)session.Rollback();
    if (!status.ok()) {
      report->outcome = Outcome::kFailed;
      report->reason = status.message();
    }
  }

 private:
  // The tables whose loads change what the model reads: its SQL's references, with view
  // models replaced by what they read (a view has no loads of its own).
  void TrackedTables(const Model& model, std::set<TableName>* out) const {
    auto refs = FindTableRefs(model.sql);
    if (!refs.ok()) return;
    for (const SqlTableRef& ref : *refs) {
      if (IsBookkeeping(ref.table)) continue;
      const Model* view = ViewModel(ref.table);
      if (view && view != &model) {
        TrackedTables(*view, out);
      } else {
        out->insert(ref.table);
      }
    }
  }

  const Model* ViewModel(const TableName& table) const {
    if (table.schema != "gold") return nullptr;
    for (const Model& model : models_) {
      if (model.name == table.name && model.materialized == Materialization::kView) return &model;
    }
    return nullptr;
  }

  Result<std::map<std::string, int64_t>> LastSeqs(Session& session, const Model& model) const {
    std::set<TableName> tracked;
    TrackedTables(model, &tracked);
    std::map<std::string, int64_t> seqs;
    for (const TableName& table : tracked) {
      SLUICE_ASSIGN_OR_RETURN(seqs[table.ToString()], LastLoadSeq(session, table));
    }
    return seqs;
  }

  // Drops `table` (a table or a view) when it exists. PostgreSQL drops the views that read
  // a table with it (CASCADE); the model views among them are re-created by the caller.
  static Status DropRelation(Session& session, const TableName& table) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info, session.DescribeTable(table));
    if (!info) return Status::OK();
    std::string cascade = session.engine() == "postgresql" ? " CASCADE" : "";
    return session.Execute(std::string(info->is_view ? "DROP VIEW " : "DROP TABLE ") + table.Sql() +
                           cascade);
  }

  // `sql`: the view's SELECT (the model's, or the definition of its last build).
  static Status CreateView(Session& session, const Model& model, const std::string& sql) {
    if (session.engine() == "sqlite") {
      // SQLite keeps each layer in its own attached file, and a view cannot reach across.
      for (const TableName& read : model.reads) {
        if (read.schema != "gold") {
          return Status::InvalidArgument(
              model.path +
              ": a view on SQLite can read only gold tables (each layer is its own "
              "database file and SQLite views cannot reach across files); it reads " +
              read.ToString() + ": use materialized: table, or a PostgreSQL warehouse");
        }
      }
    }
    return session.Execute("CREATE VIEW " + model.table().Sql() + " AS\n" + sql);
  }

  // Inside the caller's transaction: replaces gold.<m> by what `create` makes, dropping the
  // existing downstream model views first and re-creating them afterwards (PostgreSQL
  // refuses, or cascades, to drop what views read; SQLite refuses to rename while a view
  // reads a missing table).
  Status Replace(Session& session, size_t m, const std::function<Status()>& create) const {
    // Views come back as they were last built: a changed view model is re-created from
    // its file only by its own build, which tests it.
    std::vector<std::pair<size_t, std::string>> views;
    for (size_t d : graph_.AllDownstream(m)) {
      if (models_[d].materialized != Materialization::kView) continue;
      SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info,
                              session.DescribeTable(models_[d].table()));
      if (!info || !info->is_view) continue;
      SLUICE_ASSIGN_OR_RETURN(std::optional<ModelState> state,
                              ReadModelState(session, models_[d].name));
      views.emplace_back(d, state ? state->definition : models_[d].sql);
    }
    for (auto it = views.rbegin(); it != views.rend(); ++it) {
      SLUICE_RETURN_IF_ERROR(session.Execute("DROP VIEW " + models_[it->first].table().Sql()));
    }
    SLUICE_RETURN_IF_ERROR(DropRelation(session, models_[m].table()));
    SLUICE_RETURN_IF_ERROR(create());
    for (const auto& [v, sql] : views) {
      Status status = CreateView(session, models_[v], sql);
      if (!status.ok()) {
        return status.WithContext("re-creating the view " + models_[v].table().ToString());
      }
    }
    return Status::OK();
  }

  Status Record(Session& session, const Model& model, const std::string& mode,
                std::optional<std::vector<PartitionValues>> partitions, int64_t inserted,
                int64_t deleted, int64_t rows, std::map<std::string, int64_t> upstream) const {
    LoadRecord load;
    load.table = model.table();
    load.load_id = run_id_ + "/" + model.name;
    load.run_id = run_id_;
    load.mode = mode;
    load.rows_inserted = inserted;
    load.rows_deleted = deleted;
    if (!model.partition_by.empty()) load.partition_columns = {model.partition_by};
    load.partitions = std::move(partitions);
    SLUICE_RETURN_IF_ERROR(AppendLoad(session, std::move(load)).status());
    ModelState state;
    state.model = model.name;
    state.materialized = std::string(MaterializationName(model.materialized));
    state.sql_hash = model.hash;
    state.upstream = std::move(upstream);
    state.rows = rows;
    state.definition = model.sql;
    return WriteModelState(session, std::move(state));
  }

  // A full build, in one transaction holding the model's lock: into
  // gold.<m>__sluice_new, tested, then swapped in. A failure rolls it all back, so the
  // previous version stays and nothing is left behind. `why` says why an incremental model
  // builds fully ("" for table models).
  Status BuildTable(Session& session, size_t m, const std::string& why, ModelReport* report) const {
    const Model& model = models_[m];
    report->mode = "full";
    report->reason = why;
    SLUICE_ASSIGN_OR_RETURN(auto upstream, LastSeqs(session, model));  // before reading data
    TableName temp{"gold", model.name + std::string(kTempSuffix)};
    TransactionGuard guard(session);
    SLUICE_RETURN_IF_ERROR(session.Begin());
    SLUICE_RETURN_IF_ERROR(session.LockTable(model.table()));
    SLUICE_RETURN_IF_ERROR(DropRelation(session, temp));
    SLUICE_RETURN_IF_ERROR(session.Execute("CREATE TABLE " + temp.Sql() + " AS\n" + model.sql));
    if (!model.partition_by.empty()) {
      SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info, session.DescribeTable(temp));
      bool found = info && std::any_of(info->columns.begin(), info->columns.end(),
                                       [&](const auto& c) { return c.name == model.partition_by; });
      if (!found) {
        return Status::InvalidArgument(model.path + ": the model's result has no column \"" +
                                       model.partition_by + "\" (partition_by)");
      }
    }
    report->tests = RunModelTests(session, model, temp);
    if (!AllPassed(report->tests)) {
      return Status::FailedPrecondition("tests failed; " + model.table().ToString() +
                                        " keeps its previous version");
    }
    SLUICE_ASSIGN_OR_RETURN(QueryResult count, session.Query("SELECT count(*) FROM " + temp.Sql()));
    report->rows = CountValue(count.rows.at(0).at(0));
    SLUICE_RETURN_IF_ERROR(Replace(session, m, [&] {
      return session.Execute("ALTER TABLE " + temp.Sql() + " RENAME TO " +
                             QuoteIdentifier(model.name));
    }));
    if (!model.partition_by.empty()) {
      // Incremental builds delete by partition: index it.
      SLUICE_RETURN_IF_ERROR(session.Execute(session.CreateIndexSql(
          model.table(), model.name + "__sluice_p", {model.partition_by}, false)));
    }
    SLUICE_RETURN_IF_ERROR(Record(session, model, "full", std::nullopt, report->rows, 0,
                                  report->rows, std::move(upstream)));
    SLUICE_RETURN_IF_ERROR(session.Commit());
    report->outcome = Outcome::kBuilt;
    return Status::OK();
  }

  Status BuildView(Session& session, size_t m, ModelReport* report) const {
    const Model& model = models_[m];
    report->mode = "view";
    SLUICE_ASSIGN_OR_RETURN(auto upstream, LastSeqs(session, model));
    TransactionGuard guard(session);
    SLUICE_RETURN_IF_ERROR(session.Begin());
    SLUICE_RETURN_IF_ERROR(session.LockTable(model.table()));
    SLUICE_RETURN_IF_ERROR(
        Replace(session, m, [&] { return CreateView(session, model, model.sql); }));
    report->tests = RunModelTests(session, model, model.table());
    if (!AllPassed(report->tests)) {
      SLUICE_RETURN_IF_ERROR(session.Rollback());
      return Status::FailedPrecondition("tests failed; " + model.table().ToString() +
                                        " keeps its previous version");
    }
    SLUICE_RETURN_IF_ERROR(
        Record(session, model, "view", std::nullopt, 0, 0, 0, std::move(upstream)));
    SLUICE_RETURN_IF_ERROR(session.Commit());
    report->outcome = Outcome::kBuilt;
    return Status::OK();
  }

  // Why an incremental model must build fully; "" when it may build incrementally.
  Result<std::string> FullBuildReason(Session& session, const Model& model,
                                      const std::optional<ModelState>& state) const {
    if (options_.full_refresh) return std::string("--full-refresh");
    if (!state) return std::string("first build");
    if (state->materialized != "incremental") {
      return "materialized changed from " + state->materialized + " to incremental";
    }
    if (state->sql_hash != model.hash) {
      return std::string("the model's SQL or configuration changed since its last build");
    }
    SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info, session.DescribeTable(model.table()));
    if (!info || info->is_view) return model.table().ToString() + " is missing";
    return std::string();
  }

  Status BuildIncremental(Session& session, size_t m, ModelReport* report) const {
    const Model& model = models_[m];
    SLUICE_ASSIGN_OR_RETURN(std::optional<ModelState> state, ReadModelState(session, model.name));
    SLUICE_ASSIGN_OR_RETURN(std::string why, FullBuildReason(session, model, state));
    if (!why.empty()) return BuildTable(session, m, why, report);

    // Which partitions changed, from the load logs of the tables the model reads.
    std::set<TableName> tracked;
    TrackedTables(model, &tracked);
    std::map<std::string, int64_t> upstream;
    std::set<Partition> touched;
    for (const TableName& table : tracked) {
      std::string key = table.ToString();
      int64_t seen = state->upstream.count(key) ? state->upstream.at(key) : 0;
      upstream[key] = seen;
      SLUICE_ASSIGN_OR_RETURN(std::vector<LoadRecord> loads, LoadsSince(session, table, seen));
      if (loads.empty()) continue;
      upstream[key] = loads.back().load_seq;
      SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info, session.DescribeTable(table));
      bool has_column =
          info && std::any_of(info->columns.begin(), info->columns.end(),
                              [&](const auto& c) { return c.name == model.partition_by; });
      if (!has_column) {
        return BuildTable(session, m,
                          key + " changed (load " + std::to_string(loads.back().load_seq) +
                              ") and has no column " + model.partition_by,
                          report);
      }
      for (const LoadRecord& load : loads) {
        std::string which = "load " + std::to_string(load.load_seq) + " of " + key;
        if (!load.partitions) {
          return BuildTable(session, m, which + " does not record its partitions", report);
        }
        auto column = std::find(load.partition_columns.begin(), load.partition_columns.end(),
                                model.partition_by);
        if (column == load.partition_columns.end()) {
          return BuildTable(
              session, m, which + " records partitions by other columns than " + model.partition_by,
              report);
        }
        size_t index = static_cast<size_t>(column - load.partition_columns.begin());
        for (const PartitionValues& values : *load.partitions) {
          if (index < values.size()) touched.insert(values[index]);
        }
      }
    }
    if (touched.empty()) {
      report->outcome = Outcome::kUpToDate;
      report->mode = "up-to-date";
      report->reason = "no partition changed since the last build";
      report->rows = state->rows;
      if (upstream != state->upstream) {
        TransactionGuard guard(session);
        SLUICE_RETURN_IF_ERROR(session.Begin());
        SLUICE_RETURN_IF_ERROR(session.LockTable(model.table()));
        ModelState next = *state;
        next.upstream = upstream;
        SLUICE_RETURN_IF_ERROR(WriteModelState(session, std::move(next)));
        SLUICE_RETURN_IF_ERROR(session.Commit());
      }
      return Status::OK();
    }

    report->mode = "incremental";
    std::vector<PartitionValues> partitions;
    for (const Partition& p : touched) partitions.push_back({p});
    report->partitions = partitions;
    std::string predicate = PartitionPredicate(session.engine(), model.partition_by, touched);

    // Every upstream FROM item with the partition column reads only the touched partitions.
    SLUICE_ASSIGN_OR_RETURN(std::vector<SqlTableRef> refs, FindTableRefs(model.sql));
    std::map<TableName, bool> partitioned;
    for (const SqlTableRef& ref : refs) {
      if (partitioned.count(ref.table)) continue;
      SLUICE_ASSIGN_OR_RETURN(std::optional<TableInfo> info, session.DescribeTable(ref.table));
      partitioned[ref.table] =
          info && std::any_of(info->columns.begin(), info->columns.end(),
                              [&](const auto& c) { return c.name == model.partition_by; });
    }
    std::string pruned = RewriteTableRefs(
        model.sql, refs, [&](const SqlTableRef& ref) -> std::optional<std::string> {
          if (!partitioned[ref.table]) return std::nullopt;
          return "(SELECT * FROM " + ref.table.Sql() + " WHERE " + predicate + ")";
        });

    TransactionGuard guard(session);
    SLUICE_RETURN_IF_ERROR(session.Begin());
    SLUICE_RETURN_IF_ERROR(session.LockTable(model.table()));
    SLUICE_ASSIGN_OR_RETURN(
        int64_t deleted,
        session.ExecuteCount("DELETE FROM " + model.table().Sql() + " WHERE " + predicate));
    // Rows outside the touched partitions would break the partitioning assumption; the
    // outer filter keeps the other partitions exactly as they were.
    SLUICE_ASSIGN_OR_RETURN(
        int64_t inserted,
        session.ExecuteCount("INSERT INTO " + model.table().Sql() + " SELECT * FROM (\n" + pruned +
                             "\n) AS _sluice_rows WHERE " + predicate));
    report->tests = RunModelTests(session, model, model.table());
    if (!AllPassed(report->tests)) {
      SLUICE_RETURN_IF_ERROR(session.Rollback());
      return Status::FailedPrecondition("tests failed; " + model.table().ToString() +
                                        " keeps its previous version");
    }
    report->rows = inserted;
    SLUICE_RETURN_IF_ERROR(Record(session, model, "incremental", std::move(partitions), inserted,
                                  deleted, state->rows - deleted + inserted, std::move(upstream)));
    SLUICE_RETURN_IF_ERROR(session.Commit());
    report->outcome = Outcome::kBuilt;
    return Status::OK();
  }

  const std::vector<Model>& models_;
  const ModelGraph& graph_;
  const BuildOptions& options_;
  std::string run_id_;
};

}  // namespace

Result<BuildReport> BuildModels(Warehouse& warehouse, const std::vector<Model>& models,
                                const BuildOptions& options) {
  auto started = std::chrono::steady_clock::now();
  SLUICE_ASSIGN_OR_RETURN(ModelGraph graph, ModelGraph::Make(models));
  SLUICE_ASSIGN_OR_RETURN(std::vector<size_t> selected, graph.Select(options.select));
  // Fail early, before any thread, when the warehouse cannot be reached.
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Session> first, warehouse.Connect());
  // Bookkeeping tables first, from one session, so this build's threads find them.
  SLUICE_RETURN_IF_ERROR(EnsureTable(*first, TableName{"gold", "_sluice_models"},
                                     [&] { return EnsureModelStateTable(*first); }));
  for (std::string_view layer : kLayers) {
    SLUICE_RETURN_IF_ERROR(EnsureTable(*first, TableName{std::string(layer), "_sluice_loads"},
                                       [&] { return EnsureLoadLog(*first, layer); }));
  }

  ModelMaterializer materializer(models, graph, options, "models-" + common::NewUuid());
  BuildReport report;
  report.models.resize(selected.size());
  std::map<size_t, size_t> position;  // model → index in `selected`
  for (size_t i = 0; i < selected.size(); ++i) {
    position[selected[i]] = i;
    report.models[i].model = models[selected[i]].name;
    report.models[i].materialized = models[selected[i]].materialized;
  }
  enum class State { kWaiting, kRunning, kDone };
  std::vector<State> states(selected.size(), State::kWaiting);
  std::mutex mutex;
  std::condition_variable changed;

  // Under `mutex`: the next model whose selected upstream models are done, marking models
  // skipped when one of those failed; selected.size() when none is ready.
  auto next_ready = [&]() -> size_t {
    for (size_t i = 0; i < selected.size(); ++i) {
      if (states[i] != State::kWaiting) continue;
      bool ready = true;
      std::string blocked;
      for (size_t up : graph.upstream(selected[i])) {
        auto it = position.find(up);
        if (it == position.end()) continue;  // not selected: read as it is
        if (states[it->second] != State::kDone) {
          ready = false;
        } else if (!report.models[it->second].ok() && blocked.empty()) {
          blocked = models[up].table().ToString();
        }
      }
      if (!ready) continue;
      if (!blocked.empty()) {
        states[i] = State::kDone;
        report.models[i].outcome = Outcome::kSkipped;
        report.models[i].mode = "skipped";
        report.models[i].reason = "upstream model " + blocked + " was not built";
        continue;
      }
      return i;
    }
    return selected.size();
  };

  auto worker = [&](std::unique_ptr<Session> session) {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      size_t i = next_ready();
      if (i == selected.size()) {
        bool all_done =
            std::all_of(states.begin(), states.end(), [](State s) { return s == State::kDone; });
        if (all_done) {
          changed.notify_all();
          return;
        }
        changed.wait(lock);
        continue;
      }
      states[i] = State::kRunning;
      ModelReport& model_report = report.models[i];
      lock.unlock();
      auto model_started = std::chrono::steady_clock::now();
      if (!session) {
        auto connected = warehouse.Connect();
        if (connected.ok())
          session = std::move(*connected);
        else {
          model_report.outcome = Outcome::kFailed;
          model_report.reason = connected.status().message();
        }
      }
      if (session) materializer.Build(*session, selected[i], &model_report);
      model_report.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - model_started).count();
      lock.lock();
      states[i] = State::kDone;
      changed.notify_all();
    }
  };

  int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(selected.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, nullptr);
  worker(std::move(first));
  for (std::thread& t : pool) t.join();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace sluice::warehouse
