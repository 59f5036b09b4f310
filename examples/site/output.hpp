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

#include <sitecache/memoize.hpp>

namespace sitegen {

class OutputTree {
 public:
  // Throws std::runtime_error when `root` is, or contains, one of `keep` (the content and
  // template folders, the working directory): remove_stale() would delete them.
  // `hasher` (optional, not owned, must outlive this) lets write() recognise an unchanged
  // output by its stat-cached digest instead of reading it back.
  OutputTree(std::filesystem::path root, const std::vector<std::filesystem::path>& keep,
             sitecache::FileHasher* hasher = nullptr);

  // Makes root/rel hold exactly `content`; an identical file is left untouched (same
  // size, then same digest through the stat cache, or same bytes without one). A changed
  // file is replaced atomically (temp file + rename). Thread-safe; two writes of one
  // `rel` in a build are a logic_error.
  void write(const std::string& rel, std::string_view content);

  // Names root/rel as produced by this build without writing it (a caller that writes
  // the file itself, e.g. through Cache::produce_file) and returns that path. Thread-safe;
  // a second claim or write of one `rel` in a build is a logic_error.
  std::filesystem::path claim(const std::string& rel);
  // Counts `files` written by the caller of claim() into written().
  void count_written(uint64_t files) { written_ += files; }

  // Deletes every file under root that no write() of this build named, then the folders
  // left empty. Returns how many files were removed.
  size_t remove_stale();

  size_t produced() const;
  size_t written() const { return written_; }

 private:
  bool holds_exactly(const std::filesystem::path& path, std::string_view content) const;

  std::filesystem::path root_;
  sitecache::FileHasher* hasher_;
  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> produced_;  // '/'-separated paths relative to root
  std::atomic<size_t> written_{0};
};

}  // namespace sitegen

#endif  // SITEGEN_OUTPUT_HPP
