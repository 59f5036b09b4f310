// What `sitecache exec` keys a command by: the step, the argv, the executable's content,
// the declared inputs, environment variables and stdin, and the working directory; paths
// under the base directory count relative to it, so two checkouts of a site share entries
// (ccache's base_dir).
#ifndef SITECACHE_CLI_EXEC_INPUTS_HPP
#define SITECACHE_CLI_EXEC_INPUTS_HPP

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sitecache/memoize.hpp"

namespace sitecache::cli {

// Paths as the key sees them: an absolute path under `base` becomes "{base}/rel", so it
// is the same in every checkout; anything else stays as it is.
class BaseDir {
 public:
  explicit BaseDir(std::filesystem::path base);
  std::string keyed(const std::string& text) const;
  const std::filesystem::path& path() const { return base_; }

 private:
  std::filesystem::path base_;
};

// What --in names, expanded: a file, every file under a directory, or what a glob matches
// (glob(3) syntax; quote it so the shell does not expand it first). Sorted, each once.
struct ExpandedInputs {
  std::vector<std::filesystem::path> files;
  std::vector<std::string> empty_patterns;  // patterns that matched nothing
};
// Throws CliError (exit 1) when a named file cannot be read.
ExpandedInputs expand_inputs(const std::vector<std::string>& patterns);

// Whether `name` is a valid environment variable name for --env.
bool is_env_name(const std::string& name);

// Everything of one exec call that enters its key.
struct ExecKey {
  std::vector<std::string> argv;
  std::filesystem::path executable;
  std::vector<std::filesystem::path> inputs;
  std::vector<std::string> env;  // names
  std::optional<std::string> stdin_bytes;
};
// The Inputs the key is made from. Fails (io, not_found) when a file cannot be hashed.
Inputs exec_inputs(const ExecKey& key, const BaseDir& base, FileHasher& hasher);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_EXEC_INPUTS_HPP
