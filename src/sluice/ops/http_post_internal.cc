#include "sluice/ops/http_post_internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace sluice::ops {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits until `fd` is ready for `events`; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

Result<HttpUrl> ParseLoopbackHttpUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("webhook URL '" + std::string(url) + "': " + std::string(why));
  };
  if (!url.starts_with("http://")) return bad("expected http://HOST[:PORT][/PATH] (https is not supported)");
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view port_text;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("expected :PORT after the host");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (!port_text.empty()) {
    int port = 0;
    auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (r.ec != std::errc() || r.ptr != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return bad("the port must be 1-65535");
    }
    out.port = port;
  }
  bool loopback = out.host == "localhost" || out.host == "::1";
  in_addr v4{};
  if (!loopback && inet_pton(AF_INET, out.host.c_str(), &v4) == 1) {
    loopback = (ntohl(v4.s_addr) >> 24) == 127;
  }
  if (!loopback) return bad("only loopback hosts (127.0.0.0/8, localhost, [::1]) are allowed");
  return out;
}

Result<HttpResponse> HttpPost(const HttpUrl& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body, int64_t timeout_ms) {
  std::string where = "POST http://" + url.host + ":" + std::to_string(url.port) + url.target;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  bool v6 = url.host == "::1";
  Fd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Status::FromErrno(errno, where + ": socket");
  int rc;
  if (v6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(url.port));
    addr.sin6_addr = in6addr_loopback;
    rc = connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(url.port));
    if (url.host == "localhost" || inet_pton(AF_INET, url.host.c_str(), &addr.sin_addr) != 1) {
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    rc = connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0 && errno != EINPROGRESS) {
    return Status::Unavailable(where + ": connect: " + std::strerror(errno));
  }
  if (rc != 0) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return Status::Unavailable(where + ": connect timed out");
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::Unavailable(where + ": connect: " + std::strerror(err));
  }

  std::string request = "POST " + url.target + " HTTP/1.1\r\nHost: " +
                        (v6 ? "[::1]" : url.host) + ":" + std::to_string(url.port) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  request += body;
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return Status::Unavailable(where + ": send timed out");
    ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::Unavailable(where + ": send: " + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }

  // Read until the server closes, or until Content-Length bytes of body have arrived.
  std::string response;
  char buf[16384];
  size_t header_end = std::string::npos;
  size_t content_length = std::string::npos;
  for (;;) {
    if (header_end != std::string::npos && content_length != std::string::npos &&
        response.size() >= header_end + 4 + content_length) {
      break;
    }
    if (!WaitFor(fd.get(), POLLIN, deadline)) return Status::Unavailable(where + ": response timed out");
    ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::Unavailable(where + ": recv: " + std::strerror(errno));
    }
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = response.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string head = response.substr(0, header_end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t p = head.find("\r\ncontent-length:");
        if (p != std::string::npos) {
          content_length = std::strtoull(head.c_str() + p + 17, nullptr, 10);
        }
      }
    }
  }
  // Status line: HTTP/1.x NNN reason
  if (!response.starts_with("HTTP/1.") || response.size() < 12) {
    return Status::Unavailable(where + ": malformed HTTP response");
  }
  HttpResponse out;
  auto r = std::from_chars(response.data() + 9, response.data() + 12, out.status);
  if (r.ec != std::errc()) return Status::Unavailable(where + ": malformed HTTP status line");
  size_t eol = response.find("\r\n");
  if (eol != std::string::npos && eol > 13) out.reason = response.substr(13, eol - 13);
  if (header_end != std::string::npos) out.body = response.substr(header_end + 4);
  return out;
}

}  // namespace sluice::ops
