#include "sluice/cli/serve_commands.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sluice/asl/execution_service.h"
#include "sluice/cli/jobs_commands.h"
#include "sluice/cli/warehouse_commands.h"
#include "sluice/common/file_util.h"
#include "sluice/common/logging.h"
#include "sluice/events/logged_store.h"
#include "sluice/ops/alarms.h"
#include "sluice/ops/lifecycle.h"
#include "sluice/ops/metrics.h"
#include "sluice/ops/topics.h"
#include "sluice/project/config_store.h"
#include "sluice/project/project.h"
#include "sluice/server/engine_api.h"
#include "sluice/server/http_server.h"
#include "sluice/server/pipeline_engine.h"
#include "sluice/server/runtime_metrics.h"
#include "sluice/tasks/aws_integrations.h"
#include "sluice/tasks/local_functions.h"
#include "sluice/tasks/sns_publish.h"
#include "sluice/tasks/task_environment.h"

namespace sluice::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

// Everything one deployed config version runs with. Rebuilt when a new version is deployed.
struct Runtime {
  int64_t version = 0;
  std::string dir;  // the version's files, written out under <home>/config/v<N>
  asl::TaskRegistry registry;
  std::unique_ptr<tasks::LocalFunctions> functions;
  std::unique_ptr<tasks::AwsIntegrations> integrations;
  std::unique_ptr<asl::ExecutionService> executions;
  std::unique_ptr<asl::NestedExecutions> nested;
  std::unique_ptr<tasks::SnsPublish> sns;
  std::unique_ptr<ops::AlarmEvaluator> alarms;
  std::unique_ptr<server::PipelineEngine> engine;
};

// What outlives config versions: metrics, topics (their deliveries run on), counters.
struct Shared {
  ops::MetricsRegistry metrics;
  ops::StandardMetrics standard;
  std::unique_ptr<server::ExecutionMetrics> execution_metrics;  // over `standard`
  std::unique_ptr<ops::Topics> topics;
  server::EngineCounters counters;
};

// The project's topics, plus `alerts` (to the log) when the project leaves it out.
void DefineTopics(const project::ProjectSpec& spec, ops::Topics& topics) {
  bool alerts = false;
  for (const auto& [name, subscriptions] : spec.topics) {
    ops::TopicDefinition def;
    def.name = name;
    alerts = alerts || name == ops::kAlertsTopic;
    for (const project::Subscription& s : subscriptions) {
      ops::Subscription sub;
      sub.protocol = s.kind == project::Subscription::Kind::kWebhook   ? ops::SubscriptionProtocol::kHttp
                     : s.kind == project::Subscription::Kind::kCommand ? ops::SubscriptionProtocol::kCommand
                                                                       : ops::SubscriptionProtocol::kLog;
      sub.endpoint = s.target;
      def.subscriptions.push_back(std::move(sub));
    }
    topics.Define(std::move(def));
  }
  if (!alerts) {
    topics.Define(ops::TopicDefinition{std::string(ops::kAlertsTopic), {ops::Subscription{}}});
  }
}

// A project alarm in CloudWatch's PutMetricAlarm shape, validated by ops.
Result<ops::AlarmDefinition> AlarmOf(const project::Alarm& a) {
  boost::json::array dimensions;
  for (const auto& [k, v] : a.dimensions) dimensions.push_back(boost::json::object{{"Name", k}, {"Value", v}});
  boost::json::array actions;
  for (const auto& t : a.topics) actions.emplace_back(boost::json::string(t));
  boost::json::object o{{"AlarmName", a.name},
                        {"AlarmDescription", a.description},
                        {"MetricName", a.metric},
                        {"Dimensions", std::move(dimensions)},
                        {"Statistic", a.statistic},
                        {"Period", a.period},
                        {"EvaluationPeriods", a.evaluation_periods},
                        {"Threshold", a.threshold},
                        {"ComparisonOperator", a.comparison},
                        {"TreatMissingData", a.treat_missing_data},
                        {"AlarmActions", std::move(actions)}};
  if (a.datapoints_to_alarm > 0) o["DatapointsToAlarm"] = a.datapoints_to_alarm;
  return ops::AlarmDefinition::FromJson(o, "alarms[" + a.name + "]");
}

