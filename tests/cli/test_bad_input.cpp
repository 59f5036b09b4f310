// Bad input, end to end through the `sitecache` binary, one table row per case: hostile
// and malformed configs, plugin files that are missing, not ELF or of another ABI, odd
// keys, bad selectors and numbers, and file-backend locations that must be refused. Each
// row has its exact exit status and the messages that name the problem (FILE:LINE:COLUMN
// for the config), and every row checks that nothing on disk changed: the test directory
// (which holds a populated cache) is compared file by file before and after.
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <map>

#include "cli_support.hpp"
#include "sitecache/plugin_abi.h"

namespace sitecache::cli_test {
namespace {

// What a file looks like from outside: enough to see any write, rename or chmod.
struct FileState {
  fs::file_type type = fs::file_type::none;
  uintmax_t size = 0;
  unsigned mode = 0;
  int64_t mtime_ns = 0;
  std::string content;  // regular files only
  bool operator==(const FileState&) const = default;
};

std::map<std::string, FileState> snapshot(const fs::path& root) {
  std::map<std::string, FileState> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    // SQLite's shared-memory index: every reader of a WAL database writes its read marks
    // there, so it is not content.
    if (it->path().string().ends_with("-shm")) continue;
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    FileState state;
    state.type = it->symlink_status(ec).type();
    state.size = static_cast<uintmax_t>(st.st_size);
    state.mode = st.st_mode & 07777;
    state.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (state.type == fs::file_type::regular) state.content = testing::read_file(it->path());
    files[fs::relative(it->path(), root).string()] = std::move(state);
  }
  return files;
}

// The paths whose state differs between two snapshots, one per line.
std::string changes(const std::map<std::string, FileState>& before,
                    const std::map<std::string, FileState>& after) {
  std::string out;
  for (const auto& [path, state] : before) {
    auto found = after.find(path);
    if (found == after.end()) {
      out += "removed " + path + "\n";
    } else if (!(found->second == state)) {
      out += "changed " + path + "\n";
    }
  }
  for (const auto& [path, state] : after) {
    if (!before.contains(path)) out += "created " + path + "\n";
  }
  return out;
}

// The names directly in `dir` (for "/", which is too large to read whole).
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

const std::string kGoodConfig =
    "[cache.default]\nbackend = \"sqlite\"\nlocation = \"cache.db\"\nkey_prefix = \"site\"\n";

struct BadInput {
  std::string name;
  std::string config;  // the whole sitecache.toml the command runs with
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> messages;  // each must appear in stderr
  // Makes what the row needs in its directory (a file, a symlink, a locked directory).
  std::function<void(const fs::path&)> prepare = {};
  bool watch_root = false;       // also check that no name appeared or went in "/"
  bool as_unprivileged = false;  // run as nobody (root ignores permission bits)
};

std::string with_options(const std::string& options) {
  return kGoodConfig + "\n[cache.default.options]\n" + options + "\n";
}

std::string file_backend_at(const std::string& location) {
  return "[cache.default]\nbackend = \"file\"\nlocation = \"" + location + "\"\n";
}

std::string control_free(const std::string& text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return "raw control byte " + std::to_string(c);
  }
  return "";
}

