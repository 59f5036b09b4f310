// The output folder: writes that skip unchanged files, and removal of what a build no
// longer produces, so that an incremental build leaves exactly what a clean one would.
#ifndef SITEGEN_OUTPUT_HPP
#define SITEGEN_OUTPUT_HPP

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sitegen {

class OutputTree {
 public:
  // Throws std::runtime_error when `root` is, or contains, one of `keep` (the content and
  // template folders, the working directory): remove_stale() would delete them.
  OutputTree(std::filesystem::path root, const std::vector<std::filesystem::path>& keep);

  // Makes root/rel hold exactly `content`; an identical file (size, then bytes) is left
  // untouched. A changed file is replaced atomically (temp file + rename). Thread-safe;
  // two writes of one `rel` in a build are a logic_error.
  void write(const std::string& rel, std::string_view content);

  // Deletes every file under root that no write() of this build named, then the folders
  // left empty. Returns how many files were removed.
  size_t remove_stale();

  size_t produced() const;
  size_t written() const { return written_; }

 private:
  std::filesystem::path root_;
  mutable std::mutex mutex_;
  std::set<std::string> produced_;  // generic '/'-separated paths relative to root
  std::atomic<size_t> written_{0};
};

}  // namespace sitegen

#endif  // SITEGEN_OUTPUT_HPP
