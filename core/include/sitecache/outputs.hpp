// Steps whose results are files: one mechanism for sitegen, `sitecache exec`, the Python
// binding and the MkDocs plugin.
//
//   // A generator that renders a string: sitecache writes the file.
//   Result<FileOutcome> page = cache.produce_file(
//       {"page", 2}, inputs, "public/posts/hello/index.html", [&] { return render(); },
//       options);
//
//   // A command that writes its own files (what `sitecache exec` does).
//   Result<FileOutcome> thumb = cache.memoize_files(
//       {"convert", 1}, inputs, {"public/img/a.jpg"}, [&] { return run_convert(); }, options);
//
// For every call:
//   - skip: inside a build session, when the newest earlier build record has this step
//     and slot with the same key, and every output still has the size, mtime, inode and
//     change time recorded then, the step does nothing at all: no render, no cache read, no write
//     (FileOutcome::Source::unchanged). The uses nested in it are recorded again.
//   - hit: every output whose content differs from the stored one, or that is missing, is
//     written from the cache atomically (a temporary file in the output's own directory,
//     then rename), with its stored permission bits. Large outputs stream from the
//     backend's bytes into the file without an intermediate copy (Source::restored).
//   - miss: render/run, then every declared output is read once, stored (inline in the
//     entry up to kInlineOutputLimit, else as a content-addressed blob, so equal outputs
//     of several steps are stored once) and recorded with its signature
//     (Source::rendered). A declared output that is missing after the run is an error
//     naming it, and nothing is stored.
//   - with Freshen::yes every output ends with the current time as mtime, also when it
//     was already right (what `make` needs); with Freshen::no untouched files keep theirs.
//
// Failures: an output that cannot be read or written is returned as an error (io, naming
// the path); backend failures follow on_error like memoize's.
#ifndef SITECACHE_OUTPUTS_HPP
#define SITECACHE_OUTPUTS_HPP

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sitecache {

// Outputs up to this size are stored inside the step's entry; larger ones as blobs.
inline constexpr uint64_t kInlineOutputLimit = 64 * 1024;

// Whether outputs that already hold the right bytes get the current time as mtime.
enum class Freshen { no, yes };

struct FileOutcome {
  enum class Source {
    unchanged,  // the outputs were already right; the cache was not read
    restored,   // a hit: the outputs were checked and written where they differed
    rendered,   // a miss: render/run ran (and its result was stored, if it may be)
  };
  Source source = Source::rendered;
  // memoize_files: the run's value (as run() returned it, or as stored). produce_file:
  // empty (the content is in the file).
  std::string value;
  // How many outputs were written from the cache.
  uint64_t written = 0;
};

// What a memoize_files run returns.
struct StepRun {
  std::string value;  // stored with the outputs (exec: the streams and exit status)
  // Whether the run may be stored. A run that is not stored is returned as it is.
  enum class Store { yes, no };
  Store store = Store::yes;
  std::string why_not;  // for --verbose and explain, when Store::no
};

}  // namespace sitecache

#endif  // SITECACHE_OUTPUTS_HPP
