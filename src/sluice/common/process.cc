#include "sluice/common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

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

namespace {

// write(2) to a pipe whose reader may be gone (a function that never reads its payload):
// EPIPE instead of a SIGPIPE that would kill the whole process. SIGPIPE is blocked for this
// thread during the call and a pending one is consumed.
ssize_t WriteWithoutSigpipe(int fd, const void* data, size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = write(fd, data, size);
  int saved = errno;
  if (n < 0 && errno == EPIPE) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

}  // namespace

Result<CommandResult> RunCommand(const std::string& command, const std::string& input,
                                 int64_t timeout_ms, const std::map<std::string, std::string>& env) {
  // The child of a multi-threaded process may only make async-signal-safe calls before
  // exec (another thread may have held the allocator's or the environment's lock at fork),
  // so argv and the environment are built here.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (!env.contains(std::string(kv.substr(0, kv.find('='))))) env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& kv : env_strings) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::string command_copy = command;
  char sh[] = "sh", dash_c[] = "-c";
  char* argv[] = {sh, dash_c, command_copy.data(), nullptr};

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    return Status::FromErrno(errno, "pipe");
  }
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno(errno, "fork");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    execve("/bin/sh", argv, envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  CommandResult r;
  size_t written = 0;
  int write_fd = in[1];
  if (input.empty()) {
    close(write_fd);
    write_fd = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  int read_fd = out[0];
  while (read_fd >= 0) {
    pollfd fds[2] = {{read_fd, POLLIN, 0}, {write_fd, POLLOUT, 0}};
    int wait_ms = 200;
    if (timeout_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) {
        r.timed_out = true;
        kill(-pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(left, 200));
    }
    poll(fds, write_fd >= 0 ? 2 : 1, wait_ms);
    if (write_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = WriteWithoutSigpipe(write_fd, input.data() + written, std::min<size_t>(65536, input.size() - written));
      if (n > 0) written += static_cast<size_t>(n);
      if (n <= 0 || written == input.size()) {
        close(write_fd);
        write_fd = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(read_fd, buf, sizeof buf);
      if (n <= 0) {
        close(read_fd);
        read_fd = -1;
      } else {
        r.out.append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (write_fd >= 0) close(write_fd);
  if (read_fd >= 0) close(read_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}


}  // namespace sluice::common
