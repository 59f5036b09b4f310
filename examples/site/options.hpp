// Command-line options of sitegen.
#ifndef SITEGEN_OPTIONS_HPP
#define SITEGEN_OPTIONS_HPP

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace sitegen {

struct Options {
  std::filesystem::path content = "content";
  std::filesystem::path out = "public";
  std::filesystem::path templates;                    // empty: the built-in templates
  std::optional<std::filesystem::path> site_config;   // empty: <content>/../site.toml if present
  std::optional<std::filesystem::path> cache_config;  // --config; empty: the usual lookup
  std::string cache_name = "default";
  std::optional<std::filesystem::path> stats_json;  // machine-readable summary
  unsigned jobs = 1;
  bool no_cache = false;
  bool quiet = false;
  bool help = false;
};

// Thrown for a bad command line; main prints it with the usage and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse_options(int argc, char** argv);
const char* usage_text();

}  // namespace sitegen

#endif  // SITEGEN_OPTIONS_HPP
