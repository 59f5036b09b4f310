// What `sitecache exec` stores besides the output files: the command's exit status and
// its two streams, replayed on a hit.
//
// Grammar (integers little-endian):
//   result := "SCEX" version:u8 exit_status:u8 stdout_length:u64 stdout stderr_length:u64
//             stderr
//
// Version history: 1  first version.
#ifndef SITECACHE_CLI_EXEC_RESULT_HPP
#define SITECACHE_CLI_EXEC_RESULT_HPP

#include <optional>
#include <string>
#include <string_view>

namespace sitecache::cli {

struct ExecResult {
  int exit_status = 0;
  std::string out, err;

  std::string encode() const;
  // nullopt for bytes that are not a result of this version.
  static std::optional<ExecResult> decode(std::string_view bytes);
};

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_EXEC_RESULT_HPP
