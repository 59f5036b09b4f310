// Moving file-step outputs between the file system and the cache (outputs.hpp): capturing
// what a step wrote (inline in its manifest, or as a content-addressed blob), and
// restoring a manifest's outputs where they differ from what is on disk.
#ifndef SITECACHE_MEMO_OUTPUT_STORE_HPP
#define SITECACHE_MEMO_OUTPUT_STORE_HPP

#include <filesystem>
#include <string_view>
#include <vector>

#include "cache/cache_impl.hpp"
#include "memo/manifest.hpp"
#include "sitecache/outputs.hpp"

namespace sitecache {

// The output at `path` as the manifest stores it: its bytes read once, inline up to
// kInlineOutputLimit, else stored as a blob (unless an equal blob is already there).
// not_found/invalid_argument name a missing output or one that is not a regular file.
Result<ManifestOutput> capture_output(CacheImpl& impl, const std::filesystem::path& path);

// `content` (just written to `path` with `mode`) as the manifest stores it.
Result<ManifestOutput> capture_content(CacheImpl& impl, const std::filesystem::path& path,
                                       std::string_view content, uint32_t mode);

// Makes every `paths[i]` hold `manifest.outputs[i]`: outputs that already hold it are left
// alone (given the current time as mtime with Freshen::yes), the others are written from
// the manifest or their blob. Adds how many it wrote to `written`. corruption or not_found
// when a blob is damaged or gone (the caller then renders again); io when a file cannot
// be written.
Status restore_outputs(CacheImpl& impl, const Manifest& manifest,
                       const std::vector<std::filesystem::path>& paths, Freshen freshen,
                       uint64_t& written);

// Makes `path` hold `content` (whose digest is `digest`) with permission bits `mode`, from
// the bytes in memory: left alone when it already holds them (given the current time as
// mtime with Freshen::yes), else written atomically; adds 1 to `written` then. What a
// render's miss does: restoring from the manifest instead would read a large output back
// from its blob, which a backend that keeps nothing (dummy) or a lost write no longer has.
// io when the file cannot be written.
Status write_content(const std::filesystem::path& path, std::string_view content,
                     const Digest& digest, uint32_t mode, Freshen freshen, uint64_t& written);

// What the build record keeps of an output that holds `digest` now.
Result<RecordedOutput> record_output(const std::filesystem::path& path, const Digest& digest);

}  // namespace sitecache

#endif  // SITECACHE_MEMO_OUTPUT_STORE_HPP
