#pragma once

// A minimal HTTP/1.1 client for topic webhooks: one POST per connection
// (`Connection: close`) over a POSIX socket, to loopback addresses only (127.0.0.0/8,
// `localhost`, `[::1]`). Plain functions; thread-safe.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::ops {

struct HttpUrl {
  std::string host;  // as written ("127.0.0.1", "localhost", "::1")
  int port = 80;
  std::string target = "/";  // path and query
};

// Parses `http://HOST[:PORT][/PATH]`. InvalidArgument naming the URL for any other scheme,
// a bad port, or a host that is not loopback.
Result<HttpUrl> ParseLoopbackHttpUrl(std::string_view url);

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string body;
};

// POSTs `body` to `url` with the given extra headers (Host, Content-Length and Connection
// are added). Gives up after `timeout_ms` for the whole exchange. Unavailable (connection
// refused, reset, timed out, malformed response) with a message naming the URL; any HTTP
// status is a successful exchange.
Result<HttpResponse> HttpPost(const HttpUrl& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body, int64_t timeout_ms);

}  // namespace sluice::ops
