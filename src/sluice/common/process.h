#pragma once

// Identities of processes on this machine, for leases and crash detection: a process is
// identified by host, kernel boot id, pid and its start time (so a reused pid or a reboot
// never passes for the original process). Thread-safe.

#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace sluice::common
