#include "plugin_check.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>

#include "sitecache/cache.hpp"
#include "sitecache/maintenance.hpp"
#include "sitecache/plugin_abi.h"
#include "sitecache/plugin_registry.hpp"

namespace sitecache::cli {
namespace {

namespace fs = std::filesystem;

// A plugin that blocks longer than this is reported as hung.
constexpr unsigned kTimeoutSeconds = 60;

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  return text;
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Step results travel from the child as "OUTCOME\tNAME\tDETAIL\n".
void emit(int fd, CheckStep::Outcome outcome, const std::string& name, const std::string& detail) {
  const char* word = outcome == CheckStep::Outcome::pass   ? "pass"
                     : outcome == CheckStep::Outcome::fail ? "fail"
                                                           : "skip";
  write_all(fd, std::string(word) + "\t" + one_line(name) + "\t" + one_line(detail) + "\n");
}

std::string describe(const Status& s) {
  return s.message().empty() ? s.to_string() : s.message();
}

// Expects `key` to read back as exactly `value`; "" on success, else what went wrong.
std::string expect_value(Cache& cache, const std::string& key, const std::string& value) {
  Result<std::optional<std::string>> got = cache.get(key);
  if (!got) return "get failed: " + describe(got.status());
  if (!got->has_value()) return "get missed a key that was just stored";
  if (**got != value) {
    return "get returned " + std::to_string((*got)->size()) + " bytes that differ from the " +
           std::to_string(value.size()) + " stored";
  }
  return "";
}

std::string expect_miss(Cache& cache, const std::string& key) {
  Result<std::optional<std::string>> got = cache.get(key);
  if (!got) return "get failed: " + describe(got.status());
  return got->has_value() ? "get found a key that should be absent" : "";
}

// The steps of one check, run in the child process; each reports through `fd`.
class SelfTest {
 public:
  SelfTest(Cache& cache, int fd) : cache_(cache), fd_(fd) {}

  // Runs `body`; an empty result passes, anything else is the failure's description.
  void step(const std::string& name, const std::function<std::string()>& body) {
    std::string problem = body();
    emit(fd_, problem.empty() ? CheckStep::Outcome::pass : CheckStep::Outcome::fail, name, problem);
  }
  void skip(const std::string& name, const std::string& why) {
    emit(fd_, CheckStep::Outcome::skip, name, why);
  }

  // get, set, overwrite, empty and large values, add, remove: every backend's contract.
  void required_operations() {
    step("miss", [&] { return expect_miss(cache_, "absent"); });
    step("set and get binary bytes", [&] {
      std::string bytes;
      for (int round = 0; round < 4; ++round) {
        for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
      }
      return store("bytes", bytes);
    });
    step("overwrite", [&] { return store("bytes", "second"); });
    step("empty value", [&] { return store("empty", ""); });
    step("large value (1 MiB)", [&] {
      std::string large(1 << 20, '\0');
      for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>((i * 7919) % 251);
      return store("large", large);
    });
    step("add", [&] { return add(); });
    step("remove", [&] { return remove(); });
  }

  // scan, stats and clear, where the plugin declares them.
  void optional_operations(uint64_t capabilities) {
    if (capabilities & SC_CAP_SCAN) {
      step("scan", [&] { return scan(); });
    } else {
      skip("scan", "not declared");
    }
    if (capabilities & SC_CAP_STATS) {
      step("stats", [&] {
        Result<BackendReport> report = cache_.backend_report();
        return report ? std::string() : "stats failed: " + describe(report.status());
      });
    } else {
      skip("stats", "not declared");
    }
    if (capabilities & (SC_CAP_CLEAR | SC_CAP_SCAN)) {
      step("clear", [&] { return clear(); });
    } else {
      skip("clear", "neither clear nor scan declared");
    }
  }

 private:
  std::string store(const std::string& key, const std::string& value) {
    if (Status s = cache_.set(key, value); !s) return "set failed: " + describe(s);
    present_.insert(key);
    return expect_value(cache_, key, value);
  }
  std::string add() {
    Result<bool> refused = cache_.add("bytes", "third");
    if (!refused) return "add failed: " + describe(refused.status());
    if (*refused) return "add replaced a present key";
    Result<bool> stored = cache_.add("added", "fresh");
    if (!stored) return "add failed: " + describe(stored.status());
    if (!*stored) return "add refused an absent key";
    present_.insert("added");
    return expect_value(cache_, "added", "fresh");
  }
  std::string remove() {
    Result<bool> removed = cache_.remove("bytes");
    if (!removed) return "remove failed: " + describe(removed.status());
    if (!*removed) return "remove did not find a present key";
    present_.erase("bytes");
    if (std::string miss = expect_miss(cache_, "bytes"); !miss.empty()) return miss;
    Result<bool> again = cache_.remove("bytes");
    if (!again) return "remove of an absent key failed: " + describe(again.status());
    return *again ? "remove reported an absent key as removed" : "";
  }
  std::string scan() {
    // Entries written through the plain-key API carry their key as label.
    std::set<std::string> seen;
    Result<EntryListing> listing = list_entries(cache_);
    if (!listing) return "scan failed: " + describe(listing.status());
    for (const EntryInfo& e : listing->entries) seen.insert(e.label);
    // plugin_abi.h, scan: "Entries present for the whole scan are visited at least once".
    return seen == present_ ? std::string()
                            : "scan listed " + std::to_string(seen.size()) + " entries, expected " +
                                  std::to_string(present_.size()) +
                                  ": every entry present for the whole scan must be visited "
                                  "(plugin_abi.h, scan)";
  }
  std::string clear() {
    if (Status s = cache_.clear(); !s) return "clear failed: " + describe(s);
    for (const std::string& key : present_) {
      if (std::string miss = expect_miss(cache_, key); !miss.empty()) return "after clear: " + miss;
    }
    return "";
  }

