#pragma once

// Processes on this machine. Identities, for leases and crash detection: a process is
// identified by host, kernel boot id, pid and its start time (so a reused pid or a reboot
// never passes for the original process). And RunCommand, which runs a shell command with
// JSON on stdin (Lambda functions, topic subscriptions). Thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sluice/common/status.h"

namespace sluice::common {

// The start time of process `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or
// nullopt when no such process runs (zombies included: they have exited).
std::optional<int64_t> ProcessStartTime(int64_t pid);
// /proc/sys/kernel/random/boot_id: changes at every boot.
std::string BootId();
std::string HostName();

// "<host>|<boot id>|<pid>|<start ticks>" for the calling process.
std::string CurrentProcessIdentity();
// True when `identity` (from CurrentProcessIdentity) names a process that certainly no
// longer runs: same host, and another boot or a pid that is gone or started at another
// time. Identities of other hosts are never judged dead.
bool ProcessIdentityIsDead(const std::string& identity);

// The outcome of RunCommand.
struct CommandResult {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  bool timed_out = false;
  std::string out;  // everything the command wrote to stdout
};

// Runs `/bin/sh -c command` in its own process group with `input` on stdin and `env` added
// to the environment, and collects its stdout (stderr is inherited). After `timeout_ms`
// (< 0: no limit) the process group is killed and timed_out set. A command that does not
// read its input gets EPIPE, not a SIGPIPE that would kill the caller. IOError when the
// pipes or the fork fail.
Result<CommandResult> RunCommand(const std::string& command, const std::string& input,
                                 int64_t timeout_ms,
                                 const std::map<std::string, std::string>& env = {});

}  // namespace sluice::common
