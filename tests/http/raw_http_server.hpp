// Test support: a scripted HTTP server on a free 127.0.0.1 port, for the faults nginx
// cannot produce on demand: a body shorter than its Content-Length, a hostile PROPFIND
// answer. For each connection it reads one request (head and Content-Length body), writes
// whatever the responder returns byte for byte, and closes the connection.
//
// Thread safety: the server runs on a thread of its own; the responder is called on that
// thread, one request at a time. requests() may be read from any thread.
#ifndef SITECACHE_TESTS_HTTP_RAW_HTTP_SERVER_HPP
#define SITECACHE_TESTS_HTTP_RAW_HTTP_SERVER_HPP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace sitecache::testing {

class RawHttpServer {
 public:
  // Gets the request head (request line and headers) and returns the raw response.
  using Responder = std::function<std::string(const std::string& head)>;

  explicit RawHttpServer(Responder respond) : respond_(std::move(respond)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 64);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RawHttpServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  RawHttpServer(const RawHttpServer&) = delete;
  RawHttpServer& operator=(const RawHttpServer&) = delete;

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int requests() const { return requests_.load(); }

  // A complete response with `body` and the given status line tail ("200 OK").
  static std::string response(std::string_view status, std::string_view body,
                              std::string_view extra_headers = "") {
    return "HTTP/1.1 " + std::string(status) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extra_headers) + "Connection: close\r\n\r\n" + std::string(body);
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 20) != 1) continue;
      const int connection = accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      std::string head;
      if (read_request(connection, head)) {
        requests_++;
        const std::string answer = respond_(head);
        size_t sent = 0;
        while (sent < answer.size()) {
          const ssize_t n =
              send(connection, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
          if (n <= 0) break;
          sent += static_cast<size_t>(n);
        }
      }
      shutdown(connection, SHUT_RDWR);
      close(connection);
    }
  }

  // Reads the head and a Content-Length body (discarded); false on EOF or after 2 s.
  static bool read_request(int connection, std::string& head) {
    std::string data;
    char buffer[16384];
    size_t body_needed = std::string::npos;
    size_t head_end = std::string::npos;
    while (true) {
      if (head_end != std::string::npos && data.size() >= head_end + body_needed) return true;
      pollfd p{connection, POLLIN, 0};
      if (poll(&p, 1, 2000) != 1) return false;
      const ssize_t n = recv(connection, buffer, sizeof(buffer), 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        const size_t end = data.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        head_end = end + 4;
        head = data.substr(0, head_end);
        body_needed = 0;
        for (std::string name : {"Content-Length:", "content-length:"}) {
          const size_t at = head.find(name);
          if (at != std::string::npos) {
            body_needed = std::strtoull(head.c_str() + at + name.size(), nullptr, 10);
          }
        }
      }
    }
  }

  Responder respond_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_HTTP_RAW_HTTP_SERVER_HPP
