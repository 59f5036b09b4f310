// The file system side of file steps (outputs.hpp): signatures, atomic writes, reads.
//
// Every write is atomic: the bytes go to an unnamed file in the output's own directory
// (O_TMPFILE; a named temporary file where the file system lacks it), which is then
// linked and renamed over the output. A process killed mid-write leaves the old file or
// none, never a partial one, and (with O_TMPFILE) no temporary file either.
//
// Every failure is a Status naming the path: not_found for a missing output, io for
// anything the system refused, invalid_argument for an output that is not a regular file
// (a directory where a file was declared).
#ifndef SITECACHE_MEMO_OUTPUT_FILES_HPP
#define SITECACHE_MEMO_OUTPUT_FILES_HPP

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "sitecache/build.hpp"
#include "sitecache/key.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

struct FileSignature {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;  // permission bits
  int64_t ctime_ns = 0;
};

// The output's signature (lstat: a symlink is not a regular file).
Result<FileSignature> stat_output(const std::filesystem::path& path);

// Whether `path` still has the size, mtime, inode and change time `recorded` says.
bool matches(const std::filesystem::path& path, const RecordedOutput& recorded);

// Writes an output atomically with permission bits `mode`, creating its directory.
// `fill` receives the open descriptor and writes the content; it returns the Status.
Status write_output(const std::filesystem::path& path, uint32_t mode,
                    const std::function<Status(int fd)>& fill);
// The common fills: bytes, and a stored payload (raw, or one zstd frame of raw_size
// bytes) streamed without an intermediate copy. Both check the content digest as they
// write: corruption when it differs from `expected`.
Status write_bytes(int fd, std::string_view bytes);
Status write_payload(int fd, std::span<const uint8_t> payload, bool zstd, uint64_t raw_size,
                     const Digest& expected);

// Gives an output the current time as mtime.
Status freshen_output(const std::filesystem::path& path);

// Reads an output of `size` bytes (from its signature) into `dst`; io when it is shorter.
Status read_output(const std::filesystem::path& path, char* dst, uint64_t size);

}  // namespace sitecache

#endif  // SITECACHE_MEMO_OUTPUT_FILES_HPP
