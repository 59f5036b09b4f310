// Running the command of `sitecache exec`: found through PATH, its stdout and stderr
// streamed through to ours as they arrive and captured at the same time.
#ifndef SITECACHE_CLI_EXEC_PROCESS_HPP
#define SITECACHE_CLI_EXEC_PROCESS_HPP

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sitecache::cli {

// The file `command` runs: a path when it contains '/', else the first executable match in
// $PATH (as execvp would run it). nullopt when there is none.
std::optional<std::filesystem::path> find_executable(const std::string& command);

struct CommandResult {
  int exit_status = 0;  // when it exited
  int signal = 0;       // when a signal ended it (then exit_status is meaningless)
  std::string out, err;
};

// What the command reads on stdin: nothing (/dev/null, so an undeclared read cannot make
// the result depend on unkeyed input), or the given bytes.
enum class StdinSource { none, bytes };

// Runs `executable` with `argv` (argv[0] as typed) and waits. Everything the command
// writes is copied to this process's stdout and stderr as it arrives, and kept. Throws
// CliError (exit 1) when it cannot be started.
CommandResult run_command(const std::filesystem::path& executable,
                          const std::vector<std::string>& argv, StdinSource stdin_source,
                          const std::string& stdin_bytes);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_EXEC_PROCESS_HPP