class BadInputTest : public CliTest {
 protected:
  // Runs one row in a directory of its own that holds a cache with one entry, made with
  // a good config before the row's config replaces it.
  void run_row(const BadInput& row) {
    SCOPED_TRACE(row.name);
    const fs::path dir = dir_ / ("row-" + std::to_string(++rows_));
    fs::create_directories(dir);
    testing::write_file(dir / "sitecache.toml", kGoodConfig);
    Exec seeded = run_program(SITECACHE_BIN, {"put", "seed"}, dir, "a value");
    ASSERT_EQ(seeded.exit_code, 0) << RUN_INFO(seeded);
    testing::write_file(dir / "sitecache.toml", row.config);
    if (row.prepare) row.prepare(dir);
    std::vector<std::string> args = row.args;
    std::string program = SITECACHE_BIN;
    if (row.as_unprivileged && ::geteuid() == 0) {
      fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
      fs::permissions(dir, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
      args.insert(args.begin(), {"--reuid=65534", "--regid=65534", "--clear-groups", program});
      program = "/usr/bin/setpriv";
    }
    const auto before = snapshot(dir);
    const auto root_before = row.watch_root ? names_in("/") : std::set<std::string>();

    Exec run = run_program(program, args, dir, "stdin bytes",
                           {"SITECACHE_STAT_CACHE=" + (dir / "stat-cache").string()});
    EXPECT_EQ(run.exit_code, row.exit_code) << RUN_INFO(run);
    // `stats` reports a cache it cannot open in its table (stdout), with a summary on
    // stderr; everything else reports on stderr.
    const std::string report = run.err + run.out;
    for (const std::string& message : row.messages) {
      EXPECT_NE(report.find(message), std::string::npos) << "missing: " << message << "\n"
                                                         << RUN_INFO(run);
    }
    EXPECT_EQ(control_free(run.err), "") << run.err;
    EXPECT_EQ(changes(before, snapshot(dir)), "") << "the command changed files under " << dir;
    if (row.watch_root) {
      EXPECT_EQ(names_in("/"), root_before);
    }
  }

  int rows_ = 0;
};

TEST_F(BadInputTest, MalformedAndHostileConfigs) {
  for (const std::string verb : {"config check", "stats"}) {
    std::vector<std::string> args = verb == "stats" ? std::vector<std::string>{"stats"}
                                                    : std::vector<std::string>{"config", "check"};
    const std::vector<BadInput> rows = {
        {"syntax error",
         "[cache.default\nbackend = \"sqlite\"\n",
         args,
         1,
         {"sitecache.toml:1:15: "}},
        {"wrong type",
         kGoodConfig + "timeout = true\n",
         args,
         1,
         {"sitecache.toml:5:11: cache.default.timeout must be a duration string, \"none\" or an "
          "integer number of seconds, not a boolean"}},
        {"negative size",
         kGoodConfig + "max_size = -1\n",
         args,
         1,
         {"sitecache.toml:5:12: cache.default.max_size must be >= 1, not -1"}},
        {"huge size",
         kGoodConfig + "max_size = \"99999999999999999999\"\n",
         args,
         1,
         {"sitecache.toml:5:12: cache.default.max_size: invalid size \"99999999999999999999\": "
          "too large (at most 2^64 - 1 bytes)"}},
        {"huge integer",
         kGoodConfig + "max_entries = 99999999999999999999\n",
         args,
         1,
         {"sitecache.toml:5:"}},
        {"value size over the format's limit",
         kGoodConfig + "max_value_size = \"3GiB\"\n",
         args,
         1,
         {"sitecache.toml:5:18: cache.default.max_value_size must be at most 2 GiB, not 3 GiB"}},
        {"unknown setting",
         kGoodConfig + "sizee = 3\n",
         args,
         1,
         {"sitecache.toml:5:1: unknown key \"sizee\" in [cache.default]"}},
        {"unknown backend",
         "[cache.default]\nbackend = \"nonesuch\"\n",
         args,
         1,
         {"sitecache.toml:2:1: ", "unknown backend 'nonesuch'; available: "}},
        // What `config check` printed OK for, while `stats` refused it: every lookup of a
        // build was a miss.
        {"unknown option",
         with_options("foo = 1"),
         args,
         1,
         {"sitecache.toml:7:1: ",
          "unknown option 'foo' for backend sqlite (known: "
          "busy_timeout_ms, mmap_size, on_corrupt, synchronous)"}},
        {"bad option value",
         with_options("busy_timeout_ms = -5"),
         args,
         1,
         {"sitecache.toml:7:1: ", "option 'busy_timeout_ms' must not be negative, got -5"}},
        {"reserved option",
         with_options("location = \"x\""),
         args,
         1,
         {"sitecache.toml:7:1: cache.default.options.location is reserved"}},
    };
    for (const BadInput& row : rows) {
      BadInput named = row;
      named.name = verb + ": " + row.name;
      run_row(named);
    }
  }
}

TEST_F(BadInputTest, PluginFilesThatAreMissingNotElfOrOfAnotherAbi) {
  const auto not_elf = [](const fs::path& dir) {
    // Longer than an ELF header, so that the loader reads one and finds none.
    std::string script = "#!/bin/sh\n";
    while (script.size() < 512) script += "echo this is a shell script, not a plugin\n";
    testing::write_file(dir / "notelf.so", script);
  };
  const std::string wrong_abi = "[cache.default]\nbackend = \"" BROKEN_WRONG_ABI "\"\n";
  const std::string abi = "plugin ABI 99." + std::to_string(SC_ABI_MINOR) +
                          " is not supported: this sitecache "
                          "speaks ABI 1." +
                          std::to_string(SC_ABI_MINOR);
  const std::vector<BadInput> rows = {
      {"missing, config check",
       "[cache.default]\nbackend = \"./missing.so\"\n",
       {"config", "check"},
       1,
       {"sitecache.toml:2:1: cache 'default': ", "missing.so: plugin file not found"}},
      {"missing, get",
       "[cache.default]\nbackend = \"./missing.so\"\n",
       {"get", "k"},
       1,
       {"sitecache.toml:2:1: ", "missing.so: plugin file not found"}},
      {"missing, plugins check",
       kGoodConfig,
       {"plugins", "check", "missing.so"},
       1,
       {"missing.so: no such plugin file"}},
      {"not ELF, config check",
       "[cache.default]\nbackend = \"./notelf.so\"\n",
       {"config", "check"},
       1,
       {"sitecache.toml:2:1: cache 'default': ", "notelf.so: not a loadable shared library: ",
        "invalid ELF header"},
       not_elf},
      {"not ELF, put",
       "[cache.default]\nbackend = \"./notelf.so\"\n",
       {"put", "k"},
       1,
       {"sitecache.toml:2:1: ", "not a loadable shared library"},
       not_elf},
      {"not ELF, plugins check",
       kGoodConfig,
       {"plugins", "check", "notelf.so"},
       1,
       {"notelf.so: 1 check(s) failed"},
       not_elf},
      {"wrong ABI, config check",
       wrong_abi,
       {"config", "check"},
       1,
       {"sitecache.toml:2:1: cache 'default': ", abi}},
      {"wrong ABI, stats", wrong_abi, {"stats"}, 1, {"sitecache.toml:2:1: ", abi}},
      {"wrong ABI, plugins check",
       kGoodConfig,
       {"plugins", "check", BROKEN_WRONG_ABI},
       1,
       {"broken-wrong_abi.so: 1 check(s) failed"}},
  };
  for (const BadInput& row : rows) run_row(row);
}

TEST_F(BadInputTest, OddKeys) {
  const std::string escape = "k\x1b]0;pwned\x07\x1b[2J";
  const std::vector<BadInput> rows = {
      {"empty key", kGoodConfig, {"get", ""}, 2, {"sitecache: error: KEY must not be empty"}},
      {"empty key, put", kGoodConfig, {"put", ""}, 2, {"KEY must not be empty"}},
      // The key is echoed, its control bytes written out (found: they reached the terminal).
      {"terminal escapes",
       kGoodConfig,
       {"get", escape},
       3,
       {"sitecache: key 'k\\x1b]0;pwned\\x07\\x1b[2J' not found in cache 'default'"}},
      {"invalid UTF-8",
       kGoodConfig,
       {"delete", "caf\xE9\xFF"},
       3,
       {"key 'caf\\xe9\\xff' not found"}},
      {"C1 control",
       kGoodConfig,
       {"touch",
        "a\xC2\x9B"
        "2J",
        "--ttl", "1h"},
       3,
       {"key 'a\\u009b2J' not found"}},
  };
  for (const BadInput& row : rows) run_row(row);
}

TEST_F(BadInputTest, BadSelectorsAndNumbers) {
  const std::vector<std::string> stale = {"clear", "--stale", "--keep-builds"};
  auto with = [](std::vector<std::string> args, const std::string& last) {
    args.push_back(last);
    return args;
  };
  const std::vector<BadInput> rows = {
      {"no selector", kGoodConfig, {"clear"}, 2, {"choose what to clear: one of --all, --stale"}},
      {"two selectors", kGoodConfig, {"clear", "--all", "--stale"}, 2, {"give exactly one of"}},
      {"keep 0 builds",
       kGoodConfig,
       with(stale, "0"),
       2,
       {"sitecache: error: --keep-builds: 0 is out of range (1 to 30)\n"}},
      {"keep more builds than exist",
       kGoodConfig,
       with(stale, "99999999999999999999"),
       2,
       {"--keep-builds: 99999999999999999999 is out of range (1 to 30)\n"}},
      {"keep builds, not a number",
       kGoodConfig,
       with(stale, "3x"),
       2,
       {"--keep-builds: must be a whole number from 1 to 30, not '3x'\n"}},
      {"keep builds, a fraction",
       kGoodConfig,
       with(stale, "1.5"),
       2,
       {"--keep-builds: must be a whole number from 1 to 30, not '1.5'\n"}},
      {"keep builds without --stale",
       kGoodConfig,
       {"clear", "--all", "--keep-builds", "2"},
       2,
       {"--keep-builds requires --stale"}},
      {"limit 0",
       kGoodConfig,
       {"ls", "--limit", "0"},
       2,
       {"--limit: 0 is out of range (1 to 4294967295)"}},
      {"stats over the kept builds",
       kGoodConfig,
       {"stats", "--builds", "31"},
       2,
       {"--builds: 31 is out of range (1 to 30)"}},
      {"gc, negative entries", kGoodConfig, {"gc", "--max-entries", "-1"}, 2, {"--max-entries"}},
      {"gc, huge entries",
       kGoodConfig,
       {"gc", "--max-entries", "99999999999999999999"},
       2,
       {"--max-entries: 99999999999999999999 is out of range (0 to 9223372036854775807)"}},
      {"gc, negative size", kGoodConfig, {"gc", "--max-size", "-1"}, 2, {"--max-size"}},
      {"bad duration",
       kGoodConfig,
       {"clear", "--older-than", "5x"},
       2,
       {"--older-than: invalid duration \"5x\": unknown unit \"x\""}},
      {"empty prefix", kGoodConfig, {"clear", "--prefix", ""}, 2, {"--prefix must not be empty"}},
      {"bad ttl", kGoodConfig, {"touch", "k", "--ttl", "-5s"}, 2, {"--ttl"}},
  };
  for (const BadInput& row : rows) run_row(row);
}

TEST_F(BadInputTest, FileBackendLocationsThatMustBeRefused) {
  const auto link_to_root = [](const fs::path& dir) {
    fs::create_directory_symlink("/", dir / "to-root");
  };
  const auto locked = [](const fs::path& dir) {
    fs::create_directories(dir / "locked");
    fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec |
                                        fs::perms::group_read | fs::perms::group_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
  };
  const std::string root_refused = "option 'location' must not be the root directory '/'";
  std::vector<BadInput> rows = {
      {"at /, config check",
       file_backend_at("/"),
       {"config", "check"},
       1,
       {"sitecache.toml:3:1: cache 'default': backend file refuses its options: " + root_refused},
       {},
       true},
      {"at /, put",
       file_backend_at("/"),
       {"put", "k"},
       1,
       {"sitecache.toml:3:1: backend file could not start: " + root_refused},
       {},
       true},
      {"at /, ls", file_backend_at("/"), {"ls"}, 1, {root_refused}, {}, true},
      {"through a symlink to /",
       file_backend_at("to-root"),
       {"put", "k"},
       1,
       {"sitecache.toml:3:1: ", "option 'location' '", "to-root' leads to the root directory '/'"},
       link_to_root,
       true},
      {"through a symlink to /, config check",
       file_backend_at("to-root"),
       {"config", "check"},
       1,
       {"leads to the root directory"},
       link_to_root,
       true},
      {"in a read-only directory",
       file_backend_at("locked/files"),
       {"put", "k"},
       1,
       {"cannot create cache directory", "locked/files", "Permission denied"},
       locked,
       false,
       true},
      {"sqlite in a read-only directory",
       "[cache.default]\nbackend = \"sqlite\"\nlocation = \"locked/cache.db\"\n",
       {"put", "k"},
       1,
       {"locked/cache.db"},
       locked,
       false,
       true},
  };
  for (const BadInput& row : rows) run_row(row);
}

// The other direction of the symlink row: a location reached through a symlink to a
// directory of its own works, and its entries land in the real directory.
TEST_F(BadInputTest, ALocationThroughASymlinkToARealDirectoryWorks) {
  fs::create_directories(dir_ / "real");
  fs::create_directory_symlink(dir_ / "real", dir_ / "link");
  write_config(file_backend_at("link"));
  ASSERT_EQ(sitecache({"config", "check"}).exit_code, 0);
  Exec put = sitecache({"put", "k"}, "v");
  ASSERT_EQ(put.exit_code, 0) << RUN_INFO(put);
  EXPECT_EQ(sitecache({"get", "k"}).out, "v");
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "real")) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_GT(files, 0u);
}

