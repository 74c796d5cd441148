#pragma once

// Logging over spdlog: one process-wide logger, human text by default
// (`2026-11-27T12:00:00.123Z info  message`) or JSON lines with `--log-format json`
// (`{"time":"…","level":"info","msg":"…"}`), always to stderr so stdout stays for command
// output. Initialise once in the composition root; logging calls are thread-safe.

#include <string_view>

#include "sluice/common/status.h"

namespace sluice::common {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

Result<LogFormat> ParseLogFormat(std::string_view text);
Result<LogLevel> ParseLogLevel(std::string_view text);

// Replaces the process logger. Safe to call again (tests).
void InitLogging(LogFormat format, LogLevel level);

void LogDebug(std::string_view message);
void LogInfo(std::string_view message);
void LogWarn(std::string_view message);
void LogError(std::string_view message);

}  // namespace sluice::common
