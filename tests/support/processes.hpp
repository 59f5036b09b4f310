// Test support: several processes on one cache. Children are forked from the test, so
// they share nothing with it but the files they open afterwards.
#ifndef SITECACHE_TESTS_SUPPORT_PROCESSES_HPP
#define SITECACHE_TESTS_SUPPORT_PROCESSES_HPP

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace sitecache::testing {

// Forks `count` children running `body(index)`, whose return value is the child's exit
// code (99 when it throws), and waits for all of them; returns their exit codes (128 +
// the signal for a child killed by one). `started`, if given, runs in the parent once every
// child is forked and before the wait (to open a gate the children block on).
inline std::vector<int> run_children(int count, const std::function<int(int)>& body,
                                     const std::function<void()>& started = {}) {
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      int code = 99;
      try {
        code = body(i);
      } catch (...) {
      }
      _exit(code);
    }
    if (pid < 0) ADD_FAILURE() << "fork failed";
    if (pid > 0) pids.push_back(pid);
  }
  if (started) started();
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return codes;
}

// Forks a child that runs `write(ready)`, which writes forever and calls ready() once it is
// writing. After that signal the child writes for `delay`, is killed with SIGKILL and is
// reaped, so the kill lands inside its stream of writes. The test fails when the child
// ends before the signal or by itself.
inline void kill_mid_write(std::chrono::milliseconds delay,
                           const std::function<void(const std::function<void()>& ready)>& write) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    bool signalled = false;
    write([&] {
      if (!signalled && ::write(ready[1], "r", 1) != 1) _exit(4);
      signalled = true;
    });
    _exit(5);  // `write` must not return
  }
  close(ready[1]);
  char byte = 0;
  const ssize_t got = read(ready[0], &byte, 1);
  close(ready[0]);
  if (got == 1) {
    // There is no seam inside another process's writes: it writes for this long.
    std::this_thread::sleep_for(delay);
  }
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(got, 1) << "the writer failed before writing: " << status;
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << status;
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_SUPPORT_PROCESSES_HPP
