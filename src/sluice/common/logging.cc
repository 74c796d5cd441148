#include "sluice/common/logging.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include "sluice/common/json.h"
#include "sluice/common/time.h"

namespace sluice::common {
namespace {

// Formats each record itself so messages are escaped correctly in both formats.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StderrSink(LogFormat format) : format_(format) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch());
    std::string time = FormatIso8601Millis(Timestamp{us.count()});
    std::string_view level(spdlog::level::to_string_view(msg.level).data(),
                           spdlog::level::to_string_view(msg.level).size());
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::string line;
    if (format_ == LogFormat::kJson) {
      line = "{\"time\":\"" + time + "\",\"level\":\"" + std::string(level) +
             "\",\"msg\":" + JsonQuote(text) + "}\n";
    } else {
      line = time + " " + std::string(level) + std::string(level.size() < 5 ? 5 - level.size() : 0, ' ') +
             " " + std::string(text) + "\n";
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  LogFormat format_;
};

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> Logger() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!spdlog::get("sluice")) {
      auto logger = std::make_shared<spdlog::logger>("sluice",
                                                     std::make_shared<StderrSink>(LogFormat::kText));
      logger->set_level(spdlog::level::info);
      spdlog::set_default_logger(logger);
    }
  });
  return spdlog::default_logger();
}

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return Status::InvalidArgument("invalid log format '" + std::string(text) +
                                 "': expected text or json");
}

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  if (text == "off") return LogLevel::kOff;
  return Status::InvalidArgument("invalid log level '" + std::string(text) +
                                 "': expected debug, info, warn, error or off");
}

void InitLogging(LogFormat format, LogLevel level) {
  Logger();
  auto logger = std::make_shared<spdlog::logger>("sluice", std::make_shared<StderrSink>(format));
  logger->set_level(ToSpd(level));
  spdlog::set_default_logger(logger);
}

void LogDebug(std::string_view m) { Logger()->debug("{}", m); }
void LogInfo(std::string_view m) { Logger()->info("{}", m); }
void LogWarn(std::string_view m) { Logger()->warn("{}", m); }
void LogError(std::string_view m) { Logger()->error("{}", m); }

}  // namespace sluice::common