// Writes the version's files to <home>/config/v<N>/ (once): job specs, models and functions
// are read from there, so the engine runs the deployed content, not the folder's current one.
Result<std::string> MaterializeConfig(const Home& home, const project::DeployedConfig& config) {
  std::string dir = home.dir() + "/config/v" + std::to_string(config.info.version);
  if (common::PathExists(dir + "/.complete")) return dir;
  for (const project::ProjectFile& f : config.files) {
    std::string path = dir + "/" + f.path;
    SLUICE_RETURN_IF_ERROR(common::CreateDirectories(std::filesystem::path(path).parent_path()));
    SLUICE_RETURN_IF_ERROR(common::WriteFileAtomically(path, f.content));
    if (f.kind == "function") {
      std::filesystem::permissions(path, std::filesystem::perms::owner_exec,
                                   std::filesystem::perm_options::add);
    }
  }
  SLUICE_RETURN_IF_ERROR(common::WriteFileAtomically(dir + "/.complete", ""));
  return dir;
}

Result<std::unique_ptr<Runtime>> StartRuntime(Home& home, const ServeCommand& command,
                                              const project::DeployedConfig& config,
                                              Shared* shared) {
  auto rt = std::make_unique<Runtime>();
  rt->version = config.info.version;
  SLUICE_ASSIGN_OR_RETURN(rt->dir, MaterializeConfig(home, config));
  const project::ProjectSpec& spec = config.project;

  for (const std::string& bucket : spec.buckets) {
    Status made = home.store().CreateBucket(bucket);
    if (!made.ok() && made.message().find("BucketAlreadyOwnedByYou") == std::string::npos &&
        made.message().find("BucketAlreadyExists") == std::string::npos) {
      if (!home.store().HeadBucket(bucket).ok()) return made;
    }
  }

  asl::ExecutionServiceOptions options;
  options.observer = shared->execution_metrics.get();
  rt->executions =
      std::make_unique<asl::ExecutionService>(&home.catalog(), &rt->registry, options);
  rt->functions = std::make_unique<tasks::LocalFunctions>(options.region, options.account);
  for (const auto& [name, cmd] : spec.functions) {
    // Commands run from the deployed copy of the project, as they did from its folder.
    rt->functions->Add(name, "cd '" + rt->dir + "' && " + cmd);
  }
  rt->functions->RegisterWith(rt->registry);
  rt->nested = std::make_unique<asl::NestedExecutions>(rt->executions.get());
  rt->nested->RegisterWith(rt->registry);
  tasks::TaskEnvironment env;
  env.catalog = &home.catalog();
  env.lake_dir = LakeDir(home);
  env.warehouse_url = !command.warehouse.empty() ? command.warehouse
                      : !spec.warehouse.empty() ? spec.warehouse
                                                : WarehouseUrl(home, "");
  env.models_dir = rt->dir + "/" + spec.models;
  env.find_job = tasks::JobFolder(rt->dir + "/jobs");
  env.metrics = &shared->standard;
  Home* h = &home;
  env.open_source = [h](const std::string& source, bool with_etag) {
    return OpenJobSource(*h, source, with_etag);
  };
  rt->integrations = tasks::RegisterAwsIntegrations(rt->registry, std::move(env));
  DefineTopics(spec, *shared->topics);
  rt->sns = std::make_unique<tasks::SnsPublish>(shared->topics.get());
  rt->sns->RegisterWith(rt->registry);

  rt->alarms = std::make_unique<ops::AlarmEvaluator>(&shared->metrics, shared->topics.get(),
                                                     &home.catalog(),
                                                     common::SystemClock::Default());
  for (const project::Alarm& a : spec.alarms) {
    SLUICE_ASSIGN_OR_RETURN(ops::AlarmDefinition def, AlarmOf(a));
    SLUICE_RETURN_IF_ERROR(rt->alarms->Add(std::move(def)));
  }
  ops::LifecycleConfigurationStore lifecycle(&home.catalog());
  for (const auto& [bucket, rules] : spec.lifecycle) {
    auto stored = lifecycle.Put(bucket, rules, common::SystemClock::Default()->Now());
    if (!stored.ok()) {
      return Status(stored.status().code(), "lifecycle of " + bucket + ": " + stored.status().message());
    }
  }

  for (const auto& [name, definition] : config.state_machines) {
    auto created = rt->executions->CreateStateMachine(name, definition, "", false);
    if (!created.ok() && created.status().message().find("StateMachineAlreadyExists") != std::string::npos) {
      created = rt->executions->UpdateStateMachine(name, definition, false);
    }
    if (!created.ok()) {
      return Status(created.status().code(),
                    "state machine " + name + ": " + created.status().message());
    }
  }

  server::EngineOptions engine_options;
  engine_options.inbox_dir = command.inbox.empty() ? home.dir() + "/inbox" : command.inbox;
  engine_options.executors = command.executors;
  engine_options.counters = &shared->counters;
  engine_options.metrics = &shared->standard;
  rt->engine = std::make_unique<server::PipelineEngine>(
      &home.catalog(), &home.store(), &home.log(), rt->executions.get(), engine_options);
  std::vector<server::Trigger> triggers;
  for (const project::Trigger& t : spec.triggers) {
    triggers.push_back({t.name, t.bucket, t.events, t.prefix, t.suffix, t.state_machine, t.input});
  }
  SLUICE_RETURN_IF_ERROR(rt->engine->SetTriggers(triggers));
  SLUICE_RETURN_IF_ERROR(rt->engine->Start());
  return rt;
}

