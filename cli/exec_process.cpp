#include "exec_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common.hpp"

namespace sitecache::cli {
namespace {

namespace fs = std::filesystem;

bool is_executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// Writes everything, retrying on EINTR; false when the other end is gone.
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      fail(std::string("cannot create a pipe: ") + std::strerror(errno));
    read = fds[0];
    write = fds[1];
  }
};

// In the child: wires the pipes to fds 0-2 and executes. Never returns.
[[noreturn]] void exec_child(const fs::path& executable, const std::vector<std::string>& argv,
                             int in, int out, int err) {
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  ::signal(SIGPIPE, SIG_DFL);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(executable.c_str(), args.data());
  const std::string message =
      "sitecache: error: cannot run " + executable.string() + ": " + std::strerror(errno) + "\n";
  (void)!::write(2, message.data(), message.size());
  ::_exit(127);
}

// Copies the child's stdout and stderr to ours and into `result`, and feeds its stdin,
// until both output pipes close.
void pump(int out, int err, int in, const std::string& stdin_bytes, CommandResult& result) {
  size_t fed = 0;
  if (in >= 0) ::fcntl(in, F_SETFL, O_NONBLOCK);
  char buffer[1 << 16];
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[3];
    nfds_t count = 0;
    if (out_open) fds[count++] = {out, POLLIN, 0};
    if (err_open) fds[count++] = {err, POLLIN, 0};
    const bool feeding = in >= 0 && fed < stdin_bytes.size();
    if (feeding) fds[count++] = {in, POLLOUT, 0};
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      fail(std::string("poll failed: ") + std::strerror(errno));
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in) {
        const ssize_t n = ::write(in, stdin_bytes.data() + fed, stdin_bytes.size() - fed);
        if (n > 0) fed += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) fed = stdin_bytes.size();  // reader gone
        if (fed == stdin_bytes.size()) {
          ::close(in);
          in = -1;
        }
        continue;
      }
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      const bool is_out = fds[i].fd == out;
      if (n <= 0) {
        (is_out ? out_open : err_open) = false;
        continue;
      }
      (is_out ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      (void)write_all(is_out ? 1 : 2, buffer, static_cast<size_t>(n));
    }
  }
  if (in >= 0) ::close(in);
}

}  // namespace

std::optional<fs::path> find_executable(const std::string& command) {
  if (command.empty()) return std::nullopt;
  if (command.find('/') != std::string::npos) {
    return is_executable_file(command) ? std::optional<fs::path>(command) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    const fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / command;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

CommandResult run_command(const fs::path& executable, const std::vector<std::string>& argv,
                          StdinSource stdin_source, const std::string& stdin_bytes) {
  Pipe out, err;
  std::optional<Pipe> in;
  int child_in = -1;
  if (stdin_source == StdinSource::bytes) {
    in.emplace();
    child_in = in->read;
  } else {
    child_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  // Our own writes to a pipe whose reader is gone must fail, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  const pid_t pid = ::fork();
  if (pid < 0) fail(std::string("cannot start a process: ") + std::strerror(errno));
  if (pid == 0) exec_child(executable, argv, child_in, out.write, err.write);
  ::close(out.write);
  ::close(err.write);
  ::close(child_in);
  CommandResult result;
  pump(out.read, err.read, in ? in->write : -1, stdin_bytes, result);
  ::close(out.read);
  ::close(err.read);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail(std::string("waitpid failed: ") + std::strerror(errno));
  }
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  } else {
    result.exit_status = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace sitecache::cli