// `config check` finds what a run finds: for each config, both fail or both pass, and a
// failure names the same place.
TEST_F(BadInputTest, ConfigCheckFindsWhatARunFinds) {
  const std::vector<std::pair<std::string, std::string>> configs = {
      {"good", kGoodConfig},
      {"unknown option", with_options("foo = 1")},
      {"bad option value", with_options("synchronous = \"sometimes\"")},
      {"file at /", file_backend_at("/")},
      {"memory with a bad limit",
       "[cache.default]\nbackend = \"memory\"\nmax_entries = 1\n"
       "[cache.default.options]\nnope = true\n"},
      {"unknown backend", "[cache.default]\nbackend = \"nonesuch\"\n"},
  };
  for (const auto& [name, config] : configs) {
    SCOPED_TRACE(name);
    write_config(config);
    Exec check = sitecache({"config", "check"});
    Exec run = sitecache({"get", "k"});
    const bool check_failed = check.exit_code != 0;
    const bool run_failed = run.exit_code != 0 && run.exit_code != 3;
    EXPECT_EQ(check_failed, run_failed) << RUN_INFO(check) << "\n" << RUN_INFO(run);
    if (check_failed) {
      const std::string where = check.err.substr(0, check.err.find(": "));
      EXPECT_TRUE(where.ends_with(":1") && where.find("/sitecache.toml:") != std::string::npos)
          << check.err;
      EXPECT_NE(run.err.find(where + ": "), std::string::npos) << where << "\n" << run.err;
    }
  }
}

