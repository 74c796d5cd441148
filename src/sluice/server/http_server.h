#pragma once

// A small HTTP/1.1 server for the engine's own endpoints (/healthz, /metrics, the read-only
// JSON API): GET routes by exact path or by prefix, answered from one accept thread and a
// thread per connection (a handful of local clients: Prometheus, curl, the console).
// Listens on 127.0.0.1 only. Boost.Beast stays inside http_server.cc.
//
// Thread-safety: routes are registered before Start; handlers run on connection threads and
// must be thread-safe. Stop (or destruction) closes the listener and waits for connections.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sluice/common/status.h"

namespace sluice::server {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // without the query string
  std::map<std::string, std::string> query;  // decoded ?a=b&c=d
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `path` is exact ("/healthz"), or a prefix when it ends in '/' ("/api/executions/").
  void Route(std::string path, HttpHandler handler);

  // Binds 127.0.0.1:`port` (0: any free port) and starts serving. Unavailable when the port
  // cannot be bound (names it).
  Status Start(int port);
  // The bound port (after Start).
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  HttpResponse Dispatch(const HttpRequest& request) const;

  std::unique_ptr<Impl> impl_;
  std::vector<std::pair<std::string, HttpHandler>> routes_;
  int port_ = 0;
};

}  // namespace sluice::server
