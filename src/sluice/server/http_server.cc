#include "sluice/server/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <mutex>
#include <thread>

namespace sluice::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

HttpRequest ParseTarget(std::string method, std::string_view target) {
  HttpRequest request;
  request.method = std::move(method);
  size_t q = target.find('?');
  request.path = PercentDecode(target.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      size_t eq = pair.find('=');
      request.query[PercentDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  }
  return request;
}

}  // namespace

struct HttpServer::Impl {
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread accept_thread;
  std::mutex mu;
  struct Connection {
    std::shared_ptr<tcp::socket> socket;
    std::shared_ptr<std::atomic<bool>> done;
    std::thread thread;
  };
  std::vector<Connection> connections;
  std::atomic<bool> stopping{false};
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string path, HttpHandler handler) {
  routes_.emplace_back(std::move(path), std::move(handler));
}

HttpResponse HttpServer::Dispatch(const HttpRequest& request) const {
  if (request.method != "GET") {
    return {405, "application/json", R"({"error":"MethodNotAllowed","message":"only GET"})"};
  }
  const HttpHandler* best = nullptr;
  size_t best_length = 0;
  for (const auto& [path, handler] : routes_) {
    bool exact = path == request.path;
    bool prefix = path.back() == '/' && request.path.starts_with(path);
    if ((exact || prefix) && path.size() + (exact ? 1 : 0) > best_length) {
      best = &handler;
      best_length = path.size() + (exact ? 1 : 0);
    }
  }
  if (best == nullptr) {
    return {404, "application/json",
            R"({"error":"NotFound","message":"no such endpoint: )" + request.path + "\"}"};
  }
  return (*best)(request);
}

Status HttpServer::Start(int port) {
  try {
    impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen();
    port_ = impl_->acceptor->local_endpoint().port();
  } catch (const std::exception& e) {
    return Status::Unavailable("http: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                               e.what());
  }
  impl_->accept_thread = std::thread([this] {
    while (!impl_->stopping) {
      auto socket = std::make_shared<tcp::socket>(impl_->io);
      beast::error_code ec;
      impl_->acceptor->accept(*socket, ec);
      if (ec) {
        if (impl_->stopping) break;
        continue;
      }
      std::lock_guard lock(impl_->mu);
      // Join the connections that ended, so a long-running server keeps no dead threads.
      std::erase_if(impl_->connections, [](Impl::Connection& c) {
        if (!c.done->load()) return false;
        c.thread.join();
        return true;
      });
      auto done = std::make_shared<std::atomic<bool>>(false);
      impl_->connections.push_back({socket, done, std::thread([this, socket, done] {
        tcp::socket& s = *socket;
        beast::flat_buffer buffer;
        beast::error_code error;
        while (!impl_->stopping) {
          http::request<http::string_body> req;
          http::read(s, buffer, req, error);
          if (error) break;
          HttpRequest request = ParseTarget(std::string(req.method_string()), req.target());
          HttpResponse response;
          try {
            response = Dispatch(request);
          } catch (const std::exception& e) {
            response = {500, "application/json",
                        std::string(R"({"error":"InternalError","message":")") + e.what() + "\"}"};
          }
          http::response<http::string_body> res{static_cast<http::status>(response.status),
                                                req.version()};
          res.set(http::field::server, "sluice");
          res.set(http::field::content_type, response.content_type);
          res.keep_alive(req.keep_alive());
          res.body() = std::move(response.body);
          res.prepare_payload();
          http::write(s, res, error);
          if (error || !res.keep_alive()) break;
        }
        s.shutdown(tcp::socket::shutdown_both, error);
        done->store(true);
      })});
    }
  });
  return Status::OK();
}

void HttpServer::Stop() {
  if (!impl_->acceptor || impl_->stopping.exchange(true)) return;
  // shutdown(2) wakes a thread blocked in accept or read on Linux; close alone does not.
  ::shutdown(impl_->acceptor->native_handle(), SHUT_RDWR);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  beast::error_code ignored;
  impl_->acceptor->close(ignored);
  std::lock_guard lock(impl_->mu);
  for (auto& c : impl_->connections) ::shutdown(c.socket->native_handle(), SHUT_RDWR);
  for (auto& c : impl_->connections) c.thread.join();
  impl_->connections.clear();
}

}  // namespace sluice::server
