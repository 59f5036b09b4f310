// The self-test of `sitecache plugins check PATH`: loads a plugin file and exercises the
// contract every backend promises (miss, set/get of arbitrary bytes, overwrite, empty
// value, add, remove, and scan/stats/clear where declared) through a Cache on a
// temporary location.
#ifndef SITECACHE_CLI_PLUGIN_CHECK_HPP
#define SITECACHE_CLI_PLUGIN_CHECK_HPP

#include <filesystem>
#include <string>
#include <vector>

namespace sitecache::cli {

struct CheckStep {
  enum class Outcome { pass, fail, skip };
  std::string name;
  Outcome outcome = Outcome::pass;
  std::string detail;  // one line
};

// Runs the self-test in a child process, so a plugin that crashes or hangs is reported
// as a failed step instead of taking the command down. The temporary location is removed
// afterwards.
std::vector<CheckStep> check_plugin(const std::filesystem::path& file);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_PLUGIN_CHECK_HPP
