// Test support: a server process the test forked (redis-server, memcached, nginx), to wait
// for, kill, pause and resume. Owns the process: it is killed and reaped on destruction.
#ifndef SITECACHE_TESTS_SUPPORT_CHILD_PROCESS_HPP
#define SITECACHE_TESTS_SUPPORT_CHILD_PROCESS_HPP

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <functional>
#include <thread>

namespace sitecache::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return pid_ > 0; }
  // Takes over the child `pid` returned by fork() in the parent.
  void adopt(pid_t pid) { pid_ = pid; }

  // Polls `ready` every 20 ms for up to 5 s. False when the child exits first (it is
  // reaped) or the time runs out (it is left running, for the caller's diagnostics).
  bool wait_until(const std::function<bool()>& ready) {
    for (int i = 0; i < 250; ++i) {
      if (ready()) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGKILL and reap: the server vanishes mid-conversation, like a crash.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGSTOP: the kernel still accepts connections, nothing answers (a hung server).
  // Returns once the whole process is stopped (the signal is delivered asynchronously).
  void pause() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGSTOP);
    int status = 0;
    waitpid(pid_, &status, WUNTRACED);
  }
  void resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SUPPORT_CHILD_PROCESS_HPP
