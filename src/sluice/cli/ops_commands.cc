#include "sluice/cli/ops_commands.h"

#include <map>

#include "sluice/common/json.h"

namespace sluice::cli {

Status DefineTopics(ops::Topics& topics, const std::vector<std::string>& specs) {
  std::map<std::string, ops::TopicDefinition> defs;
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    std::string name = spec.substr(0, eq);
    std::string sub = eq == std::string::npos ? "log" : spec.substr(eq + 1);
    boost::json::object s;
    if (sub == "log") {
      s["Protocol"] = "log";
    } else if (sub.starts_with("http://") || sub.starts_with("https://")) {
      s["Protocol"] = "http";
      s["Endpoint"] = sub;
    } else if (sub.starts_with("command:")) {
      s["Protocol"] = "command";
      s["Endpoint"] = sub.substr(8);
    } else {
      return Status::InvalidArgument("--topic " + spec +
                                     ": expected NAME, NAME=log, NAME=http://127.0.0.1:PORT/PATH or "
                                     "NAME=command:COMMAND");
    }
    boost::json::value one = boost::json::object{{"Name", name}, {"Subscriptions", boost::json::array{s}}};
    auto def = ops::TopicDefinition::FromJson(one, "--topic " + spec);
    if (!def.ok()) return def.status();
    auto [it, fresh] = defs.try_emplace(name, *def);
    if (!fresh) it->second.subscriptions.push_back(def->subscriptions[0]);
  }
  for (auto& [name, def] : defs) topics.Define(std::move(def));
  return Status::OK();
}

Status PutBucketLifecycle(Home& home, const std::string& bucket, const std::string& config_json) {
  SLUICE_RETURN_IF_ERROR(home.store().HeadBucket(bucket));
  SLUICE_ASSIGN_OR_RETURN(auto json, common::ParseJson(config_json, "--lifecycle-configuration"));
  ops::LifecycleConfigurationStore configs(&home.catalog());
  return configs.Put(bucket, json, common::SystemClock::Default()->Now()).status();
}

Status GetBucketLifecycle(Home& home, const std::string& bucket, std::ostream& out) {
  SLUICE_RETURN_IF_ERROR(home.store().HeadBucket(bucket));
  ops::LifecycleConfigurationStore configs(&home.catalog());
  SLUICE_ASSIGN_OR_RETURN(ops::LifecycleConfiguration config, configs.Get(bucket));
  out << common::SerializeJsonPretty(config.original) << "\n";
  return Status::OK();
}

Status DeleteBucketLifecycle(Home& home, const std::string& bucket) {
  SLUICE_RETURN_IF_ERROR(home.store().HeadBucket(bucket));
  return ops::LifecycleConfigurationStore(&home.catalog()).Delete(bucket);
}

Result<std::optional<ops::LifecycleConfiguration>> BucketLifecycle(Home& home, const std::string& bucket) {
  auto config = ops::LifecycleConfigurationStore(&home.catalog()).Get(bucket);
  if (!config.ok()) {
    if (config.status().name() == "NoSuchLifecycleConfiguration") return std::optional<ops::LifecycleConfiguration>();
    return config.status();
  }
  return std::optional<ops::LifecycleConfiguration>(std::move(*config));
}

int ApplyLifecycleCommand(Home& home, const std::string& now_text, bool dry_run, std::ostream& out,
                          std::ostream& err) {
  common::Timestamp now = common::SystemClock::Default()->Now();
  if (!now_text.empty()) {
    auto t = common::ParseRfc3339(now_text);
    if (!t.ok()) {
      err << "sluice lifecycle apply: --now: " << t.status().message() << "\n";
      return 2;
    }
    now = *t;
  }
  events::LoggedStore store(&home.local_store(), &home.log());
  auto report = ops::ApplyLifecycle(store, now, {.dry_run = dry_run});
  if (!report.ok()) {
    err << "sluice lifecycle apply: " << report.status().ToString() << "\n";
    return 1;
  }
  for (const std::string& a : report->actions) out << (dry_run ? "(dry run) " : "") << a << "\n";
  out << "objects scanned: " << report->objects_scanned << "\nexpired: " << report->expired
      << "\ntransitioned: " << report->transitioned << "\nerrors: " << report->errors << "\n";
  return report->errors == 0 ? 0 : 1;
}

}  // namespace sluice::cli
