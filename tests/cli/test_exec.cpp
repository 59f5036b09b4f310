// `sitecache exec` end to end: the real binary running real commands (sh, cp, head) in a
// temporary directory on the SQLite default. Every test checks what a Makefile relies on:
// a hit replays exactly what the run produced, and what must not be stored is not.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include "cli_support.hpp"
#include "sitecache/memoize.hpp"

namespace sitecache::cli_test {
namespace {

class ExecTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    configure(Backend::sqlite);
  }
  // `sitecache exec ARGS... -- COMMAND...`, with the extra environment `env`.
  Exec exec(const std::vector<std::string>& options, const std::vector<std::string>& command,
            const std::string& input = {}, const std::vector<std::string>& env = {}) {
    std::vector<std::string> args = {"exec"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return run_program(SITECACHE_BIN, args, dir_, input, env);
  }
  // How many times a command that appends to runs.log has run.
  size_t runs() {
    std::ifstream in(dir_ / "runs.log");
    return static_cast<size_t>(
        std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  }
  std::string read(const std::string& name) { return testing::read_file(dir_ / name); }
};

const std::vector<std::string> kRender = {
    "sh", "-c",
    "echo ran >> runs.log; tr a-z A-Z < in.txt > out.txt; echo to-stdout; "
    "printf 'to-stderr\\n' >&2"};

TEST_F(ExecTest, AHitReplaysOutputsStreamsAndStatusWithoutRunning) {
  write_file("in.txt", "hello\n");
  Exec first = exec({"--in", "in.txt", "--out", "out.txt"}, kRender);
  ASSERT_EQ(first.exit_code, 0) << RUN_INFO(first);
  EXPECT_EQ(first.out, "to-stdout\n");
  EXPECT_EQ(first.err, "to-stderr\n");
  EXPECT_EQ(read("out.txt"), "HELLO\n");
  fs::remove(dir_ / "out.txt");
  Exec second = exec({"--in", "in.txt", "--out", "out.txt"}, kRender);
  ASSERT_EQ(second.exit_code, 0) << RUN_INFO(second);
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(second.err, first.err);
  EXPECT_EQ(read("out.txt"), "HELLO\n");
  EXPECT_EQ(runs(), 1u);
  // An input edit is a miss.
  write_file("in.txt", "changed\n");
  ASSERT_EQ(exec({"--in", "in.txt", "--out", "out.txt"}, kRender).exit_code, 0);
  EXPECT_EQ(read("out.txt"), "CHANGED\n");
  EXPECT_EQ(runs(), 2u);
}

TEST_F(ExecTest, EveryPartOfTheKeyCounts) {
  write_file("in.txt", "x\n");
  const std::vector<std::string> command = {"sh", "-c", "echo ran >> runs.log; echo $V"};
  auto run = [&](const std::vector<std::string>& options, const std::vector<std::string>& cmd,
                 const std::vector<std::string>& env = {}) {
    Exec e = exec(options, cmd, {}, env);
    EXPECT_EQ(e.exit_code, 0) << RUN_INFO(e);
    return e;
  };
  run({"--env", "V"}, command, {"V=1"});
  EXPECT_EQ(run({"--env", "V"}, command, {"V=1"}).out, "1\n");
  EXPECT_EQ(runs(), 1u);
  EXPECT_EQ(run({"--env", "V"}, command, {"V=2"}).out, "2\n");  // another value
  EXPECT_EQ(runs(), 2u);
  run({"--env", "V", "--step", "other@2"}, command, {"V=2"});  // another step
  EXPECT_EQ(runs(), 3u);
  run({"--env", "V"}, {"sh", "-c", "echo ran >> runs.log; echo $V", "arg"}, {"V=2"});  // argv
  EXPECT_EQ(runs(), 4u);
  fs::create_directories(dir_ / "sub");
  Exec elsewhere = run_program(SITECACHE_BIN,
                               {"--config", (dir_ / "sitecache.toml").string(), "exec", "--env",
                                "V", "--", "sh", "-c", "echo ran >> ../runs.log; echo $V"},
                               dir_ / "sub", {}, {"V=2"});
  EXPECT_EQ(elsewhere.exit_code, 0) << RUN_INFO(elsewhere);
  EXPECT_EQ(runs(), 5u) << "another working directory is another key";
}

TEST_F(ExecTest, RunsThatMustNotBeStoredAreNot) {
  // A non-zero exit: replayed as it is, run again next time.
  const std::vector<std::string> failing = {"sh", "-c", "echo ran >> runs.log; echo out; exit 3"};
  for (int i = 1; i <= 2; ++i) {
    Exec e = exec({"-v"}, failing);
    EXPECT_EQ(e.exit_code, 3);
    EXPECT_EQ(e.out, "out\n");
    EXPECT_NE(e.err.find("not cached: exit status 3"), std::string::npos) << e.err;
  }
  EXPECT_EQ(runs(), 2u);
  // --cache-failures stores it, status included.
  const std::vector<std::string> cached = {"sh", "-c", "echo ran >> runs.log; exit 4"};
  EXPECT_EQ(exec({"--cache-failures"}, cached).exit_code, 4);
  EXPECT_EQ(exec({"--cache-failures"}, cached).exit_code, 4);
  EXPECT_EQ(runs(), 3u);
  // Death by a signal.
  const std::vector<std::string> killed = {"sh", "-c", "echo ran >> runs.log; kill -9 $$"};
  EXPECT_EQ(exec({}, killed).exit_code, 128 + SIGKILL);
  EXPECT_EQ(exec({}, killed).exit_code, 128 + SIGKILL);
  EXPECT_EQ(runs(), 5u);
  // An input modified while the command ran (ccache's rule).
  write_file("in.txt", "v1\n");
  const std::vector<std::string> touching = {"sh", "-c", "echo ran >> runs.log; echo v2 >> in.txt"};
  Exec touched = exec({"--in", "in.txt", "-v"}, touching);
  EXPECT_EQ(touched.exit_code, 0);
  EXPECT_NE(touched.err.find("in.txt was modified while the command ran"), std::string::npos)
      << touched.err;
  write_file("in.txt", "v1\n");
  (void)exec({"--in", "in.txt"}, touching);
  EXPECT_EQ(runs(), 7u);
}

TEST_F(ExecTest, ExplainSaysWhyARunWasNotStored) {
  for (int build = 0; build < 2; ++build) {
    const std::string out = sitecache({"build", "start"}).out;
    const std::string id = out.substr(0, out.find('\n'));
    Exec e = exec({"--slot", "page"}, {"sh", "-c", "exit 3"}, {}, {"SITECACHE_BUILD=" + id});
    EXPECT_EQ(e.exit_code, 3);
    ASSERT_EQ(sitecache({"build", "finish", id}).exit_code, 0);
  }
  Exec explained = sitecache({"explain", "page"});
  ASSERT_EQ(explained.exit_code, 0) << RUN_INFO(explained);
  EXPECT_NE(explained.out.find("did not store it (exit status 3)"), std::string::npos)
      << explained.out;
  EXPECT_NE(explained.out.find("not stored: exit status 3"), std::string::npos) << explained.out;
}

TEST_F(ExecTest, AMissingDeclaredOutputIsAnErrorNamingIt) {
  Exec e = exec({"--out", "never.txt"}, {"true"});
  EXPECT_EQ(e.exit_code, 1) << RUN_INFO(e);
  EXPECT_NE(e.err.find("never.txt"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("missing after the run"), std::string::npos) << e.err;
  Exec again = exec({"--out", "never.txt"}, {"sh", "-c", "echo ran >> runs.log"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(runs(), 1u) << "nothing was stored for the failed call";
}

TEST_F(ExecTest, CommandNotFoundExits127AndStoresNothing) {
  Exec e = exec({}, {"no-such-command-here"});
  EXPECT_EQ(e.exit_code, 127);
  EXPECT_NE(e.err.find("no-such-command-here: command not found"), std::string::npos) << e.err;
  EXPECT_TRUE(listed_keys().empty());
}

TEST_F(ExecTest, BinaryStdoutAndStdinRoundTrip) {
  const std::string binary = binary_sample(64);
  write_file("data.bin", binary);
  Exec first = exec({"--in", "data.bin"}, {"cat", "data.bin"});
  ASSERT_EQ(first.exit_code, 0);
  EXPECT_TRUE(first.out == binary);
  Exec hit = exec({"--in", "data.bin"}, {"sh", "-c", "echo ran >> runs.log; cat data.bin"});
  EXPECT_EQ(runs(), 1u) << "another argv: a miss";
  hit = exec({"--in", "data.bin"}, {"sh", "-c", "echo ran >> runs.log; cat data.bin"});
  EXPECT_EQ(runs(), 1u);
  EXPECT_TRUE(hit.out == binary);

  const std::vector<std::string> upper = {"sh", "-c", "echo ran >> runs.log; tr a-z A-Z"};
  EXPECT_EQ(exec({"--stdin"}, upper, "abc").out, "ABC");
  EXPECT_EQ(exec({"--stdin"}, upper, "abc").out, "ABC");
  EXPECT_EQ(runs(), 2u);
  EXPECT_EQ(exec({"--stdin"}, upper, "xyz").out, "XYZ");
  EXPECT_EQ(runs(), 3u) << "other stdin, other key";
}

// What a hit and a miss of a 50 MiB output cost in memory: its bytes pass through memory
// once (read into the blob entry; streamed from the backend into the file), never in
// two copies at a time.
TEST_F(ExecTest, FiftyMebibyteOutputPassesThroughMemoryOnce) {
  // SQLite's memory-mapped reads (mmap_size) put the database's pages into the process's
  // RSS although they are the page cache, not a copy; without them RSS counts the copies.
  configure(Backend::sqlite, "[cache.default.options]\nmmap_size = 0\n");
  constexpr size_t kSize = 50u << 20;
  {
    std::mt19937_64 rng(5);
    std::string big(kSize, '\0');
    for (size_t i = 0; i + 8 <= big.size(); i += 8) {
      const uint64_t v = rng();
      std::memcpy(big.data() + i, &v, 8);
    }
    write_file("big.in", big);
  }
  auto max_rss_kib = [&](const Exec& e) {
    const size_t at = e.err.rfind("maxrss=");
    return at == std::string::npos ? size_t{0} : std::stoul(e.err.substr(at + 7));
  };
  const std::vector<std::string> timed = {
      "/usr/bin/time", "-f",      "maxrss=%M", SITECACHE_BIN, "exec",   "--in",   "big.in",
      "--out",         "big.out", "--",        "cp",          "big.in", "big.out"};
  Exec miss = run_program(timed[0], {timed.begin() + 1, timed.end()}, dir_);
  ASSERT_EQ(miss.exit_code, 0) << RUN_INFO(miss);
  fs::remove(dir_ / "big.out");
  Exec hit = run_program(timed[0], {timed.begin() + 1, timed.end()}, dir_);
  ASSERT_EQ(hit.exit_code, 0) << RUN_INFO(hit);
  EXPECT_TRUE(read("big.out") == read("big.in"));
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in quarantine and adds its shadow memory, so RSS
  // does not count copies there; the plain build checks the bound.
  (void)max_rss_kib;
#else
  EXPECT_LT(max_rss_kib(miss), 1.6 * kSize / 1024) << miss.err;
  EXPECT_LT(max_rss_kib(hit), 1.6 * kSize / 1024) << hit.err;
#endif
}

// A process killed while it writes an output leaves the old file or none, never a part.
TEST_F(ExecTest, KilledWhileWritingOutputsNeverLeavesAPartialFile) {
  constexpr size_t kSize = 20u << 20;
  write_file("big.in", std::string(kSize, 'b'));
  const std::vector<std::string> args = {"exec", "--in", "big.in", "--out",  "big.out",
                                         "--",   "cp",   "big.in", "big.out"};
  ASSERT_EQ(run_program(SITECACHE_BIN, args, dir_).exit_code, 0);
  for (int round = 0; round < 8; ++round) {
    write_file("big.out", "old");
    std::vector<char*> argv;
    std::vector<std::string> owned = {SITECACHE_BIN};
    owned.insert(owned.end(), args.begin(), args.end());
    for (std::string& s : owned) argv.push_back(s.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (chdir(dir_.c_str()) != 0) _exit(99);
      execv(SITECACHE_BIN, argv.data());
      _exit(98);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + 3 * round));  // kill point
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    const std::string now = read("big.out");
    EXPECT_TRUE(now == "old" || now.size() == kSize) << "round " << round << ": " << now.size();
    for (const auto& entry : fs::directory_iterator(dir_)) {
      EXPECT_EQ(entry.path().filename().string().find(".sitecache-"), std::string::npos)
          << "a temporary file was left: " << entry.path();
    }
    ASSERT_EQ(run_program(SITECACHE_BIN, args, dir_).exit_code, 0);
    EXPECT_EQ(read("big.out").size(), kSize);
  }
}

TEST_F(ExecTest, BadInputIsAUsageErrorThatChangesNothing) {
  write_file("in.txt", "x");
  fs::create_directories(dir_ / "a-directory");
  const std::vector<std::string> cmd = {"sh", "-c", "echo ran >> runs.log"};
  struct Case {
    std::vector<std::string> args;
    std::string fragment;
  };
  for (const Case& c : std::vector<Case>{
           {{"exec", "sh", "-c", "true"}, "needs '--'"},
           {{"exec", "--"}, "needs a command"},
           {{"exec", "--require-inputs", "--in", "no-*.txt", "--", "sh", "-c",
             "echo ran >> runs.log"},
            "matches nothing"},
           {{"exec", "--out", "a-directory", "--", "sh", "-c", "echo ran >> runs.log"},
            "is a directory"},
           {{"exec", "--env", "A=b", "--", "sh", "-c", "echo ran >> runs.log"},
            "name one environment variable"},
           {{"exec", "--step", "x@y", "--", "sh", "-c", "echo ran >> runs.log"}, "--step"},
           {{"exec", "--in", "missing.txt", "--", "sh", "-c", "echo ran >> runs.log"},
            "no such file"},
       }) {
    Exec e = sitecache(c.args);
    EXPECT_EQ(e.exit_code, 2) << c.fragment << "\n" << RUN_INFO(e);
    EXPECT_NE(e.err.find(c.fragment), std::string::npos) << e.err;
  }
  EXPECT_EQ(runs(), 0u);
  EXPECT_FALSE(fs::exists(dir_ / "cache.db")) << "nothing was even opened";
  EXPECT_TRUE(listed_keys().empty());
  // A glob that matches nothing is only a warning without --require-inputs.
  Exec warned = exec({"--in", "no-*.txt"}, cmd);
  EXPECT_EQ(warned.exit_code, 0);
  EXPECT_NE(warned.err.find("warning: --in 'no-*.txt' matches nothing"), std::string::npos);
}

TEST_F(ExecTest, CallsOfOneBuildFormOneRecord) {
  Exec started = sitecache({"build", "start"});
  ASSERT_EQ(started.exit_code, 0) << RUN_INFO(started);
  const std::string id = started.out.substr(0, started.out.find('\n'));
  const std::vector<std::string> env = {"SITECACHE_BUILD=" + id};
  for (const char* page : {"a", "b", "c"}) {
    write_file(std::string(page) + ".md", page);
    Exec e = exec({"--in", std::string(page) + ".md", "--out", std::string(page) + ".html"},
                  {"cp", std::string(page) + ".md", std::string(page) + ".html"}, {}, env);
    ASSERT_EQ(e.exit_code, 0) << RUN_INFO(e);
  }
  Exec put = run_program(SITECACHE_BIN, {"put", "menu", "--slot", "menu.html", "--tag", "nav"},
                         dir_, "<nav/>", env);
  ASSERT_EQ(put.exit_code, 0) << RUN_INFO(put);
  Exec finished = sitecache({"build", "finish", id});
  ASSERT_EQ(finished.exit_code, 0) << RUN_INFO(finished);
  EXPECT_NE(finished.out.find("0 hits, 4 misses"), std::string::npos) << finished.out;
  Json stats = json_of(sitecache({"stats", "--json", "--cache", "default"}));
  const Json& last = stats["caches"][0]["last_build"];
  EXPECT_EQ(last["generation"], std::stoi(id));
  EXPECT_EQ(last["misses"], 4);
  EXPECT_EQ(last["steps"]["cp"]["misses"], 3);
  EXPECT_EQ(last["steps"]["put"]["misses"], 1);
  EXPECT_EQ(sitecache({"build", "finish", id}).exit_code, 3) << "finished already";
}

TEST_F(ExecTest, ExplainAndClearStaleSeeExecSteps) {
  auto build = [&](const std::string& b_text) {
    const std::string id = sitecache({"build", "start"}).out;
    const std::vector<std::string> env = {"SITECACHE_BUILD=" + id.substr(0, id.find('\n'))};
    write_file("b.md", b_text);
    for (const char* page : {"a", "b"}) {
      if (std::string(page) == "a") write_file("a.md", "a");
      Exec e = exec({"--in", std::string(page) + ".md", "--out", std::string(page) + ".html"},
                    {"cp", std::string(page) + ".md", std::string(page) + ".html"}, {}, env);
      EXPECT_EQ(e.exit_code, 0) << RUN_INFO(e);
    }
    EXPECT_EQ(sitecache({"build", "finish", id.substr(0, id.find('\n'))}).exit_code, 0);
  };
  build("one");
  build("two");
  Exec explained = sitecache({"explain", "b.html"});
  ASSERT_EQ(explained.exit_code, 0) << RUN_INFO(explained);
  EXPECT_NE(explained.out.find("changed \"in:{base}/b.md\""), std::string::npos) << explained.out;
  Exec a = sitecache({"explain", "a.html"});
  EXPECT_NE(a.out.find("hit"), std::string::npos) << a.out;
  // The first b.html render is superseded by the second.
  Json cleared = json_of(sitecache({"clear", "--stale", "--json"}));
  ASSERT_EQ(cleared["entries"].size(), 1u) << cleared;
  EXPECT_EQ(cleared["entries"][0]["slot"], "b.html");
  EXPECT_EQ(cleared["entries"][0]["reason"], "superseded");
}

TEST_F(ExecTest, TaggedPutsAreClearedByTag) {
  ASSERT_EQ(sitecache({"put", "menu", "--tag", "nav", "--slot", "menu.html"}, "<nav/>").exit_code,
            0);
  ASSERT_EQ(sitecache({"put", "other"}, "x").exit_code, 0);
  Json cleared = json_of(sitecache({"clear", "--tag", "nav", "--json"}));
  EXPECT_EQ(cleared["removed_entries"], 1);
  EXPECT_EQ(sitecache({"get", "menu"}).exit_code, 3);
  EXPECT_EQ(sitecache({"get", "other"}).out, "x");
}

TEST_F(ExecTest, KeyPrintsWhatMemoizeDerives) {
  write_file("in.txt", "content");
  Exec key = sitecache({"key", "--step", "render@2", "--in", "in.txt", "--text", "v1"});
  ASSERT_EQ(key.exit_code, 0) << RUN_INFO(key);
  Inputs expected;
  expected.file("in[0]", dir_ / "in.txt").text("text[0]", "v1");
  EXPECT_EQ(key.out, step_key(Step{"render", 2}, expected).hex() + "\n");
  write_file("in.txt", "other content");
  EXPECT_NE(sitecache({"key", "--step", "render@2", "--in", "in.txt", "--text", "v1"}).out,
            key.out);
  EXPECT_EQ(sitecache({"key", "--in", "missing.txt"}).exit_code, 2);
}

}  // namespace
}  // namespace sitecache::cli_test
