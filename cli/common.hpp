// What every verb of the `sitecache` command shares: exit codes, errors, the global
// options, and the configuration and caches they select.
#ifndef SITECACHE_CLI_COMMON_HPP
#define SITECACHE_CLI_COMMON_HPP

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "sitecache/cache.hpp"
#include "sitecache/config.hpp"
#include "sitecache/status.hpp"

namespace sitecache::cli {

// The documented exit status of every verb.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // the operation failed (backend, I/O, bad config file, failed check)
  kExitUsage = 2,     // bad command line: unknown verb/option/cache, bad value
  kExitNotFound = 3,  // the key (or slot) does not exist
};

// Ends a verb with an exit code and a one-line message for stderr. Only the CLI throws.
class CliError : public std::runtime_error {
 public:
  CliError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

[[noreturn]] void fail(const std::string& message);
[[noreturn]] void usage_error(const std::string& message);
[[noreturn]] void not_found(const std::string& message);

// Exit 1 with the status's message when it failed.
void check(const Status& status);
template <class T>
T take(Result<T> result) {
  check(result.status());
  return std::move(result.value());
}

// Options that apply to every verb (given before or after the verb).
struct GlobalOptions {
  std::string cache;   // --cache; empty when not given (then "default")
  std::string config;  // --config; empty when not given
  // `exec`: everything after its '--', kept away from the option parser (CLI11 would
  // read an option-like word of the command, or take '--' as the end of a list option).
  std::vector<std::string> exec_command;
};

// The configuration and caches of one invocation, loaded on first use. Caches are opened
// with on_error = "fail": an administrator asking for an operation must see it fail, not
// a silent miss. config() keeps the settings exactly as configured.
class Context {
 public:
  explicit Context(const GlobalOptions& options) : options_(options) {}

  const GlobalOptions& options() const { return options_; }
  // Exit 1 when the file cannot be loaded.
  const Config& config();
  Caches& caches();
  // The cache named by --cache ("default" when not given); exit 2 when there is none.
  Cache& cache();
  // The same cache as a build step uses it: with its configured on_error, so that a
  // backend failure is a miss and a warning rather than a failed step.
  Cache& build_cache();
  // The --cache cache, or every configured cache when --cache was not given.
  std::vector<Cache*> selected_caches();
  // Validates --cache against the configuration (exit 2) without opening anything.
  void check_cache_name();

 private:
  const GlobalOptions& options_;
  std::optional<Config> config_;
  std::optional<Caches> caches_;
  std::optional<Caches> build_caches_;
};

// A verb's body, run after a successful parse; returns the exit code.
using Runner = std::function<int()>;

// Every verb registers its subcommand(s), synopsis and runner here.
class Verbs {
 public:
  struct Verb {
    const CLI::App* command = nullptr;
    std::string usage;  // "sitecache get KEY [-o FILE]": printed after a usage error
    Runner run;         // empty for a command that only groups others
  };
  void add(CLI::App* command, std::string usage, Runner run = {}) {
    verbs_.push_back({command, std::move(usage), std::move(run)});
  }
  const Verb* find(const CLI::App* command) const;

 private:
  std::vector<Verb> verbs_;
};

void add_stats_command(CLI::App& app, Context& context, Verbs& verbs);
void add_ls_command(CLI::App& app, Context& context, Verbs& verbs);
void add_clear_command(CLI::App& app, Context& context, Verbs& verbs);
void add_gc_command(CLI::App& app, Context& context, Verbs& verbs);
void add_kv_commands(CLI::App& app, Context& context, Verbs& verbs);
void add_explain_command(CLI::App& app, Context& context, Verbs& verbs);
void add_plugins_command(CLI::App& app, Context& context, Verbs& verbs);
void add_config_command(CLI::App& app, Context& context, Verbs& verbs);
void add_exec_command(CLI::App& app, Context& context, Verbs& verbs);
void add_build_command(CLI::App& app, Context& context, Verbs& verbs);
void add_key_command(CLI::App& app, Context& context, Verbs& verbs);
void add_keys_command(CLI::App& app, Context& context, Verbs& verbs);
void add_report_command(CLI::App& app, Context& context, Verbs& verbs);
// The position of the verb in argv: the first word that is neither a global option nor
// its value (argc when there is none).
int verb_index(int argc, char** argv);
// Splits an `exec` command line at its '--': the words before it for the parser, the
// command after it into `command`. Other command lines pass through whole. `exec`
// without '--' is a usage error (CliError).
std::vector<char*> split_exec_command(int argc, char** argv, std::vector<std::string>& command);

// $SITECACHE_BUILD: the build (`sitecache build start`) a command's cache work joins.
bool named_build();
// A session of that build, or nullopt when none is named or it cannot be joined (then
// with one warning: a build step must not fail over its bookkeeping).
std::optional<BuildSession> join_named_build(Cache& cache);

// A check for a whole-number option: decimal digits only, from `min` to `max`. A usage
// error otherwise, which CLI11 reports as "--keep-builds: must be a whole number from 1
// to 30, not '0'" (CLI11's own numeric checks print doubles with 300 digits, and its
// conversion let 99999999999999999999 through).
CLI::Validator whole_number(uint64_t min, uint64_t max);

// Command-line values, parsed with the library's own rules; exit 2 naming the option.
std::chrono::milliseconds parse_duration_arg(std::string_view option, std::string_view text);
Timeout parse_timeout_arg(std::string_view option, std::string_view text);
uint64_t parse_size_arg(std::string_view option, std::string_view text);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_COMMON_HPP
