#include "sluice/common/process.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <vector>

namespace sluice::common {

std::optional<int64_t> ProcessStartTime(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return std::nullopt;
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) is parenthesised and may hold spaces and ')': fields resume after the
  // last ')'. Field 3 (state) follows, so field 22 is the 20th token after it.
  size_t pos = stat.rfind(')');
  if (pos == std::string::npos) return std::nullopt;
  ++pos;
  std::string_view rest(stat);
  rest.remove_prefix(pos);
  int field = 2;
  size_t i = 0;
  // A zombie (field 3, state Z) has exited: it is not running any more.
  size_t state_pos = rest.find_first_not_of(' ');
  if (state_pos != std::string_view::npos && (rest[state_pos] == 'Z' || rest[state_pos] == 'X')) return std::nullopt;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    size_t j = i;
    while (j < rest.size() && rest[j] != ' ' && rest[j] != '\n') ++j;
    if (j == i) break;
    if (++field == 22) {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + j, v);
      if (ec != std::errc()) return std::nullopt;
      return v;
    }
    i = j;
  }
  return std::nullopt;
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (in) std::getline(in, id);
  return id;
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string CurrentProcessIdentity() {
  int64_t pid = static_cast<int64_t>(getpid());
  return HostName() + "|" + BootId() + "|" + std::to_string(pid) + "|" +
         std::to_string(ProcessStartTime(pid).value_or(0));
}

bool ProcessIdentityIsDead(const std::string& identity) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t bar = identity.find('|', start);
    parts.push_back(identity.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 4 || parts[0] != HostName()) return false;
  if (parts[1] != BootId()) return true;
  int64_t pid = 0, ticks = 0;
  std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), pid);
  std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), ticks);
  std::optional<int64_t> now = ProcessStartTime(pid);
  return !now || *now != ticks;
}

}  // namespace sluice::common
