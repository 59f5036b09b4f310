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
  CacheConfig settings;
  settings.name = "plugin-check";
  settings.backend = file.string();
  settings.location = (dir / "store").string();
  settings.key_prefix = "sccheck";
  settings.timeout = Timeout::seconds(3600);
  settings.compress = Compression::none;
  settings.on_error = OnError::fail;
  Config config;
  config.base_dir = dir;
  Cache cache(settings, config, [](std::string_view) {});
  if (Status s = cache.check_backend(); !s) {
    emit(fd, Outcome::fail, "create", describe(s));
    return;
  }
  emit(fd, Outcome::pass, "create", "handle created at " + settings.location);

  std::set<std::string> present;
  auto step = [&](const std::string& name, const std::function<std::string()>& body) {
    std::string problem = body();
    emit(fd, problem.empty() ? Outcome::pass : Outcome::fail, name, problem);
  };
  std::string bytes;
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  step("miss", [&] { return expect_miss(cache, "absent"); });
  step("set and get binary bytes", [&] {
    if (Status s = cache.set("bytes", bytes); !s) return "set failed: " + describe(s);
    present.insert("bytes");
    return expect_value(cache, "bytes", bytes);
  });
  step("overwrite", [&] {
    if (Status s = cache.set("bytes", "second"); !s) return "set failed: " + describe(s);
    return expect_value(cache, "bytes", "second");
  });
  step("empty value", [&] {
    if (Status s = cache.set("empty", ""); !s) return "set failed: " + describe(s);
    present.insert("empty");
    return expect_value(cache, "empty", "");
  });
  step("large value (1 MiB)", [&] {
    std::string large(1 << 20, '\0');
    for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>((i * 7919) % 251);
    if (Status s = cache.set("large", large); !s) return "set failed: " + describe(s);
    present.insert("large");
    return expect_value(cache, "large", large);
  });
  step("add", [&] {
    Result<bool> refused = cache.add("bytes", "third");
    if (!refused) return "add failed: " + describe(refused.status());
    if (*refused) return std::string("add replaced a present key");
    Result<bool> stored = cache.add("added", "fresh");
    if (!stored) return "add failed: " + describe(stored.status());
    if (!*stored) return std::string("add refused an absent key");
    present.insert("added");
    return expect_value(cache, "added", "fresh");
  });
  step("remove", [&] {
    Result<bool> removed = cache.remove("bytes");
    if (!removed) return "remove failed: " + describe(removed.status());
    if (!*removed) return std::string("remove did not find a present key");
    present.erase("bytes");
    if (std::string miss = expect_miss(cache, "bytes"); !miss.empty()) return miss;
    Result<bool> again = cache.remove("bytes");
    if (!again) return "remove of an absent key failed: " + describe(again.status());
    return *again ? std::string("remove reported an absent key as removed") : std::string();
  });
  const uint64_t caps = info->capabilities;
  if (caps & SC_CAP_SCAN) {
    step("scan", [&] {
      // Entries written through the plain-key API carry their key as label.
      std::set<std::string> expected(present.begin(), present.end()), seen;
      Result<EntryListing> listing = list_entries(cache);
      if (!listing) return "scan failed: " + describe(listing.status());
      for (const EntryInfo& e : listing->entries) seen.insert(e.label);
      return seen == expected ? std::string()
                              : "scan listed " + std::to_string(seen.size()) +
                                    " entries, expected " + std::to_string(expected.size());
    });
  } else {
    emit(fd, Outcome::skip, "scan", "not declared");
  }
  if (caps & SC_CAP_STATS) {
    step("stats", [&] {
      Result<BackendReport> report = cache.backend_report();
      return report ? std::string() : "stats failed: " + describe(report.status());
    });
  } else {
    emit(fd, Outcome::skip, "stats", "not declared");
  }
  if (caps & (SC_CAP_CLEAR | SC_CAP_SCAN)) {
    step("clear", [&] {
      if (Status s = cache.clear(); !s) return "clear failed: " + describe(s);
      for (const std::string& key : present) {
        if (std::string miss = expect_miss(cache, key); !miss.empty())
          return "after clear: " + miss;
      }
      return std::string();
    });
  } else {
    emit(fd, Outcome::skip, "clear", "neither clear nor scan declared");
  }
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