// Executions that finished since the last poll (by stop time), starting from those that
// finish after serve started.
struct FinishedExecution {
  std::string arn, state_machine_arn, status, error, cause;
};

class FinishedExecutions {
 public:
  explicit FinishedExecutions(catalog::Catalog* catalog) : catalog_(catalog) {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    if (tx.ok()) {
      auto row = (*tx)->QueryOne("SELECT coalesce(max(stop_micros), 0) FROM executions");
      if (row.ok() && *row) watermark_ = (*row)->Int(0);
    }
  }

  void Poll(const std::function<void(const FinishedExecution&)>& each) {
    auto tx = catalog_->Begin(catalog::TxMode::kRead);
    if (!tx.ok()) return;
    auto rows = (*tx)->Query(
        "SELECT arn, state_machine_arn, status, coalesce(error, ''), coalesce(cause, ''), "
        "stop_micros FROM executions WHERE stop_micros > $1 ORDER BY stop_micros LIMIT 1000",
        {watermark_});
    if (!rows.ok()) return;
    tx->reset();  // callbacks may write to the catalog
    for (const auto& r : *rows) {
      each({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)});
      watermark_ = std::max(watermark_, r.Int(5));
    }
  }

 private:
  catalog::Catalog* catalog_;
  int64_t watermark_ = 0;
};

}  // namespace