TEST_F(BadInputTest, ConfigCheckNotesAPluginThatCannotValidate) {
  write_config("[cache.default]\nbackend = \"" ABI10_PLUGIN "\"\n");
  Exec check = sitecache({"config", "check"});
  EXPECT_EQ(check.exit_code, 0) << RUN_INFO(check);
  EXPECT_NE(check.err.find("sitecache: note: cache 'default': backend cbackend (plugin ABI 1.0) "
                           "cannot check its options without opening its store; they are checked "
                           "when the cache is first used"),
            std::string::npos)
      << check.err;
}

TEST_F(BadInputTest, PluginsCheckNamesTheBrokenContract) {
  Exec run = sitecache({"plugins", "check", NOVALUES_PLUGIN});
  EXPECT_EQ(run.exit_code, 1) << RUN_INFO(run);
  EXPECT_NE(run.out.find("FAIL  scan: "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("novalues broke the scan contract of plugin_abi.h: it was asked for "
                         "values (SC_SCAN_VALUES) but delivered an item without one"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("PASS  validate"), std::string::npos) << run.out;
  // `ls` on such a backend fails the same way instead of listing nothing.
  write_config("[cache.default]\nbackend = \"" NOVALUES_PLUGIN "\"\nlocation = \"store\"\n");
  ASSERT_EQ(sitecache({"put", "k"}, "v").exit_code, 0);
  Exec ls = sitecache({"ls"});
  EXPECT_EQ(ls.exit_code, 1) << RUN_INFO(ls);
  EXPECT_NE(ls.err.find("broke the scan contract"), std::string::npos) << ls.err;
}

}  // namespace
}  // namespace sitecache::cli_test