  Cache& cache_;
  int fd_;
  std::set<std::string> present_;  // the keys that should be stored now
};

// The settings of the throwaway cache a check runs on, in `dir`.
CacheConfig check_settings(const fs::path& file, const fs::path& dir) {
  CacheConfig settings;
  settings.name = "plugin-check";
  settings.backend = file.string();
  settings.location = (dir / "store").string();
  settings.key_prefix = "sccheck";
  settings.timeout = Timeout::seconds(3600);
  settings.compress = Compression::none;
  settings.on_error = OnError::fail;
  return settings;
}

// ABI 1.1 validate: accepts the options create accepted, refuses an unknown one by name.
void check_validate(CacheConfig settings, const Config& config, int fd) {
  using Outcome = CheckStep::Outcome;
  const Status valid = validate_backend(settings, config);
  if (valid.code() == StatusCode::unsupported) {
    emit(fd, Outcome::skip, "validate", "not provided (plugin ABI 1.0)");
    return;
  }
  if (!valid) {
    emit(fd, Outcome::fail, "validate", "refused the options create accepted: " + describe(valid));
    return;
  }
  settings.options.emplace_back("sccheck_no_such_option", "1");
  const Status unknown = validate_backend(settings, config);
  if (unknown.code() != StatusCode::invalid_argument ||
      unknown.message().find("sccheck_no_such_option") == std::string::npos) {
    emit(fd, Outcome::fail, "validate",
         "an unknown option must be refused as SC_INVALID_ARGUMENT naming it; got " +
             (unknown ? std::string("OK") : describe(unknown)));
    return;
  }
  emit(fd, Outcome::pass, "validate", "");
}

void self_test(const fs::path& file, const fs::path& dir, int fd) {
  using Outcome = CheckStep::Outcome;
  Result<PluginInfo> info = inspect_plugin(file);
  if (!info) {
    emit(fd, Outcome::fail, "load", describe(info.status()));
    return;
  }
  emit(fd, Outcome::pass, "load",
       info->name + " " + info->version + ", ABI " + std::to_string(info->abi_major) + "." +
           std::to_string(info->abi_minor));
  const CacheConfig settings = check_settings(file, dir);
  Config config;
  config.base_dir = dir;
  Cache cache(settings, config, [](std::string_view) {});
  if (Status s = cache.check_backend(); !s) {
    emit(fd, Outcome::fail, "create", describe(s));
    return;
  }
  emit(fd, Outcome::pass, "create", "handle created at " + settings.location);
  check_validate(settings, config, fd);
  SelfTest test(cache, fd);
  test.required_operations();
  test.optional_operations(info->capabilities);
}

std::vector<CheckStep> parse_steps(const std::string& text) {
  std::vector<CheckStep> steps;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    size_t tab1 = line.find('\t');
    size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string::npos) continue;
    CheckStep step;
    std::string word = line.substr(0, tab1);
    step.outcome = word == "pass"   ? CheckStep::Outcome::pass
                   : word == "skip" ? CheckStep::Outcome::skip
                                    : CheckStep::Outcome::fail;
    step.name = line.substr(tab1 + 1, tab2 - tab1 - 1);
    step.detail = line.substr(tab2 + 1);
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace

std::vector<CheckStep> check_plugin(const fs::path& file) {
  auto failed = [](std::string detail) {
    return std::vector<CheckStep>{{"self-test", CheckStep::Outcome::fail, std::move(detail)}};
  };
  std::error_code ec;
  fs::path tmp_root = fs::temp_directory_path(ec);
  if (ec) tmp_root = "/tmp";
  std::string pattern = (tmp_root / "sitecache-check-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return failed("cannot create a temporary directory: " + std::string(std::strerror(errno)));
  }
  const fs::path dir = pattern;
  int fds[2];
  if (::pipe(fds) != 0) {
    fs::remove_all(dir, ec);
    return failed("pipe: " + std::string(std::strerror(errno)));
  }
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    ::alarm(kTimeoutSeconds);
    self_test(file, dir, fds[1]);
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string output;
  if (child > 0) {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      output.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fds[0]);
  std::vector<CheckStep> steps;
  if (child < 0) {
    steps = failed("fork: " + std::string(std::strerror(errno)));
  } else {
    steps = parse_steps(output);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
      int sig = WTERMSIG(status);
      std::string what = sig == SIGALRM ? "hung for " + std::to_string(kTimeoutSeconds) + "s"
                                        : "crashed (" + std::string(strsignal(sig)) + ")";
      steps.push_back(
          {"self-test", CheckStep::Outcome::fail, "the plugin " + what + " after the steps above"});
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      steps.push_back({"self-test", CheckStep::Outcome::fail, "the test process failed"});
    }
  }
  fs::remove_all(dir, ec);
  return steps;
}

}  // namespace sitecache::cli
