#include "cli_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "base/clock.hpp"
#include "sitecache/cache.hpp"
#include "sitecache/config.hpp"

extern char** environ;

namespace sitecache::cli_test {

Exec run_program(const std::string& program, const std::vector<std::string>& args,
                 const fs::path& cwd, const std::string& input,
                 const std::vector<std::string>& env) {
  // A child that exits without reading its stdin must not kill the test with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "SITECACHE_", 10) != 0) env_strings.emplace_back(*e);
  }
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  Exec run;
  if (spawned != 0) {
    ADD_FAILURE() << "spawn " << program << ": " << std::strerror(spawned);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return run;
  }
  // stdin is written by a thread so that a child filling its stdout first cannot
  // deadlock against us.
  std::thread writer([fd = in_pipe[1], &input] {
    size_t done = 0;
    while (done < input.size()) {
      ssize_t n = write(fd, input.data() + done, input.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the child stopped reading
      done += static_cast<size_t>(n);
    }
    close(fd);
  });
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[65536];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  writer.join();
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  run.max_rss_kib = usage.ru_maxrss;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

std::string backend_name(Backend backend) {
  switch (backend) {
    case Backend::sqlite:
      return "sqlite";
    case Backend::file:
      return "file";
    case Backend::noscan:
      return "noscan";
    case Backend::redis:
      return "redis";
    case Backend::memcached:
      return "memcached";
  }
  return "?";
}

void CliTest::SetUp() {
  TempDirTest::SetUp();
  fs::create_directories(dir_ / "site");
  configure(Backend::sqlite);
}

void CliTest::configure(Backend backend, const std::string& extra) {
  backend_ = backend;
  std::string backend_line, location;
  switch (backend) {
    case Backend::sqlite:
      backend_line = "\"sqlite\"";
      location = "cache.db";
      break;
    case Backend::file:
      backend_line = "\"file\"";
      location = "files";
      break;
    case Backend::noscan:
      backend_line = "\"" NOSCAN_PLUGIN "\"";
      location = "store";
      break;
    case Backend::redis:
    case Backend::memcached:
      // An empty location would mean the server's default port: someone else's server.
      ASSERT_FALSE(server_location_.empty()) << "configure() before the server started";
      backend_line = "\"" + backend_name(backend) + "\"";
      location = server_location_;
      break;
  }
  write_config("[cache.default]\nbackend = " + backend_line + "\nlocation = \"" + location +
               "\"\nkey_prefix = \"site\"\n" + extra + "\n[cache.other]\nbackend = " +
               backend_line + "\nlocation = \"" + location + "\"\nkey_prefix = \"other\"\n");
}

void CliTest::write_config(const std::string& toml) {
  write_file("sitecache.toml", toml);
}

fs::path CliTest::write_file(const fs::path& relative, const std::string& content) {
  fs::path path = dir_ / relative;
  fs::create_directories(path.parent_path());
  testing::write_file(path, content);
  return path;
}

Exec CliTest::sitecache(const std::vector<std::string>& args, const std::string& input) {
  return run_program(SITECACHE_BIN, args, dir_, input,
                     {"SITECACHE_STAT_CACHE=" + (dir_ / "stat-cache").string()});
}

Exec CliTest::build(const std::string& site, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--config", (dir_ / "sitecache.toml").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back((dir_ / site).string());
  Exec run = run_program(CLI_BUILD_HELPER, args, dir_, {},
                         {"SITECACHE_STAT_CACHE=" + (dir_ / "stat-cache").string()});
  EXPECT_EQ(run.exit_code, 0) << RUN_INFO(run);
  return run;
}

Json CliTest::json_of(const Exec& run) {
  Json parsed = Json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON:\n" << RUN_INFO(run);
  if (parsed.is_discarded()) return Json::object();
  EXPECT_EQ(parsed.value("format_version", 0), 1) << run.out;
  return parsed;
}

std::set<std::string> CliTest::listed_keys(const std::string& cache) {
  Exec ls = sitecache({"--cache", cache, "ls", "--json"});
  EXPECT_EQ(ls.exit_code, 0) << RUN_INFO(ls);
  std::set<std::string> keys;
  const Json listing = json_of(ls);
  for (const Json& entry : listing["entries"]) keys.insert(entry["key"].get<std::string>());
  return keys;
}

namespace {

// The caches of the sitecache.toml in `dir`, opened through the library (as the CLI does).
std::unique_ptr<Caches> open_caches(const fs::path& dir) {
  ConfigSource source;
  source.explicit_path = dir / "sitecache.toml";
  source.use_environment = false;
  source.working_dir = dir;
  Result<Caches> caches = Caches::load(source);
  EXPECT_TRUE(caches.is_ok()) << caches.status().to_string();
  return caches ? std::make_unique<Caches>(std::move(caches).value()) : nullptr;
}

}  // namespace

void CliTest::put_as_of(std::chrono::milliseconds offset, const std::string& key,
                        const std::string& value, Timeout timeout, const std::string& cache) {
  std::unique_ptr<Caches> caches = open_caches(dir_);
  ASSERT_TRUE(caches && caches->contains(cache)) << "no cache '" << cache << "'";
  ManualClock clock(now_ms() + offset.count());
  Status stored = (*caches)[cache].set(key, value, timeout);
  ASSERT_TRUE(stored.is_ok()) << stored.to_string();
}

std::optional<std::string> CliTest::get_as_of(std::chrono::milliseconds offset,
                                              const std::string& key, const std::string& cache) {
  std::unique_ptr<Caches> caches = open_caches(dir_);
  if (!caches || !caches->contains(cache)) {
    ADD_FAILURE() << "no cache '" << cache << "'";
    return std::nullopt;
  }
  ManualClock clock(now_ms() + offset.count());
  Result<std::optional<std::string>> got = (*caches)[cache].get(key);
  EXPECT_TRUE(got.is_ok()) << got.status().to_string();
  return got ? *got : std::nullopt;
}

std::string binary_sample(size_t repeat) {
  std::string data;
  for (size_t r = 0; r < repeat; ++r) {
    for (int b = 0; b < 256; ++b) data.push_back(static_cast<char>((b + r) % 256));
    data += std::string("\0\n\r\n\0", 5);
  }
  return data;
}

}  // namespace sitecache::cli_test
