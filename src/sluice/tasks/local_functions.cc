#include "sluice/tasks/local_functions.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "sluice/asl/errors.h"
#include "sluice/common/ids.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

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

struct ProcessResult {
  int exit_code = 0;
  bool timed_out = false;
  std::string out;
};

// Runs `command` with `input` on stdin; kills its process group after `timeout_ms` (< 0: no
// limit).
Result<ProcessResult> RunCommand(const std::string& command, const std::string& input,
                                 int64_t timeout_ms, const std::map<std::string, std::string>& env) {
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
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  ProcessResult r;
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

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string FunctionNameOf(std::string_view function) {
  // Forms: name | name:qualifier | account:function:name[:q] | arn:aws:lambda:r:a:function:name[:q]
  size_t pos = function.find("function:");
  std::string_view rest = pos == std::string_view::npos ? function : function.substr(pos + 9);
  size_t colon = rest.find(':');
  return std::string(colon == std::string_view::npos ? rest : rest.substr(0, colon));
}

void LocalFunctions::RegisterWith(asl::TaskRegistry& registry) {
  registry.Register("arn:aws:states:::lambda:invoke", this);
  registry.Register("arn:aws:lambda:*", this);
}

Result<json::value> LocalFunctions::Invoke(const asl::TaskInvocation& inv) {
  bool service_integration = inv.resource.substr(0, 18) == "arn:aws:states:::l";
  std::string function;
  json::value payload;
  if (service_integration) {
    const json::object* params = inv.parameters && inv.parameters->is_object() ? &inv.parameters->get_object() : nullptr;
    const json::value* name = params ? params->if_contains("FunctionName") : nullptr;
    if (!name || !name->is_string()) {
      return asl::StatesError("States.Runtime", "The field 'FunctionName' is required by the resource '" +
                                                    std::string(inv.resource) + "' in state '" +
                                                    std::string(inv.state_name) + "'");
    }
    function = std::string(name->get_string());
    if (const json::value* p = params->if_contains("Payload")) payload = *p;
  } else {
    function = std::string(inv.resource);
    if (inv.parameters) payload = *inv.parameters;
  }
  std::string name = FunctionNameOf(function);
  std::string arn = "arn:aws:lambda:" + region_ + ":" + account_ + ":function:" + name;
  auto it = commands_.find(name);
  std::string request_id = common::NewUuid();
  if (it == commands_.end()) {
    return asl::StatesError("Lambda.ResourceNotFoundException",
                            "Function not found: " + arn +
                                " (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
                                "Request ID: " + request_id + "; Proxy: null)");
  }
  int64_t timeout_ms = -1;
  if (inv.timeout_seconds) {
    timeout_ms = static_cast<int64_t>(static_cast<double>(*inv.timeout_seconds) * 1000 *
                                      std::max(inv.wait_time_scale, 0.001));
  }
  std::map<std::string, std::string> env = {{"AWS_LAMBDA_FUNCTION_NAME", name},
                                            {"AWS_REGION", region_},
                                            {"SLUICE_REQUEST_ID", request_id}};
  SLUICE_ASSIGN_OR_RETURN(ProcessResult pr, RunCommand(it->second, common::SerializeJson(payload), timeout_ms, env));
  if (pr.timed_out) {
    return asl::StatesError(asl::kStatesTimeout, "Function " + name + " ran longer than the Task's TimeoutSeconds (" +
                                                     std::to_string(*inv.timeout_seconds) + ")");
  }
  std::string out = Trim(pr.out);
  auto parsed = out.empty() ? Result<json::value>(json::value(nullptr)) : common::ParseJson(out, "function " + name + " stdout");
  if (pr.exit_code != 0) {
    if (parsed.ok() && parsed->is_object() && parsed->get_object().contains("errorType") &&
        parsed->get_object().at("errorType").is_string()) {
      return asl::StatesError(std::string(parsed->get_object().at("errorType").get_string()),
                              common::SerializeJson(*parsed));
    }
    json::object cause;
    cause["errorType"] = "Runtime.ExitError";
    cause["errorMessage"] = "RequestId: " + request_id + " Error: Runtime exited with error: exit status " +
                            std::to_string(pr.exit_code);
    return asl::StatesError("Runtime.ExitError", common::SerializeJson(cause));
  }
  if (!parsed.ok()) {
    return asl::StatesError("Runtime.InvalidResponse",
                            "function " + name + " printed output that is not JSON: " + parsed.status().message());
  }
  if (!service_integration) return std::move(*parsed);
  json::object result;
  result["ExecutedVersion"] = "$LATEST";
  result["Payload"] = std::move(*parsed);
  json::object headers;
  headers["Content-Type"] = "application/json";
  headers["x-amzn-RequestId"] = request_id;
  headers["X-Amz-Executed-Version"] = "$LATEST";
  result["SdkHttpMetadata"] = json::object{{"AllHttpHeaders", json::object{}}, {"HttpHeaders", std::move(headers)},
                                           {"HttpStatusCode", 200}};
  result["SdkResponseMetadata"] = json::object{{"RequestId", request_id}};
  result["StatusCode"] = 200;
  return json::value(std::move(result));
}

}  // namespace sluice::tasks