int Serve(Home& home, const ServeCommand& command, std::ostream& out, std::ostream& err) {
  if (!command.project_dir.empty()) {
    std::vector<project::Problem> problems;
    auto loaded = project::LoadProject(command.project_dir, &problems);
    if (!loaded.ok()) {
      err << "sluice serve: " << loaded.status().message() << "\n";
      return 2;
    }
    auto deployed = project::StoreConfigVersion(home.catalog(), *loaded, "sluice serve --project");
    if (!deployed.ok()) {
      err << "sluice serve: deploy: " << deployed.status().message() << "\n";
      return 1;
    }
    out << "deployed version " << deployed->version.version
        << (deployed->changed ? "" : " (no changes)") << "\n";
  }
  // Functions (external commands) reach the engine the way users do: through this binary
  // and this home.
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (!ec) setenv("SLUICE_BIN", self.c_str(), 0);
  setenv("SLUICE_HOME", std::filesystem::absolute(home.dir()).string().c_str(), 1);
  auto config = project::LatestConfig(home.catalog());
  if (!config.ok()) {
    err << "sluice serve: " << config.status().message() << "\n";
    return 1;
  }
  if (!*config) {
    err << "sluice serve: nothing is deployed: run sluice deploy, or sluice serve --project DIR\n";
    return 2;
  }
  Shared shared;
  auto standard = ops::RegisterStandardMetrics(shared.metrics);
  if (!standard.ok()) {
    err << "sluice serve: " << standard.status().message() << "\n";
    return 1;
  }
  shared.standard = *standard;
  shared.execution_metrics = std::make_unique<server::ExecutionMetrics>(&shared.standard);
  ops::TopicsOptions topic_options;
  topic_options.catalog = &home.catalog();
  topic_options.notifications_total = shared.standard.notifications_total;
  shared.topics = std::make_unique<ops::Topics>(topic_options);
  auto runtime = StartRuntime(home, command, **config, &shared);
  if (!runtime.ok()) {
    err << "sluice serve: " << runtime.status().message() << "\n";
    return 1;
  }

  // The HTTP endpoints read the catalog through their own execution service (reads need no
  // tasks) and the counters every runtime shares, so a redeploy does not touch them.
  std::unique_ptr<Runtime> current = std::move(*runtime);
  asl::TaskRegistry no_tasks;
  asl::ExecutionService reader(&home.catalog(), &no_tasks, asl::ExecutionServiceOptions{});
  server::HttpServer http;
  server::RegisterEngineApi(http, &home.catalog(), &reader, &shared.counters,
                            [&shared] { return shared.metrics.RenderPrometheus(); });
  Status listening = http.Start(command.port);
  if (!listening.ok()) {
    err << "sluice serve: " << listening.message() << "\n";
    current->engine->Stop();
    return 1;
  }
  if (!command.port_file.empty()) {
    (void)common::WriteFileAtomically(command.port_file, std::to_string(http.port()) + "\n");
  }
  out << "serving config version " << current->version << " on http://127.0.0.1:" << http.port()
      << " (inbox " << (command.inbox.empty() ? home.dir() + "/inbox" : command.inbox) << ")"
      << std::endl;
  common::LogInfo("serve: config version " + std::to_string(current->version) + ", http port " +
                  std::to_string(http.port()));

  g_stop = false;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  // Deliveries a previous process left PENDING go out now.
  if (auto resumed = shared.topics->ResumePending(); !resumed.ok()) {
    common::LogWarn("serve: topics: " + resumed.status().ToString());
  }
  FinishedExecutions finished(&home.catalog());
  events::LoggedStore lifecycle_store(&home.local_store(), &home.log());
  auto last_alarms = std::chrono::steady_clock::now();
  auto last_lifecycle = std::chrono::steady_clock::time_point{};
  // Events are counted from the log's head, so puts by other processes count too.
  int64_t events_counted_to = home.log().LatestSeq().value_or(0);
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (auto head = home.log().LatestSeq(); head.ok() && *head > events_counted_to) {
      shared.standard.events_total->Get()->Increment(static_cast<double>(*head - events_counted_to));
      events_counted_to = *head;
    }
    if (auto sampled = current->engine->RecordQueueDepths(); !sampled.ok()) {
      common::LogWarn("serve: metrics: " + sampled.ToString());
    }
    // Finished executions: counted by status; a failed one is published to `alerts`.
    finished.Poll([&](const FinishedExecution& e) {
      if (shared.standard.executions_total) {
        shared.standard.executions_total->WithLabels({e.status})->Increment();
      }
      if (e.status == "SUCCEEDED") return;
      boost::json::object message{{"executionArn", e.arn}, {"stateMachineArn", e.state_machine_arn},
                                  {"status", e.status}, {"error", e.error}, {"cause", e.cause}};
      auto published = shared.topics->Publish(
          {std::string(ops::kAlertsTopic), common::SerializeJson(message),
           "execution " + e.status + ": " + e.arn.substr(e.arn.rfind(':') + 1), {}});
      if (!published.ok()) common::LogWarn("serve: alerts: " + published.status().ToString());
    });
    auto now = std::chrono::steady_clock::now();
    if (now - last_alarms >= std::chrono::seconds(10)) {
      last_alarms = now;
      if (auto t = current->alarms->EvaluateAll(); !t.ok()) {
        common::LogWarn("serve: alarms: " + t.status().ToString());
      }
    }
    if (now - last_lifecycle >= std::chrono::minutes(1)) {
      last_lifecycle = now;
      auto report = ops::ApplyLifecycle(lifecycle_store, common::SystemClock::Default()->Now(),
                                        {.actions_total = shared.standard.lifecycle_actions_total});
      if (!report.ok()) common::LogWarn("serve: lifecycle: " + report.status().ToString());
    }
    // A new deploy is picked up without a restart: the engine stops (executions in flight
    // finish their run first; any left RUNNING resume) and starts again on the new version.
    auto latest = project::LatestVersion(home.catalog());
    if (!latest.ok() || *latest <= current->version) continue;
    auto next_config = project::LatestConfig(home.catalog());
    if (!next_config.ok() || !*next_config) continue;
    current->engine->Stop();
    auto next = StartRuntime(home, command, **next_config, &shared);
    if (!next.ok()) {
      err << "sluice serve: config version " << *latest << " cannot run: "
          << next.status().message() << "; staying on version " << current->version << "\n";
      current->version = *latest;  // do not retry it every 200 ms
      (void)current->engine->Start();
      continue;
    }
    current = std::move(*next);
    out << "serving config version " << current->version << std::endl;
  }
  out << "stopping" << std::endl;
  http.Stop();
  current->engine->Stop();
  return 0;
}

}  // namespace sluice::cli
