// The `sitecache` application: the global options, every verb, and the verb a command
// line selects. main() parses and runs one command line; the command-line fuzz harness
// (tests/fuzz/fuzz_cli.cpp) parses without running anything that touches a cache.
#ifndef SITECACHE_CLI_APP_HPP
#define SITECACHE_CLI_APP_HPP

#include <optional>
#include <string>
#include <string_view>

#include "common.hpp"

namespace sitecache::cli {

class Application {
 public:
  Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Parses argv (argv[0] is the program). Only the verb argv names is built (all of them
  // when it names none that is known: `sitecache --help`, a typo). A command line CLI11 refuses is
  // reported on stderr with the usage of the deepest command it reached; the result is then its
  // exit status (0 for --help and --version). nullopt when it parsed.
  std::optional<int> parse(int argc, char** argv);
  // The verb the parsed command line selected, and its path ("sitecache plugins info");
  // nullptr for a command that only groups others.
  const Verbs::Verb* selected(std::string& path) const;
  // Runs the selected verb: its exit status; a CliError becomes its message on stderr.
  int run();

  GlobalOptions& globals() { return globals_; }
  const CLI::App& app() const { return app_; }

 private:
  // Adds the verb group that defines `verb`, or every verb when none does.
  void add_verbs(std::string_view verb);

  GlobalOptions globals_;
  Context context_{globals_};
  CLI::App app_{"sitecache: the build cache of static-site generators", "sitecache"};
  Verbs verbs_;
};

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_APP_HPP
