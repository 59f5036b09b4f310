// Single-flight across processes: by default each process renders a step for itself; with
// single_flight = "shared" a lease in the backend makes a second process wait for the
// first one's output instead of rendering too. (In-process single-flight:
// test_memoize.cpp.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "cache_fixture.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;
using testing::cache_settings;

// Polls `done` until it holds or `limit` passes; whether it held. A passing test never
// reaches the limit: it only bounds how long a broken build hangs.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a poll, not a wait for time
  }
  return true;
}

// Two processes memoize the same slow step at the same moment on one file cache. A
// render lasts until the other process has either started rendering too or is polling
// for this one's lease (its second miss on the key: the lookup, then the first poll after
// its add found the lease taken). So the outcome depends on single_flight alone, not on
// scheduling: "process" gives two renders; "shared" gives one, because the second process
// waits for the lease holder's output.
class SingleFlightTest : public testing::TempDirTest {
 protected:
  int renders_across_processes(SingleFlight mode) {
    const fs::path renders = dir_ / "renders";  // a line per render
    const fs::path waiting = dir_ / "waiting";  // a line per process polling for a lease
    auto run = [&]() -> std::string {
      Config config;
      CacheConfig settings = cache_settings("file");
      settings.location = (dir_ / "cache").string();
      settings.single_flight = mode;
      Cache cache(settings, config);
      std::atomic<bool> finished{false};
      std::thread watcher([&] {
        wait_until([&] { return finished || cache.counters().misses >= 2; });
        if (!finished) append_line(waiting);
      });
      Result<std::string> out = cache.memoize(Step{"slow", 1}, page(), [&] {
        append_line(renders);
        EXPECT_TRUE(wait_until([&] { return lines(renders) >= 2 || lines(waiting) >= 1; }))
            << "the other process neither rendered nor waited";
        return std::string("the render");
      });
      finished = true;
      watcher.join();
      return out ? *out : "error: " + out.status().to_string();
    };
    pid_t child = fork();
    if (child == 0) _exit(run() == "the render" && !HasFailure() ? 0 : 1);
    EXPECT_EQ(run(), "the render");
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return lines(renders);
  }

  static Inputs page() {
    Inputs inputs;
    inputs.text("page", "page 0");
    return inputs;
  }
  static void append_line(const fs::path& file) {
    std::ofstream(file, std::ios::app) << getpid() << "\n";
  }
  static int lines(const fs::path& file) {
    std::ifstream in(file);
    int count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    return count;
  }
};

TEST_F(SingleFlightTest, ByDefaultEachProcessRendersForItself) {
  EXPECT_EQ(renders_across_processes(SingleFlight::process), 2);
}

TEST_F(SingleFlightTest, SharedLeaseMakesTwoProcessesRenderOnce) {
  EXPECT_EQ(renders_across_processes(SingleFlight::shared), 1);
}

}  // namespace
}  // namespace sitecache
