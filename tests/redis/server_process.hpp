// Test support for the network backends: a redis-server or memcached process owned by one
// test, on a free 127.0.0.1 port, that the test can kill (SIGKILL), freeze (SIGSTOP),
// resume and restart on the same port; a "blackhole" port where connects hang; timing.
// Shared by tests/redis and tests/memcached (the latter adds this folder to its include
// path).
//
// Not thread-safe: one thread drives a ServerProcess. The destructor kills the process.
#ifndef SITECACHE_TESTS_SERVER_PROCESS_HPP
#define SITECACHE_TESTS_SERVER_PROCESS_HPP

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/child_process.hpp"

namespace sitecache::testing {

inline bool program_exists(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// A port nothing listens on right now (bound, read, closed).
inline uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// Whether a TCP connect to 127.0.0.1:port succeeds within timeout_ms.
inline bool accepts_connections(uint16_t port, int timeout_ms = 200) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  if (!ok && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof(error);
    ok = poll(&p, 1, timeout_ms) == 1 &&
         getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  close(fd);
  return ok;
}

class ServerProcess {
 public:
  enum class Kind { redis, memcached };

  static const char* binary(Kind kind) {
    return kind == Kind::redis ? "redis-server" : "memcached";
  }
  static bool available(Kind kind) { return program_exists(binary(kind)); }

  explicit ServerProcess(Kind kind, std::vector<std::string> extra_args = {})
      : kind_(kind), extra_(std::move(extra_args)), port_(free_port()) {}
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return process_.running(); }

  // Starts the server on port() and waits (up to 5 s) until it accepts connections.
  bool start() {
    if (process_.running()) return true;
    std::vector<std::string> args;
    const std::string port = std::to_string(port_);
    if (kind_ == Kind::redis) {
      args = {"redis-server", "--port", port,          "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no",     "--daemonize", "no",     "--dir",     "/tmp"};
    } else {
      const passwd* user = getpwuid(getuid());
      args = {"memcached", "-u",        user ? user->pw_name : "root",
              "-l",        "127.0.0.1", "-p",
              port,        "-U",        "0",
              "-m",        "64"};
    }
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_t pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    process_.adopt(pid);
    return process_.wait_until([this] { return accepts_connections(port_); });
  }
  // SIGKILL and reap: the server vanishes mid-conversation, like a crash.
  void kill() { process_.kill(); }
  // SIGSTOP: connections are accepted by the kernel, nothing answers (a hung server).
  void pause() { process_.pause(); }
  void resume() { process_.resume(); }

 private:
  Kind kind_;
  std::vector<std::string> extra_;
  uint16_t port_;
  ChildProcess process_;  // last: killed before the rest is destroyed
};

// A listening socket whose accept queue is full, so that further connects to it hang (the
// kernel drops their SYNs): an unreachable server without leaving the machine.
class Blackhole {
 public:
  Blackhole() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 0);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    // Fill the queue until a connect no longer completes.
    for (int i = 0; i < 16; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      fillers_.push_back(fd);
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 100) == 0) break;
    }
  }
  ~Blackhole() {
    for (int fd : fillers_) close(fd);
    close(listener_);
  }
  Blackhole(const Blackhole&) = delete;
  Blackhole& operator=(const Blackhole&) = delete;
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::vector<int> fillers_;
};

// A started server of `kind` for the running test. When the binary is not installed the
// test is skipped, when it does not start the test fails, and the result is null: call
// from SetUp() and return when it is.
inline std::unique_ptr<ServerProcess> start_server(ServerProcess::Kind kind,
                                                   std::vector<std::string> args = {}) {
  if (!ServerProcess::available(kind)) {
    [kind] { GTEST_SKIP() << ServerProcess::binary(kind) << " is not installed (not on PATH)"; }();
    return nullptr;
  }
  auto server = std::make_unique<ServerProcess>(kind, std::move(args));
  if (!server->start()) {
    ADD_FAILURE() << ServerProcess::binary(kind) << " did not start on " << server->address();
    return nullptr;
  }
  return server;
}

// Milliseconds taken by f().
template <class F>
int64_t elapsed_ms(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SERVER_PROCESS_HPP
